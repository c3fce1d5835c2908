"""Figures of an earlier revision of hoso, measured in the same run as the current code's.

`at_revision(rev, call)` extracts the revision's tree once (git archive) into
$TMPDIR/hoso-bench-trees/<commit>/ (outside the repository, so linters do not see a second
`bench` package) and runs `call` (an expression over that tree's `bench.measure`,
e.g. ``measure.verify(Settings(database_url=...))``) in a fresh interpreter there; the answer
is the dict the call returns. The issue 19 baseline is the branch point before its verify and
generator work (`BASELINE_REV`), so "today's code" is measured on the same store, under the
same load, minutes apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "403c553132"  # main before issue 19's verify and generator changes

_RUNNER = """
import json, sys
from bench import measure
from infra.settings import Settings
print(json.dumps(eval(sys.argv[1])))
"""


def tree_of(rev: str) -> Path:
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / "hoso-bench-trees" / commit
    if not (tree / "bench" / "measure.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        tar_path = tree.with_suffix(".tar")
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(tree, filter="data")
        tar_path.unlink()
    return tree


def at_revision(rev: str, call: str) -> dict[str, Any]:
    tree = tree_of(rev)
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", _RUNNER, call], cwd=tree, env=env, check=True,
                          capture_output=True, text=True)
    answer = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    return answer | {"revision": rev}
