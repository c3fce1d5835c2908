"""The monthly reporting cycle's calendar: which days a monthly report covers, and its deadline.

Seed 004 IV.1 asks for a report to the Standing Committee "trước ngày 28 hằng tháng". A calendar
month cannot be complete by the 28th, so the period is a setting (`start_day`, settings
HOSO_REPORTING_PERIOD_START_DAY): with 15 a period runs from the 15th of one month to the 14th
of the next, the cut-off of NĐ 09/2019/NĐ-CP Điều 12 for monthly reports [verify]; with 1 it is
the calendar month. A period is named by the month it ends in (`YYYY-MM`), as NĐ 09/2019 names
the reporting month "tháng thuộc kỳ báo cáo" [verify].

A report is due before the first 28th after the period's last day (`due_before`): the 28th of
the month the period ends in when it ends before the 28th, else the 28th of the month after.
Pure functions: the caller hands in the business date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import EARLIEST_YEAR, LATEST_YEAR
from domain.errors import InvalidCommand
from domain.values import add_months

DEFAULT_START_DAY = 15
DUE_DAY = 28  # "trước ngày 28 hằng tháng" (seed 004, IV.1)
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class ReportingPeriod:
    name: str  # YYYY-MM: the month the period ends in
    start_day: int
    first: date
    last: date  # included
    due_before: date  # the report is late on this day and after

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "start_day": self.start_day, "first": self.first,
                "last": self.last, "due_before": self.due_before}


def check_start_day(start_day: int) -> int:
    if not 1 <= start_day <= DUE_DAY:
        raise InvalidCommand(f"Ngày bắt đầu kỳ báo cáo {start_day} không hợp lệ (start day must "
                             f"be within 1-{DUE_DAY})", code="invalid_period", field="start_day")
    return start_day


def reporting_period(name: str, start_day: int = DEFAULT_START_DAY) -> ReportingPeriod:
    """The period named `YYYY-MM` (the month it ends in) for a cycle starting on `start_day`."""
    check_start_day(start_day)
    match = MONTH_PATTERN.match(name.strip())
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12 or not EARLIEST_YEAR <= int(match.group(1)) <= LATEST_YEAR:
        raise InvalidCommand(f"Kỳ báo cáo '{name}' không hợp lệ; dùng YYYY-MM (period must be "
                             "YYYY-MM)", code="invalid_period", field="period")
    named = date(int(match.group(1)), month, 1)
    if start_day == 1:
        first, last = named, add_months(named, 1) - timedelta(days=1)
    else:
        first = add_months(named, -1).replace(day=start_day)
        last = named.replace(day=start_day - 1)
    due = last.replace(day=DUE_DAY) if last.day < DUE_DAY else add_months(
        last.replace(day=1), 1).replace(day=DUE_DAY)
    return ReportingPeriod(f"{named:%Y-%m}", start_day, first, last, due)


def period_containing(day: date, start_day: int = DEFAULT_START_DAY) -> ReportingPeriod:
    """The period `day` falls in (open until its last day has passed)."""
    check_start_day(start_day)
    ends_in = day if start_day == 1 or day.day < start_day else add_months(day.replace(day=1), 1)
    return reporting_period(f"{ends_in:%Y-%m}", start_day)


def previous_period(period: ReportingPeriod) -> ReportingPeriod:
    return period_containing(period.first - timedelta(days=1), period.start_day)


def last_closed_period(day: date, start_day: int = DEFAULT_START_DAY) -> ReportingPeriod:
    """The latest period whose last day is before `day`: what a monthly report covers by default
    (on 2 December with the 15th: 15 October to 14 November, named 2026-11)."""
    return previous_period(period_containing(day, start_day))
