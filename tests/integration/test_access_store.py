"""Bearer tokens kept only as hashes, and the audit of who read whose record (both stores)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select, update

from infra.access import AccessStore, access_reads, access_tokens
from infra.database import engine_for
from infra.settings import Settings
from tests.conftest import suite_clock


@pytest.fixture
def store(store_settings: Settings) -> Iterator[AccessStore]:
    engine = engine_for(store_settings)
    yield AccessStore(engine, suite_clock())
    engine.dispose()


def test_a_token_is_stored_only_as_its_hash(store: AccessStore) -> None:
    unit = uuid4()
    token = store.create_token(name="Ban Tổ chức", role="personnel", unit_id=unit)
    with store.engine.connect() as conn:
        rows = conn.execute(select(access_tokens)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in rows[0].values()}
    holder = store.holder(token)
    assert holder is not None
    assert (holder.name, holder.role, holder.unit_id, holder.cadre_id) == (
        "Ban Tổ chức", "personnel", unit, None)
    assert store.holder(token + "x") is None
    assert store.create_token(name="Ban Tổ chức 2", role="personnel", unit_id=unit) != token


def test_a_revoked_token_no_longer_opens(store: AccessStore) -> None:
    token = store.create_token(name="kiểm tra", role="inspector")
    with store.engine.begin() as conn:
        conn.execute(update(access_tokens).values(revoked_at=suite_clock().now()))
    assert store.holder(token) is None


@pytest.mark.parametrize("role, unit, cadre", [
    ("owner", None, None), ("personnel", None, None), ("leader", None, None),
    ("self", None, None)])
def test_tokens_need_a_known_role_and_their_scope(store: AccessStore, role: str,
                                                   unit: None, cadre: None) -> None:
    with pytest.raises(ValueError):
        store.create_token(name="x", role=role, unit_id=unit, cadre_id=cadre)


def test_every_read_is_recorded_and_queryable(store: AccessStore) -> None:
    cadre, other = uuid4(), uuid4()
    known = datetime(2022, 7, 15, 9, 30, tzinfo=UTC) + timedelta(hours=7)
    store.record_read(reader="lãnh đạo", role="leader", cadre_id=cadre, what="profile",
                      as_of=date(2022, 6, 30), known_at=known, position=41)
    store.record_read(reader="Ủy ban Kiểm tra", role="inspector", cadre_id=cadre,
                      what="record", as_of=date(2022, 6, 30), known_at=known, position=41)
    store.record_read(reader="lãnh đạo", role="leader", cadre_id=other, what="cv",
                      as_of=date(2023, 1, 1), known_at=known, position=50)
    reads = store.reads(cadre_id=cadre)
    assert [(r.reader, r.what) for r in reads] == [("Ủy ban Kiểm tra", "record"),
                                                   ("lãnh đạo", "profile")]
    assert all(r.known_at == known and r.known_at.tzinfo is not None for r in reads)
    assert reads[0].as_of == date(2022, 6, 30) and reads[0].position == 41
    assert [r.cadre_id for r in store.reads(reader="lãnh đạo")] == [other, cadre]
    later = suite_clock().now() + timedelta(minutes=1)
    assert store.reads(from_=later) == []
    assert len(store.reads(to=later)) == 3
    assert len(store.reads(limit=1)) == 1
    with pytest.raises(ValueError):
        store.record_read(reader="x", role="admin", cadre_id=cadre, what="photo",
                          as_of=date(2022, 1, 1), known_at=known, position=1)
    with store.engine.connect() as conn:
        assert conn.execute(select(access_reads.c.id)).all().__len__() == 3


def test_opening_twice_keeps_the_tables(store_settings: Settings) -> None:
    engine = engine_for(store_settings)
    try:
        first = AccessStore(engine, suite_clock())
        token = first.create_token(name="a", role="admin")
        assert AccessStore(engine, suite_clock()).holder(token) is not None
    finally:
        engine.dispose()


def test_reads_awaited_on_an_event_loop_are_committed_together_and_durable_on_return(
        store_settings: Settings, store: AccessStore) -> None:
    """The profile read awaits its audit row on the event loop (issue 15): when the await
    returns, the row is committed (another store on its own engine sees it and the chain
    verifies); rows of concurrent requests share commits; a failed commit reaches every
    caller whose row it carried."""
    from infra.read_chain import verify_reads

    known = datetime(2022, 7, 15, 9, 30, tzinfo=UTC)
    other_engine = engine_for(store_settings)
    other = AccessStore(other_engine, suite_clock())
    commits: list[int] = []
    chain = store._reads.after
    assert chain is not None

    def counted(conn: object) -> None:
        commits.append(1)
        chain(conn)  # type: ignore[arg-type]

    store._reads.after = counted

    async def read(i: int) -> int:
        await store.record_read_async(reader=f"đọc {i}", role="inspector", cadre_id=uuid4(),
                                      what="profile", as_of=date(2022, 6, 30),
                                      known_at=known, position=i)
        return len(other.reads(reader=f"đọc {i}"))

    async def reads(n: int) -> list[int]:
        return await asyncio.gather(*(read(i) for i in range(n)))

    try:
        assert asyncio.run(reads(24)) == [1] * 24
        assert 1 <= len(commits) < 24
        assert verify_reads(store.engine).ok

        def refused(conn: object) -> None:
            raise RuntimeError("disk full")

        async def failing(n: int) -> list[BaseException | int]:
            return await asyncio.gather(*(read(i) for i in range(n)), return_exceptions=True)

        store._reads.after = refused
        failed = asyncio.run(failing(3))
        assert [str(e) for e in failed] == ["disk full"] * 3
        assert len(other.reads(limit=100)) == 24  # the failed batch left nothing
        store._reads.after = chain  # the writer goes on after a failure
        store.record_read(reader="sau", role="inspector", cadre_id=uuid4(), what="profile",
                          as_of=date(2022, 6, 30), known_at=known, position=99)
        assert len(other.reads(limit=100)) == 25
        assert verify_reads(store.engine).ok
    finally:
        other_engine.dispose()
