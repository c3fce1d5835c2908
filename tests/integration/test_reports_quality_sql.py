"""The cadre-quality report counted in SQL (issue 19) equals counting each cadre in Python.

The oracle is the report's former per-person tally, `reports.cadre_quality_by_person`
(`quality_profile` for every cadre in scope, each in the unit of their most senior post), run
on the demo district at several dates, `known_at` positions and scopes; the bodies must be
identical, digests included.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.rules.retirement import retirement_age_reached_on
from infra.clock import PinnedClock
from infra.demo import BulkApplication, generate
from infra.persistence import application_env
from infra.runtime import Runtime, open_runtime
from projections import reports
from tests.conftest import SUITE_AT, fresh_store


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with fresh_store(request.param, Path(tmp_path_factory.mktemp("quality"))) as settings:
        app = BulkApplication(env=application_env(settings), clock=PinnedClock(SUITE_AT))
        generate(app, "demo")
        app.close()
        runtime = open_runtime(settings, clock=PinnedClock(SUITE_AT))
        yield runtime
        runtime.close()


def test_sql_counts_equal_the_per_person_tally(demo: Runtime) -> None:
    rm = demo.read_model
    head = demo.log.head()
    assert head is not None
    units = [u["id"] for u in rm.units(rm.moment(as_of=date(2022, 6, 30)))][:4]
    checked = 0
    for as_of in (date(2010, 3, 1), date(2016, 12, 31), date(2022, 6, 30), date(2025, 7, 1),
                  SUITE_AT.date()):
        for position in (head[0] // 3, head[0]):
            at = demo.log.recorded_at(position)
            m = rm.moment(as_of, at)
            for tier, unit in ((None, None), ("quan_uy", None), *((None, u) for u in units)):
                try:
                    expected = reports.cadre_quality_by_person(rm, m, tier, unit)
                except Exception:  # noqa: BLE001 - a unit not there that day: both refuse
                    with pytest.raises(Exception):  # noqa: B017
                        reports.cadre_quality(rm, m, tier, unit)
                    continue
                assert reports.cadre_quality(rm, m, tier, unit) == expected
                checked += expected["total"]
    assert checked > 500


def test_age_cutoffs_give_the_band_of_every_birth_date() -> None:
    for on in (date(2019, 12, 31), date(2022, 6, 30), date(2024, 2, 29), date(2027, 7, 1),
               date(2031, 3, 1)):
        cut = reports.AgeCutoffs.of(on)
        born = date(on.year - 75, 1, 1)
        while born <= date(on.year - 18, 12, 31):
            for gender in ("nam", "nu"):
                assert cut.band(born, gender) == reports.age_band(born, gender, on), (born, on)
            born += timedelta(days=1)
        assert retirement_age_reached_on(cut.retired["nam"] or on, "nam") <= on
