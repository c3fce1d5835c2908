"""Internal feedback on the web: the form (any signed-in role), the receipt lookup, and the
inspectors' list and detail with the status form. Each screen calls the functions of
api/routes/feedback.py, so it has the API's roles, hiding rules and read audit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.security import require_role
from api.services import feedback as api
from api.web import display
from api.web.pages import (
    Visitor,
    _tree,
    _uuid,
    page,
    refusal_page,
    require_csrf,
    runtime_of,
    screen,
    visitor_of,
)
from domain.errors import DomainError, InvalidCommand
from domain.feedback import STATUS_LABELS, FeedbackStatus

router = APIRouter(include_in_schema=False)




def _invalid(error: ValidationError) -> InvalidCommand:
    first = error.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "body"
    return InvalidCommand(f"{where}: {first.get('msg', '')}", code="validation_error",
                          field=where)


def _optional_uuid(value: Any, field: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return str(UUID(text))
    except ValueError:
        raise InvalidCommand(f"Mã không hợp lệ ({field} must be a UUID)", code="invalid_id",
                             field=field) from None


def _form(request: Request, v: Visitor, filed: dict[str, Any] | None,
          values: dict[str, str]) -> Response:
    runtime = runtime_of(request)
    # Every role may list the units (GET /units is open to all): the form offers them.
    units = _tree(runtime.read_model.units(runtime.read_model.moment()))
    return page(request, "feedback_form.html", {"v": v, "filed": filed, "values": values,
                                                "units": units})


@router.get("/phan-anh", name="web_feedback_form")
@screen
def feedback_form(request: Request) -> Response:
    v = visitor_of(request)
    # A link may name the cadre the report is about (?cadre_id=); nothing is looked up, so
    # the form tells no one whether the id exists.
    cadre = _uuid(request.query_params.get("cadre_id"))
    return _form(request, v, None, {"cadre_id": str(cadre) if cadre else ""})


@router.post("/phan-anh")
async def feedback_post(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_csrf(v, data)
        try:
            body = api.FeedbackIn.model_validate({
                "content": str(data.get("content") or ""),
                "cadre_id": _optional_uuid(data.get("cadre_id"), "cadre_id"),
                "unit_id": _optional_uuid(data.get("unit_id"), "unit_id"),
                "decision_number": str(data.get("decision_number") or "").strip() or None,
                "anonymous": data.get("anonymous") == "1"})
        except ValidationError as error:
            raise _invalid(error) from None
        feedback_id, receipt, _ = api.file_report(runtime, v.principal, body)
    except DomainError as error:
        return refusal_page(request, v, error)
    # The receipt is shown on this page once: not in a redirect URL, history or logs.
    return _form(request, v, {"id": feedback_id, "receipt": receipt,
                              "anonymous": body.anonymous}, {})


@router.get("/phan-anh/tra-cuu", name="web_feedback_receipt")
@screen
def receipt_form(request: Request) -> Response:
    v = visitor_of(request)
    return page(request, "feedback_receipt.html", {"v": v, "found": None, "receipt": ""})


@router.post("/phan-anh/tra-cuu")
async def receipt_lookup(request: Request) -> Response:
    """A POST, so that the receipt stays out of URLs, browser history and access logs."""
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    receipt = str(data.get("receipt") or "").strip()
    try:
        require_csrf(v, data)
        if not re.match(api.RECEIPT_PATTERN, receipt):
            raise InvalidCommand("Mã tiếp nhận có dạng PA-XXXXX-XXXXX-XXXXX-XXXXX (receipt "
                                 "format)", code="invalid_receipt", field="receipt")
        feedback = api.by_receipt(runtime, receipt)
        m = runtime.read_model.moment()
        api.audit_receipt(request.app.state.access, v.principal, feedback, m)
        found = api.status_only(feedback, runtime.app.window().today)
    except DomainError as error:
        return refusal_page(request, v, error)
    return page(request, "feedback_receipt.html", {"v": v, "found": found, "receipt": ""})


@router.get("/phan-anh/danh-sach", name="web_feedback_list")
@screen
def feedback_list(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    reports = api.listed(runtime, v.principal, m, 300)
    api.audit(request.app.state.access, v.principal, reports, m)
    today = runtime.app.window().today
    names = _names(runtime, [f.cadre_id for f in reports if f.cadre_id])
    return page(request, "feedback_list.html", {
        "v": v, "reports": [api.detail(f, today) for f in reports], "names": names})


def _names(runtime: Any, ids: list[UUID]) -> dict[str, str]:
    if not ids:
        return {}
    m = runtime.read_model.moment()
    wanted = set(ids)
    return {str(c["id"]): c["full_name"] for c in runtime.read_model.cadres(m, limit=100_000)
            if c["id"] in wanted}


@router.get("/phan-anh/{feedback_id}", name="web_feedback_item")
@screen
def feedback_item(request: Request, feedback_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    feedback = api.one(runtime, v.principal, feedback_id)
    api.audit(request.app.state.access, v.principal, [feedback], m)
    today = runtime.app.window().today
    later = [s for s in FeedbackStatus
             if list(FeedbackStatus).index(s) > list(FeedbackStatus).index(feedback.status)]
    unit = runtime.read_model.unit(feedback.unit_id, m) if feedback.unit_id else None
    return page(request, "feedback_item.html", {
        "v": v, "f": api.detail(feedback, today), "later": later, "labels": STATUS_LABELS,
        "unit_name": unit["name"] if unit else None,
        "names": _names(runtime, [feedback.cadre_id] if feedback.cadre_id else []),
        "changed": request.query_params.get("da_chuyen")})


@router.post("/phan-anh/{feedback_id}/trang-thai", name="web_feedback_status")
async def feedback_status(request: Request, feedback_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_role(v.principal, *api.INSPECTORS)
        require_csrf(v, data)
        deadline: date | None = None
        if str(data.get("deadline") or "").strip():
            deadline = display.read_day(str(data.get("deadline")))
            if deadline is None:
                raise InvalidCommand("Hạn xử lý không hợp lệ (deadline: dd/mm/yyyy)",
                                     code="invalid_date", field="deadline")
        findings = [x.strip() for x in str(data.get("finding_ids") or "").split(",")
                    if x.strip()]
        try:
            body = api.StatusIn.model_validate({
                "status": str(data.get("status") or ""),
                "note": str(data.get("note") or "").strip() or None, "deadline": deadline,
                "assignee": str(data.get("assignee") or "").strip() or None,
                "finding_ids": findings,
                "case_ref": str(data.get("case_ref") or "").strip() or None})
        except ValidationError as error:
            raise _invalid(error) from None
        position, _ = api.change_status(runtime, v.principal, feedback_id, body)
    except DomainError as error:
        return refusal_page(request, v, error)
    return RedirectResponse(f"/phan-anh/{feedback_id}?da_chuyen={position}", status_code=303)
