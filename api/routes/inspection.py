"""Inspection casework (kiểm tra, giám sát): yearly plans, cases opened from findings or from a
description, their evidence, conclusion and remedies followed until closed.

Inspectors and administrators read and write all of it. A leader reads the conclusions of the
cases whose subject (unit, or cadre holding a post) lies in its unit subtree, and nothing
else: no plans, no evidence, no remedies, no case before its conclusion. Every other role: 403.
Answers come from the read side (projections/inspection.py), caught up before each answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import get_access, get_moment, get_runtime
from api.routes.checkpoints import get_certifier
from api.routes.writes import WriteRoute, add_write_routes
from api.security import (
    Principal,
    get_principal,
    record_reads,
    require_role,
)
from api.services.inspection import (
    INSPECTORS,
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    CaseClosureIn,
    CaseDetailOut,
    CaseIn,
    CasesOut,
    ConclusionIn,
    EvidenceIn,
    InspectionReceipt,
    PlanDetailOut,
    PlanIn,
    PlansOut,
    RemediesOut,
    RemedyClosureIn,
    RemedyIn,
    add_evidence,
    adopt_plan,
    assign_remedy,
    case_file_download,
    close_case,
    close_remedy,
    conclude,
    open_case,
    reader,
    sealed_case_file,
    visible_case,
    visible_cases,
)
from domain.errors import NotFound
from infra.access import AccessStore
from infra.certificates import Certifier
from projections.inspection_read import cadres_named

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["inspection"])

add_write_routes(router, (
    WriteRoute("/inspection-plans", PlanIn, adopt_plan, "adopt_inspection_plan",
               "Kế hoạch kiểm tra, giám sát năm (adopt a yearly inspection plan)"),
    WriteRoute("/inspection-cases", CaseIn, open_case, "open_inspection_case",
               "Mở vụ việc kiểm tra từ một phát hiện hoặc một mô tả (open a case)"),
    WriteRoute("/inspection-cases/{case_id}/evidence", EvidenceIn, add_evidence,
               "add_inspection_evidence",
               "Thu thập chứng cứ: vị trí sổ ghi, văn bản (add evidence)"),
    WriteRoute("/inspection-cases/{case_id}/conclusion", ConclusionIn, conclude,
               "conclude_inspection_case", "Kết luận kiểm tra, kèm quyết định (conclude a case)"),
    WriteRoute("/inspection-cases/{case_id}/remedies", RemedyIn, assign_remedy,
               "assign_inspection_remedy",
               "Giao yêu cầu khắc phục: người chịu trách nhiệm, thời hạn (assign a remedy)"),
    WriteRoute("/inspection-cases/{case_id}/remedies/{remedy_id}/closure", RemedyClosureIn,
               close_remedy, "close_inspection_remedy",
               "Ghi nhận hoàn thành khắc phục (close a remedy)"),
    WriteRoute("/inspection-cases/{case_id}/closure", CaseClosureIn, close_case,
               "close_inspection_case",
               "Kết thúc vụ việc khi mọi khắc phục đã hoàn thành (close a case)"),
), response_model=InspectionReceipt, responses=WRITE_PROBLEMS)


@router.get("/inspection-plans", response_model=PlansOut, responses=READ_PROBLEMS,
            operation_id="list_inspection_plans",
            summary="Các kế hoạch kiểm tra, giám sát (inspection plans)")
def get_plans(year: Annotated[int | None, Query(ge=1900, le=2199)] = None,
              p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
              runtime: Runtime = Depends(get_runtime)) -> PlansOut:
    require_role(p, *INSPECTORS)
    return PlansOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                        position=m.position,
                                        plans=reader(runtime).plans(m, year)))


@router.get("/inspection-plans/{plan_id}", response_model=PlanDetailOut,
            responses=READ_PROBLEMS, operation_id="get_inspection_plan",
            summary="Một kế hoạch kiểm tra và các vụ việc của nó (a plan and its cases)")
def get_plan(plan_id: UUID, p: Principal = Depends(get_principal),
             m: Moment = Depends(get_moment),
             runtime: Runtime = Depends(get_runtime)) -> PlanDetailOut:
    require_role(p, *INSPECTORS)
    plan = reader(runtime).plan(plan_id, m)
    if plan is None:
        raise NotFound(f"Không tìm thấy kế hoạch kiểm tra {plan_id} (unknown plan)",
                       code="plan_not_found", field="id")
    return PlanDetailOut.model_validate(dict(plan, as_of=m.as_of, known_at=m.known_at,
                                             position=m.position))


@router.get("/inspection-cases", response_model=CasesOut, responses=READ_PROBLEMS,
            operation_id="list_inspection_cases",
            summary="Các vụ việc kiểm tra; lãnh đạo: các kết luận trong phạm vi (cases)")
def get_cases(plan_id: UUID | None = Query(None),
              status: Annotated[str | None, Query(pattern="^(open|concluded|closed)$")] = None,
              p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
              runtime: Runtime = Depends(get_runtime),
              access: AccessStore = Depends(get_access)) -> CasesOut:
    cases = visible_cases(p, runtime, m, plan_id=plan_id, status=status)
    record_reads(access, p, cadres_named(cases), "inspection", m)
    return CasesOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at, position=m.position,
                                        cases=cases))


@router.get("/inspection-cases/{case_id}", response_model=CaseDetailOut,
            responses=READ_PROBLEMS,
            operation_id="get_inspection_case",
            summary="Một vụ việc: chứng cứ, kết luận, khắc phục (a case; a leader: its "
                    "conclusion)")
def get_case(case_id: UUID, p: Principal = Depends(get_principal),
             m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
             access: AccessStore = Depends(get_access)) -> CaseDetailOut:
    case = visible_case(p, runtime, case_id, m)
    record_reads(access, p, cadres_named([case]), "inspection", m)
    return CaseDetailOut.model_validate(dict(case, as_of=m.as_of, known_at=m.known_at,
                                             position=m.position))


@router.get("/inspection-cases/{case_id}/file", responses=READ_PROBLEMS,
            operation_id="inspection_case_file",
            summary="Hồ sơ vụ việc: mọi mục sổ ghi liên quan, vị trí và mã chuỗi, có chứng thư "
                    "(the case file, sealed; JSON or Word)")
def get_case_file(case_id: UUID,
                  format: Annotated[str, Query(pattern="^(json|docx)$")] = "json",
                  p: Principal = Depends(get_principal),
                  m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                  access: AccessStore = Depends(get_access),
                  certifier: Certifier = Depends(get_certifier)) -> Response:
    return case_file_download(sealed_case_file(p, runtime, certifier, access, case_id, m),
                              case_id, format)


@router.get("/inspection-remedies/overdue", response_model=RemediesOut,
            responses=READ_PROBLEMS, operation_id="list_overdue_remedies",
            summary="Yêu cầu khắc phục quá hạn tại ngày as_of (overdue remedies)")
def get_overdue(p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                runtime: Runtime = Depends(get_runtime),
                access: AccessStore = Depends(get_access)) -> RemediesOut:
    require_role(p, *INSPECTORS)
    rows = reader(runtime).overdue(m)
    record_reads(access, p, cadres_named([{"remedy_list": rows}]), "inspection", m)
    return RemediesOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                           position=m.position, remedies=rows,
                                           count=len(rows)))
