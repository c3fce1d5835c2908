"""Tokens kept in each worker's memory end on every worker at once when revoked (ADR 0008).

Two workers on PostgreSQL and on SQLite: a token is used on both (so both keep it), revoked
beside the server (`hoso token revoke` does the same), and the very next request on any worker
is 401. Expiry is checked on the kept token too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from infra.access import AccessStore
from infra.database import engine_for
from tests.conftest import fresh_store, suite_clock
from tests.e2e.conftest import API, Server, running_server

CALLS = 16
# Refused calls count as failed authentications (10 a minute, then 429): fewer than that.
REFUSED = 8


@pytest.fixture(params=["sqlite", "postgres"])
def two_workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Server]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    with fresh_store(request.param, tmp_path_factory.mktemp(f"tokens-{request.param}")) as s, \
            running_server(s, workers=2) as server:
        yield server


def fresh_get(server: Server, token: str, path: str = "/units") -> int:
    with httpx.Client(base_url=server.base_url + API, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        return client.get(path).status_code


def test_a_revoked_token_ends_on_every_worker_at_once(two_workers: Server) -> None:
    token = two_workers.token(name="doc-gia-1", role="inspector")
    other = two_workers.token(name="doc-gia-2", role="inspector")
    assert [fresh_get(two_workers, token) for _ in range(CALLS)] == [200] * CALLS
    assert [fresh_get(two_workers, other) for _ in range(CALLS)] == [200] * CALLS

    engine = engine_for(two_workers.settings, durable=True)
    try:
        assert AccessStore(engine, suite_clock()).revoke("doc-gia-1")
    finally:
        engine.dispose()
    # No wait: the next request on either worker reads the raised epoch with the log head.
    assert [fresh_get(two_workers, token) for _ in range(REFUSED)] == [401] * REFUSED
    # Another token is read again once, and goes on working.
    assert [fresh_get(two_workers, other) for _ in range(CALLS)] == [200] * CALLS


def test_kept_tokens_still_expire(two_workers: Server) -> None:
    engine = engine_for(two_workers.settings, durable=True)
    try:
        store = AccessStore(engine, suite_clock())
        # Made as if a day ago with a one-day life: it ends five seconds from the suite's now.
        token = store.create_token(name="ngan-han", role="inspector", expires_days=1,
                                   now=suite_clock().now() - timedelta(days=1, seconds=-5))
    finally:
        engine.dispose()
    assert fresh_get(two_workers, token) == 200
    time.sleep(6)  # the pinned clock runs on from its anchor
    assert [fresh_get(two_workers, token) for _ in range(REFUSED)] == [401] * REFUSED
