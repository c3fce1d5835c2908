"""Units (đơn vị): the organisation tree as it changes over time, and its rosters."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api import services
from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.schemas import (
    Receipt,
    RosterOut,
    UnitChangeIn,
    UnitIn,
    UnitKindOut,
    UnitKindsOut,
    UnitOut,
    UnitsOut,
)
from api.security import (
    ALL_ROLES,
    Principal,
    check_read_unit,
    get_principal,
    record_reads,
    require_role,
)
from domain.errors import NotFound
from domain.values import UNIT_KINDS
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["units"])

WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)
READ_PROBLEMS = problem_responses(401, 403, 404, 422)


def _unit_not_found(unit_id: UUID) -> NotFound:
    return NotFound(f"Không tìm thấy đơn vị {unit_id} (unknown unit)", code="unit_not_found",
                    field="id")


@router.post("/units", status_code=201, response_model=Receipt, responses=WRITE_PROBLEMS,
             summary="Thành lập đơn vị (register a unit)", operation_id="register_unit")
def register_unit(body: UnitIn, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.register_unit(runtime, p, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.post("/units/{unit_id}/changes", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Đổi tên, chuyển, hợp nhất, giải thể đơn vị (rename, move, merge, dissolve)",
             operation_id="change_unit")
def change_unit(unit_id: UUID, body: UnitChangeIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.change_unit(runtime, p, unit_id, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.get("/unit-kinds", response_model=UnitKindsOut, responses=READ_PROBLEMS,
            summary="Danh mục loại đơn vị (unit kinds)", operation_id="list_unit_kinds")
def list_unit_kinds(p: Principal = Depends(get_principal)) -> UnitKindsOut:
    # A catalogue of codes, no personal data: every role may read it.
    require_role(p, *ALL_ROLES)
    return UnitKindsOut(unit_kinds=[UnitKindOut(code=k.code, label=k.label, branch=k.branch)
                                    for k in UNIT_KINDS])


@router.get("/units", response_model=UnitsOut, responses=READ_PROBLEMS,
            summary="Danh sách đơn vị vào một ngày (units as of a date)", operation_id="list_units")
def list_units(p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
               runtime: Runtime = Depends(get_runtime)) -> UnitsOut:
    # The organisation tree is not personal data: every role may read it.
    require_role(p, *ALL_ROLES)
    units = [UnitOut.model_validate(u) for u in runtime.read_model.units(m)]
    return UnitsOut(as_of=m.as_of, known_at=m.known_at, position=m.position, units=units)


@router.get("/units/{unit_id}/roster", response_model=RosterOut, responses=READ_PROBLEMS,
            summary="Danh sách cán bộ giữ chức vụ tại đơn vị (who holds which post)",
            operation_id="unit_roster")
def unit_roster(unit_id: UUID,
                include_subunits: bool = Query(False, description="include the units below"),
                p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                runtime: Runtime = Depends(get_runtime),
                access: AccessStore = Depends(get_access)) -> RosterOut:
    check_read_unit(p, runtime, unit_id, m)
    if runtime.read_model.unit(unit_id, m) is None:
        raise _unit_not_found(unit_id)
    holdings = runtime.read_model.roster(unit_id, m, include_subunits=include_subunits)
    record_reads(access, p, [h["cadre_id"] for h in holdings], "roster", m)
    return RosterOut.model_validate(dict(
        as_of=m.as_of, known_at=m.known_at, position=m.position, unit_id=unit_id,
        include_subunits=include_subunits, holdings=holdings))
