"""A bulk path for the application service: the same commands, validated the same way, whose
events are saved many at a time.

Inside `batch()`, every command of `HosoApplication` runs unchanged (so every refusal the
service makes is still made), but instead of one `save()` (one transaction) per command, the
events are collected and saved together every `batch_size` events. Aggregates touched in a batch
stay in memory (the working set), so commands do not replay them from the store again.

A refused command appends nothing: an aggregate it left half-changed is evicted from the working
set (and reloaded from the store after the batch's earlier events are saved). Commands before it
in the batch are kept. Receipts given inside a batch carry position 0: the log position is known
only once the batch is saved; `watch()` asks for it, `position_of()` reads it after the save.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.application import HosoApplication, Receipt, ReplayingRepository
from domain.calendar import Clock
from domain.errors import Conflict
from infra.personal_data import KeyTaken, PersonalKeyStore

EventKey = tuple[UUID, int]  # (aggregate id, version)


class _WorkingSetRepository(ReplayingRepository):
    """The library's repository, answering first from the aggregates of the current batch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working: dict[UUID, Any] = {}
        self.keep = False
        self.on_stale: Callable[[], None] = lambda: None

    def get(self, aggregate_id: UUID, *, version: int | None = None,  # type: ignore[override]
            **kwargs: Any) -> Any:
        if version is None and aggregate_id in self.working:
            aggregate = self.working[aggregate_id]
            if not aggregate.pending_events:
                return aggregate
            # A refused command changed it without committing: save the batch so far, then
            # forget the half-changed copy and read the aggregate again from the store.
            self.on_stale()
            del self.working[aggregate_id]
        aggregate = super().get(aggregate_id, version=version, **kwargs)
        if self.keep and version is None:
            self.working[aggregate_id] = aggregate
        return aggregate


class BulkApplication(HosoApplication):
    """`HosoApplication` with a batching mode for loading many commands (imports, demo data)."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock,
        horizon_days: int = 366,
        batch_size: int = 2000,
    ) -> None:
        super().__init__(env, clock=clock, horizon_days=horizon_days)
        self.batch_size = batch_size
        self._collected: list[Any] = []
        self._watched: dict[EventKey, int] = {}
        self.saved_by_type: Counter[str] = Counter()
        self.saved = 0
        self.last_event_key: EventKey | None = None
        self.on_saved: Callable[[int], None] = lambda saved: None
        self._working_set.on_stale = self.flush

    def construct_repository(self) -> Repository[UUID]:
        base = super().construct_repository()
        return _WorkingSetRepository(
            event_store=base.event_store, snapshot_store=base.snapshot_store,
            cache_maxsize=None, fastforward=base.fastforward,
            deepcopy_from_cache=base.deepcopy_from_cache)

    @property
    def _working_set(self) -> _WorkingSetRepository:
        repository = self.repository
        assert isinstance(repository, _WorkingSetRepository)
        return repository

    @property
    def batching(self) -> bool:
        return self._working_set.keep

    @contextmanager
    def batch(self) -> Iterator[BulkApplication]:
        """Run commands with their events saved together; the working set ends with the batch."""
        self._working_set.keep = True
        index_keys = self._index_keys()
        if index_keys is not None:
            index_keys.defer_writes(True)
        try:
            yield self
        finally:
            try:
                self.flush()
            finally:
                self._working_set.keep = False
                self._working_set.working.clear()
                if index_keys is not None:
                    index_keys.write_deferred()  # any a refused command left
                    index_keys.defer_writes(False)

    def _commit(self, primary: Aggregate, *others: Aggregate) -> Receipt:
        if not self.batching:
            receipt = super()._commit(primary, *others)
            self.last_event_key = (primary.id, primary.version)
            return receipt
        if len(self._collected) >= self.batch_size:
            # Saved before collecting, not after: the caller may still watch() the last event.
            self.flush()
        for aggregate in (primary, *others):
            self._collected.extend(aggregate.collect_events())
            self._working_set.working[aggregate.id] = aggregate
        self.last_event_key = (primary.id, primary.version)
        return Receipt(id=primary.id, position=0)

    def flush(self) -> None:
        """Save the events collected so far in one transaction."""
        events, self._collected = self._collected, []
        if not events:
            return
        index_keys = self._index_keys()
        if index_keys is not None:
            try:
                index_keys.write_deferred()  # before the claims whose ids they gave
            except KeyTaken as error:
                self._working_set.working.clear()
                raise Conflict("Dữ liệu đã bị thay đổi bởi một thao tác khác (a national ID "
                               "was indexed by another writer while saving a batch)",
                               code="version_conflict") from error
        self._create_keys(events)
        # What `save(*events)` does, less its runtime-protocol isinstance check per event
        # (a tenth of the bulk path's CPU): the events go to the event store as one batch.
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        processing.events = events
        try:
            recordings = self._record(processing)
        except IntegrityError as error:
            self._working_set.working.clear()
            raise Conflict("Dữ liệu đã bị thay đổi bởi một thao tác khác (version conflict "
                           "while saving a batch)", code="version_conflict") from error
        self._notify(recordings)
        self.notify(events)  # the library's deprecated hook, as save() calls it
        for recording in recordings:
            event = recording.domain_event
            key = (event.originator_id, event.originator_version)
            if key in self._watched:
                self._watched[key] = recording.notification.id
            self.saved_by_type[type(event).__qualname__] += 1
        self.saved += len(recordings)
        self.on_saved(self.saved)

    def _index_keys(self) -> PersonalKeyStore | None:
        """The national-ID index's secrets (ADR 0010): inside a batch each new one is written
        with the batch, not in a commit of its own (one per registered cadre: a sync each, most
        of the bulk path's wall time on SQLite)."""
        national_ids = getattr(self.mapper, "national_ids", None)
        store = getattr(national_ids, "store", None)
        return store if isinstance(store, PersonalKeyStore) else None

    def _create_keys(self, events: list[Any]) -> None:
        """The personal keys the batch's sealed fields need, created in one transaction (one
        commit per new cadre otherwise)."""
        key_store = getattr(self.mapper, "key_store", None)
        if isinstance(key_store, PersonalKeyStore):
            key_store.create_keys(
                e.originator_id for e in events
                if "sensitive" in e.__dict__ or "replacement" in e.__dict__)

    def watch(self, key: EventKey) -> None:
        """Remember the log position of this event when it is saved."""
        self._watched.setdefault(key, 0)

    def position_of(self, key: EventKey) -> int:
        """The log position of a watched event (saving the batch first if needed)."""
        if not self._watched.get(key):
            self.flush()
        return self._watched[key]
