"""Role × web page × in-scope / out-of-scope, as the API matrix does for /api/v1.

Every page and form of the web UI must enforce the role and the scope of its API twin. The
route list comes from the app, so a web route added without a row here fails
`test_every_web_route_has_a_matrix_row`. A scoped officer opening a form of a cadre outside its
unit used to get the form, prefilled with the national ID, relatives and every entry (issue 13).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.commands import Appoint
from domain.values import ActionKind, Decision
from infra.access import AccessStore
from tests.e2e.test_api_matrix import (
    ROLES,
    SCOPES,
    World,
    _term_notice,
    app_routes,
    filed_feedback,
    filed_request,
    fresh,
)
from tests.e2e.test_api_matrix import world as world  # noqa: F401  (the shared fixture)

SIGN_IN = "signin"  # a redirect to the sign-in page

# Sign-in and sign-out are not scoped; their own tests are below and in test_web_ui.py.
NOT_SCOPED = {("POST", "/dang-nhap"), ("POST", "/dang-xuat")}

WebRequest = tuple[str, dict[str, Any] | None, dict[str, Any] | None]  # url, form, params


@dataclass(frozen=True)
class WebRow:
    request: Callable[[World, str], WebRequest]
    expect: dict[str, tuple[str, str]]  # role -> (outcome in scope, outcome out of scope)


def web_writes(done: str = "303", personnel_out: str = "403") -> dict[str, tuple[str, str]]:
    return {"admin": (done, done), "personnel": (done, personnel_out),
            "inspector": ("403", "403"), "leader": ("403", "403"), "self": ("403", "403"),
            "anonymous": (SIGN_IN, SIGN_IN)}


def web_reads(self_in: str = "403") -> dict[str, tuple[str, str]]:
    return {"admin": ("200", "200"), "personnel": ("200", "403"), "inspector": ("200", "200"),
            "leader": ("200", "403"), "self": (self_in, "403"), "anonymous": (SIGN_IN, SIGN_IN)}


def oversight() -> dict[str, tuple[str, str]]:
    return {"admin": ("200", "200"), "personnel": ("403", "403"), "inspector": ("200", "200"),
            "leader": ("403", "403"), "self": ("403", "403"), "anonymous": (SIGN_IN, SIGN_IN)}


def inspection_forms() -> dict[str, tuple[str, str]]:
    return {**oversight(), "admin": ("303", "303"), "inspector": ("303", "303")}


def conclusions(leader_out: str = "403") -> dict[str, tuple[str, str]]:
    return {**oversight(), "leader": ("200", leader_out)}


def _decision_form(on: str) -> dict[str, str]:
    return {"decision.number": f"{fresh()}-KL/UBKT", "decision.signed_on": on,
            "decision.issuer": "Ủy ban Kiểm tra", "decision.signer": "Trần Văn Kiểm"}


def _remedy_closure(w: World, s: str) -> WebRequest:
    case_id, remedy_id = w.remedy(s)
    return (f"/vu-viec/{case_id}/khac-phuc/{remedy_id}/hoan-thanh", {"result": "Đã khắc phục"},
            None)


def anyone() -> dict[str, tuple[str, str]]:
    return {role: ("200", "200") for role in ROLES}


def admin_only(done: str = "200") -> dict[str, tuple[str, str]]:
    return {role: ((done, done) if role == "admin" else
                   (SIGN_IN, SIGN_IN) if role == "anonymous" else ("403", "403"))
            for role in ROLES}


def _issued(w: World) -> str:
    """A fresh token's name, for the revocation row (each call revokes one)."""
    name = f"thu-hoi-{fresh()}"
    AccessStore(w.runtime.engine, w.runtime.clock).create_token(name=name, role="inspector")
    return name


def signed_in(done: str = "200") -> dict[str, tuple[str, str]]:
    return {role: ((SIGN_IN, SIGN_IN) if role == "anonymous" else (done, done))
            for role in ROLES}


def _training_form() -> dict[str, str]:
    # A programme of the catalogue, by its name (domain/programmes.py).
    return {"program": "Bồi dưỡng cập nhật kiến thức",
            "started_on": f"{fresh() % 28 + 1:02d}/03/2019"}


def _entry(w: World, s: str) -> int:
    return w.entry(s)


def _finding(w: World, s: str) -> dict[str, str]:
    key = w.finding(s)
    found = next(f for f in w.runtime.findings.findings(w.runtime.clock.today()).findings
                 if str(f["id"]) == key)
    return {"finding": key, "rule": str(found["rule"])}


WEB_MATRIX: dict[tuple[str, str], WebRow] = {
    ("GET", "/static/{name}"): WebRow(lambda w, s: ("/static/app.css", None, None), anyone()),
    ("GET", "/dang-nhap"): WebRow(lambda w, s: ("/dang-nhap", None, None), anyone()),
    ("GET", "/"): WebRow(lambda w, s: ("/", None, {"unit_id": str(w.unit(s))}), {
        **web_reads(), "self": ("303", "303")}),  # self is sent to its own record
    ("GET", "/don-vi"): WebRow(lambda w, s: ("/don-vi", None, {"unit_id": str(w.unit(s))}),
                               web_reads()),
    ("GET", "/can-bo"): WebRow(lambda w, s: ("/can-bo", None, {"unit_id": str(w.unit(s))}),
                               web_reads()),
    ("GET", "/can-bo/tai-ve"): WebRow(
        lambda w, s: ("/can-bo/tai-ve", None, {"unit_id": str(w.unit(s))}), web_reads()),
    ("GET", "/can-bo/{cadre_id}"): WebRow(lambda w, s: (f"/can-bo/{w.cadre(s)}", None, None),
                                          web_reads(self_in="200")),
    # Authority, dossiers, declarations, travel (issue 18): as /api/v1/authority and
    # /api/v1/cadres/{id}/integrity, foreign-travel, asset-declarations, dossier-steps.
    ("GET", "/phan-cap-quan-ly"): WebRow(lambda w, s: ("/phan-cap-quan-ly", None, None),
                                         signed_in()),
    ("GET", "/can-bo/{cadre_id}/bo-nhiem-ke-khai"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/bo-nhiem-ke-khai", None, None),
        web_reads(self_in="200")),
    ("POST", "/can-bo/{cadre_id}/bo-nhiem-ke-khai/buoc"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/bo-nhiem-ke-khai/buoc",
                      {"holding_id": str(w.holding_id(s)), "step": "chu_truong",
                       "effective_on": "01/03/2024", "reference": "05-TTr/BTC"}, None),
        web_writes()),
    ("POST", "/can-bo/{cadre_id}/bo-nhiem-ke-khai/ke-khai"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/bo-nhiem-ke-khai/ke-khai",
                      {"kind": "hang_nam", "effective_on": "20/12/2025",
                       "reference": f"KK-{fresh()}"}, None), web_writes()),
    ("POST", "/can-bo/{cadre_id}/bo-nhiem-ke-khai/di-nuoc-ngoai"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/bo-nhiem-ke-khai/di-nuoc-ngoai",
                      {"purpose": "cong_vu", "departed_on": "01/07/2025",
                       "returned_on": "05/07/2025", "decision.number": f"{fresh()}-QĐ/QU",
                       "decision.signed_on": "20/06/2025", "decision.issuer_code": "btv_huyen_uy",
                       "decision.signer": "Lê Toàn Khánh"}, None), web_writes()),
    ("POST", "/can-bo/{cadre_id}/bo-nhiem-ke-khai/di-nuoc-ngoai/{travel_id}/bao-cao"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/bo-nhiem-ke-khai/di-nuoc-ngoai/{w.travel(s)}/bao-cao",
                      {"effective_on": "12/03/2025", "reference": f"BC-{fresh()}"}, None),
        web_writes()),
    ("GET", "/can-bo/{cadre_id}/so-yeu-ly-lich"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/so-yeu-ly-lich", None, None),
        web_reads(self_in="200")),
    ("GET", "/can-bo/{cadre_id}/ghi/{slug}"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/ghi/dao-tao", None, None), web_writes("200")),
    ("POST", "/can-bo/{cadre_id}/ghi/{slug}"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/ghi/dao-tao", _training_form(), None),
        web_writes()),
    ("GET", "/can-bo/{cadre_id}/dinh-chinh/{position}"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/dinh-chinh/{_entry(w, s)}", None, None),
        web_writes("200")),
    ("POST", "/can-bo/{cadre_id}/dinh-chinh/{position}"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/dinh-chinh/{_entry(w, s)}",
                      {**_training_form(), "correction_reason": "Nhập sai"}, None),
        web_writes()),
    ("GET", "/don-vi/{unit_id}/ghi/{slug}"): WebRow(
        lambda w, s: (f"/don-vi/{w.child_unit(s)}/ghi/thay-doi-don-vi", None, None),
        web_writes("200")),
    ("POST", "/don-vi/{unit_id}/ghi/{slug}"): WebRow(
        lambda w, s: (f"/don-vi/{w.child_unit(s)}/ghi/thay-doi-don-vi",
                      {"change": "rename", "effective_on": "01/01/2016",
                       "new_name": f"Tổ {fresh()}"}, None), web_writes()),
    ("GET", "/ghi/{slug}"): WebRow(lambda w, s: ("/ghi/dang-ky", None, None),
                                   web_writes("200", personnel_out="200")),
    ("POST", "/ghi/{slug}"): WebRow(
        lambda w, s: ("/ghi/dang-ky", {"full_name": f"Đỗ Văn {fresh()}", "gender": "nam",
                                       "born_on": "01/01/1985"}, None),
        web_writes(personnel_out="303")),  # registering is not bound to a unit
    ("GET", "/bao-cao"): WebRow(
        lambda w, s: ("/bao-cao", None, {"loai": "cadre_quality", "unit_id": str(w.unit(s))}),
        web_reads()),
    ("GET", "/bao-cao/tai-ve"): WebRow(
        lambda w, s: ("/bao-cao/tai-ve", None, {"loai": "cadre_quality",
                                               "unit_id": str(w.unit(s))}), web_reads()),
    # The monthly cycle's page and its submit button, and the term-end worklist.
    ("GET", "/bao-cao/thang"): WebRow(
        lambda w, s: ("/bao-cao/thang", None, {"ky": "2026-10", "unit_id": str(w.unit(s))}),
        web_reads()),
    ("POST", "/bao-cao/thang/nop"): WebRow(
        lambda w, s: ("/bao-cao/thang/nop", {"ky": "2026-10", "unit_id": str(w.unit(s))},
                      None), web_writes()),
    ("GET", "/vi-tri-viec-lam"): WebRow(
        lambda w, s: ("/vi-tri-viec-lam", None, {"unit_id": str(w.unit(s))}), signed_in()),
    ("POST", "/viec-can-lam/het-nhiem-ky/thong-bao"): WebRow(
        lambda w, s: ("/viec-can-lam/het-nhiem-ky/thong-bao",
                      {**_term_notice(w, s), "notified_on": "20/11/2026"}, None), web_writes()),
    ("GET", "/viec-can-lam/het-nhiem-ky"): WebRow(
        lambda w, s: ("/viec-can-lam/het-nhiem-ky", None, {"unit_id": str(w.unit(s))}),
        web_reads()),
    ("GET", "/bao-cao/danh-gia-quy"): WebRow(
        lambda w, s: ("/bao-cao/danh-gia-quy", None, {"ky": "2026-Q1",
                                                       "unit_id": str(w.unit(s))}), web_reads()),
    ("GET", "/bao-cao/danh-gia-quy/tai-ve"): WebRow(
        lambda w, s: ("/bao-cao/danh-gia-quy/tai-ve", None, {"ky": "2026-Q1",
                                                              "unit_id": str(w.unit(s))}),
        web_reads()),
    ("GET", "/phat-hien"): WebRow(
        lambda w, s: ("/phat-hien", None, {"unit_id": str(w.unit(s))}), oversight()),
    ("POST", "/phat-hien/xem-xet"): WebRow(
        lambda w, s: ("/phat-hien/xem-xet", {**_finding(w, s), "conclusion": "needs_action",
                                             "reason": "Cần xác minh"}, None),
        {**oversight(), "admin": ("303", "303"), "inspector": ("303", "303")}),
    ("GET", "/kiem-tra"): WebRow(lambda w, s: ("/kiem-tra", None, None), oversight()),
    # Access tokens: the administrator's only, as `hoso token create|list|revoke`.
    ("GET", "/quan-tri/ma-truy-cap"): WebRow(lambda w, s: ("/quan-tri/ma-truy-cap", None, None),
                                             admin_only()),
    ("POST", "/quan-tri/ma-truy-cap"): WebRow(
        lambda w, s: ("/quan-tri/ma-truy-cap", {"name": f"Tổ chức {fresh()}", "role": "personnel",
                                               "unit_id": str(w.unit(s))}, None), admin_only()),
    ("POST", "/quan-tri/ma-truy-cap/thu-hoi"): WebRow(
        lambda w, s: ("/quan-tri/ma-truy-cap/thu-hoi", {"name": _issued(w)}, None),
        admin_only("303")),
    # Spreadsheet import: as POST /api/v1/imports (writers; each row's scope in the service).
    # A post without a file is answered on the page (400); the upload itself is tested in
    # test_web_workday.py.
    ("GET", "/nhap-tep"): WebRow(lambda w, s: ("/nhap-tep", None, None),
                                 web_writes("200", personnel_out="200")),
    ("GET", "/nhap-tep/mau"): WebRow(lambda w, s: ("/nhap-tep/mau", None, None),
                                     web_writes("200", personnel_out="200")),
    ("POST", "/nhap-tep"): WebRow(lambda w, s: ("/nhap-tep", {"thao_tac": "kiem_tra"}, None),
                                  web_writes("400", personnel_out="400")),
    # Inspection casework: as GET/POST /api/v1/inspection-*.
    ("GET", "/ke-hoach-kiem-tra"): WebRow(lambda w, s: ("/ke-hoach-kiem-tra", None, None),
                                          oversight()),
    ("POST", "/ke-hoach-kiem-tra"): WebRow(
        lambda w, s: ("/ke-hoach-kiem-tra", {
            "year": "2026", "title": f"Kế hoạch {fresh()}", "subject_unit": str(w.unit(s)),
            "topics": "bổ nhiệm 2024–2025", **_decision_form("05/01/2026")}, None),
        inspection_forms()),
    ("GET", "/vu-viec"): WebRow(lambda w, s: ("/vu-viec", None, None), conclusions("200")),
    ("POST", "/vu-viec"): WebRow(
        lambda w, s: ("/vu-viec", {"title": f"Vụ việc {fresh()}", "description": "Phản ánh",
                                   "unit_id": str(w.unit(s))}, None), inspection_forms()),
    ("GET", "/vu-viec/{case_id}"): WebRow(lambda w, s: (f"/vu-viec/{w.case(s)}", None, None),
                                          conclusions()),
    ("POST", "/vu-viec/{case_id}/chung-cu"): WebRow(
        lambda w, s: (f"/vu-viec/{w.case(s, concluded=False)}/chung-cu",
                      {"log_positions": "1"}, None), inspection_forms()),
    ("POST", "/vu-viec/{case_id}/ket-luan"): WebRow(
        lambda w, s: (f"/vu-viec/{w.case(s, concluded=False)}/ket-luan",
                      {"text": "Không có vi phạm", "violation": "khong",
                       **_decision_form("03/01/2026")}, None), inspection_forms()),
    ("POST", "/vu-viec/{case_id}/khac-phuc"): WebRow(
        lambda w, s: (f"/vu-viec/{w.case(s)}/khac-phuc",
                      {"action": "Rà soát", "deadline": "31/01/2027",
                       "owner_unit_id": str(w.unit(s))}, None), inspection_forms()),
    ("POST", "/vu-viec/{case_id}/khac-phuc/{remedy_id}/hoan-thanh"): WebRow(
        _remedy_closure, inspection_forms()),
    ("POST", "/vu-viec/{case_id}/ket-thuc"): WebRow(
        lambda w, s: (f"/vu-viec/{w.case(s)}/ket-thuc", {"note": "Kết thúc"}, None),
        inspection_forms()),
    ("GET", "/vu-viec/{case_id}/ho-so"): WebRow(
        lambda w, s: (f"/vu-viec/{w.case(s)}/ho-so", None, None), oversight()),
    ("GET", "/khac-phuc-qua-han"): WebRow(lambda w, s: ("/khac-phuc-qua-han", None, None),
                                          oversight()),
    # The public hồ sơ công vụ: no sign-in, the same page for every role.
    ("GET", "/cong-khai"): WebRow(
        lambda w, s: ("/cong-khai", None, {"q": "tran thi", "unit_id": str(w.unit(s))}),
        anyone()),
    ("GET", "/cong-khai/can-bo/{cadre_id}"): WebRow(
        lambda w, s: (f"/cong-khai/can-bo/{w.cadre(s)}", None, None), anyone()),
    # Feedback: any signed-in role files and looks up its receipt; inspectors read.
    ("GET", "/phan-anh"): WebRow(lambda w, s: ("/phan-anh", None, None), signed_in()),
    ("POST", "/phan-anh"): WebRow(
        lambda w, s: ("/phan-anh", {"content": "Bổ nhiệm thiếu quy trình",
                                    "cadre_id": str(w.cadre(s))}, None), signed_in()),
    ("GET", "/phan-anh/tra-cuu"): WebRow(lambda w, s: ("/phan-anh/tra-cuu", None, None),
                                         signed_in()),
    ("POST", "/phan-anh/tra-cuu"): WebRow(
        lambda w, s: ("/phan-anh/tra-cuu", {"receipt": filed_feedback(w, s)[1]}, None),
        signed_in()),
    ("GET", "/phan-anh/danh-sach"): WebRow(lambda w, s: ("/phan-anh/danh-sach", None, None),
                                           oversight()),
    ("GET", "/phan-anh/{feedback_id}"): WebRow(
        lambda w, s: (f"/phan-anh/{filed_feedback(w, s)[0]}", None, None), oversight()),
    ("POST", "/phan-anh/{feedback_id}/trang-thai"): WebRow(
        lambda w, s: (f"/phan-anh/{filed_feedback(w, s)[0]}/trang-thai",
                      {"status": "assigned", "assignee": "Tổ kiểm tra 1"}, None),
        {**oversight(), "admin": ("303", "303"), "inspector": ("303", "303")}),
    # Self-service corrections: the cadre asks from its own record page; officers answer.
    ("POST", "/can-bo/{cadre_id}/de-nghi-dinh-chinh"): WebRow(
        lambda w, s: (f"/can-bo/{w.cadre(s)}/de-nghi-dinh-chinh",
                      {"target": str(w.entry(s)), "what": "Sai năm học",
                       "reason": "Theo chứng chỉ", "attachment_title": "Chứng chỉ"}, None),
        {"admin": ("403", "403"), "personnel": ("403", "403"), "inspector": ("403", "403"),
         "leader": ("403", "403"), "self": ("303", "403"), "anonymous": (SIGN_IN, SIGN_IN)}),
    ("GET", "/de-nghi-dinh-chinh"): WebRow(
        lambda w, s: ("/de-nghi-dinh-chinh", None, None),
        {"admin": ("200", "200"), "personnel": ("200", "200"), "inspector": ("403", "403"),
         "leader": ("403", "403"), "self": ("200", "200"), "anonymous": (SIGN_IN, SIGN_IN)}),
    ("GET", "/de-nghi-dinh-chinh/{request_id}"): WebRow(
        lambda w, s: (f"/de-nghi-dinh-chinh/{filed_request(w, s)}", None, None),
        {"admin": ("200", "200"), "personnel": ("200", "403"), "inspector": ("403", "403"),
         "leader": ("403", "403"), "self": ("200", "403"), "anonymous": (SIGN_IN, SIGN_IN)}),
    ("POST", "/de-nghi-dinh-chinh/{request_id}/tra-loi"): WebRow(
        lambda w, s: (f"/de-nghi-dinh-chinh/{filed_request(w, s)}/tra-loi",
                      {"outcome": "refused", "reason": "Hồ sơ ghi đúng"}, None), web_writes()),
}


def web_routes(client: TestClient) -> set[tuple[str, str]]:
    return {(m, p) for m, p in app_routes(client.app)  # type: ignore[arg-type]
            if not p.startswith("/api/")}


@dataclass
class Browser:
    """A signed-in browser: its session cookie and the CSRF token its pages carry."""

    cookie: str | None
    csrf: str


def sign_in(client: TestClient, token: str | None) -> Browser:
    client.cookies.clear()
    if token is None:
        return Browser(None, "")
    form = client.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/dang-nhap", data={"csrf": csrf.group(1), "token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    cookie = client.cookies.get("hoso_phien")
    shown = client.get("/kiem-tra")  # any page: its header holds the sign-out form's token
    found = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert found is not None and cookie is not None
    client.cookies.clear()
    return Browser(cookie, found.group(1))


def outcome(response: Any) -> str:
    if response.status_code == 303 and response.headers["location"].startswith("/dang-nhap"):
        return SIGN_IN
    return str(response.status_code)


def call(client: TestClient, browser: Browser, method: str, url: str,
         form: dict[str, Any] | None, params: dict[str, Any] | None) -> Any:
    client.cookies.clear()
    if browser.cookie:
        client.cookies.set("hoso_phien", browser.cookie)
    data = {**form, "csrf": browser.csrf} if form is not None else None
    try:
        return client.request(method, url, data=data, params=params, follow_redirects=False)
    finally:
        client.cookies.clear()


# The web scenario tests' steps (`w` holds the in-process app's `client`).


def vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def post_form(w: Any, b: Browser, url: str, form: dict[str, Any]) -> Any:
    return call(w.client, b, "POST", url, form, None)


def get_page(w: Any, b: Browser, url: str, params: dict[str, Any] | None = None) -> Any:
    return call(w.client, b, "GET", url, None, params)


def written(response: Any) -> str:
    """A write form's answer: the redirect after it (303) and where to."""
    assert response.status_code == 303, response.text[:800]
    return str(response.headers["location"])


@pytest.fixture(scope="module")
def browsers(world: tuple[World, TestClient]) -> dict[str, Browser]:  # noqa: F811
    w, client = world
    return {role: sign_in(client, w.tokens[role]) for role in ROLES}


def test_every_web_route_has_a_matrix_row(world: tuple[World, TestClient]) -> None:  # noqa: F811
    _, client = world
    routes = web_routes(client)
    missing = routes - set(WEB_MATRIX) - NOT_SCOPED
    assert not missing, f"web routes without a matrix row: {sorted(missing)}"
    stale = set(WEB_MATRIX) - routes
    assert not stale, f"matrix rows for web routes that no longer exist: {sorted(stale)}"


def test_web_access_matrix(world: tuple[World, TestClient],  # noqa: F811
                           browsers: dict[str, Browser]) -> None:
    w, client = world
    wrong = []
    for (method, path), row in WEB_MATRIX.items():
        for role in ROLES:
            for scope in SCOPES:
                url, form, params = row.request(w, scope)
                w.runtime.catch_up()
                response = call(client, browsers[role], method, url, form, params)
                expected = row.expect[role][0 if scope == "in" else 1]
                if outcome(response) != expected:
                    wrong.append(f"{method} {path} {role}/{scope}: {outcome(response)} != "
                                 f"{expected} {response.text[:160]!r}")
    assert not wrong, "\n".join(wrong)


def test_an_out_of_scope_form_shows_nothing_of_the_cadre(
        world: tuple[World, TestClient], browsers: dict[str, Browser]) -> None:  # noqa: F811
    w, client = world
    officer = browsers["personnel"]
    out = [f"/can-bo/{w.cadre_b}/ghi/dao-tao", f"/can-bo/{w.cadre_b}/ghi/dinh-chinh",
           f"/can-bo/{w.cadre_b}/dinh-chinh/{w.entry('out')}"]
    for url in out:
        response = call(client, officer, "GET", url, None, None)
        assert response.status_code == 403
        assert "Lê Văn B" not in response.text
    # A post without a valid CSRF token used to answer the form again, name and entries.
    response = call(client, Browser(officer.cookie, "stale"), "POST", out[0],
                    _training_form(), None)
    assert response.status_code == 403
    assert "Lê Văn B" not in response.text


def test_a_form_shown_is_written_to_the_read_audit(
        world: tuple[World, TestClient], browsers: dict[str, Browser]) -> None:  # noqa: F811
    w, client = world
    access = AccessStore(w.runtime.engine, w.runtime.clock)
    before = len(access.reads(cadre_id=w.cadre_a, reader="to_chuc_a"))
    position = w.entry("in")
    assert call(client, browsers["personnel"], "GET",
                f"/can-bo/{w.cadre_a}/dinh-chinh/{position}", None, None).status_code == 200
    reads = access.reads(cadre_id=w.cadre_a, reader="to_chuc_a")
    assert len(reads) == before + 1 and reads[0].what == "form"


def test_a_correction_is_scoped_by_the_entry_it_supersedes(
        world: tuple[World, TestClient], browsers: dict[str, Browser]) -> None:  # noqa: F811
    """An officer of ward A may correct its own cadre, but not that cadre's post in ward B."""
    w, client = world
    code = w.title()
    on = date(2011, 5, 1)
    appointed = w.runtime.app.appoint(w.cadre_a, Appoint(
        kind=ActionKind.KIEM_NHIEM, unit_id=w.b, title_code=code, effective_on=on,
        decision=Decision(f"{fresh()}/QĐ", on, "UBND", "A")), recorded_by="setup")
    w.runtime.catch_up()
    position = appointed.entry_position
    officer = {"Authorization": f"Bearer {w.tokens['personnel']}"}
    retract = {"target_position": position, "reason": "Nhập sai"}
    answer = client.post(f"/api/v1/cadres/{w.cadre_a}/corrections", json=retract,
                         headers=officer)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "forbidden"
    replace = {**retract, "replacement": {"kind": "kiem_nhiem", "unit_id": str(w.a),
                                          "title_code": code, "effective_on": "2011-05-01",
                                          "decision": {"number": "9/QĐ",
                                                       "signed_on": "2011-05-01",
                                                       "issuer": "UBND", "signer": "A"}}}
    assert client.post(f"/api/v1/cadres/{w.cadre_a}/corrections", json=replace,
                       headers=officer).status_code == 403
    web = browsers["personnel"]
    assert call(client, web, "GET", f"/can-bo/{w.cadre_a}/dinh-chinh/{position}",
                None, None).status_code == 403
    # The admin may; the record shows the retraction.
    admin = {"Authorization": f"Bearer {w.tokens['admin']}"}
    assert client.post(f"/api/v1/cadres/{w.cadre_a}/corrections", json=retract,
                       headers=admin).status_code == 201


def test_sign_out_ends_the_session_even_without_a_csrf_token(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    browser = sign_in(client, w.tokens["inspector"])
    assert call(client, browser, "GET", "/kiem-tra", None, None).status_code == 200
    answer = call(client, Browser(browser.cookie, ""), "POST", "/dang-xuat", {}, None)
    assert answer.status_code == 303
    assert outcome(call(client, browser, "GET", "/kiem-tra", None, None)) == SIGN_IN
