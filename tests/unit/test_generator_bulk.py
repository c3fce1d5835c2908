"""The bulk path: the application's commands, validated as always, saved many at a time."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from domain.application import HosoApplication
from domain.commands import Appoint, Evaluate, RegisterCadre, RegisterTitle, RegisterUnit
from domain.errors import Conflict, InvalidCommand
from domain.values import ActionKind, Decision, Gender, Rating
from infra.demo import BulkApplication
from infra.transcoder import OrjsonTranscoder
from tests.conftest import suite_clock

ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder)}
DECISION = Decision("12-QĐ/QU", date(2020, 3, 1), "Ban Thường vụ Quận ủy", "Lê Văn An")


def _setup(app: HosoApplication) -> tuple[UUID, UUID]:
    unit = app.register_unit(RegisterUnit(
        code="KA.UB.NV", name="Phòng Nội vụ", kind="phong", established_on=date(1994, 1, 1)),
        recorded_by="t")
    app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=6),
        recorded_by="t")
    cadre = app.register_cadre(RegisterCadre(full_name="Nguyễn Thị Hoa", gender=Gender.NU,
                                             born_on=date(1980, 5, 1)), recorded_by="t")
    return unit.id, cadre.id


def test_commands_in_a_batch_are_saved_together_and_read_back_the_same() -> None:
    app = BulkApplication(env=ENV, clock=suite_clock())
    with app.batch():
        unit_id, cadre_id = _setup(app)
        receipt = app.appoint(cadre_id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit_id,
                                                title_code="truong_phong",
                                                effective_on=date(2020, 3, 15), decision=DECISION),
                              recorded_by="t")
        assert receipt.position == 0  # not saved yet
        key = app.last_event_key
        assert key is not None
        app.watch(key)
        assert app.recorder.max_notification_id() in (None, 0)
    assert app.saved == app.recorder.max_notification_id() == 5  # 3 created, appointed, seat
    assert app.position_of(key) == 4
    located = app.locate(4)
    assert located is not None and located.topic.endswith("Cadre.Appointed")
    assert [h.title_code for h in app.cadre(cadre_id).holdings().values()] == ["truong_phong"]


def test_a_refused_command_in_a_batch_appends_nothing_and_keeps_what_came_before() -> None:
    app = BulkApplication(env=ENV, clock=suite_clock())
    with app.batch():
        unit_id, cadre_id = _setup(app)
        other = app.register_cadre(RegisterCadre(full_name="Trần Văn Nam", gender=Gender.NAM,
                                                 born_on=date(1979, 1, 1)), recorded_by="t").id
        app.appoint(cadre_id, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit_id,
                                      title_code="truong_phong", effective_on=date(2020, 3, 15),
                                      decision=DECISION), recorded_by="t")
        # The head seat is taken: the cadre aggregate was changed, then the unit refused.
        with pytest.raises(Conflict):
            app.appoint(other, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit_id,
                                       title_code="truong_phong", effective_on=date(2021, 1, 1),
                                       decision=DECISION), recorded_by="t")
        with pytest.raises(InvalidCommand):
            app.evaluate(other, Evaluate(period="2021", rating=Rating.HTTNV,
                                         decided_on=date(2020, 1, 1)), recorded_by="t")
        assert app.cadre(other).holdings() == {}
    assert app.recorder.max_notification_id() == 6  # 4 created, appointed, seat
    assert app.cadre(other).holdings() == {}
    assert len(app.cadre(cadre_id).holdings()) == 1


def test_outside_a_batch_each_command_is_saved_at_once() -> None:
    app = BulkApplication(env=ENV, clock=suite_clock())
    _setup(app)
    assert app.recorder.max_notification_id() == 3
