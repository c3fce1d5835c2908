"""Issue 16: training programmes are a catalogue. A training named by free text that matches a
programme's name is that programme (one report row); an unknown programme is refused naming the
field, until an administrator adds it. Through the API, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "programmes-admin-token"


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


def test_free_text_is_the_catalogue_programme_and_unknown_ones_are_refused(
        http: TestClient) -> None:
    catalogue = http.get("programmes").json()["programmes"]
    kinds = {p["code"]: p["kind"] for p in catalogue}
    assert kinds["llct_trung_cap"] == "llct" and kinds["qpan_doi_tuong_2"] == "qpan_2"
    assert kinds["boi_duong_lanh_dao"] == "chuc_danh"

    ids = [str(created(http.post("cadres", json={
        "full_name": name, "gender": "nam", "born_on": "1980-01-01"}))["id"])
        for name in ("Đỗ Văn Một", "Đỗ Văn Hai", "Đỗ Văn Ba")]
    texts = ["llct_trung_cap", "Trung cấp lý luận chính trị",
             "trung cap ly luan  chinh tri"]  # the code, the name, folded and spaced
    for cadre, text in zip(ids, texts, strict=True):
        created(http.post(f"cadres/{cadre}/trainings", json={
            "program": text, "started_on": "2024-03-01", "completed_on": "2024-09-30"}))
    report = http.get("reports/training", params={"from": "2024-01-01", "to": "2024-12-31"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["by_program"] == {"llct_trung_cap": 3}
    assert body["completed_by_program"] == {"llct_trung_cap": 3}

    refused = http.post(f"cadres/{ids[0]}/trainings", json={
        "program": "Bồi dưỡng kỹ năng chuyển đổi số", "started_on": "2025-03-01"})
    assert refused.status_code == 400, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("unknown_programme", "program")

    created(http.post("programmes", json={"code": "chuyen_doi_so",
                                          "name": "Bồi dưỡng kỹ năng chuyển đổi số",
                                          "kind": "khac"}))
    again = http.post("programmes", json={"code": "cds", "name": "BOI DUONG KY NANG CHUYEN DOI SO",
                                          "kind": "khac"})
    assert again.status_code == 409 and again.json()["field"] == "name", again.text
    bad_kind = http.post("programmes", json={"code": "x", "name": "X", "kind": "nope"})
    assert bad_kind.status_code == 422
    created(http.post(f"cadres/{ids[0]}/trainings", json={
        "program": "Bồi dưỡng kỹ năng chuyển đổi số", "started_on": "2025-03-01"}))
    report = http.get("reports/training", params={"from": "2025-01-01", "to": "2025-12-31"})
    assert report.json()["by_program"] == {"chuyen_doi_so": 1}
    # The record names the programme, built in or added, never its code.
    summaries = [e["summary"] for e in http.get(f"cadres/{ids[0]}/record").json()["entries"]
                 if e["type"] == "TrainingRecorded"]
    assert [s.split(":", 1)[1].split(",")[0].strip() for s in summaries] == [
        "Trung cấp lý luận chính trị", "Bồi dưỡng kỹ năng chuyển đổi số (đang học)"]
    added = [p for p in http.get("programmes").json()["programmes"] if not p["built_in"]]
    assert [(p["code"], p["kind"]) for p in added] == [("chuyen_doi_so", "khac")]
