"""Property: every read-model answer equals a naive replay of the log up to known_at.

Random histories (appointments, endings, corrections and retractions with backdated dates,
unit moves) are recorded; for random (as_of, known_at) the roster, profile holdings, record
statuses and search must equal what the domain aggregates say when rebuilt from the events
recorded up to that position.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from domain.application import HosoApplication
from domain.cadre import Cadre
from domain.commands import (
    Appoint,
    ChangeUnit,
    Correct,
    EndHolding,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.errors import DomainError
from domain.values import ActionKind, Decision, EndingReason, Gender, fold
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from projections.read_model import Moment
from projections.runner import canonical_dump
from tests.conftest import examples_on, fresh_store

TODAY = date(2026, 11, 24)
START = date(2015, 1, 1)
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường", "Phạm Thị Dung", "Đặng Văn Đức"]


@dataclass(frozen=True)
class Step:
    verb: str  # appoint | end | correct | retract | move
    who: int
    where: int
    title: int
    day: int  # days after START


steps = st.lists(st.builds(Step, st.sampled_from(["appoint", "appoint", "end", "correct",
                                                  "retract", "move"]),
                           st.integers(0, 4), st.integers(0, 2), st.integers(0, 1),
                           st.integers(0, 3800)), min_size=5, max_size=25)


def _decision(day: date) -> Decision:
    return Decision(number=f"{day.toordinal() % 997}-QĐ/QU", signed_on=day,
                    issuer="Ban Thường vụ Quận ủy", signer="Lê Toàn Khánh")


def small_district(app: HosoApplication) -> list[UUID]:
    """A district party committee and two of its offices, with a head and a deputy title: the
    units the store-backed property tests record their random histories in."""
    root = app.register_unit(RegisterUnit(
        code="Q", name="Quận ủy", kind="quan_uy", established_on=START), recorded_by="t").id
    units = [root] + [app.register_unit(RegisterUnit(
        code=f"P{i}", name=f"Phòng {i}", kind="phong", established_on=START, parent_id=root),
        recorded_by="t").id for i in range(2)]
    app.register_title(RegisterTitle(
        code="truong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="t")
    app.register_title(RegisterTitle(
        code="pho", name="Phó trưởng phòng", is_head=False, management_tier="quan_uy", rank=4),
        recorded_by="t")
    return units


def _record(rt: Runtime, history: list[Step]) -> tuple[list[UUID], list[UUID]]:
    app = rt.app
    units = small_district(app)
    cadres = [app.register_cadre(RegisterCadre(full_name=n, gender=Gender.NAM,
                                               born_on=date(1975, 1, 1)),
                                 recorded_by="t").id for n in NAMES]
    titles = ["truong", "pho"]
    for s in history:
        day = START + timedelta(days=s.day)
        cadre_id = cadres[s.who]
        try:
            if s.verb == "appoint":
                app.appoint(cadre_id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=units[s.where],
                                              title_code=titles[s.title], effective_on=day,
                                              decision=_decision(day)), recorded_by="t")
            elif s.verb == "end":
                cadre = app.cadre(cadre_id)
                open_ = [h for h in cadre.holdings().values() if h.until is None]
                if open_:
                    h = open_[s.where % len(open_)]
                    app.end_holding(cadre_id, EndHolding(
                        unit_id=h.unit_id, title_code=h.title_code, reason=EndingReason.MIEN_NHIEM,
                        effective_on=max(day, h.since + timedelta(days=1)),
                        decision=_decision(day)), recorded_by="t")
            elif s.verb in ("correct", "retract"):
                cadre = app.cadre(cadre_id)
                live = [e for e in cadre.entries.values() if e.status == "in_force"
                        and e.type in ("Appointed", "HoldingEnded")]
                if live:
                    entry = live[s.where % len(live)]
                    position = _position_of(rt, cadre_id, entry.version)
                    replacement: dict[str, Any] | None = None
                    if s.verb == "correct":
                        p = dict(entry.payload)
                        if entry.type == "Appointed":
                            replacement = dict(kind=p["kind"], unit_id=p["unit_id"],
                                               title_code=p["title_code"], effective_on=day,
                                               decision=_decision(day))
                        else:
                            replacement = dict(unit_id=p["unit_id"], title_code=p["title_code"],
                                               reason=EndingReason.DIEU_DONG, effective_on=day,
                                               decision=_decision(day))
                    app.correct(cadre_id, Correct(
                        target_position=position, reason="Đính chính", replacement=replacement),
                        recorded_by="t")
            elif s.verb == "move" and s.where > 0:
                app.change_unit(units[s.where], ChangeUnit(
                    change="move", effective_on=day, new_parent_id=units[3 - s.where]),
                    recorded_by="t")
        except DomainError:
            pass  # refused commands append nothing; the property covers what was recorded
    return units, cadres


def _position_of(rt: Runtime, aggregate_id: UUID, version: int) -> int:
    for r in rt.log.select(0, 100_000):
        if r.originator_id == aggregate_id and r.originator_version == version:
            return r.position
    raise AssertionError("event not in the log")


def _reference_cadre(rt: Runtime, cadre_id: UUID, k: int) -> tuple[Cadre | None, dict[int, int]]:
    versions = {r.originator_version: r.position for r in rt.log.select(0, 100_000)
                if r.originator_id == cadre_id and r.position <= k}
    if not versions:
        return None, {}
    cadre = rt.app.repository.get(cadre_id, version=max(versions))
    assert isinstance(cadre, Cadre)
    return cadre, versions


def _reference_tree(rt: Runtime, units: list[UUID], m: Moment) -> set[UUID]:
    parents: dict[UUID, UUID | None] = {}
    for unit_id in units:
        versions = [r.originator_version for r in rt.log.select(0, 100_000)
                    if r.originator_id == unit_id and r.position <= m.position]
        if versions:
            unit = rt.app.repository.get(unit_id, version=max(versions))
            if unit.exists_on(m.as_of):
                parents[unit_id] = unit.parent_on(m.as_of)
    tree: set[UUID] = {units[0]}  # the root is asked for, even before it exists
    grew = True
    while grew:
        grew = False
        for unit_id, parent in parents.items():
            if parent in tree and unit_id not in tree:
                tree.add(unit_id)
                grew = True
    return tree


# Shrinking a store-backed history takes minutes; a failure prints its example unshrunk.
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_read_model_equals_naive_replay(kind: str) -> None:
    @settings(max_examples=examples_on(kind, 15), deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(history=steps, probes=st.lists(st.tuples(st.integers(0, 4200), st.floats(0, 1)),
                                          min_size=3, max_size=6))
    def holds(history: list[Step], probes: list[tuple[int, float]]) -> None:
        with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
            rt = open_runtime(store, clock=PinnedClock.on(TODAY))
            try:
                units, cadres = _record(rt, history)
                rt.catch_up()
                head = rt.read_model.applied_position()
                rm = rt.read_model
                for day_offset, fraction in probes:
                    k = max(1, int(head * fraction))
                    m = Moment(START + timedelta(days=day_offset), rm.moment().known_at, k)
                    expected_roster: set[tuple[UUID, UUID, str, date]] = set()
                    for cadre_id in cadres:
                        cadre, versions = _reference_cadre(rt, cadre_id, k)
                        profile = rm.profile(cadre_id, m)
                        if cadre is None:
                            assert profile is None
                            continue
                        held = {(h.unit_id, h.title_code, h.since, h.until)
                                for h in cadre.holdings_on(m.as_of)}
                        assert profile is not None
                        assert {(h["unit_id"], h["title_code"], h["since"], h["until"])
                                for h in profile["holdings"]} == held
                        expected_roster |= {(cadre_id, u, t, s) for u, t, s, _ in held}
                        record = rm.record(cadre_id, m)
                        assert record is not None
                        statuses = {e["position"]: e["status"] for e in record}
                        for version, entry in cadre.entries.items():
                            position = versions[version]
                            if entry.payload.get("effective_on", START) <= m.as_of \
                                    and position in statuses and entry.type != "Corrected":
                                assert statuses[position] == entry.status
                        assert [c["id"] for c in rm.cadres(m, q=fold(cadre.full_name))] == [cadre_id]
                    got = {(r["cadre_id"], r["unit_id"], r["title_code"], r["since"])
                           for u in units for r in rm.roster(u, m)}
                    assert got == expected_roster
                    assert set(rm.subtree(units[0], m)) == _reference_tree(rt, units, m)
                incremental = canonical_dump(rt.engine, rm.tables())
                rt.rebuild()
                assert canonical_dump(rt.engine, rm.tables()) == incremental
            finally:
                rt.close()

    holds()
