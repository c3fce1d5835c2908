"""Job positions (vị trí việc làm): a unit's catalogue, with dated standards and frameworks.

- `POST /job-positions`: the administrator, or a personnel officer for a unit in their subtree
  (a unit's positions are its own organisation, as its roster is).
- `POST /job-positions/{id}/versions`: the same, for the position's unit: a new dated version
  of its standards and/or framework, after the versions on record.
- `GET /job-positions?unit_id=`: every role; the catalogue is organisation, not personal data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api import services
from api.deps import get_moment, get_runtime
from api.errors import problem_responses
from api.schemas import (
    JobPositionIn,
    JobPositionsOut,
    JobPositionVersionIn,
    Receipt,
)
from api.security import (
    Principal,
    get_principal,
)
from api.services import job_positions
from api.services.job_positions import (
    catalogue,
)

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["job-positions"])


@router.post("/job-positions", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 404, 409, 422),
             summary="Khai báo vị trí việc làm (register a job position)",
             operation_id="register_job_position")
def register_job_position(body: JobPositionIn, p: Principal = Depends(get_principal),
                          runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.register_job_position(runtime, p, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.post("/job-positions/{position_id}/versions", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 404, 409, 422),
             summary="Phiên bản mới của tiêu chuẩn, khung năng lực (a new dated version)",
             operation_id="revise_job_position")
def revise_job_position(position_id: UUID, body: JobPositionVersionIn,
                        p: Principal = Depends(get_principal),
                        runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = job_positions.revise(runtime, p, position_id, body)
    return Receipt(id=receipt.id, position=receipt.position)


@router.get("/job-positions", response_model=JobPositionsOut,
            responses=problem_responses(401, 403, 422),
            summary="Danh mục vị trí việc làm (the job positions)",
            operation_id="list_job_positions")
def list_job_positions(unit_id: UUID | None = Query(None, description="only this unit's"),
                       p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                       runtime: Runtime = Depends(get_runtime)) -> JobPositionsOut:
    return catalogue(runtime, p, m, unit_id)
