"""The term-end worklist: the service functions and payload models the API's routes and the web's
pages share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from api.schemas import Day, LongText, Receipt
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    Principal,
    check_read_unit,
    check_write_cadre,
    require_role,
)
from domain.errors import NotFound
from domain.term_notice import NotifyTermEnd
from projections import worklists

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


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
