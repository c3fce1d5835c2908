"""Nothing reads the wall clock but infra/clock.py: every "today" and "now" comes from the
injected clock, so the suite (and a demo of a chosen day) behaves the same on any date."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "api", "infra", "bench", "tests")
THE_CLOCK = ROOT / "infra" / "clock.py"
# (receiver, attribute) pairs that read the host's calendar clock.
WALL_CLOCK_READS = {
    ("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"),
    ("time", "ctime"), ("time", "strftime"),
}


def _reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            name = (receiver.attr if isinstance(receiver, ast.Attribute)
                    else receiver.id if isinstance(receiver, ast.Name) else None)
            if (name, node.func.attr) in WALL_CLOCK_READS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in WALL_CLOCK_READS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module} "
                                 f"import {alias.name}")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    here = Path(__file__).resolve()
    offenders = [hit for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
                 if path.resolve() not in (THE_CLOCK, here) for hit in _reads(path)]
    assert offenders == []


def test_the_scan_sees_a_wall_clock_read(tmp_path: Path) -> None:
    sample = ROOT / "tests" / "unit" / "_clock_scan_sample.py"
    sample.write_text("import datetime\nx = datetime.date.today()\nfrom time import time\n",
                      encoding="utf-8")
    try:
        assert sorted(hit.split(" ", 1)[1] for hit in _reads(sample)) == [
            "date.today()", "from time import time"]
    finally:
        sample.unlink()
