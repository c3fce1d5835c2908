"""Đơn vị and chức danh on their own: the unit's life over time and its head seats."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.commands import ChangeUnit, SetHeadSeat
from domain.errors import Conflict, DomainError, InvalidCommand
from domain.title import Title
from domain.unit import Unit
from domain.values import Decision, TitleStandards

DECISION = Decision(number="1093-QĐ/TU", signed_on=date(2024, 12, 20),
                    issuer="Ban Thường vụ Thành ủy Hải Phòng", signer="Lê Tiến Châu")


def unit(code: str, name: str, established_on: date = date(2000, 1, 1),
         parent: Unit | None = None) -> Unit:
    return Unit(code=code, name=name, kind="phuong", established_on=established_on,
                parent_id=parent.id if parent else None, decision=None, recorded_by="btc")


def seat(holding_id: UUID, title_code: str, cadre: int, since: date, until: date | None,
         decision: Decision | None) -> SetHeadSeat:
    return SetHeadSeat(holding_id=holding_id, title_code=title_code, cadre_id=UUID(int=cadre),
                       since=since, until=until, decision=decision)


def refused(expected: type[DomainError], aggregate: Unit, action: Any) -> DomainError:
    before = (aggregate.version, len(aggregate.pending_events))
    with pytest.raises(expected) as caught:
        action()
    assert (aggregate.version, len(aggregate.pending_events)) == before
    return caught.value


def test_ids_derive_from_codes() -> None:
    assert unit("KA", "Quận ủy Kiến An").id == Unit.create_id("KA")
    title = Title(code="bi_thu", name="Bí thư", is_head=True, management_tier="quan_uy",
                  rank=9, sector=None, standards=TitleStandards(), recorded_by="btc")
    assert title.id == Title.create_id("bi_thu") != Unit.create_id("bi_thu")


def test_rename_and_move_take_effect_on_their_dates() -> None:
    district = unit("KA", "Quận Kiến An")
    city = unit("HP", "Thành phố Hải Phòng")
    ward = unit("KA-BS", "Phường Bắc Sơn", parent=district)
    ward.change(ChangeUnit(change="rename", effective_on=date(2025, 1, 1), decision=DECISION,
                           new_name="Phường Bắc Sơn mới"), recorded_by="btc")
    ward.change(ChangeUnit(change="move", effective_on=date(2025, 7, 1), decision=DECISION,
                           new_parent_id=city.id), recorded_by="btc", new_parent=city)
    # Entered out of order: an earlier rename recorded later still sorts by its date.
    ward.change(ChangeUnit(change="rename", effective_on=date(2010, 5, 1),
                           new_name="Phường Bắc Sơn (2010)"), recorded_by="btc")

    assert ward.name_on(date(2009, 12, 31)) == "Phường Bắc Sơn"
    assert ward.name_on(date(2012, 1, 1)) == "Phường Bắc Sơn (2010)"
    assert ward.name_on(date(2025, 1, 1)) == "Phường Bắc Sơn mới"
    assert ward.parent_on(date(2025, 6, 30)) == district.id
    assert ward.parent_on(date(2025, 7, 1)) == city.id
    assert [type(e).__name__ for e in ward.collect_events()] == [
        "Registered", "Renamed", "Moved", "Renamed"]


def test_merge_ends_the_unit_and_records_the_receiving_side() -> None:
    old = unit("KA-NS", "Phường Nam Sơn")
    new = unit("KA-KA", "Phường Kiến An", established_on=date(2025, 7, 1))
    old.change(ChangeUnit(change="merge", effective_on=date(2025, 7, 1), decision=DECISION,
                          into_unit_id=new.id), recorded_by="btc", into=new)
    assert old.exists_on(date(2025, 6, 30)) and not old.exists_on(date(2025, 7, 1))
    assert old.merged_into == new.id
    (absorbed,) = new.collect_events()[1:]
    assert isinstance(absorbed, Unit.Absorbed) and absorbed.merged_unit_id == old.id


def test_dissolve_ends_the_unit() -> None:
    board = unit("KA-TG", "Ban Tuyên giáo")
    board.change(ChangeUnit(change="dissolve", effective_on=date(2025, 3, 1), decision=DECISION),
                 recorded_by="btc")
    assert board.exists_on(date(2025, 2, 28)) and not board.exists_on(date(2025, 3, 1))
    assert not board.exists_on(date(1999, 12, 31))
    error = refused(InvalidCommand, board, lambda: board.require_exists(date(2025, 3, 1),
                                                                        "effective_on"))
    assert (error.code, error.field) == ("unit_not_active", "effective_on")


@pytest.mark.parametrize(("change", "kwargs", "on", "code", "field"), [
    ("rename", {}, date(2020, 1, 1), "missing_field", "new_name"),
    ("merge", {}, date(2020, 1, 1), "missing_field", "into_unit_id"),
    ("merge", {"into": "self"}, date(2020, 1, 1), "invalid_merge", "into_unit_id"),
    ("move", {"new_parent": "self"}, date(2020, 1, 1), "invalid_parent", "new_parent_id"),
    ("split", {}, date(2020, 1, 1), "invalid_code", "change"),
    ("rename", {"new_name": "X"}, date(2000, 1, 1), "invalid_date", "effective_on"),
    ("rename", {"new_name": "X"}, date(1999, 1, 1), "unit_not_active", "effective_on"),
])
def test_change_refusals(change: str, kwargs: dict[str, Any], on: date, code: str,
                         field: str) -> None:
    ward = unit("KA-LH", "Phường Lãm Hà")
    units: dict[str, Any] = {k: ward for k, v in kwargs.items() if v == "self"}
    command = ChangeUnit(change=change, effective_on=on, new_name=kwargs.get("new_name"))
    error = refused(InvalidCommand, ward, lambda: ward.change(command, recorded_by="btc",
                                                              **units))
    assert (error.code, error.field) == (code, field)


def test_no_change_after_the_unit_ended() -> None:
    ward = unit("KA-QT", "Phường Quán Trữ")
    ward.change(ChangeUnit(change="dissolve", effective_on=date(2025, 1, 1), decision=DECISION),
                recorded_by="btc")
    error = refused(InvalidCommand, ward, lambda: ward.change(ChangeUnit(
        change="rename", effective_on=date(2025, 6, 1), new_name="Tên mới"), recorded_by="btc"))
    assert error.code == "unit_not_active"


def test_a_head_seat_is_held_by_one_holding_per_date() -> None:
    ward = unit("KA-VD", "Phường Văn Đẩu")
    first, second, third = UUID(int=1), UUID(int=2), UUID(int=3)
    ward.set_head_seat(seat(first, "chu_tich", 11, date(2020, 1, 1), None, DECISION),
                       recorded_by="btc")
    error = refused(Conflict, ward, lambda: ward.set_head_seat(
        seat(second, "chu_tich", 12, date(2021, 1, 1), None, DECISION), recorded_by="btc"))
    assert (error.code, error.field) == ("holding_conflict", "title_code")
    # Another title of the unit is another seat.
    ward.set_head_seat(seat(third, "bi_thu", 13, date(2021, 1, 1), None, DECISION),
                       recorded_by="btc")
    # The first holder leaves on 1/3/2023: the seat is free from that day.
    ward.set_head_seat(seat(first, "chu_tich", 11, date(2020, 1, 1), date(2023, 3, 1),
                            DECISION), recorded_by="btc")
    ward.set_head_seat(seat(second, "chu_tich", 12, date(2023, 3, 1), None, DECISION),
                       recorded_by="btc")
    before, after = (ward.seat_holder_on("chu_tich", date(2023, 2, 28)),
                     ward.seat_holder_on("chu_tich", date(2023, 3, 1)))
    assert before is not None and before.cadre_id == UUID(int=11)
    assert after is not None and after.cadre_id == UUID(int=12)
    # Re-stating an unchanged seat appends nothing; withdrawing frees it.
    events = len(ward.pending_events)
    ward.set_head_seat(seat(second, "chu_tich", 12, date(2023, 3, 1), None, None),
                       recorded_by="btc")
    assert len(ward.pending_events) == events
    ward.withdraw_head_seat(second, date(2026, 1, 1), "btc")
    ward.withdraw_head_seat(second, date(2026, 1, 1), "btc")  # unknown now: no event
    assert len(ward.pending_events) == events + 1
    assert ward.seat_holder_on("chu_tich", date(2024, 1, 1)) is None
