"""Job positions on the web (issue 17 part 2): the catalogue `GET /api/v1/job-positions`
answers, with the same roles (every signed-in role: it is organisation, not personal data),
each position with the standards and framework in force on the page's date."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.job_positions import catalogue
from api.web.pages import _tree, _uuid, page, runtime_of, screen, time_controls, visitor_of

router = APIRouter(include_in_schema=False)


@router.get("/vi-tri-viec-lam", name="web_job_positions")
@screen
def job_positions_page(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    selected = _uuid(request.query_params.get("unit_id"))
    answer = catalogue(runtime, v.principal, tc.moment, selected)
    units = runtime.read_model.units(tc.moment)
    names = {str(u["id"]): u["name"] for u in units}
    return page(request, "job_positions.html", {
        "v": v, "tc": tc, "positions": answer.job_positions, "names": names,
        "unit_id": str(selected or ""), "units": _tree(units)})
