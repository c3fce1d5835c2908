"""Which job positions exist: their registrations in the log table.

The catalogue is small and read whole: the read side keeps no table of it, the log table's line
per event already names each position's id, and the screens load each position from the log
(`HosoApplication.job_position`), with every dated version of its standards and framework.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from projections.read_model import Moment, ReadModel

REGISTERED_TYPE = "JobPosition.Registered"


def registered_ids(model: ReadModel, m: Moment) -> list[UUID]:
    """Positions registered up to the moment's log position, oldest first."""
    with model.engine.connect() as conn:
        lg = model.tables().log
        return list(conn.execute(
            select(lg.c.originator_id).where(lg.c.type == REGISTERED_TYPE,
                                             lg.c.position <= m.position)
            .order_by(lg.c.position)).scalars())
