"""Export the whole log with its integrity chain, verify an export offline, restore it.

Format ``hoso-log-export`` version 1: JSON Lines (UTF-8, one JSON object per line, ``\\n``
separated; gzip-compressed when the file name ends in ``.gz``). Every line has a ``kind``:

1. ``header`` (first line): ``format`` = "hoso-log-export", ``version`` = 1, ``exported_at``,
   ``source`` (``backend``, ``encrypted``: whether event states are encrypted with the store's
   cipher key), ``events`` (how many event lines follow), ``chain_head`` (``position``,
   ``hash``: the last link, hex; position 0 and the genesis hash for an empty log),
   ``genesis`` (64 zeros), ``link`` (the formula below, for humans), ``includes_keys``.
2. ``event``, one per event in ascending ``position``: ``position`` (global log position; gaps
   are legitimate on PostgreSQL), ``originator_id`` (UUID), ``version`` (originator version),
   ``topic``, ``state`` (base64 of the stored bytes, exactly as stored), ``recorded_at``
   (``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, exactly the hashed text) and ``hash`` (hex).
3. ``key``, one per cadre with a personal-data key (ADR 0003), when ``includes_keys``:
   ``cadre_id``, ``key`` (base64, or null once shredded), ``created_at``, ``shredded_at``.
   Keys are outside the chain: whoever holds the file can read the personal data it seals.
4. ``end`` (last line): ``events``, ``keys``, ``chain_head`` again and ``keys_sha256`` (SHA-256
   of the key lines' bytes, newline included). A file without it was truncated.

``hash = sha256(prev || pack(">qqIIQI", position, version, 16, len(topic), len(state),
len(recorded_at)) || originator_id (16 bytes) || topic || state || recorded_at)`` with ``prev``
the previous line's hash (the genesis for the first event) and text encoded as UTF-8: the same
link as ``infra.chain.link_hash`` (ADR 0002), so an export verifies with nothing but this
paragraph, and a restore writes rows whose chain ``LogReader.verify()`` recomputes to the same
head on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast
from uuid import UUID

import orjson
import psycopg
from psycopg.conninfo import make_conninfo

from infra.chain import CHAIN_TABLE, EVENTS_TABLE, GENESIS, VerifyResult, iso_utc, link_hash
from infra.persistence import ensure_schema, open_key_store, postgres_parts
from infra.personal_data import PostgresPersonalKeyStore, SQLitePersonalKeyStore
from infra.settings import Settings

FORMAT_NAME = "hoso-log-export"
FORMAT_VERSION = 1
LINK_FORMULA = (
    "sha256(prev_hash || pack('>qqIIQI', position, version, len(originator_id), len(topic), "
    "len(state), len(recorded_at)) || originator_id(16 bytes) || topic || state || "
    "recorded_at)"
)
KEYS_TABLE = "personal_keys"
_BATCH = 5_000

Progress = Callable[[int, int], None]  # (events done, events expected)


class ArchiveError(Exception):
    """An export that cannot be written, or a file that cannot be trusted or restored."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class ArchiveSummary:
    events: int
    keys: int
    head_position: int
    head_hash: str


@dataclass(frozen=True)
class EventLine:
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    recorded_at: str
    hash: bytes


@dataclass(frozen=True)
class KeyLine:
    cadre_id: str
    key: bytes | None
    created_at: str
    shredded_at: str | None


# --- files -----------------------------------------------------------------------------------


def _open_write(path: Path, compressed: bool) -> IO[bytes]:
    if compressed:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")  # closed by the caller


def _open_read(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")  # closed by the caller


def _line(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj) + b"\n"


def _hex(data: bytes) -> str:
    return data.hex()


# --- export ----------------------------------------------------------------------------------


def _pg_conninfo(settings: Settings) -> str:
    return make_conninfo(**postgres_parts(settings.database_url))


@contextmanager
def _snapshot(settings: Settings) -> Iterator[Any]:
    """A read-only, consistent view of the log and the key table for the whole export."""
    if settings.is_postgres:
        conn = psycopg.connect(_pg_conninfo(settings), autocommit=True)
        try:
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn
        finally:
            try:
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        return
    lite = sqlite3.connect(str(settings.sqlite_path), isolation_level=None, timeout=30)
    try:
        lite.execute("BEGIN")
        yield lite
    finally:
        try:
            lite.execute("ROLLBACK")
        finally:
            lite.close()


def _keys_table_exists(conn: Any, is_postgres: bool) -> bool:
    if is_postgres:
        row = conn.execute("SELECT to_regclass(%s)", (KEYS_TABLE,)).fetchone()
        return row is not None and row[0] is not None
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (KEYS_TABLE,)).fetchone()
    return row is not None


def _instant_text(value: Any) -> str:
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    return iso_utc(datetime.fromisoformat(str(value)))


def _stored_events(conn: Any, is_postgres: bool) -> Iterator[tuple[Any, ...]]:
    """Events in position order with their chain row (None when the chain row is missing)."""
    pos = "notification_id" if is_postgres else "rowid"
    sql = (f"SELECT e.{pos}, e.originator_id, e.originator_version, e.topic, e.state, "
           f"c.recorded_at, c.hash FROM {EVENTS_TABLE} e LEFT JOIN {CHAIN_TABLE} c "
           f"ON c.position = e.{pos} ORDER BY e.{pos}")
    if is_postgres:
        with conn.cursor(name="hoso_export_events") as cur:
            cur.itersize = _BATCH
            cur.execute(sql)
            yield from cur
    else:
        cur = conn.execute(sql)
        try:
            yield from cur
        finally:
            cur.close()


def export_log(settings: Settings, path: str | os.PathLike[str], *, exported_at: datetime,
               include_keys: bool = True, progress: Progress | None = None) -> ArchiveSummary:
    """Write the whole log (and the personal-data keys) to `path`, checking every link.

    Streams: memory stays flat whatever the size of the log. The file appears under its name
    only when complete (written beside it, then renamed). A broken chain refuses the export
    with the first bad position (``hoso verify`` says more).
    """
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    ensure_schema(settings)
    is_pg = settings.is_postgres
    with _snapshot(settings) as conn:
        head_row = conn.execute(
            f"SELECT position, recorded_at, hash FROM {CHAIN_TABLE} "
            "ORDER BY position DESC LIMIT 1").fetchone()
        total = int(conn.execute(f"SELECT COUNT(*) FROM {EVENTS_TABLE}").fetchone()[0])
        head_position = int(head_row[0]) if head_row else 0
        head_hash = bytes(head_row[2]) if head_row else GENESIS
        header = {
            "kind": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION,
            "exported_at": iso_utc(exported_at),
            "source": {"backend": "postgresql" if is_pg else "sqlite",
                       "encrypted": bool(settings.cipher_key)},
            "events": total,
            "chain_head": {"position": head_position, "hash": _hex(head_hash)},
            "genesis": _hex(GENESIS), "hash_algorithm": "sha256", "link": LINK_FORMULA,
            "includes_keys": include_keys,
        }
        out = _open_write(partial, target.suffix == ".gz")
        try:
            out.write(_line(header))
            prev, prev_ts, done, last = GENESIS, "", 0, 0
            for pos, oid, version, topic, state, recorded_at, stored in _stored_events(conn,
                                                                                       is_pg):
                if stored is None:
                    raise ArchiveError(f"sự kiện ở vị trí {pos} không có mắt xích (event without "
                                       "a chain row); chạy `hoso verify`", pos)
                originator = oid if isinstance(oid, UUID) else UUID(hex=str(oid))
                ts = recorded_at if isinstance(recorded_at, str) else _instant_text(recorded_at)
                state_bytes = bytes(state)
                link = link_hash(prev, pos, originator.bytes, version, topic.encode(),
                                 state_bytes, ts.encode())
                if link != bytes(stored) or ts < prev_ts:
                    raise ArchiveError(f"chuỗi toàn vẹn hỏng ở vị trí {pos} (hash mismatch); chạy "
                                       "`hoso verify`", pos)
                out.write(_line({
                    "kind": "event", "position": pos, "originator_id": str(originator),
                    "version": version, "topic": topic,
                    "state": base64.b64encode(state_bytes).decode("ascii"),
                    "recorded_at": ts, "hash": _hex(link)}))
                prev, prev_ts, last = link, ts, pos
                done += 1
                if progress is not None and done % _BATCH == 0:
                    progress(done, total)
            if last != head_position or prev != head_hash:
                raise ArchiveError(f"mắt xích cuối ({head_position}) không có sự kiện (chain row "
                                   "without event); chạy `hoso verify`", last + 1)
            keys, digest = 0, hashlib.sha256()
            if include_keys and _keys_table_exists(conn, is_pg):
                rows = conn.execute(f"SELECT cadre_id, key, created_at, shredded_at FROM "
                                    f"{KEYS_TABLE} ORDER BY cadre_id").fetchall()
                for cadre_id, key, created_at, shredded_at in rows:
                    line = _line({
                        "kind": "key", "cadre_id": str(cadre_id),
                        "key": None if key is None else base64.b64encode(bytes(key)).decode(),
                        "created_at": _instant_text(created_at),
                        "shredded_at": None if shredded_at is None else _instant_text(
                            shredded_at)})
                    digest.update(line)
                    out.write(line)
                    keys += 1
            out.write(_line({"kind": "end", "events": done, "keys": keys,
                             "chain_head": header["chain_head"],
                             "keys_sha256": digest.hexdigest()}))
            out.close()
        except BaseException:
            out.close()
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
    if progress is not None:
        progress(done, total)
    return ArchiveSummary(done, keys, head_position, _hex(head_hash))


# --- reading (and verifying) an export -------------------------------------------------------


class ExportReader:
    """Streams a file's lines, checking each as it comes; raises `ArchiveError` at the first
    problem, naming the log position where the file stops being trustworthy."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.header: dict[str, Any] = {}
        self.checked = 0
        self.head_position = 0
        self.head_hash = GENESIS
        self.keys = 0

    def _bad(self, problem: str, position: int | None = None) -> ArchiveError:
        at = position if position is not None else self.head_position + 1
        return ArchiveError(problem, at)

    def items(self) -> Iterator[EventLine | KeyLine]:
        try:
            stream = _open_read(self.path)
        except OSError as error:
            raise ArchiveError(f"không đọc được tệp {self.path} (cannot read): {error}",
                               None) from error
        with stream:
            lines = iter(stream)
            try:
                yield from self._walk(lines)
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                raise self._bad(f"tệp bị cắt cụt hoặc hỏng sau vị trí {self.head_position} "
                                f"(truncated or damaged file): {error}") from error

    def _parse(self, raw: bytes) -> dict[str, Any]:
        if not raw.endswith(b"\n"):
            raise self._bad(f"dòng cuối bị cắt cụt sau vị trí {self.head_position} "
                            "(truncated line)")
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise self._bad(f"dòng không đọc được sau vị trí {self.head_position} "
                            "(malformed JSON line)") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            raise self._bad(f"dòng không hợp lệ sau vị trí {self.head_position} (line without "
                            "kind)")
        return obj

    def _walk(self, lines: Iterator[bytes]) -> Iterator[EventLine | KeyLine]:
        first = next(lines, None)
        if first is None:
            raise ArchiveError("tệp rỗng (empty file)", 1)
        header = self._parse(first)
        if header.get("kind") != "header" or header.get("format") != FORMAT_NAME:
            raise ArchiveError(f"không phải tệp {FORMAT_NAME} (not a log export)", 1)
        version = header.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise ArchiveError(f"phiên bản định dạng {version!r} không được hỗ trợ (unsupported "
                               f"format version; this program reads ≤ {FORMAT_VERSION})", 1)
        chain_head = header.get("chain_head") or {}
        self.header = header
        prev_ts = ""
        key_digest = hashlib.sha256()
        ended = False
        for raw in lines:
            if ended:
                if raw.strip():
                    raise self._bad("có dữ liệu sau dòng kết thúc (data after the end line)")
                continue
            obj = self._parse(raw)
            kind = obj["kind"]
            if kind == "event":
                if self.keys:
                    raise self._bad("sự kiện sau khóa (event after the key lines)")
                event = self._event(obj)
                if event.recorded_at < prev_ts:
                    raise self._bad("thời điểm ghi lùi lại (recorded_at goes backwards)",
                                    event.position)
                link = link_hash(self.head_hash, event.position, event.originator_id.bytes,
                                 event.version, event.topic.encode(), event.state,
                                 event.recorded_at.encode())
                if link != event.hash:
                    raise self._bad(f"mã băm không khớp ở vị trí {event.position}: tệp đã bị "
                                    "sửa hoặc hỏng (hash mismatch)", event.position)
                self.head_position, self.head_hash, prev_ts = event.position, link, \
                    event.recorded_at
                self.checked += 1
                yield event
            elif kind == "key":
                key_digest.update(raw)
                self.keys += 1
                yield self._key(obj)
            elif kind == "end":
                self._check_end(obj, chain_head, key_digest.hexdigest())
                ended = True
            else:
                raise self._bad(f"loại dòng không biết '{kind}' (unknown line kind)")
        if not ended:
            raise self._bad(f"tệp bị cắt cụt sau vị trí {self.head_position}: thiếu dòng kết "
                            "thúc (truncated: no end line)")

    def _check_end(self, end: dict[str, Any], chain_head: dict[str, Any], keys_sha: str) -> None:
        expected_events = self.header.get("events")
        if end.get("events") != self.checked or expected_events != self.checked:
            raise self._bad(f"số sự kiện không khớp: tiêu đề {expected_events}, có {self.checked} "
                            "(event count mismatch: truncated or spliced file)")
        head = {"position": self.head_position, "hash": _hex(self.head_hash)}
        if chain_head != head or end.get("chain_head") != head:
            raise self._bad(f"đầu chuỗi không khớp với tiêu đề (chain head {head['position']} "
                            f"differs from the header's {chain_head.get('position')})")
        if end.get("keys") != self.keys or end.get("keys_sha256") != keys_sha:
            raise self._bad("các dòng khóa bị thiếu hoặc bị sửa (key lines missing or altered)")

    def _event(self, obj: dict[str, Any]) -> EventLine:
        after = self.head_position
        try:
            position = obj["position"]
            version = obj["version"]
            topic = obj["topic"]
            recorded_at = obj["recorded_at"]
            if not (isinstance(position, int) and isinstance(version, int)
                    and isinstance(topic, str) and isinstance(recorded_at, str)):
                raise TypeError("field types")
            originator = UUID(str(obj["originator_id"]))
            state = base64.b64decode(obj["state"], validate=True)
            digest = bytes.fromhex(obj["hash"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise self._bad(f"dòng sự kiện sau vị trí {after} thiếu hoặc sai trường (malformed "
                            "event line)") from None
        if position <= after or version < 1 or len(digest) != 32:
            raise self._bad(f"vị trí {position} không tăng dần hoặc dòng sai (positions must "
                            "increase)", max(position, after + 1))
        try:
            canonical = _instant_text(recorded_at)
        except ValueError:
            canonical = ""
        if canonical != recorded_at:
            raise self._bad(f"thời điểm ghi ở vị trí {position} không đúng dạng chuẩn "
                            "(recorded_at not in canonical UTC form)", position)
        return EventLine(position, originator, version, topic, state, recorded_at, digest)

    def _key(self, obj: dict[str, Any]) -> KeyLine:
        try:
            cadre_id = str(UUID(str(obj["cadre_id"])))
            key = obj["key"]
            created_at = _instant_text(obj["created_at"])
            shredded = obj.get("shredded_at")
            shredded_at = None if shredded is None else _instant_text(shredded)
            key_bytes = None if key is None else base64.b64decode(key, validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise self._bad("dòng khóa sai (malformed key line)") from None
        if (key_bytes is None) != (shredded_at is not None):
            raise self._bad("dòng khóa sai: khóa đã hủy phải không còn khóa (malformed key "
                            "line)")
        return KeyLine(cadre_id, key_bytes, created_at, shredded_at)


def verify_export(path: str | os.PathLike[str],
                  progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Check an export offline (no database): every link, the head, counts and key lines.

    Answers like `LogReader.verify()`, so `hoso verify --file` prints it the same way.
    """
    reader = ExportReader(path)
    try:
        for item in reader.items():
            if progress is not None and isinstance(item, EventLine) and \
                    reader.checked % _BATCH == 0:
                progress(reader.checked)
    except ArchiveError as error:
        return VerifyResult(False, reader.checked, reader.head_position, _hex(reader.head_hash),
                            error.position, error.message)
    if progress is not None:
        progress(reader.checked)
    return VerifyResult(True, reader.checked, reader.head_position, _hex(reader.head_hash),
                        None, None)


# --- restore ---------------------------------------------------------------------------------


class _Writer:
    """Batched inserts of events, chain rows and keys into one transaction of the target."""

    def __init__(self, settings: Settings) -> None:
        self.is_pg = settings.is_postgres
        self.conn: Any
        if self.is_pg:
            self.conn = psycopg.connect(_pg_conninfo(settings))
            self.conn.execute("SET TIME ZONE 'UTC'")
            # Writers wait for the restore; nobody appends to a log being restored.
            self.conn.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
            self.conn.execute(PostgresPersonalKeyStore._ddl)
        else:
            self.conn = sqlite3.connect(str(settings.sqlite_path), isolation_level=None,
                                        timeout=30)
            self.conn.execute(SQLitePersonalKeyStore._ddl)
            self.conn.execute("BEGIN IMMEDIATE")
        self.events: list[EventLine] = []
        self.keys: list[KeyLine] = []

    def require_empty(self) -> None:
        for table in (EVENTS_TABLE, CHAIN_TABLE, KEYS_TABLE):
            if self.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise ArchiveError(f"kho đích không rỗng (bảng {table} đã có dữ liệu): chỉ khôi "
                                   "phục vào kho mới (the target store must be empty)")

    def add(self, item: EventLine | KeyLine) -> None:
        if isinstance(item, EventLine):
            self.events.append(item)
            if len(self.events) >= _BATCH:
                self.flush()
        else:
            self.keys.append(item)

    def flush(self) -> None:
        events, self.events = self.events, []
        keys, self.keys = self.keys, []
        if self.is_pg:
            self._flush_pg(events, keys)
        else:
            self._flush_sqlite(events, keys)

    def _flush_sqlite(self, events: list[EventLine], keys: list[KeyLine]) -> None:
        c = self.conn
        if events:
            c.executemany(
                f"INSERT INTO {EVENTS_TABLE} (rowid, originator_id, originator_version, topic, "
                "state) VALUES (?, ?, ?, ?, ?)",
                [(e.position, e.originator_id.hex, e.version, e.topic, e.state) for e in events])
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} (position, recorded_at, hash) VALUES (?, ?, ?)",
                [(e.position, e.recorded_at, e.hash) for e in events])
        if keys:
            c.executemany(
                f"INSERT INTO {KEYS_TABLE} (cadre_id, key, created_at, shredded_at) "
                "VALUES (?, ?, ?, ?)",
                [(k.cadre_id, k.key, k.created_at, k.shredded_at) for k in keys])

    def _flush_pg(self, events: list[EventLine], keys: list[KeyLine]) -> None:
        c = self.conn
        if events:
            c.execute(
                f"INSERT INTO {EVENTS_TABLE} (notification_id, originator_id, "
                "originator_version, topic, state) SELECT * FROM unnest(%s::bigint[], "
                "%s::uuid[], %s::bigint[], %s::text[], %s::bytea[])",
                ([e.position for e in events], [e.originator_id for e in events],
                 [e.version for e in events], [e.topic for e in events],
                 [e.state for e in events]))
            c.execute(
                f"INSERT INTO {CHAIN_TABLE} (position, recorded_at, hash) SELECT * FROM "
                "unnest(%s::bigint[], %s::timestamptz[], %s::bytea[])",
                ([e.position for e in events],
                 [datetime.fromisoformat(e.recorded_at) for e in events],
                 [e.hash for e in events]))
        if keys:
            c.execute(
                f"INSERT INTO {KEYS_TABLE} (cadre_id, key, created_at, shredded_at) SELECT * "
                "FROM unnest(%s::text[], %s::bytea[], %s::timestamptz[], %s::timestamptz[])",
                ([k.cadre_id for k in keys], [k.key for k in keys],
                 [datetime.fromisoformat(k.created_at) for k in keys],
                 [None if k.shredded_at is None else datetime.fromisoformat(k.shredded_at)
                  for k in keys]))

    def commit(self, head_position: int) -> None:
        self.flush()
        if self.is_pg:
            if head_position:
                # New appends continue after the restored positions.
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{EVENTS_TABLE}', 'notification_id'), "
                    "%s)", (head_position,))
            self.conn.commit()
        else:
            self.conn.execute("COMMIT")

    def abort(self) -> None:
        try:
            if self.is_pg:
                self.conn.rollback()
            else:
                self.conn.execute("ROLLBACK")
        except (sqlite3.Error, psycopg.Error):
            pass

    def close(self) -> None:
        self.conn.close()


def _check_target(header: dict[str, Any], settings: Settings) -> None:
    encrypted = bool((header.get("source") or {}).get("encrypted"))
    if encrypted != bool(settings.cipher_key):
        raise ArchiveError("trạng thái mã hóa của tệp khác cấu hình HOSO_CIPHER_KEY của kho đích "
                           "(the export's states are encrypted iff the target has the same "
                           "HOSO_CIPHER_KEY)")


def restore_log(settings: Settings, path: str | os.PathLike[str], *,
                progress: Progress | None = None) -> ArchiveSummary:
    """Load an export into the empty store of `settings`, verifying every link on the way.

    All or nothing: one transaction; a corrupted or truncated file (or a non-empty target) is
    refused with `ArchiveError` naming the position, and the store stays empty. The read side
    is not touched: rebuild it afterwards (``Runtime.rebuild()``).
    """
    reader = ExportReader(path)
    ensure_schema(settings)
    writer = _Writer(settings)
    try:
        writer.require_empty()
        total = -1
        for item in reader.items():
            if total < 0:
                total = int(reader.header.get("events") or 0)
                _check_target(reader.header, settings)
            writer.add(item)
            if progress is not None and isinstance(item, EventLine) and \
                    reader.checked % _BATCH == 0:
                progress(reader.checked, total)
        if total < 0:
            _check_target(reader.header, settings)
        writer.commit(reader.head_position)
    except BaseException:
        writer.abort()
        raise
    finally:
        writer.close()
    # Keys cached in this process (e.g. "none yet") would hide the restored ones.
    open_key_store(settings).forget_cache()
    if progress is not None:
        progress(reader.checked, reader.checked)
    return ArchiveSummary(reader.checked, reader.keys, reader.head_position,
                          _hex(reader.head_hash))
