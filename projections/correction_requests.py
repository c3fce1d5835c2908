"""Self-service correction requests on the read side: the queue and each cadre's list.

`request_rows` is the pure event → row function (no database, no clock); the runner adds its
rows to the batch beside `projections.rows.changes`. The rows keep who asked about which entry,
when, and the answer; what the cadre and the officer wrote stays sealed in the log, and the
screens that show it load the request itself (`HosoApplication.correction_request`).

The correction an accepted request led to is the entry that superseded the request's target
(an entry is superseded once), found by a join at query time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import and_, select

from domain.correction_requests import CorrectionRequest, RequestStatus
from projections.rows import Open

if TYPE_CHECKING:  # the runner imports this module, and the read model imports the runner
    from projections.read_model import Moment, ReadModel


def request_rows(event: Any, position: int) -> list[Open]:
    """Rows for one event: a request opens its row, an answer its answer row."""
    if isinstance(event, CorrectionRequest.Requested):
        return [Open("correction_requests", dict(
            request_id=event.originator_id, cadre_id=event.cadre_id,
            target_position=int(event.target_position), target_type=str(event.target_type),
            identity=bool(event.identity), requested_on=event.effective_on,
            requested_by=str(event.recorded_by), position=position))]
    if isinstance(event, CorrectionRequest.Answered):
        return [Open("correction_answers", dict(
            request_id=event.originator_id, outcome=str(event.outcome), how=event.how,
            answered_on=event.effective_on, answered_by=str(event.recorded_by),
            position=position))]
    return []


def requests(model: ReadModel, m: Moment, *, status: RequestStatus | None = None,
             cadre_id: UUID | None = None, limit: int = 500,
             offset: int = 0) -> list[dict[str, Any]]:
    """Requests known at the moment's position, oldest pending first, then newest answered."""
    t = model.tables()
    r, a, e = t.correction_requests, t.correction_answers, t.entries
    answer = a.alias("answer")
    corrected = e.alias("corrected")
    query = (
        select(r, answer.c.outcome, answer.c.how, answer.c.answered_on, answer.c.answered_by,
               answer.c.position.label("answer_position"),
               corrected.c.position.label("correction_position"))
        .outerjoin(answer, and_(answer.c.request_id == r.c.request_id,
                                answer.c.position <= m.position))
        .outerjoin(corrected, and_(corrected.c.cadre_id == r.c.cadre_id,
                                   corrected.c.target_position == r.c.target_position,
                                   corrected.c.type == "Corrected",
                                   corrected.c.position <= m.position,
                                   answer.c.outcome == RequestStatus.ACCEPTED.value))
        .where(r.c.position <= m.position))
    if cadre_id is not None:
        query = query.where(r.c.cadre_id == cadre_id)
    if status is RequestStatus.PENDING:
        query = query.where(answer.c.request_id.is_(None))
    elif status is not None:
        query = query.where(answer.c.outcome == status.value)
    query = query.order_by(answer.c.position.is_not(None), answer.c.position.desc(),
                           r.c.position).limit(limit).offset(offset)
    with model.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [dict(
        id=row["request_id"], cadre_id=row["cadre_id"],
        target_position=row["target_position"], target_type=row["target_type"],
        identity=row["identity"], requested_on=row["requested_on"],
        requested_by=row["requested_by"], position=row["position"],
        status=RequestStatus(row["outcome"]) if row["outcome"] else RequestStatus.PENDING,
        how=row["how"], answered_on=row["answered_on"], answered_by=row["answered_by"],
        answer_position=row["answer_position"],
        correction_position=row["correction_position"]) for row in rows]


def request_row(model: ReadModel, m: Moment, request_id: UUID) -> dict[str, Any] | None:
    t = model.tables()
    r = t.correction_requests
    with model.engine.connect() as conn:
        cadre_id = conn.execute(select(r.c.cadre_id).where(
            r.c.request_id == request_id, r.c.position <= m.position)).scalar()
    if cadre_id is None:
        return None
    found = [row for row in requests(model, m, cadre_id=cadre_id, limit=100_000)
             if row["id"] == request_id]
    return found[0] if found else None
