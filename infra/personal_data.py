"""Crypto-shredding of personal data (ADR 0003).

A cadre's events carry personal data in ``sensitive`` (and a correction in
``replacement["sensitive"]``). The mapper seals those dicts with AES-256-GCM under a key that
belongs to the cadre; the keys live in ``personal_keys`` next to the log. Destroying a key
("shredding") makes the data unreadable forever while the log, its positions and its integrity
chain stay exactly as they were. A sealed dict whose key is gone reads as ``{"_shredded": True}``.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from domain.calendar import Clock
from domain.values import ERASED_NAME
from infra.clock import SystemClock

SEALED = "_sealed"
SHREDDED: dict[str, Any] = {"_shredded": True}
# The cadre's own name travels sealed with the personal fields (contract v1.1: after erasure
# no store file yields it). The stored event keeps `full_name: null` as the mark.
NAME = "full_name"
_NO_SENSITIVE = "_no_sensitive"
_AAD_PREFIX = b"hoso-personal-data-v1:"


class PersonalDataShreddedError(Exception):
    """Raised when new personal data is written for a cadre whose key was destroyed."""


class KeyTaken(Exception):
    """Deferred keys (`PersonalKeyStore.defer_writes`) another writer stored first."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(f"{len(ids)} key(s) stored meanwhile by another writer: {ids[:3]}")
        self.ids = ids


class PersonalKeyStore:
    # When keys were made and shredded: the process's clock, handed over by the application.
    clock: Clock = SystemClock()
    """Per-cadre data keys in table ``personal_keys``, cached in memory.

    The cache is per process; ``shred`` invalidates it here. Use one store per database in a
    process (see ``shared_key_store``) so the application's mapper sees a shred at once.
    """

    _ddl: str
    _ph: str
    # The table: the cadres' keys, or the national-ID index's secrets (`index_keys`, ADR 0010).
    table = "personal_keys"
    _dropped: tuple[type[Exception], ...] = ()  # errors meaning "the connection is gone"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, bytes | None] = {}  # None: shredded
        self._conn: Any = None
        self._parent: PersonalKeyStore | None = None
        self._siblings: dict[str, PersonalKeyStore] = {}
        self._ready = False
        # Keys made while loading in bulk, not yet written (None: `key_for` writes at once).
        self._deferred: dict[str, bytes] | None = None

    def sibling(self, table: str) -> PersonalKeyStore:
        """A store of another table on this store's connection and lock (the national-ID
        index's secrets, ADR 0010), made once."""
        with self._lock:
            other = self._siblings.get(table)
            if other is None:
                other = copy.copy(self)
                other.table, other._parent, other._cache = table, self, {}
                other._siblings, other._ready, other._deferred = {}, False, None
                self._siblings[table] = other
            return other

    # -- backend hooks

    def _connect(self) -> Any:
        raise NotImplementedError

    def _after_shred(self, conn: Any) -> None:
        """Best effort to leave no copy of the destroyed key in the database files."""

    def _db(self) -> Any:
        if self._parent is not None:
            conn = self._parent._db()
            if not self._ready:
                conn.execute(self._ddl.replace("personal_keys", self.table))
                self._ready = True
            return conn
        if self._conn is None:
            conn = self._connect()
            conn.execute(self._ddl.replace("personal_keys", self.table))
            self._conn = conn
        return self._conn

    def ensure_table(self) -> None:
        """Create `personal_keys` now (at start-up, under the schema lock) rather than lazily."""
        with self._lock:
            self._db()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        statement = sql.replace("?", self._ph).replace("personal_keys", self.table)
        try:
            return self._db().execute(statement, params)
        except self._dropped:
            # The server dropped the connection (failover, restart, pg_terminate_backend):
            # open a new one and run the statement again. Every statement here is safe to
            # repeat (reads, INSERT … ON CONFLICT DO NOTHING, the shred's guarded UPDATE).
            self._discard()
            return self._db().execute(statement, params)

    def _discard(self) -> None:
        if self._parent is not None:
            self._ready = False
            self._parent._discard()
            return
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    # -- API

    def key_for(self, cadre_id: UUID | str, create: bool = True) -> bytes | None:
        """The cadre's key; None if it was shredded (or does not exist and create is False)."""
        cid = _cid(cadre_id)
        try:
            return self._cache[cid]
        except KeyError:
            pass
        with self._lock:
            row = self._run(
                "SELECT key, shredded_at FROM personal_keys WHERE cadre_id = ?", (cid,)
            ).fetchone()
            if row is None and create and self._deferred is not None:
                made = self._deferred[cid] = self._cache[cid] = AESGCM.generate_key(256)
                return made
            if row is None and create:
                self._run(
                    "INSERT INTO personal_keys (cadre_id, key, created_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (cadre_id) DO NOTHING",
                    (cid, AESGCM.generate_key(256), _stamp(self._ph, self.clock.now())),
                )
                # Re-read: a concurrent writer may have won the insert.
                row = self._run(
                    "SELECT key, shredded_at FROM personal_keys WHERE cadre_id = ?", (cid,)
                ).fetchone()
            if row is None:
                return None
            key = None if row[1] is not None else bytes(row[0])
            self._cache[cid] = key
            return key

    def create_keys(self, cadre_ids: Iterable[UUID | str]) -> None:
        """`key_for(cadre_id)` for many cadres at once: the missing keys are created in one
        transaction (the bulk path's batches), the others read; all are cached."""
        wanted = sorted({_cid(c) for c in cadre_ids} - self._cache.keys())
        if not wanted:
            return
        with self._lock:
            now = _stamp(self._ph, self.clock.now())
            conn = self._db()
            cursor = conn.cursor()
            cursor.execute("BEGIN")
            try:
                for at in range(0, len(wanted), 500):
                    chunk = wanted[at:at + 500]
                    cursor.executemany(
                        "INSERT INTO personal_keys (cadre_id, key, created_at) VALUES "
                        f"({self._ph}, {self._ph}, {self._ph}) ON CONFLICT (cadre_id) DO NOTHING",
                        [(cid, AESGCM.generate_key(256), now) for cid in chunk])
                    cursor.execute(
                        "SELECT cadre_id, key, shredded_at FROM personal_keys WHERE cadre_id "
                        f"IN ({', '.join(self._ph for _ in chunk)})", chunk)
                    for cid, key, shredded_at in cursor.fetchall():
                        self._cache[cid] = None if shredded_at is not None else bytes(key)
                cursor.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()

    def defer_writes(self, on: bool) -> None:
        """A bulk load's mode: keys `key_for` creates are kept here (and used) until
        `write_deferred()` stores them in one transaction, before the events that need them
        are saved; otherwise each new key is its own commit (one sync each)."""
        with self._lock:
            self._deferred = {} if on else None

    def write_deferred(self) -> None:
        """The deferred keys stored in one transaction. Raises `KeyTaken` (nothing is kept of
        those keys) when another writer stored a different key under one of their ids
        meanwhile: what was derived from ours must not be saved."""
        with self._lock:
            if not self._deferred:
                return
            pending, self._deferred = self._deferred, {}
            now = _stamp(self._ph, self.clock.now())
            cursor = self._db().cursor()
            taken: list[str] = []
            cursor.execute("BEGIN")
            try:
                wanted = sorted(pending)
                for at in range(0, len(wanted), 500):
                    chunk = wanted[at:at + 500]
                    cursor.executemany(
                        f"INSERT INTO {self.table} (cadre_id, key, created_at) VALUES "
                        f"({self._ph}, {self._ph}, {self._ph}) ON CONFLICT (cadre_id) DO NOTHING",
                        [(cid, pending[cid], now) for cid in chunk])
                    cursor.execute(
                        f"SELECT cadre_id, key FROM {self.table} WHERE cadre_id "
                        f"IN ({', '.join(self._ph for _ in chunk)})", chunk)
                    taken += [cid for cid, key in cursor.fetchall()
                              if key is None or bytes(key) != pending[cid]]
                cursor.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
                for cid in pending:
                    self._cache.pop(cid, None)
                raise
            finally:
                cursor.close()
            if taken:
                for cid in taken:
                    self._cache.pop(cid, None)
                raise KeyTaken(taken)

    def is_shredded(self, cadre_id: UUID | str) -> bool:
        cid = _cid(cadre_id)
        if cid not in self._cache:
            self.key_for(cid, create=False)
        return cid in self._cache and self._cache[cid] is None

    def shred(self, cadre_id: UUID | str) -> bool:
        """Destroy the cadre's key. True if a live key was destroyed now.

        A tombstone is kept, so no new key is ever created for the cadre afterwards.
        """
        cid = _cid(cadre_id)
        with self._lock:
            now = _stamp(self._ph, self.clock.now())
            cur = self._run(
                "UPDATE personal_keys SET key = NULL, shredded_at = ? "
                "WHERE cadre_id = ? AND shredded_at IS NULL",
                (now, cid),
            )
            destroyed = bool(cur.rowcount)
            if not destroyed:
                self._run(
                    "INSERT INTO personal_keys (cadre_id, key, created_at, shredded_at) "
                    "VALUES (?, NULL, ?, ?) ON CONFLICT (cadre_id) DO NOTHING",
                    (cid, now, now),
                )
            self._cache[cid] = None
            self._after_shred(self._db())
            return destroyed

    def forget(self, key_id: UUID | str) -> None:
        """Delete a key outright, leaving no tombstone (a national ID's claim secret: ADR
        0009; a person's own key is shredded instead, so that none is ever made again)."""
        cid = _cid(key_id)
        with self._lock:
            self._run("DELETE FROM personal_keys WHERE cadre_id = ?", (cid,))
            self._cache.pop(cid, None)
            self._after_shred(self._db())

    def warm(self) -> int:
        """Load every key in one query (before a full rebuild); returns how many rows."""
        with self._lock:
            rows = self._run("SELECT cadre_id, key, shredded_at FROM personal_keys").fetchall()
            for cid, key, shredded_at in rows:
                self._cache[cid] = None if shredded_at is not None else bytes(key)
            return len(rows)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            for other in self._siblings.values():
                other._cache.clear()

    def close(self) -> None:
        with self._lock:
            self._discard()


class SQLitePersonalKeyStore(PersonalKeyStore):
    _ph = "?"
    _ddl = (
        "CREATE TABLE IF NOT EXISTS personal_keys (cadre_id TEXT PRIMARY KEY, key BLOB, "
        "created_at TEXT NOT NULL, shredded_at TEXT)"
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        # Overwrite freed content with zeros so a shredded key does not linger in free pages.
        conn.execute("PRAGMA secure_delete=ON")
        return conn

    def _after_shred(self, conn: Any) -> None:
        # The WAL may still hold older copies of the page with the key: fold it and truncate.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresPersonalKeyStore(PersonalKeyStore):
    _ph = "%s"
    _dropped = (psycopg.OperationalError, psycopg.InterfaceError)
    _ddl = (
        "CREATE TABLE IF NOT EXISTS personal_keys (cadre_id text PRIMARY KEY, key bytea, "
        "created_at timestamptz NOT NULL, shredded_at timestamptz)"
    )

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self.conninfo = conninfo

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo, autocommit=True)

    def _after_shred(self, conn: Any) -> None:
        # Dead tuple versions keep the old key until vacuumed; the table is tiny.
        try:
            conn.execute(f"VACUUM {self.table}")
        except psycopg.Error:
            pass  # a concurrent vacuum is as good; autovacuum will do it otherwise


_SHARED: dict[str, PersonalKeyStore] = {}
INDEX_KEYS_TABLE = "national_id_keys"
_SHARED_LOCK = threading.Lock()


def shared_key_store(location: str) -> PersonalKeyStore:
    """The process-wide store for a database: a libpq conninfo/URL or an SQLite file path."""
    with _SHARED_LOCK:
        store = _SHARED.get(location)
        if store is None:
            is_pg = location.startswith(("postgresql://", "postgres://")) or "dbname=" in location
            store = (
                PostgresPersonalKeyStore(location)
                if is_pg
                else SQLitePersonalKeyStore(os.path.abspath(location))
            )
            _SHARED[location] = store
        return store


# --- the national-ID index's secrets (ADR 0010) -----------------------------------------------

_INDEX_MASTER = uuid5(NAMESPACE_URL, "hoso:national-id-index:master-key")
_TAG_SPACE = uuid5(NAMESPACE_URL, "hoso:national-id-index:tag")
_CLAIM_SPACE = uuid5(NAMESPACE_URL, "hoso:national-id-index:claim")


class NationalIdKeys:
    """`domain.national_ids.NationalIdKeys` over the key store, outside the log.

    A number's row in `personal_keys` is found by a keyed hash under the store's master key;
    it holds a random secret, and the claim's aggregate id is a keyed hash of the number under
    that secret. Forgetting the row (at an erasure) leaves the claim's id in the log testable
    by nobody, the master key's holder included."""

    def __init__(self, store: PersonalKeyStore) -> None:
        self.store = store

    def key_check(self) -> str:
        """A mark of the master key (not of any number): the index records it, so that a store
        restored without these secrets (exports carry only the cadres' keys) rebuilds its
        claims under a new master rather than miss them."""
        master = self.store.key_for(_INDEX_MASTER, create=True)
        assert master is not None
        return hmac.new(master, b"hoso:national-id-index:check", hashlib.sha256).hexdigest()[:16]

    def _tag(self, national_id: str) -> UUID:
        master = self.store.key_for(_INDEX_MASTER, create=True)
        assert master is not None, "the index's master key is never shredded"
        return uuid5(_TAG_SPACE, hmac.new(master, national_id.encode(), hashlib.sha256)
                     .hexdigest())

    def claim_id(self, national_id: str, *, create: bool) -> UUID | None:
        secret = self.store.key_for(self._tag(national_id), create=create)
        if secret is None:
            return None
        return uuid5(_CLAIM_SPACE, hmac.new(secret, national_id.encode(), hashlib.sha256)
                     .hexdigest())

    def forget(self, national_id: str) -> None:
        self.store.forget(self._tag(national_id))


_NAMESAKE_MARK = "namesake-index:mark"


class NamesakeKeys:
    """`domain.namesakes.NamesakeKeys`: the national IDs' keyed ids (same master key, same
    table, outside the log) over the namesake texts, and the groups' own keys in the personal
    key store (ADR 0011)."""

    def __init__(self, index: NationalIdKeys, personal: PersonalKeyStore) -> None:
        self.index, self.personal = index, personal

    def group_id(self, text: str, *, create: bool) -> UUID | None:
        return self.index.claim_id(text, create=create)

    def renew(self, text: str) -> UUID:
        self.index.forget(text)
        renewed = self.index.claim_id(text, create=True)
        assert renewed is not None
        return renewed

    def forget(self, text: str) -> None:
        self.index.forget(text)

    def shred_group(self, group_id: UUID) -> None:
        self.personal.shred(group_id)

    def key_check(self) -> str:
        mark = self.index.claim_id(_NAMESAKE_MARK, create=True)
        return f"{self.index.key_check()}:{str(mark)[:8]}"

    def invalidate(self) -> None:
        self.index.forget(_NAMESAKE_MARK)


def _cid(cadre_id: UUID | str) -> str:
    return str(cadre_id if isinstance(cadre_id, UUID) else UUID(cadre_id))


def _stamp(ph: str, now: datetime) -> Any:
    return now if ph == "%s" else now.isoformat(timespec="microseconds")


# --- mapper ----------------------------------------------------------------------------------


class PersonalDataMapper(Mapper[UUID]):
    """Mapper that seals personal data per cadre before transcoding (and unseals after)."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        key_store: PersonalKeyStore | None = None,
    ) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.key_store = key_store
        # The application's index of national IDs keeps its secrets beside the keys, in a table
        # of their own (not exported: a restored store rebuilds them, ADR 0010).
        self.national_ids = NationalIdKeys(key_store.sibling(INDEX_KEYS_TABLE)) \
            if key_store is not None else None
        self.namesakes = NamesakeKeys(self.national_ids, key_store) \
            if self.national_ids is not None and key_store is not None else None

    @property
    def clock(self) -> Clock:
        return self.key_store.clock if self.key_store else SystemClock()

    @clock.setter
    def clock(self, clock: Clock) -> None:
        if self.key_store is not None:
            self.key_store.clock = clock

    # Both methods follow eventsourcing's Mapper, with sealing inserted before transcoding and
    # unsealing before upcasting (so upcasters see the plain dict).

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        self._seal_state(originator_id, event_state)
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            event_state: dict[str, Any] = self.transcoder.decode(stored_state)
            self._unseal_state(stored_event.originator_id, event_state)
        except Exception as e:
            msg = (
                f"Failed to deserialise state of stored event with topic '{stored_event.topic}', "
                f"originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
        id_convertor = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        event_state["originator_id"] = id_convertor(stored_event.originator_id)
        event_state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event  # type: ignore[no-any-return]

    # -- sealing

    def _seal_state(self, originator_id: UUID | str, state: dict[str, Any]) -> None:
        self._seal_into(originator_id, state)
        replacement = state.get("replacement")
        if type(replacement) is dict and "sensitive" in replacement:
            state["replacement"] = dict(replacement)
            self._seal_into(originator_id, state["replacement"])

    def _seal_into(self, originator_id: UUID | str, holder: dict[str, Any]) -> None:
        """Seal `holder["sensitive"]`, with the cadre's own `full_name` moved inside it."""
        if "sensitive" not in holder:
            return
        sensitive = holder["sensitive"]
        if type(holder.get(NAME)) is str:
            plain = dict(sensitive) if type(sensitive) is dict else {_NO_SENSITIVE: True}
            sensitive = {**plain, NAME: holder[NAME]}
            holder[NAME] = None
        if type(sensitive) is dict:
            holder["sensitive"] = self.seal(originator_id, sensitive)

    def _unseal_state(self, originator_id: UUID | str, state: dict[str, Any]) -> None:
        self._unseal_from(originator_id, state)
        replacement = state.get("replacement")
        if type(replacement) is dict:
            self._unseal_from(originator_id, replacement)

    def _unseal_from(self, originator_id: UUID | str, holder: dict[str, Any]) -> None:
        sensitive = holder.get("sensitive")
        if not (type(sensitive) is dict and SEALED in sensitive):
            return
        opened = self.unseal(originator_id, sensitive)
        if NAME in holder and holder[NAME] is None:  # the name was sealed here
            holder[NAME] = opened.pop(NAME, ERASED_NAME)
            holder["sensitive"] = None if opened.pop(_NO_SENSITIVE, False) else opened
        else:
            holder["sensitive"] = opened

    def _store(self) -> PersonalKeyStore:
        if self.key_store is None:
            raise RuntimeError("PersonalDataMapper has no key store: refusing plaintext storage")
        return self.key_store

    def seal(self, cadre_id: UUID | str, data: dict[str, Any]) -> dict[str, Any]:
        key = self._store().key_for(cadre_id, create=True)
        if key is None:
            raise PersonalDataShreddedError(f"personal data of {cadre_id} was erased")
        nonce = os.urandom(12)
        ciphertext = AESGCM(key).encrypt(nonce, self.transcoder.encode(data), _aad(cadre_id))
        return {SEALED: nonce + ciphertext}

    def unseal(self, cadre_id: UUID | str, sealed: dict[str, Any]) -> dict[str, Any]:
        key = self._store().key_for(cadre_id, create=False)
        if key is None:
            return dict(SHREDDED)
        blob: bytes = sealed[SEALED]
        try:
            plaintext = AESGCM(key).decrypt(blob[:12], blob[12:], _aad(cadre_id))
        except InvalidTag:
            raise ValueError(f"sealed personal data of {cadre_id} is damaged") from None
        data: dict[str, Any] = self.transcoder.decode(plaintext)
        return data


def _aad(cadre_id: UUID | str) -> bytes:
    # Binding the ciphertext to its cadre stops a sealed blob being moved to another record.
    return _AAD_PREFIX + _cid(cadre_id).encode()
