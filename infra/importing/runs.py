"""SQL: the `import_runs` table (who imported which file when, and the positions written)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from infra.importing.cells import ImportReport

# --- import runs -----------------------------------------------------------------------------

runs_metadata = MetaData()
import_runs = Table(
    "import_runs", runs_metadata,
    Column("id", String(36), primary_key=True),
    Column("digest", String(64), nullable=False, index=True),
    Column("file_name", String(300), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("first_position", BigInteger),
    Column("last_position", BigInteger),
    Column("outcome", String(16), nullable=False),  # recorded | unchanged | refused | checked (a dry run)
)


def import_history(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    runs_metadata.create_all(engine, checkfirst=True)
    with engine.connect() as conn:
        rows = conn.execute(select(import_runs).order_by(import_runs.c.imported_at.desc())
                            .limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def _record_run(engine: Engine, report: ImportReport, user: str, imported_at: datetime,
                outcome: str) -> UUID:
    runs_metadata.create_all(engine, checkfirst=True)
    run_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(insert(import_runs).values(
            id=str(run_id), digest=report.digest, file_name=report.file_name[:300],
            imported_by=user, imported_at=imported_at, rows=sum(report.rows.values()),
            events=report.events, first_position=report.first_position,
            last_position=report.last_position, outcome=outcome))
    return run_id


