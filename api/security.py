"""Who is calling, and what their role and unit scope allow.

Roles (contract): `admin` everything; `personnel` writes within its unit subtree (cadres holding
posts there today, or unplaced cadres it registered) and reads there; `inspector` reads
everything and writes nothing; `leader` reads within its subtree; `self` reads its own cadre.
Scope refusals raise `NotPermitted` (403); a missing or unknown token is 401.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.deps import request_view, request_view_async
from api.errors import NotAuthenticated, TooManyFailures
from domain.errors import NotPermitted
from infra.access import AccessStore
from infra.settings import Settings

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

ADMIN, PERSONNEL, INSPECTOR, LEADER, SELF = "admin", "personnel", "inspector", "leader", "self"
ALL_ROLES = (ADMIN, PERSONNEL, INSPECTOR, LEADER, SELF)
READ_ALL_ROLES = (ADMIN, INSPECTOR)
BOOTSTRAP_ADMIN_NAME = "admin"

bearer = HTTPBearer(
    auto_error=False,
    description="Bearer token issued by `hoso token create` (or HOSO_ADMIN_TOKEN for admin)",
)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    unit_id: UUID | None
    cadre_id: UUID | None


async def get_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> Principal:
    """The caller. A token this worker kept under the current token epoch (the common case)
    is answered on the event loop, with no thread-pool hop; any other is looked up, and a
    failure counted, in the thread pool (those are queries and writes)."""
    token = _bearer_token(credentials)
    access: AccessStore = request.app.state.access
    # Tokens this worker resolved under the current token epoch are kept in memory (revoked
    # anywhere, the epoch moves and they are read again: ADR 0008); they skip the throttle,
    # which exists for guesses, and a guess is never a kept token.
    holder = access.kept(token, (await request_view_async(request)).token_epoch)
    if holder is not None:
        return Principal(holder.name, holder.role, holder.unit_id, holder.cadre_id)
    return await run_in_threadpool(_principal_of, request, token)


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise NotAuthenticated("Thiếu bearer token (missing bearer token)",
                               code="not_authenticated")
    return credentials.credentials


def _principal_of(request: Request, token: str) -> Principal:
    settings: Settings = request.app.state.settings
    access: AccessStore = request.app.state.access
    attempts = f"auth:{client_address(request)}"
    epoch = request_view(request).token_epoch
    # A client that keeps failing waits, valid token or not: otherwise the guesses go on at
    # full speed and only the lucky one is let through.
    wait = access.blocked_for(attempts, settings.auth_failures_per_minute)
    if wait is not None:
        raise TooManyFailures(wait)
    if settings.admin_token and hmac.compare_digest(token.encode("utf-8", "replace"),
                                                    settings.admin_token.encode("utf-8")):
        return Principal(BOOTSTRAP_ADMIN_NAME, ADMIN, None, None)
    holder = access.resolve(token, epoch)
    if holder is None:
        access.count_attempt(attempts)
        raise NotAuthenticated("Token không hợp lệ (unknown or revoked token)",
                               code="invalid_token")
    return Principal(holder.name, holder.role, holder.unit_id, holder.cadre_id)


def client_address(request: Request) -> str:
    """The address failures are counted against (behind a proxy, run uvicorn with
    --proxy-headers so this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def _refuse(message: str) -> NotPermitted:
    return NotPermitted(message, code="forbidden")


def require_role(p: Principal, *roles: str) -> None:
    if p.role not in roles:
        raise _refuse(f"Vai trò '{p.role}' không được phép thao tác này (role {p.role} may not "
                      f"do this; allowed: {', '.join(roles)})")


def _in_subtree(p: Principal, runtime: Runtime, unit_id: UUID, m: Moment) -> bool:
    if p.unit_id is None:
        return False
    return unit_id in set(runtime.read_model.subtree(p.unit_id, m))


def _holds_post_in_subtree(p: Principal, runtime: Runtime, cadre_id: UUID, m: Moment) -> bool:
    if p.unit_id is None:
        return False
    held = runtime.read_model.cadre_unit_ids(cadre_id, m)
    return bool(held) and bool(held & set(runtime.read_model.subtree(p.unit_id, m)))


def _scope_moment(runtime: Runtime, m: Moment) -> Moment:
    """The tree that scopes a read: the unit tree on the date asked about, as the record knows
    it NOW. A past `known_at` chooses what is shown, never who may see it: a unit moved out of
    a leader's subtree cannot be read again by asking for an instant before the move."""
    return runtime.read_model.moment(as_of=m.as_of)


def _now(runtime: Runtime) -> Moment:
    return runtime.read_model.moment()


def _registered_unplaced(p: Principal, runtime: Runtime, cadre_id: UUID, today: Moment) -> bool:
    # A cadre just registered holds no post yet; its registrar may complete the record.
    return (not runtime.read_model.cadre_unit_ids(cadre_id, today)
            and _registrar(runtime.read_model.registered_by(cadre_id)) == p.name)


def _registrar(recorded_by: str | None) -> str | None:
    # An import records "<user> (import <digest>)": the user is still the registrar.
    return recorded_by.split(" (import ", 1)[0] if recorded_by else recorded_by


def check_read_cadre(p: Principal, runtime: Runtime, cadre_id: UUID, m: Moment) -> None:
    if p.role in READ_ALL_ROLES:
        return
    if p.role == SELF:
        if p.cadre_id == cadre_id:
            return
        raise _refuse("Chỉ được xem hồ sơ của chính mình (self reads only its own record)")
    if p.role in (LEADER, PERSONNEL):
        # In scope when the cadre holds a post in the subtree on the date asked about, or today.
        if _holds_post_in_subtree(p, runtime, cadre_id, _scope_moment(runtime, m)):
            return
        today = _now(runtime)
        if _holds_post_in_subtree(p, runtime, cadre_id, today):
            return
        if p.role == PERSONNEL and _registered_unplaced(p, runtime, cadre_id, today):
            return
        raise _refuse("Cán bộ không thuộc phạm vi đơn vị được giao (cadre outside your unit "
                      "subtree)")
    raise _refuse(f"Vai trò '{p.role}' không được xem hồ sơ (role may not read records)")


def check_read_unit(p: Principal, runtime: Runtime, unit_id: UUID, m: Moment) -> None:
    if p.role in READ_ALL_ROLES:
        return
    if p.role in (LEADER, PERSONNEL):
        if _in_subtree(p, runtime, unit_id, _scope_moment(runtime, m)) \
                or _in_subtree(p, runtime, unit_id, _now(runtime)):
            return
        raise _refuse("Đơn vị nằm ngoài phạm vi được giao (unit outside your unit subtree)")
    raise _refuse(f"Vai trò '{p.role}' không được xem danh sách đơn vị này (role may not read "
                  "unit rosters)")


# Writes are scoped from the aggregates (the unit tree and the posts held today), never from
# the projection: a write neither waits on the read side nor queries it (issue 14).


def _may_write_in(p: Principal, runtime: Runtime, unit_ids: set[UUID]) -> bool:
    if p.unit_id is None:
        return False
    today = runtime.app.window().today
    return any(runtime.app.unit_within(u, p.unit_id, today) for u in unit_ids)


def check_write_cadre(p: Principal, runtime: Runtime, cadre_id: UUID) -> None:
    """Personnel write for cadres holding a post in their subtree today, and for the unplaced
    cadres they registered."""
    if p.role == ADMIN:
        return
    require_role(p, ADMIN, PERSONNEL)
    held, registrar = runtime.app.posts_held(cadre_id, runtime.app.window().today)
    if _may_write_in(p, runtime, held):
        return
    if not held and registrar is not None and _registrar(registrar) == p.name:
        return
    raise _refuse("Cán bộ không thuộc phạm vi đơn vị được giao (cadre outside your unit "
                  "subtree)")


def check_write_unit(p: Principal, runtime: Runtime, unit_id: UUID) -> None:
    if p.role == ADMIN:
        return
    require_role(p, ADMIN, PERSONNEL)
    if _may_write_in(p, runtime, {unit_id}):
        return
    raise _refuse("Đơn vị nằm ngoài phạm vi được giao (unit outside your unit subtree)")


def check_correct_entry(p: Principal, runtime: Runtime, cadre_id: UUID, position: int) -> None:
    """A correction or retraction concerns two scopes: the cadre's, and the unit of the entry it
    supersedes (a retraction of another unit's appointment is a write in that unit)."""
    check_write_cadre(p, runtime, cadre_id)
    if p.role == ADMIN:
        return
    unit_id = runtime.app.entry_to_correct(cadre_id, position).payload.get("unit_id")
    if isinstance(unit_id, UUID):
        check_write_unit(p, runtime, unit_id)


def record_reads(access: AccessStore, p: Principal, cadre_ids: list[UUID], what: str,
                 m: Moment) -> None:
    """The read audit of an answer listing named people (roster, search, findings)."""
    access.record_reads(reader=p.name, role=p.role, cadre_ids=cadre_ids, what=what,
                        as_of=m.as_of, known_at=m.known_at, position=m.position)


def record_read(access: AccessStore, p: Principal, cadre_id: UUID, what: str,
                m: Moment) -> None:
    """Write the read audit row for a profile, record or CV shown to `p` (who looked)."""
    access.record_read(reader=p.name, role=p.role, cadre_id=cadre_id, what=what, as_of=m.as_of,
                       known_at=m.known_at, position=m.position)
