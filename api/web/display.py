"""How the screens write dates, instants and numbers: the Vietnamese way (31/12/2024, 88,8%)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.calendar import VIETNAM, period_name
from domain.values import LABELS, fold, label

TIER_NAMES = {"thanh_uy": "Thành ủy", "quan_uy": "Quận ủy", "huyen_uy": "Huyện ủy",
              "dang_uy": "Đảng ủy", "tinh_uy": "Tỉnh ủy"}
ROLE_NAMES = {"admin": "Quản trị", "personnel": "Cán bộ tổ chức", "inspector": "Kiểm tra",
              "leader": "Lãnh đạo", "self": "Cá nhân"}
STATUS_NAMES = {"in_force": "Có hiệu lực", "corrected": "Đã đính chính",
                "retracted": "Đã thu hồi"}
SEVERITY_NAMES = {"high": "Nghiêm trọng", "medium": "Trung bình", "low": "Thấp"}
ENTRY_TYPES = {
    "Registered": "Đăng ký hồ sơ", "Appointed": "Bổ nhiệm, phân công",
    "HoldingEnded": "Thôi giữ chức vụ", "Nominated": "Giới thiệu ứng cử",
    "Evaluated": "Đánh giá, xếp loại", "TrainingRecorded": "Đào tạo, bồi dưỡng",
    "QualificationObtained": "Văn bằng, trình độ", "Planned": "Quy hoạch",
    "PlanningRemoved": "Đưa ra khỏi quy hoạch", "Disciplined": "Kỷ luật",
    "Vetted": "Thẩm định chính trị", "RelativeAdded": "Quan hệ gia đình",
    "Commended": "Khen thưởng", "Suspended": "Tạm đình chỉ công tác",
    "Employed": "Quá trình công tác, ngạch, bậc lương",
    "Corrected": "Đính chính", "Retracted": "Thu hồi", "PersonalDataErased": "Xóa dữ liệu cá nhân",
}
# Every event of the log as the audit screen names it (a test holds it complete).
EVENT_NAMES = {
    **{f"Cadre.{name}": text for name, text in ENTRY_TYPES.items() if name != "Retracted"},
    "Unit.Registered": "Thành lập đơn vị", "Unit.Renamed": "Đổi tên đơn vị",
    "Unit.Moved": "Chuyển trực thuộc đơn vị", "Unit.MergedInto": "Hợp nhất đơn vị",
    "Unit.Absorbed": "Tiếp nhận đơn vị hợp nhất", "Unit.Dissolved": "Giải thể đơn vị",
    "Unit.HeadSeatSet": "Giao vị trí cấp trưởng",
    "Unit.HeadSeatWithdrawn": "Thôi vị trí cấp trưởng",
    "Title.Registered": "Khai báo chức danh",
    "Title.Revised": "Điều chỉnh diện quản lý, tiêu chuẩn chức danh",
    "ProgrammeCatalogue.Opened": "Lập danh mục chương trình đào tạo, bồi dưỡng",
    "ProgrammeCatalogue.ProgrammeAdded": "Bổ sung chương trình đào tạo, bồi dưỡng",
    "FindingReview.Opened": "Mở hồ sơ xem xét phát hiện",
    "FindingReview.Reviewed": "Kết luận xem xét phát hiện",
    "Feedback.Filed": "Tiếp nhận phản ánh", "Feedback.StatusChanged": "Cập nhật xử lý phản ánh",
    "InspectionPlan.Adopted": "Ban hành kế hoạch kiểm tra, giám sát",
    "InspectionCase.Opened": "Mở vụ việc kiểm tra",
    "InspectionCase.EvidenceAdded": "Bổ sung chứng cứ vụ việc",
    "InspectionCase.Concluded": "Kết luận vụ việc kiểm tra",
    "InspectionCase.RemedyAssigned": "Giao biện pháp khắc phục",
    "InspectionCase.RemedyClosed": "Hoàn thành biện pháp khắc phục",
    "InspectionCase.Closed": "Đóng vụ việc kiểm tra",
    "AppointmentDossier.Opened": "Lập hồ sơ quy trình bổ nhiệm",
    "AppointmentDossier.StepRecorded": "Ghi một bước của quy trình bổ nhiệm",
    "IntegrityRecord.Opened": "Lập sổ kê khai tài sản, đi nước ngoài",
    "IntegrityRecord.AssetsDeclared": "Ghi nhận kê khai tài sản, thu nhập",
    "IntegrityRecord.TravelRecorded": "Ghi nhận chuyến đi nước ngoài",
    "IntegrityRecord.TravelReported": "Ghi nhận báo cáo sau chuyến đi nước ngoài",
    "CorrectionRequest.Requested": "Đề nghị đính chính hồ sơ",
    "TermNotice.Notified": "Thông báo hết thời hạn giữ chức vụ",
    "CorrectionRequest.Answered": "Trả lời đề nghị đính chính",
    "ReportSubmission.Submitted": "Nộp báo cáo tháng",
    "ReportSubmission.Resubmitted": "Nộp lại báo cáo tháng",
    "JobPosition.Registered": "Khai báo vị trí việc làm",
    "JobPosition.Revised": "Phiên bản mới của tiêu chuẩn, khung năng lực vị trí việc làm",
    "NationalIdClaim.Claimed": "Ghi nhận số định danh đã có trong hồ sơ",
    "NationalIdClaim.Released": "Giải phóng số định danh",
    "NationalIdClaim.Reclaimed": "Ghi nhận lại số định danh",
    # Also the namesakes' index marker (ADR 0011).
    "NationalIdIndex.Built": "Lập chỉ mục số định danh, họ tên và ngày sinh",
    "NationalIdIndex.Rebuilt": "Lập lại chỉ mục số định danh, họ tên và ngày sinh",
    "NamesakeGroup.Opened": "Lập nhóm cán bộ trùng họ tên và ngày sinh",
    "NamesakeGroup.Joined": "Ghi nhận cán bộ trùng họ tên và ngày sinh",
    "NamesakeGroup.Left": "Rời nhóm cán bộ trùng họ tên và ngày sinh",
    "NamesakeGroup.Closed": "Đóng nhóm cán bộ trùng họ tên và ngày sinh",
}
# Writers that are not a person's token.
ACTOR_NAMES = {"phan_anh_noi_bo": "Phản ánh nội bộ (người phản ánh được bảo vệ)",
               "admin": "Quản trị hệ thống"}
_ENGLISH_TAIL = re.compile(r"\s*\((?=[^()]*[a-z]{3})[\x20-\x7e]*\)\s*$")


def event_name(topic: str) -> str:
    return EVENT_NAMES.get(topic, topic)


def actor_name(actor: str) -> str:
    if actor.startswith("cli:"):
        return f"Dòng lệnh ({actor.removeprefix('cli:')})"
    return ACTOR_NAMES.get(actor, actor)


def vietnamese(message: str) -> str:
    """A refusal as the screens show it: the service's messages end with their English gloss in
    brackets, for API clients; the UI is Vietnamese only."""
    return _ENGLISH_TAIL.sub("", message)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(VIETNAM).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def vn_date(value: Any) -> str:
    """2024-12-31 → 31/12/2024; nothing → an empty string."""
    day = _as_date(value)
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


def as_instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant


def vn_instant(value: Any) -> str:
    """An instant in Vietnam time: 14:05 31/12/2024."""
    instant = as_instant(value)
    if instant is None:
        return ""
    local = instant.astimezone(VIETNAM)
    return f"{local:%H:%M} {vn_date(local.date())}"


def read_day(text: str | None) -> date | None:
    """A date typed as 31/12/2024 (or 2024-12-31, as in links); blank or bad → None.

    Date controls are text fields: a browser's own date picker shows its UI language's
    format (12/31/2024 in an English browser), and the screens promise dd/mm/yyyy.
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def local_input(value: datetime | None) -> str:
    """The value of a "known at" control: Vietnam time, 31/12/2024 14:05."""
    if value is None:
        return ""
    local = value.astimezone(VIETNAM)
    return f"{vn_date(local.date())} {local:%H:%M}"


def from_local_input(text: str | None) -> datetime | None:
    """A "known at" value (31/12/2024 14:05, or ISO) read as Vietnam time, in UTC."""
    text = (text or "").strip()
    if not text:
        return None
    day_part, _, time_part = text.replace("T", " ").partition(" ")
    day = read_day(day_part)
    if day is None:
        return None
    try:
        hours, minutes = (int(p) for p in (time_part or "23:59").split(":")[:2])
        local = datetime(day.year, day.month, day.day, hours, minutes, 59 if not time_part
                         else 0, tzinfo=VIETNAM)
    except ValueError:
        return None
    return local.astimezone(UTC)


def vn_number(value: Any) -> str:
    """6789 → 6.789; 4.5 → 4,5."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float | Decimal):
        whole, _, frac = f"{Decimal(str(value)):,f}".partition(".")
        whole = whole.replace(",", ".")
        return f"{whole},{frac}" if frac and frac.strip("0") else whole
    return str(value)


def vn_percent(value: Any) -> str:
    """88.8 → 88,8% (one decimal)."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.1f}".replace(".", ",") + "%"


def share(count: int, total: int) -> str:
    if not total:
        return "—"
    exact = Decimal(count) * 100 / Decimal(total)
    return vn_percent(exact.quantize(Decimal("0.1")))


def code_label(code: Any) -> str:
    return label(None if code is None else str(code))


def tier_name(tier: str | None) -> str:
    return TIER_NAMES.get(tier or "", tier or "")


def install(env: Any) -> None:
    """Filters of the templates."""
    env.filters.update(vn_date=vn_date, vn_instant=vn_instant, vn_number=vn_number,
                       vn_percent=vn_percent, label=code_label, tier=tier_name,
                       role=lambda r: ROLE_NAMES.get(r, r),
                       status=lambda s: STATUS_NAMES.get(s, s),
                       severity=lambda s: SEVERITY_NAMES.get(s, s),
                       entry_type=lambda t: ENTRY_TYPES.get(t, t), event=event_name,
                       actor=actor_name, vi=vietnamese, period=period_label)
    env.globals.update(share=share)


_ROMAN = ("I", "II", "III", "IV")


_QUARTER_INPUT = re.compile(r"^\s*(?:quý|quy|q)\s*([ivx]+|[1-4])\s*[/ -]\s*(\d{4})\s*$",
                            re.IGNORECASE)
_YEAR_INPUT = re.compile(r"^\s*(?:năm|nam)?\s*(\d{4})\s*$", re.IGNORECASE)


def read_period(text: str) -> str | None:
    """A period as an officer types it: "Quý IV/2025", "quý 4/2025", "năm 2025", "2025", or
    the API's "2025-Q4"; None when it is none of these (the API's refusal then names it)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}(-Q[1-4])?", text):
        return text
    if match := _QUARTER_INPUT.match(text):
        quarter, year = match.group(1).upper(), match.group(2)
        number = int(quarter) if quarter.isdigit() else (
            _ROMAN.index(quarter) + 1 if quarter in _ROMAN else 0)
        return f"{year}-Q{number}" if 1 <= number <= 4 else None
    if match := _YEAR_INPUT.match(text):
        return match.group(1)
    return None


def read_level(text: str) -> str:
    """A qualification level typed as its Vietnamese name ("Đại học", "Chuyên viên chính")
    is its code; anything else (a language certificate, a code) is kept as typed."""
    wanted = fold(text)
    return next((code for code, name in LABELS.items() if fold(name) == wanted), text.strip())


def period_label(period: str) -> str:
    """An evaluation period as Vietnamese documents write it: "2026-Q3" → "quý III/2026"."""
    return period_name(period)
