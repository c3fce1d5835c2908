"""Deterministic synthetic histories recorded through the application service's commands.

`generate(app, profile, seed)` simulates twenty years of cadre work (2006 → today) in one or more
districts modelled on seed 000 (Kiến An) and records every fact with the same validated commands
a user's request goes through (register_unit, appoint, end_holding, evaluate, plan, vet ...).
Nothing is written to the log directly. With a `BulkApplication` the events are saved in
batches; with a plain `HosoApplication` each command is its own transaction.

The simulation keeps its own model of who holds what, and decides like a careful personnel
office: head posts refilled within 90 days, planning and political vetting before an
appointment, trained to the title's standards first, nobody promoted within 36 months of the
last promotion or with under 60 months to retirement, nobody kept 8 years in one post, no
appointment during a discipline bar, relatives never in linked posts, HTXSNV within 20% of
those rated HTTNV and above per unit and period. A handful of violations is planted on purpose
(see `PlantedViolation` and docs/generator.md) so that oversight has something to find.

All randomness comes from `random.Random(seed)` and the model is iterated in creation order, so
the same seed on the same `today` gives the same history (aggregate ids are uuid4s and differ).
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.application import HosoApplication, Receipt
from domain.rules.retirement import retirement_date
from domain.values import (
    EDUCATION_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    ActionKind,
    Decision,
    DisciplineForm,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    StateManagement,
    TrainingMode,
    VettingConclusion,
    add_months,
    age_on,
)
from infra.demo import names
from infra.demo.bulk import BulkApplication, EventKey
from infra.demo.district import (
    KIEN_AN_WARDS,
    OTHER_DISTRICTS,
    TITLE_BY_CODE,
    TITLES,
    WARD_NAMES,
    DistrictSpec,
    TitleSpec,
    UnitSpec,
    district_units,
    new_ward_units,
)

RECORDED_BY = "demo-generator"
HISTORY_STARTS = date(2006, 1, 1)
WARD_MERGERS_ON = date(2025, 1, 1)
TWO_LEVEL_ON = date(2025, 7, 1)
# Quarterly ratings from the first quarter begun under QĐ 366-QĐ/TW (in force 30/08/2025).
QUARTERS_FROM = date(2025, 10, 1)
# Quarters before this year were added later (issue 16): they draw from a random stream of
# their own, so the main stream, and every plant placed from it, stays what it was.
DRAWN_QUARTERS_FROM = 2026
TERM_MONTHS = 60
ROTATE_AFTER_MONTHS = 84  # moved before the 8-year long-tenure mark
PROMOTION_GAP_MONTHS = 37  # express-promotion window is 36
MIN_MONTHS_IN_POST = 25  # min-time-in-post is 24
RETIREMENT_HORIZON_MONTHS = 61  # retirement horizon is 60
BAR_MONTHS = {DisciplineForm.KHIEN_TRACH: 24, DisciplineForm.CANH_CAO: 36}
AREA_KINDS = frozenset({"quan_uy", "dang_uy", "ubnd"})
LINKED_SECTORS = frozenset({"noi_vu", "thanh_tra", "tai_chinh", "ngan_hang", "thue", "hai_quan",
                            "cong_thuong", "ke_hoach_dau_tu", "tai_nguyen_moi_truong",
                            "quan_doi", "cong_an", "toa_an", "vien_kiem_sat"})
CITY = "Thành phố Hải Phòng"
CITY_PARTY = "Ban Thường vụ Thành ủy Hải Phòng"
VIOLATIONS = ("Vi phạm quy định về quản lý tài chính, tài sản công",
              "Thiếu trách nhiệm trong lãnh đạo, chỉ đạo công tác quản lý đất đai",
              "Vi phạm quy chế làm việc của cơ quan",
              "Kê khai tài sản, thu nhập không trung thực")
# Keyed by the plain code: a StrEnum member hashes by its name, not by its value.
ORDERS: Mapping[str, Mapping[str, int]] = {
    "political_theory": {str(k): v for k, v in POLITICAL_THEORY_ORDER.items()},
    "state_management": {str(k): v for k, v in STATE_MANAGEMENT_ORDER.items()},
    "education": {str(k): v for k, v in EDUCATION_ORDER.items()},
}


# --- profiles and the summary ----------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    districts: int  # the first one is Kiến An (seed 000's), the others are synthetic
    wards: int  # wards of each synthetic district
    schools: int  # schools of each synthetic district


PROFILES: dict[str, Profile] = {
    p.name: p for p in (
        Profile("demo", "Quận Kiến An, 2006 → hôm nay (~280 cán bộ, ~10.500 sự kiện)", 1, 10,
                12),
        Profile("size_10k", "Một quận (~10.000 sự kiện)", 1, 10, 12),
        Profile("size_100k", "10 quận (~100.000 sự kiện)", 10, 10, 12),
        Profile("size_1m", "95 quận (~1.000.000 sự kiện)", 95, 10, 12),
        Profile("size_10m", "950 quận (~10.000.000 sự kiện)", 950, 10, 12),
        Profile("province", "Thành phố Hải Phòng mở rộng: 95 quận, ~27.000 cán bộ, "
                "~1.000.000 sự kiện", 95, 10, 12),
    )
}


@dataclass(frozen=True)
class PlantedViolation:
    """A violation recorded on purpose; `rule` is the oversight rule id that should find it."""

    rule: str
    cadre_name: str
    on: date
    description: str
    also: tuple[str, ...] = ()  # other rules the same facts trip
    cadre_id: UUID | None = field(default=None, compare=False)
    unit_id: UUID | None = field(default=None, compare=False)


@dataclass(frozen=True)
class GenerationSummary:
    profile: str
    seed: int
    today: date
    cadres: int
    units: int
    events: int
    counts: Mapping[str, int]  # event type (Cadre.Appointed ...) -> count
    appointment_kinds: Mapping[str, int]
    planted: tuple[PlantedViolation, ...]
    admin_hint: str
    root_unit_id: UUID | None = field(default=None, compare=False)
    seconds: float = field(default=0.0, compare=False)


# --- the model the simulation decides on -----------------------------------------------------


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


# --- the simulation --------------------------------------------------------------------------


class _History:
    def __init__(self, app: HosoApplication, profile: Profile, seed: int,
                 progress: Callable[[int], None] | None) -> None:
        self.app = app
        self.bulk = app if isinstance(app, BulkApplication) else None
        self.profile = profile
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = app.window().today
        self.progress = progress
        self.queue: list[tuple[date, int, Callable[..., None], tuple[Any, ...]]] = []
        self.sequence = 0
        self.numbers: Counter[tuple[str, int]] = Counter()
        self.planted: list[PlantedViolation] = []
        self.pending: dict[str, date] = {}
        self.fixes: list[Fix] = []
        self.kinds: Counter[str] = Counter()
        self.cadre_count = 0
        self.unit_count = 0
        self.commands = 0
        self.root_id: UUID | None = None
        self.used_names: set[str] = set()
        self.reserved: dict[tuple[int, str], date] = {}  # posts kept empty for a plant

    # --- plumbing ----------------------------------------------------------------------------

    def at(self, day: date, action: Callable[..., None], *args: Any) -> None:
        if day <= self.today:
            self.sequence += 1
            heapq.heappush(self.queue, (day, self.sequence, action, args))

    def run(self) -> None:
        while self.queue:
            day, _, action, args = heapq.heappop(self.queue)
            action(day, *args)

    def _did(self, receipt: Receipt) -> Receipt:
        self.commands += 1
        if self.progress and self.bulk is None and self.commands % 500 == 0:
            self.progress(receipt.position)
        return receipt

    def _remember(self, cadre: CadreState, receipt: Receipt) -> int | EventKey:
        """Where a fact lives in the log, for a later correction."""
        if receipt.position:
            return receipt.position
        assert self.bulk is not None and self.bulk.last_event_key is not None
        key = self.bulk.last_event_key
        self.bulk.watch(key)
        return key

    def _wants_fix(self, cadre: CadreState) -> bool:
        return not cadre.planted and self.rng.random() < 0.014

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def decision(self, unit: UnitState, title: TitleSpec | None, signed_on: date,
                 subject: CadreState | None = None) -> Decision:
        issuer, style, signer = self._issuer(unit, title, subject)
        self.numbers[(issuer, signed_on.year)] += 1
        n = self.numbers[(issuer, signed_on.year)]
        number = f"{n}/QĐ-UBND" if style == "UBND" else f"{n}-QĐ/{style}"
        return Decision(number=number, signed_on=signed_on, issuer=issuer, signer=signer)

    def _issuer(self, unit: UnitState, title: TitleSpec | None,
                subject: CadreState | None) -> tuple[str, str, str]:
        d = unit.district
        if title is not None and title.tier == "thanh_uy":
            return CITY_PARTY, "TU", d.signer
        party = title is None or title.sphere != "chinh_quyen"
        if d.reorganised:
            ward = unit.ward
            if ward is None or not ward.spec.new_ward:  # a former unit: its successor decides
                ward = d.units[f"{d.spec.code}.X1"]
            name = ward.name.removeprefix("Phường ")
            if party:
                return (f"Ban Thường vụ Đảng ủy phường {name}", "ĐU",
                        self._holder_name(d, f"{ward.spec.key}.DU", "bi_thu_dang_uy_xa", subject))
            return (f"Ủy ban nhân dân phường {name}", "UBND",
                    self._holder_name(d, f"{ward.spec.key}.UB", "chu_tich_ubnd_xa", subject))
        code = d.spec.code
        if party:
            return (f"Ban Thường vụ Quận ủy {d.spec.name}", "QU",
                    self._holder_name(d, f"{code}.QU", "bi_thu_quan_uy", subject))
        return (f"Ủy ban nhân dân quận {d.spec.name}", "UBND",
                self._holder_name(d, f"{code}.UB", "chu_tich_ubnd_quan", subject))

    def _holder_name(self, d: DistrictState, unit_key: str, title: str,
                     subject: CadreState | None) -> str:
        unit = d.units.get(unit_key)
        holders = unit.regular(title) if unit else []
        if holders and holders[0].cadre is not subject:
            return holders[0].cadre.name
        return d.signer

    # --- organisation --------------------------------------------------------------------------

    def register_titles(self) -> None:
        for t in TITLES:
            if t.code and not self._title_exists(t.code):
                self._did(self.app.register_title(
                    code=t.code, name=t.name, is_head=t.is_head, management_tier=t.tier,
                    rank=t.rank, sector=t.sector, standards=t.standards,
                    recorded_by=RECORDED_BY))

    def _title_exists(self, code: str) -> bool:
        from domain.errors import NotFound
        try:
            self.app.title(code)
        except NotFound:
            return False
        return True

    def register_root(self) -> None:
        receipt = self._did(self.app.register_unit(
            code="HP", name=CITY, kind="thanh_pho", established_on=date(1955, 5, 13),
            recorded_by=RECORDED_BY))
        self.root_id = receipt.id
        self.unit_count += 1

    def register_unit(self, d: DistrictState, spec: UnitSpec, established_on: date) -> UnitState:
        parent = d.units[spec.parent] if spec.parent else None
        receipt = self._did(self.app.register_unit(
            code=spec.key, name=spec.name, kind=spec.kind, established_on=established_on,
            parent_id=parent.id if parent else self.root_id, recorded_by=RECORDED_BY))
        unit = UnitState(spec, receipt.id, d, established_on, [(established_on, parent)],
                         dict(spec.posts))
        unit.ward = d.units[spec.ward] if spec.ward and spec.ward in d.units else (
            unit if spec.ward == spec.key else None)
        d.units[spec.key] = unit
        self.unit_count += 1
        return unit

    # --- cadres --------------------------------------------------------------------------------

    def unique_name(self, gender: Gender, family: str | None = None) -> str:
        for _ in range(50):
            name = names.full_name(self.rng, gender, family)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return name

    def register(self, d: DistrictState, gender: Gender, born_on: date,
                 levels: dict[str, str | None], family: str | None = None,
                 party_member: bool = True, with_family: bool = True) -> CadreState:
        name = self.unique_name(gender, family)
        party_joined = (add_months(born_on, self.rng.randint(22 * 12, 32 * 12))
                        if party_member else None)
        if party_joined is not None and party_joined > self.today:
            party_joined = None
        registration: dict[str, Any] = dict(
            full_name=name, gender=gender, born_on=born_on, party_joined_on=party_joined,
            education=levels.get("education"), political_theory=levels.get("political_theory"),
            state_management=levels.get("state_management"),
            ethnicity="Kinh" if self.rng.random() < 0.985 else self.rng.choice(("Tày", "Mường")),
            religion=None if self.rng.random() < 0.93 else self.rng.choice(
                ("Phật giáo", "Công giáo")),
            hometown=self.rng.choice(names.HOMETOWNS),
            national_id=names.national_id(self.rng, gender, born_on.year))
        receipt = self._did(self.app.register_cadre(**registration, recorded_by=RECORDED_BY))
        cadre = CadreState(
            len(d.cadres), receipt.id, name, gender, born_on, d, registration,
            {k: [(date.min, v)] if v else [] for k, v in (
                ("political_theory", levels.get("political_theory")),
                ("state_management", levels.get("state_management")),
                ("education", levels.get("education")))})
        cadre.retires_on = retirement_date(born_on, gender) + timedelta(days=1)
        d.cadres.append(cadre)
        self.cadre_count += 1
        cadre.registered = self._remember(cadre, receipt)
        if self._wants_fix(cadre):
            replacement = dict(registration, hometown=self.rng.choice(names.HOMETOWNS))
            self.fixes.append(Fix(cadre, cadre.registered, replacement,
                                  "Đính chính quê quán theo hồ sơ gốc"))
        if with_family:
            self._family(cadre)
        self.at(cadre.retires_on, self.retire, cadre)
        return cadre

    def _family(self, c: CadreState) -> None:
        """Relatives from the CV form (not cadres themselves)."""
        family = c.name.split()[0]
        age = c.age_on(self.today)
        members: list[tuple[Relation, Gender, str | None, int]] = []
        if age > 26 and self.rng.random() < 0.85:
            spouse = Gender.NAM if c.gender is Gender.NU else Gender.NU
            relation = Relation.CHONG if c.gender is Gender.NU else Relation.VO
            members.append((relation, spouse, None, c.born_on.year + self.rng.randint(-4, 4)))
        if self.rng.random() < 0.6:
            members.append((Relation.CHA, Gender.NAM, family, c.born_on.year - self.rng.randint(
                24, 34)))
        if age > 30 and self.rng.random() < 0.6:
            child = self.rng.choice((Gender.NAM, Gender.NU))
            members.append((Relation.CON, child, family if c.gender is Gender.NAM else None,
                            c.born_on.year + self.rng.randint(24, 32)))
        for relation, gender, surname, year in members:
            full = names.full_name(self.rng, gender, surname)
            born_year = min(year, self.today.year)
            receipt = self._did(self.app.add_relative(
                c.id, relation=relation, full_name=full, born_year=born_year,
                recorded_by=RECORDED_BY))
            if self._wants_fix(c):
                fixed = names.full_name(self.rng, gender, surname or full.split()[0])
                self.fixes.append(Fix(c, self._remember(c, receipt), dict(
                    relation=relation, full_name=fixed, relative_cadre_id=None,
                    born_year=born_year), "Đính chính họ tên người thân theo sơ yếu lý lịch"))

    def link_relatives(self, a: CadreState, b: CadreState, relation_of_b: Relation,
                       relation_of_a: Relation) -> None:
        """Two cadres who are relatives: each record names the other."""
        for owner, other, relation in ((a, b, relation_of_b), (b, a, relation_of_a)):
            self._did(self.app.add_relative(owner.id, relation=relation, full_name=other.name,
                                            relative_cadre_id=other.id,
                                            born_year=other.born_on.year,
                                            recorded_by=RECORDED_BY))
            owner.relatives.append(other)

    def recruit(self, d: DistrictState, unit: UnitState, title: TitleSpec,
                day: date) -> CadreState:
        """A new cadre from outside the district's record, qualified for `title` on `day`."""
        low, high = {3: (24, 32), 4: (32, 42), 5: (33, 45), 6: (38, 48)}.get(title.rank,
                                                                            (42, 50))
        if unit.spec.gender:
            gender = Gender(unit.spec.gender)
        else:
            share = 0.72 if unit.kind == "truong_hoc" else 0.58
            gender = Gender.NU if self.rng.random() < share else Gender.NAM
        for _ in range(20):
            born = day - timedelta(days=self.rng.randint(low * 365 + 30, high * 365))
            if add_months(day, RETIREMENT_HORIZON_MONTHS + 6) < retirement_date(born, gender):
                break
            high = max(low, high - 3)
        s = title.standards
        pt = s.min_political_theory
        if pt is None and title.rank >= 4:
            pt = PoliticalTheory.SO_CAP
        if pt is PoliticalTheory.TRUNG_CAP and self.rng.random() < 0.15:
            pt = PoliticalTheory.CAO_CAP
        sm = s.min_state_management
        if sm is None and title.rank >= 4 and self.rng.random() < 0.5:
            sm = StateManagement.CV
        edu = Education.THAC_SI if title.rank >= 6 and self.rng.random() < 0.3 else (
            s.min_education or Education.DAI_HOC)
        if edu is Education.CAO_DANG and (title.rank >= 4 or self.rng.random() < 0.8):
            edu = Education.DAI_HOC
        levels: dict[str, str | None] = {"political_theory": pt, "state_management": sm,
                                         "education": edu}
        family = None
        sibling: CadreState | None = None
        if self.rng.random() < 0.05:
            # Sometimes a newcomer is the sibling of a cadre already in the district.
            others = [o for o in d.cadres if not o.left and o.active() and not o.planted
                      and abs(o.born_on.year - born.year) <= 10 and not any(
                          self.linked((unit, title), (h.unit, h.title), day)
                          for h in o.active())]
            if others:
                sibling = self.rng.choice(others)
                family = sibling.name.split()[0]
        cadre = self.register(d, gender, born, levels, family=family,
                              party_member=title.rank >= 4 or self.rng.random() < 0.5)
        self._certificates(cadre)
        # Ngạch công chức follows the state-management level held; no random draw, so the rest
        # of the history is the same as without it.
        grades: dict[StateManagement | None, str] = {
            StateManagement.CVCC: "cvcc", StateManagement.CVC: "cvc", StateManagement.CV: "cv"}
        grade = grades.get(sm, "cv" if title.rank >= 3 else "can_su")
        if day <= self.today:
            self._did(self.app.add_qualification(cadre.id, kind=QualificationKind.GRADE,
                                                 level=grade, obtained_on=day,
                                                 recorded_by=RECORDED_BY))
        if sibling is not None:
            self.link_relatives(cadre, sibling, _sibling(sibling, cadre),
                                _sibling(cadre, sibling))
        return cadre

    def _certificates(self, c: CadreState) -> None:
        if self.rng.random() < 0.35:
            obtained = add_months(c.born_on, self.rng.randint(22 * 12, 30 * 12))
            if obtained <= self.today:
                self._did(self.app.add_qualification(
                    c.id, kind=QualificationKind.LANGUAGE,
                    level=self.rng.choice(("Tiếng Anh B1", "Tiếng Anh B2", "Tiếng Pháp B1")),
                    obtained_on=obtained, recorded_by=RECORDED_BY))
        if self.rng.random() < 0.3:
            obtained = add_months(c.born_on, self.rng.randint(22 * 12, 34 * 12))
            if obtained <= self.today:
                self._did(self.app.add_qualification(
                    c.id, kind=QualificationKind.IT,
                    level="Chứng chỉ ứng dụng công nghệ thông tin cơ bản",
                    obtained_on=obtained, recorded_by=RECORDED_BY))

    # --- qualifications ----------------------------------------------------------------------

    def meets(self, c: CadreState, title: TitleSpec, day: date) -> bool:
        s = title.standards
        for kind, minimum in (("political_theory", s.min_political_theory),
                              ("state_management", s.min_state_management),
                              ("education", s.min_education)):
            if minimum is None:
                continue
            held = c.level_on(kind, day)
            if held is None or ORDERS[kind].get(held, 0) < ORDERS[kind][str(minimum)]:
                return False
        first_time = not any(h.title.code == title.code for h in c.holdings)
        return not (s.max_age_first_appointment is not None and first_time
                    and c.age_on(day) > s.max_age_first_appointment)

    # --- checks mirroring the oversight rules --------------------------------------------------

    def barred(self, c: CadreState, day: date) -> bool:
        return c.barred_until is not None and day < c.barred_until

    def planned(self, c: CadreState, title: TitleSpec, day: date) -> bool:
        return any(p.in_force_on(day) and (p.title is title or p.title.rank >= title.rank)
                   for p in c.plannings)

    def plannings_in(self, c: CadreState, term: str) -> list[PlanningState]:
        return [p for p in c.plannings if p.term == term and p.removed_on is None]

    def linked(self, a: tuple[UnitState, TitleSpec], b: tuple[UnitState, TitleSpec],
               day: date) -> bool:
        """The relatives rule's link between two posts held from `day`."""
        if a[0] is b[0]:
            return True
        for (area_unit, area_title), (sector_unit, sector_title) in ((a, b), (b, a)):
            if not (area_title.is_head and sector_title.is_head):
                continue
            if area_unit.kind not in AREA_KINDS or sector_title.sector not in LINKED_SECTORS:
                continue
            parent = area_unit.parent_on(day)
            area = parent if parent is not None and parent.kind not in AREA_KINDS else area_unit
            node: UnitState | None = sector_unit
            while node is not None:
                if node is area:
                    return True
                node = node.parent_on(day)
        return False

    def relatives_ok(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date,
                     leaving: tuple[HoldingState, ...] = ()) -> bool:
        for other in c.relatives:
            for h in other.active():
                if h in leaving:
                    continue
                if self.linked((unit, title), (h.unit, h.title), day):
                    return False
        return True

    def can_promote(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date,
                    relax: frozenset[str] = frozenset()) -> bool:
        if c.left or c.stays or (c.planted and "planted" not in relax):
            return False
        if c.seconded_until is not None and c.seconded_until > day:
            return False
        active = c.active()
        if not active or c.retires_on <= day or any(h.since >= day for h in active):
            return False  # a post taken today cannot also be left today
        rank = c.rank_now()
        if not (title.rank - 2 <= rank < title.rank) or title.rank <= c.max_rank:
            return False
        if unit.spec.gender and c.gender.value != unit.spec.gender:
            return False
        if (unit.kind == "truong_hoc") != all(h.unit.kind == "truong_hoc" for h in active):
            return False  # schools promote their own; principals are not drawn to offices
        if self.barred(c, day - timedelta(days=120)) or self.barred(c, day):
            return False
        if add_months(day, RETIREMENT_HORIZON_MONTHS) > c.retires_on - timedelta(days=1):
            return False
        if "min_time" not in relax and any(
                h.chain_start > add_months(day, -MIN_MONTHS_IN_POST) for h in active):
            return False
        if "express" not in relax and c.last_promotion_on is not None and add_months(
                c.last_promotion_on, PROMOTION_GAP_MONTHS) > day:
            return False
        if not self.meets(c, title, day):
            return False
        if not self.planned(c, title, day) and len(self.plannings_in(c, term_of(day))) >= 3:
            return False
        return self.relatives_ok(c, unit, title, day, tuple(active))

    # --- commands with their model updates ---------------------------------------------------

    def vet(self, c: CadreState, day: date, purpose: str, needed_on: date | None = None) -> None:
        """Political vetting (thẩm định) shortly before `day`, unless one from the 11 months
        before `needed_on` (the appointment it serves; default `day`) is on record."""
        needed = needed_on or day
        if any(add_months(needed, -11) <= v <= day for v in c.vetted):
            return
        on = max(day - self.days(8, 40), c.born_on)
        on = min(on, self.today)
        d = c.district
        body = ("Ban Xây dựng Đảng Đảng ủy phường" if d.reorganised
                else f"Ban Tổ chức Quận ủy {d.spec.name}")
        receipt = self._did(self.app.vet(c.id, vetted_on=on, purpose=purpose,
                                         conclusion=VettingConclusion.DAT, body=body,
                                         recorded_by=RECORDED_BY))
        c.vetted.append(on)
        if self._wants_fix(c):
            self.fixes.append(Fix(c, self._remember(c, receipt), dict(
                purpose=purpose, conclusion=VettingConclusion.DAT,
                body=f"{body} phối hợp Công an", vetted_on=on),
                "Bổ sung cơ quan phối hợp thẩm định"))

    def plan(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date,
             term: str) -> None:
        decided = max(day, unit.established_on)
        self.vet(c, decided, "quy hoạch")
        decision = self.decision(unit, title, decided)
        self._did(self.app.plan(c.id, unit_id=unit.id, title_code=title.code, term=term,
                                decided_on=decided, decision=decision, recorded_by=RECORDED_BY))
        c.plannings.append(PlanningState(unit, title, term, decided))

    def remove_planning(self, c: CadreState, p: PlanningState, day: date) -> None:
        decision = self.decision(p.unit, p.title, day)
        self._did(self.app.plan(c.id, unit_id=p.unit.id, title_code=p.title.code, term=p.term,
                                decided_on=day, decision=decision, removed=True,
                                recorded_by=RECORDED_BY))
        p.removed_on = day

    def nominate(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date) -> None:
        decided = max(day, unit.established_on)
        receipt = self._did(self.app.nominate(
            c.id, unit_id=unit.id, title_code=title.code, decided_on=decided,
            decision=self.decision(unit, None, decided), recorded_by=RECORDED_BY))
        self.kinds["gioi_thieu_ung_cu"] += 1
        if self._wants_fix(c):
            self.fixes.append(Fix(c, self._remember(c, receipt), None,
                                  "Thu hồi: nhập trùng quyết định giới thiệu ứng cử"))

    def appoint(self, c: CadreState, unit: UnitState, title: TitleSpec, kind: ActionKind,
                day: date, *, signed_on: date | None = None, concurrent: bool = False,
                seconded_months: int | None = None, until_retirement: bool = False,
                chain_start: date | None = None) -> HoldingState:
        if seconded_months:
            planned_end: date | None = add_months(day, seconded_months)
        elif concurrent or title.code.startswith("cong_chuc"):
            planned_end = None
        elif until_retirement:
            planned_end = c.retires_on
        else:
            planned_end = add_months(day, TERM_MONTHS)
        signed = signed_on or max(day - self.days(3, 20), c.born_on)
        decision = self.decision(unit, title, signed, c)
        receipt = self._did(self.app.appoint(
            c.id, kind=kind, unit_id=unit.id, title_code=title.code, effective_on=day,
            decision=decision, planned_end_on=planned_end, recorded_by=RECORDED_BY))
        promotion = not c.holdings or title.rank > c.max_rank
        h = HoldingState(c, unit, title, kind, day, chain_start or day, planned_end,
                         concurrent=concurrent, seconded=bool(seconded_months))
        c.holdings.append(h)
        unit.holders.setdefault(title.code, []).append(h)
        if promotion:
            c.last_promotion_on = day
        if title.rank >= 5 and c.max_rank < 5 and c.holdings[:-1]:
            self._defence_course(c, day, title)
        c.max_rank = max(c.max_rank, title.rank)
        self.kinds[kind.value] += 1
        if not title.is_head and not concurrent and self._wants_fix(c):
            fixed = Decision(_renumbered(decision.number), decision.signed_on,
                             decision.issuer, decision.signer)
            self.fixes.append(Fix(c, self._remember(c, receipt), dict(
                kind=kind, unit_id=unit.id, title_code=title.code, effective_on=day,
                decision=fixed, term_months=None, planned_end_on=planned_end,
                special_case=False), "Đính chính số quyết định", holding=h))
        if planned_end is not None and not concurrent:
            self.at(planned_end, self.term_end, h)
        if not concurrent and not seconded_months:
            self.at(self.rotation_day(h), self.rotation_due, h)
            if title.concurrent:
                party = self.party_unit(unit)
                if party is not None:
                    self.at(day + timedelta(days=1), self.take_concurrent, h, party)
        return h

    def rotation_day(self, h: HoldingState) -> date:
        return add_months(h.chain_start, ROTATE_AFTER_MONTHS) - timedelta(
            days=h.cadre.index % 150)

    def party_unit(self, unit: UnitState) -> UnitState | None:
        d = unit.district
        key = unit.spec.key
        if key.endswith(".UB"):
            return d.units.get(key[:-3] + (".QU" if key == f"{d.spec.code}.UB" else ".DU"))
        return None

    def take_concurrent(self, day: date, main: HoldingState, party: UnitState) -> None:
        title = TITLE_BY_CODE[main.title.concurrent or ""]
        if main.until is not None or not party.exists_on(day):
            return
        if not self.relatives_ok(main.cadre, party, title, day):
            return
        if any(h.unit is party and h.title is title for h in main.cadre.active()):
            return  # kept from the previous term (reappointment)
        h = self.appoint(main.cadre, party, title, ActionKind.KIEM_NHIEM, day, concurrent=True)
        main.tied.append(h)

    def end(self, h: HoldingState, reason: EndingReason, day: date,
            keep_tied: bool = False) -> None:
        if not keep_tied:
            for tied in h.tied:
                if tied.until is None:
                    self.end(tied, reason, day)
        signed = max(day - self.days(5, 40), h.since)
        if reason is EndingReason.NGHI_HUU:
            signed = max(day - self.days(60, 100), h.since)
        decision = self.decision(h.unit, h.title, signed, h.cadre)
        self._did(self.app.end_holding(
            h.cadre.id, unit_id=h.unit.id, title_code=h.title.code, reason=reason,
            effective_on=day, decision=decision, recorded_by=RECORDED_BY))
        h.until = day
        h.unit.holders[h.title.code].remove(h)

    # --- vacancies and appointments ------------------------------------------------------------

    def vacancy(self, unit: UnitState, title: TitleSpec, day: date) -> None:
        if unit.ended_on is not None and unit.ended_on <= day:
            return
        if title.is_head:
            delay = self.rng.randint(3, 55)
            if ("vacancy" in self.pending and day >= self.pending["vacancy"]
                    and unit.kind in ("phong", "ban_dang") and not unit.district.reorganised
                    and day + timedelta(days=140) < TWO_LEVEL_ON):
                del self.pending["vacancy"]
                delay = 125
                self.reserved[id(unit), title.code] = day + timedelta(days=delay)
                self.at(day + timedelta(days=delay), self.fill, unit, title, "vacancy")
                return
        elif title.code.startswith("cong_chuc"):
            delay = self.rng.randint(30, 150)
        else:
            delay = self.rng.randint(20, 200)
        self.at(day + timedelta(days=delay), self.fill, unit, title, None)

    def fill(self, day: date, unit: UnitState, title: TitleSpec, plant: str | None) -> None:
        if not unit.exists_on(day) or unit.free_seats(title.code) <= 0:
            return
        if plant != "vacancy" and day < self.reserved.get((id(unit), title.code), day):
            return
        d = unit.district
        if plant is None:
            plant = self._fill_plant(unit, title, day)
        if plant == "relatives" and self._plant_relatives(unit, title, day):
            return
        if (not title.is_head and title.rank >= 4 and not d.reorganised
                and day < date(2024, 3, 1) and self.rng.random() < 0.08
                and self._second(unit, title, day)):
            return
        relax = frozenset({"planning"}) if plant == "not_in_planning" else frozenset()
        candidates = [c for c in d.cadres if self.can_promote(c, unit, title, day)]
        if plant == "not_in_planning":
            candidates = [c for c in candidates if not self.planned(c, title, day)]
        if plant == "long_tenure":
            candidates = [c for c in candidates if c.retires_on > self.today + timedelta(
                days=120)]
        if not candidates:
            cadre = self.recruit(d, unit, title, day)
            self.promote(cadre, unit, title, day, plant=plant)
            return
        ranked = sorted(candidates, key=lambda c: -self._preference(c, unit, title, day))
        cadre = ranked[0] if self.rng.random() < 0.7 else self.rng.choice(ranked[:4])
        self.promote(cadre, unit, title, day, plant=plant, relax=relax)

    def _fill_plant(self, unit: UnitState, title: TitleSpec, day: date) -> str | None:
        d = unit.district
        if d.reorganised or day > date(2024, 6, 1):
            return None
        for name in ("backdated", "not_in_planning", "relatives"):
            since = self.pending.get(name)
            if since is None or day < since:
                continue
            if name == "not_in_planning" and not (title.is_head and unit.kind in (
                    "phong", "ban_dang", "mttq", "doan_the")):
                continue
            if name == "relatives" and (title.is_head or unit.kind not in ("phong", "ban_dang")
                                        or not unit.regular(self._head_of(unit))):
                continue
            if name == "backdated" and day + timedelta(days=80) > self.today:
                continue
            del self.pending[name]
            return name
        return None

    def _head_of(self, unit: UnitState) -> str:
        return next(t for t, _ in unit.spec.posts if TITLE_BY_CODE[t].is_head)

    def _preference(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date) -> float:
        score = self.rng.random() * 2
        current = c.active()
        if any(h.unit is unit for h in current):
            score += 4
        elif unit.ward is not None and any(h.unit.ward is unit.ward for h in current):
            score += 2
        if self.planned(c, title, day):
            score += 3
        return score

    def kind_for(self, c: CadreState, unit: UnitState, title: TitleSpec) -> ActionKind:
        same_unit = any(h.unit is unit for h in c.active())
        if title.elected:
            return ActionKind.BAU_CU
        if title.sphere != "chinh_quyen":
            if title.code.startswith("pho_bi_thu"):
                return ActionKind.KIEN_TOAN  # kiện toàn, bổ sung cấp ủy
            party_side = any(h.unit.kind in ("quan_uy", "ban_dang", "dang_uy") for h in c.active())
            return (ActionKind.CHI_DINH if same_unit or party_side
                    else ActionKind.DIEU_DONG_CHI_DINH)
        if title.code.startswith("cong_chuc"):
            return ActionKind.DIEU_DONG
        if same_unit or (not c.holdings and unit.kind == "truong_hoc"):
            return ActionKind.BO_NHIEM
        if c.holdings and unit.ward is not None and self.rng.random() < 0.25:
            return ActionKind.LUAN_CHUYEN
        return ActionKind.DIEU_DONG_BO_NHIEM

    def promote(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date, *,
                plant: str | None = None, relax: frozenset[str] = frozenset(),
                kind: ActionKind | None = None) -> HoldingState:
        """Appoint `c` to a post above the one held (or to a first post), with the planning,
        vetting and nomination it needs first, leaving the posts held before."""
        kind = kind or self.kind_for(c, unit, title)
        judged = kind not in (ActionKind.DIEU_DONG, ActionKind.KIEM_NHIEM, ActionKind.BIET_PHAI,
                              ActionKind.BO_NHIEM_LAI)
        if judged and plant != "not_in_planning" and not self.planned(c, title, day):
            self.plan(c, unit, title, day - self.days(20, 70), term_of(day))
        if judged:
            self.vet(c, day, "bổ nhiệm")
        if kind is ActionKind.BAU_CU:
            self.nominate(c, unit, title, day - self.days(12, 35))
        signed_on = day + timedelta(days=75) if plant == "backdated" else None
        for h in c.active():
            reason = (EndingReason.LUAN_CHUYEN if kind is ActionKind.LUAN_CHUYEN
                      else EndingReason.DIEU_DONG if h.unit is not unit else EndingReason.KHAC)
            if h.concurrent:
                continue
            self.end(h, reason, day)
            if not h.seconded:
                self.vacancy(h.unit, h.title, day)
        c.seconded_until = None
        h = self.appoint(c, unit, title, kind, day, signed_on=signed_on)
        if plant is not None:
            self._record_plant(plant, c, unit, title, day, h)
        return h

    def _record_plant(self, plant: str, c: CadreState, unit: UnitState, title: TitleSpec,
                      day: date, h: HoldingState) -> None:
        post = f"{title.name} – {unit.name}"
        if plant == "not_in_planning":
            c.planted = True
            self.planted.append(PlantedViolation(
                "not_in_planning", c.name, day,
                f"Bổ nhiệm {post} ngày {day:%d/%m/%Y} khi không có trong quy hoạch chức danh "
                "này hay chức danh tương đương (appointed without planning)", cadre_id=c.id,
                unit_id=unit.id))
        elif plant == "backdated":
            c.planted = True
            self.planted.append(PlantedViolation(
                "backdated_record", c.name, day,
                f"Quyết định bổ nhiệm {post} có hiệu lực từ {day:%d/%m/%Y}, ký sau 75 ngày "
                "(retroactive decision)", cadre_id=c.id, unit_id=unit.id))
        elif plant == "long_tenure":
            c.planted = True
            c.stays = True
            self.planted.append(PlantedViolation(
                "long_tenure", c.name, add_months(day, 96),
                f"Giữ chức {post} liên tục từ {day:%d/%m/%Y}, không luân chuyển (in one post "
                "for more than 8 years)", cadre_id=c.id, unit_id=unit.id))
        elif plant == "vacancy":
            c.planted = True
            self.planted.append(PlantedViolation(
                "vacant_head_post", c.name, day,
                f"Chức danh {post} bỏ trống 125 ngày trước khi bổ nhiệm {c.name} ngày "
                f"{day:%d/%m/%Y} (head post vacant more than 90 days)", cadre_id=c.id,
                unit_id=unit.id))
        elif plant == "express_first":
            c.planted = True
            self.at(add_months(day, 18), self.express_second, c, h)

    def _second(self, unit: UnitState, title: TitleSpec, day: date) -> bool:
        """Biệt phái: a cadre of the same rank from another unit covers the post for 2 years."""
        d = unit.district
        for c in d.cadres:
            active = c.active()
            if (c.left or c.stays or c.planted or c.seconded_until or len(active) != 1
                    or active[0].unit is unit or active[0].title.rank != title.rank
                    or self.barred(c, day) or active[0].concurrent):
                continue
            main = active[0]
            horizon = day + timedelta(days=800)
            if (c.retires_on <= horizon or (main.planned_end_on and main.planned_end_on
                                            <= horizon) or self.rotation_day(main) <= horizon
                    or horizon >= WARD_MERGERS_ON):
                continue
            if unit.spec.gender and c.gender.value != unit.spec.gender:
                continue
            if not self.relatives_ok(c, unit, title, day):
                continue
            c.seconded_until = add_months(day, 24)
            self.appoint(c, unit, title, ActionKind.BIET_PHAI, day, seconded_months=24)
            return True
        return False

    # --- scheduled events of a career ----------------------------------------------------------

    def retire(self, day: date, c: CadreState) -> None:
        if c.left:
            return
        for h in c.active():
            if h.until is None:
                self.end(h, EndingReason.NGHI_HUU, day)
                if not h.concurrent and not h.seconded:
                    self.vacancy(h.unit, h.title, day)
        c.left = True

    def term_end(self, day: date, h: HoldingState) -> None:
        c = h.cadre
        if h.until is not None or c.left:
            return
        if h.seconded:
            self.end(h, EndingReason.KHAC, day)
            c.seconded_until = None
            self.vacancy(h.unit, h.title, day)
            return
        blocked = (self.barred(c, day) and not c.forced_reappointment) or not self.meets(
            c, h.title, day) or not self.relatives_ok(c, h.unit, h.title, day, (h,))
        if c.retires_on <= day + timedelta(days=31) or (blocked and not c.stays):
            self.end(h, EndingReason.HET_NHIEM_KY, day)
            self.vacancy(h.unit, h.title, day)
            if blocked:
                self._transfer_out(c, day)
            return
        if not c.stays and not c.forced_reappointment and self.rng.random() < 0.35:
            partner = self._swap_partner(h, day)
            if partner is not None:
                self._swap(h, partner, day)
                return
        self.reappoint(h, day)

    def reappoint(self, h: HoldingState, day: date) -> None:
        c = h.cadre
        until_retirement = c.retires_on <= add_months(day, TERM_MONTHS)
        # Bổ nhiệm lại renews the holding (contract v1.1): no ending is recorded, the new term
        # takes over on `day`. The draw an ending's signing date took is kept, so that a seed
        # gives the history it gave before reappointments were recorded this way.
        self.days(5, 40)
        h.until = day
        h.unit.holders[h.title.code].remove(h)
        # Less than two years to retirement: the term is extended to it (kéo dài, QĐ 377); the
        # margin keeps clear of the rule's own reckoning of the retirement date.
        kind = (ActionKind.KEO_DAI if c.retires_on < add_months(day, 22)
                else ActionKind.BO_NHIEM_LAI)
        new = self.appoint(c, h.unit, h.title, kind, day,
                           until_retirement=until_retirement, chain_start=h.chain_start)
        new.tied = [t for t in h.tied if t.until is None]
        if c.forced_reappointment:
            c.forced_reappointment = False
            self.planted.append(PlantedViolation(
                "discipline_bar", c.name, day,
                f"Bổ nhiệm lại {h.title.name} – {h.unit.name} ngày {day:%d/%m/%Y} khi đang trong "
                "thời hạn 12 tháng sau kỷ luật khiển trách (reappointed during a discipline bar)",
                cadre_id=c.id, unit_id=h.unit.id))

    def rotation_due(self, day: date, h: HoldingState) -> None:
        c = h.cadre
        if h.until is not None or c.left or c.stays or h.concurrent:
            return
        if c.retires_on <= add_months(h.chain_start, 96) - timedelta(days=2):
            return  # retires before reaching eight years
        partner = self._swap_partner(h, day)
        if partner is not None:
            self._swap(h, partner, day)
            return
        self.end(h, EndingReason.LUAN_CHUYEN, day)
        self.vacancy(h.unit, h.title, day)
        self._transfer_out(c, day)

    def _transfer_out(self, c: CadreState, day: date,
                      reason: EndingReason = EndingReason.DIEU_DONG,
                      successor_ready: HoldingState | None = None) -> None:
        """Leaves the district (to the city's departments): no longer in this record's scope.
        `successor_ready`: a post of theirs filled at once, so no vacancy is opened for it."""
        for other in c.active():
            if other.until is not None:
                continue
            self.end(other, reason, day)
            if not other.concurrent and not other.seconded and other is not successor_ready:
                self.vacancy(other.unit, other.title, day)
        c.left = True

    def _swap_partner(self, h: HoldingState, day: date) -> HoldingState | None:
        for other in h.unit.district.cadres:
            if other is h.cadre or other.left or other.stays or other.planted:
                continue
            if other.seconded_until or self.barred(other, day):
                continue
            for g in other.active():
                if (g.title is not h.title or g.unit is h.unit or g.concurrent or g.seconded
                        or g.since > day - timedelta(days=365) or not g.unit.exists_on(day)):
                    continue
                if other.retires_on <= day + timedelta(days=400):
                    continue
                if h.unit.spec.gender and other.gender.value != h.unit.spec.gender:
                    continue
                if g.unit.spec.gender and h.cadre.gender.value != g.unit.spec.gender:
                    continue
                if not self.relatives_ok(h.cadre, g.unit, g.title, day, (h, g)):
                    continue
                if not self.relatives_ok(other, h.unit, h.title, day, (h, g)):
                    continue
                return g
        return None

    def _swap(self, a: HoldingState, b: HoldingState, day: date) -> None:
        """Rotation: two holders of the same title exchange units."""
        kind = ActionKind.LUAN_CHUYEN if self.rng.random() < 0.4 else ActionKind.DIEU_DONG
        reason = EndingReason.LUAN_CHUYEN if kind is ActionKind.LUAN_CHUYEN else (
            EndingReason.DIEU_DONG)
        for h in (a, b):
            if kind is ActionKind.LUAN_CHUYEN:
                self.vet(h.cadre, day, "luân chuyển")
        self.end(a, reason, day)
        self.end(b, reason, day)
        self.appoint(a.cadre, b.unit, b.title, kind, day)
        self.appoint(b.cadre, a.unit, a.title, kind, day)

    def _defence_course(self, c: CadreState, day: date, title: TitleSpec) -> None:
        program = ("qpan_doi_tuong_2" if title.rank >= 8 else "qpan_doi_tuong_3"
                   if title.rank >= 6 else "qpan_doi_tuong_4")
        start = day + self.days(60, 240)
        self.at(start, self.course, c, program, 20, "Trường Quân sự thành phố Hải Phòng", None)

    # --- yearly routines -----------------------------------------------------------------------

    def evaluate_period_aside(self, day: date, d: DistrictState, period: str,
                              last_day: date) -> None:
        """`evaluate_period` drawing from a stream of its own (see DRAWN_QUARTERS_FROM)."""
        main, self.rng = self.rng, random.Random(f"{self.seed}:{d.spec.code}:{period}")
        try:
            self.evaluate_period(day, d, period, last_day)
        finally:
            self.rng = main

    def evaluate_period(self, day: date, d: DistrictState, period: str, last_day: date) -> None:
        """Rate everyone holding a post on the period's last day; HTXSNV within the quota."""
        groups: dict[int, tuple[UnitState, list[CadreState]]] = {}
        for c in d.cadres:
            held = [h for h in c.holdings if h.since <= last_day
                    and (h.until is None or h.until > last_day)]
            if not held:
                continue
            main = max(held, key=lambda h: (h.title.rank, -h.since.toordinal()))
            groups.setdefault(id(main.unit), (main.unit, []))[1].append(c)
        year = int(period[:4])
        quarterly = "-Q" in period
        plant_quota = period == "2023" and "excellent_quota" in self.pending
        for unit, members in groups.values():
            ratings: dict[int, Rating] = {}
            for c in members:
                roll = self.rng.random()
                if (roll < 0.005 and c.last_failed_year != year - 1 and not c.planted
                        and not quarterly):
                    ratings[c.index] = Rating.KHTNV
                    c.last_failed_year = year
                elif roll < 0.035:
                    ratings[c.index] = Rating.HTNV
                else:
                    ratings[c.index] = Rating.HTTNV
            good = [c for c in members if ratings[c.index] is Rating.HTTNV]
            allowed = len(good) // 5
            chosen = [c for c in self.rng.sample(good, allowed) if self.rng.random() < 0.6]
            if plant_quota and 3 <= len(good) <= 4 and unit.kind in ("phong", "ban_dang"):
                plant_quota = False
                del self.pending["excellent_quota"]
                chosen = good[:2]
                for c in chosen:
                    c.planted = True
                self.planted.append(PlantedViolation(
                    "excellent_quota", " và ".join(c.name for c in chosen), last_day,
                    f"{unit.name}: năm {period} có 2/{len(good)} cán bộ xếp loại Hoàn thành "
                    "xuất sắc nhiệm vụ, vượt 20% (excellent ratings above quota)",
                    cadre_id=chosen[0].id, unit_id=unit.id))
            for c in chosen:
                ratings[c.index] = Rating.HTXSNV
            for c in members:
                self._evaluate(c, unit, period, ratings[c.index], day, quarterly)

    def _evaluate(self, c: CadreState, unit: UnitState, period: str, rating: Rating, day: date,
                  quarterly: bool) -> None:
        decided = max(day, c.born_on)
        score: Decimal | None = None
        criteria: dict[str, Any] | None = None
        if quarterly:
            low, high = {Rating.HTXSNV: (90, 97), Rating.HTTNV: (72, 89),
                         Rating.HTNV: (55, 69), Rating.KHTNV: (40, 49)}[rating]
            points = self.rng.randint(low, high)
            score = Decimal(points)
            parts = [round(points * share) for share in (0.4, 0.3, 0.15)]
            criteria = {"ket_qua_thuc_hien_nhiem_vu": parts[0],
                        "phuc_vu_nguoi_dan_doanh_nghiep": parts[1],
                        "phoi_hop_cong_tac": parts[2],
                        "ky_luat_ky_cuong_liem_chinh": points - sum(parts)}
        decision = self.decision(unit, None, decided)
        receipt = self._did(self.app.evaluate(
            c.id, period=period, rating=rating, decided_on=decided, score=score,
            criteria=criteria, decision=decision, recorded_by=RECORDED_BY))
        if self._wants_fix(c):
            fixed = Decision(_renumbered(decision.number), decision.signed_on,
                             decision.issuer, decision.signer)
            self.fixes.append(Fix(c, self._remember(c, receipt), dict(
                period=period, rating=rating, decided_on=decided, score=score,
                criteria=criteria, decision=fixed), "Đính chính số quyết định xếp loại"))

    def planning_round(self, day: date, d: DistrictState) -> None:
        """Yearly review of planning: drop those no longer eligible, add candidates per post."""
        for c in d.cadres:
            for p in c.plannings:
                if p.removed_on is not None or not p.in_force_on(day):
                    continue
                if c.left or self.barred(c, day) or add_months(
                        day, RETIREMENT_HORIZON_MONTHS) > c.retires_on:
                    self.remove_planning(c, p, day)
        term = term_of(day)
        terms = [term]
        if day.year >= int(term[:4]) + 2:
            terms.append(f"{int(term[:4]) + 5}-{int(term[:4]) + 10}")
        for unit in list(d.units.values()):
            if not unit.exists_on(day):
                continue
            for code, _ in unit.spec.posts:
                title = TITLE_BY_CODE[code]
                if title.rank < 4:
                    continue
                for t in terms:
                    planned = [c for c in d.cadres if any(
                        p.unit is unit and p.title is title and p.term == t
                        and p.removed_on is None for p in c.plannings)]
                    if len(planned) >= 2 or self.rng.random() > 0.3:
                        continue
                    pool = [c for c in d.cadres if self._plannable(c, unit, title, day, t)
                            and c not in planned]
                    if pool:
                        best = max(pool, key=lambda c: self._preference(c, unit, title, day))
                        self.plan(best, unit, title, day, t)

    def _plannable(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date,
                   term: str) -> bool:
        if c.left or c.stays or not c.active() or self.barred(c, day - timedelta(days=60)):
            return False
        if not title.rank - 2 <= c.rank_now() < title.rank:
            return False
        if unit.spec.gender and c.gender.value != unit.spec.gender:
            return False
        if add_months(day, RETIREMENT_HORIZON_MONTHS + 12) > c.retires_on:
            return False
        return len(self.plannings_in(c, term)) < 3

    def training_round(self, day: date, d: DistrictState) -> None:
        """Courses that raise political theory and state management ahead of a next post."""
        for c in d.cadres:
            if c.left or c.training or not c.active() or c.retires_on < day + timedelta(
                    days=900):
                continue
            rank = c.rank_now()
            pt = c.level_on("political_theory", day)
            sm = c.level_on("state_management", day)
            pt_order = ORDERS["political_theory"].get(pt, 0) if pt else 0
            sm_order = ORDERS["state_management"].get(sm, 0) if sm else 0
            if rank >= 3 and pt_order < 2 and self.rng.random() < 0.3:
                self._enrol(c, day, "llct_trung_cap", 330, 420,
                            "Trường Chính trị Tô Hiệu Hải Phòng")
            elif rank >= 5 and pt_order < 3 and c.age_on(day) < 50 and self.rng.random() < 0.2:
                full_time = self.rng.random() < 0.4
                self._enrol(c, day, "llct_cao_cap", 300 if full_time else 540,
                            330 if full_time else 640,
                            "Học viện Chính trị quốc gia Hồ Chí Minh" if full_time
                            else "Học viện Chính trị khu vực I",
                            TrainingMode.TAP_TRUNG if full_time else TrainingMode.TAI_CHUC)
            elif rank >= 3 and sm_order < 1 and self.rng.random() < 0.3:
                self._enrol(c, day, "qlnn_cv", 60, 100, "Trường Chính trị Tô Hiệu Hải Phòng")
            elif rank >= 5 and sm_order < 2 and self.rng.random() < 0.15:
                self._enrol(c, day, "qlnn_cvc", 90, 130, "Học viện Hành chính Quốc gia")
            elif rank >= 7 and self.rng.random() < 0.25:
                self.course(day, c, "cap_nhat_kien_thuc", 10, "Trường Chính trị Tô Hiệu Hải "
                            "Phòng", TrainingMode.TAP_TRUNG)
            if (c.level_on("education", day) == Education.DAI_HOC and c.age_on(day) < 48
                    and self.rng.random() < 0.015):
                obtained = day + self.days(200, 700)
                self.at(obtained, self.degree, c)

    def _enrol(self, c: CadreState, day: date, program: str, low: int, high: int,
               institution: str, mode: TrainingMode = TrainingMode.TAI_CHUC) -> None:
        completed = day + self.days(low, high)
        c.training = True
        if completed > self.today:
            self._did(self.app.record_training(c.id, program=program, started_on=day,
                                               institution=institution, mode=mode,
                                               recorded_by=RECORDED_BY))
            return
        self.at(completed, self.complete, c, program, day, institution, mode)

    def complete(self, day: date, c: CadreState, program: str, started: date,
                 institution: str, mode: TrainingMode) -> None:
        self._did(self.app.record_training(c.id, program=program, started_on=started,
                                           completed_on=day, institution=institution, mode=mode,
                                           recorded_by=RECORDED_BY))
        kind = "political_theory" if program.startswith("llct") else "state_management"
        level = program.split("_", 1)[1]
        c.levels[kind].append((day, level))
        c.training = False
        if kind == "state_management" and level in ("cvc", "cvcc"):
            # The grade exam (thi nâng ngạch) follows the course by about a year.
            self.at(add_months(day, 12), self.promote_grade, c, level)

    def promote_grade(self, day: date, c: CadreState, grade: str) -> None:
        if not c.left:
            self._did(self.app.add_qualification(c.id, kind=QualificationKind.GRADE,
                                                 level=grade, obtained_on=day,
                                                 recorded_by=RECORDED_BY))

    def course(self, day: date, c: CadreState, program: str, length: int, institution: str,
               mode: TrainingMode | None) -> None:
        """A course that confers no qualification (defence and security, refreshers)."""
        if c.left:
            return
        completed = day + timedelta(days=length)
        if completed > self.today:
            return
        self._did(self.app.record_training(c.id, program=program, started_on=day,
                                           completed_on=completed, institution=institution,
                                           mode=mode, recorded_by=RECORDED_BY))
        if self._wants_fix(c):
            receipt = self._did(self.app.record_training(
                c.id, program=program, started_on=day, completed_on=completed,
                institution=institution, mode=mode, recorded_by=RECORDED_BY))
            self.fixes.append(Fix(c, self._remember(c, receipt), None,
                                  "Thu hồi: khóa học bị nhập hai lần"))

    def degree(self, day: date, c: CadreState) -> None:
        if c.left:
            return
        self._did(self.app.add_qualification(c.id, kind=QualificationKind.EDUCATION,
                                             level=Education.THAC_SI, obtained_on=day,
                                             recorded_by=RECORDED_BY))
        c.levels["education"].append((day, Education.THAC_SI))

    def discipline_round(self, day: date, d: DistrictState) -> None:
        if d.reorganised or self.rng.random() > 0.28:
            return
        form = (DisciplineForm.KHIEN_TRACH if self.rng.random() < 0.7
                else DisciplineForm.CANH_CAO)
        bar_ends = add_months(day, BAR_MONTHS[form])
        if bar_ends + timedelta(days=60) >= date(2024, 10, 1):
            return
        pool = [c for c in d.cadres if self._disciplinable(c, day, bar_ends)]
        if not pool:
            return
        self.punish(self.rng.choice(pool), form, day, bar_ends)

    def _disciplinable(self, c: CadreState, day: date, bar_ends: date) -> bool:
        if c.left or c.planted or c.stays or c.disciplined or c.seconded_until:
            return False
        active = [h for h in c.active() if not h.concurrent]
        if not active or c.rank_now() < 3:
            return False
        safe = bar_ends + timedelta(days=45)
        return all((h.planned_end_on is None or h.planned_end_on > safe)
                   and self.rotation_day(h) > safe for h in active)

    def punish(self, c: CadreState, form: DisciplineForm, day: date, bar_ends: date) -> None:
        d = c.district
        decision = Decision(f"{self.rng.randint(10, 99)}-QĐ/UBKTQU", day - self.days(1, 10),
                            f"Ủy ban Kiểm tra Quận ủy {d.spec.name}", d.signer)
        self._did(self.app.discipline(c.id, form=form, effective_on=day,
                                      violation=self.rng.choice(VIOLATIONS), decision=decision,
                                      recorded_by=RECORDED_BY))
        c.disciplined = True
        c.barred_until = bar_ends
        for p in c.plannings:
            if p.removed_on is None and p.in_force_on(day):
                self.remove_planning(c, p, day)

    def nominations_for_council(self, day: date, d: DistrictState) -> None:
        """Giới thiệu ứng cử đại biểu HĐND: the chairs of people's committees."""
        for unit in d.units.values():
            if unit.kind != "ubnd" or not unit.exists_on(day):
                continue
            for h in unit.regular(self._head_of(unit)):
                self.nominate(h.cadre, unit, h.title, day)

    # --- the 2025 reorganisation ---------------------------------------------------------------

    def vet_all(self, day: date, d: DistrictState, wards: tuple[str, ...] | None,
                needed_on: date) -> None:
        for c in d.cadres:
            if c.left or not c.active():
                continue
            if wards is not None and not any(h.unit.ward is not None
                                             and h.unit.ward.spec.key in wards
                                             for h in c.active()):
                continue
            self.vet(c, day, "sắp xếp tổ chức bộ máy", needed_on=needed_on)

    def merge_wards(self, day: date, d: DistrictState) -> None:
        """1/1/2025: a ward merged into its neighbour; its cadres move into the neighbour's
        units (its heads become deputies there)."""
        for merged_index, into_index in d.spec.merged_pairs:
            m = f"{d.spec.code}.P{merged_index + 1:02d}"
            r = f"{d.spec.code}.P{into_index + 1:02d}"
            moves: list[tuple[CadreState, UnitState, TitleSpec, ActionKind]] = []
            for suffix in (".DU", ".UB"):
                source, target = d.units[m + suffix], d.units[r + suffix]
                for holders in list(source.holders.values()):
                    for h in list(holders):
                        if h.concurrent:
                            continue
                        title = h.title
                        kind = ActionKind.DIEU_DONG
                        if title.is_head:
                            title = TITLE_BY_CODE[title.code.replace("bi_thu", "pho_bi_thu", 1)
                                                  .replace("chu_tich", "pho_chu_tich", 1)]
                            kind = (ActionKind.DIEU_DONG_CHI_DINH if title.sphere == "dang"
                                    else ActionKind.DIEU_DONG_BO_NHIEM)
                        self.end(h, EndingReason.KHAC, day)
                        moves.append((h.cadre, target, title, kind))
            decision = Decision("1318/NQ-UBTVQH15", date(2024, 12, 14),
                                "Ủy ban Thường vụ Quốc hội",
                                "T/M Ủy ban Thường vụ Quốc hội")
            for suffix in ("", ".DU", ".UB"):
                source, target = d.units[m + suffix], d.units[r + suffix]
                self._did(self.app.change_unit(source.id, change="merge", effective_on=day,
                                               into_unit_id=target.id, decision=decision,
                                               recorded_by=RECORDED_BY))
                source.ended_on = day
            for school in d.units.values():
                if school.ward is d.units[m]:
                    school.ward = d.units[r]
            for c, target, title, kind in moves:
                if c.retires_on <= day + timedelta(days=60) or not self.relatives_ok(
                        c, target, title, day):
                    self._transfer_out(c, day)
                    continue
                target.seats[title.code] = target.seats.get(title.code, 0) + 1
                if kind is not ActionKind.DIEU_DONG:
                    self.vet(c, day, "sắp xếp tổ chức bộ máy")
                self.appoint(c, target, title, kind, day)

    def two_level(self, day: date, d: DistrictState) -> None:
        """1/7/2025: the district is dissolved, its wards merged into two new wards; cadres end
        their posts and are re-appointed to the new units (or retire, or leave)."""
        new_units: list[UnitState] = []
        for index in range(len(d.spec.new_wards)):
            for spec in new_ward_units(d.spec, index):
                new_units.append(self.register_unit(d, spec, day))
        new_ward_of = {}
        for index, (_, old) in enumerate(d.spec.new_wards):
            for ward_index in old:
                new_ward_of[f"{d.spec.code}.P{ward_index + 1:02d}"] = d.units[
                    f"{d.spec.code}.X{index + 1}"]
        old_units = [u for u in d.units.values() if not u.spec.new_ward and u.kind != "truong_hoc"
                     and u.exists_on(day - timedelta(days=1))]
        leaving = [h for u in old_units for hs in u.holders.values() for h in hs]
        pool: list[CadreState] = []
        for h in leaving:
            if h.cadre not in pool and not h.concurrent:
                pool.append(h.cadre)
        posts = [(u, TITLE_BY_CODE[code]) for u in new_units for code, seats in u.spec.posts
                 for _ in range(seats)]
        posts.sort(key=lambda p: (-p[1].rank, not p[1].is_head))
        assigned: dict[int, tuple[UnitState, TitleSpec]] = {}
        unfilled: list[tuple[UnitState, TitleSpec]] = []
        for unit, title in posts:
            options = [c for c in pool if c.index not in assigned
                       and title.rank <= c.rank_now() <= title.rank + 2
                       and c.retires_on > day + timedelta(days=200)
                       and self.meets(c, title, day) and not self.barred(c, day)
                       and self._fits_assigned(c, unit, title, day, assigned, d)]
            if not options:
                unfilled.append((unit, title))
                continue
            best = max(options, key=lambda c: (c.rank_now(), self.rng.random()))
            assigned[best.index] = (unit, title)
        for h in leaving:
            if h.until is not None:
                continue
            c = h.cadre
            if c.index in assigned:
                reason = EndingReason.KHAC
            elif c.retires_on <= add_months(day, 60) or c.age_on(day) >= 55:
                reason = EndingReason.NGHI_HUU
            else:
                reason = EndingReason.DIEU_DONG
            self.end(h, reason, day)
        for c in pool:
            if c.index not in assigned:
                c.left = True
        decision = Decision("1669/NQ-UBTVQH15", date(2025, 6, 16), "Ủy ban Thường vụ Quốc hội",
                            "T/M Ủy ban Thường vụ Quốc hội")
        for unit in d.units.values():
            if unit.kind == "truong_hoc" and unit.exists_on(day):
                ward = new_ward_of.get(unit.ward.spec.key if unit.ward else "", new_units[0])
                target = d.units[f"{ward.spec.key}.UB"]
                self._did(self.app.change_unit(unit.id, change="move", effective_on=day,
                                               new_parent_id=target.id, decision=decision,
                                               recorded_by=RECORDED_BY))
                unit.parents.append((day, target))
                unit.ward = ward
        for unit in old_units:
            suffix = unit.spec.key.removeprefix(unit.ward.spec.key) if (
                unit.ward is not None) else None
            into = new_ward_of.get(unit.ward.spec.key) if unit.ward is not None else None
            if into is not None and suffix in ("", ".DU", ".UB"):
                target = d.units[into.spec.key + suffix]
                self._did(self.app.change_unit(unit.id, change="merge", effective_on=day,
                                               into_unit_id=target.id, decision=decision,
                                               recorded_by=RECORDED_BY))
            else:
                self._did(self.app.change_unit(unit.id, change="dissolve", effective_on=day,
                                               decision=decision, recorded_by=RECORDED_BY))
            unit.ended_on = day
        d.reorganised = True
        for c in pool:
            if c.index not in assigned:
                continue
            unit, title = assigned[c.index]
            kind = (ActionKind.CHI_DINH if title.code == "bi_thu_dang_uy_xa" else
                    ActionKind.DIEU_DONG_CHI_DINH if title.sphere != "chinh_quyen" else
                    ActionKind.DIEU_DONG if title.code.startswith("cong_chuc") else
                    ActionKind.DIEU_DONG_BO_NHIEM)
            if kind is not ActionKind.DIEU_DONG:
                self.vet(c, day, "sắp xếp tổ chức bộ máy")
            self.appoint(c, unit, title, kind, day)
        for unit, title in unfilled:
            if title.is_head:
                self.fill(day, unit, title, None)
            else:
                self.vacancy(unit, title, day)

    def _fits_assigned(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date,
                       assigned: dict[int, tuple[UnitState, TitleSpec]],
                       d: DistrictState) -> bool:
        if unit.spec.gender and c.gender.value != unit.spec.gender:
            return False
        for other in c.relatives:
            post = assigned.get(other.index) if other.district is d else None
            posts = [post] if post else [(h.unit, h.title) for h in other.active()
                                         if h.unit.kind == "truong_hoc" or h.unit.spec.new_ward]
            if any(self.linked((unit, title), p, day) for p in posts):
                return False
        return True

    # --- planted scenarios that need their own timing ----------------------------------------

    def plant_discipline_bar(self, day: date, d: DistrictState) -> None:
        for c in d.cadres:
            if c.left or c.planted or c.stays or c.disciplined or c.seconded_until:
                continue
            for h in c.active():
                if (h.concurrent or h.planned_end_on is None or h.seconded
                        or not day + timedelta(days=90) <= h.planned_end_on
                        <= day + timedelta(days=300)
                        or self.rotation_day(h) <= h.planned_end_on + timedelta(days=400)
                        or c.retires_on <= h.planned_end_on + timedelta(days=800)
                        or not self.meets(c, h.title, h.planned_end_on)):
                    continue
                if not self.relatives_ok(c, h.unit, h.title, h.planned_end_on, (h,)):
                    continue
                c.planted = True
                c.forced_reappointment = True
                self.punish(c, DisciplineForm.KHIEN_TRACH, day, add_months(day, 12))
                return
        self.at(day + timedelta(days=30), self.plant_discipline_bar, d)

    def plant_long_tenure(self, day: date, d: DistrictState) -> None:
        """A school post (schools outlive the 2025 reorganisation) given to someone who is then
        never rotated: more than 8 years in one post by today."""
        for unit in d.units.values():
            if unit.kind != "truong_hoc" or not unit.exists_on(day):
                continue
            for code in ("hieu_truong", "pho_hieu_truong"):
                holders = unit.regular(code)
                if (not holders or holders[0].cadre.planted or holders[0].cadre.stays
                        or any(h.since >= day for h in holders[0].cadre.active())):
                    continue
                self._transfer_out(holders[0].cadre, day, EndingReason.LUAN_CHUYEN,
                                   successor_ready=holders[0])
                self.fill(day, unit, TITLE_BY_CODE[code], "long_tenure")
                return

    def plant_express_first(self, day: date, d: DistrictState) -> None:
        """The first of two promotions 18 months apart (QĐ 114's "thần tốc")."""
        second = TITLE_BY_CODE["truong_phong"]
        for unit in d.units.values():
            if unit.kind not in ("phong", "ban_dang", "ubnd") or not unit.exists_on(day):
                continue
            for code in unit.seats:
                title = TITLE_BY_CODE[code]
                if title.is_head or title.rank != 5 or not unit.regular(code):
                    continue
                holder = unit.regular(code)[0]
                if holder.cadre.planted or holder.cadre.stays or holder.since >= day:
                    continue
                for c in d.cadres:
                    # Room in the term's plannings for this post and the next (at most 3).
                    if (c.relatives or c.retires_on <= add_months(day, 90)
                            or len(self.plannings_in(c, term_of(add_months(day, 18)))) > 1
                            or not self.meets(c, second, add_months(day, 18))
                            or not self.can_promote(c, unit, title, day)):
                        continue
                    self._transfer_out(holder.cadre, day, EndingReason.LUAN_CHUYEN,
                                       successor_ready=holder)
                    h = self.promote(c, unit, title, day)
                    self._record_plant("express_first", c, unit, title, day, h)
                    return
        self.at(day + timedelta(days=30), self.plant_express_first, d)

    def express_second(self, day: date, c: CadreState, first: HoldingState) -> None:
        d = c.district
        if c.left or first.until is not None or d.reorganised:
            self._express_again(day, d)
            return
        for unit in d.units.values():
            if unit.kind not in ("phong", "ban_dang") or unit is first.unit or not unit.exists_on(day):
                continue
            title = TITLE_BY_CODE[self._head_of(unit)]
            if title.rank != first.title.rank + 1:
                continue
            holders = unit.regular(title.code)
            if not holders or holders[0].cadre.planted or holders[0].cadre.stays:
                continue
            holder = holders[0]
            if holder.since >= day or not self.can_promote(c, unit, title, day,
                                    frozenset({"min_time", "express", "planted"})):
                continue
            self._transfer_out(holder.cadre, day, successor_ready=holder)
            h = self.promote(c, unit, title, day)
            months = (day.year - first.since.year) * 12 + day.month - first.since.month
            self.planted.append(PlantedViolation(
                "express_promotion", c.name, day,
                f"Bổ nhiệm {title.name} – {unit.name} ngày {day:%d/%m/%Y}, {months} tháng sau "
                f"lần bổ nhiệm {first.title.name} – {first.unit.name} ngày "
                f"{first.since:%d/%m/%Y} (two promotions within 18–22 months)",
                also=("min_time_in_post",), cadre_id=c.id, unit_id=h.unit.id))
            return
        if day < add_months(first.since, 22):
            self.at(day + timedelta(days=10), self.express_second, c, first)
        else:
            self._express_again(day, d)

    def _express_again(self, day: date, d: DistrictState) -> None:
        """The second promotion found no post in time: start over with another cadre, so the
        plant is never skipped, whatever the history around it turned out to be."""
        self.at(day + timedelta(days=30), self.plant_express_first, d)

    def _plant_relatives(self, unit: UnitState, title: TitleSpec, day: date) -> bool:
        """A spouse appointed deputy of the unit the other spouse heads."""
        head = unit.regular(self._head_of(unit))[0].cadre
        if head.planted or head.stays or head.relatives:
            self.pending["relatives"] = day
            return False
        d = unit.district
        gender = Gender.NAM if head.gender is Gender.NU else Gender.NU
        born = head.born_on + timedelta(days=self.rng.randint(-700, 700))
        if add_months(day, RETIREMENT_HORIZON_MONTHS + 6) > retirement_date(born, gender):
            born = add_months(day, -12 * 40)
        spouse = self.register(d, gender, born, {"political_theory": PoliticalTheory.TRUNG_CAP,
                                                 "state_management": StateManagement.CV,
                                                 "education": Education.DAI_HOC},
                               with_family=False)
        self.link_relatives(spouse, head, _spouse(head), _spouse(spouse))
        spouse.planted = True
        head.planted = True
        spouse.planted = False
        self.promote(spouse, unit, title, day, kind=ActionKind.DIEU_DONG_BO_NHIEM)
        spouse.planted = True
        self.planted.append(PlantedViolation(
            "relatives_linked_posts", spouse.name, day,
            f"Bổ nhiệm {title.name} – {unit.name} ngày {day:%d/%m/%Y} trong khi "
            f"{'chồng' if spouse.gender is Gender.NU else 'vợ'} là {head.name}, "
            f"{TITLE_BY_CODE[self._head_of(unit)].name} của đơn vị (relatives as head and deputy "
            "of one unit)", cadre_id=spouse.id, unit_id=unit.id))
        return True

    # --- the end: corrections and the last planted violation ---------------------------------

    def finish(self) -> None:
        for fix in self.fixes:
            if fix.cadre.planted:
                continue
            if fix.holding is not None and fix.holding.until is not None:
                # Only posts still held are corrected: projections.findings.RecordFold loses
                # the ending of a corrected appointment (reported to its owner).
                continue
            target = fix.target
            position = target if isinstance(target, int) else (
                self.bulk.position_of(target) if self.bulk else 0)
            self._did(self.app.correct(fix.cadre.id, target_position=position, reason=fix.reason,
                                       replacement=fix.replacement, recorded_by=RECORDED_BY))

    def plant_birth_date(self, d: DistrictState) -> None:
        """A birth date corrected today, followed by an appointment the same day."""
        day = self.today
        for c in d.cadres:
            if c.left or c.planted or c.stays or c.relatives or self.barred(c, day):
                continue
            active = [h for h in c.active() if not h.concurrent and not h.seconded]
            if len(c.active()) != 1 or not active or active[0].title.is_head:
                continue
            h = active[0]
            if h.since >= day - timedelta(days=30):
                continue
            for unit in d.units.values():
                if (unit is h.unit or not unit.exists_on(day) or h.title.code not in unit.seats
                        or not self.relatives_ok(c, unit, h.title, day)):
                    continue
                if unit.spec.gender and unit.spec.gender != c.gender.value:
                    continue
                self._birth_date_plant(c, h, unit, day)
                return

    def _birth_date_plant(self, c: CadreState, h: HoldingState, unit: UnitState,
                          day: date) -> None:
        c.planted = True
        younger = c.born_on.replace(year=c.born_on.year + 2) if not (
            c.born_on.month == 2 and c.born_on.day == 29) else date(c.born_on.year + 2, 2, 28)
        target = c.registered
        position = target if isinstance(target, int) else (
            self.bulk.position_of(target) if self.bulk else 0)
        self._did(self.app.correct(c.id, target_position=position,
                                   reason="Đính chính ngày sinh theo giấy khai sinh",
                                   replacement=dict(c.registration, born_on=younger),
                                   recorded_by=RECORDED_BY))
        c.born_on = younger
        self.vet(c, day, "bổ nhiệm")
        self.end(h, EndingReason.DIEU_DONG, day)
        unit.seats[h.title.code] = unit.seats.get(h.title.code, 0) + 1
        self.appoint(c, unit, h.title, ActionKind.DIEU_DONG_BO_NHIEM, day, signed_on=day)
        self.planted.append(PlantedViolation(
            "identity_data_changed", c.name, day,
            f"Ngày sinh được đính chính (lùi 2 năm) ngày {day:%d/%m/%Y}, cùng ngày được điều "
            f"động và bổ nhiệm {h.title.name} – {unit.name} (birth date corrected just before "
            "an appointment)", cadre_id=c.id, unit_id=unit.id))

    # --- the whole history ---------------------------------------------------------------------

    def build(self) -> None:
        if self.bulk is not None:
            with self.bulk.batch():
                self.register_titles()
                self.register_root()
        else:
            self.register_titles()
            self.register_root()
        specs = district_specs(self.profile, self.rng)
        for index, spec in enumerate(specs):
            d = DistrictState(spec, signer=names.full_name(self.rng, Gender.NAM))
            self.used_names.clear()  # names are unique within a district
            if self.bulk is not None:
                with self.bulk.batch():
                    self.district(d, first=index == 0)
            else:
                self.district(d, first=index == 0)

    def district(self, d: DistrictState, first: bool) -> None:
        self.queue = []
        for spec in district_units(d.spec):
            self.register_unit(d, spec, date(1994, 12, 1))
        for unit in list(d.units.values()):
            for code, seats in unit.spec.posts:
                title = TITLE_BY_CODE[code]
                for _ in range(seats):
                    self.initial_holder(d, unit, title)
        year = HISTORY_STARTS.year
        while date(year, 1, 1) <= self.today:
            if year > HISTORY_STARTS.year:
                self.at(date(year, 1, self.rng.randint(8, 25)), self.evaluate_period, d,
                        str(year - 1), date(year - 1, 12, 31))
            self.at(date(year, 3, 15), self.planning_round, d)
            self.at(date(year, 9, 5), self.training_round, d)
            self.at(date(year, self.rng.randint(2, 11), self.rng.randint(1, 28)),
                    self.discipline_round, d)
            if year % 5 == 1 and year > 2010:
                self.at(date(year, 3, 1), self.nominations_for_council, d)
            if year >= QUARTERS_FROM.year:
                for quarter in range(1, 5):
                    if date(year, 3 * quarter - 2, 1) < QUARTERS_FROM:
                        continue
                    last = add_months(date(year, 3 * quarter - 2, 1), 3) - timedelta(days=1)
                    if year < DRAWN_QUARTERS_FROM:
                        self.at(last + timedelta(days=10), self.evaluate_period_aside, d,
                                f"{year}-Q{quarter}", last)
                        continue
                    self.at(last + timedelta(days=self.rng.randint(5, 15)),
                            self.evaluate_period, d, f"{year}-Q{quarter}", last)
            year += 1
        self.at(date(2024, 11, 15), self.vet_all, d, tuple(
            f"{d.spec.code}.P{m + 1:02d}" for m, _ in d.spec.merged_pairs), WARD_MERGERS_ON)
        self.at(WARD_MERGERS_ON, self.merge_wards, d)
        self.at(date(2025, 5, 15), self.vet_all, d, None, TWO_LEVEL_ON)
        self.at(TWO_LEVEL_ON, self.two_level, d)
        if first:
            self.pending = {"backdated": date(2021, 6, 1), "not_in_planning": date(2023, 3, 1),
                            "relatives": date(2020, 1, 6), "vacancy": date(2023, 3, 1),
                            "excellent_quota": date(2024, 1, 1)}
            self.at(date(2022, 9, 1), self.plant_discipline_bar, d)
            self.at(date(2021, 3, 1), self.plant_express_first, d)
            self.at(add_months(self.today, -9 * 12), self.plant_long_tenure, d)
        self.run()
        if first:
            self.plant_birth_date(d)
        self.finish()
        self.fixes = []

    def initial_holder(self, d: DistrictState, unit: UnitState, title: TitleSpec) -> None:
        """Who held the post when the record starts (appointed 2001-2005)."""
        since = HISTORY_STARTS - timedelta(days=self.rng.randint(30, 5 * 365 - 30))
        cadre = self.recruit(d, unit, title, since)
        kind = self.kind_for(cadre, unit, title)
        if kind is ActionKind.BAU_CU:
            self.nominate(cadre, unit, title, since - self.days(12, 35))
        self.appoint(cadre, unit, title, kind, since)


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


def district_specs(profile: Profile, rng: random.Random) -> list[DistrictSpec]:
    specs = [DistrictSpec(
        "KA", "Kiến An", KIEN_AN_WARDS, 12,
        # [verify] which wards merged on 1/1/2025 and the split of 1/7/2025
        merged_pairs=((9, 8), (4, 0), (6, 2)),
        new_wards=(("Kiến An", (0, 1, 3, 8)), ("Phù Liễn", (2, 5, 7))))]
    for index in range(1, profile.districts):
        base = OTHER_DISTRICTS[(index - 1) % len(OTHER_DISTRICTS)]
        round_ = (index - 1) // len(OTHER_DISTRICTS)
        name = base if round_ == 0 else f"{base} {round_ + 1}"
        wards = tuple(rng.sample(WARD_NAMES, profile.wards))
        merges = max(1, round(0.3 * profile.wards))
        merged_pairs = tuple((profile.wards - 1 - i, i) for i in range(merges))
        remaining = [i for i in range(profile.wards) if i not in {m for m, _ in merged_pairs}]
        half = (len(remaining) + 1) // 2
        new_wards = ((name, tuple(remaining[:half])),
                     (wards[remaining[half]], tuple(remaining[half:])))
        specs.append(DistrictSpec(f"D{index:03d}", name, wards, profile.schools, merged_pairs,
                                  new_wards))
    return specs


def generate(app: HosoApplication, profile: str, seed: int = 2022,
             progress: Callable[[int], None] | None = None) -> GenerationSummary:
    """Record a synthetic history for `profile` (see PROFILES) through `app`'s commands.

    The store should not hold another generated history (unit codes would clash). Pass a
    `BulkApplication` to save in batches; `progress` receives the number of events recorded so
    far.
    """
    try:
        chosen = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}") from None
    started = time.perf_counter()
    head = app.recorder.max_notification_id() or 0
    history = _History(app, chosen, seed, progress)
    bulk = history.bulk
    before = Counter(bulk.saved_by_type) if bulk is not None else Counter()
    if bulk is not None and progress is not None:
        bulk.on_saved = progress
    history.build()
    counts: Counter[str]
    if bulk is not None:
        bulk.flush()
        counts = Counter(bulk.saved_by_type)
        counts.subtract(before)
        counts = +counts
        bulk.on_saved = lambda saved: None
    else:
        counts = _count_log(app, head)
    events = sum(counts.values())
    if progress is not None:
        progress(events)
    return GenerationSummary(
        profile=profile, seed=seed, today=history.today, cadres=history.cadre_count,
        units=history.unit_count, events=events, counts=dict(sorted(counts.items())),
        appointment_kinds=dict(sorted(history.kinds.items())),
        planted=tuple(history.planted),
        admin_hint=("Tạo token quản trị: `hoso token create --name demo-admin --role admin` "
                    "(hoặc đặt HOSO_ADMIN_TOKEN); tài liệu API: http://127.0.0.1:8000/docs"),
        root_unit_id=history.root_id, seconds=time.perf_counter() - started)


def _count_log(app: HosoApplication, after: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    start = after + 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=5000)
        if not page:
            return counts
        for n in page:
            counts[n.topic.rsplit(":", 1)[-1]] += 1
        start = page[-1].id + 1
