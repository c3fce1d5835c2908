"""The runner's driver-level executemany stores exactly what SQLAlchemy Core would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from sqlalchemy import JSON, insert, select

from infra.database import engine_for
from infra.settings import Settings
from projections.runner import insert_many
from projections.tables import read_tables


def test_fast_inserts_equal_core_inserts(store_settings: Settings) -> None:
    engine = engine_for(store_settings)
    core, fast = read_tables(901), read_tables(902)
    rows = [dict(holding_id=uuid4(), cadre_id=uuid4(), unit_id=uuid4(), title_code="truong_phong",
                 kind="bo_nhiem", since=date(2021, 3, 1), until=until, end_reason=None,
                 decision={"number": "12-QĐ/QU", "signed_on": "2021-02-20", "signer": "Lê"},
                 ending_decision=None, special_case=flag, planned_end_on=None,
                 appointed_position=10 + i, ended_position=None, rec_from=10 + i, rec_to=rec_to)
            for i, (until, flag, rec_to) in enumerate([(None, False, None),
                                                       (date(2022, 1, 1), True, 99)])]
    logs = [dict(position=1, recorded_at=datetime(2026, 11, 24, 3, 4, 5, 123456, tzinfo=UTC),
                 recorded_by="Nguyễn Thị Lan", type="Cadre.Appointed", originator_id=uuid4(),
                 cadre_id=None)]
    try:
        for t in (core, fast):
            t.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(core.holdings), rows)
            conn.execute(insert(core.log), logs)
            insert_many(conn, fast.holdings, tuple(rows[0]), rows)
            insert_many(conn, fast.log, tuple(logs[0]), logs)
        with engine.connect() as conn:
            for a, b in ((core.holdings, fast.holdings), (core.log, fast.log)):
                columns = [c.name for c in a.c if c.name != "id"]
                got = [conn.execute(select(*(t.c[n] for n in columns)).order_by(t.c[columns[0]]))
                       .all() for t in (a, b)]
                assert got[0] == got[1]
                assert len(got[0]) == len(rows if a is core.holdings else logs)
                # The stored values themselves, not only what they read back as (but JSON
                # columns: Core stores None as JSON null, the runner as SQL NULL).
                plain = [n for n in columns if not isinstance(a.c[n].type, JSON)]
                stored = [conn.exec_driver_sql(
                    f"SELECT {', '.join(plain)} FROM {t.name} ORDER BY {plain[0]}").all()
                    for t in (a, b)]
                assert stored[0] == stored[1]
    finally:
        for t in (core, fast):
            t.metadata.drop_all(engine)
        engine.dispose()
