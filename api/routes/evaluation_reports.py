"""The quarterly evaluation report of a unit (issue 17 part 1), as JSON or Excel.

Scoped like the other reports (api/routes/reports.py): admin and inspector any unit, leader and
personnel a `unit_id` within their subtree, `self` none. It lists by name who held a post
through the quarter without an evaluation, so each answer is written to the read audit (kind
`roster`, one row per cadre listed).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import KnownAtQuery, get_access, get_runtime
from api.routes.checkpoints import get_certifier
from api.routes.reports import (
    EvaluationsOut,
    Format,
    UnitQuery,
    _answer,
    _check_scope,
    _moment,
    _responses,
)
from api.security import Principal, get_principal, record_reads
from infra.access import AccessStore
from infra.certificates import Certifier
from projections import evaluation_reports

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["reports"])


class QuarterlyFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"


class GroupAverageOut(BaseModel):
    framework_id: str
    code: str
    name: str
    max_points: float
    evaluated: int
    average: float | None


class MissingOut(BaseModel):
    cadre_id: str
    full_name: str
    unit_id: str
    unit_name: str | None
    title_code: str
    title_name: str | None
    since: str


class QuarterlyOut(EvaluationsOut):
    scored: int
    average_score: float | None
    groups: list[GroupAverageOut]
    without_evaluation: list[MissingOut]


PeriodQuery = Annotated[str, Query(max_length=8, pattern=r"^\d{4}-[Qq][1-4]$",
                                   description="YYYY-Qn")]


def quarterly_report(runtime: Runtime, p: Principal, access: AccessStore, period: str,
                     unit_id: UUID | None, known_at: Any = None) -> dict[str, Any]:
    """The report as the API serves it (the web page shows the same)."""
    _, last = evaluation_reports.period_days(period)
    m = _moment(runtime, last, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = evaluation_reports.quarterly(runtime.read_model, period, m, unit_id)
    listed = [UUID(r["cadre_id"]) for r in report["without_evaluation"]]
    if listed:
        record_reads(access, p, listed, "roster", m)
    return report


@router.get("/reports/evaluations/quarterly", response_model=None,
            responses=_responses(QuarterlyOut),
            summary="Đánh giá theo quý của một đơn vị: xếp loại, điểm bình quân từng nhóm, ai "
                    "chưa được đánh giá (quarterly evaluation report)",
            operation_id="report_evaluations_quarterly")
def quarterly(period: PeriodQuery, unit_id: UnitQuery = None, known_at: KnownAtQuery = None,
              format: Annotated[QuarterlyFormat, Query(description="json (default) or xlsx")]
              = QuarterlyFormat.JSON,
              p: Principal = Depends(get_principal), runtime: Runtime = Depends(get_runtime),
              access: AccessStore = Depends(get_access),
              certifier: Certifier = Depends(get_certifier)) -> Response:
    report = quarterly_report(runtime, p, access, period, unit_id, known_at)
    return _answer(certifier.seal_report(report), Format(format.value), "danh-gia-quy")
