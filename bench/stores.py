"""Generated stores for the benchmarks: one per size, generated once into bench/out/ and reused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.clock import BENCH_CLOCK
from infra.demo import BulkApplication, generate
from infra.persistence import application_env, create_database_if_missing, drop_database
from infra.settings import Settings

OUT = Path(__file__).resolve().parent / "out"
SIZES: dict[str, str] = {"1k": "", "10k": "size_10k", "100k": "size_100k", "1m": "size_1m",
                        "10m": "size_10m"}


@dataclass(frozen=True)
class Store:
    size: str
    profile: str
    url: str
    events: int
    generation_seconds: float  # 0.0 when reused from an earlier run
    generated_now: bool

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.url)


def sqlite_url(name: str, out: Path = OUT) -> str:
    return f"sqlite:///{out / name}.sqlite3"


def ensure_store(size: str, profile: str, url: str, *, out: Path = OUT,
                 say: Callable[[str], None] = print) -> Store:
    """The store at `url` holding `profile`'s history; generated (bulk path) unless present."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / f"{_slug(url)}.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta["profile"] == profile:
            return Store(size, profile, url, meta["events"], meta["seconds"], False)
        marker.unlink()
    drop_database(url)  # a generation that did not finish, or another profile's
    create_database_if_missing(url)
    app = BulkApplication(env=application_env(Settings(database_url=url)), clock=BENCH_CLOCK)
    started = time.perf_counter()
    last = [started]

    def progress(n: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 15:
            last[0] = now
            say(f"  generating {profile}: {n:,} events, {now - started:.0f} s")

    try:
        summary = generate(app, profile, progress=progress)
    finally:
        app.close()
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"profile": profile, "events": summary.events,
                                  "seconds": seconds, "cadres": summary.cadres,
                                  "today": summary.today.isoformat()}))
    return Store(size, profile, url, summary.events, seconds, True)


def _slug(url: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in url.split("/")[-1].split(".")[0])
