"""The integrity chain on both stores: appends verify, every kind of tampering is caught."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event
from sqlalchemy import text

from infra import chain
from infra.chain import LogReader
from infra.database import engine_for
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings


class Dossier(Aggregate):
    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str, on: date) -> None:
        self.notes.append(text)


class LogApp(Application[UUID]):
    name = "chaintest"


def write_events(app: LogApp, dossiers: int = 5, notes: int = 9) -> list[UUID]:
    """dossiers * (1 + notes) events, saved in a mix of single and multi-event saves."""
    ids = []
    for d in range(dossiers):
        dossier = Dossier(title=f"d{d}")
        for n in range(notes):
            dossier.note(text=f"note {d}.{n}", on=date(2024, 1, 1) + timedelta(days=n))
            if n % 3 == 2:
                app.save(dossier)
        app.save(dossier)
        ids.append(dossier.id)
    return ids


class Raw:
    """Direct SQL on the store, bypassing the recorder: the tamperer's view."""

    def __init__(self, settings: Settings) -> None:
        self.pg = settings.is_postgres
        self.pos = "notification_id" if self.pg else "rowid"
        self.conn: Any = (
            psycopg.connect(settings.database_url, autocommit=True)
            if self.pg
            else sqlite3.connect(settings.sqlite_path, isolation_level=None)
        )

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(sql.replace("?", "%s") if self.pg else sql, params)
        return list(cur.fetchall()) if cur.description else []

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def populated(store_settings: Settings) -> Iterator[tuple[Settings, LogReader, Raw]]:
    app = LogApp(env=application_env(store_settings))
    write_events(app)
    reader = open_log_reader(store_settings)
    raw = Raw(store_settings)
    yield store_settings, reader, raw
    raw.close()
    reader.close()
    app.close()


def test_untouched_log_verifies(populated: tuple[Settings, LogReader, Raw]) -> None:
    _, reader, _ = populated
    seen: list[int] = []
    result = reader.verify(progress=seen.append)
    assert result.ok, result
    assert result.checked == 50
    assert result.head_position == 50
    head = reader.head()
    assert head is not None and head[0] == 50 and head[1].hex() == result.head_hash
    assert seen and seen[-1] == 50


def flip_state_byte(raw: Raw) -> int:
    (state,) = raw.run(f"SELECT state FROM stored_events WHERE {raw.pos} = 17")[0]
    damaged = bytearray(state)
    damaged[len(damaged) // 2] ^= 0x01
    raw.run(f"UPDATE stored_events SET state = ? WHERE {raw.pos} = 17", (bytes(damaged),))
    return 17


def delete_event_row(raw: Raw) -> int:
    raw.run(f"DELETE FROM stored_events WHERE {raw.pos} = 23")
    return 23


def delete_event_and_chain_row(raw: Raw) -> int:
    raw.run(f"DELETE FROM stored_events WHERE {raw.pos} = 23")
    raw.run("DELETE FROM log_chain WHERE position = 23")
    return 24  # the gap shows as the next link not matching its predecessor


def swap_payloads(raw: Raw) -> int:
    a = raw.run(f"SELECT state FROM stored_events WHERE {raw.pos} = 12")[0][0]
    b = raw.run(f"SELECT state FROM stored_events WHERE {raw.pos} = 31")[0][0]
    raw.run(f"UPDATE stored_events SET state = ? WHERE {raw.pos} = 12", (b,))
    raw.run(f"UPDATE stored_events SET state = ? WHERE {raw.pos} = 31", (a,))
    return 12


def append_by_hand(raw: Raw) -> int:
    oid, version, topic, state = raw.run(
        f"SELECT originator_id, originator_version, topic, state FROM stored_events "
        f"WHERE {raw.pos} = 50"
    )[0]
    raw.run(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (oid, version + 1, topic, state),
    )
    return 51


def edit_chain_hash(raw: Raw) -> int:
    raw.run("UPDATE log_chain SET hash = ? WHERE position = 30", (bytes(32),))
    return 30


def edit_topic(raw: Raw) -> int:
    raw.run(f"UPDATE stored_events SET topic = topic || 'x' WHERE {raw.pos} = 5")
    return 5


def edit_originator_version(raw: Raw) -> int:
    raw.run(
        f"UPDATE stored_events SET originator_version = originator_version + 100 "
        f"WHERE {raw.pos} = 41"
    )
    return 41


def edit_recorded_at(raw: Raw) -> int:
    (at,) = raw.run("SELECT recorded_at FROM log_chain WHERE position = 44")[0]
    later = (
        at + timedelta(seconds=1)
        if isinstance(at, datetime)
        else (datetime.fromisoformat(at) + timedelta(seconds=1)).isoformat(timespec="microseconds")
    )
    raw.run("UPDATE log_chain SET recorded_at = ? WHERE position = 44", (later,))
    return 44


def rehash_last_link_after_year_9999(raw: Raw) -> int:
    """PostgreSQL: the last event recorded in the year 10000, its link rehashed to match. Its
    text sorts before the year 2026's, so the walk says recorded_at goes backwards; as instants
    they do not, so the server's check must not let it pass."""
    (ts,) = raw.run("SELECT convert_to(to_char(timestamptz '10000-01-01 00:00:00+00' AT TIME "
                    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), 'UTF8')")[0]
    oid, version, topic, state = raw.run(
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "WHERE notification_id = 50")[0]
    (prev,) = raw.run("SELECT hash FROM log_chain WHERE position = 49")[0]
    rehashed = chain.link_hash(bytes(prev), 50, oid.bytes, version, topic.encode(), bytes(state),
                               bytes(ts))
    raw.run("UPDATE log_chain SET recorded_at = timestamptz '10000-01-01 00:00:00+00', "
            "hash = ? WHERE position = 50", (rehashed,))
    return 50


@pytest.mark.parametrize(
    "tamper",
    [
        flip_state_byte,
        delete_event_row,
        delete_event_and_chain_row,
        swap_payloads,
        append_by_hand,
        edit_chain_hash,
        edit_topic,
        edit_originator_version,
        edit_recorded_at,
    ],
)
def test_tampering_is_caught_at_its_position(
    populated: tuple[Settings, LogReader, Raw], tamper: Callable[[Raw], int]
) -> None:
    _, reader, raw = populated
    expected = tamper(raw)
    result = reader.verify()
    assert not result.ok
    assert result.first_bad_position == expected, result
    assert result.problem
    assert result.head_position < expected
    if tamper is delete_event_and_chain_row:
        assert result.problem == "hash mismatch after a gap"


@pytest.mark.parametrize("store_settings", ["postgres"], indirect=True)  # the server's check
@pytest.mark.parametrize("tamper", [None, flip_state_byte, delete_event_row,
                                    delete_event_and_chain_row, swap_payloads, append_by_hand,
                                    edit_chain_hash, edit_topic, edit_originator_version,
                                    edit_recorded_at, rehash_last_link_after_year_9999])
def test_the_server_side_check_agrees_with_the_walk(
    populated: tuple[Settings, LogReader, Raw], tamper: Callable[[Raw], int] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, reader, raw = populated
    assert settings.is_postgres
    monkeypatch.setattr(chain, "_SERVER_RANGE", 7)  # ranges' edges fall inside the log
    if tamper is not None:
        tamper(raw)
    walked = reader.verify(in_database=False)
    if tamper is rehash_last_link_after_year_9999:  # its hash holds: only the order is wrong
        assert (walked.first_bad_position, walked.problem) == (50, "recorded_at goes backwards")
    seen: list[int] = []
    on_server = reader._verify_on_server(seen.append)  # noqa: SLF001
    assert (on_server is not None) == walked.ok
    assert reader.verify() == walked
    if on_server is not None:
        assert on_server == walked and seen[-1] == walked.checked


def test_reader_select_and_time_queries(populated: tuple[Settings, LogReader, Raw]) -> None:
    _, reader, _ = populated
    records = reader.select(after_position=0, limit=1000)
    assert [r.position for r in records] == list(range(1, 51))
    assert all(r.recorded_at.tzinfo is not None for r in records)
    assert all(r.recorded_at.utcoffset() == timedelta(0) for r in records)
    stamps = [r.recorded_at for r in records]
    assert stamps == sorted(stamps), "recorded_at must not decrease along positions"
    assert isinstance(records[0].originator_id, UUID)
    assert records[0].originator_version == 1 and records[0].topic.endswith("Dossier.Opened")

    page = reader.select(after_position=20, limit=7)
    assert [r.position for r in page] == list(range(21, 28))

    assert reader.recorded_at(20) == stamps[19]
    assert reader.recorded_at(999) is None
    last_with_same_stamp = max(r.position for r in records if r.recorded_at == stamps[19])
    assert reader.position_at(stamps[19]) == last_with_same_stamp
    assert reader.position_at(stamps[0] - timedelta(microseconds=1)) == 0
    assert reader.position_at(stamps[-1] + timedelta(days=1)) == 50
    with pytest.raises(ValueError):
        reader.position_at(datetime(2024, 1, 1))

    located = reader.locate(1)
    assert located == (records[0].originator_id, 1, records[0].topic)
    assert reader.locate(999) is None


def test_recorded_at_never_goes_back_even_if_clock_does(store_settings: Settings) -> None:
    app = LogApp(env=application_env(store_settings))
    app.save(Dossier(title="first"))
    with open_log_reader(store_settings) as reader:
        first = reader.recorded_at(1)
        assert first is not None
        # Move the head into the future, as if another host's clock ran ahead.
        raw = Raw(store_settings)
        future = first + timedelta(hours=1)
        raw.run(
            "UPDATE log_chain SET recorded_at = ? WHERE position = 1",
            (future if store_settings.is_postgres else future.isoformat(timespec="microseconds"),),
        )
        raw.close()
        app.save(Dossier(title="second"))
        assert reader.recorded_at(2) == future
    app.close()


def test_concurrent_writers_keep_one_chain(store_settings: Settings) -> None:
    apps = [LogApp(env=application_env(store_settings)) for _ in range(3)]
    errors: list[BaseException] = []

    def work(app: LogApp) -> None:
        try:
            for _ in range(10):
                dossier = Dossier(title="x")
                dossier.note(text="y", on=date(2024, 1, 1))
                app.save(dossier)
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with open_log_reader(store_settings) as reader:
        result = reader.verify()
    assert result.ok and result.checked == 60, result
    for a in apps:
        a.close()


def test_whole_log_encryption_at_rest(store_settings: Settings) -> None:
    settings = store_settings.model_copy(update={"cipher_key": AESCipher.create_key(32)})
    app = LogApp(env=application_env(settings))
    dossier = Dossier(title="very-visible-title")
    app.save(dossier)
    raw = Raw(settings)
    (state,) = raw.run("SELECT state FROM stored_events")[0]
    raw.close()
    assert b"very-visible-title" not in bytes(state)
    assert app.repository.get(dossier.id).title == "very-visible-title"
    with open_log_reader(settings) as reader:
        assert reader.verify().ok
    app.close()


def test_read_model_engine_shares_the_database(store_settings: Settings) -> None:
    app = LogApp(env=application_env(store_settings))
    app.save(Dossier(title="x"))
    engine = engine_for(store_settings)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM log_chain")).scalar_one() == 1
        if not store_settings.is_postgres:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
    engine.dispose()
    app.close()


def test_application_env_from_urls(tmp_path: Any) -> None:
    pg = application_env(Settings(database_url="postgresql://alice:s3cr%40t@db.example:6543/hr"))
    assert pg["PERSISTENCE_MODULE"] == "infra.persistence:HosoPostgresFactory"
    assert (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"]) == ("alice", "s3cr@t")
    assert (pg["POSTGRES_HOST"], pg["POSTGRES_PORT"], pg["POSTGRES_DBNAME"]) == (
        "db.example",
        "6543",
        "hr",
    )
    assert "CIPHER_KEY" not in pg
    path = tmp_path / "sub" / "x.sqlite3"
    lite = application_env(Settings(database_url=f"sqlite:///{path}", cipher_key="k"))
    assert lite["SQLITE_DBNAME"] == str(path) and path.parent.is_dir()
    assert lite["CIPHER_TOPIC"] == "eventsourcing.cryptography:AESCipher"
    assert lite["CIPHER_KEY"] == "k"


@contextmanager
def fresh_copy(settings: Settings, tamper: Callable[[Raw], int] | None) -> Iterator[LogReader]:
    """A reader on a copy of the SQLite store, tampered with by `tamper` (if any)."""
    path = settings.sqlite_path
    target = path.with_name(f"{path.stem}_{getattr(tamper, '__name__', 'intact')}.sqlite3")
    with sqlite3.connect(path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    copy = Settings(database_url=f"sqlite:///{target}")
    raw = Raw(copy)
    if tamper is not None:
        tamper(raw)
    raw.close()
    reader = open_log_reader(copy)
    try:
        yield reader
    finally:
        reader.close()


TAMPERINGS = [None, flip_state_byte, delete_event_row, delete_event_and_chain_row, swap_payloads,
              append_by_hand, edit_chain_hash, edit_topic, edit_originator_version,
              edit_recorded_at]


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_ranges_walked_in_worker_processes_answer_as_the_one_walk(
    populated: tuple[Settings, LogReader, Raw], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Verify on two cores (python -m infra.chain_walk per worker, ranges of 7 positions) names
    every tampering exactly as the single walk does: position, problem, head, count."""
    settings, _, _ = populated
    monkeypatch.setattr(chain, "_PARALLEL_FROM", 0)
    monkeypatch.setattr(chain, "_WORKER_RANGE", 7)
    for tamper in TAMPERINGS:
        with fresh_copy(settings, tamper) as reader:
            single = reader.verify(workers=1)
            seen: list[int] = []
            assert reader._ranges(2) is not None  # noqa: SLF001 - the workers do run
            assert reader.verify(progress=seen.append, workers=2) == single, tamper
            assert single.ok == (tamper is None)
            if single.ok:
                assert seen == sorted(seen) and seen[-1] == single.checked == 50


@pytest.mark.parametrize("store_settings", ["postgres"], indirect=True)
@pytest.mark.parametrize("tamper", [None, delete_event_and_chain_row, edit_recorded_at])
def test_the_server_checks_ranges_on_several_connections_in_one_snapshot(
    populated: tuple[Settings, LogReader, Raw], tamper: Callable[[Raw], int] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, reader, raw = populated
    monkeypatch.setattr(chain, "_SERVER_RANGE", 7)
    if tamper is not None:
        tamper(raw)
    seen: list[int] = []
    on_three = reader._verify_on_server(seen.append, workers=3)  # noqa: SLF001
    assert on_three == reader._verify_on_server(None, workers=1)  # noqa: SLF001
    assert (on_three is not None) == (tamper is None)
    assert reader.verify(workers=3) == reader.verify(in_database=False)
    if on_three is not None:
        assert seen == sorted(seen) and seen[-1] == on_three.checked == 50


@pytest.mark.parametrize("store_settings", ["postgres"], indirect=True)
def test_the_server_reads_each_range_once_in_position_order(
    populated: tuple[Settings, LogReader, Raw],
) -> None:
    """Without statistics (a store just restored) the planner hashed the range's events and
    sorted its chain rows, spilling to disk at 1M; the check's settings leave it one ordered
    pass: both index scans, the window, a merge full join."""
    _, _, raw = populated
    with raw.conn.transaction():
        raw.conn.execute(chain._SERVER_PLAN)  # noqa: SLF001
        plan = "\n".join(row[0] for row in raw.conn.execute(
            "EXPLAIN (COSTS OFF) " + chain._SERVER_CHECK,  # noqa: SLF001
            {"lo": 8, "hi": 21, "genesis": chain.GENESIS}))
    assert "Merge Full Join" in plan, plan
    assert "Hash" not in plan and "Sort" not in plan and "Bitmap" not in plan, plan
