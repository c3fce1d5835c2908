"""Job positions: the service functions the API's routes and the web's pages share."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.schemas import (
    JobPositionOut,
    JobPositionsOut,
    JobPositionVersionIn,
)
from api.security import (
    ADMIN,
    ALL_ROLES,
    PERSONNEL,
    Principal,
    check_write_unit,
    require_role,
)
from domain.application import Receipt
from domain.job_position import JobPosition
from projections.job_positions import registered_ids

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


def revise(runtime: Runtime, p: Principal, position_id: UUID,
           body: JobPositionVersionIn) -> Receipt:
    """A new dated version of a job position's standards and framework, in its unit's scope."""
    require_role(p, ADMIN, PERSONNEL)
    position = runtime.app.job_position(position_id, "id")
    check_write_unit(p, runtime, position.unit_id)
    receipt = runtime.app.revise_job_position(body.to_domain(position_id, recorded_by=p.name))
    runtime.written(receipt.position)
    return receipt


def catalogue(runtime: Runtime, p: Principal, m: Moment,
              unit_id: UUID | None = None) -> JobPositionsOut:
    """The job positions (of one unit), with what is in force on `m`'s date: what
    GET /job-positions answers and the web's catalogue shows."""
    require_role(p, *ALL_ROLES)
    found = [a for a in runtime.app.aggregates(registered_ids(runtime.read_model, m))
             if isinstance(a, JobPosition) and (unit_id is None or a.unit_id == unit_id)]
    return JobPositionsOut(as_of=m.as_of, known_at=m.known_at, position=m.position,
                           job_positions=[_shown(a, m) for a in found])


def _shown(position: JobPosition, m: Moment) -> JobPositionOut:
    standards, framework = position.standards_on(m.as_of), position.framework_on(m.as_of)
    return JobPositionOut(
        id=position.id, unit_id=position.unit_id, code=position.code, name=position.name,
        group=str(position.group), standards=[_plain(s) for s in position.standards],
        frameworks=[_plain(f) for f in position.frameworks],
        standards_in_force=_plain(standards) if standards else None,
        framework_in_force=_plain(framework) if framework else None)


def _plain(version: Any) -> dict[str, Any]:
    return asdict(version)
