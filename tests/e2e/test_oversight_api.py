"""Oversight over HTTP against a running server (SQLite, PostgreSQL): a personnel office records
an appointment made without planning or political vetting, the inspection committee finds it,
with the appointment's log position as evidence, reviews it, and later asks what the record
showed before the missing vetting was entered.
"""

from __future__ import annotations

import time
from typing import Any

from domain.rules.pack import RULE_IDS
from tests.conftest import suite_clock
from tests.e2e.conftest import Server, created, decision, ok


def settle() -> str:
    time.sleep(0.02)  # recorded_at has microsecond resolution: keep "before" strictly before
    stamp = suite_clock().now().isoformat()
    time.sleep(0.02)
    return stamp


def test_findings_reviews_and_rules_over_http(server: Server) -> None:
    admin = server.client()

    def unit(code: str, name: str, kind: str, parent: str | None = None) -> str:
        body = {"code": code, "name": name, "kind": kind, "established_on": "2010-01-01"}
        if parent:
            body["parent_id"] = parent
        return str(created(admin.post("/units", json=body))["id"])

    quan = unit("GS", "Quận Giám Sát", "quan")
    ub = unit("GS-UB", "UBND quận Giám Sát", "ubnd", quan)
    tp = unit("GS-TP", "Phòng Tư pháp", "phong", ub)
    created(admin.post("/titles", json={"code": "pho_phong", "name": "Phó Trưởng phòng",
                                        "is_head": False, "management_tier": "quan_uy",
                                        "rank": 4}))
    officer = server.client(server.token(name="Phòng Nội vụ", role="personnel", unit_id=ub))
    cadre = str(created(officer.post("/cadres", json={
        "full_name": "Nguyễn Thị Hạnh", "gender": "nu", "born_on": "1984-03-01",
        "education": "dai_hoc", "political_theory": "trung_cap"}))["id"])
    appointed = created(officer.post(f"/cadres/{cadre}/appointments", json={
        "kind": "bo_nhiem", "unit_id": tp, "title_code": "pho_phong",
        "effective_on": "2024-05-02", "decision": decision("41/QĐ-UBND", "2024-04-26")}))
    before_vetting = settle()

    inspector = server.client(server.token(name="ubkt.hoa", role="inspector"))
    body = ok(inspector.get("/findings", params={"unit_id": tp}))
    assert {"as_of", "known_at", "position"} <= set(body)
    assert body["position"] >= appointed["position"]
    rows = {r["rule"]: r for r in body["findings"] if r["cadre_id"] == cadre}
    assert {"not_in_planning", "no_vetting"} <= set(rows)  # and unrated years since
    unvetted = rows["no_vetting"]
    assert unvetted["evidence"] == [appointed["position"]]
    assert unvetted["rule_version"] == "qd58-2022" and unvetted["severity"] == "medium"
    assert unvetted["decision"]["number"] == "41/QĐ-UBND"
    assert "Nguyễn Thị Hạnh" in unvetted["summary"]
    assert unvetted["review_status"] == "unreviewed"
    # Before the appointment took effect, or before it was recorded: nothing.
    assert not ok(inspector.get("/findings", params={"as_of": "2024-05-01"}))["findings"]
    assert not ok(inspector.get("/findings", params={"known_at": "2020-01-01T00:00:00+07:00"}))[
        "findings"]

    review = created(inspector.post(f"/findings/{unvetted['id']}/reviews", json={
        "conclusion": "needs_action", "reason": "Đề nghị bổ sung hồ sơ thẩm định"}))
    assert set(review) >= {"id", "position"}
    shown = ok(inspector.get("/findings", params={"rule": "no_vetting"}))
    (row,) = shown["findings"]
    assert (row["review_status"], row["reviewed_by"]) == ("needs_action", "ubkt.hoa")
    assert shown["position"] == review["position"]

    # Only inspectors and administrators review; personnel and the cadre do not read findings.
    assert officer.post(f"/findings/{unvetted['id']}/reviews", json={
        "conclusion": "dismissed", "reason": "Không vi phạm"}).status_code == 403
    assert officer.get("/findings").status_code == 403
    own = server.client(server.token(name="hanh", role="self", cadre_id=cadre))
    assert own.get("/findings").status_code == 403
    assert server.client(None).get("/findings").status_code == 401

    # The vetting is entered late: the finding goes, but the record as known before shows it.
    created(officer.post(f"/cadres/{cadre}/vettings", json={
        "vetted_on": "2024-04-20", "purpose": "bổ nhiệm", "conclusion": "dat",
        "body": "Ban Tổ chức Quận ủy"}))
    assert not ok(inspector.get("/findings", params={"rule": "no_vetting"}))["findings"]
    then = ok(inspector.get("/findings", params={"rule": "no_vetting",
                                                 "known_at": before_vetting}))
    (row_then,) = then["findings"]
    assert row_then["id"] == unvetted["id"] and row_then["review_status"] == "unreviewed"

    rules: dict[str, Any] = ok(inspector.get("/rules"))
    assert {r["id"] for r in rules["rules"]} == set(RULE_IDS)
    versions = [r for r in rules["rules"] if r["id"] == "no_vetting"]
    assert {"qd58-2022"} <= {r["version"] for r in versions}
