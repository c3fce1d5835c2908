"""Evaluation frameworks (khung đánh giá): the criteria groups and score bands a scored
evaluation is marked on (data: domain/evaluation_frameworks.toml)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.errors import problem_responses
from api.security import ALL_ROLES, Principal, get_principal, require_role
from domain.evaluation_frameworks import load_frameworks

router = APIRouter(tags=["evaluations"])


class CriteriaGroupOut(BaseModel):
    code: str
    name: str
    max_points: Decimal


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
        else None) for f in load_frameworks()])
