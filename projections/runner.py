"""The batch runner: log notifications → read-model rows, with the tracking position.

Each batch is one transaction: it first moves the generation's tracking position from the value
it read to the batch's last position (a compare-and-set that doubles as the lock: a concurrent
runner's update waits, then matches nothing and rolls back), then writes the batch's rows. A
runner killed at any point leaves either the whole batch or none of it.

A rebuild fills a fresh generation up to the head while queries keep reading the active one,
then switches `rm_meta` in the same transaction as its last batch.
"""

from __future__ import annotations

import operator
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

from domain.programmes import programme_name
from infra.chain import LogRecord
from projections import profile_documents, quality_counts
from projections.correction_requests import request_rows
from projections.erasure import (
    own_names,
    scrub_everywhere,
    scrub_mentions,
    scrub_own,
    spelled_names,
)
from projections.inspection import INSPECTION_TABLES, inspection_rows
from projections.rows import Close, Erase, Known, Op, Open, Supersede, changes
from projections.tables import (
    PROJECTION_VERSION,
    ReadTables,
    generations,
    meta_metadata,
    read_tables,
)

Decode = Callable[[LogRecord], Any]


class EventMapper(Protocol):
    def to_domain_event(self, stored_event: StoredEvent) -> Any: ...


class StoredRecord(Protocol):
    """What decoding needs of a log record (`infra.chain.LogRecord` has it)."""

    @property
    def originator_id(self) -> UUID: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


def decoder(mapper: EventMapper) -> Callable[[StoredRecord], Any]:
    """Log records to domain events with the application's mapper (its transcoder, personal
    data keys and upcasters): the one decoding the runner and the findings index share."""

    def decode(record: StoredRecord) -> Any:
        return mapper.to_domain_event(StoredEvent(
            originator_id=record.originator_id, originator_version=record.originator_version,
            topic=record.topic, state=record.state))

    return decode
Progress = Callable[[int, int], None]
INTERVAL_TABLES = frozenset({"cadres", "holdings", "plannings", "levels", "facts"})


class LogSource(Protocol):
    """What the runner reads: batches after a position, and the head position."""

    def select(self, after_position: int, limit: int) -> list[LogRecord]: ...

    def head_position(self) -> int: ...


@dataclass
class NameBook:
    """Title and unit names for summaries, kept across batches (names only, never decisions)."""

    titles: dict[str, str] = field(default_factory=dict)
    programmes: dict[str, str] = field(default_factory=dict)  # added to the catalogue
    unit_names: dict[UUID, list[tuple[date, int, str]]] = field(default_factory=dict)
    loaded: bool = False

    def load(self, conn: Connection, t: ReadTables) -> None:
        if self.loaded:
            return
        for code, name in conn.execute(select(t.titles.c.code, t.titles.c.name)):
            self.titles[code] = name
        for code, name in conn.execute(select(t.programmes.c.code, t.programmes.c.name)):
            self.programmes[code] = name
        rows = conn.execute(select(t.unit_facts.c.unit_id, t.unit_facts.c.effective_on,
                                   t.unit_facts.c.position, t.unit_facts.c.value)
                            .where(t.unit_facts.c.attr == "name"))
        for unit_id, on, position, value in rows:
            self.unit_names.setdefault(unit_id, []).append((on, position, value))
        self.loaded = True

    def see(self, op: Open) -> None:
        if op.table == "titles":
            self.titles[op.row["code"]] = op.row["name"]
        elif op.table == "programmes":
            self.programmes[op.row["code"]] = op.row["name"]
        elif op.table == "unit_facts" and op.row["attr"] == "name":
            self.unit_names.setdefault(op.row["unit_id"], []).append(
                (op.row["effective_on"], op.row["position"], op.row["value"]))

    def title_name(self, code: str) -> str:
        return self.titles.get(code, code)

    def programme_name(self, code: str) -> str:
        return self.programmes.get(code) or programme_name(code)

    def unit_name(self, unit_id: UUID, day: date) -> str:
        names = sorted(self.unit_names.get(unit_id, []))
        current = names[0][2] if names else str(unit_id)
        for on, _, name in names:
            if on <= day:
                current = name
        return current


class EntryAndNameLookups:
    """What a writer answers of `projections.rows.Known` alike, the runner's or the bulk load's:
    an entry from this batch or by its primary key, and names from the batch's `NameBook`."""

    t: ReadTables
    names: NameBook
    entries: dict[int, dict[str, Any]]

    def looked_up_in(self) -> Connection:
        """The connection an entry not in this batch is read with."""
        raise NotImplementedError

    def entry(self, position: int) -> dict[str, Any] | None:
        if position in self.entries:
            return self.entries[position]
        e = self.t.entries
        found = self.looked_up_in().execute(select(e).where(e.c.position == position)).mappings().first()
        return dict(found) if found else None

    def title_name(self, code: str) -> str:
        return self.names.title_name(code)

    def programme_name(self, code: str) -> str:
        return self.names.programme_name(code)

    def unit_name(self, unit_id: UUID, day: date) -> str:
        return self.names.unit_name(unit_id, day)


class BatchWriter(EntryAndNameLookups):
    """Executes row operations for one batch; answers `Known` from the batch and the tables."""

    def __init__(self, conn: Connection, t: ReadTables, names: NameBook) -> None:
        self.conn, self.t, self.names = conn, t, names
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, Any], list[dict[str, Any]]] = defaultdict(list)
        self.closed_in_db: set[tuple[str, str, Any]] = set()
        self.db_closes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.entries: dict[int, dict[str, Any]] = {}
        self.db_supersedes: list[dict[str, Any]] = []
        self.erasures: list[Erase] = []

    def counted_cadres(self) -> set[Any]:
        """The cadres whose quality counts this batch may change: those with a row written
        to what the counts read (`quality_counts.people`: the cadres, holdings and levels rows
        and the employment facts in force). A batch that closes rows of those tables by
        another key, or erases, counts every cadre it touches, as before. An evaluation, a
        training or a commendation changes none of them: the counts' reads before and after
        the batch (a quarter of the projector's CPU per write, bench/http_path_notes.md,
        "Writes CPU") are skipped for it."""
        touched = {row["cadre_id"] for row in self.pending["log"] if row["cadre_id"]}
        if self.erasures or any(table in COUNTED_TABLES for table, _ in self.db_closes):
            return touched
        return {row.get("cadre_id") for table in COUNTED_TABLES
                for row in self.pending.get(table, ())
                if table != "facts" or row.get("kind") == "employment"} & touched

    def looked_up_in(self) -> Connection:
        return self.conn

    # -- Known
    def open_row(self, table: str, column: str, value: Any) -> dict[str, Any] | None:
        key = (table, column, value)
        for row in reversed(self.by_key.get(key, [])):
            if row["rec_to"] is None:
                return row
        if key in self.closed_in_db:
            return None
        tbl = getattr(self.t, table)
        found = self.conn.execute(select(tbl).where(tbl.c[column] == value,
                                                    tbl.c.rec_to.is_(None))
                                  .order_by(tbl.c.rec_from.desc()).limit(1)).mappings().first()
        return dict(found) if found else None

    # -- applying
    def apply(self, record: LogRecord, event: Any) -> None:
        position = record.position
        for op in row_ops(record, event, self):
            if isinstance(op, Open):
                row = dict(op.row)
                if op.table in INTERVAL_TABLES:
                    row["rec_from"], row["rec_to"] = position, None
                    for column in ("holding_id", "planning_id", "cadre_id", "entry_position",
                                   "ended_position"):
                        if column in row:
                            self.by_key[(op.table, column, row[column])].append(row)
                if op.table == "entries":
                    self.entries[row["position"]] = row
                self.pending[op.table].append(row)
                self.names.see(op)
            elif isinstance(op, Close):
                key = (op.table, op.column, op.value)
                for row in self.by_key.get(key, []):
                    if row["rec_to"] is None:
                        row["rec_to"] = position
                if key not in self.closed_in_db:
                    self.closed_in_db.add(key)
                    self.db_closes[(op.table, op.column)].append({"k": op.value, "p": position})
            elif isinstance(op, Supersede):
                target = self.entries.get(op.target)
                if target is not None:
                    if target["superseded_at"] is None:
                        target["superseded_at"], target["superseded_how"] = position, op.how
                else:
                    self.db_supersedes.append({"k": op.target, "p": position, "how": op.how})
            elif isinstance(op, Erase):
                self.erasures.append(op)

    def flush(self) -> None:
        conn, t = self.conn, self.t
        for (table, column), params in self.db_closes.items():
            tbl = getattr(t, table)
            conn.execute(update(tbl).where(tbl.c[column] == bindparam("k"),
                                           tbl.c.rec_to.is_(None))
                         .values(rec_to=bindparam("p")), params)
        if self.db_supersedes:
            e = t.entries
            conn.execute(update(e).where(e.c.position == bindparam("k"),
                                         e.c.superseded_at.is_(None))
                         .values(superseded_at=bindparam("p"),
                                 superseded_how=bindparam("how")), self.db_supersedes)
        for table in ("log", "units", "unit_facts", "titles", "cadres", "holdings", "plannings",
                      "levels", "facts", "entries", "correction_requests",
                      "correction_answers", "title_versions", "programmes",
                      *INSPECTION_TABLES):
            rows = self.pending.get(table)
            if not rows:
                continue
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                groups[tuple(sorted(row))].append(row)
            for columns, group in groups.items():
                insert_many(conn, t.table(table), columns, group)
        for erasure in self.erasures:
            erase_identity(conn, t, erasure, set())


# The read tables `quality_counts.people` reads (its facts: the employments only).
COUNTED_TABLES = ("cadres", "holdings", "levels", "facts")


def row_ops(record: LogRecord, event: Any, known: Known) -> list[Op]:
    """Every read-side table's row operations for one event (the one list both writers run)."""
    position = record.position
    return [*changes(event, position, record.recorded_at, known),
            *inspection_rows(event, position, record.recorded_at),
            *request_rows(event, position)]


def erase_identity(conn: Connection, t: ReadTables, erasure: Erase, names: set[str], *,
                   mentions: bool = True) -> None:
    """Scrub an erased cadre's identity from the stored rows (projections/erasure.py): `names`
    (the names they were recorded under and not among these rows) and those of their `cadres`
    rows from their own rows; the names the mentions spell from the rows of the mentioned
    entries (not with `mentions` False: a part of a bulk load leaves that to its end)."""
    names = names | own_names(conn, t, erasure.cadre_id)
    if erasure.mentions is None:
        scrub_everywhere(conn, t, names)
    elif mentions:
        scrub_mentions(conn, t, erasure.mentions, spelled_names(conn, t, erasure.mentions))
    scrub_own(conn, t, erasure.cadre_id, names)


def insert_many(conn: Connection, table: Any, columns: tuple[str, ...],
                 rows: list[dict[str, Any]]) -> None:
    """executemany through the driver (COPY on PostgreSQL), with the column types' own bind
    processors applied once per value: the same stored values as Core's `execute(insert(),
    rows)`, without its per-row parameter bookkeeping (a third of a rebuild's time)."""
    statement, names, plan, positional = _compiled_insert(conn, table, columns)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, columns, plan, rows)
        return
    values = _values(plan, rows)
    params = values if positional else [dict(zip(names, v, strict=True)) for v in values]
    conn.exec_driver_sql(statement, params)


_CompiledInsert = tuple[str, tuple[str, ...], "Plan", bool]
# Compiled once per table, columns and dialect: the projector inserts a few rows per table in
# every batch, and compiling the INSERT each time made a batch of 8 evaluations cost 5.8 ms
# of CPU instead of 4.2 (PostgreSQL, issue 15).
_COMPILED: dict[tuple[Any, tuple[str, ...], str], _CompiledInsert] = {}


def _compiled_insert(conn: Connection, table: Any,
                     columns: tuple[str, ...]) -> _CompiledInsert:
    key = (table, columns, conn.dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        compiled: Any = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        processors = compiled._bind_processors
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup) if positional else columns
        # COPY takes the values in `columns`' order; the driver's INSERT in the statement's.
        order = columns if conn.dialect.name == "postgresql" else names
        found = (compiled.string, names, _plan(conn, order, processors), positional)
        if len(_COMPILED) > 512:  # generations come and go: never grow without bound
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


Plan = tuple[Callable[[dict[str, Any]], Any], list[tuple[int, Callable[[Any], Any]]]]


def _plan(conn: Connection, names: tuple[str, ...], processors: dict[str, Any]) -> Plan:
    """How to turn a row into driver values: one C-level getter for the values in `names`'
    order, then each column's processor (`_faster`'s equivalent where there is one)."""
    get = operator.itemgetter(*names)
    one = len(names) == 1
    convert = [(i, _faster(p, conn.dialect.name)) for i, n in enumerate(names)
               if (p := processors.get(n)) is not None]
    return (lambda row: (get(row),)) if one else get, convert


def _values(plan: Plan, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    get, convert = plan
    out = []
    for row in rows:
        values = list(get(row))
        for i, process in convert:
            if (v := values[i]) is not None:
                values[i] = process(v)
        out.append(tuple(values))
    return out


def _faster(process: Callable[[Any], Any], dialect: str) -> Callable[[Any], Any]:
    """The bind processor `process`, or a faster function giving the same value for the value
    types the row functions bind (UUID, date, UTC datetime, bool, JSON): SQLAlchemy's SQLite
    processors format these field by field; the fallback is `process` itself."""
    name = getattr(process, "__qualname__", "")
    if dialect != "sqlite":
        return process
    if name.startswith("Uuid."):
        return lambda v: v.hex if type(v) is UUID else process(v)
    if name.startswith("DATE."):
        return lambda v: v.isoformat() if type(v) is date else process(v)
    if name.startswith("DATETIME."):
        # "YYYY-MM-DD HH:MM:SS.ffffff", the offset dropped (SQLAlchemy's storage format)
        return lambda v: v.isoformat(" ", "microseconds")[:26] if type(v) is datetime \
            else process(v)
    if name.startswith("Boolean."):
        return lambda v: int(v) if type(v) is bool else process(v)
    return process


def _copy_rows(conn: Connection, table: Any, columns: tuple[str, ...], plan: Plan,
               rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows through COPY … FROM STDIN in the connection's transaction (one
    stream instead of one INSERT per row), values bound by the same column processors."""
    quote = conn.dialect.identifier_preparer
    names = ", ".join(quote.quote(table.c[n].name) for n in columns)
    if not conn.in_transaction():
        conn.begin()  # the driver's COPY alone would open a transaction the caller's commit misses
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {quote.format_table(table)} ({names}) FROM STDIN") as copy:
        write = copy.write_row
        for values in _values(plan, rows):
            write(values)


# --- generations ------------------------------------------------------------------------------


def ensure_meta(engine: Engine) -> None:
    meta_metadata.create_all(engine)


def active_generation(conn: Connection) -> tuple[int, int, int] | None:
    """(generation, projection_version, position) of the generation answering queries."""
    row = conn.execute(select(generations.c.generation, generations.c.projection_version,
                              generations.c.position)
                       .where(generations.c.state == "active")).first()
    return (row[0], row[1], row[2]) if row else None


def new_generation(engine: Engine, *, indexes: bool = True) -> ReadTables:
    """A fresh generation's tables, `building`; without their secondary indexes when a bulk
    load fills them first (`create_indexes` afterwards: one sort each, not a B-tree insert per
    row)."""
    with engine.begin() as conn:
        last = conn.execute(select(func.max(generations.c.generation))).scalar() or 0
        tables = read_tables(int(last) + 1)
        tables.metadata.drop_all(conn)
        if indexes:
            tables.metadata.create_all(conn)
        else:
            for table in tables.metadata.sorted_tables:
                conn.execute(CreateTable(table))
        conn.execute(insert(generations).values(generation=tables.generation,
                                                projection_version=PROJECTION_VERSION,
                                                position=0, state="building"))
    return tables


def create_indexes(conn: Connection, tables: ReadTables) -> None:
    for table in tables.metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            index.create(conn)


def drop_retired(engine: Engine) -> None:
    with engine.begin() as conn:
        retired = [g for (g,) in conn.execute(select(generations.c.generation)
                                              .where(generations.c.state == "retired"))]
    for gen in retired:
        with engine.begin() as conn:
            read_tables(gen).metadata.drop_all(conn)
            conn.execute(generations.delete().where(generations.c.generation == gen))


# --- running ----------------------------------------------------------------------------------


class GenerationRetired(Exception):
    """The runner's generation is no longer the one to apply to: a rebuild switched to another
    (or dropped it)."""

    def __init__(self, generation: int) -> None:
        super().__init__(f"read-side generation {generation} was retired")
        self.generation = generation


class Runner:
    """Applies the log to one generation of tables, in batches."""

    def __init__(self, engine: Engine, tables: ReadTables, source: LogSource, decode: Decode,
                 *, batch_size: int = 1000) -> None:
        self.engine, self.tables, self.source, self.decode = engine, tables, source, decode
        self.batch_size = batch_size
        self.names = NameBook()
        self._lock = threading.Lock()
        self.applied = 0  # events this runner applied (a batch another runner claimed: none)
        # The generation's position as this runner last read or moved it: only grows, and only
        # a runner moves it, so a head at or below it needs no look at the tables. Behind the
        # truth at worst (another runner moved it), which costs one step that finds out.
        self.known: int | None = None

    def position(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(generations.c.position).where(
                generations.c.generation == self.tables.generation)).scalar() or 0)

    def step(self, *, activate_when_done: bool = False) -> int:
        """Apply one batch; returns the number of events applied (0 when caught up)."""
        with self.engine.begin() as conn:
            g = generations
            # A write first: it takes the lock (row lock on PostgreSQL, the writer lock on
            # SQLite) before anything is read, so two runners queue instead of deadlocking;
            # it answers the position and the state too (one round trip for the three).
            found = conn.execute(update(g).where(g.c.generation == self.tables.generation)
                                 .values(position=g.c.position)
                                 .returning(g.c.position, g.c.state)).first()
            if found is None or found[1] == "retired":
                # A rebuild elsewhere switched to another generation (and may drop these
                # tables): this runner is done; its owner finds the active one.
                raise GenerationRetired(self.tables.generation)
            at, building = int(found[0] or 0), found[1] == "building"
            self.known = at
            records = self.source.select(at, self.batch_size)
            if not records:
                if activate_when_done:
                    if building:
                        quality_counts.build(conn, self.tables)
                    _activate(conn, self.tables.generation)
                return 0
            last = records[-1].position
            claimed = conn.execute(update(g).where(g.c.generation == self.tables.generation,
                                                   g.c.position == at)
                                   .values(position=last)).rowcount
            if claimed != 1:
                conn.rollback()
                self.known = None
                return len(records)  # another runner applied them; look again
            # Kept profile answers of the old position are no longer true.
            profile_documents.discard_before(conn, self.tables.generation, last)
            self.names.load(conn, self.tables)
            writer = BatchWriter(conn, self.tables, self.names)
            for record in records:
                writer.apply(record, self.decode(record))
            # The quality counts of the cadres the batch touches (a rebuild counts at the end).
            upkeep = None if building else quality_counts.Upkeep(conn, self.tables,
                                                                 writer.counted_cadres())
            writer.flush()
            if upkeep is not None:
                upkeep.finish(conn)
        # Committed: the generation is at `last` (a failed commit raised above, `known` stays
        # at `at`, behind the truth at worst).
        self.known = last
        self.applied += len(records)
        return len(records)

    def catch_up(self, progress: Progress | None = None, *,
                 activate_when_done: bool = False) -> int:
        """Apply every batch up to the log head as of now; returns the position reached. The
        projector calls it on every notification: with the position kept in memory (`known`),
        a head already reached costs one read of the head and nothing of the tables, and the
        batches stop once past that head (no last, empty batch: its lock would be a write and
        a commit for nothing); what was appended meanwhile is the next call's."""
        with self._lock:
            head = self.source.head_position()
            if self.known is None:
                self.known = self.position()
            if head <= self.known and not activate_when_done:
                return head  # nothing pending: reads stay read-only
            done = 0
            while True:
                try:
                    n = self.step(activate_when_done=activate_when_done)
                except OperationalError as error:
                    if "locked" in str(error).lower():
                        continue  # SQLite writer contention: the other runner finishes first
                    raise
                if n == 0:
                    break
                done += n
                if progress:
                    progress(min(done, head), head)
                if not activate_when_done and self.known is not None and self.known >= head:
                    break
            return self.known if self.known is not None else self.position()


def _activate(conn: Connection, generation: int) -> None:
    g = generations
    conn.execute(update(g).where(g.c.state == "active").values(state="retired"))
    conn.execute(update(g).where(g.c.generation == generation).values(state="active"))
    profile_documents.discard_other_generations(conn, generation)


def rebuild(engine: Engine, source: LogSource, decode: Decode, *, batch_size: int = 5000,
            progress: Progress | None = None, workers: int | None = None,
            open_worker: Any = None) -> tuple[ReadTables, int]:
    """Fill a fresh generation from the whole log, then make it the active one.

    The bulk load (`projections.bulk`) splits the log by aggregate across `workers` processes
    (None: both cores from `bulk.PARALLEL_FROM` events on, when `open_worker` is given)."""
    from projections import bulk  # it builds on this module's writers

    ensure_meta(engine)
    tables = new_generation(engine, indexes=False)
    try:
        if workers is None:
            workers = 2 if source.head_position() >= bulk.PARALLEL_FROM else 1
        bulk.bulk_load(engine, tables, source, decode, progress=progress,
                       workers=min(workers, os.cpu_count() or 1), open_worker=open_worker)
        # What was appended meanwhile, then the switch, through the ordinary runner.
        runner = Runner(engine, tables, source, decode, batch_size=batch_size)
        position = runner.catch_up(progress)
        # The last (possibly empty) batch and the switch share one transaction.
        runner.catch_up(activate_when_done=True)
    except BaseException:
        with engine.begin() as conn:  # the half-built generation goes with the retired ones
            conn.execute(update(generations).where(
                generations.c.generation == tables.generation).values(state="retired"))
        drop_retired(engine)
        raise
    drop_retired(engine)
    return tables, position


def canonical_dump(engine: Engine, tables: ReadTables) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of a generation without surrogate ids, sorted: rebuilt vs incremental."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables.all():
            columns = [c for c in table.c if c.name != "id"]
            rows = conn.execute(select(*columns)).all()
            dump[table.name.split("_", 1)[1]] = sorted(
                (tuple(_plain(v) for v in row) for row in rows), key=repr)
    return dump


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
