"""The organisation a generated history lives in: titles, and district and ward templates.

Modelled on seed 000 (Kiến An, Hải Phòng, 2022): a district party committee (Quận ủy) with its
boards, the district people's committee (UBND quận) with its offices, the Fatherland Front and
mass organisations, wards with a party committee and a people's committee each, and schools.
From 1/7/2025 (two-level local government) the district is gone and its wards are merged into
two new wards with their own party committee, people's committee, offices and Front.

Ranks (higher is more senior) make "promotion" mean what the oversight rules read: a title of a
higher rank than any held before. Standards rise with rank: trung cấp political theory for middle
posts, cao cấp for senior ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.values import Education, PoliticalTheory, StateManagement, TitleStandards

THANH_UY = "thanh_uy"
QUAN_UY = "quan_uy"
DANG_UY = "dang_uy"


@dataclass(frozen=True)
class TitleSpec:
    code: str
    name: str
    rank: int
    is_head: bool = False
    tier: str = QUAN_UY
    sector: str | None = None
    standards: TitleStandards = field(default_factory=TitleStandards)
    sphere: str = "chinh_quyen"  # dang (party posts: chỉ định) | chinh_quyen | doan_the
    elected: bool = False  # filled by bầu cử after giới thiệu ứng cử
    concurrent: str | None = None  # title its holder also takes by kiêm nhiệm (party unit)


def _std(pt: PoliticalTheory | None, sm: StateManagement | None,
         edu: Education = Education.DAI_HOC, max_age: int | None = None) -> TitleStandards:
    return TitleStandards(min_political_theory=pt, min_state_management=sm, min_education=edu,
                          max_age_first_appointment=max_age)


SENIOR = _std(PoliticalTheory.CAO_CAP, StateManagement.CVC, max_age=55)
MIDDLE = _std(PoliticalTheory.TRUNG_CAP, StateManagement.CV)
SCHOOL = _std(PoliticalTheory.TRUNG_CAP, None)
JUNIOR = _std(None, None)
CIVIL = _std(None, None, Education.CAO_DANG)

T = TitleSpec
TITLES: tuple[TitleSpec, ...] = (
    # district (quận), until 30/6/2025
    T("bi_thu_quan_uy", "Bí thư Quận ủy", 9, True, THANH_UY, None, SENIOR, "dang", True),
    T("pho_bi_thu_quan_uy", "Phó Bí thư Quận ủy", 8, False, THANH_UY, None, SENIOR, "dang"),
    T("chu_tich_ubnd_quan", "Chủ tịch Ủy ban nhân dân quận", 8, True, THANH_UY, None, SENIOR,
      elected=True, concurrent="pho_bi_thu_quan_uy"),
    T("pho_chu_tich_ubnd_quan", "Phó Chủ tịch Ủy ban nhân dân quận", 7, False, THANH_UY, None,
      SENIOR),
    T("truong_ban_to_chuc", "Trưởng Ban Tổ chức Quận ủy", 7, True, THANH_UY, "to_chuc", SENIOR,
      "dang"),
    T("chu_nhiem_ubkt", "Chủ nhiệm Ủy ban Kiểm tra Quận ủy", 7, True, THANH_UY, None, SENIOR,
      "dang"),
    T("truong_ban_tuyen_giao", "Trưởng Ban Tuyên giáo Quận ủy", 6, True, QUAN_UY, None, MIDDLE,
      "dang"),
    T("truong_ban_dan_van", "Trưởng Ban Dân vận Quận ủy", 6, True, QUAN_UY, None, MIDDLE, "dang"),
    T("chanh_van_phong_quan_uy", "Chánh Văn phòng Quận ủy", 6, True, QUAN_UY, None, MIDDLE,
      "dang"),
    T("pho_truong_ban", "Phó Trưởng ban", 5, False, QUAN_UY, None, MIDDLE, "dang"),
    T("pho_chu_nhiem_ubkt", "Phó Chủ nhiệm Ủy ban Kiểm tra", 5, False, QUAN_UY, None, MIDDLE,
      "dang"),
    T("pho_chanh_van_phong", "Phó Chánh Văn phòng Quận ủy", 5, False, QUAN_UY, None, MIDDLE,
      "dang"),
    T("truong_phong_noi_vu", "Trưởng phòng Nội vụ", 6, True, QUAN_UY, "noi_vu", MIDDLE),
    T("truong_phong_tckh", "Trưởng phòng Tài chính – Kế hoạch", 6, True, QUAN_UY, "tai_chinh",
      MIDDLE),
    T("chanh_thanh_tra", "Chánh Thanh tra quận", 6, True, QUAN_UY, "thanh_tra", MIDDLE),
    T("truong_phong_tnmt", "Trưởng phòng Tài nguyên và Môi trường", 6, True, QUAN_UY,
      "tai_nguyen_moi_truong", MIDDLE),
    T("truong_phong_kinh_te", "Trưởng phòng Kinh tế", 6, True, QUAN_UY, "cong_thuong", MIDDLE),
    T("truong_phong", "Trưởng phòng", 6, True, QUAN_UY, None, MIDDLE),
    T("pho_truong_phong", "Phó Trưởng phòng", 5, False, QUAN_UY, None, MIDDLE),
    T("pho_chanh_thanh_tra", "Phó Chánh Thanh tra quận", 5, False, QUAN_UY, None, MIDDLE),
    T("chu_tich_mttq_quan", "Chủ tịch Ủy ban Mặt trận Tổ quốc quận", 6, True, QUAN_UY, None,
      MIDDLE, "doan_the", True),
    T("pho_chu_tich_mttq", "Phó Chủ tịch Ủy ban Mặt trận Tổ quốc", 5, False, QUAN_UY, None,
      MIDDLE, "doan_the"),
    T("chu_tich_hoi", "Chủ tịch Hội", 5, True, QUAN_UY, None, MIDDLE, "doan_the", True),
    T("pho_chu_tich_hoi", "Phó Chủ tịch Hội", 4, False, QUAN_UY, None, JUNIOR, "doan_the"),
    T("bi_thu_quan_doan", "Bí thư Quận đoàn", 5, True, QUAN_UY, None, MIDDLE, "doan_the", True),
    T("pho_bi_thu_quan_doan", "Phó Bí thư Quận đoàn", 4, False, QUAN_UY, None, JUNIOR,
      "doan_the"),
    # wards (phường) under the district, until 30/6/2025
    T("bi_thu_dang_uy_phuong", "Bí thư Đảng ủy phường", 6, True, QUAN_UY, None, MIDDLE, "dang",
      True),
    T("pho_bi_thu_dang_uy_phuong", "Phó Bí thư Đảng ủy phường", 5, False, QUAN_UY, None, MIDDLE,
      "dang"),
    T("chu_tich_ubnd_phuong", "Chủ tịch Ủy ban nhân dân phường", 6, True, QUAN_UY, None, MIDDLE,
      elected=True, concurrent="pho_bi_thu_dang_uy_phuong"),
    T("pho_chu_tich_ubnd_phuong", "Phó Chủ tịch Ủy ban nhân dân phường", 5, False, QUAN_UY,
      None, MIDDLE),
    T("cong_chuc_phuong", "Công chức Ủy ban nhân dân phường", 3, False, DANG_UY, None, CIVIL),
    # schools
    T("hieu_truong", "Hiệu trưởng", 4, True, QUAN_UY, None, SCHOOL),
    T("pho_hieu_truong", "Phó Hiệu trưởng", 3, False, QUAN_UY, None, JUNIOR),
    # new wards (cấp xã of the two-level model), from 1/7/2025
    T("bi_thu_dang_uy_xa", "Bí thư Đảng ủy phường (cấp xã mới)", 8, True, THANH_UY, None,
      SENIOR, "dang"),
    T("pho_bi_thu_dang_uy_xa", "Phó Bí thư Đảng ủy phường (cấp xã mới)", 7, False, THANH_UY,
      None, SENIOR, "dang"),
    T("chu_tich_ubnd_xa", "Chủ tịch Ủy ban nhân dân phường (cấp xã mới)", 7, True, THANH_UY,
      None, SENIOR, concurrent="pho_bi_thu_dang_uy_xa"),
    T("pho_chu_tich_ubnd_xa", "Phó Chủ tịch Ủy ban nhân dân phường (cấp xã mới)", 6, False,
      DANG_UY, None, MIDDLE),
    T("truong_ban_xay_dung_dang", "Trưởng Ban Xây dựng Đảng", 6, True, DANG_UY, "to_chuc",
      MIDDLE, "dang"),
    T("chu_nhiem_ubkt_xa", "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy phường", 6, True, DANG_UY, None,
      MIDDLE, "dang"),
    T("chu_tich_mttq_xa", "Chủ tịch Ủy ban Mặt trận Tổ quốc phường", 6, True, DANG_UY, None,
      MIDDLE, "doan_the"),
    T("truong_phong_xa", "Trưởng phòng (cấp xã)", 5, True, DANG_UY, None, MIDDLE),
    T("pho_truong_phong_xa", "Phó Trưởng phòng (cấp xã)", 4, False, DANG_UY, None, JUNIOR),
    T("cong_chuc_xa", "Công chức phường (cấp xã mới)", 3, False, DANG_UY, None, CIVIL),
)
TITLE_BY_CODE = {t.code: t for t in TITLES}


@dataclass(frozen=True)
class UnitSpec:
    """A unit of a template: `key` is local to its district, `posts` are (title, seats)."""

    key: str
    name: str
    kind: str
    parent: str | None
    posts: tuple[tuple[str, int], ...] = ()
    gender: str | None = None  # only this gender is recruited (Hội Phụ nữ, Cựu chiến binh)
    ward: str | None = None  # the ward (key of its node) a ward unit belongs to
    new_ward: bool = False


BOARDS = (
    ("BTC", "Ban Tổ chức Quận ủy", "truong_ban_to_chuc", "pho_truong_ban", 2),
    ("UBKT", "Ủy ban Kiểm tra Quận ủy", "chu_nhiem_ubkt", "pho_chu_nhiem_ubkt", 1),
    ("BTG", "Ban Tuyên giáo Quận ủy", "truong_ban_tuyen_giao", "pho_truong_ban", 1),
    ("BDV", "Ban Dân vận Quận ủy", "truong_ban_dan_van", "pho_truong_ban", 1),
    ("VPQU", "Văn phòng Quận ủy", "chanh_van_phong_quan_uy", "pho_chanh_van_phong", 1),
)
OFFICES = (
    ("NV", "Phòng Nội vụ", "truong_phong_noi_vu", "pho_truong_phong", 2),
    ("TCKH", "Phòng Tài chính – Kế hoạch", "truong_phong_tckh", "pho_truong_phong", 2),
    ("TP", "Phòng Tư pháp", "truong_phong", "pho_truong_phong", 1),
    ("GDDT", "Phòng Giáo dục và Đào tạo", "truong_phong", "pho_truong_phong", 2),
    ("YT", "Phòng Y tế", "truong_phong", "pho_truong_phong", 1),
    ("VHTT", "Phòng Văn hóa và Thông tin", "truong_phong", "pho_truong_phong", 1),
    ("LDTBXH", "Phòng Lao động – Thương binh và Xã hội", "truong_phong", "pho_truong_phong", 1),
    ("QLDT", "Phòng Quản lý đô thị", "truong_phong", "pho_truong_phong", 1),
    ("TNMT", "Phòng Tài nguyên và Môi trường", "truong_phong_tnmt", "pho_truong_phong", 1),
    ("KT", "Phòng Kinh tế", "truong_phong_kinh_te", "pho_truong_phong", 1),
    ("TTRA", "Thanh tra quận", "chanh_thanh_tra", "pho_chanh_thanh_tra", 1),
)
MASS_ORGANISATIONS = (
    ("HPN", "Hội Liên hiệp Phụ nữ quận", "chu_tich_hoi", "pho_chu_tich_hoi", "nu"),
    ("DTN", "Quận đoàn", "bi_thu_quan_doan", "pho_bi_thu_quan_doan", None),
    ("CCB", "Hội Cựu chiến binh quận", "chu_tich_hoi", "pho_chu_tich_hoi", "nam"),
    ("HND", "Hội Nông dân quận", "chu_tich_hoi", "pho_chu_tich_hoi", None),
    ("LDLD", "Liên đoàn Lao động quận", "chu_tich_hoi", "pho_chu_tich_hoi", None),
)
SCHOOL_KINDS = ("Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở")
NEW_WARD_OFFICES = (
    ("VP", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"),
    ("KTHTDT", "Phòng Kinh tế, Hạ tầng và Đô thị"),
    ("VHXH", "Phòng Văn hóa – Xã hội"),
)

# Seed 000's wards (the brief names them; which merged on 1/1/2025 is [verify]).
KIEN_AN_WARDS = ("Bắc Sơn", "Đồng Hòa", "Lãm Hà", "Nam Sơn", "Ngọc Sơn", "Phù Liễn", "Quán Trữ",
                 "Tràng Minh", "Văn Đẩu", "Trần Thành Ngọ")
# Other districts of the enlarged Hải Phòng (with Hải Dương from 1/7/2025), for the province.
OTHER_DISTRICTS = ("Hồng Bàng", "Ngô Quyền", "Lê Chân", "Hải An", "Đồ Sơn", "Dương Kinh",
                   "An Dương", "Thủy Nguyên", "An Lão", "Kiến Thụy", "Tiên Lãng", "Vĩnh Bảo",
                   "Cát Hải", "Hải Dương", "Chí Linh", "Kinh Môn", "Nam Sách", "Kim Thành",
                   "Thanh Hà", "Cẩm Giàng", "Bình Giang", "Gia Lộc", "Tứ Kỳ", "Ninh Giang",
                   "Thanh Miện")
WARD_NAMES = ("Trần Phú", "Lê Lợi", "Quang Trung", "Hoàng Văn Thụ", "Minh Khai", "Cầu Đất",
              "Lạch Tray", "Đông Khê", "Cát Bi", "Đằng Giang", "Đằng Hải", "Tràng Cát",
              "Nam Hải", "Thành Tô", "Hải Thành", "Hòa Nghĩa", "Anh Dũng", "Hưng Đạo",
              "Đa Phúc", "Vạn Hương", "Ngọc Xuyên", "Bàng La", "Hợp Đức", "Minh Đức",
              "Tân Tiến", "Hồng Phong", "An Hòa", "Lê Thiện", "Đại Bản", "Hồng Thái",
              "Quốc Tuấn", "Tân Dân", "Thái Sơn", "Bát Trang", "Trường Thọ", "Mỹ Đức",
              "Chiến Thắng", "Quang Hưng", "Tân Hưng", "Kiến Quốc", "Đại Đồng", "Tú Sơn",
              "Ngũ Phúc", "Thụy Hương", "Hữu Bằng", "Đoàn Xá", "Tân Phong", "Đại Hà")


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    wards: tuple[str, ...]
    schools: int
    merged_pairs: tuple[tuple[int, int], ...]  # (ward merged, ward receiving) on 1/1/2025
    new_wards: tuple[tuple[str, tuple[int, ...]], ...]  # (name, old wards it takes) 1/7/2025


def district_units(spec: DistrictSpec) -> list[UnitSpec]:
    """The district's units before 2025, parents first."""
    d = spec.code
    units = [
        UnitSpec(d, f"Quận {spec.name}", "quan", None),
        UnitSpec(f"{d}.QU", f"Quận ủy {spec.name}", "quan_uy", d,
                 (("bi_thu_quan_uy", 1), ("pho_bi_thu_quan_uy", 1))),
    ]
    for key, name, head, deputy, deputies in BOARDS:
        units.append(UnitSpec(f"{d}.QU.{key}", name.replace("Quận ủy", f"Quận ủy {spec.name}"),
                              "ban_dang", f"{d}.QU", ((head, 1), (deputy, deputies))))
    units.append(UnitSpec(f"{d}.UB", f"Ủy ban nhân dân quận {spec.name}", "ubnd", d,
                          (("chu_tich_ubnd_quan", 1), ("pho_chu_tich_ubnd_quan", 3))))
    for key, name, head, deputy, deputies in OFFICES:
        units.append(UnitSpec(f"{d}.UB.{key}", name, "phong", f"{d}.UB",
                              ((head, 1), (deputy, deputies))))
    units.append(UnitSpec(f"{d}.MT", f"Ủy ban Mặt trận Tổ quốc Việt Nam quận {spec.name}",
                          "mttq", d, (("chu_tich_mttq_quan", 1), ("pho_chu_tich_mttq", 2))))
    for key, name, head, deputy, gender in MASS_ORGANISATIONS:
        units.append(UnitSpec(f"{d}.{key}", f"{name} {spec.name}", "doan_the", d,
                              ((head, 1), (deputy, 1)), gender=gender))
    for i, ward in enumerate(spec.wards):
        w = f"{d}.P{i + 1:02d}"
        units += [
            UnitSpec(w, f"Phường {ward}", "phuong", d, ward=w),
            UnitSpec(f"{w}.DU", f"Đảng ủy phường {ward}", "dang_uy", w,
                     (("bi_thu_dang_uy_phuong", 1), ("pho_bi_thu_dang_uy_phuong", 1)), ward=w),
            UnitSpec(f"{w}.UB", f"Ủy ban nhân dân phường {ward}", "ubnd", w,
                     (("chu_tich_ubnd_phuong", 1), ("pho_chu_tich_ubnd_phuong", 2),
                      ("cong_chuc_phuong", 3)), ward=w),
        ]
    for i in range(spec.schools):
        ward = spec.wards[i % len(spec.wards)]
        kind = SCHOOL_KINDS[(i // len(spec.wards)) % len(SCHOOL_KINDS)]
        units.append(UnitSpec(f"{d}.TH{i + 1:02d}", f"{kind} {ward}", "truong_hoc", d,
                              (("hieu_truong", 1), ("pho_hieu_truong", 1 + i % 2)),
                              ward=f"{d}.P{i % len(spec.wards) + 1:02d}"))
    return units


def new_ward_units(spec: DistrictSpec, index: int) -> list[UnitSpec]:
    """The units of one new ward (from 1/7/2025), parents first."""
    name = spec.new_wards[index][0]
    w = f"{spec.code}.X{index + 1}"
    units = [
        UnitSpec(w, f"Phường {name}", "phuong", None, ward=w, new_ward=True),
        UnitSpec(f"{w}.DU", f"Đảng ủy phường {name}", "dang_uy", w,
                 (("bi_thu_dang_uy_xa", 1), ("pho_bi_thu_dang_uy_xa", 1)), ward=w, new_ward=True),
        UnitSpec(f"{w}.DU.BXDD", f"Ban Xây dựng Đảng Đảng ủy phường {name}", "ban_dang", f"{w}.DU",
                 (("truong_ban_xay_dung_dang", 1), ("pho_truong_ban", 1)), ward=w,
                 new_ward=True),
        UnitSpec(f"{w}.DU.UBKT", f"Ủy ban Kiểm tra Đảng ủy phường {name}", "ban_dang",
                 f"{w}.DU",
                 (("chu_nhiem_ubkt_xa", 1), ("pho_chu_nhiem_ubkt", 1)), ward=w, new_ward=True),
        UnitSpec(f"{w}.UB", f"Ủy ban nhân dân phường {name}", "ubnd", w,
                 (("chu_tich_ubnd_xa", 1), ("pho_chu_tich_ubnd_xa", 2)), ward=w, new_ward=True),
    ]
    for key, office in NEW_WARD_OFFICES:
        units.append(UnitSpec(f"{w}.UB.{key}", f"{office} phường {name}", "phong", f"{w}.UB",
                              (("truong_phong_xa", 1), ("pho_truong_phong_xa", 1),
                               ("cong_chuc_xa", 3)), ward=w, new_ward=True))
    units.append(UnitSpec(f"{w}.MT", f"Ủy ban Mặt trận Tổ quốc Việt Nam phường {name}", "mttq",
                          w, (("chu_tich_mttq_xa", 1), ("pho_chu_tich_mttq", 2)), ward=w,
                          new_ward=True))
    return units
