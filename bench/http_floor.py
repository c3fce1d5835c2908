"""The HTTP path against its floor (issue 15): profile reads from `hoso serve --workers 2` on
SQLite against a hello-world FastAPI app (bench/hello.py) on the same uvicorn (httptools,
uvloop), the same workers and a body of the same size, measured in the same run by the same
load client (wrk, C, 2 threads, 8 keep-alive connections; a Lua script cycles the paths).

    python -m bench.http_floor [--size 10k] [--seconds 10] [--rounds 2]

The pair is measured `rounds` times, alternating, so both sides see the same machine load (the
1-minute load average is taken before and after each). Prints JSON; `bench.run` stores it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench.http_load import _free_port, serving_copy
from bench.stores import OUT, SIZES, ensure_store, sqlite_url
from infra.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CONNECTIONS = 8
TOKEN_NAME = "bench-floor"

LUA = """
local paths = {%s}
local i = 0
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"p50_us":%%d,' ..
    '"p90_us":%%d,"p99_us":%%d,"max_us":%%d,"non_2xx":%%d,"socket_errors":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


class Served:
    """A server process with workers (uvicorn's supervisor and its children)."""

    def __init__(self, argv: list[str], env: dict[str, str], probe: str) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen([*argv, "--port", str(self.port)], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 600
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + (self.proc.stderr.read().decode()[-2000:]
                                                        if self.proc.stderr else ""))
            try:
                with urllib.request.urlopen(self.base + probe, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        # Every worker up (uvicorn starts them one after the other).
        while len(self.workers()) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in [self.proc.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def memory_mb(self) -> list[dict[str, float]]:
        """Each worker's resident set now and at its peak (VmRSS, VmHWM)."""
        out = []
        for pid in self.workers():
            status = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
            out.append({"rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                        "peak_mb": int(status["VmHWM"].split()[0]) / 1024})
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wrk(served: Served, paths: list[str], token: str, seconds: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (",".join(json.dumps(p) for p in paths), token))
    try:
        # A short warm-up (first requests build caches, open pools), then the measured run.
        subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", "-s", script.name,
                        served.base], capture_output=True, check=True)
        load_before = os.getloadavg()[0]
        cpu = served.cpu_seconds()
        done = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s",
                               "--timeout", "10s", "-s", script.name, served.base],
                              capture_output=True, text=True, check=True)
        cpu = served.cpu_seconds() - cpu
    finally:
        os.unlink(script.name)
    found = re.search(r"^JSON (.*)$", done.stdout, re.M)
    if found is None:
        raise RuntimeError(f"wrk said: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    r: dict[str, Any] = json.loads(found.group(1))
    secs = r["duration_us"] / 1e6
    return {"requests_per_s": r["requests"] / secs, "requests": r["requests"],
            "seconds": secs, "body_bytes_mean": r["bytes"] / max(1, r["requests"]),
            "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "max_ms": r["max_us"] / 1000,
            "non_2xx": r["non_2xx"], "socket_errors": r["socket_errors"],
            "server_cpu_ms_per_request": cpu * 1000 / max(1, r["requests"]),
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSO_", "BENCH_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def floor(settings: Settings, out: Path, *, seconds: float = 10.0, rounds: int = 2,
          paths_n: int = 2000) -> dict[str, Any]:
    from infra.access import AccessStore
    from infra.runtime import open_runtime

    copy = serving_copy(settings, out)
    runtime = open_runtime(copy)
    try:
        ids = [str(r["id"]) for r in runtime.read_model.cadres(runtime.read_model.moment(),
                                                               limit=paths_n)]
        # A real token (looked up like any caller's), not the HOSO_ADMIN_TOKEN shortcut.
        token = AccessStore.for_store(copy, runtime.engine, runtime.clock).create_token(
            name=f"{TOKEN_NAME}-{uuid.uuid4().hex[:12]}", role="inspector")
    finally:
        runtime.close()
    hoso_paths = [f"/api/v1/cadres/{i}" for i in ids]
    python = sys.executable
    hoso = Served([python, "-m", "api", "serve", "--workers", str(WORKERS), "--log-level",
                   "warning"], _env(HOSO_DATABASE_URL=copy.database_url), "/openapi.json")
    try:
        # The body size the floor answers with: the mean profile answer.
        sizes = []
        for path in hoso_paths[:50]:
            req = urllib.request.Request(hoso.base + path,
                                         headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req) as answer:
                sizes.append(len(answer.read()))
        body = round(sum(sizes) / len(sizes))
    finally:
        hoso.stop()
    result: dict[str, Any] = {"workers": WORKERS, "connections": CONNECTIONS,
                              "client": "wrk -t2 -c8", "seconds": seconds,
                              "profile_body_bytes": body, "rounds": []}
    hello_paths = [f"/hello/{i}" for i in ids]
    for _ in range(rounds):
        pair: dict[str, Any] = {}
        hello = Served([python, "-m", "uvicorn", "bench.hello:app", "--workers",
                        str(WORKERS), "--http", "httptools", "--loop", "uvloop",
                        "--log-level", "warning", "--no-access-log"],
                       _env(BENCH_HELLO_BYTES=str(body)), "/hello/x")
        try:
            pair["hello"] = wrk(hello, hello_paths, token, seconds)
        finally:
            hello.stop()
        hoso = Served([python, "-m", "api", "serve", "--workers", str(WORKERS),
                       "--log-level", "warning"],
                      _env(HOSO_DATABASE_URL=copy.database_url), "/openapi.json")
        try:
            pair["hoso"] = wrk(hoso, hoso_paths, token, seconds)
            pair["hoso"]["workers_memory"] = hoso.memory_mb()
        finally:
            hoso.stop()
        pair["ratio"] = pair["hoso"]["requests_per_s"] / pair["hello"]["requests_per_s"]
        result["rounds"].append(pair)
        print(json.dumps({k: (v if k == "ratio" else {x: v[x] for x in (
            "requests_per_s", "p99_ms", "non_2xx", "server_cpu_ms_per_request",
            "load_before")}) for k, v in pair.items()}), file=sys.stderr, flush=True)
    ratios = [p["ratio"] for p in result["rounds"]]
    result["ratio_min"], result["ratio_max"] = min(ratios), max(ratios)
    result["hoso_p99_ms_max"] = max(p["hoso"]["p99_ms"] for p in result["rounds"])
    if not settings.is_postgres:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy.sqlite_path}{suffix}").unlink(missing_ok=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="10k")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install -y wrk)")
    profile = SIZES[args.size]
    store = ensure_store(args.size, profile, sqlite_url(f"sqlite_{profile}", args.out),
                         out=args.out)
    result = floor(store.settings, args.out, seconds=args.seconds, rounds=args.rounds)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
