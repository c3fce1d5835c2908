"""PostgreSQL drops every connection (a failover, a restart) while two workers are busy.

Requests in flight at that moment may fail; every request sent after it is answered normally,
on every worker: registrations with personal data (the key store), reads (read side, log
reader, token store), erasure (the key store again) and verification.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from infra.persistence import postgres_parts
from infra.settings import Settings
from tests.e2e.conftest import Server, created, ok, running_server

CLIENTS = 4


@pytest.fixture
def two_workers(postgres_settings: Settings) -> Iterator[Server]:
    with running_server(postgres_settings, workers=2) as s:
        yield s


@dataclass
class Sent:
    started: float
    status: int
    what: str


def terminate_backends(settings: Settings) -> int:
    """What a failover does to the service's connections: every backend of its database ends."""
    with psycopg.connect(settings.test_postgres_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (postgres_parts(settings.database_url)["dbname"],)).fetchall()
    return len(rows)


def test_dropped_connections_heal_without_a_restart(two_workers: Server) -> None:
    sent: list[Sent] = []
    stop = threading.Event()
    cadres: list[str] = []

    def load(n: int) -> None:
        with two_workers.client() as client:
            i = 0
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                try:
                    r = client.post("/cadres", json={
                        "full_name": f"Trần Văn Tải {n}-{i}", "gender": "nam",
                        "born_on": "1980-01-01", "national_id": f"0{n}{i:010d}",
                        "ethnicity": "Kinh"})
                    sent.append(Sent(started, r.status_code, "register"))
                    if r.status_code == 201:
                        cadres.append(r.json()["id"])
                        started = time.monotonic()
                        got = client.get(f"/cadres/{r.json()['id']}")
                        sent.append(Sent(started, got.status_code, "profile"))
                except Exception:  # a connection reset in flight counts as a failure
                    sent.append(Sent(started, 599, "transport"))

    threads = [threading.Thread(target=load, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(cadres) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert terminate_backends(two_workers.settings) > 0
        cut = time.monotonic()
        while len([s for s in sent if s.started > cut]) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    after = [s for s in sent if s.started > cut]
    assert len(after) >= 60
    assert [s for s in after if s.status >= 500] == []
    assert {s.what for s in after} == {"register", "profile"}

    admin = two_workers.client()
    victim = cadres[-1]
    terminate_backends(two_workers.settings)
    created(admin.post(f"/cadres/{victim}/erasure", json={"reason": "Yêu cầu của chủ thể"}))
    profile = ok(admin.get(f"/cadres/{victim}"))
    assert "Tải" not in profile["full_name"]
    assert admin.post(f"/cadres/{victim}/erasure",
                      json={"reason": "Lặp lại"}).json()["code"] == "already_erased"
    assert ok(admin.get("/audit/verify"))["ok"] is True
