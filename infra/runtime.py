"""The composition root: write side, log reader, read model and its runner for one store."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from domain.application import HosoApplication
from domain.calendar import Clock
from infra.chain import LogReader, LogRecord
from infra.checkpoints import LOG, READS
from infra.checkpoints import metadata as checkpoint_metadata
from infra.clock import clock_from
from infra.database import engine_for
from infra.importing import runs_metadata
from infra.log_tree import LOG_TREE, TreeReader
from infra.persistence import (
    application_env,
    create_database_if_missing,
    open_key_store,
    open_log_reader,
)
from infra.read_chain import READS_TREE
from infra.schema import schema_lock
from infra.settings import Settings
from projections.findings import FindingsIndex
from projections.read_model import ReadModel
from projections.runner import (
    LogSource,
    Progress,
    Runner,
    active_generation,
    decoder,
    ensure_meta,
    rebuild,
)
from projections.tables import PROJECTION_VERSION, read_tables


class ReaderSource(LogSource):
    def __init__(self, log: LogReader) -> None:
        self.log = log

    def select(self, after_position: int, limit: int) -> list[LogRecord]:
        return self.log.select(after_position, limit)

    def head_position(self) -> int:
        head = self.log.head()
        return head[0] if head else 0


@dataclass
class Runtime:
    settings: Settings
    app: HosoApplication
    read_model: ReadModel
    log: LogReader
    engine: Engine
    extras: dict[str, Any] = field(default_factory=dict)
    _runner: Runner | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _findings: FindingsIndex | None = None
    _findings_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def clock(self) -> Clock:
        """The process's one clock (the application's)."""
        return self.app.clock

    @property
    def trees(self) -> dict[str, TreeReader]:
        """The Merkle trees checkpoints sign: the log's and the read audit's (whose tables
        the access store creates beside the read side)."""
        return {LOG: self.log.tree(LOG_TREE), READS: self.log.tree(READS_TREE)}

    def now(self) -> datetime:
        """The instant checkpoints and cosignatures are stamped with: the one clock's."""
        return self.clock.now()

    @property
    def findings(self) -> FindingsIndex:
        """The process's findings projection (made on first use, then kept current)."""
        with self._findings_lock:
            if self._findings is None:
                self._findings = FindingsIndex(self.app, self.log)
            return self._findings

    def _current_runner(self) -> Runner:
        with self.engine.connect() as conn:
            active = active_generation(conn)
        if active is None or active[1] != PROJECTION_VERSION:
            self.rebuild()
            with self.engine.connect() as conn:
                active = active_generation(conn)
        assert active is not None
        if self._runner is None or self._runner.tables.generation != active[0]:
            self._runner = Runner(self.engine, read_tables(active[0]),
                                  ReaderSource(self.log), decoder(self.app.mapper))
        return self._runner

    def drop_findings(self) -> None:
        """Forget the findings fold (after an erasure: it holds names); refolded on next use."""
        with self._findings_lock:
            self._findings = None

    def catch_up(self) -> int:
        """Apply every event recorded so far; returns the position the read side reflects."""
        return self._current_runner().catch_up()

    def rebuild(self, progress: Progress | None = None) -> int:
        """Build fresh tables from the whole log and switch to them; returns events applied."""
        with self._lock:
            _, position = rebuild(self.engine, ReaderSource(self.log), decoder(self.app.mapper),
                                  progress=progress)
            self._runner = None
            return position

    def close(self) -> None:
        self.log.close()
        self.engine.dispose()
        self.app.close()


def ensure_side_tables(engine: Engine) -> None:
    """Tables that are created on first use elsewhere (checkpoints, import runs), made here at
    start-up under the schema lock: created lazily by two workers at once, PostgreSQL fails one."""
    checkpoint_metadata.create_all(engine, checkfirst=True)
    runs_metadata.create_all(engine, checkfirst=True)


def open_runtime(settings: Settings, *, clock: Clock | None = None,
                 app: HosoApplication | None = None) -> Runtime:
    """Open the store (creating it if needed) and bring the read side up to the log. The clock
    is the application's when one is given, else `clock`, else the settings' (`clock_from`).

    The schema (log, keys, read side) is created under the store's schema lock, so N workers
    starting together on an empty database take turns instead of failing in CREATE.
    """
    create_database_if_missing(settings.database_url)
    clock = app.clock if app is not None else clock or clock_from(settings)
    engine = engine_for(settings)
    with schema_lock(engine):
        application = app or HosoApplication(env=application_env(settings), clock=clock,
                                             horizon_days=settings.future_horizon_days)
        open_key_store(settings).ensure_table()
        log = open_log_reader(settings)
        log.grow_tree()
        ensure_meta(engine)
        ensure_side_tables(engine)
        runtime = Runtime(settings=settings, app=application,
                          read_model=ReadModel(engine, clock=clock), log=log, engine=engine)
        runtime.catch_up()
    return runtime
