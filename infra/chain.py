"""Tamper-evident integrity chain over the event log, and a reader for the log (ADR 0002).

Every stored event gets a row in ``log_chain`` written in the same transaction:
``hash = sha256(prev_hash || header || originator_id || topic || state || recorded_at)`` where
the fixed-width header holds position, version and the lengths of the variable parts, so the
encoding is unambiguous. ``recorded_at`` is the authoritative time the log recorded the event.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteTransaction,
)
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from domain.calendar import Clock
from infra.chain_walk import CHAIN_TABLE, EVENTS_TABLE, GENESIS, HEADER, VerifyResult, walk
from infra.clock import SystemClock
from infra.log_tree import LOG_TREE, Many, Rows, TreeReader, TreeTables, catch_up, tree_head

if TYPE_CHECKING:
    from infra.settings import Settings



def link_hash(
    prev_hash: bytes,
    position: int,
    originator_id: bytes,
    originator_version: int,
    topic: bytes,
    state: bytes,
    recorded_at: bytes,
) -> bytes:
    header = HEADER.pack(
        position, originator_version, len(originator_id), len(topic), len(state), len(recorded_at)
    )
    return sha256(b"".join((prev_hash, header, originator_id, topic, state, recorded_at))).digest()


def iso_utc(instant: datetime) -> str:
    """Fixed-width ISO form used in hashes and (on SQLite) stored and compared as text."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an aware instant is required")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def _id_bytes(originator_id: UUID | str) -> bytes:
    return originator_id.bytes if isinstance(originator_id, UUID) else UUID(originator_id).bytes


def _chain_links(
    now: datetime,
    prev_hash: bytes,
    prev_recorded_at: datetime | None,
    positions: Sequence[int],
    stored_events: Sequence[StoredEvent],
) -> list[tuple[int, datetime, bytes]]:
    # Never go back in time along positions, even if this host's clock is behind.
    recorded_at = now if prev_recorded_at is None or now > prev_recorded_at else prev_recorded_at
    ts = iso_utc(recorded_at).encode()
    links = []
    for position, s in zip(positions, stored_events, strict=True):
        prev_hash = link_hash(
            prev_hash,
            position,
            _id_bytes(s.originator_id),
            s.originator_version,
            s.topic.encode(),
            s.state,
            ts,
        )
        links.append((position, recorded_at, prev_hash))
    return links


# --- recorders -------------------------------------------------------------------------------

# `iso_utc`'s text of an instant, spelled by PostgreSQL (to_char of the instant in UTC).
_PG_ISO = "YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\""


class _ImmediateTransaction(SQLiteTransaction):
    # The library opens a deferred "BEGIN"; take the write lock up front so the chain head
    # we read cannot be changed by another process before we commit.
    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        return cursor


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    # recorded_at comes from the application's clock (HosoApplication hands it over), so that
    # `known_at` and the chain agree with every other "now" of the process.
    clock: Clock = SystemClock()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "position INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, hash BLOB NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {CHAIN_TABLE}_recorded_at ON {CHAIN_TABLE} (recorded_at)",
            *LOG_TREE.sqlite_ddl(),
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.datastore.get_connection(commit=True) as conn:
            with self._immediate(conn) as curs:
                return self._insert_events(curs, stored_events, **kwargs)

    @staticmethod
    @contextmanager
    def _immediate(conn: SQLiteConnection) -> Iterator[SQLiteCursor]:
        with _ImmediateTransaction(conn, commit=True) as curs, curs:
            yield curs

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if not positions:
            return positions
        c.execute(f"SELECT recorded_at, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        prev_hash, prev_at = (
            (GENESIS, None) if row is None else (bytes(row[1]), datetime.fromisoformat(row[0]))
        )
        links = _chain_links(self.clock.now(), prev_hash, prev_at, positions, stored_events)
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} (position, recorded_at, hash) VALUES (?, ?, ?)",
            [(p, iso_utc(at), h) for p, at, h in links],
        )
        return positions


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    clock: Clock = SystemClock()

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE):
        # The database functions path bypasses the hooks that write the chain.
        if datastore.enable_db_functions:
            raise ValueError("the integrity chain does not support POSTGRES_ENABLE_DB_FUNCTIONS")
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        chain = Identifier(CHAIN_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "position bigint PRIMARY KEY, recorded_at timestamptz NOT NULL, "
                "hash bytea NOT NULL)"
            ).format(schema=schema, chain=chain)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{chain} (recorded_at)"
            ).format(index=Identifier(f"{CHAIN_TABLE}_recorded_at"), schema=schema, chain=chain)
        )
        self.sql_create_statements.extend(
            SQL(ddl).format() for ddl in LOG_TREE.postgres_ddl(self.datastore.schema))
        # The batch's links, made by the server in the insert's own transaction: under the
        # EXCLUSIVE lock the events after the chain's head are exactly this batch's, so the
        # statement needs nothing back from this process (`insert_events`). The same hash as
        # `link_hash` (and as the server-side check in `verify`): the recorded_at text is
        # `iso_utc`'s, and never before the head's (the host's clock may be behind).
        self._insert_links = SQL(_INSERT_LINKS).format(
            schema=schema, chain=chain, events=Identifier(self.events_table_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert (lock, notify, insert) and the chain's links in one explicit
        transaction, sent as one pipeline with its BEGIN and COMMIT and synced once: the table
        lock is held while the server runs the statements and syncs the commit, never across a
        round trip to this process (issue 15: concurrent writes queue on this lock). psycopg's
        `transaction()` would sync before its COMMIT, a second round trip under the lock. A
        failed statement (a version conflict) skips the rest up to the sync, COMMIT included;
        the block it leaves open is rolled back. The library's retry on a lost connection is
        kept."""
        if not stored_events:
            return super().insert_events(stored_events, **kwargs)
        with self.datastore.get_connection() as conn:
            assert conn.autocommit  # the pool's connections: BEGIN and COMMIT are ours
            # Everything the statements carry is made before the first is sent: psycopg sends
            # each as it is executed, and the lock is taken as soon as its statement arrives.
            events = [self.construct_pg_stored_event(e.originator_id, e.originator_version,
                                                     e.topic, e.state) for e in stored_events]
            links = {"now": self.clock.now(), "genesis": GENESIS}
            inserted = conn.cursor()
            try:
                with conn.pipeline():
                    with conn.cursor() as curs:
                        curs.execute(_BEGIN)
                        self._insert_events(curs, stored_events, **kwargs)
                        # The library's `_insert_stored_events`, its parameters made above.
                        self._lock_table(curs)
                        self._notify_channel(curs)
                    inserted.execute(self.insert_events_statement, (events,))
                    with conn.cursor() as curs:
                        curs.execute(self._insert_links, links, prepare=True)
                        curs.execute(_COMMIT)
                positions = [row["notification_id"] for row in inserted.fetchall()]
            except BaseException:
                if not conn.closed:
                    with contextlib.suppress(psycopg.Error):
                        conn.rollback()
                raise
            finally:
                inserted.close()
        if len(positions) != len(stored_events):
            raise ProgrammingError(f"got {len(positions)} notification ids for "
                                   f"{len(stored_events)} events")
        return positions


_BEGIN, _COMMIT = SQL("BEGIN"), SQL("COMMIT")
_INSERT_LINKS = f"""
INSERT INTO {{schema}}.{{chain}} (position, recorded_at, hash)
WITH RECURSIVE head AS (
    SELECT position, hash, recorded_at FROM {{schema}}.{{chain}} ORDER BY position DESC LIMIT 1
), stamp AS (
    SELECT r, convert_to(to_char(r AT TIME ZONE 'UTC', '{_PG_ISO}'), 'UTF8') AS ts
    FROM (SELECT greatest(%(now)s::timestamptz, (SELECT recorded_at FROM head)) AS r) s
), batch AS (
    SELECT row_number() OVER (ORDER BY notification_id) AS i, notification_id,
           originator_id, originator_version, convert_to(topic, 'UTF8') AS topic, state
    FROM {{schema}}.{{events}}
    WHERE notification_id > coalesce((SELECT position FROM head), 0)
), link AS (
    SELECT 0::bigint AS i, NULL::bigint AS position,
           coalesce((SELECT hash FROM head), %(genesis)s::bytea) AS hash
    UNION ALL
    SELECT b.i, b.notification_id,
           pg_catalog.sha256(link.hash || int8send(b.notification_id)
               || int8send(b.originator_version::int8) || int4send(16)
               || int4send(octet_length(b.topic)) || int8send(octet_length(b.state)::int8)
               || int4send(octet_length(stamp.ts)) || uuid_send(b.originator_id) || b.topic
               || b.state || stamp.ts)
    FROM link JOIN batch b ON b.i = link.i + 1 CROSS JOIN stamp
)
SELECT position, (SELECT r FROM stamp), hash FROM link WHERE i > 0
"""


def sqlite_statements(c: Any) -> tuple[Rows, Many]:
    """`rows` and `many` (infra/log_tree.py) over an open SQLite cursor."""

    def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        c.execute(sql, params)
        return list(c.fetchall())

    def many(sql: str, seq: Sequence[Sequence[Any]]) -> None:
        c.executemany(sql, seq)

    return rows, many


def postgres_statements(curs: Any) -> tuple[Rows, Many]:
    """`rows` and `many` over an open psycopg cursor (tuple or dict rows)."""

    def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        curs.execute(sql.replace("?", "%s"), params)
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in curs.fetchall()]

    def many(sql: str, seq: Sequence[Sequence[Any]]) -> None:
        curs.executemany(sql.replace("?", "%s"), seq)

    return rows, many


# --- reading and verifying ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogRecord:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime




_BATCH = 20_000
_SERVER_RANGE = 200_000  # positions per server-side check (progress between them)
# One range of links, checked by the server: the header is `HEADER` (big-endian q q I I Q I)
# built with int8send/int4send; the previous hash is the stored hash of the chain row before
# (of the range's first row: the last row before the range, else the genesis hash). `bad`
# counts events without a chain row, chain rows without an event, hashes that differ, and
# recorded_at going backwards; any of them sends the caller to the walk for the diagnosis.
# The plan is one ordered pass (`_SERVER_PLAN`): both index scans in position order, the
# window over the chain's, a merge full join. Without statistics (a store just generated or
# restored; autovacuum may be off) the planner picked bitmap scans, a sort and a hash full join
# that spilled the range's events to disk: 4.3 µs of server CPU per event against 2.8 (1M).
# recorded_at is spelled per row (to_char, ~0.4 µs); "goes backwards" compares the instants,
# which orders as the walk's bytes do for the fixed-width text of years 1 to 9999: an instant
# outside them counts as bad, and the walk decides.
_SERVER_CHECK = f"""
WITH c AS (
    SELECT position, hash, recorded_at,
           convert_to(to_char(recorded_at AT TIME ZONE 'UTC', '{_PG_ISO}'), 'UTF8') AS ts,
           coalesce(lag(hash) OVER w, %(genesis)s::bytea) AS prev,
           lag(recorded_at) OVER w AS prev_at
    FROM {CHAIN_TABLE}
    WHERE position <= %(hi)s AND position >= coalesce(
        (SELECT max(position) FROM {CHAIN_TABLE} WHERE position < %(lo)s), %(lo)s)
    WINDOW w AS (ORDER BY position)
), e AS (
    SELECT notification_id, originator_id, originator_version,
           convert_to(topic, 'UTF8') AS topic, state
    FROM {EVENTS_TABLE} WHERE notification_id BETWEEN %(lo)s AND %(hi)s
)
SELECT count(*) FILTER (WHERE c.position IS NOT NULL AND e.notification_id IS NOT NULL),
       count(*) FILTER (WHERE c.position IS NULL OR e.notification_id IS NULL
           OR c.recorded_at < c.prev_at
           OR c.recorded_at < '0001-01-01 00:00:00+00'
           OR c.recorded_at >= '10000-01-01 00:00:00+00'
           OR pg_catalog.sha256(c.prev || int8send(c.position)
               || int8send(e.originator_version::int8) || int4send(16)
               || int4send(octet_length(e.topic)) || int8send(octet_length(e.state)::int8)
               || int4send(octet_length(c.ts)) || uuid_send(e.originator_id) || e.topic
               || e.state || c.ts) <> c.hash)
FROM (SELECT * FROM c WHERE position >= %(lo)s) c
FULL JOIN e ON e.notification_id = c.position
"""
# For the check's transaction only: a full join is then a merge join (a nested loop cannot
# do one), fed by the index scans with no sort; JIT compiled the expression for nothing
# (3.2 against 2.9 µs per event).
_SERVER_PLAN = ("SET LOCAL enable_hashjoin = off; SET LOCAL enable_sort = off; "
                "SET LOCAL enable_bitmapscan = off; SET LOCAL jit = off")


def select_after_sql(position: str) -> str:
    """The log's records after a position, with their recorded_at (`?` placeholders: the
    position twice, then the limit). The bound is said of both tables: PostgreSQL's generic
    plan for this prepared statement is a merge join, and without a bound of its own the
    chain's side scanned its index from position 1 on every call (133 ms at 1M events against
    0.04 ms bounded; the projector reads this way on every batch)."""
    return (f"SELECT e.{position}, e.originator_id, e.originator_version, e.topic, e.state, "
            f"c.recorded_at FROM {EVENTS_TABLE} e JOIN {CHAIN_TABLE} c "
            f"ON c.position = e.{position} WHERE e.{position} > ? AND c.position > ? "
            f"ORDER BY e.{position} LIMIT ?")


class LogReader:
    """Reads the log with its own connection (SQLite via sqlite3, PostgreSQL via psycopg)."""

    def __init__(self, settings: Settings) -> None:
        self._is_postgres = settings.is_postgres
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[tuple[Any, ...]] | None = None
        self._sqlite_path = None if settings.is_postgres else str(settings.sqlite_path)
        self._pg_url = settings.database_url if settings.is_postgres else None
        if self._is_postgres:
            self._ph = "%s"
            self._pos = "notification_id"
        else:
            self._ph = "?"
            self._pos = "rowid"

    # -- connections

    def _conn(self) -> Any:
        if self._is_postgres:
            if self._pg is None or self._pg.closed or self._pg.broken:
                assert self._pg_url is not None
                # No JIT (as on the recorder's sessions, `infra.persistence`): the records
                # after a position are planned for a third of the table, whose cost passes
                # jit_above_cost on a large log, and the projector reads them every batch.
                self._pg = psycopg.connect(_libpq_url(self._pg_url), autocommit=True,
                                           options="-c jit=off")
                self._pg.execute("SET TIME ZONE 'UTC'")
            return self._pg
        if self._sqlite is None:
            assert self._sqlite_path is not None
            self._sqlite = sqlite3.connect(
                self._sqlite_path, isolation_level=None, check_same_thread=False, timeout=30
            )
        return self._sqlite

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        statement = sql.replace("?", self._ph)
        with self._lock:
            try:
                return list(self._conn().execute(statement, params).fetchall())
            except (psycopg.OperationalError, psycopg.InterfaceError):
                if not self._is_postgres:
                    raise
                # The server dropped the connection: reads are safe to run again on a new one.
                with contextlib.suppress(Exception):
                    if self._pg is not None:
                        self._pg.close()
                self._pg = None
                return list(self._conn().execute(statement, params).fetchall())

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One read statement ("?" placeholders) on the reader's connection."""
        return self._query(sql, params)

    def tree(self, tables: TreeTables = LOG_TREE) -> TreeReader:
        return TreeReader(self.rows, tables)

    def grow_tree(self) -> int:
        """Take into the Merkle tree every chain row it lacks, under the chain's write lock;
        returns the tree's size. The tree trails the chain (ADR 0006): the server's follower
        grows it every second, and whoever signs or proves first grows it to the chain's head.
        Nothing to take in costs two indexed reads and no lock."""
        head = self.head()
        size, last = tree_head(self.rows, LOG_TREE)
        if head is None or head[0] == last:
            return size
        with self._lock:
            conn = self._conn()
            if self._is_postgres:
                with conn.transaction(), conn.cursor() as curs:
                    curs.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
                    return catch_up(*postgres_statements(curs), LOG_TREE)
            curs = conn.cursor()
            curs.execute("BEGIN IMMEDIATE")
            try:
                size = catch_up(*sqlite_statements(curs), LOG_TREE)
            except BaseException:
                curs.execute("ROLLBACK")
                raise
            curs.execute("COMMIT")
            return size

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            if self._pg is not None:
                self._pg.close()
                self._pg = None

    def __enter__(self) -> LogReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- conversions between the two backends

    def _uuid(self, value: Any) -> UUID:
        return value if isinstance(value, UUID) else UUID(value)

    def _at(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromisoformat(value)

    def _instant(self, instant: datetime) -> Any:
        text = iso_utc(instant)  # also refuses naive datetimes on both backends
        return instant if self._is_postgres else text

    # -- queries

    def select(self, after_position: int, limit: int) -> list[LogRecord]:
        rows = self._query(select_after_sql(self._pos), (after_position, after_position, limit))
        uuid_, at = self._uuid, self._at
        return [
            LogRecord(pos, uuid_(oid), ver, topic, bytes(state), at(rec))
            for pos, oid, ver, topic, state, rec in rows
        ]

    def head(self) -> tuple[int, bytes] | None:
        rows = self._query(
            f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
        )
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def position_at(self, instant: datetime) -> int:
        # Recorded time never decreases along the log: the newest row by recorded_at is the
        # last position recorded by then, found by walking the index backwards (no scan).
        rows = self._query(
            f"SELECT position FROM {CHAIN_TABLE} WHERE recorded_at <= ? "
            f"ORDER BY recorded_at DESC, position DESC LIMIT 1",
            (self._instant(instant),),
        )
        return rows[0][0] if rows else 0

    def recorded_at(self, position: int) -> datetime | None:
        rows = self._query(
            f"SELECT recorded_at FROM {CHAIN_TABLE} WHERE position = ?", (position,)
        )
        return self._at(rows[0][0]) if rows else None

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position of an aggregate's event (the events table's primary key)."""
        rows = self._query(
            f"SELECT {self._pos} FROM {EVENTS_TABLE} "
            f"WHERE originator_id = ? AND originator_version = ?",
            (originator_id if self._is_postgres else originator_id.hex, version),
        )
        return int(rows[0][0]) if rows else None

    def locate(self, position: int) -> tuple[UUID, int, str] | None:
        rows = self._query(
            f"SELECT originator_id, originator_version, topic FROM {EVENTS_TABLE} "
            f"WHERE {self._pos} = ?",
            (position,),
        )
        return (self._uuid(rows[0][0]), rows[0][1], rows[0][2]) if rows else None

    # -- verification

    def verify(self, progress: Callable[[int], None] | None = None, *,
               in_database: bool = True, workers: int | None = None) -> VerifyResult:
        """Recompute the whole chain in one consistent snapshot of the database.

        Events and chain rows are read as two ordered scans merged here (faster than a join,
        and it shows both an event without a chain row and a chain row without an event).

        On PostgreSQL (`in_database`, the default) the server first checks every link itself
        (`pg_catalog.sha256` of the previous row's stored hash and this row's bytes, range by
        range): when every link holds, the chain is intact by induction from the genesis hash
        and nothing is shipped to the client. When any link fails, the walk here runs and says
        which and why. `in_database=False` hashes every entry in this process (trusting only
        Python's hashlib; `hoso verify --file` does that offline).

        Both cores (`workers`, default: the machine's CPUs) share the work on a long log: the
        positions are cut into ranges, and each range is checked on its own (on PostgreSQL by
        the server, in one exported snapshot; on SQLite by a walk in a worker process) from the
        stored hash and recorded_at of the chain row before it. Every link holding with its
        predecessor's stored hash is the same induction as one walk, and the first range that
        fails is walked from the same state the whole walk would have there, so a failure is
        named exactly as the single walk names it (`_combine`).
        """
        workers = max(1, workers if workers is not None else _WORKERS)
        if self._is_postgres and in_database:
            with self._lock:
                checked = self._verify_on_server(progress, workers=workers)
            if checked is not None:
                return checked
        if not self._is_postgres and workers > 1:
            ranges = self._ranges(workers)
            if ranges is not None:
                assert self._sqlite_path is not None
                return _walk_ranges(self._sqlite_path, ranges, workers, progress)
        if self._is_postgres:
            # Let the database hand over bytes, so the loop only hashes.
            oid_expr = "uuid_send(originator_id)"
            topic_expr = "convert_to(topic, 'UTF8')"
            ts_expr = f"convert_to(to_char(recorded_at AT TIME ZONE 'UTC', '{_PG_ISO}'), 'UTF8')"
        else:
            oid_expr = "originator_id"
            topic_expr = "CAST(topic AS BLOB)"
            ts_expr = "CAST(recorded_at AS BLOB)"
        with self._lock, self._snapshot() as (events, chain):
            events.execute(
                f"SELECT {self._pos}, {oid_expr}, originator_version, {topic_expr}, state "
                f"FROM {EVENTS_TABLE} ORDER BY {self._pos}"
            )
            chain.execute(f"SELECT position, {ts_expr}, hash FROM {CHAIN_TABLE} ORDER BY position")
            return walk(events, chain, progress, hex_ids=not self._is_postgres)

    def _ranges(self, workers: int) -> list[tuple[int, int]] | None:
        """Position ranges for the workers (SQLite), or None when one walk here is quicker."""
        if self._sqlite_path is None or not os.path.exists(self._sqlite_path):
            return None
        (c_lo, c_hi), = self._query(f"SELECT min(position), max(position) FROM {CHAIN_TABLE}")
        (e_lo, e_hi), = self._query(f"SELECT min(rowid), max(rowid) FROM {EVENTS_TABLE}")
        if c_lo is None or e_lo is None:
            return None
        first, last = min(c_lo, e_lo), max(c_hi, e_hi)
        if last - first + 1 < _PARALLEL_FROM:
            return None
        rounds = -(-(last - first + 1) // (_WORKER_RANGE * workers))  # each worker as many
        return _cut(first, last, workers * rounds)

    def _verify_on_server(self, progress: Callable[[int], None] | None, *,
                          workers: int = 1) -> VerifyResult | None:
        """Every link checked by PostgreSQL in one snapshot; None when one fails.

        With `workers` > 1 the ranges are checked on that many connections at once, each in
        the snapshot this connection exports (`SET TRANSACTION SNAPSHOT`), so all of them see
        the same log; the server checks them in parallel."""
        conn = self._conn()
        assert isinstance(conn, psycopg.Connection)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            conn.execute(_SERVER_PLAN)
            with conn.cursor(binary=True) as cur:
                cur.execute(f"SELECT min(position), max(position) FROM {CHAIN_TABLE}")
                lo_hi = cur.fetchone()
                cur.execute(f"SELECT min(notification_id), max(notification_id) "
                            f"FROM {EVENTS_TABLE}")
                ev_lo_hi = cur.fetchone()
                if lo_hi is None or ev_lo_hi is None or lo_hi[0] is None:
                    return None if ev_lo_hi and ev_lo_hi[0] is not None else VerifyResult(
                        True, 0, 0, GENESIS.hex(), None, None)
                if ev_lo_hi[0] is None:
                    return None
                first, last = min(lo_hi[0], ev_lo_hi[0]), max(lo_hi[1], ev_lo_hi[1])
                span = last - first + 1
                ranges = _cut(first, last, max(min(workers, span), -(-span // _SERVER_RANGE)))
                checked = 0
                for n, bad in self._server_checks(cur, ranges, workers):
                    if bad:
                        return None
                    checked += n
                    if progress is not None:
                        progress(checked)
                cur.execute(f"SELECT position, hash FROM {CHAIN_TABLE} "
                            f"ORDER BY position DESC LIMIT 1")
                head = cur.fetchone()
                assert head is not None
                return VerifyResult(True, checked, int(head[0]), bytes(head[1]).hex(), None,
                                    None)
        finally:
            conn.execute("ROLLBACK")

    def _server_checks(self, cur: Any, ranges: list[tuple[int, int]],
                       workers: int) -> Iterator[tuple[int, int]]:
        """(links, bad links) of each range, in order; on `workers` connections at once."""

        def check(c: Any, lo: int, hi: int) -> tuple[int, int]:
            c.execute(_SERVER_CHECK, {"lo": lo, "hi": hi, "genesis": GENESIS})
            row = c.fetchone()
            assert row is not None
            return int(row[0]), int(row[1])

        if workers == 1 or len(ranges) == 1:
            for lo, hi in ranges:
                yield check(cur, lo, hi)
            return
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        assert self._pg_url is not None
        helpers = [psycopg.connect(_libpq_url(self._pg_url), autocommit=True)
                   for _ in range(min(workers, len(ranges)) - 1)]
        free: list[Any] = [cur]
        try:
            for helper in helpers:
                helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                helper.execute(SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot))
                helper.execute(_SERVER_PLAN)
                free.append(helper.cursor(binary=True))
            lock = threading.Lock()

            def run(lo_hi: tuple[int, int]) -> tuple[int, int]:
                with lock:
                    c = free.pop()
                try:
                    return check(c, *lo_hi)
                finally:
                    with lock:
                        free.append(c)

            with ThreadPoolExecutor(max_workers=len(helpers) + 1) as pool:
                outcomes = pool.map(run, ranges)
                try:
                    yield from outcomes
                finally:
                    pool.shutdown(cancel_futures=True)
        finally:
            for helper in helpers:
                with contextlib.suppress(Exception):
                    helper.close()

    @contextmanager
    def _snapshot(self) -> Iterator[tuple[Any, Any]]:
        conn = self._conn()
        if self._is_postgres:
            assert isinstance(conn, psycopg.Connection)
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # Server-side cursors: stream the log instead of materialising it client-side.
            # Binary results: bytea arrives as bytes, not as hex text to decode (0.6x the
            # client CPU per entry, measured on a 100k store).
            events = conn.cursor(name="hoso_verify_events", binary=True)
            chain = conn.cursor(name="hoso_verify_chain", binary=True)
            events.itersize = chain.itersize = _BATCH
            try:
                yield events, chain
            finally:
                events.close()
                chain.close()
                conn.execute("ROLLBACK")
        else:
            events, chain = conn.cursor(), conn.cursor()
            events.execute("BEGIN")
            try:
                yield events, chain
            finally:
                events.execute("ROLLBACK")
                events.close()
                chain.close()


_WORKERS = os.cpu_count() or 1
_PARALLEL_FROM = 400_000  # positions; a shorter log is walked here (starting workers costs more)
_WORKER_RANGE = 500_000  # positions per range a worker walks (progress between them)


def _cut(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """[first, last] cut into `parts` consecutive ranges of about the same length."""
    span = last - first + 1
    edges = [first + span * i // parts for i in range(parts + 1)]
    return [(lo, hi - 1) for lo, hi in itertools.pairwise(edges) if hi > lo]


def _combine(results: Iterable[VerifyResult],
             progress: Callable[[int], None] | None) -> VerifyResult:
    """The ranges' results, in order, as the one walk over all of them would answer: the
    first failing range names the failure; `checked` counts every link before it."""
    checked, head, head_hash = 0, 0, GENESIS.hex()
    for result in results:
        if not result.ok:
            return replace(result, checked=checked + result.checked)
        checked += result.checked
        head, head_hash = result.head_position, result.head_hash
        if progress is not None:
            progress(checked)
    return VerifyResult(True, checked, head, head_hash, None, None)


def _walk_ranges(path: str, ranges: list[tuple[int, int]], workers: int,
                 progress: Callable[[int], None] | None) -> VerifyResult:
    """The ranges of an SQLite log walked by `workers` processes (`python -m
    infra.chain_walk`: a plain interpreter, so nothing of this process is forked or
    re-imported); worker i takes ranges i, i + workers, ... and answers one line per range."""
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    shares = [ranges[i::workers] for i in range(min(workers, len(ranges)))]
    procs = [subprocess.Popen(
        [sys.executable, "-m", "infra.chain_walk", os.path.abspath(path),
         *(f"{lo}:{hi}" for lo, hi in share)], stdout=subprocess.PIPE, env=env)
        for share in shares]

    def results() -> Iterator[VerifyResult]:
        for k in range(len(ranges)):
            out = procs[k % len(procs)].stdout
            line = out.readline() if out is not None else b""
            if not line:
                raise RuntimeError(f"the verification worker for positions {ranges[k]} failed")
            yield VerifyResult(*json.loads(line))

    try:
        return _combine(results(), progress)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _libpq_url(url: str) -> str:
    # psycopg accepts postgresql:// URLs; strip an SQLAlchemy driver suffix if present.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
