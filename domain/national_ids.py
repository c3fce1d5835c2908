"""Who holds a national ID: the write side's own index, so that a second registration of the
same person fails in the same transaction as it would be saved (ADR 0010).

One `NationalIdClaim` aggregate per national ID on record. Its id is not the ID number: the
`NationalIdKeys` the application is given (the key store's, `infra/personal_data.py`) derives it
from a keyed hash of the normalised number under a secret kept outside the log, and forgets
that secret when the person's data is erased, so the log never holds the number nor anything
that can be tested against it afterwards. A claim names no cadre; it only says that the number
is held. Two registrations racing for one number both create the claim at version 1: the
store's unique (originator_id, originator_version) keeps one, the other is refused.

`NationalIdIndex` is the marker that the index covers the store: cadres registered before it
existed are claimed once, from the log, when it is built (`HosoApplication`). It keeps the mark
of the secrets it was built under; a store restored without them (exports carry only the
cadres' keys) finds another mark and rebuilds its claims under new secrets. The namesakes'
index (domain/namesakes.py) has a marker of the same class at its own id, whose `claims` count
its groups.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.values import nfc


def normalised(national_id: str) -> str:
    """The number as compared: NFC, without spaces, upper case (9 or 12 digits in practice)."""
    return "".join(nfc(national_id).split()).upper()


class NationalIdKeys(Protocol):
    """The claim id of a national ID, under a secret that is not in the log."""

    def claim_id(self, national_id: str, *, create: bool) -> UUID | None:
        """The claim's aggregate id; None when the number has no secret yet and `create` is
        False (it was never claimed, or its secret was forgotten at an erasure)."""

    def forget(self, national_id: str) -> None:
        """Destroy the number's secret: its claims can no longer be found nor tested."""

    def key_check(self) -> str:
        """A mark of the secrets in use (of no number): a change means they were lost."""


class NationalIdClaim(Aggregate):
    class Claimed(Aggregate.Created):
        effective_on: date
        recorded_by: str

    class Released(Aggregate.Event):
        reason: str
        effective_on: date
        recorded_by: str

    class Reclaimed(Aggregate.Event):
        effective_on: date
        recorded_by: str

    @event(Claimed)
    def __init__(self, effective_on: date, recorded_by: str) -> None:
        self.held = True

    @classmethod
    def claim(cls, claim_id: UUID, *, effective_on: date, recorded_by: str) -> NationalIdClaim:
        return cls._create(cls.Claimed, id=claim_id, effective_on=effective_on,
                           recorded_by=recorded_by)

    @property
    def free(self) -> bool:
        return not self.held

    def release(self, *, reason: str, effective_on: date, recorded_by: str) -> None:
        if self.held:
            self._released(reason=reason, effective_on=effective_on, recorded_by=recorded_by)

    def reclaim(self, *, effective_on: date, recorded_by: str) -> None:
        assert not self.held, "a held number is not claimed twice"
        self._reclaimed(effective_on=effective_on, recorded_by=recorded_by)

    @event(Released)
    def _released(self, reason: str, effective_on: date, recorded_by: str) -> None:
        self.held = False

    @event(Reclaimed)
    def _reclaimed(self, effective_on: date, recorded_by: str) -> None:
        self.held = True


class NationalIdIndex(Aggregate):
    """Built once per store: every national ID on record then has its claim (at `INDEX_ID`;
    at `domain.namesakes.INDEX_ID`, every cadre on record is in its namesakes' group)."""

    class Built(Aggregate.Created):
        claims: int
        key_check: str
        effective_on: date
        recorded_by: str

    class Rebuilt(Aggregate.Event):
        claims: int
        key_check: str
        effective_on: date
        recorded_by: str

    @staticmethod
    def create_id(*args: object, **kwargs: object) -> UUID:
        return INDEX_ID

    @classmethod
    def build(cls, index_id: UUID, *, claims: int, key_check: str, effective_on: date,
              recorded_by: str) -> NationalIdIndex:
        return cls._create(cls.Built, id=index_id, claims=claims, key_check=key_check,
                           effective_on=effective_on, recorded_by=recorded_by)

    @event(Built)
    def __init__(self, claims: int, key_check: str, effective_on: date,
                 recorded_by: str) -> None:
        self.claims, self.key_check = claims, key_check

    def rebuild(self, *, claims: int, key_check: str, effective_on: date,
                recorded_by: str) -> None:
        self._rebuilt(claims=claims, key_check=key_check, effective_on=effective_on,
                      recorded_by=recorded_by)

    @event(Rebuilt)
    def _rebuilt(self, claims: int, key_check: str, effective_on: date,
                 recorded_by: str) -> None:
        self.claims, self.key_check = claims, key_check


INDEX_ID = uuid5(NAMESPACE_URL, "hoso:national-id-index")
