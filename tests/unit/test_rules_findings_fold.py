"""The log folded into findings: what the record showed at each moment, corrections included,
with the inspectors' reviews beside each finding."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from domain.cadre import Cadre, DateWindow
from domain.commands import Appoint, EndHolding, RegisterCadre, Vet
from domain.oversight import FindingReview
from domain.title import Title
from domain.unit import Unit
from domain.values import ActionKind, Decision, Gender, TitleStandards
from projections.findings import RecordFold, findings_as_of, fold_events
from projections.findings_store import FindingsProjector, FindingsReader, Judge, ensure_tables

WINDOW = DateWindow(today=date(2026, 1, 1), horizon_days=366)
DECISION = Decision("12-QĐ/QU", date(2024, 1, 2), "Ban Thường vụ Quận ủy", "Lê Toàn Khánh")


class Log:
    """Events appended in order, each with its position and the instant it was recorded."""

    def __init__(self) -> None:
        self.records: list[tuple[int, datetime, Any]] = []
        self.clock = datetime(2024, 1, 3, 2, tzinfo=UTC)

    def save(self, *aggregates: Aggregate, on: datetime | None = None) -> int:
        self.clock = on or self.clock + timedelta(hours=1)
        for aggregate in aggregates:
            for e in aggregate.collect_events():
                self.records.append((len(self.records) + 1, self.clock, e))
        return len(self.records)

    def fold(self, known_at: datetime | None = None) -> RecordFold:
        return fold_events(r for r in self.records if known_at is None or r[1] <= known_at)


def district() -> tuple[Log, Unit, Cadre, int]:
    log = Log()
    unit = Unit(code="TP", name="Phòng Tư pháp", kind="phong", established_on=date(2010, 1, 1),
                parent_id=None, decision=None, recorded_by="to.chuc")
    title = Title(code="pho_phong", name="Phó Trưởng phòng", is_head=False,
                  management_tier="quan_uy", rank=4, sector=None, standards=TitleStandards(),
                  recorded_by="to.chuc")
    cadre = Cadre.register(RegisterCadre(full_name="Nguyễn Thị Hạnh", gender=Gender.NU,
                                         born_on=date(1966, 3, 1)),
                           window=WINDOW, recorded_by="to.chuc")
    log.save(unit, title, cadre)
    cadre.vet(Vet(purpose="bổ nhiệm", conclusion="dat", body="Ban Tổ chức",
                  vetted_on=date(2023, 12, 1)), window=WINDOW, recorded_by="to.chuc")
    cadre.appoint(Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit.id, title_code="pho_phong",
                          effective_on=date(2024, 1, 5), decision=DECISION),
                  window=WINDOW, recorded_by="to.chuc")
    appointed = log.save(cadre)
    return log, unit, cadre, appointed


def test_findings_name_rule_version_and_evidence() -> None:
    log, unit, cadre, appointed = district()
    rows = findings_as_of(log.fold(), date(2024, 6, 1))
    assert {(r["rule"], r["rule_version"], tuple(r["evidence"])) for r in rows} == {
        ("not_in_planning", "qd80-2022", (appointed,)),
        ("retirement_horizon", "qd80-2022", (appointed, 3)),  # a woman born 3/1966: 2021+
    }
    assert all(r["cadre_id"] == str(cadre.id) and r["review"] is None for r in rows)
    assert findings_as_of(log.fold(), date(2024, 6, 1), rule="not_in_planning",
                          unit_id=unit.id, severity="high")[0]["summary"].startswith(
        "Nguyễn Thị Hạnh được bổ nhiệm Phó Trưởng phòng Phòng Tư pháp")


def test_findings_as_known_before_a_correction_are_what_was_shown_then() -> None:
    log, _, cadre, _ = district()
    before = log.clock
    shown_then = findings_as_of(log.fold(), date(2024, 6, 1))
    cadre.correct(target_version=1, target_position=3, reason="Sai ngày sinh",
                  replacement=replace(cadre.registration, born_on=date(1975, 3, 1)), window=WINDOW,
                  recorded_by="to.chuc")
    corrected = log.save(cadre, on=datetime(2024, 3, 1, 2, tzinfo=UTC))
    assert findings_as_of(log.fold(known_at=before), date(2024, 6, 1)) == shown_then
    now = {r["rule"]: r for r in findings_as_of(log.fold(), date(2024, 6, 1))}
    assert set(now) == {"not_in_planning", "identity_data_changed"}  # no longer near retirement
    assert now["identity_data_changed"]["evidence"] == [corrected, 3]
    assert "01/03/1966 → 01/03/1975" in now["identity_data_changed"]["summary"]  # dd/mm/yyyy


def test_a_retracted_appointment_leaves_no_finding() -> None:
    log, _, cadre, appointed = district()
    cadre.correct(target_version=3, target_position=appointed, reason="Nhập nhầm",
                  replacement=None, window=WINDOW, recorded_by="to.chuc")
    log.save(cadre)
    assert findings_as_of(log.fold(), date(2024, 6, 1)) == []


def test_the_latest_review_is_shown_with_its_finding() -> None:
    log, _, _, _ = district()
    (row,) = findings_as_of(log.fold(), date(2024, 6, 1), rule="not_in_planning")
    review = FindingReview(finding_key=row["id"], rule_id="not_in_planning",
                           effective_on=date(2024, 7, 1), decision=None, recorded_by="ubkt")
    review.review(conclusion="needs_action", reason="Bổ sung hồ sơ quy hoạch",
                  effective_on=date(2024, 7, 1), recorded_by="ubkt")
    position = log.save(review)
    (row,) = findings_as_of(log.fold(), date(2024, 6, 1), rule="not_in_planning")
    assert row["review"]["conclusion"] == "needs_action"
    assert (row["review"]["reviewed_by"], row["review"]["position"]) == ("ubkt", position)


def test_correcting_an_ended_appointment_keeps_its_end() -> None:
    log, unit, cadre, appointed = district()
    cadre.end_holding(EndHolding(unit_id=unit.id, title_code="pho_phong", reason="dieu_dong",
                                 effective_on=date(2025, 2, 1), decision=DECISION),
                      window=WINDOW, recorded_by="to.chuc")
    log.save(cadre)
    (holding,) = cadre.holdings().values()
    replacement = cadre.check_appointment(Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit.id,
                                                  title_code="pho_phong",
                                                  effective_on=date(2024, 1, 8), decision=DECISION),
                                          window=WINDOW, holding_id=holding.holding_id, ignore_version=holding.version)
    cadre.correct(target_version=holding.version, target_position=appointed,
                  reason="Sai ngày hiệu lực", replacement=replacement, window=WINDOW,
                  recorded_by="to.chuc")
    corrected = log.save(cadre)
    (fact,) = log.fold().cadres[cadre.id].holdings.values()
    assert (fact.since, fact.until, fact.end_reason) == (date(2024, 1, 8), date(2025, 2, 1),
                                                         "dieu_dong")
    assert fact.position == corrected and fact.end_position == corrected - 1
    # Ended in 2025, so nothing is held through 2026: no missing evaluation, no long tenure.
    assert not [r for r in findings_as_of(log.fold(), date(2026, 11, 1))
                if r["rule"] in ("missing_evaluation", "long_tenure", "reappointment_overdue")]


# --- the findings index: kept current from the log, any past moment on request ---------------


@dataclass(frozen=True)
class Record:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime


class LogReader:
    """The log as `infra.chain.LogReader` shows it; events "decode" back to the objects."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def select(self, after_position: int, limit: int) -> list[Record]:
        return [Record(p, e.originator_id, e.originator_version, type(e).__qualname__, b"", at)
                for p, at, e in self.log.records if p > after_position][:limit]

    def position_at(self, instant: datetime) -> int:
        return max((p for p, at, _ in self.log.records if at <= instant), default=0)

    def decode(self, record: Record) -> Any:
        return next(e for p, _, e in self.log.records if p == record.position)


def test_the_projection_follows_the_log_and_answers_for_past_moments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log, _, cadre, _ = district()
    reader = LogReader(log)
    engine = create_engine("sqlite://", poolclass=StaticPool)
    ensure_tables(engine)
    day = date(2024, 6, 1)
    projector = FindingsProjector(engine, reader, reader.decode, lambda: day, chunk=2,
                                  head=lambda _conn: len(log.records))
    judged: list[date] = []
    real = Judge.judge

    def judge(self: Judge, on: date, *args: Any) -> Any:
        judged.append(on)
        return real(self, on, *args)

    monkeypatch.setattr(Judge, "judge", judge)

    def settle() -> None:
        while not projector.step():
            pass

    index = FindingsReader(engine, reader, head=lambda: len(log.records), wake=settle,
                           wait_seconds=5)
    settle()
    then = index.findings(day)
    assert then.findings == findings_as_of(log.fold(), day) and then.position == 5
    known_then = log.clock
    cadre.correct(target_version=1, target_position=3, reason="Sai ngày sinh",
                  replacement=replace(cadre.registration, born_on=date(1975, 3, 1)), window=WINDOW,
                  recorded_by="to.chuc")
    log.save(cadre)
    settle()
    assert index.findings(day).findings == findings_as_of(log.fold(), day) != then.findings
    past = index.findings(day, index.position_at(known_then))
    assert (past.position, past.findings) == (then.position, then.findings)
    # A review changes no fact: nothing is judged again, only the review shows.
    (row,) = index.findings(day, rule="identity_data_changed").findings
    count = len(judged)
    review = FindingReview(finding_key=row["id"], rule_id="identity_data_changed",
                           effective_on=date(2026, 1, 1), decision=None, recorded_by="ubkt")
    review.review(conclusion="dismissed", reason="Sai sót nhập liệu",
                  effective_on=date(2026, 1, 1), recorded_by="ubkt")
    log.save(review)
    settle()
    (row,) = index.findings(day, rule="identity_data_changed").findings
    assert (row["review_status"], row["reviewed_by"]) == ("dismissed", "ubkt")
    assert index.findings(day, 6).findings[0]["review_status"] == "unreviewed"
    assert len(judged) == count
    assert index.finding(row["id"], day) is not None and index.finding("nope", day) is None
