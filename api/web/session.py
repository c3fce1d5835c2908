"""Signed-in browsers: a session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token.

The bearer token given at sign-in stays on the server (in this process's memory, keyed by a
random session id); every request resolves it again through `api.security.get_principal`, so a
revoked token ends the session at once. The cookie carries the id and its HMAC under a
per-process secret: a forged or stale cookie is just "not signed in". Sessions end when the
process stops (a restart asks everyone to sign in again).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from api.security import Principal, get_principal
from domain.errors import DomainError

COOKIE = "hoso_phien"
SIGN_IN_COOKIE = "hoso_csrf"  # double-submit token of the sign-in form (no session yet)
LIFETIME_SECONDS = 8 * 3600  # a working day
_SECRET = secrets.token_bytes(32)


@dataclass
class Session:
    id: str
    token: str
    csrf: str
    expires: float  # time.monotonic(): a lifetime in elapsed time, whatever the calendar says


class Sessions:
    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, token: str) -> Session:
        session = Session(secrets.token_urlsafe(24), token, secrets.token_urlsafe(24),
                          time.monotonic() + LIFETIME_SECONDS)
        with self._lock:
            now = time.monotonic()
            for sid in [s for s, v in self._by_id.items() if v.expires < now]:
                del self._by_id[sid]
            self._by_id[session.id] = session
        return session

    def find(self, cookie: str | None) -> Session | None:
        sid = unsigned(cookie)
        if sid is None:
            return None
        with self._lock:
            session = self._by_id.get(sid)
        if session is None or session.expires < time.monotonic():
            return None
        return session

    def close(self, cookie: str | None) -> None:
        sid = unsigned(cookie)
        if sid is not None:
            with self._lock:
                self._by_id.pop(sid, None)


SESSIONS = Sessions()


def _mac(value: str) -> str:
    return hmac.new(_SECRET, value.encode(), hashlib.sha256).hexdigest()


def signed(sid: str) -> str:
    return f"{sid}.{_mac(sid)}"


def unsigned(cookie: str | None) -> str | None:
    if not cookie or "." not in cookie:
        return None
    sid, _, mac = cookie.rpartition(".")
    return sid if hmac.compare_digest(mac, _mac(sid)) else None


def principal_for(request: Request, token: str) -> Principal | None:
    """Who holds `token`, by the API's own rule; None when unknown or revoked."""
    try:
        return get_principal(request, HTTPAuthorizationCredentials(scheme="Bearer",
                                                                   credentials=token))
    except DomainError:
        return None


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
