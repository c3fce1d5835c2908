"""Append rates of the chained recorders, one event per save against 100-event saves, and the
verify rate over what was written: `python -m bench.append_rate [DATABASE_URL]` (a fresh SQLite
file by default). The figures in docs/adr/0001-persistence.md come from here."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from infra.persistence import application_env, create_database_if_missing, open_log_reader
from infra.settings import Settings


class Dossier(Aggregate):
    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str, on: date) -> None:
        self.notes.append(text)


class AppendApp(Application[UUID]):
    name = "appendbench"


def measure(settings: Settings, singles: int = 200, batches: int = 20) -> dict[str, float]:
    create_database_if_missing(settings.database_url)
    app = AppendApp(env=application_env(settings))
    try:
        start = time.perf_counter()
        for _ in range(singles):
            app.save(Dossier(title="one"))
        single_rate = singles / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(batches):
            dossier = Dossier(title="batch")
            for n in range(99):
                dossier.note(text=f"n{n}", on=date(2024, 1, 1))
            app.save(dossier)
        batch_rate = batches * 100 / (time.perf_counter() - start)
    finally:
        app.close()
    with open_log_reader(settings) as reader:
        start = time.perf_counter()
        result = reader.verify()
        verify_rate = result.checked / (time.perf_counter() - start)
    if not result.ok:
        raise SystemExit(f"the chain does not verify: {result}")
    return {"single_saves_per_s": single_rate, "batch_events_per_s": batch_rate,
            "batch_over_single": batch_rate / single_rate, "verify_events_per_s": verify_rate}


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else (
        f"sqlite:///{tempfile.mkdtemp(prefix='hoso-append-')}/hoso.sqlite3")
    figures = measure(Settings(database_url=url))
    print(f"single-event saves: {figures['single_saves_per_s']:,.0f} events/s; "
          f"100-event saves: {figures['batch_events_per_s']:,.0f} events/s "
          f"({figures['batch_over_single']:.1f}×); "
          f"verify: {figures['verify_events_per_s']:,.0f} events/s")


if __name__ == "__main__":
    main()
