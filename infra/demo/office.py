"""The office the simulation runs: state, plumbing, units, cadres, qualifications and the checks
that mirror the oversight rules (the first layer of the generator's `_History`).
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.application import HosoApplication, Receipt
from domain.commands import (
    AddQualification,
    AddRelative,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.rules.retirement import retirement_date
from domain.values import (
    Decision,
    Education,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Relation,
    StateManagement,
    add_months,
)
from infra.demo import names
from infra.demo.bulk import BulkApplication, EventKey
from infra.demo.district import TITLES, TitleSpec, UnitSpec
from infra.demo.model import (
    CadreState,
    DistrictState,
    Fix,
    HoldingState,
    PlanningState,
    UnitState,
    _sibling,
    term_of,
)
from infra.demo.profiles import PlantedViolation, Profile
from infra.demo.thresholds import (
    MIN_MONTHS_IN_POST,
    PROMOTION_GAP_MONTHS,
    RETIREMENT_HORIZON_MONTHS,
)
from infra.demo.world import AREA_KINDS, CITY, CITY_PARTY, LINKED_SECTORS, ORDERS, RECORDED_BY


class Office:
    """The personnel office's state and its everyday means: the event queue, decision numbers,
    units, cadres and their families and qualifications, and the checks that mirror the
    oversight rules. The later layers (careers, routines, reorganisation, plants) build on it."""

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
        self.used_national_ids: set[str] = set()  # across districts: unique in the store
        self.reserved: dict[tuple[int, str], date] = {}  # posts kept empty for a plant

    def retire(self, day: date, c: CadreState) -> None:  # careers.py
        raise NotImplementedError

    # --- plumbing -------------------------------------------------------------------------

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
        # The cadre's own event, not the last one saved with it (the national-ID claim
        # follows a registration, a head seat an appointment): a correction names it.
        if receipt.entry_position or receipt.position:
            return receipt.entry_position or receipt.position
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

    # --- organisation ---------------------------------------------------------------------

    def register_titles(self) -> None:
        for t in TITLES:
            if t.code and not self._title_exists(t.code):
                self._did(self.app.register_title(RegisterTitle(
                    code=t.code, name=t.name, is_head=t.is_head, management_tier=t.tier,
                    rank=t.rank, sector=t.sector, standards=t.standards), recorded_by=RECORDED_BY))

    def _title_exists(self, code: str) -> bool:
        from domain.errors import NotFound
        try:
            self.app.title(code)
        except NotFound:
            return False
        return True

    def register_root(self) -> None:
        receipt = self._did(self.app.register_unit(RegisterUnit(
            code="HP", name=CITY, kind="thanh_pho", established_on=date(1955, 5, 13)),
            recorded_by=RECORDED_BY))
        self.root_id = receipt.id
        self.unit_count += 1

    def register_unit(self, d: DistrictState, spec: UnitSpec, established_on: date) -> UnitState:
        parent = d.units[spec.parent] if spec.parent else None
        receipt = self._did(self.app.register_unit(RegisterUnit(
            code=spec.key, name=spec.name, kind=spec.kind, established_on=established_on,
            parent_id=parent.id if parent else self.root_id), recorded_by=RECORDED_BY))
        unit = UnitState(spec, receipt.id, d, established_on, [(established_on, parent)],
                         dict(spec.posts))
        unit.ward = d.units[spec.ward] if spec.ward and spec.ward in d.units else (
            unit if spec.ward == spec.key else None)
        d.units[spec.key] = unit
        self.unit_count += 1
        return unit

    # --- cadres ---------------------------------------------------------------------------

    def unique_name(self, gender: Gender, family: str | None = None) -> str:
        for _ in range(50):
            name = names.full_name(self.rng, gender, family)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return name

    def unique_national_id(self, gender: Gender, born_year: int) -> str:
        """A citizen id no other cadre of the store has (the write side refuses a second
        registration of a number, ADR 0010). One draw, as before the index: a number already
        given moves to the next free serial without drawing again, so the random stream (and
        every history without a clash: size_10k, size_100k) stays as it was."""
        number = names.national_id(self.rng, gender, born_year)
        while number in self.used_national_ids:
            serial = (int(number[-6:]) + 1) % 10**6
            number = f"{number[:-6]}{serial:06d}"
        self.used_national_ids.add(number)
        return number

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
            national_id=self.unique_national_id(gender, born_on.year))
        receipt = self._did(self.app.register_cadre(RegisterCadre(**registration),
                                                    recorded_by=RECORDED_BY))
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
            receipt = self._did(self.app.add_relative(c.id, AddRelative(relation=relation,
                                                                        full_name=full,
                                                                        born_year=born_year),
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
            self._did(self.app.add_relative(owner.id, AddRelative(relation=relation,
                                                                  full_name=other.name,
                                                                  relative_cadre_id=other.id,
                                                                  born_year=other.born_on.year),
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
            self._did(self.app.add_qualification(cadre.id, AddQualification(
                kind=QualificationKind.GRADE, level=grade, obtained_on=day),
                                                 recorded_by=RECORDED_BY))
        if sibling is not None:
            self.link_relatives(cadre, sibling, _sibling(sibling, cadre),
                                _sibling(cadre, sibling))
        return cadre

    def _certificates(self, c: CadreState) -> None:
        if self.rng.random() < 0.35:
            obtained = add_months(c.born_on, self.rng.randint(22 * 12, 30 * 12))
            if obtained <= self.today:
                self._did(self.app.add_qualification(c.id, AddQualification(
                    kind=QualificationKind.LANGUAGE,
                    level=self.rng.choice(("Tiếng Anh B1", "Tiếng Anh B2", "Tiếng Pháp B1")),
                    obtained_on=obtained), recorded_by=RECORDED_BY))
        if self.rng.random() < 0.3:
            obtained = add_months(c.born_on, self.rng.randint(22 * 12, 34 * 12))
            if obtained <= self.today:
                self._did(self.app.add_qualification(c.id, AddQualification(
                    kind=QualificationKind.IT,
                    level="Chứng chỉ ứng dụng công nghệ thông tin cơ bản", obtained_on=obtained),
                                                     recorded_by=RECORDED_BY))

    # --- qualifications -------------------------------------------------------------------

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

    # --- checks mirroring the oversight rules ---------------------------------------------

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
        rank = max(h.title.rank for h in active)  # c.rank_now(), from the list in hand
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

