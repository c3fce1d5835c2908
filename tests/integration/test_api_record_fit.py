"""Issue 16 (record model, second part), through the API on both stores: a title fits the unit
kinds and levels it declares (else `title_not_in_unit` unless a special case), and a decision
signed after its effective date is accepted but flagged."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_api_record_renewals import District, created, decision, http

__all__ = ["http"]  # the store-parametrised client fixture, shared with the renewals tests


def head(client: TestClient) -> int:
    """The log's last position: a refusal must leave it where it was."""
    position: int = client.app.state.runtime.log.head()  # type: ignore[attr-defined]
    return position


class City:
    """A city, a district under it (until 2025) and a ward under the district."""

    def __init__(self, http: TestClient) -> None:
        self.http = http
        self.city = self.unit("HP", "Thành phố Hải Phòng", "thanh_pho", None)
        self.district_party = self.unit("KA", "Quận ủy Kiến An", "quan_uy", self.city)
        self.ward = self.unit("KA-P1", "Phường Bắc Sơn", "phuong", self.district_party)
        self.ward_ub = self.unit("KA-P1-UB", "UBND phường Bắc Sơn", "ubnd", self.ward)
        self.ward_party = self.unit("KA-P1-DU", "Đảng ủy phường Bắc Sơn", "dang_uy", self.ward)
        created(http.post("titles", json={
            "code": "bi_thu_quan_uy", "name": "Bí thư Quận ủy", "is_head": True,
            "management_tier": "thanh_uy", "rank": 10, "unit_kinds": ["quan_uy", "huyen_uy"],
            "levels": ["huyen"]}))
        created(http.post("titles", json={
            "code": "chu_tich_ubnd_xa", "name": "Chủ tịch UBND cấp xã", "is_head": True,
            "management_tier": "quan_uy", "rank": 8, "unit_kinds": ["ubnd"], "levels": ["xa"]}))
        created(http.post("titles", json={
            "code": "chuyen_vien", "name": "Chuyên viên", "is_head": False,
            "management_tier": "co_so", "rank": 1}))

    unit = District.unit  # registers a unit established 2000-01-01

    def cadre(self, name: str) -> str:
        return str(created(self.http.post("cadres", json={
            "full_name": name, "gender": "nam", "born_on": "1972-05-01"}))["id"])

    def appoint(self, cadre: str, unit: str, title: str, on: str, **more: Any) -> Any:
        body = {"kind": "bo_nhiem", "unit_id": unit, "title_code": title, "effective_on": on,
                "decision": decision(f"{title}/{on}", on), **more}
        return self.http.post(f"cadres/{cadre}/appointments", json=body)


def refused(answer: Any, status: int, code: str, field: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    fields = [e.get("field") for e in body.get("errors", [])] or [body.get("field")]
    assert field in fields, body
    if code:
        assert body.get("code") == code, body


def test_a_title_fits_the_units_it_declares(http: TestClient) -> None:
    c = City(http)
    listed = {t["code"]: t for t in http.get("titles").json()["titles"]}
    assert listed["bi_thu_quan_uy"]["unit_kinds"] == ["quan_uy", "huyen_uy"]
    assert listed["bi_thu_quan_uy"]["levels"] == ["huyen"]
    assert listed["chuyen_vien"]["unit_kinds"] is None  # declares none: fits every unit

    an = c.cadre("Nguyễn Văn An")
    # "Bí thư Quận ủy" in a ward People's Committee: refused, nothing appended, no seat taken.
    before = head(http)
    refused(c.appoint(an, c.ward_ub, "bi_thu_quan_uy", "2020-01-01"), 400,
            "title_not_in_unit", "title_code")
    assert head(http) == before
    # The right kind, the wrong level: a ward's party committee is not a district's.
    refused(c.appoint(an, c.ward_party, "chu_tich_ubnd_xa", "2020-01-01"), 400,
            "title_not_in_unit", "title_code")
    # The unit it belongs to.
    created(c.appoint(an, c.district_party, "bi_thu_quan_uy", "2020-01-01"))
    # A ward chairman's title in the ward's committee (its level comes from the ward above).
    binh = c.cadre("Trần Văn Bình")
    created(c.appoint(binh, c.ward_ub, "chu_tich_ubnd_xa", "2020-01-01"))
    # A title that declares nothing fits anywhere.
    created(c.appoint(c.cadre("Lê Thị Cúc"), c.ward_ub, "chuyen_vien", "2020-01-01"))
    # A special case (decided by the competent authority) is recorded as such.
    dung = c.cadre("Phạm Văn Dũng")
    created(c.appoint(dung, c.ward_party, "chu_tich_ubnd_xa", "2021-01-01", special_case=True))
    roster = http.get(f"units/{c.ward_party}/roster", params={"as_of": "2021-06-01"}).json()
    assert [h["title_code"] for h in roster["holdings"]] == ["chu_tich_ubnd_xa"]


def test_a_correction_into_another_unit_is_judged_too(http: TestClient) -> None:
    c = City(http)
    an = c.cadre("Nguyễn Văn An")
    position = created(c.appoint(an, c.ward_ub, "chu_tich_ubnd_xa", "2020-01-01"))[
        "entry_position"]
    before = head(http)
    answer = http.post(f"cadres/{an}/corrections", json={
        "target_position": position, "reason": "Nhầm đơn vị", "replacement": {
            "kind": "bo_nhiem", "unit_id": c.district_party, "title_code": "chu_tich_ubnd_xa",
            "effective_on": "2020-01-01", "decision": decision("1/QĐ", "2020-01-01")}})
    refused(answer, 400, "title_not_in_unit", "title_code")
    assert head(http) == before


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"unit_kinds": ["uy_ban"]}, 400, "unit_kinds"),
    ({"levels": ["thon"]}, 422, "levels.0"),
], ids=["unknown_kind", "unknown_level"])
def test_a_title_with_unknown_units_is_refused(http: TestClient,
                                              change: dict[str, Any], status: int,
                                              field: str) -> None:
    before = head(http)
    answer = http.post("titles", json={"code": "x", "name": "X", "is_head": False,
                                       "management_tier": "co_so", **change})
    refused(answer, status, "", field)
    assert head(http) == before


def test_a_decision_signed_after_its_effective_date_is_accepted_but_flagged(
        http: TestClient) -> None:
    c = City(http)
    an = c.cadre("Nguyễn Văn An")
    late = {**decision("12/QĐ-UBND", "2020-03-15")}
    answer = created(c.appoint(an, c.ward_ub, "chu_tich_ubnd_xa", "2020-03-01", decision=late))
    (warning,) = answer["warnings"]
    assert (warning["code"], warning["field"], warning["rule"], warning["days"]) == (
        "backdated_decision", "decision.signed_on", "backdated_record", 14)
    assert "15/03/2020" in warning["message"] and "01/03/2020" in warning["message"]
    # Signed on the day (or before): no warning.
    on_time = created(c.appoint(c.cadre("Lê Văn Bình"), c.ward_ub, "chuyen_vien", "2020-03-01"))
    assert on_time["warnings"] == []
    # An ending and a discipline are flagged the same way; so is a correction that backdates.
    ending = created(http.post(f"cadres/{an}/endings", json={
        "unit_id": c.ward_ub, "title_code": "chu_tich_ubnd_xa", "reason": "nghi_huu",
        "effective_on": "2024-01-01", "decision": decision("3/QĐ", "2024-01-05")}))
    assert [w["days"] for w in ending["warnings"]] == [4]
    discipline = created(http.post(f"cadres/{an}/disciplines", json={
        "form": "khien_trach", "effective_on": "2023-05-01", "violation": "Vi phạm quy chế",
        "decision": decision("5/QĐ-KL", "2023-05-02"), "system": "dang"}))
    assert [w["code"] for w in discipline["warnings"]] == ["backdated_decision"]
    corrected = created(http.post(f"cadres/{an}/corrections", json={
        "target_position": discipline["entry_position"], "reason": "Sai ngày hiệu lực",
        "replacement": {"form": "khien_trach", "effective_on": "2023-04-01",
                        "violation": "Vi phạm quy chế", "system": "dang",
                        "decision": decision("5/QĐ-KL", "2023-05-02")}}))
    assert [w["days"] for w in corrected["warnings"]] == [31]


def discipline(http: TestClient, cadre: str, form: str, on: str, system: str | None) -> Any:
    body: dict[str, Any] = {"form": form, "effective_on": on, "violation": "Vi phạm quy chế",
                            "decision": decision(f"KL/{form}/{on}", on)}
    if system:
        body["system"] = system
    return http.post(f"cadres/{cadre}/disciplines", json=body)


def test_discipline_forms_are_dated(http: TestClient) -> None:
    """NĐ 172/2025: from 1/7/2025 the state no longer imposes giáng chức or hạ bậc lương."""
    an = City(http).cadre("Nguyễn Văn An")
    created(discipline(http, an, "giang_chuc", "2025-06-30", "chinh_quyen"))
    created(discipline(http, an, "ha_bac_luong", "2024-03-01", None))
    for form, on, system in (("giang_chuc", "2025-07-01", "chinh_quyen"),
                             ("ha_bac_luong", "2025-08-01", None),
                             ("giang_chuc", "2020-01-01", "dang")):  # never a party form
        before = head(http)
        answer = discipline(http, an, form, on, system)
        refused(answer, 400, "discipline_form_not_in_force", "form")
        assert head(http) == before
    assert "01/07/2025" in discipline(http, an, "giang_chuc", "2025-07-01", None).json()["detail"]
    # The forms still in force are recorded as before, for every system.
    created(discipline(http, an, "canh_cao", "2025-09-01", "chinh_quyen"))
    created(discipline(http, an, "cach_chuc", "2025-10-01", "dang"))
    created(discipline(http, an, "bai_nhiem", "2025-10-02", "chinh_quyen"))
    entries = http.get(f"cadres/{an}/record").json()["entries"]
    assert len([e for e in entries if e["type"] == "Disciplined"]) == 5


def suspend(http: TestClient, cadre: str, start: str, until: str, **more: Any) -> Any:
    body = {"suspended_from": start, "until": until,
            "reason": "Để xem xét, xử lý kỷ luật theo Kết luận 12-KL/UBKT",
            "decision": decision(f"TĐC/{start}", start), **more}
    return http.post(f"cadres/{cadre}/suspensions", json=body)


def test_a_suspension_shows_in_the_profile_and_the_record(http: TestClient) -> None:
    c = City(http)
    an = c.cadre("Nguyễn Văn An")
    created(c.appoint(an, c.ward_ub, "chu_tich_ubnd_xa", "2020-01-01"))
    receipt = created(suspend(http, an, "2025-04-01", "2025-04-15"))
    assert receipt["warnings"] == []
    during = http.get(f"cadres/{an}", params={"as_of": "2025-04-10"}).json()
    (shown,) = during["suspensions"]
    assert (shown["effective_on"], shown["until"], shown["active"]) == (
        "2025-04-01", "2025-04-15", True)
    assert shown["decision"]["number"] == "TĐC/2025-04-01"
    assert http.get(f"cadres/{an}", params={"as_of": "2025-05-01"}).json()[
        "suspensions"][0]["active"] is False
    assert http.get(f"cadres/{an}", params={"as_of": "2025-03-31"}).json()["suspensions"] == []
    # The post is kept: a suspension is not an ending.
    assert len(during["holdings"]) == 1
    entries = http.get(f"cadres/{an}/record").json()["entries"]
    (entry,) = [e for e in entries if e["type"] == "Suspended"]
    assert entry["summary"].startswith("Tạm đình chỉ công tác từ ngày 01/04/2025 đến ngày "
                                       "15/04/2025")

    # Extended by correcting the entry (its replacement in force), then retracted.
    corrected = created(http.post(f"cadres/{an}/corrections", json={
        "target_position": receipt["entry_position"], "reason": "Kéo dài thời hạn",
        "replacement": {"suspended_from": "2025-04-01", "until": "2025-04-30",
                        "reason": "Kéo dài để xác minh thêm",
                        "decision": decision("TĐC/2025-04-01", "2025-04-01")}}))
    (shown,) = http.get(f"cadres/{an}", params={"as_of": "2025-04-20"}).json()["suspensions"]
    assert (shown["until"], shown["active"]) == ("2025-04-30", True)
    created(http.post(f"cadres/{an}/corrections", json={
        "target_position": corrected["entry_position"], "reason": "Ghi nhầm người"}))
    assert http.get(f"cadres/{an}").json()["suspensions"] == []


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"until": "2025-03-01"}, 400, "invalid_date", "until"),
    ({"suspended_from": "2025-04-10", "until": "2025-04-20"}, 409, "suspension_overlap",
     "suspended_from"),
    ({"reason": ""}, 422, "", "reason"),
    ({"decision": None}, 422, "", "decision"),
    ({"until": "2029-01-01"}, 400, "date_too_late", "until"),
], ids=["until_before_from", "overlap", "no_reason", "no_decision", "too_late"])
def test_a_wrong_suspension_is_refused_naming_the_field(
        http: TestClient, change: dict[str, Any], status: int, code: str, field: str) -> None:
    an = City(http).cadre("Nguyễn Văn An")
    created(suspend(http, an, "2025-04-01", "2025-04-15"))
    before = head(http)
    body = {"suspended_from": "2025-05-01", "until": "2025-05-15", **change}
    refused(suspend(http, an, body.pop("suspended_from"), body.pop("until"), **body), status,
            code, field)
    assert head(http) == before
