"""Moves this Python process's wall clock (and every child's, by the same offset) so that the
run starts at TIMESHIFT_TO; monotonic time and sleeps are untouched, and the clock ticks.

Used by `make test-any-day` to prove the suite passes on days whose Vietnamese date differs
from UTC's: nothing may read the wall clock but infra/clock.py, and the suite pins that.
PostgreSQL's and SQLite's own clocks are not moved, so anything that takes "now" from the
database instead of the injected clock shows up too.
"""

from __future__ import annotations

import os
import time

_target = os.environ.get("TIMESHIFT_TO")
if _target:
    from datetime import datetime

    import time_machine

    _offset = os.environ.get("TIMESHIFT_OFFSET")
    if _offset is None:  # the first process fixes the offset; its children inherit it
        _offset = repr(datetime.fromisoformat(_target).timestamp() - time.time())
        os.environ["TIMESHIFT_OFFSET"] = _offset
    time_machine.travel(time.time() + float(_offset), tick=True).start()
