"""Audit (kiểm tra, giám sát): who recorded what, the log's integrity, who read whose record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from api.deps import get_access, get_moment, get_runtime, utc_instant
from api.errors import problem_responses
from api.schemas import AuditLogOut, ChainHead, ReadOut, ReadsOut, VerifyOut, clean_text
from api.security import ADMIN, INSPECTOR, Principal, get_principal, require_role
from infra.access import AccessStore
from infra.read_chain import verify_reads

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["audit"])

PROBLEMS = problem_responses(401, 403, 422)

FromQuery = Annotated[datetime | None, Query(alias="from", description="instant, inclusive"),
                      AfterValidator(utc_instant)]
ToQuery = Annotated[datetime | None, Query(description="instant, inclusive"),
                    AfterValidator(utc_instant)]
NameQuery = Annotated[str | None, Query(max_length=200),
                      AfterValidator(lambda v: None if v is None else clean_text(v))]


@router.get("/audit/log", response_model=AuditLogOut, responses=PROBLEMS,
            summary="Ai đã ghi gì, khi nào (who recorded what, when)", operation_id="audit_log")
def audit_log(cadre_id: UUID | None = Query(None), actor: NameQuery = None,
              from_: FromQuery = None, to: ToQuery = None,
              limit: int = Query(500, ge=1, le=5000),
              p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
              runtime: Runtime = Depends(get_runtime)) -> AuditLogOut:
    require_role(p, ADMIN, INSPECTOR)
    # Only what had been recorded by `known_at` (default now) is shown.
    until = m.known_at if to is None else min(to, m.known_at)
    entries = [e for e in runtime.read_model.audit_log(cadre_id, actor, from_, until, limit)
               if e["position"] <= m.position]
    return AuditLogOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                           position=m.position, entries=entries))


@router.get("/audit/verify", response_model=VerifyOut, responses=PROBLEMS,
            summary="Kiểm tra tính toàn vẹn của sổ ghi (verify the log's integrity chain)",
            operation_id="audit_verify")
def audit_verify(tree: Literal["log", "reads"] = Query(
                     "log", description="`log`: the record's chain; `reads`: the read audit's "
                                        "(who read whose file)"),
                 p: Principal = Depends(get_principal),
                 runtime: Runtime = Depends(get_runtime),
                 access: AccessStore = Depends(get_access)) -> VerifyOut:
    require_role(p, ADMIN, INSPECTOR)
    m = runtime.read_model.moment()
    result = runtime.log.verify() if tree == "log" else verify_reads(access.engine)
    return VerifyOut(as_of=m.as_of, known_at=m.known_at, position=result.head_position,
                     ok=result.ok, checked=result.checked,
                     head=ChainHead(position=result.head_position, hash=result.head_hash),
                     first_bad_position=result.first_bad_position, problem=result.problem)


@router.get("/audit/reads", response_model=ReadsOut, responses=PROBLEMS,
            summary="Ai đã xem hồ sơ của ai (who read whose profile, record or CV)",
            operation_id="audit_reads")
def audit_reads(cadre_id: UUID | None = Query(None), reader: NameQuery = None,
                from_: FromQuery = None, to: ToQuery = None,
                limit: int = Query(500, ge=1, le=5000),
                p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                access: AccessStore = Depends(get_access)) -> ReadsOut:
    require_role(p, ADMIN, INSPECTOR)
    reads = access.reads(cadre_id=cadre_id, reader=reader, from_=from_, to=to, limit=limit)
    return ReadsOut(as_of=m.as_of, known_at=m.known_at, position=m.position,
                    reads=[ReadOut(reader=r.reader, role=r.role, read_at=r.read_at,
                                   cadre_id=r.cadre_id, what=r.what, as_of=r.as_of,
                                   known_at=r.known_at, position=r.position) for r in reads])
