"""Tokens over their life (issue 13, contract v1.1 "CLI"): `hoso token create --expires-days`,
`hoso token list`, `hoso token revoke`; unique names, `admin` reserved; failed authentication
slowed down per client address, in the database so every worker counts the same."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from infra.access import access_epoch, access_tokens
from infra.database import engine_for
from infra.settings import Settings
from tests.conftest import suite_clock
from tests.integration.test_access_cli import cli as cli  # noqa: F401  (the CLI fixture)


def create(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(cli_app, ["token", "create", *args])
    return result.exit_code, result.stdout.strip().splitlines()[-1] if result.stdout.strip() \
        else result.output


def listed(cli: CliRunner) -> dict[str, list[str]]:
    result = cli.invoke(cli_app, ["token", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split("\t")[0] == "name"
    return {line.split("\t")[0]: line.split("\t") for line in lines[1:]}


def test_a_token_is_listed_expires_and_is_revoked(cli: CliRunner,
                                                  sqlite_settings: Settings) -> None:
    code, kept = create(cli, "--name", "kiem_tra_1", "--role", "inspector")
    assert code == 0
    code, brief = create(cli, "--name", "kiem_tra_2", "--role", "inspector",
                         "--expires-days", "30")
    assert code == 0
    client = TestClient(create_app(sqlite_settings))
    for token in (kept, brief):
        assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200
    tokens = listed(cli)
    assert tokens["kiem_tra_1"][1] == "inspector" and tokens["kiem_tra_1"][5] == ""
    expires = datetime.fromisoformat(tokens["kiem_tra_2"][5])
    assert timedelta(days=29) < expires - suite_clock().now() <= timedelta(days=30)
    assert {t[6] for t in tokens.values()} == {"active"}
    assert kept not in cli.invoke(cli_app, ["token", "list"]).stdout  # never shown again

    # Thirty days later (moved underneath: the store keeps the instant it ends).
    engine = engine_for(sqlite_settings)
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.name == "kiem_tra_2")
                     .values(expires_at=suite_clock().now() - timedelta(seconds=1)))
        # A token row changed by hand raises the token epoch, as `revoke` does, or workers
        # go on using the token they keep for up to TOKEN_CACHE_SECONDS (ADR 0008).
        conn.execute(update(access_epoch).values(epoch=access_epoch.c.epoch + 1))
    engine.dispose()
    answer = client.get("/api/v1/units", headers={"Authorization": f"Bearer {brief}"})
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_token"
    assert listed(cli)["kiem_tra_2"][6] == "expired"

    revoked = cli.invoke(cli_app, ["token", "revoke", "kiem_tra_1"])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {kept}"}
                      ).status_code == 401
    assert listed(cli)["kiem_tra_1"][6] == "revoked"
    assert cli.invoke(cli_app, ["token", "revoke", "kiem_tra_1"]).exit_code == 2
    assert cli.invoke(cli_app, ["token", "revoke", "nobody"]).exit_code == 2


def test_names_are_unique_and_admin_is_reserved(cli: CliRunner) -> None:
    assert create(cli, "--name", "to_chuc", "--role", "inspector")[0] == 0
    code, output = create(cli, "--name", "to_chuc", "--role", "inspector")
    assert code == 2 and "unique" in output
    cli.invoke(cli_app, ["token", "revoke", "to_chuc"])
    assert create(cli, "--name", "to_chuc", "--role", "inspector")[0] == 2  # even revoked
    # A personnel token named `admin` would share the bootstrap admin's identity (its
    # registered cadres, its recorded_by): refused, in any case and spacing.
    for name in ("admin", " Admin ", "cli:root"):
        code, output = create(cli, "--name", name, "--role", "inspector")
        assert code == 2 and "reserved" in output, name
    assert create(cli, "--name", "x", "--role", "inspector", "--expires-days", "0")[0] == 2


def test_failed_authentication_is_slowed_per_address(sqlite_settings: Settings,
                                                     cli: CliRunner) -> None:
    settings = sqlite_settings.model_copy(update={"auth_failures_per_minute": 5})
    _, good = create(cli, "--name", "lanh_dao", "--role", "inspector")
    first, second = TestClient(create_app(settings)), TestClient(create_app(settings))
    answers = [(first if i % 2 else second).get(
        "/api/v1/units", headers={"Authorization": f"Bearer wrong-{i}"}).status_code
        for i in range(8)]
    # Two app instances (as two workers) share one count: five failures, then a wait.
    assert answers[:5] == [401] * 5 and answers[5:] == [429] * 3
    waiting = first.get("/api/v1/units", headers={"Authorization": f"Bearer {good}"})
    assert waiting.status_code == 429
    assert waiting.json()["code"] == "too_many_failed_attempts"
    assert 1 <= int(waiting.headers["retry-after"]) <= 61
    # The web sign-in counts against the same address.
    form = first.get("/dang-nhap")
    csrf = form.cookies.get("hoso_csrf") or first.cookies.get("hoso_csrf")
    signed = first.post("/dang-nhap", data={"csrf": csrf, "token": "guess"},
                        follow_redirects=False)
    assert signed.status_code == 429 and "Quá nhiều lần" in signed.text


def test_each_kind_of_attempt_has_its_own_count(sqlite_settings: Settings,
                                                cli: CliRunner) -> None:
    """One attempts table holds every kind; a client that has spent its public reads may still
    sign in, and one that has spent its sign-in guesses may still read the public record."""
    settings = sqlite_settings.model_copy(update={"auth_failures_per_minute": 3,
                                                  "public_reads_per_minute": 2})
    _, good = create(cli, "--name", "can_bo_doc", "--role", "inspector")
    client = TestClient(create_app(settings))
    public = [client.get("/api/v1/public/cadres").status_code for _ in range(3)]
    assert public == [200, 200, 429]
    assert client.get("/api/v1/units",
                      headers={"Authorization": f"Bearer {good}"}).status_code == 200
    guesses = [client.get("/api/v1/units", headers={"Authorization": f"Bearer wrong-{i}"})
               .status_code for i in range(4)]
    assert guesses == [401, 401, 401, 429]
    # The public count is still its own: spent, so 429 — and not the failures' code.
    spent = client.get("/api/v1/public/cadres")
    assert spent.status_code == 429 and spent.json()["code"] == "too_many_requests"
