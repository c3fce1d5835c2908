"""Idempotency keys: a POST retried with the same key is answered once, by every worker.

A key belongs to the token that sent it (the SHA-256 of the bearer token, never the token):
two callers using the same key do not collide. The first request with a key claims a row
(committed before the request runs, so every worker sees the claim), runs, and stores its
status, a few headers and its body. A request with the same key and the same request digest
(method, path, query and body) gets that stored answer and appends nothing; with another
digest it is refused (`IdempotencyKeyReused`). While the first one runs, the row is "in flight":
the caller waits for it (see api/idempotency.py) and is refused with `IdempotencyKeyInFlight`
if it is still running.

A claim whose worker died never completes: after `LEASE` it is taken over by the next request
with that key, which then runs again (the crashed request may or may not have committed; the
service cannot tell, so a key is only a guarantee for answers that were stored). Rows live for
`RETENTION`, then are purged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from domain.calendar import Clock
from domain.errors import Conflict, InvalidCommand
from infra.database import one_statement
from infra.schema import schema_lock

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
LEASE = timedelta(minutes=10)
RETENTION = timedelta(hours=24)
PURGE_EVERY = timedelta(minutes=1)

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(64), primary_key=True),  # the token's hash
    Column("key", String(MAX_KEY_LENGTH), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("status", Integer, nullable=True),  # NULL while in flight
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Index("idempotency_keys_claimed", "claimed_at"),
)


class IdempotencyKeyInvalid(InvalidCommand):
    code = "idempotency_key_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, code=self.code, field=HEADER)


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác (this Idempotency-Key "
            "was used with another request: method, path or body differ; use a new key)",
            code=self.code, field=HEADER)


class IdempotencyKeyInFlight(Conflict):
    code = "idempotency_key_in_flight"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Yêu cầu đầu tiên với khóa này vẫn đang chạy, hãy thử lại sau (the first request "
            f"with this Idempotency-Key is still running; retry in {retry_after} s)",
            code=self.code, field=HEADER)
        self.retry_after = retry_after


def checked_key(raw: str) -> str:
    """The key as sent, or IdempotencyKeyInvalid naming the header and the rule."""
    key = raw.strip()
    if not key:
        raise IdempotencyKeyInvalid("Idempotency-Key không được để trống (the Idempotency-Key "
                                    "header is empty; send 1 to 255 visible characters)")
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid(f"Idempotency-Key dài quá {MAX_KEY_LENGTH} ký tự (the "
                                    f"Idempotency-Key header has {len(key)} characters; at "
                                    f"most {MAX_KEY_LENGTH})")
    return key


def request_digest(method: str, path: str, query: str, content_type: str | None,
                   body: bytes) -> str:
    """What "the same request" means. A multipart body is compared without its boundary: a
    client retrying an upload draws a new random boundary for the same parts."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith("multipart/"):
        for param in (content_type or "").split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "boundary" and value:
                body = body.replace(b"--" + value.strip('"').encode("latin-1"), b"--")
    h = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), media.encode()):
        h.update(part + b"\0")
    h.update(body)
    return h.hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class SealedAnswers:
    """Keys and answers of requests that must not link a caller to what they filed (internal
    feedback: the receipt is the reporter's only link to the report).

    Their key is namespaced by an HMAC of the caller's own secret (the bearer token, or the web
    session cookie), never by the token's hash, which the database holds; their answer is kept
    encrypted under a key derived from that secret and the Idempotency-Key. Whoever reads the
    database sees neither whose key a row is nor what it answered; the caller's retry, holding
    the secret, replays it as any other.
    """

    PATHS = ("/api/v1/feedback", "/phan-anh", "/phan-anh/tra-cuu")

    def __init__(self, secret: str, key: str) -> None:
        material = secret.encode("utf-8", "replace")
        self.owner = hmac.new(material, b"hoso-idempotency-owner", hashlib.sha256).hexdigest()
        self._aead = AESGCM(hmac.new(material, b"hoso-idempotency-answer\0" + key.encode(),
                                     hashlib.sha256).digest())

    @classmethod
    def applies_to(cls, path: str) -> bool:
        return path.rstrip("/") in cls.PATHS

    def seal(self, answer: StoredAnswer) -> StoredAnswer:
        nonce = os.urandom(12)
        plain = json.dumps({"headers": answer.headers}).encode() + b"\0" + answer.body
        return StoredAnswer(answer.status, [], nonce + self._aead.encrypt(nonce, plain, None))

    def open(self, stored: StoredAnswer) -> StoredAnswer:
        plain = self._aead.decrypt(stored.body[:12], stored.body[12:], None)
        head, _, body = plain.partition(b"\0")
        headers = [(str(k), str(v)) for k, v in json.loads(head)["headers"]]
        return StoredAnswer(stored.status, headers, body)


@dataclass(frozen=True)
class Claimed:
    """The caller runs the request and then calls `complete` or `release`."""


@dataclass(frozen=True)
class InFlight:
    """Another request with this key is running."""


CLAIMED, IN_FLIGHT = Claimed(), InFlight()
Outcome = Claimed | InFlight | StoredAnswer


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IdempotencyStore:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock
        self._purged: datetime | None = None  # when this store last purged old rows
        with schema_lock(engine):
            metadata.create_all(engine, checkfirst=True)

    def claim(self, owner: str, key: str, digest: str) -> Outcome:
        """Claim `key` for `owner`, or say what already holds it; IdempotencyKeyReused when
        the key was used with another request. A first claim is one statement (the insert,
        atomic alone: one round trip on PostgreSQL); the purge of old rows runs beside it at
        most once per `PURGE_EVERY`."""
        now = self.clock.now()
        table = idempotency_keys
        self._purge(now)
        try:
            with one_statement(self.engine) as conn:
                conn.execute(insert(table).values(owner=owner, key=key, digest=digest,
                                                  claimed_at=now))
            return CLAIMED
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.owner == owner,
                                                   table.c.key == key)).first()
            if row is None:  # purged between the two statements: claim afresh
                return self.claim(owner, key, digest)
            if row.digest != digest:
                raise IdempotencyKeyReused()
            if row.status is not None:
                return StoredAnswer(row.status, [tuple(h) for h in json.loads(row.headers)],
                                    bytes(row.body))
            if _utc(row.claimed_at) > now - LEASE:
                return IN_FLIGHT
            # The claimant died (its worker stopped mid-request): take the claim over, once.
            taken = conn.execute(update(table).where(
                table.c.owner == owner, table.c.key == key, table.c.status.is_(None),
                table.c.claimed_at == row.claimed_at).values(claimed_at=now))
            return CLAIMED if taken.rowcount else IN_FLIGHT

    def _purge(self, now: datetime) -> None:
        """Delete the rows past `RETENTION` (every worker purges; a row a moment late is
        harmless: a key older than the retention is answered as if new either way)."""
        if self._purged is not None and now - self._purged < PURGE_EVERY:
            return
        self._purged = now
        table = idempotency_keys
        with one_statement(self.engine) as conn:
            conn.execute(delete(table).where(table.c.claimed_at <= now - RETENTION))

    def complete(self, owner: str, key: str, answer: StoredAnswer) -> None:
        table = idempotency_keys
        with one_statement(self.engine) as conn:
            conn.execute(update(table).where(table.c.owner == owner, table.c.key == key)
                         .values(status=answer.status, headers=json.dumps(answer.headers),
                                 body=answer.body))

    def release(self, owner: str, key: str) -> None:
        """Forget an in-flight claim whose answer is not kept (a failure): a retry runs anew."""
        table = idempotency_keys
        with one_statement(self.engine) as conn:
            conn.execute(delete(table).where(table.c.owner == owner, table.c.key == key,
                                             table.c.status.is_(None)))
