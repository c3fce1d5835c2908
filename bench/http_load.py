"""HTTP load on loopback: the service in its own process (uvicorn, one worker), a threaded
keep-alive client (stdlib http.client: less client CPU per request than httpx, which matters
when client and server share two cores)."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.measure import Result, percentiles
from infra.settings import Settings

TOKEN = "bench-admin-token"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serving_copy(settings: Settings, out: Path) -> Settings:
    """A copy of an SQLite store for the server (its writes must not change the bench store)."""
    if settings.is_postgres:
        return settings
    source = settings.sqlite_path
    target = out / f"http_{source.name}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    # Checkpoint first so the copy of the main file is complete.
    import sqlite3

    conn = sqlite3.connect(str(source))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copyfile(source, target)
    return Settings(database_url=f"sqlite:///{target}")


def settle_workers(supervisor: int, workers: int, *, seconds: float = 90.0) -> None:
    """Until uvicorn started all `workers` (one after the other: the first answers while the
    next is still opening its runtime) and each has gone quiet (its start-up work done), so
    the load meets every worker and not one."""
    deadline = time.monotonic() + seconds

    def spawned() -> list[int]:
        path = Path(f"/proc/{supervisor}/task/{supervisor}/children")
        pids = [int(p) for p in path.read_text().split()] if path.exists() else []
        return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]

    while len(spawned()) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    settle(spawned, deadline)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pids: Callable[[], list[int]], deadline: float) -> None:
    """Until every process of `pids()` used under 0.1 s of CPU in half a second (its start-up
    work, or its projector's fold of the log, done), or the monotonic `deadline`."""
    while time.monotonic() < deadline:
        now = pids()
        before = [_cpu(p) for p in now]
        time.sleep(0.5)
        if all(_cpu(p) - b < 0.1 for p, b in zip(now, before, strict=True)):
            return


class Server:
    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        # The server runs on the bench's clock (the host's, BENCH_CLOCK), whatever pinned
        # clock the calling process has: the requests carry that clock's today.
        env = {**{k: v for k, v in os.environ.items()
                  if k not in ("HOSO_CLOCK_AT", "HOSO_CLOCK_ANCHOR")},
               "HOSO_DATABASE_URL": settings.database_url, "HOSO_ADMIN_TOKEN": TOKEN}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}"
                                   if self.proc.stderr else "server exited")
            try:
                status, _ = self.request("GET", "/api/v1/titles")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            return _send(conn, method, path, body)
        finally:
            conn.close()

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _send(conn: http.client.HTTPConnection, method: str, path: str,
          body: Any = None, token: str = TOKEN) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def load(server: Server, make: Callable[[int], tuple[str, str, Any]], *, seconds: float,
         threads: int, ok: int, token: str = TOKEN) -> Result:
    """Closed-loop load: `threads` clients, each sending its next request when answered
    (`token`: the bearer token they send; default the server's HOSO_ADMIN_TOKEN)."""
    counter = itertools.count()
    lock = threading.Lock()
    samples: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter)
            method, path, body = make(i)
            started = time.perf_counter()
            status, _ = _send(conn, method, path, body, token)
            mine.append(time.perf_counter() - started)
            codes[status] = codes.get(status, 0) + 1
        conn.close()
        with lock:
            samples.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    server_cpu = server.cpu_seconds() - cpu_before
    good = statuses.get(ok, 0)
    return percentiles(samples) | {"requests": len(samples), "seconds": elapsed,
                                   "requests_per_s": len(samples) / elapsed,
                                   "ok_per_s": good / elapsed,
                                   "server_cpu_seconds": server_cpu,
                                   "server_cpu_ms_per_request": (server_cpu * 1000 /
                                                                 max(1, len(samples))),
                                   "ok_per_server_cpu_s": good / server_cpu if server_cpu
                                   else None,
                                   "statuses": {str(k): v for k, v in sorted(statuses.items())},
                                   "threads": threads}


def http_bench(settings: Settings, cadre_ids: list[UUID], today_iso: str, out: Path, *,
               seconds: float, threads: int = 8) -> Result:
    copy = serving_copy(settings, out)
    started = time.perf_counter()
    server = Server(copy)
    startup = time.perf_counter() - started
    try:
        # one request each first: the first read builds caches (unit timeline, titles)
        server.request("GET", f"/api/v1/cadres/{cadre_ids[0]}")
        # The server's projector folds the log for findings in a background thread when it
        # starts (ADR 0009; a findings read answers from the stored rows meanwhile): wait
        # until it has gone quiet, so its CPU is not charged to requests.
        warm = time.perf_counter()
        server.request("GET", "/api/v1/findings")
        settle(lambda: [server.proc.pid], time.monotonic() + 600)
        startup += time.perf_counter() - warm

        def read(i: int) -> tuple[str, str, Any]:
            return "GET", f"/api/v1/cadres/{cadre_ids[(i * 7919) % len(cadre_ids)]}", None

        periods = [f"{y}-Q{q}" for y in range(2006, 2026) for q in (1, 2, 3, 4)]

        def write(i: int) -> tuple[str, str, Any]:
            cadre = cadre_ids[i % len(cadre_ids)]
            period = periods[(i // len(cadre_ids)) % len(periods)]
            return "POST", f"/api/v1/cadres/{cadre}/evaluations", {
                "period": period, "rating": "HTTNV", "decided_on": today_iso}

        reads = load(server, read, seconds=seconds, threads=threads, ok=200)
        writes = load(server, write, seconds=seconds, threads=threads, ok=201)
        return {"profile_read": reads, "evaluation_write": writes,
                "server_peak_rss_mb": server.peak_rss_mb(), "startup_s": startup}
    finally:
        server.stop()
        if not settings.is_postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy.sqlite_path}{suffix}").unlink(missing_ok=True)
