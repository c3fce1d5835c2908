"""Wiring of eventsourcing to our stores: factories, environment, databases (ADR 0001)."""

from __future__ import annotations

import contextlib
import select
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import psycopg_pool
from eventsourcing.persistence import ApplicationRecorder, Mapper, Transcoder
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import get_topic, resolve_topic
from psycopg import sql
from psycopg.conninfo import make_conninfo

from infra.chain import (
    EVENTS_TABLE,
    ChainedPostgresApplicationRecorder,
    ChainedSQLiteApplicationRecorder,
    LogReader,
)
from infra.personal_data import PersonalDataMapper, PersonalKeyStore, shared_key_store
from infra.settings import Settings
from infra.transcoder import OrjsonTranscoder

SQLITE_LOCK_TIMEOUT_SECONDS = 30


def socket_says_closed(conn: psycopg.Connection[Any]) -> bool:
    """Whether an idle pooled connection is known dead without a round trip: a terminated
    backend (pg_terminate_backend, a restart, a failover) sends its FATAL notice and closes the
    socket, so the socket of an idle connection turns readable; a live idle one has nothing to
    say. Costs one poll() instead of the pre-ping's round trip on every checkout (issue 15)."""
    if conn.closed or conn.broken:
        return True
    try:
        fd = conn.pgconn.socket
    except psycopg.OperationalError:
        return True
    poller = select.poll()  # not select(): it refuses descriptors past 1023
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def check_live(conn: psycopg.Connection[Any]) -> None:
    """psycopg-pool's `check` for the log's pool: a connection whose socket says something
    happened gets the library's own check (an empty query; a dead one raises and the pool
    replaces it), any other is lent as it is."""
    if socket_says_closed(conn):
        if conn.closed or conn.broken:
            raise psycopg.OperationalError("the connection was closed")
        psycopg_pool.ConnectionPool.check_connection(conn)


class _HosoFactoryMixin:
    """Defaults shared by both factories: our transcoder, and the key store for the mapper."""

    env: Any

    def _key_store_location(self) -> str:
        raise NotImplementedError

    def transcoder(self) -> Transcoder:
        topic = self.env.get("TRANSCODER_TOPIC")
        cls: type[Transcoder] = resolve_topic(topic) if topic else OrjsonTranscoder
        return cls()

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        # eventsourcing constructs mappers with (transcoder, cipher, compressor) only; ours
        # also needs the key store, so the factory builds it.
        if mapper_class is None:
            topic = self.env.get("MAPPER_TOPIC")
            mapper_class = resolve_topic(topic) if topic else PersonalDataMapper
        assert mapper_class is not None
        kwargs: dict[str, Any] = {
            "transcoder": transcoder or self.transcoder(),
            "cipher": self.cipher(),  # type: ignore[attr-defined]
            "compressor": self.compressor(),  # type: ignore[attr-defined]
        }
        if isinstance(mapper_class, type) and issubclass(mapper_class, PersonalDataMapper):
            kwargs["key_store"] = shared_key_store(self._key_store_location())
        return mapper_class(**kwargs)


class HosoSQLiteFactory(_HosoFactoryMixin, SQLiteFactory):
    application_recorder_class = ChainedSQLiteApplicationRecorder

    def _key_store_location(self) -> str:
        return str(Path(self.env.get(self.SQLITE_DBNAME) or "").resolve())


class HosoPostgresFactory(_HosoFactoryMixin, PostgresFactory):
    application_recorder_class = ChainedPostgresApplicationRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # The library's pre-ping (POSTGRES_PRE_PING) is a round trip on every checkout; this
        # check asks the socket first. The pool is not open yet: set before its first use.
        pool = self.datastore.pool
        assert hasattr(pool, "_check"), "psycopg-pool no longer keeps its check as _check"
        pool._check = check_live
        # No JIT on the log's sessions. The chain's link statement (`infra.chain`) is planned
        # for the whole table's worth of new events (its bound is a subquery), so its cost
        # passes jit_above_cost on a large log and every write compiled it: 17-42 ms at 116k
        # events, under the log's EXCLUSIVE lock. The log's statements read a row or a
        # batch by index; none gains from JIT.
        assert isinstance(pool.kwargs, dict), "the pool's connection arguments moved"
        pool.kwargs = {**pool.kwargs, "options": "-c jit=off"}

    def application_recorder(self) -> ApplicationRecorder:
        # The library names the table after the application ("<name>_events"); we keep one
        # log named like on SQLite so the chain and the LogReader find it.
        recorder = ChainedPostgresApplicationRecorder(
            datastore=self.datastore, events_table_name=EVENTS_TABLE
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder

    def _key_store_location(self) -> str:
        return make_conninfo(
            dbname=self.env.get(self.POSTGRES_DBNAME),
            host=self.env.get(self.POSTGRES_HOST),
            port=self.env.get(self.POSTGRES_PORT) or "5432",
            user=self.env.get(self.POSTGRES_USER),
            password=self.env.get(self.POSTGRES_PASSWORD) or "",
        )


def postgres_parts(url: str) -> dict[str, str]:
    """dbname/host/port/user/password of a ``postgresql://user:pw@host:port/dbname`` URL."""
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise ValueError(f"no database name in {url!r}")
    return {
        "dbname": dbname,
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
    }


def _conninfo(url: str, dbname: str | None = None) -> str:
    parts = postgres_parts(url)
    if dbname is not None:
        parts["dbname"] = dbname
    return make_conninfo(**parts)


def application_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing environment for ``Application(env=...)``."""
    env: dict[str, str] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PersonalDataMapper),
        "ORIGINATOR_ID_TYPE": "uuid",
        "CREATE_TABLE": "true",
    }
    if settings.is_postgres:
        p = postgres_parts(settings.database_url)
        env.update(
            PERSISTENCE_MODULE=get_topic(HosoPostgresFactory),
            POSTGRES_DBNAME=p["dbname"],
            POSTGRES_HOST=p["host"],
            POSTGRES_PORT=p["port"],
            POSTGRES_USER=p["user"],
            POSTGRES_PASSWORD=p["password"],
            # The library opens POOL_SIZE connections at once and grows to POOL_SIZE +
            # MAX_OVERFLOW on demand: every process opens the recorder (a projector only to
            # read, a worker mostly for a few concurrent writes), so keep few open and let
            # the busy ones grow (a server of two workers and a projector held 34 connections
            # with 5 open each; PostgreSQL's default limit is 100).
            POSTGRES_POOL_SIZE="2",
            POSTGRES_MAX_OVERFLOW="8",
            POSTGRES_CONNECT_TIMEOUT="10",
            POSTGRES_LOCK_TIMEOUT="30",
            # No pre-ping (a round trip on every checkout): a pooled connection is checked by
            # its socket before it is lent (`check_live`, HosoPostgresFactory), and a statement
            # on one the server closed meanwhile fails into the library's retry, which runs it
            # again on a new connection (every recorder method retries; an insert cut off
            # before its commit committed nothing and is sent again).
        )
    else:
        env.update(
            PERSISTENCE_MODULE=get_topic(HosoSQLiteFactory),
            # The library switches file databases to WAL on first connection.
            SQLITE_DBNAME=str(settings.sqlite_path.resolve()),
            SQLITE_LOCK_TIMEOUT=str(SQLITE_LOCK_TIMEOUT_SECONDS),
        )
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


def ensure_schema(settings: Settings) -> None:
    """Create the log tables (events + chain) if missing, without starting an application."""
    env = application_env(settings)
    factory_cls = HosoPostgresFactory if settings.is_postgres else HosoSQLiteFactory
    factory = factory_cls(env)
    try:
        factory.application_recorder()
    finally:
        factory.close()


def open_log_reader(settings: Settings) -> LogReader:
    ensure_schema(settings)
    return LogReader(settings)


def open_key_store(settings: Settings) -> PersonalKeyStore:
    """The same process-wide store the application's mapper uses for this database."""
    if settings.is_postgres:
        return shared_key_store(_conninfo(settings.database_url))
    return shared_key_store(str(settings.sqlite_path.resolve()))


def _admin_conninfo(url: str) -> str:
    # CREATE/DROP DATABASE must run from another database on the same server.
    return _conninfo(url, dbname="postgres")


def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database named by ``url``; True if it was created."""
    if not url.startswith(("postgresql", "postgres:")):
        Settings(database_url=url).sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return False
    name = postgres_parts(url)["dbname"]
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
        return False


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database (closing its sessions), or delete the SQLite files."""
    if not url.startswith(("postgresql", "postgres:")):
        path = Settings(database_url=url).sqlite_path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = postgres_parts(url)["dbname"]
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
