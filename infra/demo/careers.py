"""Careers: appointments, endings, vacancies and what a career schedules for itself (the second
layer of the generator's `_History`).
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.commands import Appoint, EndHolding, Nominate, Plan, RecordTraining, Vet
from domain.values import (
    ActionKind,
    Decision,
    EndingReason,
    TrainingMode,
    VettingConclusion,
    add_months,
)
from infra.demo.district import TITLE_BY_CODE, TitleSpec
from infra.demo.model import (
    CadreState,
    Fix,
    HoldingState,
    PlanningState,
    UnitState,
    _renumbered,
    term_of,
)
from infra.demo.office import Office
from infra.demo.profiles import PlantedViolation
from infra.demo.thresholds import ROTATE_AFTER_MONTHS, TERM_MONTHS
from infra.demo.world import RECORDED_BY, TWO_LEVEL_ON, WARD_MERGERS_ON


class Careers(Office):
    """Careers: the commands with their model updates, vacancies and how they are filled,
    and what a career schedules for itself (term ends, reappointments, rotations, retirement)."""

    # Hooks of the planted scenarios (plants.py) that a vacancy or a promotion may trigger.
    def _plant_relatives(self, unit: UnitState, title: TitleSpec, day: date) -> bool:
        raise NotImplementedError

    def express_second(self, day: date, c: CadreState, first: HoldingState) -> None:
        raise NotImplementedError

    # --- commands with their model updates ------------------------------------------------

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
        receipt = self._did(self.app.vet(c.id, Vet(vetted_on=on, purpose=purpose,
                                                   conclusion=VettingConclusion.DAT, body=body),
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
        self._did(self.app.plan(c.id, Plan(unit_id=unit.id, title_code=title.code, term=term,
                                           decided_on=decided, decision=decision),
                                recorded_by=RECORDED_BY))
        c.plannings.append(PlanningState(unit, title, term, decided))

    def remove_planning(self, c: CadreState, p: PlanningState, day: date) -> None:
        decision = self.decision(p.unit, p.title, day)
        self._did(self.app.plan(c.id, Plan(unit_id=p.unit.id, title_code=p.title.code, term=p.term,
                                           decided_on=day, decision=decision, removed=True),
                                recorded_by=RECORDED_BY))
        p.removed_on = day

    def nominate(self, c: CadreState, unit: UnitState, title: TitleSpec, day: date) -> None:
        decided = max(day, unit.established_on)
        receipt = self._did(self.app.nominate(c.id, Nominate(
            unit_id=unit.id, title_code=title.code, decided_on=decided,
            decision=self.decision(unit, None, decided)), recorded_by=RECORDED_BY))
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
        receipt = self._did(self.app.appoint(c.id, Appoint(kind=kind, unit_id=unit.id,
                                                           title_code=title.code, effective_on=day,
                                                           decision=decision,
                                                           planned_end_on=planned_end),
                                             recorded_by=RECORDED_BY))
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
        self._did(self.app.end_holding(h.cadre.id, EndHolding(unit_id=h.unit.id,
                                                              title_code=h.title.code,
                                                              reason=reason, effective_on=day,
                                                              decision=decision),
                                       recorded_by=RECORDED_BY))
        h.until = day
        h.unit.holders[h.title.code].remove(h)

    # --- vacancies and appointments -------------------------------------------------------

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

    # --- scheduled events of a career -----------------------------------------------------

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

    # --- commands with their model updates ------------------------------------------------

    def course(self, day: date, c: CadreState, program: str, length: int, institution: str,
               mode: TrainingMode | None) -> None:
        """A course that confers no qualification (defence and security, refreshers)."""
        if c.left:
            return
        completed = day + timedelta(days=length)
        if completed > self.today:
            return
        self._did(self.app.record_training(c.id, RecordTraining(program=program, started_on=day,
                                                                completed_on=completed,
                                                                institution=institution, mode=mode),
                                           recorded_by=RECORDED_BY))
        if self._wants_fix(c):
            receipt = self._did(self.app.record_training(c.id, RecordTraining(
                program=program, started_on=day, completed_on=completed, institution=institution,
                mode=mode), recorded_by=RECORDED_BY))
            self.fixes.append(Fix(c, self._remember(c, receipt), None,
                                  "Thu hồi: khóa học bị nhập hai lần"))

