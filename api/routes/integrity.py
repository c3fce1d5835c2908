"""Authority, appointment dossiers, asset declarations and foreign travel (issue 18, parts 2–4).

`GET /authority` lists the issuing bodies (codes and Vietnamese names, for pickers) and the
delegation table of each version of `issuer_not_competent`, with its dates and sources: any
signed-in role reads it (it is the pack's reference data, like GET /rules).

A cadre's dossiers, declarations and travel are written like the rest of the cadre's record
(admin; personnel within its unit subtree) and read like it (`check_read_cadre`: admin and
inspector all, personnel and leader in scope, self its own), with a read-audit row
(`record`). Answers come from the read side (projections/integrity.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.routes.writes import WriteRoute, add_write_routes
from api.security import (
    Principal,
    get_principal,
)
from api.services.integrity import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    AuthorityOut,
    DeclarationIn,
    IntegrityOut,
    IntegrityReceipt,
    StepIn,
    TravelIn,
    TravelReportIn,
    authority,
    declare_assets,
    read_integrity,
    record_step,
    record_travel,
    report_travel,
)
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["integrity"])


@router.get("/authority", response_model=AuthorityOut, responses=problem_responses(401),
            operation_id="get_authority",
            summary="Cơ quan ban hành và phân cấp quản lý cán bộ (issuing bodies and the "
                    "delegation table)")
def get_authority(p: Principal = Depends(get_principal)) -> AuthorityOut:
    return AuthorityOut.model_validate(authority())


@router.get("/cadres/{cadre_id}/integrity", response_model=IntegrityOut,
            responses=READ_PROBLEMS, operation_id="get_cadre_integrity",
            summary="Hồ sơ bổ nhiệm, kê khai tài sản, đi nước ngoài của một cán bộ (dossiers, "
                    "declarations, travel)")
def get_integrity(cadre_id: UUID, p: Principal = Depends(get_principal),
                  m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                  access: AccessStore = Depends(get_access)) -> IntegrityOut:
    found = read_integrity(p, runtime, access, cadre_id, m)
    return IntegrityOut.model_validate(dict(found, as_of=m.as_of, known_at=m.known_at,
                                            position=m.position))


add_write_routes(router, (
    WriteRoute("/cadres/{cadre_id}/holdings/{holding_id}/dossier-steps", StepIn, record_step,
               "record_dossier_step",
               "Ghi một bước của quy trình bổ nhiệm (record a dossier step)"),
    WriteRoute("/cadres/{cadre_id}/asset-declarations", DeclarationIn, declare_assets,
               "record_asset_declaration",
               "Ghi nhận kê khai tài sản, thu nhập (record an asset declaration)"),
    WriteRoute("/cadres/{cadre_id}/foreign-travel", TravelIn, record_travel,
               "record_foreign_travel", "Ghi nhận chuyến đi nước ngoài (record foreign travel)"),
    WriteRoute("/cadres/{cadre_id}/foreign-travel/{travel_id}/report", TravelReportIn,
               report_travel, "report_foreign_travel",
               "Ghi nhận báo cáo sau chuyến đi (record the trip's report)"),
), response_model=IntegrityReceipt, responses=WRITE_PROBLEMS)
