"""The yearly routines of the office: evaluations, planning rounds, training, discipline and
nominations (the third layer of the generator's `_History`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.values import (
    Decision,
    DisciplineForm,
    Education,
    QualificationKind,
    Rating,
    TrainingMode,
    add_months,
)
from infra.demo.careers import Careers
from infra.demo.district import QUAN_UY, THANH_UY, TITLE_BY_CODE
from infra.demo.model import CadreState, DistrictState, Fix, UnitState, _renumbered, term_of
from infra.demo.profiles import PlantedViolation
from infra.demo.thresholds import BAR_MONTHS, RETIREMENT_HORIZON_MONTHS
from infra.demo.world import CITY_PARTY, ORDERS, RECORDED_BY, TWO_LEVEL_ON, VIOLATIONS


class Routines(Careers):
    """The office's yearly routines."""

    # --- yearly routines ------------------------------------------------------------------

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
        # Who is planned for which post and term, and who may be planned at all today with
        # the rank they hold: computed once per round, not once per post (planning a cadre
        # changes neither their posts, bars nor retirement; `planned` is kept up to date).
        planned: dict[tuple[int, int, str], list[CadreState]] = {}
        for c in d.cadres:
            for p in c.plannings:
                if p.removed_on is None:
                    holders = planned.setdefault((id(p.unit), id(p.title), p.term), [])
                    if not holders or holders[-1] is not c:
                        holders.append(c)
        ranked = self._plannable_today(d, day)
        for unit in list(d.units.values()):
            if not unit.exists_on(day):
                continue
            for code, _ in unit.spec.posts:
                title = TITLE_BY_CODE[code]
                if title.rank < 4:
                    continue
                for t in terms:
                    already = planned.setdefault((id(unit), id(title), t), [])
                    if len(already) >= 2 or self.rng.random() > 0.3:
                        continue
                    pool = [c for c, rank in ranked if title.rank - 2 <= rank < title.rank
                            and (not unit.spec.gender or c.gender.value == unit.spec.gender)
                            and len(self.plannings_in(c, t)) < 3
                            and all(c is not other for other in already)]
                    if pool:
                        best = max(pool, key=lambda c: self._preference(c, unit, title, day))
                        self.plan(best, unit, title, day, t)
                        already.append(best)

    def _plannable_today(self, d: DistrictState, day: date) -> list[tuple[CadreState, int]]:
        """The district's cadres who may be planned on `day` for some post, with their rank."""
        horizon = add_months(day, RETIREMENT_HORIZON_MONTHS + 12)
        bar_day = day - timedelta(days=60)
        out = []
        for c in d.cadres:
            if c.left or c.stays or self.barred(c, bar_day) or horizon > c.retires_on:
                continue
            active = c.active()
            if active:
                out.append((c, max(h.title.rank for h in active)))
        return out

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
        number = self.rng.randint(10, 99)
        signed_on = day - self.days(1, 10)
        decision = Decision(f"{number}-QĐ/{self._disciplining_suffix(c, day)}", signed_on,
                            self._disciplining_body(c, day), d.signer)
        self._did(self.app.discipline(c.id, form=form, effective_on=day,
                                      violation=self.rng.choice(VIOLATIONS), decision=decision,
                                      recorded_by=RECORDED_BY))
        c.disciplined = True
        c.barred_until = bar_ends
        for p in c.plannings:
            if p.removed_on is None and p.in_force_on(day):
                self.remove_planning(c, p, day)

    def _disciplining_tier(self, c: CadreState) -> str:
        top = max((h for h in c.active() if not h.concurrent), key=lambda h: h.title.rank)
        return top.title.tier

    def _disciplining_body(self, c: CadreState, day: date) -> str:
        """The body competent to discipline the cadre's highest post on the day (the pack's
        `issuer_not_competent` table): the city's standing committee for posts it manages (and,
        from the two-level government, for the former district's), the ward's below it."""
        tier = self._disciplining_tier(c)
        if tier == THANH_UY or (day >= TWO_LEVEL_ON and tier == QUAN_UY):
            return CITY_PARTY
        if day >= TWO_LEVEL_ON:
            return "Ban Thường vụ Đảng ủy phường"
        return f"Ủy ban Kiểm tra Quận ủy {c.district.spec.name}"

    def _disciplining_suffix(self, c: CadreState, day: date) -> str:
        body = self._disciplining_body(c, day)
        return "TU" if body == CITY_PARTY else "ĐU" if day >= TWO_LEVEL_ON else "UBKTQU"

    def nominations_for_council(self, day: date, d: DistrictState) -> None:
        """Giới thiệu ứng cử đại biểu HĐND: the chairs of people's committees."""
        for unit in d.units.values():
            if unit.kind != "ubnd" or not unit.exists_on(day):
                continue
            for h in unit.regular(self._head_of(unit)):
                self.nominate(h.cadre, unit, h.title, day)

