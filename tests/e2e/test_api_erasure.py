"""Erasure of personal data (crypto-shredding) over HTTP: the log stays intact and verifiable,
the name and sensitive details are gone from every answer, and only an admin may ask."""

from __future__ import annotations

from tests.e2e.conftest import Server, created, ok


def test_an_admin_erases_a_cadres_personal_data_and_the_log_still_verifies(
        server: Server) -> None:
    admin = server.client()
    cadre = created(admin.post("/cadres", json={
        "full_name": "Phạm Thị Hoa", "gender": "nu", "born_on": "1985-02-03",
        "ethnicity": "Tày", "religion": "Phật giáo", "national_id": "031185000123"}))["id"]
    assert ok(admin.get(f"/cadres/{cadre}"))["full_name"] == "Phạm Thị Hoa"

    inspector = server.client(server.token(name="kiem_tra", role="inspector"))
    refused = inspector.post(f"/cadres/{cadre}/erasure", json={"reason": "Yêu cầu của chủ thể"})
    assert refused.status_code == 403

    erased = created(admin.post(f"/cadres/{cadre}/erasure",
                                json={"reason": "Yêu cầu của chủ thể dữ liệu"}))
    assert erased["id"] == cadre
    profile = ok(admin.get(f"/cadres/{cadre}"))
    assert "Hoa" not in profile["full_name"]
    assert not any(ok(admin.get("/cadres", params={"q": "pham thi hoa"}))["cadres"])
    record = ok(admin.get(f"/cadres/{cadre}/record"))
    assert record["entries"][-1]["type"] == "PersonalDataErased"
    assert ok(admin.get("/audit/verify"))["ok"] is True
    again = admin.post(f"/cadres/{cadre}/erasure", json={"reason": "Lặp lại"})
    assert again.status_code == 409
