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

from bench.http_load import _free_port, serving_copy, settle_workers
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


def listening_inodes(port: int) -> set[str]:
    """The inodes of the sockets listening on `port` (state 0A in /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                found.add(fields[9])
    return found


def service_roles(supervisor: int, port: int) -> dict[int, str]:
    """What each spawned child of a `hoso serve` (or uvicorn) supervisor is: "worker" when it
    holds a socket listening on `port`, else "projector" (multiprocessing's resource tracker
    is left out)."""
    path = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    listening = listening_inodes(port)
    roles = {}
    for child in (int(p) for p in path.read_text().split()) if path.exists() else ():
        try:
            if b"spawn_main" not in Path(f"/proc/{child}/cmdline").read_bytes():
                continue
            held = {os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")}
        except OSError:
            continue  # it just ended
        roles[child] = ("worker" if {f"socket:[{i}]" for i in listening} & held
                        else "projector")
    return roles


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
        # Every worker up (uvicorn starts them one after the other) and quiet.
        settle_workers(self.proc.pid, WORKERS)

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

    def memory_mb(self) -> list[dict[str, Any]]:
        """Each process's role (`service_roles`), resident set now and at its peak (VmRSS,
        VmHWM)."""
        out = []
        for pid, role in service_roles(self.proc.pid, self.port).items():
            status = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
            out.append({"role": role, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                        "peak_mb": int(status["VmHWM"].split()[0]) / 1024})
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def warm_findings(served: Served, token: str, calls: int = 8) -> None:
    """Findings asked on `calls` fresh connections at once (so both workers answer some)."""
    import threading

    def ask() -> None:
        req = urllib.request.Request(served.base + "/api/v1/findings",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=600) as answer:
            answer.read()

    threads = [threading.Thread(target=ask) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


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
                              "client": "wrk -t2 -c8", "seconds": seconds, "paths": len(ids),
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
            # Each worker folds the log for findings in the background when it starts (until
            # findings are a persisted projection): wait for both folds, so their CPU is not
            # charged to the reads. A findings request waits for its worker's fold.
            warm_findings(hoso, token)
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
        for suffix in ("", "-wal", "-shm", ".audit.lock", ".projector.lock", ".schema.lock"):
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


# --- the section of docs/benchmarks.md ---------------------------------------------------------

SECTION = Path(__file__).resolve().parent / "http_path.md"
BEGIN, END = "<!-- http-path: begin -->", "<!-- http-path: end -->"


def _is_worker(process: dict[str, Any]) -> bool:
    # Runs before the roles were recorded had only workers and the resource tracker (~13 MB).
    return bool(process["role"] == "worker" if "role" in process else process["peak_mb"] > 40)


def _workers_mb(hoso: dict[str, Any]) -> list[float]:
    return [w["peak_mb"] for w in hoso.get("workers_memory", []) if _is_worker(w)]


def render(floor_result: dict[str, Any], writes: dict[str, Any] | None,
           memory: dict[str, Any] | None = None) -> str:
    """The "HTTP path" section: every figure with both sides and the machine's load."""
    f = floor_result
    lines = ["## HTTP path and writes with several workers (issue 15, ADR 0008)", "",
             "`python -m bench.run --http-path` (also run by `make bench`): kept in "
             "`bench/http_path.md` and copied here.", "",
             f"**Profile reads, `hoso serve --workers {f['workers']}` on SQLite** (`size_10k`, "
             "a copy), against a hello-world FastAPI (`bench/hello.py`) on the same uvicorn "
             "(httptools, uvloop) with the same workers, answering a body of the same size "
             f"({f['profile_body_bytes']:,} bytes, the mean profile answer). Client: "
             f"{f['client']} ({f['connections']} keep-alive connections, a Lua script cycling "
             f"{f.get('paths', 2000):,} cadres), {f['seconds']:g} s per side after a 2 s "
             "warm-up; the two sides alternate, so each pair shares the machine's load (the "
             "1-minute load average before each side is given; 2.0 = both cores busy). The "
             "token is a real inspector token, looked up like any caller's; every answer "
             "writes its read-audit row durably before it is sent.", "",
             "| round | hello-world req/s (p99 ms; server CPU ms/req; load) | hoso req/s (p50 / "
             "p99 ms; server CPU ms/req; load) | non-2xx | ratio (target ≥ 0.20) | ratio of "
             "CPU per request | hoso worker peak RSS |",
             "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(f["rounds"], 1):
        h, o = r["hello"], r["hoso"]
        mb = " / ".join(f"{m:.0f}" for m in _workers_mb(o)) + " MB"
        lines.append(
            f"| {i} | {h['requests_per_s']:,.0f} ({h['p99_ms']:.1f}; "
            f"{h['server_cpu_ms_per_request']:.2f}; {h['load_before']:.1f}) | "
            f"{o['requests_per_s']:,.0f} ({o['p50_ms']:.1f} / {o['p99_ms']:.1f}; "
            f"{o['server_cpu_ms_per_request']:.2f}; {o['load_before']:.1f}) | "
            f"{o['non_2xx'] + o['socket_errors']} | **{r['ratio']:.3f}** | "
            f"{h['server_cpu_ms_per_request'] / o['server_cpu_ms_per_request']:.3f} | {mb} |")
    before = f.get("before")
    if before:
        lines += ["", f"Before this work, same bench, same day: {before}"]
    if writes:
        lines += ["", "**Writes on PostgreSQL, 8 concurrent clients, `hoso serve --workers 2`** "
                  "(`python -m bench.projector_writes --rounds N`): a fresh database with 300 "
                  "cadres, `POST /api/v1/cadres/{id}/evaluations` (a distinct cadre × quarter "
                  "each, 201 expected; a read right after the load must answer 200), 8 client "
                  "threads (stdlib `http.client`, keep-alive), against the eventsourcing "
                  "library's plain path on the same server (8 threads in one process, one new "
                  "aggregate per `save()`), alternating.", "",
                  "| round | plain path saves/s | hoso writes/s (p50 / p99 ms; server CPU ms per "
                  "write) | non-201 | read after | ratio (target ≥ 0.50) | load before → after |",
                  "|---|---|---|---|---|---|---|"]
        for i, r in enumerate(writes["rounds"], 1):
            a = r["after"]
            bad = sum(v for k, v in a["statuses"].items() if k != "201")
            lines.append(
                f"| {i} | {r['plain']['saves_per_s']:,.0f} | {a['ok_per_s']:,.0f} "
                f"({a['p50_ms']:.0f} / {a['p99_ms']:.0f}; "
                f"{a['server_cpu_ms_per_request']:.1f}) | {bad} | {a.get('read_after')} | "
                f"**{r['after_over_plain']:.2f}** | {r['load_before'][0]:.1f} → "
                f"{r['load_after'][0]:.1f} |")
    if memory and "projector" in memory:  # a run of this bench (older ones said "fold")
        def phase_mb(phase: str) -> str:
            return " / ".join(f"{w['rss_mb']:.0f}" for w in memory[phase] if _is_worker(w))

        peak = " / ".join(f"{m:.0f}" for m in memory["peak_mb_per_worker"])
        external = memory["projector"] == "external"
        lines += ["", f"**Server memory per worker at {memory['events']:,} events** "
                  f"(`python -m bench.worker_memory --size {memory['size']} --projector "
                  f"{memory['projector']}`: `--workers 2` on a copy of the SQLite store, "
                  + ("beside `hoso project`, which folds the log for findings" if external
                     else "which runs the projector (and its findings fold) in a process of "
                     "its own beside the workers")
                  + f"; a first findings read, answered in "
                  f"{memory['findings_first']['seconds']:.1f} s once the server was up; then "
                  "profile reads with wrk as above, then every report twice): resident set after "
                  f"start-up {phase_mb('after_start')} MB, after the findings {phase_mb('after_findings')} "
                  f"MB, after {memory['reads']['requests']:,} profile reads "
                  f"({memory['reads']['requests_per_s']:,.0f} req/s) {phase_mb('after_reads')} MB, "
                  f"after the reports {phase_mb('after_reports')} MB; peak {peak} MB"
                  + (f", {'`hoso project`' if external else 'the projector process'} "
                     f"{memory['peak_mb_projector']:.0f} MB"
                     if memory.get("peak_mb_projector") is not None else "")
                  + f" (target ≤ 300 MB per worker; load {memory['load_before']:.1f} → "
                  f"{memory['load_after']:.1f})."]
    notes = Path(__file__).resolve().parent / "http_path_notes.md"  # the analysis, by hand
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def splice(doc: Path, section: str) -> None:
    """Put the section into the document between its markers (or at its end)."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)
