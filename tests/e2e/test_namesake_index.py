"""The write side tells a registration of its namesakes (ADR 0011): a cadre with the same
folded name and birth date is on record, told from the application's own index, saved in the
registration's transaction, without waiting on or reading the read side. The administrator
learns who, a scoped officer only that one exists; an erasure takes the erased cadre out and
leaves nothing readable of its membership; a corrected name or birth date moves the cadre; an
import keeps the index; a store older than the index builds it from the log. Over HTTP, on
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.app import create_app
from domain.application import unit_id_for
from domain.commands import RegisterUnit
from domain.namesakes import INDEX_ID, NamesakeGroup, namesake_text
from infra.clock import PinnedClock
from infra.importing import SHEET_CADRES, XLSX_MEDIA_TYPE
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.e2e.conftest import issue_token

ADMIN_TOKEN = "namesake-admin"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NAME = "Nguyễn Thị Ánh Tuyết"
BORN = "1984-07-01"


@pytest.fixture
def service(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    settings = store_settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    rt = open_runtime(settings, clock=PinnedClock.on(date(2026, 11, 24)))
    rt.app.register_unit(RegisterUnit(code="KA", name="Quận ủy Kiến An", kind="quan_uy",
                                      established_on=date(2000, 1, 1)), recorded_by="seed")
    with TestClient(create_app(settings, rt)) as client:
        yield client, rt
    rt.close()


def register(client: TestClient, name: str = NAME, born_on: str = BORN,
             headers: dict[str, str] = ADMIN, **extra: Any) -> httpx.Response:
    answer = client.post("/api/v1/cadres", headers=headers, json={
        "full_name": name, "gender": "nu", "born_on": born_on, **extra})
    assert answer.status_code == 201, answer.text
    return answer


def namesakes_named(answer: httpx.Response) -> list[str] | None:
    """The ids the warning names ([] when it names none), None without a warning."""
    warnings = [w for w in answer.json()["warnings"] if w["code"] == "probable_duplicate"]
    return sorted(warnings[0]["cadre_ids"]) if warnings else None


def correct_identity(client: TestClient, cadre: str, **changed: str) -> None:
    record = client.get(f"/api/v1/cadres/{cadre}/record", headers=ADMIN).json()
    # The registration as it stands: the first, or the correction that replaced it last.
    registration = record["entries"][0]
    while registration["corrected_by"] is not None:
        registration = next(e for e in record["entries"]
                            if e["position"] == registration["corrected_by"])
    profile = client.get(f"/api/v1/cadres/{cadre}", headers=ADMIN).json()
    replacement = {"full_name": profile["full_name"], "gender": "nu",
                   "born_on": profile["born_on"], **changed}
    answer = client.post(f"/api/v1/cadres/{cadre}/corrections", headers=ADMIN, json={
        "target_position": registration["position"], "reason": "Sai lý lịch",
        "replacement": replacement})
    assert answer.status_code == 201, answer.text


def erase(client: TestClient, cadre: str) -> None:
    erased = client.post(f"/api/v1/cadres/{cadre}/erasure", headers=ADMIN,
                         json={"reason": "Yêu cầu của chủ thể dữ liệu"})
    assert erased.status_code == 201, erased.text


def test_a_namesake_is_told_from_the_write_side_to_each_as_their_role_allows(
        service: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch) -> None:
    client, rt = service
    first = register(client)
    assert namesakes_named(first) is None

    # The registration neither waits on nor reads the projection.
    def read_side(*args: object, **kwargs: object) -> None:
        raise AssertionError("a registration read the read side")

    monkeypatch.setattr(rt, "read_side_current", read_side)
    monkeypatch.setattr(rt.read_model, "people_like", read_side)
    again = register(client, unicodedata.normalize("NFD", NAME.upper()))
    assert namesakes_named(again) == [first.json()["id"]]
    assert namesakes_named(register(client, NAME, "1984-07-02")) is None
    # A personnel officer of a unit learns that namesakes exist, not who.
    officer = issue_token(rt.settings, name="to-chuc", role="personnel",
                          unit_id=unit_id_for("KA"))
    scoped = register(client, NAME, headers={"Authorization": f"Bearer {officer}"})
    assert namesakes_named(scoped) == []


def test_an_erasure_takes_the_cadre_out_and_leaves_its_membership_unreadable(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    first = register(client).json()["id"]
    second = register(client).json()["id"]
    app = rt.app
    text = namesake_text(NAME, date(1984, 7, 1))
    group_id = app.namesakes.group_id(text, create=False)
    erase(client, first)
    # The group that named the erased cadre is closed and can no longer be read nor found.
    old = app.repository.get(group_id)
    assert isinstance(old, NamesakeGroup) and old.closed and not old.members
    assert app.namesakes.group_id(text, create=False) != group_id
    assert not any(str(first) in str(e.__dict__)
                   for e in app.repository.event_store.get(group_id))
    third = register(client)
    assert namesakes_named(third) == [second]
    # Once nobody carries the name and birth date, no secret is left for them.
    for cadre in (second, third.json()["id"]):
        erase(client, cadre)
    assert app.namesakes.group_id(text, create=False) is None
    assert namesakes_named(register(client)) is None


def test_a_corrected_name_or_birth_date_moves_the_cadre(
        service: tuple[TestClient, Runtime]) -> None:
    client, _ = service
    tuyet = register(client).json()["id"]
    other = register(client, "Trần Văn Bắc").json()["id"]
    correct_identity(client, other, full_name=NAME)
    assert namesakes_named(register(client, "Tran Van Bac")) is None
    third = register(client)
    assert namesakes_named(third) == sorted([tuyet, other])
    correct_identity(client, other, born_on="1990-01-01")
    assert namesakes_named(register(client, NAME, "1990-01-01")) == [other]
    assert namesakes_named(register(client)) == sorted([tuyet, third.json()["id"]])


def test_an_import_keeps_the_index(service: tuple[TestClient, Runtime]) -> None:
    client, _ = service
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_CADRES
    sheet.append(["Họ và tên", "Giới tính", "Ngày sinh", "Số định danh cá nhân"])
    sheet.append([NAME, "Nữ", "01/07/1984", "031184000001"])
    data = io.BytesIO()
    book.save(data)
    imported = client.post("/api/v1/imports", headers=ADMIN,
                           files={"file": ("ds.xlsx", data.getvalue(), XLSX_MEDIA_TYPE)})
    assert imported.status_code == 201, imported.text
    (cadre,) = client.get("/api/v1/cadres", headers=ADMIN,
                          params={"q": "anh tuyet"}).json()["cadres"]
    assert namesakes_named(register(client)) == [cadre["id"]]


def test_cadres_registered_before_the_index_are_found(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    app = rt.app
    keys, app.namesakes = app.namesakes, None  # the code before the index
    try:
        before = register(client).json()["id"]
        renamed = register(client, "Lê Thị Tám").json()["id"]
        correct_identity(client, renamed, full_name=NAME)
        erase(client, register(client).json()["id"])
    finally:
        app.namesakes = keys
    assert not app._exists(INDEX_ID)
    assert namesakes_named(register(client)) == sorted([before, renamed])
    assert app._exists(INDEX_ID)


def test_a_namesake_registered_meanwhile_on_another_worker_is_told(
        service: tuple[TestClient, Runtime]) -> None:
    """Worker b reads the group before worker a saves a namesake into it: b's save conflicts
    on the group's version, and b registers once more, now told of both."""
    a, rt = service
    first = register(a).json()["id"]
    with TestClient(create_app(rt.settings)) as b:
        app_b = b.app.state.runtime.app  # type: ignore[attr-defined]
        looked_up = app_b._group_for
        meanwhile: list[str] = []

        def stale(*args: Any) -> Any:
            group = looked_up(*args)
            if not meanwhile:
                meanwhile.append(register(a).json()["id"])
            return group

        app_b._group_for = stale
        late = register(b)
    assert meanwhile and namesakes_named(late) == sorted([first, meanwhile[0]])
    assert len(a.get("/api/v1/cadres", headers=ADMIN,
                     params={"q": "anh tuyet"}).json()["cadres"]) == 3
