"""The quarterly evaluation report per unit (issue 17 part 1), JSON and Excel, on both stores:
counts and percents per rating, the average points per criteria group, and who held a post
in the unit through the quarter without an evaluation (written to the read audit)."""

from __future__ import annotations

import io
from uuid import UUID

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from infra.access import AccessStore
from infra.runtime import Runtime
from tests.e2e.test_web_matrix import call, sign_in
from tests.integration.test_evaluation_scores import ADMIN, DECISION, WARD_SCORES, evaluate
from tests.integration.test_evaluation_scores import world as world  # noqa: F401


def test_the_quarterly_report_counts_averages_and_lists_who_is_missing(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, rt, ids = world
    ward = client.get("/api/v1/units", headers=ADMIN).json()["units"][0]["id"]
    late = client.post("/api/v1/cadres", headers=ADMIN, json={
        "full_name": "Phạm Thị Muộn", "gender": "nu", "born_on": "1985-05-05"}).json()["id"]
    appointed = client.post(f"/api/v1/cadres/{late}/appointments", headers=ADMIN, json={
        "kind": "bo_nhiem", "unit_id": ward, "title_code": "pho_chu_tich",
        "effective_on": "2025-10-01", "decision": {**DECISION, "signed_on": "2025-09-25"}})
    assert appointed.status_code == 201, appointed.text
    assert evaluate(client, ids["leader"], scores=WARD_SCORES).status_code == 201
    # The clerk holds no post in the ward: evaluated, but outside the unit's report.
    assert evaluate(client, ids["clerk"], rating="HTXSNV",
                    scores={"tieu_chi_chung": 29, "ket_qua_nhiem_vu": 66}).status_code == 201
    answer = client.get("/api/v1/reports/evaluations/quarterly", headers=ADMIN,
                        params={"period": "2026-Q1", "unit_id": ward})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["report"] == "evaluations_quarterly" and report["as_of"] == "2026-03-31"
    assert report["total"] == 1
    assert report["by_rating"]["HTTNV"] == {"count": 1, "percent": 100.0}
    assert report["average_score"] == 81.5 and report["scored"] == 1
    groups = {g["code"]: g for g in report["groups"]}
    assert set(groups) == set(WARD_SCORES)
    assert groups["ket_qua_nhiem_vu"]["average"] == 41.5
    assert groups["ket_qua_nhiem_vu"]["framework_id"] == "phuong-2026"
    assert [r["full_name"] for r in report["without_evaluation"]] == ["Phạm Thị Muộn"]
    assert report["without_evaluation"][0]["title_name"] == "Phó Chủ tịch UBND phường"
    reads = AccessStore(rt.engine, rt.clock).reads(cadre_id=UUID(late))
    assert reads and reads[0].what == "roster"
    # The same question asked again answers the same digest.
    again = client.get("/api/v1/reports/evaluations/quarterly", headers=ADMIN,
                       params={"period": "2026-q1", "unit_id": ward}).json()
    assert again["digest"] == report["digest"]
    book = client.get("/api/v1/reports/evaluations/quarterly", headers=ADMIN,
                      params={"period": "2026-Q1", "unit_id": ward, "format": "xlsx"})
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets[:3] == ["Đánh giá", "Điểm theo nhóm", "Chưa đánh giá"]
    missing = load_workbook(io.BytesIO(book.content))["Chưa đánh giá"]
    assert missing.cell(3, 1).value == "Phạm Thị Muộn"
    for bad in ("2026", "2026-Q5"):
        refused = client.get("/api/v1/reports/evaluations/quarterly", headers=ADMIN,
                             params={"period": bad, "unit_id": ward})
        assert refused.status_code == 422


def test_the_web_page_shows_the_same_report(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, _, ids = world
    ward = client.get("/api/v1/units", headers=ADMIN).json()["units"][0]["id"]
    assert evaluate(client, ids["leader"], scores=WARD_SCORES).status_code == 201
    api = client.get("/api/v1/reports/evaluations/quarterly", headers=ADMIN,
                     params={"period": "2026-Q1", "unit_id": ward}).json()
    browser = sign_in(client, "scores-admin")
    shown = call(client, browser, "GET", "/bao-cao/danh-gia-quy", None,
                 {"ky": "2026-Q1", "unit_id": ward})
    assert shown.status_code == 200
    assert api["digest"][:16] in shown.text and "Kết quả thực hiện nhiệm vụ" in shown.text
    wrong = call(client, browser, "GET", "/bao-cao/danh-gia-quy", None, {"ky": "2026"})
    assert wrong.status_code == 400
    book = call(client, browser, "GET", "/bao-cao/danh-gia-quy/tai-ve", None,
                {"ky": "2026-Q1", "unit_id": ward})
    assert book.status_code == 200 and book.content[:2] == b"PK"
