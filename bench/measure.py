"""The measurements: each returns plain numbers (JSON-ready) for one store.

Every figure is taken next to its baseline in the same process and run, on the same store.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Engine, func, select, update

from domain.application import HosoApplication
from infra.chain import CHAIN_TABLE, EVENTS_TABLE, LogReader
from infra.clock import BENCH_CLOCK
from infra.database import engine_for
from infra.demo import BulkApplication, generate
from infra.persistence import (
    application_env,
    create_database_if_missing,
    drop_database,
    open_log_reader,
)
from infra.runtime import ReaderSource, Runtime, open_runtime
from infra.settings import Settings
from projections import reports
from projections.findings import findings_as_of, fold_events
from projections.read_model import Moment, ReadModel
from projections.runner import (
    BatchWriter,
    NameBook,
    decoder,
    drop_retired,
    ensure_meta,
    new_generation,
)
from projections.tables import generations

Result = dict[str, Any]


class Clock:
    """Wall time and this process's CPU time (user + system) of a block.

    Other sessions share this machine's two cores, so for single-process work the CPU time is
    the figure an idle machine would show; both are reported.
    """

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0

    def rates(self, events: int) -> Result:
        return {"seconds": self.wall, "cpu_seconds": self.cpu,
                "events_per_s": events / self.wall,
                "events_per_cpu_s": events / self.cpu if self.cpu else None}


def best_of(runs: int, fn: Callable[[], Result], by: str = "events_per_cpu_s") -> Result:
    """The run with the most events per CPU second (or per `by`), with every run's figures
    kept."""
    results = [fn() for _ in range(runs)]
    best = max(results, key=lambda r: r.get(by) or r["events_per_s"])
    return best | {"runs": [{k: r.get(k) for k in ("events_per_s", "events_per_cpu_s")}
                            for r in results]}


def percentiles(samples_s: list[float]) -> Result:
    """p50/p95/p99/mean in milliseconds."""
    ms = sorted(s * 1000 for s in samples_s)
    if not ms:
        return {"n": 0}

    def at(q: float) -> float:
        return ms[min(len(ms) - 1, max(0, round(q * (len(ms) - 1))))]

    return {"n": len(ms), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "mean_ms": statistics.fmean(ms), "max_ms": ms[-1]}


# --- ingest -----------------------------------------------------------------------------------


class _Enough(Exception):
    """Raised from the generator's progress callback to stop a history early."""


def ingest(profile: str, url: str, *, bulk: bool, stop_after: int | None = None) -> Result:
    """Record `profile`'s history into a fresh store; events/s of the commands' path.

    `stop_after` ends the history once that many events were recorded (the progress callback
    fires every 500 commands on the plain path, every batch on the bulk path).
    """
    drop_database(url)
    create_database_if_missing(url)
    settings = Settings(database_url=url)
    env = application_env(settings)
    app: HosoApplication = BulkApplication(env=env, clock=BENCH_CLOCK) if bulk else HosoApplication(env=env, clock=BENCH_CLOCK)
    seen = [0]

    def progress(n: int) -> None:
        seen[0] = n
        if stop_after is not None and n >= stop_after:
            raise _Enough

    with Clock() as clock:
        try:
            generate(app, profile, progress=progress)
        except _Enough:
            if isinstance(app, BulkApplication):
                app.flush()
    events = app.recorder.max_notification_id() or 0
    app.close()
    return {"events": events, "complete": stop_after is None} | clock.rates(events)


# --- rebuild and its baselines -----------------------------------------------------------------


def rebuild_in_subprocess(url: str, workers: int | None = None) -> Result:
    """Runtime.rebuild() in a fresh interpreter, so maxrss is the rebuild's own peak
    (`workers`: the bulk load's processes; None: what the rebuild chooses for the store)."""
    out = subprocess.run([sys.executable, "-m", "bench.worker", "rebuild", url,
                          *([] if workers is None else [str(workers)])],
                         check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def rebuild_here(settings: Settings, workers: int | None = None) -> Result:
    """The worker's body: a Runtime without the initial catch-up, then one timed rebuild."""
    import resource

    app = HosoApplication(env=application_env(settings), clock=BENCH_CLOCK)
    log = open_log_reader(settings)
    engine = engine_for(settings)
    from projections.runner import ensure_meta

    ensure_meta(engine)
    runtime = Runtime(settings=settings, app=app, read_model=ReadModel(engine, clock=BENCH_CLOCK), log=log,
                      engine=engine)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Clock() as clock:
        applied = runtime.rebuild(workers=workers)
    head = log.head()
    events = head[0] if head else 0
    runtime.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The bulk load's worker processes (projections/bulk.py, from bulk.PARALLEL_FROM events):
    # their CPU counts in the rebuild's, and their peaks (the largest child's, times the two
    # that run at once) in its memory.
    workers_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    workers = 2 if workers_cpu > 0 else 0
    clock.cpu += workers_cpu
    worker_rss = after.ru_maxrss / 1024 if workers else 0.0
    return {"events": events, "position": applied,
            "peak_rss_mb": rss / 1024 + workers * worker_rss, "parent_peak_rss_mb": rss / 1024,
            "worker_peak_rss_mb": worker_rss, "workers": workers,
            "workers_cpu_seconds": workers_cpu, "rss_before_mb": rss_before / 1024,
            "loadavg": os.getloadavg()[0]} | clock.rates(events)


def library_runner_pattern(settings: Settings, *, limit: int) -> Result:
    """eventsourcing 9.5's ProjectionRunner pattern, emulated on SQLite (no subscribe() there).

    The library's runner iterates an ApplicationSubscription (notifications read in pages,
    each decoded by the application's mapper) and calls `projection.process_event(event,
    tracking)` for each one; a view records its rows and the tracking record in one
    transaction per event. Here: the same page reads, the same decoder, and for each event one
    transaction holding our row functions (BatchWriter over `projections.rows.changes`) and the
    tracking update, into a throw-away generation of the read tables.
    """
    app = HosoApplication(env=application_env(settings), clock=BENCH_CLOCK)
    log = open_log_reader(settings)
    engine = engine_for(settings)
    decode = decoder(app.mapper)
    ensure_meta(engine)
    tables = new_generation(engine)
    names = NameBook()
    g = generations
    done, after = 0, 0
    clock = Clock().__enter__()
    try:
        while done < limit:
            page = log.select(after, min(500, limit - done))
            if not page:
                break
            for record in page:
                event = decode(record)
                with engine.begin() as conn:
                    conn.execute(update(g).where(g.c.generation == tables.generation)
                                 .values(position=record.position))
                    names.load(conn, tables)
                    writer = BatchWriter(conn, tables, names)
                    writer.apply(record, event)
                    writer.flush()
                done += 1
            after = page[-1].position
        clock.__exit__()
    finally:
        with engine.begin() as conn:
            conn.execute(update(g).where(g.c.generation == tables.generation)
                         .values(state="retired"))
        drop_retired(engine)
        engine.dispose()
        log.close()
        app.close()
    return {"events": done} | clock.rates(done)


def raw_read_decode(settings: Settings) -> Result:
    """The raw limit: the rebuild's read (events joined with the chain) + orjson.loads, alone."""
    if settings.is_postgres:
        import psycopg

        conn_pg = psycopg.connect(settings.database_url.replace("+psycopg", ""))
        row = conn_pg.execute("SELECT pg_backend_pid()").fetchone()
        pid = int(row[0]) if row else 0
        before = backend_cpu(pid)
        clock = Clock().__enter__()
        n = 0
        with conn_pg.cursor(name="raw") as cur:
            cur.itersize = 5000
            cur.execute(f"SELECT e.notification_id, e.originator_id, e.originator_version, "
                        f"e.topic, e.state, c.recorded_at FROM {EVENTS_TABLE} e JOIN "
                        f"{CHAIN_TABLE} c ON c.position = e.notification_id "
                        f"ORDER BY e.notification_id")
            loads = orjson.loads
            for row in cur:
                loads(row[4])
                n += 1
        clock.__exit__()
        server = backend_cpu(pid) - before
        conn_pg.close()
        return _with_server_cpu({"events": n} | clock.rates(n), n, server)
    conn = sqlite3.connect(str(settings.sqlite_path))
    clock = Clock().__enter__()
    rows_of = conn.execute(f"SELECT e.rowid, e.originator_id, e.originator_version, e.topic, "
                       f"e.state, c.recorded_at FROM {EVENTS_TABLE} e JOIN {CHAIN_TABLE} c "
                       f"ON c.position = e.rowid ORDER BY e.rowid")
    n = 0
    loads = orjson.loads
    while True:
        rows = rows_of.fetchmany(5000)
        if not rows:
            break
        for row in rows:
            loads(row[4])
        n += len(rows)
    clock.__exit__()
    conn.close()
    return {"events": n} | clock.rates(n)


# --- verify -----------------------------------------------------------------------------------


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend so far (/proc), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _with_server_cpu(result: Result, events: int, server_s: float) -> Result:
    """PostgreSQL: the backend's CPU beside the client's, and events per CPU second of both
    (the figure an idle machine would show), when the server runs on this machine."""
    if server_s != server_s:  # NaN: not a local server
        return result
    total = (result.get("cpu_seconds") or 0.0) + server_s
    return result | {"server_cpu_seconds": server_s,
                     "events_per_total_cpu_s": events / total if total else None}


class _BackendsCpu:
    """CPU seconds of every backend connected to the measured database while a block runs
    (PostgreSQL on this machine): a thread samples pg_stat_activity and /proc every 20 ms, so
    the helper connections of a parallel verify count too (each to within its last sample)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        self._seen: dict[int, tuple[float, float]] = {}  # pid -> (first, last) CPU seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()
        for (pid,) in rows:
            cpu = backend_cpu(int(pid))
            if cpu == cpu:
                first = self._seen.get(int(pid), (cpu, cpu))[0]
                self._seen[int(pid)] = (first, cpu)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()

    def __enter__(self) -> _BackendsCpu:
        self._sample()
        self._before = set(self._seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._conn.close()
        # Backends there before the block count from then; new ones from zero.
        self.seconds = sum(last - (first if pid in self._before else 0.0)
                           for pid, (first, last) in self._seen.items())


def verify(settings: Settings, workers: int | None = None) -> Result:
    """`LogReader.verify()` with `workers` (default: every core; 1 is the single walk or the
    single server connection, the method before issue 19, as the baseline). The worker
    processes' CPU (SQLite) and every backend's (PostgreSQL) are counted."""
    with LogReader(settings) as log:
        log.head()  # connect (and on PostgreSQL start the backend) before measuring
        backends = _BackendsCpu(settings.database_url) if settings.is_postgres else None
        children = os.times()
        with contextlib.ExitStack() as stack:
            if backends is not None:
                stack.enter_context(backends)
            with Clock() as clock:
                result = log.verify(workers=workers)
        after = os.times()
    clock.cpu += (after.children_user + after.children_system
                  - children.children_user - children.children_system)
    server = backends.seconds if backends is not None else float("nan")
    return _with_server_cpu({"events": result.checked, "ok": result.ok,
                             "workers": workers or os.cpu_count(),
                             "loadavg": os.getloadavg()[0]}
                            | clock.rates(result.checked), result.checked, server)


# --- as-of queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    subject: UUID
    as_of: date
    known_at: datetime


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def questions(runtime: Runtime, kind: str, n: int, rng: random.Random) -> list[Question]:
    """Random subjects (cadres or units with holdings), business dates and known_at instants
    (the recorded_at of a random position after the subject was registered)."""
    engine, t = runtime.engine, runtime.read_model.tables()
    with engine.connect() as conn:
        if kind == "cadre":
            rows = conn.execute(select(t.log.c.cadre_id, func.min(t.log.c.position))
                                .where(t.log.c.cadre_id.is_not(None))
                                .group_by(t.log.c.cadre_id)).all()
        else:
            first = select(t.units.c.unit_id, t.units.c.position).subquery()
            held = select(t.holdings.c.unit_id).distinct().subquery()
            rows = conn.execute(select(first.c.unit_id, first.c.position)
                                .where(first.c.unit_id.in_(select(held.c.unit_id)))).all()
        head = int(conn.execute(select(func.max(t.log.c.position))).scalar() or 0)
        stamps = dict(conn.execute(select(t.log.c.position, t.log.c.recorded_at)).all()) \
            if head <= 200_000 else None
    today = BENCH_CLOCK.today()
    out = []
    for _ in range(n):
        subject, registered = rows[rng.randrange(len(rows))]
        position = rng.randint(int(registered), head)
        if stamps is not None:
            known_at = stamps[position]
        else:
            at = runtime.log.recorded_at(position)
            assert at is not None
            known_at = at
        if known_at.tzinfo is None:
            known_at = known_at.replace(tzinfo=UTC)
        out.append(Question(subject, _random_day(rng, date(2006, 1, 1), today), known_at))
    return out


class Samples(list[float]):
    """Wall-time samples, with the CPU-time samples of the same calls beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []

    def figures(self) -> Result:
        cpu = percentiles(self.cpu)
        return percentiles(self) | {f"cpu_{k}": v for k, v in cpu.items() if k != "n"}


def timed(fn: Callable[[Question], Any], qs: list[Question]) -> tuple[Samples, list[Any]]:
    samples, answers = Samples(), []
    for q in qs:
        wall, cpu = time.perf_counter(), time.process_time()
        answers.append(fn(q))
        samples.cpu.append(time.process_time() - cpu)
        samples.append(time.perf_counter() - wall)
    return samples, answers


class Replay:
    """Answers from the log alone: the aggregate at its version for known_at, then its methods."""

    def __init__(self, runtime: Runtime) -> None:
        self.app = runtime.app
        self.runtime = runtime
        self.settings = runtime.settings

    def _version_at(self, aggregate_id: UUID, position: int) -> int | None:
        if self.settings.is_postgres:
            sql = (f"SELECT max(originator_version) FROM {EVENTS_TABLE} "
                   f"WHERE originator_id = %s AND notification_id <= %s")
            rows = self.runtime.log._query(sql, (aggregate_id, position))  # noqa: SLF001
        else:
            sql = (f"SELECT max(originator_version) FROM {EVENTS_TABLE} "
                   f"WHERE originator_id = ? AND rowid <= ?")
            rows = self.runtime.log._query(sql, (aggregate_id.hex, position))  # noqa: SLF001
        return rows[0][0] if rows and rows[0][0] is not None else None

    def position(self, known_at: datetime) -> int:
        return self.runtime.log.position_at(known_at)

    def cadre(self, cadre_id: UUID, known_at: datetime) -> Any:
        version = self._version_at(cadre_id, self.position(known_at))
        if version is None:
            return None
        return self.app.repository.get(cadre_id, version=version)

    def profile(self, q: Question) -> Any:
        cadre = self.cadre(q.subject, q.known_at)
        return None if cadre is None else cadre.holdings_on(q.as_of)

    def record(self, q: Question) -> Any:
        version = self._version_at(q.subject, self.position(q.known_at))
        if version is None:
            return None
        return list(self.app.repository.event_store.get(q.subject, lte=version))

    def roster(self, q: Question, candidates: list[UUID]) -> list[Any]:
        position = self.position(q.known_at)
        out: list[Any] = []
        for cadre_id in candidates:
            version = self._version_at(cadre_id, position)
            if version is None:
                continue
            cadre: Any = self.app.repository.get(cadre_id, version=version)
            out.extend(h for h in cadre.holdings_on(q.as_of) if h.unit_id == q.subject)
        return out


def latencies(runtime: Runtime, *, n: int, replay_n: int, seed: int = 7) -> Result:
    """p50/p95 of roster, profile and record through the read model, and by replaying the log."""
    rng = random.Random(seed)
    rm = runtime.read_model
    result: Result = {}
    cadre_qs = questions(runtime, "cadre", n, rng)
    unit_qs = questions(runtime, "unit", n, rng)

    def moment(q: Question) -> Moment:
        return rm.moment(q.as_of, q.known_at)

    # warm-up: the unit timeline and title map are cached per generation
    rm.roster(unit_qs[0].subject, moment(unit_qs[0]))
    samples, answers = timed(lambda q: rm.roster(q.subject, moment(q)), unit_qs)
    result["roster"] = samples.figures() | {
        "rows_mean": statistics.fmean(len(a) for a in answers)}
    samples, answers = timed(lambda q: rm.profile(q.subject, moment(q)), cadre_qs)
    result["profile"] = samples.figures()
    samples, answers = timed(lambda q: rm.record(q.subject, moment(q)), cadre_qs)
    result["record"] = samples.figures() | {
        "rows_mean": statistics.fmean(len(a or []) for a in answers)}

    replay = Replay(runtime)
    t = rm.tables()
    with runtime.engine.connect() as conn:
        ever: dict[UUID, list[UUID]] = {}
        for unit_id, cadre_id in conn.execute(select(t.holdings.c.unit_id,
                                                     t.holdings.c.cadre_id).distinct()):
            ever.setdefault(unit_id, []).append(cadre_id)
    samples, _ = timed(lambda q: replay.roster(q, ever.get(q.subject, [])), unit_qs[:replay_n])
    result["roster_replay"] = samples.figures()
    samples, _ = timed(replay.profile, cadre_qs[:replay_n])
    result["profile_replay"] = samples.figures()
    samples, _ = timed(replay.record, cadre_qs[:replay_n])
    result["record_replay"] = samples.figures()
    return result


def report_latencies(runtime: Runtime, *, n: int, seed: int = 11,
                     baseline_runs: int | None = None) -> Result:
    """Each report of projections/reports.py at random moments (whole province, no tier).

    The cadre-quality report and BM01 for the whole province (the report scoped to the root
    unit's subtree, so the unit filter is in the query) are asked of the record as it stands
    (`known_at` now: the counts kept by unit and date answer, issue 19), beside their baselines
    at the same moments in the same run: the SQL GROUP BY over the in-force rows (`-sql`,
    `kept=False`) and the per-person tally the report used before issue 19
    (`cadre-quality-by-person`, at most `baseline_runs` moments). `cadre-quality-past-known`
    asks with a `known_at` in the later half of the log, as the other reports are asked: the
    SQL path answers it. Each series starts with one untimed call (warm caches)."""
    rng = random.Random(seed)
    rm = runtime.read_model
    today = BENCH_CLOCK.today()
    head = runtime.log.head()
    assert head is not None
    moments: list[tuple[Moment, date]] = []
    for _ in range(n):
        day = _random_day(rng, date(2008, 1, 1), today)
        at = runtime.log.recorded_at(rng.randint(head[0] // 2, head[0]))
        moments.append((rm.moment(day, at), day))
    current = [(rm.moment(day), day) for _, day in moments]

    def province(m: Moment) -> UUID:
        """The root with the largest subtree on that day (the city or province)."""
        roots = [u["id"] for u in rm.units(m) if u.get("parent_id") is None]
        return max(roots, key=lambda u: len(rm.subtree(u, m)))

    out: Result = {}
    cases: dict[str, tuple[list[tuple[Moment, date]], Callable[[Moment, date], Any]]] = {
        "cadre-quality": (current, lambda m, d: reports.cadre_quality(rm, m)),
        "cadre-quality-sql": (current, lambda m, d: reports.cadre_quality(rm, m, kept=False)),
        "bm01-province": (current, lambda m, d: reports.cadre_quality(
            rm, m, unit_id=roots[id(m)])),
        "bm01-province-sql": (current, lambda m, d: reports.cadre_quality(
            rm, m, unit_id=roots[id(m)], kept=False)),
        "cadre-quality-past-known": (moments, lambda m, d: reports.cadre_quality(rm, m)),
        "evaluations": (moments, lambda m, d: reports.evaluations(rm, str(d.year - 1), m)),
        "actions": (moments, lambda m, d: reports.actions(rm, date(d.year - 1, 1, 1), d, m)),
        "training": (moments, lambda m, d: reports.training(rm, date(d.year - 1, 1, 1), d, m)),
        "cadre-quality-by-person": (current[:baseline_runs or len(current)],
                                    lambda m, d: reports.cadre_quality_by_person(rm, m)),
    }
    roots = {id(m): province(m) for m, _ in current}  # found before any clock starts
    for name, (chosen, ask) in cases.items():
        samples = Samples()
        if chosen:
            ask(*chosen[0])  # untimed: caches (unit tree, pages) warm, as in service
        for m, day in chosen:
            wall, cpu = time.perf_counter(), time.process_time()
            ask(m, day)
            samples.cpu.append(time.process_time() - cpu)
            samples.append(time.perf_counter() - wall)
        out[name] = samples.figures()
    return out


def findings_latency(runtime: Runtime, *, n: int) -> Result:
    """GET /findings's work as projections/findings.py offers it: fold the log up to the head
    (decoding every event), then evaluate the rule pack as of today."""
    decode = decoder(runtime.app.mapper)
    samples, fold_s, found = Samples(), [], 0
    for _ in range(n):
        started, cpu = time.perf_counter(), time.process_time()
        source = ReaderSource(runtime.log)
        after, items = 0, list[tuple[int, datetime, Any]]()
        while True:
            page = source.select(after, 5000)
            if not page:
                break
            items.extend((r.position, r.recorded_at, decode(r)) for r in page)
            after = page[-1].position
        fold = fold_events(items)
        folded = time.perf_counter()
        found = len(findings_as_of(fold, BENCH_CLOCK.today()))
        done = time.perf_counter()
        samples.cpu.append(time.process_time() - cpu)
        samples.append(done - started)
        fold_s.append(folded - started)
    return samples.figures() | {"fold_mean_ms": statistics.fmean(fold_s) * 1000,
                                   "findings": found}


def open_bench_runtime(settings: Settings) -> Runtime:
    """The runtime the queries are measured on (builds the read side on first use)."""
    return open_runtime(settings)


def store_engine(settings: Settings) -> Engine:
    return engine_for(settings)
