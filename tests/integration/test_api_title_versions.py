"""Issue 16: a title's management tier and standards are dated versions with their sources, and
the relatives rule takes an area's party and government heads from the title's flag. Through
the API, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "tiers-admin-token"


@pytest.fixture
def http(store_settings: Settings) -> Iterator[TestClient]:
    settings = store_settings.model_copy(update={"admin_token": ADMIN})
    rt: Runtime = open_runtime(settings, clock=PinnedClock.on(TODAY))
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        client.base_url = client.base_url.join("/api/v1/")
        yield client
    rt.close()


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def decision(number: str, on: str) -> dict[str, str]:
    return {"number": number, "signed_on": on, "issuer": "Ban Thường vụ Quận ủy",
            "signer": "Lê Toàn Khánh"}


def unit(http: TestClient, code: str, name: str, kind: str, parent: str | None) -> str:
    body: dict[str, Any] = {"code": code, "name": name, "kind": kind,
                            "established_on": "2000-01-01"}
    if parent:
        body["parent_id"] = parent
    return str(created(http.post("units", json=body))["id"])


def cadre(http: TestClient, name: str, born: str = "1975-03-01", gender: str = "nam") -> str:
    return str(created(http.post("cadres", json={
        "full_name": name, "gender": gender, "born_on": born, "education": "dai_hoc"}))["id"])


def appoint(http: TestClient, who: str, where: str, title: str, on: str, number: str) -> None:
    created(http.post(f"cadres/{who}/appointments", json={
        "kind": "bo_nhiem", "unit_id": where, "title_code": title, "effective_on": on,
        "decision": decision(number, on)}))


def headcount(http: TestClient, tier: str, on: str) -> int:
    got = http.get("reports/cadre-quality", params={"as_of": on, "tier": tier})
    assert got.status_code == 200, got.text
    return int(got.json()["total"])


def test_a_tier_change_in_2025_moves_the_report_by_tier(http: TestClient) -> None:
    root = unit(http, "KA", "Quận ủy Kiến An", "quan_uy", None)
    ub = unit(http, "KA-UB", "UBND quận Kiến An", "ubnd", root)
    nv = unit(http, "KA-NV", "Phòng Nội vụ", "phong", ub)
    tc = unit(http, "KA-TC", "Phòng Tài chính – Kế hoạch", "phong", ub)
    for code, name, head, tier in (("truong_phong", "Trưởng phòng", True, "quan_uy"),
                                   ("pho_truong_phong", "Phó Trưởng phòng", False, "co_so")):
        created(http.post("titles", json={"code": code, "name": name, "is_head": head,
                                          "management_tier": tier, "rank": 5}))
    an, binh, chi = cadre(http, "Nguyễn Văn An"), cadre(http, "Trần Văn Bình"), \
        cadre(http, "Lê Thị Chi", gender="nu")
    appoint(http, an, nv, "truong_phong", "2020-03-01", "1/QĐ")
    appoint(http, binh, tc, "truong_phong", "2021-03-01", "2/QĐ")
    appoint(http, chi, nv, "pho_truong_phong", "2021-06-01", "3/QĐ")

    # The 2025 reorganisation: heads of office move to the city's tier from 1/7/2025.
    receipt = created(http.post("titles/truong_phong/versions", json={
        "effective_on": "2025-07-01", "management_tier": "thanh_uy",
        "standards": {"min_political_theory": "cao_cap"},
        "source": "Quyết định phân cấp quản lý cán bộ năm 2025 của Thành ủy [verify]"}))
    assert receipt["position"] > 0

    assert headcount(http, "quan_uy", "2022-06-30") == 2
    assert headcount(http, "quan_uy", "2026-06-30") == 0
    assert headcount(http, "thanh_uy", "2026-06-30") == 2
    assert headcount(http, "thanh_uy", "2022-06-30") == 0  # a known tier, nobody in it then
    assert headcount(http, "co_so", "2026-06-30") == 1  # the deputy's tier did not change

    # GET /titles shows the version in force on as_of, with every version and its source.
    def title_on(on: str) -> dict[str, Any]:
        titles = http.get("titles", params={"as_of": on}).json()["titles"]
        found: dict[str, Any] = next(t for t in titles if t["code"] == "truong_phong")
        return found

    before, after = title_on("2022-06-30"), title_on("2026-06-30")
    assert before["management_tier"] == "quan_uy" and before["valid_from"] is None
    assert after["management_tier"] == "thanh_uy" and after["valid_from"] == "2025-07-01"
    assert after["standards"]["min_political_theory"] == "cao_cap"
    assert [v["valid_from"] for v in after["versions"]] == [None, "2025-07-01"]
    assert "phân cấp" in after["versions"][1]["source"]

    # A version must follow the latest and cite its source; an unknown title is 404.
    late = http.post("titles/truong_phong/versions", json={
        "effective_on": "2025-01-01", "management_tier": "quan_uy", "source": "X"})
    assert late.status_code == 400 and late.json()["field"] == "effective_on", late.text
    nosource = http.post("titles/truong_phong/versions", json={
        "effective_on": "2026-01-01", "management_tier": "quan_uy", "source": " "})
    assert nosource.status_code == 422 and "source" in nosource.text, nosource.text
    missing = http.post("titles/khong_co/versions", json={
        "effective_on": "2026-01-01", "management_tier": "quan_uy", "source": "X"})
    assert missing.status_code == 404 and missing.json()["code"] == "title_not_found"
    assert http.get("reports/cadre-quality", params={"tier": "khong_co"}).status_code == 400


def test_the_title_standards_in_force_judge_an_appointment(http: TestClient) -> None:
    root = unit(http, "KA", "Quận ủy Kiến An", "quan_uy", None)
    nv = unit(http, "KA-NV", "Phòng Nội vụ", "phong", root)
    created(http.post("titles", json={"code": "truong_phong", "name": "Trưởng phòng",
                                      "is_head": False, "management_tier": "quan_uy"}))
    created(http.post("titles/truong_phong/versions", json={
        "effective_on": "2025-07-01", "standards": {"min_education": "thac_si"},
        "source": "Quy định tiêu chuẩn chức danh 2025 [verify]"}))
    early, late = cadre(http, "Phạm Văn Sớm"), cadre(http, "Phạm Văn Muộn")
    appoint(http, early, nv, "truong_phong", "2024-03-01", "1/QĐ")
    appoint(http, late, nv, "truong_phong", "2025-09-01", "2/QĐ")
    got = http.get("findings", params={"rule": "title_standards", "as_of": "2026-01-01"})
    assert got.status_code == 200, got.text
    assert [f["cadre_id"] for f in got.json()["findings"]] == [late]


def test_relatives_take_the_area_head_from_the_title_flag(http: TestClient) -> None:
    """From 1/7/2025 (qd114-2025-title) an area's head is the title flagged area_head, whatever
    kind the head's unit was recorded with; a flag set to false is no area head."""
    root = unit(http, "HP", "Thành phố Hải Phòng", "thanh_pho", None)
    ward = unit(http, "P1", "Phường Bắc Sơn", "phuong", root)
    # The ward's party body recorded under a kind the old rule did not know as an area's.
    office = unit(http, "P1.VP", "Văn phòng Đảng ủy – HĐND – UBND phường", "co_quan", ward)
    police = unit(http, "P1.CA", "Công an phường Bắc Sơn", "cong_an", ward)
    for code, name, area_head in (("bi_thu", "Bí thư Đảng ủy phường", True),
                                  ("chanh_vp", "Chánh Văn phòng", False)):
        created(http.post("titles", json={"code": code, "name": name, "is_head": True,
                                          "management_tier": "thanh_uy", "rank": 7,
                                          "area_head": area_head}))
    created(http.post("titles", json={"code": "truong_ca", "name": "Trưởng Công an phường",
                                      "is_head": True, "management_tier": "thanh_uy",
                                      "rank": 5, "sector": "cong_an"}))
    husband, wife = cadre(http, "Tạ Văn Bảo"), cadre(http, "Lò Thị Cúc", gender="nu")
    created(http.post(f"cadres/{husband}/relatives", json={
        "relation": "vo", "full_name": "Lò Thị Cúc", "relative_cadre_id": wife}))
    appoint(http, husband, office, "bi_thu", "2025-08-01", "1/QĐ")
    appoint(http, wife, police, "truong_ca", "2025-09-01", "2/QĐ")
    got = http.get("findings", params={"rule": "relatives_linked_posts", "as_of": "2026-01-01"})
    assert got.status_code == 200, got.text
    (f,) = got.json()["findings"]
    assert f["cadre_id"] == wife and f["rule_version"] == "qd114-2025-title"

    # The same pair with the head of the office (flag false) is no area head's.
    other, sister = cadre(http, "Tạ Văn Cường"), cadre(http, "Tạ Thị Dung", gender="nu")
    created(http.post(f"cadres/{other}/relatives", json={
        "relation": "chi", "full_name": "Tạ Thị Dung", "relative_cadre_id": sister}))
    ca2 = unit(http, "P1.CA2", "Đồn Công an Bắc Sơn 2", "cong_an", ward)
    office2 = unit(http, "P1.VP2", "Văn phòng 2", "ubnd", ward)
    appoint(http, other, office2, "chanh_vp", "2025-08-01", "3/QĐ")
    appoint(http, sister, ca2, "truong_ca", "2025-09-01", "4/QĐ")
    got = http.get("findings", params={"rule": "relatives_linked_posts", "as_of": "2026-01-01"})
    assert [x["cadre_id"] for x in got.json()["findings"]] == [wife]
    # A title recorded without the flag is still judged by its unit's kind (here UBND).
    created(http.post("titles", json={"code": "chu_tich", "name": "Chủ tịch UBND phường",
                                      "is_head": True, "management_tier": "thanh_uy",
                                      "rank": 8}))
    ubnd = unit(http, "P1.UB", "UBND phường Bắc Sơn", "ubnd", ward)
    ca3 = unit(http, "P1.CA3", "Đồn Công an Bắc Sơn 3", "cong_an", ward)
    chair, son = cadre(http, "Hà Văn Chủ"), cadre(http, "Hà Văn Con")
    created(http.post(f"cadres/{son}/relatives", json={
        "relation": "cha", "full_name": "Hà Văn Chủ", "relative_cadre_id": chair}))
    appoint(http, chair, ubnd, "chu_tich", "2025-08-01", "5/QĐ")
    appoint(http, son, ca3, "truong_ca", "2025-09-01", "6/QĐ")
    got = http.get("findings", params={"rule": "relatives_linked_posts", "as_of": "2026-01-01"})
    assert sorted(x["cadre_id"] for x in got.json()["findings"]) == sorted([wife, son])
    titles = {t["code"]: t for t in http.get("titles").json()["titles"]}
    assert titles["bi_thu"]["area_head"] is True and titles["truong_ca"]["area_head"] is None
