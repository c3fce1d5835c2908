"""Hình thức kỷ luật: the discipline forms each system may impose, as dated data.

A discipline whose form is not in force for its system on its effective date is refused
(`discipline_form_not_in_force`): from 1/7/2025 the state no longer imposes giáng chức or hạ
bậc lương. A change is a new dated version with its source, never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.calendar import in_force_on
from domain.errors import InvalidCommand
from domain.values import DisciplineForm, DisciplineSystem, label

F = DisciplineForm
PARTY = frozenset({F.KHIEN_TRACH, F.CANH_CAO, F.CACH_CHUC, F.KHAI_TRU})
# Mass organisations' statutes differ; these are the forms the record has seen [verify].
MASS_ORGANISATION = frozenset({F.KHIEN_TRACH, F.CANH_CAO, F.CACH_CHUC, F.KHAI_TRU, F.BAI_NHIEM})


SYSTEM_NAMES = {DisciplineSystem.DANG: "kỷ luật Đảng",
                DisciplineSystem.CHINH_QUYEN: "kỷ luật hành chính",
                DisciplineSystem.DOAN_THE: "kỷ luật đoàn thể"}


@dataclass(frozen=True)
class DisciplineForms:
    valid_from: date
    version: str
    source: str
    forms: Mapping[DisciplineSystem, frozenset[DisciplineForm]]

    def allows(self, form: DisciplineForm, system: DisciplineSystem | None) -> bool:
        """A discipline recorded without its system (before contract v1.1) may carry any form
        some system imposes."""
        if system is None:
            return any(form in forms for forms in self.forms.values())
        return form in self.forms.get(system, frozenset())


VERSIONS: tuple[DisciplineForms, ...] = (
    DisciplineForms(
        valid_from=date(2010, 1, 1), version="luat-cbcc-2008",
        source=("Luật Cán bộ, công chức 2008 (sửa đổi 2019), Điều 78-79; Nghị định 112/2020/NĐ-CP "
                "[verify]: cán bộ khiển trách, cảnh cáo, cách chức, bãi nhiệm; công chức khiển "
                "trách, cảnh cáo, hạ bậc lương, giáng chức, cách chức, buộc thôi việc. Đảng: "
                "Điều lệ Đảng, Điều 35 [verify]"),
        forms={
            DisciplineSystem.DANG: PARTY,
            DisciplineSystem.CHINH_QUYEN: frozenset({
                F.KHIEN_TRACH, F.CANH_CAO, F.HA_BAC_LUONG, F.GIANG_CHUC, F.CACH_CHUC,
                F.BUOC_THOI_VIEC, F.BAI_NHIEM}),
            DisciplineSystem.DOAN_THE: MASS_ORGANISATION,
        }),
    DisciplineForms(
        valid_from=date(2025, 7, 1), version="nd172-2025",
        source=("Nghị định 172/2025/NĐ-CP ngày 30/6/2025 về xử lý kỷ luật cán bộ, công chức, "
                "hiệu lực 01/7/2025, thay Nghị định 112/2020/NĐ-CP và 71/2023/NĐ-CP: công chức "
                "khiển trách, cảnh cáo, cách chức (lãnh đạo, quản lý), buộc thôi việc; không còn "
                "giáng chức, hạ bậc lương (theo báo chí, znews.vn 07/2025) [verify against the "
                "text]; cán bộ khiển trách, cảnh cáo, cách chức, bãi nhiệm [verify]"),
        forms={
            DisciplineSystem.DANG: PARTY,
            DisciplineSystem.CHINH_QUYEN: frozenset({
                F.KHIEN_TRACH, F.CANH_CAO, F.CACH_CHUC, F.BUOC_THOI_VIEC, F.BAI_NHIEM}),
            DisciplineSystem.DOAN_THE: MASS_ORGANISATION,
        }),
)


def forms_on(day: date) -> DisciplineForms:
    return in_force_on(VERSIONS, day)


def require_form_in_force(form: DisciplineForm, system: DisciplineSystem | None,
                          effective_on: date) -> None:
    version = forms_on(effective_on)
    if version.allows(form, system):
        return
    whose = f" ({SYSTEM_NAMES[system]})" if system else ""
    raise InvalidCommand(
        f"Hình thức kỷ luật '{label(form)}'{whose} không còn (hoặc chưa) được áp dụng "
        f"vào ngày {effective_on:%d/%m/%Y} (discipline form not in force on that date: "
        f"{version.version}, {version.source.split(';')[0]})",
        code="discipline_form_not_in_force", field="form")
