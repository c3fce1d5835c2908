"""What an erasure costs, against an ordinary write in the same run on the same store.

    .venv/bin/python -m bench.erasure_cost [--profile size_10k] [--postgres]

Generates the profile's history into a fresh store, then times over HTTP (in-process client)
an ordinary command (a training record: append + catch-up) and an erasure (append + shred +
read-side scrub + store compaction: VACUUM and WAL truncation on SQLite, VACUUM (FULL) of the
touched tables on PostgreSQL). Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from infra.clock import BENCH_CLOCK
from infra.database import engine_for
from infra.demo import BulkApplication, generate
from infra.persistence import application_env, create_database_if_missing, drop_database
from infra.settings import Settings

HEADERS = {"Authorization": "Bearer bench-erasure"}


def measure(settings: Settings, profile: str, rounds: int) -> dict[str, float]:
    create_database_if_missing(settings.database_url)
    bulk = BulkApplication(env=application_env(settings), clock=BENCH_CLOCK,
                           horizon_days=settings.future_horizon_days)
    try:
        summary = generate(bulk, profile, seed=2022)
    finally:
        bulk.close()
    engine = engine_for(settings)
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM stored_events")).scalar_one()
        cadres = [uuid.UUID(str(c)) for c in conn.execute(text(
            "SELECT DISTINCT originator_id FROM stored_events WHERE topic LIKE "
            "'%Cadre.Registered'")).scalars().all()[:rounds * 2 + 1]]
    engine.dispose()
    del summary
    write, erase = [], []
    with TestClient(create_app(settings)) as client:
        # Warm up (first catch-up, findings fold, connection pools) outside the figures.
        client.post(f"/api/v1/cadres/{cadres[-1]}/trainings", headers=HEADERS,
                    json={"program": "cap_nhat_kien_thuc", "started_on": "2020-01-01"})
        client.get("/api/v1/findings", headers=HEADERS)
        for i in range(rounds):
            started = time.perf_counter()
            answer = client.post(f"/api/v1/cadres/{cadres[i]}/trainings", headers=HEADERS,
                                 json={"program": "cap_nhat_kien_thuc", "started_on": "2020-01-01"})
            write.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
        for i in range(rounds):
            started = time.perf_counter()
            answer = client.post(f"/api/v1/cadres/{cadres[rounds + i]}/erasure",
                                 headers=HEADERS, json={"reason": "bench"})
            erase.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
    return {"events": float(events), "write": statistics.median(write),
            "erase": statistics.median(erase)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="size_10k")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            url = f"postgresql://postgres@127.0.0.1:5432/hoso_bench_{uuid.uuid4().hex[:8]}"
        else:
            url = f"sqlite:///{Path(folder) / 'hoso.sqlite3'}"
        settings = Settings(database_url=url, admin_token=HEADERS["Authorization"][7:])
        try:
            figures = measure(settings, args.profile, args.rounds)
        finally:
            if args.postgres:
                drop_database(url)
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{kind}, {args.profile} ({figures['events']:.0f} events): ordinary write "
          f"{figures['write'] * 1000:.0f} ms, erasure {figures['erase'] * 1000:.0f} ms "
          f"(median of {args.rounds}); ratio {figures['erase'] / figures['write']:.1f}×")


if __name__ == "__main__":
    main()
