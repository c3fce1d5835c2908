"""The violations planted on purpose (see `PlantedViolation` and docs/generator.md) and the
corrections recorded at the end (the last layer of the generator's `_History`).
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.commands import Correct
from domain.rules.retirement import retirement_date
from domain.values import (
    ActionKind,
    DisciplineForm,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    StateManagement,
    add_months,
)
from infra.demo.district import TITLE_BY_CODE, TitleSpec
from infra.demo.model import CadreState, DistrictState, HoldingState, UnitState, _spouse, term_of
from infra.demo.profiles import PlantedViolation
from infra.demo.reorganisation import Reorganisation
from infra.demo.thresholds import RETIREMENT_HORIZON_MONTHS
from infra.demo.world import RECORDED_BY


class Plants(Reorganisation):
    """Planted scenarios that need their own timing, and the end of a district's history."""

    # --- planted scenarios that need their own timing -------------------------------------

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

    # --- the end: corrections and the last planted violation ------------------------------

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
            self._did(self.app.correct(fix.cadre.id, Correct(
                target_position=position, reason=fix.reason, replacement=fix.replacement),
                recorded_by=RECORDED_BY))

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
        self._did(self.app.correct(c.id, Correct(
            target_position=position, reason="Đính chính ngày sinh theo giấy khai sinh",
            replacement=dict(c.registration, born_on=younger)), recorded_by=RECORDED_BY))
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

