"""Retirement dates under the Labour Code 2019 schedule (NĐ 135/2020), numbers from the pack.

The age rises each calendar year: one retires at the age set for the year in which one reaches
it. So a man born in 10/1961 reaches 60y3m in 01/2022, a year whose age is already 60y6m: he
retires at 60y6m (04/2022), as the decree's table shows. The legal moment of retirement is the
end of the month in which the age is reached.
"""

from __future__ import annotations

import calendar
from datetime import date

from domain.rules.pack import RetirementSchedule, default_pack
from domain.values import Gender, add_months


def retirement_age_months(born_on: date, gender: Gender | str,
                          schedule: RetirementSchedule | None = None) -> int:
    """The retirement age (in months) that applies to this birth date."""
    schedule = schedule or default_pack().retirement
    ages = schedule.by_gender[str(gender)]
    # The first calendar year whose age is reached within that year; the age rises at most a
    # few months a year, so walking forward from the earliest candidate year ends quickly.
    year = born_on.year + ages.before_months // 12 - 1
    while True:
        months = ages.months_in(year, schedule.start_year)
        if add_months(born_on, months).year <= year:
            return months
        year += 1


def retirement_age_reached_on(born_on: date, gender: Gender | str,
                              schedule: RetirementSchedule | None = None) -> date:
    """The day the cadre reaches the retirement age that applies to them."""
    return add_months(born_on, retirement_age_months(born_on, gender, schedule))


def retirement_date(born_on: date, gender: Gender | str,
                    schedule: RetirementSchedule | None = None) -> date:
    """Thời điểm nghỉ hưu: the last day of the month in which the retirement age is reached."""
    reached = retirement_age_reached_on(born_on, gender, schedule)
    return reached.replace(day=calendar.monthrange(reached.year, reached.month)[1])
