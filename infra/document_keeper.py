"""Writes kept profile answers (projections/profile_documents.py) in the background.

A reader that built a profile hands its answer here and goes on: it never waits for the write,
and a write that fails (the store busy, a connection dropped) only costs a later reader the
work this one did. What waits here is a write buffer, emptied within milliseconds, never read
from: the kept answers are served from the database, shared by every worker.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from projections import profile_documents

log = logging.getLogger("hoso.documents")

# Beyond this many unwritten answers new ones are dropped: a reader is never slowed down by a
# store that cannot keep up (those readers simply build their answers again).
MAX_PENDING = 1000


class DocumentKeeper:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: dict[tuple[Any, Any], dict[str, Any]] = {}
        self._ready = threading.Condition()
        self._writing = False
        self._writer: threading.Thread | None = None
        self._closed = False

    def keep_later(self, document: dict[str, Any]) -> None:
        """Queue `document` (cadre_id, as_of, generation, built_at, body) for writing."""
        with self._ready:
            if self._closed or len(self._pending) >= MAX_PENDING:
                return
            # A later answer for the same cadre and date replaces an unwritten earlier one.
            self._pending[(document["cadre_id"], document["as_of"])] = document
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._run, name="document-keeper",
                                                daemon=True)
                self._writer.start()
            self._ready.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued answer is written (or dropped); False on timeout."""
        with self._ready:
            return self._ready.wait_for(lambda: not self._pending and not self._writing,
                                        timeout)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._pending.clear()
            self._ready.notify_all()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    if self._closed or not self._ready.wait(timeout=30):
                        self._writer = None  # idle: the next answer starts a new writer
                        return
                batch = list(self._pending.values())
                self._pending.clear()
                self._writing = True
            try:
                with self.engine.begin() as conn:
                    profile_documents.keep(conn, batch)
            except Exception:  # a cache write: the answers were given already
                log.warning("kept profile answers not written", exc_info=True)
            finally:
                with self._ready:
                    self._writing = False
                    self._ready.notify_all()
