"""Server memory per worker (issue 15's target: at most 300 MB per worker at 1M events):
`hoso serve --workers 2` on a copy of a generated SQLite store, serving findings, profile reads
(wrk, as `bench.http_floor` does) and then every report; each worker's resident set (VmRSS)
and its peak (VmHWM) read from /proc after each phase.

    python -m bench.worker_memory [--size 1m] [--seconds 15] [--projector external]

Findings are a persisted projection (ADR 0009): only the process leading the projector folds
the log and keeps each cadre's facts. With `--projector embedded` (`hoso serve`'s default)
that is one of the workers; with `--projector external` the workers run with
HOSO_PROJECTOR=external beside a `hoso project` process, whose memory is given apart. The
first findings read waits for the projector's fold (the time is given). Prints JSON and keeps
it in `bench/out/worker_memory.json`, which `python -m bench.run --http-path` puts into
docs/benchmarks.md. At 1M the copy's read side is built first (25 minutes under load 12-17).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench.http_floor import ROOT, Served, _env, wrk
from bench.http_load import serving_copy
from bench.stores import OUT, SIZES, ensure_store, sqlite_url

YEAR = "from=2025-01-01&to=2025-12-31"
REPORTS = ("cadre-quality", "employees", "evaluations?period=2025", f"actions?{YEAR}",
           f"training?{YEAR}", f"vettings?{YEAR}", f"summary?{YEAR}")


def memory_of(pid: int) -> dict[str, float]:
    status = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "peak_mb": int(status["VmHWM"].split()[0]) / 1024}


def findings_current(base: str, token: str, *, timeout: float = 3600) -> dict[str, Any]:
    """GET /findings until it answers 200 (a 503 `read_side_behind` while the projector folds
    the log): the seconds it took and the findings' count."""
    began = time.perf_counter()
    while True:
        req = urllib.request.Request(f"{base}/api/v1/findings?rule=no_vetting",
                                     headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=600) as answer:
                body = json.loads(answer.read())
                return {"seconds": time.perf_counter() - began, "count": body["count"]}
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.perf_counter() - began > timeout:
                raise
            time.sleep(1)


def measure(size: str, out: Path, *, seconds: float, projector: str) -> dict[str, Any]:
    from infra.access import AccessStore
    from infra.runtime import open_runtime

    profile = SIZES[size]
    store = ensure_store(size, profile, sqlite_url(f"sqlite_{profile}", out), out=out)
    copy = serving_copy(store.settings, out)
    started = time.perf_counter()
    runtime = open_runtime(copy)  # builds the copy's read side (once; the workers wait for it)
    settle_s = time.perf_counter() - started
    try:
        ids = [str(r["id"]) for r in runtime.read_model.cadres(runtime.read_model.moment(),
                                                               limit=2000)]
        token = AccessStore.for_store(copy, runtime.engine, runtime.clock).create_token(
            name=f"bench-memory-{uuid.uuid4().hex[:12]}", role="inspector")
    finally:
        runtime.close()
    env = _env(HOSO_DATABASE_URL=copy.database_url, HOSO_PROJECTOR=projector)
    result: dict[str, Any] = {"size": size, "events": store.events, "projector": projector,
                              "read_side_build_s": settle_s, "load_before": os.getloadavg()[0]}
    alone = (subprocess.Popen([sys.executable, "-m", "api", "project", "--log-level",
                               "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
             if projector == "external" else None)
    served = Served([sys.executable, "-m", "api", "serve", "--workers", "2", "--log-level",
                     "warning"], env, "/openapi.json")

    def phase(name: str) -> None:
        result[name] = served.memory_mb()
        if alone is not None:
            result[name + "_projector"] = memory_of(alone.pid)

    try:
        phase("after_start")
        result["findings_first"] = findings_current(served.base, token)
        phase("after_findings")
        result["reads"] = wrk(served, [f"/api/v1/cadres/{i}" for i in ids], token, seconds)
        phase("after_reads")
        timings = {}
        for _ in range(2):  # each worker likely answers each report once
            for report in REPORTS:
                began = time.perf_counter()
                req = urllib.request.Request(f"{served.base}/api/v1/reports/{report}",
                                             headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(req, timeout=600) as answer:
                    answer.read()
                    timings[report.split("?")[0]] = {"status": answer.status,
                                                     "seconds": time.perf_counter() - began}
        result["reports"] = timings
        phase("after_reports")
    finally:
        served.stop()
        if alone is not None:
            alone.terminate()
            alone.wait(timeout=60)
    for suffix in ("", "-wal", "-shm", ".audit.lock", ".projector.lock", ".schema.lock"):
        Path(f"{copy.sqlite_path}{suffix}").unlink(missing_ok=True)
    result["peak_mb_per_worker"] = [w["peak_mb"] for w in result["after_reports"]
                                    if w["role"] == "worker"]
    if alone is not None:
        result["peak_mb_projector"] = result["after_reports_projector"]["peak_mb"]
    else:  # `hoso serve` runs it in a process of its own beside the workers
        result["peak_mb_projector"] = max((w["peak_mb"] for w in result["after_reports"]
                                           if w["role"] == "projector"), default=None)
    result["load_after"] = os.getloadavg()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1m")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--projector", choices=("embedded", "external"), default="embedded")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = measure(args.size, args.out, seconds=args.seconds, projector=args.projector)
    (args.out / "worker_memory.json").write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
