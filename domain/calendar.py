"""The record's calendar: business dates in Vietnam, the years a date may carry, and periods.

Nothing here reads a clock: `business_day` turns an instant the caller has into the date it
was in Vietnam.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol, TypeVar

from domain.errors import InvalidCommand
from domain.values import add_months

VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has had no daylight saving since 1975
# Years a date of the record may carry: outside them a date is a typo, not history.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
# The year from which reports name quarters as the evaluation periods (seed 004), yearly
# before. Which quarters a cadre must be rated for is the rule pack's (missing_evaluation:
# QĐ 366 from 30/08/2025, NĐ 335 from 01/01/2026), not this constant.
QUARTERLY_FROM = 2026
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


class Dated(Protocol):
    @property
    def valid_from(self) -> date: ...


D = TypeVar("D", bound=Dated)


def in_force_on(versions: Sequence[D], day: date) -> D:
    """The version of dated data in force on `day`: the latest `valid_from` on or before it
    (the earliest version for days before all of them)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    chosen = ordered[0]
    for version in ordered:
        if version.valid_from <= day:
            chosen = version
    return chosen


def business_day(instant: datetime) -> date:
    """The date in Vietnam at an instant (a naive instant is UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM).date()


def period_bounds(period: str) -> tuple[date, date]:
    """First day and the day after the last of a period `YYYY` or `YYYY-Qn` (half-open)."""
    match = PERIOD_PATTERN.match(period)
    if not match:
        raise InvalidCommand(f"Kỳ đánh giá '{period}' không hợp lệ (period must be YYYY or "
                             "YYYY-Qn)", code="invalid_period", field="period")
    year = int(match.group(1))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidCommand(f"Năm của kỳ đánh giá '{period}' không hợp lệ (year must be within "
                             f"{EARLIEST_YEAR}-{LATEST_YEAR})", code="invalid_period",
                             field="period")
    if match.group(2):
        quarter = int(match.group(2))
        start = date(year, 3 * quarter - 2, 1)
        return start, add_months(start, 3)
    return date(year, 1, 1), date(year + 1, 1, 1)


_ROMAN_QUARTERS = ("I", "II", "III", "IV")


def period_name(period: str) -> str:
    """A period as Vietnamese documents write it: "2026-Q3" → "quý III/2026", "2025" →
    "năm 2025" (the API keeps "2026-Q3")."""
    match = PERIOD_PATTERN.match(period)
    if not match:
        return period
    if match.group(2):
        return f"quý {_ROMAN_QUARTERS[int(match.group(2)) - 1]}/{match.group(1)}"
    return f"năm {match.group(1)}"


def period_first_and_last(period: str) -> tuple[date, date]:
    """First and last day of a period (both included), as the reports name their range."""
    first, after = period_bounds(period)
    return first, after - timedelta(days=1)


class Clock(Protocol):
    """Today's business date and the current instant, from one place. The domain never reads a
    clock: whoever runs it hands it one (`infra/clock.py`: the system clock, or a pinned one)."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> date:
        """The business date in Vietnam now (`business_day(now())`)."""
        ...
