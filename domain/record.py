"""What each entry of a cadre's record means, and how a correction applies: the one place.

An entry of the record is a typed fact (`Registration`, `Appointment`, `Ending`, ...), one class
per entry type, with the fields of the event that recorded it. `fact_from(event)` turns a
cadre's event into its fact, dispatching on the event class; a correction's replacement has the
shape of its target and becomes a fact of the target's type (`fact_of`).

What a fact does to the record is a short list of effects: an appointment opens a holding, an
ending closes the holding it names, a renewal (bổ nhiệm lại, kéo dài, bầu cử lại of a post
held: an appointment that `renews` a holding) opens the new term's holding and closes the
running one on the same day without an ending, so that the tenure runs on; a planning opens a planning and a removal closes it, a
registration sets the identity, and every other fact stands alone at its own place.
`apply_correction` says what a correction does in the same terms: a retraction undoes its
target (a retracted ending lets the holding run on, a retracted appointment withdraws it and
lets the holding it renewed run on); a
replacement undoes a stand-alone target and records the replacement in its stead, and a
replaced appointment, planning, ending or removal revises the holding or planning in place
(keeping its other half). The aggregate's views (`Record`), the read-model rows
(`projections/rows.py`) and the findings fold (`projections/findings.py`) all apply these
effects, each to its own representation; they never decide for themselves what an entry means.

Places are positions in the cadre's own sequence: the aggregate uses event versions, the read
side and the fold use log positions. Either way a correction names its target's place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar, cast
from uuid import UUID

from domain import commands
from domain.commands import EntryCommand
from domain.values import (
    ActionKind,
    Allowance,
    CommendationForm,
    CommendationLevel,
    Decision,
    DisciplineForm,
    DisciplineSystem,
    Education,
    EmploymentKind,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    StateManagement,
    TrainingMode,
    VettingConclusion,
)

# --- the facts: one class per entry type ------------------------------------------------------


class Fact:
    """An entry of the record; `entry_type` is its name in the log (`Corrected.target_type`).

    Each entry type declares every field itself, in its event's order.
    """

    __slots__ = ()
    entry_type: ClassVar[str]
    # The command that records it (`domain/commands.py`; the application's method is its
    # `handler`), which a correction's replacement repeats: the API's payload model and the
    # web's form follow it. Its `date_field` is what it calls the fact's `effective_on`.
    command: ClassVar[type[EntryCommand]]
    effective_on: date
    decision: Decision | None

    def payload(self) -> dict[str, Any]:
        """The fact's fields by name, values as they are (what a correction form starts from)."""
        return {name: getattr(self, name) for name in FIELD_NAMES[type(self)]}


@dataclass(frozen=True, slots=True, kw_only=True)
class Registration(Fact):
    entry_type: ClassVar[str] = "Registered"
    command: ClassVar[type[EntryCommand]] = commands.RegisterCadre
    full_name: str
    gender: Gender
    born_on: date
    party_joined_on: date | None = None
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    sensitive: dict[str, Any] | None = None
    effective_on: date
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Appointment(Fact):
    entry_type: ClassVar[str] = "Appointed"
    command: ClassVar[type[EntryCommand]] = commands.Appoint
    holding_id: UUID
    kind: ActionKind
    unit_id: UUID
    title_code: str
    effective_on: date
    decision: Decision
    term_months: int | None = None
    planned_end_on: date | None = None
    special_case: bool = False  # Appointed v1 had no such flag: an ordinary appointment
    # The holding this appointment renews (a new term of a post held): None before v3.
    renews: UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Ending(Fact):
    entry_type: ClassVar[str] = "HoldingEnded"
    command: ClassVar[type[EntryCommand]] = commands.EndHolding
    holding_id: UUID
    unit_id: UUID
    title_code: str
    reason: EndingReason
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Nomination(Fact):
    entry_type: ClassVar[str] = "Nominated"
    command: ClassVar[type[EntryCommand]] = commands.Nominate
    unit_id: UUID
    title_code: str
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation(Fact):
    entry_type: ClassVar[str] = "Evaluated"
    command: ClassVar[type[EntryCommand]] = commands.Evaluate
    period: str
    rating: Rating
    effective_on: date
    score: Decimal | None = None
    criteria: dict[str, Any] | None = None
    decision: Decision | None = None
    scores: dict[str, Decimal] | None = None
    framework_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Training(Fact):
    entry_type: ClassVar[str] = "TrainingRecorded"
    command: ClassVar[type[EntryCommand]] = commands.RecordTraining
    program: str
    started_on: date
    completed_on: date | None = None
    institution: str | None = None
    mode: TrainingMode | None = None
    confers_kind: QualificationKind | None = None
    confers_level: str | None = None
    effective_on: date
    decision: Decision | None = None

    @property
    def conferred(self) -> tuple[QualificationKind, str, date] | None:
        """The level a completed course confers: (kind, level, completed_on)."""
        if self.confers_kind and self.confers_level and self.completed_on:
            return self.confers_kind, self.confers_level, self.completed_on
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Qualification(Fact):
    entry_type: ClassVar[str] = "QualificationObtained"
    command: ClassVar[type[EntryCommand]] = commands.AddQualification
    kind: QualificationKind
    level: str
    effective_on: date
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Planning(Fact):
    entry_type: ClassVar[str] = "Planned"
    command: ClassVar[type[EntryCommand]] = commands.Plan
    planning_id: UUID
    unit_id: UUID
    title_code: str
    term: str
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningRemoval(Fact):
    entry_type: ClassVar[str] = "PlanningRemoved"
    command: ClassVar[type[EntryCommand]] = commands.Plan
    planning_id: UUID
    unit_id: UUID
    title_code: str
    term: str
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Discipline(Fact):
    entry_type: ClassVar[str] = "Disciplined"
    command: ClassVar[type[EntryCommand]] = commands.ImposeDiscipline
    form: DisciplineForm
    violation: str = ""
    effective_on: date
    decision: Decision
    system: DisciplineSystem | None = None  # Disciplined v1 did not say which system


@dataclass(frozen=True, slots=True, kw_only=True)
class Vetting(Fact):
    entry_type: ClassVar[str] = "Vetted"
    command: ClassVar[type[EntryCommand]] = commands.Vet
    purpose: str = ""
    conclusion: VettingConclusion
    body: str = ""
    effective_on: date
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Relative(Fact):
    entry_type: ClassVar[str] = "RelativeAdded"
    command: ClassVar[type[EntryCommand]] = commands.AddRelative
    relative_id: UUID
    relation: Relation
    relative_cadre_id: UUID | None = None
    sensitive: dict[str, Any] | None = None
    effective_on: date
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Commendation(Fact):
    entry_type: ClassVar[str] = "Commended"
    command: ClassVar[type[EntryCommand]] = commands.Commend
    form: CommendationForm
    level: CommendationLevel | None = None
    reason: str | None = None
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Suspension(Fact):
    """Tạm đình chỉ công tác: the cadre is kept from their duties over [effective_on, until]
    (both days included) while a violation is examined; not a discipline, it bars nothing."""

    entry_type: ClassVar[str] = "Suspended"
    command: ClassVar[type[EntryCommand]] = commands.Suspend
    until: date
    reason: str = ""
    effective_on: date
    decision: Decision

    def covers(self, day: date) -> bool:
        return self.effective_on <= day <= self.until


@dataclass(frozen=True, slots=True, kw_only=True)
class Employment(Fact):
    """The cadre's employment from `effective_on`, by a decision: the employing agency, biên chế
    or contract, the job position, the civil-service grade (ngạch: mã and name) and the salary
    step with its coefficient. A later employment supersedes the earlier one from its own day
    (the history stays; the grade may go down as well as up)."""

    entry_type: ClassVar[str] = "Employed"
    command: ClassVar[type[EntryCommand]] = commands.Employ
    unit_id: UUID
    employment_kind: EmploymentKind
    job_position_id: UUID | None = None
    grade_code: str
    grade_name: str
    salary_step: int
    coefficient: Decimal
    effective_on: date
    decision: Decision
    allowances: tuple[Allowance, ...] = ()  # phụ cấp (v2 of Employed)


FACT_CLASSES: tuple[type[Fact], ...] = (
    Registration, Appointment, Ending, Nomination, Evaluation, Training, Qualification, Planning,
    PlanningRemoval, Discipline, Vetting, Relative, Commendation, Suspension, Employment,
)
# Entry types by their name in the log: what a correction's `target_type` names.
FACT_TYPES: Mapping[str, type[Fact]] = {cls.entry_type: cls for cls in FACT_CLASSES}
FIELD_NAMES: Mapping[type[Fact], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cast(Any, cls))) for cls in FACT_CLASSES}


@dataclass(frozen=True, slots=True)
class Retraction:
    """The entry a retraction leaves in the record (its target is no longer in force)."""

    entry_type: ClassVar[str] = "Corrected"
    reason: str

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason}


@dataclass(frozen=True, slots=True)
class Erasure:
    """Personal data erased: a mark in the record, never corrected."""

    entry_type: ClassVar[str] = "PersonalDataErased"
    reason: str

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason}


def fact_of(entry_type: type[Fact], values: Mapping[str, Any]) -> Fact:
    """A fact of a type from its fields by name (a correction's replacement, or an event's
    state); names the fact does not have (`recorded_by`, bookkeeping) are ignored."""
    return entry_type(**{n: values[n] for n in FIELD_NAMES[entry_type] if n in values})


@cache
def _fact_class_of_event() -> dict[type, type[Fact]]:
    # The events are the aggregate's nested classes; the aggregate itself keeps its record with
    # this module, so the table is made on first use rather than at import.
    from domain.cadre import Cadre

    return {
        Cadre.Registered: Registration, Cadre.Appointed: Appointment,
        Cadre.HoldingEnded: Ending, Cadre.Nominated: Nomination, Cadre.Evaluated: Evaluation,
        Cadre.TrainingRecorded: Training, Cadre.QualificationObtained: Qualification,
        Cadre.Planned: Planning, Cadre.PlanningRemoved: PlanningRemoval,
        Cadre.Disciplined: Discipline, Cadre.Vetted: Vetting, Cadre.RelativeAdded: Relative,
        Cadre.Commended: Commendation, Cadre.Suspended: Suspension,
        Cadre.Employed: Employment,
    }


def fact_class(event: Any) -> type[Fact] | None:
    """The entry type a cadre's event records (None: a correction, an erasure, not a fact)."""
    return _fact_class_of_event().get(type(event))


def fact_from(event: Any) -> Fact:
    """The fact a cadre's event records."""
    cls = _fact_class_of_event()[type(event)]
    return fact_of(cls, vars(event))


# --- effects: what recording or correcting an entry does to the record -----------------------


@dataclass(frozen=True, slots=True)
class Identify:
    """The registration in force is `registration` (a correction's, replacing `replaces`)."""

    registration: Registration
    place: int
    replaces: int | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """A holding opens; `revision`: a corrected appointment, the holding keeps its ending."""

    appointment: Appointment
    place: int
    revision: bool = False


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The holding's appointment was retracted: the holding never was."""

    holding_id: UUID


@dataclass(frozen=True, slots=True)
class End:
    """The holding ends (again, with the replacement's date, when an ending is corrected)."""

    ending: Ending
    place: int


@dataclass(frozen=True, slots=True)
class Renew:
    """The holding `renewed` runs until `on`, when the renewal at `place` takes over: no
    ending, the tenure goes on in the new term's holding."""

    renewed: UUID
    on: date
    place: int


@dataclass(frozen=True, slots=True)
class Unrenew:
    """The appointment at `place` was retracted: the holding it renewed (if any) runs on."""

    place: int


@dataclass(frozen=True, slots=True)
class Resume:
    """The holding's ending was retracted: it runs on."""

    holding_id: UUID


@dataclass(frozen=True, slots=True)
class Plan:
    """A planning opens; `revision`: a corrected planning, it keeps its removal."""

    planning: Planning
    place: int
    revision: bool = False


@dataclass(frozen=True, slots=True)
class Unplan:
    planning_id: UUID


@dataclass(frozen=True, slots=True)
class Remove:
    """The planning is removed (again, when a removal is corrected)."""

    removal: PlanningRemoval
    place: int


@dataclass(frozen=True, slots=True)
class Restore:
    """The planning's removal was retracted: it is in force again."""

    planning_id: UUID


@dataclass(frozen=True, slots=True)
class Add:
    """A fact that stands alone (evaluation, training, qualification, ...) at its place."""

    fact: Fact
    place: int


@dataclass(frozen=True, slots=True)
class Drop:
    """The stand-alone fact of that type at `place` is no longer in force."""

    entry_type: type[Fact]
    place: int


Effect = (Identify | Hold | Withdraw | End | Resume | Renew | Unrenew | Plan | Unplan | Remove
          | Restore | Add | Drop)


def subject_of(fact: Fact) -> UUID | None:
    """What a fact is about beyond itself: its holding or planning (None: it stands alone)."""
    if isinstance(fact, Appointment | Ending):
        return fact.holding_id
    if isinstance(fact, Planning | PlanningRemoval):
        return fact.planning_id
    return None


def effects_of(fact: Fact, place: int, *, revision: bool = False,
               replaces: int | None = None) -> list[Effect]:
    """What recording `fact` at `place` does (`revision`: as a correction's replacement)."""
    if isinstance(fact, Registration):
        return [Identify(fact, place, replaces)]
    if isinstance(fact, Appointment):
        if fact.renews is not None:
            return [Hold(fact, place, revision), Renew(fact.renews, fact.effective_on, place)]
        return [Hold(fact, place, revision)]
    if isinstance(fact, Ending):
        return [End(fact, place)]
    if isinstance(fact, Planning):
        return [Plan(fact, place, revision)]
    if isinstance(fact, PlanningRemoval):
        return [Remove(fact, place)]
    return [Add(fact, place)]


def apply_correction(target_type: type[Fact], target_place: int, subject: UUID | None,
                     replacement: Fact | None, place: int) -> list[Effect]:
    """What a correction at `place` of the entry at `target_place` does.

    `subject` is the target's holding or planning (`subject_of`), `replacement` the corrected
    fact (None: a retraction). The replacement is in force from `place` on.
    """
    if replacement is None:
        undo: dict[type[Fact], Callable[[UUID], Effect]] = {
            Appointment: Withdraw, Ending: Resume, Planning: Unplan, PlanningRemoval: Restore}
        if target_type in undo:
            undone = [undo[target_type](subject)] if subject is not None else []
            if target_type is Appointment:
                return [*undone, Unrenew(target_place)]
            return undone
        return [Drop(target_type, target_place)]
    if target_type is Registration:
        return effects_of(replacement, place, revision=True, replaces=target_place)
    if target_type in (Appointment, Planning):
        # A revision keeps its holding (planning) and the other half of it; should the
        # replacement name another one, the target's is withdrawn first.
        first: list[Effect] = []
        if subject is not None and subject_of(replacement) != subject:
            first = [Withdraw(subject) if target_type is Appointment else Unplan(subject)]
        return first + effects_of(replacement, place, revision=True)
    if target_type in (Ending, PlanningRemoval):
        return effects_of(replacement, place, revision=True)
    return [Drop(target_type, target_place), *effects_of(replacement, place, revision=True)]


# --- the aggregate's view: entries and what is in force ---------------------------------------


@dataclass
class Entry:
    """One entry of the record: the fact in force for a place, and what became of it."""

    version: int
    fact: Fact | Retraction | Erasure
    status: str = "in_force"  # in_force | corrected | retracted
    corrected_by: int | None = None
    replaces: int | None = None

    @property
    def type(self) -> str:
        return self.fact.entry_type

    @property
    def payload(self) -> dict[str, Any]:
        return self.fact.payload()


@dataclass(frozen=True)
class Holding:
    holding_id: UUID
    kind: ActionKind
    unit_id: UUID
    title_code: str
    since: date
    until: date | None
    decision: Decision
    special_case: bool
    planned_end_on: date | None
    version: int
    end_reason: EndingReason | None = None
    renewed_at: int | None = None  # place of the renewal that took over (the tenure runs on)
    term_months: int | None = None
    renews: UUID | None = None

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class PlanningEntry:
    planning_id: UUID
    unit_id: UUID
    title_code: str
    term: str
    decided_on: date
    removed_on: date | None
    version: int


@dataclass
class Record:
    """A cadre's record in memory: every entry by place, and the holdings and plannings the
    entries in force make (kept by applying the effects above)."""

    entries: dict[int, Entry] = field(default_factory=dict)
    holdings: dict[UUID, Holding] = field(default_factory=dict)
    plannings: dict[UUID, PlanningEntry] = field(default_factory=dict)
    registration: Registration | None = None

    def record(self, place: int, fact: Fact | Erasure) -> None:
        self.entries[place] = Entry(place, fact)
        if isinstance(fact, Fact):
            self._apply(effects_of(fact, place))

    def correct(self, place: int, target_place: int, replacement: Fact | None,
                reason: str) -> None:
        target = self.entries[target_place]
        assert isinstance(target.fact, Fact)
        target.corrected_by = place
        if replacement is None:
            target.status = "retracted"
            self.entries[place] = Entry(place, Retraction(reason), replaces=target_place)
        else:
            target.status = "corrected"
            self.entries[place] = Entry(place, replacement, replaces=target_place)
        self._apply(apply_correction(type(target.fact), target_place, subject_of(target.fact),
                                     replacement, place))

    def in_force(self, entry_type: type[Fact]) -> list[Entry]:
        return [e for e in self.entries.values()
                if e.status == "in_force" and type(e.fact) is entry_type]

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Identify):
                self.registration = effect.registration
            elif isinstance(effect, Hold):
                a = effect.appointment
                # A revision moves the holding to the end, as its entry now is.
                kept = self.holdings.pop(a.holding_id, None) if effect.revision else None
                self.holdings[a.holding_id] = Holding(
                    holding_id=a.holding_id, kind=ActionKind(a.kind), unit_id=a.unit_id,
                    title_code=a.title_code, since=a.effective_on,
                    until=kept.until if kept else None, decision=a.decision,
                    special_case=bool(a.special_case), planned_end_on=a.planned_end_on,
                    version=effect.place, end_reason=kept.end_reason if kept else None,
                    renewed_at=kept.renewed_at if kept else None, term_months=a.term_months,
                    renews=a.renews)
            elif isinstance(effect, Renew):
                held = self.holdings.get(effect.renewed)
                if held is not None:
                    self.holdings[effect.renewed] = replace(held, until=effect.on,
                                                             end_reason=None,
                                                             renewed_at=effect.place)
            elif isinstance(effect, Unrenew):
                for held in list(self.holdings.values()):
                    if held.renewed_at == effect.place:
                        self.holdings[held.holding_id] = replace(held, until=None,
                                                                  renewed_at=None)
            elif isinstance(effect, Withdraw):
                self.holdings.pop(effect.holding_id, None)
            elif isinstance(effect, End):
                e = effect.ending
                held = self.holdings.get(e.holding_id)
                if held is not None:
                    self.holdings[e.holding_id] = replace(held, until=e.effective_on,
                                                           end_reason=EndingReason(e.reason))
            elif isinstance(effect, Resume):
                held = self.holdings.get(effect.holding_id)
                if held is not None:
                    self.holdings[effect.holding_id] = replace(held, until=None,
                                                                end_reason=None)
            elif isinstance(effect, Plan):
                p = effect.planning
                kept_p = (self.plannings.pop(p.planning_id, None) if effect.revision
                          else None)
                self.plannings[p.planning_id] = PlanningEntry(
                    planning_id=p.planning_id, unit_id=p.unit_id, title_code=p.title_code,
                    term=p.term, decided_on=p.effective_on,
                    removed_on=kept_p.removed_on if kept_p else None, version=effect.place)
            elif isinstance(effect, Unplan):
                self.plannings.pop(effect.planning_id, None)
            elif isinstance(effect, Remove):
                planned = self.plannings.get(effect.removal.planning_id)
                if planned is not None:
                    self.plannings[planned.planning_id] = replace(
                        planned, removed_on=effect.removal.effective_on)
            elif isinstance(effect, Restore):
                planned = self.plannings.get(effect.planning_id)
                if planned is not None:
                    self.plannings[planned.planning_id] = replace(planned, removed_on=None)
            # Add and Drop: a stand-alone fact is its entry; the entries are kept above.


