"""A head-post appointment also writes the unit's seat: its 201 names the cadre's own entry
(`entry_position`), which is what a correction targets."""

from __future__ import annotations

from tests.e2e.conftest import Server, created, decision


def test_a_correction_targets_the_entry_position_of_a_head_appointment(server: Server) -> None:
    admin = server.client()
    unit = created(admin.post("/units", json={"code": "NV", "name": "Phòng Nội vụ",
                                              "kind": "phong", "established_on": "2010-01-01"}))
    created(admin.post("/titles", json={"code": "truong_phong_nv", "name": "Trưởng phòng",
                                        "is_head": True, "management_tier": "quan_uy"}))
    cadre = created(admin.post("/cadres", json={"full_name": "Vũ Thị Mai", "gender": "nu",
                                                "born_on": "1980-01-01"}))["id"]
    body = {"kind": "bo_nhiem", "unit_id": unit["id"], "title_code": "truong_phong_nv",
            "effective_on": "2021-03-01", "decision": decision("5-QĐ/QU", "2021-02-20")}
    appointed = created(admin.post(f"/cadres/{cadre}/appointments", json=body))
    assert appointed["entry_position"] < appointed["position"]  # the seat came after

    wrong = admin.post(f"/cadres/{cadre}/corrections", json={
        "target_position": appointed["position"], "reason": "Sai ngày"})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "position_not_found")
    fixed = created(admin.post(f"/cadres/{cadre}/corrections", json={
        "target_position": appointed["entry_position"], "reason": "Sai ngày",
        "replacement": {**body, "effective_on": "2021-04-01"}}))
    record = admin.get(f"/cadres/{cadre}/record").json()["entries"]
    status = {e["position"]: e["status"] for e in record}
    assert status[appointed["entry_position"]] == "corrected"
    assert status[fixed["entry_position"]] == "in_force"
