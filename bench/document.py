"""docs/benchmarks.md from bench/out/results.json: tables per measurement, targets, notes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from infra.clock import BENCH_CLOCK

SIZE_ORDER = ["1k", "10k", "100k", "1m", "10m"]


def _sizes(results: dict[str, Any], backend: str) -> list[str]:
    present = results.get(backend, {})
    return [s for s in SIZE_ORDER if s in present]


def _n(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:,.0f}"


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _rate(d: dict[str, Any] | None) -> str:
    """events/s per CPU second (the idle-machine estimate), then wall-clock events/s."""
    if not d:
        return "–"
    cpu, wall = d.get("events_per_cpu_s"), d.get("events_per_s")
    return f"{_n(cpu)} ({_n(wall)} wall)" if cpu else _n(wall)


def _cpu_rate(d: dict[str, Any] | None) -> float | None:
    if not d:
        return None
    value = d.get("events_per_cpu_s") or d.get("events_per_s")
    return float(value) if value is not None else None


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


class Target:
    def __init__(self, name: str, target: str, value: float | None, shown: str, ok: bool | None,
                 by: str) -> None:
        self.name, self.target, self.value, self.shown, self.ok, self.by = (
            name, target, value, shown, ok, by)

    def row(self) -> str:
        verdict = "–" if self.ok is None else ("**met**" if self.ok else "**missed**")
        return f"| {self.name} | {self.target} | {self.shown} | {verdict} | {self.by} |"


def _at_least(name: str, target: float, value: float | None, unit: str,
              fmt: str = "{:,.0f}") -> Target:
    if value is None:
        return Target(name, f"≥ {fmt.format(target)} {unit}", None, "not measured", None, "")
    ok = value >= target
    by = (f"{value / target:.1f}× the target" if ok else
          f"{(1 - value / target) * 100:.0f}% short ({value / target:.2f}× the target)")
    return Target(name, f"≥ {fmt.format(target)} {unit}", value,
                  f"{fmt.format(value)} {unit}", ok, by)


def _at_most(name: str, target: float, value: float | None, unit: str,
             fmt: str = "{:,.2f}") -> Target:
    if value is None:
        return Target(name, f"≤ {fmt.format(target)} {unit}", None, "not measured", None, "")
    ok = value <= target
    by = (f"{value / target * 100:.0f}% of the limit" if ok else
          f"{value / target:.1f}× over the limit (+{fmt.format(value - target)} {unit})")
    return Target(name, f"≤ {fmt.format(target)} {unit}", value,
                  f"{fmt.format(value)} {unit}", ok, by)


def targets(results: dict[str, Any], backend: str) -> tuple[str, list[Target]]:
    sizes = _sizes(results, backend)
    if not sizes:
        return "", []
    big = sizes[-1]
    r = results[backend][big]
    out: list[Target] = []
    out.append(_at_least(f"rebuild ({big})", 100_000, _cpu_rate(_get(r, "rebuild")),
                         "events/s"))
    small = results.get("sqlite", {}).get("10k", {})
    bulk, plain = _get(small, "ingest", "bulk", "events_per_s"), _get(small, "ingest", "plain",
                                                                       "events_per_s")
    out.append(_at_least("ingest vs plain path (10k, wall clock)", 3.0,
                         bulk / plain if bulk and plain else None, "×", "{:.1f}"))
    for q in ("roster", "profile"):
        out.append(_at_most(f"{q} p95 ({big})", 5.0, _p95(_get(r, "queries", q)), "ms"))
        growth = _growth(results, backend, ("queries", q, _p95_key(backend)))
        out.append(_at_most(f"{q} p95 growth per 10× data", 2.0, growth, "×"))
    for name, rep in (_get(r, "reports") or {}).items():
        out.append(_at_most(f"report {name} p95 ({big})", 500.0, _p95(rep), "ms",
                            "{:,.0f}"))
        out.append(_at_most(f"report {name} growth per 10× data", 2.0,
                            _growth(results, backend, ("reports", name, _p95_key(backend))), "×"))
    out.append(_at_least(f"verify ({big})", 300_000, _cpu_rate(_get(r, "verify")),
                         "events/s"))
    http = _get(r, "http", "profile_read")
    out.append(_at_least(f"profile reads, HTTP ({big}), per server CPU-s", 1_000,
                         http.get("ok_per_server_cpu_s") if http else None, "req/s"))
    out.append(_at_least(f"profile reads, HTTP ({big}), wall clock", 1_000,
                         http.get("ok_per_s") if http else None, "req/s"))
    out.append(_at_most(f"profile reads p99, HTTP ({big}), wall clock", 50.0,
                        http.get("p99_ms") if http else None, "ms", "{:,.1f}"))
    peak = max((_get(results[backend][s], "rebuild", "peak_rss_mb") or 0 for s in sizes),
               default=None)
    out.append(_at_most("rebuild peak memory (any size)", 1024.0, peak or None, "MB",
                        "{:,.0f}"))
    return big, out


def targets_19(results: dict[str, Any], backend: str) -> tuple[str, list[Target]]:
    """Issue 19's targets at the largest size measured, each beside its baseline."""
    sizes = _sizes(results, backend)
    if not sizes:
        return "", []
    data = results[backend]
    big = sizes[-1]
    out: list[Target] = []
    rebuilt = [s for s in sizes if _get(data[s], "rebuild") and _get(data[s], "raw")]
    if rebuilt:
        at = rebuilt[-1]
        rb, raw = _cpu_rate(_get(data[at], "rebuild")), _cpu_rate(_get(data[at], "raw"))
        rebuild = _get(data[at], "rebuild") or {}
        workers = rebuild.get("workers") or 1
        t = _at_least(f"rebuild ÷ raw read-and-decode limit ({at}, per CPU second)", 0.40,
                      rb / raw if rb and raw else None, "×", "{:.2f}")
        t.shown += f" ({_n(rb)} vs {_n(raw)} events/s; {workers} process(es))"
        out.append(t)
        wall, raw_wall = rebuild.get("events_per_s"), _get(data[at], "raw", "events_per_s")
        t = _at_least(f"rebuild ÷ raw read-and-decode limit ({at}, wall clock)", 0.40,
                      wall / raw_wall if wall and raw_wall else None, "×", "{:.2f}")
        t.shown += f" ({_n(wall)} vs {_n(raw_wall)} events/s; load {_n(rebuild.get('loadavg'), 1)})"
        single = _get(data[at], "rebuild_single") or {}
        if single.get("events_per_s") and raw_wall:
            t.shown += (f"; one process {_n(single['events_per_s'])}/s wall "
                        f"({single['events_per_s'] / raw_wall:.2f}×), "
                        f"{_n(single.get('events_per_cpu_s'))} per CPU second")
        out.append(t)
    else:
        out.append(_at_least("rebuild ÷ raw read-and-decode limit", 0.40, None, "×", "{:.2f}"))
    peak = max((_get(data[s], "rebuild", "peak_rss_mb") or 0 for s in sizes), default=None)
    out.append(_at_most("rebuild peak memory (any size)", 1024.0, peak or None, "MB",
                        "{:,.0f}"))
    reported = [s for s in sizes if _get(data[s], "reports", "cadre-quality")]
    at = "1m" if "1m" in reported else (reported[-1] if reported else big)
    quality = _p95(_get(data.get(at, {}), "reports", "cadre-quality"))
    person = _p95(_get(data.get(at, {}), "reports", "cadre-quality-by-person"))
    sql = _p95(_get(data.get(at, {}), "reports", "cadre-quality-sql"))
    t = _at_most(f"cadre-quality report, whole store, p95 ({at})", 200.0, quality, "ms",
                 "{:,.0f}")
    if sql and quality:
        t.shown += f" (SQL GROUP BY baseline {sql:,.0f} ms: {quality / sql:.2f}×)"
    if person:
        t.shown += f" (per-person baseline {person:,.0f} ms)"
    out.append(t)
    key = _p95_key(backend)
    out.append(_at_most("cadre-quality report growth per 10× data", 2.0,
                        _growth(results, backend, ("reports", "cadre-quality", key)), "×"))
    bm01 = _p95(_get(data.get(at, {}), "reports", "bm01-province"))
    bm01_sql = _p95(_get(data.get(at, {}), "reports", "bm01-province-sql"))
    t = _at_most(f"BM01 for the whole province, p95 ({at})", 500.0, bm01, "ms", "{:,.0f}")
    if bm01 and bm01_sql:
        t.shown += f" (SQL GROUP BY baseline {bm01_sql:,.0f} ms: {bm01 / bm01_sql:.2f}×)"
    out.append(t)
    verified = [s for s in sizes if _get(data[s], "verify")]
    at = verified[-1] if verified else big
    v = _get(data.get(at, {}), "verify") or {}
    t = _at_least(f"verify ({at}, wall clock, {v.get('workers', 1)} workers)", 300_000,
                  v.get("events_per_s"), "events/s")
    if v:
        cpu = v.get("events_per_total_cpu_s") or v.get("events_per_cpu_s")
        one = _get(data[at], "verify_single", "events_per_s")
        before = _get(data[at], "verify_before") or {}
        t.shown += (f"; {_n(cpu)} per CPU second{' (client + server)' if v.get('events_per_total_cpu_s') else ''}"
                    f"; one worker {_n(one)}/s; before issue 19 {_n(before.get('events_per_s'))}"
                    f"/s ({_ratio(v.get('events_per_s'), before.get('events_per_s'))} of it), "
                    f"{_n(before.get('events_per_total_cpu_s') or before.get('events_per_cpu_s'))}"
                    f" per CPU second; load {_n(v.get('loadavg'), 1)}")
    out.append(t)
    gen = [s for s in sizes if _get(data[s], "ingest", "bulk", "events_per_s")]
    g = gen[-1] if gen else big
    bulk = _get(data.get(g, {}), "ingest", "bulk") or {}
    t = _at_least(f"generator bulk path ({g}, wall clock)", 20_000, bulk.get("events_per_s"),
                  "events/s")
    before = _get(data.get(g, {}), "ingest", "bulk_before") or {}
    if before:
        t.shown += (f"; {_n(bulk.get('events_per_cpu_s'))} per CPU second; before issue 19 "
                    f"{_n(before.get('events_per_s'))}/s, {_n(before.get('events_per_cpu_s'))} "
                    f"per CPU second (this run: "
                    f"{_ratio(bulk.get('events_per_cpu_s'), before.get('events_per_cpu_s'))} "
                    f"per CPU second)")
    out.append(t)
    out.append(Target("a 10M-event store in the bench", "measured", None,
                      "measured" if "10m" in sizes else "not generated", "10m" in sizes, ""))
    return big, out


def _p95(d: dict[str, Any] | None) -> float | None:
    if not d:
        return None
    value = d.get("cpu_p95_ms", d.get("p95_ms"))
    return float(value) if value is not None else None


def _p95_key(backend: str) -> str:
    return "p95_ms" if backend == "postgres" else "cpu_p95_ms"


def _growth(results: dict[str, Any], backend: str, path: tuple[str, ...]) -> float | None:
    """The largest p95 ratio between consecutive measured sizes, per 10× data."""
    sizes = [s for s in _sizes(results, backend) if s != "1k"]
    worst = None
    for a, b in zip(sizes, sizes[1:], strict=False):
        va, vb = _get(results[backend][a], *path), _get(results[backend][b], *path)
        ea, eb = results[backend][a]["events"], results[backend][b]["events"]
        if not va or not vb:
            continue
        per_10x = (vb / va) ** (1 / math.log10(eb / ea))
        worst = per_10x if worst is None else max(worst, per_10x)
    return worst


def _wall_only(value: Any) -> Any:
    """The figures without CPU-time keys (PostgreSQL: the server's CPU is not in them)."""
    if isinstance(value, dict):
        return {k: _wall_only(v) for k, v in value.items()
                if not (k.startswith("cpu_") or k == "events_per_cpu_s")}
    return value


def section(results: dict[str, Any], backend: str) -> list[str]:
    sizes = _sizes(results, backend)
    if not sizes:
        return []
    if backend == "postgres":
        results = {**results, backend: _wall_only(results[backend])}
    data = results[backend]
    title = "SQLite" if backend == "sqlite" else "PostgreSQL"
    lines = [f"## {title}", ""]
    big, ts = targets(results, backend)
    lines += [f"### Targets (issue 7), at the largest size measured ({big})", "",
              ("Throughputs and latencies are judged on CPU time (events per CPU second of the "
               "measuring process; p95 of each call's CPU time), since other sessions loaded "
               "the shared cores during the runs (see Run conditions); wall-clock figures are in "
               "the tables below. The HTTP p99 and the ingest ratio are wall clock."
               if backend == "sqlite" else
               "On PostgreSQL every figure is wall clock (the server's CPU is not in the "
               "measuring process's CPU time), so contention from other sessions counts "
               "against them; the ingest ratio row repeats SQLite's."), "",
              "| what | target | measured | verdict | by how much |", "|---|---|---|---|---|"]
    lines += [t.row() for t in ts]
    big19, ts19 = targets_19(results, backend)
    lines += ["", f"### Targets (issue 19), at the largest size measured ({big19})", "",
              "Each figure beside its baseline from the same run: rebuild beside the raw "
              "read-and-decode of the same store, the cadre-quality report beside the "
              "per-person tally it replaced (`reports.cadre_quality_by_person`, same moments),"
              " verify beside the raw read.", "",
              "| what | target | measured | verdict | by how much |", "|---|---|---|---|---|"]
    lines += [t.row() for t in ts19]
    lines += ["", "### Ingest (events/s through the application's commands)", "",
              "Bulk = `BulkApplication` inside `with app.batch():` (events saved 2,000 per "
              "transaction, every command validated); plain = `HosoApplication`, one `save()` "
              "(one transaction) per command — the library's ordinary path.", "",
              "events/s per CPU second (wall-clock events/s); the ratio is wall clock (the plain "
              "path waits on one commit per command).", "",
              "| size | events | bulk events/s | plain events/s | bulk ÷ plain | bulk measured |",
              "|---|---|---|---|---|---|"]
    for s in sizes:
        ing = data[s].get("ingest", {})
        b, p = ing.get("bulk", {}), ing.get("plain", {})
        plain = _rate(p) if p else "not run (10k only)"
        if p and not p.get("complete", True):
            plain += f" (first {p['events']:,} events)"
        lines.append(f"| {s} | {_n(data[s]['events'])} | {_rate(b)} | {plain}"
                     f" | {_ratio(b.get('events_per_s'), p.get('events_per_s'))} | "
                     f"{b.get('when', '–')} |")
    if backend == "postgres":
        library = ("eventsourcing 9.5's own `ProjectionRunner` (bench/library_runner.py): the "
                   "library subscribes to the application (LISTEN/NOTIFY + pages of "
                   "notifications), decodes each event and calls our "
                   "`Projection.process_event()`, which applies the same row functions and the "
                   "tracking record in **one transaction per event**, as the library's views "
                   "do; wall clock from start until the view tracks the last event measured")
        raw_text = ("raw limit = the rebuild's query read with psycopg (server-side cursor) and each "
               "state `orjson.loads`-ed. PostgreSQL figures are wall clock: the database "
               "server's CPU is not in the measuring process's CPU time.")
    else:
        library = ("eventsourcing 9.5's `ProjectionRunner` way of working, **emulated on the "
                   "same store** (the library runner needs `subscribe()`, which the SQLite "
                   "recorder lacks): notifications read in pages, each event decoded by the "
                   "application's mapper and applied with the same row functions in **one "
                   "transaction per event** together with its tracking position, as a "
                   "`Projection.process_event()` writing to a `TrackingRecorder` view does")
        raw_text = ("raw limit = the rebuild's query (events ⋈ chain) read with sqlite3 and each "
               "state `orjson.loads`-ed, nothing else. Figures are events per CPU second "
               "(wall-clock events/s in brackets), best of the runs; ratios use CPU figures.")
    lines += ["", "### Projection rebuild (events/s) and its baselines", "",
              "rebuild = `Runtime.rebuild()` (fresh generation of the read tables, batches of "
              f"5,000, atomic switch), in its own process; library pattern = {library}; "
              f"measured on the first events only where noted. {raw_text}", "",
              "From 200k events (`projections.bulk.PARALLEL_FROM`) the rebuild splits the log "
              "by aggregate across two processes and merges their rows; one process = the same "
              "store rebuilt with `workers=1` in the same run (the rebuild's CPU includes its workers').",
              "",
              "| size | events | rebuild events/s | one process events/s | library pattern "
              "events/s | raw limit events/s | rebuild ÷ library | rebuild ÷ raw | rebuild s |"
              " rebuild peak RSS |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        d = data[s]
        rb, lib, raw = d.get("rebuild", {}), d.get("library_runner", {}), d.get("raw", {})
        lib_s = _rate(lib)
        if lib and lib.get("events", 0) < d["events"]:
            lib_s += f" (first {lib['events']:,})"
        one = d.get("rebuild_single")
        lines.append(f"| {s} | {_n(d['events'])} | {_rate(rb)} | "
                     f"{_rate(one) if one else '–'} | {lib_s} | "
                     f"{_rate(raw)} | "
                     f"{_ratio(_cpu_rate(rb), _cpu_rate(lib))} | "
                     f"{_ratio(_cpu_rate(rb), _cpu_rate(raw))} | "
                     f"{_n(rb.get('seconds'), 1)} | {_n(rb.get('peak_rss_mb'))} MB |")
    lines += ["", "### As-of queries: read model vs replaying the log (ms)", "",
              "Random subjects, business dates (2006 → today) and `known_at` instants (the "
              "recorded_at of a random position after the subject was registered); the time "
              "includes resolving the moment (`ReadModel.moment`). Replay = the same question "
              "answered from the log: the cadre's version at the known_at position, "
              "`repository.get(id, version=...)`, then `holdings_on(as_of)` (profile), the "
              "cadre's events up to that version (record), and for a roster every cadre that "
              "ever held a post in the unit — a candidate list taken from the read model, which "
              "favours replay (without it, replay means folding the whole log). CPU-time "
              "p50 / p95 first, wall-clock p50 / p95 in brackets.", "",
              "| size | roster p50 / p95 | roster by replay p50 / p95 | profile p50 / p95 | "
              "profile by replay p50 / p95 | record p50 / p95 | record by replay p50 / p95 | "
              "queries (replays) |", "|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        q = data[s].get("queries", {})

        def pp(key: str, q: dict[str, Any] = q) -> str:
            v = q.get(key, {})
            return (f"{_ms(v.get('cpu_p50_ms'))} / {_ms(v.get('cpu_p95_ms'))} "
                    f"({_ms(v.get('p50_ms'))} / {_ms(v.get('p95_ms'))})")

        lines.append(f"| {s} | {pp('roster')} | {pp('roster_replay')} | {pp('profile')} | "
                     f"{pp('profile_replay')} | {pp('record')} | {pp('record_replay')} | "
                     f"{_get(q, 'roster', 'n')} ({_get(q, 'roster_replay', 'n')}) |")
    lines += ["", "### Reports and findings (ms)", "",
              "Reports: `projections/reports.py` on the whole store (no tier, no unit), random "
              "`as_of` and `known_at` in the later half of the log; evaluations for the year "
              "before `as_of`, actions and training over the year before. Findings: what "
              "`projections/findings.py` offers today (no read-model table yet): decode the "
              "whole log, `fold_events`, `findings_as_of(today)`. CPU-time figures first, "
              "wall clock in brackets.", "",
              "BM01 province = the cadre-quality report scoped to the root unit's subtree. "
              "Both are asked of the record as it stands (`known_at` now), which the counts "
              "kept by unit and date answer (issue 19); SQL = the same report by the SQL "
              "GROUP BY over the in-force rows at the same moments (`kept=False`), the "
              "baseline; past known_at = the cadre-quality report with `known_at` in the later "
              "half of the log (the SQL path answers); by person = tallied cadre by cadre in "
              "Python (the method before issue 19).", "",
              "| size | cadre-quality p50 / p95 | SQL (baseline) p50 / p95 | "
              "past known_at p50 / p95 | by person p50 / p95 | "
              "BM01 province p50 / p95 | BM01 SQL (baseline) p50 / p95 | "
              "evaluations p50 / p95 | actions p50 / p95 | "
              "training p50 / p95 | findings (fold + rules) | of which fold | findings found |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        rp, f = data[s].get("reports", {}), data[s].get("findings", {})

        def rr(key: str, rp: dict[str, Any] = rp) -> str:
            v = rp.get(key, {})
            return (f"{_ms(v.get('cpu_p50_ms'))} / {_ms(v.get('cpu_p95_ms'))} "
                    f"({_ms(v.get('p50_ms'))} / {_ms(v.get('p95_ms'))})")

        lines.append(f"| {s} | {rr('cadre-quality')} | {rr('cadre-quality-sql')} | "
                     f"{rr('cadre-quality-past-known')} | {rr('cadre-quality-by-person')} | "
                     f"{rr('bm01-province')} | {rr('bm01-province-sql')} | "
                     f"{rr('evaluations')} | {rr('actions')} |"
                     f" {rr('training')} | {_ms(f.get('cpu_p50_ms'))} "
                     f"({_ms(f.get('p50_ms'))}) | "
                     f"{_ms(f.get('fold_mean_ms'))} | {f.get('findings', '–')} |")
    lines += ["", "### Verify (`LogReader.verify()`, what `hoso verify` runs)", "",
              "Events per CPU second (wall-clock events/s), the best by wall clock of three "
              "runs of each (one with `--quick`); on PostgreSQL the "
              "CPU of the client and of every backend. Beside it, in the same run: one worker "
              "(one walk, or one server connection) and the code before issue 19 "
              "(`bench/baseline.py`).", "",
              "| size | events checked | events/s (workers) | one worker | before issue 19 | "
              "intact | raw read + decode events/s (same store) |",
              "|---|---|---|---|---|---|---|"]

    def vrate(d: dict[str, Any] | None) -> str:
        if d and d.get("events_per_total_cpu_s"):
            return f"{_n(d['events_per_total_cpu_s'])} ({_n(d.get('events_per_s'))} wall)"
        return _rate(d)

    for s in sizes:
        v, raw = data[s].get("verify", {}), data[s].get("raw", {})
        workers = f" ({v['workers']})" if v.get("workers") else ""
        lines.append(f"| {s} | {_n(v.get('events'))} | {vrate(v)}{workers} | "
                     f"{vrate(data[s].get('verify_single'))} | "
                     f"{vrate(data[s].get('verify_before'))} | "
                     f"{v.get('ok')} | {_rate(raw)} |")
    lines += ["", "### HTTP on loopback (one uvicorn worker; load client in another process)",
              "",
              "Closed loop, 8 client threads with keep-alive connections (stdlib `http.client`), "
              "admin bearer token; server on a copy of the store. Profile read = `GET "
              "/api/v1/cadres/{id}` (default as_of/known_at, which also catches up the read side "
              "and writes an `access_reads` row); evaluation write = `POST "
              "/api/v1/cadres/{id}/evaluations` (distinct cadre × quarter each, 201 expected).",
              "req/s are wall clock, then per CPU second of the server process (what one worker "
              "serves when it has a core to itself); latencies are wall clock.", "",
              "| size | profile read req/s (per server CPU-s) | p50 / p99 ms | non-200 | "
              "evaluation write req/s (per server CPU-s) | p50 / p99 ms | non-201 | "
              "server peak RSS |", "|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        h = data[s].get("http", {})
        if "skipped" in h:
            lines.append(f"| {s} | skipped: {h['skipped']} | | | | | | |")
            continue
        rd, wr = h.get("profile_read", {}), h.get("evaluation_write", {})
        lines.append(
            f"| {s} | {_n(rd.get('ok_per_s'))} ({_n(rd.get('ok_per_server_cpu_s'))}) | "
            f"{_ms(rd.get('p50_ms'))} / "
            f"{_ms(rd.get('p99_ms'))} | {_bad(rd, '200')} | {_n(wr.get('ok_per_s'))} "
            f"({_n(wr.get('ok_per_server_cpu_s'))}) | "
            f"{_ms(wr.get('p50_ms'))} / {_ms(wr.get('p99_ms'))} | {_bad(wr, '201')} | "
            f"{_n(h.get('server_peak_rss_mb'))} MB |")
    lines += ["", "### Run conditions", "",
              "Other sessions shared the machine's two cores during some runs; the 1-minute "
              "load average before and after each size says how busy it was (2.0 = both cores "
              "busy).", "", "| size | measured at (UTC) | wall time | load before → after |",
              "|---|---|---|---|"]
    for s in sizes:
        d = data[s]
        lines.append(f"| {s} | {d.get('measured_at', '–')} | {_n(d.get('wall_s'))} s | "
                     f"{_n(d.get('loadavg_before'), 1)} → {_n(d.get('loadavg_after'), 1)} |")
    lines += ["", "### Growth (CPU-time p95 ratio per 10× events, worst consecutive pair)", "",
              "| figure | growth per 10× |", "|---|---|"]
    for label, path in (("roster", ("queries", "roster", "cpu_p95_ms")),
                        ("profile", ("queries", "profile", "cpu_p95_ms")),
                        ("record", ("queries", "record", "cpu_p95_ms")),
                        ("profile by replay", ("queries", "profile_replay", "cpu_p95_ms")),
                        ("cadre-quality report", ("reports", "cadre-quality", "cpu_p95_ms")),
                        ("cadre-quality SQL GROUP BY (baseline)",
                         ("reports", "cadre-quality-sql", "cpu_p95_ms")),
                        ("cadre-quality by person (baseline)",
                         ("reports", "cadre-quality-by-person", "cpu_p95_ms")),
                        ("BM01 province", ("reports", "bm01-province", "cpu_p95_ms")),
                        ("evaluations report", ("reports", "evaluations", "cpu_p95_ms")),
                        ("actions report", ("reports", "actions", "cpu_p95_ms")),
                        ("training report", ("reports", "training", "cpu_p95_ms")),
                        ("findings", ("findings", "cpu_p95_ms"))):
        key = _p95_key(backend)
        g = _growth(results, backend, tuple(key if k == "cpu_p95_ms" else k for k in path))
        lines.append(f"| {label} | {'–' if g is None else f'{g:.2f}×'} |")
    lines.append("")
    return lines


def _bad(load: dict[str, Any], ok: str) -> str:
    codes = {k: v for k, v in load.get("statuses", {}).items() if k != ok}
    return ", ".join(f"{v}×{k}" for k, v in codes.items()) or "0"


def write_document(results: dict[str, Any], path: Path, notes: str | None = None) -> None:
    m = results.get("machine", {})
    lines = ["# Benchmarks", "",
             "Written by `make bench` (`python -m bench.run`; `--sizes 10k,100k`, `--quick`, "
             "`--postgres`) — do not edit by hand; the analysis lives in "
             "`bench/notes.md` and is copied below. Stores are the generator's `size_10k`, "
             "`size_100k`, `size_1m` (and `size_10m`, `--sizes 10m`) profiles "
             "(docs/generator.md), generated once into `bench/out/` and reused; "
             "`--only rebuild,raw,verify,reports,...` measures some parts and keeps the "
             "others' figures from earlier runs.", "",
             f"Machine: {m.get('cpus')} CPUs ({m.get('cpu')}), Python {m.get('python')}, "
             f"SQLite {m.get('sqlite')}, eventsourcing {m.get('eventsourcing')}, "
             f"{m.get('platform')}. Written {BENCH_CLOCK.now():%Y-%m-%d %H:%M} UTC.", ""]
    quick = any(v.get("quick") for b in ("sqlite", "postgres")
                for v in results.get(b, {}).values() if isinstance(v, dict))
    if quick:
        lines += ["> Some sizes were measured with `--quick` (few samples): indicative only.",
                  ""]
    note_path = Path(__file__).resolve().parent / "notes.md"
    text = notes if notes is not None else (note_path.read_text() if note_path.exists()
                                            else None)
    if text:
        lines += [text.rstrip(), ""]
    proofs = Path(__file__).resolve().parent / "proofs.md"  # `python -m bench.proofs`
    if proofs.exists():
        lines += ["<!-- proofs: begin -->", proofs.read_text().rstrip(), "<!-- proofs: end -->",
                  ""]
    projector = Path(__file__).resolve().parent / "projector.md"  # bench.projector_writes
    if projector.exists():
        lines += ["<!-- projector: begin -->", projector.read_text().rstrip(),
                  "<!-- projector: end -->", ""]
    http_path = Path(__file__).resolve().parent / "http_path.md"  # bench.run --http-path
    if http_path.exists():
        lines += ["<!-- http-path: begin -->", http_path.read_text().rstrip(),
                  "<!-- http-path: end -->", ""]
    findings = Path(__file__).resolve().parent / "findings.md"  # issue 15, measured by hand
    if findings.exists():
        lines += ["<!-- findings: begin -->", findings.read_text().rstrip(),
                  "<!-- findings: end -->", ""]
    for backend in ("sqlite", "postgres"):
        lines += section(results, backend)
    if "postgres" not in results or not results["postgres"]:
        lines += ["## PostgreSQL", "", "Not measured in the runs recorded here "
                  "(`python -m bench.run --sizes 1m --postgres`).", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
