"""The monthly cycle (seed 004 IV.1: "báo cáo định kỳ về Ban Thường vụ trước ngày 28 hằng
tháng"): submit a unit's monthly report, list submissions, list the units still to submit, and
rebuild every submitted report to check it is exactly what was sent.

Who is expected to submit: every unit, within the scope asked about, that has an active
personnel token (a unit with a personnel officer is a unit that reports); docs/reports.md.
A personnel officer submits for the unit of their token; admin for any unit it names.
Reads are scoped like the reports: admin and inspector everywhere, leader and personnel within
their unit subtree (`unit_id` required).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import get_runtime
from api.errors import problem_responses
from api.security import Principal, get_principal
from api.services.monthly_cycle import (
    PeriodQuery,
    ScopeQuery,
    SubmissionIn,
    SubmittedOut,
    _json,
    consolidated_answer,
    late_answer,
    submissions_answer,
    submit,
)

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["reports"])


@router.post("/reports/monthly/submissions", status_code=201, response_model=SubmittedOut,
             responses=problem_responses(400, 401, 403, 404, 422),
             summary="Nộp báo cáo tháng của đơn vị (submit a unit's monthly report)",
             operation_id="monthly_submit")
def post_submission(body: SubmissionIn, p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse(jsonable_encoder(submit(runtime, p, body)), status_code=201)


@router.get("/reports/monthly/submissions", response_model=None,
            responses=problem_responses(400, 401, 403, 422),
            summary="Các báo cáo tháng đã nộp của một kỳ (submissions of a period)",
            operation_id="monthly_submissions")
def get_submissions(period: PeriodQuery = None, unit_id: ScopeQuery = None,
                    p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    return _json(submissions_answer(runtime, p, period, unit_id))


@router.get("/reports/monthly/late", response_model=None,
            responses=problem_responses(400, 401, 403, 422),
            summary="Đơn vị chưa nộp báo cáo tháng (units yet to submit, late on the 28th)",
            operation_id="monthly_late")
def get_late(request: Request, period: PeriodQuery = None, unit_id: ScopeQuery = None,
             p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    return _json(late_answer(runtime, request.app.state.access, p, period, unit_id))


@router.get("/reports/monthly/consolidated", response_model=None,
            responses=problem_responses(400, 401, 403, 422),
            summary="Báo cáo tổng hợp của Ban Thường vụ: mỗi báo cáo đã nộp dựng lại và đối "
                    "chiếu mã băm (each submitted report rebuilt and its digest checked)",
            operation_id="monthly_consolidated")
def get_consolidated(period: PeriodQuery = None, unit_id: ScopeQuery = None,
                     p: Principal = Depends(get_principal),
                     runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    return _json(consolidated_answer(runtime, p, period, unit_id))
