"""An inspector verifies an exported log offline: `hoso verify --file` exits 0 only when intact."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from domain.commands import RegisterCadre
from domain.values import Gender
from infra.archive import export_log
from infra.runtime import open_runtime
from infra.settings import Settings
from tests.conftest import SUITE_AT as EXPORTED_AT

ROOT = Path(__file__).resolve().parents[2]


def hoso(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_verify_file_accepts_an_export_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hoso.sqlite3'}")
    rt = open_runtime(settings)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"):
        rt.app.register_cadre(RegisterCadre(full_name=name, gender=Gender.NAM,
                                            born_on=date(1980, 1, 1)), recorded_by="to_chuc")
    head = rt.log.head()  # three registrations, each with its namesakes' group's events
    assert head is not None
    rt.close()
    exported = tmp_path / "log.jsonl"
    export_log(settings, exported, exported_at=EXPORTED_AT)

    intact = hoso("verify", "--file", str(exported))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"checked: {head[0]}" in intact.stdout

    lines = exported.read_text().splitlines()
    lines[2] = lines[2].replace("Trần Thị Bình", "Trần Thị Bính")
    if lines[2] == exported.read_text().splitlines()[2]:  # state is encoded: flip a digit
        lines[2] = lines[2].replace('"state":"', '"state":"00', 1)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    broken = hoso("verify", "--file", str(tampered))
    assert broken.returncode == 1
    assert "NOT INTACT" in broken.stdout
