"""Plain values the rule functions judge: what the record shows about cadres, titles and units.

Every fact carries the log position of the entry in force (a corrected entry's correction) so a
finding can cite its evidence, and `recorded_on` (transaction date in Asia/Ho_Chi_Minh) so the
backdating rule can compare when a decision was signed with when the system learned it.
Codes are kept as plain strings (the StrEnums of domain.values compare equal to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.job_position import PositionStandards
from domain.values import (
    EDUCATION_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    Decision,
    TitleStandards,
)

LEVEL_ORDERS: Mapping[str, Mapping[str, int]] = {
    "political_theory": {str(k): v for k, v in POLITICAL_THEORY_ORDER.items()},
    "state_management": {str(k): v for k, v in STATE_MANAGEMENT_ORDER.items()},
    "education": {str(k): v for k, v in EDUCATION_ORDER.items()},
}


@dataclass(frozen=True, slots=True)
class HoldingFact:
    """A post held (giữ chức vụ): appointment and, when recorded, its ending."""

    position: int
    holding_id: UUID
    unit_id: UUID
    title_code: str
    kind: str
    since: date
    decision: Decision
    recorded_on: date
    until: date | None = None  # first day no longer held
    special_case: bool = False
    planned_end_on: date | None = None
    end_reason: str | None = None
    end_decision: Decision | None = None
    end_position: int | None = None
    end_recorded_on: date | None = None
    # A renewal (bổ nhiệm lại, kéo dài, bầu cử lại) took over at `until`: no ending, the
    # tenure runs on in the holding that `renews` this one.
    renewed_position: int | None = None
    renews: UUID | None = None

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class EvaluationFact:
    position: int
    period: str
    rating: str
    decided_on: date
    recorded_on: date


@dataclass(frozen=True, slots=True)
class DisciplineFact:
    position: int
    form: str
    effective_on: date
    decision: Decision
    recorded_on: date
    system: str | None = None  # dang | chinh_quyen | doan_the (None: not recorded)


@dataclass(frozen=True, slots=True)
class PlanningFact:
    position: int
    unit_id: UUID
    title_code: str
    term: str
    decided_on: date
    decision: Decision
    recorded_on: date
    removed_on: date | None = None
    removed_position: int | None = None

    @property
    def term_years(self) -> tuple[int, int]:
        start, _, end = self.term.partition("-")
        return int(start), int(end)

    def in_force_on(self, day: date) -> bool:
        """Decided by `day`, not removed by then, and for a term not over before that year."""
        return (self.decided_on <= day and (self.removed_on is None or day < self.removed_on)
                and self.term_years[1] >= day.year)


@dataclass(frozen=True, slots=True)
class VettingFact:
    position: int
    vetted_on: date
    conclusion: str
    purpose: str = ""


@dataclass(frozen=True, slots=True)
class CommendationFact:
    position: int
    form: str
    decided_on: date
    decision: Decision
    recorded_on: date


@dataclass(frozen=True, slots=True)
class EmploymentFact:
    """An employment entry: from `effective_on` until the cadre's next one."""

    position: int
    unit_id: UUID
    job_position_id: UUID | None
    effective_on: date
    decision: Decision
    recorded_on: date


@dataclass(frozen=True, slots=True)
class NominationFact:
    """A nomination to stand for election to a post (giới thiệu ứng cử)."""

    position: int
    unit_id: UUID
    title_code: str
    decided_on: date
    decision: Decision
    recorded_on: date


@dataclass(frozen=True, slots=True)
class JobPositionFacts:
    """A job position with its dated standards (PositionStandards, ordered by valid_from)."""

    position_id: UUID
    unit_id: UUID
    code: str
    name: str
    registered_position: int
    recorded_on: date
    standards: tuple[PositionStandards, ...] = ()
    # The first day the position's data applies from (its earliest version), else recorded_on.
    established_on: date | None = None

    def standards_on(self, day: date) -> PositionStandards | None:
        return next((s for s in reversed(self.standards) if s.valid_from <= day), None)


@dataclass(frozen=True, slots=True)
class RelativeFact:
    position: int
    relation: str
    relative_cadre_id: UUID | None


@dataclass(frozen=True, slots=True)
class QualificationFact:
    """A level held from `obtained_on` (None: declared at registration, held throughout)."""

    position: int
    kind: str  # education | political_theory | state_management | language | it
    level: str
    obtained_on: date | None


@dataclass(frozen=True, slots=True)
class IdentityCorrection:
    """A correction that changed an identity field (birth date, degrees, political theory)."""

    position: int
    target_position: int
    field: str
    before: str | None
    after: str | None
    recorded_on: date


@dataclass(frozen=True, slots=True)
class DossierStepFact:
    """A step of an appointment's dossier (hồ sơ bổ nhiệm), for the holding it belongs to."""

    position: int
    holding_id: UUID
    step: str
    on: date
    votes_for: int | None = None
    votes_total: int | None = None


@dataclass(frozen=True, slots=True)
class DeclarationFact:
    """An asset declaration (kê khai tài sản, thu nhập): its kind and the day it was made."""

    position: int
    kind: str
    declared_on: date
    recorded_on: date


@dataclass(frozen=True, slots=True)
class TravelFact:
    """A trip abroad: its dates, the permission (a decision, or None) and the report's day."""

    position: int
    travel_id: UUID
    purpose: str
    departed_on: date
    returned_on: date
    permission: Decision | None = None
    reported_on: date | None = None
    report_position: int | None = None


@dataclass(frozen=True, slots=True)
class CadreFacts:
    cadre_id: UUID
    full_name: str
    gender: str
    born_on: date
    registered_position: int
    registered_on: date  # when the cadre's record entered the system
    holdings: tuple[HoldingFact, ...] = ()
    evaluations: tuple[EvaluationFact, ...] = ()
    disciplines: tuple[DisciplineFact, ...] = ()
    plannings: tuple[PlanningFact, ...] = ()
    vettings: tuple[VettingFact, ...] = ()
    relatives: tuple[RelativeFact, ...] = ()
    qualifications: tuple[QualificationFact, ...] = ()
    identity_corrections: tuple[IdentityCorrection, ...] = ()
    commendations: tuple[CommendationFact, ...] = ()
    employments: tuple[EmploymentFact, ...] = ()
    nominations: tuple[NominationFact, ...] = ()
    dossier_steps: tuple[DossierStepFact, ...] = ()
    declarations: tuple[DeclarationFact, ...] = ()
    travels: tuple[TravelFact, ...] = ()

    def level_on(self, kind: str, day: date) -> QualificationFact | None:
        """The highest level of a kind held on a date."""
        order = LEVEL_ORDERS.get(kind, {})
        held = [q for q in self.qualifications
                if q.kind == kind and (q.obtained_on is None or q.obtained_on <= day)]
        return max(held, key=lambda q: order.get(q.level, 0), default=None)


@dataclass(frozen=True, slots=True)
class TitleFacts:
    code: str
    name: str
    is_head: bool
    rank: int
    tier: str
    sector: str | None = None
    standards: TitleStandards = field(default_factory=TitleStandards)


@dataclass(frozen=True, slots=True)
class UnitFacts:
    unit_id: UUID
    code: str
    name: str
    kind: str
    established_on: date
    first_recorded_on: date  # when the unit's record entered the system
    parents: tuple[tuple[date, UUID | None], ...] = ()  # (since, parent), ordered
    ended_on: date | None = None

    def exists_on(self, day: date) -> bool:
        return self.established_on <= day and (self.ended_on is None or day < self.ended_on)

    def parent_on(self, day: date) -> UUID | None:
        if not self.parents:
            return None
        parent = self.parents[0][1]
        for since, value in self.parents:
            if since > day:
                break
            parent = value
        return parent


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """Everything the checks judge, as the record showed it; checks look at `as_of` and before."""

    as_of: date
    cadres: tuple[CadreFacts, ...]
    titles: Mapping[str, TitleFacts]
    units: Mapping[UUID, UnitFacts]
    job_positions: Mapping[UUID, JobPositionFacts] = field(default_factory=dict)

    def rank(self, title_code: str) -> int:
        title = self.titles.get(title_code)
        return title.rank if title else 0

    def ancestors_on(self, unit_id: UUID, day: date) -> list[UUID]:
        """The unit and its ancestors on a date, nearest first."""
        chain: list[UUID] = []
        current: UUID | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            unit = self.units.get(current)
            current = unit.parent_on(day) if unit else None
        return chain
