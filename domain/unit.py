"""Đơn vị: a unit of the organisation tree, whose name, parent and existence change over time.

A unit also tracks its head seats, so that two concurrent appointments to one head post on the
same date cannot both be saved: both change this aggregate, optimistic concurrency keeps one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.commands import ChangeUnit, SetHeadSeat
from domain.errors import Conflict, InvalidCommand
from domain.values import LEGACY_UNIT_KINDS, Decision


@dataclass(frozen=True)
class HeadSeat:
    holding_id: UUID
    title_code: str
    cadre_id: UUID
    since: date
    until: date | None

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


class Unit(Aggregate):
    class Registered(Aggregate.Created):
        class_version = 2
        code: str
        name: str
        kind: str
        established_on: date
        parent_id: UUID | None
        decision: Decision | None
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 took any kind; the demo's free codes map to the unit-kind codes (contract v1.1).
            state["kind"] = LEGACY_UNIT_KINDS.get(state["kind"], state["kind"])

    class Renamed(Aggregate.Event):
        new_name: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Moved(Aggregate.Event):
        new_parent_id: UUID | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class MergedInto(Aggregate.Event):
        into_unit_id: UUID
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Absorbed(Aggregate.Event):
        merged_unit_id: UUID
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Dissolved(Aggregate.Event):
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class HeadSeatSet(Aggregate.Event):
        holding_id: UUID
        title_code: str
        cadre_id: UUID
        since: date
        until: date | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class HeadSeatWithdrawn(Aggregate.Event):
        holding_id: UUID
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(code: str, *args: object, **kwargs: object) -> UUID:
        # One unit per code: the id is derived, so a duplicate code is refused without an index.
        return uuid5(NAMESPACE_URL, f"hoso:unit:{code}")

    @event(Registered)
    def __init__(
        self,
        code: str,
        name: str,
        kind: str,
        established_on: date,
        parent_id: UUID | None,
        decision: Decision | None,
        recorded_by: str,
    ) -> None:
        self.code = code
        self.kind = kind
        self.established_on = established_on
        self.names: list[tuple[date, str]] = [(established_on, name)]
        self.parents: list[tuple[date, UUID | None]] = [(established_on, parent_id)]
        self.ended_on: date | None = None
        self.merged_into: UUID | None = None
        self.seats: dict[UUID, HeadSeat] = {}

    # --- queries -------------------------------------------------------------------------

    def exists_on(self, day: date) -> bool:
        return self.established_on <= day and (self.ended_on is None or day < self.ended_on)

    def name_on(self, day: date) -> str:
        return _value_on(self.names, day)

    def parent_on(self, day: date) -> UUID | None:
        return _value_on(self.parents, day)

    @property
    def name(self) -> str:
        return self.names[-1][1]

    def seat_holder_on(self, title_code: str, day: date, *, ignore: UUID | None = None) -> HeadSeat | None:
        for seat in self.seats.values():
            if seat.title_code == title_code and seat.holding_id != ignore and seat.covers(day):
                return seat
        return None

    # --- commands ------------------------------------------------------------------------

    def require_exists(self, day: date, field: str) -> None:
        if not self.exists_on(day):
            raise InvalidCommand(
                f"Đơn vị '{self.name}' không tồn tại vào ngày {day:%d/%m/%Y} "
                f"(unit {self.code} does not exist on {day.isoformat()})",
                code="unit_not_active",
                field=field,
            )

    def change(self, command: ChangeUnit, *, recorded_by: str, new_parent: Unit | None = None,
               into: Unit | None = None) -> None:
        """Apply a rename / move / merge / dissolve decided for `effective_on`: `new_parent`
        and `into` are the units the command names (`new_parent_id`, `into_unit_id`)."""
        change, effective_on, decision = command.change, command.effective_on, command.decision
        new_name = command.new_name
        self.require_exists(effective_on, "effective_on")
        if effective_on <= self.established_on:
            raise InvalidCommand(
                "Ngày hiệu lực phải sau ngày thành lập đơn vị (effective_on must follow "
                "established_on)",
                code="invalid_date",
                field="effective_on",
            )
        if change == "rename":
            if not new_name:
                raise InvalidCommand("Thiếu tên mới (new_name is required for rename)",
                                     code="missing_field", field="new_name")
            self._renamed(new_name=new_name, effective_on=effective_on, decision=decision,
                          recorded_by=recorded_by)
        elif change == "move":
            if new_parent is not None:
                new_parent.require_exists(effective_on, "new_parent_id")
                if new_parent.id == self.id:
                    raise InvalidCommand("Đơn vị không thể trực thuộc chính nó (a unit cannot be "
                                         "its own parent)", code="invalid_parent",
                                         field="new_parent_id")
            self._moved(new_parent_id=new_parent.id if new_parent else None,
                        effective_on=effective_on, decision=decision, recorded_by=recorded_by)
        elif change == "merge":
            if into is None:
                raise InvalidCommand("Thiếu đơn vị hợp nhất vào (into_unit_id is required for "
                                     "merge)", code="missing_field", field="into_unit_id")
            if into.id == self.id:
                raise InvalidCommand("Không thể hợp nhất đơn vị vào chính nó (cannot merge a unit "
                                     "into itself)", code="invalid_merge", field="into_unit_id")
            into.require_exists(effective_on, "into_unit_id")
            self._merged_into(into_unit_id=into.id, effective_on=effective_on, decision=decision,
                              recorded_by=recorded_by)
            into._absorbed(merged_unit_id=self.id, effective_on=effective_on, decision=decision,
                           recorded_by=recorded_by)
        elif change == "dissolve":
            self._dissolved(effective_on=effective_on, decision=decision, recorded_by=recorded_by)
        else:
            raise InvalidCommand(f"Loại thay đổi không hợp lệ: {change} (change must be rename, "
                                 "move, merge or dissolve)", code="invalid_code", field="change")

    def set_head_seat(self, command: SetHeadSeat, *, recorded_by: str) -> None:
        """Fill (or re-state) a head seat; refused when someone else holds it on `since`."""
        holding_id, title_code, since = command.holding_id, command.title_code, command.since
        cadre_id, until = command.cadre_id, command.until
        holder = self.seat_holder_on(title_code, since, ignore=holding_id)
        if holder is not None:
            raise Conflict(
                f"Chức danh {title_code} tại đơn vị '{self.name_on(since)}' đã có người giữ vào "
                f"ngày {since:%d/%m/%Y} (head post already held on that date)",
                code="holding_conflict",
                field="title_code",
            )
        current = self.seats.get(holding_id)
        wanted = HeadSeat(holding_id, title_code, cadre_id, since, until)
        if current == wanted:
            return
        self._head_seat_set(holding_id=holding_id, title_code=title_code, cadre_id=cadre_id,
                            since=since, until=until, effective_on=until or since,
                            decision=command.decision, recorded_by=recorded_by)

    def withdraw_head_seat(self, holding_id: UUID, effective_on: date, recorded_by: str) -> None:
        if holding_id in self.seats:
            self._head_seat_withdrawn(holding_id=holding_id, effective_on=effective_on,
                                      decision=None, recorded_by=recorded_by)

    # --- state changes (re-run on replay) -------------------------------------------------

    @event(Renamed)
    def _renamed(self, new_name: str, effective_on: date, decision: Decision | None,
                 recorded_by: str) -> None:
        _insert_change(self.names, effective_on, new_name)

    @event(Moved)
    def _moved(self, new_parent_id: UUID | None, effective_on: date, decision: Decision | None,
               recorded_by: str) -> None:
        _insert_change(self.parents, effective_on, new_parent_id)

    @event(MergedInto)
    def _merged_into(self, into_unit_id: UUID, effective_on: date, decision: Decision | None,
                     recorded_by: str) -> None:
        self.ended_on = effective_on
        self.merged_into = into_unit_id

    @event(Absorbed)
    def _absorbed(self, merged_unit_id: UUID, effective_on: date, decision: Decision | None,
                  recorded_by: str) -> None:
        pass  # the tree's history is carried by the merged unit; this records the receiving side

    @event(Dissolved)
    def _dissolved(self, effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.ended_on = effective_on

    @event(HeadSeatSet)
    def _head_seat_set(self, holding_id: UUID, title_code: str, cadre_id: UUID, since: date,
                       until: date | None, effective_on: date, decision: Decision | None,
                       recorded_by: str) -> None:
        self.seats[holding_id] = HeadSeat(holding_id, title_code, cadre_id, since, until)

    @event(HeadSeatWithdrawn)
    def _head_seat_withdrawn(self, holding_id: UUID, effective_on: date,
                             decision: Decision | None, recorded_by: str) -> None:
        self.seats.pop(holding_id, None)


def _value_on(changes: list[tuple[date, Any]], day: date) -> Any:
    value = changes[0][1]
    for since, changed in changes:
        if since <= day:
            value = changed
        else:
            break
    return value


def _insert_change(changes: list[tuple[date, Any]], since: date, value: Any) -> None:
    changes.append((since, value))
    changes.sort(key=lambda change: change[0])
