"""Bringing existing records in: spreadsheets (.xlsx, .csv) → the application's own commands.

A file is read into typed rows (`read_file`), each row is turned into the commands of
`HosoApplication` (register, appoint, end, nominate, correct) and every command runs, validated
by the domain exactly as through the API, in a `StagingApplication`: its events are held in
memory, never saved one by one. Then either nothing is saved (a dry run, or any row refused:
all or nothing per file, with the same row-level report) or all of them are saved in one
transaction. Re-importing a file records nothing: cadres are matched by ID number, else by name
and birth date, and a row equal to what the record holds is skipped; a changed row becomes the
matching correction (or a new event), never a duplicate cadre. Every event an import creates is
recorded by "<user> (import <first 8 hex of the file's SHA-256>)", and each real run is kept in
`import_runs` (who, when, file name, full digest, positions written).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)

from domain.application import HosoApplication, Receipt, unit_id_for
from domain.cadre import Cadre
from domain.errors import DomainError
from domain.values import (
    EDUCATION_ORDER,
    LABELS,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    ActionKind,
    Decision,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    StateManagement,
    fold,
    nfc,
)
from infra.chain import EVENTS_TABLE
from infra.persistence import application_env
from infra.spreadsheet_text import write_text_as_text
from infra.workbook_limits import ReadingBudget, WorkbookLimits, WorkbookRefused, inspect_package

if TYPE_CHECKING:
    from infra.runtime import Runtime

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


# --- reading files -----------------------------------------------------------------------


def _file_problem(sheet: str, message: str, code: str, row: int = 0, column: str = "",
                  value: str = "") -> Problem:
    return Problem(sheet, row, column, value, message, code)


def _sheet_kind(name: str) -> str | None:
    key = header_key(name)
    if key == header_key(SHEET_CADRES) or key in ("danh sach can bo", "can bo cong chuc"):
        return SHEET_CADRES
    if key in (header_key(SHEET_HISTORY), "qua trinh cong tac", "qua trinh bo nhiem"):
        return SHEET_HISTORY
    return None


def _kind_by_headers(keys: set[str]) -> str | None:
    if {"gender", "hometown", "ethnicity", "party_joined_on"} & keys:
        return SHEET_CADRES
    if "kind" in keys and "effective_on" in keys:
        return SHEET_HISTORY
    if "gender" in keys or "full_name" in keys and "unit" not in keys:
        return SHEET_CADRES
    return None


def _find_header(rows: list[tuple[int, list[Any]]],
                 columns: Sequence[ColumnSpec] | None) -> tuple[int, dict[int, str],
                                                                dict[str, str]] | None:
    """The header row among the first lines (a title may sit above it)."""
    candidates = [columns] if columns is not None else list(SHEETS.values())
    best: tuple[int, int, dict[int, str], dict[str, str]] | None = None
    for number, values in rows[:15]:
        for cols in candidates:
            index = _header_index(cols)
            mapping: dict[int, str] = {}
            written: dict[str, str] = {}
            for i, value in enumerate(values):
                name = cell_text(value)
                if name is None:
                    continue
                key = index.get(header_key(name))
                if key is not None and key not in written:
                    mapping[i] = key
                    written[key] = name
            if len(mapping) >= 2 and (best is None or len(mapping) > best[1]):
                best = (number, len(mapping), mapping, written)
    if best is None:
        return None
    return best[0], best[2], best[3]


def _rows_of(sheet: str, table: list[tuple[int, list[Any]]], parsed: ParsedFile,
             forced: str | None, max_rows: int) -> None:
    found = _find_header(table, SHEETS[forced] if forced else None)
    if found is None:
        parsed.problems.append(_file_problem(
            forced or sheet, f"Không tìm thấy dòng tiêu đề trong trang '{sheet}' (no header row)",
            "missing_header", 1))
        return
    header_row, mapping, written = found
    kind = forced or _kind_by_headers(set(written))
    if kind is None:
        parsed.problems.append(_file_problem(
            sheet, f"Không nhận ra trang '{sheet}': cần trang \"{SHEET_CADRES}\" hoặc "
            f"\"{SHEET_HISTORY}\" (unknown sheet)", "unknown_sheet", header_row))
        return
    required = CADRE_REQUIRED if kind == SHEET_CADRES else HISTORY_REQUIRED
    missing = [k for k in required if k not in written]
    if kind == SHEET_HISTORY and "national_id" not in written and not (
            {"full_name", "born_on"} <= set(written)):
        missing.append("national_id")
    if missing:
        for key in missing:
            spec = next(s for s in SHEETS[kind] if s.key == key)
            parsed.problems.append(_file_problem(
                kind, f"Thiếu cột \"{spec.header}\" (missing column)", "missing_column",
                header_row, spec.header))
        return
    count = 0
    for number, values in table:
        if number <= header_row:
            continue
        raw = {key: values[i] if i < len(values) else None for i, key in mapping.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue  # blank rows, trailing or not
        count += 1
        if count > max_rows:
            parsed.problems.append(_file_problem(kind, f"Quá {max_rows} dòng (too many rows)",
                                                 "too_many_rows", number))
            break
        ref = RowRef(kind, number, written, raw)
        if kind == SHEET_CADRES:
            cadre = _cadre_row(ref, parsed)
            if cadre is not None:
                parsed.cadres.append(cadre)
        else:
            entry = _history_row(ref, parsed.problems)
            if entry is not None:
                parsed.history.append(entry)
    parsed.rows[kind] = parsed.rows.get(kind, 0) + count


def read_file(data: bytes, file_name: str = "",
              limits: WorkbookLimits = WorkbookLimits()) -> ParsedFile:
    """Typed rows and the problems of every cell that cannot be understood."""
    if len(data) > limits.max_file_bytes:
        raise ImportRefused([_file_problem("", f"Tệp lớn hơn {limits.max_file_bytes // 2**20} MB "
                                               "(file too large)", "file_too_large")])
    parsed = ParsedFile()
    if data[:4] == b"PK\x03\x04":
        try:
            _read_xlsx(data, parsed, limits)
        except WorkbookRefused as refused:
            raise ImportRefused([_file_problem("", refused.message, refused.code)]) from None
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or file_name.lower().endswith(".xls"):
        raise ImportRefused([_file_problem("", "Tệp .xls (Excel 97-2003) không được hỗ trợ: lưu "
                                               "lại dạng .xlsx hoặc .csv (save as .xlsx)",
                                           "unsupported_format")])
    else:
        _read_csv(data, parsed, limits)
    if not parsed.rows and not parsed.problems:
        raise ImportRefused([_file_problem("", f"Không có trang \"{SHEET_CADRES}\" hay \""
                                               f"{SHEET_HISTORY}\" (no sheet to import)",
                                           "no_sheet")])
    file_level = [p for p in parsed.problems if p.code in ("missing_column", "missing_header",
                                                           "unknown_sheet")]
    if file_level and not parsed.rows:
        raise ImportRefused(file_level)
    return parsed


def _read_xlsx(data: bytes, parsed: ParsedFile, limits: WorkbookLimits) -> None:
    inspect_package(data, limits)
    budget = ReadingBudget(limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError,
            EOFError, SyntaxError) as error:
        raise ImportRefused([_file_problem("", f"Không đọc được tệp Excel (unreadable .xlsx): "
                                               f"{error}", "unreadable_file")]) from None
    try:
        sheets = [(ws.title, _sheet_kind(ws.title), ws) for ws in book.worksheets]
        known = [s for s in sheets if s[1] is not None]
        chosen = known or [s for s in sheets if header_key(s[0]) != header_key(SHEET_GUIDE)][:1]
        for title, kind, ws in chosen:
            # A declared dimension of A1:XFD1048576 would pad every row to 16,384 cells.
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            try:
                table = []
                for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
                    budget.row(title, len(values))
                    table.append((i, list(values)))
            except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError,
                    SyntaxError) as error:
                raise ImportRefused([_file_problem(title, f"Không đọc được trang '{title}' "
                                                          f"(unreadable sheet): {error}",
                                                   "unreadable_file")]) from None
            _rows_of(title, table, parsed, kind, limits.max_rows)
    finally:
        book.close()


def _read_csv(data: bytes, parsed: ParsedFile, limits: WorkbookLimits) -> None:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([_file_problem("", "Tệp CSV phải mã hóa UTF-8 (CSV must be UTF-8)",
                                           "invalid_encoding")]) from None
    sample = content[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content), dialect)
    try:
        table = [(i, [v if v.strip() else None for v in values])
                 for i, values in enumerate(reader, start=1)]
    except csv.Error as error:
        raise ImportRefused([_file_problem("", f"Không đọc được tệp CSV (unreadable CSV): "
                                               f"{error}", "unreadable_file")]) from None
    _rows_of("CSV", table, parsed, None, limits.max_rows)


# --- the template --------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The import template: "Cán bộ", "Quá trình" (binding headers, one example row each) and
    "Hướng dẫn" with the accepted values."""
    book = Workbook()
    head_font = Font(name="Times New Roman", bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    sheets = ((SHEET_CADRES, [c for c in CADRE_COLUMNS if c.key in CADRE_TEMPLATE_KEYS],
               ["Nguyễn Thị Lan", "Nữ", "02/05/1980", "Kinh", "Không", "Kiến An, Hải Phòng",
                "031180001234", "19/05/2005", "Thạc sĩ", "Cao cấp", "Chuyên viên chính", "KA-NV",
                "truong_phong", "01/03/2021", "12-QĐ/QU", "25/02/2021", "Ban Thường vụ Quận ủy",
                "Lê Toàn Khánh", ""]),
              (SHEET_HISTORY, list(HISTORY_COLUMNS),
               ["031180001234", "Nguyễn Thị Lan", "02/05/1980", "Bổ nhiệm", "KA-NV",
                "pho_truong_phong", "01/03/2016", "8-QĐ/QU", "20/02/2016",
                "Ban Thường vụ Quận ủy", "Lê Toàn Khánh"]))
    first = True
    examples: list[tuple[str, list[ColumnSpec], list[str]]] = []
    for name, columns, example in sheets:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        first = False
        ws.title = name
        ws.append([c.header for c in columns])
        examples.append((name, columns, example))
        for i, spec in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = head_font, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(i)].width = spec.width
            # Text cells: Excel must not turn "031180001234" into a number or dates into serials.
            for row in range(2, 501):
                ws.cell(row=row, column=i).number_format = "@"
        ws.freeze_panes = "A2"
    guide = book.create_sheet(SHEET_GUIDE)
    guide.append(["Cột", "Giá trị chấp nhận"])
    guide.append(["Tiêu đề cột", "Đúng tên cột của mẫu; không phân biệt hoa thường, có dấu hay "
                                 "không dấu, thứ tự tùy ý"])
    guide.append(["Ngày", "dd/mm/yyyy, d/m/yyyy, yyyy-mm-dd hoặc ô ngày của Excel"])
    guide.append(["Giới tính", "Nam, Nữ"])
    for title, enum in (("Trình độ chuyên môn", Education),
                        ("Lý luận chính trị", PoliticalTheory),
                        ("Quản lý nhà nước", StateManagement)):
        guide.append([title, ", ".join(f"{LABELS[m.value]} ({m.value})" for m in enum)])
    guide.append(["Hình thức (bổ nhiệm)",
                  ", ".join(f"{LABELS[k.value]} ({k.value})" for k in ActionKind)])
    guide.append(["Hình thức (thôi giữ chức)",
                  ", ".join(f"{LABELS[r]} ({r})" for r in sorted(_ENDING_ONLY))
                  + "; \"Thôi giữ chức - Điều động\", \"Thôi giữ chức - Luân chuyển\""])
    guide.append(["Hình thức (khác)", f"{LABELS[NOMINATION]} ({NOMINATION})"])
    guide.append(["Đơn vị (mã), Chức danh (mã)", "mã đã đăng ký trong hệ thống, hoặc tên"])
    guide.append(["Người ký", f"không bắt buộc; nếu trống ghi \"{SIGNER_NOT_GIVEN}\""])
    guide.append(["Ngày bổ nhiệm lần đầu",
                  "không bắt buộc; với người đã được bổ nhiệm lại: ngày bổ nhiệm lần đầu vào "
                  "chức vụ đang giữ (trước \"Ngày bổ nhiệm\"). Khi có, \"Ngày bổ nhiệm\" và "
                  "quyết định của dòng là lần bổ nhiệm lại gần nhất; thời gian giữ chức vụ tính "
                  "liên tục từ lần đầu. Các lần bổ nhiệm lại khác ghi ở trang \"Quá trình\" với "
                  "hình thức \"Bổ nhiệm lại\" (hoặc \"Kéo dài thời gian giữ chức vụ\")"])
    guide.append([])
    for name, columns, example in examples:
        guide.append([f"Ví dụ trang \"{name}\""])
        guide.append([c.header for c in columns])
        guide.append(example)
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 120
    write_text_as_text(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- staging: the domain's commands, held in memory ----------------------------------------


class _StagingRepository(Repository[UUID]):
    """Answers from the store plus the events staged so far; never from a half-changed copy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working: dict[UUID, Any] = {}
        self.staged: dict[UUID, list[Any]] = {}
        self.order: list[Any] = []

    def get(self, aggregate_id: UUID, *, version: int | None = None,  # type: ignore[override]
            **kwargs: Any) -> Any:
        if version is not None:
            return super().get(aggregate_id, version=version, **kwargs)
        aggregate = self.working.get(aggregate_id)
        if aggregate is not None and not aggregate.pending_events:
            return aggregate
        # Unknown here, or left half-changed by a refused command: rebuild it from the store
        # and the events staged for it.
        try:
            aggregate = super().get(aggregate_id, **kwargs)
        except AggregateNotFoundError:
            aggregate = None
        staged = self.staged.get(aggregate_id)
        if staged:
            aggregate = project_aggregate(aggregate, staged)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        self.working[aggregate_id] = aggregate
        return aggregate

    def stage(self, aggregate: Aggregate) -> None:
        for event in aggregate.collect_events():
            self.staged.setdefault(aggregate.id, []).append(event)
            self.order.append(event)
        self.working[aggregate.id] = aggregate


class StagingApplication(HosoApplication):
    """`HosoApplication` whose commands are validated and held, then saved all at once."""

    def construct_repository(self) -> Repository[UUID]:
        base = super().construct_repository()
        return _StagingRepository(event_store=base.event_store,
                                  snapshot_store=base.snapshot_store, cache_maxsize=None,
                                  fastforward=base.fastforward,
                                  deepcopy_from_cache=base.deepcopy_from_cache)

    @property
    def staging(self) -> _StagingRepository:
        repository = self.repository
        assert isinstance(repository, _StagingRepository)
        return repository

    def _commit(self, primary: Aggregate, *others: Aggregate) -> Receipt:
        for aggregate in (primary, *others):
            self.staging.stage(aggregate)
        return Receipt(id=primary.id, position=0)

    def is_staged(self, aggregate_id: UUID, version: int) -> bool:
        return any(e.originator_version == version
                   for e in self.staging.staged.get(aggregate_id, ()))

    @property
    def pending(self) -> int:
        return len(self.staging.order)

    def save_staged(self) -> list[int]:
        """Save every staged event in one transaction; their log positions, in order."""
        events = self.staging.order
        if not events:
            return []
        recordings = self.save(*events)
        self.staging.order, self.staging.staged = [], {}
        self.staging.working.clear()
        return [r.notification.id for r in recordings]


# --- import runs -----------------------------------------------------------------------------

runs_metadata = MetaData()
import_runs = Table(
    "import_runs", runs_metadata,
    Column("id", String(36), primary_key=True),
    Column("digest", String(64), nullable=False, index=True),
    Column("file_name", String(300), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("first_position", BigInteger),
    Column("last_position", BigInteger),
    Column("outcome", String(16), nullable=False),  # recorded | unchanged | refused | checked (a dry run)
)


def import_history(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    runs_metadata.create_all(engine, checkfirst=True)
    with engine.connect() as conn:
        rows = conn.execute(select(import_runs).order_by(import_runs.c.imported_at.desc())
                            .limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def _record_run(engine: Engine, report: ImportReport, user: str, imported_at: datetime,
                outcome: str) -> UUID:
    runs_metadata.create_all(engine, checkfirst=True)
    run_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(insert(import_runs).values(
            id=str(run_id), digest=report.digest, file_name=report.file_name[:300],
            imported_by=user, imported_at=imported_at, rows=sum(report.rows.values()),
            events=report.events, first_position=report.first_position,
            last_position=report.last_position, outcome=outcome))
    return run_id


# --- translation: rows → commands ----------------------------------------------------------


@dataclass
class _Known:
    """Cadres already in the record, for matching rows (ID number, else name + birth date)."""

    by_id: dict[str, set[UUID]] = field(default_factory=dict)
    by_name: dict[tuple[str, date], set[UUID]] = field(default_factory=dict)
    national_id: dict[UUID, str | None] = field(default_factory=dict)

    def add(self, cadre_id: UUID, full_name: str, born_on: date, national_id: str | None) -> None:
        if national_id:
            self.by_id.setdefault(national_id, set()).add(cadre_id)
        self.by_name.setdefault((fold(full_name), born_on), set()).add(cadre_id)
        self.national_id[cadre_id] = national_id

    def match(self, national_id: str | None, full_name: str | None,
              born_on: date | None) -> set[UUID]:
        if national_id and national_id in self.by_id:
            return set(self.by_id[national_id])
        if full_name is None or born_on is None:
            return set()
        found = self.by_name.get((fold(full_name), born_on), set())
        if national_id:
            # A different ID number on record means a namesake, not this person.
            found = {c for c in found if not self.national_id.get(c)}
        return set(found)


_FIELD_COLUMNS = {
    "full_name": "full_name", "gender": "gender", "born_on": "born_on",
    "party_joined_on": "party_joined_on", "national_id": "national_id",
    "unit_id": "unit", "title_code": "title", "effective_on": "effective_on",
    "decided_on": "effective_on", "decision": "decision_number",
    "decision.signed_on": "signed_on", "kind": "kind", "reason": "kind",
}

_LEVEL_ORDERS: dict[str, dict[Any, int]] = {
    "education": dict(EDUCATION_ORDER), "political_theory": dict(POLITICAL_THEORY_ORDER),
    "state_management": dict(STATE_MANAGEMENT_ORDER),
}
_SENSITIVE = ("ethnicity", "religion", "hometown", "national_id")
_IDENTITY = ("full_name", "gender", "born_on", "party_joined_on", "education",
             "political_theory", "state_management")


@dataclass
class _Op:
    cadre_key: tuple[str, Any]
    post: PostCells
    order: int

    def sort_key(self) -> tuple[date, int, int]:
        # Same day: leave a post before taking the next one (a transfer frees the head seat).
        rank = {"end": 0, "appoint": 1, "nominate": 2}[self.post.action.command]
        return (self.post.effective_on, rank, self.order)


def _post_key(op: _Op) -> tuple[Any, ...]:
    post = op.post
    return (op.cadre_key, fold(post.unit), fold(post.title), post.effective_on)


def _without_restated_posts(ops: list[_Op]) -> list[_Op]:
    """The cadre sheet's current post, unless the history states that appointment itself: the
    history names its kind (a "Bổ nhiệm lại" renews the post, where the cadre sheet's default
    "Bổ nhiệm" would conflict with the term it renews)."""
    in_history = {_post_key(op) for op in ops
                  if op.post.ref.sheet == SHEET_HISTORY and op.post.action.command == "appoint"}
    return [op for op in ops
            if op.post.ref.sheet != SHEET_CADRES or _post_key(op) not in in_history]


class Importer:
    """One import of one file into the store of `runtime`."""

    def __init__(self, runtime: Runtime, *, user: str, file_name: str, data: bytes,
                 dry_run: bool,
                 may_write_unit: Callable[[UUID], bool] | None = None,
                 may_write_cadre: Callable[[UUID], bool] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 in_request: bool = False) -> None:
        self.runtime = runtime
        # In a request the read side is the projector's: wait for it, never apply (ADR 0007).
        self.in_request = in_request
        self.user = user
        self.data = data
        digest = hashlib.sha256(data).hexdigest()
        self.tag = f"{user} (import {digest[:8]})"
        self.reason = f"Cập nhật theo tệp nhập {file_name or digest[:8]} (import {digest[:8]})"
        self.report = ImportReport(file_name=file_name, digest=digest, dry_run=dry_run,
                                   recorded_by=self.tag)
        self.may_write_unit = may_write_unit or (lambda _unit: True)
        self.may_write_cadre = may_write_cadre or (lambda _cadre: True)
        self.progress = progress
        self.known = _Known()
        self.cadre_ids: dict[tuple[str, Any], UUID] = {}  # file key -> cadre
        self.file_rows: dict[tuple[str, Any], CadreCells] = {}
        self.units: dict[str, UUID] = {}
        self.titles: dict[str, str] = {}
        self.app: StagingApplication | None = None
        self.unreadable: list[tuple[str | None, str | None, date | None, int]] = []

    # -- entry point

    def run(self) -> ImportReport:
        try:
            parsed = read_file(self.data, self.report.file_name,
                               self.runtime.settings.workbook_limits)
        except ImportRefused as refused:
            self.report.problems.extend(refused.problems)
            return self.report
        self.report.rows = dict(parsed.rows)
        self.unreadable = parsed.unreadable
        self.report.problems.extend(parsed.problems)
        runtime = self.runtime
        # What the record holds, as of now.
        if self.in_request:
            runtime.read_side_current()
        else:
            runtime.catch_up()
        self._load_directory()
        self.app = StagingApplication(
            env=application_env(runtime.settings), clock=runtime.clock,
            horizon_days=runtime.app.horizon_days)
        try:
            total = len(parsed.cadres) + len(parsed.history)
            done = 0
            for cadre in parsed.cadres:
                self._cadre(cadre)
                done += 1
                self._tick(done, total)
            ops = [_Op(self._cadre_key_of(c), post, i)
                   for i, c in enumerate(parsed.cadres) if c.post is not None
                   and self.file_rows.get(self._cadre_key_of(c)) is c
                   for post in (c.post.first_appointment(), c.post) if post is not None]
            for i, h in enumerate(parsed.history, start=len(parsed.cadres)):
                key = self._who(h)
                if key is not None:
                    ops.append(_Op(key, h.post, i))
                else:
                    done += 1
                    self._tick(done, total)
            for op in sorted(_without_restated_posts(ops), key=_Op.sort_key):
                self._post(self.cadre_ids[op.cadre_key], op.post)
                if op.post.ref.sheet == SHEET_HISTORY:
                    done += 1
                    self._tick(done, total)
            self.report.events = self.app.pending
            if self.report.dry_run:
                self.report.import_id = _record_run(runtime.engine, self.report, self.user,
                                                    runtime.clock.now(), "checked")
            elif self.report.ok:
                self._save()
            else:
                self.report.import_id = _record_run(runtime.engine, self.report, self.user,
                                                    runtime.clock.now(), "refused")
        finally:
            self.app.close()
        return self.report

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _save(self) -> None:
        assert self.app is not None
        if self.app.pending:
            try:
                positions = self.app.save_staged()
            except DomainError as error:
                self.report.problems.append(Problem("", 0, "", "", error.message, error.code))
                return
            except IntegrityError:  # a concurrent writer changed one of the records first
                self.report.problems.append(Problem(
                    "", 0, "", "", "Hồ sơ vừa bị thay đổi bởi thao tác khác; hãy nhập lại "
                    "(version conflict: another command changed a record first)",
                    "version_conflict"))
                return
            self.report.first_position, self.report.last_position = positions[0], positions[-1]
            self.report.recorded = True
        self.report.import_id = _record_run(self.runtime.engine, self.report, self.user,
                                            self.runtime.clock.now(),
                                            "recorded" if self.report.recorded else "unchanged")
        if self.in_request:
            # Committed: the answer says so; the projector applies it.
            if self.report.last_position is not None:
                self.runtime.written(self.report.last_position)
        else:
            self.runtime.catch_up()

    # -- what the record already holds

    def _load_directory(self) -> None:
        rm = self.runtime.read_model
        t = rm.tables()
        c = t.cadres
        with rm.engine.connect() as conn:
            for row in conn.execute(select(c.c.cadre_id, c.c.full_name, c.c.born_on,
                                           c.c.sensitive).where(c.c.rec_to.is_(None))):
                sensitive = row.sensitive if isinstance(row.sensitive, dict) else {}
                nid = sensitive.get("national_id")
                self.known.add(row.cadre_id, row.full_name, row.born_on,
                               str(nid) if nid else None)
        m = rm.moment()
        for unit in rm.units(m):
            self.units.setdefault(header_key(unit["name"] or ""), unit["id"])
        for title in rm.titles():
            self.titles[code_key(title["code"])] = title["code"]
            self.titles.setdefault(code_key(title["name"]), title["code"])

    def _unit(self, ref: RowRef, text_value: str) -> UUID | None:
        assert self.app is not None
        candidates = [unit_id_for(text_value), unit_id_for(text_value.upper())]
        by_name = self.units.get(header_key(text_value))
        if by_name is not None:
            candidates.append(by_name)
        for unit_id in candidates:
            try:
                self.app.unit(unit_id)
                return unit_id
            except DomainError:
                continue
        self._problem(ref, "unit", f"Không có đơn vị mã hoặc tên '{text_value}' trong hệ thống "
                                   "(unknown unit)", "unit_not_found")
        return None

    def _title(self, ref: RowRef, text_value: str) -> str | None:
        assert self.app is not None
        code = self.titles.get(code_key(text_value), text_value)
        try:
            return self.app.title(code).code
        except DomainError:
            self._problem(ref, "title", f"Không có chức danh mã hoặc tên '{text_value}' trong hệ "
                                        "thống (unknown title)", "title_not_found")
            return None

    def _problem(self, ref: RowRef, key: str, message: str, code: str,
                 level: str = ERROR) -> None:
        self.report.problems.append(ref.problem(key, message, code, level))

    def _refused(self, ref: RowRef, error: DomainError, default_key: str) -> None:
        key = _FIELD_COLUMNS.get(error.field or "", default_key)
        self._problem(ref, key, error.message, error.code)

    # -- cadres

    @staticmethod
    def _cadre_key_of(cadre: CadreCells) -> tuple[str, Any]:
        if cadre.national_id:
            return ("id", cadre.national_id)
        return ("name", (fold(cadre.full_name), cadre.born_on))

    def _file_cadre(self, national_id: str | None, full_name: str | None,
                    born_on: date | None) -> tuple[str, Any] | None:
        if national_id and ("id", national_id) in self.file_rows:
            return ("id", national_id)
        if full_name is not None and born_on is not None:
            key = ("name", (fold(full_name), born_on))
            if key in self.file_rows:
                return key
            for k, row in self.file_rows.items():
                if k[0] == "id" and (fold(row.full_name), row.born_on) == key[1] and \
                        (not national_id or national_id == row.national_id):
                    return k
        return None

    def _cadre(self, row: CadreCells) -> None:
        assert self.app is not None
        ref = row.ref
        key = self._cadre_key_of(row)
        earlier = self._file_cadre(row.national_id, row.full_name, row.born_on)
        if earlier is not None:
            first = self.file_rows[earlier]
            if first.signature() == row.signature():
                self._problem(ref, "full_name", f"Dòng trùng với dòng {first.ref.row}; bỏ qua "
                                                f"(duplicate of row {first.ref.row}, skipped)",
                              "duplicate_row", WARNING)
                self.report.planned["duplicate_row"] += 1
            else:
                self._problem(ref, "full_name", f"Cán bộ này đã có ở dòng {first.ref.row} với "
                                                f"dữ liệu khác (same cadre as row "
                                                f"{first.ref.row}, different data)",
                              "conflicting_rows")
            return
        matches = self._match(row.national_id, row.full_name, row.born_on)
        if len(matches) > 1:
            self._problem(ref, "national_id", "Có nhiều cán bộ cùng họ tên và ngày sinh; hãy "
                                              "ghi số định danh (ambiguous: several cadres "
                                              "with this name and birth date)", "ambiguous_cadre")
            return
        try:
            if matches:
                cadre_id = next(iter(matches))
                if not self.may_write_cadre(cadre_id):
                    self._problem(ref, "full_name", "Cán bộ ngoài phạm vi được giao (cadre "
                                                    "outside your unit subtree)", "forbidden")
                    return
                self._update_identity(cadre_id, row)
            else:
                cadre_id = self.app.register_cadre(
                    full_name=row.full_name, gender=row.gender, born_on=row.born_on,
                    recorded_by=self.tag, party_joined_on=row.party_joined_on,
                    education=row.education, political_theory=row.political_theory,
                    state_management=row.state_management, ethnicity=row.ethnicity,
                    religion=row.religion, hometown=row.hometown,
                    national_id=row.national_id).id
                self.report.planned["register_cadre"] += 1
        except DomainError as error:
            self._refused(ref, error, "full_name")
            return
        self.file_rows[key] = row
        self.cadre_ids[key] = cadre_id

    def _update_identity(self, cadre_id: UUID, row: CadreCells) -> None:
        assert self.app is not None
        cadre = self.app.cadre(cadre_id)
        current = dict(cadre.identity)
        today = self.app.window().today
        changed: dict[str, Any] = {}
        for name in ("full_name", "gender", "born_on", "party_joined_on"):
            value = getattr(row, name)
            if value is not None and value != current.get(name):
                changed[name] = value
        for name, kind in (("education", QualificationKind.EDUCATION),
                           ("political_theory", QualificationKind.POLITICAL_THEORY),
                           ("state_management", QualificationKind.STATE_MANAGEMENT)):
            value = getattr(row, name)
            registered, now = current.get(name), cadre.level_on(kind, today)
            order = _LEVEL_ORDERS[name]
            if value is None or value == now:
                continue
            # Higher than known: the record missed it. Lower: a mistake at registration, unless
            # a later degree raised the level (then the sheet is only older).
            if order.get(value, 0) > order.get(now, 0) or registered == now:
                changed[name] = value
        sensitive = current.get("sensitive") or {}
        shredded = bool(sensitive.get("_shredded"))
        given = {k: getattr(row, k) for k in _SENSITIVE if getattr(row, k) is not None}
        if shredded and given:
            self._problem(row.ref, "national_id", "Dữ liệu cá nhân của cán bộ này đã bị hủy; bỏ "
                                                  "qua các cột dân tộc, tôn giáo, quê quán, số "
                                                  "định danh (personal data erased: ignored)",
                          "personal_data_erased", WARNING)
            given = {}
        merged = {k: sensitive.get(k) for k in _SENSITIVE} if not shredded else {}
        for k, v in given.items():
            if merged.get(k) != v:
                changed[k] = v
                merged[k] = v
        if not changed:
            self.report.planned["unchanged"] += 1
            return
        version = cadre.facts("Registered")[-1].version
        target = self._position_of(row.ref, cadre_id, version)
        if target is None:
            return
        replacement: dict[str, Any] = {k: changed.get(k, current.get(k)) for k in _IDENTITY}
        replacement.update({k: merged.get(k) for k in _SENSITIVE})
        self.app.correct(cadre_id, target_position=target, reason=self.reason,
                         replacement=replacement, recorded_by=self.tag)
        self.report.planned["correct_identity"] += 1

    def _position_of(self, ref: RowRef, cadre_id: UUID, version: int) -> int | None:
        assert self.app is not None
        if self.app.is_staged(cadre_id, version):
            self._problem(ref, "full_name", "Dòng này mâu thuẫn với một dòng khác của tệp về "
                                            "cùng một mục hồ sơ (contradicts another row of the "
                                            "file)", "conflicting_rows")
            return None
        settings = self.runtime.settings
        if settings.is_postgres:
            sql = text(f"SELECT notification_id FROM {EVENTS_TABLE} WHERE originator_id = :oid "
                       "AND originator_version = :v")
            params: dict[str, Any] = {"oid": cadre_id, "v": version}
        else:
            sql = text(f"SELECT rowid FROM {EVENTS_TABLE} WHERE originator_id = :oid AND "
                       "originator_version = :v")
            params = {"oid": cadre_id.hex, "v": version}
        with self.runtime.engine.connect() as conn:
            position = conn.execute(sql, params).scalar()
        return int(position) if position is not None else None

    def _who(self, row: HistoryCells) -> tuple[str, Any] | None:
        key = self._file_cadre(row.national_id, row.full_name, row.born_on)
        if key is not None:
            return key if key in self.cadre_ids else None
        matches = self._match(row.national_id, row.full_name, row.born_on)
        if len(matches) == 1:
            cadre_id = next(iter(matches))
            key = ("known", cadre_id)
            if key not in self.cadre_ids:
                if not self.may_write_cadre(cadre_id):
                    self._problem(row.ref, "full_name", "Cán bộ ngoài phạm vi được giao (cadre "
                                                        "outside your unit subtree)", "forbidden")
                    return None
                self.cadre_ids[key] = cadre_id
            return key
        if matches:
            self._problem(row.ref, "national_id", "Có nhiều cán bộ cùng họ tên và ngày sinh; hãy "
                                                  "ghi số định danh (ambiguous cadre)",
                          "ambiguous_cadre")
        elif (bad := self._unreadable_row(row)) is not None:
            self._problem(row.ref, "national_id" if row.national_id else "full_name",
                          f"Cán bộ ở dòng {bad} trang \"{SHEET_CADRES}\" có lỗi (the cadre's "
                          "own row has errors)", "cadre_row_invalid")
        else:
            if row.national_id:
                who = row.national_id
            elif row.born_on is not None:
                who = f"{row.full_name} ({row.born_on:%d/%m/%Y})"
            else:
                who = row.full_name or ""
            self._problem(row.ref, "national_id" if row.national_id else "full_name",
                          f"Không tìm thấy cán bộ {who} trong tệp (trang \"{SHEET_CADRES}\") "
                          "hay trong hệ thống (unknown cadre)", "cadre_not_found")
        return None

    def _match(self, national_id: str | None, full_name: str | None,
               born_on: date | None) -> set[UUID]:
        """The cadres on record a row names. A dry run sees only the caller's scope, so that
        checking a file of guessed ID numbers cannot tell which exist elsewhere (a row naming
        one reads as a new person). A real run sees them all: it refuses such a row, and the
        cadre's read audit shows who tried."""
        matches = self.known.match(national_id, full_name, born_on)
        outside = {m for m in matches if not self.may_write_cadre(m)}
        if self.report.dry_run:
            return matches - outside
        self.report.probed |= outside
        return matches

    def _unreadable_row(self, row: HistoryCells) -> int | None:
        for national_id, full_name, born_on, number in self.unreadable:
            if row.national_id and national_id == row.national_id:
                return number
            if full_name and row.full_name and fold(full_name) == fold(row.full_name) and \
                    born_on == row.born_on:
                return number
        return None

    # -- posts

    def _post(self, cadre_id: UUID, post: PostCells) -> None:
        assert self.app is not None
        ref = post.ref
        unit_id = self._unit(ref, post.unit)
        title_code = self._title(ref, post.title)
        if unit_id is None or title_code is None:
            return
        if not self.may_write_unit(unit_id):
            self._problem(ref, "unit", "Đơn vị ngoài phạm vi được giao (unit outside your unit "
                                       "subtree)", "forbidden")
            return
        decision = post.decision.decision()
        try:
            if post.action.command == "appoint":
                self._appoint(cadre_id, post, unit_id, title_code, decision)
            elif post.action.command == "end":
                self._end(cadre_id, post, unit_id, title_code, decision)
            else:
                self._nominate(cadre_id, post, unit_id, title_code, decision)
        except DomainError as error:
            self._refused(ref, error, "effective_on")

    @staticmethod
    def _same_decision(recorded: Any, given: DecisionCells) -> bool:
        if recorded is None:
            return False
        number = getattr(recorded, "number", None)
        signed_on = getattr(recorded, "signed_on", None)
        issuer = getattr(recorded, "issuer", None)
        signer = getattr(recorded, "signer", None)
        return (nfc(str(number)) == given.number and signed_on == given.signed_on
                and nfc(str(issuer)) == given.issuer
                and (given.signer is None or nfc(str(signer)) == given.signer))

    def _appoint(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
                 decision: Decision) -> None:
        assert self.app is not None and post.action.kind is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        holdings = [h for h in cadre.holdings().values()
                    if h.unit_id == unit_id and h.title_code == title_code]
        same = [h for h in holdings if h.since == post.effective_on]
        if not same and post.ref.sheet == SHEET_CADRES:
            # The current post with another date: the date (or decision) was corrected. Not the
            # post's first appointment nor a term this file records, which a reappointment on
            # this row renews.
            same = [h for h in holdings if h.until is None and h.since != post.first_on
                    and not self.app.is_staged(cadre_id, h.version)]
        if same:
            h = same[0]
            if h.kind == post.action.kind and h.since == post.effective_on and \
                    self._same_decision(h.decision, post.decision):
                self.report.planned["unchanged"] += 1
                return
            target = self._position_of(post.ref, cadre_id, h.version)
            if target is None:
                return
            self.app.correct(cadre_id, target_position=target, reason=self.reason,
                             recorded_by=self.tag, replacement=dict(
                                 kind=post.action.kind, unit_id=unit_id, title_code=title_code,
                                 effective_on=post.effective_on, decision=decision,
                                 planned_end_on=h.planned_end_on, special_case=h.special_case))
            self.report.planned["correct_appointment"] += 1
            return
        self.app.appoint(cadre_id, kind=post.action.kind, unit_id=unit_id, title_code=title_code,
                         effective_on=post.effective_on, decision=decision,
                         recorded_by=self.tag)
        self.report.planned["appoint"] += 1

    def _end(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
             decision: Decision) -> None:
        assert self.app is not None and post.action.reason is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        holdings = sorted((h for h in cadre.holdings().values()
                           if h.unit_id == unit_id and h.title_code == title_code
                           and h.since <= post.effective_on), key=lambda h: h.since)
        ended_here = [h for h in holdings if h.until == post.effective_on]
        h = ended_here[-1] if ended_here else (holdings[-1] if holdings else None)
        if h is not None and h.until is not None:
            ending = next(e for e in cadre.facts("HoldingEnded")
                          if e.payload["holding_id"] == h.holding_id)
            if h.until == post.effective_on and h.end_reason == post.action.reason and \
                    self._same_decision(ending.payload.get("decision"), post.decision):
                self.report.planned["unchanged"] += 1
                return
            target = self._position_of(post.ref, cadre_id, ending.version)
            if target is None:
                return
            self.app.correct(cadre_id, target_position=target, reason=self.reason,
                             recorded_by=self.tag, replacement=dict(
                                 unit_id=unit_id, title_code=title_code,
                                 reason=post.action.reason, effective_on=post.effective_on,
                                 decision=decision))
            self.report.planned["correct_ending"] += 1
            return
        self.app.end_holding(cadre_id, unit_id=unit_id, title_code=title_code,
                             reason=post.action.reason, effective_on=post.effective_on,
                             decision=decision, recorded_by=self.tag)
        self.report.planned["end_holding"] += 1

    def _nominate(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
                  decision: Decision) -> None:
        assert self.app is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        for entry in cadre.facts("Nominated"):
            p = entry.payload
            if p["unit_id"] == unit_id and p["title_code"] == title_code and \
                    p["effective_on"] == post.effective_on:
                if self._same_decision(p.get("decision"), post.decision):
                    self.report.planned["unchanged"] += 1
                    return
                target = self._position_of(post.ref, cadre_id, entry.version)
                if target is None:
                    return
                self.app.correct(cadre_id, target_position=target, reason=self.reason,
                                 recorded_by=self.tag, replacement=dict(
                                     unit_id=unit_id, title_code=title_code,
                                     decided_on=post.effective_on, decision=decision))
                self.report.planned["correct_nomination"] += 1
                return
        self.app.nominate(cadre_id, unit_id=unit_id, title_code=title_code,
                          decided_on=post.effective_on, decision=decision, recorded_by=self.tag)
        self.report.planned["nominate"] += 1


def import_file(runtime: Runtime, data: bytes, *, file_name: str, user: str,
                dry_run: bool = False,
                may_write_unit: Callable[[UUID], bool] | None = None,
                may_write_cadre: Callable[[UUID], bool] | None = None,
                progress: Callable[[int, int], None] | None = None,
                in_request: bool = False) -> ImportReport:
    """Validate (and unless `dry_run`, record all or nothing) one spreadsheet. Outside a
    request (`hoso import`) the read side is brought up before and after (`catch_up`); in one,
    it is waited for before and left to the projector after."""
    return Importer(runtime, user=user, file_name=file_name, data=data, dry_run=dry_run,
                    may_write_unit=may_write_unit, may_write_cadre=may_write_cadre,
                    progress=progress, in_request=in_request).run()


def describe(report: ImportReport) -> Iterator[str]:
    """The report as lines of text (CLI)."""
    verb = "Kiểm tra thử (dry run)" if report.dry_run else "Nhập (import)"
    yield f"{verb}: {report.file_name} sha256 {report.digest}"
    yield "Dòng (rows): " + ", ".join(f"{k} {v}" for k, v in report.rows.items())
    if report.planned:
        yield "Thao tác (commands): " + ", ".join(f"{k} {v}" for k, v in
                                                  sorted(report.planned.items()))
    for p in sorted(report.problems, key=lambda p: (p.sheet, p.row, p.column)):
        where = f"{p.sheet} dòng {p.row}" if p.row else (p.sheet or "tệp")
        column = f", cột \"{p.column}\"" if p.column else ""
        value = f" = \"{p.value}\"" if p.value else ""
        tag = "Cảnh báo" if p.level == WARNING else "Lỗi"
        yield f"  {tag} [{where}{column}{value}]: {p.problem}"


__all__ = [
    "CADRE_COLUMNS", "HISTORY_COLUMNS", "SHEET_CADRES", "SHEET_HISTORY", "ImportReport",
    "ImportRefused", "Importer", "Problem", "StagingApplication", "cell_date", "cell_code",
    "cell_gender", "cell_national_id", "describe", "header_key", "import_file",
    "import_history", "read_file", "template_workbook",
]
