"""ASGI middleware that stands in front of every route: the body size limit and the headers
every answer carries.

The limit is enforced before anything reads the body: before authentication, before FastAPI
parses JSON or spools a multipart upload to disk. A declared `Content-Length` above it is
refused at once; a chunked body is counted as it streams and refused as soon as it passes it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM_JSON = b"application/problem+json"
NOSNIFF = (b"x-content-type-options", b"nosniff")


class BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> bytes:
    megabytes = limit / 2**20
    return json.dumps({
        "type": "https://hoso.local/problems/body_too_large",
        "title": "Nội dung quá lớn (payload too large)",
        "status": 413,
        "detail": f"Nội dung yêu cầu lớn hơn giới hạn {megabytes:g} MB (request body larger "
                  f"than the limit of {megabytes:g} MB, HOSO_MAX_BODY_MB)",
        "code": "body_too_large",
        "field": "body",
        "limit_bytes": limit,
    }, ensure_ascii=False).encode()


class BodySizeLimit:
    """Refuse (413 `body_too_large`) a request body larger than its path's limit."""

    def __init__(self, app: ASGIApp, *, default: int, by_path: dict[str, int]) -> None:
        self.app, self.default, self.by_path = app, default, by_path

    def limit_for(self, path: str) -> int:
        return self.by_path.get(path.rstrip("/"), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        seen = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def tracked(message: Message) -> None:
            # Whatever the framework answers to a body cut short (a parse error, a 400) is
            # replaced by the one true answer, 413.
            nonlocal started
            if exceeded:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            pass
        if exceeded and not started:
            await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = _too_large(limit)
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", PROBLEM_JSON), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), NOSNIFF]})
    await send({"type": "http.response.body", "body": body})


class NoSniff:
    """Every answer says `X-Content-Type-Options: nosniff`: a JSON or problem body is never
    reinterpreted by a browser as HTML or script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != NOSNIFF[0]]
                message["headers"] = [*headers, NOSNIFF]
            await send(message)

        await self.app(scope, receive, with_header)
