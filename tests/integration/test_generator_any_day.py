"""Whatever day `hoso demo` runs, the district it generates holds every violation the
generator promises, and oversight finds exactly those.

The history runs up to the clock's today, so the rest of the history (and the random draws
around each plant) shifts with the day: a plant that cannot fit near today goes earlier, never
away. The days include a year's last evening, leap days, quarter ends, the 28th of a month, and
instants between 17:00 and 24:00 UTC, when Vietnam's date is already the next day (nine days:
each generates the whole demo; plain mid-month days, five more, added nothing these do not).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.calendar import business_day
from tests.demo_history import demo_on, planted_and_found

PROMISED = {"discipline_bar", "not_in_planning", "relatives_linked_posts", "long_tenure",
            "excellent_quota", "backdated_record", "identity_data_changed", "vacant_head_post",
            "express_promotion", "min_time_in_post"}

DAYS = [
    datetime(2026, 3, 31, 18, 0, tzinfo=UTC),     # 1 April in Vietnam: a quarter has closed
    datetime(2026, 9, 30, 17, 10, tzinfo=UTC),    # 1 October in Vietnam
    datetime(2026, 12, 1, 18, 30, tzinfo=UTC),    # 2 December in Vietnam
    datetime(2027, 2, 28, 3, 0, tzinfo=UTC),
    datetime(2027, 12, 31, 17, 30, tzinfo=UTC),   # New Year's Day 2028 in Vietnam
    datetime(2028, 2, 29, 18, 30, tzinfo=UTC),    # 1 March in Vietnam, the day after a leap day
    datetime(2028, 5, 28, 3, 0, tzinfo=UTC),      # the 28th: monthly reports are due
    datetime(2029, 8, 15, 3, 0, tzinfo=UTC),
    datetime(2030, 12, 31, 16, 0, tzinfo=UTC),    # the year's last evening in Vietnam
]


@pytest.mark.parametrize("instant", DAYS, ids=lambda d: d.strftime("%Y%m%dT%H%MZ"))
def test_every_promised_violation_is_planted_and_found(instant: datetime, tmp_path: Path) -> None:
    summary, fold = demo_on(instant, tmp_path)
    assert summary.today == business_day(instant)
    rules = {p.rule for p in summary.planted} | {r for p in summary.planted for r in p.also}
    assert rules == PROMISED
    assert all(p.on <= summary.today for p in summary.planted)
    planted, found = planted_and_found(summary, fold)
    assert found == planted
