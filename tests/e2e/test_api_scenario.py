"""A year of cadre work in one district, over HTTP against a running server (SQLite, PostgreSQL).

The personnel office of the district people's committee records 2022; the inspection committee
then asks what the record said, as of several dates and as known at several moments, before and
after a correction.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import suite_clock
from tests.e2e.conftest import Server, created, decision, ok


def now_after_settle() -> str:
    # recorded_at has microsecond resolution; a short pause keeps "before" strictly before.
    time.sleep(0.02)
    stamp = suite_clock().now().isoformat()
    time.sleep(0.02)
    return stamp


def names(holdings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((h["full_name"], h["title_code"]) for h in holdings)


def test_a_year_of_decisions_read_back_as_of_and_as_known(server: Server) -> None:
    admin = server.client()

    # --- the district and its titles (administrator) -----------------------------------------
    def unit(code: str, name: str, kind: str, on: str, parent: str | None = None) -> str:
        body = {"code": code, "name": name, "kind": kind, "established_on": on}
        if parent:
            body["parent_id"] = parent
        return str(created(admin.post("/units", json=body))["id"])

    qu = unit("KA-QU", "Quận ủy Kiến An", "dang_uy", "2000-01-01")
    ub = unit("KA-UB", "UBND quận Kiến An", "ubnd", "2000-01-01", qu)
    nv = unit("KA-NV", "Phòng Nội vụ", "phong", "2005-01-01", ub)
    tc = unit("KA-TC", "Phòng Tài chính – Kế hoạch", "phong", "2005-01-01", ub)
    bs = unit("KA-BS", "Phường Bắc Sơn", "phuong", "2010-01-01", qu)
    for code, name, head, tier, rank in [
        ("chu_tich", "Chủ tịch UBND", True, "thanh_uy", 90),
        ("truong_phong", "Trưởng phòng", True, "quan_uy", 50),
        ("pho_truong_phong", "Phó Trưởng phòng", False, "quan_uy", 40),
        ("chuyen_vien", "Chuyên viên", False, "quan_uy", 10),
    ]:
        created(admin.post("/titles", json={"code": code, "name": name, "is_head": head,
                                            "management_tier": tier, "rank": rank}))

    # --- the personnel office of UBND records the year ------------------------------------------
    officer = server.client(server.token(name="Phòng Nội vụ UBND", role="personnel",
                                         unit_id=ub))
    cadres: dict[str, str] = {}
    for full_name, gender, born in [
        ("Nguyễn Văn An", "nam", "1962-03-01"), ("Trần Thị Bích", "nu", "1978-05-20"),
        ("Lê Đức Cường", "nam", "1990-11-11"), ("Phạm Thị Dung", "nu", "1980-02-14"),
        ("Hoàng Quang Em", "nam", "1992-07-07"), ("Đỗ Hữu Phúc", "nam", "1970-09-09"),
    ]:
        # Decomposed input (NFD) is stored in one canonical form (NFC).
        import unicodedata
        body = {"full_name": unicodedata.normalize("NFD", full_name), "gender": gender,
                "born_on": born, "education": "dai_hoc"}
        cadres[full_name.split()[-1]] = str(created(officer.post("/cadres", json=body))["id"])
    an, bich, cuong, dung, em, phuc = (cadres[k] for k in
                                       ("An", "Bích", "Cường", "Dung", "Em", "Phúc"))

    def appoint(cadre: str, unit_id: str, title: str, on: str, number: str,
                kind: str = "bo_nhiem") -> dict[str, Any]:
        return created(officer.post(f"/cadres/{cadre}/appointments", json={
            "kind": kind, "unit_id": unit_id, "title_code": title, "effective_on": on,
            "decision": decision(number, on, issuer="UBND quận Kiến An")}))

    appoint(phuc, ub, "chu_tich", "2022-01-01", "01/NQ-HĐND", kind="bau_cu")
    appoint(an, nv, "truong_phong", "2022-01-10", "12/QĐ-UBND")
    appoint(bich, nv, "pho_truong_phong", "2022-01-10", "13/QĐ-UBND")
    appoint(cuong, nv, "chuyen_vien", "2022-01-03", "02/QĐ-UBND")
    appoint(dung, tc, "truong_phong", "2022-02-01", "20/QĐ-UBND")
    appoint(em, tc, "chuyen_vien", "2022-02-01", "21/QĐ-UBND")
    created(officer.post(f"/cadres/{cuong}/trainings", json={
        "program": "llct_trung_cap", "started_on": "2022-03-15", "completed_on": "2022-09-30",
        "institution": "Trường Chính trị Tô Hiệu", "mode": "tai_chuc"}))
    created(officer.post(f"/cadres/{bich}/planning", json={
        "unit_id": nv, "title_code": "truong_phong", "term": "2020-2025",
        "decided_on": "2022-04-01", "decision": decision("45-QĐ/QU", "2022-04-01")}))
    created(officer.post(f"/cadres/{bich}/vettings", json={
        "vetted_on": "2022-05-10", "purpose": "bổ nhiệm", "conclusion": "dat",
        "body": "Ban Tổ chức Quận ủy"}))
    t_mid = now_after_settle()

    created(officer.post(f"/cadres/{an}/endings", json={
        "unit_id": nv, "title_code": "truong_phong", "reason": "nghi_huu",
        "effective_on": "2022-06-30", "decision": decision("60/QĐ-UBND", "2022-05-30")}))
    created(officer.post(f"/cadres/{bich}/endings", json={
        "unit_id": nv, "title_code": "pho_truong_phong", "reason": "khac",
        "effective_on": "2022-07-01", "decision": decision("61/QĐ-UBND", "2022-06-25")}))
    appoint(bich, nv, "truong_phong", "2022-07-01", "62/QĐ-UBND")
    created(officer.post(f"/cadres/{phuc}/nominations", json={
        "unit_id": ub, "title_code": "chu_tich", "decided_on": "2022-08-01",
        "decision": decision("70-QĐ/QU", "2022-08-01")}))
    discipline = created(officer.post(f"/cadres/{em}/disciplines", json={
        "form": "khien_trach", "effective_on": "2022-09-01",
        "violation": "Vi phạm quy chế làm việc", "decision": decision("80/QĐ-UBND",
                                                                      "2022-09-01")}))
    created(officer.post(f"/cadres/{dung}/relatives", json={
        "relation": "chong", "full_name": "Vũ Văn Giang", "born_year": 1979}))
    created(officer.post(f"/cadres/{cuong}/qualifications", json={
        "kind": "state_management", "level": "cv", "obtained_on": "2022-10-01"}))
    positions = []
    for cadre, rating in [(an, "HTNV"), (bich, "HTXSNV"), (cuong, "HTTNV"), (dung, "HTTNV"),
                          (em, "HTNV"), (phuc, "HTTNV")]:
        positions.append(created(officer.post(f"/cadres/{cadre}/evaluations", json={
            "period": "2022", "rating": rating, "decided_on": "2022-12-20", "score": 80,
            "criteria": {"ket_qua": 40, "phuc_vu": 20}}))["position"])
    assert positions == sorted(set(positions))

    # --- refusals, each with its stable code ---------------------------------------------------
    seat = officer.post(f"/cadres/{em}/appointments", json={
        "kind": "bo_nhiem", "unit_id": tc, "title_code": "truong_phong",
        "effective_on": "2022-04-01", "decision": decision("99/QĐ", "2022-04-01")})
    assert seat.status_code == 409 and seat.json()["code"] == "holding_conflict"
    assert seat.headers["content-type"].startswith("application/problem+json")
    before_birth = officer.post(f"/cadres/{cuong}/vettings", json={
        "vetted_on": "1980-01-01", "purpose": "x", "conclusion": "dat", "body": "y"})
    assert before_birth.status_code == 400 and before_birth.json()["code"] == "date_before_birth"
    unknown = admin.get("/cadres/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.json()["code"] == "cadre_not_found"
    malformed = officer.post(f"/cadres/{em}/evaluations", json={
        "period": "2022-Q5", "rating": "GIOI", "decided_on": "2022-13-01", "extra": 1})
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["errors"]} == {
        "period", "rating", "decided_on", "extra"}
    outside = officer.post(f"/units/{bs}/changes", json={
        "change": "rename", "effective_on": "2022-05-01", "new_name": "Phường Bắc Sơn mới"})
    assert outside.status_code == 403
    assert httpx.get(server.base_url + "/api/v1/units").status_code == 401

    # --- rosters as of several dates -----------------------------------------------------------
    def roster(unit_id: str, **params: Any) -> dict[str, Any]:
        return ok(officer.get(f"/units/{unit_id}/roster", params=params))

    march = roster(nv, as_of="2022-03-01")
    assert names(march["holdings"]) == [("Lê Đức Cường", "chuyen_vien"),
                                        ("Nguyễn Văn An", "truong_phong"),
                                        ("Trần Thị Bích", "pho_truong_phong")]
    assert march["as_of"] == "2022-03-01" and march["position"] >= 1
    august = roster(nv, as_of="2022-08-01")
    assert names(august["holdings"]) == [("Lê Đức Cường", "chuyen_vien"),
                                         ("Trần Thị Bích", "truong_phong")]
    whole = roster(ub, as_of="2022-08-01", include_subunits="true")
    assert len(whole["holdings"]) == 5
    assert roster(ub, as_of="2021-06-01", include_subunits="true")["holdings"] == []
    early_units = ok(admin.get("/units", params={"as_of": "2004-06-01"}))["units"]
    assert sorted(u["code"] for u in early_units) == ["KA-QU", "KA-UB"]

    # As known in the middle of the year: An's retirement had not been recorded yet.
    known_mid = roster(nv, as_of="2022-08-01", known_at=t_mid)
    assert names(known_mid["holdings"]) == [("Lê Đức Cường", "chuyen_vien"),
                                            ("Nguyễn Văn An", "truong_phong"),
                                            ("Trần Thị Bích", "pho_truong_phong")]
    assert known_mid["position"] < august["position"]

    # --- search, profile, record ---------------------------------------------------------------
    found = ok(officer.get("/cadres", params={"q": "DO HUU"}))["cadres"]
    assert [c["full_name"] for c in found] == ["Đỗ Hữu Phúc"]
    found = ok(admin.get("/cadres", params={"q": "bich", "unit_id": nv,
                                            "as_of": "2022-08-01"}))["cadres"]
    assert [c["id"] for c in found] == [bich]
    assert ok(officer.get("/cadres", params={"q": "Bích"}))["cadres"][0]["full_name"] == \
        "Trần Thị Bích"
    cuong_june = ok(officer.get(f"/cadres/{cuong}", params={"as_of": "2022-06-01"}))
    cuong_dec = ok(officer.get(f"/cadres/{cuong}", params={"as_of": "2022-12-31"}))
    assert cuong_june["political_theory"] is None
    assert cuong_dec["political_theory"] == "trung_cap"
    assert cuong_dec["state_management"] == "cv" and cuong_dec["education"] == "dai_hoc"
    em_dec = ok(officer.get(f"/cadres/{em}", params={"as_of": "2022-12-31"}))
    assert [d["code"] for d in em_dec["active_disciplines"]] == ["khien_trach"]
    bich_profile = ok(officer.get(f"/cadres/{bich}", params={"as_of": "2022-12-31"}))
    assert [p["title_code"] for p in bich_profile["planning"]] == ["truong_phong"]
    assert [h["title_code"] for h in bich_profile["holdings"]] == ["truong_phong"]

    # --- a correction: Dung's appointment took effect on 1 March, not 1 February ----------------
    t_before = now_after_settle()
    old_roster = roster(tc, as_of="2022-02-15", known_at=t_before)
    old_record = ok(officer.get(f"/cadres/{dung}/record", params={"known_at": t_before}))
    assert ("Phạm Thị Dung", "truong_phong") in names(old_roster["holdings"])
    correction = created(officer.post(f"/cadres/{dung}/corrections", json={
        "target_position": _appointed_position(officer, dung),
        "reason": "Nhập sai ngày hiệu lực",
        "replacement": {"kind": "bo_nhiem", "unit_id": tc, "title_code": "truong_phong",
                        "effective_on": "2022-03-01",
                        "decision": decision("20/QĐ-UBND", "2022-02-25",
                                             issuer="UBND quận Kiến An")}}))
    retraction = created(officer.post(f"/cadres/{em}/corrections", json={
        "target_position": _position_of(officer, em, "Disciplined"),
        "reason": "Quyết định kỷ luật đã bị hủy"}))
    assert retraction["position"] > correction["position"] > discipline["position"]

    now_roster = roster(tc, as_of="2022-02-15")
    assert names(now_roster["holdings"]) == [("Hoàng Quang Em", "chuyen_vien")]
    assert ("Phạm Thị Dung", "truong_phong") in names(roster(tc, as_of="2022-03-01")["holdings"])
    # The old answer, asked again as known before the correction, is unchanged.
    assert roster(tc, as_of="2022-02-15", known_at=t_before) == old_roster
    assert ok(officer.get(f"/cadres/{dung}/record", params={"known_at": t_before})) == \
        old_record
    record = ok(officer.get(f"/cadres/{dung}/record"))["entries"]
    corrected = [e for e in record if e["status"] == "corrected"]
    fix = [e for e in record if e["type"].endswith("Corrected")]
    assert len(corrected) == 1 and len(fix) == 1
    # The receipt names the last event written (the unit's head seat follows the cadre's).
    assert corrected[0]["corrected_by"] == fix[0]["position"] <= correction["position"]
    assert all(e["status"] == "in_force" for e in old_record["entries"])
    assert all(e["recorded_by"] == "Phòng Nội vụ UBND" for e in record)
    em_now = ok(officer.get(f"/cadres/{em}", params={"as_of": "2022-12-31"}))
    assert em_now["active_disciplines"] == []
    em_then = ok(officer.get(f"/cadres/{em}", params={"as_of": "2022-12-31",
                                                       "known_at": t_before}))
    assert len(em_then["active_disciplines"]) == 1
    em_record = ok(officer.get(f"/cadres/{em}/record"))["entries"]
    assert [e["status"] for e in em_record if e["type"].endswith("Disciplined")] == ["retracted"]

    # --- the inspection committee: who recorded, who looked, is the log intact -----------------
    inspector = server.client(server.token(name="Ủy ban Kiểm tra", role="inspector"))
    log = ok(inspector.get("/audit/log", params={"cadre_id": dung}))["entries"]
    assert {e["recorded_by"] for e in log} == {"Phòng Nội vụ UBND"}
    assert any(e["type"].endswith("Corrected") for e in log)
    assert ok(inspector.get("/audit/log", params={"actor": "admin"}))["entries"]
    reads = ok(inspector.get("/audit/reads", params={"cadre_id": dung}))["reads"]
    # The record read, and the rosters that listed her (issue 13: rosters are audited too).
    assert {(r["reader"], r["what"]) for r in reads} == {("Phòng Nội vụ UBND", "record"),
                                                          ("Phòng Nội vụ UBND", "roster")}
    assert any(r["known_at"].startswith(t_before[:19]) for r in reads)
    assert inspector.post("/cadres", json={"full_name": "X", "gender": "nam",
                                           "born_on": "1980-01-01"}).status_code == 403
    verified = ok(inspector.get("/audit/verify"))
    everything = ok(inspector.get("/audit/log", params={"limit": 5000}))["entries"]
    assert verified["ok"] is True and verified["checked"] == len(everything)
    assert verified["head"]["position"] == retraction["position"]
    assert len(verified["head"]["hash"]) == 64


def _position_of(client: httpx.Client, cadre: str, type_suffix: str) -> int:
    entries = ok(client.get(f"/cadres/{cadre}/record"))["entries"]
    matches = [e["position"] for e in entries if e["type"].endswith(type_suffix)
               and e["status"] == "in_force"]
    assert len(matches) == 1, entries
    return int(matches[0])


def _appointed_position(client: httpx.Client, cadre: str) -> int:
    return _position_of(client, cadre, "Appointed")
