"""Internal feedback (phản ánh nội bộ): the service functions and payload models the API's routes
and the web's pages share."""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.errors import problem_responses
from api.schemas import Answer, Day, Text, clean_text
from api.security import ADMIN, INSPECTOR, Principal, record_reads, require_role
from domain.errors import NotFound
from domain.feedback import (
    MAX_CONTENT,
    STATUS_LABELS,
    ChangeFeedbackStatus,
    Feedback,
    FeedbackStatus,
    FileFeedback,
    Reporter,
    feedback_id_for,
)
from infra.access import AccessStore
from projections.feedback import filed_ids

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)


READ_PROBLEMS = problem_responses(401, 403, 404, 422)


INSPECTORS = (ADMIN, INSPECTOR)


RECEIPT_READER = "receipt_holder"


# Crockford's base32 (no I, L, O, U): read aloud and typed back without confusion.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


RECEIPT_PATTERN = r"^PA-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{5}(-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{5}){3}$"


def new_receipt() -> str:
    """PA-XXXXX-XXXXX-XXXXX-XXXXX: 20 symbols of 5 bits, 100 random bits."""
    symbols = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(20))
    return "PA-" + "-".join(symbols[i:i + 5] for i in range(0, 20, 5))


Content = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT),
                    AfterValidator(clean_text)]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: Content
    cadre_id: UUID | None = Field(None, description="the cadre the report is about")
    unit_id: UUID | None = Field(None, description="the unit the report is about")
    decision_number: Text | None = Field(None, description="a decision the report is about")
    anonymous: bool = Field(False, description="record no reporter at all")


class FeedbackFiled(BaseModel):
    id: UUID
    receipt: str = Field(description="keep it: the only way to follow the report; shown once")
    position: int


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FeedbackStatus
    note: Annotated[str, StringConstraints(max_length=4000),
                    AfterValidator(clean_text)] | None = None
    deadline: Day | None = Field(None, description="default: the deadline policy's days")
    assignee: Text | None = Field(None, description="who verifies (required for assigned)")
    finding_ids: list[UUID] = Field(default_factory=list, max_length=50,
                                    description="findings the conclusion links to")
    case_ref: Text | None = Field(None, description="the case (vụ việc) the conclusion opens")


class StatusReceipt(BaseModel):
    id: UUID
    position: int
    status: FeedbackStatus
    deadline: date | None


class StepOut(BaseModel):
    status: FeedbackStatus
    status_label: str
    on: date
    deadline: date | None


class StepDetailOut(StepOut):
    recorded_by: str
    note: str | None
    assignee: str | None
    finding_ids: list[str]
    case_ref: str | None


class ReporterOut(BaseModel):
    name: str
    role: str
    unit_id: UUID | None = None
    cadre_id: UUID | None = None


class FeedbackOut(BaseModel):
    id: UUID
    filed_on: date
    status: FeedbackStatus
    status_label: str
    deadline: date | None
    overdue: bool
    cadre_id: UUID | None
    unit_id: UUID | None
    decision_number: str | None
    anonymous: bool
    content: str
    reporter: ReporterOut | None
    steps: list[StepDetailOut]


class FeedbackListOut(Answer):
    feedback: list[FeedbackOut]
    limit: int
    offset: int


class FeedbackItemOut(Answer, FeedbackOut):
    pass


class ReceiptStatusOut(Answer):
    filed_on: date
    status: FeedbackStatus
    status_label: str
    deadline: date | None
    overdue: bool
    steps: list[StepOut]


def visible_to(p: Principal, feedback: Feedback) -> bool:
    """Inspectors and admins see a report unless it is about themselves."""
    return p.role in INSPECTORS and not (p.cadre_id is not None
                                         and p.cadre_id == feedback.cadre_id)


def detail(feedback: Feedback, today: date) -> dict[str, Any]:
    """A report as inspectors see it; the reporter never when anonymous (none is recorded)."""
    reporter = None if feedback.anonymous or feedback.reporter is None else feedback.reporter
    return dict(
        id=feedback.id, filed_on=feedback.filed_on, status=feedback.status,
        status_label=STATUS_LABELS[feedback.status], deadline=feedback.deadline,
        overdue=feedback.overdue(today), cadre_id=feedback.cadre_id, unit_id=feedback.unit_id,
        decision_number=feedback.decision_number, anonymous=feedback.anonymous,
        content=feedback.content, reporter=reporter,
        steps=[dict(status=s.status, status_label=STATUS_LABELS[s.status], on=s.effective_on,
                    deadline=s.deadline, recorded_by=s.recorded_by, note=s.note,
                    assignee=s.assignee, finding_ids=s.finding_ids, case_ref=s.case_ref)
               for s in feedback.steps])


def status_only(feedback: Feedback, today: date) -> dict[str, Any]:
    return dict(filed_on=feedback.filed_on, status=feedback.status,
                status_label=STATUS_LABELS[feedback.status], deadline=feedback.deadline,
                overdue=feedback.overdue(today),
                steps=[dict(status=s.status, status_label=STATUS_LABELS[s.status],
                            on=s.effective_on, deadline=s.deadline) for s in feedback.steps])


def file_report(runtime: Runtime, p: Principal, body: FeedbackIn) -> tuple[UUID, str, int]:
    receipt = new_receipt()
    done = runtime.app.file_feedback(FileFeedback(
        receipt=receipt, content=body.content, cadre_id=body.cadre_id, unit_id=body.unit_id,
        decision_number=body.decision_number, anonymous=body.anonymous,
        reporter=Reporter(p.name, p.role, p.unit_id, p.cadre_id)))
    runtime.written(done.position)
    return done.id, receipt, done.position


def listed(runtime: Runtime, p: Principal, m: Moment, limit: int = 500,
           offset: int = 0) -> list[Feedback]:
    require_role(p, *INSPECTORS)
    reports = [runtime.app.feedback(i) for i in filed_ids(runtime.read_model, m, limit, offset)]
    return [f for f in reports if visible_to(p, f)]


def one(runtime: Runtime, p: Principal, feedback_id: UUID) -> Feedback:
    require_role(p, *INSPECTORS)
    feedback = runtime.app.feedback(feedback_id)
    if not visible_to(p, feedback):
        raise NotFound("Không tìm thấy phản ánh (unknown feedback)", code="feedback_not_found",
                       field="id")
    return feedback


def by_receipt(runtime: Runtime, receipt: str) -> Feedback:
    return runtime.app.feedback(feedback_id_for(receipt), field="receipt")


def audit(access: AccessStore, p: Principal, reports: list[Feedback], m: Moment) -> None:
    record_reads(access, p, [f.id for f in reports], "feedback", m)


def audit_receipt(access: AccessStore, p: Principal, feedback: Feedback, m: Moment) -> None:
    access.record_read(reader=RECEIPT_READER, role=p.role, cadre_id=feedback.id,
                       what="feedback", as_of=m.as_of, known_at=m.known_at,
                       position=m.position)


def change_status(runtime: Runtime, p: Principal, feedback_id: UUID,
                  body: StatusIn) -> tuple[int, Feedback]:
    one(runtime, p, feedback_id)
    if body.finding_ids:
        index = runtime.findings
        today = runtime.app.window().today
        for finding_id in body.finding_ids:
            if index.finding(str(finding_id), today, None) is None:
                raise NotFound(f"Không tìm thấy phát hiện {finding_id} (unknown finding)",
                               code="finding_not_found", field="finding_ids")
    done = runtime.app.change_feedback_status(ChangeFeedbackStatus(
        feedback_id=feedback_id, status=body.status, recorded_by=p.name, note=body.note,
        deadline=body.deadline, assignee=body.assignee,
        finding_ids=tuple(str(f) for f in body.finding_ids), case_ref=body.case_ref))
    runtime.written(done.position)
    return done.position, runtime.app.feedback(feedback_id)


ReceiptPath = Annotated[str, Path(pattern=RECEIPT_PATTERN, description="PA-XXXXX-XXXXX-XXXXX-"
                                                                        "XXXXX")]
