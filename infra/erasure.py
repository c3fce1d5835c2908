"""Erasing a cadre's personal data (Luật 91/2025/QH15; contract v1.1 "Personal data"): the
whole workflow, for the API and any other caller.

0. the entries of other cadres that name the cadre (a decision they signed, a relative's
   entry) are found on the read side while the name can be read (`mentions_of`);
1. `HosoApplication.erase_personal_data` records `PersonalDataErased` (who asked, why, and
   where the name is mentioned: positions and spans, never the name) and releases the cadre's
   national IDs in the write side's index, then forgets their secrets (ADR 0010);
2. the cadre's key is destroyed (crypto-shredding): the name and every personal field are
   sealed under it in the log, so the log keeps its bytes, its chain verifies, and nothing in
   it can be read back;
3. the read side applies the erasure (`Erase`, projections/erasure.py): the name, search name
   and personal fields of the cadre's rows, and the name in the rows of the mentioned entries,
   are replaced — the same rows on every rebuild, which reads the mentions from the event;
4. the key cache forgets the key, and the projector starts the findings afresh (the shred
   epoch moved: its fold is rebuilt from the log, now without the name, and every stored
   findings row, history included, is replaced; ADR 0009);
5. the store is compacted so that no file keeps an old copy: SQLite runs with
   `secure_delete`, is VACUUMed (free pages rewritten) and its WAL checkpointed and truncated;
   PostgreSQL gets `VACUUM (FULL)` of the read-model tables and the key table (dead tuples and
   free space rewritten away).

A crash between 1 and 2 leaves the request recorded; asking again completes the shred (see
`docs/operations.md` §9). The cost is step 5, a rewrite of the database file on SQLite: it is
measured in `docs/operations.md`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import text

from domain.application import Receipt
from domain.commands import ErasePersonalData
from domain.errors import Conflict
from domain.values import Mentions
from infra.access import AccessStore
from infra.persistence import open_key_store
from infra.personal_data import INDEX_KEYS_TABLE, PersonalKeyStore
from infra.projector import ReadSideBehind
from projections.erasure import mentions_of
from projections.findings_store import PERSONAL_TABLES
from projections.profile_documents import profile_documents

if TYPE_CHECKING:
    from infra.runtime import Runtime

log = logging.getLogger("hoso.erasure")


def erase_personal_data(runtime: Runtime, cadre_id: UUID, *, reason: str,
                        recorded_by: str) -> Receipt:
    """Record, shred, scrub and compact; the receipt of the recorded `PersonalDataErased`."""
    keys = open_key_store(runtime.settings)
    try:
        receipt = runtime.app.erase_personal_data(cadre_id, ErasePersonalData(
            reason=reason, mentions=_mentions(runtime, cadre_id)), recorded_by=recorded_by)
    except Conflict as already:
        # Recorded before, but perhaps not shredded (a crash in between): finish the job,
        # then answer as before (409).
        if already.code == "already_erased" and not keys.is_shredded(cadre_id):
            runtime.app.forget_national_ids(runtime.app.cadre(cadre_id))
            _shred(runtime, keys, cadre_id)
            _scrub(runtime)
        raise
    _shred(runtime, keys, cadre_id)
    runtime.written(receipt.position)
    _scrub(runtime)
    return receipt


def _mentions(runtime: Runtime, cadre_id: UUID) -> Mentions:
    """Where other entries name the cadre, found on the read side while the name can still be
    read (projections/erasure.py): the erasure records them, so that a rebuild scrubs the same
    rows. A read side behind the log misses the last entries, live and rebuilt alike."""
    try:
        runtime.read_side_current()
    except ReadSideBehind:
        log.warning("erasure: the read side is behind; entries recorded in the last seconds "
                    "that name the cadre keep the name", exc_info=True)
    with runtime.engine.connect() as conn:
        return mentions_of(conn, runtime.read_model.tables(), cadre_id)


def _shred(runtime: Runtime, keys: PersonalKeyStore, cadre_id: UUID) -> None:
    """The cadre's key, and the keys of their correction requests (what they and the officers
    wrote is sealed under each request's own key, domain/correction_requests.py): the
    requests found in the log, so that one the read side has not applied yet is shredded too."""
    for request_id in runtime.app.correction_requests_of(cadre_id):
        keys.shred(request_id)
    keys.shred(cadre_id)
    # Every other worker forgets the keys and the findings fold it keeps, at its next request
    # (the shred epoch rides with the log head: Runtime.request_view, ADR 0008).
    AccessStore.raise_shred_epoch(runtime.engine)


def _scrub(runtime: Runtime) -> None:
    try:
        # The projector applies the erasure (`Erase`) and starts the findings afresh;
        # compacting before that would keep the name in the rows it is about to rewrite. A
        # request never applies it itself.
        runtime.read_side_current()
        runtime.findings.wait_current()
    except ReadSideBehind:
        # Recorded and shredded: the answer says so. The read side scrubs the name when the
        # projector applies the event; the compaction is left to the next erasure
        # (docs/operations.md).
        log.warning("erasure recorded and shredded; the read side is behind, the store was "
                    "not compacted", exc_info=True)
        return
    compact_store(runtime)


def compact_store(runtime: Runtime) -> None:
    """Leave no copy of erased data in free pages, old row versions or the WAL."""
    engine = runtime.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
            conn.commit()
            raw = conn.connection.driver_connection
            assert raw is not None
            previous = raw.isolation_level
            raw.isolation_level = None  # VACUUM cannot run inside a transaction
            try:
                raw.execute("VACUUM")
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.isolation_level = previous
        return
    tables = [name for name in _read_side_tables(runtime)] + ["personal_keys"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.execute(text(f"SELECT to_regclass('{INDEX_KEYS_TABLE}')")).scalar():
            tables.append(INDEX_KEYS_TABLE)  # the forgotten secrets of national IDs
        for table in tables:
            conn.execute(text(f'VACUUM (FULL) "{table}"'))


def _read_side_tables(runtime: Runtime) -> list[str]:
    t = runtime.read_model.tables()
    # The tables an erasure rewrites rows of (the mentions' decisions: holdings, plannings).
    return [t.cadres.name, t.entries.name, t.facts.name, t.holdings.name, t.plannings.name,
            profile_documents.name, *PERSONAL_TABLES]
