"""The public hồ sơ công vụ (no token): who holds which post, since when, by which decision.

Only the fields of the publication policy in force (domain/publication.py) are answered; the
response models list them again, so a field the query might add is dropped on the way out.
Public reads are rate-limited per client address (counted in the database, shared by every
worker) and are not written to the read audit: the audit records who read a cadre's personal
file, and nothing personal is shown here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import get_moment, get_runtime
from api.services.public import (
    PROBLEMS,
    PublicCadresOut,
    PublicProfileOut,
    SearchQuery,
    public_gate,
)
from domain.errors import NotFound
from domain.publication import policy_on
from projections.public import PublicRecord

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["public"])


@router.get("/public/cadres", response_model=PublicCadresOut, responses=PROBLEMS,
            dependencies=[Depends(public_gate)],
            summary="Tra cứu công khai cán bộ theo tên và đơn vị (public search, no token)",
            operation_id="public_cadres")
def public_cadres(q: SearchQuery = None,
                  unit_id: UUID | None = Query(None, description="cadres holding a post in "
                                                                 "this unit or below"),
                  limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000),
                  m: Moment = Depends(get_moment),
                  runtime: Runtime = Depends(get_runtime)) -> PublicCadresOut:
    cadres = PublicRecord(runtime.read_model).search(m, q, unit_id, limit, offset)
    return PublicCadresOut.model_validate(dict(
        as_of=m.as_of, known_at=m.known_at, position=m.position, cadres=cadres, limit=limit,
        offset=offset, policy_valid_from=policy_on(m.as_of).valid_from))


@router.get("/public/cadres/{cadre_id}", response_model=PublicProfileOut, responses=PROBLEMS,
            dependencies=[Depends(public_gate)],
            summary="Hồ sơ công vụ công khai của một cán bộ (public record, no token)",
            operation_id="public_cadre")
def public_cadre(cadre_id: UUID, m: Moment = Depends(get_moment),
                 runtime: Runtime = Depends(get_runtime)) -> PublicProfileOut:
    profile = PublicRecord(runtime.read_model).profile(cadre_id, m)
    if profile is None:
        raise NotFound(f"Không có hồ sơ công khai của cán bộ {cadre_id} (no public record)",
                       code="cadre_not_found", field="id")
    policy = policy_on(m.as_of)
    return PublicProfileOut.model_validate({
        **profile, "as_of": m.as_of, "known_at": m.known_at, "position": m.position,
        "policy_valid_from": policy.valid_from, "policy_source": policy.source})
