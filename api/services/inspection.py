"""Inspection casework: the service functions and payload models the API's routes and the web's
pages share."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.case_file import case_file
from api.case_file_docx import case_file_docx
from api.deps import utc_instant
from api.documents import attachment
from api.documents_cv import DOCX_MEDIA_TYPE
from api.errors import problem_responses
from api.schemas import Answer, Day, DecisionIn, DecisionOut, LongText, Position, Row, Text
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    Principal,
    check_read_cadre,
    check_read_unit,
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


READ_PROBLEMS = problem_responses(401, 403, 404, 422)


WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)


INSPECTORS = (ADMIN, INSPECTOR)


CONCLUSION_READERS = (ADMIN, INSPECTOR, LEADER)


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
