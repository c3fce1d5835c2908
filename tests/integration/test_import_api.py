"""Imports over HTTP: the template, a dry run's report, all-or-nothing 400 with the same
report, 201 with the import's id and position, and the unit scope of a personnel officer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.app import create_app
from domain.commands import RegisterTitle, RegisterUnit
from infra.access import AccessStore
from infra.clock import PinnedClock
from infra.importing import SHEET_CADRES, SHEET_HISTORY, XLSX_MEDIA_TYPE
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock

TODAY = date(2026, 11, 24)
ADMIN = "import-api-admin-token"
BTV = "Ban Thường vụ Quận ủy"
HEADERS = ["Họ và tên", "Giới tính", "Ngày sinh", "Số định danh cá nhân", "Đơn vị (mã)",
           "Chức danh (mã)", "Ngày bổ nhiệm", "Số quyết định", "Ngày ký", "Cơ quan ban hành"]


@pytest.fixture
def service(sqlite_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    settings = sqlite_settings.model_copy(update={"admin_token": ADMIN})
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    ka = rt.app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="seed").id
    for code in ("KA-NV", "KA-TC"):
        rt.app.register_unit(RegisterUnit(
            code=code, name=code, kind="phong", established_on=date(2000, 1, 1), parent_id=ka),
            recorded_by="seed")
    rt.app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="seed")
    rt.catch_up()
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        yield client, rt
    rt.close()


def sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET_CADRES
    for row in [HEADERS, *rows]:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lan(unit: str = "KA-NV") -> list[object]:
    return ["Nguyễn Thị Lan", "Nữ", "02/05/1980", "031180001234", unit, "truong_phong",
            "01/03/2021", "12-QĐ/QU", "25/02/2021", BTV]


def upload(client: TestClient, data: bytes, **params: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/imports", params=params,
                       files={"file": ("ds.xlsx", data, XLSX_MEDIA_TYPE)})


def test_template_dry_run_refusal_and_import(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    template = client.get("/api/v1/imports/template")
    assert template.status_code == 200
    assert template.headers["content-type"] == XLSX_MEDIA_TYPE
    assert load_workbook(io.BytesIO(template.content)).sheetnames[:2] == [SHEET_CADRES,
                                                                          SHEET_HISTORY]
    head = rt.log.head()

    bad = sheet([lan("KA-XX")])
    dry = upload(client, bad, dry_run="true")
    assert dry.status_code == 200
    body = dry.json()
    assert (body["dry_run"], body["ok"], body["recorded"]) == (True, False, False)
    (problem,) = body["problems"]
    assert (problem["sheet"], problem["row"], problem["column"], problem["value"],
            problem["code"]) == (SHEET_CADRES, 2, "Đơn vị (mã)", "KA-XX", "unit_not_found")
    assert "đơn vị" in problem["problem"]
    # The same flag as a form field.
    form = client.post("/api/v1/imports", data={"dry_run": "true"},
                       files={"file": ("ds.xlsx", bad, XLSX_MEDIA_TYPE)})
    assert form.status_code == 200 and form.json()["dry_run"] is True

    refused = upload(client, bad)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "import_refused"
    assert refused.json()["report"]["problems"] == body["problems"]
    assert rt.log.head() == head

    good = upload(client, sheet([lan()]))
    assert good.status_code == 201, good.json()
    receipt = good.json()
    assert receipt["recorded"] and receipt["position"] == receipt["last_position"]
    UUID(receipt["id"])
    cadres = client.get("/api/v1/cadres", params={"q": "nguyen thi lan"}).json()["cadres"]
    assert [c["full_name"] for c in cadres] == ["Nguyễn Thị Lan"]
    record = client.get(f"/api/v1/cadres/{cadres[0]['id']}/record").json()["entries"]
    assert {e["recorded_by"] for e in record} == {f"admin (import {receipt['digest'][:8]})"}

    again = upload(client, sheet([lan()]))
    assert again.status_code == 201 and again.json()["recorded"] is False
    runs = client.get("/api/v1/imports").json()["imports"]
    assert [r["outcome"] for r in runs][:3] == ["unchanged", "recorded", "refused"]

    unreadable = client.post("/api/v1/imports",
                             files={"file": ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" +
                                             bytes(64), "application/vnd.ms-excel")})
    assert unreadable.status_code == 400
    assert unreadable.json()["report"]["problems"][0]["code"] == "unsupported_format"


def test_personnel_imports_only_within_its_unit_subtree(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    m = rt.read_model.moment()
    units = {u["code"]: u["id"] for u in rt.read_model.units(m)}
    token = AccessStore(rt.engine, suite_clock()).create_token(name="nv", role="personnel",
                                                unit_id=units["KA-NV"])
    client.headers["Authorization"] = f"Bearer {token}"
    outside = upload(client, sheet([lan("KA-TC")]), dry_run="true").json()
    assert [(p["column"], p["code"]) for p in outside["problems"]] == [("Đơn vị (mã)",
                                                                         "forbidden")]
    inside = upload(client, sheet([lan("KA-NV")]))
    assert inside.status_code == 201, inside.json()
    leader = AccessStore(rt.engine, suite_clock()).create_token(name="ld", role="leader", unit_id=units["KA"])
    client.headers["Authorization"] = f"Bearer {leader}"
    assert upload(client, sheet([lan()])).status_code == 403
    del client.headers["Authorization"]
    assert upload(client, sheet([lan()])).status_code == 401
