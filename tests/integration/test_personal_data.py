"""Crypto-shredding: personal data is sealed per cadre; destroying the key erases it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg.conninfo import make_conninfo

from infra.persistence import application_env, open_key_store, open_log_reader, postgres_parts
from infra.personal_data import (
    KeyTaken,
    PersonalDataMapper,
    PersonalDataShreddedError,
    PostgresPersonalKeyStore,
    SQLitePersonalKeyStore,
)
from infra.settings import Settings
from infra.transcoder import OrjsonTranscoder

SECRET_NAME = "Nguyễn Thị Bí Mật"


class Person(Aggregate):
    @event("Registered")
    def __init__(self, code: str, sensitive: dict[str, Any] | None) -> None:
        self.code = code
        self.sensitive = sensitive
        self.replacement: dict[str, Any] | None = None

    @event("Corrected")
    def correct(self, replacement: dict[str, Any] | None) -> None:
        self.replacement = replacement


class PeopleApp(Application[UUID]):
    name = "pdtest"


def raw_states(settings: Settings) -> list[bytes]:
    with open_log_reader(settings) as reader:
        return [r.state for r in reader.select(0, 1000)]


def fresh_store(settings: Settings) -> SQLitePersonalKeyStore | PostgresPersonalKeyStore:
    """A store with its own connection and cache, like another process would have."""
    if settings.is_postgres:
        return PostgresPersonalKeyStore(make_conninfo(**postgres_parts(settings.database_url)))
    return SQLitePersonalKeyStore(str(settings.sqlite_path.resolve()))


@pytest.fixture
def people(store_settings: Settings) -> Any:
    app = PeopleApp(env=application_env(store_settings))
    alice = Person(code="A1", sensitive={"full_name": SECRET_NAME, "born_on": date(1970, 5, 2)})
    alice.correct(
        replacement={"decision": "12/QĐ", "sensitive": {"full_name": SECRET_NAME + " B"}}
    )
    bob = Person(code="B2", sensitive={"full_name": "Trần Văn Công Khai"})
    app.save(alice, bob)
    yield store_settings, app, alice.id, bob.id
    app.close()


def test_personal_data_is_sealed_at_rest_and_reads_back(people: Any) -> None:
    settings, app, alice_id, _ = people
    for state in raw_states(settings):
        assert SECRET_NAME.encode() not in state
        assert b"_sealed" in state
    assert b"12/Q" in raw_states(settings)[1], "only the sensitive part is sealed"
    alice = app.repository.get(alice_id)
    assert alice.sensitive == {"full_name": SECRET_NAME, "born_on": date(1970, 5, 2)}
    assert alice.replacement == {"decision": "12/QĐ", "sensitive": {"full_name": SECRET_NAME + " B"}}


def test_shredding_erases_only_that_cadre_and_keeps_the_log_intact(people: Any) -> None:
    settings, app, alice_id, bob_id = people
    before = raw_states(settings)
    store = open_key_store(settings)
    assert store.shred(alice_id) is True
    assert store.shred(alice_id) is False, "already shredded"

    # Same process: the application's mapper shares the store, so the erase is immediate.
    alice = app.repository.get(alice_id)
    assert alice.sensitive == {"_shredded": True}
    assert alice.replacement == {"decision": "12/QĐ", "sensitive": {"_shredded": True}}
    assert alice.code == "A1"
    assert app.repository.get(bob_id).sensitive == {"full_name": "Trần Văn Công Khai"}

    # Another process (fresh store, fresh application) sees the same.
    other = fresh_store(settings)
    assert other.is_shredded(alice_id) and other.key_for(alice_id) is None
    assert other.key_for(bob_id, create=False) is not None
    other.close()
    again = PeopleApp(env=application_env(settings))
    assert again.repository.get(alice_id).sensitive == {"_shredded": True}
    again.close()

    assert raw_states(settings) == before, "the log itself is never rewritten"
    with open_log_reader(settings) as reader:
        result = reader.verify()
    assert result.ok and result.checked == 3, result


def test_no_new_personal_data_after_shredding(people: Any) -> None:
    settings, app, alice_id, _ = people
    open_key_store(settings).shred(alice_id)
    alice = app.repository.get(alice_id)
    alice.correct(replacement={"sensitive": {"full_name": "again"}})
    with pytest.raises(PersonalDataShreddedError):
        app.save(alice)
    alice = app.repository.get(alice_id)
    alice.correct(replacement={"decision": "no personal data"})
    app.save(alice)  # events without personal data are still accepted
    assert app.repository.get(alice_id).version == 3


def test_keys_persist_and_warm_loads_them(people: Any) -> None:
    settings, _, alice_id, bob_id = people
    shared = open_key_store(settings)
    other = fresh_store(settings)
    assert other.key_for(alice_id, create=False) == shared.key_for(alice_id)
    assert len(other.key_for(bob_id) or b"") == 32
    assert other.key_for(uuid4(), create=False) is None
    other.forget_cache()
    assert other.warm() == 2
    other.close()


def test_sealed_data_is_bound_to_its_cadre(sqlite_settings: Settings) -> None:
    mapper = PersonalDataMapper(OrjsonTranscoder(), key_store=open_key_store(sqlite_settings))
    a, b = uuid4(), uuid4()
    mapper.seal(b, {"x": 1})  # b has a key too
    sealed = mapper.seal(a, {"x": 1})
    assert mapper.unseal(a, sealed) == {"x": 1}
    with pytest.raises(ValueError, match="damaged"):
        mapper.unseal(b, sealed)
    blob = bytearray(sealed["_sealed"])
    blob[-1] ^= 1
    with pytest.raises(ValueError, match="damaged"):
        mapper.unseal(a, {"_sealed": bytes(blob)})


def test_mapper_without_key_store_refuses_plaintext() -> None:
    mapper = PersonalDataMapper(OrjsonTranscoder())
    event_ = Person.Registered(  # type: ignore[attr-defined]
        originator_id=uuid4(),
        originator_version=1,
        timestamp=Person.Registered.create_timestamp(),  # type: ignore[attr-defined]
        originator_topic="x:y",
        code="C",
        sensitive={"full_name": "x"},
    )
    with pytest.raises(RuntimeError, match="key store"):
        mapper.to_stored_event(event_)


def test_create_keys_makes_many_in_one_go_and_keeps_existing_and_erased_ones(
    people: Any,
) -> None:
    """The bulk path's batch of keys: new cadres get a key each, others keep theirs."""
    settings, _, alice_id, bob_id = people
    open_key_store(settings).shred(bob_id)
    batch = fresh_store(settings)
    newcomers = [uuid4() for _ in range(3)]
    batch.create_keys([alice_id, bob_id, *newcomers, newcomers[0]])
    other = fresh_store(settings)
    assert batch.key_for(alice_id, create=False) == other.key_for(alice_id, create=False)
    assert batch.key_for(bob_id, create=False) is None and batch.is_shredded(bob_id)
    keys = [batch.key_for(n, create=False) for n in newcomers]
    assert keys == [other.key_for(n, create=False) for n in newcomers]
    assert all(k is not None and len(k) == 32 for k in keys) and len(set(keys)) == 3
    batch.create_keys([])
    batch.close()
    other.close()


def test_deferred_keys_are_used_at_once_stored_together_and_refused_when_taken(
    people: Any,
) -> None:
    """A bulk load's index secrets: made and used in memory, stored with the batch; one that
    another writer stored first meanwhile refuses the write (nothing of ours is kept)."""
    settings, _, alice_id, _ = people
    loader, other = fresh_store(settings), fresh_store(settings)
    loader.defer_writes(True)
    mine, contested = uuid4(), uuid4()
    kept = loader.key_for(mine)
    assert kept is not None and loader.key_for(mine) == kept
    assert other.key_for(mine, create=False) is None  # not written yet
    assert loader.key_for(alice_id) == other.key_for(alice_id, create=False)  # stored: read
    loader.write_deferred()
    assert fresh_store(settings).key_for(mine, create=False) == kept
    ours = loader.key_for(contested)
    theirs = other.key_for(contested)
    assert ours != theirs
    with pytest.raises(KeyTaken):
        loader.write_deferred()
    assert loader.key_for(contested) == theirs  # our copy forgotten: the stored one is read
    loader.defer_writes(False)
    loader.close()
    other.close()
