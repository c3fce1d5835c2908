"""Erasure with two workers on PostgreSQL, right after the database dropped every connection.

The erasure must answer 201 (never 500), destroy the key (the `personal_keys` row keeps only a
tombstone), and every worker must stop showing the erased data at once: not only the one that
erased (its caches are dropped in the request) but the other too, which keeps personal-data
keys in memory (the shred epoch, read with the log head, tells it: ADR 0008). A second request
says `already_erased`; the log still verifies.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest

from infra.settings import Settings
from tests.e2e.conftest import ADMIN_TOKEN, API, Server, created, ok, running_server
from tests.e2e.test_workers_reconnect import terminate_backends

pytestmark = pytest.mark.postgres

NAME = "Phạm Thị Riêng Tư"
NATIONAL_ID = "031185009876"
RELATIVE = "Đỗ Văn Thân Nhân"
# Enough fresh connections that both workers answer some (the kernel spreads accepts).
CALLS = 16


@pytest.fixture
def two_workers(postgres_settings: Settings) -> Iterator[Server]:
    with running_server(postgres_settings, workers=2) as s:
        yield s


def fresh(server: Server, method: str, path: str, **kwargs: object) -> httpx.Response:
    """One request on a new connection (so either worker may take it)."""
    with httpx.Client(base_url=server.base_url + API, timeout=30,
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
        return client.request(method, path, **kwargs)  # type: ignore[arg-type]


def key_row(settings: Settings, cadre_id: str) -> tuple[object, object] | None:
    with psycopg.connect(settings.database_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        row = conn.execute("SELECT key, shredded_at FROM personal_keys WHERE cadre_id = %s",
                           (cadre_id,)).fetchone()
    return (row[0], row[1]) if row else None


def test_erasure_after_dropped_connections_reaches_every_worker(two_workers: Server) -> None:
    victim = created(fresh(two_workers, "POST", "/cadres", json={
        "full_name": NAME, "gender": "nu", "born_on": "1985-02-03", "ethnicity": "Kinh",
        "national_id": NATIONAL_ID}))["id"]
    created(fresh(two_workers, "POST", f"/cadres/{victim}/relatives", json={
        "relation": "chong", "full_name": RELATIVE, "born_year": 1983}))
    # Both workers read the record (and so keep the cadre's key and their pools warm).
    for _ in range(CALLS):
        profile = fresh(two_workers, "GET", f"/cadres/{victim}")
        assert NAME in ok(profile)["full_name"] and RELATIVE in profile.text
        ok(fresh(two_workers, "GET", f"/cadres/{victim}/record"))
    key, shredded_at = key_row(two_workers.settings, victim) or (None, None)
    assert key is not None and shredded_at is None

    assert terminate_backends(two_workers.settings) > 0
    erased = fresh(two_workers, "POST", f"/cadres/{victim}/erasure",
                   json={"reason": "Yêu cầu của chủ thể dữ liệu"})
    assert erased.status_code == 201, erased.text

    # The key is gone, a tombstone stays.
    key, shredded_at = key_row(two_workers.settings, victim) or ("missing", None)
    assert key is None and shredded_at is not None

    # No worker shows the name, the national id or the relative any more.
    for _ in range(CALLS):
        for path, params in ((f"/cadres/{victim}", None), (f"/cadres/{victim}/record", None),
                             ("/cadres", {"q": "Riêng"})):
            answer = fresh(two_workers, "GET", path, params=params)
            assert answer.status_code == 200, answer.text
            for secret in (NAME, NATIONAL_ID, RELATIVE, "Riêng"):
                assert secret not in answer.text, (path, secret)

    # Whichever worker takes it, new personal data for the erased cadre is refused cleanly:
    # no worker seals it under the destroyed key it once kept.
    for _ in range(CALLS // 2):
        again = fresh(two_workers, "POST", f"/cadres/{victim}/relatives", json={
            "relation": "con", "full_name": "Đỗ Thị Mới", "born_year": 2010})
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "already_erased"
    assert key_row(two_workers.settings, victim) == (None, shredded_at)

    # Asked again after another drop: 409 already_erased, not a 500.
    terminate_backends(two_workers.settings)
    repeat = fresh(two_workers, "POST", f"/cadres/{victim}/erasure", json={"reason": "Lặp lại"})
    assert repeat.status_code == 409 and repeat.json()["code"] == "already_erased"
    assert ok(fresh(two_workers, "GET", "/audit/verify"))["ok"] is True
