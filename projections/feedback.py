"""Which feedback reports exist: the only thing the read side keeps of them.

The read model holds no feedback table on purpose: content, reporter and notes are sealed in
the events, and a table of them would be one more place to protect (and to scrub). The log
table already has one line per event (position, instant, type, originator); the filings are
the lines of type `Feedback.Filed`, whose `recorded_by` is a fixed word and whose `cadre_id`
is empty, so no query by cadre or by actor ever meets them. Inspectors' screens load each
report from the log itself (`HosoApplication.feedback`).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from projections.read_model import Moment, ReadModel

FILED_TYPE = "Feedback.Filed"


def filed_ids(model: ReadModel, m: Moment, limit: int = 500, offset: int = 0) -> list[UUID]:
    """Reports filed up to the moment's log position, newest first."""
    with model.engine.connect() as conn:
        lg = model.tables().log
        return list(conn.execute(
            select(lg.c.originator_id).where(lg.c.type == FILED_TYPE,
                                             lg.c.position <= m.position)
            .order_by(lg.c.position.desc()).limit(limit).offset(offset)).scalars())
