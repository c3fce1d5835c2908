"""Server memory per worker (issue 15's target: at most 300 MB per worker at 1M events):
`--workers 2` on a copy of a generated SQLite store, serving profile reads (wrk, as
`bench.http_floor` does) and then every report, each worker's resident set (VmRSS) and its peak
(VmHWM) read from /proc after each phase.

    python -m bench.worker_memory [--size 1m] [--seconds 15] [--fold]

Without `--fold` the workers do not fold the log for findings (`FindingsIndex.catch_up` is made
a no-op in this bench's app factory, and no findings are asked): findings are moving out of
the workers into a persisted projection (issue 15, "Findings as a projection"), so what is
measured is what a worker holds for everything else. With `--fold` the workers are `hoso
serve`'s own (each folds the log in the background at start-up). Prints JSON and keeps it in
`bench/out/worker_memory.json`, which `python -m bench.run --http-path` puts into
docs/benchmarks.md. At 1M the copy's read side is built first (25 minutes under load 12-17).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench.http_floor import Served, _env, wrk
from bench.http_load import serving_copy
from bench.stores import OUT, SIZES, ensure_store, sqlite_url

YEAR = "from=2025-01-01&to=2025-12-31"
REPORTS = ("cadre-quality", "employees", "evaluations?period=2025", f"actions?{YEAR}",
           f"training?{YEAR}", f"vettings?{YEAR}", f"summary?{YEAR}")


def create_app() -> Any:
    """`api.app.create_app` with workers that never fold the log for findings."""
    from api.app import create_app as app_factory
    from projections.findings import FindingsIndex

    def no_fold(self: FindingsIndex) -> int:
        return self.position

    FindingsIndex.catch_up = no_fold  # type: ignore[method-assign]
    return app_factory()


def measure(size: str, out: Path, *, seconds: float, fold: bool) -> dict[str, Any]:
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
    python = sys.executable
    argv = ([python, "-m", "api", "serve", "--workers", "2", "--log-level", "warning"] if fold
            else [python, "-m", "uvicorn", "bench.worker_memory:create_app", "--factory",
                  "--workers", "2", "--http", "httptools", "--loop", "uvloop",
                  "--log-level", "warning", "--no-access-log"])
    result: dict[str, Any] = {"size": size, "events": store.events, "fold": fold,
                              "read_side_build_s": settle_s}
    served = Served(argv, _env(HOSO_DATABASE_URL=copy.database_url), "/openapi.json")
    try:
        result["after_start"] = served.memory_mb()
        result["reads"] = wrk(served, [f"/api/v1/cadres/{i}" for i in ids], token, seconds)
        result["after_reads"] = served.memory_mb()
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
        result["after_reports"] = served.memory_mb()
    finally:
        served.stop()
    for suffix in ("", "-wal", "-shm", ".audit.lock", ".projector.lock", ".schema.lock"):
        Path(f"{copy.sqlite_path}{suffix}").unlink(missing_ok=True)
    workers = [w["peak_mb"] for w in result["after_reports"] if w["peak_mb"] > 40]
    result["peak_mb_per_worker"] = workers
    result["load_after"] = os.getloadavg()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1m")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--fold", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = measure(args.size, args.out, seconds=args.seconds, fold=args.fold)
    (args.out / "worker_memory.json").write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
