"""An outsider holding only an earlier signed checkpoint and the public key catches any rewrite.

The attacker here has the database (not the signing key): they edit the log underneath the
service and recompute the whole hash chain and the Merkle tree, so `hoso verify` on the store
passes. The service keeps signing what its tables say. The offline verifier, given the earlier
checkpoint and either the service's consistency proof or an export, refuses every such edit,
a forked log and a rolled-back log.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import RegisterCadre
from domain.values import Gender
from infra.archive import export_log
from infra.chain import GENESIS, link_hash
from infra.notes import new_signer, write_key_pair
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "checkpoint-admin-token"
H = {"Authorization": f"Bearer {ADMIN}"}


def hoso(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


@dataclass
class Service:
    settings: Settings
    runtime: Runtime
    client: TestClient
    public_key: Path
    tmp: Path
    registered: int = 0

    def record(self, n: int) -> None:
        """Register n more cadres, each of a name and birth date of their own: a registration
        then always appends the same events (its cadre's, and a new namesakes' group's)."""
        for i in range(n):
            self.registered += 1
            born = date(1980, 1, 1) + timedelta(days=self.registered)
            self.runtime.app.register_cadre(RegisterCadre(full_name=f"Nguyễn Văn {i}",
                                                          gender=Gender.NAM, born_on=born),
                                            recorded_by="to_chuc")

    def checkpoint(self, name: str) -> tuple[Path, int]:
        answer = self.client.get("/api/v1/audit/checkpoint", headers=H)
        assert answer.status_code == 200, answer.text
        path = self.tmp / f"{name}.note"
        path.write_text(answer.json()["note"])
        return path, answer.json()["size"]

    def consistency(self, old: int, new: int) -> Path:
        answer = self.client.get("/api/v1/audit/proofs/consistency", headers=H,
                                 params={"from": old, "to": new})
        assert answer.status_code == 200, answer.text
        path = self.tmp / f"consistency-{old}-{new}.json"
        path.write_bytes(answer.content)
        return path

    def export(self, name: str) -> Path:
        path = self.tmp / f"{name}.jsonl"
        export_log(self.settings, path, exported_at=suite_clock().now())
        return path


@contextmanager
def running(tmp: Path, store: Path, key: Path) -> Iterator[Service]:
    settings = Settings(database_url=f"sqlite:///{store}", admin_token=ADMIN, signing_key=key)
    runtime = open_runtime(settings)
    with TestClient(create_app(settings, runtime)) as client:
        yield Service(settings, runtime, client, key.with_name(key.name + ".pub"), tmp)
    runtime.close()


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "log.key"
    write_key_pair(new_signer("hoso.test/kien-an"), path)
    return path


@pytest.fixture
def service(tmp_path: Path, key: Path) -> Iterator[Service]:
    with running(tmp_path, tmp_path / "hoso.sqlite3", key) as s:
        yield s


def backup(service: Service, to: Path) -> None:
    with sqlite3.connect(service.settings.sqlite_path) as db, sqlite3.connect(to) as copy:
        db.backup(copy)


# --- the attacker: rewrite events, then recompute chain and tree so the store "verifies" ------

Row = tuple[str, int, str, bytes, str]  # originator_id, version, topic, state, recorded_at


def rewrite(service: Service, edit: Callable[[list[Row]], list[Row]]) -> None:
    db = sqlite3.connect(service.settings.sqlite_path)
    rows: list[Row] = db.execute(
        "SELECT e.originator_id, e.originator_version, e.topic, e.state, c.recorded_at "
        "FROM stored_events e JOIN log_chain c ON c.position = e.rowid ORDER BY e.rowid"
    ).fetchall()
    # Keep recorded_at in position order, as an attacker covering their tracks would.
    times = [r[4] for r in rows]
    rows = [(*r[:4], times[min(i, len(times) - 1)]) for i, r in enumerate(edit(rows))]
    with db:
        for table in ("stored_events", "log_chain", "log_tree", "log_tree_leaves"):
            db.execute(f"DELETE FROM {table}")
        prev = GENESIS
        for position, (oid, version, topic, state, at) in enumerate(rows, start=1):
            db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, "
                       "topic, state) VALUES (?, ?, ?, ?, ?)", (position, oid, version, topic,
                                                                state))
            prev = link_hash(prev, position, bytes.fromhex(oid), version, topic.encode(), state,
                             at.encode())
            db.execute("INSERT INTO log_chain VALUES (?, ?, ?)", (position, at, prev))
    db.close()
    service.runtime.log.grow_tree()
    assert hoso("verify").returncode == 0, "the attacker's rewrite passes the chain check"


def flip(rows: list[Row]) -> list[Row]:
    oid, version, topic, state, at = rows[2]
    return [*rows[:2], (oid, version, topic, state[:-3] + b"X" + state[-2:], at), *rows[3:]]


def delete(rows: list[Row]) -> list[Row]:
    return rows[:3] + rows[4:]


def swap(rows: list[Row]) -> list[Row]:
    return [*rows[:2], rows[4], rows[3], rows[2], *rows[5:]]


def insert(rows: list[Row]) -> list[Row]:
    oid, version, topic, state, at = rows[3]
    return [*rows[:3], (oid, version + 100, topic, state, at), *rows[3:]]


@pytest.mark.parametrize("edit", [flip, delete, swap, insert], ids=lambda e: e.__name__)
def test_an_edit_underneath_the_service_is_caught_with_only_an_earlier_checkpoint(
        service: Service, edit: Callable[[list[Row]], list[Row]]) -> None:
    service.record(8)
    earlier, old_size = service.checkpoint("earlier")

    rewrite(service, edit)
    service.record(3)  # the service carries on and signs what its tables now say
    later, new_size = service.checkpoint("later")
    proof = service.consistency(old_size, new_size)

    refused = hoso("verify", "--checkpoint", later, "--public-key", service.public_key,
                   "--previous", earlier, "--proof", proof)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "does not extend the earlier one" in refused.stdout
    assert "valid" in refused.stdout  # the new checkpoint is genuinely signed: a lying log

    by_export = hoso("verify", "--checkpoint", earlier, "--public-key", service.public_key,
                     "--file", service.export("after"))
    assert by_export.returncode == 1, by_export.stdout + by_export.stderr
    assert "underneath the service" in by_export.stdout


def test_an_honest_log_passes_the_same_checks(service: Service) -> None:
    service.record(8)
    earlier, old_size = service.checkpoint("earlier")
    service.record(3)
    later, new_size = service.checkpoint("later")
    proof = service.consistency(old_size, new_size)
    ok = hoso("verify", "--checkpoint", later, "--public-key", service.public_key,
              "--previous", earlier, "--proof", proof, "--file", service.export("now"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"consistent with the earlier checkpoint of {old_size} entries" in ok.stdout
    assert "verified" in ok.stdout


def test_a_forked_log_is_caught(service: Service, key: Path) -> None:
    service.record(5)
    clone = service.tmp / "clone.sqlite3"
    backup(service, clone)
    service.record(3)
    shown_to_a, size = service.checkpoint("to-a")
    # A second service on a copy of the store, with the same key, goes on differently: the
    # province is shown one history, the national database another.
    with running(service.tmp, clone, key) as other:
        other.registered = 100  # birth dates of its own: no namesake of the first service's
        other.runtime.app.register_cadre(RegisterCadre(full_name="Người khác", gender=Gender.NU,
                                                       born_on=date(1985, 1, 1)),
                                         recorded_by="to_chuc")
        other.record(2)
        shown_to_b, other_size = other.checkpoint("to-b")
    assert other_size == size
    refused = hoso("verify", "--checkpoint", shown_to_b, "--public-key", service.public_key,
                   "--previous", shown_to_a)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "forked" in refused.stdout


def test_a_rolled_back_log_is_caught(service: Service, key: Path) -> None:
    service.record(5)
    _, before = service.checkpoint("before")
    saved = service.tmp / "backup.sqlite3"
    backup(service, saved)
    service.record(4)
    seen, _ = service.checkpoint("seen")
    # The service is brought back up on the backup: the last four entries are gone.
    with running(service.tmp, saved, key) as restored:
        rolled_back, size = restored.checkpoint("rolled-back")
    assert size == before
    refused = hoso("verify", "--checkpoint", rolled_back, "--public-key", service.public_key,
                   "--previous", seen)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "rolled back" in refused.stdout


def test_an_entry_and_its_content_verify_against_a_checkpoint(service: Service) -> None:
    service.record(6)
    checkpoint, size = service.checkpoint("now")
    proof = service.client.get("/api/v1/audit/proofs/inclusion", headers=H,
                               params={"position": 4, "size": size})
    assert proof.status_code == 200, proof.text
    proof_file = service.tmp / "inclusion.json"
    proof_file.write_bytes(proof.content)
    lines = [orjson.loads(line) for line in service.export("log").read_text().splitlines()]
    entry = next(line for line in lines if line.get("position") == 4)
    entry_file = service.tmp / "entry.json"
    entry_file.write_bytes(orjson.dumps(entry))

    ok = hoso("verify-entry", "--checkpoint", checkpoint, "--public-key", service.public_key,
              "--proof", proof_file, "--entry", entry_file)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "position 4" in ok.stdout and "content is the one the log recorded" in ok.stdout

    entry["state"] = orjson.loads(orjson.dumps(entry))["state"][:-4] + "AAA="
    entry_file.write_bytes(orjson.dumps(entry))
    altered = hoso("verify-entry", "--checkpoint", checkpoint, "--public-key",
                   service.public_key, "--proof", proof_file, "--entry", entry_file)
    assert altered.returncode == 1, altered.stdout + altered.stderr
    assert "content was altered" in altered.stdout
