"""The quarterly evaluation report on the web (issue 17 part 1): the same report, scope and read
audit as `GET /api/v1/reports/evaluations/quarterly` (api/routes/evaluation_reports.py), shown as
tables, with its Excel file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import documents
from api.security import require_role
from api.services.evaluation_reports import quarterly_report
from api.web import display
from api.web.pages import (
    READERS,
    Visitor,
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
from infra.runtime import Runtime
from projections.read_model import Moment
from projections.reports import latest_closed_period

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asked:
    v: Visitor
    runtime: Runtime
    moment: Moment
    period: str
    unit_id: UUID | None
    report: dict[str, Any]


def _asked(request: Request) -> Asked:
    """The report the query asks for, with the API's role, scope and read audit."""
    v = visitor_of(request)
    require_role(v.principal, *READERS)
    runtime = runtime_of(request)
    runtime.read_side_current()
    m = runtime.read_model.moment()
    latest = latest_closed_period(m.as_of)
    typed = request.query_params.get("ky")
    period = ((display.read_period(typed) or typed.strip().upper()) if typed
              else (latest if "Q" in latest else f"{m.as_of.year}-Q1"))
    if not re.fullmatch(r"\d{4}-Q[1-4]", period):
        raise InvalidCommand("Kỳ phải là một quý, ví dụ Quý I/2026 (period must be YYYY-Qn)",
                             code="invalid_period", field="ky")
    unit_id = _scope_unit(v, runtime, m, _uuid(request.query_params.get("unit_id")))
    report = quarterly_report(runtime, v.principal, request.app.state.access, period, unit_id)
    return Asked(v, runtime, m, period, unit_id, report)


@router.get("/bao-cao/danh-gia-quy", name="web_evaluations_quarterly")
@screen
def quarterly_page(request: Request) -> Response:
    a = _asked(request)
    query = urlencode({"ky": a.period, **({"unit_id": str(a.unit_id)} if a.unit_id else {})})
    return page(request, "evaluation_quarterly.html", {
        "v": a.v, "report": a.report, "sheets": documents.sheets_of(a.report),
        "period": a.period, "unit_id": str(a.unit_id) if a.unit_id else "", "query": query,
        "units": _tree(_scoped_units(a.v, a.runtime, a.moment))})


@router.get("/bao-cao/danh-gia-quy/tai-ve", name="web_evaluations_quarterly_file")
@screen
def quarterly_file(request: Request) -> Response:
    a = _asked(request)
    report = request.app.state.certifier.seal_report(a.report)
    name = f"bao-cao-danh-gia-quy-{a.period}.xlsx"
    return Response(documents.xlsx_bytes(report), media_type=documents.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": documents.attachment(name),
                             "Cache-Control": "no-store"})
