"""The organisation tree over time: Kiến An's wards are renamed, moved, merged and dissolved
(the 2025 reorganisation), and every command is judged against the tree of its own date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from domain.application import HosoApplication
from domain.commands import (
    Appoint,
    ChangeUnit,
    EndHolding,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.errors import DomainError, InvalidCommand
from domain.unit import Unit
from domain.values import ActionKind, Decision, EndingReason, Gender
from infra.clock import PinnedClock
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
REORGANISED = date(2025, 7, 1)
MERGER_DECISION = Decision(number="1666/NQ-UBTVQH15", signed_on=date(2025, 6, 16),
                           issuer="Ủy ban Thường vụ Quốc hội", signer="Trần Thanh Mẫn")


@pytest.fixture
def app(sqlite_settings: Settings) -> Iterator[HosoApplication]:
    application = HosoApplication(env=application_env(sqlite_settings), clock=PinnedClock.on(TODAY))
    yield application
    application.close()


def register(app: HosoApplication, code: str, name: str, on: date,
             parent: UUID | None = None, kind: str = "phuong") -> UUID:
    return app.register_unit(RegisterUnit(
        code=code, name=name, kind=kind, established_on=on, parent_id=parent), recorded_by="btc").id


def test_the_2025_reorganisation_over_time(app: HosoApplication,
                                           sqlite_settings: Settings) -> None:
    city = register(app, "HP", "Thành ủy Hải Phòng", date(1955, 5, 13), kind="thanh_uy")
    district = register(app, "KA", "Quận ủy Kiến An", date(1994, 12, 1), city, "quan_uy")
    bac_son = register(app, "KA-BS", "Đảng ủy phường Bắc Sơn", date(1994, 12, 1), district)
    nam_son = register(app, "KA-NS", "Đảng ủy phường Nam Sơn", date(1994, 12, 1), district)
    new_ward = register(app, "P-KA", "Đảng ủy phường Kiến An", REORGANISED, city)

    app.change_unit(bac_son, ChangeUnit(
        change="rename", new_name="Đảng bộ phường Bắc Sơn", effective_on=date(2020, 10, 1)),
        recorded_by="btc")
    merged = app.change_unit(nam_son, ChangeUnit(
        change="merge", into_unit_id=bac_son, effective_on=date(2025, 1, 1),
        decision=MERGER_DECISION), recorded_by="btc")
    app.change_unit(bac_son, ChangeUnit(
        change="merge", into_unit_id=new_ward, effective_on=REORGANISED, decision=MERGER_DECISION),
        recorded_by="btc")
    app.change_unit(district, ChangeUnit(
        change="dissolve", effective_on=REORGANISED, decision=MERGER_DECISION), recorded_by="btc")
    # History entered late and out of order: an old rename of Nam Sơn.
    app.change_unit(nam_son, ChangeUnit(
        change="rename", new_name="Phường Nam Sơn (cũ)", effective_on=date(2003, 1, 1)),
        recorded_by="btc")

    # The merge saved both sides in one transaction: the receiver's Absorbed comes right after.
    receiver = app.unit(bac_son)
    events = list(app.events.get(bac_son))
    assert any(isinstance(e, Unit.Absorbed) and e.merged_unit_id == nam_son for e in events)
    assert merged.position == merged.entry_position + 1

    fresh = HosoApplication(env=application_env(sqlite_settings), clock=PinnedClock.on(TODAY))
    try:
        bs, ns, ka = fresh.unit(bac_son), fresh.unit(nam_son), fresh.unit(district)
        assert bs.name_on(date(2019, 1, 1)) == "Đảng ủy phường Bắc Sơn"
        assert bs.name_on(date(2022, 6, 30)) == "Đảng bộ phường Bắc Sơn"
        assert ns.name_on(date(2002, 12, 31)) == "Đảng ủy phường Nam Sơn"
        assert ns.name_on(date(2010, 1, 1)) == "Phường Nam Sơn (cũ)"
        assert (ns.exists_on(date(2024, 12, 31)), ns.exists_on(date(2025, 1, 1))) == (True,
                                                                                     False)
        assert (ns.merged_into, bs.merged_into) == (bac_son, new_ward)
        assert bs.exists_on(date(2025, 6, 30)) and not bs.exists_on(REORGANISED)
        assert ka.exists_on(date(2025, 6, 30)) and not ka.exists_on(REORGANISED)
        assert ka.merged_into is None and fresh.unit(new_ward).parent_on(TODAY) == city
        assert vars(bs) == vars(receiver)
    finally:
        fresh.close()

    # The read side lists the tree of each date.
    with_runtime = open_runtime(sqlite_settings, clock=PinnedClock.on(TODAY),
                                app=HosoApplication(env=application_env(sqlite_settings),
                                                    clock=PinnedClock.on(TODAY)))
    try:
        rm = with_runtime.read_model
        codes_2022 = [u["code"] for u in rm.units(rm.moment(as_of=date(2022, 6, 30)))]
        codes_2026 = [u["code"] for u in rm.units(rm.moment(as_of=TODAY))]
        assert codes_2022 == ["HP", "KA", "KA-BS", "KA-NS"]
        assert codes_2026 == ["HP", "P-KA"]
    finally:
        with_runtime.close()


def test_moves_change_the_parent_from_their_date_and_cycles_are_refused(
        app: HosoApplication) -> None:
    district = register(app, "KA", "Quận ủy Kiến An", date(1994, 12, 1), kind="quan_uy")
    board = register(app, "KA-TC", "Ban Tổ chức Quận ủy", date(1994, 12, 1), district, "ban_dang")
    office = register(app, "KA-VP", "Văn phòng Quận ủy", date(1994, 12, 1), district, "ban_dang")
    team = register(app, "KA-TC-1", "Tổ cán bộ", date(2010, 1, 1), board, "co_quan")
    app.change_unit(team, ChangeUnit(
        change="move", new_parent_id=office, effective_on=date(2018, 1, 1)), recorded_by="btc")
    unit = app.unit(team)
    assert (unit.parent_on(date(2017, 12, 31)), unit.parent_on(date(2018, 1, 1))) == (board,
                                                                                     office)
    head = app.recorder.max_notification_id() or 0
    for new_parent, field in ((team, "new_parent_id"), (UUID(int=7), "new_parent_id")):
        with pytest.raises(DomainError) as caught:
            app.change_unit(office, ChangeUnit(
                change="move", new_parent_id=new_parent, effective_on=date(2019, 1, 1)),
                recorded_by="btc")
        assert caught.value.field == field
    with pytest.raises(InvalidCommand) as cycle:
        app.change_unit(district, ChangeUnit(
            change="move", new_parent_id=team, effective_on=date(2019, 1, 1)), recorded_by="btc")
    assert (cycle.value.code, cycle.value.field) == ("invalid_parent", "new_parent_id")
    # Before the team moved under the office, moving the office under it was no cycle.
    app.change_unit(office, ChangeUnit(
        change="move", new_parent_id=board, effective_on=date(2012, 1, 1)), recorded_by="btc")
    assert app.recorder.max_notification_id() == head + 1


def test_posts_follow_the_unit_through_a_merger(app: HosoApplication) -> None:
    city = register(app, "HP", "Thành ủy Hải Phòng", date(1955, 5, 13), kind="thanh_uy")
    old = register(app, "KA-PL", "Phường Phù Liễn", date(1994, 12, 1), city)
    new = register(app, "P-PL", "Phường Phù Liễn (mới)", REORGANISED, city)
    app.register_title(RegisterTitle(
        code="chu_tich", name="Chủ tịch UBND phường", is_head=True, management_tier="thanh_uy",
        rank=8), recorded_by="btc")
    hoa = app.register_cadre(RegisterCadre(full_name="Dương Thị Hoa", gender=Gender.NU,
                                           born_on=date(1977, 7, 7)), recorded_by="btc").id
    app.appoint(hoa, Appoint(kind=ActionKind.BAU_CU, unit_id=old, title_code="chu_tich", effective_on=date(2021, 6, 1), decision=Decision(
                    number="12/NQ-HĐND", signed_on=date(2021, 5, 28),
                    issuer="HĐND phường Phù Liễn", signer="Ngô Văn Tâm")), recorded_by="btc")
    app.change_unit(old, ChangeUnit(
        change="merge", into_unit_id=new, effective_on=REORGANISED, decision=MERGER_DECISION),
        recorded_by="btc")
    # The holding in the merged ward ends on the merger date (the unit no longer exists)...
    app.end_holding(hoa, EndHolding(unit_id=old, title_code="chu_tich", reason=EndingReason.KHAC,
                                    effective_on=REORGANISED, decision=MERGER_DECISION),
                    recorded_by="btc")
    # ...and no one can be appointed to it any more; the new ward takes the appointment.
    with pytest.raises(InvalidCommand) as caught:
        app.appoint(hoa, Appoint(kind=ActionKind.CHI_DINH, unit_id=old, title_code="chu_tich",
                                 effective_on=REORGANISED, decision=MERGER_DECISION),
                    recorded_by="btc")
    assert (caught.value.code, caught.value.field) == ("unit_not_active", "effective_on")
    app.appoint(hoa, Appoint(kind=ActionKind.CHI_DINH, unit_id=new, title_code="chu_tich",
                             effective_on=REORGANISED, decision=MERGER_DECISION),
                recorded_by="btc")
    on_the_day = app.cadre(hoa).holdings_on(REORGANISED)
    assert [(h.unit_id, h.kind) for h in on_the_day] == [(new, ActionKind.CHI_DINH)]
    with pytest.raises(InvalidCommand) as late:
        app.change_unit(new, ChangeUnit(
            change="merge", into_unit_id=old, effective_on=date(2026, 1, 1)), recorded_by="btc")
    assert (late.value.code, late.value.field) == ("unit_not_active", "into_unit_id")
