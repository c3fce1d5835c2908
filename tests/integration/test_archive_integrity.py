"""A damaged, truncated or spliced export is refused with the position where it stops being
trustworthy, and nothing is restored; a good one restores into SQLite and PostgreSQL alike,
positions (with their gaps) and all, and the store goes on from there."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest
from typer.testing import CliRunner

from domain.application import HosoApplication
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.archive import ArchiveError, export_log, restore_log, verify_export
from infra.chain import GENESIS, link_hash
from infra.clock import PinnedClock
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings, get_settings
from tests.conftest import SUITE_AT as EXPORTED_AT

TODAY = date(2026, 11, 24)


def record_small_history(settings: Settings) -> int:
    """Units, a title and two cadres (one with personal data): a dozen events."""
    app = HosoApplication(env=application_env(settings), clock=PinnedClock.on(TODAY))
    try:
        ka = app.register_unit(RegisterUnit(
            code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
            recorded_by="to_chuc").id
        app.register_title(RegisterTitle(
            code="truong_ban", name="Trưởng ban", is_head=True, management_tier="quan_uy", rank=6),
            recorded_by="to_chuc")
        for i, name in enumerate(("Nguyễn Thị Lan", "Trần Văn Bình")):
            cadre = app.register_cadre(RegisterCadre(full_name=name, gender=Gender.NU if i == 0 else
                                       Gender.NAM, born_on=date(1975 + i, 5, 2), ethnicity="Kinh", national_id=f"03117500000{i}"), recorded_by="to_chuc").id
            if i == 0:
                app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=ka, title_code="truong_ban", effective_on=date(2020, 1, 1), decision=Decision("1-QĐ/QU", date(2019, 12, 20),
                                              "Ban Thường vụ Quận ủy", "Lê Toàn Khánh")), recorded_by="to_chuc")
        head = app.recorder.max_notification_id()
        assert head is not None
        return head
    finally:
        app.close()


@pytest.fixture
def exported(sqlite_settings: Settings, tmp_path: Path) -> Path:
    record_small_history(sqlite_settings)
    path = tmp_path / "log.jsonl"
    export_log(sqlite_settings, path, exported_at=EXPORTED_AT)
    return path


def fresh(tmp_path: Path, name: str = "target") -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / (name + '.sqlite3')}")


def lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def assert_empty(settings: Settings) -> None:
    with open_log_reader(settings) as log:
        assert log.head() is None


def test_the_export_is_documented_json_lines_with_header_events_keys_and_end(
        exported: Path) -> None:
    rows = lines(exported)
    header, events = rows[0], [r for r in rows if r["kind"] == "event"]
    keys, end = [r for r in rows if r["kind"] == "key"], rows[-1]
    assert (header["format"], header["version"]) == ("hoso-log-export", 1)
    assert header["events"] == len(events) == end["events"]
    assert header["chain_head"] == end["chain_head"] == {"position": events[-1]["position"],
                                                         "hash": events[-1]["hash"]}
    assert set(events[0]) == {"kind", "position", "originator_id", "version", "topic", "state",
                              "recorded_at", "hash"}
    # The two cadres' personal-data keys, and their namesake groups' (ADR 0011).
    assert len(keys) == 4
    # Anyone can recompute the chain from the documented formula alone.
    prev = GENESIS
    for e in events:
        prev = link_hash(prev, int(e["position"]), UUID(str(e["originator_id"])).bytes,
                         int(e["version"]), str(e["topic"]).encode(),
                         base64.b64decode(str(e["state"])), str(e["recorded_at"]).encode())
        assert prev.hex() == e["hash"]
    assert verify_export(exported).ok


def test_an_altered_event_is_refused_at_its_position_and_nothing_is_restored(
        exported: Path, tmp_path: Path) -> None:
    rows = lines(exported)
    victim = next(r for r in rows if r["kind"] == "event" and r["position"] == 5)
    state = bytearray(base64.b64decode(str(victim["state"])))
    state[len(state) // 2] ^= 0x01
    victim["state"] = base64.b64encode(bytes(state)).decode()
    damaged = write(tmp_path / "damaged.jsonl", rows)

    result = verify_export(damaged)
    assert (result.ok, result.first_bad_position, result.head_position) == (False, 5, 4)
    assert "hash" in (result.problem or "")
    target = fresh(tmp_path)
    with pytest.raises(ArchiveError) as refused:
        restore_log(target, damaged)
    assert refused.value.position == 5
    assert_empty(target)


def test_a_truncated_export_is_refused_after_the_last_good_position(
        exported: Path, tmp_path: Path) -> None:
    data = exported.read_bytes()
    all_lines = data.splitlines(keepends=True)
    events = [orjson.loads(x) for x in all_lines if b'"kind":"event"' in x]
    # Cut in the middle of the 5th event line: a copy interrupted mid-write.
    fifth = next(i for i, x in enumerate(all_lines) if b'"position":5,' in x)
    cut = b"".join(all_lines[:fifth]) + all_lines[fifth][:40]
    truncated = tmp_path / "cut.jsonl"
    truncated.write_bytes(cut)
    result = verify_export(truncated)
    assert (result.ok, result.checked, result.first_bad_position) == (False, 4, 5)
    # Whole lines dropped from the end (the end line too).
    short = tmp_path / "short.jsonl"
    short.write_bytes(b"".join(all_lines[:len(events) - 2]))
    target = fresh(tmp_path)
    with pytest.raises(ArchiveError) as refused:
        restore_log(target, short)
    assert "truncated" in refused.value.message
    assert refused.value.position == events[len(events) - 4]["position"] + 1
    assert_empty(target)


def test_a_spliced_file_is_refused(exported: Path, tmp_path: Path) -> None:
    rows = lines(exported)
    # Drop one event and fix up the counts: the next link no longer matches.
    spliced = [r for r in rows if not (r["kind"] == "event" and r["position"] == 3)]
    spliced[0]["events"] = int(spliced[0]["events"]) - 1
    spliced[-1]["events"] = int(spliced[-1]["events"]) - 1
    result = verify_export(write(tmp_path / "spliced.jsonl", spliced))
    assert (result.ok, result.first_bad_position) == (False, 4)
    # A key line altered.
    rows = lines(exported)
    key = next(r for r in rows if r["kind"] == "key")
    key["key"] = base64.b64encode(bytes(32)).decode()
    result = verify_export(write(tmp_path / "keys.jsonl", rows))
    assert not result.ok and "key" in (result.problem or "")
    # Another head announced in the header.
    rows = lines(exported)
    rows[0]["chain_head"] = {"position": 1, "hash": "00" * 32}
    assert not verify_export(write(tmp_path / "head.jsonl", rows)).ok


def test_restore_refuses_a_store_that_is_not_empty(
        exported: Path, sqlite_settings: Settings) -> None:
    with pytest.raises(ArchiveError) as refused:
        restore_log(sqlite_settings, exported)
    assert "empty" in refused.value.message


def test_positions_with_gaps_restore_on_both_stores_and_appends_continue_after_them(
        exported: Path, tmp_path: Path, store_settings: Settings) -> None:
    # PostgreSQL may leave gaps in positions (sequence values of failed transactions): re-chain
    # the export with gaps, as such a log would be.
    rows = lines(exported)
    prev, position = GENESIS, 0
    for r in rows:
        if r["kind"] != "event":
            continue
        position += 3
        r["position"] = position
        prev = link_hash(prev, position, UUID(str(r["originator_id"])).bytes,
                         int(r["version"]), str(r["topic"]).encode(),
                         base64.b64decode(str(r["state"])), str(r["recorded_at"]).encode())
        r["hash"] = prev.hex()
    head = {"position": position, "hash": prev.hex()}
    rows[0]["chain_head"] = rows[-1]["chain_head"] = head
    gapped = write(tmp_path / "gapped.jsonl", rows)
    assert verify_export(gapped).ok

    if not store_settings.is_postgres:
        store_settings = fresh(tmp_path)  # the fixture's file holds the exported history
    summary = restore_log(store_settings, gapped)
    assert (summary.head_position, summary.head_hash) == (position, prev.hex())
    with open_log_reader(store_settings) as log:
        check = log.verify()
        assert (check.ok, check.head_position, check.head_hash) == (True, position, prev.hex())
    app = HosoApplication(env=application_env(store_settings), clock=PinnedClock.on(TODAY))
    try:
        receipt = app.register_cadre(RegisterCadre(full_name="Đỗ Văn Nam", gender=Gender.NAM,
                                                   born_on=date(1985, 3, 4)),
                                     recorded_by="to_chuc")
        # The restored personal-data keys open the restored events.
        lan = app.cadre(app.locate(3 * 3).originator_id)
        assert lan.identity["sensitive"]["national_id"] == "031175000000"
    finally:
        app.close()
    # The registration's own event first (the namesakes' index, rebuilt under the restored
    # store's new secrets, follows it).
    assert receipt.entry_position == position + 1
    with open_log_reader(store_settings) as log:
        assert log.verify().ok


def test_cli_export_and_restore(exported: Path, sqlite_settings: Settings, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    runner = CliRunner()
    monkeypatch.setenv("HOSO_DATABASE_URL", sqlite_settings.database_url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "cli.jsonl.gz"
        result = runner.invoke(app, ["export", str(out)])
        assert result.exit_code == 0, result.output
        assert "head: position" in result.output
        target = fresh(tmp_path, "cli-target")
        monkeypatch.setenv("HOSO_DATABASE_URL", target.database_url)
        get_settings.cache_clear()
        rows = lines(exported)
        rows[3]["topic"] = str(rows[3]["topic"]) + "X"
        result = runner.invoke(app, ["restore", str(write(tmp_path / "bad.jsonl", rows))])
        assert result.exit_code == 1
        assert "3" in result.output and "nothing restored" in result.output.replace("\n", " ")
        result = runner.invoke(app, ["restore", str(out)])
        assert result.exit_code == 0, result.output
        assert "Rebuilt the read side" in result.output
        with open_log_reader(target) as log:
            assert log.verify().ok
    finally:
        get_settings.cache_clear()
