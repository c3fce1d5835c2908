"""Self-service corrections (issue 17 part 8), API and web, on SQLite and PostgreSQL, with the
pinned clock: a cadre asks, a personnel officer in scope records the correction or refuses it;
the request and the answer are in the log, what they wrote is sealed, every read is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, cast, select, text

from api.app import create_app
from api.services.correction_requests import identity_position
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.correction_requests import Attachment, RequestCorrection
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore
from infra.runtime import Runtime, open_runtime
from projections.runner import canonical_dump
from tests.conftest import SUITE_DAY
from tests.e2e.conftest import module_store
from tests.e2e.test_web_matrix import call, sign_in

ADMIN = "corrections-admin-token"
WHAT = "Ngày sinh ghi sai: 01/01/1980, đúng là 21/03/1980"


@dataclass
class Ward:
    runtime: Runtime
    client: TestClient
    unit: UUID
    other_unit: UUID
    cadre: UUID  # asks for corrections of their own record
    outsider: UUID  # holds a post in the other unit
    appointment: int  # the cadre's appointment entry
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def ask(self, target: int | str = "identity", who: str = "cadre",
            **body: Any) -> dict[str, Any]:
        answer = self.client.post(
            f"/api/v1/cadres/{self.cadre}/correction-requests", headers=self.headers(who),
            json={"target": target, "what": WHAT, "reason": "Theo giấy khai sinh",
                  "attachment": {"title": "Bản sao giấy khai sinh", "number": "12/GKS"},
                  **body})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def ward(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Ward]:
    with module_store(request, tmp_path_factory, "corrections", admin_token=ADMIN) as settings:
        runtime = open_runtime(settings)
        app = runtime.app
        unit = app.register_unit(RegisterUnit(
            code="LH", name="UBND phường Lãm Hà", kind="ubnd", established_on=date(2000, 1, 1)),
            recorded_by="setup").id
        other = app.register_unit(RegisterUnit(
            code="DH", name="UBND phường Đồng Hòa", kind="ubnd", established_on=date(2000, 1, 1)),
            recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="quan_uy",
            rank=1), recorded_by="setup")
        cadre = app.register_cadre(RegisterCadre(full_name="Lý Thị Đào", gender=Gender.NU,
                                                 born_on=date(1980, 1, 1)), recorded_by="setup").id
        outsider = app.register_cadre(RegisterCadre(full_name="Vũ Văn Ngoài", gender=Gender.NAM,
                                                    born_on=date(1975, 5, 5)),
                                      recorded_by="setup").id
        qd = Decision("1/QĐ", date(2020, 1, 1), "UBND quận", "A")
        appointment = app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                                 title_code="chuyen_vien",
                                                 effective_on=date(2020, 1, 1), decision=qd),
                                  recorded_by="setup").entry_position
        app.appoint(outsider, Appoint(kind=ActionKind.BO_NHIEM, unit_id=other,
                                      title_code="chuyen_vien", effective_on=date(2020, 1, 1),
                                      decision=qd), recorded_by="setup")
        runtime.catch_up()
        access = AccessStore(runtime.engine, runtime.clock)
        tokens = {
            "admin": ADMIN,
            "cadre": access.create_token(name="ly_thi_dao", role="self", cadre_id=cadre),
            "outsider": access.create_token(name="vu_van_ngoai", role="self",
                                            cadre_id=outsider),
            "personnel": access.create_token(name="to_chuc_lam_ha", role="personnel",
                                             unit_id=unit),
            "other_personnel": access.create_token(name="to_chuc_dong_hoa", role="personnel",
                                                   unit_id=other),
            # An officer of the unit who is the requester: never answers their own request.
            "own_personnel": access.create_token(name="dao_to_chuc", role="personnel",
                                                 unit_id=unit, cadre_id=cadre),
            "inspector": access.create_token(name="uy_ban_kiem_tra", role="inspector"),
            "leader": access.create_token(name="lanh_dao_lam_ha", role="leader", unit_id=unit),
        }
        with TestClient(create_app(settings, runtime)) as client:
            yield Ward(runtime, client, unit, other, cadre, outsider, appointment, tokens)
        runtime.close()


def test_an_accepted_identity_request_records_the_correction_with_the_answer(ward: Ward) -> None:
    proposal = {"full_name": "Lý Thị Đào", "gender": "nu", "born_on": "1980-03-21"}
    asked = ward.ask(replacement=proposal)
    assert asked["status"] == "pending"
    queue = ward.client.get("/api/v1/correction-requests", params={"status": "pending"},
                            headers=ward.headers("personnel")).json()
    item = next(r for r in queue["correction_requests"] if r["id"] == asked["id"])
    assert item["identity"] is True and item["target_type"] == "Registered"
    assert item["what"] == WHAT and item["attachment"] == {"title": "Bản sao giấy khai sinh",
                                                           "number": "12/GKS"}
    assert item["replacement"]["born_on"] == "1980-03-21"
    assert item["requested_on"] == SUITE_DAY.isoformat()
    # Out of scope: the other ward's officer sees neither the item nor the request.
    other = ward.client.get("/api/v1/correction-requests",
                            headers=ward.headers("other_personnel")).json()
    assert asked["id"] not in [r["id"] for r in other["correction_requests"]]
    assert ward.client.get(f"/api/v1/correction-requests/{asked['id']}",
                           headers=ward.headers("other_personnel")).status_code == 403
    refused = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                               headers=ward.headers("own_personnel"),
                               json={"outcome": "accepted", "reason": "x",
                                     "use_proposal": True})
    assert refused.status_code == 403

    done = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                            headers=ward.headers("personnel"),
                            json={"outcome": "accepted", "reason": "Theo giấy khai sinh",
                                  "use_proposal": True})
    assert done.status_code == 201, done.text
    answer = done.json()
    assert answer["status"] == "accepted" and answer["correction_position"] < answer["position"]
    profile = ward.client.get(f"/api/v1/cadres/{ward.cadre}",
                              headers=ward.headers("cadre")).json()
    assert profile["born_on"] == "1980-03-21"
    shown = ward.client.get(f"/api/v1/correction-requests/{asked['id']}",
                            headers=ward.headers("cadre")).json()
    assert shown["status"] == "accepted" and shown["how"] == "corrected"
    assert shown["correction_position"] == answer["correction_position"]
    assert shown["answered_by"] == "to_chuc_lam_ha"
    record = ward.client.get(f"/api/v1/cadres/{ward.cadre}/record",
                             headers=ward.headers("cadre")).json()
    corrected = next(e for e in record["entries"]
                     if e["position"] == answer["correction_position"])
    assert corrected["type"] == "Corrected"
    again = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                             headers=ward.headers("personnel"),
                             json={"outcome": "refused", "reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "request_already_answered"
    # The next identity request targets the correction now in force.
    later = ward.ask()
    row = ward.client.get(f"/api/v1/correction-requests/{later['id']}",
                          headers=ward.headers("admin")).json()
    assert row["target_position"] == answer["correction_position"]


def test_a_refusal_needs_a_reason_and_changes_nothing(ward: Ward) -> None:
    asked = ward.ask(ward.appointment, what="Ngày bổ nhiệm là 02/01/2020")
    head = ward.runtime.app.recorder.max_notification_id()
    empty = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                             headers=ward.headers("personnel"),
                             json={"outcome": "refused", "reason": ""})
    assert empty.status_code == 422
    assert ward.runtime.app.recorder.max_notification_id() == head
    done = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                            headers=ward.headers("personnel"),
                            json={"outcome": "refused", "reason": "Quyết định ghi đúng ngày"})
    assert done.status_code == 201 and done.json()["status"] == "refused"
    mine = ward.client.get("/api/v1/correction-requests", params={"status": "refused"},
                           headers=ward.headers("cadre")).json()["correction_requests"]
    item = next(r for r in mine if r["id"] == asked["id"])
    assert item["answer_reason"] == "Quyết định ghi đúng ngày"
    assert item["correction_position"] is None
    record = ward.client.get(f"/api/v1/cadres/{ward.cadre}/record",
                             headers=ward.headers("cadre")).json()
    entry = next(e for e in record["entries"] if e["position"] == ward.appointment)
    assert entry["status"] == "in_force"


def test_who_may_ask_and_what_is_refused(ward: Ward) -> None:
    body = {"target": "identity", "what": WHAT, "reason": "r", "attachment": {"title": "t"}}
    for who in ("outsider", "personnel", "admin", "inspector", "leader"):
        answer = ward.client.post(f"/api/v1/cadres/{ward.cadre}/correction-requests",
                                  headers=ward.headers(who), json=body)
        assert answer.status_code == 403, who
    own = f"/api/v1/cadres/{ward.cadre}/correction-requests"
    unknown = ward.client.post(own, headers=ward.headers("cadre"), json={**body, "target": 1})
    assert unknown.status_code == 404 and unknown.json()["code"] == "position_not_found"
    shape = ward.client.post(own, headers=ward.headers("cadre"),
                             json={**body, "replacement": {"born_on": "1980-13-01"}})
    assert shape.status_code == 422
    assert shape.json()["field"].startswith("replacement")
    no_attachment = ward.client.post(own, headers=ward.headers("cadre"),
                                     json={**body, "attachment": {"title": ""}})
    assert no_attachment.status_code == 422
    asked = ward.ask()
    for who in ("outsider", "inspector", "leader"):
        assert ward.client.get(f"/api/v1/correction-requests/{asked['id']}",
                               headers=ward.headers(who)).status_code == 403, who
    # Accepting without a replacement retracts; the identity cannot be retracted.
    retract = ward.client.post(f"/api/v1/correction-requests/{asked['id']}/answer",
                               headers=ward.headers("personnel"),
                               json={"outcome": "accepted", "reason": "r"})
    assert retract.status_code == 400 and retract.json()["code"] == "not_retractable"


def test_what_they_wrote_is_sealed_and_every_read_is_audited(ward: Ward) -> None:
    secret = "Tên cha ghi sai: Lý Văn Bí Mật"
    asked = ward.ask(what=secret)
    ward.client.get(f"/api/v1/correction-requests/{asked['id']}",
                    headers=ward.headers("personnel"))
    runtime = ward.runtime
    with runtime.engine.connect() as conn:
        tables = [name for (name,) in conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema()" if runtime.engine.dialect.name == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'table'"))]
        for name in tables:
            table = runtime.read_model.tables().metadata.tables.get(name)
            if table is None:
                continue
            for column in table.c:
                found = conn.execute(select(column).where(
                    cast(column, String).contains("Bí Mật"))).first()
                assert found is None, (name, column.name)
    access = AccessStore(runtime.engine, runtime.clock)
    reads = access.reads(cadre_id=ward.cadre)
    assert any(r.what == "correction" and r.reader == "to_chuc_lam_ha" for r in reads)


def test_on_the_web_the_cadre_asks_and_the_officer_answers(ward: Ward) -> None:
    client = ward.client
    cadre = sign_in(client, ward.tokens["cadre"])
    own = call(client, cadre, "GET", f"/can-bo/{ward.cadre}", None, None)
    assert own.status_code == 200 and "Gửi đề nghị đính chính" in own.text
    asked = call(client, cadre, "POST", f"/can-bo/{ward.cadre}/de-nghi-dinh-chinh", {
        "target": str(ward.appointment), "what": "Đơn vị ghi sai tên",
        "reason": "Theo quyết định gốc", "attachment_title": "Quyết định 1/QĐ",
        "attachment_number": "1/QĐ", "replacement": ""}, None)
    assert asked.status_code == 303, asked.text
    request_id = asked.headers["location"].split("de_nghi=")[1].split("#")[0]
    listed = call(client, cadre, "GET", f"/can-bo/{ward.cadre}", None, None)
    assert "Đơn vị ghi sai tên" in listed.text and "Chờ xử lý" in listed.text
    # Another cadre's page has no form; an officer's view of the cadre has none either.
    officer = sign_in(client, ward.tokens["personnel"])
    shown = call(client, officer, "GET", f"/can-bo/{ward.cadre}", None, None)
    assert "Gửi đề nghị đính chính" not in shown.text
    queue = call(client, officer, "GET", "/de-nghi-dinh-chinh", None, None)
    assert queue.status_code == 200 and f"/de-nghi-dinh-chinh/{request_id}" in queue.text
    other = sign_in(client, ward.tokens["other_personnel"])
    assert f"/de-nghi-dinh-chinh/{request_id}" not in call(
        client, other, "GET", "/de-nghi-dinh-chinh", None, None).text
    item = call(client, officer, "GET", f"/de-nghi-dinh-chinh/{request_id}", None, None)
    assert item.status_code == 200 and "Quyết định 1/QĐ" in item.text and "Trả lời" in item.text
    bad = call(client, officer, "POST", f"/de-nghi-dinh-chinh/{request_id}/tra-loi",
               {"outcome": "accepted", "reason": "x", "replacement": "{not json"}, None)
    assert bad.status_code == 400
    replacement = json.dumps({
        "kind": "bo_nhiem", "unit_id": str(ward.unit), "title_code": "chuyen_vien",
        "effective_on": "2020-01-02", "decision": {"number": "1/QĐ", "signed_on": "2020-01-01",
                                                   "issuer": "UBND quận", "signer": "A"}})
    done = call(client, officer, "POST", f"/de-nghi-dinh-chinh/{request_id}/tra-loi",
                {"outcome": "accepted", "reason": "Đối chiếu quyết định",
                 "replacement": replacement}, None)
    assert done.status_code == 303, done.text
    answered = call(client, officer, "GET", done.headers["location"], None, None)
    assert "Đã đính chính" in answered.text and "Mục đính chính" in answered.text
    back = call(client, cadre, "GET", f"/can-bo/{ward.cadre}", None, None)
    assert "Đã đính chính" in back.text


def test_a_rebuild_gives_the_rows_the_batches_wrote(ward: Ward) -> None:
    ward.runtime.catch_up()
    model = ward.runtime.read_model
    incremental = canonical_dump(ward.runtime.engine, model.tables())
    assert incremental["correction_requests"] and incremental["correction_answers"]
    ward.runtime.rebuild()
    assert canonical_dump(ward.runtime.engine, model.tables()) == incremental


def test_erasing_the_cadre_shreds_what_their_requests_say(ward: Ward) -> None:
    """Runs last in this module: it erases the other ward's cadre."""
    asked = ward.runtime.app.request_correction(RequestCorrection(
        cadre_id=ward.outsider, target_position=identity_position(ward.runtime, ward.outsider),
        target_type="Registered",
        identity=True, what="Quê quán ghi sai: Tiên Lãng", reason="Theo căn cước",
        attachment=Attachment("Căn cước công dân"), requested_by="vu_van_ngoai"))
    ward.runtime.catch_up()
    admin = ward.headers("admin")
    before = ward.client.get(f"/api/v1/correction-requests/{asked.id}", headers=admin).json()
    assert before["what"] == "Quê quán ghi sai: Tiên Lãng"
    erased = ward.client.post(f"/api/v1/cadres/{ward.outsider}/erasure", headers=admin,
                              json={"reason": "Yêu cầu xóa dữ liệu"})
    assert erased.status_code == 201, erased.text
    after = ward.client.get(f"/api/v1/correction-requests/{asked.id}", headers=admin).json()
    assert after["what"] == "" and after["reason"] == "" and after["attachment"]["title"] == ""
    assert after["status"] == "pending"
