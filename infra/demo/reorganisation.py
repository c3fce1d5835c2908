"""The 2025 reorganisation: the ward mergers of 1/1/2025 and the two-level local government of
1/7/2025 (the fourth layer of the generator's `_History`).
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.commands import ChangeUnit
from domain.values import ActionKind, Decision, EndingReason, add_months
from infra.demo.district import TITLE_BY_CODE, TitleSpec, new_ward_units
from infra.demo.model import CadreState, DistrictState, UnitState
from infra.demo.routines import Routines
from infra.demo.world import RECORDED_BY


class Reorganisation(Routines):
    """The ward mergers and the two-level local government."""

    # --- the 2025 reorganisation ----------------------------------------------------------

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
                self._did(self.app.change_unit(source.id, ChangeUnit(
                    change="merge", effective_on=day, into_unit_id=target.id, decision=decision),
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
                self._did(self.app.change_unit(unit.id, ChangeUnit(
                    change="move", effective_on=day, new_parent_id=target.id, decision=decision),
                    recorded_by=RECORDED_BY))
                unit.parents.append((day, target))
                unit.ward = ward
        for unit in old_units:
            suffix = unit.spec.key.removeprefix(unit.ward.spec.key) if (
                unit.ward is not None) else None
            into = new_ward_of.get(unit.ward.spec.key) if unit.ward is not None else None
            if into is not None and suffix in ("", ".DU", ".UB"):
                target = d.units[into.spec.key + suffix]
                self._did(self.app.change_unit(unit.id, ChangeUnit(
                    change="merge", effective_on=day, into_unit_id=target.id, decision=decision),
                    recorded_by=RECORDED_BY))
            else:
                self._did(self.app.change_unit(unit.id, ChangeUnit(
                    change="dissolve", effective_on=day, decision=decision),
                    recorded_by=RECORDED_BY))
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

