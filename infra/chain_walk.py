"""The walk that verifies the log's chain (ADR 0002), alone in a module of the standard
library so that `python -m infra.chain_walk PATH LO:HI ...` (a verification worker,
`LogReader.verify` on SQLite) starts in a few milliseconds.

A worker walks each range of positions it is given, from the stored chain row before it, and
prints one JSON line per range: the `VerifyResult` fields, `checked` counting that range only.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import sys
from collections.abc import Callable
from dataclasses import astuple, dataclass
from hashlib import sha256
from typing import Any

GENESIS = bytes(32)
EVENTS_TABLE = "stored_events"
CHAIN_TABLE = "log_chain"

# position, version, then the lengths of originator id, topic, state and recorded_at
HEADER = struct.Struct(">qqIIQI")
_BATCH = 20_000  # progress every so many links


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    # Last position whose link verified, and the chain hash there (genesis if none).
    head_position: int
    head_hash: str
    first_bad_position: int | None
    problem: str | None


def walk(
    events: Any,
    chain: Any,
    progress: Callable[[int], None] | None,
    hex_ids: bool,
    start: tuple[bytes, bytes, int] = (GENESIS, b"", 0),
) -> VerifyResult:
    # events rows: position, originator id (hex text on SQLite, 16 bytes on PostgreSQL),
    # version, topic bytes, state; chain rows: position, recorded_at bytes, hash.
    # `start`: the hash, recorded_at and position of the link before the first row (a range's
    # walk starts from the stored chain row before it). Hot loop: keep it lean.
    prev, prev_ts, head = start
    checked = 0

    def bad(position: int, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, head, prev.hex(), position, problem)

    pack, digest, join, fromhex = HEADER.pack, sha256, b"".join, bytes.fromhex
    event_rows = iter(events)
    ev = next(event_rows, None)
    for position, ts, stored in chain:
        if ev is None:
            return bad(position, "chain row without event")
        e_pos, oid, version, topic, state = ev
        if e_pos != position:
            if e_pos < position:
                return bad(e_pos, "event without a chain row")
            return bad(position, "chain row without event")
        if hex_ids:
            try:
                oid = fromhex(oid)
            except (ValueError, TypeError):
                return bad(position, "malformed originator id")
        header = pack(position, version, len(oid), len(topic), len(state), len(ts))
        h = digest(join((prev, header, oid, topic, state, ts))).digest()
        if h != stored:
            gap = position != head + 1
            return bad(position, "hash mismatch after a gap" if gap else "hash mismatch")
        if ts < prev_ts:
            return bad(position, "recorded_at goes backwards")
        prev, prev_ts, head = h, ts, position
        checked += 1
        if progress is not None and checked % _BATCH == 0:
            progress(checked)
        ev = next(event_rows, None)
    if ev is not None:
        return bad(ev[0], "event without a chain row")
    if progress is not None:
        progress(checked)
    return VerifyResult(True, checked, head, prev.hex(), None, None)


def walk_range(path: str, lo: int, hi: int) -> VerifyResult:
    """One range of an SQLite log walked in its own connection (a worker process's task),
    from the stored link before it; `checked` counts this range's links only."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        events, chain = conn.cursor(), conn.cursor()
        events.execute("BEGIN")
        before = chain.execute(
            f"SELECT CAST(recorded_at AS BLOB), hash, position FROM {CHAIN_TABLE} "
            f"WHERE position < ? ORDER BY position DESC LIMIT 1", (lo,)).fetchone()
        start = (GENESIS, b"", 0) if before is None else (
            bytes(before[1]), bytes(before[0]), int(before[2]))
        events.execute(
            f"SELECT rowid, originator_id, originator_version, CAST(topic AS BLOB), state "
            f"FROM {EVENTS_TABLE} WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (lo, hi))
        chain.execute(
            f"SELECT position, CAST(recorded_at AS BLOB), hash FROM {CHAIN_TABLE} "
            f"WHERE position BETWEEN ? AND ? ORDER BY position", (lo, hi))
        return walk(events, chain, None, hex_ids=True, start=start)
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    path, *ranges = argv
    for spec in ranges:
        lo, hi = (int(part) for part in spec.split(":"))
        print(json.dumps(astuple(walk_range(path, lo, hi))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
