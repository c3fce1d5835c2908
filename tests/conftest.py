"""Store fixtures shared by all tests: a fresh SQLite file or a fresh PostgreSQL database.

The suite's clock is pinned: every process (this one, and the servers the e2e tests start, which
inherit the environment) reads 24/11/2026 09:00 in Vietnam, ticking from when the suite started,
whatever the host's date. Tests that are about a date pin their own (`PinnedClock.on`).
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest

from domain.calendar import VIETNAM, Clock
from infra.clock import anchor_reading, clock_from
from infra.persistence import (
    create_database_if_missing,
    drop_database,
    open_key_store,
    postgres_parts,
)
from infra.settings import Settings

SUITE_DAY = date(2026, 11, 24)
SUITE_AT = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
os.environ["HOSO_CLOCK_AT"] = SUITE_AT.isoformat()
os.environ["HOSO_CLOCK_ANCHOR"] = repr(anchor_reading())


def suite_clock() -> Clock:
    """The suite's pinned clock, the one `Settings()` and every server started here read."""
    return clock_from(Settings())


@pytest.fixture
def sqlite_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    empty = request.node.get_closest_marker("empty_store") is not None
    with fresh_store("sqlite", tmp_path, empty=empty) as settings:
        yield settings


@contextmanager
def fresh_store(kind: str, tmp: Path, base: Settings | None = None, *,
                empty: bool = False) -> Iterator[Settings]:
    """A new SQLite file or PostgreSQL database, dropped afterwards. PostgreSQL unreachable:
    skipped, except on CI, where a missing PostgreSQL is a broken pipeline, not a reason to skip.
    Usable from fixtures of any scope.

    With the default settings and not `empty`, the store is a copy of one whose schema this
    test process made once (`_template`): the same tables as a first start makes, no event.
    Making the ~60 tables and their indexes costs 2-3 s per PostgreSQL database and ~0.3 s per
    SQLite file, a copy ~0.2 s and ~5 ms; the suite makes hundreds. Tests about what a start
    does to a store with nothing in it ask for `empty` (marker `empty_store`)."""
    templated = base is None and not empty
    base = base or Settings()
    if kind == "sqlite":
        path = tmp / "hoso.sqlite3"
        if templated:
            for suffix in ("", "-wal"):
                made = Path(_template("sqlite") + suffix)
                if made.exists():
                    shutil.copyfile(made, f"{path}{suffix}")
        yield base.model_copy(update={"database_url": f"sqlite:///{path}"})
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
    if templated:
        _copy_database(admin, _template("postgres"), postgres_parts(url)["dbname"])
    else:
        create_database_if_missing(url)
    settings = base.model_copy(update={"database_url": url})
    try:
        yield settings
    finally:
        # The process-wide key store keeps a connection to the database: closed now, not left
        # idle until the drop (queued behind others) ends it. Hundreds of tests, three
        # processes: otherwise they fill PostgreSQL's connection slots.
        open_key_store(settings).close()
        _DROPS.put(url)


def examples_on(kind: str, sqlite: int) -> int:
    """How many random examples a property test checks on a store: all of them on SQLite, half
    on PostgreSQL. The histories do not depend on the store, only how they are written and read
    back does; a PostgreSQL example costs two to three times a SQLite one (round trips, DDL)."""
    return sqlite if kind == "sqlite" else max(3, sqlite // 2)


@pytest.fixture
def postgres_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    empty = request.node.get_closest_marker("empty_store") is not None
    with fresh_store("postgres", tmp_path, empty=empty) as settings:
        yield settings


_TEMPLATES: dict[str, str] = {}  # kind -> this process's template (a file path or a dbname)

# Run in a child so that no connection of this process stays on the template (PostgreSQL copies
# only a database nobody is connected to) and no process-wide cache remembers it.
_MAKE_TEMPLATE = """
import sys
from infra import access, idempotency, read_chain, sessions
from infra.runtime import open_runtime
from infra.settings import Settings
runtime = open_runtime(Settings(database_url=sys.argv[1]))
for tables in (access.metadata, sessions.metadata, idempotency.metadata):
    tables.create_all(runtime.engine, checkfirst=True)
read_chain.ensure_tables(runtime.engine)
"""


def _template(kind: str) -> str:
    """This process's template store of `kind`, made on first use, dropped at exit."""
    if kind in _TEMPLATES:
        return _TEMPLATES[kind]
    settings = Settings()
    if kind == "sqlite":
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"hoso_template_{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        made, url = str(folder / "hoso.sqlite3"), f"sqlite:///{folder / 'hoso.sqlite3'}"
    else:
        p = postgres_parts(settings.test_postgres_url)
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        made = f"hoso_template_{uuid.uuid4().hex[:12]}"
        url = f"postgresql://{auth}@{p['host']}:{p['port']}/{made}"
    subprocess.run([sys.executable, "-c", _MAKE_TEMPLATE, url], check=True,
                   cwd=Path(__file__).resolve().parents[1])
    _TEMPLATES[kind] = made
    return made


def _copy_database(admin: str, template: str, name: str) -> None:
    # The template's last backend may still be exiting: PostgreSQL then refuses the copy.
    for attempt in range(50):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 49:
                raise
            time.sleep(0.1)


# A test's databases are dropped by a thread of their own while the next test runs: DROP
# DATABASE waits on the disk (~1-2 s each, hundreds of them); the session's end waits for it.
_DROPS: queue.Queue[str | None] = queue.Queue()


def _drop_each() -> None:
    while (url := _DROPS.get()) is not None:
        try:
            drop_database(url)
        except psycopg.Error as e:  # left behind, said at the end; the next tests go on
            _LEFT.append(f"{url}: {e}")


_LEFT: list[str] = []


_DROPPER = threading.Thread(target=_drop_each, name="drop test databases", daemon=True)
_DROPPER.start()


def drop_templates() -> None:
    if "sqlite" in _TEMPLATES:
        shutil.rmtree(Path(_TEMPLATES.pop("sqlite")).parent, ignore_errors=True)
    if "postgres" in _TEMPLATES:
        p = postgres_parts(Settings().test_postgres_url)
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        drop_database(f"postgresql://{auth}@{p['host']}:{p['port']}/{_TEMPLATES.pop('postgres')}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _DROPS.put(None)
    _DROPPER.join()
    drop_templates()
    for left in _LEFT:
        print(f"test database not dropped: {left}", file=sys.stderr)


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest) -> Settings:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings
