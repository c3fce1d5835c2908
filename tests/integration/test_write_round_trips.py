"""Writes under load (issue 15): what the write path and the projector no longer do per write,
and what they still guarantee.

- The projector keeps its runner and the runner its position: a look with nothing new reads the
  log head and nothing of the read side's tables; a batch ends at the head it found (no last,
  empty batch); a rebuild elsewhere retires its generation and it moves to the new one.
- PostgreSQL: a write (lock, events, chain links, commit) is one round trip; its chain verifies
  in the database and in this process, a version conflict leaves nothing behind, and a write
  after the server dropped the pool's connections is recorded (the library's retry).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from sqlalchemy import Engine, select
from sqlalchemy import event as sqlalchemy_event

from domain.commands import RegisterCadre
from domain.errors import Conflict
from domain.values import Gender
from infra.persistence import postgres_parts
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from projections.tables import generations


def register(runtime: Runtime, name: str, national_id: str | None = None) -> int:
    return runtime.app.register_cadre(RegisterCadre(
        full_name=name, gender=Gender.NU, born_on=date(1985, 1, 2), national_id=national_id),
        recorded_by="test").position


class Statements:
    """The statements an engine runs while counted."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        sqlalchemy_event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if table in s]


@pytest.fixture
def runtime(store_settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(store_settings)
    yield rt
    rt.close()


def test_a_look_with_nothing_new_reads_nothing_of_the_read_side(runtime: Runtime) -> None:
    register(runtime, "Lê Thị Một")
    runtime.catch_up()
    counted = Statements(runtime.engine)
    for _ in range(3):  # three notifications, nothing new behind them
        runtime._apply()
    assert counted.touching("rm_meta") == []
    assert counted.touching("rm") == []


def test_a_batch_ends_at_the_head_it_found(runtime: Runtime) -> None:
    runtime.catch_up()
    head = register(runtime, "Lê Thị Hai")
    counted = Statements(runtime.engine)
    assert runtime._apply() == head
    # One batch: its lock-and-read of the position and its claim; no empty batch after it.
    assert len([s for s in counted.touching("UPDATE rm_meta")]) == 2
    with runtime.engine.connect() as conn:
        active = conn.execute(select(generations.c.position)
                              .where(generations.c.state == "active")).scalar()
    assert active == head


def test_a_rebuild_elsewhere_moves_the_projector_to_the_new_generation(
        store_settings: Settings, runtime: Runtime) -> None:
    runtime.catch_up()
    old = runtime.read_model.applied_position()
    other = open_runtime(store_settings)
    try:
        other.rebuild()  # retires (and drops) the generation `runtime`'s runner applies to
    finally:
        other.close()
    head = register(runtime, "Lê Thị Ba")
    assert runtime._apply() == head > old
    with runtime.engine.connect() as conn:
        active = conn.execute(select(generations.c.generation, generations.c.position)
                              .where(generations.c.state == "active")).one()
    assert runtime._runner is not None and runtime._runner.tables.generation == active[0]
    assert active[1] == head


class Note(Aggregate):
    """A bare aggregate: two copies of one version make the conflict."""

    def __init__(self) -> None:
        self.times = 0

    @event("Bumped")
    def bump(self) -> None:
        self.times += 1


@pytest.mark.postgres
def test_one_round_trip_writes_chain_and_refuse_a_conflict(postgres_settings: Settings) -> None:
    rt = open_runtime(postgres_settings)
    try:
        # Several aggregates per save (the national ID's index): one batch, one chain.
        positions = [register(rt, f"Trần Văn {i}", f"0010800{i:05d}") for i in range(4)]
        note = Note()
        rt.app.commit(note)
        fresh, stale = rt.app.repository.get(note.id), rt.app.repository.get(note.id)
        fresh.bump()
        stale.bump()
        rt.app.commit(fresh)
        head_before = rt.log.head()
        with pytest.raises(Conflict):
            rt.app.commit(stale)  # the same version again
        assert rt.log.head() == head_before  # nothing of the refused batch was chained
        later = register(rt, "Trần Văn Sau")
        assert later > max(positions)
        assert rt.log.verify().ok
        assert rt.log.verify(in_database=False).ok
    finally:
        rt.close()


@pytest.mark.postgres
def test_a_write_after_the_server_dropped_the_pools_connections_is_recorded(
        postgres_settings: Settings) -> None:
    rt = open_runtime(postgres_settings)
    try:
        register(rt, "Phạm Thị Trước")
        dbname = postgres_parts(postgres_settings.database_url)["dbname"]
        with psycopg.connect(postgres_settings.test_postgres_url, autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = %s AND pid <> pg_backend_pid()",
                                  (dbname,)).fetchall()
        assert ended
        position = register(rt, "Phạm Thị Sau")
        assert rt.log.head() is not None and rt.log.head()[0] == position  # type: ignore[index]
        assert rt.log.verify().ok
    finally:
        rt.close()
