"""Who may call the service, and who read whose record.

Bearer tokens are kept only as SHA-256 hashes (`access_tokens`); a leaked table reveals no
usable token. Every read of a cadre's profile, record or CV is written to `access_reads`, since
the personal data law (Luật 91/2025/QH15) requires knowing who looked at whose data. Both
tables live in the service's database, beside the log and the read model.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from domain.calendar import Clock
from infra import read_chain
from infra.database import engine_for
from infra.schema import schema_lock, sqlite_lock_path
from infra.settings import Settings

ROLES = ("admin", "personnel", "inspector", "leader", "self")
# `admin` is HOSO_ADMIN_TOKEN's; `cli:<user>` is how the command line signs what it reads; an
# import tags its writes "<user> (import <digest>)". No token may take a name that could be
# mistaken for one of them: a name is the identity recorded in `recorded_by` and the read audit.
RESERVED_NAMES = ("admin",)
RESERVED_PREFIXES = ("cli:",)
# One row per subject shown: a roster, a search or a findings list of 40 people writes 40 rows
# (one group commit), so "who looked at X" is one indexed query whatever screen showed X.
# "import_match": a real import whose rows matched a cadre outside the caller's scope;
# "export" / "export_sealed": `hoso export` with the personal-data keys, or without them;
# "feedback": an inspector read a feedback report (the row's subject is the report's id, not
# a cadre's, so the subject cadre's own "who read my file" never shows it).
READ_KINDS = ("profile", "record", "cv", "form", "roster", "search", "findings",
              "import_match", "export", "export_sealed", "feedback", "inspection",
              "correction")
TOKEN_PREFIX = "hoso_"

metadata = MetaData()

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("unit_id", Uuid, nullable=True),
    Column("cadre_id", Uuid, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)

access_reads = Table(
    "access_reads",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("reader", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Column("cadre_id", Uuid, nullable=False),
    Column("what", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("known_at", DateTime(timezone=True), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("access_reads_cadre", "cadre_id", "read_at"),
    Index("access_reads_reader", "reader", "read_at"),
)


# The token epoch: one counter, raised in the transaction of every revocation. Each worker keeps
# the tokens it has resolved in memory, each entry stamped with the epoch it was read under, and
# reads the epoch with the log head in the one query every request makes anyway
# (`Runtime.request_view`): a revocation on any worker ends the token on every worker from the
# next request on, with no query per request for the token itself (ADR 0008).
access_epoch = Table(
    "access_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, nullable=False),
)
# Row 1: tokens (raised by `revoke`). Row 2: shreds (raised by an erasure after it destroyed a
# key, infra/erasure.py): every worker then forgets the personal-data keys and the findings
# fold it keeps in memory, so none goes on decrypting with a destroyed key.
TOKENS, SHREDS = 1, 2
EPOCH_SQL = "SELECT epoch FROM access_epoch WHERE id = 1"
SHRED_EPOCH_SQL = "SELECT epoch FROM access_epoch WHERE id = 2"
# Resolved tokens kept per worker; unknown tokens are never kept (a guesser fills nothing).
TOKEN_CACHE_SIZE = 10_000
# A safety net for token rows changed by hand (not through `revoke`, so without raising the
# epoch): a kept token is read again after this many seconds whatever the epoch says.
TOKEN_CACHE_SECONDS = 60.0


# Attempts per key in a one-minute window, one table for every kind: failed authentications
# per client address ("auth:<address>"), imports per token ("import:<name>") and public
# (unauthenticated) reads per client address ("public:<address>"). Counted in the database so
# that every worker sees the same count (a per-process counter would let N workers take N times
# the guesses, or N times the rate).
attempt_windows = Table(
    "attempt_windows",
    metadata,
    Column("key", String(96), primary_key=True),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
)
ATTEMPT_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenHolder:
    name: str
    role: str
    unit_id: UUID | None
    cadre_id: UUID | None


@dataclass(frozen=True)
class TokenInfo:
    """A token as `hoso token list` shows it (never the token itself, which is not kept)."""

    name: str
    role: str
    unit_id: UUID | None
    cadre_id: UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class TokenNameRefused(ValueError):
    """A name already taken (by any token, revoked or not) or reserved."""


@dataclass(frozen=True)
class ReadRecord:
    reader: str
    role: str
    read_at: datetime
    cadre_id: UUID
    what: str
    as_of: date
    known_at: datetime
    position: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class GroupCommit:
    """Rows written durably, many readers' rows per transaction (group commit).

    A caller returns only once its row is committed: the read audit is never acknowledged
    before it is on disk. Rows arriving while a commit is under way go together in the next
    one, so concurrent readers share one sync instead of queueing for the writer lock each.
    """

    def __init__(self, engine: Engine, table: Table, *,
                 before: Callable[[Connection], None] | None = None,
                 after: Callable[[Connection], None] | None = None,
                 lock_path: Path | None = None) -> None:
        self.engine, self.table = engine, table
        # SQLite: the workers' writers queue on a file lock instead of SQLite's busy handler,
        # which sleeps (1, 2, 5, 10… ms) between tries; a writer woken at once takes the rows
        # that piled up meanwhile, so the queue also makes batches larger.
        self.lock_path = lock_path
        self._turn_file: IO[bytes] | None = None
        # Run in each batch's transaction, around the insert (the read audit's chain).
        self.before, self.after = before, after
        self._pending: list[tuple[dict[str, object], _Ticket]] = []
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None

    def write(self, row: dict[str, object]) -> None:
        self.write_all([row])

    def write_all(self, rows: list[dict[str, object]]) -> None:
        """Several rows, committed together (and with other callers' rows)."""
        if not rows:
            return
        ticket = _Ticket()
        self._queue(rows, ticket)
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    async def write_all_async(self, rows: list[dict[str, object]]) -> None:
        """`write_all` for a caller on an event loop: it awaits the commit instead of holding
        a thread (the writer thread resolves the future), so the loop serves other requests
        meanwhile and their rows join the same commit."""
        if not rows:
            return
        loop = asyncio.get_running_loop()
        ticket = _Ticket(future=loop.create_future())
        self._queue(rows, ticket)
        await ticket.future  # type: ignore[misc]

    def _queue(self, rows: list[dict[str, object]], ticket: _Ticket) -> None:
        with self._ready:
            self._pending.extend((row, ticket) for row in rows)
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._run, name="audit-writer",
                                                daemon=True)
                self._writer.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    if not self._ready.wait(timeout=30):
                        self._writer = None  # idle: the next write starts a new writer
                        return
                batch, self._pending = self._pending, []
            try:
                with self._turn():
                    with self._ready:  # rows that arrived while waiting for the turn go too
                        batch, self._pending = batch + self._pending, []
                    with self.engine.begin() as conn:
                        if self.before is not None:
                            self.before(conn)
                        conn.execute(insert(self.table), [row for row, _ in batch])
                        if self.after is not None:
                            self.after(conn)
            except Exception as error:  # each waiting caller gets the failure
                for _, ticket in batch:
                    ticket.error = error
            for ticket in dict.fromkeys(ticket for _, ticket in batch):
                ticket.finish()


    @contextmanager
    def _turn(self) -> Iterator[None]:
        if self.lock_path is None:
            yield
            return
        # Opened once and kept (only the writer thread takes turns): not an open and a close
        # per batch, that is per read or two.
        if self._turn_file is None:
            self._turn_file = open(self.lock_path, "a+b")  # noqa: SIM115 - kept open
        fcntl.flock(self._turn_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._turn_file, fcntl.LOCK_UN)


@dataclass(eq=False)
class _Ticket:
    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None
    # A caller on an event loop awaits this instead of `done`.
    future: asyncio.Future[None] | None = None

    def finish(self) -> None:
        self.done.set()
        future = self.future
        if future is not None:
            try:
                future.get_loop().call_soon_threadsafe(_settle, future, self.error)
            except RuntimeError:  # its loop is closed: nobody awaits it any more
                pass


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():  # the awaiting request was cancelled (its client went away)
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def ensure_epochs(engine: Engine) -> None:
    """The epoch table and its rows (at start-up, under the schema lock: `open_runtime` makes
    them too, since every request reads them with the log head)."""
    access_epoch.create(engine, checkfirst=True)
    with engine.begin() as conn:
        have = set(conn.execute(select(access_epoch.c.id)).scalars())
        for row in (TOKENS, SHREDS):
            if row not in have:
                conn.execute(insert(access_epoch).values(id=row, epoch=0))


@dataclass(frozen=True)
class _Cached:
    holder: TokenHolder
    expires_at: datetime | None
    epoch: int
    read: float  # time.monotonic() when read from the table


class AccessStore:
    """Token issue and lookup; the read audit."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._tokens: dict[str, _Cached] = {}
        self._ensure_tables()
        self._reads = GroupCommit(engine, access_reads, before=read_chain.lock,
                                  after=read_chain.chain_new_rows,
                                  lock_path=sqlite_lock_path(engine, "audit")
                                  if engine.dialect.name == "sqlite" else None)

    @classmethod
    def for_store(cls, settings: Settings, read_side: Engine, clock: Clock) -> AccessStore:
        """The store beside the read model. Tokens and the read audit cannot be re-derived from
        the log: on SQLite they get a connection that syncs every commit; on PostgreSQL they
        share the read side's pool (the server is durable per commit anyway)."""
        if settings.is_postgres:
            return cls(read_side, clock)
        return cls(engine_for(settings, durable=True), clock)

    def _ensure_tables(self) -> None:
        # Several workers start at once: they take turns under the schema lock.
        with schema_lock(self.engine):
            metadata.create_all(self.engine, checkfirst=True)
            read_chain.ensure_tables(self.engine)
            self._upgrade_tokens()
            ensure_epochs(self.engine)
            # Stores made before the one attempts table: their one-minute counts are moot.
            with self.engine.begin() as conn:
                for obsolete in ("auth_failures", "public_reads"):
                    conn.execute(text(f"DROP TABLE IF EXISTS {obsolete}"))

    def _upgrade_tokens(self) -> None:
        """Stores made before tokens could expire: add the column and the unique name index
        (kept off when old duplicate names exist; `create_token` refuses new ones anyway)."""
        columns = {c["name"] for c in inspect(self.engine).get_columns("access_tokens")}
        with self.engine.begin() as conn:
            if "expires_at" not in columns:
                conn.execute(text("ALTER TABLE access_tokens ADD COLUMN expires_at "
                                  + ("TIMESTAMP WITH TIME ZONE"
                                     if self.engine.dialect.name == "postgresql"
                                     else "DATETIME")))
        try:
            with self.engine.begin() as conn:
                conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS access_tokens_name "
                                  "ON access_tokens (name)"))
        except IntegrityError:
            pass

    # --- tokens ---------------------------------------------------------------------------

    def create_token(self, *, name: str, role: str, unit_id: UUID | None = None,
                     cadre_id: UUID | None = None, expires_days: int | None = None,
                     now: datetime | None = None) -> str:
        """Issue a new bearer token; only its hash is kept, so it is shown once. Names are
        unique for ever (a revoked token's name stays its own: old records name it)."""
        name = name.strip()
        now = now or self.clock.now()
        if name.lower() in RESERVED_NAMES or name.lower().startswith(RESERVED_PREFIXES) \
                or " (import " in name:
            raise TokenNameRefused(f"tên '{name}' được dành riêng (the name {name!r} is "
                                   "reserved: admin is HOSO_ADMIN_TOKEN, cli: the command line)")
        if expires_days is not None and expires_days < 1:
            raise ValueError("--expires-days must be at least 1")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if not name.strip():
            raise ValueError("a token needs a name (it becomes recorded_by)")
        if role in ("personnel", "leader") and unit_id is None:
            raise ValueError(f"role {role} needs --unit (the root of its unit subtree)")
        if role == "self" and cadre_id is None:
            raise ValueError("role self needs --cadre (the cadre it may read)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
        taken = TokenNameRefused(f"đã có token tên '{name}' (a token named {name!r} exists; "
                                 "names are unique, also after revocation)")
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(access_tokens.c.name)
                                .where(access_tokens.c.name == name)).first() is not None:
                    raise taken
                conn.execute(insert(access_tokens).values(
                    token_hash=token_hash(token), name=name, role=role, unit_id=unit_id,
                    cadre_id=cadre_id, created_at=now, revoked_at=None,
                    expires_at=expires_at))
        except IntegrityError:  # a concurrent create of the same name
            raise taken from None
        return token

    def tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(access_tokens).order_by(access_tokens.c.created_at,
                                                               access_tokens.c.name)).all()
        return [TokenInfo(r.name, r.role, r.unit_id, r.cadre_id, _utc(r.created_at),
                          _utc(r.expires_at) if r.expires_at else None,
                          _utc(r.revoked_at) if r.revoked_at else None) for r in rows]

    def revoke(self, name: str, now: datetime | None = None) -> bool:
        """Revoke the token named `name`; False when there is no such active token. Effective
        at once in every worker: the same transaction raises the token epoch, which every
        request reads with the log head, and a worker's kept tokens are good only for the
        epoch they were read under."""
        with self.engine.begin() as conn:
            done = conn.execute(update(access_tokens)
                                .where(access_tokens.c.name == name.strip(),
                                       access_tokens.c.revoked_at.is_(None))
                                .values(revoked_at=now or self.clock.now()))
            if done.rowcount:
                conn.execute(update(access_epoch).where(access_epoch.c.id == TOKENS)
                             .values(epoch=access_epoch.c.epoch + 1))
        return bool(done.rowcount)

    @staticmethod
    def raise_shred_epoch(engine: Engine) -> None:
        """After a key was destroyed: every worker forgets the keys it keeps (next request)."""
        with engine.begin() as conn:
            conn.execute(update(access_epoch).where(access_epoch.c.id == SHREDS)
                         .values(epoch=access_epoch.c.epoch + 1))

    def epoch(self) -> int:
        """The token epoch now (a request reads it with the log head instead)."""
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql(EPOCH_SQL).scalar() or 0)

    def kept(self, token: str, epoch: int) -> TokenHolder | None:
        """The holder of `token` from this worker's memory, when it was read under `epoch`
        (the token epoch as the request found it) and has not expired since; else None."""
        kept = self._tokens.get(token_hash(token))
        if kept is None or kept.epoch != epoch \
                or time.monotonic() - kept.read > TOKEN_CACHE_SECONDS:
            return None
        if kept.expires_at is not None and kept.expires_at <= self.clock.now():
            return None
        return kept.holder

    def resolve(self, token: str, epoch: int) -> TokenHolder | None:
        """`holder(token)` from the table, kept in memory for requests of the same `epoch`."""
        hashed = token_hash(token)
        found = self._holder_row(hashed)
        if found is None:
            self._tokens.pop(hashed, None)
            return None
        holder, expires_at = found
        if len(self._tokens) >= TOKEN_CACHE_SIZE:
            self._tokens.clear()
        # Read after the request's epoch was: a revocation committed in between raised the
        # epoch past `epoch`, so this entry is not used beyond this request's epoch.
        self._tokens[hashed] = _Cached(holder, expires_at, epoch, time.monotonic())
        return holder

    def holder(self, token: str) -> TokenHolder | None:
        """Who holds `token`, or None when unknown or revoked."""
        return self.holder_of_hash(token_hash(token))

    def holder_of_hash(self, hashed: str) -> TokenHolder | None:
        """Who holds the token whose hash is `hashed` (a web session keeps only the hash)."""
        found = self._holder_row(hashed)
        return found[0] if found is not None else None

    def _holder_row(self, hashed: str) -> tuple[TokenHolder, datetime | None] | None:
        """The active holder of `hashed` and when the token expires; None when unknown,
        revoked or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(access_tokens.c.name, access_tokens.c.role, access_tokens.c.unit_id,
                       access_tokens.c.cadre_id, access_tokens.c.revoked_at,
                       access_tokens.c.expires_at)
                .where(access_tokens.c.token_hash == hashed)
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        expires_at = _utc(row.expires_at) if row.expires_at is not None else None
        if expires_at is not None and expires_at <= self.clock.now():
            return None
        return TokenHolder(row.name, row.role, row.unit_id, row.cadre_id), expires_at

    # --- attempts in a window (failed authentication, imports, public reads) ---------------

    def blocked_for(self, key: str, limit: int, now: datetime | None = None) -> int | None:
        """Seconds the holder of `key` must wait when it has made `limit` attempts in the
        current window; None when it may try (nothing is counted)."""
        now = now or self.clock.now()
        with self.engine.connect() as conn:
            row = conn.execute(select(attempt_windows)
                               .where(attempt_windows.c.key == key[:96])).first()
        if row is None or row.attempts < limit:
            return None
        ends = _utc(row.window_start) + ATTEMPT_WINDOW
        return max(1, int((ends - now).total_seconds()) + 1) if ends > now else None

    def count_attempt(self, key: str, now: datetime | None = None) -> None:
        """Count one attempt for `key`, whatever the count already is."""
        self.take_attempt(key, None, now)

    def take_attempt(self, key: str, limit: int | None,
                     now: datetime | None = None) -> int | None:
        """Count one attempt for `key` unless it has already made `limit` in the current
        window: then the seconds to wait (the attempt is not counted), else None."""
        now = now or self.clock.now()
        key = key[:96]
        table = attempt_windows
        for _attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(select(table).where(table.c.key == key)).first()
                    if row is None:
                        conn.execute(insert(table).values(key=key, window_start=now,
                                                          attempts=1))
                        return None
                    ends = _utc(row.window_start) + ATTEMPT_WINDOW
                    if ends <= now:
                        conn.execute(update(table).where(table.c.key == key)
                                     .values(window_start=now, attempts=1))
                        return None
                    if limit is not None and row.attempts >= limit:
                        return max(1, int((ends - now).total_seconds()) + 1)
                    # Compare-and-set on the count: two workers cannot both take the last one.
                    done = conn.execute(update(table)
                                        .where(table.c.key == key,
                                               table.c.attempts == row.attempts)
                                        .values(attempts=table.c.attempts + 1))
                    if done.rowcount:
                        return None
            except IntegrityError:  # another worker inserted the row first: count again
                continue
        return 1

    def take_public_read(self, address: str, limit: int,
                         now: datetime | None = None) -> int | None:
        """One public read for client `address` (see `take_attempt`)."""
        return self.take_attempt(f"public:{address}", limit, now)

    # --- read audit -----------------------------------------------------------------------

    def record_read(self, *, reader: str, role: str, cadre_id: UUID, what: str, as_of: date,
                    known_at: datetime, position: int) -> None:
        self.record_reads(reader=reader, role=role, cadre_ids=[cadre_id], what=what,
                          as_of=as_of, known_at=known_at, position=position)

    def record_reads(self, *, reader: str, role: str, cadre_ids: list[UUID], what: str,
                     as_of: date, known_at: datetime, position: int) -> None:
        """One audit row per subject of one answer (a roster, a search, findings)."""
        self._reads.write_all(self._read_rows(reader, role, cadre_ids, what, as_of, known_at,
                                              position))

    async def record_read_async(self, *, reader: str, role: str, cadre_id: UUID, what: str,
                                as_of: date, known_at: datetime, position: int) -> None:
        """`record_read` awaited on the event loop (durable, like it, before it returns)."""
        await self._reads.write_all_async(self._read_rows(reader, role, [cadre_id], what, as_of,
                                                          known_at, position))

    def _read_rows(self, reader: str, role: str, cadre_ids: list[UUID], what: str,
                   as_of: date, known_at: datetime, position: int) -> list[dict[str, object]]:
        if what not in READ_KINDS:
            raise ValueError(f"unknown read kind {what!r}")
        read_at = self.clock.now()
        return [dict(reader=reader, role=role, read_at=read_at, cadre_id=cadre_id, what=what,
                     as_of=as_of, known_at=_utc(known_at), position=position)
                for cadre_id in dict.fromkeys(cadre_ids)]

    def reads(self, *, cadre_id: UUID | None = None, reader: str | None = None,
              from_: datetime | None = None, to: datetime | None = None,
              limit: int = 500) -> list[ReadRecord]:
        """Reads, newest first."""
        query = select(access_reads)
        if cadre_id is not None:
            query = query.where(access_reads.c.cadre_id == cadre_id)
        if reader is not None:
            query = query.where(access_reads.c.reader == reader)
        if from_ is not None:
            query = query.where(access_reads.c.read_at >= _utc(from_))
        if to is not None:
            query = query.where(access_reads.c.read_at <= _utc(to))
        query = query.order_by(access_reads.c.read_at.desc(), access_reads.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [ReadRecord(r.reader, r.role, _utc(r.read_at), r.cadre_id, r.what, r.as_of,
                           _utc(r.known_at), r.position) for r in rows]
