"""The read audit (who read whose file) has its own chain and checkpoints: an edited record of a
read shows in `GET /audit/verify?tree=reads`, and a rewrite that recomputes that chain is caught
by the offline verifier from an earlier checkpoint of the read audit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from domain.commands import RegisterCadre
from domain.values import Gender
from infra import read_chain
from infra.access import AccessStore
from infra.database import engine_for
from infra.notes import new_signer, write_key_pair
from infra.runtime import open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "reads-admin-token"
H = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Settings, UUID]]:
    key = tmp_path / "log.key"
    write_key_pair(new_signer("hoso.test/kien-an"), key)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hoso.sqlite3'}",
                        admin_token=ADMIN, signing_key=key)
    runtime = open_runtime(settings)
    cadre = runtime.app.register_cadre(RegisterCadre(full_name="Trần Thị Hoa", gender=Gender.NU,
                                                     born_on=date(1980, 5, 1)),
                                       recorded_by="setup").id
    with TestClient(create_app(settings, runtime)) as client:
        yield client, settings, cadre
    runtime.close()


def read_profile(client: TestClient, cadre: UUID, times: int) -> None:
    for _ in range(times):
        assert client.get(f"/api/v1/cadres/{cadre}", headers=H).status_code == 200


def save(client: TestClient, url: str, path: Path, **params: object) -> Path:
    answer = client.get(url, headers=H, params={"tree": "reads", **params})
    assert answer.status_code == 200, answer.text
    path.write_text(answer.json()["note"] if "checkpoint" in url else answer.text)
    return path


def test_an_edited_read_record_is_caught(served: tuple[TestClient, Settings, UUID]) -> None:
    client, settings, cadre = served
    read_profile(client, cadre, 3)
    intact = client.get("/api/v1/audit/verify", headers=H, params={"tree": "reads"}).json()
    assert intact["ok"] and intact["checked"] == 3

    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("UPDATE access_reads SET reader = 'nguoi_khac' WHERE id = 2")
    edited = client.get("/api/v1/audit/verify", headers=H, params={"tree": "reads"}).json()
    assert not edited["ok"]
    assert edited["first_bad_position"] == 2 and edited["problem"] == "hash mismatch"


def test_a_rewritten_read_audit_does_not_extend_its_earlier_checkpoint(
        served: tuple[TestClient, Settings, UUID], tmp_path: Path) -> None:
    client, settings, cadre = served
    read_profile(client, cadre, 4)
    earlier = save(client, "/api/v1/audit/checkpoint", tmp_path / "reads-earlier.note")
    assert earlier.read_text().startswith("hoso.test/kien-an/reads\n4\n")

    # Someone deletes the record of a read and recomputes the read audit's chain and tree.
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("DELETE FROM access_reads WHERE id = 2")
        for table in ("access_reads_chain", "reads_tree", "reads_tree_leaves"):
            db.execute(f"DELETE FROM {table}")
    engine = engine_for(settings, durable=True)
    with engine.begin() as conn:
        read_chain.chain_new_rows(conn)
    engine.dispose()
    assert client.get("/api/v1/audit/verify", headers=H, params={"tree": "reads"}).json()["ok"]

    read_profile(client, cadre, 2)
    later = save(client, "/api/v1/audit/checkpoint", tmp_path / "reads-later.note")
    size = int(later.read_text().split("\n")[1])
    proof = save(client, "/api/v1/audit/proofs/consistency", tmp_path / "proof.json",
                 **{"from": 4, "to": size})
    refused = subprocess.run(
        [sys.executable, "-m", "api", "verify", "--checkpoint", str(later), "--public-key",
         str(tmp_path / "log.key.pub"), "--previous", str(earlier), "--proof", str(proof)],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "does not extend the earlier one" in refused.stdout


def test_ids_skipped_by_a_rolled_back_read_still_chain(postgres_settings: Settings) -> None:
    """PostgreSQL's sequence is not rolled back: a read audit insert that failed (a dropped
    connection) leaves a gap in the ids, and the next reads must still be chained and proved."""
    engine = engine_for(postgres_settings)
    try:
        store = AccessStore(engine, suite_clock())
        cadre = UUID(int=7)
        kwargs = dict(reader="ubkt", role="inspector", what="profile", as_of=date(2026, 1, 1),
                      known_at=suite_clock().now(), position=1)
        store.record_read(cadre_id=cadre, **kwargs)  # type: ignore[arg-type]
        with engine.connect() as conn:
            conn.execute(text("SELECT nextval(pg_get_serial_sequence('access_reads', 'id'))"))
            conn.execute(text("SELECT nextval(pg_get_serial_sequence('access_reads', 'id'))"))
            conn.rollback()
        store.record_read(cadre_id=cadre, **kwargs)  # type: ignore[arg-type]
        store.record_read(cadre_id=cadre, **kwargs)  # type: ignore[arg-type]
        result = read_chain.verify_reads(engine)
        assert result.ok and result.checked == 3, result
    finally:
        engine.dispose()
