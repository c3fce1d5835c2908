"""The read side as a personnel officer and an inspector see it: rosters, profiles, records,
search and audit, for any as_of and as known at any moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from domain.calendar import Clock
from domain.commands import (
    Appoint,
    ChangeUnit,
    Correct,
    EndHolding,
    Evaluate,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.values import (
    ActionKind,
    Decision,
    EndingReason,
    Gender,
    PoliticalTheory,
    Rating,
)
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from projections.runner import canonical_dump

TODAY = date(2026, 11, 24)


def decision(number: str, signed_on: date) -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer="Ban Thường vụ Quận ủy",
                    signer="Lê Toàn Khánh")


@pytest.fixture
def runtime(store_settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(store_settings, clock=PinnedClock.on(TODAY))
    yield rt
    rt.close()


def pause(clock: Clock) -> datetime:
    """An instant strictly between two recordings."""
    time.sleep(0.01)
    instant = clock.now()
    time.sleep(0.01)
    return instant


def test_roster_profile_and_record_as_of_and_as_known_at(runtime: Runtime) -> None:
    app, rm = runtime.app, runtime.read_model
    district = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="to_chuc").id
    office = app.register_unit(RegisterUnit(
        code="KA-NV", name="Phòng Nội vụ", kind="phong", established_on=date(2000, 1, 1),
        parent_id=district), recorded_by="to_chuc").id
    app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="to_chuc")
    lan = app.register_cadre(RegisterCadre(full_name="Nguyễn Thị Lan", gender=Gender.NU,
                                           born_on=date(1980, 5, 2),
                                           political_theory=PoliticalTheory.TRUNG_CAP),
                             recorded_by="to_chuc").id
    appointed = app.appoint(lan, Appoint(kind=ActionKind.BO_NHIEM, unit_id=office,
                                         title_code="truong_phong", effective_on=date(2021, 3, 1),
                                         decision=decision("12-QĐ/QU", date(2021, 2, 20))),
                            recorded_by="to_chuc")
    app.evaluate(lan, Evaluate(period="2021", rating=Rating.HTTNV, decided_on=date(2021, 12, 20)),
                 recorded_by="to_chuc")
    runtime.catch_up()
    before_ending = pause(runtime.clock)
    app.end_holding(lan, EndHolding(unit_id=office, title_code="truong_phong",
                                    reason=EndingReason.NGHI_HUU, effective_on=date(2022, 1, 1),
                                    decision=decision("40-QĐ/QU", date(2021, 12, 1))),
                    recorded_by="to_chuc")
    runtime.catch_up()
    before_correction = pause(runtime.clock)
    app.correct(lan, Correct(
        target_position=appointed.entry_position, reason="Sai ngày hiệu lực",
        replacement=dict(kind=ActionKind.BO_NHIEM, unit_id=office,
                                 title_code="truong_phong", effective_on=date(2021, 4, 1),
                                 decision=decision("12-QĐ/QU", date(2021, 2, 20)))),
        recorded_by="to_chuc")
    runtime.catch_up()

    now = rm.moment(as_of=date(2021, 3, 15))
    assert rm.roster(office, now) == []  # corrected: the post began on 1/4/2021
    then = rm.moment(as_of=date(2021, 3, 15), known_at=before_correction)
    [held] = rm.roster(office, then)
    assert (held["full_name"], held["since"], held["until"]) == (
        "Nguyễn Thị Lan", date(2021, 3, 1), date(2022, 1, 1))
    earlier = rm.moment(as_of=date(2022, 6, 1), known_at=before_ending)
    [still] = rm.roster(district, earlier, include_subunits=True)
    assert still["until"] is None
    assert rm.roster(office, rm.moment(as_of=date(2022, 6, 1))) == []

    profile = rm.profile(lan, rm.moment(as_of=date(2021, 6, 1)))
    assert profile is not None
    assert profile["political_theory"] == "trung_cap"
    assert [h["since"] for h in profile["holdings"]] == [date(2021, 4, 1)]

    record = rm.record(lan, rm.moment())
    assert record is not None
    statuses = {e["position"]: e["status"] for e in record}
    assert statuses[appointed.entry_position] == "corrected"
    old = rm.record(lan, rm.moment(known_at=before_correction))
    assert old is not None
    assert {e["position"]: e["status"] for e in old}[appointed.entry_position] == "in_force"
    assert all(e["summary"] for e in record)

    assert [c["full_name"] for c in rm.cadres(rm.moment(), q="nguyen thi LAN")] == [
        "Nguyễn Thị Lan"]
    assert len(rm.audit_log(cadre_id=lan)) == len(record)

    incremental = canonical_dump(runtime.engine, rm.tables())
    runtime.rebuild()
    assert canonical_dump(runtime.engine, rm.tables()) == incremental


def test_unit_tree_of_the_date(runtime: Runtime) -> None:
    app, rm = runtime.app, runtime.read_model
    city = app.register_unit(RegisterUnit(
        code="HP", name="Thành ủy Hải Phòng", kind="thanh_uy", established_on=date(1990, 1, 1)),
        recorded_by="to_chuc").id
    district = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(1995, 1, 1),
        parent_id=city), recorded_by="to_chuc").id
    ward = app.register_unit(RegisterUnit(
        code="KA-BS", name="Phường Bắc Sơn", kind="phuong", established_on=date(1995, 1, 1),
        parent_id=district), recorded_by="to_chuc").id
    app.change_unit(ward, ChangeUnit(
        change="move", effective_on=date(2025, 7, 1), new_parent_id=city), recorded_by="to_chuc")
    app.change_unit(ward, ChangeUnit(
        change="rename", effective_on=date(2025, 7, 1), new_name="Phường Kiến An"),
        recorded_by="to_chuc")
    app.change_unit(district, ChangeUnit(
        change="dissolve", effective_on=date(2025, 7, 1)), recorded_by="to_chuc")
    runtime.catch_up()
    old = rm.moment(as_of=date(2022, 6, 30))
    assert {u["name"]: u["parent_id"] for u in rm.units(old)} == {
        "Thành ủy Hải Phòng": None, "Quận ủy Kiến An": city, "Phường Bắc Sơn": district}
    new = rm.moment(as_of=date(2026, 1, 1))
    assert {u["name"]: u["parent_id"] for u in rm.units(new)} == {
        "Thành ủy Hải Phòng": None, "Phường Kiến An": city}
    assert set(rm.subtree(city, old)) == {city, district, ward}
