"""Writes on PostgreSQL with 8 concurrent clients and `hoso serve --workers 2`, before and after
the one projector (issue 15, ADR 0007), against the eventsourcing library's plain path on the
same server (8 threads in one process, one event per `save()`).

    python -m bench.projector_writes [--before /tmp/hoso-main] [--seconds 15] [--rounds 2]

`--before` is a checkout of the code to compare with (e.g. `git archive main | tar -x -C DIR`);
it is run with this virtualenv, its own sources first on the path. Each variant gets a fresh
database with the same cadres; a write is `POST /api/v1/cadres/{id}/evaluations` (a distinct
cadre × quarter each, 201 expected), as in `bench/http_load.py`. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from bench.http_load import TOKEN, Server, _free_port, load, settle_workers
from domain.commands import RegisterCadre
from domain.values import Gender
from infra.persistence import create_database_if_missing, drop_database, postgres_parts
from infra.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


class HosoServe(Server):
    """`hoso serve --workers N` from a source tree (this one or `--before`)."""

    def __init__(self, settings: Settings, tree: Path, workers: int) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
        env.update(HOSO_DATABASE_URL=settings.database_url, HOSO_ADMIN_TOKEN=TOKEN,
                   PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(self.port), "--workers",
             str(workers), "--log-level", "warning"],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + (self.proc.stderr.read().decode()[-2000:]
                                                        if self.proc.stderr else ""))
            try:
                if self.request("GET", "/api/v1/titles")[0] == 200:
                    settle_workers(self.proc.pid, workers)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        """The supervisor and its workers."""
        total = 0.0
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [self.proc.pid, *(int(p) for p in children.read_text().split())]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def fresh_url(admin: str) -> str:
    p = postgres_parts(admin)
    auth = p["user"] + (f":{p['password']}" if p["password"] else "")
    return f"postgresql://{auth}@{p['host']}:{p['port']}/hoso_bench_{uuid.uuid4().hex[:10]}"


def seed(settings: Settings, cadres: int) -> list[str]:
    from infra.runtime import open_runtime

    runtime = open_runtime(settings)
    try:
        return [str(runtime.app.register_cadre(RegisterCadre(full_name=f"Nguyễn Văn {i}",
                                                             gender=Gender.NAM,
                                                             born_on=date(1980, 1, 1 + i % 28)),
                                               recorded_by="bench").id)
                for i in range(cadres)]
    finally:
        runtime.close()


def bench_token(settings: Settings) -> str:
    """A real admin token, looked up (then kept) like any caller's: not the bootstrap
    HOSO_ADMIN_TOKEN, which is compared and throttle-checked on every request."""
    from infra.access import AccessStore
    from infra.runtime import open_runtime

    runtime = open_runtime(settings)
    try:
        return AccessStore.for_store(settings, runtime.engine, runtime.clock).create_token(
            name=f"bench-writes-{uuid.uuid4().hex[:12]}", role="admin")
    finally:
        runtime.close()


def hoso_writes(admin: str, tree: Path, *, cadres: int, seconds: float, workers: int,
                threads: int) -> dict[str, Any]:
    url = fresh_url(admin)
    create_database_if_missing(url)
    settings = Settings(database_url=url)
    try:
        ids = seed(settings, cadres)
        token = bench_token(settings)
        server = HosoServe(settings, tree, workers)
        try:
            periods = [f"{y}-Q{q}" for y in range(2006, 2026) for q in (1, 2, 3, 4)]

            def write(i: int) -> tuple[str, str, Any]:
                return "POST", f"/api/v1/cadres/{ids[i % len(ids)]}/evaluations", {
                    "period": periods[(i // len(ids)) % len(periods)], "rating": "HTTNV",
                    "decided_on": "2026-01-15"}

            result = load(server, write, seconds=seconds, threads=threads, ok=201, token=token)
            # Read your writes still holds: a read right after the load sees the last write.
            status, body = server.request("GET", f"/api/v1/cadres/{ids[0]}")
            result["read_after"] = status
            if status != 200:  # what the server said about it
                result["read_after_body"] = body[:1000].decode(errors="replace")
                server.stop()
                said = server.proc.stderr.read() if server.proc.stderr else b""
                result["server_stderr"] = said[-6000:].decode(errors="replace")
            return result
        finally:
            server.stop()
    finally:
        drop_database(url)


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


class PlainApp(Application[uuid.UUID]):
    name = "plainbench"


def plain_path(admin: str, *, seconds: float, threads: int) -> dict[str, Any]:
    """The library alone: `eventsourcing.postgres`, 8 threads, one new aggregate per save()."""
    url = fresh_url(admin)
    create_database_if_missing(url)
    p = postgres_parts(url)
    app = PlainApp(env={"PERSISTENCE_MODULE": "eventsourcing.postgres",
                        "POSTGRES_DBNAME": p["dbname"], "POSTGRES_HOST": p["host"],
                        "POSTGRES_PORT": p["port"], "POSTGRES_USER": p["user"],
                        "POSTGRES_PASSWORD": p["password"], "POSTGRES_POOL_SIZE": str(threads),
                        "CREATE_TABLE": "true"})
    counts = [0] * threads
    stop_at = time.perf_counter() + seconds

    def run(k: int) -> None:
        while time.perf_counter() < stop_at:
            app.save(Note(text="one"))
            counts[k] += 1

    try:
        started = time.perf_counter()
        workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        return {"saves": sum(counts), "seconds": elapsed, "saves_per_s": sum(counts) / elapsed,
                "threads": threads}
    finally:
        app.close()
        drop_database(url)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projector_writes",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, default=None,
                        help="also measure this checkout (omitted: this tree only)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1,
                        help="plain path and hoso measured alternately this many times")
    parser.add_argument("--postgres", default=Settings().test_postgres_url)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"load_before": loadavg(), "cpus": os.cpu_count(), "rounds": []}
    common = dict(cadres=args.cadres, seconds=args.seconds, workers=args.workers,
                  threads=args.threads)
    if args.before is not None:
        out["before"] = hoso_writes(args.postgres, args.before.resolve(), **common)  # type: ignore[arg-type]
    for _ in range(args.rounds):
        pair: dict[str, Any] = {"load_before": loadavg()}
        pair["plain"] = plain_path(args.postgres, seconds=args.seconds, threads=args.threads)
        pair["after"] = hoso_writes(args.postgres, ROOT, **common)  # type: ignore[arg-type]
        pair["load_after"] = loadavg()
        pair["after_over_plain"] = pair["after"]["ok_per_s"] / pair["plain"]["saves_per_s"]
        out["rounds"].append(pair)
        print(json.dumps({"plain_saves_per_s": pair["plain"]["saves_per_s"],
                          "hoso_writes_per_s": pair["after"]["ok_per_s"],
                          "ratio": pair["after_over_plain"], "load": pair["load_before"]}),
                      file=sys.stderr, flush=True)
    out["load_after"] = loadavg()
    out["plain"], out["after"] = out["rounds"][-1]["plain"], out["rounds"][-1]["after"]
    ratios = [r["after_over_plain"] for r in out["rounds"]]
    out["ratios"] = {"after_over_plain_min": min(ratios), "after_over_plain_max": max(ratios)}
    if "before" in out:
        out["ratios"]["after_over_before"] = out["after"]["ok_per_s"] / out["before"]["ok_per_s"]
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
