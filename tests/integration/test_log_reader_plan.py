"""The projector reads the log after its position on every batch (`LogReader.select`). On
PostgreSQL the prepared statement runs on a generic plan; that plan must read the chain from
the position on, not from the start of the log: a scan that grows with the log made every batch
cost 133 ms at 1M events."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from domain.commands import RegisterCadre
from domain.values import Gender
from infra.chain import CHAIN_TABLE, select_after_sql
from infra.runtime import open_runtime
from infra.settings import Settings

pytestmark = pytest.mark.postgres


def scans_of(plan: dict[str, Any], relation: str) -> list[dict[str, Any]]:
    found = [plan] if plan.get("Relation Name") == relation else []
    for child in plan.get("Plans", []):
        found += scans_of(child, relation)
    return found


def test_the_generic_plan_reads_the_chain_from_the_position_on(
        postgres_settings: Settings) -> None:
    runtime = open_runtime(postgres_settings)
    try:
        for i in range(400):
            runtime.app.register_cadre(RegisterCadre(full_name=f"Trần Văn {i}", gender=Gender.NAM,
                                                     born_on=date(1980, 1, 1 + i % 28)),
                                       recorded_by="test")
        found = runtime.log.head()
        assert found is not None
        head = found[0]
        after = head - 3
        assert [r.position for r in runtime.log.select(after, 500)] == [head - 2, head - 1, head]
    finally:
        runtime.close()
    sql = select_after_sql("notification_id").replace("?", "%s")
    with psycopg.connect(postgres_settings.database_url, autocommit=True) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE after_position(bigint, bigint, bigint) AS "
                     f"{sql.replace('%s', '$1', 1).replace('%s', '$2', 1).replace('%s', '$3', 1)}")
        # A utility statement takes no bound parameters: the integers are written in.
        row = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) "
                           f"EXECUTE after_position({int(after)}, {int(after)}, 500)").fetchone()
    assert row is not None
    (chain_scan,) = scans_of(row[0][0]["Plan"], CHAIN_TABLE)
    # The three rows after the position (and the one where the scan stops), not the whole log.
    assert chain_scan["Actual Rows"] <= 4, chain_scan
