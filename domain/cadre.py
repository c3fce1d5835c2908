"""Cán bộ: one aggregate per cadre holds the whole career.

Every fact (registration, appointment, ending, evaluation, ...) is an entry keyed by the event's
version. A correction never changes an entry: it marks the target corrected (its replacement
becomes the fact in force) or retracted. Current state is derived from the entries in force, so
replaying the log always gives the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.calendar import EARLIEST_YEAR, period_bounds, period_name
from domain.commands import (
    AddQualification,
    AddRelative,
    Appoint,
    Commend,
    Employ,
    EndHolding,
    Evaluate,
    ImposeDiscipline,
    Nominate,
    Plan,
    RecordTraining,
    RegisterCadre,
    Suspend,
    Vet,
)
from domain.discipline_forms import require_form_in_force
from domain.errors import Conflict, InvalidCommand, NotFound
from domain.evaluation_frameworks import framework_for, judge_scores
from domain.programmes import PROGRAMMES
from domain.record import (
    FACT_TYPES,
    Appointment,
    Commendation,
    Discipline,
    Employment,
    Ending,
    Entry,
    Erasure,
    Evaluation,
    Fact,
    Holding,
    Nomination,
    Planning,
    PlanningEntry,
    PlanningRemoval,
    Qualification,
    Record,
    Registration,
    Relative,
    Suspension,
    Training,
    Vetting,
    fact_of,
)
from domain.values import (
    EDUCATION_ORDER,
    MENTION_FIELDS,
    POLITICAL_THEORY_ORDER,
    RENEWING_KINDS,
    STATE_MANAGEMENT_ORDER,
    ActionKind,
    Allowance,
    AllowanceKind,
    CivilServiceGrade,
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
    StateManagement,
    TrainingMode,
    VettingConclusion,
    add_months,
)

TERM_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
MIN_WORKING_AGE = 16  # a sanity bound on birth dates, not a rule of cadre work
GRADE_CODE = re.compile(r"^\d{2}\.\d{3}[a-z]?$")  # mã ngạch, as 01.003 (Thông tư 02/2021)
MAX_SALARY_STEP = 12  # the longest pay scale has 12 steps (Nghị định 204/2004, bảng 2)


@dataclass(frozen=True)
class DateWindow:
    """Dates a command may carry: not before birth, not beyond today plus the horizon."""

    today: date
    horizon_days: int

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=self.horizon_days)


def check_allowances(allowances: Any, effective_on: date,
                     window: DateWindow) -> tuple[Allowance, ...]:
    """Phụ cấp of an employment entry: each a known kind with exactly one of a coefficient
    (hệ số, 0.01–3.00), a percent (1–100) or an amount (đồng, > 0), from a day not before the
    entry's, until a day not before its start."""
    out: list[Allowance] = []
    for i, given in enumerate(allowances or ()):
        where = f"allowances.{i}"
        a = given if isinstance(given, Allowance) else Allowance(**dict(given))
        try:
            kind = AllowanceKind(str(a.kind))
        except ValueError:
            allowed = ", ".join(k.value for k in AllowanceKind)
            raise InvalidCommand(f"Loại phụ cấp '{a.kind}' không hợp lệ (must be one of "
                                 f"{allowed})", code="invalid_code", field=f"{where}.kind") from None
        given_values = [v for v in (a.coefficient, a.percent, a.amount) if v is not None]
        if len(given_values) != 1:
            raise InvalidCommand("Mỗi khoản phụ cấp ghi một trong hệ số, tỷ lệ phần trăm hoặc số "
                                 "tiền (give exactly one of coefficient, percent, amount)",
                                 code="invalid_value", field=f"{where}.coefficient")
        coefficient = Decimal(str(a.coefficient)) if a.coefficient is not None else None
        if coefficient is not None and not Decimal("0.01") <= coefficient <= Decimal("3"):
            raise InvalidCommand("Hệ số phụ cấp phải từ 0,01 đến 3,00 (coefficient out of "
                                 "range)", code="invalid_value", field=f"{where}.coefficient")
        if a.percent is not None and not 1 <= int(a.percent) <= 100:
            raise InvalidCommand("Tỷ lệ phụ cấp phải từ 1 đến 100% (percent out of range)",
                                 code="invalid_value", field=f"{where}.percent")
        if a.amount is not None and int(a.amount) <= 0:
            raise InvalidCommand("Số tiền phụ cấp phải lớn hơn 0 (amount must be positive)",
                                 code="invalid_value", field=f"{where}.amount")
        if a.from_on < effective_on or a.from_on > window.latest:
            raise InvalidCommand("Phụ cấp hưởng từ ngày không trước ngày của quá trình công tác "
                                 "(from_on precedes the employment's effective_on or is too late)",
                                 code="invalid_date", field=f"{where}.from_on")
        if a.until is not None and a.until < a.from_on:
            raise InvalidCommand("Ngày thôi hưởng phụ cấp trước ngày bắt đầu (until precedes "
                                 "from_on)", code="invalid_date", field=f"{where}.until")
        out.append(Allowance(kind=kind, from_on=a.from_on, coefficient=coefficient,
                             percent=None if a.percent is None else int(a.percent),
                             amount=None if a.amount is None else int(a.amount),
                             until=a.until))
    return tuple(out)


class Cadre(Aggregate):
    # --- events: the schema of the log -----------------------------------------------------

    class Registered(Aggregate.Created):
        full_name: str
        gender: Gender
        born_on: date
        party_joined_on: date | None
        education: Education | None
        political_theory: PoliticalTheory | None
        state_management: StateManagement | None
        sensitive: dict[str, Any] | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Appointed(Aggregate.Event):
        class_version = 3
        holding_id: UUID
        kind: ActionKind
        unit_id: UUID
        title_code: str
        effective_on: date
        decision: Decision
        term_months: int | None
        planned_end_on: date | None
        special_case: bool
        recorded_by: str
        renews: UUID | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 had no special-case flag: every v1 appointment was an ordinary one.
            state["special_case"] = False

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # v2 could not renew a holding: a reappointment came after an ending.
            state["renews"] = None

    class HoldingEnded(Aggregate.Event):
        holding_id: UUID
        unit_id: UUID
        title_code: str
        reason: EndingReason
        effective_on: date
        decision: Decision
        recorded_by: str

    class Nominated(Aggregate.Event):
        unit_id: UUID
        title_code: str
        effective_on: date
        decision: Decision
        recorded_by: str

    class Evaluated(Aggregate.Event):
        class_version = 2
        period: str
        rating: Rating
        effective_on: date
        score: Decimal | None
        criteria: dict[str, Any] | None
        decision: Decision | None
        scores: dict[str, Decimal] | None
        framework_id: str | None
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 evaluations were not marked on a framework's criteria groups.
            state["scores"] = None
            state["framework_id"] = None

    class TrainingRecorded(Aggregate.Event):
        program: str
        started_on: date
        completed_on: date | None
        institution: str | None
        mode: TrainingMode | None
        confers_kind: QualificationKind | None
        confers_level: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class QualificationObtained(Aggregate.Event):
        kind: QualificationKind
        level: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Planned(Aggregate.Event):
        planning_id: UUID
        unit_id: UUID
        title_code: str
        term: str
        effective_on: date
        decision: Decision
        recorded_by: str

    class PlanningRemoved(Aggregate.Event):
        planning_id: UUID
        unit_id: UUID
        title_code: str
        term: str
        effective_on: date
        decision: Decision
        recorded_by: str

    class Disciplined(Aggregate.Event):
        class_version = 2
        form: DisciplineForm
        violation: str
        effective_on: date
        decision: Decision
        recorded_by: str
        system: DisciplineSystem | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 did not say which system imposed the discipline.
            state["system"] = None

    class Vetted(Aggregate.Event):
        purpose: str
        conclusion: VettingConclusion
        body: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Commended(Aggregate.Event):
        form: CommendationForm
        level: CommendationLevel | None
        reason: str | None
        effective_on: date
        decision: Decision
        recorded_by: str

    class Employed(Aggregate.Event):
        class_version = 2
        unit_id: UUID
        employment_kind: EmploymentKind
        job_position_id: UUID | None
        grade_code: str
        grade_name: str
        salary_step: int
        coefficient: Decimal
        effective_on: date
        decision: Decision
        recorded_by: str
        allowances: tuple[Allowance, ...] = ()

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 recorded no allowances (phụ cấp).
            state["allowances"] = ()

    class Suspended(Aggregate.Event):
        until: date
        reason: str
        effective_on: date
        decision: Decision
        recorded_by: str

    class RelativeAdded(Aggregate.Event):
        relative_id: UUID
        relation: Relation
        relative_cadre_id: UUID | None
        sensitive: dict[str, Any] | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Corrected(Aggregate.Event):
        target_position: int
        target_version: int
        target_type: str
        reason: str
        replacement: dict[str, Any] | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class PersonalDataErased(Aggregate.Event):
        class_version = 2
        reason: str
        effective_on: date
        decision: Decision | None
        recorded_by: str
        # Where other entries name the cadre (None: not known, an erasure recorded by v1).
        mentions: Mentions | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 did not record where the name was mentioned: unknown, not none.
            state["mentions"] = None

    # --- registration ------------------------------------------------------------------

    @event(Registered)
    def __init__(
        self,
        full_name: str,
        gender: Gender,
        born_on: date,
        party_joined_on: date | None,
        education: Education | None,
        political_theory: PoliticalTheory | None,
        state_management: StateManagement | None,
        sensitive: dict[str, Any] | None,
        effective_on: date,
        decision: Decision | None,
        recorded_by: str,
    ) -> None:
        self.record = Record()
        self.erased = False
        self.registered_by = recorded_by
        self.record.record(1, Registration(
            full_name=full_name, gender=gender, born_on=born_on,
            party_joined_on=party_joined_on, education=education,
            political_theory=political_theory, state_management=state_management,
            sensitive=sensitive, effective_on=effective_on, decision=decision))

    @classmethod
    def register(cls, command: RegisterCadre, *, window: DateWindow, recorded_by: str) -> Cadre:
        return cls(**check_registration(command, window).payload(), recorded_by=recorded_by)

    # --- derived state -------------------------------------------------------------------

    @property
    def entries(self) -> dict[int, Entry]:
        return self.record.entries

    def facts(self, type_: str) -> list[Entry]:
        """The entries of a type (its name in the log) in force."""
        return self.record.in_force(FACT_TYPES[type_])

    @property
    def registration(self) -> Registration:
        assert self.record.registration is not None
        return self.record.registration

    @property
    def identity(self) -> dict[str, Any]:
        return self.registration.payload()

    @property
    def full_name(self) -> str:
        return str(self.registration.full_name)

    @property
    def born_on(self) -> date:
        return self.registration.born_on

    @property
    def gender(self) -> Gender:
        return Gender(self.registration.gender)

    def holdings(self) -> dict[UUID, Holding]:
        return dict(self.record.holdings)

    def holdings_on(self, day: date) -> list[Holding]:
        return sorted((h for h in self.holdings().values() if h.active_on(day)),
                      key=lambda h: h.since)

    def plannings(self) -> dict[UUID, PlanningEntry]:
        return dict(self.record.plannings)

    def level_on(self, kind: QualificationKind, day: date) -> str | None:
        """Highest level of a qualification held on a date (registration, degrees, courses)."""
        orders: dict[Any, Any] = {
            QualificationKind.POLITICAL_THEORY: POLITICAL_THEORY_ORDER,
            QualificationKind.STATE_MANAGEMENT: STATE_MANAGEMENT_ORDER,
            QualificationKind.EDUCATION: EDUCATION_ORDER,
        }
        order: dict[Any, Any] = orders.get(kind, {})
        levels: list[str] = []
        registered = self.identity.get(kind.value)
        if registered:
            levels.append(str(registered))
        for e in self.record.in_force(Qualification):
            assert isinstance(e.fact, Qualification)
            if e.fact.kind == kind and e.fact.effective_on <= day:
                levels.append(str(e.fact.level))
        for e in self.record.in_force(Training):
            assert isinstance(e.fact, Training)
            conferred = e.fact.conferred
            if conferred and conferred[0] == kind and conferred[2] <= day:
                levels.append(str(conferred[1]))
        if not levels:
            return None
        return max(levels, key=lambda level: order.get(level, 0))

    # --- commands ------------------------------------------------------------------------

    def appoint(self, command: Appoint, *, window: DateWindow, recorded_by: str) -> UUID:
        fact = self.check_appointment(command, window=window)
        self._appointed(**fact.payload(), recorded_by=recorded_by)
        return fact.holding_id

    def check_appointment(self, command: Appoint, *, window: DateWindow,
                          holding_id: UUID | None = None,
                          ignore_version: int | None = None) -> Appointment:
        """The appointment `command` asks for, as the fact it records (`holding_id` and
        `ignore_version`: a correction's, which keeps the holding and judges the record
        without the entry it replaces)."""
        kind, unit_id, title_code = command.kind, command.unit_id, command.title_code
        effective_on, decision = command.effective_on, command.decision
        term_months, planned_end_on = command.term_months, command.planned_end_on
        special_case = command.special_case
        self._check_day(effective_on, "effective_on", window)
        self._check_decision(decision, window)
        if term_months is not None and not 1 <= term_months <= 120:
            raise InvalidCommand("Thời hạn bổ nhiệm phải từ 1 đến 120 tháng (term_months must be "
                                 "between 1 and 120)", code="invalid_value", field="term_months")
        if planned_end_on is None and term_months is not None:
            planned_end_on = add_months(effective_on, term_months)
        if planned_end_on is not None and planned_end_on <= effective_on:
            raise InvalidCommand("Ngày kết thúc dự kiến phải sau ngày hiệu lực (planned_end_on "
                                 "must follow effective_on)", code="invalid_date",
                                 field="planned_end_on")
        renews: UUID | None = None
        for h in self.holdings().values():
            if h.version == ignore_version:
                continue
            # A correction of a renewal judges the holding it renewed as still running.
            running = h.active_on(effective_on) or (
                h.renewed_at is not None and h.renewed_at == ignore_version
                and h.since <= effective_on)
            if h.unit_id == unit_id and h.title_code == title_code and running:
                # Only the running term renews: not one already ended or renewed later on.
                open_term = h.until is None or (
                    ignore_version is not None and h.renewed_at == ignore_version)
                if kind in RENEWING_KINDS and h.since < effective_on and open_term:
                    renews = h.holding_id  # a new term of the post held: the tenure runs on
                    continue
                raise Conflict(
                    f"Cán bộ đã giữ chức danh {title_code} tại đơn vị này vào ngày "
                    f"{effective_on:%d/%m/%Y} (the cadre already holds this post on that date)",
                    code="holding_conflict", field="title_code")
        if kind == ActionKind.KEO_DAI and renews is None:
            raise NotFound(
                f"Kéo dài thời gian giữ chức vụ cần chức danh {title_code} đang giữ tại đơn vị "
                f"này vào ngày {effective_on:%d/%m/%Y} (keo_dai extends a post held)",
                code="holding_not_found", field="title_code")
        return Appointment(
            holding_id=holding_id or uuid4(), kind=kind, unit_id=unit_id, title_code=title_code,
            effective_on=effective_on, decision=decision, term_months=term_months,
            planned_end_on=planned_end_on, special_case=special_case, renews=renews,
        )

    def end_holding(self, command: EndHolding, *, window: DateWindow,
                    recorded_by: str) -> Holding:
        fact = self.check_ending(command, window=window)
        self._holding_ended(**fact.payload(), recorded_by=recorded_by)
        return self.holdings()[fact.holding_id]

    def check_ending(self, command: EndHolding, *, window: DateWindow,
                     ignore_version: int | None = None) -> Ending:
        unit_id, title_code, reason = command.unit_id, command.title_code, command.reason
        effective_on, decision = command.effective_on, command.decision
        self._check_day(effective_on, "effective_on", window)
        self._check_decision(decision, window)
        ended_ids = {e.fact.holding_id for e in self.record.in_force(Ending)
                     if isinstance(e.fact, Ending) and e.version != ignore_version}
        # A renewed term is not ended: the holding of the term that took over is.
        ended_ids |= {h.holding_id for h in self.holdings().values() if h.renewed_at is not None}
        candidates = [
            a.payload() for a in (e.fact for e in self.record.in_force(Appointment))
            if isinstance(a, Appointment) and a.unit_id == unit_id and a.title_code == title_code
            and a.holding_id not in ended_ids and a.effective_on < effective_on
        ]
        if not candidates:
            raise NotFound(
                f"Cán bộ không giữ chức danh {title_code} tại đơn vị này trước ngày "
                f"{effective_on:%d/%m/%Y} (no such holding to end)",
                code="holding_not_found", field="title_code")
        holding = max(candidates, key=lambda p: p["effective_on"])
        return Ending(holding_id=holding["holding_id"], unit_id=unit_id, title_code=title_code,
                    reason=reason, effective_on=effective_on, decision=decision)

    def nominate(self, command: Nominate, *, window: DateWindow, recorded_by: str) -> None:
        self._nominated(**self.check_nomination(command, window=window).payload(),
                        recorded_by=recorded_by)

    def check_nomination(self, command: Nominate, *, window: DateWindow,
                         ignore_version: int | None = None) -> Nomination:
        unit_id, title_code = command.unit_id, command.title_code
        effective_on, decision = command.decided_on, command.decision
        self._check_day(effective_on, "decided_on", window)
        self._check_decision(decision, window)
        return Nomination(unit_id=unit_id, title_code=title_code, effective_on=effective_on,
                    decision=decision)

    def evaluate(self, command: Evaluate, *, window: DateWindow, recorded_by: str) -> None:
        self._evaluated(**self.check_evaluation(command, window=window).payload(),
                        recorded_by=recorded_by)

    def check_evaluation(self, command: Evaluate, *, window: DateWindow,
                         ignore_version: int | None = None) -> Evaluation:
        period, rating, effective_on = command.period, command.rating, command.decided_on
        score, criteria, decision = command.score, command.criteria, command.decision
        scores, framework_id = command.scores, command.framework_id
        start, after = period_bounds(period)
        self._check_day(effective_on, "decided_on", window)
        if effective_on < start:
            raise InvalidCommand(
                f"Ngày đánh giá {effective_on:%d/%m/%Y} trước khi {period_name(period)} bắt đầu "
                "(decided_on precedes the period)", code="invalid_date", field="decided_on")
        if decision is not None:
            self._check_decision(decision, window)
        if score is not None and not Decimal(0) <= score <= Decimal(100):
            raise InvalidCommand("Điểm đánh giá phải từ 0 đến 100 (score must be 0-100)",
                                 code="invalid_value", field="score")
        for e in self.facts("Evaluated"):
            if e.payload["period"] == period and e.version != ignore_version:
                raise Conflict(f"Cán bộ đã được đánh giá {period_name(period)} (duplicate evaluation for "
                               "the period)", code="duplicate_evaluation", field="period")
        if scores is not None:
            score, framework_id = self._marked(period, start, after, rating, score, scores,
                                               framework_id)
        elif framework_id is not None:
            raise InvalidCommand("Có khung đánh giá nhưng thiếu điểm từng nhóm (framework_id "
                                 "needs scores)", code="missing_field", field="scores")
        return Evaluation(period=period, rating=rating, effective_on=effective_on, score=score,
                    criteria=criteria, decision=decision, scores=scores,
                    framework_id=framework_id)

    def _marked(self, period: str, start: date, after: date, rating: Rating,
                score: Decimal | None, scores: dict[str, Decimal],
                framework_id: str | None) -> tuple[Decimal, str]:
        """A scored evaluation's total and framework: leaders (a post held in the period) and
        civil servants may be marked on different frameworks."""
        leads = any(h.since < after and (h.until is None or h.until > start)
                    for h in self.holdings().values())
        framework = framework_for(period, "lanh_dao" if leads else "cong_chuc", framework_id)
        disciplined = any(isinstance(e.fact, Discipline) and start <= e.fact.effective_on < after
                          for e in self.facts("Disciplined"))
        total = judge_scores(framework, scores, rating, disciplined)
        if score is not None and score != total:
            raise InvalidCommand(f"Điểm {score} khác tổng điểm các nhóm {total} (score must equal "
                                 "the total of scores)", code="score_mismatch", field="score")
        return total, framework.id

    def record_training(self, command: RecordTraining, *, window: DateWindow,
                        recorded_by: str) -> None:
        self._training_recorded(**self.check_training(command, window=window).payload(),
                                recorded_by=recorded_by)

    def check_training(self, command: RecordTraining, *, window: DateWindow,
                       ignore_version: int | None = None) -> Training:
        program, started_on, completed_on = command.program, command.started_on, \
            command.completed_on
        institution, mode, decision = command.institution, command.mode, None
        self._check_day(started_on, "started_on", window)
        if completed_on is not None:
            self._check_day(completed_on, "completed_on", window)
            if completed_on < started_on:
                raise InvalidCommand("Ngày hoàn thành trước ngày bắt đầu (completed_on precedes "
                                     "started_on)", code="invalid_date", field="completed_on")
            if completed_on > window.today:
                raise InvalidCommand("Ngày hoàn thành chưa đến (completed_on is in the future)",
                                     code="invalid_date", field="completed_on")
        programme = PROGRAMMES.get(program)
        return Training(
            program=program, started_on=started_on, completed_on=completed_on,
            institution=institution, mode=mode,
            confers_kind=programme.confers_kind if programme else None,
            confers_level=programme.confers_level if programme else None,
            effective_on=completed_on or started_on, decision=decision,
        )

    def obtain_qualification(self, command: AddQualification, *, window: DateWindow,
                             recorded_by: str) -> None:
        self._qualification_obtained(**self.check_qualification(command, window=window)
                                     .payload(), recorded_by=recorded_by)

    def check_qualification(self, command: AddQualification, *, window: DateWindow,
                            ignore_version: int | None = None) -> Qualification:
        kind, level, effective_on = command.kind, command.level, command.obtained_on
        decision = None
        self._check_day(effective_on, "obtained_on", window)
        if effective_on > window.today:
            raise InvalidCommand("Ngày cấp bằng chưa đến (obtained_on is in the future)",
                                 code="invalid_date", field="obtained_on")
        allowed: dict[QualificationKind, Any] = {
            QualificationKind.EDUCATION: Education,
            QualificationKind.POLITICAL_THEORY: PoliticalTheory,
            QualificationKind.STATE_MANAGEMENT: StateManagement,
            QualificationKind.GRADE: CivilServiceGrade,
        }
        if kind in allowed:
            codes = [m.value for m in allowed[kind]]
            if level not in codes:
                raise InvalidCommand(f"Trình độ '{level}' không hợp lệ cho {kind.value} (level "
                                     f"must be one of {', '.join(codes)})", code="invalid_code",
                                     field="level")
        elif not level.strip():
            raise InvalidCommand("Thiếu trình độ (level is required)", code="missing_field",
                                 field="level")
        return Qualification(kind=kind, level=level, effective_on=effective_on, decision=decision)

    def plan(self, command: Plan, *, window: DateWindow, recorded_by: str,
             max_posts: int | None = None) -> None:
        self._planned(**self.check_planning(command, window=window, max_posts=max_posts)
                      .payload(), recorded_by=recorded_by)

    def check_planning(self, command: Plan, *, window: DateWindow,
                       planning_id: UUID | None = None, ignore_version: int | None = None,
                       max_posts: int | None = None) -> Planning:
        """`max_posts`: the rule pack's limit in force on the decision date (None: no limit)."""
        unit_id, title_code, term = command.unit_id, command.title_code, command.term
        effective_on, decision = command.decided_on, command.decision
        check_term(term)
        self._check_day(effective_on, "decided_on", window)
        self._check_decision(decision, window)
        active = [p for p in self.plannings().values()
                  if p.removed_on is None and p.term == term and p.version != ignore_version]
        if any(p.unit_id == unit_id and p.title_code == title_code for p in active):
            raise Conflict("Cán bộ đã được quy hoạch chức danh này trong nhiệm kỳ (already planned "
                           "for this post and term)", code="duplicate_planning",
                           field="title_code")
        if max_posts is not None and len(active) >= max_posts:
            raise Conflict(f"Mỗi cán bộ quy hoạch không quá {max_posts} chức danh trong một nhiệm "
                           f"kỳ (at most {max_posts} planned posts per term)",
                           code="planning_limit", field="title_code")
        return Planning(planning_id=planning_id or uuid4(), unit_id=unit_id, title_code=title_code,
                    term=term, effective_on=effective_on, decision=decision)

    def remove_planning(self, command: Plan, *, window: DateWindow, recorded_by: str) -> None:
        self._planning_removed(**self.check_planning_removal(command, window=window).payload(),
                               recorded_by=recorded_by)

    def check_planning_removal(self, command: Plan, *, window: DateWindow,
                               ignore_version: int | None = None) -> PlanningRemoval:
        unit_id, title_code, term = command.unit_id, command.title_code, command.term
        effective_on, decision = command.decided_on, command.decision
        check_term(term)
        self._check_day(effective_on, "decided_on", window)
        self._check_decision(decision, window)
        for p in self.plannings().values():
            if (p.unit_id == unit_id and p.title_code == title_code and p.term == term
                    and p.removed_on is None):
                return PlanningRemoval(planning_id=p.planning_id, unit_id=unit_id, title_code=title_code,
                            term=term, effective_on=effective_on, decision=decision)
        raise NotFound("Không có quy hoạch này để đưa ra (no such planning to remove)",
                       code="planning_not_found", field="title_code")

    def discipline(self, command: ImposeDiscipline, *, window: DateWindow,
                   recorded_by: str) -> None:
        self._disciplined(**self.check_discipline(command, window=window).payload(),
                          recorded_by=recorded_by)

    def check_discipline(self, command: ImposeDiscipline, *, window: DateWindow,
                         ignore_version: int | None = None) -> Discipline:
        form, violation, system = command.form, command.violation, command.system
        effective_on, decision = command.effective_on, command.decision
        self._check_day(effective_on, "effective_on", window)
        self._check_decision(decision, window)
        if not violation.strip():
            raise InvalidCommand("Thiếu nội dung vi phạm (violation is required)",
                                 code="missing_field", field="violation")
        require_form_in_force(form, system, effective_on)
        return Discipline(form=form, violation=violation, effective_on=effective_on, decision=decision,
                    system=system)

    def vet(self, command: Vet, *, window: DateWindow, recorded_by: str) -> None:
        self._vetted(**self.check_vetting(command, window=window).payload(),
                     recorded_by=recorded_by)

    def check_vetting(self, command: Vet, *, window: DateWindow,
                      ignore_version: int | None = None) -> Vetting:
        purpose, conclusion, body = command.purpose, command.conclusion, command.body
        effective_on, decision = command.vetted_on, None
        self._check_day(effective_on, "vetted_on", window)
        if effective_on > window.today:
            raise InvalidCommand("Ngày thẩm định chưa đến (vetted_on is in the future)",
                                 code="invalid_date", field="vetted_on")
        for name, value in (("purpose", purpose), ("body", body)):
            if not value.strip():
                raise InvalidCommand(f"Thiếu {name} ({name} is required)", code="missing_field",
                                     field=name)
        return Vetting(purpose=purpose, conclusion=conclusion, body=body, effective_on=effective_on,
                    decision=decision)

    def commend(self, command: Commend, *, window: DateWindow, recorded_by: str) -> None:
        self._commended(**self.check_commendation(command, window=window).payload(),
                        recorded_by=recorded_by)

    def check_commendation(self, command: Commend, *, window: DateWindow,
                           ignore_version: int | None = None) -> Commendation:
        form, level, reason = command.form, command.level, command.reason
        effective_on, decision = command.decided_on, command.decision
        self._check_day(effective_on, "decided_on", window)
        if effective_on > window.today:
            raise InvalidCommand("Ngày quyết định khen thưởng chưa đến (decided_on is in the "
                                 "future)", code="invalid_date", field="decided_on")
        self._check_decision(decision, window)
        if decision.signed_on > effective_on:
            raise InvalidCommand("Quyết định khen thưởng ký sau ngày quyết định (decision signed "
                                 "after decided_on)", code="invalid_date",
                                 field="decision.signed_on")
        return Commendation(form=form, level=level, reason=reason or None, effective_on=effective_on,
                    decision=decision)

    def employ(self, command: Employ, *, window: DateWindow, recorded_by: str) -> None:
        self._employed(**self.check_employment(command, window=window).payload(),
                       recorded_by=recorded_by)

    def check_employment(self, command: Employ, *, window: DateWindow,
                         ignore_version: int | None = None) -> Employment:
        unit_id, employment_kind = command.unit_id, command.employment_kind
        grade_code, grade_name = command.grade_code, command.grade_name
        salary_step, coefficient = command.salary_step, command.coefficient
        effective_on, decision = command.effective_on, command.decision
        job_position_id = command.job_position_id
        self._check_day(effective_on, "effective_on", window)
        self._check_decision(decision, window)
        allowances = check_allowances(command.allowances, effective_on, window)
        if not GRADE_CODE.fullmatch(grade_code):
            raise InvalidCommand(f"Mã ngạch '{grade_code}' không đúng dạng (grade_code is like "
                                 "01.003)", code="invalid_code", field="grade_code")
        if not grade_name.strip():
            raise InvalidCommand("Thiếu tên ngạch (grade_name is required)",
                                 code="missing_field", field="grade_name")
        if not 1 <= salary_step <= MAX_SALARY_STEP:
            raise InvalidCommand(f"Bậc lương phải từ 1 đến {MAX_SALARY_STEP} (salary_step out "
                                 "of range)", code="invalid_value", field="salary_step")
        if not Decimal("1") <= coefficient <= Decimal("12"):
            raise InvalidCommand("Hệ số lương phải từ 1,00 đến 12,00 (coefficient out of "
                                 "range)", code="invalid_value", field="coefficient")
        for e in self.facts("Employed"):
            if e.version != ignore_version and e.payload["effective_on"] == effective_on:
                raise Conflict(f"Đã có quá trình công tác từ ngày {effective_on:%d/%m/%Y} "
                               "(an employment entry already starts that day: correct it)",
                               code="employment_same_day", field="effective_on")
        return Employment(unit_id=unit_id, employment_kind=employment_kind, job_position_id=job_position_id,
                    grade_code=grade_code, grade_name=grade_name, salary_step=salary_step,
                    coefficient=coefficient, effective_on=effective_on, decision=decision,
                    allowances=allowances)

    def suspend(self, command: Suspend, *, window: DateWindow, recorded_by: str) -> None:
        self._suspended(**self.check_suspension(command, window=window).payload(),
                        recorded_by=recorded_by)

    def check_suspension(self, command: Suspend, *, window: DateWindow,
                         ignore_version: int | None = None) -> Suspension:
        effective_on, until, reason = command.suspended_from, command.until, command.reason
        decision = command.decision
        self._check_day(effective_on, "suspended_from", window)
        self._check_day(until, "until", window)
        if until < effective_on:
            raise InvalidCommand("Ngày kết thúc tạm đình chỉ trước ngày bắt đầu (until precedes "
                                 "suspended_from)", code="invalid_date", field="until")
        self._check_decision(decision, window)
        if not reason.strip():
            raise InvalidCommand("Thiếu lý do tạm đình chỉ (reason is required)",
                                 code="missing_field", field="reason")
        for e in self.facts("Suspended"):
            other = e.payload
            if e.version != ignore_version and other["effective_on"] <= until and (
                    effective_on <= other["until"]):
                raise Conflict(
                    f"Cán bộ đang bị tạm đình chỉ công tác từ {other['effective_on']:%d/%m/%Y} "
                    f"đến {other['until']:%d/%m/%Y} (overlaps a suspension on record: extend it "
                    "by correcting that entry)", code="suspension_overlap",
                    field="suspended_from")
        return Suspension(until=until, reason=reason, effective_on=effective_on, decision=decision)

    def _refuse_personal_data_if_erased(self) -> None:
        """After an erasure no new personal data is taken for the cadre: its key is destroyed
        and no other is ever made (ADR 0003 addendum)."""
        if self.erased:
            raise Conflict("Dữ liệu cá nhân của cán bộ đã được hủy: không ghi thêm dữ liệu cá "
                           "nhân (personal data erased: no new personal data is recorded)",
                           code="already_erased")

    def add_relative(self, command: AddRelative, *, window: DateWindow,
                     recorded_by: str) -> UUID:
        fact = self.check_relative(command, window=window)
        self._relative_added(**fact.payload(), recorded_by=recorded_by)
        return fact.relative_id

    def check_relative(self, command: AddRelative, *, window: DateWindow,
                       relative_id: UUID | None = None,
                       ignore_version: int | None = None) -> Relative:
        relation, full_name = command.relation, command.full_name
        relative_cadre_id, born_year = command.relative_cadre_id, command.born_year
        self._refuse_personal_data_if_erased()
        if not full_name.strip():
            raise InvalidCommand("Thiếu họ tên người thân (full_name is required)",
                                 code="missing_field", field="full_name")
        if born_year is not None and not EARLIEST_YEAR <= born_year <= window.today.year:
            raise InvalidCommand("Năm sinh không hợp lệ (born_year out of range)",
                                 code="invalid_date", field="born_year")
        if relative_cadre_id == self.id:
            raise InvalidCommand("Người thân không thể là chính cán bộ (a cadre is not their own "
                                 "relative)", code="invalid_relative", field="relative_cadre_id")
        return Relative(relative_id=relative_id or uuid4(), relation=relation,
                    relative_cadre_id=relative_cadre_id,
                    sensitive={"full_name": full_name, "born_year": born_year},
                    effective_on=window.today, decision=None)

    def check_identity(self, command: RegisterCadre, *, window: DateWindow,
                       ignore_version: int | None = None) -> Registration:
        return check_registration(command, window)

    def entry_for_correction(self, version: int, position: int) -> Entry:
        entry = self.entries.get(version)
        if entry is None:
            raise NotFound(f"Vị trí {position} không thuộc hồ sơ của cán bộ này (position is not "
                           "this cadre's)", code="position_not_found", field="target_position")
        if entry.status == "retracted":
            raise Conflict(f"Mục {position} đã bị thu hồi, không thể đính chính (entry already "
                           "retracted)", code="already_retracted", field="target_position")
        if entry.status == "corrected":
            raise Conflict(f"Mục {position} đã được đính chính bởi mục khác; hãy đính chính mục "
                           "mới nhất (entry already corrected: correct the latest one)",
                           code="already_corrected", field="target_position")
        if not isinstance(entry.fact, Fact):
            raise InvalidCommand(f"Mục {position} không thể đính chính (this entry cannot be "
                                 "corrected)", code="not_correctable", field="target_position")
        return entry

    def correct(
        self,
        *,
        target_version: int,
        target_position: int,
        reason: str,
        replacement: Fact | None,
        window: DateWindow,
        recorded_by: str,
    ) -> None:
        """Correct the entry at `target_version` with `replacement` (a fact of its type, as the
        `check_*` of its command gives it), or retract it (None)."""
        entry = self.entry_for_correction(target_version, target_position)
        if replacement is not None and type(replacement) is not type(entry.fact):
            raise InvalidCommand(f"Nội dung thay thế phải là một mục {entry.type} (the "
                                 f"replacement must be a {entry.type} entry)",
                                 code="invalid_replacement", field="replacement")
        if replacement is not None and isinstance(entry.fact, (Registration, Relative)):
            self._refuse_personal_data_if_erased()  # its replacement would carry some
        if not reason.strip():
            raise InvalidCommand("Thiếu lý do đính chính (reason is required)",
                                 code="missing_field", field="reason")
        if replacement is None and entry.type == "Registered":
            raise InvalidCommand("Không thể thu hồi việc đăng ký cán bộ; hãy đính chính (the "
                                 "registration cannot be retracted, only corrected)",
                                 code="not_retractable", field="replacement")
        if replacement is None and isinstance(entry.fact, Appointment):
            holding_id = entry.fact.holding_id
            if any(isinstance(e.fact, Ending) and e.fact.holding_id == holding_id
                   for e in self.record.in_force(Ending)):
                raise Conflict("Hãy thu hồi việc thôi giữ chức trước khi thu hồi việc bổ nhiệm "
                               "(retract the ending first)", code="ending_exists",
                               field="target_position")
            if self.record.holdings.get(holding_id, None) is not None and \
                    self.record.holdings[holding_id].renewed_at is not None:
                raise Conflict("Hãy thu hồi việc bổ nhiệm lại (kéo dài) trước khi thu hồi nhiệm kỳ "
                               "trước (retract the renewal first)", code="renewal_exists",
                               field="target_position")
        renewed = (self.record.holdings.get(entry.fact.holding_id)
                   if isinstance(entry.fact, Appointment) else None)
        given = replacement.payload() if replacement is not None else None
        if given is not None and renewed is not None and renewed.renewed_at is not None \
                and (given.get("unit_id"), given.get("title_code")) != (
                    renewed.unit_id, renewed.title_code):
            raise InvalidCommand("Nhiệm kỳ đã được bổ nhiệm lại: đính chính không được đổi đơn vị "
                                 "hoặc chức danh (a renewed term keeps its post)",
                                 code="invalid_replacement", field="replacement.unit_id")
        if given is not None and isinstance(entry.fact, Appointment) and \
                given.get("renews") != entry.fact.renews:
            raise InvalidCommand("Đính chính không được biến việc bổ nhiệm lại thành bổ nhiệm mới "
                                 "hay ngược lại (a correction keeps whether the appointment "
                                 "renews a holding)", code="invalid_replacement",
                                 field="replacement.effective_on")
        assert isinstance(entry.fact, Fact)
        decision = replacement.decision if replacement is not None else entry.fact.decision
        self._corrected(target_position=target_position, target_version=target_version,
                        target_type=entry.type, reason=reason, replacement=given,
                        effective_on=window.today, decision=decision, recorded_by=recorded_by)

    def erase_personal_data(self, *, reason: str, window: DateWindow, recorded_by: str,
                            mentions: Mentions = Mentions()) -> None:
        if self.erased:
            raise Conflict("Dữ liệu cá nhân đã được hủy (personal data already erased)",
                           code="already_erased")
        check_mentions(mentions)
        self._personal_data_erased(reason=reason, effective_on=window.today, decision=None,
                                   recorded_by=recorded_by, mentions=mentions)

    # --- checks shared by commands -------------------------------------------------------

    def _check_day(self, day: date, field: str, window: DateWindow) -> None:
        check_day(day, field, window, born_on=self.born_on)

    def _check_decision(self, decision: Decision, window: DateWindow) -> None:
        check_decision(decision, window, born_on=self.born_on)

    # --- state changes (re-run on replay: assign only) -----------------------------------

    def _next(self) -> int:
        return self.version + 1

    @event(Appointed)
    def _appointed(self, holding_id: UUID, kind: ActionKind, unit_id: UUID, title_code: str,
                   effective_on: date, decision: Decision, term_months: int | None,
                   planned_end_on: date | None, special_case: bool, recorded_by: str,
                   renews: UUID | None = None) -> None:
        self.record.record(self._next(), Appointment(
            holding_id=holding_id, kind=kind, unit_id=unit_id, title_code=title_code,
            effective_on=effective_on, decision=decision, term_months=term_months,
            planned_end_on=planned_end_on, special_case=special_case, renews=renews))

    @event(HoldingEnded)
    def _holding_ended(self, holding_id: UUID, unit_id: UUID, title_code: str,
                       reason: EndingReason, effective_on: date, decision: Decision,
                       recorded_by: str) -> None:
        self.record.record(self._next(), Ending(
            holding_id=holding_id, unit_id=unit_id, title_code=title_code, reason=reason,
            effective_on=effective_on, decision=decision))

    @event(Nominated)
    def _nominated(self, unit_id: UUID, title_code: str, effective_on: date,
                   decision: Decision, recorded_by: str) -> None:
        self.record.record(self._next(), Nomination(
            unit_id=unit_id, title_code=title_code, effective_on=effective_on, decision=decision))

    @event(Evaluated)
    def _evaluated(self, period: str, rating: Rating, effective_on: date, score: Decimal | None,
                   criteria: dict[str, Any] | None, decision: Decision | None,
                   scores: dict[str, Decimal] | None, framework_id: str | None,
                   recorded_by: str) -> None:
        self.record.record(self._next(), Evaluation(
            period=period, rating=rating, effective_on=effective_on, score=score,
            criteria=criteria, decision=decision, scores=scores, framework_id=framework_id))

    @event(TrainingRecorded)
    def _training_recorded(self, program: str, started_on: date, completed_on: date | None,
                           institution: str | None, mode: TrainingMode | None,
                           confers_kind: QualificationKind | None, confers_level: str | None,
                           effective_on: date, decision: Decision | None,
                           recorded_by: str) -> None:
        self.record.record(self._next(), Training(
            program=program, started_on=started_on, completed_on=completed_on,
            institution=institution, mode=mode, confers_kind=confers_kind,
            confers_level=confers_level, effective_on=effective_on, decision=decision))

    @event(QualificationObtained)
    def _qualification_obtained(self, kind: QualificationKind, level: str, effective_on: date,
                                decision: Decision | None, recorded_by: str) -> None:
        self.record.record(self._next(), Qualification(
            kind=kind, level=level, effective_on=effective_on, decision=decision))

    @event(Planned)
    def _planned(self, planning_id: UUID, unit_id: UUID, title_code: str, term: str,
                 effective_on: date, decision: Decision, recorded_by: str) -> None:
        self.record.record(self._next(), Planning(
            planning_id=planning_id, unit_id=unit_id, title_code=title_code, term=term,
            effective_on=effective_on, decision=decision))

    @event(PlanningRemoved)
    def _planning_removed(self, planning_id: UUID, unit_id: UUID, title_code: str, term: str,
                          effective_on: date, decision: Decision, recorded_by: str) -> None:
        self.record.record(self._next(), PlanningRemoval(
            planning_id=planning_id, unit_id=unit_id, title_code=title_code, term=term,
            effective_on=effective_on, decision=decision))

    @event(Disciplined)
    def _disciplined(self, form: DisciplineForm, violation: str, effective_on: date,
                     decision: Decision, recorded_by: str,
                     system: DisciplineSystem | None = None) -> None:
        self.record.record(self._next(), Discipline(
            form=form, violation=violation, effective_on=effective_on, decision=decision,
            system=system))

    @event(Vetted)
    def _vetted(self, purpose: str, conclusion: VettingConclusion, body: str,
                effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.record.record(self._next(), Vetting(
            purpose=purpose, conclusion=conclusion, body=body, effective_on=effective_on,
            decision=decision))

    @event(Commended)
    def _commended(self, form: CommendationForm, level: CommendationLevel | None,
                   reason: str | None, effective_on: date, decision: Decision,
                   recorded_by: str) -> None:
        self.record.record(self._next(), Commendation(
            form=form, level=level, reason=reason, effective_on=effective_on, decision=decision))

    @event(Employed)
    def _employed(self, unit_id: UUID, employment_kind: EmploymentKind, job_position_id: UUID | None,
                  grade_code: str, grade_name: str, salary_step: int, coefficient: Decimal,
                  effective_on: date, decision: Decision, recorded_by: str,
                  allowances: tuple[Allowance, ...] = ()) -> None:
        self.record.record(self._next(), Employment(
            unit_id=unit_id, employment_kind=employment_kind, job_position_id=job_position_id,
            grade_code=grade_code,
            grade_name=grade_name, salary_step=salary_step, coefficient=coefficient,
            effective_on=effective_on, decision=decision, allowances=tuple(allowances)))

    @event(Suspended)
    def _suspended(self, until: date, reason: str, effective_on: date, decision: Decision,
                   recorded_by: str) -> None:
        self.record.record(self._next(), Suspension(
            until=until, reason=reason, effective_on=effective_on, decision=decision))

    @event(RelativeAdded)
    def _relative_added(self, relative_id: UUID, relation: Relation,
                        relative_cadre_id: UUID | None, sensitive: dict[str, Any] | None,
                        effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.record.record(self._next(), Relative(
            relative_id=relative_id, relation=relation, relative_cadre_id=relative_cadre_id,
            sensitive=sensitive, effective_on=effective_on, decision=decision))

    @event(Corrected)
    def _corrected(self, target_position: int, target_version: int, target_type: str,
                   reason: str, replacement: dict[str, Any] | None, effective_on: date,
                   decision: Decision | None, recorded_by: str) -> None:
        fact = None if replacement is None else fact_of(FACT_TYPES[target_type], replacement)
        self.record.correct(self._next(), target_version, fact, reason)

    @event(PersonalDataErased)
    def _personal_data_erased(self, reason: str, effective_on: date, decision: Decision | None,
                              recorded_by: str, mentions: Mentions | None = None) -> None:
        self.erased = True
        self.record.record(self._next(), Erasure(reason))


# --- pure checks ---------------------------------------------------------------------------


def check_mentions(mentions: Mentions) -> None:
    """Positions are log positions, each once; a spelling is a span of a mention's field."""
    positions = set(mentions.positions)
    if any(type(p) is not int or p < 1 for p in positions) \
            or len(positions) != len(mentions.positions):
        raise InvalidCommand("mentions.positions: vị trí trong sổ ghi, mỗi vị trí một lần (log "
                             "positions, each once)", code="invalid_value", field="mentions")
    for s in mentions.spellings:
        if s.position not in positions or s.field not in MENTION_FIELDS \
                or not 0 <= s.start < s.end:
            raise InvalidCommand("mentions.spellings: một đoạn của trường được nhắc (a span of "
                                 "a mentioned entry's field)", code="invalid_value",
                                 field="mentions")


def check_day(day: date, field: str, window: DateWindow, *, born_on: date | None) -> None:
    if born_on is not None and day < born_on:
        raise InvalidCommand(f"Ngày {day:%d/%m/%Y} trước ngày sinh (date before birth)",
                             code="date_before_birth", field=field)
    if day > window.latest:
        raise InvalidCommand(
            f"Ngày {day:%d/%m/%Y} quá xa trong tương lai (date after {window.latest.isoformat()})",
            code="date_too_late", field=field)


def check_decision(decision: Decision, window: DateWindow, *, born_on: date | None) -> None:
    if not decision.number.strip() or not decision.issuer.strip() or not decision.signer.strip():
        raise InvalidCommand("Quyết định thiếu số, cơ quan ban hành hoặc người ký (decision "
                             "needs number, issuer and signer)", code="missing_field",
                             field="decision")
    if decision.signed_on > window.today:
        raise InvalidCommand("Ngày ký quyết định chưa đến (decision.signed_on is in the future)",
                             code="date_too_late", field="decision.signed_on")
    check_day(decision.signed_on, "decision.signed_on", window, born_on=born_on)


def check_registration(command: RegisterCadre, window: DateWindow) -> Registration:
    full_name, gender, born_on = command.full_name, command.gender, command.born_on
    party_joined_on, education = command.party_joined_on, command.education
    political_theory, state_management = command.political_theory, command.state_management
    sensitive = command.sensitive
    if not full_name.strip():
        raise InvalidCommand("Thiếu họ và tên (full_name is required)", code="missing_field",
                             field="full_name")
    if born_on > window.today - timedelta(days=365 * MIN_WORKING_AGE):
        raise InvalidCommand(f"Ngày sinh {born_on:%d/%m/%Y} không hợp lệ: chưa đủ "
                             f"{MIN_WORKING_AGE} tuổi (born_on too late)", code="invalid_date",
                             field="born_on")
    if born_on.year < EARLIEST_YEAR:
        raise InvalidCommand("Ngày sinh không hợp lệ (born_on before 1900)", code="invalid_date",
                             field="born_on")
    if party_joined_on is not None:
        check_day(party_joined_on, "party_joined_on", window, born_on=born_on)
        if party_joined_on > window.today:
            raise InvalidCommand("Ngày vào Đảng chưa đến (party_joined_on is in the future)",
                                 code="date_too_late", field="party_joined_on")
    return Registration(full_name=full_name, gender=gender, born_on=born_on,
                party_joined_on=party_joined_on, education=education,
                political_theory=political_theory, state_management=state_management,
                sensitive=sensitive, effective_on=window.today, decision=None)


def check_term(term: str) -> tuple[int, int]:
    match = TERM_PATTERN.match(term)
    if not match or not int(match.group(1)) < int(match.group(2)) <= int(match.group(1)) + 10:
        raise InvalidCommand(f"Nhiệm kỳ '{term}' không hợp lệ (term must be YYYY-YYYY, e.g. "
                             "2025-2030)", code="invalid_term", field="term")
    return int(match.group(1)), int(match.group(2))
