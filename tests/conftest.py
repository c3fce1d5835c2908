"""Store fixtures shared by all tests: a fresh SQLite file or a fresh PostgreSQL database.

The suite's clock is pinned: every process (this one, and the servers the e2e tests start, which
inherit the environment) reads 24/11/2026 09:00 in Vietnam, ticking from when the suite started,
whatever the host's date. Tests that are about a date pin their own (`PinnedClock.on`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest

from domain.calendar import VIETNAM, Clock
from infra.clock import anchor_reading, clock_from
from infra.persistence import create_database_if_missing, drop_database, postgres_parts
from infra.settings import Settings

SUITE_DAY = date(2026, 11, 24)
SUITE_AT = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
os.environ["HOSO_CLOCK_AT"] = SUITE_AT.isoformat()
os.environ["HOSO_CLOCK_ANCHOR"] = repr(anchor_reading())


def suite_clock() -> Clock:
    """The suite's pinned clock, the one `Settings()` and every server started here read."""
    return clock_from(Settings())


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'hoso.sqlite3'}")


@contextmanager
def fresh_store(kind: str, tmp: Path, base: Settings | None = None) -> Iterator[Settings]:
    """A new SQLite file or PostgreSQL database, dropped afterwards. PostgreSQL unreachable:
    skipped, except on CI, where a missing PostgreSQL is a broken pipeline, not a reason to skip.
    Usable from fixtures of any scope."""
    base = base or Settings()
    if kind == "sqlite":
        yield base.model_copy(update={"database_url": f"sqlite:///{tmp / 'hoso.sqlite3'}"})
        return
    admin = base.test_postgres_url
    try:
        with psycopg.connect(admin, connect_timeout=3):
            pass
    except psycopg.OperationalError as e:
        if base.ci:
            pytest.fail(f"PostgreSQL unreachable at {admin}: {e}")
        pytest.skip(f"PostgreSQL unreachable at {admin}")
    p = postgres_parts(admin)
    auth = p["user"] + (f":{p['password']}" if p["password"] else "")
    url = f"postgresql://{auth}@{p['host']}:{p['port']}/hoso_test_{uuid.uuid4().hex[:12]}"
    create_database_if_missing(url)
    try:
        yield base.model_copy(update={"database_url": url})
    finally:
        drop_database(url)


@pytest.fixture
def postgres_settings(tmp_path: Path) -> Iterator[Settings]:
    with fresh_store("postgres", tmp_path) as settings:
        yield settings


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings
