"""Dossiers, declarations and travel through the web UI (SQLite, PostgreSQL; issue 18 parts
2–4): the personnel office records the steps of an appointment, a declaration and a trip with
its report through the forms; a refused form shows why and appends nothing; the checks the
records feed show on the findings screen; the delegation table reads in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from infra.access import AccessStore
from infra.settings import Settings
from tests.conftest import SUITE_DAY, suite_clock
from tests.e2e.conftest import in_process
from tests.e2e.test_integrity_api import ADMIN, World, dec
from tests.e2e.test_web_matrix import get_page as get
from tests.e2e.test_web_matrix import post_form as post
from tests.e2e.test_web_matrix import sign_in, vn, written


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    with in_process(store_settings, admin_token=ADMIN) as (runtime, client):
        w = World(runtime, client)
        w.tokens["personnel_a"] = AccessStore(runtime.engine, suite_clock()).create_token(
            name="to_chuc_a", role="personnel", unit_id=w.a)
        yield w


def test_dossier_declaration_and_travel_through_the_web(world: World) -> None:
    w = world
    holding = w.appoint(0, w.a, "truong_phong", date(2024, 6, 1),
                        dec("20-QĐ/QU", date(2024, 5, 20)))
    office = sign_in(w.client, w.tokens["personnel_a"])
    url = f"/can-bo/{w.cadres[0]}/bo-nhiem-ke-khai"
    assert url in get(w, office, f"/can-bo/{w.cadres[0]}").text
    page = get(w, office, url)
    assert page.status_code == 200 and "Chưa có hồ sơ quy trình." in page.text

    for step, on, votes in (("chu_truong", date(2024, 3, 1), None),
                            ("gioi_thieu", date(2024, 3, 5), None),
                            ("lay_phieu", date(2024, 3, 10), ("8", "17"))):
        form = {"holding_id": holding, "step": step, "effective_on": vn(on),
                "reference": f"{step}/BB"}
        if votes:
            form |= {"votes_for": votes[0], "votes_total": votes[1]}
        written(post(w, office, f"{url}/buoc", form))
    # More votes than people called: the form again, with the reason; nothing appended.
    before = w.head()
    refused = post(w, office, f"{url}/buoc", {
        "holding_id": holding, "step": "tham_dinh", "effective_on": vn(date(2024, 4, 1)),
        "reference": "TĐ/01", "votes_for": "20", "votes_total": "17"})
    assert refused.status_code == 400 and "Số phiếu đồng ý" in refused.text
    assert w.head() == before
    written(post(w, office, f"{url}/buoc", {
        "holding_id": holding, "step": "tham_dinh", "effective_on": vn(date(2024, 4, 1)),
        "reference": "TĐ/01"}))
    page = get(w, office, url)
    assert "Lấy phiếu tín nhiệm" in page.text and "8 / 17" in page.text

    written(post(w, office, f"{url}/ke-khai", {
        "kind": "phuc_vu_can_bo", "effective_on": vn(date(2024, 5, 2)), "reference": "KK-07"}))
    back = SUITE_DAY - timedelta(days=40)
    written(post(w, office, f"{url}/di-nuoc-ngoai", {
        "purpose": "viec_rieng", "departed_on": vn(back - timedelta(days=6)),
        "returned_on": vn(back), "decision.number": "51-QĐ/QU",
        "decision.signed_on": vn(back - timedelta(days=20)),
        "decision.issuer_code": "btv_huyen_uy", "decision.signer": "Lê Toàn Khánh"}))
    page = get(w, office, url)
    assert "Kê khai phục vụ công tác cán bộ" in page.text and "KK-07" in page.text
    assert "51-QĐ/QU" in page.text and "Ban Thường vụ Quận ủy, Huyện ủy, Thị ủy" in page.text
    assert "Chưa báo cáo" in page.text

    inspector = sign_in(w.client, w.tokens["inspector"])
    rules = {f["rule"] for f in w.runtime.findings.findings(SUITE_DAY).findings}
    assert {"dossier_vote_share", "travel_without_report"} <= rules
    assert "no_asset_declaration" not in rules and "travel_without_permission" not in rules
    findings = get(w, inspector, "/phat-hien")
    assert "Nhân sự được bổ nhiệm không đạt tỷ lệ phiếu tín nhiệm" in findings.text
    assert "Đi nước ngoài về không báo cáo kết quả chuyến đi" in findings.text

    # The report, then the check is satisfied; the inspector reads but has no forms.
    report = get(w, office, url).text.split(f"{url}/di-nuoc-ngoai/")[1].split('"')[0]
    written(post(w, office, f"{url}/di-nuoc-ngoai/{report}", {
        "effective_on": vn(back + timedelta(days=3)), "reference": "BC-05"}))
    rules = {f["rule"] for f in w.runtime.findings.findings(SUITE_DAY).findings}
    assert "travel_without_report" not in rules
    seen = get(w, inspector, url)
    assert seen.status_code == 200 and "BC-05" in seen.text and "Ghi bước" not in seen.text
    before = w.head()
    assert post(w, inspector, f"{url}/ke-khai", {
        "kind": "hang_nam", "effective_on": vn(date(2025, 1, 5)),
        "reference": "KK-08"}).status_code == 403
    assert w.head() == before

    # The appointment form picks the issuing body from the delegation table's list.
    admin = sign_in(w.client, ADMIN)
    form = get(w, admin, f"/can-bo/{w.cadres[1]}/ghi/bo-nhiem")
    assert 'name="decision.issuer_code"' in form.text
    assert "Ban Thường vụ Quận ủy, Huyện ủy, Thị ủy" in form.text
    written(post(w, admin, f"/can-bo/{w.cadres[1]}/ghi/bo-nhiem", {
        "kind": "bo_nhiem", "unit_id": str(w.b), "title_code": "truong_phong",
        "effective_on": vn(date(2024, 9, 1)), "decision.number": "60-QĐ/BTC",
        "decision.signed_on": vn(date(2024, 8, 25)),
        "decision.issuer_code": "ban_to_chuc_huyen_uy", "decision.signer": "Trần Văn Tổ"}))
    wrong = [f for f in w.runtime.findings.findings(SUITE_DAY).findings
             if f["rule"] == "issuer_not_competent"]
    assert [str(f["cadre_id"]) for f in wrong] == [str(w.cadres[1])]
    assert "Ban Tổ chức Quận ủy, Huyện ủy, Thị ủy không có thẩm quyền" in wrong[0]["summary"]

    table = get(w, inspector, "/phan-cap-quan-ly")
    assert table.status_code == 200
    assert "Diện Quận ủy, Huyện ủy quản lý" in table.text and "Quy định 377-QĐ/TW" in table.text
