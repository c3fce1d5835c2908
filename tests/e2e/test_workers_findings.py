"""Findings with two workers (ADR 0009), on SQLite and on PostgreSQL.

A personnel office records an appointment whose decision was signed months after the day it
takes effect (hồi tố: the `backdated_record` rule). Right after the 201, a findings read on a
fresh connection — whichever worker takes it — shows the finding: the one projector judged it
and every worker reads the same rows. An inspector's review recorded on one worker is shown by
the other. A correction of the decision's dates removes the finding at once, while `known_at`
before the correction still shows it and `as_of` before the day it took effect never did.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    ADMIN_TOKEN,
    API,
    Server,
    created,
    decision,
    module_store,
    ok,
    running_server,
)
from tests.e2e.test_oversight_api import settle

RULE = "backdated_record"
# Appointments (each read right after its 201) and reads per review: enough fresh connections
# that both workers answer some (the kernel spreads accepts).
APPOINTMENTS = 6
READS = 8


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Server]:
    with module_store(request, tmp_path_factory, "findings") as settings, \
            running_server(settings, workers=2) as server:
        yield server


def fresh(server: Server, method: str, path: str, token: str = ADMIN_TOKEN,
          **kwargs: Any) -> httpx.Response:
    """One request on a new connection (no keep-alive): either worker may take it."""
    with httpx.Client(base_url=server.base_url + API, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        return client.request(method, path, **kwargs)


def findings(server: Server, token: str, **params: str) -> dict[str, dict[str, Any]]:
    """The backdated-record findings shown, by cadre."""
    body = ok(fresh(server, "GET", "/findings", token, params={"rule": RULE, **params}))
    return {row["cadre_id"]: row for row in body["findings"]}


def test_findings_read_their_writes_on_every_worker(two_workers: Server) -> None:
    s = two_workers
    quan = created(fresh(s, "POST", "/units", json={
        "code": "PH", "name": "Quận Phát Hiện", "kind": "quan",
        "established_on": "2010-01-01"}))["id"]
    phong = created(fresh(s, "POST", "/units", json={
        "code": "PH-NV", "name": "Phòng Nội vụ", "kind": "phong", "parent_id": quan,
        "established_on": "2010-01-01"}))["id"]
    created(fresh(s, "POST", "/titles", json={
        "code": "pho_phong", "name": "Phó Trưởng phòng", "is_head": False,
        "management_tier": "quan_uy", "rank": 4}))
    inspector = s.token(name="ubkt.phat-hien", role="inspector")

    # Each appointment's finding is read right after its 201, on a fresh connection.
    appointed: dict[str, int] = {}
    missed, visible_after = [], []
    for i in range(APPOINTMENTS):
        cadre = created(fresh(s, "POST", "/cadres", json={
            "full_name": f"Lê Thị Hồi Tố {i}", "gender": "nu", "born_on": "1984-03-01",
            "ethnicity": "Kinh"}))["id"]
        answer = created(fresh(s, "POST", f"/cadres/{cadre}/appointments", json={
            "kind": "bo_nhiem", "unit_id": phong, "title_code": "pho_phong",
            "effective_on": "2024-01-02", "decision": decision(f"{i + 1}/QĐ-UBND", "2024-04-15")}))
        committed = time.perf_counter()
        shown = findings(s, inspector).get(cadre)
        visible_after.append(time.perf_counter() - committed)
        if shown is None or shown["evidence"] != [answer["position"]]:
            missed.append(i)
        appointed[cadre] = answer["position"]
    assert missed == []
    # Visible within the read's bounded wait (no 503), in well under a second on a small store.
    assert statistics.median(visible_after) < 1.0, visible_after

    # Before the day the appointments took effect there was nothing to find.
    assert findings(s, inspector, as_of="2024-01-01") == {}
    assert set(findings(s, inspector, as_of="2024-01-02")) == set(appointed)

    # A review recorded on one worker is shown on every worker, right after its 201.
    first = next(iter(appointed))
    key = findings(s, inspector)[first]["id"]
    created(fresh(s, "POST", f"/findings/{key}/reviews", inspector, json={
        "conclusion": "needs_action", "reason": "Đề nghị giải trình việc ký hồi tố"}))
    reviewed = [findings(s, inspector)[first] for _ in range(READS)]
    assert {(r["review_status"], r["reviewed_by"]) for r in reviewed} == {
        ("needs_action", "ubkt.phat-hien")}

    # The decision was in fact signed before the appointment took effect: corrected, the
    # finding goes at once on every worker; known before the correction, it is still there.
    before_correction = settle()
    created(fresh(s, "POST", f"/cadres/{first}/corrections", json={
        "target_position": appointed[first], "reason": "Nhập sai ngày ký quyết định",
        "replacement": {"kind": "bo_nhiem", "unit_id": phong, "title_code": "pho_phong",
                        "effective_on": "2024-01-02",
                        "decision": decision("1/QĐ-UBND", "2023-12-28")}}))
    after = [findings(s, inspector) for _ in range(READS)]
    assert all(first not in shown and set(shown) == set(appointed) - {first} for shown in after)
    then = findings(s, inspector, known_at=before_correction)
    assert then[first]["id"] == key and then[first]["review_status"] == "needs_action"
    # A date not kept judged, as known before the correction (a snapshot, judged once).
    then_day = findings(s, inspector, as_of="2024-06-30", known_at=before_correction)
    assert set(then_day) == set(appointed)
    assert first not in findings(s, inspector, as_of="2024-06-30")
