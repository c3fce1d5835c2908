"""Value objects and the contract's codes.

Codes are the contract's identifiers; Vietnamese labels live beside them for UI and reports.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID


class Gender(StrEnum):
    NAM = "nam"
    NU = "nu"


class ActionKind(StrEnum):
    BO_NHIEM = "bo_nhiem"
    BO_NHIEM_LAI = "bo_nhiem_lai"
    DIEU_DONG_BO_NHIEM = "dieu_dong_bo_nhiem"
    DIEU_DONG_CHI_DINH = "dieu_dong_chi_dinh"
    CHI_DINH = "chi_dinh"
    BAU_CU = "bau_cu"
    KIEN_TOAN = "kien_toan"
    LUAN_CHUYEN = "luan_chuyen"
    DIEU_DONG = "dieu_dong"
    KIEM_NHIEM = "kiem_nhiem"
    BIET_PHAI = "biet_phai"
    KEO_DAI = "keo_dai"  # kéo dài thời gian giữ chức vụ đến tuổi nghỉ hưu (QĐ 377)


# Kinds that, recorded for a post the cadre already holds on that day, renew the holding (a
# new term, one tenure) instead of conflicting with it. `keo_dai` only ever renews.
RENEWING_KINDS = frozenset({ActionKind.BO_NHIEM_LAI, ActionKind.KEO_DAI, ActionKind.BAU_CU})


# Nominations are not holdings but reports count them beside the action kinds.
NOMINATION_KIND = "gioi_thieu_ung_cu"


class EndingReason(StrEnum):
    MIEN_NHIEM = "mien_nhiem"
    TU_CHUC = "tu_chuc"
    CACH_CHUC = "cach_chuc"
    NGHI_HUU = "nghi_huu"
    HET_NHIEM_KY = "het_nhiem_ky"
    DIEU_DONG = "dieu_dong"
    LUAN_CHUYEN = "luan_chuyen"
    TU_TRAN = "tu_tran"
    KHONG_BO_NHIEM_LAI = "khong_bo_nhiem_lai"
    CHO_THOI_GIU_CHUC_VU = "cho_thoi_giu_chuc_vu"
    BAI_NHIEM = "bai_nhiem"
    KHAC = "khac"


class Rating(StrEnum):
    HTXSNV = "HTXSNV"
    HTTNV = "HTTNV"
    HTNV = "HTNV"
    KHTNV = "KHTNV"


class DisciplineForm(StrEnum):
    KHIEN_TRACH = "khien_trach"
    CANH_CAO = "canh_cao"
    CACH_CHUC = "cach_chuc"
    KHAI_TRU = "khai_tru"
    GIANG_CHUC = "giang_chuc"
    HA_BAC_LUONG = "ha_bac_luong"
    BUOC_THOI_VIEC = "buoc_thoi_viec"
    BAI_NHIEM = "bai_nhiem"


class DisciplineSystem(StrEnum):
    """Which system imposed a discipline: the party, the state, or a mass organisation."""

    DANG = "dang"
    CHINH_QUYEN = "chinh_quyen"
    DOAN_THE = "doan_the"


@dataclass(frozen=True)
class UnitKind:
    code: str
    label: str
    branch: str  # dang | chinh_quyen | doan_the | luc_luong_vu_trang | dia_ban


# Unit kinds (contract v1.1): the codes a unit's `kind` may take, with label and branch.
UNIT_KINDS: tuple[UnitKind, ...] = tuple(UnitKind(*row) for row in (
    ("tinh_uy", "Tỉnh ủy", "dang"),
    ("thanh_uy", "Thành ủy", "dang"),
    ("huyen_uy", "Huyện ủy", "dang"),
    ("quan_uy", "Quận ủy", "dang"),
    ("thi_uy", "Thị ủy", "dang"),
    ("dang_uy", "Đảng ủy", "dang"),
    ("dang_bo", "Đảng bộ", "dang"),
    ("chi_bo", "Chi bộ", "dang"),
    ("ban_dang", "Ban Đảng", "dang"),
    ("ubkt", "Ủy ban Kiểm tra", "dang"),
    ("hdnd", "Hội đồng nhân dân", "chinh_quyen"),
    ("ubnd", "Ủy ban nhân dân", "chinh_quyen"),
    ("so", "Sở", "chinh_quyen"),
    ("phong", "Phòng", "chinh_quyen"),
    ("co_quan", "Cơ quan", "chinh_quyen"),
    ("don_vi_su_nghiep", "Đơn vị sự nghiệp", "chinh_quyen"),
    ("truong_hoc", "Trường học", "chinh_quyen"),
    ("mttq", "Mặt trận Tổ quốc", "doan_the"),
    ("doan_the", "Đoàn thể", "doan_the"),
    ("cong_an", "Công an", "luc_luong_vu_trang"),
    ("quan_su", "Quân sự", "luc_luong_vu_trang"),
    ("tinh", "Tỉnh", "dia_ban"),
    ("thanh_pho", "Thành phố", "dia_ban"),
    ("quan", "Quận", "dia_ban"),
    ("huyen", "Huyện", "dia_ban"),
    ("phuong", "Phường", "dia_ban"),
    ("xa", "Xã", "dia_ban"),
))
UNIT_KIND_CODES = frozenset(k.code for k in UNIT_KINDS)
# A party committee whether recorded as the committee (đảng ủy) or the organisation (đảng bộ).
PARTY_COMMITTEE_KINDS = frozenset({"tinh_uy", "thanh_uy", "huyen_uy", "quan_uy", "thi_uy",
                                   "dang_uy", "dang_bo"})
class UnitLevel(StrEnum):
    """Cấp: province, district (until the 2025 reorganisation), ward or commune."""

    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"


# The level a unit's own kind tells; a unit of another kind (a phòng, a party cell) takes the
# level of the nearest unit above it that tells one.
# A thành phố is a province when nothing above it is one (a centrally-run city), else a district.
LEVEL_OF_KIND: dict[str, UnitLevel] = {
    **dict.fromkeys(("tinh", "thanh_pho", "tinh_uy", "thanh_uy", "so"), UnitLevel.TINH),
    **dict.fromkeys(("huyen", "quan", "huyen_uy", "quan_uy", "thi_uy"), UnitLevel.HUYEN),
    **dict.fromkeys(("phuong", "xa"), UnitLevel.XA),
}


def unit_level(kinds_upwards: Sequence[str]) -> UnitLevel | None:
    """The level of a unit from its kind and those above it (nearest first); None when no unit
    on the way up tells one."""
    for i, kind in enumerate(kinds_upwards):
        level = LEVEL_OF_KIND.get(kind)
        if level is None:
            continue
        if kind == "thanh_pho" and any(LEVEL_OF_KIND.get(k) is UnitLevel.TINH
                                       for k in kinds_upwards[i + 1:]):
            return UnitLevel.HUYEN
        return level
    return None

# Codes stores recorded before unit kinds were codes (the demo's), and what they are now.
LEGACY_UNIT_KINDS = {"ban": "ban_dang", "truong": "truong_hoc"}


class PoliticalTheory(StrEnum):
    SO_CAP = "so_cap"
    TRUNG_CAP = "trung_cap"
    CAO_CAP = "cao_cap"
    CU_NHAN = "cu_nhan"


class StateManagement(StrEnum):
    CV = "cv"
    CVC = "cvc"
    CVCC = "cvcc"


class Education(StrEnum):
    TRUNG_CAP = "trung_cap"
    CAO_DANG = "cao_dang"
    DAI_HOC = "dai_hoc"
    THAC_SI = "thac_si"
    TIEN_SI = "tien_si"


class QualificationKind(StrEnum):
    EDUCATION = "education"
    POLITICAL_THEORY = "political_theory"
    STATE_MANAGEMENT = "state_management"
    LANGUAGE = "language"
    IT = "it"
    GRADE = "grade"  # ngạch công chức: not in the contract's list, the ministry's table needs it


class CivilServiceGrade(StrEnum):
    """Ngạch công chức, most senior first (mã ngạch 01.001 … 01.005)."""

    CVCC = "cvcc"
    CVC = "cvc"
    CV = "cv"
    CAN_SU = "can_su"
    NHAN_VIEN = "nhan_vien"


# Mã ngạch of the administrative grades (Thông tư 02/2021/TT-BNV, Điều 3 [verify]).
GRADE_CODES: dict[str, str] = {
    CivilServiceGrade.CVCC: "01.001", CivilServiceGrade.CVC: "01.002",
    CivilServiceGrade.CV: "01.003", CivilServiceGrade.CAN_SU: "01.004",
    CivilServiceGrade.NHAN_VIEN: "01.005",
}


class Relation(StrEnum):
    VO = "vo"
    CHONG = "chong"
    CHA = "cha"
    ME = "me"
    CHA_VO = "cha_vo"
    ME_VO = "me_vo"
    CHA_CHONG = "cha_chong"
    ME_CHONG = "me_chong"
    CON = "con"
    ANH = "anh"
    CHI = "chi"
    EM = "em"


class VettingConclusion(StrEnum):
    DAT = "dat"
    KHONG_DAT = "khong_dat"


class CommendationForm(StrEnum):
    """Hình thức khen thưởng and danh hiệu thi đua (Luật Thi đua, khen thưởng 2022, arts. 23, 34)."""

    HUAN_CHUONG = "huan_chuong"
    HUY_CHUONG = "huy_chuong"
    DANH_HIEU_VINH_DU = "danh_hieu_vinh_du"
    KY_NIEM_CHUONG = "ky_niem_chuong"
    BANG_KHEN = "bang_khen"
    GIAY_KHEN = "giay_khen"
    CHIEN_SI_THI_DUA_TOAN_QUOC = "chien_si_thi_dua_toan_quoc"
    CHIEN_SI_THI_DUA_CAP_TINH = "chien_si_thi_dua_cap_tinh"
    CHIEN_SI_THI_DUA_CO_SO = "chien_si_thi_dua_co_so"
    LAO_DONG_TIEN_TIEN = "lao_dong_tien_tien"


class CommendationLevel(StrEnum):
    """Who confers it: the State, a ministry or province, a district, the grassroots."""

    NHA_NUOC = "cap_nha_nuoc"
    TRUNG_UONG = "cap_trung_uong"
    TINH = "cap_tinh"
    HUYEN = "cap_huyen"
    CO_SO = "cap_co_so"


class AllowanceKind(StrEnum):
    """Phụ cấp on the employment record (Nghị định 204/2004/NĐ-CP and its amendments [verify])."""

    CHUC_VU = "chuc_vu"  # phụ cấp chức vụ lãnh đạo
    THAM_NIEN_VUOT_KHUNG = "tham_nien_vuot_khung"
    THAM_NIEN_NGHE = "tham_nien_nghe"
    KHU_VUC = "khu_vuc"
    TRACH_NHIEM = "trach_nhiem"  # phụ cấp trách nhiệm theo nghề, công việc
    KIEM_NHIEM = "kiem_nhiem"
    UU_DAI_NGHE = "uu_dai_nghe"
    CONG_VU = "cong_vu"
    KHAC = "khac"


ALLOWANCE_NAMES: dict[str, str] = {
    AllowanceKind.CHUC_VU: "Phụ cấp chức vụ", AllowanceKind.THAM_NIEN_VUOT_KHUNG:
    "Phụ cấp thâm niên vượt khung", AllowanceKind.THAM_NIEN_NGHE: "Phụ cấp thâm niên nghề",
    AllowanceKind.KHU_VUC: "Phụ cấp khu vực", AllowanceKind.TRACH_NHIEM: "Phụ cấp trách nhiệm",
    AllowanceKind.KIEM_NHIEM: "Phụ cấp kiêm nhiệm", AllowanceKind.UU_DAI_NGHE:
    "Phụ cấp ưu đãi nghề", AllowanceKind.CONG_VU: "Phụ cấp công vụ",
    AllowanceKind.KHAC: "Phụ cấp khác",
}


def allowance_text(a: Any) -> str:
    """'Phụ cấp chức vụ 0,30', 'Phụ cấp thâm niên vượt khung 5%', 'Phụ cấp khác 500.000 đ'
    (an Allowance, or its JSON form)."""
    get = a.get if isinstance(a, dict) else (lambda k: getattr(a, k))
    name = ALLOWANCE_NAMES.get(str(get("kind")), str(get("kind")))
    if get("coefficient") is not None:
        return f"{name} {str(get('coefficient')).replace('.', ',')}"
    if get("percent") is not None:
        return f"{name} {get('percent')}%"
    return f"{name} {int(get('amount') or 0):,} đ".replace(",", ".")


@dataclass(frozen=True, slots=True, kw_only=True)
class Allowance:
    """Một khoản phụ cấp: its kind, a coefficient (hệ số, e.g. 0.30) or a percent (tham niên
    vượt khung, e.g. 5) or an amount in đồng, from a day, until a day (None: open)."""

    kind: AllowanceKind
    from_on: date
    coefficient: Decimal | None = None
    percent: int | None = None
    amount: int | None = None
    until: date | None = None


class EmploymentKind(StrEnum):
    """How the agency employs the person: in its staffing quota, or under a contract."""

    BIEN_CHE = "bien_che"
    HOP_DONG = "hop_dong"


class UnitChangeKind(StrEnum):
    RENAME = "rename"
    MOVE = "move"
    MERGE = "merge"
    DISSOLVE = "dissolve"


class ReviewConclusion(StrEnum):
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    NEEDS_ACTION = "needs_action"


class TrainingMode(StrEnum):
    TAP_TRUNG = "tap_trung"
    TAI_CHUC = "tai_chuc"


# Orders used to compare levels ("at least trung cấp").
POLITICAL_THEORY_ORDER = {
    PoliticalTheory.SO_CAP: 1,
    PoliticalTheory.TRUNG_CAP: 2,
    PoliticalTheory.CAO_CAP: 3,
    PoliticalTheory.CU_NHAN: 4,
}
STATE_MANAGEMENT_ORDER = {StateManagement.CV: 1, StateManagement.CVC: 2, StateManagement.CVCC: 3}
GRADE_ORDER = {CivilServiceGrade.NHAN_VIEN: 1, CivilServiceGrade.CAN_SU: 2, CivilServiceGrade.CV: 3,
               CivilServiceGrade.CVC: 4, CivilServiceGrade.CVCC: 5}
EDUCATION_ORDER = {
    Education.TRUNG_CAP: 1,
    Education.CAO_DANG: 2,
    Education.DAI_HOC: 3,
    Education.THAC_SI: 4,
    Education.TIEN_SI: 5,
}

LABELS: dict[str, str] = {
    "nam": "Nam",
    "nu": "Nữ",
    "bo_nhiem": "Bổ nhiệm",
    "bo_nhiem_lai": "Bổ nhiệm lại",
    "dieu_dong_bo_nhiem": "Điều động và bổ nhiệm",
    "dieu_dong_chi_dinh": "Điều động và chỉ định",
    "chi_dinh": "Chỉ định",
    "bau_cu": "Bầu cử",
    "kien_toan": "Kiện toàn, bổ sung cấp ủy",
    "luan_chuyen": "Luân chuyển",
    "dieu_dong": "Điều động",
    "kiem_nhiem": "Kiêm nhiệm",
    "biet_phai": "Biệt phái",
    "gioi_thieu_ung_cu": "Giới thiệu ứng cử",
    "mien_nhiem": "Miễn nhiệm",
    "tu_chuc": "Từ chức",
    "cach_chuc": "Cách chức",
    "nghi_huu": "Nghỉ hưu",
    "het_nhiem_ky": "Hết nhiệm kỳ",
    "tu_tran": "Từ trần",
    "khac": "Khác",
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
    "khien_trach": "Khiển trách",
    "canh_cao": "Cảnh cáo",
    "khai_tru": "Khai trừ",
    "giang_chuc": "Giáng chức",
    "ha_bac_luong": "Hạ bậc lương",
    "buoc_thoi_viec": "Buộc thôi việc",
    "so_cap": "Sơ cấp",
    "trung_cap": "Trung cấp",
    "cao_cap": "Cao cấp",
    "cu_nhan": "Cử nhân",
    "cv": "Chuyên viên",
    "cvc": "Chuyên viên chính",
    "cvcc": "Chuyên viên cao cấp",
    "can_su": "Cán sự",
    "nhan_vien": "Nhân viên",
    "cao_dang": "Cao đẳng",
    "dai_hoc": "Đại học",
    "thac_si": "Thạc sĩ",
    "tien_si": "Tiến sĩ",
    "vo": "Vợ",
    "chong": "Chồng",
    "cha": "Cha",
    "me": "Mẹ",
    "cha_vo": "Cha vợ",
    "me_vo": "Mẹ vợ",
    "cha_chong": "Cha chồng",
    "me_chong": "Mẹ chồng",
    "con": "Con",
    "anh": "Anh",
    "chi": "Chị",
    "em": "Em",
    "dat": "Đạt",
    "khong_dat": "Không đạt",
    # job position groups (nhóm vị trí việc làm)
    "lanh_dao": "Lãnh đạo, quản lý",
    "chuyen_mon": "Chuyên môn, nghiệp vụ",
    "ho_tro": "Hỗ trợ, phục vụ",
    # employment (tuyển dụng, sử dụng)
    "bien_che": "Biên chế",
    "hop_dong": "Hợp đồng",
    # commendations (khen thưởng)
    "huan_chuong": "Huân chương",
    "huy_chuong": "Huy chương",
    "danh_hieu_vinh_du": "Danh hiệu vinh dự Nhà nước",
    "ky_niem_chuong": "Kỷ niệm chương",
    "bang_khen": "Bằng khen",
    "giay_khen": "Giấy khen",
    "chien_si_thi_dua_toan_quoc": "Chiến sĩ thi đua toàn quốc",
    "chien_si_thi_dua_cap_tinh": "Chiến sĩ thi đua cấp tỉnh",
    "chien_si_thi_dua_co_so": "Chiến sĩ thi đua cơ sở",
    "lao_dong_tien_tien": "Lao động tiên tiến",
    "cap_nha_nuoc": "Cấp Nhà nước",
    "cap_trung_uong": "Cấp Trung ương, bộ, ngành",
    "cap_tinh": "Cấp tỉnh",
    "cap_huyen": "Cấp huyện",
    "cap_co_so": "Cấp cơ sở",
    "keo_dai": "Kéo dài thời gian giữ chức vụ",
    "khong_bo_nhiem_lai": "Không bổ nhiệm lại",
    "cho_thoi_giu_chuc_vu": "Cho thôi giữ chức vụ",
    "bai_nhiem": "Bãi nhiệm",
}


def label(code: str | None) -> str:
    """The Vietnamese label of a code, or the code itself."""
    if code is None:
        return ""
    return LABELS.get(str(code), str(code))


@dataclass(frozen=True)
class Decision:
    """Quyết định: the legal basis of a personnel action."""

    number: str
    signed_on: date
    issuer: str
    signer: str
    signer_cadre_id: UUID | None = None
    # The issuing body as a code of the rule pack's bodies (phân cấp quản lý cán bộ); None for
    # decisions recorded as free text only, whose body the pack maps from `issuer`.
    issuer_code: str | None = None

    def describe(self) -> str:
        return f"{self.number} ngày {self.signed_on:%d/%m/%Y} của {self.issuer}"

    def days_signed_after(self, effective_on: date) -> int:
        """How long after the date it takes effect from the decision was signed (hồi tố); 0
        when signed on or before it."""
        return max(0, (self.signed_on - effective_on).days)


@dataclass(frozen=True)
class TitleStandards:
    """Tiêu chuẩn chức danh: the minimum a holder must meet at appointment."""

    min_political_theory: PoliticalTheory | None = None
    min_state_management: StateManagement | None = None
    min_education: Education | None = None
    max_age_first_appointment: int | None = None


def nfc(text: str) -> str:
    """Vietnamese text in one canonical form, trimmed."""
    return unicodedata.normalize("NFC", text).strip()


# What an erased cadre's name reads as, in the log decoded and on the read side.
ERASED_NAME = "[đã hủy dữ liệu cá nhân]"

# The text fields in which another entry may spell a cadre's name: a decision's signer, a
# relative's name, an entry's summary.
MENTION_FIELDS = frozenset({"signer", "full_name", "summary"})


@dataclass(frozen=True)
class Spelling:
    """Where a name is spelled: characters `start`..`end` of `field` of the entry at log
    position `position` (never the name itself)."""

    position: int
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Mentions:
    """Where other entries name an erased cadre, found while the name could still be read:
    the log positions of the entries that spell it, and for each way it is spelled one place
    to read it from (the read side reads it there, and scrubs it from those entries only)."""

    positions: tuple[int, ...] = ()
    spellings: tuple[Spelling, ...] = ()


def fold(text: str) -> str:
    """Diacritics folded to ASCII, lower case: 'Nguyễn Đức' -> 'nguyen duc'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def age_on(born_on: date, on: date) -> int:
    """Full years of age on a date."""
    years = on.year - born_on.year
    if (on.month, on.day) < (born_on.month, born_on.day):
        years -= 1
    return years


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)
