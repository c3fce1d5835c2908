"""The cadre-quality report counted in SQL (issue 19) equals counting each cadre in Python.

The oracle below is the report's former per-person tally (`quality_profile` for every cadre in
scope, each in the unit of their most senior post), run on the demo district at several dates,
`known_at` positions and scopes; the bodies must be identical, digests included.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import and_, select

from domain.rules.retirement import retirement_age_reached_on
from infra.clock import PinnedClock
from infra.demo import BulkApplication, generate
from infra.persistence import application_env
from infra.runtime import Runtime, open_runtime
from projections import reports
from projections.bitemporal import held_on, in_force
from projections.read_model import Moment
from tests.conftest import SUITE_AT, fresh_store


def per_person(model: Any, m: Moment, tier: str | None = None,
               unit_id: UUID | None = None) -> dict[str, Any]:
    scope = reports.scope_for(model, m, tier, unit_id)
    t = reports.tables_of(model)
    h, c, lv = t.holdings, t.cadres, t.levels
    k, day = m.position, m.as_of
    holds = and_(in_force(h, k), held_on(h, day), *scope.holding_filter(h))
    titles = {r["code"]: r for r in model.titles()}
    with model.engine.connect() as conn:
        holdings = conn.execute(select(h.c.cadre_id, h.c.unit_id, h.c.title_code, h.c.since)
                                .where(holds)).all()
        in_scope = select(h.c.cadre_id).where(holds).distinct()
        identities = {r["cadre_id"]: dict(r) for r in conn.execute(
            select(c.c.cadre_id, c.c.gender, c.c.born_on, c.c.party_joined_on, c.c.sensitive)
            .where(in_force(c, k), c.c.cadre_id.in_(in_scope))).mappings()}
        levels: dict[UUID, list[tuple[str, str, int]]] = {}
        for r in conn.execute(select(lv.c.cadre_id, lv.c.kind, lv.c.level, lv.c.rank).where(
                in_force(lv, k), lv.c.obtained_on <= day, lv.c.cadre_id.in_(in_scope))):
            levels.setdefault(r.cadre_id, []).append((r.kind, r.level, r.rank))
    primary: dict[UUID, tuple[Any, ...]] = {}
    for cadre_id, unit, code, since in holdings:
        key = (-int(titles.get(code, {}).get("rank", 0)), since, str(unit), code)
        if cadre_id not in primary or key < primary[cadre_id][0]:
            primary[cadre_id] = (key, unit)
    total, by_unit = reports.Tally(), dict[UUID, reports.Tally]()
    for cadre_id, identity in identities.items():
        person = reports.quality_profile(identity, levels.get(cadre_id, ()), day)
        total.add(person)
        by_unit.setdefault(primary[cadre_id][1], reports.Tally()).add(person)
    columns = total.flat()
    timeline = model.timeline()
    units = []
    for unit, tally in by_unit.items():
        view = timeline.view(unit, m.as_of, m.position) or {}
        row = tally.flat()
        units.append({"unit_id": unit, "unit_code": view.get("code"),
                      "unit_name": view.get("name"), **{k: row.get(k, 0) for k in columns}})
    units.sort(key=lambda u: (str(u["unit_code"]), str(u["unit_id"])))
    body = dict(report="cadre_quality", version=reports.REPORT_VERSION, as_of=day,
                scope=scope.describe(), **total.summary(), units=units, units_total=columns)
    return reports.finish(body, m)


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
                    expected = per_person(rm, m, tier, unit)
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
