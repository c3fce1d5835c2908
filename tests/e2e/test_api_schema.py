"""The whole OpenAPI spec, fuzzed in-process: no 5xx, every answer matches its documented schema.

Schemathesis generates requests from the spec (valid and edge-case payloads, odd query values)
and sends them with the administrator's token, so the gate lets everything through to the
validation and the domain. Bounded: 10 valid and 4 invalid examples per operation, and 10 more
aimed at real records (the fuzz was the slowest test of the suite at 25 + 8 + 25, and still
among the slowest at 15 + 6 + 15; derandomized, so each run sends the same requests).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

ADMIN_TOKEN = "schema-admin-token"
POSITIVE_EXAMPLES = 10
NEGATIVE_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def seeded_app(path: Path) -> tuple[FastAPI, Runtime, dict[str, str]]:
    store = Settings(database_url=f"sqlite:///{path}", admin_token=ADMIN_TOKEN)
    runtime = open_runtime(store)
    # A little history, so reads return rows (and their schemas get checked).
    app = runtime.app
    unit = app.register_unit(RegisterUnit(
        code="Q", name="Quận ủy", kind="dang_uy", established_on=date(2000, 1, 1)),
        recorded_by="seed").id
    app.register_title(RegisterTitle(
        code="bi_thu", name="Bí thư", is_head=True, management_tier="thanh_uy"), recorded_by="seed")
    cadre = app.register_cadre(RegisterCadre(full_name="Nguyễn Văn A", gender=Gender.NAM,
                                             born_on=date(1970, 1, 1)), recorded_by="seed").id
    app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit, title_code="bi_thu",
                               effective_on=date(2020, 1, 1),
                               decision=Decision("1/QĐ", date(2020, 1, 1), "Thành ủy", "B")),
                recorded_by="seed")
    runtime.catch_up()
    return create_app(store, runtime), runtime, {"cadre_id": str(cadre), "unit_id": str(unit)}


def test_no_server_error_and_responses_match_the_spec(tmp_path: Path) -> None:
    app, runtime, known = seeded_app(tmp_path / "hoso.sqlite3")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    failures: list[str] = []
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results)
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 24
    try:
        for operation in operations:
            names = {p.name for p in operation.path_parameters}
            # Random ids mostly meet 404; a third pass aims the same payloads at real records.
            passes: list[tuple[GenerationMode, int, dict[str, str] | None]] = [
                (GenerationMode.POSITIVE, POSITIVE_EXAMPLES, None),
                (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, None)]
            if names and names <= set(known):
                passes.append((GenerationMode.POSITIVE, POSITIVE_EXAMPLES,
                               {n: known[n] for n in names}))
            for mode, examples, path_parameters in passes:

                @given(case=operation.as_strategy(generation_mode=mode,
                                                  path_parameters=path_parameters))
                @settings(max_examples=examples, deadline=None, derandomize=True,
                          database=None, suppress_health_check=list(HealthCheck),
                          phases=[Phase.explicit, Phase.generate])
                def run(case: schemathesis.Case) -> None:
                    case.call_and_validate(headers=headers, checks=CHECKS)

                try:
                    run()
                except Exception as error:  # collect every operation's first failure
                    failures.append(f"{operation.label} [{mode}]: {error}"[:3000])
    finally:
        runtime.close()
    assert not failures, "\n\n".join(failures)


def test_every_operation_has_one_tag_a_summary_and_a_stable_id(tmp_path: Path) -> None:
    app, runtime, _ = seeded_app(tmp_path / "hoso.sqlite3")
    try:
        spec = app.openapi()
        ids = []
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                where = f"{method.upper()} {path}"
                assert len(operation.get("tags", [])) == 1, where
                assert operation.get("summary"), where
                ids.append(operation["operationId"])
                if path.startswith("/api/v1") and method != "get":
                    assert "201" in operation["responses"] or "200" in operation["responses"]
                assert "422" in operation["responses"], where
        assert len(ids) == len(set(ids))
        assert all("_api_v1_" not in i for i in ids), "operation ids must be explicit"
        with TestClient(app) as client:
            assert client.get("/docs").status_code == 200
    finally:
        runtime.close()
