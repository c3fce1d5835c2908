"""Titles (chức danh): post types with their standards and management tier."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Path

from api import services
from api.deps import get_moment, get_runtime
from api.errors import problem_responses
from api.schemas import Receipt, TitleIn, TitlesOut, TitleVersionIn
from api.security import ALL_ROLES, Principal, get_principal, require_role
from projections.read_model import title_version_on

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["titles"])


@router.post("/titles", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 404, 409, 422),
             summary="Khai báo chức danh (register a title)", operation_id="register_title")
def register_title(body: TitleIn, p: Principal = Depends(get_principal),
                   runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.register_title(runtime, p, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.post("/titles/{code}/versions", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 404, 409, 422),
             summary="Phiên bản mới của diện quản lý, tiêu chuẩn chức danh (revise a title)",
             operation_id="revise_title")
def revise_title(body: TitleVersionIn, code: str = Path(max_length=64),
                 p: Principal = Depends(get_principal),
                 runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.revise_title(runtime, p, code, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.get("/titles", response_model=TitlesOut, responses=problem_responses(401, 403, 422),
            summary="Danh mục chức danh (the titles)", operation_id="list_titles")
def list_titles(p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                runtime: Runtime = Depends(get_runtime)) -> TitlesOut:
    require_role(p, *ALL_ROLES)
    titles = []
    for t in runtime.read_model.titles():
        v = title_version_on(t, m.as_of, m.position)  # tier and standards in force on as_of
        titles.append(t | {"management_tier": v["management_tier"],
                           "standards": v.get("standards") or {},
                           "valid_from": v.get("valid_from"), "source": v.get("source"),
                           "versions": [x for x in t["versions"]
                                        if x.get("position", 0) <= m.position]})
    return TitlesOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                         position=m.position, titles=titles))
