"""The quarterly evaluation report on the web (issue 17 part 1): the same report, scope and read
audit as `GET /api/v1/reports/evaluations/quarterly` (api/routes/evaluation_reports.py), shown as
tables, with its Excel file."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import documents
from api.routes.evaluation_reports import quarterly_report
from api.security import require_role
from api.web.pages import (
    READERS,
    _scope_unit,
    _scoped_units,
    _tree,
    _uuid,
    page,
    runtime_of,
    screen,
    visitor_of,
)
from domain.errors import InvalidCommand
from projections.reports import latest_closed_period

router = APIRouter(include_in_schema=False)


def _period(request: Request, default: str) -> str:
    period = (request.query_params.get("ky") or default).strip().upper()
    if not re.fullmatch(r"\d{4}-Q[1-4]", period):
        raise InvalidCommand("Kỳ phải là một quý, ví dụ 2026-Q1 (period must be YYYY-Qn)",
                             code="invalid_period", field="ky")
    return period


@router.get("/bao-cao/danh-gia-quy", name="web_evaluations_quarterly")
@screen
def quarterly_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    runtime.catch_up()
    m = runtime.read_model.moment()
    latest = latest_closed_period(m.as_of)
    default = latest if "Q" in latest else f"{m.as_of.year}-Q1"
    period = _period(request, default)
    unit_id = _scope_unit(v, runtime, m, _uuid(request.query_params.get("unit_id")))
    report = quarterly_report(runtime, v.principal, request.app.state.access, period, unit_id)
    query = urlencode({"ky": period, **({"unit_id": str(unit_id)} if unit_id else {})})
    return page(request, "evaluation_quarterly.html", {
        "v": v, "report": report, "sheets": documents.sheets_of(report), "period": period,
        "unit_id": str(unit_id) if unit_id else "", "query": query,
        "units": _tree(_scoped_units(v, runtime, m))})


@router.get("/bao-cao/danh-gia-quy/tai-ve", name="web_evaluations_quarterly_file")
@screen
def quarterly_file(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    runtime.catch_up()
    m = runtime.read_model.moment()
    period = _period(request, "")
    unit_id = _scope_unit(v, runtime, m, _uuid(request.query_params.get("unit_id")))
    report = request.app.state.certifier.seal_report(
        quarterly_report(runtime, v.principal, request.app.state.access, period, unit_id))
    name = f"bao-cao-danh-gia-quy-{period}.xlsx"
    return Response(documents.xlsx_bytes(report), media_type=documents.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": documents.attachment(name),
                             "Cache-Control": "no-store"})
