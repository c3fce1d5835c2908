"""Property: the findings the projector stores step by step (scoped re-judging) are the findings
of a full fold of the log (`find_all`), for every date it keeps and for past `known_at`
positions (answered from the bitemporal rows or from a snapshot), on both stores.

The histories are the read-side property's (appointments, endings, corrections, retractions,
unit moves) plus ratings (the unit-level excellent-rating quota), relatives between cadres
(a cross-cadre rule), vettings, and decisions signed by cadres: appointments signed before the
signer leaves a post (judged in the signer's scope), their corrections to another signer or
retractions, and commendations signed by the cadre or a relative; the projector sees the log
head move by random steps, and another projector takes over at a random one.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from domain.commands import AddRelative, Appoint, Commend, Correct, EndHolding, Evaluate, Vet
from domain.errors import DomainError
from domain.rules.checks import find_all
from domain.values import (
    ActionKind,
    CommendationForm,
    Decision,
    EndingReason,
    Rating,
    Relation,
    VettingConclusion,
)
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from projections.findings import fold_events
from projections.findings_store import (
    DAYS_KEPT,
    FindingsProjector,
    FindingsReader,
    finding_days,
    finding_steps,
    rows_of,
)
from projections.runner import decoder
from tests.conftest import examples_on, fresh_store
from tests.integration.test_read_side_properties import (
    START,
    TODAY,
    Step,
    _decision,
    _position_of,
    _record,
    steps,
)

# (verb, who, other, year, rating, month): `other` is the relative, or who signed.
Extra = tuple[str, int, int, int, str, int]
extras = st.lists(st.tuples(st.sampled_from(["rate", "rate", "relative", "vet", "sign", "sign",
                                             "sign", "sign", "depart", "depart", "resign",
                                             "commend"]),
                            st.integers(0, 4), st.integers(0, 4), st.integers(2016, 2025),
                            st.sampled_from(["HTXSNV", "HTXSNV", "HTTNV", "HTNV"]),
                            st.integers(0, 5)),
                  min_size=6, max_size=16)
# Signers' findings (`pre_departure_appointments`, judged in the signer's scope) need three
# appointments signed by one cadre in the months before that cadre leaves a post: two cadres
# sign, decisions are signed in January–June and the signers leave on 1 July, all in one year.
SIGNERS = 2
SIGNING_YEAR = 2022
DEPARTURES = (EndingReason.DIEU_DONG, EndingReason.NGHI_HUU, EndingReason.LUAN_CHUYEN)


def _signed(day: date, signer: UUID) -> Decision:
    return Decision(number=f"{day.toordinal() % 997}-QĐ/QU", signed_on=day,
                    issuer="Ban Thường vụ Quận ủy", signer="Người ký", signer_cadre_id=signer)


def _more(rt: Runtime, units: list[UUID], cadres: list[UUID], done: list[Extra]) -> None:
    app = rt.app
    for verb, who, other, year, rating, month in done:
        try:
            if verb == "rate":
                app.evaluate(cadres[who], Evaluate(period=str(year), rating=Rating(rating), decided_on=date(year + 1, 1, 15)), recorded_by="t")
            elif verb == "relative" and who != other:
                app.add_relative(cadres[who], AddRelative(relation=Relation.VO, full_name="Người thân", relative_cadre_id=cadres[other]), recorded_by="t")
            elif verb == "vet":
                app.vet(cadres[who], Vet(vetted_on=date(year, 3, 1), purpose="bổ nhiệm", conclusion=VettingConclusion.DAT, body="Ban Tổ chức"), recorded_by="t")
            elif verb == "sign":
                signed_on, unit = date(SIGNING_YEAR, 1 + month, 5), units[month % 3]
                held = any(h.unit_id == unit and h.title_code == "pho" and h.until is None
                           for h in app.cadre(cadres[who]).holdings().values())
                app.appoint(cadres[who], Appoint(kind=ActionKind.BO_NHIEM_LAI if held else ActionKind.BO_NHIEM, unit_id=unit, title_code="pho", effective_on=signed_on + timedelta(days=5), decision=_signed(signed_on, cadres[other % SIGNERS])), recorded_by="t")
            elif verb == "depart":
                signer = cadres[who % SIGNERS]
                open_ = [h for h in app.cadre(signer).holdings().values() if h.until is None]
                left_on = date(SIGNING_YEAR, 7, 1)
                if open_:
                    h = open_[month % len(open_)]
                    app.end_holding(signer, EndHolding(unit_id=h.unit_id, title_code=h.title_code, reason=DEPARTURES[month % 3], effective_on=max(left_on, h.since + timedelta(days=1)), decision=_decision(left_on)), recorded_by="t")
            elif verb == "resign":  # an appointment corrected to another signer, or retracted
                signed = [e for e in app.cadre(cadres[who]).entries.values()
                          if e.status == "in_force" and e.type == "Appointed"]
                if signed:
                    entry = signed[month % len(signed)]
                    p = dict(entry.payload)
                    day = date(SIGNING_YEAR, 1 + month, 5)
                    replacement = None if month == 5 else dict(
                        kind=p["kind"], unit_id=p["unit_id"], title_code=p["title_code"],
                        effective_on=day + timedelta(days=5),
                        decision=_signed(day, cadres[other % SIGNERS]))
                    app.correct(cadres[who], Correct(
                        target_position=_position_of(rt, cadres[who], entry.version),
                        reason="Đính chính người ký", replacement=replacement), recorded_by="t")
            elif verb == "commend":  # signed by the cadre, or by a relative (own circle)
                app.commend(cadres[who], Commend(form=CommendationForm.BANG_KHEN, decided_on=date(2024, 1 + month, 10), decision=_signed(date(2024, 1 + month, 10), cadres[other])), recorded_by="t")
        except DomainError:
            pass


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_stored_findings_equal_a_full_fold(kind: str) -> None:
    @settings(max_examples=examples_on(kind, 10), deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @example(history=[Step("appoint", 0, 1, 0, 2000), Step("appoint", 1, 1, 1, 2100),
                      Step("appoint", 2, 2, 0, 2200), Step("end", 2, 0, 0, 2300),
                      Step("correct", 1, 0, 0, 2050)],
             done=[("relative", 0, 1, 2020, "", 0), ("relative", 1, 0, 2020, "", 0),
                   ("rate", 0, 0, 2021, "HTXSNV", 0), ("rate", 1, 0, 2021, "HTXSNV", 0)],
             cuts=[0.5, 0.8], days=[4000], probes=[(0, 0.7), (1, 0.9)], takeover=1)
    # Signer 0's finding comes with the departure and goes when a signature is corrected to signer
    # 1; signer 1's comes with a departure, goes with a retraction, comes back with a new signature.
    @example(history=[Step("appoint", 0, 1, 0, 2000), Step("appoint", 1, 2, 0, 2100)],
             done=[("sign", 2, 0, 0, "", 0), ("sign", 3, 0, 0, "", 1), ("sign", 4, 0, 0, "", 2),
                   ("depart", 0, 0, 0, "", 0), ("sign", 2, 1, 0, "", 3), ("sign", 3, 1, 0, "", 4),
                   ("resign", 4, 1, 0, "", 0), ("depart", 1, 0, 0, "", 1),
                   ("commend", 0, 0, 0, "", 0), ("relative", 3, 1, 0, "", 0),
                   ("commend", 3, 1, 0, "", 1), ("resign", 3, 0, 0, "", 5), ("sign", 0, 1, 0, "", 5)],
             cuts=[0.66, 0.76, 0.83, 0.97], days=[2800], probes=[(0, 0.73), (1, 0.8)], takeover=2)
    @given(history=steps, done=extras,
           cuts=st.lists(st.floats(0.05, 1), min_size=2, max_size=5),
           days=st.lists(st.integers(0, 4200), min_size=1, max_size=2),
           probes=st.lists(st.tuples(st.integers(0, 2), st.floats(0, 1)), min_size=2, max_size=5),
           takeover=st.integers(0, 5))
    def holds(history: list[Step], done: list[Extra], cuts: list[float], days: list[int],
              probes: list[tuple[int, float]], takeover: int) -> None:
        with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
            rt = open_runtime(store, clock=PinnedClock.on(TODAY), settle=False)
            try:
                units, cadres = _record(rt, history)
                _more(rt, units, cadres, done)
                records = rt.log.select(0, 100_000)
                decode = decoder(rt.app.mapper)
                events = [(r.position, r.recorded_at, decode(r)) for r in records]
                head = [0]

                def at_head(_conn: Connection) -> int:
                    return head[0]

                def leader() -> FindingsProjector:
                    return FindingsProjector(rt.engine, rt.log, decode, lambda: TODAY,
                                             head=at_head, chunk=7)

                projector = [leader()]

                def settle() -> None:
                    while not projector[0].step():
                        pass

                reader = FindingsReader(rt.engine, rt.log, head=lambda: head[0], wake=settle,
                                        wait_seconds=5)

                def expected(day: date, position: int) -> list[dict[str, Any]]:
                    record = fold_events(e for e in events if e[0] <= position).facts(day)
                    return rows_of(find_all(record), record)

                kept = [TODAY] + [START + timedelta(days=d) for d in days]
                for n, fraction in enumerate(sorted(cuts) + [1.0]):
                    head[0] = max(1, int(len(records) * fraction))
                    if n == takeover:  # another process leads: it takes up the stored findings
                        projector[0] = leader()
                    settle()
                    for day in kept:  # the first read of a date has it kept from then on
                        answer = reader.findings(day)
                        assert answer.position == head[0]
                        assert answer.findings == expected(day, head[0]), (day, head[0])
                for which, fraction in probes:
                    position = max(1, int(len(records) * fraction))
                    day = kept[min(which, len(kept) - 1)]
                    answer = reader.findings(day, position)
                    assert answer.findings == expected(day, position), (day, position)
            finally:
                rt.close()

    holds()


PRUNING_HISTORY = [Step("appoint", 0, 1, 0, 2000), Step("appoint", 1, 1, 1, 2100),
                   Step("appoint", 2, 2, 0, 2200), Step("end", 2, 0, 0, 2300),
                   Step("correct", 1, 0, 0, 2050), Step("appoint", 3, 2, 1, 3000),
                   Step("move", 1, 0, 0, 3100), Step("appoint", 4, 1, 0, 3500),
                   Step("retract", 0, 0, 0, 0), Step("end", 4, 0, 0, 3600)]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_forgetting_a_date_prunes_steps_and_no_read_changes(kind: str) -> None:
    """Business days go by: each new today is judged, the oldest date is forgotten after
    DAYS_KEPT others, and the steps before the earliest kept date's start are deleted. Every
    past moment reads for every kept date as it did before (from the live rows or a snapshot,
    the same choice), and its findings are a full fold's."""
    with tempfile.TemporaryDirectory() as tmp, fresh_store(kind, Path(tmp)) as store:
        rt = open_runtime(store, clock=PinnedClock.on(TODAY), settle=False)
        try:
            _record(rt, PRUNING_HISTORY)
            records = rt.log.select(0, 100_000)
            decode = decoder(rt.app.mapper)
            events = [(r.position, r.recorded_at, decode(r)) for r in records]
            head, today = [0], [TODAY]
            projector = FindingsProjector(rt.engine, rt.log, decode, lambda: today[0],
                                          head=lambda _conn: head[0])

            def settle() -> None:
                while not projector.step():
                    pass

            reader = FindingsReader(rt.engine, rt.log, head=lambda: head[0], wake=settle,
                                    wait_seconds=5)

            def steps_kept() -> list[int]:
                with rt.engine.connect() as conn:
                    return sorted(p for (p,) in conn.execute(select(finding_steps.c.position)))

            def coverage(days: list[date], until: int) -> dict[tuple[date, int], bool]:
                """Per kept date and past moment: answered from the live rows (or not)."""
                with rt.engine.connect() as conn:
                    return {(d, at): FindingsReader._coverage(conn, d, at, live=False) is not None
                            for d in days for at in range(1, until + 1)}

            # Two log slices a business day, DAYS_KEPT + 3 days: dates are forgotten.
            days = DAYS_KEPT + 3
            slices = 2 * days
            for n in range(1, slices + 1):
                head[0] = len(records) * n // slices
                today[0] = TODAY + timedelta(days=(n + 1) // 2)
                if n == slices - 1:  # this new day forgets a date: read everything before it
                    before_steps = steps_kept()
                    with rt.engine.connect() as conn:
                        kept = [d for (d,) in conn.execute(select(finding_days.c.as_of))]
                    before = coverage(kept, before_steps[-1])
                settle()
            after_steps = steps_kept()
            # Steps were inserted at every slice; only the last few days' are kept.
            assert len(after_steps) < slices and after_steps[0] > before_steps[0]
            with rt.engine.connect() as conn:
                still = [d for (d,) in conn.execute(select(finding_days.c.as_of)) if d in kept]
            assert still and len(still) < len(kept)
            until = max(at for _, at in before)
            assert coverage(still, until) == {k: v for k, v in before.items() if k[0] in still}
            # And what those reads answer is a full fold's (a few moments, live ones included).
            live = [k for k in sorted(before) if before[k] and k[0] in still]
            assert live
            for day, at in [*live[::max(1, len(live) // 4)], (still[0], 1), (still[-1], until)]:
                record = fold_events(e for e in events if e[0] <= at).facts(day)
                assert reader.findings(day, at).findings == rows_of(find_all(record), record)
        finally:
            rt.close()
