"""The inspection cycle through the web UI (SQLite, PostgreSQL): an inspector plans, opens a case
from a finding, adds evidence, concludes, assigns two remedies and closes one; the other shows
on the overdue screen after its deadline. A refused form shows why and appends nothing; a
leader sees the conclusion of its subtree's case, without evidence, remedies or forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from infra.settings import Settings
from tests.conftest import SUITE_DAY
from tests.e2e.conftest import in_process
from tests.e2e.test_inspection_api import ADMIN, World
from tests.e2e.test_web_matrix import get_page as get
from tests.e2e.test_web_matrix import post_form as post
from tests.e2e.test_web_matrix import sign_in, vn, written


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    with in_process(store_settings, admin_token=ADMIN) as (runtime, client):
        yield World(runtime, client)


def test_the_cycle_through_the_web(world: World) -> None:
    w = world
    inspector = sign_in(w.client, w.tokens["inspector"])
    today = SUITE_DAY
    decision = {"decision.number": "05-KH/UBKT", "decision.signed_on": vn(date(2026, 1, 10)),
                "decision.issuer": "Ủy ban Kiểm tra", "decision.signer": "Trần Văn Kiểm"}

    written(post(w, inspector, "/ke-hoach-kiem-tra", {
        "year": "2026", "title": "Kế hoạch kiểm tra năm 2026", "subject_unit": str(w.a),
        "topics": "bổ nhiệm 2024–2025", **decision}))
    plans = get(w, inspector, "/ke-hoach-kiem-tra")
    assert plans.status_code == 200
    assert "Kế hoạch kiểm tra năm 2026" in plans.text and "bổ nhiệm 2024–2025" in plans.text
    assert "UBND phường A" in plans.text

    finding = next(f for f in w.runtime.findings.findings(today).findings
                   if f["rule"] == "not_in_planning")
    shown = get(w, inspector, "/phat-hien")
    assert f"/vu-viec?phat_hien={finding['id']}" in shown.text
    form = get(w, inspector, "/vu-viec", {"phat_hien": finding["id"]})
    assert f'value="{finding["id"]}"' in form.text
    location = written(post(w, inspector, "/vu-viec", {
        "title": "Bổ nhiệm ngoài quy hoạch", "finding_id": finding["id"],
        "effective_on": vn(today - timedelta(days=60))}))
    found = re.match(r"/vu-viec/([0-9a-f-]{36})", location)
    assert found is not None
    case_url = f"/vu-viec/{found.group(1)}"

    page = get(w, inspector, case_url)
    assert page.status_code == 200 and "Phạm Thị Hoa" in page.text and "not_in_planning" in page.text

    # A position past the log head: the page again, with the reason; nothing appended.
    before = w.head()
    refused = post(w, inspector, f"{case_url}/chung-cu", {"log_positions": str(before + 40)})
    assert refused.status_code == 404 and "không có trong sổ ghi" in refused.text
    assert w.head() == before

    written(post(w, inspector, f"{case_url}/chung-cu", {
        "log_positions": str(w.appointed), "document.number": "12/BB-UBKT",
        "document.issued_on": vn(today - timedelta(days=30)),
        "document.title": "Biên bản làm việc"}))
    written(post(w, inspector, f"{case_url}/ket-luan", {
        "text": "Bổ nhiệm không đúng quy trình", "violation": "co",
        **{**decision, "decision.number": "09-KL/UBKT",
           "decision.signed_on": vn(today - timedelta(days=20))}}))
    for action, deadline in (("Rà soát quy trình", today - timedelta(days=3)),
                             ("Bổ sung hồ sơ", today + timedelta(days=7))):
        written(post(w, inspector, f"{case_url}/khac-phuc", {
            "action": action, "deadline": vn(deadline), "owner_unit_id": str(w.a),
            "effective_on": vn(today - timedelta(days=10))}))
    page = get(w, inspector, case_url)
    assert "Quá hạn 3 ngày" in page.text
    closures = re.findall(r'action="(/vu-viec/[^"]+/hoan-thanh)"', page.text)
    assert len(closures) == 2
    written(post(w, inspector, closures[0], {"result": "Đã báo cáo"}))
    # The case cannot close while a remedy is open.
    refused = post(w, inspector, f"{case_url}/ket-thuc", {"note": "Kết thúc"})
    assert refused.status_code == 409 and "chưa hoàn thành" in refused.text

    overdue = get(w, inspector, "/khac-phuc-qua-han")
    assert "Không có yêu cầu nào quá hạn" in overdue.text
    later = get(w, inspector, "/khac-phuc-qua-han", {"as_of": vn(today + timedelta(days=9))})
    assert "Bổ sung hồ sơ" in later.text and "Rà soát quy trình" not in later.text

    # Follow the other remedy to closure, then close the case: the whole cycle on the web.
    page = get(w, inspector, case_url)
    (remaining,) = re.findall(r'action="(/vu-viec/[^"]+/hoan-thanh)"', page.text)
    assert remaining == closures[1]
    written(post(w, inspector, remaining, {"result": "Đã bổ sung hồ sơ",
                                           "effective_on": vn(today)}))
    assert not re.findall(r'action="(/vu-viec/[^"]+/hoan-thanh)"',
                          get(w, inspector, case_url).text)
    written(post(w, inspector, f"{case_url}/ket-thuc", {"note": "Các yêu cầu đã hoàn thành"}))
    closed = get(w, inspector, case_url)
    assert "Đã kết thúc" in closed.text and "Các yêu cầu đã hoàn thành" in closed.text
    assert 'action="' + case_url + '/ket-thuc"' not in closed.text
    listed = get(w, inspector, "/vu-viec", {"trang_thai": "closed"})
    assert case_url in listed.text
    before = w.head()
    again = post(w, inspector, f"{case_url}/ket-thuc", {"note": "Lần hai"})
    assert again.status_code == 409 and w.head() == before

    # The case file downloads as the API serves it.
    assert f"{case_url}/ho-so" in get(w, inspector, case_url).text
    downloaded = get(w, inspector, f"{case_url}/ho-so")
    assert downloaded.status_code == 200
    assert "attachment" in downloaded.headers["content-disposition"]
    assert downloaded.json()["format"] == "hoso-case-file/v1"
    assert f"{case_url}/ho-so?dinh_dang=docx" in get(w, inspector, case_url).text
    word = get(w, inspector, f"{case_url}/ho-so", {"dinh_dang": "docx"})
    assert word.status_code == 200 and word.content[:2] == b"PK"
    assert ".docx" in word.headers["content-disposition"]

    # A leader of A: the conclusion only; writing is refused and appends nothing.
    leader = sign_in(w.client, w.tokens["leader_a"])
    seen = get(w, leader, case_url)
    assert seen.status_code == 200 and "Bổ nhiệm không đúng quy trình" in seen.text
    assert "Biên bản làm việc" not in seen.text and "khac-phuc" not in seen.text
    assert get(w, sign_in(w.client, w.tokens["leader_b"]), case_url).status_code == 403
    before = w.head()
    assert post(w, leader, f"{case_url}/chung-cu", {"log_positions": "1"}).status_code == 403
    assert w.head() == before
    assert get(w, leader, "/khac-phuc-qua-han").status_code == 403
    assert get(w, leader, f"{case_url}/ho-so").status_code == 403
