"""A runner process killed mid-batch loses and doubles nothing: after a restart the tables
equal a fresh rebuild of the same log."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from infra.clock import PinnedClock
from infra.database import engine_for
from infra.demo import BulkApplication, generate
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings
from projections.read_model import ReadModel
from projections.runner import canonical_dump
from tests.conftest import suite_clock

RUNNER = """
import sys
import projections.runner as runner
from infra.runtime import open_runtime
from infra.settings import Settings
plain = runner.Runner.__init__
def small_batches(self, *args, **kwargs):  # many commits, so the kill lands mid-way
    plain(self, *args, **{**kwargs, "batch_size": 100})
runner.Runner.__init__ = small_batches
print("started", flush=True)
open_runtime(Settings(database_url=sys.argv[1]))
print("finished", flush=True)
"""


def test_killed_runner_resumes_without_lost_or_doubled_rows(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hoso.sqlite3'}")
    open_runtime(settings).close()  # an active, empty generation: later events are pending
    bulk = BulkApplication(env=application_env(settings), clock=suite_clock())
    summary = generate(bulk, "demo")
    bulk.close()

    runner = subprocess.Popen([sys.executable, "-c", RUNNER, settings.database_url],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "started"
    progress = ReadModel(engine_for(settings), clock=suite_clock())
    deadline = time.monotonic() + 60
    while progress.applied_position() == 0:  # kill it once some batches are in
        assert time.monotonic() < deadline, "the runner made no progress"
        time.sleep(0.005)
    runner.send_signal(signal.SIGKILL)
    runner.wait()

    killed_at = progress.applied_position()
    assert killed_at < summary.events, "the runner finished before it was killed"

    rt = open_runtime(settings, clock=PinnedClock.on(date(2026, 11, 24)))
    try:
        assert rt.read_model.applied_position() == summary.events
        incremental = canonical_dump(rt.engine, rt.read_model.tables())
        rt.rebuild()
        assert canonical_dump(rt.engine, rt.read_model.tables()) == incremental
        assert len(incremental["log"]) == summary.events
    finally:
        rt.close()
