"""Working days (ngày làm việc): Monday to Friday, less Vietnam's public holidays.

QĐ 377 counts the run-up to a term's end in working days [verify]. Public holidays are dated
data: the fixed-date ones of Bộ luật Lao động 2019 Điều 112 every year, and the lunar ones
(Tết Nguyên đán, Giỗ Tổ Hùng Vương) per year as the Government announced or will announce them
[verify each year's notice]. A holiday on a Saturday or Sunday gives the next working day off
(Điều 112 khoản 3). For a year without dated lunar data only the fixed-date holidays are
counted: such a count errs on the side of acting early. The Government's swaps of a working
Saturday for a bridging day (hoán đổi ngày làm việc) are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

SOURCE = ("Bộ luật Lao động 2019 Điều 112; thông báo nghỉ Tết và Giỗ Tổ hằng năm của Thủ "
          "tướng Chính phủ / Bộ Nội vụ [verify]")


@dataclass(frozen=True)
class LunarHolidays:
    year: int
    tet: tuple[date, ...]  # the last day of the lunar year and the first four of the next
    hung_kings: date  # 10/3 âm lịch


def _tet(new_year: date) -> tuple[date, ...]:
    return tuple(new_year + timedelta(days=d) for d in range(-1, 4))


LUNAR: dict[int, LunarHolidays] = {h.year: h for h in (
    LunarHolidays(2025, _tet(date(2025, 1, 29)), date(2025, 4, 7)),
    LunarHolidays(2026, _tet(date(2026, 2, 17)), date(2026, 4, 26)),
    LunarHolidays(2027, _tet(date(2027, 2, 6)), date(2027, 4, 16)),  # [verify]
    LunarHolidays(2028, _tet(date(2028, 1, 26)), date(2028, 4, 4)),  # [verify]
)}


def _fixed(year: int) -> list[date]:
    # Quốc khánh has two days since 2021: 2/9 and one next to it (1/9 or 3/9, decided yearly);
    # 1/9 is assumed [verify each year].
    days = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    if year >= 2021:
        days.append(date(year, 9, 1))
    return days


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[date]:
    """Days off in `year`: the holidays and the days given in lieu of those on a weekend."""
    named = sorted(set(_fixed(year)) | (set(LUNAR[year].tet + (LUNAR[year].hung_kings,))
                                        if year in LUNAR else set()))
    off = set(named)
    for day in named:
        if day.weekday() >= 5:
            lieu = day + timedelta(days=1)
            while lieu.weekday() >= 5 or lieu in off:
                lieu += timedelta(days=1)
            off.add(lieu)
    return frozenset(off)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The day `count` working days after `day` (before it when `count` is negative)."""
    step = 1 if count >= 0 else -1
    left = abs(count)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=n)))
