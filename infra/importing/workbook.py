"""Reading a workbook (.xlsx, .csv) into typed rows, within the package bounds of
`infra.workbook_limits`, and writing the import template."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from domain.values import (
    LABELS,
    ActionKind,
    Education,
    PoliticalTheory,
    StateManagement,
)
from infra.importing.cells import (
    _ENDING_ONLY,
    CADRE_COLUMNS,
    CADRE_REQUIRED,
    CADRE_TEMPLATE_KEYS,
    HISTORY_COLUMNS,
    HISTORY_REQUIRED,
    NOMINATION,
    SHEET_CADRES,
    SHEET_GUIDE,
    SHEET_HISTORY,
    SHEETS,
    SIGNER_NOT_GIVEN,
    ColumnSpec,
    ImportRefused,
    ParsedFile,
    Problem,
    RowRef,
    _cadre_row,
    _header_index,
    _history_row,
    cell_text,
    header_key,
)
from infra.spreadsheet_text import write_text_as_text
from infra.workbook_limits import ReadingBudget, WorkbookLimits, WorkbookRefused, inspect_package

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


