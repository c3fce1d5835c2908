"""Personnel officers' worklists: the term-end worklist (QĐ 377: the posts whose term ends
within 90 working days, and what has been done about each).

Scoped like the rosters: admin and inspector read every unit, leader and personnel their unit
subtree (default their token's unit), the self role none. Listing names is a read of personal
data, written to the read audit like a roster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.schemas import Day, LongText, Receipt
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    Principal,
    check_read_unit,
    check_write_cadre,
    get_principal,
    record_reads,
    require_role,
)
from domain.errors import NotFound
from domain.term_notice import NotifyTermEnd
from infra.access import AccessStore
from projections import worklists

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["worklists"])


def term_end_worklist(runtime: Runtime, p: Principal, m: Moment,
                      unit_id: UUID | None) -> dict[str, Any]:
    require_role(p, ADMIN, INSPECTOR, LEADER, PERSONNEL)
    root = unit_id or p.unit_id
    if root is not None:
        check_read_unit(p, runtime, root, m)
        if runtime.read_model.unit(root, m) is None:
            raise NotFound(f"Không tìm thấy đơn vị {root} (unknown unit)",
                           code="unit_not_found", field="unit_id")
        roots = [root]
    else:  # admin or inspector: the whole tree
        units = runtime.read_model.units(m)
        known = {u["id"] for u in units}
        roots = [u["id"] for u in units if u.get("parent_id") not in known]
    answer = worklists.term_ends(runtime.read_model, m, roots,
                                 notice_of=runtime.app.term_notice)
    return answer | {"unit_id": root}


class TermNoticeIn(BaseModel):
    """Thông báo hết thời hạn giữ chức vụ: given for the term of a holding."""

    model_config = ConfigDict(extra="forbid")
    cadre_id: UUID
    holding_id: UUID
    notified_on: Day
    note: LongText | None = None


def notify_term_end(runtime: Runtime, p: Principal, body: TermNoticeIn) -> Receipt:
    check_write_cadre(p, runtime, body.cadre_id)
    done = runtime.app.notify_term_end(NotifyTermEnd(
        cadre_id=body.cadre_id, holding_id=body.holding_id, notified_on=body.notified_on,
        note=body.note, recorded_by=p.name))
    runtime.written(done.position)
    return Receipt(id=done.id, position=done.position, entry_position=done.position)


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
