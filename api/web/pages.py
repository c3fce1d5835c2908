"""The screens: sign-in, overview, unit tree and roster, cadre record, write forms, reports,
findings and audit. Every figure comes from the read model, the report queries or the findings
fold; every write goes through the API's own route functions (same checks, same service)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api import documents, services
from api.documents_cv import DOCX_MEDIA_TYPE
from api.errors import TooManyFailures, status_of
from api.report_letter import lettered
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    SELF,
    Principal,
    check_correct_entry,
    check_read_cadre,
    check_read_unit,
    check_write_cadre,
    check_write_unit,
    get_principal,
    record_read,
    record_reads,
    require_role,
)
from api.services.archive import cv_file
from api.services.correction_requests import own_requests
from api.services.reports import chosen_period
from api.web import charts, display, findings, forms
from api.web.session import (
    COOKIE,
    SIGN_IN_COOKIE,
    Session,
    close_session,
    csrf_ok,
    find_session,
    open_session,
    principal_of,
)
from domain.calendar import EARLIEST_YEAR, LATEST_YEAR, QUARTERLY_FROM
from domain.errors import DomainError, InvalidCommand, NotFound
from domain.job_position import JobPosition
from domain.rules.pack import RULE_IDS, default_pack
from domain.values import ReviewConclusion
from infra.runtime import Runtime
from projections import monthly_cycle, reports
from projections.job_positions import registered_ids
from projections.read_model import CadreFilter, Moment, tier_on

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
display.install(templates.env)

# The screens name a rule by its Vietnamese title and a version by its source, never by id.
RULE_TITLES = {v.id: v.title for v in default_pack().versions}
RULE_SOURCES = {(v.id, v.version): v.source for v in default_pack().versions}

router = APIRouter(include_in_schema=False)

READERS = (ADMIN, PERSONNEL, INSPECTOR, LEADER)
WRITERS = (ADMIN, PERSONNEL)
OVERSIGHT = (ADMIN, INSPECTOR)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
REPORT_KINDS = {
    "cadre_quality": "Tình hình đội ngũ cán bộ (BM01)",
    "evaluations": "Kết quả đánh giá, xếp loại",
    "actions": "Điều động, bổ nhiệm, giới thiệu ứng cử",
    "training": "Đào tạo, bồi dưỡng",
    "vettings": "Bảo vệ chính trị nội bộ",
    "monthly": "Báo cáo tháng",
}
AGE_BAND_NAMES = documents.LEVEL_LABELS["age_band"]
CONCLUSIONS = {"confirmed": "Xác nhận vi phạm", "dismissed": "Không phải vi phạm",
               "needs_action": "Cần xử lý"}


@dataclass(frozen=True)
class Visitor:
    principal: Principal
    session: Session

    def may(self, area: str) -> bool:
        role = self.principal.role
        return role in {"read": READERS, "write": WRITERS, "oversight": OVERSIGHT,
                        "self": (SELF,)}[area]


class SignInNeeded(HTTPException):
    def __init__(self) -> None:
        super().__init__(303, "Cần đăng nhập (sign in first)", headers={"Location": "/dang-nhap"})


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def visitor_of(request: Request) -> Visitor:
    session = find_session(request)
    if session is None:
        raise SignInNeeded()
    principal = principal_of(request, session)
    if principal is None:  # the token was revoked or expired: the session ends with it
        close_session(request)
        raise SignInNeeded()
    return Visitor(principal, session)


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(request: Request, status: int, title: str, message: str,
               v: Visitor | None = None, retry_after: int | None = None) -> Response:
    """The one error page: a failure nobody foresaw (api/errors.py logs it with its id), or a
    domain refusal (`refusal_page`), with when to try again (too many attempts, read side
    behind)."""
    answer = page(request, "error.html", {"v": v, "title": title, "message": message}, status)
    if retry_after is not None:
        answer.headers["Retry-After"] = str(retry_after)
    return answer


def require_csrf(v: Visitor, data: Any) -> None:
    """A posted form carries the session's CSRF token, or it is refused (code `csrf`)."""
    if not csrf_ok(v.session.csrf, str(data.get("csrf") or "")):
        raise InvalidCommand("Biểu mẫu đã hết hạn, hãy tải lại trang và gửi lại (the form "
                             "expired; reload and submit again)", code="csrf")


def refusal_page(request: Request, v: Visitor | None, error: DomainError) -> Response:
    """A domain refusal as a page: sign in first (401), else the error page with its status."""
    status, title = status_of(error)
    if status == 401:
        raise SignInNeeded()
    retry_after = getattr(error, "retry_after", None)
    return error_page(request, status, title, error.message, v,
                      retry_after if isinstance(retry_after, int) else None)


def screen(handler: Callable[..., Response]) -> Callable[..., Response]:
    """A page handler whose domain refusals (403, 404, 400) render as an error page."""

    @wraps(handler)
    def guarded(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return handler(request, *args, **kwargs)
        except DomainError as error:
            visitor = None
            if status_of(error)[0] != 401:
                try:
                    visitor = visitor_of(request)
                except SignInNeeded:
                    pass
            return refusal_page(request, visitor, error)
    return guarded


# --- the moment a screen answers for -----------------------------------------------------------


@dataclass(frozen=True)
class TimeControls:
    moment: Moment
    as_of: str  # the values the controls show
    known_at: str
    note: str | None  # a control's value that could not be read


def time_controls(request: Request, runtime: Runtime) -> TimeControls:
    q = request.query_params
    note = None
    as_of = display.read_day(q.get("as_of"))
    if q.get("as_of") and (as_of is None or not EARLIEST_YEAR <= as_of.year <= LATEST_YEAR):
        note, as_of = "Ngày không hợp lệ, đang xem hôm nay (invalid date; dd/mm/yyyy)", None
    known_at = display.from_local_input(q.get("known_at"))
    if q.get("known_at") and known_at is None:
        note = "Thời điểm ghi nhận không hợp lệ (invalid instant)"
    runtime.read_side_current()
    m = runtime.read_model.moment(as_of=as_of, known_at=known_at)
    return TimeControls(m, display.vn_date(m.as_of), display.local_input(known_at), note)


def _uuid(text: str | None) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


def _scoped_units(v: Visitor, runtime: Runtime, m: Moment) -> list[dict[str, Any]]:
    units = runtime.read_model.units(m)
    if v.principal.role in (LEADER, PERSONNEL) and v.principal.unit_id is not None:
        allowed = set(runtime.read_model.subtree(v.principal.unit_id, m))
        units = [u for u in units if u["id"] in allowed]
    return units


def _tree(units: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Units in tree order with their depth (roots: units whose parent is not shown)."""
    ids = {u["id"] for u in units}
    children: dict[Any, list[dict[str, Any]]] = {}
    for u in units:
        parent = u["parent_id"] if u["parent_id"] in ids else None
        children.setdefault(parent, []).append(u)
    out: list[tuple[int, dict[str, Any]]] = []

    def walk(parent: Any, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: (x["code"])):
            out.append((depth, u))
            walk(u["id"], depth + 1)

    walk(None, 0)
    return out


def passes(check: Callable[..., None], *args: Any) -> bool:
    """Whether an API check lets the visitor through: a page offers only the forms whose
    submit the API twin would accept (issue 21, item 9), asking the same check functions."""
    try:
        check(*args)
    except DomainError:
        return False
    return True


# Forms only some writers may submit (as their API twin's `require_role`).
FORM_ROLES = {"chuc-danh-moi": (ADMIN,)}


def _tiers(runtime: Runtime) -> list[str]:
    titles = runtime.read_model.titles()
    return sorted({str(t["management_tier"]) for t in titles}
                  | {str(v["management_tier"]) for t in titles for v in t.get("versions") or ()})


# --- static files ----------------------------------------------------------------------------


@router.get("/static/{name}", name="web_static")
def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        raise HTTPException(404, "Không tìm thấy (not found)")
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


# --- sign in and out -------------------------------------------------------------------------


@router.get("/dang-nhap", name="web_sign_in")
def sign_in_form(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "signin.html", {"v": None, "csrf": token, "error": None})
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


@router.post("/dang-nhap")
async def sign_in(request: Request) -> Response:
    data = await request.form()
    given = str(data.get("csrf") or "")
    token = str(data.get("token") or "").strip()
    error, status = None, 400
    if not csrf_ok(request.cookies.get(SIGN_IN_COOKIE), given):
        error = "Phiên đăng nhập đã hết hạn, hãy thử lại (the form expired; try again)"
    elif not token:
        error = "Hãy nhập mã truy cập (enter your token)"
    else:
        try:
            await get_principal(request, HTTPAuthorizationCredentials(scheme="Bearer",
                                                                      credentials=token))
        except TooManyFailures as waiting:
            error, status = waiting.message, 429
        except DomainError:
            error = "Mã truy cập không hợp lệ hoặc đã bị thu hồi (unknown or revoked token)"
    if error:
        fresh = secrets.token_urlsafe(24)
        response = page(request, "signin.html", {"v": None, "csrf": fresh, "error": error},
                        status)
        response.set_cookie(SIGN_IN_COOKIE, fresh, httponly=True, samesite="strict", path="/")
        return response
    cookie = await run_in_threadpool(open_session, request, token)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict",
                        path="/", secure=request.url.scheme == "https")
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/dang-xuat", name="web_sign_out")
async def sign_out(request: Request) -> Response:
    # Sign-out always ends the session, CSRF token or not: a forged sign-out only signs the
    # victim out, while a session that survives "sign out" stays usable by whoever holds it.
    await run_in_threadpool(close_session, request)
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- overview --------------------------------------------------------------------------------


def _pyramid(runtime: Runtime, m: Moment, tier: str | None,
             unit_id: UUID | None) -> tuple[list[str], list[int], list[int]]:
    """Men and women by the report's age bands, over the report's scope (holdings on as_of of
    the tier's titles in the unit's subtree)."""
    model = runtime.read_model
    roots = [unit_id] if unit_id else [u["id"] for u in model.units(m)
                                       if u["parent_id"] is None]
    codes = ({t["code"] for t in model.titles() if tier_on(t, m.as_of, m.position) == tier}
             if tier else None)
    ids = {h["cadre_id"] for root in roots for h in model.roster(root, m, True)
           if codes is None or h["title_code"] in codes}
    people = {c["id"]: c for c in model.cadres(m, unit_id=unit_id, limit=100_000)}
    men = dict.fromkeys(reports.AGE_BANDS, 0)
    women = dict.fromkeys(reports.AGE_BANDS, 0)
    for cadre_id in ids:
        person = people.get(cadre_id)
        if person is None or person["born_on"] is None:
            continue
        band = reports.age_band(person["born_on"], str(person["gender"]), m.as_of)
        (women if person["gender"] == "nu" else men)[band] += 1
    names = [AGE_BAND_NAMES.get(b, b).replace("Trên tuổi nghỉ hưu", "Quá tuổi hưu")
             .replace(" (chưa đến tuổi nghỉ hưu)", "") for b in reports.AGE_BANDS]
    return names, list(men.values()), list(women.values())


def _scope_unit(v: Visitor, runtime: Runtime, m: Moment, requested: UUID | None) -> UUID | None:
    unit_id = requested
    if v.principal.role in (LEADER, PERSONNEL):
        unit_id = unit_id or v.principal.unit_id
    if unit_id is not None:
        check_read_unit(v.principal, runtime, unit_id, m)
    return unit_id


@router.get("/", name="web_overview")
@screen
def overview(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    if v.principal.role == SELF and v.principal.cadre_id is not None:
        return RedirectResponse(f"/can-bo/{v.principal.cadre_id}", status_code=303)
    require_role(v.principal, *READERS)
    tc = time_controls(request, runtime)
    m = tc.moment
    tier = request.query_params.get("tier") or None
    unit_id = _scope_unit(v, runtime, m, _uuid(request.query_params.get("unit_id")))
    model = runtime.read_model
    quality = reports.cadre_quality(model, m, tier, unit_id)
    # The latest period with results, named on the chart: the same panels on any day.
    evaluation = reports.latest_evaluated(model, m, tier, unit_id)
    period = str(evaluation["period"])
    first_month = date(m.as_of.year - 1 + (m.as_of.month == 12), m.as_of.month % 12 + 1, 1)
    ranges: list[tuple[date, date]] = []
    day = first_month
    while day <= m.as_of:
        ranges.append((day, min(reports.month_days(f"{day:%Y-%m}")[1], m.as_of)))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    # The actions report's total per month, in one query (the twelve reports took 150 ms).
    months = [(f"{start.month:02d}/{start.year % 100:02d}", total) for (start, _), total in
              zip(ranges, reports.actions_by_month(model, ranges, m, tier, unit_id),
                  strict=True)]
    bands, men, women = _pyramid(runtime, m, tier, unit_id)
    open_findings: list[dict[str, Any]] = []
    if v.may("oversight"):
        open_findings = [f for f in findings.findings(runtime, m, unit_id=unit_id)
                         if f["review"] is None]
    ratings = [(f"{r}", int(evaluation["by_rating"][r]["count"])) for r in reports.RATINGS]
    return page(request, "overview.html", {
        "v": v, "tc": tc, "quality": quality, "tier": tier, "tiers": _tiers(runtime),
        "unit_id": unit_id, "units": _tree(_scoped_units(v, runtime, m)), "period": display.period_label(period),
        "evaluation": evaluation,
        "pyramid": charts.pyramid(bands, men, women, title="Tháp tuổi và giới tính"),
        "ratings_chart": charts.bars(ratings, title=f"Xếp loại {display.period_label(period)}",
                                     color=charts.PALETTE[2]),
        "actions_chart": charts.columns(months, title="Quyết định nhân sự theo tháng",
                                        color=charts.PALETTE[3]),
        "findings": open_findings[:8], "findings_total": len(open_findings),
        # The visitor's own unit dissolved or merged: say so, and where it went.
        "gone": [u for u in _reorganised(v, runtime, m) if u["id"] == v.principal.unit_id],
    })


# --- unit tree and roster --------------------------------------------------------------------


@router.get("/don-vi", name="web_units")
@screen
def units_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    m = tc.moment
    units = _scoped_units(v, runtime, m)
    selected = _uuid(request.query_params.get("unit_id"))
    if selected is None and units:
        selected = v.principal.unit_id if v.principal.unit_id in {u["id"] for u in units} \
            else _tree(units)[0][1]["id"]
    subunits = request.query_params.get("subunits") == "1"
    unit = roster = vacant = None
    if selected is not None:
        check_read_unit(v.principal, runtime, selected, m)
        unit = runtime.read_model.unit(selected, m)
        if unit is None:
            raise NotFound("Không tìm thấy đơn vị (unknown unit)", code="unit_not_found")
        roster = runtime.read_model.roster(selected, m, include_subunits=subunits)
        record_reads(request.app.state.access, v.principal,
                     [h["cadre_id"] for h in roster], "roster", m)
        vacant_codes = runtime.read_model.vacant_head_posts(selected, m)
        names = {t["code"]: t["name"] for t in runtime.read_model.titles()}
        vacant = [names.get(c, c) for c in vacant_codes]
    return page(request, "units.html", {
        "reorganised": _reorganised(v, runtime, m),
        "v": v, "tc": tc, "tree": _tree(units), "unit": unit, "selected": selected,
        "roster": roster, "vacant": vacant, "subunits": subunits,
        "may_change": selected is not None and v.may("write")
        and passes(check_write_unit, v.principal, runtime, selected),
        "may_title": passes(require_role, v.principal, *FORM_ROLES["chuc-danh-moi"]),
    })


def _reorganised(v: Visitor, runtime: Runtime, m: Moment) -> list[dict[str, Any]]:
    """Units dissolved or merged by the page's date: the visitor's own (a leader of a dissolved
    district learns why the tree is empty, and where it went), or, unscoped, every one."""
    ended = runtime.read_model.ended_units(m)
    if v.principal.role in (LEADER, PERSONNEL) and v.principal.unit_id is not None:
        mine = v.principal.unit_id
        ended = [u for u in ended if u["id"] == mine or u["parent_id"] == mine]
    return ended[:50]


# --- cadres ----------------------------------------------------------------------------------


PAGE_SIZE = 50
SORTS = {"ten": "name", "ngay_sinh": "born_on"}
# Age bands of the list (the report's bands, by age on as_of): (youngest, oldest) inclusive.
AGE_FILTERS = {"den_30": (None, 30), "31_40": (31, 40), "41_50": (41, 50), "51_60": (51, 60),
               "tren_60": (61, None)}
AGE_FILTER_NAMES = {"den_30": "Đến 30 tuổi", "31_40": "Từ 31 đến 40 tuổi",
                    "41_50": "Từ 41 đến 50 tuổi", "51_60": "Từ 51 đến 60 tuổi",
                    "tren_60": "Trên 60 tuổi"}
LEVEL_FILTER_KINDS = {"education": "Chuyên môn", "political_theory": "Lý luận chính trị",
                      "state_management": "Quản lý nhà nước"}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29/02 in a year without one
        return day.replace(year=day.year - years, day=28)


def _level_filters() -> list[tuple[str, str]]:
    return [(f"{kind}:{code}", f"{name}: {label}") for kind, name in LEVEL_FILTER_KINDS.items()
            for code, label in forms.CHOICES[kind]]


def _job_positions(runtime: Runtime) -> list[tuple[str, str]]:
    today = runtime.read_model.moment()
    return [(str(p.id), f"{p.name} ({p.code})") for p in runtime.app.aggregates(
        registered_ids(runtime.read_model, today)) if isinstance(p, JobPosition)]


@dataclass(frozen=True)
class CadreList:
    """The cadre list a query asks for: filters, one page, and each one's current post."""

    filters: dict[str, str]
    total: int
    page: int
    pages: int
    cadres: list[dict[str, Any]]


def _cadre_list(request: Request, v: Visitor, runtime: Runtime, tc: TimeControls,
                limit: int | None = None) -> CadreList:
    q = request.query_params
    text = (q.get("q") or "").strip() or None
    unit_id = _uuid(q.get("unit_id"))
    if v.principal.role in (LEADER, PERSONNEL):
        unit_id = unit_id or v.principal.unit_id
    if unit_id is not None:
        check_read_unit(v.principal, runtime, unit_id, tc.moment)
    gender = q.get("gioi_tinh") if q.get("gioi_tinh") in ("nam", "nu") else None
    party = {"co": True, "khong": False}.get(q.get("dang_vien") or "")
    sort = SORTS.get(q.get("sap_xep") or "", "name")
    band = str(q.get("do_tuoi") or "")
    band = band if band in AGE_FILTERS else ""
    youngest, oldest = AGE_FILTERS.get(band, (None, None))
    as_of = tc.moment.as_of
    level_key = q.get("trinh_do") or ""
    level = tuple(level_key.split(":", 1)) if level_key in dict(_level_filters()) else None
    tier = q.get("dien") if q.get("dien") in _tiers(runtime) else None
    position = _uuid(q.get("vi_tri"))
    more = CadreFilter(
        born_after=_years_before(as_of, oldest + 1) if oldest is not None else None,
        born_by=_years_before(as_of, youngest) if youngest is not None else None,
        level=(level[0], level[1]) if level else None, tier=tier, job_position_id=position)
    model = runtime.read_model
    total = model.count_cadres(tc.moment, text, unit_id, gender=gender, party_member=party,
                               more=more)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(int(q.get("trang") or 1) if (q.get("trang") or "1").isdigit() else 1, 1),
                 pages)
    found = model.cadres(tc.moment, q=text, unit_id=unit_id,
                         limit=limit or PAGE_SIZE, offset=0 if limit else (number - 1) * PAGE_SIZE,
                         gender=gender, party_member=party, sort=sort, more=more)
    posts = model.current_posts([c["id"] for c in found], tc.moment)
    for c in found:
        post = posts.get(c["id"])
        c["post"] = post["title_name"] if post else ""
        c["unit"] = post["unit_name"] if post else ""
    record_reads(request.app.state.access, v.principal, [c["id"] for c in found], "search",
                 tc.moment)
    filters = {"q": text or "", "unit_id": str(unit_id or ""), "gioi_tinh": gender or "",
               "dang_vien": q.get("dang_vien") or "", "sap_xep": q.get("sap_xep") or "ten",
               "do_tuoi": band, "trinh_do": level_key if level else "", "dien": tier or "",
               "vi_tri": str(position or ""), "as_of": tc.as_of}
    return CadreList(filters, total, number, pages, found)


@router.get("/can-bo", name="web_cadres")
@screen
def cadres_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    listed = _cadre_list(request, v, runtime, tc)
    query = {k: val for k, val in listed.filters.items() if val}
    return page(request, "cadres.html", {
        "v": v, "tc": tc, "q": listed.filters["q"], "cadres": listed.cadres, "list": listed,
        "units": _tree(_scoped_units(v, runtime, tc.moment)),
        "age_bands": AGE_FILTER_NAMES, "level_filters": _level_filters(),
        "tiers": _tiers(runtime), "job_positions": _job_positions(runtime),
        "page_query": lambda n: urlencode({**query, "trang": n}),
        "file_query": urlencode(query)})


@router.get("/can-bo/tai-ve", name="web_cadres_file")
@screen
def cadres_file(request: Request) -> Response:
    """The same list, every page of it (up to 10,000), as a workbook to print or file."""
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    listed = _cadre_list(request, v, runtime, tc, limit=10_000)
    rows = [[i, c["full_name"], display.code_label(c["gender"]), display.vn_date(c["born_on"]),
             c["post"], c["unit"]] for i, c in enumerate(listed.cadres, start=1)]
    about = [("Tại ngày", display.vn_date(tc.moment.as_of)),
             ("Ghi nhận đến", display.vn_instant(tc.moment.known_at)),
             ("Vị trí sổ ghi", str(tc.moment.position)), ("Số người", str(len(rows)))]
    content = documents.list_xlsx("Danh sách cán bộ", ["STT", "Họ và tên", "Giới tính",
                                                       "Ngày sinh", "Chức vụ", "Đơn vị"],
                                  rows, about)
    return Response(content, media_type=documents.XLSX_MEDIA_TYPE, headers={
        **SECURITY_HEADERS, "Content-Disposition": documents.attachment("danh-sach-can-bo.xlsx")})


@router.get("/can-bo/{cadre_id}", name="web_cadre")
@screen
def cadre_page(request: Request, cadre_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    m = tc.moment
    check_read_cadre(v.principal, runtime, cadre_id, m)
    profile = runtime.read_model.profile(cadre_id, m)
    entries = runtime.read_model.record(cadre_id, m)
    if profile is None or entries is None:
        raise NotFound("Không tìm thấy cán bộ (unknown cadre)", code="cadre_not_found")
    access = request.app.state.access
    record_read(access, v.principal, cadre_id, "profile", m)
    record_read(access, v.principal, cadre_id, "record", m)
    titles = {t["code"]: t["name"] for t in runtime.read_model.titles()}
    written = request.query_params.get("ghi")
    # The timeline by effective date, newest first (the log's order is when it was recorded);
    # filtered by entry type, and without the superseded entries when asked.
    kinds = sorted({e["type"] for e in entries}, key=lambda t: display.ENTRY_TYPES.get(t, t))
    kind = request.query_params.get("loai") or ""
    current_only = request.query_params.get("hien_hanh") == "1"
    shown = [e for e in entries if (not kind or e["type"] == kind)
             and (not current_only or e["status"] == "in_force")]
    shown.sort(key=lambda e: (e.get("effective_on") or date.min, e["position"]), reverse=True)
    return page(request, "cadre.html", {
        "kinds": kinds, "kind": kind, "current_only": current_only, "all_entries": len(entries),
        "requests": own_requests(runtime, v.principal, cadre_id, m),
        "derived": runtime.app.derived_yearly_rating(cadre_id, m.as_of.year)
        if v.may("write") and m.as_of.year >= QUARTERLY_FROM else None,
        "asked": request.query_params.get("de_nghi"),
        "v": v, "tc": tc, "p": profile, "entries": shown, "titles": titles,
        "forms": forms.CADRE_FORMS, "written": written, "correctable": forms.FORM_OF_ENTRY,
        "may_write": v.may("write") and passes(check_write_cadre, v.principal, runtime, cadre_id),
        "age": (m.as_of.year - profile["born_on"].year
                - ((m.as_of.month, m.as_of.day) < (profile["born_on"].month,
                                                    profile["born_on"].day))),
    })


@router.get("/can-bo/{cadre_id}/so-yeu-ly-lich", name="web_cadre_cv")
@screen
def cadre_cv_file(request: Request, cadre_id: UUID) -> Response:
    """The 2C CV as of the page's date: the same document, access check and read audit as
    GET /api/v1/cadres/{id}/cv."""
    v = visitor_of(request)
    runtime = runtime_of(request)
    m = time_controls(request, runtime).moment
    document, name = cv_file(runtime, request.app.state.access, v.principal, cadre_id, m)
    return Response(document, media_type=DOCX_MEDIA_TYPE, headers={
        "Content-Disposition": documents.attachment(name), "Cache-Control": "no-store"})


# --- write forms -----------------------------------------------------------------------------


ENDING_FORMS = ("thoi-giu-chuc-vu",)


def _held(runtime: Runtime, cadre_id: UUID | None) -> list[dict[str, Any]]:
    """The posts the cadre holds today (the ending and transfer forms choose from them)."""
    if cadre_id is None:
        return []
    profile = runtime.read_model.profile(cadre_id, runtime.read_model.moment())
    return list(profile["holdings"]) if profile else []


def _choices(form: forms.Form, runtime: Runtime, v: Visitor, cadre_id: UUID | None,
             values: dict[str, str], held: list[dict[str, Any]]
             ) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {k: list(c) for k, c in forms.CHOICES.items()}
    today = runtime.read_model.moment()
    out["units"] = [(str(u["id"]), "\u2003" * depth + str(u["name"]))
                    for depth, u in _tree(_scoped_units(v, runtime, today))]
    # A title retires from the pickers once no unit of the kinds it belongs to exists (the
    # districts' titles after the 2025 reorganisation); one already chosen stays.
    kinds_today = {str(u["kind"]) for u in runtime.read_model.units(today)}
    titles = [(str(t["code"]), str(t["name"])) for t in runtime.read_model.titles()
              if not t.get("unit_kinds") or kinds_today & set(t["unit_kinds"])
              or t["code"] == values.get("title_code")]
    unit_id = _uuid(values.get("unit_id"))
    if unit_id is not None and form.field("title_code") is not None:
        # Only the titles that belong to the chosen unit (the appointment's own test); the
        # form reloads them when the unit changes (app.js).
        try:
            fit = set(runtime.app.titles_fitting(unit_id, today.as_of, [c for c, _ in titles]))
        except DomainError:
            fit = {c for c, _ in titles}
        titles = [(c, n) for c, n in titles if c in fit or c == values.get("title_code")]
    out["titles"] = titles
    out["periods"] = list(forms.period_choices(today.as_of.year))
    # The training catalogue with the programmes an administrator added, when the application
    # has it (`HosoApplication.programmes`, issue 14); else the built-in list (forms.CHOICES).
    catalogue = getattr(runtime.app, "programmes", None)
    if callable(catalogue) and any(f.choices == "programmes" for f in form.fields):
        out["programmes"] = [(str(p.code), str(p.name)) for p in catalogue()]
    out["held_units"] = list(dict.fromkeys((str(h["unit_id"]), str(h["unit_name"]))
                                           for h in held))
    out["held_titles"] = list(dict.fromkeys((str(h["title_code"]), str(h["title_name"]))
                                            for h in held))
    if form.slug in ENDING_FORMS and held:  # "end this post": one of the posts held
        out["units"], out["titles"] = out["held_units"], out["held_titles"]
    if any(f.choices == "job_positions" for f in form.fields):
        out["job_positions"] = [("", "Không gắn vị trí việc làm"), *_job_positions(runtime)]
    if cadre_id is not None and any(f.choices == "entries" for f in form.fields):
        entries = runtime.read_model.record(cadre_id, today) or []
        out["entries"] = [(str(e["position"]),
                           f"#{e['position']} · {display.vn_date(e['effective_on'])} · "
                           f"{e['summary']}")
                          for e in reversed(entries) if e["status"] == "in_force"]
    return out


def _form_page(request: Request, v: Visitor, form: forms.Form, subject: dict[str, Any] | None,
               action: str, values: dict[str, str], errors: dict[str, str],
               status: int = 200) -> Response:
    runtime = runtime_of(request)
    cadre_id = subject["id"] if subject and form.on_cadre else None
    known = {f.name for f in form.fields}
    general = [msg for name, msg in errors.items() if name not in known]
    held = _held(runtime, cadre_id) if form.slug in ("bo-nhiem", "dieu-dong",
                                                     *ENDING_FORMS) else []
    return page(request, "form.html", {
        "v": v, "form": form, "subject": subject, "action": action, "values": values,
        "errors": errors, "general": general,
        "held": held if form.slug == "bo-nhiem" else [],
        "choices": _choices(form, runtime, v, cadre_id, values, held)}, status)


def _subject(runtime: Runtime, form: forms.Form, subject_id: UUID | None) -> dict[str, Any] | None:
    if subject_id is None:
        return None
    runtime.read_side_current()  # the subject's name as the last write left it
    m = runtime.read_model.moment()
    if form.on_cadre:
        found = runtime.read_model.profile(subject_id, m)
        if found is None:
            raise NotFound("Không tìm thấy cán bộ (unknown cadre)", code="cadre_not_found")
        return {"id": subject_id, "name": found["full_name"], "kind": "cadre"}
    found = runtime.read_model.unit(subject_id, m)
    if found is None:
        raise NotFound("Không tìm thấy đơn vị (unknown unit)", code="unit_not_found")
    return {"id": subject_id, "name": found["name"], "kind": "unit"}


def _form_of(slug: str, *, on_cadre: bool | None = None, on_unit: bool = False) -> forms.Form:
    form = forms.FORMS.get(slug)
    if form is None or (on_cadre is not None and form.on_cadre != on_cadre) \
            or form.on_unit != on_unit:
        raise NotFound("Không có biểu mẫu này (unknown form)", code="not_found")
    return form


def _defaults(form: forms.Form, request: Request) -> dict[str, str]:
    values = {k: v for k, v in request.query_params.items() if form.field(k) is not None}
    today = display.vn_date(runtime_of(request).read_model.moment().as_of)
    for f in form.fields:
        if f.kind == "date" and f.required and f.name not in values \
                and not f.name.startswith("decision."):
            values[f.name] = today
    return values


async def _handle_post(request: Request, form: forms.Form, subject_id: UUID | None,
                       action: str) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    require_role(v.principal, *WRITERS)
    _check_form_scope(v, runtime, form, subject_id)
    subject = _subject(runtime, form, subject_id)
    data = await request.form()
    values = {k: str(val) for k, val in data.items() if k != "csrf"}
    if not csrf_ok(v.session.csrf, str(data.get("csrf") or "")):
        return _form_page(request, v, form, subject, action, values, {
            "_form": "Biểu mẫu đã hết hạn, hãy gửi lại (the form expired; submit again)"}, 403)
    if form.decision_optional and not any(values.get(f.name, "").strip() for f in form.fields
                                          if f.name.startswith("decision.")):
        values = {k: val for k, val in values.items() if not k.startswith("decision.")}
    body, errors = forms.parse(form, values)
    if body is None:
        return _form_page(request, v, form, subject, action, values, errors, 400)
    try:
        receipt = forms.submit(form, body, v.principal, runtime, subject_id)
    except forms.FormRefused as refused:
        return _form_page(request, v, form, subject, action, values, refused.messages, 400)
    except DomainError as error:
        status, _ = status_of(error)
        name = error.field or "_form"
        if form.field(name) is None and form.field(f"decision.{name}") is not None:
            name = f"decision.{name}"
        return _form_page(request, v, form, subject, action, values, {name: error.message},
                          status)
    position = getattr(receipt, "entry_position", None) or getattr(receipt, "position", "")
    if form.on_cadre and subject_id is not None:
        return RedirectResponse(f"/can-bo/{subject_id}?ghi={position}#muc-{position}",
                                status_code=303)
    if form.slug == "dang-ky":
        return RedirectResponse(f"/can-bo/{receipt.id}?ghi={position}", status_code=303)
    return RedirectResponse(f"/don-vi?{urlencode({'ghi': position})}", status_code=303)


def _check_form_scope(v: Visitor, runtime: Runtime, form: forms.Form,
                      subject_id: UUID | None) -> None:
    """A form shows what its command may change: the API route's write scope applies."""
    if subject_id is None:
        return
    if form.on_cadre:
        check_write_cadre(v.principal, runtime, subject_id)
    elif form.on_unit:
        check_write_unit(v.principal, runtime, subject_id)


def _audit_form(request: Request, v: Visitor, runtime: Runtime, cadre_id: UUID) -> None:
    # A cadre's form shows the name and the entries (a correction form the personal fields).
    record_read(request.app.state.access, v.principal, cadre_id, "form",
                runtime.read_model.moment())


@router.get("/can-bo/{cadre_id}/ghi/{slug}", name="web_cadre_form")
@screen
def cadre_form(request: Request, cadre_id: UUID, slug: str) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    form = _form_of(slug, on_cadre=True)
    runtime = runtime_of(request)
    _check_form_scope(v, runtime, form, cadre_id)
    subject = _subject(runtime, form, cadre_id)
    _audit_form(request, v, runtime, cadre_id)
    return _form_page(request, v, form, subject, str(request.url.path),
                      _defaults(form, request), {})


@router.post("/can-bo/{cadre_id}/ghi/{slug}")
async def cadre_form_post(request: Request, cadre_id: UUID, slug: str) -> Response:
    return await _guarded_post(request, lambda: _form_of(slug, on_cadre=True), cadre_id)


def _correction(runtime: Runtime, cadre_id: UUID, position: int
                ) -> tuple[forms.Form, dict[str, str]]:
    """The correction form of an entry, prefilled with the entry as it stands."""
    entry = runtime.app.entry_to_correct(cadre_id, position)  # refuses what cannot be
    if entry.type not in forms.FORM_OF_ENTRY:
        raise InvalidCommand(f"Mục {position} không thể đính chính (this entry cannot be "
                             "corrected)", code="not_correctable", field="target_position")
    form = forms.correction_form(entry.type, position)
    return form, forms.prefill(entry.type, form, entry.payload)


@router.get("/can-bo/{cadre_id}/dinh-chinh/{position}", name="web_correction_form")
@screen
def correction_form(request: Request, cadre_id: UUID, position: int) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    runtime = runtime_of(request)
    check_correct_entry(v.principal, runtime, cadre_id, position)
    form, values = _correction(runtime, cadre_id, position)
    subject = _subject(runtime, form, cadre_id)
    _audit_form(request, v, runtime, cadre_id)
    return _form_page(request, v, form, subject, str(request.url.path), values, {})


@router.post("/can-bo/{cadre_id}/dinh-chinh/{position}")
async def correction_form_post(request: Request, cadre_id: UUID, position: int) -> Response:
    def form_of() -> forms.Form:
        check_correct_entry(visitor_of(request).principal, runtime_of(request), cadre_id,
                            position)
        return _correction(runtime_of(request), cadre_id, position)[0]

    return await _guarded_post(request, form_of, cadre_id)


@router.get("/don-vi/{unit_id}/ghi/{slug}", name="web_unit_form")
@screen
def unit_form(request: Request, unit_id: UUID, slug: str) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    form = _form_of(slug, on_cadre=False, on_unit=True)
    _check_form_scope(v, runtime_of(request), form, unit_id)
    subject = _subject(runtime_of(request), form, unit_id)
    return _form_page(request, v, form, subject, str(request.url.path),
                      _defaults(form, request), {})


@router.post("/don-vi/{unit_id}/ghi/{slug}")
async def unit_form_post(request: Request, unit_id: UUID, slug: str) -> Response:
    return await _guarded_post(
        request, lambda: _form_of(slug, on_cadre=False, on_unit=True), unit_id)


@router.get("/ghi/{slug}", name="web_new_form")
@screen
def new_form(request: Request, slug: str) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    form = _form_of(slug, on_cadre=False)
    require_role(v.principal, *FORM_ROLES.get(slug, WRITERS))
    return _form_page(request, v, form, None, str(request.url.path), _defaults(form, request),
                      {})


@router.post("/ghi/{slug}")
async def new_form_post(request: Request, slug: str) -> Response:
    return await _guarded_post(request, lambda: _form_of(slug, on_cadre=False), None)


async def _guarded_post(request: Request, form_of: Callable[[], forms.Form],
                        subject_id: UUID | None) -> Response:
    """A form post; a refusal before the form exists (unknown form or entry) or outside its
    fields is an error page, and an expired sign-in asks to sign in again."""
    try:
        return await _handle_post(request, form_of(), subject_id, str(request.url.path))
    except DomainError as error:
        return refusal_page(request, visitor_of(request), error)


# --- reports ---------------------------------------------------------------------------------


def _report(request: Request, v: Visitor, runtime: Runtime) -> tuple[dict[str, Any] | None,
                                                                       dict[str, str]]:
    q = request.query_params
    kind = q.get("loai") or ""
    chosen = {k: q.get(k, "") for k in ("loai", "tier", "unit_id", "as_of", "tu", "den", "ky",
                                        "thang", "known_at")}
    if kind not in REPORT_KINDS:
        return None, chosen
    tc = time_controls(request, runtime)
    m = tc.moment
    tier = q.get("tier") or None
    unit_id = _scope_unit(v, runtime, m, _uuid(q.get("unit_id")))

    def day(name: str, default: date) -> date:
        if not q.get(name):
            return default
        found = display.read_day(q[name])
        if found is None:
            raise InvalidCommand("Ngày không hợp lệ, hãy nhập dd/mm/yyyy (invalid date)",
                                 code="invalid_date", field=name)
        return found

    model = runtime.read_model
    start_of_year = date(m.as_of.year, 1, 1)
    if kind == "cadre_quality":
        return reports.cadre_quality(model, m, tier, unit_id), chosen
    if kind == "evaluations":
        period = (display.read_period(q["ky"]) or q["ky"]) if q.get("ky") else None
        return reports.evaluations(model, period or reports.latest_closed_period(m.as_of),
                                   m, tier, unit_id), chosen
    if kind == "monthly":
        month = q.get("thang") or ""
        if not month:  # as the API: the monthly cycle's last closed period, not this month
            return monthly_cycle.period_report(model, chosen_period(runtime, None), m, tier,
                                               unit_id), chosen
        from api.web.cycle_pages import typed_period  # the monthly page's own reading

        return reports.monthly(model, typed_period(month) or month, m, tier, unit_id), chosen
    produce = {"actions": reports.actions, "training": reports.training,
               "vettings": reports.vettings}[kind]
    end = day("den", m.as_of)
    # As the API does: a range report is asked as of its last day, so both give one digest.
    ranged = (runtime.read_model.moment(as_of=end,
                                        known_at=display.from_local_input(q.get("known_at")))
              if end != m.as_of else m)
    return produce(model, day("tu", start_of_year), end, ranged, tier, unit_id), chosen


@router.get("/bao-cao", name="web_reports")
@screen
def reports_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    error = None
    try:
        report, chosen = _report(request, v, runtime)
    except DomainError as refused:
        if status_of(refused)[0] == 403:
            raise
        report, chosen, error = None, {}, refused.message
    sheets = documents.sheets_of(report) if report else []
    query = urlencode({k: val for k, val in request.query_params.items() if val})
    return page(request, "reports.html", {
        "v": v, "tc": tc, "kinds": REPORT_KINDS, "chosen": chosen, "report": report,
        "sheets": sheets, "error": error, "tiers": _tiers(runtime), "query": query,
        "units": _tree(_scoped_units(v, runtime, tc.moment)),
        "title": documents.REPORT_TITLES.get(str(report["report"]), "") if report else "",
    }, 400 if error else 200)


@router.get("/bao-cao/tai-ve", name="web_report_file")
@screen
def report_file(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    report, _ = _report(request, v, runtime_of(request))
    if report is None:
        raise InvalidCommand("Hãy chọn loại báo cáo (choose a report)", code="invalid_report")
    report = request.app.state.certifier.seal_report(report)  # as the API's files
    fmt = request.query_params.get("dinh_dang", "xlsx")
    stem = f"bao-cao-{report['report']}-{report['as_of']}"
    if fmt == "docx":
        content = documents.docx_bytes(lettered(runtime_of(request), report))
        media, name = documents.DOCX_MEDIA_TYPE, stem
    else:
        content, media, name = documents.xlsx_bytes(report), documents.XLSX_MEDIA_TYPE, stem
        fmt = "xlsx"
    return Response(content, media_type=media, headers={
        "Content-Disposition": documents.attachment(f"{name}.{fmt}"),
        "Cache-Control": "no-store"})


# --- oversight -------------------------------------------------------------------------------


@router.get("/phat-hien", name="web_findings")
@screen
def findings_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *OVERSIGHT)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    q = request.query_params
    rule = q.get("rule") if q.get("rule") in RULE_IDS else None
    severity = q.get("severity") or None
    state = q.get("trang_thai") or ""
    unit_id = _uuid(q.get("unit_id"))
    rows = findings.findings(runtime, tc.moment, rule=rule, unit_id=unit_id, severity=severity)
    if state == "mo":
        rows = [f for f in rows if f["review"] is None]
    elif state == "da_xem":
        rows = [f for f in rows if f["review"] is not None]
    names = {c["id"]: c["full_name"] for c in runtime.read_model.cadres(tc.moment,
                                                                          limit=100_000)}
    record_reads(request.app.state.access, v.principal,
                 [UUID(str(f["cadre_id"])) for f in rows[:300] if f.get("cadre_id")],
                 "findings", tc.moment)
    shown = rows[:300]
    owners = {pos: str(owner) for pos, owner in runtime.read_model.entry_owners(
        pos for f in shown for pos in f.get("evidence") or ()).items()}
    return page(request, "findings.html", {
        "owners": owners,
        "v": v, "tc": tc, "findings": rows[:300], "total": len(rows), "rules": RULE_IDS,
        "rule_titles": RULE_TITLES, "rule_sources": RULE_SOURCES,
        "rule": rule or "", "severity": severity or "", "state": state,
        "unit_id": str(unit_id or ""), "units": _tree(runtime.read_model.units(tc.moment)),
        "names": {str(k): val for k, val in names.items()}, "conclusions": CONCLUSIONS,
        "reviewed": q.get("xem_xet"),
    })


@router.post("/phat-hien/xem-xet", name="web_review")
async def review(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_role(v.principal, *OVERSIGHT)
        require_csrf(v, data)
        key = str(data.get("finding") or "")
        conclusion, reason = str(data.get("conclusion") or ""), str(data.get("reason") or "")
        if conclusion not in {str(c) for c in ReviewConclusion}:
            raise InvalidCommand("Hãy chọn kết luận (choose a conclusion)", code="invalid_code",
                                 field="conclusion")
        if not reason.strip():
            raise InvalidCommand("Hãy ghi lý do (give a reason)", code="invalid_command",
                                 field="reason")
        # Today's finding, as the list showed it: the same service as the API's review.
        receipt = services.review_finding(runtime, v.principal, key, conclusion=conclusion,
                                          reason=reason.strip())
    except DomainError as error:
        return refusal_page(request, v, error)
    return RedirectResponse(f"/phat-hien?xem_xet={receipt.position}", status_code=303)


@router.get("/kiem-tra", name="web_audit")
@screen
def audit_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *OVERSIGHT)
    runtime = runtime_of(request)
    runtime.read_side_current()
    verified = runtime.log.verify()
    actor = (request.query_params.get("actor") or "").strip() or None
    entries = runtime.read_model.audit_log(None, actor, None, None, 100)
    reads = request.app.state.access.reads(reader=actor, limit=100)
    return page(request, "audit.html", {"v": v, "verified": verified, "entries": entries,
                                        "reads": reads, "actor": actor or "",
                                        "now": runtime.clock.now()})
