"""The arithmetic of reports: exact percents, periods, age bands, canonical bodies, and numbers
written the Vietnamese way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from api.documents import vn_count, vn_date, vn_number, vn_percent
from domain.errors import InvalidCommand
from domain.rules.retirement import retirement_age_reached_on
from projections import reports
from projections.read_model import Moment


@pytest.mark.parametrize(("count", "total", "expected"), [
    (111, 125, 88.8),  # the seed prints 88,84 %
    (10, 125, 8.0),
    (4, 125, 3.2),
    (1, 16, 6.3),  # 6.25 rounds half up (banker's rounding would give 6.2)
    (1, 8, 12.5),
    (2, 3, 66.7),
    (1, 2000, 0.1),  # 0.05 rounds up
    (0, 7, 0.0),
    (7, 7, 100.0),
])
def test_percent_of_those_evaluated_one_decimal_half_up(count: int, total: int,
                                                        expected: float) -> None:
    assert reports.percent(count, total) == expected


def test_percent_of_nobody_is_undefined() -> None:
    assert reports.percent(0, 0) is None


@pytest.mark.parametrize(("period", "first", "last"), [
    ("2021", date(2021, 1, 1), date(2021, 12, 31)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_period_days(period: str, first: date, last: date) -> None:
    assert reports.period_days(period) == (first, last)


@pytest.mark.parametrize("period", ["2021-Q5", "2021-Q0", "21", "2021-13", "năm", "", "9999",
                                    "2021Q1", "0000"])
def test_a_period_that_is_not_one_is_refused(period: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        reports.period_days(period)
    assert refused.value.code == "invalid_period"


def test_month_days() -> None:
    assert reports.month_days("2026-10") == (date(2026, 10, 1), date(2026, 10, 31))
    assert reports.month_days("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert reports.month_days("2025-12") == (date(2025, 12, 1), date(2025, 12, 31))
    for bad in ("2026-13", "10/2026", "x", "9999-12"):
        with pytest.raises(InvalidCommand):
            reports.month_days(bad)


@pytest.mark.parametrize(("day", "period"), [
    (date(2022, 6, 30), "2021"),
    (date(2022, 12, 31), "2022"),
    (date(2026, 1, 31), "2025"),  # quarterly ratings start with 2026
    (date(2026, 3, 31), "2026-Q1"),
    (date(2026, 10, 31), "2026-Q3"),
    (date(2027, 2, 28), "2026-Q4"),
])
def test_the_monthly_report_shows_the_latest_closed_period(day: date, period: str) -> None:
    assert reports.latest_closed_period(day) == period


def test_age_bands_partition_by_age_and_retirement() -> None:
    on = date(2022, 6, 30)
    assert reports.age_band(date(1991, 6, 30), "nu", on) == "31_40"  # 31 on the day
    assert reports.age_band(date(1991, 7, 1), "nu", on) == "den_30"  # 30
    assert reports.age_band(date(1982, 7, 1), "nam", on) == "31_40"  # 39
    assert reports.age_band(date(1981, 6, 30), "nam", on) == "41_50"  # 41
    assert reports.age_band(date(1962, 3, 1), "nam", on) == "51_60"  # 60, retires later
    assert reports.age_band(date(1961, 1, 1), "nam", on) == "qua_tuoi_nghi_huu"
    assert reports.age_band(date(1966, 1, 1), "nu", on) == "qua_tuoi_nghi_huu"  # 56 > 55y8m
    later = date(2027, 7, 1)  # a man of 61 before his retirement age (61y9m or more)
    assert retirement_age_reached_on(date(1966, 6, 1), "nam") > later
    assert reports.age_band(date(1966, 6, 1), "nam", later) == "tren_60"


def test_what_the_quality_table_counts_of_one_cadre() -> None:
    on = date(2022, 6, 30)
    person = reports.quality_profile(
        dict(gender="nu", born_on=date(1988, 1, 1), party_joined_on=date(2022, 7, 1),
             sensitive={"ethnicity": "Tày", "religion": "Không"}),
        [("political_theory", "so_cap", 1), ("political_theory", "trung_cap", 2),
         ("education", "dai_hoc", 3), ("grade", "cvc", 4), ("grade", "cv", 3),
         ("language", "B1", 0)], on)
    assert person.female and person.under_35 and person.ethnic_minority
    assert not person.party_member  # joined after the date
    assert not person.religious and not person.it and person.languages
    assert person.levels == {"political_theory": "trung_cap", "education": "dai_hoc",
                             "grade": "cvc"}
    kinh = reports.quality_profile(dict(gender="nam", born_on=date(1970, 1, 1),
                                    party_joined_on=None, sensitive={"ethnicity": " kinh ",
                                                                     "religion": "Phật giáo"}),
                               [], on)
    assert not kinh.ethnic_minority and kinh.religious and kinh.levels == {}


def test_a_canonical_body_and_its_digest() -> None:
    body = {"b": [1, 2], "a": {"tên": "Phường Bắc Sơn", "ngày": date(2022, 6, 30)},
            "id": UUID("12345678-1234-5678-1234-567812345678"), "p": 88.8}
    text = reports.canonical_json(body).decode()
    assert text == ('{"a":{"ngày":"2022-06-30","tên":"Phường Bắc Sơn"},"b":[1,2],'
                    '"id":"12345678-1234-5678-1234-567812345678","p":88.8}')
    assert reports.digest_of(body) == reports.digest_of(dict(reversed(list(body.items()))))
    assert reports.digest_of(body) != reports.digest_of({**body, "p": 88.9})


def test_the_digest_covers_the_question_and_figures_not_the_moment() -> None:
    body = {"report": "x", "as_of": date(2022, 6, 30), "total": 3}
    early = reports.finish(dict(body), Moment(date(2022, 6, 30),
                                              datetime(2022, 7, 1, tzinfo=UTC), 10))
    late = reports.finish(dict(body), Moment(date(2022, 6, 30),
                                             datetime(2023, 1, 1, tzinfo=UTC), 99))
    assert early["digest"] == late["digest"] == reports.digest_of(reports.body_of(early))
    assert (early["position"], late["position"]) == (10, 99)
    assert early["known_at"] == "2022-07-01T00:00:00+00:00"
    other = reports.finish({**body, "as_of": date(2022, 7, 1)}, Moment(
        date(2022, 7, 1), datetime(2022, 7, 1, tzinfo=UTC), 10))
    assert other["digest"] != early["digest"]


def test_numbers_the_vietnamese_way() -> None:
    assert vn_percent(88.8) == "88,8%"
    assert vn_percent(8.0) == "8,0%"
    assert vn_percent(100.0) == "100,0%"
    assert vn_percent(None) == "—"
    assert vn_count(9) == "09" and vn_count(0) == "00" and vn_count(124) == "124"
    assert vn_number(6789) == "6.789" and vn_count(1132) == "1.132"
    assert vn_date("2022-06-30") == "30/6/2022"
