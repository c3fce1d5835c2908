"""The log's sessions on PostgreSQL run without JIT. The chain's link statement and the
projector's read after a position are planned for a large share of the table (their bounds are
a subquery or a parameter), so on a large log their estimated cost passes jit_above_cost and
every execution compiled them: a write's link statement took 17-42 ms at 116k events under the
log's EXCLUSIVE lock (0.08 ms without), and writes through two workers fell to 41 per second."""

from __future__ import annotations

from datetime import date

import pytest

from domain.commands import RegisterCadre
from domain.values import Gender
from infra.runtime import open_runtime
from infra.settings import Settings

pytestmark = pytest.mark.postgres


def test_the_recorder_and_the_log_reader_compile_nothing(postgres_settings: Settings) -> None:
    runtime = open_runtime(postgres_settings)
    try:
        # A write and a read through each: the sessions they used are the ones asked.
        runtime.app.register_cadre(RegisterCadre(full_name="Lê Thị Hoa", gender=Gender.NU,
                                                 born_on=date(1985, 5, 5)), recorded_by="test")
        assert runtime.log.select(0, 1)
        with runtime.app.factory.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert conn.execute("SHOW jit").fetchone() == {"jit": "off"}
        assert runtime.log.rows("SHOW jit") == [("off",)]
    finally:
        runtime.close()
