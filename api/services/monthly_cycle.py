"""The monthly cycle: the service functions and payload models the API's routes and the web's pages
share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.security import ADMIN, PERSONNEL, Principal, require_role
from api.services.reports import _check_scope, _moment, chosen_period
from domain.errors import InvalidCommand, NotPermitted
from domain.report_submission import ReportSubmission, SubmitReport
from domain.reporting_periods import ReportingPeriod
from infra.access import AccessStore
from projections import monthly_cycle

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


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
