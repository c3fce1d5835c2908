"""Who shares a name and a birth date: the write side's own index of namesakes (ADR 0011), so
that a registration learns of a probable duplicate (`probable_duplicate`: the same folded name
and birth date) without waiting on, or reading, the read side.

One `NamesakeGroup` aggregate per folded name and birth date on record. As with the national
IDs' claims (ADR 0010), its id is not the name: it is the keyed id the `NamesakeKeys` give for
the text `namesake_text(...)`, under a secret kept outside the log. Unlike a claim, a group
says who its members are (the administrator is told which cadres share the name): each
member's id travels in the event's `sensitive` field, which the mapper seals under the group's
own key, so the log holds no name, no birth date, and no membership that can be read once that
key is shredded.

An erasure closes every group the erased cadre was in: the group's key is shredded (its
members can no longer be read), the secret behind its id is renewed (its id can no longer be
found nor tested), and the other members join a new group under the new secret, in the
erasure's transaction.

Its marker is a `NationalIdIndex` (domain/national_ids.py) at `INDEX_ID`: a store older than
the index (or one whose index secrets were lost, or an erasure whose save failed after renewing
a secret) builds it again from the log at its next registration or correction of a name or
birth date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.values import fold

INDEX_ID = uuid5(NAMESPACE_URL, "hoso:namesake-index")


def namesake_text(full_name: str, born_on: date) -> str:
    """What namesakes share: the name folded (diacritics, case, spaces) and the birth date."""
    return f"namesake:{fold(full_name)}|{born_on.isoformat()}"


class NamesakeKeys(Protocol):
    """The group id of a namesake text, under a secret that is not in the log."""

    def group_id(self, text: str, *, create: bool) -> UUID | None:
        """The group's aggregate id; None when the text has no secret yet and `create` is
        False."""

    def renew(self, text: str) -> UUID:
        """Forget the text's secret and make a new one: the group id it gives now."""

    def forget(self, text: str) -> None:
        """Forget the text's secret, leaving no row that a guess could be tested against."""

    def shred_group(self, group_id: UUID) -> None:
        """Destroy the group's own key: the members its events name can no longer be read."""

    def key_check(self) -> str:
        """A mark of the secrets in use (of no name): a change means they were lost."""

    def invalidate(self) -> None:
        """Change the mark, so that the index is built again at its next use."""


class NamesakeGroup(Aggregate):
    class Opened(Aggregate.Created):
        effective_on: date
        recorded_by: str

    class Joined(Aggregate.Event):
        sensitive: dict[str, Any]  # {"cadre_id": ...}, sealed under the group's key
        effective_on: date
        recorded_by: str

    class Left(Aggregate.Event):
        sensitive: dict[str, Any]
        reason: str
        effective_on: date
        recorded_by: str

    class Closed(Aggregate.Event):
        """Its key shredded at an erasure: its other members moved to a new group."""

        effective_on: date
        recorded_by: str

    @event(Opened)
    def __init__(self, effective_on: date, recorded_by: str) -> None:
        self._members: list[UUID] = []  # a list: the aggregate's state encodes as the log's
        self.closed = False

    @property
    def members(self) -> frozenset[UUID]:
        return frozenset(self._members)

    @classmethod
    def open(cls, group_id: UUID, members: Iterable[UUID], *, effective_on: date,
             recorded_by: str) -> NamesakeGroup:
        group = cls._create(cls.Opened, id=group_id, effective_on=effective_on,
                            recorded_by=recorded_by)
        for cadre_id in sorted(members):
            group.join(cadre_id, effective_on=effective_on, recorded_by=recorded_by)
        return group

    def join(self, cadre_id: UUID, *, effective_on: date, recorded_by: str) -> None:
        if cadre_id not in self.members:
            self._joined(sensitive={"cadre_id": str(cadre_id)}, effective_on=effective_on,
                         recorded_by=recorded_by)

    def leave(self, cadre_id: UUID, *, reason: str, effective_on: date,
              recorded_by: str) -> None:
        if cadre_id in self.members:
            self._left(sensitive={"cadre_id": str(cadre_id)}, reason=reason,
                       effective_on=effective_on, recorded_by=recorded_by)

    def close(self, *, effective_on: date, recorded_by: str) -> None:
        if not self.closed:
            self._closed(effective_on=effective_on, recorded_by=recorded_by)

    @event(Joined)
    def _joined(self, sensitive: dict[str, Any], effective_on: date, recorded_by: str) -> None:
        member = _member(sensitive)
        if member is not None and member not in self._members:  # None: its key was shredded
            self._members.append(member)

    @event(Left)
    def _left(self, sensitive: dict[str, Any], reason: str, effective_on: date,
              recorded_by: str) -> None:
        member = _member(sensitive)
        if member in self._members:
            self._members.remove(member)

    @event(Closed)
    def _closed(self, effective_on: date, recorded_by: str) -> None:
        self.closed = True
        self._members = []


def _member(sensitive: Any) -> UUID | None:
    cadre_id = sensitive.get("cadre_id") if isinstance(sensitive, dict) else None
    return UUID(str(cadre_id)) if cadre_id else None
