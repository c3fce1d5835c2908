"""Vietnamese personal names with realistic frequencies, in NFC.

Family-name shares follow the usual national estimates (Nguyễn 38%, Trần 11%, Lê 9.5% ...);
Hải Phòng is in the north, so Hoàng outweighs Huỳnh and Vũ outweighs Võ within their shares.
"""

from __future__ import annotations

import random
from itertools import accumulate

from domain.values import Gender, nfc

# (family name, percent). The named ones sum to 88.5%; "others" share the remaining 11.5%.
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0),
    ("Hoàng", 3.5), ("Huỳnh", 1.5), ("Phan", 4.5), ("Vũ", 2.8), ("Võ", 1.2),
    ("Đặng", 2.0), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0),
    ("Lý", 0.5),
    # others
    ("Đào", 1.3), ("Đinh", 1.2), ("Mai", 0.9), ("Trịnh", 0.9), ("Lương", 0.8), ("Cao", 0.8),
    ("Hà", 0.8), ("Lưu", 0.7), ("Tô", 0.7), ("Vương", 0.6), ("Lâm", 0.6), ("Tạ", 0.5),
    ("Phí", 0.5), ("Nghiêm", 0.4), ("Khúc", 0.4), ("Chu", 0.4),
)
_FAMILY_WEIGHTS = list(accumulate(share for _, share in FAMILY_NAMES))

MIDDLE_NAMES = {
    Gender.NU: (("Thị", 62), ("Thu", 6), ("Thanh", 6), ("Ngọc", 6), ("Minh", 4), ("Hồng", 4),
                ("Phương", 3), ("Kim", 3), ("Bích", 3), ("Quỳnh", 3)),
    Gender.NAM: (("Văn", 38), ("Đức", 12), ("Hữu", 10), ("Quang", 10), ("Minh", 8),
                 ("Xuân", 6), ("Thành", 5), ("Mạnh", 4), ("Trung", 4), ("Tiến", 3)),
}

GIVEN_NAMES = {
    Gender.NU: ("Hương", "Lan", "Hà", "Hoa", "Mai", "Linh", "Thảo", "Trang", "Huyền", "Nga",
                "Hằng", "Yến", "Thủy", "Loan", "Phương", "Dung", "Oanh", "Nhung", "Thúy",
                "Liên", "Hạnh", "Vân", "Ngọc", "Quyên", "Giang", "Hiền", "Nhàn", "Tâm", "Duyên",
                "Hòa", "Lựu", "Xuân", "Chinh", "Thanh", "Nguyệt", "Ánh", "Vui", "Hường"),
    Gender.NAM: ("Hùng", "Dũng", "Minh", "Tuấn", "Nam", "Hải", "Long", "Thắng", "Cường", "Sơn",
                 "Trung", "Quân", "Thành", "Bình", "Khánh", "Toàn", "Hiếu", "Phong", "Tùng",
                 "Huy", "Đạt", "Vinh", "Kiên", "Lâm", "Thịnh", "Tiến", "Hưng", "Quyết",
                 "Chiến", "Tài", "Khải", "Hoàn", "Điệp", "Đông", "Nghĩa", "Tú", "Việt"),
}

HOMETOWNS = ("Kiến An, Hải Phòng", "An Lão, Hải Phòng", "Kiến Thụy, Hải Phòng",
             "Tiên Lãng, Hải Phòng", "Vĩnh Bảo, Hải Phòng", "Thủy Nguyên, Hải Phòng",
             "An Dương, Hải Phòng", "Lê Chân, Hải Phòng", "Hải Dương", "Thái Bình", "Nam Định",
             "Hưng Yên", "Quảng Ninh")


def family_name(rng: random.Random) -> str:
    return rng.choices([name for name, _ in FAMILY_NAMES], cum_weights=_FAMILY_WEIGHTS)[0]


def middle_name(rng: random.Random, gender: Gender) -> str:
    names = MIDDLE_NAMES[gender]
    return rng.choices([n for n, _ in names], weights=[w for _, w in names])[0]


def full_name(rng: random.Random, gender: Gender, family: str | None = None) -> str:
    """A full name "Họ Đệm Tên"; `family` keeps a relative's family name."""
    parts = (family or family_name(rng), middle_name(rng, gender), rng.choice(GIVEN_NAMES[gender]))
    return nfc(" ".join(parts))


def national_id(rng: random.Random, gender: Gender, born_year: int) -> str:
    """A 12-digit citizen id: province code 031 (Hải Phòng), century-gender digit, year, serial."""
    century_gender = (0 if born_year < 2000 else 2) + (1 if gender is Gender.NU else 0)
    return f"031{century_gender}{born_year % 100:02d}{rng.randrange(10**6):06d}"
