"""The fixed facts of the simulated world: when the history starts, the 2025 reorganisation's
dates, the city, the sectors whose posts are linked, and the orders of the qualification levels.

The thresholds the office keeps to come from the rule pack (`infra/demo/thresholds.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain.values import (
    EDUCATION_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
)

RECORDED_BY = "demo-generator"
HISTORY_STARTS = date(2006, 1, 1)
WARD_MERGERS_ON = date(2025, 1, 1)
TWO_LEVEL_ON = date(2025, 7, 1)
# Quarterly ratings from the first quarter begun under QĐ 366-QĐ/TW (in force 30/08/2025).
QUARTERS_FROM = date(2025, 10, 1)
# Quarters before this year were added later (issue 16): they draw from a random stream of
# their own, so the main stream, and every plant placed from it, stays what it was.
DRAWN_QUARTERS_FROM = 2026
AREA_KINDS = frozenset({"quan_uy", "dang_uy", "ubnd"})
LINKED_SECTORS = frozenset({"noi_vu", "thanh_tra", "tai_chinh", "ngan_hang", "thue", "hai_quan",
                            "cong_thuong", "ke_hoach_dau_tu", "tai_nguyen_moi_truong",
                            "quan_doi", "cong_an", "toa_an", "vien_kiem_sat"})
CITY = "Thành phố Hải Phòng"
CITY_PARTY = "Ban Thường vụ Thành ủy Hải Phòng"
VIOLATIONS = ("Vi phạm quy định về quản lý tài chính, tài sản công",
              "Thiếu trách nhiệm trong lãnh đạo, chỉ đạo công tác quản lý đất đai",
              "Vi phạm quy chế làm việc của cơ quan",
              "Kê khai tài sản, thu nhập không trung thực")
# Keyed by the plain code: a StrEnum member hashes by its name, not by its value.
ORDERS: Mapping[str, Mapping[str, int]] = {
    "political_theory": {str(k): v for k, v in POLITICAL_THEORY_ORDER.items()},
    "state_management": {str(k): v for k, v in STATE_MANAGEMENT_ORDER.items()},
    "education": {str(k): v for k, v in EDUCATION_ORDER.items()},
}
