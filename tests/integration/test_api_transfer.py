"""Issue 21 item 4, through the API on both stores: a transfer (điều động, luân chuyển) ends a
post held and appoints to another as one decision; both entries or neither; the new title must
fit its unit; the pickers' `titles_fitting` answers with the appointment's own test."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi.testclient import TestClient

from tests.integration.test_api_record_fit import City, head, refused
from tests.integration.test_api_record_renewals import created, decision, http

__all__ = ["http"]


def test_a_transfer_ends_the_old_post_and_starts_the_new_one_together(
        http: TestClient) -> None:
    c = City(http)
    cadre = c.cadre("Trần Văn Điều")
    created(c.appoint(cadre, c.ward_ub, "chuyen_vien", "2020-01-01"))
    body = {"from_unit_id": c.ward_ub, "from_title_code": "chuyen_vien", "reason": "dieu_dong",
            "kind": "dieu_dong_bo_nhiem", "unit_id": c.ward_ub, "title_code": "chu_tich_ubnd_xa",
            "effective_on": "2024-03-01", "decision": decision("12-QĐ/UBND", "2024-02-20")}
    receipt = created(http.post(f"cadres/{cadre}/transfers", json=body))
    assert receipt["position"] >= receipt["entry_position"] > 0
    held = http.get(f"cadres/{cadre}", params={"as_of": "2024-06-01"}).json()["holdings"]
    assert [h["title_code"] for h in held] == ["chu_tich_ubnd_xa"]
    before = http.get(f"cadres/{cadre}", params={"as_of": "2023-06-01"}).json()["holdings"]
    assert [h["title_code"] for h in before] == ["chuyen_vien"]
    kinds = [e["type"] for e in http.get(f"cadres/{cadre}/record").json()["entries"]]
    assert kinds[-2:] == ["HoldingEnded", "Appointed"]


def test_a_refused_transfer_appends_nothing(http: TestClient) -> None:
    c = City(http)
    cadre = c.cadre("Lê Văn Chuyển")
    created(c.appoint(cadre, c.ward_ub, "chuyen_vien", "2020-01-01"))
    at = head(http)
    misfit = {"from_unit_id": c.ward_ub, "from_title_code": "chuyen_vien", "reason": "dieu_dong",
              "kind": "dieu_dong", "unit_id": c.ward_ub, "title_code": "bi_thu_quan_uy",
              "effective_on": "2024-03-01", "decision": decision("13-QĐ/UBND", "2024-02-20")}
    refused(http.post(f"cadres/{cadre}/transfers", json=misfit), 400, "title_not_in_unit",
            "title_code")
    not_held = {**misfit, "from_title_code": "chu_tich_ubnd_xa", "title_code": "chuyen_vien",
                "unit_id": c.ward_party}
    refused(http.post(f"cadres/{cadre}/transfers", json=not_held), 404, "holding_not_found",
            "title_code")
    assert head(http) == at
    held = http.get(f"cadres/{cadre}", params={"as_of": "2024-06-01"}).json()["holdings"]
    assert [h["title_code"] for h in held] == ["chuyen_vien"]


def test_the_pickers_offer_only_titles_that_fit_the_unit(http: TestClient) -> None:
    c = City(http)
    app = http.app.state.runtime.app  # type: ignore[attr-defined]
    codes = ["bi_thu_quan_uy", "chu_tich_ubnd_xa", "chuyen_vien"]
    on = date(2024, 1, 1)
    assert app.titles_fitting(UUID(c.ward_ub), on, codes) == ["chu_tich_ubnd_xa", "chuyen_vien"]
    assert app.titles_fitting(UUID(c.district_party), on, codes) == ["bi_thu_quan_uy",
                                                                    "chuyen_vien"]
