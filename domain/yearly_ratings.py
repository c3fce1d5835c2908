"""The yearly rating derived from the quarters, as the framework says (issue 17 part 1).

`derive` reads a cadre's four quarterly evaluations of a year and the derivation in force
(`EvaluationFramework.yearly`, dated data with a source): the best rating the year may have.
It is a suggestion while quarters are missing or unscored; once all four are scored it is also
a rule (`check_yearly_rating`): a yearly rating above it is refused `rating_above_quarters`.

Which framework: the one the last scored quarter was marked on. Quarters of one year are
marked on the framework of the cadre's title group, which changes only when the cadre takes or
leaves a post; the year-end group is the one the yearly evaluation is made for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.errors import InvalidCommand
from domain.evaluation_frameworks import RATING_ORDER, EvaluationFramework, load_frameworks
from domain.values import Rating


@dataclass(frozen=True)
class Quarter:
    period: str
    rating: Rating | None  # None: not evaluated
    score: Decimal | None  # the total, when scored on a framework
    framework_id: str | None


@dataclass(frozen=True)
class Derived:
    year: int
    quarters: tuple[Quarter, ...]
    framework_id: str | None
    rules: tuple[str, ...]
    source: str | None
    average: Decimal | None  # of the scored quarters' totals
    rating: Rating | None  # the best rating the year may have, on what is known
    complete: bool  # all four quarters scored: the derivation binds the yearly rating

    @property
    def binding(self) -> bool:
        return self.complete and self.rating is not None


def quarters_of(year: int, evaluations: Iterable[Mapping[str, Any]]) -> tuple[Quarter, ...]:
    """The four quarters of `year` from evaluation payloads (period, rating, score, scores,
    framework_id), each the latest recorded for its period."""
    found: dict[str, Mapping[str, Any]] = {}
    for payload in evaluations:
        found[str(payload.get("period"))] = payload
    out = []
    for n in range(1, 5):
        period = f"{year}-Q{n}"
        p = found.get(period)
        scored = p is not None and p.get("scores") is not None and p.get("score") is not None
        out.append(Quarter(
            period=period, rating=Rating(str(p["rating"])) if p is not None else None,
            score=Decimal(str(p["score"])) if scored and p is not None else None,
            framework_id=str(p.get("framework_id")) if scored and p is not None
            and p.get("framework_id") else None))
    return tuple(out)


def _worse(a: Rating, b: Rating) -> Rating:
    return a if RATING_ORDER.index(a) > RATING_ORDER.index(b) else b


def derive(year: int, evaluations: Iterable[Mapping[str, Any]],
           frameworks: tuple[EvaluationFramework, ...] | None = None) -> Derived:
    quarters = quarters_of(year, evaluations)
    scored = [q for q in quarters if q.score is not None]
    frameworks = frameworks if frameworks is not None else load_frameworks()
    framework = next((f for f in frameworks if scored and f.id == scored[-1].framework_id),
                     None)
    derivation = framework.yearly_for(year) if framework is not None else None
    if framework is None or derivation is None:
        return Derived(year, quarters, framework.id if framework else None, (), None, None,
                       None, False)
    exact = sum((q.score for q in scored if q.score is not None), Decimal(0)) / len(scored)
    # The band is of the exact average (no rounding rule is in the texts); it is shown to 0.01.
    average = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rating: Rating | None = None
    for rule in derivation.rules:
        allowed: Rating | None = None
        if rule == "average_of_quarters":
            allowed = framework.band_of(exact)
        elif rule == "no_better_than_worst_quarter":
            rated = [q.rating for q in quarters if q.rating is not None]
            allowed = max(rated, key=RATING_ORDER.index) if rated else None
        if allowed is not None:
            rating = allowed if rating is None else _worse(rating, allowed)
    return Derived(year, quarters, framework.id, derivation.rules, derivation.source, average,
                   rating, complete=len(scored) == 4)


def check_yearly_rating(period: str, rating: Rating,
                        evaluations: Iterable[Mapping[str, Any]]) -> None:
    """Refuse a yearly rating better than its four scored quarters allow."""
    if not (len(period) == 4 and period.isdigit()):
        return
    derived = derive(int(period), evaluations)
    if derived.binding and derived.rating is not None and \
            RATING_ORDER.index(rating) < RATING_ORDER.index(derived.rating):
        raise InvalidCommand(
            f"Xếp loại năm {period} là {rating}, cao hơn mức các quý cho phép "
            f"({derived.rating}; điểm trung bình {derived.average}) (the yearly rating is "
            "above what the four scored quarters allow)", code="rating_above_quarters",
            field="rating")
