"""Signed-in browsers, kept in the database so that every worker serves every request.

A row per session holds what the server must know and the browser must not: the hash of the
bearer token it was opened with (never the token), the CSRF secret and the expiry (from the
injected clock, so tests can pin and move it). The row is keyed by the SHA-256 of the session id,
so a leaked table opens no session. The cookie carries the id signed with a key every worker
reads from `service_secrets`, a row created once under the schema lock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from domain.calendar import Clock
from infra.access import access_tokens, token_hash
from infra.schema import schema_lock

LIFETIME = timedelta(hours=8)  # a working day
SIGNING_SECRET = "web_session_signing"

metadata = MetaData()

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("web_sessions_expiry", "expires_at"),
    Index("web_sessions_token", "token_hash"),
)

# Secrets the workers of one service share (never one per process: a cookie signed by one
# worker must verify on all of them, and after a restart).
service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("secret", String(128), nullable=False),
)


@dataclass(frozen=True)
class WebSession:
    id: str
    token_hash: str
    csrf: str
    expires_at: datetime


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def shared_secret(engine: Engine, name: str) -> bytes:
    """The secret called `name`, created on first use. Call under the schema lock: the first
    worker creates it, the others read the same row."""
    with engine.begin() as conn:
        row = conn.execute(select(service_secrets.c.secret)
                           .where(service_secrets.c.name == name)).first()
        if row is None:
            value = secrets.token_hex(32)
            conn.execute(insert(service_secrets).values(name=name, secret=value))
            return bytes.fromhex(value)
    return bytes.fromhex(row.secret)


class WebSessions:
    """Open, find and end web sessions; expired rows are purged when sessions open."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock
        with schema_lock(engine):
            metadata.create_all(engine, checkfirst=True)
            try:
                self._key = shared_secret(engine, SIGNING_SECRET)
            except IntegrityError:  # not under the same lock as ours (an older worker)
                self._key = shared_secret(engine, SIGNING_SECRET)

    # --- the cookie -----------------------------------------------------------------------

    def _mac(self, sid: str) -> str:
        return hmac.new(self._key, sid.encode(), hashlib.sha256).hexdigest()

    def signed(self, sid: str) -> str:
        return f"{sid}.{self._mac(sid)}"

    def unsigned(self, cookie: str | None) -> str | None:
        """The session id a cookie carries, or None when it is absent or forged."""
        if not cookie or "." not in cookie:
            return None
        sid, _, mac = cookie.rpartition(".")
        return sid if sid and hmac.compare_digest(mac, self._mac(sid)) else None

    # --- the rows -------------------------------------------------------------------------

    def open(self, token: str) -> WebSession:
        """A new session for the holder of `token` (already checked by the caller)."""
        now = self.clock.now()
        session = WebSession(secrets.token_urlsafe(32), token_hash(token),
                             secrets.token_urlsafe(24), now + LIFETIME)
        self.purge()
        with self.engine.begin() as conn:
            conn.execute(insert(web_sessions).values(
                id_hash=_id_hash(session.id), token_hash=session.token_hash,
                csrf=session.csrf, created_at=now, expires_at=session.expires_at))
        return session

    def find(self, cookie: str | None) -> WebSession | None:
        sid = self.unsigned(cookie)
        if sid is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(web_sessions)
                               .where(web_sessions.c.id_hash == _id_hash(sid))).first()
        if row is None or _utc(row.expires_at) <= self.clock.now():
            return None
        return WebSession(sid, row.token_hash, row.csrf, _utc(row.expires_at))

    def close(self, cookie: str | None) -> None:
        sid = self.unsigned(cookie)
        if sid is not None:
            with self.engine.begin() as conn:
                conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _id_hash(sid)))

    def purge(self) -> int:
        """Delete expired sessions and those of revoked tokens; how many went."""
        now = self.clock.now()
        revoked = select(access_tokens.c.token_hash).where(access_tokens.c.revoked_at.is_not(None))
        with self.engine.begin() as conn:
            done = conn.execute(delete(web_sessions).where(
                (web_sessions.c.expires_at <= now) | web_sessions.c.token_hash.in_(revoked)))
        return int(done.rowcount or 0)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(web_sessions.c.id_hash)).all())

