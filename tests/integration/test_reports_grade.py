"""Ngạch công chức recorded as a qualification fills the ministry table's grade columns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.commands import AddQualification, Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.errors import InvalidCommand
from domain.values import ActionKind, Decision, Gender, QualificationKind
from infra.clock import PinnedClock
from infra.runtime import open_runtime
from infra.settings import Settings
from projections import reports


def test_a_recorded_grade_is_counted_and_an_unknown_one_refused(tmp_path: Path) -> None:
    rt = open_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}"),
                      clock=PinnedClock.on(date(2026, 11, 24)))
    app = rt.app
    unit = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="t").id
    app.register_title(RegisterTitle(
        code="cv", name="Chuyên viên", is_head=False, management_tier="quan_uy"), recorded_by="t")
    lan = app.register_cadre(RegisterCadre(full_name="Nguyễn Thị Lan", gender=Gender.NU,
                                           born_on=date(1985, 1, 1)), recorded_by="t").id
    app.appoint(lan, Appoint(
        kind=ActionKind.BO_NHIEM, unit_id=unit, title_code="cv", effective_on=date(2015, 1, 1),
        decision=Decision("1/QĐ", date(2014, 12, 20), "UBND quận", "Lê Toàn Khánh")),
                recorded_by="t")
    app.add_qualification(lan, AddQualification(kind=QualificationKind.GRADE, level="cv",
                                                obtained_on=date(2015, 1, 1)), recorded_by="t")
    app.add_qualification(lan, AddQualification(kind=QualificationKind.GRADE, level="cvc",
                                                obtained_on=date(2023, 1, 1)), recorded_by="t")
    with pytest.raises(InvalidCommand) as refused:
        app.add_qualification(lan, AddQualification(kind=QualificationKind.GRADE,
                                                    level="chuyen_gia",
                                                    obtained_on=date(2023, 1, 1)), recorded_by="t")
    assert refused.value.field == "level"
    rt.catch_up()
    before = reports.cadre_quality(rt.read_model, rt.read_model.moment(as_of=date(2022, 6, 30)),
                                   "quan_uy", None)
    after = reports.cadre_quality(rt.read_model, rt.read_model.moment(as_of=date(2024, 6, 30)),
                                  "quan_uy", None)
    assert (before["by_grade"]["cv"], before["by_grade"]["cvc"]) == (1, 0)
    assert (after["by_grade"]["cv"], after["by_grade"]["cvc"]) == (0, 1)
    rt.close()
