"""Evaluation frameworks (khung đánh giá): the criteria groups and score bands a scored
evaluation is marked on (data: domain/evaluation_frameworks.toml); the yearly rating derived
from a cadre's quarters (domain/yearly_ratings.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.deps import get_access, get_runtime
from api.errors import problem_responses
from api.schemas import Answer
from api.security import (
    ALL_ROLES,
    Principal,
    check_read_cadre,
    get_principal,
    record_read,
    require_role,
)
from domain.evaluation_frameworks import load_frameworks
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["evaluations"])


class CriteriaGroupOut(BaseModel):
    code: str
    name: str
    max_points: Decimal


class YearlyOut(BaseModel):
    valid_from: date
    rules: list[str]
    source: str


class FrameworkOut(BaseModel):
    id: str
    name: str
    valid_from: date
    valid_to: date | None
    source: str
    periods: list[str]
    title_groups: list[str]
    groups: list[CriteriaGroupOut]
    bands: dict[str, Decimal]
    disciplined_max_rating: str | None
    yearly: list[YearlyOut]


class FrameworksOut(BaseModel):
    frameworks: list[FrameworkOut]


@router.get("/evaluation-frameworks", response_model=FrameworksOut,
            responses=problem_responses(401, 403),
            summary="Khung tiêu chí đánh giá, xếp loại (evaluation frameworks)",
            operation_id="list_evaluation_frameworks")
def list_frameworks(p: Principal = Depends(get_principal)) -> FrameworksOut:
    require_role(p, *ALL_ROLES)
    return FrameworksOut(frameworks=[FrameworkOut(
        id=f.id, name=f.name, valid_from=f.valid_from, valid_to=f.valid_to, source=f.source,
        periods=list(f.periods), title_groups=list(f.title_groups),
        groups=[CriteriaGroupOut(code=g.code, name=g.name, max_points=g.max_points)
                for g in f.groups],
        bands={str(rating): minimum for rating, minimum in f.bands.items()},
        disciplined_max_rating=str(f.disciplined_max_rating) if f.disciplined_max_rating
        else None,
        yearly=[YearlyOut(valid_from=y.valid_from, rules=list(y.rules), source=y.source)
                for y in f.yearly]) for f in load_frameworks()])


class QuarterOut(BaseModel):
    period: str
    rating: str | None
    score: Decimal | None
    framework_id: str | None


class DerivedOut(Answer):
    cadre_id: UUID
    year: int
    quarters: list[QuarterOut]
    framework_id: str | None
    rules: list[str]
    source: str | None
    average: Decimal | None
    rating: str | None
    complete: bool


@router.get("/cadres/{cadre_id}/evaluations/derived", response_model=DerivedOut,
            responses=problem_responses(401, 403, 404, 422),
            summary="Xếp loại năm gợi ý từ các quý (yearly rating derived from the quarters)",
            operation_id="derived_yearly_rating")
def derived(cadre_id: UUID, year: Annotated[int, Query(ge=2026, le=2199)],
            p: Principal = Depends(get_principal), runtime: Runtime = Depends(get_runtime),
            access: AccessStore = Depends(get_access)) -> DerivedOut:
    """`rating` is the best the year may be rated on what is recorded now (the same check a
    yearly evaluation meets, so no `as_of`/`known_at`); once the four quarters are scored
    (`complete`) a better yearly rating is refused `rating_above_quarters`."""
    runtime.read_side_current()
    m = runtime.read_model.moment()
    check_read_cadre(p, runtime, cadre_id, m)
    d = runtime.app.derived_yearly_rating(cadre_id, year)
    record_read(access, p, cadre_id, "record", m)
    return DerivedOut(
        as_of=m.as_of, known_at=m.known_at, position=m.position, cadre_id=cadre_id,
        year=year, quarters=[QuarterOut(period=q.period,
                                        rating=str(q.rating) if q.rating else None,
                                        score=q.score, framework_id=q.framework_id)
                             for q in d.quarters],
        framework_id=d.framework_id, rules=list(d.rules), source=d.source, average=d.average,
        rating=str(d.rating) if d.rating else None, complete=d.complete)
