"""The commands of the write side: one frozen, typed dataclass per command.

The cadre's record first (each `EntryCommand` records one entry), then the commands of the
other aggregates (units, titles, the programme catalogue, corrections, erasure, finding
reviews) at the end of this module.

A command says what was asked, in the words of the request (an evaluation's `decided_on`, a
vetting's `vetted_on`); the aggregate's public command (`Cadre.appoint(Appoint(...))`, ...)
validates it and records the fact it gives (`domain/record.py`: `Appointment`, ...) through its
private `@event` method, whose event keeps the fact's fields. The API's payload models, the web
forms, the importer and the demo generator all build these, and a correction's replacement is
the command that records an entry of the target's type (`Fact.command`).

`handler` names the application's method that runs the command (`HosoApplication.<handler>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    Mentions,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    ReviewConclusion,
    StateManagement,
    TitleStandards,
    TrainingMode,
    UnitChangeKind,
    UnitLevel,
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


# --- the commands of the other aggregates ----------------------------------------------------
# The recorded_by of each comes from the caller's identity, beside the command, as for the
# entries'.


@dataclass(frozen=True, slots=True, kw_only=True)
class Correct:
    """Đính chính (a replacement given) or thu hồi (none) of the entry at `target_position`.

    `replacement` is the command that records an entry of the target's type (`Fact.command`:
    an `Appoint` for an appointment), or the mapping of its fields."""

    target_position: int
    reason: str
    replacement: EntryCommand | Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ErasePersonalData:
    """Hủy dữ liệu cá nhân of a cadre (Luật 91/2025/QH15), for `reason`; `mentions`: where
    other cadres' entries spell the cadre's name, found while it can still be read (none by
    default: a caller with no read side to ask)."""

    reason: str
    mentions: Mentions = Mentions()


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterUnit:
    code: str
    name: str
    kind: str
    established_on: date
    parent_id: UUID | None = None
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeUnit:
    """A rename, move, merge or dissolution of a unit decided for `effective_on`: `new_name`
    for a rename, `new_parent_id` for a move (None: to the root), `into_unit_id` for a
    merge."""

    change: UnitChangeKind | str
    effective_on: date
    new_name: str | None = None
    new_parent_id: UUID | None = None
    into_unit_id: UUID | None = None
    decision: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetHeadSeat:
    """A head seat filled (or re-stated) by the holding `holding_id` from `since` to `until`
    (None: open)."""

    holding_id: UUID
    title_code: str
    cadre_id: UUID
    since: date
    until: date | None
    decision: Decision | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterTitle:
    code: str
    name: str
    is_head: bool
    management_tier: str
    rank: int = 0
    sector: str | None = None
    standards: TitleStandards | None = None
    unit_kinds: Sequence[str] | None = None
    levels: Sequence[UnitLevel | str] | None = None
    area_head: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseTitle:
    """A new dated version of a title's tier and standards from `effective_on`, citing the
    text it rests on (`source`); what it does not give stays as the version before."""

    code: str
    effective_on: date
    source: str
    management_tier: str | None = None
    standards: TitleStandards | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AddProgramme:
    """A training programme added to the catalogue (`kind`: a `ProgrammeKind` code)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFinding:
    """An inspector's conclusion on a finding (its key and rule, as the findings show it)."""

    finding_key: str
    rule_id: str
    conclusion: ReviewConclusion | str
    reason: str
    decision: Decision | None = None
