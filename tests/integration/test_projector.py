"""One projector (issue 15, ADR 0007): of several runtimes on one store only the leader applies
the log; another takes over when it stops; requests wait for the read side, bounded, and never
apply or rebuild; a write answers 201 whatever fails after its commit. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from domain.commands import RegisterCadre
from domain.values import Gender
from infra.projector import Projector
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from projections.runner import Runner
from projections.tables import generations

ADMIN = "projector-admin-token-0123456789"
UNIT = {"code": "KA-TC", "name": "Phòng Tổ chức", "kind": "phong", "established_on": "2020-01-01",
        "decision": {"number": "1-QĐ/QU", "signed_on": "2019-12-20",
                     "issuer": "Ban Thường vụ Quận ủy", "signer": "Lê Toàn Khánh"}}


def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def register(runtime: Runtime, name: str) -> int:
    return runtime.app.register_cadre(RegisterCadre(full_name=name, gender=Gender.NU,
                                                    born_on=date(1985, 1, 2)),
                                      recorded_by="test").position


@pytest.fixture
def runtimes(store_settings: Settings) -> Iterator[list[Runtime]]:
    opened: list[Runtime] = []
    yield opened
    for runtime in opened:
        runtime.close()


def test_only_the_leader_applies_and_another_takes_over(store_settings: Settings,
                                                        runtimes: list[Runtime]) -> None:
    first = open_runtime(store_settings)
    runtimes.append(first)
    first.start_projector()
    assert first.projector is not None
    until(lambda: first.projector is not None and first.projector.leading)
    second = open_runtime(store_settings)  # finds a leader: waits for it, applies nothing
    runtimes.append(second)
    second.start_projector()
    assert second.projector is not None

    positions = [register(second, f"Nguyễn Thị {i}") for i in range(5)]
    # A read on the second runtime waits for the first one's projector: read your writes.
    assert second.read_side_current() >= positions[-1]
    assert second.read_model.applied_position() >= positions[-1]
    assert second.applied_events == 0
    assert not second.projector.leading
    assert first.applied_events >= 5

    first.close()  # the leader stops: its lock goes with it
    runtimes.remove(first)
    later = register(second, "Trần Văn Mới")
    until(lambda: second.projector is not None and second.projector.leading)
    assert second.read_side_current(10) >= later
    assert second.applied_events >= 1


def _client(settings: Settings, runtime: Runtime) -> TestClient:
    settings = settings.model_copy(update={"admin_token": ADMIN})
    return TestClient(create_app(settings, runtime=runtime),
                      headers={"Authorization": f"Bearer {ADMIN}"})


def _generations(runtime: Runtime) -> list[tuple[Any, ...]]:
    with runtime.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(generations).order_by(
            generations.c.generation))]


def test_a_read_without_projector_is_503_after_the_wait_and_nothing_is_applied(
        store_settings: Settings, runtimes: list[Runtime]) -> None:
    settings = store_settings.model_copy(update={"projector": "external",
                                                 "read_wait_seconds": 0.5})
    runtime = open_runtime(settings)
    runtimes.append(runtime)
    client = _client(settings, runtime)
    assert runtime.projector is None  # external: the server runs none
    before = _generations(runtime)

    unit = client.post("/api/v1/units", json=UNIT)
    assert unit.status_code == 201, unit.text  # the write answers at once
    started = time.monotonic()
    answer = client.get("/api/v1/units")
    waited = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "read_side_behind"
    assert answer.headers["Retry-After"] == "1"
    assert waited >= 0.5
    assert runtime.applied_events == 0 and _generations(runtime) == before
    # The web UI waits the same way, and says when to come back.
    form = client.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    assert client.post("/dang-nhap", data={"csrf": csrf.group(1), "token": ADMIN},
                       follow_redirects=False).status_code == 303
    overview = client.get("/")
    assert overview.status_code == 503 and overview.headers["Retry-After"] == "1"

    # An outdated projection version makes a rebuild due: the request does not do it either.
    with runtime.engine.begin() as conn:
        conn.execute(update(generations).values(projection_version=0))
    assert client.get("/api/v1/units").status_code == 503
    with runtime.engine.begin() as conn:
        conn.execute(update(generations).values(projection_version=before[-1][1]))
    assert _generations(runtime) == before and runtime.applied_events == 0

    # The projector runs (here, or as `hoso project`): the same read answers, with the unit.
    runtime.start_projector()
    units = client.get("/api/v1/units")
    assert units.status_code == 200, units.text
    assert unit.json()["id"] in {u["id"] for u in units.json()["units"]}


def test_a_write_answers_201_whatever_fails_after_its_commit(
        store_settings: Settings, runtimes: list[Runtime],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = store_settings.model_copy(update={"read_wait_seconds": 0.5})
    runtime = open_runtime(settings)
    runtimes.append(runtime)
    client = _client(settings, runtime)
    assert runtime.projector is not None
    until(lambda: runtime.projector is not None and runtime.projector.leading)

    def fail(*_: Any, **__: Any) -> Any:
        raise OSError(28, "No space left on device")

    # The read side's disk is full and the nudge after the commit fails too.
    monkeypatch.setattr(Runner, "step", fail)
    monkeypatch.setattr(Projector, "wake", fail)
    answer = client.post("/api/v1/units", json=UNIT)
    assert answer.status_code == 201, answer.text
    position = answer.json()["position"]
    assert runtime.position.head() == position  # recorded, once
    behind = client.get("/api/v1/units")
    assert behind.status_code == 503 and behind.json()["code"] == "read_side_behind"

    monkeypatch.undo()  # the disk has room again: the projector retries and reads catch up
    units = client.get("/api/v1/units", params={})
    for _ in range(5):
        if units.status_code == 200:
            break
        units = client.get("/api/v1/units")
    assert units.status_code == 200, units.text
    assert units.json()["position"] >= position
