"""The public hồ sơ công vụ on the web, without sign-in: a search page and each cadre's page.

Same queries, same policy and same rate limit as GET /api/v1/public/cadres; no read audit (see
api/routes/public.py). A signed-in visitor keeps their header, nothing more.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.public import public_gate
from api.web.pages import SignInNeeded, Visitor, _tree, _uuid, page, runtime_of, screen
from api.web.pages import visitor_of as _visitor_of
from domain.errors import NotFound
from domain.publication import policy_on
from projections.public import PublicRecord

router = APIRouter(include_in_schema=False)


def maybe_visitor(request: Request) -> Visitor | None:
    try:
        return _visitor_of(request)
    except SignInNeeded:
        return None


@router.get("/cong-khai", name="web_public_search")
@screen
def public_search(request: Request) -> Response:
    public_gate(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    q = (request.query_params.get("q") or "").strip()[:200] or None
    unit_id = _uuid(request.query_params.get("unit_id"))
    found = PublicRecord(runtime.read_model).search(m, q, unit_id, 100, 0)
    return page(request, "public_search.html", {
        "v": maybe_visitor(request), "q": q or "", "unit_id": str(unit_id or ""),
        "units": _tree(runtime.read_model.units(m)), "cadres": found, "m": m,
        "policy": policy_on(m.as_of)})


@router.get("/cong-khai/can-bo/{cadre_id}", name="web_public_cadre")
@screen
def public_cadre(request: Request, cadre_id: UUID) -> Response:
    public_gate(request)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    profile = PublicRecord(runtime.read_model).profile(cadre_id, m)
    if profile is None:
        raise NotFound("Không có hồ sơ công khai của cán bộ này (no public record)",
                       code="cadre_not_found")
    return page(request, "public_cadre.html", {
        "v": maybe_visitor(request), "p": profile, "m": m, "policy": policy_on(m.as_of)})
