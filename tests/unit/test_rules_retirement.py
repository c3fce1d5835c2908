"""Retirement dates on the Labour Code 2019 schedule (NĐ 135/2020), at the boundary births."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.pack import default_pack
from domain.rules.retirement import (
    retirement_age_months,
    retirement_age_reached_on,
    retirement_date,
)


@pytest.mark.parametrize(
    ("born_on", "age", "retires"),
    [
        (date(1960, 12, 31), (60, 0), date(2020, 12, 31)),  # reached 60 in 2020: old law
        (date(1961, 1, 1), (60, 3), date(2021, 4, 30)),
        (date(1961, 9, 30), (60, 3), date(2021, 12, 31)),  # 60y3m reached on 30/12/2021
        (date(1961, 10, 1), (60, 6), date(2022, 4, 30)),  # 60y3m would fall in 2022
        (date(1962, 6, 30), (60, 6), date(2022, 12, 31)),
        (date(1962, 7, 1), (60, 9), date(2023, 4, 30)),
        (date(1965, 6, 30), (61, 6), date(2026, 12, 31)),
        (date(1965, 7, 1), (61, 9), date(2027, 4, 30)),
        (date(1966, 3, 31), (61, 9), date(2027, 12, 31)),
        (date(1966, 4, 1), (62, 0), date(2028, 4, 30)),
        (date(1975, 8, 15), (62, 0), date(2037, 8, 31)),
    ],
)
def test_men(born_on: date, age: tuple[int, int], retires: date) -> None:
    assert retirement_age_months(born_on, "nam") == age[0] * 12 + age[1]
    assert retirement_date(born_on, "nam") == retires


@pytest.mark.parametrize(
    ("born_on", "age", "retires"),
    [
        (date(1965, 12, 31), (55, 0), date(2020, 12, 31)),
        (date(1966, 1, 1), (55, 4), date(2021, 5, 31)),
        (date(1966, 8, 31), (55, 4), date(2021, 12, 31)),
        (date(1966, 9, 1), (55, 8), date(2022, 5, 31)),
        (date(1967, 4, 30), (55, 8), date(2022, 12, 31)),
        (date(1967, 5, 1), (56, 0), date(2023, 5, 31)),
        (date(1975, 1, 1), (59, 8), date(2034, 9, 30)),
        (date(1975, 5, 1), (60, 0), date(2035, 5, 31)),
        (date(1980, 2, 29), (60, 0), date(2040, 2, 29)),
    ],
)
def test_women(born_on: date, age: tuple[int, int], retires: date) -> None:
    assert retirement_age_months(born_on, "nu") == age[0] * 12 + age[1]
    assert retirement_date(born_on, "nu") == retires


def test_the_schedule_is_data_of_the_pack() -> None:
    schedule = default_pack().retirement
    assert schedule.by_gender["nam"].max_months == 744 and schedule.start_year == 2021
    assert "135/2020" in schedule.source


@settings(max_examples=50, deadline=None)
@given(born_on=st.dates(date(1955, 1, 1), date(1990, 12, 31)), gender=st.sampled_from(["nam",
                                                                                     "nu"]))
def test_the_age_is_the_one_set_for_the_year_it_is_reached(born_on: date, gender: str) -> None:
    schedule = default_pack().retirement
    reached = retirement_age_reached_on(born_on, gender)
    expected = schedule.by_gender[gender].months_in(reached.year, schedule.start_year)
    assert retirement_age_months(born_on, gender) == expected
    assert retirement_date(born_on, gender) >= reached
