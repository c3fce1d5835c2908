"""Cells, columns and rows of an import file: the binding headers, the readers of one cell
(dates, codes, ID numbers), the row types, and the import report with its problems."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from openpyxl.utils.datetime import from_excel

from domain.values import (
    LABELS,
    ActionKind,
    Decision,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    StateManagement,
    fold,
    nfc,
)
from infra.workbook_limits import WorkbookLimits

SHEET_CADRES = "Cán bộ"
SHEET_HISTORY = "Quá trình"
SHEET_GUIDE = "Hướng dẫn"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = WorkbookLimits.max_file_bytes
# The domain requires a signer; the binding "Cán bộ" columns have none.
SIGNER_NOT_GIVEN = "Chưa ghi nhận"
FIRST_DECISION_NOT_GIVEN = "Chưa ghi nhận (bổ nhiệm lần đầu)"
NOMINATION = "gioi_thieu_ung_cu"
ERROR, WARNING = "error", "warning"


# --- columns (the headers are binding: see issue 9 and docs/operations.md) -----------------


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str  # as written in the template
    aliases: tuple[str, ...] = ()
    width: int = 16
    note: str = ""


CADRE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("full_name", "Họ và tên", ("Họ tên", "Họ và tên khai sinh"), 26),
    ColumnSpec("gender", "Giới tính", ("Nam/Nữ",), 10, "Nam hoặc Nữ"),
    ColumnSpec("born_on", "Ngày sinh", ("Ngày, tháng, năm sinh", "Ngày tháng năm sinh"), 13,
               "dd/mm/yyyy"),
    ColumnSpec("ethnicity", "Dân tộc", (), 10),
    ColumnSpec("religion", "Tôn giáo", (), 10),
    ColumnSpec("hometown", "Quê quán", (), 22),
    ColumnSpec("national_id", "Số định danh cá nhân",
               ("Số CCCD", "CCCD", "Số CMND/CCCD", "Số căn cước", "Số căn cước công dân",
                "Mã định danh"), 18, "12 chữ số (số CCCD)"),
    ColumnSpec("party_joined_on", "Ngày vào Đảng", ("Ngày vào Đảng CSVN",), 13, "dd/mm/yyyy"),
    ColumnSpec("education", "Trình độ chuyên môn", ("Chuyên môn",), 14),
    ColumnSpec("political_theory", "Lý luận chính trị", ("LLCT",), 12),
    ColumnSpec("state_management", "Quản lý nhà nước", ("QLNN",), 14),
    ColumnSpec("unit", "Đơn vị (mã)", ("Mã đơn vị", "Đơn vị"), 14, "mã hoặc tên đơn vị"),
    ColumnSpec("title", "Chức danh (mã)", ("Mã chức danh", "Chức danh", "Chức vụ"), 16,
               "mã hoặc tên chức danh"),
    ColumnSpec("effective_on", "Ngày bổ nhiệm", ("Ngày hiệu lực",), 13, "dd/mm/yyyy"),
    ColumnSpec("decision_number", "Số quyết định", ("Số QĐ",), 14),
    ColumnSpec("signed_on", "Ngày ký", ("Ngày ký quyết định",), 13, "dd/mm/yyyy"),
    ColumnSpec("issuer", "Cơ quan ban hành", ("Cơ quan ban hành quyết định",), 24),
    # Optional beyond the binding columns.
    # A head reappointed since: the post's first appointment, so the tenure runs from it (the
    # row's own decision is then the latest bổ nhiệm lại, its default kind).
    ColumnSpec("first_appointed_on", "Ngày bổ nhiệm lần đầu",
               ("Ngày bổ nhiệm lần đầu vào chức vụ", "Bổ nhiệm lần đầu"), 13,
               "dd/mm/yyyy, nếu đã được bổ nhiệm lại"),
    ColumnSpec("signer", "Người ký", (), 18, f"nếu trống: \"{SIGNER_NOT_GIVEN}\""),
    ColumnSpec("kind", "Hình thức", (), 16, "mặc định: Bổ nhiệm"),
)
CADRE_TEMPLATE_KEYS = tuple(c.key for c in CADRE_COLUMNS if c.key != "kind")
CADRE_REQUIRED = ("full_name", "gender", "born_on")

HISTORY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("national_id", "Số định danh cá nhân",
               ("Số CCCD", "CCCD", "Số CMND/CCCD", "Số căn cước", "Mã định danh"), 18),
    ColumnSpec("full_name", "Họ và tên", ("Họ tên",), 26),
    ColumnSpec("born_on", "Ngày sinh", ("Ngày, tháng, năm sinh",), 13, "dd/mm/yyyy"),
    ColumnSpec("kind", "Hình thức", ("Loại quyết định", "Hình thức bổ nhiệm"), 22,
               "Bổ nhiệm, Điều động… / Miễn nhiệm, Nghỉ hưu… / Giới thiệu ứng cử"),
    ColumnSpec("unit", "Đơn vị (mã)", ("Mã đơn vị", "Đơn vị"), 14),
    ColumnSpec("title", "Chức danh (mã)", ("Mã chức danh", "Chức danh", "Chức vụ"), 16),
    ColumnSpec("effective_on", "Ngày hiệu lực", ("Ngày bổ nhiệm", "Từ ngày"), 13,
               "dd/mm/yyyy"),
    ColumnSpec("decision_number", "Số quyết định", ("Số QĐ",), 14),
    ColumnSpec("signed_on", "Ngày ký", ("Ngày ký quyết định",), 13, "dd/mm/yyyy"),
    ColumnSpec("issuer", "Cơ quan ban hành", (), 24),
    ColumnSpec("signer", "Người ký", (), 18),
)
HISTORY_REQUIRED = ("kind", "unit", "title", "effective_on", "decision_number", "signed_on",
                    "issuer")

SHEETS: dict[str, tuple[ColumnSpec, ...]] = {SHEET_CADRES: CADRE_COLUMNS,
                                             SHEET_HISTORY: HISTORY_COLUMNS}


def header_key(text: str) -> str:
    """'  ĐƠN VỊ (Mã) ' and 'don vi ma' alike: folded, punctuation and spacing dropped."""
    return re.sub(r"[^a-z0-9]+", " ", fold(nfc(str(text)))).strip()


def code_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(nfc(str(text)))).strip("_")


def _header_index(columns: Sequence[ColumnSpec]) -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in columns:
        for name in (spec.header, *spec.aliases):
            index.setdefault(header_key(name), spec.key)
    return index


# --- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # as the spreadsheet numbers it (1 = first line); 0 for the file as a whole
    column: str  # the header as written in the file (or the template's when missing)
    value: str
    problem: str  # Vietnamese, with English in parentheses
    code: str
    level: str = ERROR


@dataclass
class ImportReport:
    file_name: str
    digest: str
    dry_run: bool
    recorded_by: str
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    planned: Counter[str] = field(default_factory=Counter)
    events: int = 0
    recorded: bool = False
    import_id: UUID | None = None
    first_position: int | None = None
    last_position: int | None = None
    # Cadres outside the caller's scope that the file's rows matched (a real run only; a dry
    # run does not look outside the scope): the caller writes them to the read audit.
    probed: set[UUID] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    def as_dict(self) -> dict[str, Any]:
        order = {SHEET_CADRES: 0, SHEET_HISTORY: 1}
        problems = sorted(self.problems, key=lambda p: (order.get(p.sheet, 2), p.row, p.column))
        return {
            "file_name": self.file_name, "digest": self.digest, "dry_run": self.dry_run,
            "ok": self.ok, "recorded": self.recorded, "recorded_by": self.recorded_by,
            "import_id": str(self.import_id) if self.import_id else None,
            "rows": dict(self.rows), "planned": dict(sorted(self.planned.items())),
            "events": self.events, "first_position": self.first_position,
            "last_position": self.last_position,
            "problems": [asdict(p) for p in problems],
        }


class ImportRefused(Exception):
    """The whole file cannot be read (format, size, sheets, headers)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.problem for p in problems))
        self.problems = problems


# --- reading cells -----------------------------------------------------------------------


class CellError(ValueError):
    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")
_YMD_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]00:00(:00)?$")
# Excel serial day numbers of 1900-01-01 .. 2100-12-31: a date typed into a number cell.
_SERIAL_MIN, _SERIAL_MAX = 1, 73_415


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text_value = unicodedata.normalize("NFC", str(value)).strip()
    return " ".join(text_value.split()) or None


def cell_date(value: Any) -> date | None:
    """Excel date cells, dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX and float(value).is_integer():
            converted = from_excel(value)
            if isinstance(converted, datetime):
                return converted.date()
        raise CellError(f"Không hiểu ngày '{value}' (not a date)", "invalid_date")
    raw = " ".join(str(value).split())
    parts: tuple[int, int, int] | None = None
    if m := _DMY.match(raw):
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    elif m := _YMD.match(raw) or _YMD_TIME.match(raw):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if parts is None:
        raise CellError(f"Không hiểu ngày '{raw}': dùng dd/mm/yyyy hoặc yyyy-mm-dd (date must be "
                        "dd/mm/yyyy or yyyy-mm-dd)", "invalid_date")
    try:
        return date(*parts)
    except ValueError:
        raise CellError(f"Ngày '{raw}' không tồn tại (no such date)", "invalid_date") from None


def cell_gender(value: Any) -> Gender | None:
    raw = cell_text(value)
    if raw is None:
        return None
    key = code_key(raw)
    if key == "nam":
        return Gender.NAM
    if key == "nu":
        return Gender.NU
    raise CellError(f"Giới tính '{raw}' không hợp lệ: Nam hoặc Nữ (gender must be Nam or Nữ)",
                    "invalid_gender")


# Spellings seen in real spreadsheets, beside each code and its label.
_ALIASES: dict[str, str] = {
    "thac_sy": "thac_si", "tien_sy": "tien_si", "ths": "thac_si", "ts": "tien_si",
    "cu_nhan_chinh_tri": "cu_nhan", "cao_cap_ly_luan_chinh_tri": "cao_cap",
    "trung_cap_ly_luan_chinh_tri": "trung_cap", "so_cap_ly_luan_chinh_tri": "so_cap",
    "cao_cap_llct": "cao_cap", "trung_cap_llct": "trung_cap", "so_cap_llct": "so_cap",
    "chuyen_vien_chinh_va_tuong_duong": "cvc", "chuyen_vien_va_tuong_duong": "cv",
    "chuyen_vien_cao_cap_va_tuong_duong": "cvcc", "dieu_dong_va_bo_nhiem": "dieu_dong_bo_nhiem",
    "dieu_dong_va_chi_dinh": "dieu_dong_chi_dinh", "kien_toan_bo_sung_cap_uy": "kien_toan",
    "bo_sung_cap_uy": "kien_toan", "bau": "bau_cu", "gioi_thieu": NOMINATION,
}

E = TypeVar("E", bound=StrEnum)


def cell_code(value: Any, enum: type[E], what: str) -> E | None:
    """A contract code given as the code itself or its Vietnamese label, any case/diacritics."""
    raw = cell_text(value)
    if raw is None:
        return None
    found = _lookup_code(raw, [m.value for m in enum])
    if found is None:
        choices = ", ".join(LABELS.get(m.value, m.value) for m in enum)
        raise CellError(f"{what} '{raw}' không hợp lệ; chọn một trong: {choices} (unknown code)",
                        "unknown_code")
    return enum(found)


def _lookup_code(raw: str, codes: Iterable[str]) -> str | None:
    key = code_key(raw)
    key = _ALIASES.get(key, key)
    for code in codes:
        if key == code_key(code) or key == code_key(LABELS.get(code, code)):
            return code
    return None


@dataclass(frozen=True)
class Action:
    """What a history row records: an appointment, an ending or a nomination."""

    command: str  # appoint | end | nominate
    kind: ActionKind | None = None
    reason: EndingReason | None = None


_ENDING_ONLY = {r.value for r in EndingReason} - {k.value for k in ActionKind}
_ENDING_PREFIXES = ("thoi_giu_chuc_vu", "thoi_giu_chuc", "thoi_chuc", "ket_thuc", "thoi")


def cell_action(value: Any) -> Action | None:
    raw = cell_text(value)
    if raw is None:
        return None
    key = _ALIASES.get(code_key(raw), code_key(raw))
    if key == NOMINATION or key == code_key(LABELS[NOMINATION]):
        return Action("nominate")
    for prefix in _ENDING_PREFIXES:
        if key == prefix or key.startswith(prefix + "_"):
            rest = re.sub(r"^(do|vi|ly_do)_", "", key[len(prefix):].strip("_"))
            if not rest:
                return Action("end", reason=EndingReason.KHAC)
            reason = _lookup_code(rest, [r.value for r in EndingReason])
            if reason is None:
                break
            return Action("end", reason=EndingReason(reason))
    kind = _lookup_code(key, [k.value for k in ActionKind])
    if kind is not None:
        return Action("appoint", kind=ActionKind(kind))
    reason = _lookup_code(key, sorted(_ENDING_ONLY))
    if reason is not None:
        return Action("end", reason=EndingReason(reason))
    raise CellError(
        f"Hình thức '{raw}' không hợp lệ: một hình thức bổ nhiệm (Bổ nhiệm, Điều động…), thôi "
        "giữ chức (Miễn nhiệm, Nghỉ hưu, \"Thôi giữ chức - Điều động\"…) hoặc Giới thiệu ứng cử "
        "(unknown action kind)", "unknown_code")


def cell_national_id(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellError(f"Số định danh '{value}' không hợp lệ (ID must be digits)",
                            "invalid_national_id")
        digits = str(int(value))
        # A number cell drops the leading zeros of a 12-digit CCCD (001… for Hà Nội).
        if len(digits) <= 12:
            digits = digits.zfill(12 if len(digits) > 9 else 9)
    else:
        raw = cell_text(value)
        if raw is None:
            return None
        digits = raw.replace(" ", "").replace(".", "").lstrip("'")
    if not digits.isdigit() or len(digits) not in (9, 12):
        raise CellError(f"Số định danh '{value}' không hợp lệ: 12 chữ số (CCCD) hoặc 9 chữ số "
                        "(CMND) (ID must have 12 or 9 digits)", "invalid_national_id")
    return digits


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowRef:
    sheet: str
    row: int
    headers: dict[str, str]  # key -> header as written in the file
    raw: dict[str, Any]

    def column(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        for spec in SHEETS[self.sheet]:
            if spec.key == key:
                return spec.header
        return key

    def value(self, key: str) -> str:
        v = self.raw.get(key)
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.strftime("%d/%m/%Y")
        return cell_text(v) or ""

    def problem(self, key: str, message: str, code: str, level: str = ERROR) -> Problem:
        return Problem(self.sheet, self.row, self.column(key), self.value(key), message, code,
                       level)


@dataclass(frozen=True)
class DecisionCells:
    number: str
    signed_on: date
    issuer: str
    signer: str | None

    def decision(self) -> Decision:
        return Decision(number=self.number, signed_on=self.signed_on, issuer=self.issuer,
                        signer=self.signer or SIGNER_NOT_GIVEN)


@dataclass(frozen=True)
class PostCells:
    """An appointment, ending or nomination as a row gives it (unit and title unresolved)."""

    ref: RowRef
    action: Action
    unit: str
    title: str
    effective_on: date
    decision: DecisionCells
    # The cadre sheet's "Ngày bổ nhiệm lần đầu": the post was first taken then, and this row's
    # decision renewed it (bổ nhiệm lại).
    first_on: date | None = None

    def first_appointment(self) -> PostCells | None:
        """The post's first appointment, as the row dates it: its decision is not in the file
        (number "Chưa ghi nhận", signed on the day, by the row's issuer)."""
        if self.first_on is None:
            return None
        return PostCells(self.ref, Action("appoint", kind=ActionKind.BO_NHIEM), self.unit,
                         self.title, self.first_on,
                         DecisionCells(FIRST_DECISION_NOT_GIVEN, self.first_on,
                                       self.decision.issuer, None))


@dataclass(frozen=True)
class CadreCells:
    ref: RowRef
    full_name: str
    gender: Gender
    born_on: date
    ethnicity: str | None
    religion: str | None
    hometown: str | None
    national_id: str | None
    party_joined_on: date | None
    education: Education | None
    political_theory: PoliticalTheory | None
    state_management: StateManagement | None
    post: PostCells | None

    def signature(self) -> tuple[Any, ...]:
        post = self.post
        return (self.full_name, self.gender, self.born_on, self.ethnicity, self.religion,
                self.hometown, self.national_id, self.party_joined_on, self.education,
                self.political_theory, self.state_management,
                None if post is None else (post.action, post.unit, post.title, post.effective_on,
                                           post.decision, post.first_on))


@dataclass(frozen=True)
class HistoryCells:
    ref: RowRef
    national_id: str | None
    full_name: str | None
    born_on: date | None
    post: PostCells


@dataclass
class ParsedFile:
    cadres: list[CadreCells] = field(default_factory=list)
    history: list[HistoryCells] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    # Who the "Cán bộ" rows that could not be read were, as far as their cells say.
    unreadable: list[tuple[str | None, str | None, date | None, int]] = field(
        default_factory=list)


class _Cells:
    """Reads one row's cells, collecting a problem per cell that cannot be understood."""

    def __init__(self, ref: RowRef, problems: list[Problem]) -> None:
        self.ref = ref
        self.problems = problems
        self.failed = False

    def get(self, key: str, reader: Callable[[Any], Any]) -> Any:
        try:
            return reader(self.ref.raw.get(key))
        except CellError as error:
            self.problems.append(self.ref.problem(key, error.message, error.code))
            self.failed = True
            return None

    def require(self, key: str, value: Any, what: str) -> None:
        if value is None and not any(p.row == self.ref.row and p.sheet == self.ref.sheet
                                     and p.column == self.ref.column(key)
                                     for p in self.problems):
            self.problems.append(self.ref.problem(key, f"Thiếu {what} ({key} is required)",
                                                  "missing_field"))
            self.failed = True


def _post_cells(cells: _Cells, default_action: Action | None) -> PostCells | None:
    unit = cells.get("unit", cell_text)
    title = cells.get("title", cell_text)
    effective_on = cells.get("effective_on", cell_date)
    action = cells.get("kind", cell_action) or default_action
    number = cells.get("decision_number", cell_text)
    signed_on = cells.get("signed_on", cell_date)
    issuer = cells.get("issuer", cell_text)
    signer = cells.get("signer", cell_text)
    given = [unit, title, effective_on, number, signed_on, issuer, signer]
    if default_action is not None and all(v is None for v in given) and \
            cells.ref.raw.get("kind") is None:
        return None  # no post on this row
    cells.require("kind", action, "hình thức")
    cells.require("unit", unit, "đơn vị")
    cells.require("title", title, "chức danh")
    cells.require("effective_on", effective_on,
                  "ngày bổ nhiệm" if default_action is not None else "ngày hiệu lực")
    cells.require("decision_number", number, "số quyết định")
    cells.require("signed_on", signed_on, "ngày ký quyết định")
    cells.require("issuer", issuer, "cơ quan ban hành")
    if cells.failed or action is None:
        return None
    return PostCells(cells.ref, action, unit, title, effective_on,
                     DecisionCells(number, signed_on, issuer, signer))


def _cadre_row(ref: RowRef, parsed: ParsedFile) -> CadreCells | None:
    cells = _Cells(ref, parsed.problems)
    full_name = cells.get("full_name", cell_text)
    gender = cells.get("gender", cell_gender)
    born_on = cells.get("born_on", cell_date)
    row = dict(
        ethnicity=cells.get("ethnicity", cell_text),
        religion=cells.get("religion", cell_text),
        hometown=cells.get("hometown", cell_text),
        national_id=cells.get("national_id", cell_national_id),
        party_joined_on=cells.get("party_joined_on", cell_date),
        education=cells.get("education",
                            lambda v: cell_code(v, Education, "Trình độ chuyên môn")),
        political_theory=cells.get("political_theory",
                                   lambda v: cell_code(v, PoliticalTheory, "Lý luận chính trị")),
        state_management=cells.get("state_management",
                                   lambda v: cell_code(v, StateManagement, "Quản lý nhà nước")),
    )
    cells.require("full_name", full_name, "họ và tên")
    cells.require("gender", gender, "giới tính")
    cells.require("born_on", born_on, "ngày sinh")
    first_on = cells.get("first_appointed_on", cell_date)
    post = _post_cells(cells, Action("appoint", kind=ActionKind.BO_NHIEM_LAI if first_on
                                     else ActionKind.BO_NHIEM))
    if first_on is not None and post is not None:
        if first_on >= post.effective_on:
            parsed.problems.append(ref.problem(
                "first_appointed_on", "Ngày bổ nhiệm lần đầu phải trước ngày bổ nhiệm "
                "(first_appointed_on must precede effective_on)", "invalid_date"))
            cells.failed = True
        else:
            post = replace(post, first_on=first_on)
    if cells.failed:
        parsed.unreadable.append((row["national_id"], full_name, born_on, ref.row))
        return None
    return CadreCells(ref, full_name, gender, born_on, post=post, **row)


def _history_row(ref: RowRef, problems: list[Problem]) -> HistoryCells | None:
    cells = _Cells(ref, problems)
    national_id = cells.get("national_id", cell_national_id)
    full_name = cells.get("full_name", cell_text)
    born_on = cells.get("born_on", cell_date)
    if national_id is None and not cells.failed and (full_name is None or born_on is None):
        problems.append(ref.problem(
            "national_id", "Thiếu số định danh, hoặc họ tên và ngày sinh, để xác định cán bộ "
            "(the cadre needs an ID number, or a name and a birth date)", "missing_field"))
        cells.failed = True
    post = _post_cells(cells, None)
    if cells.failed or post is None:
        return None
    return HistoryCells(ref, national_id, full_name, born_on, post)


