"""Internal feedback (contract v1.1 "Internal feedback"), API and web, on SQLite and PostgreSQL.

The reporter is sealed (no plaintext in the store or any read-model table), seen only by
inspectors and admins and never when anonymous; the subject, their unit's officers and leaders
cannot list, read or infer a report; statuses move forward with deadlines; every read is in the
read audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, cast, inspect, select, text

from api.app import create_app
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore, token_hash
from infra.runtime import Runtime, open_runtime
from tests.e2e.conftest import module_store
from tests.e2e.test_web_matrix import Browser, call, sign_in

ADMIN = "feedback-admin-token"
SECRET = "Chủ tịch phường nhận quà của nhà thầu"


@dataclass
class Ward:
    runtime: Runtime
    client: TestClient
    unit: UUID
    subject: UUID  # the cadre reports are about
    reporter: UUID  # a cadre who files reports
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def file(self, who: str, **body: Any) -> dict[str, Any]:
        answer = self.client.post("/api/v1/feedback", headers=self.headers(who),
                                  json={"content": SECRET, "cadre_id": str(self.subject),
                                        **body})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def ward(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Ward]:
    with module_store(request, tmp_path_factory, "feedback", admin_token=ADMIN) as settings:
        runtime = open_runtime(settings)
        app = runtime.app
        unit = app.register_unit(RegisterUnit(
            code="LH", name="UBND phường Lãm Hà", kind="ubnd", established_on=date(2000, 1, 1)),
            recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="chu_tich", name="Chủ tịch UBND", is_head=True, management_tier="quan_uy",
            rank=50), recorded_by="setup")
        app.register_title(RegisterTitle(
            code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="quan_uy",
            rank=1), recorded_by="setup")
        subject = app.register_cadre(RegisterCadre(full_name="Vũ Văn Thầu", gender=Gender.NAM,
                                                   born_on=date(1970, 1, 1)),
                                     recorded_by="setup").id
        reporter = app.register_cadre(RegisterCadre(full_name="Lý Thị Báo", gender=Gender.NU,
                                                    born_on=date(1990, 1, 1)),
                                      recorded_by="setup").id
        qd = Decision("1/QĐ", date(2020, 1, 1), "UBND quận", "A")
        app.appoint(subject, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit, title_code="chu_tich",
                                     effective_on=date(2020, 1, 1), decision=qd),
                    recorded_by="setup")
        app.appoint(reporter, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                      title_code="chuyen_vien", effective_on=date(2020, 1, 1),
                                      decision=qd), recorded_by="setup")
        runtime.catch_up()
        access = AccessStore(runtime.engine, runtime.clock)
        tokens = {
            "admin": ADMIN,
            "inspector": access.create_token(name="uy_ban_kiem_tra", role="inspector"),
            # An inspector who is the subject (conflict of interest): sees nothing of it.
            "subject_inspector": access.create_token(name="kiem_tra_thau", role="inspector",
                                                     cadre_id=subject),
            "personnel": access.create_token(name="to_chuc_lam_ha", role="personnel",
                                             unit_id=unit),
            "leader": access.create_token(name="lanh_dao_lam_ha", role="leader", unit_id=unit),
            "subject": access.create_token(name="vu_van_thau", role="self", cadre_id=subject),
            "reporter": access.create_token(name="ly_thi_bao", role="self", cadre_id=reporter),
        }
        with TestClient(create_app(settings, runtime)) as client:
            yield Ward(runtime, client, unit, subject, reporter, tokens)
        runtime.close()


def test_the_reporter_is_seen_by_inspectors_only_and_never_when_anonymous(ward: Ward) -> None:
    named = ward.file("reporter")
    anonymous = ward.file("reporter", anonymous=True, decision_number="1/QĐ")
    assert re.fullmatch(r"PA(-[0-9A-Z]{5}){4}", named["receipt"])
    assert named["receipt"] != anonymous["receipt"]
    for who in ("inspector", "admin"):
        shown = ward.client.get(f"/api/v1/feedback/{named['id']}", headers=ward.headers(who))
        assert shown.status_code == 200
        body = shown.json()
        assert body["content"] == SECRET and body["status"] == "received"
        assert body["reporter"] == {"name": "ly_thi_bao", "role": "self", "unit_id": None,
                                    "cadre_id": str(ward.reporter)}
        hidden = ward.client.get(f"/api/v1/feedback/{anonymous['id']}",
                                 headers=ward.headers(who)).json()
        assert hidden["reporter"] is None and hidden["anonymous"] is True
        assert "ly_thi_bao" not in str(hidden) and str(ward.reporter) not in str(hidden)
        listed = ward.client.get("/api/v1/feedback", headers=ward.headers(who)).json()
        ids = [f["id"] for f in listed["feedback"]]
        assert named["id"] in ids and anonymous["id"] in ids


def test_the_subject_and_their_units_officers_cannot_list_read_or_infer(ward: Ward) -> None:
    filed = ward.file("reporter")
    unknown = str(UUID(int=12345))
    for who in ("subject", "personnel", "leader", "reporter"):
        for url in ("/api/v1/feedback", f"/api/v1/feedback/{filed['id']}",
                    f"/api/v1/feedback/{unknown}"):
            answer = ward.client.get(url, headers=ward.headers(who))
            # The same refusal for a report that exists and one that does not.
            assert answer.status_code == 403, (who, url)
            assert SECRET not in answer.text
        moved = ward.client.post(f"/api/v1/feedback/{filed['id']}/status",
                                 headers=ward.headers(who),
                                 json={"status": "assigned", "assignee": "X"})
        assert moved.status_code == 403
    # The subject's record, log lines and read audit say nothing of it.
    admin = ward.headers("admin")
    record = ward.client.get(f"/api/v1/cadres/{ward.subject}/record", headers=admin).text
    log = ward.client.get("/api/v1/audit/log", params={"cadre_id": str(ward.subject)},
                          headers=admin).json()["entries"]
    assert SECRET not in record and not [e for e in log if e["type"].startswith("Feedback")]
    reads = ward.client.get("/api/v1/audit/reads", params={"cadre_id": str(ward.subject)},
                            headers=admin).json()["reads"]
    assert not [r for r in reads if r["what"] == "feedback"]
    # An inspector who is the subject does not see it, as if it did not exist.
    conflicted = ward.headers("subject_inspector")
    assert ward.client.get(f"/api/v1/feedback/{filed['id']}",
                           headers=conflicted).status_code == 404
    listed = ward.client.get("/api/v1/feedback", headers=conflicted).json()["feedback"]
    assert filed["id"] not in [f["id"] for f in listed]
    assert ward.client.post(f"/api/v1/feedback/{filed['id']}/status", headers=conflicted,
                            json={"status": "assigned", "assignee": "X"}).status_code == 404


def test_nothing_identifying_is_stored_in_plaintext(ward: Ward) -> None:
    filed = ward.file("reporter", content="Nội dung rất riêng tư số 4471")
    ward.runtime.catch_up()
    engine = ward.runtime.engine
    needles = ("riêng tư số 4471", "ly_thi_bao")
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            if table in ("access_tokens", "access_reads", "personal_keys"):
                continue  # the token's own row; the audit names readers, not reporters
            columns = inspect(engine).get_columns(table)
            for column in columns:
                if str(column["type"]).upper().startswith(("BYTEA", "BLOB", "LARGEBINARY")):
                    for (value,) in conn.execute(text(f'SELECT "{column["name"]}" FROM '
                                                      f'"{table}"')):
                        if value is not None:
                            for needle in needles:
                                assert needle.encode() not in bytes(value), (table, needle)
                    continue
                hits = conn.execute(select(text("1")).select_from(text(f'"{table}"')).where(
                    cast(text(f'"{column["name"]}"'), String).contains(needles[0], autoescape=True)
                    | cast(text(f'"{column["name"]}"'), String).contains(needles[1], autoescape=True))).first()
                assert hits is None, (table, column["name"])
    # The filing's log line names no one.
    (line,) = [e for e in ward.runtime.read_model.audit_log(limit=5000)
               if e["originator_id"] == UUID(filed["id"])]
    assert line["recorded_by"] == "phan_anh_noi_bo" and line["cadre_id"] is None


def test_statuses_move_forward_with_deadlines_and_the_receipt_shows_them(ward: Ward) -> None:
    filed = ward.file("reporter")
    today = ward.runtime.clock.today()
    inspector = ward.headers("inspector")
    url = f"/api/v1/feedback/{filed['id']}/status"
    receipt_url = f"/api/v1/feedback/receipts/{filed['receipt']}"
    first = ward.client.get(receipt_url, headers=ward.headers("reporter")).json()
    assert first["status"] == "received"
    assert first["deadline"] == (today + timedelta(days=10)).isoformat()
    assert ward.client.post(url, headers=inspector, json={"status": "assigned"}).json()[
        "code"] == "missing_field"
    assigned = ward.client.post(url, headers=inspector,
                                json={"status": "assigned", "assignee": "Tổ kiểm tra 2"})
    assert assigned.status_code == 201 and assigned.json()["status"] == "assigned"
    back = ward.client.post(url, headers=inspector, json={"status": "received"})
    assert back.status_code == 400 and back.json()["code"] == "invalid_transition"
    late = (today + timedelta(days=90)).isoformat()
    too_late = ward.client.post(url, headers=inspector,
                                json={"status": "under_verification", "deadline": late})
    assert too_late.status_code == 400 and too_late.json()["code"] == "invalid_deadline"
    extended = (today + timedelta(days=45)).isoformat()
    verifying = ward.client.post(url, headers=inspector,
                                 json={"status": "under_verification", "deadline": extended})
    assert verifying.json()["deadline"] == extended
    assert ward.client.post(url, headers=inspector, json={"status": "concluded"}).json()[
        "code"] == "missing_field"
    unknown_finding = ward.client.post(url, headers=inspector, json={
        "status": "concluded", "note": "Đúng một phần", "finding_ids": [str(UUID(int=9))]})
    assert unknown_finding.status_code == 404
    assert unknown_finding.json()["code"] == "finding_not_found"
    concluded = ward.client.post(url, headers=inspector, json={
        "status": "concluded", "note": "Phản ánh đúng một phần", "case_ref": "VV-2026-3"})
    assert concluded.status_code == 201 and concluded.json()["deadline"] is None
    again = ward.client.post(url, headers=inspector,
                             json={"status": "concluded", "note": "Lần nữa"})
    assert again.status_code == 409 and again.json()["code"] == "feedback_concluded"
    # The receipt holder (any valid token) sees the steps and no content, subject or reporter.
    seen = ward.client.get(receipt_url, headers=ward.headers("personnel"))
    assert seen.status_code == 200
    assert [s["status"] for s in seen.json()["steps"]] == [
        "received", "assigned", "under_verification", "concluded"]
    for secret in (SECRET, "ly_thi_bao", str(ward.subject), "Tổ kiểm tra", "đúng một phần"):
        assert secret not in seen.text
    detail = ward.client.get(f"/api/v1/feedback/{filed['id']}", headers=inspector).json()
    assert detail["steps"][-1]["note"] == "Phản ánh đúng một phần"
    assert detail["steps"][-1]["case_ref"] == "VV-2026-3"
    wrong = ward.client.get("/api/v1/feedback/receipts/PA-00000-00000-00000-00000",
                            headers=inspector)
    assert wrong.status_code == 404
    assert ward.client.get(receipt_url).status_code == 401


def test_bad_input_names_the_field_and_appends_nothing(ward: Ward) -> None:
    head = ward.runtime.read_model.applied_position()
    h = ward.headers("reporter")
    assert ward.client.post("/api/v1/feedback", headers=h, json={"content": " "}
                            ).status_code == 422
    missing = ward.client.post("/api/v1/feedback", headers=h,
                               json={"content": "x", "cadre_id": str(UUID(int=3))})
    assert missing.status_code == 404 and missing.json()["code"] == "cadre_not_found"
    unknown_unit = ward.client.post("/api/v1/feedback", headers=h,
                                    json={"content": "x", "unit_id": str(UUID(int=4))})
    assert unknown_unit.json()["field"] == "unit_id"
    ward.runtime.catch_up()
    assert ward.runtime.read_model.applied_position() == head


def test_every_read_of_a_report_is_audited(ward: Ward) -> None:
    filed = ward.file("reporter")
    access = AccessStore(ward.runtime.engine, ward.runtime.clock)
    subject = UUID(filed["id"])
    before = access.reads(cadre_id=subject)
    ward.client.get(f"/api/v1/feedback/{filed['id']}", headers=ward.headers("inspector"))
    ward.client.get("/api/v1/feedback", headers=ward.headers("admin"))
    ward.client.get(f"/api/v1/feedback/receipts/{filed['receipt']}",
                    headers=ward.headers("reporter"))
    after = access.reads(cadre_id=subject)
    assert len(after) == len(before) + 3
    assert {(r.reader, r.what) for r in after[:3]} == {
        ("uy_ban_kiem_tra", "feedback"), ("admin", "feedback"), ("receipt_holder", "feedback")}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_web_screens_file_look_up_and_move_a_report(ward: Ward) -> None:
    client = ward.client
    reporter: Browser = sign_in(client, ward.tokens["reporter"])
    form = call(client, reporter, "GET", "/phan-anh", None, {"cadre_id": str(ward.subject)})
    assert form.status_code == 200 and 'name="content"' in form.text
    assert f'value="{ward.subject}"' in form.text  # a link may name the subject
    assert f'<option value="{ward.unit}">' in form.text
    filed = call(client, reporter, "POST", "/phan-anh",
                 {"content": "Phản ánh qua giao diện web", "anonymous": "1",
                  "cadre_id": str(ward.subject), "unit_id": str(ward.unit)}, None)
    assert filed.status_code == 200
    receipt = re.search(r"PA(-[0-9A-Z]{5}){4}", filed.text)
    assert receipt is not None
    looked = call(client, reporter, "POST", "/phan-anh/tra-cuu", {"receipt": receipt.group(0)},
                  None)
    assert looked.status_code == 200 and "Đã tiếp nhận" in looked.text
    assert "Phản ánh qua giao diện web" not in looked.text
    assert call(client, reporter, "GET", "/phan-anh/danh-sach", None, None).status_code == 403
    bad = call(client, reporter, "POST", "/phan-anh/tra-cuu", {"receipt": "xyz"}, None)
    assert bad.status_code == 400

    inspector = sign_in(client, ward.tokens["inspector"])
    listing = call(client, inspector, "GET", "/phan-anh/danh-sach", None, None)
    assert listing.status_code == 200 and "Ẩn danh" in listing.text
    assert "Vũ Văn Thầu" in listing.text  # the subject's name, for the inspector
    link = re.findall(r'href="/phan-anh/([0-9a-f-]{36})"', listing.text)
    assert link
    item = call(client, inspector, "GET", f"/phan-anh/{link[0]}", None, None)
    assert item.status_code == 200 and "Phản ánh qua giao diện web" in item.text
    assert "UBND phường Lãm Hà" in item.text
    assert "ly_thi_bao" not in item.text
    moved = call(client, inspector, "POST", f"/phan-anh/{link[0]}/trang-thai",
                 {"status": "assigned", "assignee": "Tổ kiểm tra 3"}, None)
    assert moved.status_code == 303
    after = call(client, inspector, "GET", moved.headers["location"], None, None)
    assert "Đã giao xử lý" in after.text and "Tổ kiểm tra 3" in after.text
    refused = call(client, inspector, "POST", f"/phan-anh/{link[0]}/trang-thai",
                   {"status": "received"}, None)
    assert refused.status_code == 400
    stale = call(client, Browser(inspector.cookie, "stale"), "POST",
                 f"/phan-anh/{link[0]}/trang-thai", {"status": "concluded", "note": "x"}, None)
    assert stale.status_code == 400
    subject = sign_in(client, ward.tokens["subject_inspector"])
    assert link[0] not in call(client, subject, "GET", "/phan-anh/danh-sach", None, None).text
    assert call(client, subject, "GET", f"/phan-anh/{link[0]}", None, None).status_code == 404


def test_a_retried_filing_replays_its_receipt_but_the_store_cannot_link_it(ward: Ward) -> None:
    key = {"Idempotency-Key": "phan-anh-lan-1"}
    body = {"content": "Nội dung gửi lại khi mất mạng 8812", "cadre_id": str(ward.subject)}
    first = ward.client.post("/api/v1/feedback", headers={**ward.headers("reporter"), **key},
                             json=body)
    again = ward.client.post("/api/v1/feedback", headers={**ward.headers("reporter"), **key},
                             json=body)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    # The kept row is not under the reporter's token hash, and its answer is sealed.
    with ward.runtime.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM idempotency_keys")).mappings().all()
    receipt = first.json()["receipt"]
    mine = token_hash(ward.tokens["reporter"])
    assert rows
    for row in rows:
        for value in row.values():
            shown = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for needle in (mine, receipt, first.json()["id"]):
                assert needle.encode() not in shown, needle
