"""Signed-in browsers: a session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token.

Sessions live in the database (`infra/sessions.py`), so any worker serves any request and a
restart signs nobody out. The row keeps the hash of the bearer token given at sign-in, never the
token; every request resolves that hash again against the token table, so a revoked (or
expired) token ends the session at once, on every worker. A forged or stale cookie is just "not
signed in".
"""

from __future__ import annotations

import hmac

from fastapi import Request

from api.security import ADMIN, BOOTSTRAP_ADMIN_NAME, Principal
from infra.access import AccessStore, token_hash
from infra.sessions import WebSession, WebSessions

COOKIE = "hoso_phien"
SIGN_IN_COOKIE = "hoso_csrf"  # double-submit token of the sign-in form (no session yet)

Session = WebSession


def sessions_of(request: Request) -> WebSessions:
    sessions: WebSessions = request.app.state.sessions
    return sessions


def open_session(request: Request, token: str) -> str:
    """A session for `token` (already accepted by `get_principal`); the cookie's value."""
    sessions = sessions_of(request)
    return sessions.signed(sessions.open(token).id)


def find_session(request: Request) -> Session | None:
    return sessions_of(request).find(request.cookies.get(COOKIE))


def close_session(request: Request) -> None:
    sessions_of(request).close(request.cookies.get(COOKIE))


def principal_of(request: Request, session: Session) -> Principal | None:
    """Who holds the session's token, by the API's rule; None when unknown, revoked or
    expired. The admin token (HOSO_ADMIN_TOKEN) is not in the token table: it is recognised by
    its hash, so rotating it ends the admin's sessions."""
    admin_token = request.app.state.settings.admin_token
    if admin_token and hmac.compare_digest(token_hash(admin_token), session.token_hash):
        return Principal(BOOTSTRAP_ADMIN_NAME, ADMIN, None, None)
    access: AccessStore = request.app.state.access
    holder = access.holder_of_hash(session.token_hash)
    if holder is None:
        return None
    return Principal(holder.name, holder.role, holder.unit_id, holder.cadre_id)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))

