"""The quarterly evaluation report: the service functions the API's routes and the web's pages
share."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel

from api.security import Principal, record_reads
from api.services.reports import (
    EvaluationsOut,
    _check_scope,
    _moment,
)
from infra.access import AccessStore
from projections import evaluation_reports

if TYPE_CHECKING:
    from infra.runtime import Runtime


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
