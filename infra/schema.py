"""One process at a time creates or changes the schema (start-up of N workers on one store).

PostgreSQL refuses concurrent `CREATE TYPE` / `CREATE TABLE IF NOT EXISTS` of the same name
("duplicate key … pg_type_typname_nsp_index", "tuple concurrently updated"): every worker of
`hoso serve --workers N` creates the log, the key store, the access tables and the read side on
first start. They take turns under a session-level advisory lock; on SQLite, under an exclusive
lock on a file beside the database (SQLite would serialise the DDL itself, but the read side's
first rebuild is also done once, under this lock, rather than by every worker in turn).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

# Advisory lock keys (one bigint namespace per database): the schema, and the projector leader.
SCHEMA_LOCK_KEY = 0x686F_736F_0001
PROJECTOR_LOCK_KEY = 0x686F_736F_0002


def sqlite_lock_path(engine: Engine, what: str) -> Path:
    database = engine.url.database
    assert database, "an SQLite engine names its file"
    return Path(f"{Path(database).resolve()}.{what}.lock")


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold the store's schema lock (waiting for it) for the duration of the block."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                # A dropped connection has released the lock already.
                with suppress(DBAPIError):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK_KEY})
                    conn.commit()
        return
    path = sqlite_lock_path(engine, "schema")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
