"""Writes are scoped from the aggregates (issue 14 item 4): on a tree that was renamed, moved,
merged and dissolved, `check_write_cadre` / `check_write_unit` decide for every personnel
officer exactly what the read model's subtree and posts held today say, without touching the
read model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from api.security import PERSONNEL, Principal, check_write_cadre, check_write_unit
from domain.application import HosoApplication
from domain.commands import (
    Appoint,
    ChangeUnit,
    EndHolding,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.errors import NotPermitted
from domain.values import ActionKind, Decision, EndingReason, Gender
from infra.clock import PinnedClock
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
DECISION = Decision(number="7-QĐ/QU", signed_on=date(2019, 1, 2), issuer="Quận ủy",
                    signer="Lê Văn A")


class NoReadModel:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a write's scope asked the read model ({name})")


@pytest.fixture
def app(sqlite_settings: Settings) -> Iterator[HosoApplication]:
    application = HosoApplication(env=application_env(sqlite_settings),
                                  clock=PinnedClock.on(TODAY))
    yield application
    application.close()


def _unit(app: HosoApplication, code: str, on: date, parent: UUID | None) -> UUID:
    return app.register_unit(RegisterUnit(
        code=code, name=f"Đơn vị {code}", kind="phuong", established_on=on, parent_id=parent),
        recorded_by="btc").id


def _allowed(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except NotPermitted:
        return False
    return True


def test_write_scope_from_the_aggregates_is_the_read_models_today(
        app: HosoApplication, sqlite_settings: Settings) -> None:
    city = _unit(app, "HP", date(1955, 1, 1), None)
    district = _unit(app, "KA", date(1994, 12, 1), city)
    north = _unit(app, "KA-B", date(1994, 12, 1), district)
    south = _unit(app, "KA-N", date(1994, 12, 1), district)
    school = _unit(app, "KA-N-T", date(2000, 1, 1), south)
    other = _unit(app, "DS", date(1994, 12, 1), city)
    later = _unit(app, "KA-M", date(2027, 1, 1), district)  # not yet established today
    app.change_unit(school, ChangeUnit(
        change="move", new_parent_id=north, effective_on=date(2024, 1, 1)), recorded_by="btc")
    app.change_unit(south, ChangeUnit(
        change="merge", into_unit_id=north, effective_on=date(2025, 1, 1), decision=DECISION),
        recorded_by="btc")
    app.change_unit(district, ChangeUnit(
        change="dissolve", effective_on=date(2025, 7, 1), decision=DECISION), recorded_by="btc")
    app.change_unit(north, ChangeUnit(
        change="move", new_parent_id=other, effective_on=date(2025, 7, 1)), recorded_by="btc")
    app.register_title(RegisterTitle(
        code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="quan_uy", rank=2),
        recorded_by="btc")
    units = [city, district, north, south, school, other, later]
    cadres = []
    for index, (unit, ended) in enumerate([(north, False), (south, False), (school, False),
                                           (other, False), (north, True), (city, False)]):
        cadre = app.register_cadre(RegisterCadre(full_name=f"Cán bộ {index}", gender=Gender.NAM,
                                                 born_on=date(1980, 1, 1)),
                                   recorded_by="to.chuc").id
        app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                   title_code="chuyen_vien", effective_on=date(2019, 3, 1),
                                   decision=DECISION), recorded_by="btc")
        if ended:
            app.end_holding(cadre, EndHolding(unit_id=unit, title_code="chuyen_vien",
                                              reason=EndingReason.DIEU_DONG,
                                              effective_on=date(2022, 1, 1), decision=DECISION),
                            recorded_by="btc")
        cadres.append(cadre)
    unplaced = app.register_cadre(RegisterCadre(full_name="Cán bộ mới", gender=Gender.NU,
                                                born_on=date(1990, 1, 1)),
                                  recorded_by="to.chuc").id
    cadres.append(unplaced)
    cadres.append(UUID(int=1))  # unknown: outside every scope

    runtime = open_runtime(sqlite_settings, app=app)
    try:
        rm = runtime.read_model
        today = rm.moment()
        aggregates_only = SimpleNamespace(app=app, read_model=NoReadModel())
        decided = 0
        for unit in units:
            for name in ("to.chuc", "khac"):
                p = Principal(name, PERSONNEL, unit, None)
                subtree = set(rm.subtree(unit, today))
                for other_unit in units:
                    assert _allowed(check_write_unit, p, aggregates_only, other_unit) == (
                        other_unit in subtree)
                    decided += 1
                for cadre in cadres:
                    held = rm.cadre_unit_ids(cadre, today)
                    expected = bool(held & subtree) or (
                        not held and rm.registered_by(cadre) == name)
                    assert _allowed(check_write_cadre, p, aggregates_only, cadre) == expected
                    decided += 1
        assert decided == 7 * 2 * (7 + 8)
        # Both kinds of answer occur: the comparison is not vacuous.
        p = Principal("khac", PERSONNEL, other, None)
        assert _allowed(check_write_cadre, p, aggregates_only, cadres[2])  # school moved
        assert not _allowed(check_write_cadre, p, aggregates_only, cadres[4])  # ended
        assert not _allowed(check_write_unit, p, aggregates_only, later)
    finally:
        runtime.close()
