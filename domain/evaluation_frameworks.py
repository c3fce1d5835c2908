"""Evaluation frameworks: the criteria groups a scored evaluation is marked on, their maximum
points, the score bands of each rating, and when each framework is in force (data:
`evaluation_frameworks.toml`, with sources).

`judge_scores` is the one rule a scored evaluation must pass: every group of its framework
marked within the group's maximum, the total within 0–100, and a rating no higher than the band
of the total (`rating_above_score`), nor than the framework allows for a cadre disciplined in
the period.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from domain.calendar import period_bounds, period_name
from domain.errors import InvalidCommand
from domain.values import Rating

DEFAULT_FRAMEWORKS = Path(__file__).with_name("evaluation_frameworks.toml")
# From the best rating down: a rating is "above" another when it comes earlier.
RATING_ORDER: tuple[Rating, ...] = (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV, Rating.KHTNV)
TITLE_GROUPS = ("lanh_dao", "cong_chuc")
PERIOD_KINDS = ("quarter", "year")
# How a year's rating follows from its quarters (domain/yearly_ratings.py): the band of the
# average of the quarters' totals; no better than the worst quarter.
YEARLY_RULES = ("average_of_quarters", "no_better_than_worst_quarter")


@dataclass(frozen=True)
class YearlyDerivation:
    """From `valid_from` (a year starting then or later), the rules a year's rating obeys;
    with several, the year is rated at most the lowest any of them allows."""

    valid_from: date
    rules: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class CriteriaGroup:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class EvaluationFramework:
    id: str
    name: str
    source: str
    valid_from: date
    valid_to: date | None  # last day in force; None: still in force
    periods: tuple[str, ...]
    title_groups: tuple[str, ...]
    groups: tuple[CriteriaGroup, ...]
    bands: Mapping[Rating, Decimal]  # the minimum total of each rating
    disciplined_max_rating: Rating | None
    yearly: tuple[YearlyDerivation, ...] = ()

    def yearly_for(self, year: int) -> YearlyDerivation | None:
        """The derivation in force for the year (the latest starting on or before 1 January)."""
        found = [y for y in self.yearly if y.valid_from <= date(year, 1, 1)]
        return max(found, key=lambda y: y.valid_from) if found else None

    def in_force_for(self, period: str) -> bool:
        """The framework covers the period: of a kind it names, starting while it is in force."""
        start, _ = period_bounds(period)
        kind = "quarter" if "Q" in period else "year"
        return kind in self.periods and self.valid_from <= start and (
            self.valid_to is None or start <= self.valid_to)

    def band_of(self, total: Decimal) -> Rating:
        """The best rating whose minimum the total reaches."""
        for rating in RATING_ORDER:
            if total >= self.bands[rating]:
                return rating
        return RATING_ORDER[-1]


class FrameworkDataError(ValueError):
    """The frameworks file is malformed: names the framework and the field at fault."""


def _framework(raw: Mapping[str, object]) -> EvaluationFramework:
    name = str(raw.get("id", "?"))
    try:
        groups = tuple(CriteriaGroup(str(g["code"]), str(g["name"]), Decimal(str(g["max_points"])))
                       for g in raw["groups"])  # type: ignore[attr-defined]
        bands = {Rating(k): Decimal(str(v)) for k, v in raw["bands"].items()}  # type: ignore[attr-defined]
        cap = raw.get("disciplined_max_rating")
        framework = EvaluationFramework(
            id=str(raw["id"]), name=str(raw["name"]), source=str(raw["source"]),
            valid_from=raw["valid_from"], valid_to=raw.get("valid_to"),  # type: ignore[arg-type]
            periods=tuple(raw["periods"]), title_groups=tuple(raw["title_groups"]),  # type: ignore[arg-type]
            groups=groups, bands=MappingProxyType(bands),
            disciplined_max_rating=Rating(str(cap)) if cap else None,
            yearly=tuple(YearlyDerivation(valid_from=y["valid_from"],
                                          rules=tuple(str(r) for r in y["rules"]),
                                          source=str(y["source"]))
                         for y in raw.get("yearly", [])))  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise FrameworkDataError(f"framework {name}: {error!r}") from None
    if sum(g.max_points for g in groups) != 100:
        raise FrameworkDataError(f"framework {name}: the groups' maxima add up to "
                                 f"{sum(g.max_points for g in groups)}, not 100")
    if set(bands) != set(RATING_ORDER):
        raise FrameworkDataError(f"framework {name}: bands must name every rating")
    if not set(framework.periods) <= set(PERIOD_KINDS) or \
            not set(framework.title_groups) <= set(TITLE_GROUPS):
        raise FrameworkDataError(f"framework {name}: unknown period kind or title group")
    if any(not y.rules or not set(y.rules) <= set(YEARLY_RULES) for y in framework.yearly):
        raise FrameworkDataError(f"framework {name}: yearly rules must be among {YEARLY_RULES}")
    return framework


@lru_cache(maxsize=4)
def load_frameworks(path: Path = DEFAULT_FRAMEWORKS) -> tuple[EvaluationFramework, ...]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    frameworks = tuple(_framework(raw) for raw in data.get("framework", []))
    ids = [f.id for f in frameworks]
    if len(ids) != len(set(ids)):
        raise FrameworkDataError("two frameworks share an id")
    return frameworks


def framework_for(period: str, title_group: str, framework_id: str | None = None,
                  frameworks: tuple[EvaluationFramework, ...] | None = None
                  ) -> EvaluationFramework:
    """The framework a scored evaluation of `period` is marked on: the one named, which must be
    in force for the period; else the one in force for the cadre's title group (the most
    specific: one covering fewer title groups wins, so a ward's own framework for its leaders
    comes before the national one)."""
    frameworks = frameworks if frameworks is not None else load_frameworks()
    if framework_id is not None:
        named = next((f for f in frameworks if f.id == framework_id), None)
        if named is None:
            raise InvalidCommand(f"Không có khung đánh giá '{framework_id}' (unknown framework)",
                                 code="invalid_code", field="framework_id")
        if not named.in_force_for(period):
            raise InvalidCommand(f"Khung '{framework_id}' không áp dụng cho {period_name(period)} "
                                 "(framework not in force for the period)",
                                 code="framework_not_in_force", field="framework_id")
        return named
    candidates = sorted((f for f in frameworks if f.in_force_for(period)
                         and title_group in f.title_groups), key=lambda f: len(f.title_groups))
    if not candidates:
        raise InvalidCommand(f"{period_name(period).capitalize()} không có khung đánh giá có điểm; bỏ trường scores "
                             "(no scored framework is in force for the period)",
                             code="no_framework", field="scores")
    return candidates[0]


def judge_scores(framework: EvaluationFramework, scores: Mapping[str, Decimal],
                 rating: Rating, disciplined_in_period: bool) -> Decimal:
    """The total of a scored evaluation, or the refusal naming the group or rule it breaks."""
    codes = {g.code for g in framework.groups}
    for code in scores:
        if code not in codes:
            raise InvalidCommand(f"Nhóm tiêu chí '{code}' không có trong khung {framework.id} "
                                 f"(unknown criteria group; expected {sorted(codes)})",
                                 code="invalid_code", field=f"scores.{code}")
    total = Decimal(0)
    for group in framework.groups:
        points = scores.get(group.code)
        if points is None:
            raise InvalidCommand(f"Thiếu điểm nhóm '{group.name}' (every group of the framework "
                                 "is marked)", code="missing_field", field=f"scores.{group.code}")
        if not Decimal(0) <= points <= group.max_points:
            raise InvalidCommand(f"Điểm nhóm '{group.name}' phải từ 0 đến {group.max_points} "
                                 f"(points must be within 0-{group.max_points})",
                                 code="score_out_of_range", field=f"scores.{group.code}")
        total += points
    if not Decimal(0) <= total <= Decimal(100):
        raise InvalidCommand("Tổng điểm phải từ 0 đến 100 (the total must be 0-100)",
                             code="score_out_of_range", field="scores")
    band = framework.band_of(total)
    if RATING_ORDER.index(rating) < RATING_ORDER.index(band):
        raise InvalidCommand(f"Xếp loại {rating} cao hơn mức của tổng điểm {total} ({band}) "
                             "(the rating is above the band of the total score)",
                             code="rating_above_score", field="rating")
    cap = framework.disciplined_max_rating
    if disciplined_in_period and cap is not None and \
            RATING_ORDER.index(rating) < RATING_ORDER.index(cap):
        raise InvalidCommand(f"Cán bộ bị kỷ luật trong kỳ được xếp loại tối đa {cap} (a cadre "
                             f"disciplined in the period is rated at most {cap})",
                             code="rating_above_discipline_cap", field="rating")
    return total

