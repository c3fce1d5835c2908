"""Every answer that shows a named person's data is audited (issue 13): rosters, searches and
findings write one `access_reads` row per person listed, on the API and on the web."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from infra.access import AccessStore
from tests.e2e.test_api_matrix import World
from tests.e2e.test_api_matrix import world as world  # noqa: F401  (the shared fixture)
from tests.e2e.test_web_matrix import call, sign_in


def _kinds(w: World, reader: str, cadre_id: object) -> list[str]:
    reads = AccessStore(w.runtime.engine, w.runtime.clock).reads(cadre_id=UUID(str(cadre_id)), reader=reader)
    return [r.what for r in reads]


def test_rosters_searches_and_findings_are_written_to_the_read_audit(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    leader = {"Authorization": f"Bearer {w.tokens['leader']}"}
    assert client.get(f"/api/v1/units/{w.a}/roster", headers=leader).status_code == 200
    assert "roster" in _kinds(w, "lanh_dao_a", w.cadre_a)
    assert client.get("/api/v1/cadres", headers=leader,
                      params={"q": "tran thi"}).status_code == 200
    assert "search" in _kinds(w, "lanh_dao_a", w.cadre_a)
    inspector = {"Authorization": f"Bearer {w.tokens['inspector']}"}
    found = client.get("/api/v1/findings", headers=inspector,
                       params={"unit_id": str(w.a)}).json()["findings"]
    assert found
    assert "findings" in _kinds(w, "kiem_tra", found[0]["cadre_id"])
    # A refused read shows nothing and writes nothing.
    before = _kinds(w, "lanh_dao_a", w.cadre_b)
    assert client.get(f"/api/v1/units/{w.b}/roster", headers=leader).status_code == 403
    assert _kinds(w, "lanh_dao_a", w.cadre_b) == before
    # The web's roster and search are audited like the API's.
    browser = sign_in(client, w.tokens["personnel"])
    assert call(client, browser, "GET", "/don-vi", None,
                {"unit_id": str(w.a)}).status_code == 200
    assert "roster" in _kinds(w, "to_chuc_a", w.cadre_a)
    assert call(client, browser, "GET", "/can-bo", None,
                {"unit_id": str(w.a)}).status_code == 200
    assert "search" in _kinds(w, "to_chuc_a", w.cadre_a)
