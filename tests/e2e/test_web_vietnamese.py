"""What a user reads is Vietnamese (issue 21, item 1): no English in brackets, no raw codes
(`truong_phong_xa`, `Cadre.Appointed`, `vqd80-2022`), no ISO dates and no "2026-Q3" on any page
of the web UI, for an administrator who sees every screen. The API keeps its codes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.web.display import EVENT_NAMES
from api.web.forms import FORMS
from tests.e2e.test_api_matrix import World
from tests.e2e.test_api_matrix import world as world  # noqa: F401  (the shared fixture)
from tests.e2e.test_web_matrix import WEB_MATRIX, call, sign_in
from tests.unit.test_event_roundtrip import event_classes

# What gives a page away as untranslated.
# (A file type such as "(.docx)" is not English; "dd/mm/yyyy" is how Vietnamese forms write a
# date's shape. The shared world names its titles after their codes, "Chuyên viên cv_1": that
# is data, not a code shown.)
ENGLISH_IN_BRACKETS = re.compile(r"\((?!\.[a-z]+\))(?=[^()]*[a-z]{3})[\x20-\x7e]*\)")
CODE = re.compile(r"\b(?!cv_\d)[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z][a-z]+\.[A-Z][A-Za-z]+\b"
                  r"|\b(?!dd/mm/yyyy)[a-z]+/[a-z]+/[a-z]+\b")
ISO_DATE = re.compile(r"\b(?:19|20|21)\d\d-[01]\d-[0-3]\d\b")
RAW_PERIOD = re.compile(r"\b(?:19|20|21)\d\d-Q[1-4]\b")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside scripts and styles, and placeholders."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A cell marked data-user-text shows what a user typed (a token's name): data.
        if tag in ("script", "style") or any(n == "data-user-text" for n, _ in attrs):
            self._hidden += 1
            self._stack.append(tag)
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def untranslated(html: str) -> list[str]:
    reader = VisibleText()
    reader.feed(html)
    found = []
    for text in reader.parts:
        for pattern in (ENGLISH_IN_BRACKETS, CODE, ISO_DATE, RAW_PERIOD):
            found += [f"{m.group(0)!r} in {text[:80]!r}" for m in pattern.finditer(text)]
    return found


def pages(w: World) -> list[str]:
    urls = []
    for (method, _path), row in WEB_MATRIX.items():
        if method != "GET" or _path.startswith("/static"):
            continue
        url, _, params = row.request(w, "in")
        if params:
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
        urls.append(url)
    cadre = w.cadre("in")
    urls += [f"/can-bo/{cadre}/ghi/{slug}" for slug, form in FORMS.items() if form.on_cadre]
    urls += [f"/ghi/{slug}" for slug, form in FORMS.items()
             if not form.on_cadre and not form.on_unit]
    urls += [f"/bao-cao?loai={kind}" for kind in ("evaluations", "actions", "training",
                                                   "vettings", "summary", "monthly")]
    return urls


def test_no_page_shows_english_codes_or_iso_dates(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    browser = sign_in(client, w.tokens["admin"])
    problems: dict[str, list[str]] = {}
    for url in pages(w):
        w.runtime.catch_up()
        answer = call(client, browser, "GET", url, None, None)
        if answer.status_code != 200 or "text/html" not in answer.headers.get(
                "content-type", ""):
            continue
        found = untranslated(answer.text)
        if found:
            problems[url] = found[:8]
    assert problems == {}, "\n".join(f"{u}: {p}" for u, p in problems.items())


def test_every_event_of_the_log_has_a_vietnamese_name() -> None:
    missing = sorted(c.__qualname__ for c in event_classes()
                     if c.__qualname__ not in EVENT_NAMES)
    assert missing == [], f"events the audit screen would show as code: {missing}"


def test_a_refused_form_speaks_vietnamese_only(world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    browser = sign_in(client, w.tokens["admin"])
    cadre = w.cadre("in")
    for form in ({"period": "Quý I/2026", "rating": "HTTNV", "decided_on": "32/13/2026"},
                 {"period": "quý 9/2026", "rating": "HTTNV", "decided_on": "10/04/2026"}):
        answer = call(client, browser, "POST", f"/can-bo/{cadre}/ghi/danh-gia", form, None)
        assert answer.status_code == 400, answer.text[:300]
        assert 'class="error' in answer.text
        assert untranslated(answer.text) == []
    done = call(client, browser, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                {"period": "Quý I/2026", "rating": "HTTNV", "decided_on": "10/04/2026"}, None)
    assert done.status_code == 303, done.text[:300]
    again = call(client, browser, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                 {"period": "quý 1/2026", "rating": "HTNV", "decided_on": "11/04/2026"}, None)
    assert again.status_code in (400, 409) and "đã được đánh giá" in again.text
    assert untranslated(again.text) == []


def test_a_malformed_address_is_an_html_page_not_json(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    browser = sign_in(client, w.tokens["admin"])
    for url, status in (("/can-bo/not-a-uuid", 400), ("/khong-co-trang-nay", 404)):
        answer = call(client, browser, "GET", url, None, None)
        assert answer.status_code == status, (url, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html"), url
        assert untranslated(answer.text) == [], url
    # A date that cannot be read is said to be wrong, not silently replaced by today.
    wrong_day = call(client, browser, "GET", "/can-bo?as_of=32/13/2026", None, None)
    assert wrong_day.status_code == 200 and "Ngày không hợp lệ" in wrong_day.text
    assert untranslated(wrong_day.text) == []
    # The API keeps its problem+json.
    api = client.get("/api/v1/cadres/not-a-uuid",
                     headers={"Authorization": f"Bearer {w.tokens['admin']}"})
    assert api.status_code == 422 and api.headers["content-type"].startswith(
        "application/problem+json")


def test_the_administrator_issues_and_revokes_a_token_on_the_web(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    issued = call(client, admin, "POST", "/quan-tri/ma-truy-cap",
                  {"name": "Tổ chức phường Web", "role": "personnel",
                   "unit_id": str(w.unit("in")), "expires_days": "30"}, None)
    assert issued.status_code == 200, issued.text[:300]
    found = re.search(r'id="ma-moi">([^<]+)<', issued.text)
    assert found is not None and untranslated(issued.text) == []
    token = found.group(1)
    officer = sign_in(client, token)  # the new token works, scoped to its unit
    assert call(client, officer, "GET", f"/can-bo?unit_id={w.unit('in')}", None,
                None).status_code == 200
    assert call(client, officer, "GET", "/quan-tri/ma-truy-cap", None, None).status_code == 403
    listed = call(client, admin, "GET", "/quan-tri/ma-truy-cap", None, None)
    assert "Tổ chức phường Web" in listed.text and token not in listed.text
    again = call(client, admin, "POST", "/quan-tri/ma-truy-cap",
                 {"name": "Tổ chức phường Web", "role": "personnel",
                  "unit_id": str(w.unit("in"))}, None)
    assert again.status_code == 400 and untranslated(again.text) == []
    needs_unit = call(client, admin, "POST", "/quan-tri/ma-truy-cap",
                      {"name": "Lãnh đạo không đơn vị", "role": "leader"}, None)
    assert needs_unit.status_code == 400 and "cần chọn đơn vị" in needs_unit.text
    revoked = call(client, admin, "POST", "/quan-tri/ma-truy-cap/thu-hoi",
                   {"name": "Tổ chức phường Web"}, None)
    assert revoked.status_code == 303
    gone = call(client, officer, "GET", "/can-bo", None, None)
    assert gone.status_code == 303 and "/dang-nhap" in gone.headers["location"]


def test_the_cadre_list_pages_filters_shows_posts_and_downloads(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    unit = w.unit("in")
    shown = call(client, admin, "GET", "/can-bo", None, {"unit_id": str(unit)})
    assert shown.status_code == 200 and untranslated(shown.text) == []
    assert "Chức vụ" in shown.text and "UBND phường A" in shown.text
    women = call(client, admin, "GET", "/can-bo", None, {"unit_id": str(unit),
                                                         "gioi_tinh": "nu"})
    men = call(client, admin, "GET", "/can-bo", None, {"unit_id": str(unit), "gioi_tinh": "nam"})
    assert ">Nam<" not in women.text.split("<tbody>")[1] and ">Nữ<" not in men.text.split(
        "<tbody>")[1]
    file = call(client, admin, "GET", "/can-bo/tai-ve", None, {"unit_id": str(unit)})
    assert file.status_code == 200
    sheet = load_workbook(BytesIO(file.content))["Danh sách"]
    assert [c.value for c in sheet[2]] == ["STT", "Họ và tên", "Giới tính", "Ngày sinh",
                                            "Chức vụ", "Đơn vị"]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows in ("2:2", "$2:$2")
    assert sheet.max_row >= 3


def test_the_timeline_runs_by_effective_date_and_filters(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    cadre = w.cadre("in")
    for period, decided in (("2025", "28/12/2025"), ("2023", "20/12/2023")):
        done = call(client, admin, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                    {"period": period, "rating": "HTTNV", "decided_on": decided}, None)
        assert done.status_code in (303, 409), done.text[:200]
    page = call(client, admin, "GET", f"/can-bo/{cadre}", None, None)
    days = re.findall(r'<div class="when">(\d\d/\d\d/\d{4})</div>', page.text)
    ordered = [tuple(reversed(d.split("/"))) for d in days]
    assert ordered == sorted(ordered, reverse=True), days
    only = call(client, admin, "GET", f"/can-bo/{cadre}", None, {"loai": "Evaluated"})
    kinds = set(re.findall(r'<span class="type">([^<]+)</span>', only.text))
    assert kinds == {"Đánh giá, xếp loại"}, kinds
    assert untranslated(only.text) == []


def test_a_scored_evaluation_is_entered_group_by_group_on_the_web(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    cadre = w.cadre("in")
    form = call(client, admin, "GET", f"/can-bo/{cadre}/ghi/danh-gia", None, None)
    assert 'name="scores.phuc_vu_nguoi_dan"' in form.text and untranslated(form.text) == []
    scores = {"scores.ket_qua_nhiem_vu": "41.5",
              "scores.phuc_vu_nguoi_dan": "16", "scores.phoi_hop_lien_nganh": "8",
              "scores.ky_luat_liem_chinh": "16"}
    above = call(client, admin, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                 {"period": "Quý II/2026", "rating": "HTXSNV", "decided_on": "10/07/2026",
                  **scores}, None)
    assert above.status_code == 400 and "cao hơn mức của tổng điểm" in above.text
    assert untranslated(above.text) == []
    done = call(client, admin, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                {"period": "Quý II/2026", "rating": "HTTNV", "decided_on": "10/07/2026",
                 **scores}, None)
    assert done.status_code == 303, done.text[:300]
