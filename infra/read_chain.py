"""The read audit's own hash chain and Merkle tree (ADR 0006).

Who read whose file is evidence too: an edited or deleted `access_reads` row must show. Each
row gets a link in `access_reads_chain` — ``hash = SHA-256(prev_hash || id (8 bytes) ||
canonical JSON of the row)`` — and a leaf in the tree `reads_tree`, written in the same
transaction as the rows (the read audit's group commit, infra/access.py). Checkpoints of this
tree have the origin `<key name>/reads`; proofs and `hoso verify` work on them as on the log's.
"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime
from hashlib import sha256
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, Engine, text

from infra.chain import GENESIS, VerifyResult, iso_utc
from infra.log_tree import Many, Rows, TreeTables, extend

READS = "access_reads"
READS_CHAIN = "access_reads_chain"
READS_TREE = TreeTables("reads_tree", READS_CHAIN, key="id")
_COLUMNS = ("reader", "role", "read_at", "cadre_id", "what", "as_of", "known_at", "position")


def ensure_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            ddl = [f"CREATE TABLE IF NOT EXISTS {READS_CHAIN} (id bigint PRIMARY KEY, "
                   "hash bytea NOT NULL)", *READS_TREE.postgres_ddl("public")]
        else:
            ddl = [f"CREATE TABLE IF NOT EXISTS {READS_CHAIN} (id INTEGER PRIMARY KEY, "
                   "hash BLOB NOT NULL)", *READS_TREE.sqlite_ddl()]
        for statement in ddl:
            conn.execute(text(statement))


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str) and len(value) == 32 and "-" not in value:
        try:  # SQLite keeps UUIDs as 32 hex digits
            return str(UUID(value))
        except ValueError:
            return value
    return value


def read_link(prev: bytes, row_id: int, row: Any) -> bytes:
    body = orjson.dumps({c: _text(row[c]) for c in _COLUMNS}, option=orjson.OPT_SORT_KEYS)
    return sha256(prev + struct.pack(">q", row_id) + body).digest()


def _statements(conn: Connection) -> tuple[Rows, Many]:
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    if conn.dialect.name == "postgresql":
        from infra.chain import postgres_statements

        return postgres_statements(cursor)
    from infra.chain import sqlite_statements

    return sqlite_statements(cursor)


def lock(conn: Connection) -> None:
    """Before the rows are inserted: on PostgreSQL one writer at a time extends the chain, so
    ids (drawn at insert) follow the chain's order. SQLite's insert takes the write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {READS_CHAIN} IN EXCLUSIVE MODE"))


def chain_new_rows(conn: Connection) -> None:
    """After the rows are inserted, in the same transaction: link every row not yet chained.
    On the DBAPI cursor (as the tree's statements): this runs for every batch of the read
    audit, that is for nearly every read (issue 15)."""
    rows, many = _statements(conn)
    head = rows(_HEAD_SQL, ())
    prev, after = (GENESIS, 0) if not head else (bytes(head[0][1]), int(head[0][0]))
    links: list[tuple[int, bytes]] = []
    for row in rows(_NEW_ROWS_SQL, (after,)):
        prev = read_link(prev, int(row[0]), dict(zip(_COLUMNS, row[1:], strict=True)))
        links.append((int(row[0]), prev))
    if not links:
        return
    many(f"INSERT INTO {READS_CHAIN} (id, hash) VALUES (?, ?)", links)
    extend(rows, many, READS_TREE, links)


_HEAD_SQL = f"SELECT id, hash FROM {READS_CHAIN} ORDER BY id DESC LIMIT 1"
_NEW_ROWS_SQL = f"SELECT id, {', '.join(_COLUMNS)} FROM {READS} WHERE id > ? ORDER BY id"


def verify_reads(engine: Engine) -> VerifyResult:
    """Recompute the read audit's chain: an edited, deleted or inserted row shows."""
    prev, checked, head = GENESIS, 0, 0
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT r.id, {', '.join('r.' + c for c in _COLUMNS)}, "
                                 f"c.id AS chained, c.hash FROM {READS} r FULL OUTER JOIN "
                                 f"{READS_CHAIN} c ON c.id = r.id ORDER BY "
                                 "COALESCE(r.id, c.id)")).mappings().all() \
            if engine.dialect.name == "postgresql" else _sqlite_rows(conn)
    for row in rows:
        at = row["id"] if row["id"] is not None else row["chained"]
        if row["id"] is None:
            return VerifyResult(False, checked, head, prev.hex(), at, "chain link without row")
        if row["chained"] is None:
            return VerifyResult(False, checked, head, prev.hex(), at, "row without chain link")
        link = read_link(prev, int(row["id"]), row)
        if link != bytes(row["hash"]):
            return VerifyResult(False, checked, head, prev.hex(), at, "hash mismatch")
        prev, head, checked = link, int(row["id"]), checked + 1
    return VerifyResult(True, checked, head, prev.hex(), None, None)


def _sqlite_rows(conn: Connection) -> list[Any]:
    # SQLite before 3.39 has no FULL OUTER JOIN: both directions, merged.
    columns = ", ".join("r." + c for c in _COLUMNS)
    both = conn.execute(text(
        f"SELECT r.id, {columns}, c.id AS chained, c.hash FROM {READS} r LEFT JOIN "
        f"{READS_CHAIN} c ON c.id = r.id UNION ALL SELECT NULL, "
        f"{', '.join('NULL' for _ in _COLUMNS)}, c.id, c.hash FROM {READS_CHAIN} c "
        f"WHERE c.id NOT IN (SELECT id FROM {READS}) ORDER BY 1")).mappings().all()
    return sorted(both, key=lambda r: r["id"] if r["id"] is not None else r["chained"])
