"""`make bench`: measure hoso on generated stores of growing size; write docs/benchmarks.md.

    python -m bench.run                       # 10k, 100k, 1m on SQLite
    python -m bench.run --sizes 10k,100k      # a subset
    python -m bench.run --quick               # 10k only, few samples (a minute or so)
    python -m bench.run --sizes 1m --postgres # the 1M profile on PostgreSQL (DB dropped after)
    python -m bench.run --sizes 1m --only rebuild,raw   # some parts only (merged into results)
    python -m bench.run --sizes 10m --only reports,verify,raw   # the 10M store (generated once)

Stores are generated once into bench/out/ and reused. Results accumulate in
bench/out/results.json (per backend and size; a later run replaces the sizes it measured), and
docs/benchmarks.md is rewritten from all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import measure
from bench.baseline import BASELINE_REV, at_revision
from bench.document import write_document
from bench.http_load import http_bench
from bench.stores import OUT, SIZES, Store, ensure_store, sqlite_url
from infra.clock import BENCH_CLOCK
from infra.persistence import drop_database

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PG_BENCH_URL = "postgresql://postgres@127.0.0.1:5432/hoso_bench"


@dataclass(frozen=True)
class Plan:
    """How many samples each measurement takes."""

    queries: int = 300
    replays: int = 100
    report_runs: int = 10
    findings_runs: int = 2
    library_events: int = 20_000
    http_seconds: float = 10.0
    plain_stop: int | None = None  # None: the whole smallest profile on the plain path
    repeats: int = 3  # rebuild runs; the best is kept
    # Raw read and verify runs, the best kept: seconds each even at 1M, and their wall-clock
    # figures swing with the machine's load, so three at every size.
    scan_repeats: int = 3

    @staticmethod
    def quick() -> Plan:
        return Plan(queries=40, replays=10, report_runs=2, findings_runs=1,
                    library_events=2_000, http_seconds=2.0, plain_stop=2_000, repeats=1,
                    scan_repeats=1)

    def for_size(self, events: int) -> Plan:
        if events > 500_000:
            return Plan(self.queries, min(self.replays, 50), min(self.report_runs, 5), 1,
                        self.library_events, self.http_seconds, self.plain_stop, 1,
                        self.scan_repeats)
        return self


def say(text: str) -> None:
    print(f"[{BENCH_CLOCK.now():%H:%M:%S}] {text}", flush=True)


PARTS = ("ingest", "rebuild", "library", "raw", "verify", "queries", "reports", "findings",
         "http")


def measure_store(store: Store, plan: Plan, *, backend: str, smallest: bool,
                  out: Path = OUT, step: Callable[[str], None] = say,
                  only: frozenset[str] | None = None) -> dict[str, Any]:
    """Every part (or those in `only`) on one store; each figure next to its baseline."""
    settings = store.settings

    def want(part: str) -> bool:
        return only is None or part in only

    plan = plan.for_size(store.events)
    r: dict[str, Any] = {"events": store.events, "profile": store.profile,
                         "measured_at": BENCH_CLOCK.now().isoformat(timespec="seconds"),
                         "loadavg_before": os.getloadavg()[0]}

    if want("ingest"):
        step(f"{backend} {store.size}: ingest")
        r["ingest"] = ingest(store, plan, backend=backend, smallest=smallest, out=out)

    # The read side is brought up to date only for the parts that query it.
    queried = any(want(p) for p in ("queries", "reports", "findings", "http"))
    if queried:
        step(f"{backend} {store.size}: read side up to date")
    runtime = measure.open_bench_runtime(settings) if queried else None
    try:
        if want("rebuild"):
            step(f"{backend} {store.size}: rebuild (subprocess)")
            r["rebuild"] = measure.best_of(
                plan.repeats, lambda: measure.rebuild_in_subprocess(settings.database_url))
            if r["rebuild"].get("workers"):
                # The rebuild in parts beside one process's bulk load on the same store.
                step(f"{backend} {store.size}: rebuild in one process (the parts' baseline)")
                r["rebuild_single"] = measure.best_of(plan.repeats, lambda: (
                    measure.rebuild_in_subprocess(settings.database_url, workers=1)))
        if want("library"):
            step(f"{backend} {store.size}: library runner pattern "
                 f"({min(plan.library_events, store.events):,} events)")
            if backend == "postgres":
                from bench.library_runner import run_library_projection

                r["library_runner"] = run_library_projection(
                    settings, limit=min(plan.library_events, 5_000))
            else:
                r["library_runner"] = measure.library_runner_pattern(
                    settings, limit=plan.library_events)
        if want("raw"):
            step(f"{backend} {store.size}: raw read + decode")
            r["raw"] = measure.best_of(plan.scan_repeats, lambda: measure.raw_read_decode(settings))
        if want("verify"):
            step(f"{backend} {store.size}: verify")
            r["verify"] = measure.best_of(plan.scan_repeats, lambda: measure.verify(settings),
                                          by="events_per_s")
            # Baselines in the same run: one walk (SQLite) or one server connection, and the
            # code before issue 19 (bench/baseline.py) on the same store.
            r["verify_single"] = measure.best_of(
                plan.scan_repeats, lambda: measure.verify(settings, workers=1), by="events_per_s")
            r["verify_before"] = measure.best_of(plan.scan_repeats, lambda: at_revision(
                BASELINE_REV, f"measure.verify(Settings(database_url={settings.database_url!r}))"),
                by="events_per_s")
        if want("queries"):
            assert runtime is not None
            step(f"{backend} {store.size}: as-of queries and replay")
            r["queries"] = measure.latencies(runtime, n=plan.queries, replay_n=plan.replays)
        if want("reports"):
            assert runtime is not None
            step(f"{backend} {store.size}: reports")
            r["reports"] = measure.report_latencies(
                runtime, n=plan.report_runs,
                baseline_runs=2 if store.events > 2_000_000 else None)
        if want("findings"):
            assert runtime is not None
            step(f"{backend} {store.size}: findings")
            r["findings"] = measure.findings_latency(runtime, n=plan.findings_runs)
        cadre_ids = [row["id"] for row in runtime.read_model.cadres(
            runtime.read_model.moment(), limit=100_000)] if runtime and want("http") else []
    finally:
        if runtime is not None:
            runtime.close()
    if want("http"):
        step(f"{backend} {store.size}: HTTP")
        try:
            r["http"] = http_bench(settings, cadre_ids, BENCH_CLOCK.today().isoformat(), out,
                                   seconds=plan.http_seconds)
        except Exception as error:  # noqa: BLE001 - the note says why HTTP was skipped
            r["http"] = {"skipped": f"{type(error).__name__}: {error}"[:500]}
    # Other sessions share this machine: the 1-minute load average says how busy it was.
    r["loadavg_after"] = os.getloadavg()[0]
    return r


def ingest(store: Store, plan: Plan, *, backend: str, smallest: bool,
           out: Path) -> dict[str, Any]:
    """Bulk path measured now where cheap (≤ 100k events on SQLite), else its generation time;
    the plain path only on the smallest size."""
    result: dict[str, Any] = {}
    fresh = backend == "sqlite" and (store.events <= 200_000 or store.generated_now)
    if fresh and not store.generated_now:
        url = sqlite_url(f"ingest_bulk_{store.profile}", out)
        result["bulk"] = measure.ingest(store.profile, url, bulk=True) | {"when": "this run"}
        drop_database(url)
        # The same profile through the generator as it was before issue 19 (same history).
        result["bulk_before"] = at_revision(
            BASELINE_REV, f"measure.ingest({store.profile!r}, {url!r}, bulk=True)") \
            | {"when": "this run"}
        drop_database(url)
    else:
        result["bulk"] = {"events": store.events, "seconds": store.generation_seconds,
                          "events_per_s": store.events / store.generation_seconds,
                          "when": "this run" if store.generated_now else
                          "when the store was generated (earlier run)"}
    if smallest and backend == "sqlite":
        url = sqlite_url(f"ingest_plain_{store.profile}", out)
        result["plain"] = measure.ingest(store.profile, url, bulk=False,
                                         stop_after=plan.plain_stop) | {"when": "this run"}
        drop_database(url)
    return result


def machine() -> dict[str, Any]:
    import eventsourcing

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "eventsourcing": getattr(eventsourcing, "__version__", "9.5"),
            "cpu": _cpu_model()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def load_results(path: Path) -> dict[str, Any]:
    if path.exists():
        return dict(json.loads(path.read_text()))
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None,
                        help="comma-separated from 10k,100k,1m,10m (default: 10k,100k,1m; "
                             "--quick: 10k; 10m is generated once, ~10 GB)")
    parser.add_argument("--quick", action="store_true", help="few samples, smallest size")
    parser.add_argument("--postgres", action="store_true",
                        help=f"measure on PostgreSQL ({PG_BENCH_URL}, dropped afterwards)")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated parts from {','.join(PARTS)}; their figures "
                             "replace those of earlier runs, the others are kept")
    parser.add_argument("--pg-url", default=PG_BENCH_URL,
                        help="the PostgreSQL database to measure on (runs side by side need "
                             "their own)")
    parser.add_argument("--keep-postgres", action="store_true",
                        help="keep the PostgreSQL store for a later run (not dropped)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--doc-only", action="store_true",
                        help="rewrite the document from bench/out/results.json, measure nothing")
    parser.add_argument("--http-path", action="store_true",
                        help="only issue 15's HTTP figures: profile reads against a hello-world "
                             "floor (SQLite, wrk) and writes against the library's plain path "
                             "(PostgreSQL); writes bench/http_path.md into the document")
    args = parser.parse_args(argv)
    if args.doc_only:
        write_document(load_results(args.out / "results.json"), args.doc)
        return 0
    if args.http_path:
        http_path(args.out, args.doc, quick=args.quick)
        return 0
    sizes = (args.sizes or ("10k" if args.quick else "10k,100k,1m")).split(",")
    for size in sizes:
        if size not in SIZES or not SIZES[size]:
            parser.error(f"unknown size {size!r}; choose from 10k, 100k, 1m, 10m")
    only = frozenset(args.only.split(",")) if args.only else None
    if only is not None and not only <= set(PARTS):
        parser.error(f"unknown part in {args.only!r}; choose from {', '.join(PARTS)}")
    plan = Plan.quick() if args.quick else Plan()
    backend = "postgres" if args.postgres else "sqlite"
    results_path = args.out / "results.json"
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        profile = SIZES[size]
        started = time.perf_counter()
        if backend == "postgres":
            url = args.pg_url
            if not (args.out / f"{args.pg_url.rsplit('/', 1)[1]}.json").exists():
                drop_database(args.pg_url)  # a generation that did not finish
        else:
            url = sqlite_url(f"sqlite_{profile}", args.out)
        say(f"{backend} {size}: store {url}")
        try:
            store = ensure_store(size, profile, url, out=args.out, say=say)
            entry = measure_store(store, plan, backend=backend, smallest=size == "10k",
                                  out=args.out, only=only)
        finally:
            if backend == "postgres" and not args.keep_postgres:
                drop_database(args.pg_url)
                (args.out / f"{args.pg_url.rsplit('/', 1)[1]}.json").unlink(missing_ok=True)
        entry["quick"] = args.quick
        entry["wall_s"] = time.perf_counter() - started
        # Re-read before writing: another run may have recorded other sizes meanwhile.
        results = load_results(results_path)
        results["machine"] = machine()
        if only is not None:  # the parts measured now replace theirs; the rest is kept
            entry = {**results.get(backend, {}).get(size, {}), **entry}
        results.setdefault(backend, {})[size] = entry
        results_path.write_text(json.dumps(results, indent=1, default=str))
        write_document(results, args.doc)
        say(f"{backend} {size}: done in {entry['wall_s']:.0f} s; wrote {args.doc}")
    if backend == "sqlite" and not args.quick and args.sizes is None and only is None:
        http_path(args.out, args.doc, quick=False)  # `make bench`: issue 15's figures too
    return 0


def http_path(out: Path, doc: Path, *, quick: bool) -> None:
    """Issue 15's figures (bench/http_floor.py, bench/projector_writes.py), each side measured
    in the same run; written to bench/http_path.md and spliced into the document."""
    import shutil

    from bench import http_floor, projector_writes

    if shutil.which("wrk") is None:
        say("http path: wrk is not installed (apt-get install -y wrk): skipped")
        return
    seconds, rounds = (3.0, 1) if quick else (10.0, 3)
    say("http path: profile reads against the hello-world floor (SQLite 10k)")
    store = ensure_store("10k", SIZES["10k"], sqlite_url(f"sqlite_{SIZES['10k']}", out),
                         out=out, say=say)
    floor = http_floor.floor(store.settings, out, seconds=seconds, rounds=rounds)
    (out / "http_floor.json").write_text(json.dumps(floor, indent=1, default=str))
    writes = None
    try:
        say("http path: writes against the library's plain path (PostgreSQL)")
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            projector_writes.main(["--seconds", str(seconds * 1.5), "--rounds", str(rounds)])
        writes = json.loads(buffer.getvalue())
        (out / "pg_writes.json").write_text(json.dumps(writes, indent=1, default=str))
    except Exception as error:  # noqa: BLE001 - PostgreSQL absent: the reads still count
        say(f"http path: writes skipped ({type(error).__name__}: {error})")
    # At 1M events (`python -m bench.worker_memory`, run on its own: the 1M store and its read
    # side take long to make), when measured.
    memory_file = out / "worker_memory.json"
    memory = json.loads(memory_file.read_text()) if memory_file.exists() else None
    section = http_floor.render(floor, writes, memory)
    http_floor.SECTION.write_text(section)
    http_floor.splice(doc, section)
    say(f"http path: wrote {http_floor.SECTION} and {doc}")


if __name__ == "__main__":
    sys.exit(main())
