"""The web interface in a real browser (Debian's Chromium driven by Playwright) over a real
server: the demo district plus a small hand-built unit whose history the scenarios know.

Screenshots of every screen land in test-artifacts/web/ (desktop 1366×768, and a phone).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.application import HosoApplication
from domain.commands import Appoint, EndHolding, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, EndingReason, Gender
from infra.demo import BulkApplication, generate
from infra.persistence import application_env, create_database_if_missing
from infra.runtime import open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock
from tests.e2e.conftest import ADMIN_TOKEN, ROOT, Server, issue_token, running_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "web"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("CI: /usr/bin/chromium is missing (run scripts/browser-deps.sh)")
    pytest.skip("/usr/bin/chromium is not installed (scripts/browser-deps.sh installs it)")


@dataclass(frozen=True)
class District:
    """What the scenarios know about the store."""

    server: Server
    unit_id: UUID  # Phòng Thử nghiệm: a head from 2020-03-01 to 2024-06-30, vacant since
    head_id: UUID  # Phạm Thị Thử Nghiệm, that head
    newcomer_id: UUID  # Ngô Văn Giao Diện: registered, no post yet
    title_code: str


def _hand_built(app: HosoApplication, root: UUID) -> tuple[UUID, UUID, UUID, str]:
    by = "e2e-web"
    unit = app.register_unit(RegisterUnit(
        code="PTN-WEB", name="Phòng Thử nghiệm Giao diện", kind="phong",
        established_on=date(2019, 1, 1), parent_id=root), recorded_by=by)
    code = "truong_phong_tn_web"
    app.register_title(RegisterTitle(
        code=code, name="Trưởng phòng Thử nghiệm", is_head=True, management_tier="quan_uy",
        rank=40), recorded_by=by)
    head = app.register_cadre(RegisterCadre(full_name="Phạm Thị Thử Nghiệm", gender=Gender.NU,
                                            born_on=date(1975, 5, 5)), recorded_by=by)
    newcomer = app.register_cadre(RegisterCadre(full_name="Ngô Văn Giao Diện", gender=Gender.NAM,
                                                born_on=date(1988, 8, 8)), recorded_by=by)
    qd = Decision("15-QĐ/QU", date(2020, 2, 20), "Ban Thường vụ Quận ủy", "Lê Toàn Khánh")
    app.appoint(head.id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit.id, title_code=code,
                                 effective_on=date(2020, 3, 1), decision=qd), recorded_by=by)
    app.end_holding(head.id, EndHolding(unit_id=unit.id, title_code=code, reason=EndingReason.DIEU_DONG, effective_on=date(2024, 6, 30), decision=Decision("88-QĐ/QU", date(2024, 6, 20), "Ban Thường vụ Quận ủy",
                                      "Lê Toàn Khánh")), recorded_by=by)
    return unit.id, head.id, newcomer.id, code


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    _browser_or_skip()
    folder = tmp_path_factory.mktemp("web")
    settings = Settings(database_url=f"sqlite:///{folder}/hoso.sqlite3",
                        admin_token=ADMIN_TOKEN)
    create_database_if_missing(settings.database_url)
    bulk = BulkApplication(env=application_env(settings), clock=suite_clock(),
                           horizon_days=settings.future_horizon_days)
    try:
        summary = generate(bulk, "demo", seed=2022)
    finally:
        bulk.close()
    runtime = open_runtime(settings)
    try:
        unit_id, head_id, newcomer_id, code = _hand_built(runtime.app, summary.root_unit_id)
        runtime.catch_up()
    finally:
        runtime.close()
    with running_server(settings) as server:
        yield District(server, unit_id, head_id, newcomer_id, code)


@pytest.fixture(scope="module")
def browser(district: District) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: Any, district: District, *, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(viewport=viewport, base_url=district.server.base_url,
                                  locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, token: str = ADMIN_TOKEN) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Mã truy cập").fill(token)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/($|\?|can-bo/)"))


# --- scenarios ---------------------------------------------------------------------------------


def test_sign_in_refuses_a_bad_token_then_opens_the_overview(browser: Any,
                                                             district: District) -> None:
    page = _page(browser, district)
    page.goto("/")
    assert "/dang-nhap" in page.url  # not signed in: sent to the sign-in screen
    _shot(page, "01-sign-in")
    page.get_by_label("Mã truy cập").fill("not-a-token")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").inner_text().startswith("Mã truy cập không hợp lệ")
    _sign_in(page)
    page.get_by_role("heading", name="Tổng quan").wait_for()
    assert page.locator(".figure .n").first.inner_text().replace(".", "").isdigit()
    assert "%" in page.locator(".figure").nth(1).inner_text()  # women's share, 88,8% style
    assert page.locator("svg.chart").count() >= 3
    _shot(page, "02-overview")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hoso_phien")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.context.close()


def test_moving_the_roster_date_changes_the_roster_in_place(browser: Any,
                                                            district: District) -> None:
    page = _page(browser, district)
    _sign_in(page)
    page.goto(f"/don-vi?unit_id={district.unit_id}&as_of=2022-01-01")
    roster = page.locator(".roster table")
    assert "Phạm Thị Thử Nghiệm" in roster.inner_text()
    assert "01/03/2020" in roster.inner_text()  # dates dd/mm/yyyy
    _shot(page, "03-units-2022")
    page.get_by_label("Tại ngày").fill("01/01/2025")
    page.get_by_label("Tại ngày").dispatch_event("change")
    page.locator(".vacant").wait_for()  # the script swapped the roster in, no reload
    assert "Phạm Thị Thử Nghiệm" not in page.locator(".roster table").inner_text()
    assert "Trưởng phòng Thử nghiệm" in page.locator(".vacant").inner_text()
    assert "as_of=01%2F01%2F2025" in page.url
    assert "01/01/2025" in page.locator(".moment").inner_text()
    _shot(page, "04-units-2025-vacant")
    page.context.close()


def test_an_appointment_recorded_in_the_form_shows_in_the_timeline(browser: Any,
                                                                   district: District) -> None:
    page = _page(browser, district)
    _sign_in(page)
    page.goto(f"/can-bo/{district.newcomer_id}")
    page.get_by_role("link", name="Bổ nhiệm, phân công").click()
    page.get_by_label("Hình thức").select_option("bo_nhiem")
    page.get_by_label("Đơn vị").select_option(str(district.unit_id))
    page.get_by_label("Chức danh").select_option(district.title_code)
    page.get_by_label("Ngày hiệu lực").fill("01/02/2025")
    page.get_by_label("Số quyết định").fill("07-QĐ/QU")
    page.get_by_label("Ngày ký").fill("25/01/2025")
    page.get_by_label("Cơ quan ban hành").fill("Ban Thường vụ Quận ủy")
    page.get_by_label("Người ký").fill("Lê Toàn Khánh")
    _shot(page, "05-appointment-form")
    page.get_by_role("button", name="Ghi vào hồ sơ").click()
    page.wait_for_url(re.compile(rf"/can-bo/{district.newcomer_id}\?ghi=\d+"))
    assert "Đã ghi vào hồ sơ" in page.get_by_role("status").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "07-QĐ/QU" in timeline and "01/02/2025" in timeline
    assert "Trưởng phòng Thử nghiệm" in page.locator(".profile").inner_text()
    _shot(page, "06-cadre-timeline")
    page.set_viewport_size(PHONE)
    _shot(page, "07-cadre-phone")
    page.context.close()


def test_a_refused_appointment_shows_the_domain_message_next_to_the_field(
        browser: Any, district: District) -> None:
    page = _page(browser, district)
    _sign_in(page)
    form = f"/can-bo/{district.newcomer_id}/ghi/bo-nhiem"
    page.goto(form)
    # Blank required fields: each says so beside itself.
    page.get_by_role("button", name="Ghi vào hồ sơ").click()
    assert page.locator("#f-kind-error").inner_text() == "Bắt buộc nhập"
    assert page.locator("#f-decision-number-error").is_visible()
    # The head post is held on 01/06/2022 by Phạm Thị Thử Nghiệm: the domain refuses.
    page.get_by_label("Hình thức").select_option("bo_nhiem")
    page.get_by_label("Đơn vị").select_option(str(district.unit_id))
    page.get_by_label("Chức danh").select_option(district.title_code)
    page.get_by_label("Ngày hiệu lực").fill("01/06/2022")
    page.get_by_label("Số quyết định").fill("99-QĐ/QU")
    page.get_by_label("Ngày ký").fill("25/05/2022")
    page.get_by_label("Cơ quan ban hành").fill("Ban Thường vụ Quận ủy")
    page.get_by_label("Người ký").fill("Lê Toàn Khánh")
    page.get_by_role("button", name="Ghi vào hồ sơ").click()
    error = page.locator("#f-title-code-error")
    assert error.is_visible() and error.inner_text()  # the domain's message, by the field
    assert page.get_by_label("Chức danh").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Số quyết định").input_value() == "99-QĐ/QU"  # input kept
    _shot(page, "08-appointment-refused")
    page.goto(f"/can-bo/{district.newcomer_id}")
    assert "99-QĐ/QU" not in page.locator("ol.timeline").inner_text()  # nothing half-saved
    page.context.close()


def test_a_report_is_shown_and_downloaded_as_word_and_excel(browser: Any,
                                                            district: District) -> None:
    page = _page(browser, district)
    _sign_in(page)
    page.goto("/bao-cao")
    page.get_by_label("Loại báo cáo").select_option("cadre_quality")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.get_by_role("heading", name="Tình hình đội ngũ cán bộ").wait_for()
    assert page.locator(".report table").count() >= 1
    _shot(page, "09-report")
    for fmt, magic in (("Word", b"PK"), ("Excel", b"PK")):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(f"Tải {fmt}")).click()
        path = info.value.path()
        assert Path(path).read_bytes()[:2] == magic
        assert info.value.suggested_filename.endswith(".docx" if fmt == "Word" else ".xlsx")
    page.goto(f"/can-bo/{district.head_id}?as_of=01/06/2022")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("sơ yếu lý lịch mẫu 2C")).click()
    cv = Path(info.value.path())
    assert cv.read_bytes()[:2] == b"PK" and info.value.suggested_filename.endswith(".docx")
    page.context.close()


def test_inspectors_see_findings_and_audit_but_no_write_forms(browser: Any,
                                                              district: District) -> None:
    token = issue_token(district.server.settings, name="thanh-tra-web", role="inspector")
    page = _page(browser, district)
    _sign_in(page, token)
    nav = page.get_by_role("navigation", name="Chức năng").inner_text()
    assert "Phát hiện" in nav and "Kiểm tra" in nav
    page.goto("/phat-hien")
    page.locator("ol.findings > li").first.wait_for()
    assert page.locator("ol.findings > li.finding").count() > 0
    _shot(page, "10-findings")
    page.goto("/kiem-tra")
    assert "Sổ ghi nguyên vẹn" in page.locator(".ok").inner_text()
    _shot(page, "11-audit")
    page.goto(f"/can-bo/{district.head_id}")
    assert page.get_by_role("heading", name="Ghi quyết định").count() == 0
    page.goto(f"/can-bo/{district.head_id}/ghi/bo-nhiem")
    assert page.get_by_role("heading", name="Không có quyền").is_visible()
    page.context.close()


def test_a_self_reader_sees_only_their_own_record(browser: Any, district: District) -> None:
    token = issue_token(district.server.settings, name="ca-nhan-web", role="self",
                        cadre_id=district.head_id)
    page = _page(browser, district, viewport=PHONE)
    _sign_in(page, token)
    page.get_by_role("heading", name=re.compile("Phạm Thị Thử Nghiệm")).wait_for()
    nav = page.get_by_role("navigation", name="Chức năng").inner_text()
    assert "Báo cáo" not in nav and "Phát hiện" not in nav
    _shot(page, "12-self-phone")
    # Another cadre's hồ sơ, and the reports, are refused with a page that says so; the
    # other cadre's name never reaches the screen.
    other = page.goto(f"{district.server.base_url}/can-bo/{district.newcomer_id}")
    assert other is not None and other.status == 403
    assert "Ngô Văn Giao Diện" not in page.content()
    reports = page.goto(f"{district.server.base_url}/bao-cao")
    assert reports is not None and reports.status == 403
    page.context.close()


# --- without a browser: the session's protections ------------------------------------------------


def test_form_posts_without_the_csrf_token_are_refused(district: District) -> None:
    base = district.server.base_url
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        sign_in = client.get("/dang-nhap")
        csrf = re.search(r'name="csrf" value="([^"]+)"', sign_in.text)
        assert csrf is not None
        refused = client.post("/dang-nhap", data={"csrf": "forged", "token": ADMIN_TOKEN})
        assert refused.status_code == 400
        fresh = re.search(r'name="csrf" value="([^"]+)"', refused.text)
        assert fresh is not None
        signed = client.post("/dang-nhap", data={"csrf": fresh.group(1), "token": ADMIN_TOKEN})
        assert signed.status_code == 303
        cookie_header = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie_header and "SameSite=strict" in cookie_header
        before = client.get(f"/can-bo/{district.newcomer_id}").text.count('class="entry')
        post = client.post(f"/can-bo/{district.newcomer_id}/ghi/danh-gia",
                           data={"period": "2024", "rating": "HTTNV",
                                 "decided_on": "20/12/2024"})
        assert post.status_code == 403
        after = client.get(f"/can-bo/{district.newcomer_id}").text.count('class="entry')
        assert after == before
        assert "'self'" in client.get("/").headers["content-security-policy"]


def test_an_entry_is_corrected_in_its_own_form_and_the_old_one_shows_as_corrected(
        browser: Any, district: District) -> None:
    # Runs last in this file: it moves the head's ending by a month (vacancy checks above
    # look at 2022 and 2025, on either side of both dates).
    page = _page(browser, district)
    _sign_in(page)
    page.goto(f"/can-bo/{district.head_id}")
    ending = page.locator("ol.timeline > li", has_text="88-QĐ/QU").first
    ending.get_by_role("link", name="Đính chính mục này").click()
    assert page.get_by_label("Ngày hiệu lực").input_value() == "30/06/2024"  # the entry, prefilled
    assert page.get_by_label("Số quyết định").input_value() == "88-QĐ/QU"
    page.get_by_label("Ngày hiệu lực").fill("31/07/2024")
    page.get_by_role("button", name="Ghi vào hồ sơ").click()
    # A correction needs its reason, said beside the field.
    page.locator(".error", has_text="Bắt buộc nhập").first.wait_for()
    assert page.get_by_label("Lý do đính chính").get_attribute("aria-invalid") == "true"
    page.get_by_label("Lý do đính chính").fill("Nhập sai ngày hiệu lực")
    page.get_by_role("button", name="Ghi vào hồ sơ").click()
    page.wait_for_url(re.compile(rf"/can-bo/{district.head_id}\?ghi=\d+"))
    timeline = page.locator("ol.timeline").inner_text()
    assert "Đã đính chính" in timeline and "31/07/2024" in timeline
    _shot(page, "13-corrected-entry")
    page.context.close()


def test_an_officer_submits_the_monthly_report_and_opens_the_term_end_worklist(
        browser: Any, district: District) -> None:
    token = district.server.token(name="to_chuc_ptn_web", role="personnel",
                                  unit_id=district.unit_id)
    page = _page(browser, district)
    _sign_in(page, token)
    page.get_by_role("link", name="Báo cáo tháng").click()
    # The suite's day is 24/11/2026: the last closed period runs 15/10 to 14/11, due the 28th.
    page.get_by_role("heading", name="Kỳ báo cáo tháng 11/2026: từ 15/10/2026 đến 14/11/2026").wait_for()
    assert "28/11/2026" in page.locator("main").inner_text()
    assert "Phòng Thử nghiệm Giao diện" in page.locator("#chua-nop + table").inner_text()
    _shot(page, "20-monthly-report")
    page.get_by_role("button", name="Nộp báo cáo kỳ tháng 11/2026").click()
    page.get_by_role("status").filter(has_text="Đã nộp báo cáo kỳ tháng 11/2026").wait_for()
    submitted = page.locator("#da-nop + table").inner_text()
    assert "to_chuc_ptn_web" in submitted and "Khớp" in submitted
    _shot(page, "21-monthly-submitted")
    page.get_by_role("link", name="Sắp hết nhiệm kỳ").click()
    page.get_by_role("heading", name="Chức vụ sắp hết thời hạn bổ nhiệm").wait_for()
    assert "90 ngày làm việc" in page.locator("main").inner_text()
    _shot(page, "22-term-ends")
    page.context.close()
