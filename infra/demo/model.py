"""The simulation's own model of the record, which it decides on: units and their seats,
holdings, plannings, cadres, districts, and the corrections to record at the end (`Fix`).

It is not the application's record: the generator keeps it beside the commands it sends so that
it can decide like a personnel office without querying the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.values import ActionKind, Gender, Relation, age_on
from infra.demo.bulk import EventKey
from infra.demo.district import DistrictSpec, TitleSpec, UnitSpec
from infra.demo.world import ORDERS


@dataclass(eq=False)
class UnitState:
    spec: UnitSpec
    id: UUID
    district: DistrictState
    established_on: date
    parents: list[tuple[date, UnitState | None]]
    seats: dict[str, int]
    ward: UnitState | None = None  # the ward node it lies in (old ward, then new ward)
    ended_on: date | None = None
    holders: dict[str, list[HoldingState]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    def exists_on(self, day: date) -> bool:
        return self.established_on <= day and (self.ended_on is None or day < self.ended_on)

    def parent_on(self, day: date) -> UnitState | None:
        parent = self.parents[0][1]
        for since, value in self.parents:
            if since <= day:
                parent = value
        return parent

    def regular(self, title: str) -> list[HoldingState]:
        return [h for h in self.holders.get(title, []) if not h.concurrent and not h.seconded]

    def free_seats(self, title: str) -> int:
        return self.seats.get(title, 0) - len(self.regular(title)) - len(
            [h for h in self.holders.get(title, []) if h.seconded])


@dataclass(eq=False)
class HoldingState:
    cadre: CadreState
    unit: UnitState
    title: TitleSpec
    kind: ActionKind
    since: date
    chain_start: date
    planned_end_on: date | None
    concurrent: bool = False
    seconded: bool = False
    until: date | None = None
    tied: list[HoldingState] = field(default_factory=list)


@dataclass(eq=False)
class PlanningState:
    unit: UnitState
    title: TitleSpec
    term: str
    decided_on: date
    removed_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        return (self.decided_on <= day and (self.removed_on is None or day < self.removed_on)
                and int(self.term[5:]) >= day.year)


@dataclass(eq=False)
class CadreState:
    index: int
    id: UUID
    name: str
    gender: Gender
    born_on: date
    district: DistrictState
    registration: dict[str, Any]
    levels: dict[str, list[tuple[date, str]]]
    retires_on: date = date.max  # first day retired
    holdings: list[HoldingState] = field(default_factory=list)
    plannings: list[PlanningState] = field(default_factory=list)
    vetted: list[date] = field(default_factory=list)
    relatives: list[CadreState] = field(default_factory=list)
    max_rank: int = 0
    last_promotion_on: date | None = None
    barred_until: date | None = None
    disciplined: bool = False
    last_failed_year: int | None = None
    left: bool = False
    stays: bool = False  # planted long tenure: never rotated
    planted: bool = False
    forced_reappointment: bool = False  # planted discipline bar
    training: bool = False
    seconded_until: date | None = None
    registered: int | EventKey = 0  # where the registration is in the log

    def active(self) -> list[HoldingState]:
        return [h for h in self.holdings if h.until is None]

    def rank_now(self) -> int:
        return max((h.title.rank for h in self.active()), default=0)

    def level_on(self, kind: str, day: date) -> str | None:
        held = [str(level) for since, level in self.levels[kind] if since <= day]
        return max(held, key=lambda level: ORDERS[kind].get(level, 0), default=None)

    def age_on(self, day: date) -> int:
        return age_on(self.born_on, day)


@dataclass(eq=False)
class DistrictState:
    spec: DistrictSpec
    units: dict[str, UnitState] = field(default_factory=dict)
    cadres: list[CadreState] = field(default_factory=list)
    reorganised: bool = False
    signer: str = ""


@dataclass
class Fix:
    """A correction to record at the end: the target's log position (or event key) and the
    replacement (None: retraction)."""

    cadre: CadreState
    target: int | EventKey
    replacement: dict[str, Any] | None
    reason: str
    holding: HoldingState | None = None  # an appointment's correction: the post it gave



def _renumbered(number: str) -> str:
    """A decision number as retyped after a typo: "12-QĐ/QU" -> "12a-QĐ/QU"."""
    digits = len(number) - len(number.lstrip("0123456789"))
    return f"{number[:digits]}a{number[digits:]}"


def term_of(day: date) -> str:
    start = 2005 + 5 * ((day.year - 2005) // 5)
    return f"{start}-{start + 5}"


def _spouse(c: CadreState) -> Relation:
    """How the other spouse names `c`."""
    return Relation.VO if c.gender is Gender.NU else Relation.CHONG


def _sibling(c: CadreState, other: CadreState) -> Relation:
    """How `other` names their sibling `c`."""
    if c.born_on < other.born_on:
        return Relation.ANH if c.gender is Gender.NAM else Relation.CHI
    return Relation.EM

