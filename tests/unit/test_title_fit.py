"""Pure rules of issue 16: a unit's level, whether a title fits a unit, discipline forms by
date."""

from __future__ import annotations

from datetime import date

import pytest

from domain.discipline_forms import forms_on, require_form_in_force
from domain.errors import InvalidCommand
from domain.title import Title
from domain.values import DisciplineForm, DisciplineSystem, TitleStandards, UnitLevel, unit_level


@pytest.mark.parametrize(("kinds", "level"), [
    (["phuong"], UnitLevel.XA),
    (["ubnd", "phuong", "quan_uy", "thanh_pho"], UnitLevel.XA),
    (["phong", "ubnd", "quan_uy", "thanh_pho"], UnitLevel.HUYEN),
    (["thanh_pho"], UnitLevel.TINH),  # a centrally-run city
    (["ubnd", "thanh_pho", "tinh"], UnitLevel.HUYEN),  # a provincial city
    (["chi_bo", "ubnd"], None),
])
def test_a_units_level_comes_from_it_or_the_nearest_unit_above(
        kinds: list[str], level: UnitLevel | None) -> None:
    assert unit_level(kinds) is level


def title(**fit: object) -> Title:
    return Title(code="t", name="Bí thư Quận ủy", is_head=True, management_tier="thanh_uy",
                 rank=10, sector=None, standards=TitleStandards(), recorded_by="x", **fit)


def test_a_title_fits_the_kinds_and_levels_it_declares() -> None:
    district = title(unit_kinds=("quan_uy", "huyen_uy"), levels=(UnitLevel.HUYEN,))
    assert district.fits("quan_uy", UnitLevel.HUYEN)
    assert not district.fits("ubnd", UnitLevel.XA)
    assert not district.fits("quan_uy", UnitLevel.XA)
    assert district.fits("quan_uy", None)  # no level told: judged on kind only
    assert title().fits("chi_bo", None)
    with pytest.raises(InvalidCommand) as refused:
        district.require_fits("ubnd", UnitLevel.XA, "UBND phường", special_case=False)
    assert (refused.value.code, refused.value.field) == ("title_not_in_unit", "title_code")
    district.require_fits("ubnd", UnitLevel.XA, "UBND phường", special_case=True)


def test_discipline_forms_change_on_1_july_2025() -> None:
    state = DisciplineSystem.CHINH_QUYEN
    assert DisciplineForm.GIANG_CHUC in forms_on(date(2025, 6, 30)).forms[state]
    assert DisciplineForm.GIANG_CHUC not in forms_on(date(2025, 7, 1)).forms[state]
    assert forms_on(date(1990, 1, 1)).version == "luat-cbcc-2008"  # earliest for older days
    require_form_in_force(DisciplineForm.HA_BAC_LUONG, None, date(2025, 6, 30))
    with pytest.raises(InvalidCommand) as refused:
        require_form_in_force(DisciplineForm.HA_BAC_LUONG, state, date(2025, 7, 1))
    assert (refused.value.code, refused.value.field) == ("discipline_form_not_in_force", "form")
    with pytest.raises(InvalidCommand):
        require_form_in_force(DisciplineForm.KHAI_TRU, state, date(2020, 1, 1))
    require_form_in_force(DisciplineForm.KHAI_TRU, DisciplineSystem.DANG, date(2026, 1, 1))
