"""Training programmes (chương trình đào tạo, bồi dưỡng): a catalogue, and the qualification a
programme's completion confers.

The catalogue is the built-in programmes below plus those an administrator adds (the
`ProgrammeCatalogue` aggregate, `POST /programmes`). A training is recorded against a programme
of the catalogue: given its code, or free text that matches a programme's name (NFC, diacritics
folded, case and spacing ignored: "trung cap ly luan chinh tri" is `llct_trung_cap`), so one
programme is one report row. Anything else is refused (`unknown_programme`, field `program`).
Trainings recorded before the catalogue was enforced keep the text they were recorded with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidCommand
from domain.values import PoliticalTheory, QualificationKind, StateManagement, fold, nfc


class ProgrammeKind(StrEnum):
    LLCT = "llct"  # lý luận chính trị
    QLNN = "qlnn"  # quản lý nhà nước
    QPAN_1 = "qpan_1"  # kiến thức quốc phòng – an ninh, đối tượng 1 … 4
    QPAN_2 = "qpan_2"
    QPAN_3 = "qpan_3"
    QPAN_4 = "qpan_4"
    CHUC_DANH = "chuc_danh"  # bồi dưỡng theo tiêu chuẩn chức danh lãnh đạo, quản lý
    CAP_NHAT = "cap_nhat"  # bồi dưỡng cập nhật kiến thức
    KHAC = "khac"  # other training (chuyên môn, kỹ năng…)


KIND_NAMES: dict[str, str] = {
    ProgrammeKind.LLCT: "Lý luận chính trị",
    ProgrammeKind.QLNN: "Quản lý nhà nước",
    ProgrammeKind.QPAN_1: "Quốc phòng – an ninh đối tượng 1",
    ProgrammeKind.QPAN_2: "Quốc phòng – an ninh đối tượng 2",
    ProgrammeKind.QPAN_3: "Quốc phòng – an ninh đối tượng 3",
    ProgrammeKind.QPAN_4: "Quốc phòng – an ninh đối tượng 4",
    ProgrammeKind.CHUC_DANH: "Bồi dưỡng theo chức danh",
    ProgrammeKind.CAP_NHAT: "Bồi dưỡng cập nhật kiến thức",
    ProgrammeKind.KHAC: "Khác",
}


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    kind: ProgrammeKind = ProgrammeKind.KHAC
    confers_kind: QualificationKind | None = None
    confers_level: str | None = None
    built_in: bool = True


_L, _Q = QualificationKind.POLITICAL_THEORY, QualificationKind.STATE_MANAGEMENT
PROGRAMMES: dict[str, Programme] = {
    p.code: p
    for p in [
        Programme("llct_so_cap", "Sơ cấp lý luận chính trị", ProgrammeKind.LLCT, _L,
                  PoliticalTheory.SO_CAP),
        Programme("llct_trung_cap", "Trung cấp lý luận chính trị", ProgrammeKind.LLCT, _L,
                  PoliticalTheory.TRUNG_CAP),
        Programme("llct_cao_cap", "Cao cấp lý luận chính trị", ProgrammeKind.LLCT, _L,
                  PoliticalTheory.CAO_CAP),
        Programme("llct_cu_nhan", "Cử nhân chính trị", ProgrammeKind.LLCT, _L,
                  PoliticalTheory.CU_NHAN),
        Programme("qlnn_cv", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên", ProgrammeKind.QLNN,
                  _Q, StateManagement.CV),
        Programme("qlnn_cvc", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên chính",
                  ProgrammeKind.QLNN, _Q, StateManagement.CVC),
        Programme("qlnn_cvcc", "Bồi dưỡng quản lý nhà nước ngạch chuyên viên cao cấp",
                  ProgrammeKind.QLNN, _Q, StateManagement.CVCC),
        Programme("qpan_doi_tuong_1", "Kiến thức quốc phòng – an ninh đối tượng 1",
                  ProgrammeKind.QPAN_1),
        Programme("qpan_doi_tuong_2", "Kiến thức quốc phòng – an ninh đối tượng 2",
                  ProgrammeKind.QPAN_2),
        Programme("qpan_doi_tuong_3", "Kiến thức quốc phòng – an ninh đối tượng 3",
                  ProgrammeKind.QPAN_3),
        Programme("qpan_doi_tuong_4", "Kiến thức quốc phòng – an ninh đối tượng 4",
                  ProgrammeKind.QPAN_4),
        Programme("boi_duong_lanh_dao", "Bồi dưỡng cán bộ lãnh đạo, quản lý",
                  ProgrammeKind.CHUC_DANH),
        Programme("cap_nhat_kien_thuc", "Bồi dưỡng cập nhật kiến thức", ProgrammeKind.CAP_NHAT),
    ]
}


def programme_name(code: str, added: Mapping[str, Programme] | None = None) -> str:
    programme = PROGRAMMES.get(code) or (added or {}).get(code)
    return programme.name if programme else code


def match_key(text: str) -> str:
    """What two spellings of one programme share: NFC, diacritics folded, lower case, one
    space, the dashes and punctuation of names ignored."""
    folded = fold(nfc(text))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def resolve(text: str, catalogue: Iterable[Programme]) -> Programme:
    """The programme a training names: by code, else by name; refused otherwise."""
    given = nfc(text)
    programmes = list(catalogue)
    for p in programmes:
        if p.code == given:
            return p
    key = match_key(given)
    for p in programmes:
        if key and match_key(p.name) == key:
            return p
    raise InvalidCommand(
        f"Chương trình '{given}' không có trong danh mục chương trình đào tạo, bồi dưỡng "
        "(program: unknown programme; give a code or name of GET /programmes, or an "
        "administrator adds it with POST /programmes)", code="unknown_programme",
        field="program")


class ProgrammeCatalogue(Aggregate):
    """The programmes an administrator added beside the built-in ones (one aggregate)."""

    class Opened(Aggregate.Created):
        recorded_by: str

    class ProgrammeAdded(Aggregate.Event):
        code: str
        name: str
        kind: ProgrammeKind
        recorded_by: str

    @staticmethod
    def create_id(*args: object, **kwargs: object) -> UUID:
        return uuid5(NAMESPACE_URL, "hoso:programme-catalogue")

    @event(Opened)
    def __init__(self, recorded_by: str) -> None:
        self.added: dict[str, Programme] = {}

    def programmes(self) -> list[Programme]:
        return [*PROGRAMMES.values(), *self.added.values()]

    @staticmethod
    def built_in() -> list[Programme]:
        return list(PROGRAMMES.values())

    def add(self, *, code: str, name: str, kind: ProgrammeKind, recorded_by: str) -> None:
        code, name = nfc(code), nfc(name)
        for field_name, value in (("code", code), ("name", name)):
            if not value:
                raise InvalidCommand(f"Thiếu {field_name} ({field_name} is required)",
                                     code="missing_field", field=field_name)
        for p in self.programmes():
            if p.code == code:
                raise Conflict(f"Mã chương trình '{code}' đã có (programme code already used)",
                               code="duplicate_code", field="code")
            if match_key(p.name) == match_key(name):
                raise Conflict(f"Chương trình '{p.name}' đã có trong danh mục với mã '{p.code}' "
                               "(a programme of that name is already in the catalogue)",
                               code="duplicate_programme", field="name")
        self._added(code=code, name=name, kind=kind, recorded_by=recorded_by)

    @event(ProgrammeAdded)
    def _added(self, code: str, name: str, kind: ProgrammeKind, recorded_by: str) -> None:
        self.added[code] = Programme(code, name, kind, built_in=False)


def as_row(p: Programme) -> dict[str, Any]:
    return dict(code=p.code, name=p.name, kind=str(p.kind), kind_name=KIND_NAMES[p.kind],
                confers_kind=str(p.confers_kind) if p.confers_kind else None,
                confers_level=str(p.confers_level) if p.confers_level else None,
                built_in=p.built_in)
