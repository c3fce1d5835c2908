"""A rebuild's bulk load, in one process or split by aggregate across two, gives the rows the
batch runner gives for the same log: the demo district with its corrections, and an erasure."""

from __future__ import annotations

from domain.commands import RegisterUnit
from domain.values import ERASED_NAME
from infra.clock import PinnedClock
from infra.demo import BulkApplication, generate
from infra.erasure import erase_personal_data
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings
from projections.runner import (
    canonical_dump,
)
from tests.conftest import SUITE_AT


def test_bulk_load_in_parts_equals_the_batch_runner(store_settings: Settings) -> None:
    app = BulkApplication(env=application_env(store_settings), clock=PinnedClock(SUITE_AT))
    generate(app, "demo")
    app.close()
    rt = open_runtime(store_settings, clock=PinnedClock(SUITE_AT))
    try:
        rm = rt.read_model
        erased = rm.cadres(rm.moment(), limit=1)[0]["id"]
        erase_personal_data(rt, erased, reason="Yêu cầu của chủ thể dữ liệu", recorded_by="admin")
        # The reference: what the batch runner made of the log as it came (the generation,
        # then the erasure applied live), counts included.
        rt.catch_up()
        expected = canonical_dump(rt.engine, rm.tables())
        assert sum(len(rows) for rows in expected.values()) > 10_000
        assert ERASED_NAME in {row[1] for row in expected["cadres"]}  # (cadre_id, full_name…)

        for workers in (1, 2):
            rt.rebuild(workers=workers)
            assert canonical_dump(rt.engine, rm.tables()) == expected, workers
        # The rebuilt read side goes on with the runner (a unit fact's id: the sequences).
        rt.app.register_unit(RegisterUnit(
            code="X-1", name="Phòng Mới", kind="phong", established_on=SUITE_AT.date()),
            recorded_by="to_chuc")
        rt.catch_up()
        assert "Phòng Mới" in {u["name"] for u in rm.units(rm.moment())}
    finally:
        rt.close()
