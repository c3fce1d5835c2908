"""One projector: the only runner that applies the log to the read side (ADR 0007).

Whoever applies events holds the store's projector lock: a session-level advisory lock on
PostgreSQL (`PROJECTOR_LOCK_KEY`), an exclusive `flock` on a file beside the SQLite database.
The lock only decides who works; the runner's compare-and-set on the tracking position still
keeps two runners from applying a batch twice, so a leader that lost its lock without noticing
does no harm.

Requests never apply: they wait (bounded) until the read side reached the log head as of the
moment they started, and the position they wait on is kept in memory (`ReadPosition`), moved by
this process's projector after each batch and re-read from `rm_meta` only when it looks behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import IO, Any

import psycopg
from sqlalchemy import Engine, text

from domain.errors import DomainError
from infra.chain import CHAIN_TABLE, EVENTS_TABLE
from infra.database import one_statement
from infra.schema import PROJECTOR_LOCK_KEY, sqlite_lock_path
from infra.settings import Settings

log = logging.getLogger("hoso.projector")


class ReadSideBehind(DomainError):
    """The read side did not reach the log head within the bounded wait (503, Retry-After)."""

    code = "read_side_behind"

    def __init__(self, head: int, position: int, waited: float) -> None:
        super().__init__(
            f"Bảng đọc chưa cập nhật tới vị trí {head} của sổ ghi sau {waited:g} giây (đang ở "
            f"{position}); hãy thử lại (the read side has not reached log position {head} "
            f"within {waited:g} s, it is at {position}; the projector may be stopped or "
            "rebuilding; retry)")
        self.head, self.position = head, position
        self.retry_after = max(1, math.ceil(waited))


# --- the lock -------------------------------------------------------------------------------


class ProjectorLock:
    """The store's projector lock, taken without waiting. On PostgreSQL its connection also
    listens to the log's channel (the recorder NOTIFYs on every append), so a leader wakes on
    each write instead of polling."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._pg: psycopg.Connection[Any] | None = None
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        if self._pg is not None:
            return not (self._pg.closed or self._pg.broken)
        return self._file is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if self.settings.is_postgres:
            conn = psycopg.connect(self.settings.database_url.replace(
                "postgresql+psycopg://", "postgresql://", 1), autocommit=True)
            got = conn.execute("SELECT pg_try_advisory_lock(%s)",
                               (PROJECTOR_LOCK_KEY,)).fetchone()
            if not got or not got[0]:
                conn.close()
                return False
            conn.execute(f"LISTEN {EVENTS_TABLE}")
            self._pg = conn
            return True
        path = sqlite_lock_path(self.engine, "projector")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - held open as long as the lead
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def wait_for_log(self, seconds: float, wake: threading.Event) -> None:
        """Until something is appended (PostgreSQL: a notification), `wake` is set, or
        `seconds` passed. A broken connection raises: the lock went with it."""
        if self._pg is not None:
            if wake.is_set():
                wake.clear()
                return
            for _ in self._pg.notifies(timeout=seconds, stop_after=1):
                pass
            # The notifications queued meanwhile are for the events the next batch reads.
            for _ in self._pg.notifies(timeout=0.0):
                pass
            return
        wake.wait(seconds)
        wake.clear()

    def release(self) -> None:
        if self._pg is not None:
            with contextlib.suppress(psycopg.Error):
                # Closing the session releases the advisory lock (and the LISTEN) with it.
                self._pg.close()
            self._pg = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- the position readers wait on ----------------------------------------------------------


class ReadPosition:
    """The log position the read side reflects, as far as this process knows. Only grows: a
    rebuild switches to a generation at least as far along as the one it replaces."""

    def __init__(self, engine: Engine, applied: Callable[[], int | None]) -> None:
        # `applied`: the active generation's position, None while it is of another projection
        # version (its tables are not the ones this code queries) or missing.
        self.engine, self._applied = engine, applied
        # -1 until a generation of this code's version is known to be active: an empty log
        # (head 0) is "reached" only once there are tables to read.
        self.known = -1
        self._changed = threading.Condition()

    def advance(self, position: int) -> None:
        with self._changed:
            if position > self.known:
                self.known = position
                self._changed.notify_all()

    def refresh(self) -> int:
        """Read it from the store (when this process's projector is not the one moving it)."""
        applied = self._applied()
        if applied is not None:
            self.advance(applied)
        return self.known

    def head(self) -> int:
        """The log head now: the last chain row (written in the append's transaction)."""
        with one_statement(self.engine) as conn:
            found = conn.execute(text(f"SELECT position FROM {CHAIN_TABLE} "
                                      "ORDER BY position DESC LIMIT 1")).scalar()
        return int(found or 0)

    def wait(self, target: int, seconds: float, *, poll: float = 0.02) -> int:
        """Until the read side reached `target`; ReadSideBehind after `seconds`."""
        if self.known >= target or self.refresh() >= target:
            return self.known
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ReadSideBehind(target, max(self.known, 0), seconds)
            with self._changed:
                # Woken at once by this process's projector; another process's is polled.
                self._changed.wait_for(lambda: self.known >= target, min(poll, left))
            if self.known >= target or self.refresh() >= target:
                return self.known


# --- the projector ------------------------------------------------------------------------


# A batch that follows another at once (writes are streaming in) starts at least this long
# after the one before began: one batch per ~20 ms instead of one per notification. A read
# after a write waits for the batch holding it; a lone write is applied at once.
GATHER_SECONDS = 0.02


class Projector:
    """A thread that tries to become the store's projector and, while it is, applies the log
    as it grows. Several may run (one per worker, or `hoso project`); one leads, the others
    try again every `takeover` seconds and take over when the leader's lock goes with it."""

    def __init__(self, lock: ProjectorLock, apply: Callable[[], int], *, poll: float,
                 takeover: float, name: str = "projector",
                 gather: float = GATHER_SECONDS) -> None:
        self.lock, self.apply, self.poll, self.takeover = lock, apply, poll, takeover
        self.gather = gather
        self.name = name
        self.leading = False
        self.last_error: BaseException | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Something was appended here: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.lock.try_acquire():
                    self._stop.wait(self.takeover)
                    continue
                self.leading = True
                log.info("%s leads the read side", self.name)
                reached = -1
                while not self._stop.is_set() and self.lock.held:
                    started = time.monotonic()
                    position = self.apply()
                    self.last_error = None
                    if position > reached >= 0 and self.gather > 0:
                        # Writes are coming: let a few more land before the next batch, so
                        # its fixed costs (its reads, its commit) are shared by more events.
                        self._stop.wait(max(0.0, self.gather - (time.monotonic() - started)))
                    reached = position
                    self.lock.wait_for_log(self.poll, self._wake)
            except Exception as error:  # the store restarting, a disk full: step down, retry
                self.last_error = error
                log.warning("%s: applying the log failed", self.name, exc_info=True)
                self._stop.wait(min(1.0, self.takeover))
            finally:
                if self.leading:
                    self.leading = False
                    self.lock.release()
        self.lock.release()
