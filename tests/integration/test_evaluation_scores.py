"""Scored evaluations on dated frameworks (contract v1.1; issue 17 part 1): a ward's leaders are
marked on the ward's four groups in 2026, its civil servants on NĐ 335's 30 + 70 points; a
rating above the band of the total, a group over its maximum, an unknown or missing group, and
a disciplined cadre rated above the cap are refused, naming the field, and append nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import SUITE_DAY

ADMIN = {"Authorization": "Bearer scores-admin"}
DECISION = {"number": "12-QĐ/ĐU", "signed_on": "2026-01-05", "issuer": "Đảng ủy phường",
            "signer": "Lê Toàn Khánh"}
WARD_SCORES = {"ket_qua_nhiem_vu": 41.5, "phuc_vu_nguoi_dan": 16, "phoi_hop_lien_nganh": 8,
               "ky_luat_liem_chinh": 16}  # 81.5: the HTTNV band (70 to under 90)


@pytest.fixture
def world(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime, dict[str, str]]]:
    settings = store_settings.model_copy(update={"admin_token": "scores-admin"})
    rt = open_runtime(settings, clock=PinnedClock.on(SUITE_DAY))
    with TestClient(create_app(settings, rt)) as client:
        def post(path: str, body: dict[str, Any]) -> str:
            answer = client.post(f"/api/v1{path}", headers=ADMIN, json=body)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        ward = post("/units", {"code": "P-DH", "name": "Phường Đông Hải", "kind": "phuong",
                               "established_on": "2025-07-01"})
        post("/titles", {"code": "pho_chu_tich", "name": "Phó Chủ tịch UBND phường",
                         "is_head": False, "management_tier": "dang_uy", "rank": 60})
        ids = {"leader": post("/cadres", {"full_name": "Trần Văn Hải", "gender": "nam",
                                          "born_on": "1980-04-02"}),
               "clerk": post("/cadres", {"full_name": "Đỗ Thị Thu", "gender": "nu",
                                         "born_on": "1990-09-09"})}
        appointed = client.post(f"/api/v1/cadres/{ids['leader']}/appointments", headers=ADMIN,
                                json={"kind": "bo_nhiem", "unit_id": ward,
                                      "title_code": "pho_chu_tich",
                                      "effective_on": "2025-07-01", "decision": {
                                          **DECISION, "signed_on": "2025-06-25"}})
        assert appointed.status_code == 201, appointed.text
        yield client, rt, ids
    rt.close()


def evaluate(client: TestClient, cadre_id: str, **body: Any) -> Any:
    body = {"period": "2026-Q1", "rating": "HTTNV", "decided_on": "2026-04-10", **body}
    return client.post(f"/api/v1/cadres/{cadre_id}/evaluations", headers=ADMIN, json=body)


def refused(client: TestClient, rt: Runtime, cadre_id: str, code: str, field: str,
            **body: Any) -> None:
    head = rt.log.head()
    answer = evaluate(client, cadre_id, **body)
    assert answer.status_code == 400, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == (code, field), answer.json()
    assert rt.log.head() == head


def test_the_frameworks_are_listed_with_groups_bands_and_sources(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:
    client, _, _ = world
    answer = client.get("/api/v1/evaluation-frameworks", headers=ADMIN)
    assert answer.status_code == 200
    frameworks = {f["id"]: f for f in answer.json()["frameworks"]}
    ward, national = frameworks["phuong-2026"], frameworks["nd335-2025"]
    assert [g["name"] for g in ward["groups"]] == [
        "Kết quả thực hiện nhiệm vụ", "Chất lượng phục vụ người dân và doanh nghiệp",
        "Năng lực phối hợp liên ngành", "Kỷ luật, kỷ cương, liêm chính công vụ"]
    assert [float(g["max_points"]) for g in national["groups"]] == [30, 70]
    assert {k: float(v) for k, v in national["bands"].items()} == {
        "HTXSNV": 90, "HTTNV": 70, "HTNV": 50, "KHTNV": 0}
    assert (ward["valid_from"], ward["valid_to"]) == ("2026-01-01", "2026-12-31")
    assert "335/2025" in national["source"] and "[verify]" in national["source"]


def test_a_leader_is_marked_on_the_wards_groups_and_the_total_is_kept(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:
    client, _, ids = world
    answer = evaluate(client, ids["leader"], scores=WARD_SCORES)
    assert answer.status_code == 201, answer.text
    profile = client.get(f"/api/v1/cadres/{ids['leader']}", headers=ADMIN).json()
    (shown,) = profile["evaluations"]
    assert (shown["period"], shown["framework_id"]) == ("2026-Q1", "phuong-2026")
    assert float(shown["score"]) == 81.5
    assert {k: float(v) for k, v in shown["scores"].items()} == WARD_SCORES


def test_a_civil_servant_is_marked_on_nd_335(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:
    client, rt, ids = world
    refused(client, rt, ids["clerk"], "invalid_code", "scores.phuc_vu_nguoi_dan",
            scores=WARD_SCORES)
    ok = evaluate(client, ids["clerk"], rating="HTXSNV",
                  scores={"tieu_chi_chung": 29, "ket_qua_nhiem_vu": 66}, score=95)
    assert ok.status_code == 201, ok.text


def test_refusals_name_the_field_and_the_rule(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:
    client, rt, ids = world
    leader = ids["leader"]
    refused(client, rt, leader, "rating_above_score", "rating", rating="HTXSNV",
            scores=WARD_SCORES)
    refused(client, rt, leader, "score_out_of_range", "scores.phoi_hop_lien_nganh",
            scores={**WARD_SCORES, "phoi_hop_lien_nganh": 11})
    refused(client, rt, leader, "missing_field", "scores.ky_luat_liem_chinh",
            scores={k: v for k, v in WARD_SCORES.items() if k != "ky_luat_liem_chinh"})
    refused(client, rt, leader, "score_mismatch", "score", scores=WARD_SCORES, score=90)
    refused(client, rt, leader, "no_framework", "scores", period="2025",
            decided_on="2025-12-28", scores=WARD_SCORES)
    refused(client, rt, leader, "framework_not_in_force", "framework_id", period="2025",
            decided_on="2025-12-28", scores=WARD_SCORES, framework_id="phuong-2026")
    refused(client, rt, leader, "invalid_code", "framework_id", scores=WARD_SCORES,
            framework_id="khong-co")
    # Unscored evaluations are recorded as before, whatever the period.
    assert evaluate(client, leader, period="2025", decided_on="2025-12-28",
                    rating="HTXSNV").status_code == 201


def test_a_cadre_disciplined_in_the_period_is_rated_at_most_the_cap(
        world: tuple[TestClient, Runtime, dict[str, str]]) -> None:
    client, rt, ids = world
    disciplined = client.post(f"/api/v1/cadres/{ids['leader']}/disciplines", headers=ADMIN,
                              json={"form": "khien_trach", "effective_on": "2026-02-15",
                                    "violation": "Chậm giải quyết hồ sơ", "decision": {
                                        **DECISION, "signed_on": "2026-02-10"}})
    assert disciplined.status_code == 201, disciplined.text
    refused(client, rt, ids["leader"], "rating_above_discipline_cap", "rating",
            scores=WARD_SCORES)
    assert evaluate(client, ids["leader"], rating="HTNV",
                    scores=WARD_SCORES).status_code == 201
    # The next quarter has no discipline in it.
    assert evaluate(client, ids["leader"], period="2026-Q2", decided_on="2026-07-10",
                    scores=WARD_SCORES).status_code == 201
