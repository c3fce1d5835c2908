"""The demo district, loaded once on SQLite through the bulk path, read back from the log.

What an inspector or a leader would see: a district of about 250 cadres (majority women), every
kind of personnel action, the 2025 reorganisation, a realistic rating spread, and findings only
where a violation was planted on purpose.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.values import ActionKind, age_on
from infra.demo import GenerationSummary
from projections.findings import RecordFold
from tests.conftest import SUITE_AT
from tests.demo_history import demo_on, planted_and_found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, RecordFold]:
    return demo_on(SUITE_AT, Path(tmp_path_factory.mktemp("demo")))


def test_the_district_has_about_250_cadres_majority_women(demo: Any) -> None:
    summary, fold = demo
    assert 230 <= summary.cadres <= 330
    assert summary.events == sum(summary.counts.values()) == fold.position
    record = fold.facts(date(2022, 6, 30))
    holding = [c for c in record.cadres if any(h.active_on(record.as_of) for h in c.holdings)]
    women = [c for c in holding if c.gender == "nu"]
    assert 150 <= len(holding) <= 230
    assert len(women) > len(holding) / 2
    for day in (date(2010, 1, 1), date(2022, 6, 30), summary.today):
        for c in fold.facts(day).cadres:
            if any(h.active_on(day) for h in c.holdings):
                assert 23 <= age_on(c.born_on, day) <= 62, (c.full_name, day)


def test_every_kind_of_action_appears(demo: Any) -> None:
    summary, fold = demo
    kinds = Counter(h.kind for c in fold.facts(summary.today).cadres for h in c.holdings)
    assert set(kinds) == {k.value for k in ActionKind}
    assert kinds["bo_nhiem_lai"] > 50 and kinds["luan_chuyen"] > 20
    assert summary.appointment_kinds["gioi_thieu_ung_cu"] > 20
    for event_type in ("Cadre.Nominated", "Cadre.Planned", "Cadre.PlanningRemoved",
                       "Cadre.Vetted", "Cadre.Disciplined", "Cadre.TrainingRecorded",
                       "Cadre.QualificationObtained", "Cadre.RelativeAdded", "Cadre.Corrected"):
        assert summary.counts[event_type] > 0, event_type
    corrections = summary.counts["Cadre.Corrected"] / summary.events
    assert 0.004 <= corrections <= 0.02


def test_the_2025_reorganisation_happened(demo: Any) -> None:
    summary, fold = demo
    units = {u.code: u for u in fold.units.values()}
    for code, name in (("KA.X1", "Phường Kiến An"), ("KA.X2", "Phường Phù Liễn")):
        assert units[code].name == name
        assert units[code].established_on == date(2025, 7, 1)
        assert units[code].ended_on is None
    assert units["KA"].ended_on == units["KA.QU"].ended_on == units["KA.UB"].ended_on == date(
        2025, 7, 1)
    merged = [u for u in units.values() if u.ended_on == date(2025, 1, 1)]
    assert len(merged) == 9  # three wards, each a node, a party and a people's committee
    schools = [u for u in units.values() if u.kind == "truong_hoc"]
    assert all(u.ended_on is None and u.parent_on(summary.today) in (
        units["KA.X1.UB"].unit_id, units["KA.X2.UB"].unit_id) for u in schools)
    record = fold.facts(summary.today)
    ended = {u.unit_id for u in units.values() if u.ended_on is not None}
    for c in record.cadres:
        for h in c.holdings:
            if h.unit_id in ended:
                assert h.until is not None and h.until <= fold.units[h.unit_id].ended_on
    new_posts = [h for c in record.cadres for h in c.holdings
                 if h.since == date(2025, 7, 1) and fold.units[h.unit_id].code.startswith("KA.X")]
    assert len(new_posts) > 30


def test_ratings_are_mostly_good_with_excellence_within_the_quota(demo: Any) -> None:
    summary, fold = demo
    ratings = Counter(e.rating for c in fold.facts(summary.today).cadres for e in c.evaluations)
    total = sum(ratings.values())
    assert ratings["HTTNV"] / total > 0.8
    assert 0 < ratings["HTXSNV"] <= 0.2 * (ratings["HTXSNV"] + ratings["HTTNV"])
    assert ratings["HTNV"] > 0
    quarterly = [e for c in fold.facts(summary.today).cadres for e in c.evaluations
                 if "-Q" in e.period]
    assert {e.period for e in quarterly} >= {"2026-Q1", "2026-Q2"}


def test_oversight_finds_the_planted_violations_and_nothing_else(demo: Any) -> None:
    summary, fold = demo
    planted = summary.planted
    assert {p.rule for p in planted} == {
        "discipline_bar", "not_in_planning", "relatives_linked_posts", "long_tenure",
        "excellent_quota", "backdated_record", "identity_data_changed", "vacant_head_post",
        "express_promotion"}
    expected, seen = planted_and_found(summary, fold)
    assert seen == expected
