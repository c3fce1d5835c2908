"""`hoso project` on its own keeps a HOSO_PROJECTOR=external server's reads current (issue 15,
ADR 0007): the server's workers apply nothing; with the projector stopped a read answers 503
read_side_behind after the bounded wait; a second `hoso project` takes over when the first
stops. SQLite and PostgreSQL, two workers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from infra.settings import Settings
from tests.e2e.conftest import (
    ROOT,
    Server,
    create_unit,
    listed_units,
    running_server,
    server_env,
    stop_session,
)


@contextmanager
def projector_process(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-m", "api", "project", "--log-level",
                                "warning"], cwd=ROOT, env=server_env(settings),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        yield process
    finally:
        stop_session(process)


@pytest.fixture
def external(store_settings: Settings) -> Iterator[Server]:
    # Long enough for a projector started beside it to lead; short enough for the test.
    settings = store_settings.model_copy(update={"projector": "external",
                                                 "read_wait_seconds": 8.0})
    with running_server(settings, workers=2) as server:
        yield server


def test_hoso_project_keeps_an_external_servers_reads_current(external: Server) -> None:
    settings = external.settings
    with projector_process(settings) as first:
        # Every read after a 201 reflects it, whichever worker answers.
        for i in range(6):
            assert create_unit(external, f"P{i}") in listed_units(external)

        with projector_process(settings) as second:
            stop_session(first)  # the leader goes: the one waiting beside it takes over
            assert create_unit(external, "TAKEOVER") in listed_units(external)
            stop_session(second)

        # No projector anywhere: the write is recorded and answered, the read waits, then 503.
        created_id = create_unit(external, "STOPPED")
        with external.client() as client:
            behind = client.get("/units")
        assert behind.status_code == 503, behind.text
        assert behind.json()["code"] == "read_side_behind"
        assert int(behind.headers["Retry-After"]) >= 1

    with projector_process(settings):
        assert created_id in listed_units(external)
