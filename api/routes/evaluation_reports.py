"""The quarterly evaluation report of a unit (issue 17 part 1), as JSON or Excel.

Scoped like the other reports (api/routes/reports.py): admin and inspector any unit, leader and
personnel a `unit_id` within their subtree, `self` none. It lists by name who held a post
through the quarter without an evaluation, so each answer is written to the read audit (kind
`roster`, one row per cadre listed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import KnownAtQuery, get_access, get_runtime
from api.routes.checkpoints import get_certifier
from api.routes.reports import (
    Format,
    UnitQuery,
    _answer,
    _responses,
)
from api.security import Principal, get_principal
from api.services.evaluation_reports import (
    PeriodQuery,
    QuarterlyFormat,
    QuarterlyOut,
    quarterly_report,
)
from infra.access import AccessStore
from infra.certificates import Certifier

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["reports"])


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
