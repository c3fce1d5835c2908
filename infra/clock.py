"""The one place that reads the wall clock.

Everything that needs "today" or "now" (the application service, the read model, the chain's
recorded_at, tokens, sessions, the generator, reports, the CLI and the web UI) is handed a clock
built here. Tests and demos pin it (`PinnedClock`, or `HOSO_CLOCK_AT` for a server process); a
test (tests/unit/test_clock_is_injected.py) keeps any other module from calling the wall clock.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from domain.calendar import VIETNAM, Clock, business_day
from infra.settings import Settings


class SystemClock:
    """The host's clock: production."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return business_day(self.now())


class PinnedClock:
    """A clock set to a chosen instant that, by default, ticks on from there, so ordering,
    timeouts and expiries still behave; `move_to` jumps.

    Without an anchor it ticks with elapsed (monotonic) time since it was made. With `anchor`,
    the host's monotonic reading (`anchor_reading`) at which the clock showed `start`, every
    clock made from the same pair shows the same instant, in this process or another (a test
    and the server it starts). The monotonic clock is the host's, shared by its processes, and
    nothing moves it: a wall clock set or mocked differently in each process (as the suite's
    shifted runs do, each process from its own start) would put a server behind its test."""

    def __init__(self, start: datetime, *, tick: bool = True, anchor: float | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("PinnedClock needs an aware instant")
        self._start = start.astimezone(UTC)
        self._tick = tick
        self._anchor = anchor
        self._since = time.monotonic()

    def _elapsed(self) -> float:
        if self._anchor is not None:
            return time.monotonic() - self._anchor
        return time.monotonic() - self._since

    @classmethod
    def on(cls, day: date, *, at: clock_time = clock_time(9, 0), tick: bool = True) -> PinnedClock:
        """Pinned at `at` o'clock in Vietnam on `day` (09:00 by default: office hours)."""
        return cls(datetime.combine(day, at, tzinfo=VIETNAM), tick=tick)

    def now(self) -> datetime:
        if not self._tick:
            return self._start
        return self._start + timedelta(seconds=self._elapsed())

    def today(self) -> date:
        return business_day(self.now())

    def move_to(self, instant: datetime | date) -> None:
        if not isinstance(instant, datetime):
            instant = datetime.combine(instant, clock_time(9, 0), tzinfo=VIETNAM)
        self._start = instant.astimezone(UTC)
        self._anchor = None
        self._since = time.monotonic()


def clock_from(settings: Settings) -> Clock:
    """The process's clock: the system's, unless `HOSO_CLOCK_AT` pins a starting instant."""
    if settings.clock_at is not None:
        return PinnedClock(settings.clock_at, anchor=settings.clock_anchor)
    return SystemClock()


# Benchmarks measure the host as it is: they run on its own clock.
BENCH_CLOCK: Clock = SystemClock()


def anchor_reading() -> float:
    """The host's monotonic clock in seconds: what `HOSO_CLOCK_ANCHOR` is given, so that every
    process pinned together on this host (a test suite and the servers it starts) shows the
    same instant."""
    return time.monotonic()
