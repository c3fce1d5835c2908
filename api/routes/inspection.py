"""Inspection casework (kiểm tra, giám sát): yearly plans, cases opened from findings or from a
description, their evidence, conclusion and remedies followed until closed.

Inspectors and administrators read and write all of it. A leader reads the conclusions of the
cases whose subject (unit, or cadre holding a post) lies in its unit subtree, and nothing
else: no plans, no evidence, no remedies, no case before its conclusion. Every other role: 403.
Answers come from the read side (projections/inspection.py), caught up before each answer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.case_file import case_file
from api.case_file_docx import case_file_docx
from api.deps import get_access, get_moment, get_runtime, utc_instant
from api.documents import attachment
from api.documents_cv import DOCX_MEDIA_TYPE
from api.errors import problem_responses
from api.routes.checkpoints import get_certifier
from api.schemas import Answer, Day, DecisionIn, DecisionOut, LongText, Position, Row, Text
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    Principal,
    check_read_cadre,
    check_read_unit,
    get_principal,
    record_reads,
    require_role,
)
from domain.application import Receipt as DomainReceipt
from domain.casework import Casework
from domain.errors import NotFound, NotPermitted
from domain.inspection import (
    MAX_ITEMS,
    AddEvidence,
    AdoptPlan,
    AssignRemedy,
    CloseCase,
    CloseRemedy,
    Conclude,
    DocumentRef,
    FindingBasis,
    OpenCase,
    PlanSubject,
    SubjectKind,
)
from infra.access import AccessStore
from infra.certificates import Certifier
from projections.inspection_read import InspectionReader, cadres_named

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["inspection"])

READ_PROBLEMS = problem_responses(401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)
INSPECTORS = (ADMIN, INSPECTOR)
CONCLUSION_READERS = (ADMIN, INSPECTOR, LEADER)


# --- models --------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanSubjectIn(_In):
    kind: SubjectKind = Field(description="unit | cadre | topic")
    unit_id: UUID | None = None
    cadre_id: UUID | None = None
    topic: Text | None = Field(None, description='e.g. "bổ nhiệm 2024–2025"')

    def to_domain(self) -> PlanSubject:
        return PlanSubject(kind=self.kind, unit_id=self.unit_id, cadre_id=self.cadre_id,
                           topic=self.topic)


class PlanIn(_In):
    year: Annotated[int, Field(ge=1900, le=2199)]
    title: Text
    subjects: Annotated[list[PlanSubjectIn], Field(min_length=1, max_length=MAX_ITEMS)]
    decision: DecisionIn
    effective_on: Day | None = Field(None, description="default: the decision's date")


class CaseIn(_In):
    """A case opened from a finding (`finding_id`, as shown on `as_of` / `known_at`; default
    today, now) or from a `description`; `feedback_id` is a reference kept as given."""

    title: Text
    plan_id: UUID | None = None
    finding_id: UUID | None = None
    as_of: Day | None = None
    known_at: Annotated[datetime | None, AfterValidator(utc_instant)] = None
    description: LongText | None = None
    feedback_id: UUID | None = None
    unit_id: UUID | None = Field(None, description="subject unit (default: the finding's)")
    cadre_id: UUID | None = Field(None, description="subject cadre (default: the finding's)")
    effective_on: Day | None = Field(None, description="opened on (default: today)")


class DocumentIn(_In):
    number: Text
    issued_on: Day
    title: Text
    issuer: Text | None = None


class EvidenceIn(_In):
    log_positions: Annotated[list[Position], Field(max_length=MAX_ITEMS)] = []
    documents: Annotated[list[DocumentIn], Field(max_length=MAX_ITEMS)] = []
    note: LongText | None = None
    effective_on: Day | None = None


class ConclusionIn(_In):
    text: LongText
    violation_found: bool
    decision: DecisionIn
    effective_on: Day | None = Field(None, description="default: the decision's date")


class RemedyIn(_In):
    action: LongText
    deadline: Day
    owner_unit_id: UUID | None = None
    owner_cadre_id: UUID | None = None
    effective_on: Day | None = Field(None, description="assigned on (default: today)")


class RemedyClosureIn(_In):
    result: LongText
    decision: DecisionIn | None = None
    effective_on: Day | None = Field(None, description="closed on (default: today)")


class CaseClosureIn(_In):
    note: LongText
    effective_on: Day | None = Field(None, description="closed on (default: today)")


class InspectionReceipt(BaseModel):
    id: UUID
    position: int
    remedy_id: UUID | None = None


class ActedOut(Row):
    effective_on: date
    recorded_by: str
    recorded_at: datetime
    position: int


class PlanOut(ActedOut):
    id: UUID
    year: int
    title: str
    subjects: list[dict[str, Any]]
    decision: DecisionOut
    cases: int
    adopted_position: int = Field(description="log position of the plan's adoption")


class PlansOut(Answer):
    plans: list[PlanOut]


class ConclusionOut(ActedOut):
    text: str
    violation_found: bool
    decision: DecisionOut


class ClosureOut(ActedOut):
    text: str
    decision: DecisionOut | None = None


class CaseOut(ActedOut):
    id: UUID
    title: str
    status: str = Field(description="open | concluded | closed")
    opened_on: date
    opened_position: int = Field(description="log position of the opening (a detail's "
                                             "`position` is the moment's)")
    unit_id: UUID | None = None
    cadre_id: UUID | None = None
    conclusion: ConclusionOut | None = None


class CaseSummaryOut(CaseOut):
    plan_id: UUID | None = None
    source: str | None = Field(None, description="finding | description")
    finding_key: str | None = None
    feedback_id: UUID | None = None
    remedies: int | None = None
    closure: ClosureOut | None = None


class CasesOut(Answer):
    cases: list[CaseSummaryOut]


class EvidenceOut(ActedOut):
    log_positions: list[int]
    documents: list[dict[str, Any]]
    note: str | None = None


class RemedyOut(ActedOut):
    id: UUID
    case_id: UUID
    case_title: str
    action: str
    owner_unit_id: UUID | None = None
    owner_cadre_id: UUID | None = None
    deadline: date
    assigned_on: date
    status: str = Field(description="open | closed, on as_of")
    overdue: bool
    days_overdue: int
    closure: ClosureOut | None = None


class CaseDetailOut(Answer, CaseSummaryOut):
    description: str | None = None
    finding: dict[str, Any] | None = None
    evidence: list[EvidenceOut] | None = None
    remedy_list: list[RemedyOut] | None = None


class PlanDetailOut(Answer, PlanOut):
    case_list: list[CaseSummaryOut]


class RemediesOut(Answer):
    remedies: list[RemedyOut]
    count: int


# --- shared by the API and the web UI --------------------------------------------------------


def reader(runtime: Runtime) -> InspectionReader:
    return InspectionReader(runtime.read_model)


def finding_basis(runtime: Runtime, finding_id: UUID, as_of: date | None,
                  known_at: datetime | None) -> FindingBasis:
    """The finding as the index shows it on that date (as recorded by then), or a refusal."""
    index = runtime.findings
    day = as_of or runtime.app.window().today
    position = None if known_at is None else index.position_at(known_at)
    found = index.finding(str(finding_id), day, position)
    if found is None:
        raise NotFound(f"Không tìm thấy phát hiện {finding_id} vào ngày {day:%d/%m/%Y} (unknown "
                       "finding on that date)", code="finding_not_found", field="finding_id")
    return FindingBasis(key=found.key, rule_id=found.rule_id, rule_version=found.rule_version,
                        effective_on=found.effective_on,
                        evidence=tuple(found.evidence), cadre_id=found.cadre_id,
                        unit_id=found.unit_id)


def leader_sees(p: Principal, runtime: Runtime, case: dict[str, Any], m: Moment) -> bool:
    """A leader sees a concluded case whose subject lies in its unit subtree."""
    if case["conclusion"] is None:
        return False
    checks = []
    if case.get("unit_id") is not None:
        checks.append(lambda: check_read_unit(p, runtime, case["unit_id"], m))
    if case.get("cadre_id") is not None:
        checks.append(lambda: check_read_cadre(p, runtime, case["cadre_id"], m))
    for check in checks:
        try:
            check()
            return True
        except NotPermitted:
            continue
    return False


LEADER_FIELDS = ("id", "title", "status", "opened_on", "opened_position", "unit_id", "cadre_id", "conclusion",
                 "effective_on", "recorded_by", "recorded_at", "position")


def visible_case(p: Principal, runtime: Runtime, case_id: UUID, m: Moment) -> dict[str, Any]:
    """The case as `p` may see it: whole for inspectors, its conclusion for a leader in scope."""
    require_role(p, *CONCLUSION_READERS)
    case = reader(runtime).case(case_id, m)
    if case is None or (p.role == LEADER and case["conclusion"] is None):
        raise NotFound(f"Không tìm thấy vụ việc kiểm tra {case_id} (unknown case)",
                       code="case_not_found", field="id")
    if p.role == LEADER:
        if not leader_sees(p, runtime, case, m):
            raise NotPermitted("Vụ việc không thuộc phạm vi đơn vị được giao (case outside "
                               "your unit subtree)", code="forbidden")
        return {k: case[k] for k in LEADER_FIELDS}
    return case


def visible_cases(p: Principal, runtime: Runtime, m: Moment, *, plan_id: UUID | None = None,
                  status: str | None = None) -> list[dict[str, Any]]:
    require_role(p, *CONCLUSION_READERS)
    cases = reader(runtime).cases(m, plan_id=plan_id, status=status)
    if p.role == LEADER:
        return [{k: c[k] for k in LEADER_FIELDS} for c in cases
                if leader_sees(p, runtime, c, m)]
    return cases


def _answer(runtime: Runtime, receipt: DomainReceipt,
            remedy_id: UUID | None = None) -> InspectionReceipt:
    runtime.written(receipt.position)  # reads after it wait for the projector
    return InspectionReceipt(id=receipt.id, position=receipt.position, remedy_id=remedy_id)


def adopt_plan(p: Principal, runtime: Runtime, body: PlanIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    return _answer(runtime, Casework(runtime.app).adopt_plan(AdoptPlan(
        year=body.year, title=body.title, subjects=tuple(s.to_domain() for s in body.subjects),
        decision=body.decision.to_domain(), effective_on=body.effective_on,
        recorded_by=p.name)))


def open_case(p: Principal, runtime: Runtime, body: CaseIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    finding = (finding_basis(runtime, body.finding_id, body.as_of, body.known_at)
               if body.finding_id is not None else None)
    return _answer(runtime, Casework(runtime.app).open_case(OpenCase(
        title=body.title, plan_id=body.plan_id, finding=finding, description=body.description,
        feedback_id=body.feedback_id, unit_id=body.unit_id, cadre_id=body.cadre_id,
        effective_on=body.effective_on, recorded_by=p.name)))


def add_evidence(p: Principal, runtime: Runtime, case_id: UUID,
                 body: EvidenceIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    return _answer(runtime, Casework(runtime.app).add_evidence(case_id, AddEvidence(
        log_positions=tuple(body.log_positions),
        documents=tuple(DocumentRef(number=d.number, issued_on=d.issued_on, title=d.title,
                                    issuer=d.issuer) for d in body.documents),
        note=body.note, effective_on=body.effective_on, recorded_by=p.name)))


def conclude(p: Principal, runtime: Runtime, case_id: UUID,
             body: ConclusionIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    return _answer(runtime, Casework(runtime.app).conclude(case_id, Conclude(
        text=body.text, violation_found=body.violation_found,
        decision=body.decision.to_domain(), effective_on=body.effective_on,
        recorded_by=p.name)))


def assign_remedy(p: Principal, runtime: Runtime, case_id: UUID,
                  body: RemedyIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    receipt, remedy_id = Casework(runtime.app).assign_remedy(case_id, AssignRemedy(
        action=body.action, deadline=body.deadline, owner_unit_id=body.owner_unit_id,
        owner_cadre_id=body.owner_cadre_id, effective_on=body.effective_on,
        recorded_by=p.name))
    return _answer(runtime, receipt, remedy_id)


def close_remedy(p: Principal, runtime: Runtime, case_id: UUID, remedy_id: UUID,
                 body: RemedyClosureIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    return _answer(runtime, Casework(runtime.app).close_remedy(case_id, CloseRemedy(
        remedy_id=remedy_id, result=body.result,
        decision=body.decision.to_domain() if body.decision else None,
        effective_on=body.effective_on, recorded_by=p.name)), remedy_id)


def close_case(p: Principal, runtime: Runtime, case_id: UUID,
               body: CaseClosureIn) -> InspectionReceipt:
    require_role(p, *INSPECTORS)
    return _answer(runtime, Casework(runtime.app).close_case(case_id, CloseCase(
        note=body.note, effective_on=body.effective_on, recorded_by=p.name)))


# --- routes --------------------------------------------------------------------------------


@router.post("/inspection-plans", status_code=201, response_model=InspectionReceipt,
             responses=WRITE_PROBLEMS, operation_id="adopt_inspection_plan",
             summary="Kế hoạch kiểm tra, giám sát năm (adopt a yearly inspection plan)")
def post_plan(body: PlanIn, p: Principal = Depends(get_principal),
              runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return adopt_plan(p, runtime, body)


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


@router.post("/inspection-cases", status_code=201, response_model=InspectionReceipt,
             responses=WRITE_PROBLEMS, operation_id="open_inspection_case",
             summary="Mở vụ việc kiểm tra từ một phát hiện hoặc một mô tả (open a case)")
def post_case(body: CaseIn, p: Principal = Depends(get_principal),
              runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return open_case(p, runtime, body)


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


def sealed_case_file(p: Principal, runtime: Runtime, certifier: Certifier, access: AccessStore,
                     case_id: UUID, m: Moment) -> dict[str, Any]:
    """The case file as an inspector exports it (API and web): read audited like a case."""
    require_role(p, *INSPECTORS)
    case = visible_case(p, runtime, case_id, m)
    record_reads(access, p, cadres_named([case]), "inspection", m)
    return case_file(runtime, certifier, case, m)


def case_file_download(document: dict[str, Any], case_id: UUID, fmt: str) -> Response:
    """The case file as JSON, or as the Word document rendered from it (same certificate)."""
    if fmt == "docx":
        return Response(case_file_docx(document), media_type=DOCX_MEDIA_TYPE, headers={
            "Content-Disposition": attachment(f"ho-so-vu-viec-{case_id}.docx"),
            "Cache-Control": "no-store"})
    return JSONResponse(document)


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


@router.post("/inspection-cases/{case_id}/evidence", status_code=201,
             response_model=InspectionReceipt, responses=WRITE_PROBLEMS,
             operation_id="add_inspection_evidence",
             summary="Thu thập chứng cứ: vị trí sổ ghi, văn bản (add evidence)")
def post_evidence(case_id: UUID, body: EvidenceIn, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return add_evidence(p, runtime, case_id, body)


@router.post("/inspection-cases/{case_id}/conclusion", status_code=201,
             response_model=InspectionReceipt, responses=WRITE_PROBLEMS,
             operation_id="conclude_inspection_case",
             summary="Kết luận kiểm tra, kèm quyết định (conclude a case)")
def post_conclusion(case_id: UUID, body: ConclusionIn, p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return conclude(p, runtime, case_id, body)


@router.post("/inspection-cases/{case_id}/remedies", status_code=201,
             response_model=InspectionReceipt, responses=WRITE_PROBLEMS,
             operation_id="assign_inspection_remedy",
             summary="Giao yêu cầu khắc phục: người chịu trách nhiệm, thời hạn (assign a remedy)")
def post_remedy(case_id: UUID, body: RemedyIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return assign_remedy(p, runtime, case_id, body)


@router.post("/inspection-cases/{case_id}/remedies/{remedy_id}/closure", status_code=201,
             response_model=InspectionReceipt, responses=WRITE_PROBLEMS,
             operation_id="close_inspection_remedy",
             summary="Ghi nhận hoàn thành khắc phục (close a remedy)")
def post_remedy_closure(case_id: UUID, remedy_id: UUID, body: RemedyClosureIn,
                        p: Principal = Depends(get_principal),
                        runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return close_remedy(p, runtime, case_id, remedy_id, body)


@router.post("/inspection-cases/{case_id}/closure", status_code=201,
             response_model=InspectionReceipt, responses=WRITE_PROBLEMS,
             operation_id="close_inspection_case",
             summary="Kết thúc vụ việc khi mọi khắc phục đã hoàn thành (close a case)")
def post_case_closure(case_id: UUID, body: CaseClosureIn,
                      p: Principal = Depends(get_principal),
                      runtime: Runtime = Depends(get_runtime)) -> InspectionReceipt:
    return close_case(p, runtime, case_id, body)


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
