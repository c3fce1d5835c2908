"""Profiles of the figures that miss their targets (cProfile, stdlib), on a generated store.

    python -m bench.profile rebuild --size 100k
    python -m bench.profile profile|roster|record|cadre-quality|http-read --size 100k
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
from collections.abc import Callable
from typing import Any

from bench import measure
from bench.stores import SIZES, sqlite_url
from infra.clock import BENCH_CLOCK
from infra.settings import Settings
from projections import reports


def _work(what: str, settings: Settings, n: int) -> tuple[Callable[[], Any], Callable[[], None]]:
    if what == "rebuild":
        runtime = measure.open_bench_runtime(settings)
        return runtime.rebuild, runtime.close
    runtime = measure.open_bench_runtime(settings)
    rm = runtime.read_model
    rng = random.Random(3)
    if what in ("profile", "record"):
        qs = measure.questions(runtime, "cadre", n, rng)
        ask = rm.profile if what == "profile" else rm.record
        return (lambda: [ask(q.subject, rm.moment(q.as_of, q.known_at)) for q in qs],
                runtime.close)
    if what == "roster":
        qs = measure.questions(runtime, "unit", n, rng)
        return (lambda: [rm.roster(q.subject, rm.moment(q.as_of, q.known_at)) for q in qs],
                runtime.close)
    if what == "cadre-quality":
        return (lambda: [reports.cadre_quality(rm, rm.moment()) for _ in range(n)],
                runtime.close)
    if what == "http-read":
        # What GET /api/v1/cadres/{id} does, called in this thread (cProfile sees one thread):
        # get_moment (catch_up + moment), the read, the read-audit row, the response model.
        from api.routes.cadres import ProfileOut
        from api.security import Principal, record_read
        from infra.access import AccessStore

        ids = [row["id"] for row in rm.cadres(rm.moment(), limit=n)]
        access = AccessStore(runtime.engine, BENCH_CLOCK)
        admin = Principal(name="bench", role="admin", unit_id=None, cadre_id=None)

        def read(cadre_id: Any) -> Any:
            runtime.catch_up()
            m = rm.moment()
            profile = rm.profile(cadre_id, m)
            record_read(access, admin, cadre_id, "profile", m)
            return ProfileOut.model_validate({**(profile or {}), "as_of": m.as_of,
                                              "known_at": m.known_at, "position": m.position})

        return (lambda: [read(i) for i in ids], runtime.close)
    raise SystemExit(f"unknown: {what}")


def cache_read_tables() -> None:
    """What-if: memoise projections.tables.read_tables (it builds a new MetaData per call, so
    every query also misses SQLAlchemy's compiled-statement cache). Patched here only."""
    import functools

    import infra.runtime
    import projections.read_model
    import projections.runner
    import projections.tables

    cached = functools.lru_cache(maxsize=16)(projections.tables.read_tables)
    for module in (projections.tables, projections.read_model, projections.runner,
                   infra.runtime):
        if hasattr(module, "read_tables"):
            module.read_tables = cached  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("what")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--url", default=None, help="a store URL instead of --size's")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--cache-tables", action="store_true",
                        help="what-if: memoise projections.tables.read_tables")
    parser.add_argument("--time-only", action="store_true", help="no profiler, just time")
    args = parser.parse_args(argv)
    if args.cache_tables:
        cache_read_tables()
    settings = Settings(database_url=args.url or sqlite_url(f"sqlite_{SIZES[args.size]}"))
    work, close = _work(args.what, settings, args.n)
    if args.time_only:
        import time

        work()  # warm-up
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        close()
        print(f"{args.what}: {args.n} in {seconds:.3f} s = {seconds / args.n * 1000:.2f} ms each")
        return 0
    profiler = cProfile.Profile()
    try:
        profiler.runcall(work)
    finally:
        close()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
