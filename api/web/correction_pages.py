"""Self-service corrections on the web: the cadre's form and list (on their own record page),
the officers' queue, one request with the answer form. Each screen calls the functions of
api/routes/correction_requests.py, so it has the API's roles, scope and read audit."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.services import correction_requests as api
from api.web.feedback_pages import _invalid, _names
from api.web.pages import page, refusal_page, require_csrf, runtime_of, screen, visitor_of
from domain.correction_requests import IDENTITY, STATUS_LABELS, RequestStatus
from domain.errors import DomainError, InvalidCommand

if TYPE_CHECKING:
    pass

router = APIRouter(include_in_schema=False)


def _json(text: str, field: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidCommand(f"Nội dung thay thế phải là JSON ({field}: invalid JSON)",
                             code="invalid_json", field=field) from None
    if not isinstance(value, dict):
        raise InvalidCommand(f"Nội dung thay thế phải là một đối tượng JSON ({field} must be "
                             "an object)", code="invalid_json", field=field)
    return value


def _validation(error: RequestValidationError) -> InvalidCommand:
    first = error.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "body"
    return InvalidCommand(f"{where}: {first.get('msg', '')}", code="validation_error",
                          field=where)


@router.post("/can-bo/{cadre_id}/de-nghi-dinh-chinh", name="web_correction_request")
async def request_post(request: Request, cadre_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_csrf(v, data)
        target = str(data.get("target") or "").strip()
        try:
            body = api.CorrectionRequestIn.model_validate({
                "target": target if target == IDENTITY else int(target or 0),
                "what": str(data.get("what") or ""), "reason": str(data.get("reason") or ""),
                "attachment": {"title": str(data.get("attachment_title") or ""),
                               "number": str(data.get("attachment_number") or "").strip()
                               or None},
                "replacement": _json(str(data.get("replacement") or ""), "replacement")})
        except ValidationError as error:
            raise _invalid(error) from None
        except ValueError:
            raise InvalidCommand("Mục hồ sơ không hợp lệ (target: a position or identity)",
                                 code="invalid_target", field="target") from None
        try:
            request_id, _ = api.file_request(runtime, v.principal, cadre_id, body)
        except RequestValidationError as error:
            raise _validation(error) from None
    except DomainError as error:
        return refusal_page(request, v, error)
    return RedirectResponse(f"/can-bo/{cadre_id}?de_nghi={request_id}#de-nghi",
                            status_code=303)


@router.get("/de-nghi-dinh-chinh", name="web_correction_queue")
@screen
def queue(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    wanted = request.query_params.get("status", RequestStatus.PENDING.value)
    status = None if wanted == "all" else RequestStatus(wanted) \
        if wanted in {s.value for s in RequestStatus} else RequestStatus.PENDING
    rows = api.listed(runtime, v.principal, m, status, 300)
    api.audit(request.app.state.access, v.principal, rows, m)
    names = _names(runtime, [r["cadre_id"] for r in rows])
    return page(request, "correction_requests.html", {
        "v": v, "requests": api.details(runtime, rows), "names": names,
        "status": status.value if status else "all", "labels": STATUS_LABELS})


@router.get("/de-nghi-dinh-chinh/{request_id}", name="web_correction_request_item")
@screen
def item(request: Request, request_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    row = api.one(runtime, v.principal, request_id, m)
    api.audit(request.app.state.access, v.principal, [row], m)
    shown = api.details(runtime, [row])[0]
    return page(request, "correction_request.html", {
        "v": v, "r": shown, "names": _names(runtime, [row["cadre_id"]]),
        "proposal": json.dumps(shown["replacement"], ensure_ascii=False, indent=1)
        if shown["replacement"] else "",
        "answerable": v.principal.role in ("admin", "personnel")
        and shown["status"] is RequestStatus.PENDING,
        "answered": request.query_params.get("da_tra_loi")})


@router.post("/de-nghi-dinh-chinh/{request_id}/tra-loi", name="web_correction_answer")
async def answer_post(request: Request, request_id: UUID) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_csrf(v, data)
        try:
            body = api.AnswerIn.model_validate({
                "outcome": str(data.get("outcome") or ""),
                "reason": str(data.get("reason") or ""),
                "replacement": _json(str(data.get("replacement") or ""), "replacement"),
                "use_proposal": data.get("use_proposal") == "1"})
        except ValidationError as error:
            raise _invalid(error) from None
        try:
            position, _, _ = api.answer(runtime, v.principal, request_id, body)
        except RequestValidationError as error:
            raise _validation(error) from None
    except DomainError as error:
        return refusal_page(request, v, error)
    return RedirectResponse(f"/de-nghi-dinh-chinh/{request_id}?da_tra_loi={position}",
                            status_code=303)
