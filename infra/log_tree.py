"""The persisted Merkle tree over a chained log (ADR 0006).

Two tables per tree: ``<name>`` holds the hash of every complete subtree by (level, index)
(level 0: the leaf hashes), ``<name>_leaves`` maps a log position to its leaf index (positions
may have gaps on PostgreSQL, leaf indexes do not). The tree grows in the same transaction as
the chain it covers (`extend`), so a committed entry is always in the tree; a proof for any
position and any earlier size reads at most 2·log2(n) nodes in one query (`TreeReader`).
Nodes never change once written: the tree of every earlier size stays answerable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from infra import merkle
from infra.merkle import Node, ProofError

# rows(sql, params) runs one statement and returns its rows as tuples; many(sql, rows) runs one
# statement for each row. Placeholders are written "?"; each adapter turns them into its own.
Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
Many = Callable[[str, Sequence[Sequence[Any]]], None]


@dataclass(frozen=True)
class TreeTables:
    name: str  # the nodes table; leaves in name + "_leaves"
    chain: str  # the chained table whose (position, hash) rows are the leaves
    key: str = "position"  # the chained table's position column (the read audit's is `id`)

    @property
    def leaves(self) -> str:
        return f"{self.name}_leaves"

    def sqlite_ddl(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.name} (level INTEGER NOT NULL, "
            "idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.leaves} (position INTEGER PRIMARY KEY, "
            "leaf INTEGER NOT NULL UNIQUE)",
        ]

    def postgres_ddl(self, schema: str) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {schema}.{self.name} (level smallint NOT NULL, "
            "idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))",
            f"CREATE TABLE IF NOT EXISTS {schema}.{self.leaves} (position bigint PRIMARY KEY, "
            "leaf bigint NOT NULL UNIQUE)",
        ]


LOG_TREE = TreeTables("log_tree", "log_chain")


def _node_filter(nodes: Sequence[Node]) -> tuple[str, list[int]]:
    where = " OR ".join(["(level = ? AND idx = ?)"] * len(nodes))
    return where, [v for node in nodes for v in node]


def fetch_nodes(rows: Rows, tables: TreeTables, nodes: Sequence[Node]) -> dict[Node, bytes]:
    found: dict[Node, bytes] = {}
    # Bounded statements: a proof needs at most ~2·64 nodes, a frontier at most 64.
    for start in range(0, len(nodes), 64):
        part = nodes[start:start + 64]
        where, params = _node_filter(part)
        for level, idx, h in rows(f"SELECT level, idx, hash FROM {tables.name} WHERE {where}",
                                  params):
            found[(int(level), int(idx))] = bytes(h)
    return found


def tree_head(rows: Rows, tables: TreeTables) -> tuple[int, int]:
    """(size, last position in the tree); (0, 0) for an empty tree."""
    got = rows(f"SELECT leaf, position FROM {tables.leaves} ORDER BY leaf DESC LIMIT 1", ())
    return (0, 0) if not got else (int(got[0][0]) + 1, int(got[0][1]))


def extend(rows: Rows, many: Many, tables: TreeTables,
           links: Sequence[tuple[int, bytes]]) -> int:
    """Append chain links (position, chain hash), in position order, inside the caller's
    transaction (which holds the chain's write lock). Chain rows the tree lacks before them
    (a store written before the tree existed, a restore) are taken in first. Returns the size.
    """
    size, last = tree_head(rows, tables)
    before = links[0][0] if links else None
    if before is None or before > last + 1:
        # One indexed probe in the usual case (nothing missing).
        bound = "" if before is None else f" AND {tables.key} < ?"
        missing = rows(f"SELECT {tables.key}, hash FROM {tables.chain} WHERE {tables.key} > ?"
                       f"{bound} ORDER BY {tables.key}", (last,) if before is None
                       else (last, before))
        links = [(int(p), bytes(h)) for p, h in missing] + list(links)
    if not links:
        return size
    known = fetch_nodes(rows, tables, merkle.frontier(size))
    made = merkle.append_nodes(size, [merkle.leaf_hash(h) for _, h in links], known)
    many(f"INSERT INTO {tables.name} (level, idx, hash) VALUES (?, ?, ?)", made)
    many(f"INSERT INTO {tables.leaves} (position, leaf) VALUES (?, ?)",
         [(p, size + i) for i, (p, _) in enumerate(links)])
    return size + len(links)


def catch_up(rows: Rows, many: Many, tables: TreeTables, batch: int = 50_000) -> int:
    """Take in every chain row the tree lacks, in bounded batches; returns the size."""
    while True:
        size, last = tree_head(rows, tables)
        got = rows(f"SELECT {tables.key}, hash FROM {tables.chain} WHERE {tables.key} > ? "
                   f"ORDER BY {tables.key} LIMIT ?", (last, batch))
        if not got:
            return size
        extend(rows, many, tables, [(int(p), bytes(h)) for p, h in got])


# --- proofs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    position: int
    leaf_index: int
    size: int
    entry_hash: bytes  # the chain hash at `position` (the leaf's data)
    previous_hash: bytes  # the chain hash before it: with the entry, recomputes entry_hash
    root: bytes
    path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: list[bytes]


class TreeReader:
    """Roots and proofs from the persisted tree, through any `rows` function."""

    def __init__(self, rows: Rows, tables: TreeTables = LOG_TREE) -> None:
        self.rows, self.tables = rows, tables

    def size(self) -> int:
        return tree_head(self.rows, self.tables)[0]

    def _check_size(self, size: int) -> None:
        current = self.size()
        if not 0 <= size <= current:
            raise ProofError(f"the tree has {current} entries, not {size}")

    def root(self, size: int) -> bytes:
        self._check_size(size)
        if size == 0:
            return merkle.EMPTY_ROOT
        return merkle.root_of(size, fetch_nodes(self.rows, self.tables,
                                                merkle.range_nodes(0, size)))

    def leaf_of(self, position: int) -> int:
        got = self.rows(f"SELECT leaf FROM {self.tables.leaves} WHERE position = ?",
                        (position,))
        if not got:
            raise ProofError(f"no entry at position {position}")
        return int(got[0][0])

    def inclusion(self, position: int, size: int) -> InclusionProof:
        self._check_size(size)
        leaf = self.leaf_of(position)
        if leaf >= size:
            raise ProofError(f"position {position} is leaf {leaf}, beyond a tree of size {size}")
        ranges = merkle.inclusion_ranges(leaf, size)
        needed = merkle.nodes_for([*ranges, (0, size)])
        nodes = fetch_nodes(self.rows, self.tables, sorted(needed))
        key = self.tables.key
        entry = self.rows(f"SELECT hash FROM {self.tables.chain} WHERE {key} = ?",
                          (position,))
        before = self.rows(f"SELECT hash FROM {self.tables.chain} WHERE {key} < ? "
                           f"ORDER BY {key} DESC LIMIT 1", (position,))
        return InclusionProof(position, leaf, size, bytes(entry[0][0]),
                              bytes(before[0][0]) if before else bytes(32),
                              merkle.root_of(size, nodes), merkle.hashes_for(ranges, nodes))

    def consistency(self, old_size: int, new_size: int) -> ConsistencyProof:
        self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
        ranges = merkle.consistency_ranges(old_size, new_size)
        needed = merkle.nodes_for([*ranges, (0, old_size), (0, new_size)])
        nodes = fetch_nodes(self.rows, self.tables, sorted(needed))
        return ConsistencyProof(old_size, new_size, merkle.root_of(old_size, nodes),
                                merkle.root_of(new_size, nodes), merkle.hashes_for(ranges, nodes))
