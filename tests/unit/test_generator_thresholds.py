"""The demo office's thresholds come from the rule pack: the strictest figure of each rule's
history, plus the month's margin the generator keeps."""

from __future__ import annotations

import dataclasses

from domain.rules.pack import default_pack
from domain.values import DisciplineForm
from infra.demo.thresholds import THRESHOLDS, Thresholds


def test_the_default_pack_gives_the_figures_the_demo_was_built_with() -> None:
    assert THRESHOLDS == Thresholds(
        term_months=60, rotate_after_months=84, promotion_gap_months=37, min_months_in_post=25,
        retirement_horizon_months=61,
        bar_months={DisciplineForm.KHIEN_TRACH: 24, DisciplineForm.CANH_CAO: 36})


def test_a_stricter_version_moves_the_threshold() -> None:
    pack = default_pack()
    versions = tuple(
        dataclasses.replace(v, params={**v.params, "window_months": 48})
        if v.id == "express_promotion" else v for v in pack.versions)
    stricter = dataclasses.replace(pack, versions=versions, _by_rule={
        k: tuple(v for v in versions if v.id == k) for k in {v.id for v in versions}})
    assert Thresholds.from_pack(stricter).promotion_gap_months == 49
