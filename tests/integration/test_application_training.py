"""Đào tạo, bồi dưỡng: completing a programme raises the cadre's political theory or state
management level from the completion date, in the aggregate and on the read side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.commands import AddProgramme, Correct, RecordTraining, RegisterCadre
from domain.errors import Conflict, InvalidCommand
from domain.values import (
    Gender,
    PoliticalTheory,
    QualificationKind,
    StateManagement,
    TrainingMode,
)
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
POLITICAL = QualificationKind.POLITICAL_THEORY
STATE = QualificationKind.STATE_MANAGEMENT


@pytest.fixture
def runtime(sqlite_settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(sqlite_settings, clock=PinnedClock.on(TODAY))
    yield rt
    rt.close()


def test_completing_cao_cap_raises_political_theory_from_the_completion_date(
        runtime: Runtime) -> None:
    app, rm = runtime.app, runtime.read_model
    thu = app.register_cadre(RegisterCadre(full_name="Đặng Thị Thu", gender=Gender.NU,
                                           born_on=date(1980, 10, 10),
                                           political_theory=PoliticalTheory.TRUNG_CAP,
                                           state_management=StateManagement.CV),
                             recorded_by="btc").id
    app.record_training(thu, RecordTraining(program="llct_cao_cap", started_on=date(2023, 9, 5),
                                            completed_on=date(2024, 12, 20),
                                            institution="Học viện Chính trị khu vực I",
                                            mode=TrainingMode.TAI_CHUC), recorded_by="btc")
    # Started, not finished: nothing is raised until a completion is recorded.
    started = app.record_training(thu, RecordTraining(program="qlnn_cvc",
                                                      started_on=date(2026, 3, 2)),
                                  recorded_by="btc")

    cadre = app.cadre(thu)
    assert cadre.level_on(POLITICAL, date(2024, 12, 19)) == PoliticalTheory.TRUNG_CAP
    assert cadre.level_on(POLITICAL, date(2024, 12, 20)) == PoliticalTheory.CAO_CAP
    assert cadre.level_on(STATE, TODAY) == StateManagement.CV

    runtime.catch_up()
    before = rm.profile(thu, rm.moment(as_of=date(2024, 12, 19)))
    after = rm.profile(thu, rm.moment(as_of=date(2024, 12, 20)))
    assert before is not None and after is not None
    assert (before["political_theory"], after["political_theory"]) == ("trung_cap", "cao_cap")
    assert after["state_management"] == "cv"

    # The completion is recorded as a correction of the started course.
    app.correct(thu, Correct(
        target_position=started.entry_position, reason="Bổ sung ngày hoàn thành",
        replacement=dict(program="qlnn_cvc", started_on=date(2026, 3, 2),
                                 completed_on=date(2026, 6, 30))),
        recorded_by="btc")
    assert app.cadre(thu).level_on(STATE, date(2026, 6, 30)) == StateManagement.CVC
    runtime.catch_up()
    profile = rm.profile(thu, rm.moment(as_of=TODAY))
    assert profile is not None and profile["state_management"] == "cvc"


def test_retracting_the_training_lowers_the_level_again(runtime: Runtime) -> None:
    app = runtime.app
    minh = app.register_cadre(RegisterCadre(full_name="Bùi Quang Minh", gender=Gender.NAM,
                                            born_on=date(1985, 1, 20)), recorded_by="btc").id
    course = app.record_training(minh, RecordTraining(program="llct_trung_cap",
                                                      started_on=date(2019, 3, 1),
                                                      completed_on=date(2020, 1, 15)),
                                 recorded_by="btc")
    assert app.cadre(minh).level_on(POLITICAL, TODAY) == PoliticalTheory.TRUNG_CAP
    app.correct(minh, Correct(
        target_position=course.entry_position, reason="Nhập nhầm người"), recorded_by="btc")
    assert app.cadre(minh).level_on(POLITICAL, TODAY) is None
    runtime.catch_up()
    profile = runtime.read_model.profile(minh, runtime.read_model.moment())
    assert profile is not None and profile["political_theory"] is None


def test_a_programme_outside_the_catalogue_is_refused_until_an_admin_adds_it(
        runtime: Runtime) -> None:
    app = runtime.app
    lien = app.register_cadre(RegisterCadre(full_name="Hồ Thị Liên", gender=Gender.NU,
                                            born_on=date(1990, 4, 30),
                                            political_theory=PoliticalTheory.SO_CAP),
                              recorded_by="btc").id
    with pytest.raises(InvalidCommand) as refused:
        app.record_training(lien, RecordTraining(program="Kỹ năng số", started_on=date(2025, 5, 5),
                                                 completed_on=date(2025, 5, 9)), recorded_by="btc")
    assert (refused.value.code, refused.value.field) == ("unknown_programme", "program")
    assert app.cadre(lien).facts("TrainingRecorded") == []
    app.add_programme(AddProgramme(
        code="ky_nang_so", name="Kỹ năng số", kind="khac"), recorded_by="admin")
    with pytest.raises(Conflict):
        app.add_programme(AddProgramme(
            code="ky_nang_so_2", name="KỸ NĂNG  SỐ", kind="khac"), recorded_by="admin")
    app.record_training(lien, RecordTraining(program="kỹ năng số", started_on=date(2025, 5, 5),
                                             completed_on=date(2025, 5, 9)), recorded_by="btc")
    # Free text naming a built-in programme, without diacritics and in capitals, is that one.
    app.record_training(lien, RecordTraining(program="KIEN THUC QUOC PHONG - AN NINH DOI TUONG 3",
                                             started_on=date(2025, 6, 1),
                                             completed_on=date(2025, 6, 20)), recorded_by="btc")
    cadre = app.cadre(lien)
    assert cadre.level_on(POLITICAL, TODAY) == PoliticalTheory.SO_CAP
    assert [e.payload["program"] for e in cadre.facts("TrainingRecorded")] == [
        "ky_nang_so", "qpan_doi_tuong_3"]
    assert all(e.payload["confers_kind"] is None for e in cadre.facts("TrainingRecorded"))
