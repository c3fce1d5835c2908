"""`Idempotency-Key` on every POST (contract v1.1, "Requests"), as ASGI middleware.

It stands inside the body size limit and outside the routes, so every POST (JSON or the
multipart import) is covered without each route knowing. A POST without the header is passed
through untouched. With it, the key is scoped to the caller's token (bearer token, or the token
behind a web session cookie); a request that names no token is passed through and answered
401 (or sent to sign in) as usual, and nothing is kept.

Concurrent requests with one key: the first runs; the others wait for its answer (polling the
shared row, up to `WAIT_SECONDS`) and replay it, or get 409 `idempotency_key_in_flight` with
Retry-After if it is still running. Answers kept: every status below 500 except 401 and 429 (not
an answer about the request, but about the caller or the moment); a 5xx or an exception releases
the key, so the retry runs again (a 5xx commits nothing: api/errors.py).
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress

import anyio
from starlette.datastructures import Headers

from api.errors import problem_for, store_unavailable
from api.guards import ASGIApp, Message, Receive, Scope, Send
from api.web.session import COOKIE
from domain.errors import DomainError
from infra.access import token_hash
from infra.database import STORE_UNAVAILABLE
from infra.idempotency import (
    HEADER,
    Claimed,
    IdempotencyKeyInFlight,
    IdempotencyStore,
    InFlight,
    SealedAnswers,
    StoredAnswer,
    checked_key,
    request_digest,
)
from infra.sessions import WebSessions

WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
NOT_KEPT = (401, 429)
KEPT_HEADERS = ("content-type", "location", "content-disposition")
REPLAYED = (b"idempotent-replayed", b"true")
log = logging.getLogger("hoso.idempotency")


class IdempotencyKeys:
    def __init__(self, app: ASGIApp, *, store: IdempotencyStore, sessions: WebSessions) -> None:
        self.app, self.store, self.sessions = app, store, sessions

    def _owner(self, headers: Headers) -> tuple[str, str] | None:
        """The hash of the caller's token (the key's namespace), and the caller's own secret
        (the token, or the session cookie) for a sealed answer."""
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return token_hash(credentials.strip()), credentials.strip()
        cookie = _cookie(headers.get("cookie", ""), COOKIE)
        session = self.sessions.find(cookie) if cookie else None
        return (session.token_hash, cookie or "") if session is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw = headers.get(HEADER)
        if raw is None:
            await self.app(scope, receive, send)
            return
        try:
            key = checked_key(raw)
        except DomainError as refused:
            await problem_for(refused)(scope, receive, send)
            return
        try:
            caller = await anyio.to_thread.run_sync(self._owner, headers)
        except STORE_UNAVAILABLE:
            await store_unavailable()(scope, receive, send)
            return
        if caller is None:
            await self.app(scope, receive, send)
            return
        owner, secret = caller
        seal = SealedAnswers(secret, key) if SealedAnswers.applies_to(scope["path"]) else None
        if seal is not None:
            owner = seal.owner
        try:
            body = await _whole_body(receive)
            if body is None:  # the client went away
                return
            digest = request_digest("POST", scope["path"], scope.get("query_string", b"")
                                    .decode("latin-1"), headers.get("content-type"), body)
            outcome = await self._claim(owner, key, digest)
        except DomainError as refused:
            await problem_for(refused)(scope, receive, send)
            return
        except STORE_UNAVAILABLE:  # nothing ran: the client may send it again
            await store_unavailable()(scope, receive, send)
            return
        if isinstance(outcome, StoredAnswer):
            await _replay(seal.open(outcome) if seal is not None else outcome, send)
            return
        await self._run(scope, receive, send, body, owner, key, seal)

    async def _claim(self, owner: str, key: str, digest: str) -> Claimed | StoredAnswer:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = await anyio.to_thread.run_sync(self.store.claim, owner, key, digest)
            if not isinstance(outcome, InFlight):
                return outcome
            if time.monotonic() > deadline:
                raise IdempotencyKeyInFlight(retry_after=1)
            await anyio.sleep(POLL_SECONDS)

    async def _run(self, scope: Scope, receive: Receive, send: Send, body: bytes, owner: str,
                   key: str, seal: SealedAnswers | None) -> None:
        given = False

        async def replayed_body() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 0
        kept: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def captured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept.extend((k.decode("latin-1").lower(), v.decode("latin-1"))
                            for k, v in message.get("headers", [])
                            if k.decode("latin-1").lower() in KEPT_HEADERS)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replayed_body, captured)
        except BaseException:
            # The failure is what the caller must see, not a failed release (a claim left
            # behind ends with its lease).
            with anyio.CancelScope(shield=True), suppress(Exception):
                await anyio.to_thread.run_sync(self.store.release, owner, key)
            raise
        try:
            if status and status < 500 and status not in NOT_KEPT:
                answer = StoredAnswer(status, kept, b"".join(chunks))
                if seal is not None:
                    answer = seal.seal(answer)
                await anyio.to_thread.run_sync(self.store.complete, owner, key, answer)
            else:
                await anyio.to_thread.run_sync(self.store.release, owner, key)
        except Exception:
            # The answer has gone out; only its keeping failed. The claim stays in flight
            # until its lease ends, and a retry meanwhile is told so (409, Retry-After).
            log.warning("could not keep the answer to idempotency key %r", key, exc_info=True)


async def _whole_body(receive: Receive) -> bytes | None:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _replay(answer: StoredAnswer, send: Send) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    headers += [(b"content-length", str(len(answer.body)).encode()), REPLAYED]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v.strip('"') or None
    return None
