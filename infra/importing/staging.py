"""Staging: the domain's own commands run in a `HosoApplication` whose events are held in
memory, so a file is saved all at once or not at all."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate

from domain.application import HosoApplication, Receipt, ReplayingRepository, replay

# --- staging: the domain's commands, held in memory ----------------------------------------


class _StagingRepository(ReplayingRepository):
    """Answers from the store plus the events staged so far; never from a half-changed copy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working: dict[UUID, Any] = {}
        self.staged: dict[UUID, list[Any]] = {}
        self.order: list[Any] = []

    def get(self, aggregate_id: UUID, *, version: int | None = None,  # type: ignore[override]
            **kwargs: Any) -> Any:
        if version is not None:
            return super().get(aggregate_id, version=version, **kwargs)
        aggregate = self.working.get(aggregate_id)
        if aggregate is not None and not aggregate.pending_events:
            return aggregate
        # Unknown here, or left half-changed by a refused command: rebuild it from the store
        # and the events staged for it.
        try:
            aggregate = super().get(aggregate_id, **kwargs)
        except AggregateNotFoundError:
            aggregate = None
        staged = self.staged.get(aggregate_id)
        if staged:
            aggregate = replay(aggregate, staged)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        self.working[aggregate_id] = aggregate
        return aggregate

    def stage(self, aggregate: Aggregate) -> None:
        for event in aggregate.collect_events():
            self.staged.setdefault(aggregate.id, []).append(event)
            self.order.append(event)
        self.working[aggregate.id] = aggregate


class StagingApplication(HosoApplication):
    """`HosoApplication` whose commands are validated and held, then saved all at once."""

    def construct_repository(self) -> Repository[UUID]:
        base = super().construct_repository()
        return _StagingRepository(event_store=base.event_store,
                                  snapshot_store=base.snapshot_store, cache_maxsize=None,
                                  fastforward=base.fastforward,
                                  deepcopy_from_cache=base.deepcopy_from_cache)

    @property
    def staging(self) -> _StagingRepository:
        repository = self.repository
        assert isinstance(repository, _StagingRepository)
        return repository

    def _commit(self, primary: Aggregate, *others: Aggregate) -> Receipt:
        for aggregate in (primary, *others):
            self.staging.stage(aggregate)
        return Receipt(id=primary.id, position=0)

    def is_staged(self, aggregate_id: UUID, version: int) -> bool:
        return any(e.originator_version == version
                   for e in self.staging.staged.get(aggregate_id, ()))

    @property
    def pending(self) -> int:
        return len(self.staging.order)

    def save_staged(self) -> list[int]:
        """Save every staged event in one transaction; their log positions, in order."""
        events = self.staging.order
        if not events:
            return []
        recordings = self.save(*events)
        self.staging.order, self.staging.staged = [], {}
        self.staging.working.clear()
        return [r.notification.id for r in recordings]


