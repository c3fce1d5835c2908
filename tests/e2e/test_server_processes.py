"""`hoso serve --workers 2` is a service of processes (issue 15, ADR 0007): each worker listens
on a socket of its own (SO_REUSEPORT: the kernel spreads connections over them), the projector
runs in a process of its own beside them, and whichever of them dies is started again while
the others go on answering. A second service on the same port is refused, not let in to take
half the connections. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.http_floor import listening_inodes, service_roles
from infra.settings import Settings
from tests.e2e.conftest import (
    ROOT,
    Server,
    create_unit,
    listed_units,
    running_server,
    server_env,
)


def service(server: Server) -> tuple[list[int], list[int]]:
    """The supervisor's spawned children: the workers (each holding a socket listening on the
    server's port) and the others (the projector)."""
    roles = service_roles(server.process.pid, int(server.base_url.rsplit(":", 1)[1]))
    return ([pid for pid, role in roles.items() if role == "worker"],
            [pid for pid, role in roles.items() if role != "worker"])


def own_listening_sockets(pid: int, port: int) -> set[str]:
    links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    return {f"socket:[{i}]" for i in listening_inodes(port)} & links


def until(what: str, check: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.2)


@pytest.fixture
def two_workers(store_settings: Settings) -> Iterator[Server]:
    # Long enough for a projector started again to lead before a read gives up.
    settings = store_settings.model_copy(update={"read_wait_seconds": 20.0})
    with running_server(settings, workers=2) as server:
        until("both workers listening", lambda: len(service(server)[0]) == 2)
        yield server


def fresh_connections_answer(server: Server, times: int) -> list[int]:
    """Each request on a new connection, so the kernel places each anew."""
    statuses = []
    for _ in range(times):
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            statuses.append(client.get("/openapi.json").status_code)
    return statuses


def test_each_process_of_the_service_is_started_again_and_the_rest_answer_meanwhile(
        two_workers: Server) -> None:
    # One server for the whole scenario: each step leaves the service whole for the next.
    workers, others = service(two_workers)
    assert len(workers) == 2
    port = int(two_workers.base_url.rsplit(":", 1)[1])
    first, second = (own_listening_sockets(pid, port) for pid in workers)
    # Not one socket shared by both, as uvicorn's own supervisor hands out.
    assert first and second and first.isdisjoint(second)
    assert len(others) == 1  # the projector
    assert create_unit(two_workers, "P1") in listed_units(two_workers)

    # A worker killed outright: the other answers meanwhile, a new one takes its place.
    victim = sorted(workers)[0]
    os.kill(victim, signal.SIGKILL)
    until("the killed worker gone", lambda: victim not in service(two_workers)[0])
    assert fresh_connections_answer(two_workers, 10) == [200] * 10
    until("a new worker listening in its place",
          lambda: len(service(two_workers)[0]) == 2, seconds=60)
    assert victim not in service(two_workers)[0]
    assert fresh_connections_answer(two_workers, 10) == [200] * 10
    assert create_unit(two_workers, "P2") in listed_units(two_workers)

    # The projector killed outright: a write is recorded and answered at once; the read after
    # it waits for the projector the service starts again, and reflects it.
    (projector,) = service(two_workers)[1]
    os.kill(projector, signal.SIGKILL)
    until("the killed projector gone", lambda: projector not in service(two_workers)[1])
    recorded = create_unit(two_workers, "P3")
    assert recorded in listed_units(two_workers)
    assert len(service(two_workers)[1]) == 1

    # A second service on the same port is refused; the first goes on.
    second_service = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers", "2",
         "--log-level", "warning"],
        cwd=ROOT, env=server_env(two_workers.settings), capture_output=True, timeout=120)
    assert second_service.returncode == 1
    assert "the port is in use" in second_service.stderr.decode()
    assert len(service(two_workers)[0]) == 2
    assert fresh_connections_answer(two_workers, 4) == [200] * 4


def test_the_processes_end_with_a_supervisor_killed_outright(store_settings: Settings) -> None:
    with running_server(store_settings, workers=2) as server:
        until("both workers listening", lambda: len(service(server)[0]) == 2)
        workers, others = service(server)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()

        def gone(pid: int) -> bool:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return True
            return state == "Z"  # ended, its parent gone before reaping it

        # No orphan keeps the port (or the projector's lock) from a service started again.
        until("every worker and the projector ended",
              lambda: all(gone(pid) for pid in [*workers, *others]))
