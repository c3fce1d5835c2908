"""The monthly cycle and the term-end worklist on the web: the monthly report page (its period,
the submit button, the submissions with their rebuilt-digest check, the units still to submit)
and the worklist of posts whose term ends within 90 working days. Each screen calls the route
functions of api/routes/monthly_cycle.py and api/routes/worklists.py: the API's roles, scopes
and read audit."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api import documents
from api.security import ADMIN, PERSONNEL, record_reads, require_role
from api.services import monthly_cycle as cycle
from api.services import worklists
from api.services.reports import chosen_period
from api.web import display
from api.web.pages import (
    READERS,
    _scope_unit,
    _scoped_units,
    _tree,
    _uuid,
    page,
    refusal_page,
    require_csrf,
    runtime_of,
    screen,
    time_controls,
    visitor_of,
)
from domain.errors import DomainError, InvalidCommand
from projections import monthly_cycle

router = APIRouter(include_in_schema=False)
TYPED_MONTH = re.compile(r"^\s*(?:tháng\s*)?(\d{1,2})\s*/\s*(\d{4})\s*$", re.IGNORECASE)


def typed_period(text: str | None) -> str | None:
    """A reporting period as an officer types it, "11/2026" or "tháng 11/2026", or the API's
    "2026-11"; anything else goes on as typed (the period's refusal then names it)."""
    text = (text or "").strip()
    if match := TYPED_MONTH.match(text):
        if not 1 <= int(match.group(1)) <= 12:
            text = "?"
        else:
            return f"{match.group(2)}-{int(match.group(1)):02d}"
    if text and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        # The field's placeholder says mm/yyyy: so does its refusal.
        raise InvalidCommand("Tháng không hợp lệ: hãy nhập tháng/năm dạng mm/yyyy, ví dụ "
                             "11/2026", code="invalid_period", field="ky")
    return text or None


@router.get("/bao-cao/thang", name="web_monthly_cycle")
@screen
def monthly_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    q = request.query_params
    period = chosen_period(runtime, typed_period(q.get("ky")))
    runtime.read_side_current()
    m = runtime.read_model.moment(as_of=period.last)
    unit_id = _scope_unit(v, runtime, m, _uuid(q.get("unit_id")))
    report = monthly_cycle.period_report(runtime.read_model, period, m, None, unit_id)
    access = request.app.state.access
    late = cycle.late_answer(runtime, access, v.principal, period.name, unit_id)
    checked = cycle.consolidated_answer(runtime, v.principal, period.name, unit_id)
    return page(request, "monthly_cycle.html", {
        "v": v, "period": period, "report": report, "late": late, "checked": checked,
        "sheets": documents.sheets_of(report), "unit_id": str(unit_id or ""),
        "units": _tree(_scoped_units(v, runtime, m)),
        "may_submit": v.principal.role in (ADMIN, PERSONNEL) and (
            v.principal.role == ADMIN and unit_id is not None
            or v.principal.unit_id == unit_id),
        "submitted": q.get("da_nop") == "1",
        "today": runtime.clock.today(),
    })


@router.post("/bao-cao/thang/nop", name="web_monthly_submit")
async def monthly_submit(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    name = typed_period(str(data.get("ky") or ""))
    unit_id = _uuid(str(data.get("unit_id") or ""))
    try:
        require_csrf(v, data)
        note = str(data.get("note") or "").strip() or None
        done = cycle.submit(runtime, v.principal,
                            cycle.SubmissionIn(period=name, unit_id=unit_id, note=note))
    except DomainError as error:
        return refusal_page(request, v, error)
    query = urlencode({"ky": done["period"], "unit_id": str(done["unit_id"]), "da_nop": "1"})
    return RedirectResponse(f"/bao-cao/thang?{query}", status_code=303)


@router.get("/viec-can-lam/het-nhiem-ky", name="web_term_ends")
@screen
def term_ends_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    requested = _uuid(request.query_params.get("unit_id"))
    answer: dict[str, Any] = worklists.term_end_worklist(runtime, v.principal, tc.moment,
                                                        requested)
    record_reads(request.app.state.access, v.principal,
                 [i["cadre_id"] for i in answer["items"]], "roster", tc.moment)
    return page(request, "term_ends.html", {
        "v": v, "tc": tc, "answer": answer, "unit_id": str(requested or ""),
        "units": _tree(_scoped_units(v, runtime, tc.moment)),
        "may_notify": v.principal.role in (ADMIN, PERSONNEL), "today": runtime.clock.today()})


@router.post("/viec-can-lam/het-nhiem-ky/thong-bao", name="web_term_notice")
async def term_notice(request: Request) -> Response:
    """Record, from the worklist, that the office gave notice of a term's end."""
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_csrf(v, data)
        notified_on = display.read_day(str(data.get("notified_on") or ""))
        if notified_on is None:
            raise InvalidCommand("Ngày thông báo không hợp lệ, hãy nhập dd/mm/yyyy",
                                 code="invalid_date", field="notified_on")
        try:
            body = worklists.TermNoticeIn.model_validate({
                "cadre_id": str(data.get("cadre_id") or ""),
                "holding_id": str(data.get("holding_id") or ""), "notified_on": notified_on,
                "note": str(data.get("note") or "").strip() or None})
        except ValidationError:
            raise InvalidCommand("Hãy chọn chức vụ trong danh sách", code="invalid_id",
                                 field="holding_id") from None
        worklists.notify_term_end(runtime, v.principal, body)
    except DomainError as error:
        return refusal_page(request, v, error)
    return RedirectResponse("/viec-can-lam/het-nhiem-ky?da_thong_bao=1", status_code=303)
