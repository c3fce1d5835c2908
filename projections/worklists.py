"""Personnel officers' worklists. The term-end worklist: posts whose term ends within
`LEAD_WORKING_DAYS` working days (QĐ 377 [verify]), and what the record already holds about
each: an ending recorded, a reappointment (`bo_nhiem_lai`) or an extension (`keo_dai`).

Holdings are read from the read model as it is, whichever way a reappointment is recorded
(a new term of the same holding, or an ending and a new appointment): a post whose holding on
`as_of` has its `planned_end_on` within reach is listed; a later holding of the same cadre,
unit and title (a term that starts after this one) counts as what was done, and so does an
ending already recorded (`until`). A renewal effective on or before `as_of` shows as the new
term, whose end is further away, so the post leaves the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select

from domain.term_notice import notice_id_for
from domain.working_days import SOURCE, add_working_days, working_days_between
from projections.bitemporal import in_force
from projections.read_model import Moment, ReadModel

LEAD_WORKING_DAYS = 90
LEAD_SOURCE = ("Quy định 377-QĐ/TW (2025): chuẩn bị bổ nhiệm lại trước khi hết thời hạn bổ "
               "nhiệm 90 ngày làm việc [verify]")
RENEWAL_STATUS = {"bo_nhiem_lai": "reappointment_recorded", "keo_dai": "extension_recorded"}
STATUS_LABELS = {
    "nothing_recorded": "Chưa có quyết định",
    "notified": "Đã thông báo hết thời hạn, chưa có quyết định",
    "reappointment_recorded": "Đã có quyết định bổ nhiệm lại",
    "extension_recorded": "Đã có quyết định kéo dài thời gian giữ chức vụ",
    "ending_recorded": "Đã có quyết định thôi giữ chức vụ / kết thúc",
    "appointed_again": "Đã có quyết định bổ nhiệm mới vào chức vụ",
}


def _later_terms(model: ReadModel, m: Moment, rows: list[dict[str, Any]]
                 ) -> dict[tuple[UUID, UUID, str], list[dict[str, Any]]]:
    """Holdings (as recorded at `m`) of the same cadre, unit and title starting after as_of."""
    if not rows:
        return {}
    cadres = sorted({r["cadre_id"] for r in rows}, key=str)
    with model.engine.connect() as conn:
        h = model.tables().holdings
        found = conn.execute(select(h.c.cadre_id, h.c.unit_id, h.c.title_code, h.c.kind,
                                    h.c.since, h.c.planned_end_on, h.c.decision)
                             .where(and_(h.c.cadre_id.in_(cadres), h.c.since > m.as_of,
                                         in_force(h, m.position)))
                             .order_by(h.c.since)).mappings().all()
    out: dict[tuple[UUID, UUID, str], list[dict[str, Any]]] = {}
    for f in found:
        out.setdefault((f["cadre_id"], f["unit_id"], f["title_code"]), []).append(dict(f))
    return out


NOTIFIED_TYPE = "TermNotice.Notified"


def notified(model: ReadModel, m: Moment, notice_ids: list[UUID]) -> set[UUID]:
    """Which of these term notices the record holds at `m` (the log table's lines)."""
    if not notice_ids:
        return set()
    with model.engine.connect() as conn:
        lg = model.tables().log
        return set(conn.execute(select(lg.c.originator_id).where(
            lg.c.type == NOTIFIED_TYPE, lg.c.originator_id.in_(notice_ids),
            lg.c.position <= m.position)).scalars())


def term_ends(model: ReadModel, m: Moment, roots: Iterable[UUID],
              lead: int = LEAD_WORKING_DAYS,
              notice_of: Callable[[UUID, date], Any] | None = None) -> dict[str, Any]:
    """The posts held on `m.as_of` in the subtrees of `roots` whose planned end is at most
    `lead` working days away (or already past), soonest first, each with what has been done."""
    reach = add_working_days(m.as_of, lead)
    seen: dict[Any, dict[str, Any]] = {}
    for root in dict.fromkeys(roots):
        for row in model.roster(root, m, include_subunits=True):
            seen.setdefault((row["holding_id"], row["since"]), row)
    held = list(seen.values())
    due = [r for r in held if r["planned_end_on"] is not None and r["planned_end_on"] <= reach]
    later = _later_terms(model, m, due)
    given = notified(model, m, [notice_id_for(r["holding_id"], r["planned_end_on"])
                                for r in due])
    items = []
    for r in due:
        end: date = r["planned_end_on"]
        done: list[dict[str, Any]] = []
        status = "nothing_recorded"
        for nxt in later.get((r["cadre_id"], r["unit_id"], r["title_code"]), []):
            if nxt["since"] < r["since"]:
                continue
            status = RENEWAL_STATUS.get(str(nxt["kind"]), "appointed_again")
            done.append(dict(what=status, kind=nxt["kind"], effective_on=nxt["since"],
                             planned_end_on=nxt["planned_end_on"], decision=nxt["decision"]))
        if r["until"] is not None and not done:
            status = "ending_recorded"
            done.append(dict(what=status, effective_on=r["until"], decision=None))
        if notice_id_for(r["holding_id"], end) in given:
            notice = notice_of(r["holding_id"], end) if notice_of is not None else None
            done.insert(0, dict(what="notified", decision=None,
                                effective_on=notice.notified_on if notice else None,
                                note=notice.note if notice else None))
            if status == "nothing_recorded":
                status = "notified"
        items.append(dict(
            holding_id=r["holding_id"], cadre_id=r["cadre_id"], full_name=r["full_name"],
            unit_id=r["unit_id"], unit_name=r["unit_name"], title_code=r["title_code"],
            title_name=r["title_name"], kind=r["kind"], since=r["since"], planned_end_on=end,
            until=r["until"], decision=r["decision"],
            act_from=add_working_days(end, -lead),
            working_days_left=working_days_between(m.as_of, end), overdue=end < m.as_of,
            status=status, status_label=STATUS_LABELS[status], done=done))
    items.sort(key=lambda i: (i["planned_end_on"], str(i["unit_name"] or ""), i["full_name"]))
    return dict(as_of=m.as_of, known_at=m.known_at, position=m.position,
                lead_working_days=lead, reach=reach, source=LEAD_SOURCE, holidays=SOURCE,
                items=items)
