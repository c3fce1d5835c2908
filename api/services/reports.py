"""Reports: the service functions the API's routes and the web's pages share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import Query
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict

from api import documents
from api.deps import bounded_date
from api.errors import problem_responses
from api.report_letter import LetterQuery, lettered
from api.schemas import clean_text
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    READ_ALL_ROLES,
    Principal,
    check_read_unit,
    require_role,
)
from domain.errors import NotPermitted
from domain.reporting_periods import ReportingPeriod, last_closed_period, reporting_period

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


PROBLEMS = problem_responses(400, 401, 403, 404, 422)


class Format(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    DOCX = "docx"


def _code(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


FormatQuery = Annotated[Format, Query(description="json (default), xlsx (Excel) or docx (Word)")]


TierQuery = Annotated[str | None, Query(max_length=64, description="diện quản lý: cadres holding "
                                        "a title of this management tier (e.g. quan_uy)"),
                      AfterValidator(_code)]


UnitQuery = Annotated[UUID | None, Query(description="only posts in this unit and the units "
                                         "below it (the tree of the date); required for the "
                                         "leader and personnel roles")]


FromQuery = Annotated[date, Query(alias="from", description="first day, inclusive"),
                      AfterValidator(bounded_date)]


ToQuery = Annotated[date, Query(description="last day, inclusive"), AfterValidator(bounded_date)]


class ReportOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    report: str
    version: int
    as_of: date
    known_at: datetime
    position: int
    digest: str
    scope: dict[str, Any]


class CountPercent(BaseModel):
    count: int
    percent: float | None


class CadreQualityOut(ReportOut):
    total: int
    female: int
    under_35: int
    party_members: int
    ethnic_minority: int
    religious: int
    it: int
    languages: int
    by_political_theory: dict[str, int]
    by_state_management: dict[str, int]
    by_education: dict[str, int]
    by_grade: dict[str, int]
    by_age_band: dict[str, int]
    units: list[dict[str, Any]]
    units_total: dict[str, int]


class EmployeesOut(ReportOut):
    total: int
    by_grade_code: dict[str, int]
    by_employment_kind: dict[str, int]
    agencies: list[dict[str, Any]]


class EvaluationsOut(ReportOut):
    period: str
    total: int
    by_rating: dict[str, CountPercent]


class ActionsOut(ReportOut):
    total: int
    by_kind: dict[str, int]
    endings_total: int
    endings_by_reason: dict[str, int]


class TrainingOut(ReportOut):
    total: int
    by_program: dict[str, int]
    completed_total: int
    completed_by_program: dict[str, int]


class VettingsOut(ReportOut):
    total: int
    by_purpose: dict[str, int]
    by_conclusion: dict[str, int]


class SummaryOut(ReportOut):
    date_from: date
    date_to: date
    month: str | None
    sections: dict[str, dict[str, Any]]


def _responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "content": {
        documents.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        documents.DOCX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
            **PROBLEMS}


def _moment(runtime: Runtime, as_of: date | None, known_at: datetime | None) -> Moment:
    runtime.read_side_current()  # read your writes (bounded wait; never applies)
    return runtime.read_model.moment(as_of=as_of, known_at=known_at)


def _check_scope(p: Principal, runtime: Runtime, unit_id: UUID | None, m: Moment) -> None:
    require_role(p, ADMIN, INSPECTOR, LEADER, PERSONNEL)
    if p.role in READ_ALL_ROLES:
        return
    if unit_id is None:
        raise NotPermitted("Cần chỉ rõ unit_id thuộc phạm vi đơn vị được giao (unit_id within "
                           "your unit subtree is required for your role)", code="forbidden",
                           field="unit_id")
    check_read_unit(p, runtime, unit_id, m)


def chosen_period(runtime: Runtime, name: str | None) -> ReportingPeriod:
    """A reporting period by name, or the last closed one on the clock's business date."""
    start_day = runtime.settings.reporting_period_start_day
    if name:
        return reporting_period(name, start_day)
    return last_closed_period(runtime.clock.today(), start_day)


def _answer(report: dict[str, Any], format: Format, name: str,
            runtime: Runtime | None = None, letter: LetterQuery | None = None) -> Response:
    headers = {"X-Report-Digest": str(report["digest"]),
               "X-Report-Position": str(report["position"])}
    if format == Format.JSON:
        return JSONResponse(report, headers=headers)
    render: Callable[[dict[str, Any]], bytes]
    if format == Format.XLSX:
        render, media = documents.xlsx_bytes, documents.XLSX_MEDIA_TYPE
    else:
        render, media = documents.docx_bytes, documents.DOCX_MEDIA_TYPE
        if runtime is not None:  # a Word report goes out as a letter, signed on a day
            report = lettered(runtime, report, letter)
    filename = f"bao-cao-{name}-{report['as_of']}.{format.value}"
    headers["Content-Disposition"] = documents.attachment(filename)
    return Response(render(report), media_type=media, headers=headers)
