"""The yearly rating derived from the quarters (issue 17 part 1), on both stores with the
pinned clock: a suggestion while quarters are missing, a rule once all four are scored
(`rating_above_quarters`), the ward's leaders also held to their worst quarter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from domain.evaluation_frameworks import load_frameworks
from domain.values import Rating
from domain.yearly_ratings import derive
from infra.runtime import Runtime
from tests.e2e.test_web_matrix import call, sign_in
from tests.integration.test_evaluation_scores import ADMIN, WARD_SCORES, evaluate, refused
from tests.integration.test_evaluation_scores import world as world  # noqa: F401

DECIDED = {1: "2026-04-10", 2: "2026-07-10", 3: "2026-10-10", 4: "2026-11-20"}


def national(total: int) -> dict[str, int]:
    return {"tieu_chi_chung": 30 if total >= 30 else total,
            "ket_qua_nhiem_vu": total - min(total, 30)}


def quarter(client: TestClient, cadre_id: str, n: int, rating: str, scores: Any) -> None:
    answer = evaluate(client, cadre_id, period=f"2026-Q{n}", rating=rating,
                      decided_on=DECIDED[n], scores=scores)
    assert answer.status_code == 201, answer.text


def derived(client: TestClient, cadre_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/cadres/{cadre_id}/evaluations/derived",
                        params={"year": 2026}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_year_follows_the_average_once_all_four_quarters_are_scored(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, rt, ids = world
    clerk = ids["clerk"]
    quarter(client, clerk, 1, "HTXSNV", national(95))
    quarter(client, clerk, 2, "HTTNV", national(80))
    partial = derived(client, clerk)
    assert partial["complete"] is False and partial["framework_id"] == "nd335-2025"
    assert Decimal(partial["average"]) == Decimal("87.50") and partial["rating"] == "HTTNV"
    assert "[verify]" in partial["source"]
    # Three quarters known: a suggestion only, a better yearly rating is not refused yet...
    quarter(client, clerk, 3, "HTXSNV", national(92))
    quarter(client, clerk, 4, "HTXSNV", national(91))
    full = derived(client, clerk)
    assert full["complete"] is True and Decimal(full["average"]) == Decimal("89.50")
    assert full["rating"] == "HTTNV"
    assert [q["rating"] for q in full["quarters"]] == ["HTXSNV", "HTTNV", "HTXSNV", "HTXSNV"]
    # ...and with all four scored, HTXSNV for the year is above the average's band.
    refused(client, rt, clerk, "rating_above_quarters", "rating", period="2026",
            rating="HTXSNV", decided_on="2026-11-20")
    ok = evaluate(client, clerk, period="2026", rating="HTTNV", decided_on="2026-11-20")
    assert ok.status_code == 201, ok.text
    # A correction of the yearly rating meets the same rule.
    head = rt.log.head()
    corrected = client.post(f"/api/v1/cadres/{clerk}/corrections", headers=ADMIN, json={
        "target_position": ok.json()["entry_position"], "reason": "Nâng xếp loại",
        "replacement": {"period": "2026", "rating": "HTXSNV", "decided_on": "2026-11-20"}})
    assert corrected.status_code == 400, corrected.text
    assert corrected.json()["code"] == "rating_above_quarters"
    assert rt.log.head() == head


def test_the_wards_leaders_are_no_better_than_their_worst_quarter(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, rt, ids = world
    leader = ids["leader"]
    high = {"ket_qua_nhiem_vu": 48, "phuc_vu_nguoi_dan": 20, "phoi_hop_lien_nganh": 10,
            "ky_luat_liem_chinh": 20}  # 98
    for n in (1, 2, 3):
        quarter(client, leader, n, "HTXSNV", high)
    quarter(client, leader, 4, "HTTNV", WARD_SCORES)  # 81.5: average 93.9, worst HTTNV
    full = derived(client, leader)
    assert full["framework_id"] == "phuong-2026" and full["complete"] is True
    assert full["rules"] == ["average_of_quarters", "no_better_than_worst_quarter"]
    assert full["rating"] == "HTTNV"
    refused(client, rt, leader, "rating_above_quarters", "rating", period="2026",
            rating="HTXSNV", decided_on="2026-11-20")


def test_unscored_or_missing_quarters_bind_nothing(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, _, ids = world
    clerk = ids["clerk"]
    for n in (1, 2, 3):
        quarter(client, clerk, n, "KHTNV", national(40))
    quarter(client, clerk, 4, "KHTNV", None)  # unscored
    shown = derived(client, clerk)
    assert shown["complete"] is False and shown["rating"] == "KHTNV"
    ok = evaluate(client, clerk, period="2026", rating="HTNV", decided_on="2026-11-20")
    assert ok.status_code == 201, ok.text


def test_derivation_rules_are_dated_data() -> None:
    frameworks = load_frameworks()
    national_fw = next(f for f in frameworks if f.id == "nd335-2025")
    assert national_fw.yearly_for(2025) is None
    assert national_fw.yearly_for(2026) is not None
    rows = [{"period": f"2026-Q{n}", "rating": Rating.HTTNV, "score": Decimal(s),
             "scores": {}, "framework_id": "nd335-2025"} for n, s in
            ((1, "70"), (2, "70"), (3, "70"), (4, "69.99"))]
    rows[3]["rating"] = Rating.HTNV
    d = derive(2026, rows, frameworks)
    # 69.9975 is shown as 70.00 but is below the HTTNV band: the band is of the exact average.
    assert d.average == Decimal("70.00") and d.rating is Rating.HTNV and d.complete


def test_the_cadre_page_shows_the_suggestion_to_officers(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:  # noqa: F811
    client, _, ids = world
    clerk = ids["clerk"]
    quarter(client, clerk, 1, "HTTNV", national(80))
    shown = call(client, sign_in(client, "scores-admin"), "GET", f"/can-bo/{clerk}", None, None)
    assert shown.status_code == 200
    assert "Xếp loại năm 2026 gợi ý từ các quý" in shown.text and "chỉ là gợi ý" in shown.text
