"""Personnel officers' worklists: the term-end worklist (QĐ 377: the posts whose term ends
within 90 working days, and what has been done about each).

Scoped like the rosters: admin and inspector read every unit, leader and personnel their unit
subtree (default their token's unit), the self role none. Listing names is a read of personal
data, written to the read audit like a roster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.schemas import Receipt
from api.security import (
    Principal,
    get_principal,
    record_reads,
)
from api.services.worklists import (
    TermNoticeIn,
    notify_term_end,
    term_end_worklist,
)
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["worklists"])


@router.post("/worklists/term-ends/notices", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 404, 409, 422),
             summary="Ghi nhận đã thông báo hết thời hạn giữ chức vụ (record a term-end notice)",
             operation_id="notify_term_end")
def post_notice(body: TermNoticeIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> Receipt:
    return notify_term_end(runtime, p, body)


@router.get("/worklists/term-ends", response_model=None,
            responses=problem_responses(400, 401, 403, 404, 422),
            summary="Chức vụ sắp hết thời hạn bổ nhiệm trong 90 ngày làm việc (term-end "
                    "worklist, QĐ 377)",
            operation_id="worklist_term_ends")
def term_ends(unit_id: Annotated[UUID | None, Query(description="this unit and those below "
                                                    "it; default the token's unit")] = None,
              p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
              runtime: Runtime = Depends(get_runtime),
              access: AccessStore = Depends(get_access)) -> JSONResponse:
    answer = term_end_worklist(runtime, p, m, unit_id)
    # A worklist names who holds which post, as a roster does: audited as a roster read.
    record_reads(access, p, [i["cadre_id"] for i in answer["items"]], "roster", m)
    return JSONResponse(jsonable_encoder(answer))
