"""The rebuild's bulk load: the whole log into a fresh generation, each row written once.

The ordinary runner (`projections.runner.BatchWriter`) writes a row when it opens and updates it
when a later event closes it, looking rows in force up in the tables. A rebuild starts from empty
tables that nobody reads, so it can do better with the same row operations
(`projections.runner.row_ops`, i.e. `projections.rows.changes` over `domain.record`):

- the rows later events look up (`HELD`: cadres, holdings, plannings; the only tables
  `Known.open_row` is asked about) stay in memory while in force and are written once, closed or
  at the end: no look-up query and no update per event;
- rows of the other tables are written as they open; the few closes of ones already written
  (a corrected qualification or fact) are applied in log order after the load;
- ids are given in the order rows open, so they follow the log as the runner's do;
- the secondary indexes are created after the load (one sort each), in few, large transactions.

A bulk load that stops half-way leaves a `building` generation at position 0, which nothing
reads or resumes; the next rebuild makes a new one and the retired ones are dropped.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, text, update
from sqlalchemy.schema import CreateTable

from domain.values import ERASED_NAME
from infra.chain import LogRecord
from projections.rows import Close, Erase, Open, Supersede, changes
from projections.runner import (
    INTERVAL_TABLES,
    Decode,
    EntryAndNameLookups,
    LogSource,
    NameBook,
    Progress,
    create_indexes,
    erase_identity,
    insert_many,
    row_ops,
)
from projections.tables import ReadTables, generations, read_tables

# Tables whose rows in force later events ask for (`Known.open_row`): kept in memory until
# closed. Every other interval table is only ever closed by key, never looked up.
HELD = frozenset({"cadres", "holdings", "plannings"})
KEY_COLUMNS = ("holding_id", "planning_id", "cadre_id", "entry_position", "ended_position")
EVENTS_PER_TRANSACTION = 20_000
READ_PAGE = 5_000

Row = dict[str, Any]
Key = tuple[str, str, Any]


class BulkWriter(EntryAndNameLookups):
    """Row operations of the whole log for an empty generation (see the module's note).

    It answers `projections.rows.Known` like the runner's writer: held rows from memory,
    entries from the batch or by their primary key.
    """

    def __init__(self, tables: ReadTables, names: NameBook, *, part: int = 0,
                 parts: int = 1) -> None:
        self.t, self.names = tables, names
        self.part, self.parts = part, parts  # ids k·parts + part + 1: unique across parts
        self.conn: Connection | None = None
        self.held: dict[Key, list[Row]] = defaultdict(list)  # rows in force, by each key
        self.pending: dict[str, list[Row]] = defaultdict(list)  # to insert at the next flush
        self.batch_keys: dict[Key, list[Row]] = defaultdict(list)  # pending unheld rows
        self.entries: dict[int, Row] = {}  # this batch's entries
        self.db_supersedes: list[Row] = []
        self.late_closes: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self.erasures: list[Erase] = []
        self.erased: list[tuple[Erase, set[str]]] = []  # each erasure with the names scrubbed
        self.ids: dict[str, int] = defaultdict(int)  # the last id given in each table
        self.with_id = frozenset(t.name.split("_", 1)[1] for t in tables.all() if "id" in t.c)

    def looked_up_in(self) -> Connection:
        assert self.conn is not None
        return self.conn

    # -- Known
    def open_row(self, table: str, column: str, value: Any) -> Row | None:
        assert table in HELD, f"rows of {table} are looked up: add it to bulk.HELD"
        rows = self.held.get((table, column, value))
        return rows[-1] if rows else None

    # -- applying
    def apply(self, record: LogRecord, event: Any) -> None:
        position = record.position
        for op in row_ops(record, event, self):
            if isinstance(op, Open):
                self._open(op, position)
            elif isinstance(op, Close):
                self._close(op, position)
            elif isinstance(op, Supersede):
                target = self.entries.get(op.target)
                if target is not None:
                    if target["superseded_at"] is None:
                        target["superseded_at"], target["superseded_how"] = position, op.how
                else:
                    self.db_supersedes.append({"k": op.target, "p": position, "how": op.how})
            elif isinstance(op, Erase):
                self.erasures.append(op)

    def see_names(self, record: LogRecord, event: Any) -> None:
        """Another part's event: only the names it gives (units, titles, programmes)."""
        for op in changes(event, record.position, record.recorded_at, self):
            if isinstance(op, Open):
                self.names.see(op)

    def _open(self, op: Open, position: int) -> None:
        table, row = op.table, dict(op.row)
        if table in self.with_id:
            row["id"] = self.ids[table] = (self.ids[table] + self.parts if table in self.ids
                                           else self.part + 1)
        if table in INTERVAL_TABLES:
            row["rec_from"], row["rec_to"] = position, None
            index = self.held if table in HELD else self.batch_keys
            for column in KEY_COLUMNS:
                if row.get(column) is not None:
                    index[(table, column, row[column])].append(row)
        if table not in HELD:
            self.pending[table].append(row)
        if table == "entries":
            self.entries[row["position"]] = row
        self.names.see(op)

    def _close(self, op: Close, position: int) -> None:
        key = (op.table, op.column, op.value)
        if op.table in HELD:
            for row in self.held.pop(key, []):
                row["rec_to"] = position
                self._release(op.table, row, key)
                self.pending[op.table].append(row)
            return
        for row in self.batch_keys.get(key, []):
            if row["rec_to"] is None:
                row["rec_to"] = position
        # Rows written by earlier transactions: closed after the load, in log order.
        self.late_closes[(op.table, op.column)].append({"k": op.value, "p": position})

    def _release(self, table: str, row: Row, closed: Key) -> None:
        """Forget a closed held row under its other keys."""
        for column in KEY_COLUMNS:
            value = row.get(column)
            key = (table, column, value)
            if value is None or key == closed:
                continue
            rows = self.held.get(key)
            if rows is not None:
                rows[:] = [r for r in rows if r is not row]
                if not rows:
                    del self.held[key]

    def in_force(self) -> Iterator[tuple[str, Row]]:
        """Each held row still in force, once."""
        seen: set[int] = set()
        for (table, _, _), rows in self.held.items():
            for row in rows:
                if id(row) not in seen:
                    seen.add(id(row))
                    yield table, row

    # -- writing
    def flush(self, conn: Connection) -> None:
        t = self.t
        if self.db_supersedes:
            e = t.entries
            conn.execute(update(e).where(e.c.position == bindparam("k"),
                                         e.c.superseded_at.is_(None))
                         .values(superseded_at=bindparam("p"),
                                 superseded_how=bindparam("how")), self.db_supersedes)
        for table, rows in self.pending.items():
            write_rows(conn, t, table, rows)
        if self.erasures:
            self._erase(conn)
        self.pending.clear()
        self.batch_keys.clear()
        self.entries.clear()
        self.db_supersedes = []

    def _erase(self, conn: Connection) -> None:
        """Erasures scrub the cadre's rows already written, and their held rows here; the
        mentions in other cadres' rows wait for `complete` (the other parts write them)."""
        for erasure in self.erasures:
            held = [row for table, row in self.in_force()
                    if table == "cadres" and row["cadre_id"] == erasure.cadre_id]
            names = {row["full_name"] for row in held}  # and those written: erase_identity
            erase_identity(conn, self.t, erasure, names, mentions=False)
            self.erased.append((erasure, names))
            for row in held:
                row.update(full_name=ERASED_NAME, name_folded="", sensitive=None)
        self.erasures = []

    def finish(self, conn: Connection) -> None:
        """The rows still in force, then `complete`."""
        self.write_in_force(conn)
        complete(conn, self.t, self.late_closes, self.erased, max(self.ids.values(), default=0))

    def write_in_force(self, conn: Connection) -> None:
        self.flush(conn)
        final: dict[str, list[Row]] = defaultdict(list)
        for table, row in self.in_force():
            final[table].append(row)
        for table, rows in final.items():
            write_rows(conn, self.t, table, sorted(rows, key=lambda r: r["id"]))
        self.held.clear()


LateCloses = dict[tuple[str, str], list[Row]]


def complete(conn: Connection, t: ReadTables, late_closes: LateCloses,
             erased: list[tuple[Erase, set[str]]], last_id: int) -> None:
    """After the load: the indexes; the closes of rows written before them, in log order; the
    erasures again over every part's rows (a part scrubs its own); the serial sequences."""
    create_indexes(conn, t)
    for (name, column), params in late_closes.items():
        tbl = t.table(name)
        conn.execute(update(tbl).where(tbl.c[column] == bindparam("k"),
                                       tbl.c.rec_to.is_(None),
                                       tbl.c.rec_from < bindparam("p"))
                     .values(rec_to=bindparam("p")), sorted(params, key=lambda c: c["p"]))
    for erasure, names in erased:
        erase_identity(conn, t, erasure, names)
    if conn.dialect.name == "postgresql" and last_id:
        # Explicit ids leave the serial sequences behind: the runner's inserts go on after.
        for table in t.all():
            if "id" in table.c:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                  f"'id'), {int(last_id)})"))


def write_rows(conn: Connection, t: ReadTables, table: str, rows: list[Row]) -> None:
    groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for columns, group in groups.items():
        insert_many(conn, t.table(table), columns, group)


# Opens, in a worker process, what a part of the load reads and writes with: the log, the
# application's decoding, and the read side's engine (a picklable callable: `spawn` start).
OpenWorker = Callable[[], tuple[LogSource, Decode, Engine]]
PARALLEL_FROM = 200_000  # events: below, two interpreters' start and reading the log twice
# cost more than the second core saves (measured at 100k: +45% CPU, -6% wall under load)


def bulk_load(engine: Engine, tables: ReadTables, source: LogSource, decode: Decode, *,
              progress: Progress | None = None, workers: int = 1,
              open_worker: OpenWorker | None = None) -> int:
    """Every event up to the head into the empty generation `tables` (made by
    `new_generation(engine, indexes=False)`); returns the position reached, which it records.

    With `workers` > 1 and `open_worker`, the log is split by aggregate across that many
    worker processes (`_build_part`), then merged."""
    head = source.head_position()
    if workers > 1 and open_worker is not None and head > 0:
        after = _parallel_load(engine, tables, head, workers, open_worker)
    else:
        writer = BulkWriter(tables, NameBook(loaded=True))
        with engine.connect() as conn:
            _build_pragmas(conn, on=True)
            try:
                after = _load(conn, writer, source, decode, head, progress=progress)
                writer.finish(conn)
                conn.commit()
            finally:
                _build_pragmas(conn, on=False)
    with engine.begin() as conn:
        g = generations
        conn.execute(update(g).where(g.c.generation == tables.generation).values(position=after))
    return after


def _load(conn: Connection, writer: BulkWriter, source: LogSource, decode: Decode, head: int,
          *, progress: Progress | None = None) -> int:
    """Read the log up to `head` and apply the writer's part of it (all, with one part)."""
    done, after, since_commit = 0, 0, 0
    part, parts = writer.part, writer.parts
    writer.conn = conn
    try:
        while after < head:
            records = source.select(after, min(READ_PAGE, head - after))
            if not records:
                break
            for record in records:
                if parts == 1 or record.originator_id.int % parts == part:
                    writer.apply(record, decode(record))
                elif record.topic.rpartition(":")[2].startswith(NAMING):
                    writer.see_names(record, decode(record))
            after = records[-1].position
            done += len(records)
            since_commit += len(records)
            if since_commit >= EVENTS_PER_TRANSACTION:
                writer.flush(conn)
                conn.commit()
                since_commit = 0
            if progress:
                progress(min(done, head), head)
    finally:
        writer.conn = None
    return after


# The aggregates whose events give the names every part's summaries spell.
NAMING = ("Unit.", "Title.", "ProgrammeCatalogue.")


@dataclass(frozen=True)
class PartDone:
    position: int
    late_closes: LateCloses
    erased: list[tuple[Erase, set[str]]]
    last_id: int


def _build_part(open_worker: OpenWorker, generation: int, part: int, parts: int, head: int,
                scratch: str | None) -> PartDone:
    """A worker process: the events of the aggregates in `part` (and every event's names)
    into a scratch SQLite file (`scratch`), or straight into the PostgreSQL generation."""
    source, decode, engine = open_worker()
    tables = read_tables(generation)
    target = engine
    if scratch is not None:
        engine.dispose()
        # A scratch file nobody else opens, deleted after the merge or a failure: no journal
        # and no syncs (a crash loses only the scratch file).
        target = create_engine(f"sqlite:///{scratch}")
        with target.begin() as conn:
            for table in tables.metadata.sorted_tables:
                conn.execute(CreateTable(table))
    writer = BulkWriter(tables, NameBook(loaded=True), part=part, parts=parts)
    try:
        with target.connect() as conn:
            if scratch is not None:
                conn.exec_driver_sql("PRAGMA journal_mode=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            _build_pragmas(conn, on=True)
            position = _load(conn, writer, source, decode, head)
            writer.write_in_force(conn)
            conn.commit()
    finally:
        target.dispose()
        engine.dispose()
    return PartDone(position, dict(writer.late_closes), writer.erased,
                    max(writer.ids.values(), default=0))


def _parallel_load(engine: Engine, tables: ReadTables, head: int, parts: int,
                   open_worker: OpenWorker) -> int:
    sqlite = engine.dialect.name == "sqlite"
    scratches = [f"{engine.url.database}.rebuild{tables.generation}-{i}" if sqlite else None
                 for i in range(parts)]
    try:
        done = _run_parts([(open_worker, tables.generation, i, parts, head, scratch)
                           for i, scratch in enumerate(scratches)])
        with engine.connect() as conn:
            _build_pragmas(conn, on=True)
            try:
                for i, scratch in enumerate(scratches):
                    if scratch is not None:
                        _merge(conn, tables, scratch, f"part{i}")
                late: LateCloses = defaultdict(list)
                for d in done:
                    for key, params in d.late_closes.items():
                        late[key] += params
                complete(conn, tables, late, [e for d in done for e in d.erased],
                         max(d.last_id for d in done))
                conn.commit()
            finally:
                _build_pragmas(conn, on=False)
    finally:
        for scratch in scratches:
            if scratch is not None:
                Path(scratch).unlink(missing_ok=True)
    return min(d.position for d in done)


def _run_parts(jobs: list[tuple[Any, ...]]) -> list[PartDone]:
    """Each job's `_build_part` in a fresh interpreter (`python -m projections.bulk`: its
    arguments pickled on stdin, its result in a file), all at once."""
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    running = []
    try:
        for job in jobs:
            fd, name = tempfile.mkstemp(prefix="hoso-rebuild-", suffix=".pickle")
            os.close(fd)
            proc = subprocess.Popen([sys.executable, "-m", "projections.bulk"], cwd=root,
                                    env=env, stdin=subprocess.PIPE)
            running.append((proc, Path(name)))
            assert proc.stdin is not None
            proc.stdin.write(pickle.dumps((*job, name)))
            proc.stdin.close()
        codes = [proc.wait() for proc, _ in running]
        if any(codes):
            raise RuntimeError(f"a rebuild worker failed (exit codes {codes})")
        return [pickle.loads(result.read_bytes()) for _, result in running]
    finally:
        for proc, result in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            result.unlink(missing_ok=True)


def _merge(conn: Connection, tables: ReadTables, scratch: str, alias: str) -> None:
    """SQLite: a part's scratch tables appended to the generation's (one INSERT … SELECT each)."""
    conn.commit()  # ATTACH outside a transaction
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (scratch,))
    try:
        for table in tables.all():
            columns = ", ".join(f'"{c.name}"' for c in table.c)
            conn.exec_driver_sql(f'INSERT INTO main."{table.name}" ({columns}) '
                                 f'SELECT {columns} FROM {alias}."{table.name}"')
        conn.commit()
    finally:
        conn.exec_driver_sql(f"DETACH DATABASE {alias}")


def _build_pragmas(conn: Connection, *, on: bool) -> None:
    """SQLite, for the loading connection only: a 64 MB page cache for the merge and the index
    builds (their sorts spill to temporary files beyond it: memory stays bounded). Durability
    is unchanged (WAL, synchronous=NORMAL): the generation is switched to by one committed
    update of `rm_meta`, and nothing reads a `building` generation."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA cache_size={-65_536 if on else -2_000}")


if __name__ == "__main__":  # a worker of `_run_parts`
    # The module under its own name, so that its result unpickles in the parent.
    from projections.bulk import _build_part as build_part

    *arguments, result_path = pickle.loads(sys.stdin.buffer.read())
    Path(result_path).write_bytes(pickle.dumps(build_part(*arguments)))
