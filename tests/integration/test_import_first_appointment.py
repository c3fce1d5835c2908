"""Issue 16: the import template's "Ngày bổ nhiệm lần đầu" and "Bổ nhiệm lại" rows keep an
imported head's tenure, so the head is not judged as newly promoted, and re-importing the file
records nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.app import create_app
from domain.commands import RegisterTitle, RegisterUnit
from infra.clock import PinnedClock
from infra.importing import SHEET_CADRES, SHEET_HISTORY, XLSX_MEDIA_TYPE
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "import-first-admin-token"
BTV = "Ban Thường vụ Quận ủy"
HEADERS = ["Họ và tên", "Giới tính", "Ngày sinh", "Số định danh cá nhân", "Đơn vị (mã)",
           "Chức danh (mã)", "Ngày bổ nhiệm", "Số quyết định", "Ngày ký", "Cơ quan ban hành",
           "Ngày bổ nhiệm lần đầu"]
HISTORY = ["Số định danh cá nhân", "Hình thức", "Đơn vị (mã)", "Chức danh (mã)",
           "Ngày hiệu lực", "Số quyết định", "Ngày ký", "Cơ quan ban hành"]


@pytest.fixture
def service(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    settings = store_settings.model_copy(update={"admin_token": ADMIN})
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    ka = rt.app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="seed").id
    ub = rt.app.register_unit(RegisterUnit(
        code="KA-UB", name="UBND quận", kind="ubnd", established_on=date(2000, 1, 1), parent_id=ka),
        recorded_by="seed").id
    for code in ("KA-NV", "KA-TC"):
        rt.app.register_unit(RegisterUnit(
            code=code, name=code, kind="phong", established_on=date(2000, 1, 1), parent_id=ub),
            recorded_by="seed")
    rt.app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="seed")
    rt.app.register_title(RegisterTitle(
        code="pho_chu_tich", name="Phó Chủ tịch UBND", is_head=False, management_tier="quan_uy",
        rank=8), recorded_by="seed")
    rt.catch_up()
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        yield client, rt
    rt.close()


def workbook(cadres: list[list[object]], history: list[list[object]] = ()) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET_CADRES
    for row in [HEADERS, *cadres]:
        ws.append(row)
    if history:
        hs = book.create_sheet(SHEET_HISTORY)
        for row in [HISTORY, *history]:
            hs.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, data: bytes) -> Any:
    return client.post("/api/v1/imports", files={"file": ("ds.xlsx", data, XLSX_MEDIA_TYPE)})


def head(name: str, nid: str, unit: str, first: str | None) -> list[object]:
    return [name, "Nam", "02/05/1975", nid, unit, "truong_phong", "01/03/2021", "12-QĐ/QU",
            "25/02/2021", BTV, first]


def promoted_findings(client: TestClient, cadre: str) -> list[dict[str, Any]]:
    got = client.get("/api/v1/findings", params={"rule": "min_time_in_post",
                                                 "as_of": "2022-12-31"})
    assert got.status_code == 200, got.text
    return [f for f in got.json()["findings"] if f["cadre_id"] == cadre]


def test_an_imported_head_keeps_the_tenure_from_the_first_appointment(
        service: tuple[TestClient, Runtime]) -> None:
    client, _ = service
    template = load_workbook(io.BytesIO(client.get("/api/v1/imports/template").content))
    headers = [c.value for c in template[SHEET_CADRES][1]]
    assert "Ngày bổ nhiệm lần đầu" in headers
    data = workbook([head("Trần Văn Kế", "031075000001", "KA-NV", "01/03/2016"),
                     head("Trần Văn Mới", "031075000002", "KA-TC", None)])
    done = upload(client, data)
    assert done.status_code == 201, done.text
    ids = {c["full_name"]: c["id"] for c in client.get("/api/v1/cadres").json()["cadres"]}
    ke, moi = ids["Trần Văn Kế"], ids["Trần Văn Mới"]
    (held,) = client.get(f"/api/v1/cadres/{ke}").json()["holdings"]
    assert held["kind"] == "bo_nhiem_lai" and held["decision"]["number"] == "12-QĐ/QU"
    roster = client.get("/api/v1/cadres/" + ke, params={"as_of": "2018-01-01"}).json()
    assert [h["since"] for h in roster["holdings"]] == ["2016-03-01"]
    actions = client.get("/api/v1/reports/actions",
                         params={"from": "2021-01-01", "to": "2021-12-31"}).json()
    assert (actions["by_kind"]["bo_nhiem_lai"], actions["by_kind"]["bo_nhiem"]) == (1, 1)
    assert actions["endings_total"] == 0

    # Both move up in 10/2022: only the head appointed in 2021 for the first time is judged.
    for who, n in ((ke, 1), (moi, 2)):
        ub = next(u["id"] for u in client.get("/api/v1/units").json()["units"]
                  if u["code"] == "KA-UB")
        moved = client.post(f"/api/v1/cadres/{who}/appointments", json={
            "kind": "bo_nhiem", "unit_id": ub, "title_code": "pho_chu_tich",
            "effective_on": "2022-10-01", "decision": {
                "number": f"{n}/QĐ-UBND", "signed_on": "2022-09-20", "issuer": BTV,
                "signer": "Lê Toàn Khánh"}})
        assert moved.status_code == 201, moved.text
    assert promoted_findings(client, ke) == []
    assert len(promoted_findings(client, moi)) == 1

    # The same file again records nothing.
    again = upload(client, data)
    assert again.status_code in (200, 201), again.text
    assert again.json()["events"] == 0


def test_a_first_appointment_after_the_row_is_refused_naming_the_column(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    before = rt.log.head()
    refused = upload(client, workbook([head("Lý Văn Sai", "031075000003", "KA-NV",
                                            "01/03/2022")]))
    assert refused.status_code == 400, refused.text
    (problem,) = refused.json()["report"]["problems"]
    assert (problem["column"], problem["code"]) == ("Ngày bổ nhiệm lần đầu", "invalid_date")
    assert rt.log.head() == before


def test_a_reappointment_row_in_the_history_renews_the_post(
        service: tuple[TestClient, Runtime]) -> None:
    client, _ = service
    data = workbook([head("Vũ Văn Hai", "031075000004", "KA-NV", "01/03/2011")], [
        ["031075000004", "Bổ nhiệm lại", "KA-NV", "truong_phong", "01/03/2016", "5-QĐ/QU",
         "20/02/2016", BTV]])
    done = upload(client, data)
    assert done.status_code == 201, done.text
    actions = client.get("/api/v1/reports/actions",
                         params={"from": "2011-01-01", "to": "2021-12-31"}).json()
    assert (actions["by_kind"]["bo_nhiem"], actions["by_kind"]["bo_nhiem_lai"]) == (1, 2)
    assert actions["endings_total"] == 0
