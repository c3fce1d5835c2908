"""Issue 16: everyone employed counts, not only post holders. Through the API, on both stores:
an employment record with grade, salary steps and allowances; employees by agency and BM01 by
ngạch from the employment record in force on as_of (30/6/2022 and 2026 differ); the 2C CV."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient

from api.app import create_app
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "employment-admin-token"
CV = ("01.003", "Chuyên viên")
CVC = ("01.002", "Chuyên viên chính")


@pytest.fixture
def http(store_settings: Settings) -> Iterator[TestClient]:
    settings = store_settings.model_copy(update={"admin_token": ADMIN})
    rt: Runtime = open_runtime(settings, clock=PinnedClock.on(TODAY))
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        client.base_url = client.base_url.join("/api/v1/")
        yield client
    rt.close()


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def decision(on: str) -> dict[str, str]:
    return {"number": f"QĐ-{on}", "signed_on": on, "issuer": "UBND quận Kiến An",
            "signer": "Lê Toàn Khánh"}


def unit(http: TestClient, code: str, name: str, kind: str, parent: str | None) -> str:
    body: dict[str, Any] = {"code": code, "name": name, "kind": kind,
                            "established_on": "2000-01-01"}
    if parent:
        body["parent_id"] = parent
    return str(created(http.post("units", json=body))["id"])


def cadre(http: TestClient, name: str, gender: str = "nam") -> str:
    return str(created(http.post("cadres", json={
        "full_name": name, "gender": gender, "born_on": "1985-04-12"}))["id"])


def employ(http: TestClient, who: str, agency: str, on: str, grade: tuple[str, str], step: int,
           coefficient: str, kind: str = "bien_che", **more: Any) -> Any:
    return http.post(f"cadres/{who}/employments", json={
        "unit_id": agency, "employment_kind": kind, "grade_code": grade[0],
        "grade_name": grade[1], "salary_step": step, "coefficient": coefficient,
        "effective_on": on, "decision": decision(on), **more})


def test_employees_by_agency_and_bm01_by_grade_from_the_employment_record(
        http: TestClient) -> None:
    root = unit(http, "KA", "Quận ủy Kiến An", "quan_uy", None)
    ub = unit(http, "KA-UB", "UBND quận Kiến An", "ubnd", root)
    nv = unit(http, "KA-NV", "Phòng Nội vụ", "phong", ub)
    tc = unit(http, "KA-TC", "Phòng Tài chính – Kế hoạch", "phong", ub)
    created(http.post("titles", json={"code": "truong_phong", "name": "Trưởng phòng",
                                      "is_head": True, "management_tier": "quan_uy",
                                      "rank": 5}))
    hang, minh, thu = cadre(http, "Phạm Thị Hằng", "nu"), cadre(http, "Lê Văn Minh"), \
        cadre(http, "Đỗ Thị Thu", "nu")
    # Hằng heads Nội vụ: salary steps, then chuyên viên chính in 2023, with allowances.
    created(employ(http, hang, nv, "2015-03-01", CV, 1, "2.34"))
    created(employ(http, hang, nv, "2018-03-01", CV, 2, "2.67"))
    created(employ(http, hang, nv, "2023-03-01", CVC, 1, "4.40", allowances=[
        {"kind": "chuc_vu", "coefficient": "0.30", "from_on": "2023-03-01"},
        {"kind": "tham_nien_vuot_khung", "percent": 5, "from_on": "2024-03-01"}]))
    created(http.post(f"cadres/{hang}/appointments", json={
        "kind": "bo_nhiem", "unit_id": nv, "title_code": "truong_phong",
        "effective_on": "2020-03-01", "decision": decision("2020-03-01")}))
    # Minh and Thu hold no post: civil servants of Tài chính, one on contract until 2024.
    created(employ(http, minh, tc, "2019-01-01", CV, 3, "3.00"))
    created(employ(http, thu, tc, "2021-06-01", ("01.004", "Cán sự"), 1, "1.86",
                   kind="hop_dong"))
    created(employ(http, thu, tc, "2024-06-01", CV, 1, "2.34"))

    def employees(on: str, **params: str) -> dict[str, Any]:
        got = http.get("reports/employees", params={"as_of": on, **params})
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        return body

    then, now = employees("2022-06-30"), employees("2026-06-30")
    assert then["total"] == 3 and now["total"] == 3
    assert then["by_grade_code"] == {"01.003": 2, "01.004": 1}
    assert now["by_grade_code"] == {"01.002": 1, "01.003": 2}
    assert then["by_employment_kind"] == {"bien_che": 2, "hop_dong": 1}
    assert now["by_employment_kind"] == {"bien_che": 3}
    agencies = {a["unit_name"]: a for a in now["agencies"]}
    assert agencies["Phòng Nội vụ"]["total"] == 1 and agencies["Phòng Tài chính – Kế hoạch"][
        "total"] == 2
    assert employees("2014-01-01")["total"] == 0
    assert employees("2026-06-30", unit_id=nv)["total"] == 1
    assert len(now["digest"]) == 64

    # BM01 (post holders): the head's ngạch from the employment record in force on as_of.
    def bm01(on: str) -> dict[str, int]:
        got = http.get("reports/cadre-quality", params={"as_of": on})
        assert got.status_code == 200, got.text
        grades: dict[str, int] = got.json()["by_grade"]
        return grades

    assert (bm01("2022-06-30")["cv"], bm01("2022-06-30")["cvc"]) == (1, 0)
    assert (bm01("2026-06-30")["cv"], bm01("2026-06-30")["cvc"]) == (0, 1)

    # The profile and the 2C CV show the grade, step, coefficient and allowances in force.
    profile = http.get(f"cadres/{hang}", params={"as_of": "2026-06-30"}).json()
    allowances = profile["employment"]["allowances"]
    assert [(a["kind"], a["coefficient"], a["percent"]) for a in allowances] == [
        ("chuc_vu", "0.30", None), ("tham_nien_vuot_khung", None, 5)]
    record = http.get(f"cadres/{hang}/record").json()["entries"]
    (summary,) = [e["summary"] for e in record if e["type"] == "Employed"
                  and "01.002" in e["summary"]]
    assert "phụ cấp chức vụ 0,30" in summary and "phụ cấp thâm niên vượt khung 5%" in summary
    cv = http.get(f"cadres/{hang}/cv", params={"as_of": "2026-06-30", "format": "docx"})
    assert cv.status_code == 200, cv.text
    doc = Document(io.BytesIO(cv.content))
    text = "\n".join([p.text for p in doc.paragraphs] + [
        c.text for t in doc.tables for row in t.rows for c in row.cells])
    for expected in ("Chuyên viên chính", "01.002", "Ngày hưởng", "Phụ cấp chức vụ: 0,30",
                     "Phụ cấp thâm niên vượt khung 5%", "01.003/2", "03/2018", "4,40"):
        assert expected in text, expected


def test_a_wrong_allowance_is_refused_naming_its_field(http: TestClient) -> None:
    root = unit(http, "KA", "Quận ủy Kiến An", "quan_uy", None)
    who = cadre(http, "Vũ Văn Sai")
    both = employ(http, who, root, "2020-01-01", CV, 1, "2.34", allowances=[
        {"kind": "chuc_vu", "coefficient": "0.30", "amount": 100000, "from_on": "2020-01-01"}])
    assert both.status_code == 400 and both.json()["field"] == "allowances.0.coefficient"
    early = employ(http, who, root, "2020-01-01", CV, 1, "2.34", allowances=[
        {"kind": "khu_vuc", "coefficient": "0.20", "from_on": "2019-01-01"}])
    assert early.status_code == 400 and early.json()["field"] == "allowances.0.from_on"
    unknown = employ(http, who, root, "2020-01-01", CV, 1, "2.34", allowances=[
        {"kind": "an_trua", "amount": 1, "from_on": "2020-01-01"}])
    assert unknown.status_code == 422
    assert http.get(f"cadres/{who}").json()["employments"] == []
