"""Many clients at once against a server with several workers on PostgreSQL.

Sixteen personnel officers race to fill one head post on the same date: the log must hold
exactly one appointment. Sixteen others append evaluations to different cadres: nothing lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest

from infra.settings import Settings
from tests.e2e.conftest import Server, created, decision, ok, running_server

CLIENTS = 16


@pytest.fixture
def busy_server(postgres_settings: Settings) -> Iterator[Server]:
    with running_server(postgres_settings, workers=4) as s:
        yield s


def race(server: Server, requests: list[tuple[str, dict[str, object]]]) -> list[httpx.Response]:
    """Send the requests from separate clients, released together."""
    start = Barrier(len(requests))

    def send(request: tuple[str, dict[str, object]]) -> httpx.Response:
        with server.client() as client:
            client.get("/titles")  # connection warmed, so the race is on the command
            start.wait()
            return client.post(request[0], json=request[1])

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_one_head_post_many_claimants_and_parallel_appends(busy_server: Server) -> None:
    admin = busy_server.client()
    unit = created(admin.post("/units", json={"code": "P-TC", "name": "Phòng Tài chính",
                                              "kind": "phong", "established_on": "2010-01-01"}))
    created(admin.post("/titles", json={"code": "truong_phong", "name": "Trưởng phòng",
                                        "is_head": True, "management_tier": "quan_uy"}))
    cadres = [created(admin.post("/cadres", json={
        "full_name": f"Nguyễn Văn Số {i}", "gender": "nam", "born_on": "1980-01-01"}))["id"]
        for i in range(CLIENTS)]

    claims = race(busy_server, [(f"/cadres/{cadre}/appointments", {
        "kind": "bo_nhiem", "unit_id": unit["id"], "title_code": "truong_phong",
        "effective_on": "2023-01-01", "decision": decision(f"{i}/QĐ", "2022-12-20")})
        for i, cadre in enumerate(cadres)])
    statuses = Counter(r.status_code for r in claims)
    assert statuses == {201: 1, 409: CLIENTS - 1}, [r.text for r in claims]
    assert {r.json()["code"] for r in claims if r.status_code == 409} <= {
        "holding_conflict", "version_conflict"}
    log = ok(admin.get("/audit/log"))["entries"]
    assert sum(e["type"].endswith("Appointed") for e in log) == 1
    holders = ok(admin.get(f"/units/{unit['id']}/roster", params={"as_of": "2023-06-01"}))
    assert len(holders["holdings"]) == 1

    appends = race(busy_server, [(f"/cadres/{cadre}/evaluations", {
        "period": "2023", "rating": "HTTNV", "decided_on": "2023-12-20"}) for cadre in cadres])
    assert [r.status_code for r in appends] == [201] * CLIENTS, [r.text for r in appends]
    positions = [r.json()["position"] for r in appends]
    assert len(set(positions)) == CLIENTS
    log = ok(admin.get("/audit/log"))["entries"]
    assert sum(e["type"].endswith("Evaluated") for e in log) == CLIENTS
    verified = ok(admin.get("/audit/verify"))
    assert verified["ok"] is True
    # PostgreSQL positions may skip numbers (a refused insert still drew from the sequence).
    assert verified["checked"] == len(log)
    assert verified["head"]["position"] == max(e["position"] for e in log)
