"""Reports (báo cáo, thống kê): any past date, as known at any moment, as JSON, Excel or Word.

Each report body carries the question (`as_of`, scope, period) and its figures; `digest` is the
SHA-256 of that body's canonical JSON, so the same question asked again later (with the same
`known_at`) answers the same body and the same digest whatever was recorded since.
Admin and inspector read every scope; leader and personnel name a `unit_id` within their unit
subtree; the self role reads no reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict

from api import documents
from api.deps import AsOfQuery, KnownAtQuery, bounded_date, get_runtime
from api.errors import problem_responses
from api.report_letter import LetterQuery, letter_query, lettered
from api.routes.checkpoints import get_certifier
from api.schemas import clean_text
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    READ_ALL_ROLES,
    Principal,
    check_read_unit,
    get_principal,
    require_role,
)
from domain.errors import NotPermitted
from domain.reporting_periods import ReportingPeriod, last_closed_period, reporting_period
from infra.certificates import Certifier
from projections import employment_reports, monthly_cycle, reports

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["reports"])

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


# --- response shapes (documentation; bodies are served exactly as digested) ------------------


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


# --- access and answers ----------------------------------------------------------------------


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


# --- routes ----------------------------------------------------------------------------------


@router.get("/reports/cadre-quality", response_model=None, responses=_responses(CadreQualityOut),
            summary="Chất lượng đội ngũ cán bộ vào một ngày, biểu BM01 (cadre quality)",
            operation_id="report_cadre_quality")
def cadre_quality(as_of: AsOfQuery = None, known_at: KnownAtQuery = None,
                  tier: TierQuery = None, unit_id: UnitQuery = None,
                  format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    m = _moment(runtime, as_of, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.cadre_quality(runtime.read_model, m, tier, unit_id)
    return _answer(certifier.seal_report(report), format, "chat-luong-can-bo", runtime, letter)


@router.get("/reports/employees", response_model=EmployeesOut,
            responses=problem_responses(400, 401, 403, 404, 422),
            summary="Số người làm việc theo cơ quan sử dụng, theo ngạch (employees by agency)",
            operation_id="report_employees")
def employees(as_of: AsOfQuery = None, known_at: KnownAtQuery = None,
              unit_id: UnitQuery = None, p: Principal = Depends(get_principal),
              runtime: Runtime = Depends(get_runtime)) -> Response:
    # Everyone employed, post holder or not, from the employment record in force on as_of.
    m = _moment(runtime, as_of, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = employment_reports.employees(runtime.read_model, m, unit_id)
    return _answer(report, Format.JSON, "nguoi-lam-viec")


@router.get("/reports/evaluations", response_model=None, responses=_responses(EvaluationsOut),
            summary="Kết quả đánh giá, xếp loại một kỳ (evaluation results of a period)",
            operation_id="report_evaluations")
def evaluations(period: Annotated[str, Query(max_length=16, description="YYYY or YYYY-Qn")],
                known_at: KnownAtQuery = None, tier: TierQuery = None,
                unit_id: UnitQuery = None,
                as_of: Annotated[date | None, Query(
                    description="date whose posts define the scope; default the period's last "
                                "day"), AfterValidator(bounded_date)] = None,
                format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    _, last = reports.period_days(period)
    m = _moment(runtime, as_of or last, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.evaluations(runtime.read_model, period, m, tier, unit_id, as_of=m.as_of)
    return _answer(certifier.seal_report(report), format, "danh-gia", runtime, letter)


@router.get("/reports/actions", response_model=None, responses=_responses(ActionsOut),
            summary="Điều động, bổ nhiệm, giới thiệu ứng cử theo hình thức (personnel actions)",
            operation_id="report_actions")
def actions(from_: FromQuery, to: ToQuery, known_at: KnownAtQuery = None,
            tier: TierQuery = None, unit_id: UnitQuery = None,
            format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    m = _moment(runtime, to, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.actions(runtime.read_model, from_, to, m, tier, unit_id)
    return _answer(certifier.seal_report(report), format, "dieu-dong-bo-nhiem", runtime, letter)


@router.get("/reports/training", response_model=None, responses=_responses(TrainingOut),
            summary="Đào tạo, bồi dưỡng theo chương trình (training by programme)",
            operation_id="report_training")
def training(from_: FromQuery, to: ToQuery, known_at: KnownAtQuery = None,
             tier: TierQuery = None, unit_id: UnitQuery = None,
             format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    m = _moment(runtime, to, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.training(runtime.read_model, from_, to, m, tier, unit_id)
    return _answer(certifier.seal_report(report), format, "dao-tao", runtime, letter)


@router.get("/reports/vettings", response_model=None, responses=_responses(VettingsOut),
            summary="Thẩm định, bảo vệ chính trị nội bộ theo mục đích (political vetting)",
            operation_id="report_vettings")
def vettings(from_: FromQuery, to: ToQuery, known_at: KnownAtQuery = None,
             tier: TierQuery = None, unit_id: UnitQuery = None,
             format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    m = _moment(runtime, to, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.vettings(runtime.read_model, from_, to, m, tier, unit_id)
    return _answer(certifier.seal_report(report), format, "tham-dinh", runtime, letter)


@router.get("/reports/summary", response_model=None, responses=_responses(SummaryOut),
            summary="Báo cáo tổng hợp một khoảng thời gian, như seed 000 (summary of a span)",
            operation_id="report_summary")
def summary(from_: FromQuery, to: ToQuery, known_at: KnownAtQuery = None,
            tier: TierQuery = None, unit_id: UnitQuery = None,
            period: Annotated[str | None, Query(max_length=16, description="evaluation period; "
                                                "default the latest closed on `to`")] = None,
            format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    m = _moment(runtime, to, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.summary(runtime.read_model, from_, to, m, tier, unit_id, period=period)
    return _answer(certifier.seal_report(report), format, "tong-hop", runtime, letter)


@router.get("/reports/monthly", response_model=None, responses=_responses(SummaryOut),
            summary="Báo cáo tháng (monthly report, due before the 28th)",
            operation_id="report_monthly")
def monthly(month: Annotated[str | None, Query(max_length=7, description="YYYY-MM: one "
                                               "calendar month")] = None,
            period: Annotated[str | None, Query(max_length=7, description="YYYY-MM: one "
                                                "reporting period (HOSO_REPORTING_PERIOD_"
                                                "START_DAY), named by the month it ends in")
                              ] = None,
            known_at: KnownAtQuery = None, tier: TierQuery = None, unit_id: UnitQuery = None,
            format: FormatQuery = Format.JSON, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime),
            certifier: Certifier = Depends(get_certifier),
            letter: LetterQuery = Depends(letter_query)) -> Response:
    if month is None:  # the monthly cycle's period: `period`, or the last closed one
        chosen = chosen_period(runtime, period)
        m = _moment(runtime, chosen.last, known_at)
        _check_scope(p, runtime, unit_id, m)
        report = monthly_cycle.period_report(runtime.read_model, chosen, m, tier, unit_id)
        return _answer(certifier.seal_report(report), format, "thang", runtime, letter)
    _, last = reports.month_days(month)
    m = _moment(runtime, last, known_at)
    _check_scope(p, runtime, unit_id, m)
    report = reports.monthly(runtime.read_model, month, m, tier, unit_id)
    return _answer(certifier.seal_report(report), format, "thang", runtime, letter)
