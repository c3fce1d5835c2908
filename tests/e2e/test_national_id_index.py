"""The write side decides a duplicate registration (ADR 0010): the national ID's claim is saved
in the same transaction as the cadre, so two workers racing with one number store one cadre;
cadres registered before the index existed stay protected; erasure releases the number and
forgets its secret, so nothing in the store identifies the person afterwards; a corrected
number moves its claim. Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from domain.national_ids import INDEX_ID, NationalIdClaim, normalised
from infra.settings import Settings

ADMIN = {"Authorization": "Bearer nid-admin"}
NUMBER = "031185000123"
PERSON = {"full_name": "Phạm Thị Hoa", "gender": "nu", "born_on": "1985-02-03"}


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    return store_settings.model_copy(update={"admin_token": "nid-admin"})


@contextmanager
def worker(settings: Settings) -> Iterator[TestClient]:
    """One server process's app on the shared store (its own runtime and application)."""
    with TestClient(create_app(settings)) as client:
        yield client


def register(client: TestClient | httpx.Client, number: str | None = NUMBER,
             **extra: Any) -> httpx.Response:
    body = {**PERSON, **extra, **({"national_id": number} if number else {})}
    return client.post("/api/v1/cadres", headers=ADMIN, json=body)


def assert_duplicate(response: httpx.Response, field: str = "national_id") -> None:
    assert response.status_code == 409, response.text
    assert (response.json()["code"], response.json()["field"]) == ("duplicate_person", field)


def store_text(settings: Settings) -> str:
    """Every stored event's state and every key-store id, as text."""
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            states = [bytes(s).decode("utf-8", "replace") for (s,) in conn.execute(
                text("SELECT state FROM stored_events"))]
            keys = [str(k) for table in ("personal_keys", "national_id_keys")
                    for (k,) in conn.execute(text(f"SELECT cadre_id FROM {table}"))]
    finally:
        engine.dispose()
    return "\n".join(states + keys)


def test_a_number_held_is_refused_and_leaves_no_trace_in_clear(settings: Settings) -> None:
    with worker(settings) as client:
        first = register(client)
        assert first.status_code == 201, first.text
        # The same number written otherwise is the same number.
        assert_duplicate(register(client, " 031185000123 "))
        assert_duplicate(register(client, "0311 8500 0123"))
        assert len(client.get("/api/v1/cadres", headers=ADMIN,
                              params={"q": "pham thi hoa"}).json()["cadres"]) == 1
        assert register(client, "031185000124").status_code == 201
        app = client.app.state.runtime.app  # type: ignore[attr-defined]
        assert app._exists(INDEX_ID)
    assert NUMBER not in store_text(settings)


def test_two_workers_racing_with_one_number_store_one_cadre(settings: Settings) -> None:
    with worker(settings) as a, worker(settings) as b:
        assert register(a, "001090000001").status_code == 201  # the index is built
        start = threading.Barrier(2)
        answers: dict[str, httpx.Response] = {}

        def race(name: str, client: TestClient) -> None:
            start.wait()
            answers[name] = register(client)

        threads = [threading.Thread(target=race, args=(n, c)) for n, c in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.status_code for r in answers.values()) == [201, 409]
        assert_duplicate(next(r for r in answers.values() if r.status_code == 409))

        # The loser's read may be stale, never its save: worker b looks the number up before
        # worker a saves it, and is refused by the store's unique version at its own save.
        other = "001090000002"
        app_b = b.app.state.runtime.app  # type: ignore[attr-defined]
        looked_up = app_b._claim_of
        seen = threading.Event()

        def stale(number: str, *, create: bool) -> Any:
            found = looked_up(number, create=create)
            if not seen.is_set():
                seen.set()
                assert register(a, other).status_code == 201
            return found

        app_b._claim_of = stale
        try:
            assert_duplicate(register(b, other))
        finally:
            app_b._claim_of = looked_up
        assert seen.is_set()
        names = a.get("/api/v1/cadres", headers=ADMIN, params={"q": "pham thi hoa"}).json()
        assert len(names["cadres"]) == 3


def test_cadres_registered_before_the_index_stay_protected(settings: Settings) -> None:
    with worker(settings) as client:
        app = client.app.state.runtime.app  # type: ignore[attr-defined]
        keys, app.national_ids = app.national_ids, None  # the code before the index
        try:
            assert register(client).status_code == 201
            renumbered = register(client, "001190000777", full_name="Lê Văn Tám")
            assert renumbered.status_code == 201
            record = client.get(f"/api/v1/cadres/{renumbered.json()['id']}/record",
                                headers=ADMIN).json()
            corrected = client.post(
                f"/api/v1/cadres/{renumbered.json()['id']}/corrections", headers=ADMIN,
                json={"target_position": record["entries"][0]["position"],
                      "reason": "Sai số định danh",
                      "replacement": {**PERSON, "full_name": "Lê Văn Tám",
                                      "national_id": "001190000778"}})
            assert corrected.status_code == 201, corrected.text
        finally:
            app.national_ids = keys
        assert not app._exists(INDEX_ID)
        assert_duplicate(register(client))  # claimed from the log when the index is built
        assert_duplicate(register(client, "001190000778", full_name="Lê Văn Tám"))
        assert register(client, "001190000777", full_name="Lê Văn Tám").status_code == 201
        assert app._exists(INDEX_ID)


def test_erasure_releases_the_number_and_forgets_its_secret(settings: Settings) -> None:
    with worker(settings) as client:
        cadre = register(client).json()["id"]
        app = client.app.state.runtime.app  # type: ignore[attr-defined]
        claim_id = app.national_ids.claim_id(normalised(NUMBER), create=False)
        assert claim_id is not None
        erased = client.post(f"/api/v1/cadres/{cadre}/erasure", headers=ADMIN,
                             json={"reason": "Yêu cầu của chủ thể dữ liệu"})
        assert erased.status_code == 201, erased.text
        claim = app.repository.get(claim_id)
        assert isinstance(claim, NationalIdClaim) and claim.free
        # The secret is gone: nobody can find the claim from the number any more.
        assert app.national_ids.claim_id(normalised(NUMBER), create=False) is None
        assert NUMBER not in store_text(settings)
        # Allowed again: a new registration of the person is a new record with a new claim.
        again = register(client)
        assert again.status_code == 201, again.text
        assert app.national_ids.claim_id(normalised(NUMBER), create=False) != claim_id
        assert_duplicate(register(client))


def test_a_corrected_number_moves_its_claim(settings: Settings) -> None:
    with worker(settings) as client:
        cadre = register(client).json()["id"]
        held = register(client, "001190000555", full_name="Lê Văn Tám").json()["id"]
        assert held
        record = client.get(f"/api/v1/cadres/{cadre}/record", headers=ADMIN).json()
        position = record["entries"][0]["position"]

        def correct(number: str) -> httpx.Response:
            return client.post(f"/api/v1/cadres/{cadre}/corrections", headers=ADMIN, json={
                "target_position": position, "reason": "Sai số định danh",
                "replacement": {**PERSON, "national_id": number}})

        assert_duplicate(correct("001190000555"), "replacement.national_id")
        moved = correct("031185000999")
        assert moved.status_code == 201, moved.text
        assert register(client).status_code == 201  # the old number is free
        assert_duplicate(register(client, "031185000999"))


def test_a_store_restored_without_the_index_secrets_claims_again(settings: Settings) -> None:
    """Exports carry the cadres' keys, not the index's secrets: a restored store finds another
    master key than the one its index was built under, and claims every number again."""
    with worker(settings) as client:
        assert register(client).status_code == 201
        app = client.app.state.runtime.app  # type: ignore[attr-defined]
        engine = create_engine(settings.database_url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM national_id_keys"))
        finally:
            engine.dispose()
        app.national_ids.store.forget_cache()
        assert_duplicate(register(client))  # refused from the log: nothing saved
        assert app.repository.get(INDEX_ID).version == 1
        assert register(client, "031185000456").status_code == 201
        index = app.repository.get(INDEX_ID)
        assert (index.version, index.claims) == (2, 1)  # rebuilt with that registration
        assert_duplicate(register(client))
