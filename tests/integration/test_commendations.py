"""Commendations (khen thưởng; contract v1.1, issue 17 part 3): recorded with their form, level
and decision, shown in the profile, the record and item 21 of the 2C CV, corrected like any
entry, and refused with the field named when wrong."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient

from api.app import create_app
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import SUITE_DAY

ADMIN = {"Authorization": "Bearer khen-admin"}
DECISION = {"number": "215/QĐ-UBND", "signed_on": "2025-01-15",
            "issuer": "UBND thành phố Hải Phòng", "signer": "Nguyễn Văn Tùng"}


@pytest.fixture
def world(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime, str]]:
    settings = store_settings.model_copy(update={"admin_token": "khen-admin"})
    rt = open_runtime(settings, clock=PinnedClock.on(SUITE_DAY))
    with TestClient(create_app(settings, rt)) as client:
        cadre = client.post("/api/v1/cadres", headers=ADMIN, json={
            "full_name": "Vũ Thị Mai", "gender": "nu", "born_on": "1983-03-08"})
        assert cadre.status_code == 201, cadre.text
        yield client, rt, str(cadre.json()["id"])
    rt.close()


def commend(client: TestClient, cadre_id: str, **body: Any) -> Any:
    body = {"form": "bang_khen", "level": "cap_tinh", "decided_on": "2025-01-20",
            "decision": DECISION, "reason": "Hoàn thành xuất sắc nhiệm vụ năm 2024", **body}
    return client.post(f"/api/v1/cadres/{cadre_id}/commendations", headers=ADMIN, json=body)


def test_a_commendation_shows_in_the_profile_the_record_and_the_cv(
        world: tuple[TestClient, Runtime, str]) -> None:
    client, _, cadre = world
    answer = commend(client, cadre)
    assert answer.status_code == 201, answer.text
    profile = client.get(f"/api/v1/cadres/{cadre}", headers=ADMIN).json()
    (shown,) = profile["commendations"]
    assert (shown["code"], shown["level"], shown["effective_on"]) == (
        "bang_khen", "cap_tinh", "2025-01-20")
    assert shown["decision"]["issuer"] == "UBND thành phố Hải Phòng"
    record = client.get(f"/api/v1/cadres/{cadre}/record", headers=ADMIN).json()["entries"]
    (entry,) = [e for e in record if e["type"] == "Commended"]
    assert entry["summary"].startswith("Khen thưởng: Bằng khen")
    assert entry["decision"]["number"] == "215/QĐ-UBND"
    cv = client.get(f"/api/v1/cadres/{cadre}/cv", headers=ADMIN)
    assert cv.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(cv.content)).paragraphs)
    (item,) = [line for line in text.splitlines() if line.startswith("21)")]
    assert "Bằng khen (cấp tỉnh)" in item and "20/1/2025" in item


def test_a_commendation_is_corrected_and_retracted_like_any_entry(
        world: tuple[TestClient, Runtime, str]) -> None:
    client, _, cadre = world
    position = commend(client, cadre).json()["entry_position"]
    corrected = client.post(f"/api/v1/cadres/{cadre}/corrections", headers=ADMIN, json={
        "target_position": position, "reason": "Sai hình thức",
        "replacement": {"form": "giay_khen", "level": "cap_huyen", "decided_on": "2025-01-20",
                        "decision": {**DECISION, "issuer": "UBND quận Kiến An"}}})
    assert corrected.status_code == 201, corrected.text
    (shown,) = client.get(f"/api/v1/cadres/{cadre}", headers=ADMIN).json()["commendations"]
    assert (shown["code"], shown["decision"]["issuer"]) == ("giay_khen", "UBND quận Kiến An")
    retracted = client.post(f"/api/v1/cadres/{cadre}/corrections", headers=ADMIN, json={
        "target_position": corrected.json()["entry_position"], "reason": "Ghi nhầm người"})
    assert retracted.status_code == 201, retracted.text
    assert client.get(f"/api/v1/cadres/{cadre}", headers=ADMIN).json()["commendations"] == []


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"form": "bang_khen_to"}, 422, "form"),
    ({"level": "cap_xa"}, 422, "level"),
    ({"decided_on": "2027-01-01"}, 400, "decided_on"),
    ({"decision": {**DECISION, "signed_on": "2025-02-01"}}, 400, "decision.signed_on"),
    ({"decision": None}, 422, "decision"),
], ids=["unknown_form", "unknown_level", "future", "signed_after", "no_decision"])
def test_a_wrong_commendation_is_refused_naming_the_field(
        world: tuple[TestClient, Runtime, str], change: dict[str, Any], status: int,
        field: str) -> None:
    client, rt, cadre = world
    head = rt.log.head()
    answer = commend(client, cadre, **change)
    assert answer.status_code == status, answer.text
    body = answer.json()
    fields = [e["field"] for e in body.get("errors", [])] or [body.get("field")]
    assert field in fields, body
    assert rt.log.head() == head
