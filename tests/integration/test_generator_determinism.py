"""Same seed, same history: the bulk path and the plain one-save-per-command path agree."""

from __future__ import annotations

import pytest
from eventsourcing.utils import get_topic

from domain.application import HosoApplication
from infra.demo import PROFILES, BulkApplication, generate
from infra.transcoder import OrjsonTranscoder
from tests.conftest import suite_clock

ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder)}


def test_the_same_seed_gives_the_same_summary_on_both_paths() -> None:
    first = generate(BulkApplication(env=ENV, clock=suite_clock()), "demo", seed=7)
    again = generate(BulkApplication(env=ENV, clock=suite_clock()), "demo", seed=7)
    plain = generate(HosoApplication(env=ENV, clock=suite_clock()), "demo", seed=7)
    assert first == again == plain
    assert first.events > 9000
    other = generate(BulkApplication(env=ENV, clock=suite_clock()), "demo", seed=8)
    assert other != first


def test_progress_is_reported_and_unknown_profiles_are_refused() -> None:
    seen: list[int] = []
    summary = generate(BulkApplication(env=ENV, clock=suite_clock(), batch_size=500), "demo", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == summary.events and len(seen) > 10
    assert set(PROFILES) >= {"demo", "province", "size_10k", "size_100k", "size_1m"}
    with pytest.raises(ValueError, match="unknown profile"):
        generate(BulkApplication(env=ENV, clock=suite_clock()), "nation")
