"""Reports (báo cáo, thống kê): any past date, as known at any moment, as JSON, Excel or Word.

Each report body carries the question (`as_of`, scope, period) and its figures; `digest` is the
SHA-256 of that body's canonical JSON, so the same question asked again later (with the same
`known_at`) answers the same body and the same digest whatever was recorded since.
Admin and inspector read every scope; leader and personnel name a `unit_id` within their unit
subtree; the self role reads no reports.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import AfterValidator

from api.deps import AsOfQuery, KnownAtQuery, bounded_date, get_runtime
from api.errors import problem_responses
from api.report_letter import LetterQuery, letter_query
from api.routes.checkpoints import get_certifier
from api.security import (
    Principal,
    get_principal,
)
from api.services.reports import (
    ActionsOut,
    CadreQualityOut,
    EmployeesOut,
    EvaluationsOut,
    Format,
    FormatQuery,
    FromQuery,
    SummaryOut,
    TierQuery,
    ToQuery,
    TrainingOut,
    UnitQuery,
    VettingsOut,
    _answer,
    _check_scope,
    _moment,
    _responses,
    chosen_period,
)
from infra.certificates import Certifier
from projections import employment_reports, monthly_cycle, reports

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["reports"])


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
