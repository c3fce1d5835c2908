"""The notice that a term is ending (thông báo hết thời hạn giữ chức vụ): a fact of the log.

QĐ 377 asks the personnel office to start the reappointment procedure, and tell the cadre and
the deciding body, ahead of a term's end (90 working days [verify]). The term-end worklist
shows, for each post, whether that notice went out and when. One `TermNotice` per term: its id
comes from the holding and the term's planned end, so a second notice of the same term meets
the first (`already_notified`); a renewed term has a new planned end and its own notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidCommand
from domain.values import Decision, nfc


def notice_id_for(holding_id: UUID, planned_end_on: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:term-notice:{holding_id}:{planned_end_on.isoformat()}")


@dataclass(frozen=True)
class NotifyTermEnd:
    cadre_id: UUID
    holding_id: UUID
    notified_on: date
    recorded_by: str
    note: str | None = None


class TermNotice(Aggregate):
    class Notified(Aggregate.Created):
        cadre_id: UUID
        holding_id: UUID
        planned_end_on: date
        note: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(cadre_id: UUID, holding_id: UUID, planned_end_on: date, *args: object,
                  **kwargs: object) -> UUID:
        return notice_id_for(holding_id, planned_end_on)

    @classmethod
    def notify(cls, command: NotifyTermEnd, *, since: date, planned_end_on: date,
               today: date) -> TermNotice:
        """A notice of the term that runs from `since` to `planned_end_on`, given on a day
        within the term and not after today."""
        if command.notified_on > today:
            raise InvalidCommand("Ngày thông báo chưa đến (notified_on is in the future)",
                                 code="invalid_date", field="notified_on")
        if not since <= command.notified_on <= planned_end_on:
            raise InvalidCommand(f"Ngày thông báo phải trong nhiệm kỳ, từ {since:%d/%m/%Y} đến "
                                 f"{planned_end_on:%d/%m/%Y} (notified_on outside the term)",
                                 code="invalid_date", field="notified_on")
        note = nfc(command.note).strip() if command.note else None
        return cls(cadre_id=command.cadre_id, holding_id=command.holding_id,
                   planned_end_on=planned_end_on, note=note or None,
                   effective_on=command.notified_on, decision=None,
                   recorded_by=command.recorded_by)

    @event(Notified)
    def __init__(self, cadre_id: UUID, holding_id: UUID, planned_end_on: date, note: str | None,
                 effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.cadre_id = cadre_id
        self.holding_id = holding_id
        self.planned_end_on = planned_end_on
        self.note = note
        self.notified_on = effective_on
        self.recorded_by = recorded_by
