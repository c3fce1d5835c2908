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

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import get_runtime
from api.errors import problem_responses
from api.routes.reports import _check_scope, _moment, chosen_period
from api.security import ADMIN, PERSONNEL, Principal, get_principal, require_role
from domain.errors import InvalidCommand, NotPermitted
from domain.report_submission import ReportSubmission, SubmitReport
from domain.reporting_periods import ReportingPeriod
from infra.access import AccessStore
from projections import monthly_cycle

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["reports"])

PeriodQuery = Annotated[str | None, Query(max_length=7, description="reporting period YYYY-MM "
                                          "(the month it ends in); default the last closed")]
ScopeQuery = Annotated[UUID | None, Query(description="units in this unit's subtree; required "
                                          "for the leader and personnel roles")]


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(default=None, max_length=7,
                               description="YYYY-MM; default the last closed period")
    unit_id: UUID | None = Field(default=None, description="default the token's unit; "
                                 "required for admin")
    note: str | None = Field(default=None, max_length=2000)


class SubmittedOut(BaseModel):
    id: UUID
    position: int
    period: str
    unit_id: UUID
    digest: str
    report_position: int
    known_at: str
    submitted_by: str


def reporting_units(access: AccessStore, runtime: Runtime) -> set[UUID]:
    """Units with an active personnel token: the units expected to submit."""
    now = runtime.clock.now()
    return {t.unit_id for t in access.tokens()
            if t.role == PERSONNEL and t.unit_id is not None and t.state(now) == "active"}


def scope_units(runtime: Runtime, p: Principal, unit_id: UUID | None, m: Moment) -> list[UUID]:
    _check_scope(p, runtime, unit_id, m)
    if unit_id is None:
        return [u["id"] for u in runtime.read_model.units(m)]
    return runtime.read_model.subtree(unit_id, m)


def submit(runtime: Runtime, p: Principal, body: SubmissionIn) -> dict[str, Any]:
    require_role(p, ADMIN, PERSONNEL)
    unit_id = body.unit_id or p.unit_id
    if unit_id is None:
        raise InvalidCommand("Cần chỉ rõ đơn vị (unit_id is required)", code="missing_field",
                             field="unit_id")
    if p.role == PERSONNEL and unit_id != p.unit_id:
        raise NotPermitted("Chỉ nộp báo cáo của đơn vị mình (personnel submit for their own "
                           "unit)", code="forbidden", field="unit_id")
    period = chosen_period(runtime, body.period)
    runtime.app.unit(unit_id)
    m = _moment(runtime, period.last, None)
    report = monthly_cycle.period_report(runtime.read_model, period, m, None, unit_id)
    done = runtime.app.submit_report(SubmitReport(
        period=period.name, unit_id=unit_id, date_from=period.first, date_to=period.last,
        digest=str(report["digest"]), position=m.position, known_at=m.known_at,
        recorded_by=p.name, note=body.note))
    runtime.written(done.position)
    return dict(id=done.id, position=done.position, period=period.name, unit_id=unit_id,
                digest=report["digest"], report_position=m.position,
                known_at=m.known_at.isoformat(), submitted_by=p.name)


@router.post("/reports/monthly/submissions", status_code=201, response_model=SubmittedOut,
             responses=problem_responses(400, 401, 403, 404, 422),
             summary="Nộp báo cáo tháng của đơn vị (submit a unit's monthly report)",
             operation_id="monthly_submit")
def post_submission(body: SubmissionIn, p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    return JSONResponse(jsonable_encoder(submit(runtime, p, body)), status_code=201)


def _period_in_scope(runtime: Runtime, p: Principal, period_name: str | None,
                     unit_id: UUID | None
                     ) -> tuple[ReportingPeriod, Moment, list[UUID], list[ReportSubmission]]:
    """The period asked about, its moment, the units in the caller's scope and their
    submissions of that period."""
    period = chosen_period(runtime, period_name)
    m = _moment(runtime, period.last, None)
    units = scope_units(runtime, p, unit_id, m)
    return period, m, units, monthly_cycle.submitted(runtime.read_model, runtime.app,
                                                     period.name, units)


def submissions_answer(runtime: Runtime, p: Principal, period_name: str | None,
                       unit_id: UUID | None) -> dict[str, Any]:
    period, m, _, found = _period_in_scope(runtime, p, period_name, unit_id)
    return dict(period=period.describe(),
                submissions=monthly_cycle.listing(runtime.read_model, m, found))


def late_answer(runtime: Runtime, access: AccessStore, p: Principal, period_name: str | None,
                unit_id: UUID | None) -> dict[str, Any]:
    period, m, units, found = _period_in_scope(runtime, p, period_name, unit_id)
    expected = reporting_units(access, runtime) & set(units)
    return monthly_cycle.late(runtime.read_model, m, period, runtime.clock.today(), expected,
                              found)


def consolidated_answer(runtime: Runtime, p: Principal, period_name: str | None,
                        unit_id: UUID | None) -> dict[str, Any]:
    period, m, _, found = _period_in_scope(runtime, p, period_name, unit_id)
    rows = monthly_cycle.consolidated(runtime.read_model, m, found)
    return dict(period=period.describe(), all_match=all(r["matches"] for r in rows),
                reports=rows)


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body))


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
