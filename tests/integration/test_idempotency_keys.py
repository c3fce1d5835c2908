"""Idempotency-Key over HTTP (contract v1.1, "Requests"), on both stores: the same key with the
same body answers the same status and body and appends nothing; another body is 409
`idempotency_key_reused`; keys belong to the token that sent them; a bad key is refused naming
the header; the multipart import is covered; failures are not kept."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api import idempotency as idempotency_middleware
from api.app import create_app
from infra.access import AccessStore, token_hash
from infra.clock import PinnedClock
from infra.idempotency import (
    Claimed,
    IdempotencyKeyReused,
    IdempotencyStore,
    InFlight,
    StoredAnswer,
    request_digest,
)
from infra.importing import SHEET_CADRES, XLSX_MEDIA_TYPE
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ADMIN = "idempotency-admin-token"


@pytest.fixture
def service(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    settings = store_settings.model_copy(update={"admin_token": ADMIN})
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        yield client, rt
    rt.close()


def head_of(rt: Runtime) -> int:
    """The log's head position (what "appends nothing" is measured by)."""
    head = rt.log.head()
    return head[0] if head else 0


def cadre(name: str = "Nguyễn Văn Lặp") -> dict[str, Any]:
    return {"full_name": name, "gender": "nam", "born_on": "1980-01-01", "ethnicity": "Kinh"}


def test_same_key_same_body_replays_and_appends_nothing(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    first = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    head = head_of(rt)
    for _ in range(3):
        again = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": "k-1"})
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["content-type"] == first.headers["content-type"]
        assert again.headers["idempotent-replayed"] == "true"
    assert head_of(rt) == head
    # Without a key, or with another one, the same body is a new registration.
    assert client.post("/api/v1/cadres", json=cadre()).json()["id"] != first.json()["id"]
    other = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert head_of(rt) > head


def test_same_key_other_body_is_refused(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    assert client.post("/api/v1/cadres", json=cadre(),
                       headers={"Idempotency-Key": "k"}).status_code == 201
    head = head_of(rt)
    for body, path in ((cadre("Trần Thị Khác"), "/api/v1/cadres"),
                       (cadre(), "/api/v1/units")):
        r = client.post(path, json=body, headers={"Idempotency-Key": "k"})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "idempotency_key_reused"
        assert r.json()["field"] == "Idempotency-Key"
    assert head_of(rt) == head


def test_keys_belong_to_their_token(service: tuple[TestClient, Runtime],
                                    store_settings: Settings) -> None:
    client, rt = service
    other = AccessStore(rt.engine, rt.clock).create_token(name="Người khác", role="admin")
    mine = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": "shared"})
    theirs = client.post("/api/v1/cadres", json=cadre(), headers={
        "Idempotency-Key": "shared", "Authorization": f"Bearer {other}"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    # Another body under the other token is that token's own business: no conflict with mine.
    third = client.post("/api/v1/cadres", json=cadre("Lê Văn Ba"), headers={
        "Idempotency-Key": "shared-2", "Authorization": f"Bearer {other}"})
    assert third.status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_bad_key_is_refused_naming_the_header(service: tuple[TestClient, Runtime],
                                              key: str) -> None:
    client, rt = service
    head = head_of(rt)
    r = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": key})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "idempotency_key_invalid"
    assert r.json()["field"] == "Idempotency-Key"
    assert head_of(rt) == head
    assert client.post("/api/v1/cadres", json=cadre(),
                       headers={"Idempotency-Key": "x" * 255}).status_code == 201


def test_refusals_are_kept_failures_of_the_caller_are_not(
        service: tuple[TestClient, Runtime]) -> None:
    client, _rt = service
    bad = {"full_name": "", "gender": "nam", "born_on": "1980-01-01"}
    first = client.post("/api/v1/cadres", json=bad, headers={"Idempotency-Key": "r"})
    assert first.status_code in (400, 422)
    again = client.post("/api/v1/cadres", json=bad, headers={"Idempotency-Key": "r"})
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    # An unknown token: 401, not kept (the key is not that caller's to spend).
    stranger = {"Idempotency-Key": "s", "Authorization": "Bearer no-such-token"}
    assert client.post("/api/v1/cadres", json=cadre(), headers=stranger).status_code == 401
    assert client.post("/api/v1/cadres", json=cadre(), headers={
        "Idempotency-Key": "s"}).status_code == 201


def _workbook() -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET_CADRES
    ws.append(["Họ và tên", "Giới tính", "Ngày sinh"])
    ws.append(["Phạm Văn Nhập", "Nam", "02/05/1980"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_multipart_import_replays(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    data = _workbook()

    def upload() -> Any:
        # TestClient (httpx) draws a new multipart boundary for each request, as a real
        # client's retry does: the digest ignores it.
        return client.post("/api/v1/imports", files={"file": ("ds.xlsx", data, XLSX_MEDIA_TYPE)},
                           headers={"Idempotency-Key": "import-1"})

    first = upload()
    assert first.status_code == 201, first.text
    head = head_of(rt)
    again = upload()
    assert (again.status_code, again.json()) == (201, first.json())
    assert head_of(rt) == head
    other = client.post("/api/v1/imports", files={"file": ("ds.xlsx", data + b"x",
                                                           XLSX_MEDIA_TYPE)},
                        headers={"Idempotency-Key": "import-1"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_concurrent_requests_with_one_key_run_once(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    head = head_of(rt)
    answers: list[tuple[int, Any]] = []

    def send() -> None:
        r = client.post("/api/v1/cadres", json=cadre(), headers={"Idempotency-Key": "race"})
        answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert head_of(rt) > head


def test_store_in_flight_reused_and_released(store_settings: Settings) -> None:
    rt = open_runtime(store_settings, clock=PinnedClock.on(TODAY))
    try:
        store = IdempotencyStore(rt.engine, rt.clock)
        digest = request_digest("POST", "/p", "", "application/json", b"{}")
        assert isinstance(store.claim("t", "k", digest), Claimed)
        assert isinstance(store.claim("t", "k", digest), InFlight)
        store.release("t", "k")
        assert isinstance(store.claim("t", "k", digest), Claimed)
        store.complete("t", "k", StoredAnswer(201, [("content-type", "application/json")],
                                              b'{"id": 1}'))
        replay = store.claim("t", "k", digest)
        assert replay == StoredAnswer(201, [("content-type", "application/json")], b'{"id": 1}')
        other = request_digest("POST", "/p", "", "application/json", b"{ }")
        with pytest.raises(IdempotencyKeyReused):
            store.claim("t", "k", other)
        assert isinstance(store.claim("u", "k", other), Claimed)
    finally:
        rt.close()


def test_a_web_form_is_keyed_by_its_session(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    client.headers.pop("Authorization")
    form = client.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    assert client.post("/dang-nhap", data={"csrf": csrf.group(1), "token": ADMIN},
                       follow_redirects=False).status_code == 303
    shown = client.get("/ghi/dang-ky")
    token = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert token is not None
    data = {"csrf": token.group(1), "full_name": "Đỗ Văn Biểu Mẫu", "gender": "nam",
            "born_on": "01/01/1985"}
    before = head_of(rt)
    first = client.post("/ghi/dang-ky", data=data, headers={"Idempotency-Key": "form-1"},
                        follow_redirects=False)
    assert first.status_code in (200, 303), first.text
    head = head_of(rt)
    assert head > before  # the first post registered the cadre
    again = client.post("/ghi/dang-ky", data=data, headers={"Idempotency-Key": "form-1"},
                        follow_redirects=False)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert head_of(rt) == head


def test_a_body_over_the_limit_is_413_and_spends_no_key(store_settings: Settings) -> None:
    settings = store_settings.model_copy(update={"admin_token": ADMIN, "max_body_mb": 0.001})
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    try:
        with TestClient(create_app(settings, rt)) as client:
            client.headers.update({"Authorization": f"Bearer {ADMIN}", "Idempotency-Key": "big"})
            big = {**cadre(), "note": "x" * 2000}
            assert client.post("/api/v1/cadres", json=big).status_code == 413
            assert client.post("/api/v1/cadres", json=cadre()).status_code == 201
    finally:
        rt.close()


def test_every_post_documents_the_header(service: tuple[TestClient, Runtime]) -> None:
    client, _rt = service
    spec = client.get("/openapi.json").json()
    posts = [(path, item["post"]) for path, item in spec["paths"].items() if "post" in item]
    assert posts
    for path, operation in posts:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert {"400", "409"} <= set(operation["responses"]), path


def test_a_key_still_in_flight_is_409_with_retry_after(service: tuple[TestClient, Runtime],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    client, rt = service
    monkeypatch.setattr(idempotency_middleware, "WAIT_SECONDS", 0.2)
    body = json.dumps(cadre()).encode()
    # Another worker holds the claim and has not answered yet.
    IdempotencyStore(rt.engine, rt.clock).claim(
        token_hash(ADMIN), "busy",
        request_digest("POST", "/api/v1/cadres", "", "application/json", body))
    head = head_of(rt)
    r = client.post("/api/v1/cadres", content=body, headers={
        "Idempotency-Key": "busy", "Content-Type": "application/json"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "idempotency_key_in_flight"
    assert r.headers["retry-after"] == "1"
    assert head_of(rt) == head
