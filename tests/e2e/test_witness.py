"""A witness (the province's inspection committee) runs `hoso witness` against the service: it
cosigns a log that grows consistently, the service shows its cosignatures, and it refuses a
rolled-back or forked log, keeping the refused checkpoint as evidence."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from infra.notes import new_signer, parse_verifier, verify_cosignature, write_key_pair
from infra.settings import Settings
from tests.e2e.conftest import ROOT, Server, created, ok, running_server


class Committee:
    """The inspection committee's machine: its own key, its state file, the log's public key."""

    def __init__(self, tmp: Path, log_public_key: Path) -> None:
        self.key = tmp / "committee" / "witness.key"
        write_key_pair(new_signer("ubkt.haiphong", witness=True), self.key)
        self.public_key = parse_verifier(self.key.with_name("witness.key.pub").read_text())
        self.state = tmp / "committee" / "last-checkpoint.note"
        self.log_public_key = log_public_key
        self.runs = 0  # token names are unique: each run of the witness gets its own

    def witness(self, server: Server) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        token = server.token(name=f"ubkt-nhan-chung-{self.runs}", role="inspector")
        return subprocess.run(
            [sys.executable, "-m", "api", "witness", "--once", "--url", server.base_url,
             "--token", token, "--log-key", str(self.log_public_key), "--key", str(self.key),
             "--state", str(self.state)], capture_output=True, text=True, cwd=ROOT, timeout=120)


def signed_store(tmp: Path, name: str, key: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp / name}", signing_key=key)


def log_key(tmp: Path) -> Path:
    key = tmp / "service" / "log.key"
    write_key_pair(new_signer("hoso.test/kien-an"), key)
    return key


def record(server: Server, *names: str) -> int:
    """Register a cadre of each name (each of a name of their own: the same events each, the
    cadre's and a new namesakes' group's); the log's head position afterwards."""
    with server.client() as client:
        for name in names:
            created(client.post("/cadres", json={"full_name": name, "gender": "nam",
                                                 "born_on": "1980-01-01"}))
        position: int = ok(client.get("/audit/verify"))["head"]["position"]
    return position


def copy_store(settings: Settings, to: Path) -> None:
    with sqlite3.connect(settings.sqlite_path) as db, sqlite3.connect(to) as copy:
        db.backup(copy)


def test_a_witness_cosigns_a_consistent_log_and_the_service_shows_it(tmp_path: Path) -> None:
    key = log_key(tmp_path)
    committee = Committee(tmp_path, key.with_name("log.key.pub"))
    with running_server(signed_store(tmp_path, "hoso.sqlite3", key)) as server:
        two = record(server, "Nguyễn Văn An", "Trần Thị Bình")
        first = committee.witness(server)
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"cosigned: {two} entries; first checkpoint seen" in first.stdout

        three = record(server, "Lê Văn Cường")
        second = committee.witness(server)
        assert second.returncode == 0, second.stdout + second.stderr
        assert (f"cosigned: {three} entries; consistent with the last one cosigned ({two} "
                "entries)") in second.stdout

        with server.client() as client:
            shown = ok(client.get("/audit/checkpoint"))
        assert shown["size"] == three
        assert [c["witness"] for c in shown["cosignatures"]] == ["ubkt.haiphong"]
        # Anyone holding the committee's public key checks its cosignature on the note.
        assert verify_cosignature(shown["cosigned_note"], committee.public_key) > 0


def test_a_witness_refuses_a_rolled_back_log_and_a_forked_one(tmp_path: Path) -> None:
    key = log_key(tmp_path)
    committee = Committee(tmp_path, key.with_name("log.key.pub"))
    live = signed_store(tmp_path, "hoso.sqlite3", key)
    backup = tmp_path / "backup.sqlite3"
    with running_server(live) as server:
        at_backup = record(server, "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")
        copy_store(live, backup)
        record(server, "Phạm Thị Dung", "Hoàng Văn Em")
        assert committee.witness(server).returncode == 0
    kept = committee.state.read_text()

    # The service comes back on last month's backup: two entries are gone.
    clone = tmp_path / "clone.sqlite3"
    copy_store(Settings(database_url=f"sqlite:///{backup}"), clone)
    with running_server(signed_store(tmp_path, "backup.sqlite3", key)) as server:
        refused = committee.witness(server)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "REFUSED" in refused.stdout and "rolled back" in refused.stdout
    assert committee.state.read_text() == kept  # the witness still holds what it cosigned
    assert list(committee.state.parent.glob(f"*.refused-{at_backup}-*.note"))

    # Another copy of the backup goes on differently to the same size: a fork.
    with running_server(signed_store(tmp_path, "clone.sqlite3", key)) as server:
        record(server, "Vũ Thị Khác", "Đỗ Văn Khác")
        forked = committee.witness(server)
    assert forked.returncode == 1, forked.stdout + forked.stderr
    assert "forked" in forked.stdout
    assert committee.state.read_text() == kept


def kept_sizes(server: Server, head: int) -> list[int]:
    """The sizes of the kept checkpoints, newest first, once the newest is at `head` (the
    follower signs within a second or two), or as they are after ten seconds."""
    sizes: list[int] = []
    for _ in range(100):
        with server.client() as client:
            sizes = [c["size"] for c in ok(client.get("/audit/checkpoints"))["checkpoints"]]
        if sizes and sizes[0] == head:
            break
        time.sleep(0.1)
    return sizes


def test_the_service_signs_a_checkpoint_every_n_entries_on_its_own(tmp_path: Path) -> None:
    key = log_key(tmp_path)
    settings = signed_store(tmp_path, "hoso.sqlite3", key).model_copy(
        update={"checkpoint_every_events": 2})
    with running_server(settings) as server:
        # The first checkpoint is due as soon as the log has an entry, each next one once the
        # log has grown by 2 since the last: a follower tick may land between two
        # registrations (a loaded machine), so the sizes signed on the way vary, but the
        # newest reaches the head, no two are fewer than 2 entries apart, and none is dropped.
        head = record(server, "Nguyễn Văn An", "Trần Thị Bình")
        first = kept_sizes(server, head)
        assert first and first[0] == head
        head = record(server, "Lê Văn Cường", "Phạm Thị Dung")
        then = kept_sizes(server, head)
        assert then[0] == head and then[-len(first):] == first  # newest first; old ones kept
        assert all(newer - older >= 2 for newer, older in zip(then, then[1:], strict=False))
