"""The cadre profile as answered, kept in the database for the read position it was built at.

The profile is the hot read (issue 15): five queries and a document built for each. Between
two writes every reader of a cadre gets the same answer for the same business date, so the
first reader's answer for today (its JSON bytes, less `known_at`, which is the reader's own
instant) is kept here and the next readers are served it with one query.

A kept document is valid for exactly one read position of one generation: the one it was
built at. That rule needs no knowledge of which events touch which profile (unit names, title
names, corrections, erasures of other cadres all change answers), and it keeps its promise:
- the projector deletes every document of an older position in the transaction that moves the
  read side on (`discard_before`; `discard_other_generations` when a generation is activated),
  so a document never outlives its position, and an erasure, which moves the position, leaves
  no copy of the name here for the compaction to miss;
- a document is only inserted if its position is still the active generation's position
  (`keep`), checked in the inserting statement: on PostgreSQL under a share lock on the
  generation's row, which the projector's first statement updates, so the two take turns and
  a late insert cannot land after the delete.

The table is in the meta schema (not a generation's), so that adding it needs no rebuild; its
rows name their generation. They are personal data (names, dates of birth): shared by every
worker, never held in one process's memory (the brief), and erased with the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Integer,
    LargeBinary,
    Table,
    Uuid,
    bindparam,
    delete,
    exists,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite as sqlite_dialect

from projections.tables import generations, meta_metadata

profile_documents = Table(
    "rm_profile_documents",
    meta_metadata,
    Column("cadre_id", Uuid, primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("built_at", BigInteger, nullable=False),
    # The answer's JSON bytes without `known_at` (api/routes/cadres.py puts the reader's in).
    Column("body", LargeBinary, nullable=False),
)

_d = profile_documents
_FIND = select(_d.c.body).where(_d.c.cadre_id == bindparam("cid"), _d.c.as_of == bindparam("day"),
                                _d.c.generation == bindparam("g"), _d.c.built_at == bindparam("k"))


def find(conn: Connection, cadre_id: UUID, as_of: date, generation: int,
         position: int) -> bytes | None:
    """The document kept for this cadre and date at this very position, if any."""
    body = conn.execute(_FIND, {"cid": cadre_id, "day": as_of, "g": generation,
                                "k": position}).scalar()
    return None if body is None else bytes(body)


# The same lookup as plain SQL over a kept SQLite connection (projections/read_model.py
# `KeptConnection`), its parameters stored as the columns' types store them there.
_FIND_SQLITE = (f"SELECT body FROM {_d.name} WHERE cadre_id = ? AND as_of = ? AND generation = ? "
                "AND built_at = ?")
_sqlite = sqlite_dialect()
_cadre_param = _d.c.cadre_id.type.bind_processor(_sqlite)
_date_param = _d.c.as_of.type.bind_processor(_sqlite)


class FirstRow(Protocol):
    def first(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None: ...


def find_sqlite(kept: FirstRow, cadre_id: UUID, as_of: date, generation: int,
                position: int) -> bytes | None:
    cid = _cadre_param(cadre_id) if _cadre_param else cadre_id
    day = _date_param(as_of) if _date_param else as_of
    row = kept.first(_FIND_SQLITE, (cid, day, generation, position))
    return None if row is None else bytes(row[0])


def keep(conn: Connection, documents: Sequence[dict[str, Any]]) -> None:
    """Insert or replace each document (keys: cadre_id, as_of, generation, built_at, body),
    unless the read side has moved past its position meanwhile (then it is dropped)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    g = generations
    for doc in documents:
        # The share lock (PostgreSQL; SQLite has one writer) makes a projector batch under way
        # finish first, and then the position no longer matches, or wait for this insert, and
        # then its delete sees the row.
        current = (select(g.c.generation)
                   .where(g.c.generation == doc["generation"], g.c.state == "active",
                          g.c.position == doc["built_at"])
                   .with_for_update(read=True))
        values = select(literal(doc["cadre_id"], Uuid), literal(doc["as_of"], Date),
                        literal(doc["generation"], Integer),
                        literal(doc["built_at"], BigInteger),
                        literal(doc["body"], LargeBinary)).where(exists(current))
        statement = dialect_insert(_d).from_select(
            ["cadre_id", "as_of", "generation", "built_at", "body"], values)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[_d.c.cadre_id, _d.c.as_of],
            set_={"generation": statement.excluded.generation,
                  "built_at": statement.excluded.built_at, "body": statement.excluded.body}))


def discard_before(conn: Connection, generation: int, position: int) -> None:
    """Delete `generation`'s documents of positions before `position`: in the projector's
    transaction that moves the read side to `position`."""
    conn.execute(delete(_d).where(_d.c.generation == generation, _d.c.built_at < position))


def discard_other_generations(conn: Connection, generation: int) -> None:
    """Delete the documents of every generation but `generation`: in the transaction that
    makes it the active one."""
    conn.execute(delete(_d).where(_d.c.generation != generation))
