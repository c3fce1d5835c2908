"""Property: the cadre-quality counts kept by unit and date (issue 19) give the report the SQL
path and the per-person tally give, for every business date.

Random histories (appointments in several units, endings, backdated corrections and
retractions, qualifications, employments, an erasure) are applied by the projector batch by
batch; for several `as_of` dates the report read from the counts must equal the SQL GROUP BY
(`kept=False`) and `cadre_quality_by_person`, whole store and each unit's subtree, digests
included. A rebuild (the counts built in one go) must leave the same rows, and a `known_at`
in the past must take the SQL path.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from domain.commands import (
    AddQualification,
    Appoint,
    Correct,
    Employ,
    EndHolding,
    ErasePersonalData,
    Evaluate,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.errors import DomainError
from domain.values import ActionKind, Decision, EmploymentKind, EndingReason, Gender, Rating
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from projections import quality_counts, reports
from projections.runner import canonical_dump
from tests.conftest import examples_on, fresh_store

TODAY = date(2026, 11, 24)
START = date(2008, 1, 1)
PEOPLE = [  # name, gender, born, party, ethnicity, religion
    ("Nguyễn Văn An", Gender.NAM, date(1964, 2, 29), date(1990, 5, 1), "Kinh", None),
    ("Trần Thị Bình", Gender.NU, date(1969, 7, 15), None, "Tày", "Phật giáo"),
    ("Lê Đức Cường", Gender.NAM, date(1980, 12, 31), date(2012, 3, 3), None, "Không"),
    ("Phạm Thị Dung", Gender.NU, date(1988, 1, 1), date(2020, 1, 1), "Kinh", None),
    ("Đặng Văn Đức", Gender.NAM, date(1957, 6, 1), None, "Mường", "Công giáo"),
]
LEVELS = [("education", "dai_hoc"), ("education", "thac_si"), ("political_theory", "cao_cap"),
          ("state_management", "chuyen_vien"), ("it", "co_ban"), ("language", "b1"),
          ("grade", "cv")]
GRADES = ["01.003", "01.002", "06.031"]


@dataclass(frozen=True)
class Step:
    verb: str
    who: int
    where: int
    pick: int
    day: int  # days after START


steps = st.lists(st.builds(Step, st.sampled_from(["appoint", "appoint", "appoint", "end",
                                                  "correct", "retract", "qualify", "employ",
                                                  "erase"]),
                           st.integers(0, 4), st.integers(0, 3), st.integers(0, 6),
                           st.integers(0, 6900)), min_size=8, max_size=30)


def _decision(day: date) -> Decision:
    return Decision(number=f"{day.toordinal() % 997}-QĐ/QU", signed_on=day,
                    issuer="Ban Thường vụ Quận ủy", signer="Lê Toàn Khánh")


def _record(rt: Runtime, history: list[Step]) -> list[UUID]:
    app = rt.app
    root = app.register_unit(RegisterUnit(
        code="Q", name="Quận ủy", kind="quan_uy", established_on=START), recorded_by="t").id
    units = [root] + [app.register_unit(RegisterUnit(
        code=f"P{i}", name=f"Phòng {i}", kind="phong", established_on=START, parent_id=root),
        recorded_by="t").id for i in range(3)]
    for code, rank in (("truong", 5), ("pho", 4), ("chuyen", 4)):
        app.register_title(RegisterTitle(
            code=code, name=code.title(), is_head=False, management_tier="quan_uy", rank=rank),
            recorded_by="t")
    titles = ["truong", "pho", "chuyen"]
    cadres = [app.register_cadre(RegisterCadre(full_name=n, gender=g, born_on=b, party_joined_on=p, ethnicity=e, religion=r), recorded_by="t").id
              for n, g, b, p, e, r in PEOPLE]
    rt.catch_up()
    for n, s in enumerate(history):
        day = START + timedelta(days=s.day)
        cadre_id = cadres[s.who]
        try:
            if s.verb == "appoint":
                app.appoint(cadre_id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=units[s.where], title_code=titles[s.pick % 3], effective_on=day, decision=_decision(day)), recorded_by="t")
            elif s.verb == "end":
                open_ = [h for h in app.cadre(cadre_id).holdings().values() if h.until is None]
                if open_:
                    h = open_[s.pick % len(open_)]
                    app.end_holding(cadre_id, EndHolding(unit_id=h.unit_id, title_code=h.title_code, reason=EndingReason.MIEN_NHIEM, effective_on=max(day, h.since + timedelta(days=1)), decision=_decision(day)), recorded_by="t")
            elif s.verb == "qualify":
                kind, level = LEVELS[s.pick]
                app.add_qualification(cadre_id, AddQualification(kind=kind, level=level, obtained_on=day), recorded_by="t")
            elif s.verb == "employ":
                app.employ(cadre_id, Employ(unit_id=units[s.where], employment_kind=EmploymentKind(
                    "bien_che"), grade_code=GRADES[s.pick % 3], grade_name="Chuyên viên", salary_step=1, coefficient=Decimal("2.34"), effective_on=day, decision=_decision(day)), recorded_by="t")
            elif s.verb == "erase":
                if s.pick == 0:
                    app.erase_personal_data(cadre_id, ErasePersonalData(
                        reason="Yêu cầu"), recorded_by="t")
            else:
                _correct(rt, cadre_id, s, day)
        except DomainError:
            pass  # refused commands append nothing
        if n % 3 == 2:
            rt.catch_up()  # the projector in several batches, as in service
    rt.catch_up()
    return units


def _correct(rt: Runtime, cadre_id: UUID, s: Step, day: date) -> None:
    app = rt.app
    cadre = app.cadre(cadre_id)
    live = [e for e in cadre.entries.values() if e.status == "in_force"
            and e.type in ("Appointed", "HoldingEnded", "QualificationObtained", "Employed")]
    if not live:
        return
    entry = live[s.pick % len(live)]
    position = next(r.position for r in rt.log.select(0, 100_000)
                    if r.originator_id == cadre_id and r.originator_version == entry.version)
    replacement: dict[str, Any] | None = None
    p = dict(entry.payload)
    if s.verb == "correct" and entry.type == "Appointed":
        replacement = dict(kind=p["kind"], unit_id=p["unit_id"], title_code=p["title_code"],
                           effective_on=day, decision=_decision(day))
    elif s.verb == "correct" and entry.type == "HoldingEnded":
        replacement = dict(unit_id=p["unit_id"], title_code=p["title_code"],
                           reason=EndingReason.DIEU_DONG, effective_on=day,
                           decision=_decision(day))
    elif s.verb == "correct":
        return  # retractions only for the other entries
    app.correct(cadre_id, Correct(
        target_position=position, reason="Đính chính", replacement=replacement), recorded_by="t")


def _check(rt: Runtime, units: list[UUID], days: list[date]) -> int:
    rm = rt.read_model
    counted = 0
    for as_of in days:
        m = rm.moment(as_of)
        with rt.engine.connect() as conn:
            assert quality_counts.counts_on(conn, reports.tables_of(rm), as_of,
                                            m.position) is not None  # the kept path answers
        for unit in (None, *units):
            kept = reports.cadre_quality(rm, m, unit_id=unit)
            assert kept == reports.cadre_quality(rm, m, unit_id=unit, kept=False), (as_of, unit)
            assert kept == reports.cadre_quality_by_person(rm, m, unit_id=unit), (as_of, unit)
            counted += kept["total"]
    return counted


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kept_counts_equal_the_sql_path_and_the_per_person_tally(kind: str) -> None:
    @settings(max_examples=examples_on(kind, 8), deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(history=steps, offsets=st.lists(st.integers(0, 7000), min_size=3, max_size=5))
    def holds(history: list[Step], offsets: list[int]) -> None:
        days = sorted({START + timedelta(days=d) for d in offsets} | {TODAY})
        with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
            rt = open_runtime(store, clock=PinnedClock.on(TODAY))
            try:
                units = _record(rt, history)
                _check(rt, units, days)
                rm = rt.read_model
                incremental = canonical_dump(rt.engine, rm.tables())
                rt.rebuild()
                assert canonical_dump(rt.engine, rm.tables()) == incremental
                _check(rt, units, days)
            finally:
                rt.close()

    holds()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_past_known_at_takes_the_sql_path(kind: str) -> None:
    history = [Step("appoint", w, w % 4, w, 400 * w) for w in range(5)] + [
        Step("correct", 2, 0, 0, 10), Step("end", 1, 0, 0, 5000),
        Step("appoint", 0, 2, 2, 4000)]
    with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
        rt = open_runtime(store, clock=PinnedClock.on(TODAY))
        try:
            units = _record(rt, history)
            rm = rt.read_model
            head = rm.applied_position()
            t = reports.tables_of(rm)
            assert _check(rt, units, [date(2012, 1, 1), TODAY]) > 0
            for k in (head - 3, head - 1):
                m = reports.Moment(date(2012, 1, 1), rm.moment().known_at, k)
                with rt.engine.connect() as conn:
                    assert quality_counts.counts_on(conn, t, m.as_of, k) is None
                for unit in (None, units[0], units[2]):
                    got = reports.cadre_quality(rm, m, unit_id=unit)
                    assert got == reports.cadre_quality_by_person(rm, m, unit_id=unit)
        finally:
            rt.close()


def test_only_the_batches_that_write_counted_rows_read_the_counts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An evaluation changes nothing the counts read: its batch asks them about no cadre; an
    employment's batch asks about its cadre (the property above holds the counts right)."""
    asked: list[set[UUID]] = []
    real = quality_counts.Upkeep

    def spying(conn: Any, t: Any, cadre_ids: Any) -> quality_counts.Upkeep:
        ids = set(cadre_ids)
        asked.append(ids)
        return real(conn, t, ids)

    with tempfile.TemporaryDirectory() as tmp, fresh_store("sqlite", Path(tmp)) as store:
        rt = open_runtime(store, clock=PinnedClock.on(TODAY))
        try:
            app = rt.app
            unit = app.register_unit(RegisterUnit(code="Q", name="Quận ủy", kind="quan_uy",
                                                  established_on=START), recorded_by="t").id
            cadre = app.register_cadre(RegisterCadre(full_name="Nguyễn Văn An", gender=Gender.NAM,
                                                     born_on=date(1970, 1, 1)),
                                       recorded_by="t").id
            rt.catch_up()
            monkeypatch.setattr(quality_counts, "Upkeep", spying)
            app.evaluate(cadre, Evaluate(period="2024", rating=Rating.HTNV,
                                         decided_on=date(2024, 12, 20)), recorded_by="t")
            rt.catch_up()
            assert asked == [set()]
            app.employ(cadre, Employ(unit_id=unit, employment_kind=EmploymentKind("bien_che"),
                                     grade_code=GRADES[0], grade_name="Chuyên viên",
                                     salary_step=1, coefficient=Decimal("2.34"),
                                     effective_on=date(2020, 1, 1),
                                     decision=_decision(date(2020, 1, 1))), recorded_by="t")
            rt.catch_up()
            assert asked == [set(), {cadre}]
        finally:
            rt.close()
