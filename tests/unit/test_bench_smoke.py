"""The benchmark machinery, run end to end on a ~1,000-event history so it cannot rot."""

from __future__ import annotations

from pathlib import Path

from bench import measure
from bench.document import write_document
from bench.run import Plan, measure_store
from bench.stores import Store

TINY = Plan(queries=5, replays=2, report_runs=1, findings_runs=1, library_events=200,
            http_seconds=0.3)


def test_bench_measures_a_small_history_and_writes_the_tables(tmp_path: Path) -> None:
    # Given a store holding the first ~1,000 events of the district history, recorded on
    # the plain path (which is also the plain ingest measurement)
    url = f"sqlite:///{tmp_path / 'small.sqlite3'}"
    plain = measure.ingest("size_10k", url, bulk=False, stop_after=1_000)
    assert plain["events"] >= 1_000 and plain["events_per_s"] > 0
    store = Store("1k", "size_10k", url, plain["events"], plain["seconds"], True)

    # When every measurement runs on it
    result = measure_store(store, TINY, backend="sqlite", smallest=False, out=tmp_path,
                           step=lambda _: None)

    # Then each figure is there, next to its baseline
    assert result["rebuild"]["events"] == plain["events"]
    assert result["rebuild"]["peak_rss_mb"] > 0
    assert result["library_runner"]["events"] == 200
    assert result["raw"]["events"] == plain["events"]
    assert result["verify"]["ok"] and result["verify"]["events"] == plain["events"]
    for query in ("roster", "profile", "record", "roster_replay", "profile_replay",
                  "record_replay"):
        assert result["queries"][query]["n"] > 0, query
    assert set(result["reports"]) == {"cadre-quality", "evaluations", "actions", "training",
                                      "bm01-province", "cadre-quality-by-person",
                                      "cadre-quality-sql", "bm01-province-sql",
                                      "cadre-quality-past-known"}
    assert result["findings"]["n"] == 1
    http = result["http"]
    assert "skipped" not in http, http
    assert http["profile_read"]["statuses"].keys() == {"200"}
    assert http["evaluation_write"]["statuses"].keys() == {"201"}

    # And the document shows them
    doc = tmp_path / "benchmarks.md"
    write_document({"machine": {}, "sqlite": {"1k": result}}, doc, notes="")
    text = doc.read_text()
    assert "| 1k |" in text and "### Targets" in text and "### HTTP" in text
    assert "### Targets (issue 19)" in text

    # And one part alone measures only that part
    only = measure_store(store, TINY, backend="sqlite", smallest=False, out=tmp_path,
                         step=lambda _: None, only=frozenset({"verify"}))
    assert only["verify"]["ok"] and not {"rebuild", "reports", "http"} & set(only)
