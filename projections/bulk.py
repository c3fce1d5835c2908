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

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, bindparam, select, text, update

from domain.values import ERASED_NAME
from infra.chain import LogRecord
from projections.rows import Close, Erase, Open, Supersede
from projections.runner import (
    INTERVAL_TABLES,
    Decode,
    LogSource,
    NameBook,
    Progress,
    create_indexes,
    erase_identity,
    insert_many,
    row_ops,
)
from projections.tables import ReadTables, generations

# Tables whose rows in force later events ask for (`Known.open_row`): kept in memory until
# closed. Every other interval table is only ever closed by key, never looked up.
HELD = frozenset({"cadres", "holdings", "plannings"})
KEY_COLUMNS = ("holding_id", "planning_id", "cadre_id", "entry_position", "ended_position")
EVENTS_PER_TRANSACTION = 20_000
READ_PAGE = 5_000

Row = dict[str, Any]
Key = tuple[str, str, Any]


class BulkWriter:
    """Row operations of the whole log for an empty generation (see the module's note).

    It answers `projections.rows.Known` like the runner's writer: held rows from memory,
    entries from the batch or by their primary key.
    """

    def __init__(self, tables: ReadTables, names: NameBook) -> None:
        self.t, self.names = tables, names
        self.conn: Connection | None = None
        self.held: dict[Key, list[Row]] = defaultdict(list)  # rows in force, by each key
        self.pending: dict[str, list[Row]] = defaultdict(list)  # to insert at the next flush
        self.batch_keys: dict[Key, list[Row]] = defaultdict(list)  # pending unheld rows
        self.entries: dict[int, Row] = {}  # this batch's entries
        self.db_supersedes: list[Row] = []
        self.late_closes: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self.erasures: list[UUID] = []
        self.ids: dict[str, int] = defaultdict(int)
        self.with_id = frozenset(t.name.split("_", 1)[1] for t in tables.all() if "id" in t.c)

    # -- Known
    def open_row(self, table: str, column: str, value: Any) -> Row | None:
        assert table in HELD, f"rows of {table} are looked up: add it to bulk.HELD"
        rows = self.held.get((table, column, value))
        return rows[-1] if rows else None

    def entry(self, position: int) -> Row | None:
        if position in self.entries:
            return self.entries[position]
        assert self.conn is not None
        e = self.t.entries
        found = self.conn.execute(select(e).where(e.c.position == position)).mappings().first()
        return dict(found) if found else None

    def title_name(self, code: str) -> str:
        return self.names.title_name(code)

    def programme_name(self, code: str) -> str:
        return self.names.programme_name(code)

    def unit_name(self, unit_id: UUID, day: date) -> str:
        return self.names.unit_name(unit_id, day)

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
                self.erasures.append(op.cadre_id)

    def _open(self, op: Open, position: int) -> None:
        table, row = op.table, dict(op.row)
        if table in self.with_id:
            self.ids[table] += 1
            row["id"] = self.ids[table]
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
        """Erasures scrub rows already written; the held rows of the cadre are scrubbed here."""
        for cadre_id in self.erasures:
            held = [row for table, row in self.in_force()
                    if table == "cadres" and row["cadre_id"] == cadre_id]
            erase_identity(conn, self.t, cadre_id, {row["full_name"] for row in held})
            for row in held:
                row.update(full_name=ERASED_NAME, name_folded="", sensitive=None)
        self.erasures = []

    def finish(self, conn: Connection) -> None:
        """The rows still in force, the indexes, the closes of rows written earlier."""
        self.flush(conn)
        final: dict[str, list[Row]] = defaultdict(list)
        for table, row in self.in_force():
            final[table].append(row)
        for table, rows in final.items():
            write_rows(conn, self.t, table, sorted(rows, key=lambda r: r["id"]))
        self.held.clear()
        create_indexes(conn, self.t)
        for (table, column), params in self.late_closes.items():
            tbl = self.t.table(table)
            conn.execute(update(tbl).where(tbl.c[column] == bindparam("k"),
                                           tbl.c.rec_to.is_(None),
                                           tbl.c.rec_from < bindparam("p"))
                         .values(rec_to=bindparam("p")), params)
        if conn.dialect.name == "postgresql":
            # Explicit ids leave the serial sequences behind: the runner's inserts go on after.
            for table, last in self.ids.items():
                name = self.t.table(table).name
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"{int(last)})"))


def write_rows(conn: Connection, t: ReadTables, table: str, rows: list[Row]) -> None:
    groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for columns, group in groups.items():
        insert_many(conn, t.table(table), columns, group)


def bulk_load(engine: Engine, tables: ReadTables, source: LogSource, decode: Decode, *,
              progress: Progress | None = None) -> int:
    """Every event up to the head into the empty generation `tables` (made by
    `new_generation(engine, indexes=False)`); returns the position reached, which it records."""
    head = source.head_position()
    writer = BulkWriter(tables, NameBook(loaded=True))
    done, after = 0, 0
    with engine.connect() as conn:
        _build_pragmas(conn, on=True)
        try:
            writer.conn = conn
            since_commit = 0
            while after < head:
                records = source.select(after, min(READ_PAGE, head - after))
                if not records:
                    break
                for record in records:
                    writer.apply(record, decode(record))
                after = records[-1].position
                done += len(records)
                since_commit += len(records)
                if since_commit >= EVENTS_PER_TRANSACTION:
                    writer.flush(conn)
                    conn.commit()
                    since_commit = 0
                if progress:
                    progress(min(done, head), head)
            writer.finish(conn)
            g = generations
            conn.execute(update(g).where(g.c.generation == tables.generation)
                         .values(position=after))
            conn.commit()
        finally:
            writer.conn = None
            _build_pragmas(conn, on=False)
    return after


def _build_pragmas(conn: Connection, *, on: bool) -> None:
    """SQLite, for the loading connection only: a larger page cache (the held rows' tables
    and the index sorts) and temporary sort files in memory. Durability is unchanged (WAL,
    synchronous=NORMAL): the generation is switched to by one committed update of `rm_meta`."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA cache_size={-262_144 if on else -2_000}")
    conn.exec_driver_sql(f"PRAGMA temp_store={'MEMORY' if on else 'DEFAULT'}")
