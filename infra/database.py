"""SQLAlchemy engine for the read models, in the same database as the event log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import eventsourcing.persistence as es_persistence
import orjson
import psycopg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import URL

from infra.persistence import postgres_parts
from infra.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000

# What a lost or refused store connection raises, through each of our access paths: SQLAlchemy
# (read side, tokens), eventsourcing's recorders (the log), psycopg (key store, log reader).
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sqlalchemy_exc.OperationalError,
    sqlalchemy_exc.InterfaceError,
    es_persistence.OperationalError,
    es_persistence.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for one statement that is atomic alone (a read; an insert, update or
    delete of its own): in autocommit on PostgreSQL, so it costs its one round trip (psycopg
    sends no BEGIN before it, no COMMIT or ROLLBACK after). On SQLite a transaction as usual,
    committed at the end (no network there)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def engine_for(settings: Settings, *, durable: bool = False) -> Engine:
    """The read side's engine; `durable` for records that cannot be re-derived from the log
    (tokens, the read audit, import runs): on SQLite every commit is synced."""
    if settings.is_postgres:
        p = postgres_parts(settings.database_url)
        url = URL.create(
            "postgresql+psycopg",
            username=p["user"],
            password=p["password"] or None,
            host=p["host"],
            port=int(p["port"]),
            database=p["dbname"],
        )
        # Modest pool: the event store keeps its own pool on the same server. The pre-ping
        # stays here (unlike the log's pool, infra/persistence.py): a statement on a connection
        # the server has just closed would fail its request, and these reads (the request
        # view, tokens, the read side) are not retried; the log's recorder retries its own.
        return create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True,
                             json_deserializer=orjson.loads)

    engine = create_engine(
        URL.create("sqlite+pysqlite", database=str(settings.sqlite_path.resolve())),
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # JSON columns (payloads, decisions) are read on every profile: orjson decodes them in
        # a fraction of the stdlib's time, to the same values.
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets projections read while the log is appended; writers wait, not fail.
        cur.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps the database consistent and syncs at checkpoints: a power
        # cut may lose the last read-side commits, which the runner re-derives from the log.
        cur.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=OFF")
        # Deleted and overwritten content is zeroed, not left in free pages (erasure).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    return engine
