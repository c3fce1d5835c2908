"""The demo district generated on a chosen day and read back from the log as oversight sees
it: shared by the demo tests that judge what the generator planted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from domain.rules.checks import find_all
from infra.clock import PinnedClock
from infra.demo import BulkApplication, GenerationSummary, generate
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings
from projections.findings import RecordFold, fold_events

UNIT_RULES = ("excellent_quota", "vacant_head_post")  # judged per unit, not per cadre


def demo_on(instant: datetime, directory: Path) -> tuple[GenerationSummary, RecordFold]:
    """Generate the demo with the clock at `instant`; fold the log with its recorded_at."""
    settings = Settings(database_url=f"sqlite:///{directory / 'hoso.sqlite3'}")
    app = BulkApplication(env=application_env(settings), clock=PinnedClock(instant))
    log = open_log_reader(settings)
    try:
        summary = generate(app, "demo")

        def events() -> Iterator[tuple[int, datetime, Any]]:
            for r in log.select(0, 10**9):
                yield r.position, r.recorded_at, app.mapper.to_domain_event(StoredEvent(
                    originator_id=r.originator_id, originator_version=r.originator_version,
                    topic=r.topic, state=r.state))

        return summary, fold_events(events())
    finally:
        log.close()
        app.close()


def planted_and_found(summary: GenerationSummary, fold: RecordFold) -> tuple[set[Any], set[Any]]:
    """(rule, cadre or unit) pairs the generator says it planted, and those oversight finds
    as of the generation's today."""
    planted = {(p.rule, p.cadre_id) for p in summary.planted}
    planted |= {(rule, p.cadre_id) for p in summary.planted for rule in p.also}
    planted = {(r, c) for r, c in planted if r not in UNIT_RULES}
    planted |= {(p.rule, p.unit_id) for p in summary.planted if p.rule in UNIT_RULES}
    found = {(f.rule_id, f.unit_id) if f.cadre_id is None else (f.rule_id, f.cadre_id)
             for f in find_all(fold.facts(summary.today))}
    return planted, found
