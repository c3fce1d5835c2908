"""Request and response models of API v1.

Requests: codes are the contract's StrEnums, Vietnamese text is NFC-normalised and trimmed,
unknown fields are refused, so a malformed payload is a 422 naming the field. Responses: every
read carries the moment it answers for (`as_of`, `known_at`, `position`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from api.deps import bounded_date
from domain import commands
from domain.commands import EntryCommand
from domain.job_position import (
    Competency,
    CompetencyFramework,
    PositionGroup,
    PositionStandards,
    RegisterJobPosition,
    ReviseJobPosition,
)
from domain.record import FACT_TYPES
from domain.rules.pack import default_pack
from domain.values import (
    ActionKind,
    Allowance,
    AllowanceKind,
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
    TitleStandards,
    TrainingMode,
    UnitChangeKind,
    UnitLevel,
    VettingConclusion,
    nfc,
)

# --- building blocks -------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """NFC, trimmed, non-empty; refuses what no database or JSON encoder should see."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("chuỗi chứa ký tự Unicode không hợp lệ (invalid Unicode)") from None
    text = nfc(value)
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f" for ch in text):
        raise ValueError("chuỗi chứa ký tự điều khiển (control characters are not allowed)")
    if not text:
        raise ValueError("không được để trống (must not be blank)")
    return text


def _date(value: date) -> date:
    bounded_date(value)
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(clean_text)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000),
                     AfterValidator(clean_text)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)]
Day = Annotated[date, AfterValidator(_date)]
# Years 1900-2199, as for dates (year 0 would not even make a date).
Period = Annotated[str, StringConstraints(pattern=r"^(19|20|21)[0-9]{2}(-Q[1-4])?$")]
Term = Annotated[str, StringConstraints(pattern=r"^(19|20|21)[0-9]{2}-(19|20|21)[0-9]{2}$")]
# Integers stay within 64 bits (storage) and far from date arithmetic limits.
SmallInt = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Position = Annotated[int, Field(ge=1, le=2**62)]
Score = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=7, decimal_places=3)]
CriterionValue = Annotated[float, Field(allow_inf_nan=False)] | Text | bool | None


class Command(BaseModel):
    """A write payload: unknown fields refused; `command()` gives the service's keywords, and
    `entry()` the typed command of a cadre's entry (`domain/commands.py`)."""

    model_config = ConfigDict(extra="forbid")
    # The command of a cadre's entry this payload feeds (`Fact.command`); None for the others.
    records: ClassVar[type[EntryCommand] | None] = None

    def command(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, DecisionIn | TitleStandardsIn):
                value = value.to_domain()
            out[name] = value
        return out

    def entry(self) -> EntryCommand:
        """The payload as the typed command of the entry it records."""
        if self.records is None:
            raise TypeError(f"{type(self).__name__} records no entry of a cadre's record")
        command: EntryCommand = self.records(**self.command())
        return command


class DecisionIn(BaseModel):
    """Quyết định: the legal basis of a personnel action."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "number": "41-KH/QU", "signed_on": "2022-04-01", "issuer": "Ban Thường vụ Quận ủy",
        "signer": "Lê Toàn Khánh"}]})

    number: Text
    signed_on: Day
    # The issuer's text; may be left out when `issuer_code` is given (it then reads as the
    # body's name). GET /authority lists the codes.
    issuer: Text | None = None
    signer: Text
    signer_cadre_id: UUID | None = None
    issuer_code: str | None = Field(default=None, max_length=64)

    @field_validator("issuer_code")
    @classmethod
    def _known_body(cls, value: str | None) -> str | None:
        if value is not None and default_pack().body(value) is None:
            raise ValueError(f"unknown issuing body '{value}' (GET /api/v1/authority lists "
                             "the codes)")
        return value

    @model_validator(mode="after")
    def _issuer_given(self) -> DecisionIn:
        if not (self.issuer or "").strip() and self.issuer_code is None:
            raise ValueError("issuer or issuer_code is required")
        return self

    def to_domain(self) -> Decision:
        issuer = self.issuer
        if not (issuer or "").strip():
            body = default_pack().body(self.issuer_code)
            issuer = body.name if body else ""
        return Decision(number=self.number, signed_on=self.signed_on, issuer=issuer or "",
                        signer=self.signer, signer_cadre_id=self.signer_cadre_id,
                        issuer_code=self.issuer_code)


class TitleStandardsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_political_theory: PoliticalTheory | None = None
    min_state_management: StateManagement | None = None
    min_education: Education | None = None
    max_age_first_appointment: Annotated[int, Field(ge=18, le=100)] | None = None

    def to_domain(self) -> TitleStandards:
        return TitleStandards(
            min_political_theory=self.min_political_theory,
            min_state_management=self.min_state_management,
            min_education=self.min_education,
            max_age_first_appointment=self.max_age_first_appointment)


# --- writes ----------------------------------------------------------------------------------


class UnitIn(Command):
    code: Code
    name: Text
    kind: Code
    established_on: Day
    parent_id: UUID | None = None
    decision: DecisionIn | None = None


class UnitChangeIn(Command):
    change: UnitChangeKind
    effective_on: Day
    new_name: Text | None = None
    new_parent_id: UUID | None = None
    into_unit_id: UUID | None = None
    decision: DecisionIn | None = None


class TitleIn(Command):
    code: Code
    name: Text
    is_head: bool
    management_tier: Code
    rank: SmallInt = 0
    sector: Code | None = None
    standards: TitleStandardsIn | None = None
    # The unit kinds (codes of GET /unit-kinds) and levels the title belongs to; none: any unit.
    unit_kinds: list[Code] | None = Field(default=None, max_length=40)
    levels: list[UnitLevel] | None = Field(default=None, max_length=3)
    # The title of an area's party or government head (Bí thư, Chủ tịch UBND…): the relatives
    # rule reads it (relatives_linked_posts, qd114-2025-title).
    area_head: bool | None = None


class TitleVersionIn(Command):
    """A new version of a title's tier and standards from `effective_on`, with its source."""

    effective_on: Day
    source: Text
    management_tier: Code | None = None
    standards: TitleStandardsIn | None = None


class CadreIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.RegisterCadre
    full_name: Text
    gender: Gender
    born_on: Day
    ethnicity: Text | None = None
    religion: Text | None = None
    hometown: Text | None = None
    national_id: Code | None = None
    party_joined_on: Day | None = None
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None


class AppointmentIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.Appoint
    kind: ActionKind
    unit_id: UUID
    title_code: Code
    effective_on: Day
    decision: DecisionIn
    term_months: SmallInt | None = None
    planned_end_on: Day | None = None
    special_case: bool = False


class EndingIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.EndHolding
    unit_id: UUID
    title_code: Code
    reason: EndingReason
    effective_on: Day
    decision: DecisionIn


class TransferIn(AppointmentIn):
    """Điều động, luân chuyển: one decision ends a post held and appoints to another."""

    from_unit_id: UUID
    from_title_code: Code
    reason: EndingReason

    def transfer(self) -> commands.Transfer:
        return commands.Transfer(**self.command())


class NominationIn(Command):
    """Giới thiệu ứng cử: nominated as a candidate (no holding yet)."""

    records: ClassVar[type[EntryCommand] | None] = commands.Nominate
    unit_id: UUID
    title_code: Code
    decided_on: Day
    decision: DecisionIn


class EvaluationIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.Evaluate
    period: Period = Field(description="YYYY or YYYY-Qn")
    rating: Rating
    decided_on: Day
    score: Score | None = None
    criteria: dict[Code, CriterionValue] | None = Field(default=None, max_length=50)
    decision: DecisionIn | None = None
    scores: dict[Code, Score] | None = Field(
        default=None, max_length=20,
        description="điểm từng nhóm tiêu chí của khung đánh giá (points per criteria group of "
                    "the framework in force: GET /evaluation-frameworks)")
    framework_id: Code | None = Field(default=None, description="khung đánh giá (default: the "
                                                                "one in force for the period)")


class TrainingIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.RecordTraining
    program: Text
    started_on: Day
    completed_on: Day | None = None
    institution: Text | None = None
    mode: TrainingMode | None = None


class QualificationIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.AddQualification
    kind: QualificationKind
    level: Code
    obtained_on: Day


class PlanningIn(Command):
    """Quy hoạch; `removed: true` takes the cadre out of the planning."""

    records: ClassVar[type[EntryCommand] | None] = commands.Plan
    unit_id: UUID
    title_code: Code
    term: Term = Field(description="YYYY-YYYY, e.g. 2025-2030")
    decided_on: Day
    decision: DecisionIn
    removed: bool = False


class CommendationIn(Command):
    """Khen thưởng: the form (and level) conferred, by the decision's issuer."""

    records: ClassVar[type[EntryCommand] | None] = commands.Commend
    form: CommendationForm
    decided_on: Day
    decision: DecisionIn
    level: CommendationLevel | None = None
    reason: LongText | None = None


class DisciplineIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.ImposeDiscipline
    form: DisciplineForm
    effective_on: Day
    violation: LongText
    decision: DecisionIn
    system: DisciplineSystem | None = None  # dang | chinh_quyen | doan_the


class VettingIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.Vet
    vetted_on: Day
    purpose: Text
    conclusion: VettingConclusion
    body: Text


class AllowanceIn(BaseModel):
    """Một khoản phụ cấp: exactly one of `coefficient` (hệ số), `percent` or `amount` (đồng)."""

    model_config = ConfigDict(extra="forbid")

    kind: AllowanceKind
    from_on: Day
    coefficient: Annotated[Decimal, Field(gt=0, le=3, decimal_places=2)] | None = None
    percent: Annotated[int, Field(ge=1, le=100)] | None = None
    amount: Annotated[int, Field(gt=0, le=10**10)] | None = None
    until: Day | None = None

    def to_domain(self) -> Allowance:
        return Allowance(kind=self.kind, from_on=self.from_on, coefficient=self.coefficient,
                         percent=self.percent, amount=self.amount, until=self.until)


class EmploymentIn(Command):
    """Quá trình công tác, diễn biến lương: the employment in force from `effective_on`, with
    its allowances (phụ cấp)."""

    records: ClassVar[type[EntryCommand] | None] = commands.Employ
    unit_id: UUID
    employment_kind: EmploymentKind
    job_position_id: UUID | None = None
    grade_code: Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{3}[a-z]?$")]
    grade_name: Text
    salary_step: Annotated[int, Field(ge=1, le=12)]
    coefficient: Annotated[Decimal, Field(ge=1, le=12, decimal_places=2)]
    effective_on: Day
    decision: DecisionIn
    allowances: list[AllowanceIn] = Field(default_factory=list, max_length=20)

    def command(self) -> dict[str, Any]:
        out = super().command()
        out["allowances"] = tuple(a.to_domain() for a in self.allowances)
        return out


class SuspensionIn(Command):
    """Tạm đình chỉ công tác: from one day to another (both included), by a decision."""

    records: ClassVar[type[EntryCommand] | None] = commands.Suspend
    suspended_from: Day
    until: Day
    reason: LongText
    decision: DecisionIn


class RelativeIn(Command):
    records: ClassVar[type[EntryCommand] | None] = commands.AddRelative
    relation: Relation
    full_name: Text
    relative_cadre_id: UUID | None = None
    born_year: SmallInt | None = None


class CorrectionIn(BaseModel):
    """Đính chính (with `replacement`) or thu hồi (without): nothing is overwritten.

    `replacement` is the full payload of the command that recorded the corrected entry (e.g. an
    appointment's `kind`, `unit_id`, `title_code`, `effective_on`, `decision`...), validated as
    that command's payload.
    """

    model_config = ConfigDict(extra="forbid")

    target_position: Position
    reason: LongText
    replacement: dict[str, Any] | None = None


# Which payload a correction's replacement must match, by the type of the corrected entry:
# the model of the command that records it (`Fact.command` in domain/record.py).
COMMAND_MODELS: dict[type[EntryCommand], type[Command]] = {
    m.records: m for m in Command.__subclasses__() if m.records}
REPLACEMENT_MODELS: dict[str, type[Command]] = {
    entry_type: COMMAND_MODELS[fact.command] for entry_type, fact in FACT_TYPES.items()}


class Receipt(BaseModel):
    """201 answer of every command: the aggregate changed and the last log position written."""

    id: UUID
    position: int
    # The changed aggregate's own last event: what a correction names as `target_position`
    # (an appointment to a head post also writes the unit's seat after the cadre's entry).
    entry_position: int | None = None
    # Accepted but worth a look: cadres probably the same person (registration), a decision
    # signed after its effective date (`backdated_decision`).
    warnings: list[dict[str, Any]] = Field(default_factory=list)


# --- reads -----------------------------------------------------------------------------------


class Answer(BaseModel):
    """What every read carries: the moment it answers for."""

    as_of: date = Field(description="business date the answer is for")
    known_at: datetime = Field(description="instant: only what was recorded by then counts")
    position: int = Field(description="log position the answer reflects")


class Row(BaseModel):
    """A read row: the named fields are guaranteed, more may follow."""

    model_config = ConfigDict(extra="allow")


class DecisionOut(Row):
    number: str
    signed_on: date
    issuer: str
    signer: str
    signer_cadre_id: UUID | None = None
    issuer_code: str | None = None


class UnitOut(Row):
    id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None = None
    established_on: date | None = None


class UnitsOut(Answer):
    units: list[UnitOut]


class UnitKindOut(BaseModel):
    code: str
    label: str
    branch: str


class UnitKindsOut(BaseModel):
    unit_kinds: list[UnitKindOut]


class HoldingOut(Row):
    cadre_id: UUID
    full_name: str
    unit_id: UUID | None = None
    unit_name: str | None = None
    title_code: str
    title_name: str | None = None
    kind: str
    since: date
    until: date | None = None
    decision: DecisionOut | None = None


class RosterOut(Answer):
    unit_id: UUID
    include_subunits: bool
    holdings: list[HoldingOut]


class TitleVersionOut(Row):
    valid_from: date | None = None
    management_tier: str
    standards: dict[str, Any] | None = None
    source: str | None = None


class TitleOut(Row):
    code: str
    name: str
    is_head: bool
    management_tier: str
    rank: int
    sector: str | None = None
    standards: dict[str, Any] | None = None
    unit_kinds: list[str] | None = None
    levels: list[str] | None = None
    area_head: bool | None = None
    # The version in force on as_of: tier and standards above are that version's.
    valid_from: date | None = None
    source: str | None = None
    versions: list[TitleVersionOut] = []


class TitlesOut(Answer):
    titles: list[TitleOut]


class CadreSummaryOut(Row):
    id: UUID
    full_name: str
    gender: str | None = None
    born_on: date | None = None


class CadresOut(Answer):
    cadres: list[CadreSummaryOut]
    limit: int
    offset: int


class ProfileOut(Answer, Row):
    id: UUID
    full_name: str
    gender: str
    born_on: date
    party_joined_on: date | None = None
    holdings: list[HoldingOut]
    political_theory: str | None = None
    state_management: str | None = None
    education: str | None = None
    planning: list[dict[str, Any]]
    active_disciplines: list[dict[str, Any]]
    evaluations: list[dict[str, Any]] = []
    trainings: list[dict[str, Any]] = []
    relatives: list[dict[str, Any]] = []
    commendations: list[dict[str, Any]] = []
    # Tạm đình chỉ công tác started by as_of; `active`: as_of falls within it.
    suspensions: list[dict[str, Any]] = []
    # Quá trình công tác: every employment begun by as_of, and the one in force on it.
    employments: list[dict[str, Any]] = []
    employment: dict[str, Any] | None = None


class EntryOut(Row):
    position: int
    type: str
    effective_on: date | None = None
    recorded_at: datetime
    recorded_by: str
    decision: DecisionOut | None = None
    summary: str
    status: str = Field(description="in_force | corrected | retracted")
    corrected_by: int | None = None


class RecordOut(Answer):
    cadre_id: UUID
    entries: list[EntryOut]
    certificate: dict[str, Any] | None = Field(
        None, description="signed certificate (ADR 0006): the digest of this answer, the "
                          "checkpoint and every entry's inclusion proof; `hoso verify-report`")


class AuditEntryOut(Row):
    position: int
    recorded_at: datetime
    recorded_by: str
    type: str
    cadre_id: UUID | None = None


class AuditLogOut(Answer):
    entries: list[AuditEntryOut]


class ChainHead(BaseModel):
    position: int
    hash: str


class VerifyOut(Answer):
    ok: bool
    checked: int
    head: ChainHead
    first_bad_position: int | None = None
    problem: str | None = None


class ReadOut(BaseModel):
    reader: str
    role: str
    read_at: datetime
    cadre_id: UUID
    what: str = Field(description="profile | record | cv")
    as_of: date
    known_at: datetime
    position: int


class ReadsOut(Answer):
    reads: list[ReadOut]


class ErasureIn(BaseModel):
    """Hủy dữ liệu cá nhân (Luật 91/2025/QH15): the cadre's key is destroyed, the log stays."""

    model_config = ConfigDict(extra="forbid")

    reason: LongText


# --- checkpoints and proofs (ADR 0006) -------------------------------------------------------


class CosignatureOut(BaseModel):
    witness: str
    witness_key: str = Field(description="the witness's public key (vkey)")
    cosigned_at: datetime


class CheckpointOut(Answer):
    """A signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note)."""

    tree: str = Field(description="`log` (the record) or `reads` (the read audit)")
    origin: str
    size: int = Field(description="entries in the tree")
    root: str = Field(description="RFC 9162 root hash, base64")
    covers_position: int = Field(description="the last log position among those entries")
    note: str = Field(description="the signed note, as `hoso verify --checkpoint` reads it")
    cosigned_note: str = Field(description="the note with every witness's cosignature")
    created_at: datetime
    public_key: str = Field(description="the service's public key (vkey) that signed it")
    cosignatures: list[CosignatureOut]


class CheckpointsOut(Answer):
    tree: str
    checkpoints: list[CheckpointOut]


class InclusionProofOut(Answer):
    tree: str
    entry_position: int = Field(description="the log position proven")
    leaf_index: int
    size: int
    entry_hash: str = Field(description="the chain hash at that position (hex): the leaf data")
    previous_hash: str = Field(description="the chain hash before it (hex): with the entry's "
                                           "stored form it recomputes entry_hash (ADR 0002)")
    root: str = Field(description="base64")
    proof: list[str] = Field(description="RFC 9162 inclusion path, base64, leaf side first")


class ConsistencyProofOut(Answer):
    tree: str
    from_size: int
    to_size: int
    from_root: str
    to_root: str
    proof: list[str] = Field(description="RFC 9162 consistency path, base64")


class CosignatureIn(BaseModel):
    """A witness's cosignature: the checkpoint note with its line, and its public key."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=20_000)
    witness_key: str = Field(max_length=500)


class CosignatureReceipt(BaseModel):
    id: int = Field(description="the checkpoint cosigned")
    position: int = Field(description="the last log position the checkpoint covers")
    size: int
    witnesses: list[str]


# --- job positions (vị trí việc làm) ---------------------------------------------------------


class PositionStandardsIn(BaseModel):
    """Tiêu chuẩn of a job position from `valid_from`, with the text it rests on."""

    model_config = ConfigDict(extra="forbid")

    valid_from: Day
    source: Text
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    it: Text | None = None
    language: Text | None = None
    experience_years: Annotated[int, Field(ge=0, le=60)] | None = None

    def to_domain(self) -> PositionStandards:
        return PositionStandards(**self.model_dump())


class CompetencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    level: Annotated[int, Field(ge=1, le=5)]


class CompetencyFrameworkIn(BaseModel):
    """Khung năng lực of a job position from `valid_from`."""

    model_config = ConfigDict(extra="forbid")

    valid_from: Day
    source: Text
    competencies: list[CompetencyIn] = Field(min_length=1, max_length=60)

    def to_domain(self) -> CompetencyFramework:
        return CompetencyFramework(
            valid_from=self.valid_from, source=self.source,
            competencies=tuple(Competency(name=c.name, level=c.level)
                               for c in self.competencies))


class JobPositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: UUID
    code: Code
    name: Text
    group: PositionGroup
    standards: list[PositionStandardsIn] = Field(default=[], max_length=20)
    frameworks: list[CompetencyFrameworkIn] = Field(default=[], max_length=20)

    def to_domain(self, recorded_by: str) -> RegisterJobPosition:
        return RegisterJobPosition(
            unit_id=self.unit_id, code=self.code, name=self.name, group=self.group,
            standards=tuple(s.to_domain() for s in self.standards),
            frameworks=tuple(f.to_domain() for f in self.frameworks), recorded_by=recorded_by)


class JobPositionVersionIn(BaseModel):
    """A new dated version of a job position's standards, framework, or both."""

    model_config = ConfigDict(extra="forbid")

    standards: PositionStandardsIn | None = None
    framework: CompetencyFrameworkIn | None = None

    def to_domain(self, position_id: UUID, recorded_by: str) -> ReviseJobPosition:
        return ReviseJobPosition(
            position_id=position_id,
            standards=self.standards.to_domain() if self.standards else None,
            framework=self.framework.to_domain() if self.framework else None,
            recorded_by=recorded_by)


class JobPositionOut(Row):
    id: UUID
    unit_id: UUID
    code: str
    name: str
    group: str
    standards: list[dict[str, Any]]
    frameworks: list[dict[str, Any]]
    # The versions in force on as_of (None: none yet).
    standards_in_force: dict[str, Any] | None = None
    framework_in_force: dict[str, Any] | None = None


class JobPositionsOut(Answer):
    job_positions: list[JobPositionOut]
