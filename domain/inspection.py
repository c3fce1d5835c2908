"""Inspection casework (công tác kiểm tra, giám sát): yearly plans, cases, evidence, conclusions
and the remedies that follow them, kept in the log like every other fact.

`InspectionPlan` is a yearly plan (kế hoạch kiểm tra, giám sát) with its decision and subjects
(units, cadres, topics). `InspectionCase` is one case: opened from a finding or from a written
description (optionally naming a feedback), it gathers evidence (log positions, documents),
receives one conclusion (kết luận) with its decision, then remedies (yêu cầu khắc phục), each
with an owner and a deadline, followed until closed; the case closes when every remedy is.

The state of a case moves one way: open → concluded → closed. A command the state does not
allow is refused with a stable code (`case_closed`, `case_concluded`, `case_not_concluded`,
`remedies_open`, `remedy_not_open`), and nothing is appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidCommand, NotFound
from domain.values import Decision, nfc

MAX_ITEMS = 200  # subjects of a plan, positions or documents of one evidence entry


class SubjectKind(StrEnum):
    UNIT = "unit"
    CADRE = "cadre"
    TOPIC = "topic"


class CaseSource(StrEnum):
    FINDING = "finding"
    DESCRIPTION = "description"


class CaseStatus(StrEnum):
    OPEN = "open"
    CONCLUDED = "concluded"
    CLOSED = "closed"


# --- values carried by the events ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlanSubject:
    """Đối tượng kiểm tra: a unit, a cadre or a topic (e.g. "bổ nhiệm 2024–2025")."""

    kind: SubjectKind
    unit_id: UUID | None = None
    cadre_id: UUID | None = None
    topic: str | None = None


@dataclass(frozen=True, kw_only=True)
class FindingBasis:
    """The finding a case was opened from, as the findings index showed it then. No summary:
    it spells the cadre's name, which must not reach the log outside the sealed fields
    (erasure); the findings index renders it again from the key."""

    key: str
    rule_id: str
    rule_version: str
    effective_on: date
    evidence: tuple[int, ...]
    cadre_id: UUID | None = None
    unit_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class DocumentRef:
    """A document gathered as evidence (văn bản, biên bản): its number, date and title."""

    number: str
    issued_on: date
    title: str
    issuer: str | None = None


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AdoptPlan:
    year: int
    title: str
    subjects: tuple[PlanSubject, ...]
    decision: Decision
    recorded_by: str
    effective_on: date | None = None  # default: the decision's date


@dataclass(frozen=True, kw_only=True)
class OpenCase:
    title: str
    recorded_by: str
    plan_id: UUID | None = None
    finding: FindingBasis | None = None
    description: str | None = None
    feedback_id: UUID | None = None  # a reference only: feedback lives elsewhere (issue 15)
    unit_id: UUID | None = None
    cadre_id: UUID | None = None
    effective_on: date | None = None  # default: today


@dataclass(frozen=True, kw_only=True)
class AddEvidence:
    recorded_by: str
    log_positions: tuple[int, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    note: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Conclude:
    text: str
    violation_found: bool
    decision: Decision
    recorded_by: str
    effective_on: date | None = None  # default: the decision's date


@dataclass(frozen=True, kw_only=True)
class AssignRemedy:
    action: str
    deadline: date
    recorded_by: str
    owner_unit_id: UUID | None = None
    owner_cadre_id: UUID | None = None
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseRemedy:
    remedy_id: UUID
    result: str
    recorded_by: str
    decision: Decision | None = None
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseCase:
    note: str
    recorded_by: str
    effective_on: date | None = None


# --- checks shared by the aggregates ---------------------------------------------------------


def required_text(value: str | None, field: str, what: str) -> str:
    text = nfc(value or "")
    if not text:
        raise InvalidCommand(f"Thiếu {what} ({field} is required)", code="missing_field",
                             field=field)
    return text


def act_date(given: date | None, default: date, today: date, field: str = "effective_on",
             *, not_before: date | None = None, before_what: str = "") -> date:
    """The date of an inspection act: not in the future, not before what it follows."""
    day = given or default
    if day > today:
        raise InvalidCommand(f"Ngày {day:%d/%m/%Y} ở tương lai (the {field} must not be after "
                             "today)", code="date_too_late", field=field)
    if not_before is not None and day < not_before:
        raise InvalidCommand(f"Ngày {day:%d/%m/%Y} trước {before_what} ({field} before "
                             f"{not_before:%Y-%m-%d})", code="date_too_early", field=field)
    return day


def check_decision(decision: Decision, today: date, field: str = "decision") -> None:
    for name in ("number", "issuer", "signer"):
        if not nfc(getattr(decision, name) or ""):
            raise InvalidCommand(f"Quyết định thiếu {name} ({field}.{name} is required)",
                                 code="missing_field", field=f"{field}.{name}")
    if decision.signed_on > today:
        raise InvalidCommand("Quyết định ký ở tương lai (decision signed after today)",
                             code="date_too_late", field=f"{field}.signed_on")


# --- the plan --------------------------------------------------------------------------------


class InspectionPlan(Aggregate):
    class Adopted(Aggregate.Created):
        year: int
        title: str
        subjects: tuple[PlanSubject, ...]
        effective_on: date
        decision: Decision
        recorded_by: str

    @classmethod
    def adopt(cls, command: AdoptPlan, *, today: date) -> InspectionPlan:
        """Validated by the caller for what needs the repository (units and cadres exist)."""
        if not 1990 <= command.year <= today.year + 1:
            raise InvalidCommand(f"Năm kế hoạch {command.year} không hợp lệ (year must be "
                                 f"1990-{today.year + 1})", code="invalid_year", field="year")
        title = required_text(command.title, "title", "tên kế hoạch")
        if not command.subjects:
            raise InvalidCommand("Kế hoạch cần ít nhất một đối tượng (subjects must not be "
                                 "empty)", code="missing_field", field="subjects")
        if len(command.subjects) > MAX_ITEMS:
            raise InvalidCommand(f"Quá {MAX_ITEMS} đối tượng (too many subjects)",
                                 code="too_many_items", field="subjects")
        subjects = tuple(plan_subject(s, i) for i, s in enumerate(command.subjects))
        check_decision(command.decision, today)
        day = act_date(command.effective_on, command.decision.signed_on, today)
        return cls(year=command.year, title=title, subjects=subjects, effective_on=day,
                   decision=command.decision, recorded_by=command.recorded_by)

    @event(Adopted)
    def __init__(self, *, year: int, title: str, subjects: tuple[PlanSubject, ...],
                 effective_on: date, decision: Decision, recorded_by: str) -> None:
        self.year = year
        self.title = title
        self.subjects = subjects
        self.effective_on = effective_on
        self.decision = decision


def plan_subject(subject: PlanSubject, index: int) -> PlanSubject:
    field = f"subjects[{index}]"
    try:
        kind = SubjectKind(subject.kind)
    except ValueError:
        raise InvalidCommand(f"Loại đối tượng '{subject.kind}' không hợp lệ ({field}.kind must "
                             "be unit, cadre or topic)", code="invalid_code",
                             field=f"{field}.kind") from None
    named = {SubjectKind.UNIT: subject.unit_id, SubjectKind.CADRE: subject.cadre_id,
             SubjectKind.TOPIC: nfc(subject.topic or "") or None}
    if named[kind] is None:
        name = {SubjectKind.UNIT: "unit_id", SubjectKind.CADRE: "cadre_id",
                SubjectKind.TOPIC: "topic"}[kind]
        raise InvalidCommand(f"Đối tượng loại {kind} cần {name} ({field}.{name} is required)",
                             code="missing_field", field=f"{field}.{name}")
    return PlanSubject(kind=kind, unit_id=subject.unit_id if kind == SubjectKind.UNIT else None,
                       cadre_id=subject.cadre_id if kind == SubjectKind.CADRE else None,
                       topic=nfc(subject.topic or "") if kind == SubjectKind.TOPIC else None)


# --- the case --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remedy:
    remedy_id: UUID
    action: str
    owner_unit_id: UUID | None
    owner_cadre_id: UUID | None
    deadline: date
    assigned_on: date
    closed_on: date | None = None
    result: str | None = None


class InspectionCase(Aggregate):
    class Opened(Aggregate.Created):
        title: str
        plan_id: UUID | None
        source: CaseSource
        finding: FindingBasis | None
        description: str | None
        feedback_id: UUID | None
        unit_id: UUID | None
        cadre_id: UUID | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class EvidenceAdded(Aggregate.Event):
        log_positions: tuple[int, ...]
        documents: tuple[DocumentRef, ...]
        note: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Concluded(Aggregate.Event):
        text: str
        violation_found: bool
        effective_on: date
        decision: Decision
        recorded_by: str

    class RemedyAssigned(Aggregate.Event):
        remedy_id: UUID
        action: str
        owner_unit_id: UUID | None
        owner_cadre_id: UUID | None
        deadline: date
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class RemedyClosed(Aggregate.Event):
        remedy_id: UUID
        result: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Closed(Aggregate.Event):
        note: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    # --- commands ------------------------------------------------------------------------

    @classmethod
    def open(cls, command: OpenCase, *, today: date) -> InspectionCase:
        """Validated by the caller for what needs the repository or the findings index."""
        title = required_text(command.title, "title", "tên vụ việc")
        description = nfc(command.description or "") or None
        if command.finding is None and description is None:
            raise InvalidCommand("Vụ việc mở từ một phát hiện hoặc một mô tả (give finding_id "
                                 "or description)", code="missing_field", field="description")
        finding = command.finding
        unit_id, cadre_id = command.unit_id, command.cadre_id
        if finding is not None:
            unit_id = unit_id or finding.unit_id
            cadre_id = cadre_id or finding.cadre_id
        day = act_date(command.effective_on, today, today)
        return cls(
            title=title, plan_id=command.plan_id,
            source=CaseSource.FINDING if finding is not None else CaseSource.DESCRIPTION,
            finding=finding, description=description, feedback_id=command.feedback_id,
            unit_id=unit_id, cadre_id=cadre_id, effective_on=day, decision=None,
            recorded_by=command.recorded_by)

    @event(Opened)
    def __init__(self, *, title: str, plan_id: UUID | None, source: CaseSource,
                 finding: FindingBasis | None, description: str | None,
                 feedback_id: UUID | None, unit_id: UUID | None, cadre_id: UUID | None,
                 effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.title = title
        self.plan_id = plan_id
        self.finding = finding
        self.unit_id = unit_id
        self.cadre_id = cadre_id
        self.opened_on = effective_on
        self.evidence_positions: list[int] = []
        self.concluded_on: date | None = None
        self.conclusion: str | None = None
        self.remedies: dict[UUID, Remedy] = {}
        self.closed_on: date | None = None

    @property
    def status(self) -> CaseStatus:
        if self.closed_on is not None:
            return CaseStatus.CLOSED
        if self.concluded_on is not None:
            return CaseStatus.CONCLUDED
        return CaseStatus.OPEN

    def open_remedies(self) -> list[Remedy]:
        return [r for r in self.remedies.values() if r.closed_on is None]

    def _require_not_closed(self) -> None:
        if self.closed_on is not None:
            raise Conflict(f"Vụ việc đã kết thúc ngày {self.closed_on:%d/%m/%Y} (the case is "
                           "closed)", code="case_closed", field="id")

    def add_evidence(self, command: AddEvidence, *, today: date) -> None:
        """Log positions are checked against the log by the caller (the service)."""
        self._require_not_closed()
        if not command.log_positions and not command.documents:
            raise InvalidCommand("Cần ít nhất một vị trí sổ ghi hoặc một văn bản (give "
                                 "log_positions or documents)", code="missing_field",
                                 field="log_positions")
        if len(command.log_positions) + len(command.documents) > MAX_ITEMS:
            raise InvalidCommand(f"Quá {MAX_ITEMS} chứng cứ trong một lần (too many items)",
                                 code="too_many_items", field="log_positions")
        documents = []
        for i, doc in enumerate(command.documents):
            field = f"documents[{i}]"
            if doc.issued_on > today:
                raise InvalidCommand("Văn bản ghi ngày ở tương lai (document dated after today)",
                                     code="date_too_late", field=f"{field}.issued_on")
            documents.append(DocumentRef(
                number=required_text(doc.number, f"{field}.number", "số văn bản"),
                issued_on=doc.issued_on,
                title=required_text(doc.title, f"{field}.title", "trích yếu văn bản"),
                issuer=nfc(doc.issuer or "") or None))
        day = act_date(command.effective_on, today, today, not_before=self.opened_on,
                       before_what="ngày mở vụ việc")
        self._evidence_added(log_positions=tuple(dict.fromkeys(command.log_positions)),
                             documents=tuple(documents), note=nfc(command.note or "") or None,
                             effective_on=day, decision=None, recorded_by=command.recorded_by)

    def conclude(self, command: Conclude, *, today: date) -> None:
        self._require_not_closed()
        if self.concluded_on is not None:
            raise Conflict(f"Vụ việc đã có kết luận ngày {self.concluded_on:%d/%m/%Y} (the case "
                           "is already concluded)", code="case_concluded", field="id")
        text = required_text(command.text, "text", "nội dung kết luận")
        check_decision(command.decision, today)
        day = act_date(command.effective_on, command.decision.signed_on, today,
                       not_before=self.opened_on, before_what="ngày mở vụ việc")
        self._concluded(text=text, violation_found=bool(command.violation_found),
                        effective_on=day, decision=command.decision,
                        recorded_by=command.recorded_by)

    def assign_remedy(self, command: AssignRemedy, *, today: date) -> UUID:
        """The owner (unit or cadre) is checked to exist by the caller."""
        self._require_not_closed()
        if self.concluded_on is None:
            raise Conflict("Chỉ giao khắc phục sau khi có kết luận (conclude the case before "
                           "assigning remedies)", code="case_not_concluded", field="id")
        action = required_text(command.action, "action", "nội dung khắc phục")
        if (command.owner_unit_id is None) == (command.owner_cadre_id is None):
            raise InvalidCommand("Cần đúng một đơn vị hoặc một cán bộ chịu trách nhiệm (give "
                                 "owner_unit_id or owner_cadre_id, not both)",
                                 code="owner_required", field="owner_unit_id")
        day = act_date(command.effective_on, today, today, not_before=self.concluded_on,
                       before_what="ngày kết luận")
        if command.deadline < day:
            raise InvalidCommand(f"Hạn {command.deadline:%d/%m/%Y} trước ngày giao (deadline "
                                 "before the assignment)", code="date_too_early",
                                 field="deadline")
        remedy_id = uuid4()
        self._remedy_assigned(remedy_id=remedy_id, action=action,
                              owner_unit_id=command.owner_unit_id,
                              owner_cadre_id=command.owner_cadre_id, deadline=command.deadline,
                              effective_on=day, decision=None, recorded_by=command.recorded_by)
        return remedy_id

    def close_remedy(self, command: CloseRemedy, *, today: date) -> None:
        self._require_not_closed()
        remedy = self.remedies.get(command.remedy_id)
        if remedy is None:
            raise NotFound(f"Không có yêu cầu khắc phục {command.remedy_id} trong vụ việc này "
                           "(unknown remedy)", code="remedy_not_found", field="remedy_id")
        if remedy.closed_on is not None:
            raise Conflict(f"Yêu cầu khắc phục đã hoàn thành ngày {remedy.closed_on:%d/%m/%Y} "
                           "(the remedy is not open)", code="remedy_not_open",
                           field="remedy_id")
        result = required_text(command.result, "result", "kết quả khắc phục")
        if command.decision is not None:
            check_decision(command.decision, today)
        day = act_date(command.effective_on, today, today, not_before=remedy.assigned_on,
                       before_what="ngày giao khắc phục")
        self._remedy_closed(remedy_id=remedy.remedy_id, result=result, effective_on=day,
                            decision=command.decision, recorded_by=command.recorded_by)

    def close(self, command: CloseCase, *, today: date) -> None:
        self._require_not_closed()
        if self.concluded_on is None:
            raise Conflict("Vụ việc chưa có kết luận (conclude the case before closing it)",
                           code="case_not_concluded", field="id")
        still_open = self.open_remedies()
        if still_open:
            raise Conflict(f"Còn {len(still_open)} yêu cầu khắc phục chưa hoàn thành (remedies "
                           "still open)", code="remedies_open", field="id")
        note = required_text(command.note, "note", "ghi chú kết thúc")
        last = max([self.concluded_on, *(r.closed_on for r in self.remedies.values()
                                         if r.closed_on is not None)])
        day = act_date(command.effective_on, today, today, not_before=last,
                       before_what="ngày kết luận hoặc hoàn thành khắc phục")
        self._closed(note=note, effective_on=day, decision=None,
                     recorded_by=command.recorded_by)

    # --- events: they only assign ----------------------------------------------------------

    @event(EvidenceAdded)
    def _evidence_added(self, log_positions: tuple[int, ...], documents: tuple[DocumentRef, ...],
                        note: str | None, effective_on: date, decision: Decision | None,
                        recorded_by: str) -> None:
        self.evidence_positions.extend(log_positions)

    @event(Concluded)
    def _concluded(self, text: str, violation_found: bool, effective_on: date,
                   decision: Decision, recorded_by: str) -> None:
        self.concluded_on = effective_on
        self.conclusion = text

    @event(RemedyAssigned)
    def _remedy_assigned(self, remedy_id: UUID, action: str, owner_unit_id: UUID | None,
                         owner_cadre_id: UUID | None, deadline: date, effective_on: date,
                         decision: Decision | None, recorded_by: str) -> None:
        self.remedies[remedy_id] = Remedy(remedy_id, action, owner_unit_id, owner_cadre_id,
                                          deadline, effective_on)

    @event(RemedyClosed)
    def _remedy_closed(self, remedy_id: UUID, result: str, effective_on: date,
                       decision: Decision | None, recorded_by: str) -> None:
        r = self.remedies[remedy_id]
        self.remedies[remedy_id] = Remedy(r.remedy_id, r.action, r.owner_unit_id,
                                          r.owner_cadre_id, r.deadline, r.assigned_on,
                                          effective_on, result)

    @event(Closed)
    def _closed(self, note: str, effective_on: date, decision: Decision | None,
                recorded_by: str) -> None:
        self.closed_on = effective_on
