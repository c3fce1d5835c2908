"""The monthly cycle's periods (domain/reporting_periods.py) and working days
(domain/working_days.py) at month and year boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidCommand
from domain.reporting_periods import last_closed_period, period_containing, reporting_period
from domain.working_days import add_working_days, holidays, is_working_day, working_days_between


@pytest.mark.parametrize(("name", "start_day", "first", "last", "due"), [
    ("2026-11", 15, date(2026, 10, 15), date(2026, 11, 14), date(2026, 11, 28)),
    ("2026-01", 15, date(2025, 12, 15), date(2026, 1, 14), date(2026, 1, 28)),
    ("2026-03", 15, date(2026, 2, 15), date(2026, 3, 14), date(2026, 3, 28)),
    ("2026-12", 1, date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 28)),
    ("2026-02", 1, date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 28)),
    ("2028-02", 1, date(2028, 2, 1), date(2028, 2, 29), date(2028, 3, 28)),
    ("2026-03", 28, date(2026, 2, 28), date(2026, 3, 27), date(2026, 3, 28)),
])
def test_a_period_by_name(name: str, start_day: int, first: date, last: date,
                          due: date) -> None:
    p = reporting_period(name, start_day)
    assert (p.first, p.last, p.due_before) == (first, last, due)


@pytest.mark.parametrize(("day", "start_day", "closed"), [
    (date(2026, 12, 2), 15, "2026-11"),   # the day: not "31/12/2026"
    (date(2026, 12, 2), 1, "2026-11"),
    (date(2026, 12, 14), 15, "2026-11"),  # the period's last day: still open
    (date(2026, 12, 15), 15, "2026-12"),
    (date(2026, 12, 28), 15, "2026-12"),  # the 28th: the report is due (late from today)
    (date(2026, 12, 31), 15, "2026-12"),  # a year's last evening
    (date(2026, 12, 31), 1, "2026-11"),
    (date(2027, 1, 1), 1, "2026-12"),
    (date(2027, 1, 14), 15, "2026-12"),
    (date(2027, 1, 15), 15, "2027-01"),
    (date(2026, 3, 1), 1, "2026-02"),
])
def test_the_last_closed_period(day: date, start_day: int, closed: str) -> None:
    p = last_closed_period(day, start_day)
    assert p.name == closed
    assert p.last < day
    assert period_containing(day, start_day).first.toordinal() == p.last.toordinal() + 1


def test_periods_tile_the_calendar() -> None:
    for start_day in (1, 10, 15, 28):
        p = reporting_period("2025-01", start_day)
        for _ in range(30):
            nxt = period_containing(date.fromordinal(p.last.toordinal() + 1), start_day)
            assert nxt.first.toordinal() == p.last.toordinal() + 1
            p = nxt


@pytest.mark.parametrize(("name", "start_day"), [("2026-13", 15), ("26-11", 15),
                                                 ("2026-11", 0), ("2026-11", 29)])
def test_bad_periods_are_refused(name: str, start_day: int) -> None:
    with pytest.raises(InvalidCommand) as refused:
        reporting_period(name, start_day)
    assert refused.value.code == "invalid_period"


def test_public_holidays_and_days_in_lieu() -> None:
    off = holidays(2026)
    assert {date(2026, 1, 1), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 2)} <= off
    assert {date(2026, 2, 16), date(2026, 2, 20)} <= off  # Tết Bính Ngọ
    assert date(2026, 4, 27) in off  # Giỗ Tổ on Sunday 26/4: Monday off in lieu
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert is_working_day(date(2026, 11, 27))


def test_counting_working_days() -> None:
    # Friday 24/4/2026 + 1: Monday 27/4 is off in lieu of Giỗ Tổ.
    assert add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    # A year's last day to the next Monday: 1/1/2027 is a Friday holiday.
    assert working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    assert working_days_between(date(2027, 1, 4), date(2026, 12, 31)) == -1
    start = date(2026, 11, 24)
    for n in (0, 1, 5, 90):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert add_working_days(add_working_days(start, 90), -90) == start
