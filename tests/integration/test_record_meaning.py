"""Property: the aggregate, the findings fold and the read-model rows say the same record.

`domain/record.py` says what each entry means and how a correction applies; the aggregate's
views, the findings fold and the read-model rows each apply it to their own representation.
Random histories of several cadres — appointments, reappointments, extensions and re-elections
that renew a holding, endings, evaluations, plannings and their
removals, qualifications, courses, and corrections and retractions of any of them, the
registration included — are recorded on SQLite and PostgreSQL. For the head and for random
earlier log positions, the holdings, plannings, evaluations, levels and identity that each of
the three shows must be the same.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, or_, select

from domain.cadre import Cadre
from domain.commands import (
    AddQualification,
    Appoint,
    Correct,
    EndHolding,
    Evaluate,
    Plan,
    RecordTraining,
    RegisterCadre,
)
from domain.errors import DomainError
from domain.record import Entry
from domain.values import (
    ActionKind,
    Decision,
    Education,
    EndingReason,
    Gender,
    QualificationKind,
    Rating,
)
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from projections.findings import fold_events
from projections.runner import decoder
from tests.conftest import examples_on, fresh_store
from tests.integration.test_read_side_properties import small_district

TODAY = date(2026, 11, 24)
START = date(2012, 1, 1)
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường"]
RATINGS = [Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV]
COURSES = ["llct_trung_cap", "llct_cao_cap", "qlnn_cv", "qpan_doi_tuong_1"]
DEGREES = [Education.DAI_HOC, Education.THAC_SI, Education.TIEN_SI]
RENEWALS = [ActionKind.BO_NHIEM_LAI, ActionKind.KEO_DAI, ActionKind.BAU_CU]
VERBS = ["appoint", "appoint", "reappoint", "reappoint", "end", "evaluate", "plan", "unplan", "qualify", "train",
         "correct", "correct", "retract", "identity"]


@dataclass(frozen=True)
class Step:
    verb: str
    who: int
    pick: int  # which unit, title, entry, rating, course ... (modulo the choices)
    day: int  # days after START


steps = st.lists(st.builds(Step, st.sampled_from(VERBS), st.integers(0, len(NAMES) - 1),
                           st.integers(0, 11), st.integers(0, 4800)),
                 min_size=6, max_size=30)


def _decision(day: date) -> Decision:
    return Decision(number=f"{day.toordinal() % 997}-QĐ/QU", signed_on=day,
                    issuer="Ban Thường vụ Quận ủy", signer="Lê Toàn Khánh")


def _replacement(entry: Entry, day: date, pick: int) -> dict[str, Any]:
    """The corrected command's own arguments, with another date (and code, where it has one)."""
    p = entry.payload
    if entry.type == "Registered":
        return dict(full_name=p["full_name"], gender=p["gender"],
                    born_on=date(1970 + pick % 10, 1 + pick % 12, 1),
                    education=DEGREES[pick % len(DEGREES)])
    if entry.type == "Appointed":
        return dict(kind=p["kind"], unit_id=p["unit_id"], title_code=p["title_code"],
                    effective_on=day, decision=_decision(day))
    if entry.type == "HoldingEnded":
        return dict(unit_id=p["unit_id"], title_code=p["title_code"],
                    reason=EndingReason.DIEU_DONG, effective_on=day, decision=_decision(day))
    if entry.type == "Evaluated":
        return dict(period=p["period"], rating=RATINGS[pick % len(RATINGS)],
                    decided_on=p["effective_on"])
    if entry.type in ("Planned", "PlanningRemoved"):
        return dict(unit_id=p["unit_id"], title_code=p["title_code"], term=p["term"],
                    decided_on=day, decision=_decision(day))
    if entry.type == "QualificationObtained":
        return dict(kind=p["kind"], level=DEGREES[pick % len(DEGREES)], obtained_on=day)
    if entry.type == "TrainingRecorded":
        return dict(program=p["program"], started_on=p["started_on"],
                    completed_on=None if pick % 3 == 0 else max(day, p["started_on"]))
    raise AssertionError(entry.type)


def _record(rt: Runtime, history: list[Step]) -> list[UUID]:
    app = rt.app
    units = small_district(app)
    titles = ["truong", "pho"]
    cadres = [app.register_cadre(RegisterCadre(full_name=n, gender=Gender.NU,
                                               born_on=date(1976, 5, 1),
                                               education=Education.DAI_HOC), recorded_by="t").id
              for n in NAMES]
    for s in history:
        day = START + timedelta(days=s.day)
        cadre_id = cadres[s.who]
        unit, title = units[s.pick % 3], titles[s.pick % 2]
        term = ["2015-2020", "2020-2025", "2025-2030"][s.pick % 3]
        try:
            if s.verb == "appoint":
                app.appoint(cadre_id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                              title_code=title, effective_on=day,
                                              decision=_decision(day)), recorded_by="t")
            elif s.verb == "reappoint":
                held = [h for h in app.cadre(cadre_id).holdings().values() if h.until is None]
                if held:
                    h = held[s.pick % len(held)]
                    on = max(day, h.since + timedelta(days=1))
                    app.appoint(cadre_id, Appoint(kind=RENEWALS[s.pick % 3], unit_id=h.unit_id,
                                                  title_code=h.title_code, effective_on=on,
                                                  decision=_decision(on), term_months=60),
                                recorded_by="t")
            elif s.verb == "end":
                held = [h for h in app.cadre(cadre_id).holdings().values() if h.until is None]
                if held:
                    h = held[s.pick % len(held)]
                    app.end_holding(cadre_id, EndHolding(
                        unit_id=h.unit_id, title_code=h.title_code, reason=EndingReason.NGHI_HUU,
                        effective_on=max(day, h.since + timedelta(days=1)),
                        decision=_decision(day)), recorded_by="t")
            elif s.verb == "evaluate":
                app.evaluate(cadre_id, Evaluate(period=str(day.year), rating=RATINGS[s.pick % 4],
                                                decided_on=day), recorded_by="t")
            elif s.verb in ("plan", "unplan"):
                app.plan(cadre_id, Plan(unit_id=unit, title_code=title, term=term, decided_on=day,
                                        decision=_decision(day), removed=s.verb == "unplan"),
                         recorded_by="t")
            elif s.verb == "qualify":
                app.add_qualification(cadre_id, AddQualification(kind=QualificationKind.EDUCATION,
                                                                 level=DEGREES[s.pick % 3],
                                                                 obtained_on=day), recorded_by="t")
            elif s.verb == "train":
                app.record_training(cadre_id, RecordTraining(program=COURSES[s.pick % 4], started_on=day, completed_on=None if s.pick % 4 == 3 else min(
                                        day + timedelta(days=120), TODAY)), recorded_by="t")
            else:
                cadre = app.cadre(cadre_id)
                wanted = ("Registered",) if s.verb == "identity" else (
                    "Appointed", "HoldingEnded", "Evaluated", "Planned", "PlanningRemoved",
                    "QualificationObtained", "TrainingRecorded")
                live = [e for e in cadre.entries.values()
                        if e.status == "in_force" and e.type in wanted]
                if live:
                    entry = live[s.pick % len(live)]
                    app.correct(cadre_id, Correct(
                        target_position=_position_of(rt, cadre_id,
                                                                       entry.version),
                        reason="Đính chính",
                        replacement=None if s.verb == "retract"
                                else _replacement(entry, day, s.pick)),
                        recorded_by="t")
        except DomainError:
            pass  # refused commands append nothing; the property covers what was recorded
    return cadres


def _position_of(rt: Runtime, aggregate_id: UUID, version: int) -> int:
    for r in rt.log.select(0, 100_000):
        if r.originator_id == aggregate_id and r.originator_version == version:
            return r.position
    raise AssertionError("event not in the log")


Said = dict[str, set[tuple[Any, ...]]]


def _aggregate_says(rt: Runtime, cadre_id: UUID, k: int) -> Said | None:
    versions = {r.originator_version: r.position for r in rt.log.select(0, 100_000)
                if r.originator_id == cadre_id and r.position <= k}
    if not versions:
        return None
    cadre = rt.app.repository.get(cadre_id, version=max(versions))
    assert isinstance(cadre, Cadre)
    levels = {("education", str(cadre.registration.education))}
    for entry in cadre.facts("QualificationObtained"):
        levels.add((str(entry.payload["kind"]), str(entry.payload["level"])))
    for entry in cadre.facts("TrainingRecorded"):
        if entry.payload["confers_kind"] and entry.payload["completed_on"]:
            levels.add((str(entry.payload["confers_kind"]), str(entry.payload["confers_level"])))
    return {
        "identity": {(cadre.full_name, cadre.born_on)},
        "holdings": {(h.holding_id, h.unit_id, h.title_code, h.since, h.until,
                      versions[h.version]) for h in cadre.holdings().values()},
        "plannings": {(p.title_code, p.term, p.decided_on, p.removed_on, versions[p.version])
                      for p in cadre.plannings().values()},
        "evaluations": {(e.payload["period"], str(e.payload["rating"]), versions[e.version])
                        for e in cadre.facts("Evaluated")},
        "levels": levels,
    }


def _fold_says(rt: Runtime, k: int) -> dict[UUID, Said]:
    decode = decoder(rt.app.mapper)
    fold = fold_events((r.position, r.recorded_at, decode(r))
                       for r in rt.log.select(0, 100_000) if r.position <= k)
    out: dict[UUID, Said] = {}
    for c in fold.facts(TODAY).cadres:
        out[c.cadre_id] = {
            "identity": {(c.full_name, c.born_on)},
            "holdings": {(h.holding_id, h.unit_id, h.title_code, h.since, h.until, h.position)
                         for h in c.holdings},
            "plannings": {(p.title_code, p.term, p.decided_on, p.removed_on, p.position)
                          for p in c.plannings},
            "evaluations": {(e.period, e.rating, e.position) for e in c.evaluations},
            "levels": {(q.kind, q.level) for q in c.qualifications},
        }
    return out


def _rows_say(rt: Runtime, k: int) -> dict[UUID, Said]:
    t = rt.read_model.tables()

    def in_force(table: Any) -> Any:
        return and_(table.c.rec_from <= k, or_(table.c.rec_to.is_(None), table.c.rec_to > k))

    out: dict[UUID, Said] = {}
    with rt.engine.connect() as conn:
        for r in conn.execute(select(t.cadres).where(in_force(t.cadres))).mappings():
            out[r["cadre_id"]] = {"identity": {(r["full_name"], r["born_on"])}, "holdings": set(),
                                  "plannings": set(), "evaluations": set(), "levels": set()}
        for r in conn.execute(select(t.holdings).where(in_force(t.holdings))).mappings():
            out[r["cadre_id"]]["holdings"].add((r["holding_id"], r["unit_id"], r["title_code"],
                                                r["since"], r["until"],
                                                r["appointed_position"]))
        for r in conn.execute(select(t.plannings).where(in_force(t.plannings))).mappings():
            out[r["cadre_id"]]["plannings"].add((r["title_code"], r["term"], r["decided_on"],
                                                 r["removed_on"], r["planned_position"]))
        for r in conn.execute(select(t.facts).where(in_force(t.facts),
                                                    t.facts.c.kind == "evaluation")).mappings():
            out[r["cadre_id"]]["evaluations"].add((r["period"], r["code"],
                                                   r["entry_position"]))
        for r in conn.execute(select(t.levels).where(in_force(t.levels))).mappings():
            out[r["cadre_id"]]["levels"].add((r["kind"], r["level"]))
    return out


# Shrinking a store-backed history takes minutes; a failure prints its example unshrunk.
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_aggregate_fold_and_rows_say_the_same_record(kind: str) -> None:
    @settings(max_examples=examples_on(kind, 12), deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(history=steps, probes=st.lists(st.floats(0.3, 1), min_size=1, max_size=3))
    # A corrected planning keeps its removal; a corrected appointment keeps its ending.
    @example(history=[Step("plan", 0, 0, 1000), Step("unplan", 0, 0, 1500),
                      Step("correct", 0, 0, 1200), Step("appoint", 1, 1, 100),
                      Step("end", 1, 0, 900), Step("correct", 1, 0, 200)], probes=[1.0])
    # A renewal closes the term it renews without an ending; its correction moves the handover, its
    # retraction lets the old term run on; an ending then ends the renewed term.
    @example(history=[Step("appoint", 0, 0, 100), Step("reappoint", 0, 0, 1900),
                      Step("correct", 0, 1, 2000), Step("reappoint", 0, 0, 3700),
                      Step("retract", 0, 2, 0), Step("end", 0, 0, 4000)], probes=[0.5, 1.0])
    def holds(history: list[Step], probes: list[float]) -> None:
        with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
            rt = open_runtime(store, clock=PinnedClock.on(TODAY))
            try:
                cadres = _record(rt, history)
                rt.catch_up()
                head = rt.read_model.applied_position()
                for k in sorted({head, *(max(1, int(head * f)) for f in probes)}):
                    folded, rows = _fold_says(rt, k), _rows_say(rt, k)
                    for cadre_id in cadres:
                        aggregate = _aggregate_says(rt, cadre_id, k)
                        assert folded.get(cadre_id) == aggregate, (k, cadre_id)
                        assert rows.get(cadre_id) == aggregate, (k, cadre_id)
            finally:
                rt.close()

    holds()
