"""The composition root: write side, log reader, read model and its runner for one store."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from domain.application import HosoApplication
from domain.calendar import Clock
from infra.access import EPOCH_SQL, SHRED_EPOCH_SQL, ensure_epochs
from infra.chain import CHAIN_TABLE, LogReader, LogRecord
from infra.checkpoints import LOG, READS
from infra.checkpoints import metadata as checkpoint_metadata
from infra.clock import clock_from
from infra.database import engine_for, one_statement
from infra.document_keeper import DocumentKeeper
from infra.importing import runs_metadata
from infra.log_tree import LOG_TREE, TreeReader
from infra.persistence import (
    application_env,
    create_database_if_missing,
    open_key_store,
    open_log_reader,
)
from infra.projector import Projector, ProjectorLock, ReadPosition, ReadSideBehind
from infra.read_chain import READS_TREE
from infra.schema import schema_lock
from infra.settings import Settings
from projections.findings_store import FindingsProjector, FindingsReader, ensure_tables
from projections.read_model import ReadModel
from projections.runner import (
    Decode,
    GenerationRetired,
    LogSource,
    Progress,
    Runner,
    active_generation,
    decoder,
    ensure_meta,
    rebuild,
)
from projections.tables import PROJECTION_VERSION, read_tables

log = logging.getLogger("hoso.runtime")

# What a request needs to know of the store before it answers, in one statement: the log head
# (its read waits until the read side reached it) and the token epoch (whether this worker's
# kept tokens still hold: infra/access.py, ADR 0008).
REQUEST_VIEW_SQL = (f"SELECT (SELECT position FROM {CHAIN_TABLE} ORDER BY position DESC "
                    f"LIMIT 1), ({EPOCH_SQL}), ({SHRED_EPOCH_SQL}), (SELECT generation FROM "
                    f"rm_meta WHERE state = 'active' AND projection_version = "
                    f"{int(PROJECTION_VERSION)})")


# Under a stream of writes the projector wakes for every append; the read side's batch runs on
# each wake (reads wait for it), the findings' step at most this often once caught up (each
# step reads their state and commits their rows: ~10 statements and a WAL sync; the findings
# are to be visible within 1 s of their write, issue 15).
FINDINGS_STEP_SECONDS = 0.2


@dataclass(frozen=True)
class RequestView:
    """The store as a request found it when it started."""

    head: int
    token_epoch: int
    shred_epoch: int = 0
    # The read side's active generation (of this code's projection version), None if none.
    generation: int | None = None

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
    _findings: FindingsReader | None = None
    # The findings projection's writer, made when this process first applies (as projector).
    _findings_projector: FindingsProjector | None = None
    # Events applied to the read side by this runtime (as the projector, or by `catch_up`).
    _applied: int = 0
    # When this process's findings step last reached the log head (monotonic; 0: never).
    _findings_stepped: float = 0.0
    # The shred epoch this process last saw (`request_view`); None before the first look.
    _shred_epoch: int | None = None
    # This process's projector thread, when it runs one (`start_projector`).
    projector: Projector | None = None
    # The position reads wait on, in memory (infra/projector.py).
    position: ReadPosition = field(init=False)
    # Writes the profile answers readers built (projections/profile_documents.py).
    documents: DocumentKeeper = field(init=False)

    # The runner's own log reader: its batch holds the read side's write lock while it reads
    # the log, and the shared reader's lock is held by `grow_tree` while it waits for the
    # store's write lock (SQLite: one lock for both), so sharing one reader deadlocks them.
    _runner_log: LogReader | None = None

    def __post_init__(self) -> None:
        self.position = ReadPosition(self.engine, self._active_position)
        self.documents = DocumentKeeper(self.engine)

    def _source(self) -> ReaderSource:
        if self._runner_log is None:
            self._runner_log = LogReader(self.settings)  # the schema exists: opened below
        return ReaderSource(self._runner_log)

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
    def findings(self) -> FindingsReader:
        """The stored findings every worker reads (ADR 0009): no fold, no judging here."""
        if self._findings is None:
            self._findings = FindingsReader(
                self.engine, self.log, head=self.position.head, wake=self._wake_projector,
                wait_seconds=self.settings.read_wait_seconds, behind=ReadSideBehind,
                shred_epoch_sql=SHRED_EPOCH_SQL)
        return self._findings

    def _wake_projector(self) -> None:
        if self.projector is not None:
            self.projector.wake()

    def _current_runner(self) -> Runner:
        """The runner of the active generation (rebuilding first when it is of another
        projection version). Kept once made: the projector calls this on every notification,
        and the runner's own batch finds out when its generation is retired (a rebuild
        elsewhere: `GenerationRetired`), so the generation is looked up only then."""
        if self._runner is not None:
            return self._runner
        with self.engine.connect() as conn:
            active = active_generation(conn)
        if active is None or active[1] != PROJECTION_VERSION:
            self.rebuild()
            with self.engine.connect() as conn:
                active = active_generation(conn)
        assert active is not None
        if self._runner is None or self._runner.tables.generation != active[0]:
            if self._runner is not None:
                self._applied += self._runner.applied
            self._runner = Runner(self.engine, read_tables(active[0]),
                                  self._source(), decoder(self.app.mapper))
        return self._runner

    def _drop_runner(self) -> None:
        if self._runner is not None:
            self._applied += self._runner.applied
        self._runner = None

    def _active_position(self) -> int | None:
        with one_statement(self.engine) as conn:
            active = active_generation(conn)
        return active[2] if active is not None and active[1] == PROJECTION_VERSION else None

    @property
    def applied_events(self) -> int:
        """How many events this runtime applied to the read side (0 for a worker that never
        led: the other workers' projector did the work)."""
        return self._applied + (self._runner.applied if self._runner is not None else 0)

    def _apply(self, *, settle: bool = False) -> int:
        """Apply every event recorded so far (rebuilding first when the projection version
        changed), then a step of the findings projection (all of it with `settle`): only for
        the holder of the projector lock. Returns the position reached."""
        try:
            position = self._current_runner().catch_up()
        except GenerationRetired:
            self._drop_runner()  # the active generation is another: its runner takes over
            position = self._current_runner().catch_up()
        self.position.advance(position)
        if self._findings_projector is None:
            self._findings_projector = FindingsProjector(
                self.engine, self._source().log, decoder(self.app.mapper),
                lambda: self.app.window().today, generation=_generation,
                shred_epoch_sql=SHRED_EPOCH_SQL)
        now = time.monotonic()
        if not settle and now - self._findings_stepped < FINDINGS_STEP_SECONDS:
            return position  # caught up a moment ago: the next look after the pause steps
        try:
            done = self._findings_projector.step()
            while settle and not done:
                done = self._findings_projector.step()
            # Only a step that reached the head starts the pause: a fold in chunks goes on.
            self._findings_stepped = now if done else 0.0
            if not done:
                self._wake_projector()  # more to fold: after the runner's next look
        except Exception:
            # The read side goes on; the findings start afresh at the next step (their
            # readers wait meanwhile, then answer read_side_behind).
            log.warning("the findings projection failed; it starts afresh", exc_info=True)
            self._findings_projector = None
        return position

    def start_projector(self) -> Projector:
        """Run this process's projector thread: it leads when no other holds the lock, and
        takes over when the leader stops (`hoso serve` embedded, `hoso project`)."""
        if self.projector is None:
            s = self.settings
            self.projector = Projector(ProjectorLock(self.engine, s), self._apply,
                                       poll=s.projector_poll_seconds,
                                       takeover=s.projector_takeover_seconds)
        self.projector.start()
        return self.projector

    def written(self, position: int) -> None:
        """After a commit: wake this process's projector. Never raises: the write is in the log
        whatever happens next, and its answer must say so (issue 15)."""
        try:
            if self.projector is not None:
                self.projector.wake()
        except Exception:
            log.warning("waking the projector after position %s failed", position,
                        exc_info=True)

    def request_view(self) -> RequestView:
        """The log head, the token epoch and the shred epoch, in one query (the only one a
        request with a kept token makes before its own reads). A shred epoch that moved since
        this process last looked means a key was destroyed somewhere: forget the kept keys
        (they may open the erased data) before answering; the projector starts the findings
        afresh on its own (ADR 0009)."""
        row = self.read_model.kept.first(REQUEST_VIEW_SQL)
        view = (RequestView(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0),
                            None if row[3] is None else int(row[3]))
                if row else RequestView(0, 0, 0))
        seen = self._shred_epoch
        if seen != view.shred_epoch:
            self._shred_epoch = view.shred_epoch
            if seen is not None:
                log.info("a personal-data key was destroyed elsewhere: forgetting kept keys")
                open_key_store(self.settings).forget_cache()
        return view

    def read_side_current(self, seconds: float | None = None, *,
                          head: int | None = None) -> int:
        """For a request: wait (bounded; ReadSideBehind after) until the read side reached the
        log head as of now (or `head`, the request's view of it). Never applies an event and
        never rebuilds. One indexed query for the head unless given; the read side's position
        comes from memory unless it looks behind."""
        wait = self.settings.read_wait_seconds if seconds is None else seconds
        return self.position.wait(self.request_view().head if head is None else head, wait)

    def catch_up(self, timeout: float | None = None) -> int:
        """Bring the read side to the log head, outside requests (the CLI, start-up, tests): as
        the projector when none leads (under its lock), else by waiting for the leader.
        Returns the position the read side reflects."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            own = self.projector
            if own is not None and own.leading:
                own.wake()
            else:
                lock = ProjectorLock(self.engine, self.settings)
                if lock.try_acquire():
                    try:
                        return self._apply(settle=True)
                    finally:
                        lock.release()
            try:
                return self.position.wait(self.position.head(), 1.0)
            except ReadSideBehind:
                if deadline is not None and time.monotonic() > deadline:
                    raise

    def rebuild(self, progress: Progress | None = None, *, workers: int | None = None) -> int:
        """Build fresh tables from the whole log and switch to them; returns events applied
        (`workers`: processes of the bulk load, None: `projections.runner.rebuild` decides)."""
        with self._lock:
            _, position = rebuild(self.engine, self._source(), decoder(self.app.mapper),
                                  progress=progress, workers=workers,
                                  open_worker=partial(open_rebuild_worker, self.settings))
            self._drop_runner()
            self._applied += position
            self.position.advance(position)
            return position

    def close(self) -> None:
        self.documents.close()
        self.read_model.kept.close()
        if self.projector is not None:
            self.projector.stop()
        if self._runner_log is not None:
            self._runner_log.close()
        self.log.close()
        self.engine.dispose()
        self.app.close()


def _generation(conn: Connection) -> int:
    """The active read-side generation (0 before any): the findings start afresh with it."""
    active = active_generation(conn)
    return active[0] if active is not None else 0


def open_rebuild_worker(settings: Settings) -> tuple[ReaderSource, Decode, Engine]:
    """What a rebuild's worker process reads and writes with (`projections.bulk`). The parent
    made the schema under the schema lock; workers starting together that ran its DDL again
    would race in CREATE (PostgreSQL: "tuple concurrently updated"), so they make none."""
    env = {**application_env(settings), "CREATE_TABLE": "false"}
    app = HosoApplication(env=env, clock=clock_from(settings))
    return ReaderSource(LogReader(settings)), decoder(app.mapper), engine_for(settings)


def ensure_side_tables(engine: Engine) -> None:
    """Tables that are created on first use elsewhere (checkpoints, import runs), made here at
    start-up under the schema lock: created lazily by two workers at once, PostgreSQL fails one."""
    checkpoint_metadata.create_all(engine, checkfirst=True)
    runs_metadata.create_all(engine, checkfirst=True)
    ensure_epochs(engine)  # read with the log head by every request (Runtime.request_view)
    ensure_tables(engine)  # the findings projection (ADR 0009)


def open_runtime(settings: Settings, *, clock: Clock | None = None,
                 app: HosoApplication | None = None, settle: bool = True) -> Runtime:
    """Open the store (creating it if needed) and, with `settle`, bring the read side up to the
    log (`Runtime.catch_up`: as the projector if none leads, else waiting for it); a server's
    worker does not settle, its requests wait for the projector instead. The clock is the
    application's when one is given, else `clock`, else the settings' (`clock_from`).

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
        if settle:
            runtime.catch_up()
    return runtime
