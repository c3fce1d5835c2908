"""Issue 17 part 2, through the API on both stores: job positions (vị trí việc làm) with dated
standards and competency frameworks, a civil servant's employment record in one of them
(issue 16 "Everyone, not only post holders"), and the two findings they feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from infra.access import AccessStore
from tests.conftest import suite_clock
from tests.e2e.test_web_matrix import call, sign_in
from tests.integration.test_api_record_fit import refused
from tests.integration.test_api_record_renewals import ADMIN, District, created, http

__all__ = ["http"]

SOURCE_2020 = "Nghị định 62/2020/NĐ-CP; Thông tư 12/2022/TT-BNV (vị trí việc làm công chức)"
SOURCE_2025 = "Quyết định của UBND quận về danh mục vị trí việc làm năm 2025"


def position_body(unit: str, code: str = "TCKH-01", **more: Any) -> dict[str, Any]:
    return {"unit_id": unit, "code": code, "name": "Chuyên viên quản lý ngân sách",
            "group": "chuyen_mon",
            "standards": [
                {"valid_from": "2020-01-01", "source": SOURCE_2020, "education": "dai_hoc",
                 "state_management": "cv", "it": "co_ban", "experience_years": 0},
                {"valid_from": "2025-07-01", "source": SOURCE_2025, "education": "dai_hoc",
                 "political_theory": "trung_cap", "state_management": "cv", "it": "co_ban",
                 "language": "b1", "experience_years": 3}],
            "frameworks": [{"valid_from": "2023-01-01", "source": SOURCE_2020, "competencies": [
                {"name": "Lập, thẩm định dự toán ngân sách", "level": 3},
                {"name": "Ứng dụng công nghệ thông tin", "level": 2}]}],
            **more}


def listed(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.get("job-positions", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["job_positions"]
    return rows


def test_a_job_position_carries_dated_standards_and_a_framework(http: TestClient) -> None:
    d = District(http)
    made = created(http.post("job-positions", json=position_body(d.tc)))
    created(http.post("job-positions", json={"unit_id": d.nv, "code": "NV-01",
                                             "name": "Văn thư", "group": "ho_tro"}))
    (shown,) = listed(http, unit_id=UUID(d.tc))
    assert (shown["id"], shown["code"], shown["group"]) == (made["id"], "TCKH-01", "chuyen_mon")
    assert [s["valid_from"] for s in shown["standards"]] == ["2020-01-01", "2025-07-01"]
    # As of the clock's day (2026) the 2025 standards are in force; in 2024 the 2020 ones.
    assert shown["standards_in_force"]["experience_years"] == 3
    assert shown["standards_in_force"]["source"] == SOURCE_2025
    (then,) = listed(http, unit_id=d.tc, as_of="2024-06-30")
    assert then["standards_in_force"]["political_theory"] is None
    assert then["framework_in_force"]["competencies"][0] == {
        "name": "Lập, thẩm định dự toán ngân sách", "level": 3}
    (early,) = listed(http, unit_id=d.tc, as_of="2022-06-30")
    assert early["framework_in_force"] is None
    assert {p["code"] for p in listed(http)} == {"TCKH-01", "NV-01"}


def test_a_wrong_job_position_is_refused_with_its_field(http: TestClient) -> None:
    d = District(http)
    created(http.post("job-positions", json=position_body(d.tc)))
    before = http.app.state.runtime.log.head()  # type: ignore[attr-defined]
    refused(http.post("job-positions", json=position_body(d.tc)), 409, "duplicate_code", "code")
    refused(http.post("job-positions", json=position_body(d.tc, "X", group="quan_ly")), 422,
            "", "group")
    bad_level = position_body(d.tc, "Y")
    bad_level["frameworks"][0]["competencies"][0]["level"] = 6
    refused(http.post("job-positions", json=bad_level), 422, "",
            "frameworks.0.competencies.0.level")
    same_day = position_body(d.tc, "Z")
    same_day["standards"][1]["valid_from"] = "2020-01-01"
    refused(http.post("job-positions", json=same_day), 400, "invalid_date", "standards")
    assert http.app.state.runtime.log.head() == before  # type: ignore[attr-defined]
    # The same code in another unit is another position.
    created(http.post("job-positions", json=position_body(d.nv)))


def test_personnel_registers_positions_only_in_its_subtree(http: TestClient) -> None:
    d = District(http)
    rt = http.app.state.runtime  # type: ignore[attr-defined]
    token = AccessStore(rt.engine, suite_clock()).create_token(name="nv", role="personnel",
                                                               unit_id=UUID(d.tc))
    officer = {"Authorization": f"Bearer {token}"}
    assert http.post("job-positions", json=position_body(d.tc), headers=officer
                     ).status_code == 201
    assert http.post("job-positions", json=position_body(d.nv), headers=officer
                     ).status_code == 403


def employment(d: District, cadre: str, on: str, grade: tuple[str, str], step: int,
               coefficient: str, position: str | None = None, unit: str | None = None,
               kind: str = "bien_che") -> Any:
    return d.http.post(f"cadres/{cadre}/employments", json={
        "unit_id": unit or d.tc, "employment_kind": kind, "job_position_id": position,
        "grade_code": grade[0], "grade_name": grade[1], "salary_step": step,
        "coefficient": coefficient, "effective_on": on,
        "decision": {"number": f"QĐ-{on}", "signed_on": on, "issuer": "UBND quận Kiến An",
                     "signer": "Lê Toàn Khánh"}})


CV = ("01.003", "Chuyên viên")
CVC = ("01.002", "Chuyên viên chính")


def test_an_employment_record_keeps_its_history_and_the_grade_can_go_down(
        http: TestClient) -> None:
    d = District(http)
    position = created(http.post("job-positions", json=position_body(d.tc)))["id"]
    cadre = d.cadre("Phạm Thị Hằng", "1985-04-12", "nu")
    created(employment(d, cadre, "2015-03-01", CV, 1, "2.34", kind="hop_dong"))
    created(employment(d, cadre, "2019-03-01", CV, 3, "3.00", position))
    created(employment(d, cadre, "2023-03-01", CVC, 1, "4.40", position))
    # A later decision puts the grade back down (e.g. after a wrongly granted promotion).
    created(employment(d, cadre, "2025-01-01", CV, 4, "3.33", position))
    profile = http.get(f"cadres/{cadre}").json()
    assert [e["effective_on"] for e in profile["employments"]] == [
        "2015-03-01", "2019-03-01", "2023-03-01", "2025-01-01"]
    current = profile["employment"]
    assert (current["grade_code"], current["salary_step"], current["job_position_id"]) == (
        "01.003", 4, position)
    assert str(current["coefficient"]) in ("3.33", "3.330")
    then = http.get(f"cadres/{cadre}", params={"as_of": "2024-06-30"}).json()["employment"]
    assert (then["grade_code"], then["grade_name"], then["employment_kind"]) == (
        "01.002", "Chuyên viên chính", "bien_che")
    before = http.get(f"cadres/{cadre}", params={"as_of": "2014-01-01"}).json()
    assert before["employment"] is None and before["employments"] == []
    record = http.get(f"cadres/{cadre}/record").json()["entries"]
    summaries = [e["summary"] for e in record if e["type"] == "Employed"]
    assert summaries[0].startswith("Từ ngày 01/03/2015: Phòng Tài chính – Kế hoạch (hợp đồng), "
                                   "ngạch Chuyên viên (mã 01.003), bậc 1, hệ số 2,34")


def test_an_employment_entry_is_corrected_like_any_entry(http: TestClient) -> None:
    d = District(http)
    cadre = d.cadre("Đỗ Văn Khải", "1980-09-09")
    made = created(employment(d, cadre, "2020-01-01", CV, 2, "2.67"))
    fixed = http.post(f"cadres/{cadre}/corrections", json={
        "target_position": made["entry_position"], "reason": "Nhầm bậc lương",
        "replacement": {"unit_id": d.tc, "employment_kind": "bien_che", "grade_code": "01.003",
                        "grade_name": "Chuyên viên", "salary_step": 3, "coefficient": "3.00",
                        "effective_on": "2020-01-01",
                        "decision": {"number": "QĐ-2020", "signed_on": "2020-01-01",
                                     "issuer": "UBND quận Kiến An", "signer": "Lê Toàn Khánh"}}})
    assert fixed.status_code == 201, fixed.text
    (shown,) = http.get(f"cadres/{cadre}").json()["employments"]
    assert shown["salary_step"] == 3


def test_a_wrong_employment_is_refused_with_its_field(http: TestClient) -> None:
    d = District(http)
    elsewhere = created(http.post("job-positions", json=position_body(d.nv)))["id"]
    cadre = d.cadre("Lại Thị Thu", "1990-01-01", "nu")
    before = http.app.state.runtime.log.head()  # type: ignore[attr-defined]
    refused(employment(d, cadre, "2020-01-01", CV, 2, "2.67", elsewhere), 400,
            "job_position_not_in_unit", "job_position_id")
    refused(employment(d, cadre, "2020-01-01", ("1.3", "Chuyên viên"), 2, "2.67"), 422, "",
            "grade_code")
    refused(employment(d, cadre, "2020-01-01", CV, 13, "2.67"), 422, "", "salary_step")
    refused(employment(d, cadre, "2020-01-01", CV, 2, "2.67", kind="tam_thoi"), 422, "",
            "employment_kind")
    refused(employment(d, cadre, "1990-01-01", CV, 2, "2.67"), 400, "unit_not_active",
            "effective_on")
    assert http.app.state.runtime.log.head() == before  # type: ignore[attr-defined]
    created(employment(d, cadre, "2020-01-01", CV, 2, "2.67"))
    refused(employment(d, cadre, "2020-01-01", CV, 3, "3.00"), 409, "employment_same_day",
            "effective_on")


def findings(http: TestClient, rule: str, **params: str) -> list[dict[str, Any]]:
    answer = http.get("findings", params={"rule": rule, **params})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["findings"]
    return rows


def test_below_the_standard_of_ones_job_position(http: TestClient) -> None:
    d = District(http)
    budget = created(http.post("job-positions", json=position_body(d.tc)))["id"]
    short = d.cadre("Phạm Thị Hằng", "1985-04-12", "nu")  # đại học only
    created(employment(d, short, "2021-03-01", CV, 2, "2.67", budget))
    able = d.cadre("Ngô Văn Bình", "1984-02-02")
    for kind, level, on in (("state_management", "cv", "2018-05-05"), ("it", "co_ban", "2017-06-01"),
                            ("political_theory", "trung_cap", "2019-01-10"),
                            ("language", "b1", "2016-01-01")):
        created(http.post(f"cadres/{able}/qualifications", json={
            "kind": kind, "level": level, "obtained_on": on}))
    created(employment(d, able, "2015-01-01", CV, 1, "2.34"))  # years before, elsewhere
    created(employment(d, able, "2021-03-01", CV, 3, "3.00", budget))
    rows = findings(http, "below_job_position_standard")
    assert {r["cadre_id"] for r in rows} == {short}
    # Judged when employed (2020 standards) and again when the 2025 standards begin.
    by_day = {r["effective_on"]: r for r in rows}
    assert set(by_day) == {"2021-03-01", "2025-07-01"}
    first = by_day["2021-03-01"]["summary"]
    assert "quản lý nhà nước chưa có" in first and "tin học" in first
    assert "lý luận chính trị" not in first
    later = by_day["2025-07-01"]["summary"]
    assert "lý luận chính trị chưa có" in later and "kinh nghiệm 4 năm" not in later
    assert by_day["2021-03-01"]["rule_version"] == "nd62-2020"
    # As of 2022 the later standards are not yet in force: one finding only.
    assert len(findings(http, "below_job_position_standard", as_of="2022-12-31")) == 1


def test_a_job_position_left_without_anyone(http: TestClient) -> None:
    d = District(http)
    clerk = created(http.post("job-positions", json={
        "unit_id": d.nv, "code": "NV-01", "name": "Văn thư", "group": "ho_tro",
        "standards": [{"valid_from": "2026-01-01", "source": SOURCE_2025,
                       "education": "cao_dang"}]}))["id"]
    budget = created(http.post("job-positions", json=position_body(d.tc)))["id"]
    cadre = d.cadre("Trịnh Văn Long", "1982-08-08")
    # Budget: established 2020-01-01, filled 2020-02-01 (31 days), left 2024-01-01 for work
    # with no position, filled again 2024-03-01 (60 days): within 90 days both times.
    created(employment(d, cadre, "2020-02-01", CV, 1, "2.34", budget))
    created(employment(d, cadre, "2024-01-01", CV, 2, "2.67"))
    created(employment(d, cadre, "2024-03-01", CV, 2, "2.67", budget))
    rows = findings(http, "job_position_vacant")
    assert [r["unit_id"] for r in rows] == [d.nv]
    (row,) = rows
    assert row["effective_on"] == "2026-04-01"  # 2026-01-01 + 90 days
    assert "Văn thư (NV-01) để trống từ ngày 01/01/2026" in row["summary"]
    # The second time the budget position stays empty past 90 days.
    created(employment(d, cadre, "2025-01-01", CVC, 1, "4.40"))
    rows = findings(http, "job_position_vacant", unit_id=d.tc)
    assert [(r["effective_on"], r["unit_id"]) for r in rows] == [("2025-04-01", d.tc)]
    assert clerk != budget


def test_the_web_forms_record_a_position_and_an_employment(http: TestClient) -> None:
    d = District(http)
    cadre = d.cadre("Hoàng Thị Yến", "1988-10-10", "nu")
    http.base_url = http.base_url.copy_with(path="/")  # the web pages live outside /api/v1
    browser = sign_in(http, ADMIN)
    page = call(http, browser, "GET", "/ghi/vi-tri-viec-lam-moi", None, None)
    assert page.status_code == 200 and "Khung năng lực" in page.text
    bad = call(http, browser, "POST", "/ghi/vi-tri-viec-lam-moi", {
        "unit_id": d.tc, "code": "TCKH-09", "name": "Kế toán", "group": "chuyen_mon",
        "competencies": "Kế toán ngân sách 3"}, None)
    assert bad.status_code == 400 and "dấu hai chấm" in bad.text
    sent = call(http, browser, "POST", "/ghi/vi-tri-viec-lam-moi", {
        "unit_id": d.tc, "code": "TCKH-09", "name": "Kế toán", "group": "chuyen_mon",
        "valid_from": "01/01/2024", "source": SOURCE_2020, "education": "dai_hoc",
        "experience_years": "2",
        "competencies": "Kế toán ngân sách: 3\nỨng dụng công nghệ thông tin: 2"}, None)
    assert sent.status_code == 303, sent.text
    (shown,) = http.get("/api/v1/job-positions", params={"unit_id": d.tc}).json()[
        "job_positions"]
    assert shown["standards_in_force"]["experience_years"] == 2
    assert [c["level"] for c in shown["framework_in_force"]["competencies"]] == [3, 2]
    form = call(http, browser, "GET", f"/can-bo/{cadre}/ghi/qua-trinh-cong-tac", None, None)
    assert form.status_code == 200 and "Kế toán (TCKH-09)" in form.text
    employed = call(http, browser, "POST", f"/can-bo/{cadre}/ghi/qua-trinh-cong-tac", {
        "effective_on": "01/02/2024", "unit_id": d.tc, "employment_kind": "bien_che",
        "job_position_id": shown["id"], "grade_code": "01.003", "grade_name": "Chuyên viên",
        "salary_step": "3", "coefficient": "3,00", "decision.number": "12/QĐ-UBND",
        "decision.signed_on": "25/01/2024", "decision.issuer": "UBND quận Kiến An",
        "decision.signer": "Lê Toàn Khánh"}, None)
    assert employed.status_code == 303, employed.text
    listing = call(http, browser, "GET", "/vi-tri-viec-lam", None, {"unit_id": d.tc})
    assert listing.status_code == 200, listing.text
    assert "Kế toán ngân sách: cấp độ 3" in listing.text and "Từ 01/01/2024" in listing.text
    assert "Chuyên môn, nghiệp vụ" in listing.text
    current = http.get(f"/api/v1/cadres/{cadre}").json()["employment"]
    assert (current["job_position_id"], current["salary_step"]) == (shown["id"], 3)


def test_a_new_version_follows_the_record_and_is_judged_from_its_day(
        http: TestClient) -> None:
    d = District(http)
    budget = created(http.post("job-positions", json=position_body(d.tc)))["id"]
    able = d.cadre("Ngô Văn Bình", "1984-02-02")
    for kind, level in (("state_management", "cv"), ("it", "co_ban"),
                        ("political_theory", "trung_cap"), ("language", "b1")):
        created(http.post(f"cadres/{able}/qualifications", json={
            "kind": kind, "level": level, "obtained_on": "2016-01-01"}))
    created(employment(d, able, "2016-01-01", CV, 3, "3.00", budget))
    assert findings(http, "below_job_position_standard") == []
    earlier = http.post(f"job-positions/{budget}/versions", json={"standards": {
        "valid_from": "2025-07-01", "source": SOURCE_2025, "education": "thac_si"}})
    refused(earlier, 400, "invalid_date", "standards.valid_from")
    created(http.post(f"job-positions/{budget}/versions", json={
        "standards": {"valid_from": "2026-01-01", "source": SOURCE_2025,
                      "education": "thac_si"},
        "framework": {"valid_from": "2026-01-01", "source": SOURCE_2025,
                      "competencies": [{"name": "Chuyển đổi số", "level": 4}]}}))
    (shown,) = listed(http, unit_id=d.tc)
    assert shown["standards_in_force"]["education"] == "thac_si"
    assert shown["framework_in_force"]["competencies"] == [{"name": "Chuyển đổi số",
                                                            "level": 4}]
    (row,) = findings(http, "below_job_position_standard")
    assert row["effective_on"] == "2026-01-01" and "yêu cầu thạc sĩ" in row["summary"]
    assert http.post(f"job-positions/{budget}/versions", json={}).status_code == 400
