"""Training programmes and the qualification their completion confers.

Programme codes are data: a programme not listed here is recorded but raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.values import PoliticalTheory, QualificationKind, StateManagement


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    confers_kind: QualificationKind | None = None
    confers_level: str | None = None


PROGRAMMES: dict[str, Programme] = {
    p.code: p
    for p in [
        Programme("llct_so_cap", "Sơ cấp lý luận chính trị", QualificationKind.POLITICAL_THEORY,
                  PoliticalTheory.SO_CAP),
        Programme("llct_trung_cap", "Trung cấp lý luận chính trị",
                  QualificationKind.POLITICAL_THEORY, PoliticalTheory.TRUNG_CAP),
        Programme("llct_cao_cap", "Cao cấp lý luận chính trị", QualificationKind.POLITICAL_THEORY,
                  PoliticalTheory.CAO_CAP),
        Programme("llct_cu_nhan", "Cử nhân chính trị", QualificationKind.POLITICAL_THEORY,
                  PoliticalTheory.CU_NHAN),
        Programme("qlnn_cv", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên",
                  QualificationKind.STATE_MANAGEMENT, StateManagement.CV),
        Programme("qlnn_cvc", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên chính",
                  QualificationKind.STATE_MANAGEMENT, StateManagement.CVC),
        Programme("qlnn_cvcc", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên cao cấp",
                  QualificationKind.STATE_MANAGEMENT, StateManagement.CVCC),
        Programme("qpan_doi_tuong_1", "Kiến thức quốc phòng – an ninh đối tượng 1"),
        Programme("qpan_doi_tuong_2", "Kiến thức quốc phòng – an ninh đối tượng 2"),
        Programme("qpan_doi_tuong_3", "Kiến thức quốc phòng – an ninh đối tượng 3"),
        Programme("qpan_doi_tuong_4", "Kiến thức quốc phòng – an ninh đối tượng 4"),
        Programme("boi_duong_lanh_dao", "Bồi dưỡng cán bộ lãnh đạo, quản lý"),
        Programme("cap_nhat_kien_thuc", "Bồi dưỡng cập nhật kiến thức"),
    ]
}


def programme_name(code: str) -> str:
    programme = PROGRAMMES.get(code)
    return programme.name if programme else code
