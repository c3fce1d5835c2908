"""Contract v1.1 "Record model", through the API on both stores: a reappointment, an extension
and a re-election renew the holding (one tenure, the head seat kept, no ending counted), the new
ending reasons and discipline forms, a discipline's system, and unit kinds as codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.rules.pack import default_pack
from domain.rules.retirement import retirement_date
from domain.values import UNIT_KINDS, Gender
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "renewals-admin-token"
UNIT_KIND_LIST = ["tinh_uy", "thanh_uy", "huyen_uy", "quan_uy", "thi_uy", "dang_uy", "dang_bo",
                  "chi_bo", "ban_dang", "ubkt", "hdnd", "ubnd", "so", "phong", "co_quan",
                  "don_vi_su_nghiep", "truong_hoc", "mttq", "doan_the", "cong_an", "quan_su",
                  "tinh", "thanh_pho", "quan", "huyen", "phuong", "xa"]


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
    return {"number": number, "signed_on": on, "issuer": "UBND quận Kiến An",
            "signer": "Lê Toàn Khánh"}


class District:
    def __init__(self, http: TestClient) -> None:
        self.http = http
        self.root = self.unit("KA", "Quận ủy Kiến An", "quan_uy", None)
        self.ub = self.unit("KA-UB", "UBND quận Kiến An", "ubnd", self.root)
        self.nv = self.unit("KA-NV", "Phòng Nội vụ", "phong", self.ub)
        self.tc = self.unit("KA-TC", "Phòng Tài chính – Kế hoạch", "phong", self.ub)
        for code, name, head, rank in (("chu_tich", "Chủ tịch UBND", True, 9),
                                       ("pho_chu_tich", "Phó Chủ tịch UBND", False, 8),
                                       ("truong_phong", "Trưởng phòng", True, 5),
                                       ("pho_truong_phong", "Phó Trưởng phòng", False, 4)):
            created(http.post("titles", json={"code": code, "name": name, "is_head": head,
                                              "management_tier": "quan_uy", "rank": rank}))

    def unit(self, code: str, name: str, kind: str, parent: str | None) -> str:
        body: dict[str, Any] = {"code": code, "name": name, "kind": kind,
                                "established_on": "2000-01-01"}
        if parent:
            body["parent_id"] = parent
        return str(created(self.http.post("units", json=body))["id"])

    def cadre(self, name: str, born: str, gender: str = "nam") -> str:
        return str(created(self.http.post("cadres", json={
            "full_name": name, "gender": gender, "born_on": born, "education": "dai_hoc"}))["id"])

    def appoint(self, cadre: str, unit: str, title: str, on: str, number: str,
                kind: str = "bo_nhiem", **more: Any) -> Any:
        return self.http.post(f"cadres/{cadre}/appointments", json={
            "kind": kind, "unit_id": unit, "title_code": title, "effective_on": on,
            "decision": decision(number, on), **more})

    def end(self, cadre: str, unit: str, title: str, on: str, reason: str) -> Any:
        return self.http.post(f"cadres/{cadre}/endings", json={
            "unit_id": unit, "title_code": title, "reason": reason, "effective_on": on,
            "decision": decision(f"E-{on}", on)})

    def roster(self, unit: str, on: str) -> list[tuple[str, str, str]]:
        got = self.http.get(f"units/{unit}/roster", params={"as_of": on})
        assert got.status_code == 200, got.text
        return sorted((h["full_name"], h["title_code"], h["since"])
                      for h in got.json()["holdings"])

    def findings(self, rule: str, on: str) -> list[dict[str, Any]]:
        got = self.http.get("findings", params={"rule": rule, "as_of": on})
        assert got.status_code == 200, got.text
        found: list[dict[str, Any]] = got.json()["findings"]
        return found

    def actions(self, start: str, end: str) -> dict[str, Any]:
        got = self.http.get("reports/actions", params={"from": start, "to": end})
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        return body


def test_a_reappointment_renews_the_holding(http: TestClient) -> None:
    d = District(http)
    an = d.cadre("Nguyễn Văn An", "1975-03-01")
    created(d.appoint(an, d.nv, "truong_phong", "2016-03-01", "1/QĐ-UBND", term_months=60))
    renewal = d.appoint(an, d.nv, "truong_phong", "2021-03-01", "7/QĐ-UBND",
                        kind="bo_nhiem_lai", term_months=60)
    created(renewal)

    # The roster shows the holder every day, the new term from its date with its own decision.
    assert d.roster(d.nv, "2021-02-28") == [("Nguyễn Văn An", "truong_phong", "2016-03-01")]
    assert d.roster(d.nv, "2021-03-01") == [("Nguyễn Văn An", "truong_phong", "2021-03-01")]
    profile = http.get(f"cadres/{an}").json()
    (held,) = profile["holdings"]
    assert held["decision"]["number"] == "7/QĐ-UBND" and held["planned_end_on"] == "2026-03-01"
    assert held["kind"] == "bo_nhiem_lai"

    # The head seat stays with the cadre: nobody else takes it on the renewal's day.
    binh = d.cadre("Trần Thị Bình", "1980-01-01", "nu")
    refused = d.appoint(binh, d.nv, "truong_phong", "2021-03-01", "8/QĐ-UBND")
    assert refused.status_code == 409, refused.text

    # Reports count one reappointment and no ending, in the period and in the month.
    actions = d.actions("2021-01-01", "2021-12-31")
    assert actions["by_kind"]["bo_nhiem_lai"] == 1 and actions["endings_total"] == 0
    monthly = http.get("reports/monthly", params={"month": "2021-03"}).json()
    assert monthly["sections"]["actions"]["by_kind"]["bo_nhiem_lai"] == 1
    assert monthly["sections"]["actions"]["endings_total"] == 0

    # A promotion 15 months into the new term: the tenure runs from 2016, no min_time_in_post.
    created(d.appoint(an, d.ub, "pho_chu_tich", "2022-06-01", "9/QĐ-UBND"))
    assert [f for f in d.findings("min_time_in_post", "2022-06-30")
            if f["cadre_id"] == an] == []

    # An ending ends the renewed term; a reappointment of a post not held is as before.
    created(d.end(an, d.nv, "truong_phong", "2024-01-01", "khong_bo_nhiem_lai"))
    actions = d.actions("2024-01-01", "2024-12-31")
    assert actions["endings_by_reason"]["khong_bo_nhiem_lai"] == 1
    assert d.roster(d.nv, "2024-01-01") == []
    created(d.appoint(binh, d.tc, "pho_truong_phong", "2022-01-01", "10/QĐ-UBND",
                      kind="bo_nhiem_lai"))


def test_a_renewal_is_corrected_and_retracted(http: TestClient) -> None:
    d = District(http)
    an = d.cadre("Nguyễn Văn An", "1975-03-01")
    created(d.appoint(an, d.nv, "truong_phong", "2016-03-01", "1/QĐ-UBND"))
    created(d.appoint(an, d.nv, "truong_phong", "2021-03-01", "7/QĐ-UBND",
                      kind="bo_nhiem_lai"))
    first, renewal = (e["position"] for e in http.get(f"cadres/{an}/record").json()["entries"]
                      if e["type"] == "Appointed")

    # The earlier term cannot be retracted under its renewal.
    refused = http.post(f"cadres/{an}/corrections", json={
        "target_position": first, "reason": "Nhầm"})
    assert refused.status_code == 409 and refused.json()["code"] == "renewal_exists"

    # Corrected date: the handover moves.
    created(http.post(f"cadres/{an}/corrections", json={
        "target_position": renewal, "reason": "Sai ngày hiệu lực",
        "replacement": {"kind": "bo_nhiem_lai", "unit_id": d.nv, "title_code": "truong_phong",
                        "effective_on": "2021-04-01",
                        "decision": decision("7/QĐ-UBND", "2021-04-01")}}))
    assert d.roster(d.nv, "2021-03-15") == [("Nguyễn Văn An", "truong_phong", "2016-03-01")]
    assert d.roster(d.nv, "2021-04-01") == [("Nguyễn Văn An", "truong_phong", "2021-04-01")]

    # Retracted: the first term runs on, the seat with it; no reappointment is counted.
    latest = [e for e in http.get(f"cadres/{an}/record").json()["entries"]
              if e["type"] == "Corrected"][-1]["position"]
    created(http.post(f"cadres/{an}/corrections", json={
        "target_position": latest, "reason": "Chưa có quyết định"}))
    assert d.roster(d.nv, "2022-01-01") == [("Nguyễn Văn An", "truong_phong", "2016-03-01")]
    actions = d.actions("2021-01-01", "2021-12-31")
    assert actions["by_kind"]["bo_nhiem_lai"] == 0 and actions["endings_total"] == 0
    binh = d.cadre("Trần Thị Bình", "1980-01-01", "nu")
    assert d.appoint(binh, d.nv, "truong_phong", "2022-01-01", "8/QĐ-UBND").status_code == 409


def test_an_extension_and_a_re_election(http: TestClient) -> None:
    d = District(http)
    pack = default_pack()
    binh = d.cadre("Trần Văn Bình", "1966-03-01")
    cuong = d.cadre("Lê Đức Cường", "1980-05-05")
    for who, number in ((binh, "1"), (cuong, "2")):
        created(d.appoint(who, d.nv, "pho_truong_phong", "2021-09-01", f"{number}/QĐ-UBND",
                          term_months=60))
    retires = retirement_date(date(1966, 3, 1), Gender.NAM, pack.retirement)
    assert date(2026, 9, 1) < retires < date(2028, 9, 1)  # fewer than 24 months left

    # Kéo dài: the term runs on to retirement, one tenure, no ending.
    created(d.appoint(binh, d.nv, "pho_truong_phong", "2026-09-01", "3/QĐ-UBND",
                      kind="keo_dai", planned_end_on=retires.isoformat()))
    created(d.appoint(cuong, d.nv, "pho_truong_phong", "2026-09-01", "4/QĐ-UBND",
                      kind="keo_dai", planned_end_on="2031-09-01"))
    actions = d.actions("2026-09-01", "2026-09-30")
    assert actions["by_kind"]["keo_dai"] == 2 and actions["endings_total"] == 0
    assert {h[0] for h in d.roster(d.nv, "2026-09-01")} == {"Trần Văn Bình", "Lê Đức Cường"}
    # QĐ 377: only when fewer than 24 months remain; Cường has years left.
    flagged = d.findings("extension_to_retirement", "2026-11-24")
    assert [f["cadre_id"] for f in flagged] == [cuong]
    # An extension needs a post held.
    refused = d.appoint(binh, d.tc, "pho_truong_phong", "2026-09-01", "5/QĐ-UBND",
                        kind="keo_dai")
    assert refused.status_code == 404 and refused.json()["code"] == "holding_not_found"

    # Bầu cử lại: a re-election renews the chair, the seat stays with the chair.
    phuc = d.cadre("Đỗ Hữu Phúc", "1972-09-09")
    created(d.appoint(phuc, d.ub, "chu_tich", "2021-06-01", "01/NQ-HĐND", kind="bau_cu"))
    created(d.appoint(phuc, d.ub, "chu_tich", "2026-06-01", "02/NQ-HĐND", kind="bau_cu"))
    assert d.roster(d.ub, "2026-06-01") == [("Đỗ Hữu Phúc", "chu_tich", "2026-06-01")]
    actions = d.actions("2026-06-01", "2026-06-30")
    assert actions["by_kind"]["bau_cu"] == 1 and actions["endings_total"] == 0
    assert d.findings("vacant_head_post", "2026-06-01") == []
    # A bổ nhiệm (not a renewing kind) of a post held is still refused.
    again = d.appoint(phuc, d.ub, "chu_tich", "2026-07-01", "03/QĐ-UBND")
    assert again.status_code == 409 and again.json()["code"] == "holding_conflict"


def test_new_endings_and_the_discipline_system(http: TestClient) -> None:
    d = District(http)
    people = [d.cadre(n, "1978-01-01") for n in ("Phạm Văn Dũng", "Hoàng Văn Em", "Vũ Văn Giang")]
    for who, reason in zip(people, ("khong_bo_nhiem_lai", "cho_thoi_giu_chuc_vu", "bai_nhiem"),
                           strict=True):
        created(d.appoint(who, d.tc, "pho_truong_phong", "2019-01-01", f"{reason}/QĐ"))
        created(d.end(who, d.tc, "pho_truong_phong", "2024-03-01", reason))
    endings = d.actions("2024-01-01", "2024-12-31")["endings_by_reason"]
    assert (endings["khong_bo_nhiem_lai"], endings["cho_thoi_giu_chuc_vu"],
            endings["bai_nhiem"]) == (1, 1, 1)

    # A state reprimand bars 12 months (civil-service law), not the party's 24 (QĐ 377).
    state, party = d.cadre("Ngô Thị Hà", "1985-01-01", "nu"), d.cadre("Lý Văn Khoa", "1985-01-01")
    for who, system in ((state, "chinh_quyen"), (party, "dang")):
        created(http.post(f"cadres/{who}/disciplines", json={
            "form": "khien_trach", "effective_on": "2025-01-10", "violation": "Vi phạm",
            "decision": decision(f"KL-{system}", "2025-01-10"), "system": system}))
        created(d.appoint(who, d.nv, "pho_truong_phong", "2026-03-01", f"{system}/QĐ"))
    barred = d.findings("discipline_bar", "2026-03-01")
    assert [f["cadre_id"] for f in barred] == [party]
    profile = http.get(f"cadres/{state}", params={"as_of": "2025-06-01"}).json()
    assert [x["bar_until"] for x in profile["active_disciplines"]] == ["2026-01-10"]

    # Bãi nhiệm as a discipline form, by a mass organisation; an unknown system is refused.
    created(http.post(f"cadres/{people[0]}/disciplines", json={
        "form": "bai_nhiem", "effective_on": "2025-05-05", "violation": "Mất tín nhiệm",
        "decision": decision("BN-1", "2025-05-05"), "system": "doan_the"}))
    wrong = http.post(f"cadres/{people[0]}/disciplines", json={
        "form": "khien_trach", "effective_on": "2025-05-05", "violation": "x",
        "decision": decision("BN-2", "2025-05-05"), "system": "toa_an"})
    assert wrong.status_code in (400, 422), wrong.text


def test_unit_kinds_are_codes(http: TestClient) -> None:
    listed = http.get("unit-kinds")
    assert listed.status_code == 200, listed.text
    kinds = {k["code"]: k for k in listed.json()["unit_kinds"]}
    assert set(UNIT_KIND_LIST) <= set(kinds) and len(kinds) == len(UNIT_KINDS)
    assert kinds["dang_bo"]["label"] == "Đảng bộ" and kinds["dang_bo"]["branch"] == "dang"
    assert kinds["ubnd"]["branch"] == "chinh_quyen"
    refused = http.post("units", json={"code": "X", "name": "Tổ công tác", "kind": "to",
                                       "established_on": "2000-01-01"})
    assert refused.status_code == 400, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("invalid_code", "kind")
    assert all(u["code"] != "X" for u in http.get("units").json()["units"])
