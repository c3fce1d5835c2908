"""The commands of a cadre's record: one frozen, typed dataclass per command.

A command says what was asked, in the words of the request (an evaluation's `decided_on`, a
vetting's `vetted_on`); the aggregate's public command (`Cadre.appoint(Appoint(...))`, ...)
validates it and records the fact it gives (`domain/record.py`: `Appointment`, ...) through its
private `@event` method, whose event keeps the fact's fields. The API's payload models, the web
forms, the importer and the demo generator all build these, and a correction's replacement is
the command that records an entry of the target's type (`Fact.command`).

`handler` names the application's method that runs the command (`HosoApplication.<handler>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from domain.errors import InvalidCommand
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


class EntryCommand:
    """A command that records one entry of a cadre's record."""

    __slots__ = ()
    handler: ClassVar[str]
    # What the command calls the entry's date (the fact keeps it as `effective_on`).
    date_field: ClassVar[str] = "effective_on"

    @classmethod
    def of(cls, values: Mapping[str, Any], where: str = "replacement") -> Any:
        """The command from a mapping of its fields (a correction's replacement), refusing a
        field it does not take and naming a missing one."""
        given = dict(values)
        if cls.date_field != "effective_on" and cls.date_field not in given \
                and "effective_on" in given:
            given[cls.date_field] = given.pop("effective_on")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        for name in given:
            if name not in known:
                raise InvalidCommand(f"Trường '{name}' không thuộc nội dung thay thế (unknown "
                                     f"field)", code="invalid_replacement",
                                     field=f"{where}.{name}")
        try:
            return cls(**given)
        except TypeError:
            missing = next(f.name for f in fields(cls)  # type: ignore[arg-type]
                           if f.name not in given)
            raise InvalidCommand(f"Thiếu {missing} ({missing} is required)",
                                 code="missing_field", field=f"{where}.{missing}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterCadre(EntryCommand):
    handler: ClassVar[str] = "register_cadre"
    full_name: str
    gender: Gender
    born_on: date
    party_joined_on: date | None = None
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    ethnicity: str | None = None
    religion: str | None = None
    hometown: str | None = None
    national_id: str | None = None

    @property
    def sensitive(self) -> dict[str, Any] | None:
        """The personal fields, sealed in the event (ADR 0003): those given."""
        kept = {k: v for k, v in (("ethnicity", self.ethnicity), ("religion", self.religion),
                                  ("hometown", self.hometown),
                                  ("national_id", self.national_id)) if v is not None}
        return kept or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Appoint(EntryCommand):
    handler: ClassVar[str] = "appoint"
    kind: ActionKind
    unit_id: UUID
    title_code: str
    effective_on: date
    decision: Decision
    term_months: int | None = None
    planned_end_on: date | None = None
    special_case: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EndHolding(EntryCommand):
    handler: ClassVar[str] = "end_holding"
    unit_id: UUID
    title_code: str
    reason: EndingReason
    effective_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """Điều động, luân chuyển: one decision ends a post held and appoints to another."""

    from_unit_id: UUID
    from_title_code: str
    reason: EndingReason
    kind: ActionKind
    unit_id: UUID
    title_code: str
    effective_on: date
    decision: Decision
    term_months: int | None = None
    planned_end_on: date | None = None
    special_case: bool = False

    def ending(self) -> EndHolding:
        return EndHolding(unit_id=self.from_unit_id, title_code=self.from_title_code,
                          reason=self.reason, effective_on=self.effective_on,
                          decision=self.decision)

    def appointment(self) -> Appoint:
        return Appoint(kind=self.kind, unit_id=self.unit_id, title_code=self.title_code,
                       effective_on=self.effective_on, decision=self.decision,
                       term_months=self.term_months, planned_end_on=self.planned_end_on,
                       special_case=self.special_case)


@dataclass(frozen=True, slots=True, kw_only=True)
class Nominate(EntryCommand):
    handler: ClassVar[str] = "nominate"
    date_field: ClassVar[str] = "decided_on"
    unit_id: UUID
    title_code: str
    decided_on: date
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluate(EntryCommand):
    handler: ClassVar[str] = "evaluate"
    date_field: ClassVar[str] = "decided_on"
    period: str
    rating: Rating
    decided_on: date
    score: Decimal | None = None
    criteria: dict[str, Any] | None = None
    decision: Decision | None = None
    scores: dict[str, Decimal] | None = None
    framework_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordTraining(EntryCommand):
    handler: ClassVar[str] = "record_training"
    program: str
    started_on: date
    completed_on: date | None = None
    institution: str | None = None
    mode: TrainingMode | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AddQualification(EntryCommand):
    handler: ClassVar[str] = "add_qualification"
    date_field: ClassVar[str] = "obtained_on"
    kind: QualificationKind
    level: str
    obtained_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan(EntryCommand):
    """Quy hoạch; `removed` takes the cadre out of the planning of that post and term."""

    handler: ClassVar[str] = "plan"
    date_field: ClassVar[str] = "decided_on"
    unit_id: UUID
    title_code: str
    term: str
    decided_on: date
    decision: Decision
    removed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ImposeDiscipline(EntryCommand):
    handler: ClassVar[str] = "discipline"
    form: DisciplineForm
    effective_on: date
    violation: str
    decision: Decision
    system: DisciplineSystem | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Vet(EntryCommand):
    handler: ClassVar[str] = "vet"
    date_field: ClassVar[str] = "vetted_on"
    vetted_on: date
    purpose: str
    conclusion: VettingConclusion
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Commend(EntryCommand):
    handler: ClassVar[str] = "commend"
    date_field: ClassVar[str] = "decided_on"
    form: CommendationForm
    decided_on: date
    decision: Decision
    level: CommendationLevel | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Employ(EntryCommand):
    handler: ClassVar[str] = "employ"
    unit_id: UUID
    employment_kind: EmploymentKind
    grade_code: str
    grade_name: str
    salary_step: int
    coefficient: Decimal
    effective_on: date
    decision: Decision
    job_position_id: UUID | None = None
    allowances: tuple[Allowance, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Suspend(EntryCommand):
    handler: ClassVar[str] = "suspend"
    date_field: ClassVar[str] = "suspended_from"
    suspended_from: date
    until: date
    reason: str
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class AddRelative(EntryCommand):
    handler: ClassVar[str] = "add_relative"
    relation: Relation
    full_name: str
    relative_cadre_id: UUID | None = None
    born_year: int | None = None
