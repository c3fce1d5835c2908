"""The `hoso` command line: tokens, verify (exit codes), rebuild, demo."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli import app
from domain.commands import RegisterCadre, RegisterUnit
from domain.values import Gender
from infra.access import AccessStore
from infra.database import engine_for
from infra.runtime import open_runtime
from infra.settings import Settings, get_settings
from tests.conftest import suite_clock


@pytest.fixture
def cli(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HOSO_DATABASE_URL", sqlite_settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def seed(settings: Settings) -> tuple[str, str]:
    runtime = open_runtime(settings)
    try:
        unit = runtime.app.register_unit(RegisterUnit(
            code="Q", name="Quận ủy", kind="dang_uy", established_on=date(2000, 1, 1)),
            recorded_by="t").id
        cadre = runtime.app.register_cadre(RegisterCadre(full_name="Ngô Thị Hạnh",
                                                         gender=Gender.NU,
                                                         born_on=date(1985, 4, 4)),
                                           recorded_by="t").id
        runtime.catch_up()
    finally:
        runtime.close()
    return str(unit), str(cadre)


def holder_of(settings: Settings, token: str) -> tuple[str, str] | None:
    engine = engine_for(settings)
    try:
        holder = AccessStore(engine, suite_clock()).holder(token)
    finally:
        engine.dispose()
    return (holder.name, holder.role) if holder else None


def test_token_create_prints_the_token_on_the_last_line(cli: CliRunner,
                                                        sqlite_settings: Settings) -> None:
    unit, cadre = seed(sqlite_settings)
    for args, expected in [
        (["--name", "Ban Tổ chức", "--role", "personnel", "--unit", unit],
         ("Ban Tổ chức", "personnel")),
        (["--name", "Ngô Thị Hạnh", "--role", "self", "--cadre", cadre],
         ("Ngô Thị Hạnh", "self")),
        (["--name", "root", "--role", "admin"], ("root", "admin")),
    ]:
        result = cli.invoke(app, ["token", "create", *args])
        assert result.exit_code == 0, result.output
        token = result.stdout.strip().splitlines()[-1]
        assert holder_of(sqlite_settings, token) == expected


@pytest.mark.parametrize("args", [
    ["--name", "x", "--role", "owner"],
    ["--name", "x", "--role", "leader"],
    ["--name", "x", "--role", "leader", "--unit", "not-a-uuid"],
    ["--name", "x", "--role", "leader", "--unit", str(uuid4())],
    ["--name", "x", "--role", "self", "--cadre", str(uuid4())],
])
def test_token_create_refuses_bad_arguments(cli: CliRunner, args: list[str]) -> None:
    result = cli.invoke(app, ["token", "create", *args])
    assert result.exit_code == 2


def test_verify_exits_zero_only_when_the_log_is_intact(cli: CliRunner,
                                                       sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    intact = cli.invoke(app, ["verify"])
    assert intact.exit_code == 0, intact.output
    # The unit, the cadre, and the namesakes' index: its marker, the group's Opened and Joined
    # (ADR 0011).
    assert "checked: 5" in intact.stdout and "head: position 5" in intact.stdout
    with sqlite3.connect(sqlite_settings.sqlite_path) as conn:
        conn.execute("UPDATE log_chain SET hash = zeroblob(32) WHERE position = 1")
    broken = cli.invoke(app, ["verify"])
    assert broken.exit_code == 1
    assert "first bad position 1" in broken.stdout


def test_rebuild_reapplies_the_whole_log(cli: CliRunner, sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    result = cli.invoke(app, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "5 events applied" in result.stdout  # the two records' and the index's three
    runtime = open_runtime(sqlite_settings)
    try:
        m = runtime.read_model.moment()
        assert [u["code"] for u in runtime.read_model.units(m)] == ["Q"]
    finally:
        runtime.close()


def test_demo_fills_an_empty_store_once(cli: CliRunner, sqlite_settings: Settings) -> None:
    first = cli.invoke(app, ["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "/docs" in first.stdout
    assert holder_of(sqlite_settings, first.stdout.strip().splitlines()[-1]) == (
        "demo-admin", "admin")
    again = cli.invoke(app, ["demo", "--if-empty"])
    assert again.exit_code == 0 and "nothing generated" in again.stdout
    # Each run issues a fresh token under a name of its own (names are unique).
    assert holder_of(sqlite_settings, again.stdout.strip().splitlines()[-1]) == (
        "demo-admin-2", "admin")
    assert cli.invoke(app, ["demo", "--profile", "nope"]).exit_code == 2


def test_every_command_has_help(cli: CliRunner) -> None:
    for command in (["serve"], ["token", "create"], ["rebuild"], ["verify"], ["demo"], []):
        result = cli.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_an_export_is_in_every_cadres_read_audit(cli: CliRunner, sqlite_settings: Settings,
                                                 tmp_path: object) -> None:
    _, cadre = seed(sqlite_settings)
    for name, args, what in (("with-keys.jsonl", [], "export"),
                             ("sealed.jsonl", ["--without-keys"], "export_sealed")):
        done = cli.invoke(app, ["export", f"{tmp_path}/{name}", *args])
        assert done.exit_code == 0, done.output
        engine = engine_for(sqlite_settings)
        try:
            reads = AccessStore(engine, suite_clock()).reads(cadre_id=UUID(cadre))
        finally:
            engine.dispose()
        assert what in [r.what for r in reads]
        assert all(r.reader.startswith("cli:") for r in reads)


def test_units_lists_the_tree_with_ids_and_finds_by_name(cli: CliRunner,
                                                        sqlite_settings: Settings) -> None:
    unit, _ = seed(sqlite_settings)
    runtime = open_runtime(sqlite_settings)
    try:
        child = runtime.app.register_unit(RegisterUnit(
            code="Q-P1", name="Phường Đồng Hòa", kind="phuong", established_on=date(2001, 1, 1),
            parent_id=UUID(unit)), recorded_by="t").id
        runtime.catch_up()
    finally:
        runtime.close()
    listed = cli.invoke(app, ["units"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "id\tcode\tname"
    assert f"{unit}\tQ\tQuận ủy" in lines and f"{child}\tQ-P1\t  Phường Đồng Hòa" in lines
    found = cli.invoke(app, ["units", "dong hoa"])  # without diacritics
    assert found.exit_code == 0 and str(child) in found.output and f"{unit}\t" not in found.output
    before = cli.invoke(app, ["units", "--as-of", "2000-06-01"])
    assert str(child) not in before.output
    assert cli.invoke(app, ["units", "--as-of", "01/06/2000"]).exit_code == 2
