"""A real hoso server (uvicorn in a subprocess on a free port) and HTTP helpers for e2e tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.access import AccessStore
from infra.database import engine_for
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import fresh_store, suite_clock

ADMIN_TOKEN = "e2e-admin-token-0123456789"
ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def issue_token(settings: Settings, *, name: str, role: str, unit_id: UUID | str | None = None,
                cadre_id: UUID | str | None = None) -> str:
    """What `hoso token create` does, without a subprocess."""
    engine = engine_for(settings)
    try:
        return AccessStore(engine, suite_clock()).create_token(
            name=name, role=role, unit_id=UUID(str(unit_id)) if unit_id else None,
            cadre_id=UUID(str(cadre_id)) if cadre_id else None)
    finally:
        engine.dispose()


@contextmanager
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 name: str, **settings: Any) -> Iterator[Settings]:
    """A fresh store for a module-scoped fixture parametrised with "sqlite" / "postgres"."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    tmp = tmp_path_factory.mktemp(f"{name}-{request.param}")
    with fresh_store(request.param, tmp) as base:
        yield base.model_copy(update=settings)


def decision(number: str, signed_on: str, signer: str = "Lê Toàn Khánh",
             issuer: str = "Ban Thường vụ Quận ủy") -> dict[str, str]:
    return {"number": number, "signed_on": signed_on, "issuer": issuer, "signer": signer}


@dataclass
class Server:
    base_url: str
    settings: Settings
    process: subprocess.Popen[bytes]
    log_path: Path  # the server's stdout and stderr

    def client(self, token: str | None = ADMIN_TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url + API, headers=headers, timeout=30)

    def token(self, *, name: str, role: str, unit_id: Any = None, cadre_id: Any = None) -> str:
        return issue_token(self.settings, name=name, role=role, unit_id=unit_id,
                           cadre_id=cadre_id)


def server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env.update(HOSO_DATABASE_URL=settings.database_url, HOSO_ADMIN_TOKEN=ADMIN_TOKEN,
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                          if p))
    # The server reads the suite's pinned clock, to the microsecond (see tests/conftest.py).
    if settings.clock_at is not None:
        env["HOSO_CLOCK_AT"] = settings.clock_at.isoformat()
    if settings.clock_anchor is not None:
        env["HOSO_CLOCK_ANCHOR"] = repr(settings.clock_anchor)
    # Where the projector runs and how long reads wait for it (ADR 0007), when a test chose.
    if settings.projector != "embedded":
        env["HOSO_PROJECTOR"] = settings.projector
    if settings.read_wait_seconds != Settings().read_wait_seconds:
        env["HOSO_READ_WAIT_SECONDS"] = repr(settings.read_wait_seconds)
    if settings.signing_key is not None:
        env.update(HOSO_SIGNING_KEY=str(settings.signing_key),
                   HOSO_CHECKPOINT_EVERY_EVENTS=str(settings.checkpoint_every_events),
                   HOSO_CHECKPOINT_EVERY_MINUTES=str(settings.checkpoint_every_minutes))
    return env


def stop_session(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, with its children (a server's workers)."""
    # The group even when its leader is gone already: children it left must not outlive it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_server(settings: Settings, *, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    log = ROOT / ".pytest_cache" / f"hoso-server-{port}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers",
             str(workers), "--log-level", "warning"],
            cwd=ROOT, env=server_env(settings), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(base, settings, process, log)
    finally:
        stop_session(process)
        # Keep a server's log only when it shows an error worth reading.
        if log.exists() and "Traceback" not in log.read_text(errors="replace"):
            log.unlink()


@pytest.fixture
def server(store_settings: Settings) -> Iterator[Server]:
    with running_server(store_settings) as s:
        yield s


def create_unit(server: Server, code: str) -> str:
    """A unit recorded through the server (admin): its id."""
    with server.client() as client:
        return str(created(client.post("/units", json={
            "code": code, "name": f"Phòng {code}", "kind": "phong",
            "established_on": "2015-01-01"}))["id"])


def listed_units(server: Server) -> set[str]:
    """The ids the server lists as units now (a read: it waits for the read side)."""
    with server.client() as client:
        return {u["id"] for u in ok(client.get("/units"))["units"]}


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


class ScenarioWorld:
    """An in-process app on a store, set up by a scenario test: its tokens by role name."""

    tokens: dict[str, str]

    def __init__(self, runtime: Runtime, client: TestClient) -> None:
        self.runtime, self.client = runtime, client

    def as_(self, who: str, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, f"/api/v1{url}", **kwargs,
                                   headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def head(self) -> int:
        found = self.runtime.log.head()
        return found[0] if found else 0


@contextmanager
def in_process(settings: Settings, **update: Any) -> Iterator[tuple[Runtime, TestClient]]:
    """The store's runtime and a client of an app on it, in this process (the scenario
    tests' world): `update` changes the settings (an admin token, a signing key)."""
    settings = settings.model_copy(update=update)
    runtime = open_runtime(settings)
    try:
        with TestClient(create_app(settings, runtime)) as client:
            yield runtime, client
    finally:
        runtime.close()


Post = Callable[..., dict[str, Any]]
