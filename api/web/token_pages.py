"""Access tokens on the web, for the administrator: the list with each token's state, issuing
one with a unit or cadre picker (the token is shown once, on the answer page), and revoking one.
The same store and rules as `hoso token create|list|revoke` (docs/api.md "Token lifecycle")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.errors import status_of
from api.security import ADMIN, ALL_ROLES, require_role
from api.web import display
from api.web.pages import (
    Visitor,
    _tree,
    page,
    refusal_page,
    require_csrf,
    runtime_of,
    screen,
    visitor_of,
)
from domain.errors import DomainError, InvalidCommand
from infra.access import AccessStore

router = APIRouter(include_in_schema=False)
SCOPED_ROLES = ("personnel", "leader")



def _screen(request: Request, v: Visitor, issued: dict[str, str] | None = None,
            error: str | None = None, values: dict[str, str] | None = None,
            status: int = 200) -> Response:
    runtime = runtime_of(request)
    m = runtime.read_model.moment()
    access: AccessStore = request.app.state.access
    units = {u["id"]: u["name"] for u in runtime.read_model.units(m)}
    now = runtime.clock.now()
    rows = [{"name": t.name, "role": display.ROLE_NAMES.get(t.role, t.role),
             "unit": units.get(t.unit_id, "") if t.unit_id else "",
             "cadre_id": str(t.cadre_id) if t.cadre_id else "",
             "created_at": t.created_at, "expires_at": t.expires_at,
             "state": t.state(now)} for t in access.tokens()]
    cadres = runtime.read_model.cadres(m, limit=2000)
    return page(request, "tokens.html", {
        "v": v, "tokens": rows, "issued": issued, "error": error, "values": values or {},
        "roles": [(r, display.ROLE_NAMES.get(r, r)) for r in ALL_ROLES],
        "units": _tree(runtime.read_model.units(m)), "cadres": cadres,
        "states": {"active": "Đang dùng", "expired": "Hết hạn", "revoked": "Đã thu hồi"}},
        status)


@router.get("/quan-tri/ma-truy-cap", name="web_tokens")
@screen
def tokens_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, ADMIN)
    return _screen(request, v)


def _chosen(data: Any, name: str) -> UUID | None:
    text = str(data.get(name) or "").strip()
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        raise InvalidCommand("Hãy chọn trong danh sách", code="invalid_id", field=name) from None



@router.post("/quan-tri/ma-truy-cap")
async def issue_token(request: Request) -> Response:
    v = visitor_of(request)
    try:
        require_role(v.principal, ADMIN)
    except DomainError as error:
        return refusal_page(request, v, error)
    data = await request.form()
    values = {k: str(data.get(k) or "") for k in ("name", "role", "unit_id", "cadre_id",
                                                  "expires_days")}
    try:
        require_csrf(v, data)
        role = values["role"]
        if role not in ALL_ROLES:
            raise InvalidCommand("Hãy chọn vai trò", code="invalid_code", field="role")
        unit_id, cadre_id = _chosen(data, "unit_id"), _chosen(data, "cadre_id")
        if role in SCOPED_ROLES and unit_id is None:
            raise InvalidCommand("Vai trò này cần chọn đơn vị", code="missing_field",
                                 field="unit_id")
        if role == "self" and cadre_id is None:
            raise InvalidCommand("Vai trò cá nhân cần chọn cán bộ", code="missing_field",
                                 field="cadre_id")
        days = values["expires_days"].strip()
        if days and (not days.isdigit() or int(days) < 1):
            raise InvalidCommand("Số ngày hiệu lực phải là số nguyên dương",
                                 code="invalid_value", field="expires_days")
        access: AccessStore = request.app.state.access
        try:
            token = access.create_token(name=values["name"], role=role,
                                        unit_id=unit_id if role in SCOPED_ROLES else None,
                                        cadre_id=cadre_id if role == "self" else None,
                                        expires_days=int(days) if days else None)
        except ValueError as refused:  # a reserved or taken name
            raise InvalidCommand(str(refused), code="token_name_refused",
                                 field="name") from None
    except DomainError as error:
        status, _ = status_of(error)
        return _screen(request, v, error=error.message, values=values, status=status)
    # Shown once, on this page: never in a redirect URL, history or logs.
    return _screen(request, v, issued={"name": values["name"].strip(), "token": token})


@router.post("/quan-tri/ma-truy-cap/thu-hoi")
async def revoke_token(request: Request) -> Response:
    v = visitor_of(request)
    try:
        require_role(v.principal, ADMIN)
    except DomainError as error:
        return refusal_page(request, v, error)
    data = await request.form()
    try:
        require_csrf(v, data)
        access: AccessStore = request.app.state.access
        name = str(data.get("name") or "")
        if not access.revoke(name):
            raise InvalidCommand(f"Không có mã truy cập đang dùng tên '{name}'",
                                 code="token_not_found", field="name")
    except DomainError as error:
        status, _ = status_of(error)
        return _screen(request, v, error=error.message, status=status)
    return RedirectResponse("/quan-tri/ma-truy-cap?da_thu_hoi=1", status_code=303)
