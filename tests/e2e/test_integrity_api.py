"""Authority, appointment dossiers, asset declarations and foreign travel over HTTP on SQLite and
PostgreSQL (issue 18, parts 2–4): each check of the pack fires on the case it names and not on
its compliant twin; refusals append nothing; the read side rebuilds to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.commands import RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import Gender
from infra.access import AccessStore
from infra.runtime import Runtime
from infra.settings import Settings
from projections.runner import canonical_dump
from tests.conftest import SUITE_DAY, suite_clock
from tests.e2e.conftest import ScenarioWorld, created, in_process, ok, refused

ADMIN = "integrity-admin-token"


def dec(number: str, on: date, issuer: str | None = "Ban Thường vụ Quận ủy Kiến An",
        **more: Any) -> dict[str, Any]:
    d = {"number": number, "signed_on": on.isoformat(), "signer": "Lê Toàn Khánh", **more}
    if issuer is not None:
        d["issuer"] = issuer
    return d


class World(ScenarioWorld):
    def __init__(self, runtime: Runtime, client: TestClient) -> None:
        super().__init__(runtime, client)
        app = runtime.app
        self.root = app.register_unit(RegisterUnit(
            code="Q", name="Quận ủy", kind="quan_uy", established_on=date(2000, 1, 1)),
            recorded_by="setup").id
        self.a = app.register_unit(RegisterUnit(
            code="A", name="Phòng Nội vụ", kind="phong", established_on=date(2000, 1, 1),
            parent_id=self.root), recorded_by="setup").id
        self.b = app.register_unit(RegisterUnit(
            code="B", name="Phòng Tài chính", kind="phong", established_on=date(2000, 1, 1),
            parent_id=self.root), recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy"),
            recorded_by="setup")
        app.register_title(RegisterTitle(
            code="pho_bi_thu", name="Phó Bí thư Quận ủy", is_head=False,
            management_tier="thanh_uy"), recorded_by="setup")
        self.cadres = [app.register_cadre(RegisterCadre(full_name=name, gender=Gender.NU,
                                                        born_on=date(1980, 5, 1)),
                                          recorded_by="setup").id
                       for name in ("Phạm Thị Hoa", "Nguyễn Văn Bình", "Trần Thị Cúc")]
        runtime.catch_up()
        access = AccessStore(runtime.engine, suite_clock())
        self.tokens = {
            "admin": ADMIN,
            "inspector": access.create_token(name="ubkt.lan", role="inspector"),
            "personnel_b": access.create_token(name="to_chuc_b", role="personnel",
                                               unit_id=self.b),
            "self": access.create_token(name="hoa", role="self", cadre_id=self.cadres[0]),
        }

    def appoint(self, cadre: int, unit: Any, title: str, on: date,
                decision: dict[str, Any]) -> str:
        created(self.as_("admin", "POST", f"/cadres/{self.cadres[cadre]}/appointments", json={
            "kind": "bo_nhiem", "unit_id": str(unit), "title_code": title,
            "effective_on": on.isoformat(), "decision": decision}))
        record = ok(self.as_("admin", "GET", f"/cadres/{self.cadres[cadre]}"))
        holding = next(h for h in record["holdings"] if h["title_code"] == title
                       and h["since"] == on.isoformat())
        return str(holding["holding_id"])

    def findings(self, rule: str) -> list[dict[str, Any]]:
        body = ok(self.as_("inspector", "GET", "/findings", params={"rule": rule}))
        return [f for f in body["findings"] if f["rule"] == rule]


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    with in_process(store_settings, admin_token=ADMIN) as (runtime, client):
        yield World(runtime, client)


def test_authority_bodies_and_issuer_not_competent(world: World) -> None:
    w = world
    listed = ok(w.as_("self", "GET", "/authority"))
    codes = {b["code"]: b["name"] for b in listed["bodies"]}
    assert codes["btv_huyen_uy"] == "Ban Thường vụ Quận ủy, Huyện ủy, Thị ủy"
    versions = {v["version"]: v for v in listed["versions"]}
    assert versions["qd80-2022"]["authority"]["appoint"]["quan_uy"] == ["btv_huyen_uy",
                                                                        "ubnd_huyen"]
    assert "Quy định 08-QĐ/QU" in versions["qd80-2022"]["source"]
    assert "377" in versions["qd377-2025"]["source"]
    assert w.client.get("/api/v1/authority").status_code == 401

    # Free text the pack maps to a body that may not appoint: a finding with its evidence.
    head = w.head()
    wrong = w.appoint(0, w.a, "truong_phong", date(2024, 6, 1),
                      dec("12-QĐ/BTC", date(2024, 5, 20), "Ban Tổ chức Quận ủy Kiến An"))
    assert w.head() > head
    # A code without text: the issuer reads as the body's name; competent, no finding.
    w.appoint(1, w.b, "truong_phong", date(2024, 6, 1),
              dec("13-QĐ/QU", date(2024, 5, 20), None, issuer_code="btv_huyen_uy"))
    record = ok(w.as_("admin", "GET", f"/cadres/{w.cadres[1]}"))
    (held,) = record["holdings"]
    assert held["decision"]["issuer"] == "Ban Thường vụ Quận ủy, Huyện ủy, Thị ủy"
    assert held["decision"]["issuer_code"] == "btv_huyen_uy"
    # A district body appointing to a title the city manages (diện Thành ủy quản lý).
    w.appoint(2, w.root, "pho_bi_thu", date(2024, 6, 1), dec("14-QĐ/QU", date(2024, 5, 20)))

    found = w.findings("issuer_not_competent")
    assert sorted(f["cadre_id"] for f in found) == sorted([str(w.cadres[0]),
                                                           str(w.cadres[2])])
    first = next(f for f in found if f["cadre_id"] == str(w.cadres[0]))
    assert first["rule_version"] == "qd80-2022"
    assert "Ban Tổ chức Quận ủy, Huyện ủy, Thị ủy không có thẩm quyền bổ nhiệm" in first["summary"]
    assert wrong  # the holding exists
    record0 = ok(w.as_("admin", "GET", f"/cadres/{w.cadres[0]}/record"))
    assert first["evidence"][0] in [e["position"] for e in record0["entries"]]

    # An unknown code is refused, naming the field; nothing appended.
    head = w.head()
    bad = w.as_("admin", "POST", f"/cadres/{w.cadres[1]}/appointments", json={
        "kind": "bo_nhiem", "unit_id": str(w.a), "title_code": "truong_phong",
        "effective_on": "2024-07-01",
        "decision": dec("15-QĐ/QU", date(2024, 6, 20), None, issuer_code="so_noi_vu")})
    assert bad.status_code in (400, 422), bad.text
    assert "issuer_code" in bad.text
    assert w.head() == head


def test_the_dossier_of_an_appointment_and_its_checks(world: World) -> None:
    w = world
    bad = w.appoint(0, w.a, "truong_phong", date(2024, 6, 1), dec("20-QĐ/QU", date(2024, 5, 20)))
    good = w.appoint(1, w.b, "truong_phong", date(2024, 6, 1), dec("21-QĐ/QU", date(2024, 5, 20)))

    def step(cadre: int, holding: str, step: str, on: date, who: str = "admin",
             **more: Any) -> Any:
        return w.as_(who, "POST", f"/cadres/{w.cadres[cadre]}/holdings/{holding}/dossier-steps",
                     json={"step": step, "effective_on": on.isoformat(),
                           "reference": f"{step}/BB", **more})

    # Out of order (giới thiệu after lấy phiếu), 8 of 17 votes, thẩm định after the decision.
    created(step(0, bad, "chu_truong", date(2024, 3, 1)))
    created(step(0, bad, "lay_phieu", date(2024, 3, 10), votes_for=8, votes_total=17))
    created(step(0, bad, "gioi_thieu", date(2024, 3, 15)))
    created(step(0, bad, "tham_dinh", date(2024, 5, 25)))
    # The compliant twin: every step in order, 9 of 17, before the decision.
    for name, on in (("chu_truong", date(2024, 3, 1)), ("gioi_thieu", date(2024, 3, 5)),
                     ("tham_dinh", date(2024, 4, 1))):
        created(step(1, good, name, on))
    created(step(1, good, "lay_phieu", date(2024, 3, 10), votes_for=9, votes_total=17))

    # Refusals name the field and append nothing.
    head = w.head()
    refused(step(1, good, "lay_phieu", date(2024, 3, 11), votes_for=9, votes_total=17),
            409, "step_already_recorded")
    refused(step(1, good, "quyet_dinh", date(2024, 5, 20), votes_for=18, votes_total=17),
            400, "invalid_votes")
    refused(step(1, bad, "quyet_dinh", date(2024, 5, 20)), 404, "holding_not_found")
    refused(step(0, bad, "quyet_dinh", SUITE_DAY + timedelta(days=3)), 400, "date_too_late")
    assert step(0, bad, "quyet_dinh", date(2024, 5, 20), who="personnel_b").status_code == 403
    assert w.head() == head

    steps = w.findings("dossier_steps")
    assert [f["cadre_id"] for f in steps] == [str(w.cadres[0])]
    assert ("bước lấy phiếu tín nhiệm (10/03/2024) thực hiện trước bước giới thiệu nhân sự "
            "(15/03/2024)") in steps[0]["summary"]
    votes = w.findings("dossier_vote_share")
    assert [f["cadre_id"] for f in votes] == [str(w.cadres[0])]
    assert "8/17" in votes[0]["summary"] and votes[0]["rule_version"] == "qd80-2022"
    late = w.findings("decision_before_dossier")
    assert [f["cadre_id"] for f in late] == [str(w.cadres[0])]

    shown = ok(w.as_("inspector", "GET", f"/cadres/{w.cadres[0]}/integrity"))
    (dossier,) = shown["dossiers"]
    assert dossier["holding_id"] == bad
    assert [s["step"] for s in dossier["steps"]] == ["chu_truong", "lay_phieu", "gioi_thieu",
                                                     "tham_dinh"]
    assert dossier["steps"][1]["votes_for"] == 8 and dossier["steps"][1]["recorded_by"] == "admin"


def test_declarations_and_travel_and_their_checks(world: World) -> None:
    w = world
    c0, c1 = w.cadres[0], w.cadres[1]
    # An annual declaration is not one made for the appointment: a finding for cadre 0.
    created(w.as_("admin", "POST", f"/cadres/{c0}/asset-declarations", json={
        "kind": "hang_nam", "effective_on": "2023-12-20", "reference": "KK-2023/01",
        "year": 2023}))
    created(w.as_("admin", "POST", f"/cadres/{c1}/asset-declarations", json={
        "kind": "phuc_vu_can_bo", "effective_on": "2024-05-01", "reference": "KK-BN/07"}))
    w.appoint(0, w.a, "truong_phong", date(2024, 6, 1), dec("30-QĐ/QU", date(2024, 5, 20)))
    w.appoint(1, w.b, "truong_phong", date(2024, 6, 1), dec("31-QĐ/QU", date(2024, 5, 20)))
    missing = w.findings("no_asset_declaration")
    assert [f["cadre_id"] for f in missing] == [str(c0)]
    assert "Luật Phòng, chống tham nhũng" in ok(w.as_("inspector", "GET", "/rules")).__repr__()

    back = SUITE_DAY - timedelta(days=40)
    permit = dec("40-QĐ/QU", back - timedelta(days=20))
    # Cadre 0: no permission. Cadre 1: permitted, back 40 days ago, no report yet.
    created(w.as_("admin", "POST", f"/cadres/{c0}/foreign-travel", json={
        "purpose": "viec_rieng", "departed_on": (back - timedelta(days=7)).isoformat(),
        "returned_on": back.isoformat()}))
    trip = created(w.as_("admin", "POST", f"/cadres/{c1}/foreign-travel", json={
        "purpose": "cong_vu", "departed_on": (back - timedelta(days=7)).isoformat(),
        "returned_on": back.isoformat(), "reference": "CV-12", "permission": permit}))
    assert [f["cadre_id"] for f in w.findings("travel_without_permission")] == [str(c0)]
    unreported = w.findings("travel_without_report")
    assert sorted(f["cadre_id"] for f in unreported) == sorted([str(c0), str(c1)])

    head = w.head()
    refused(w.as_("admin", "POST", f"/cadres/{c1}/foreign-travel", json={
        "purpose": "cong_vu", "departed_on": "2025-02-10", "returned_on": "2025-02-01"}),
        400, "date_too_early")
    refused(w.as_("admin", "POST", f"/cadres/{c1}/foreign-travel/{c0}/report", json={
        "effective_on": SUITE_DAY.isoformat(), "reference": "BC-1"}), 404, "travel_not_found")
    assert w.head() == head
    created(w.as_("admin", "POST", f"/cadres/{c1}/foreign-travel/{trip['travel_id']}/report",
                  json={"effective_on": (back + timedelta(days=5)).isoformat(),
                        "reference": "BC-12/2026"}))
    assert [f["cadre_id"] for f in w.findings("travel_without_report")] == [str(c0)]
    refused(w.as_("admin", "POST", f"/cadres/{c1}/foreign-travel/{trip['travel_id']}/report",
                     json={"effective_on": SUITE_DAY.isoformat(), "reference": "BC-13"}),
            409, "travel_reported")

    shown = ok(w.as_("self", "GET", f"/cadres/{c0}/integrity"))
    assert [d["kind"] for d in shown["declarations"]] == ["hang_nam"]
    assert shown["travels"][0]["permission"] is None
    assert w.as_("self", "GET", f"/cadres/{c1}/integrity").status_code == 403
    theirs = ok(w.as_("inspector", "GET", f"/cadres/{c1}/integrity"))
    assert theirs["travels"][0]["report"]["reference"] == "BC-12/2026"

    # The read side rebuilds to the same rows.
    incremental = canonical_dump(w.runtime.engine, w.runtime.read_model.tables())
    w.runtime.rebuild()
    assert canonical_dump(w.runtime.engine, w.runtime.read_model.tables()) == incremental
