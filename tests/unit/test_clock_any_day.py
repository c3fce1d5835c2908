"""Business dates on the days that trip date code: a year's last evening, a leap day, a
quarter's end, the 28th, and the hours (17:00–24:00 UTC) when Vietnam is already a day ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.calendar import business_day
from infra.clock import PinnedClock, anchor_reading, clock_from
from infra.settings import Settings
from projections.reports import latest_closed_period, previous_period

# (instant in UTC, Vietnam's date then, the evaluation period closed by then)
DAYS = [
    (datetime(2027, 12, 31, 16, 59, 59, tzinfo=UTC), date(2027, 12, 31), "2027-Q4"),
    (datetime(2027, 12, 30, 17, 0, tzinfo=UTC), date(2027, 12, 31), "2027-Q4"),
    (datetime(2027, 12, 30, 16, 0, tzinfo=UTC), date(2027, 12, 30), "2027-Q3"),
    (datetime(2027, 12, 31, 17, 30, tzinfo=UTC), date(2028, 1, 1), "2027-Q4"),
    (datetime(2028, 2, 28, 18, 0, tzinfo=UTC), date(2028, 2, 29), "2027-Q4"),
    (datetime(2028, 2, 29, 18, 30, tzinfo=UTC), date(2028, 3, 1), "2027-Q4"),
    (datetime(2026, 3, 31, 12, 0, tzinfo=UTC), date(2026, 3, 31), "2026-Q1"),
    (datetime(2026, 6, 30, 17, 0, tzinfo=UTC), date(2026, 7, 1), "2026-Q2"),
    (datetime(2026, 11, 27, 23, 59, tzinfo=UTC), date(2026, 11, 28), "2026-Q3"),
    (datetime(2026, 1, 1, 3, 0, tzinfo=UTC), date(2026, 1, 1), "2025"),
]


@pytest.mark.parametrize(("instant", "day", "period"), DAYS)
def test_the_business_date_and_the_period_closed(instant: datetime, day: date,
                                                 period: str) -> None:
    clock = PinnedClock(instant, tick=False)
    assert clock.today() == business_day(instant) == day
    assert clock.now() == instant
    assert latest_closed_period(clock.today()) == period


def test_a_pinned_clock_ticks_and_moves() -> None:
    clock = PinnedClock(datetime(2028, 2, 29, 16, 59, 59, 999000, tzinfo=UTC))
    first = clock.now()
    assert clock.now() >= first and clock.today() in (date(2028, 2, 29), date(2028, 3, 1))
    clock.move_to(date(2030, 12, 31))
    assert clock.today() == date(2030, 12, 31)


def test_processes_pinned_together_agree() -> None:
    two_days_ago = anchor_reading() - 2 * 86_400
    settings = Settings(clock_at=datetime(2027, 12, 31, 17, 30, tzinfo=UTC),
                        clock_anchor=two_days_ago)
    a, b = clock_from(settings), clock_from(settings)
    assert abs((a.now() - b.now()).total_seconds()) < 1
    assert a.today() > date(2028, 1, 1)  # ticking since the anchor, two days ago


def test_a_clock_setting_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="HOSO_CLOCK_AT"):
        Settings(clock_at=datetime(2027, 12, 31, 17, 30))


@pytest.mark.parametrize(("period", "before"), [
    ("2026-Q3", "2026-Q2"), ("2027-Q1", "2026-Q4"), ("2026-Q1", "2025"), ("2025", "2024")])
def test_the_period_before(period: str, before: str) -> None:
    assert previous_period(period) == before
