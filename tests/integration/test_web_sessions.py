"""Web sessions in the database, on both stores: what one worker opens another finds (the
signing key is shared through the database, never drawn per process), the row keeps no token,
expiry follows the injected clock, revoked tokens' and expired sessions are purged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from infra.access import AccessStore, token_hash
from infra.clock import PinnedClock
from infra.database import engine_for
from infra.sessions import LIFETIME, WebSessions, web_sessions
from infra.settings import Settings
from tests.conftest import SUITE_AT


@pytest.fixture
def engine(store_settings: Settings) -> Iterator[Engine]:
    engine = engine_for(store_settings)
    yield engine
    engine.dispose()


def test_a_session_opened_by_one_worker_is_found_by_another(engine: Engine) -> None:
    clock = PinnedClock(SUITE_AT, tick=False)
    access = AccessStore(engine, clock)
    token = access.create_token(name="Chuyên viên", role="inspector")
    one, other = WebSessions(engine, clock), WebSessions(engine, clock)
    session = one.open(token)
    cookie = one.signed(session.id)
    found = other.find(cookie)
    assert found is not None
    assert (found.csrf, found.token_hash) == (session.csrf, token_hash(token))
    assert access.holder_of_hash(found.token_hash) is not None
    # The row holds neither the token nor the session id.
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(web_sessions)).all()]
    assert not any(token in str(r) or session.id in str(r) for r in rows)
    # A forged or tampered cookie is "not signed in".
    assert other.find(session.id + ".0" * 32) is None
    assert other.find(cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None
    assert other.find(None) is None and other.find("") is None
    other.close(cookie)
    assert one.find(cookie) is None


def test_expiry_follows_the_injected_clock_and_expired_rows_go(engine: Engine) -> None:
    clock = PinnedClock(SUITE_AT, tick=False)
    token = AccessStore(engine, clock).create_token(name="Người dùng", role="admin")
    sessions = WebSessions(engine, clock)
    cookie = sessions.signed(sessions.open(token).id)
    clock.move_to(SUITE_AT + LIFETIME - timedelta(seconds=1))
    assert sessions.find(cookie) is not None
    clock.move_to(SUITE_AT + LIFETIME)
    assert sessions.find(cookie) is None
    assert sessions.purge() == 1
    assert sessions.count() == 0


def test_revoked_tokens_sessions_are_purged(engine: Engine) -> None:
    clock = PinnedClock(SUITE_AT, tick=False)
    access = AccessStore(engine, clock)
    kept, gone = (access.create_token(name=n, role="inspector") for n in ("Giữ", "Thu hồi"))
    sessions = WebSessions(engine, clock)
    sessions.open(kept)
    revoked = sessions.signed(sessions.open(gone).id)
    assert access.revoke("Thu hồi")
    found = sessions.find(revoked)
    assert found is not None and access.holder_of_hash(found.token_hash) is None
    assert sessions.purge() == 1
    assert sessions.find(revoked) is None and sessions.count() == 1
