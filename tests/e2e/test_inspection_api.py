"""Inspection casework over HTTP on SQLite and PostgreSQL: an inspector plans the year, opens a
case from a planted finding, gathers evidence, concludes, assigns two remedies and closes one;
the other is listed as overdue after its deadline. Refusals append nothing; a leader reads the
conclusion of a case in its subtree only; the read side rebuilds to the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.document_certificates import verify_file
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore
from infra.certificates import verify_document
from infra.notes import SignerKey, new_signer, write_key_pair
from infra.runtime import Runtime
from infra.settings import Settings
from infra.verification import VerificationFailed
from projections.runner import canonical_dump
from tests.conftest import SUITE_DAY, suite_clock
from tests.e2e.conftest import ScenarioWorld, created, in_process, ok, refused

ADMIN = "inspection-admin-token"


def dec(number: str, on: date) -> dict[str, str]:
    return {"number": number, "signed_on": on.isoformat(), "issuer": "Ủy ban Kiểm tra Quận ủy",
            "signer": "Trần Văn Kiểm"}


class World(ScenarioWorld):
    def __init__(self, runtime: Runtime, client: TestClient) -> None:
        super().__init__(runtime, client)
        app = runtime.app
        self.root = app.register_unit(RegisterUnit(
            code="Q", name="Quận ủy", kind="quan_uy", established_on=date(2000, 1, 1)),
            recorded_by="setup").id
        self.a = app.register_unit(RegisterUnit(
            code="A", name="UBND phường A", kind="ubnd", established_on=date(2000, 1, 1),
            parent_id=self.root), recorded_by="setup").id
        self.b = app.register_unit(RegisterUnit(
            code="B", name="UBND phường B", kind="ubnd", established_on=date(2000, 1, 1),
            parent_id=self.root), recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="pho_chu_tich", name="Phó Chủ tịch UBND", is_head=False,
            management_tier="quan_uy"), recorded_by="setup")
        self.cadre = app.register_cadre(RegisterCadre(full_name="Phạm Thị Hoa", gender=Gender.NU,
                                                      born_on=date(1980, 5, 1)),
                                        recorded_by="setup").id
        # Appointed without planning or vetting: the findings index judges it.
        self.appointed = app.appoint(self.cadre, Appoint(
            kind=ActionKind.BO_NHIEM, unit_id=self.a, title_code="pho_chu_tich",
            effective_on=date(2024, 6, 1),
            decision=Decision("88/QĐ-UBND", date(2024, 5, 20), "UBND quận", "Lê Văn Ký")),
                                     recorded_by="setup").position
        runtime.catch_up()
        access = AccessStore(runtime.engine, suite_clock())
        self.tokens = {
            "admin": ADMIN,
            "inspector": access.create_token(name="ubkt.lan", role="inspector"),
            "leader_a": access.create_token(name="lanh_dao_a", role="leader", unit_id=self.a),
            "leader_b": access.create_token(name="lanh_dao_b", role="leader", unit_id=self.b),
            "personnel": access.create_token(name="to_chuc_a", role="personnel",
                                             unit_id=self.a),
            "self": access.create_token(name="hoa", role="self", cadre_id=self.cadre),
        }


SIGNER: SignerKey = new_signer("hoso.test/inspection")


@pytest.fixture
def world(store_settings: Settings, tmp_path: Path) -> Iterator[World]:
    key = tmp_path / "log.key"
    write_key_pair(SIGNER, key)
    with in_process(store_settings, admin_token=ADMIN, signing_key=key) as (runtime, client):
        yield World(runtime, client)


def test_the_whole_cycle_of_a_case(world: World) -> None:
    w = world
    today = SUITE_DAY

    plan = created(w.as_("inspector", "POST", "/inspection-plans", json={
        "year": today.year, "title": "Kế hoạch kiểm tra, giám sát năm 2026",
        "subjects": [{"kind": "unit", "unit_id": str(w.a)},
                     {"kind": "cadre", "cadre_id": str(w.cadre)},
                     {"kind": "topic", "topic": "bổ nhiệm 2024–2025"}],
        "decision": dec("05-KH/UBKT", date(today.year, 1, 10))}))
    plans = ok(w.as_("inspector", "GET", "/inspection-plans"))
    (shown,) = plans["plans"]
    assert shown["id"] == plan["id"] and shown["decision"]["number"] == "05-KH/UBKT"
    assert [s["kind"] for s in shown["subjects"]] == ["unit", "cadre", "topic"]
    assert shown["subjects"][2]["topic"] == "bổ nhiệm 2024–2025"
    assert shown["recorded_by"] == "ubkt.lan" and shown["position"] == plan["position"]

    findings = ok(w.as_("inspector", "GET", "/findings", params={"unit_id": str(w.a)}))
    finding = next(f for f in findings["findings"] if f["rule"] == "not_in_planning")
    case = created(w.as_("inspector", "POST", "/inspection-cases", json={
        "title": "Bổ nhiệm Phó Chủ tịch phường A ngoài quy hoạch", "plan_id": plan["id"],
        "finding_id": finding["id"], "effective_on": (today - timedelta(days=60)).isoformat()}))
    case_id = case["id"]
    opened = ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}"))
    assert opened["status"] == "open" and opened["source"] == "finding"
    assert opened["finding"]["rule_id"] == "not_in_planning"
    assert opened["finding"]["evidence"] == finding["evidence"]
    assert (opened["unit_id"], opened["cadre_id"]) == (str(w.a), str(w.cadre))
    assert opened["plan_id"] == plan["id"] and opened["opened_position"] == case["position"]

    # Evidence: a position of the log and a document.
    evidence = created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/evidence", json={
        "log_positions": [w.appointed],
        "documents": [{"number": "12/BB-UBKT", "issued_on": (today - timedelta(days=30))
                       .isoformat(), "title": "Biên bản làm việc với UBND phường A"}],
        "note": "Hồ sơ bổ nhiệm không có quyết định quy hoạch"}))
    # A position past the log head: refused, nothing appended.
    before = w.head()
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/evidence",
                     json={"log_positions": [before + 50]}), 404, "position_not_found")
    assert w.head() == before

    # Remedies wait for the conclusion.
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies", json={
        "action": "Rà soát", "deadline": today.isoformat(), "owner_unit_id": str(w.a)}),
        409, "case_not_concluded")
    concluded = created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/conclusion",
                              json={"text": "Bổ nhiệm không đúng quy trình quy hoạch",
                                    "violation_found": True,
                                    "decision": dec("09-KL/UBKT", today - timedelta(days=20))}))
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/conclusion", json={
        "text": "Lần hai", "violation_found": False,
        "decision": dec("10-KL/UBKT", today - timedelta(days=19))}), 409, "case_concluded")

    assigned_on = (today - timedelta(days=15)).isoformat()
    first = created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies", json={
        "action": "UBND phường A rà soát, báo cáo quy trình bổ nhiệm",
        "deadline": (today - timedelta(days=5)).isoformat(), "owner_unit_id": str(w.a),
        "effective_on": assigned_on}))
    second = created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies", json={
        "action": "Đồng chí Hoa kiểm điểm, bổ sung hồ sơ quy hoạch",
        "deadline": (today + timedelta(days=10)).isoformat(), "owner_cadre_id": str(w.cadre),
        "effective_on": assigned_on}))
    assert first["remedy_id"] and second["remedy_id"] and first["id"] == case_id

    # The first is overdue today; closing it takes it off the list.
    overdue = ok(w.as_("inspector", "GET", "/inspection-remedies/overdue"))
    assert [r["id"] for r in overdue["remedies"]] == [first["remedy_id"]]
    assert overdue["remedies"][0]["days_overdue"] == 5
    closed = created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies/"
                           f"{first['remedy_id']}/closure",
                           json={"result": "Đã báo cáo bằng văn bản số 33/BC-UBND"}))
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies/"
                     f"{first['remedy_id']}/closure", json={"result": "Lần hai"}),
            409, "remedy_not_open")
    assert not ok(w.as_("inspector", "GET", "/inspection-remedies/overdue"))["remedies"]
    # As of before the closure, it was overdue; as known before the closure, too.
    then = ok(w.as_("inspector", "GET", "/inspection-remedies/overdue",
                    params={"as_of": (today - timedelta(days=1)).isoformat()}))
    assert [r["id"] for r in then["remedies"]] == [first["remedy_id"]]
    # The second shows as overdue after its deadline.
    later = ok(w.as_("inspector", "GET", "/inspection-remedies/overdue",
                     params={"as_of": (today + timedelta(days=11)).isoformat()}))
    assert [(r["id"], r["days_overdue"], r["owner_cadre_id"]) for r in later["remedies"]] == [
        (second["remedy_id"], 1, str(w.cadre))]

    # The case stays concluded while a remedy is open.
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/closure",
                     json={"note": "Kết thúc"}), 409, "remedies_open")
    detail = ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}"))
    assert detail["status"] == "concluded"
    assert detail["conclusion"]["decision"]["number"] == "09-KL/UBKT"
    assert detail["conclusion"]["position"] == concluded["position"]
    assert [e["position"] for e in detail["evidence"]] == [evidence["position"]]
    assert detail["evidence"][0]["log_positions"] == [w.appointed]
    assert detail["evidence"][0]["documents"][0]["number"] == "12/BB-UBKT"
    states = {r["id"]: (r["status"], r["overdue"]) for r in detail["remedy_list"]}
    assert states == {first["remedy_id"]: ("closed", False),
                      second["remedy_id"]: ("open", False)}
    assert {r["recorded_by"] for r in detail["remedy_list"]} == {"ubkt.lan"}
    assert detail["remedy_list"][0]["closure"]["position"] == closed["position"]

    # Leaders: the conclusion of a case in the subtree, nothing else; other roles: 403.
    seen = ok(w.as_("leader_a", "GET", f"/inspection-cases/{case_id}"))
    assert seen["conclusion"]["text"] == "Bổ nhiệm không đúng quy trình quy hoạch"
    assert seen["evidence"] is None and seen["remedy_list"] is None
    assert [c["id"] for c in ok(w.as_("leader_a", "GET", "/inspection-cases"))["cases"]] == [
        case_id]
    refused(w.as_("leader_b", "GET", f"/inspection-cases/{case_id}"), 403, "forbidden")
    assert not ok(w.as_("leader_b", "GET", "/inspection-cases"))["cases"]
    for who in ("leader_a", "personnel", "self"):
        assert w.as_(who, "GET", "/inspection-plans").status_code == 403
        assert w.as_(who, "GET", "/inspection-remedies/overdue").status_code == 403
    for who in ("personnel", "self"):
        assert w.as_(who, "GET", f"/inspection-cases/{case_id}").status_code == 403
    # A leader writing: refused, nothing appended.
    before = w.head()
    refused(w.as_("leader_a", "POST", f"/inspection-cases/{case_id}/evidence",
                     json={"log_positions": [1]}), 403, "forbidden")
    refused(w.as_("leader_a", "POST", "/inspection-cases",
                     json={"title": "X", "description": "Y"}), 403, "forbidden")
    assert w.head() == before

    # Close the second, then the case; closing a closed case is refused, nothing appended.
    created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/remedies/"
                  f"{second['remedy_id']}/closure", json={"result": "Đã kiểm điểm"}))
    created(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/closure",
                  json={"note": "Các yêu cầu khắc phục đã hoàn thành"}))
    before = w.head()
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/closure",
                     json={"note": "Lần hai"}), 409, "case_closed")
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case_id}/evidence",
                     json={"log_positions": [1]}), 409, "case_closed")
    assert w.head() == before
    assert ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}"))["status"] == "closed"
    assert ok(w.as_("inspector", "GET", "/inspection-cases",
                    params={"status": "closed"}))["cases"][0]["id"] == case_id

    # Everything is in the log with who did it.
    log = ok(w.as_("inspector", "GET", "/audit/log", params={"actor": "ubkt.lan"}))
    types = [e["type"] for e in log["entries"]]
    for name in ("InspectionPlan.Adopted", "InspectionCase.Opened",
                 "InspectionCase.EvidenceAdded", "InspectionCase.Concluded",
                 "InspectionCase.RemedyAssigned", "InspectionCase.RemedyClosed",
                 "InspectionCase.Closed"):
        assert name in types, name

    # As known before the first closure was recorded, the first remedy was overdue today.
    before_closure = next(e["recorded_at"] for e in log["entries"]
                          if e["position"] == second["position"])
    known_then = ok(w.as_("inspector", "GET", "/inspection-remedies/overdue",
                          params={"known_at": before_closure}))
    assert [r["id"] for r in known_then["remedies"]] == [first["remedy_id"]]
    assert known_then["position"] == second["position"]
    # The plan lists its case.
    shown_plan = ok(w.as_("inspector", "GET", f"/inspection-plans/{plan['id']}"))
    assert [c["id"] for c in shown_plan["case_list"]] == [case_id]
    assert shown_plan["adopted_position"] == plan["position"]
    refused(w.as_("inspector", "GET", f"/inspection-plans/{UUID(int=3)}"), 404,
            "plan_not_found")
    refused(w.as_("inspector", "POST", f"/inspection-cases/{UUID(int=4)}/evidence",
                     json={"log_positions": [1]}), 404, "case_not_found")

    # As known when the conclusion was recorded: concluded, no remedies yet.
    stamp = next(e["recorded_at"] for e in log["entries"]
                 if e["position"] == concluded["position"])
    then_case = ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}",
                         params={"known_at": stamp}))
    assert then_case["status"] == "concluded" and then_case["remedy_list"] == []
    assert then_case["position"] == concluded["position"]

    # The case file: every entry involved with its position and chain hash, sealed.
    file = ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}/file"))
    assert file["format"] == "hoso-case-file/v1" and file["case"]["status"] == "closed"
    cited = {e["position"]: e for e in file["entries"]}
    own = [e["type"] for e in file["entries"] if "case" in e["cited_as"]]
    assert own == ["InspectionCase.Opened", "InspectionCase.EvidenceAdded",
                   "InspectionCase.Concluded", "InspectionCase.RemedyAssigned",
                   "InspectionCase.RemedyAssigned", "InspectionCase.RemedyClosed",
                   "InspectionCase.RemedyClosed", "InspectionCase.Closed"]
    assert set(cited[w.appointed]["cited_as"]) == {"evidence", "finding_evidence"}
    assert cited[w.appointed]["summary"].startswith("Bổ nhiệm")
    assert cited[plan["position"]]["cited_as"] == ["plan"]
    chain = dict(w.runtime.log.rows("SELECT position, hash FROM log_chain"))
    assert all(bytes(chain[p]).hex() == e["chain_hash"] for p, e in cited.items())
    assert {d["of"] for d in file["decisions"]} >= {"plan", "conclusion", "entry"}
    verified = verify_document(file, SIGNER.verifier)
    assert verified.kind == f"case-file/{case_id}"
    assert verified.entries == len(set(cited) | {file["position"]})
    tampered = {**file, "entries": [{**file["entries"][0], "recorded_by": "someone"},
                                    *file["entries"][1:]]}
    with pytest.raises(VerificationFailed, match="altered"):
        verify_document(tampered, SIGNER.verifier)
    # As a file, offline, with the public key alone (what `hoso verify-report FILE` runs).
    key = w.runtime.settings.signing_key
    assert key is not None
    saved = key.with_name("case-file.json")
    saved.write_text(json.dumps(file, ensure_ascii=False), encoding="utf-8")
    assert verify_file(saved, SIGNER.verifier).kind == f"case-file/{case_id}"
    assert w.as_("leader_a", "GET", f"/inspection-cases/{case_id}/file").status_code == 403

    # The Word form: the same certificate inside, verified offline, and its content checked
    # against it; an edited paragraph fails.
    word = w.as_("inspector", "GET", f"/inspection-cases/{case_id}/file",
                 params={"format": "docx"})
    assert word.status_code == 200, word.text
    assert word.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    docx_path = key.with_name("case-file.docx")
    docx_path.write_bytes(word.content)
    assert verify_file(docx_path, SIGNER.verifier).kind == f"case-file/{case_id}"
    from docx import Document

    shown = Document(str(docx_path))
    text = "\n".join(p.text for p in shown.paragraphs)
    assert "HỒ SƠ VỤ VIỆC KIỂM TRA" in text and "Đã kết thúc" in text
    cells = [c.text for t in shown.tables for r in t.rows for c in r.cells]
    assert str(w.appointed) in cells and cited[w.appointed]["chain_hash"] in cells
    edited = next(p for p in shown.paragraphs if p.text.startswith("Có vi phạm"))
    edited.runs[0].text = "Không có vi phạm. Đã sửa"
    shown.save(str(docx_path))
    with pytest.raises(VerificationFailed, match="edited"):
        verify_file(docx_path, SIGNER.verifier)
    assert w.as_("leader_a", "GET", f"/inspection-cases/{case_id}/file",
                 params={"format": "docx"}).status_code == 403

    # The read side rebuilds to the same rows.
    incremental = canonical_dump(w.runtime.engine, w.runtime.read_model.tables())
    w.runtime.rebuild()
    rebuilt = canonical_dump(w.runtime.engine, w.runtime.read_model.tables())
    assert {k: v for k, v in rebuilt.items() if k.startswith("insp_")} == {
        k: v for k, v in incremental.items() if k.startswith("insp_")}
    assert ok(w.as_("inspector", "GET", f"/inspection-cases/{case_id}"))["status"] == "closed"


def test_a_case_from_a_description_and_bad_input(world: World) -> None:
    w = world
    before = w.head()
    # Neither a finding nor a description; an unknown finding; an unknown plan or unit.
    refused(w.as_("inspector", "POST", "/inspection-cases", json={"title": "Vụ"}),
            400, "missing_field")
    refused(w.as_("inspector", "POST", "/inspection-cases", json={
        "title": "Vụ", "finding_id": str(UUID(int=7))}), 404, "finding_not_found")
    refused(w.as_("inspector", "POST", "/inspection-cases", json={
        "title": "Vụ", "description": "Phản ánh", "plan_id": str(UUID(int=8))}),
        404, "plan_not_found")
    refused(w.as_("inspector", "POST", "/inspection-plans", json={
        "year": 2026, "title": "KH", "subjects": [{"kind": "unit"}],
        "decision": dec("1/KH", date(2026, 1, 1))}), 400, "missing_field")
    refused(w.as_("inspector", "POST", "/inspection-plans", json={
        "year": 2026, "title": "KH", "subjects": [{"kind": "unit", "unit_id": str(UUID(int=9))}],
        "decision": dec("1/KH", date(2026, 1, 1))}), 404, "unit_not_found")
    assert w.as_("inspector", "POST", "/inspection-plans", json={
        "year": 2026, "title": "KH", "subjects": [],
        "decision": dec("1/KH", date(2026, 1, 1))}).status_code == 422
    assert w.head() == before

    feedback = UUID(int=42)
    case = created(w.as_("admin", "POST", "/inspection-cases", json={
        "title": "Phản ánh về tuyển dụng", "description": "Phản ánh nội bộ số 3",
        "feedback_id": str(feedback), "unit_id": str(w.b)}))
    shown = ok(w.as_("inspector", "GET", f"/inspection-cases/{case['id']}"))
    assert (shown["source"], shown["feedback_id"], shown["unit_id"]) == (
        "description", str(feedback), str(w.b))
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/remedies", json={
        "action": "Rà soát", "deadline": "2026-12-31"}), 409, "case_not_concluded")
    created(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/conclusion", json={
        "text": "Không có vi phạm", "violation_found": False,
        "decision": dec("11-KL/UBKT", SUITE_DAY)}))
    before = w.head()
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/remedies", json={
        "action": "Rà soát", "deadline": "2026-12-31", "owner_unit_id": str(w.b),
        "owner_cadre_id": str(w.cadre)}), 400, "owner_required")
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/remedies", json={
        "action": "Rà soát", "deadline": "2026-01-01", "owner_unit_id": str(w.b)}),
        400, "date_too_early")
    refused(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/remedies/"
                     f"{UUID(int=1)}/closure", json={"result": "x"}), 404, "remedy_not_found")
    assert w.head() == before
    # The unconcluded-case rule for leaders: only concluded cases show, B's leader sees this one.
    assert [c["id"] for c in ok(w.as_("leader_b", "GET", "/inspection-cases"))["cases"]] == [
        case["id"]]
    created(w.as_("inspector", "POST", f"/inspection-cases/{case['id']}/closure",
                  json={"note": "Kết thúc"}))
