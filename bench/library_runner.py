"""eventsourcing 9.5's own `ProjectionRunner`, on PostgreSQL, with our row functions.

The library runner constructs the application, subscribes to it (`recorder.subscribe()`:
LISTEN/NOTIFY plus pages of notifications; SQLite has no subscribe()), and in a thread calls
`projection.process_event(event, tracking)` for each event. Our projection does what the
library's documented views do: one transaction per event, holding the view's rows (here our
`BatchWriter` over `projections.rows.changes`, into a throw-away generation of the read
tables) and the tracking record (the view's own `<name>_tracking` table).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from sqlalchemy import Engine, text, update

from domain.application import HosoApplication
from infra.chain import LogRecord
from infra.clock import BENCH_CLOCK
from infra.database import engine_for
from infra.persistence import application_env
from infra.settings import Settings
from projections.runner import BatchWriter, NameBook, drop_retired, ensure_meta, new_generation
from projections.tables import ReadTables, generations


class RowsView(PostgresTrackingRecorder):
    """The materialised view: the library's tracking table; rows go through `Rows`."""


class Rows:
    """What the projection writes with (set before the runner starts)."""

    engine: Engine
    tables: ReadTables
    names: NameBook
    recorded_at: dict[int, datetime]
    tracking_table: str
    application_name: str


class RowsProjection(Projection[RowsView]):
    name = "bench_rows"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        position = tracking.notification_id
        record = LogRecord(position, domain_event.originator_id,
                           domain_event.originator_version, "", b"",
                           # past the target (until the runner stops): any instant will do
                           Rows.recorded_at.get(position) or BENCH_CLOCK.now())
        with Rows.engine.begin() as conn:
            writer = BatchWriter(conn, Rows.tables, Rows.names)
            Rows.names.load(conn, Rows.tables)
            writer.apply(record, domain_event)
            writer.flush()
            conn.execute(text(f"INSERT INTO {Rows.tracking_table} (application_name, "
                              "notification_id) VALUES (:a, :n) ON CONFLICT (application_name) "
                              "DO UPDATE SET notification_id = :n"),
                         {"a": tracking.application_name, "n": position})


def run_library_projection(settings: Settings, *, limit: int,
                           timeout: float = 900.0) -> dict[str, Any]:
    """Time the library runner from start until the view tracks position `limit` (or head)."""
    env = application_env(settings)
    engine = engine_for(settings)
    with engine.connect() as conn:
        head = int(conn.execute(text("SELECT max(position) FROM log_chain")).scalar() or 0)
        target = min(limit, head)
        Rows.recorded_at = dict(conn.execute(text(
            "SELECT position, recorded_at FROM log_chain WHERE position <= :p"),
            {"p": target}).all())
    Rows.engine, Rows.names = engine, NameBook()
    ensure_meta(engine)
    Rows.tables = new_generation(engine)
    Rows.tracking_table = f"{RowsProjection.name}_tracking"
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {Rows.tracking_table}"))
    started = time.perf_counter()
    done = 0
    try:
        with ProjectionRunner(application_class=HosoApplication,
                              projection_class=RowsProjection, view_class=RowsView,
                              env=env) as runner:
            while time.perf_counter() - started < timeout:
                done = runner.view.max_tracking_id(runner.app_name) or 0
                if done >= target:
                    break
                runner.run_forever(timeout=0.05)  # re-raises the processing thread's error
            seconds = time.perf_counter() - started
    finally:
        with engine.begin() as conn:
            conn.execute(update(generations).where(
                generations.c.generation == Rows.tables.generation).values(state="retired"))
            conn.execute(text(f"DROP TABLE IF EXISTS {Rows.tracking_table}"))
        drop_retired(engine)
        engine.dispose()
    return {"events": done, "seconds": seconds, "events_per_s": done / seconds,
            "events_per_cpu_s": None, "library": "eventsourcing.projection.ProjectionRunner",
            "note": "wall clock; the runner's thread shares the process with the poller"}


__all__ = ["HosoApplication", "run_library_projection"]
