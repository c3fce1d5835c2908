"""Reports as files a personnel officer can send: Excel workbooks and Word documents.

Both are drawn from the report as served (its body, digest and moment): they count nothing
themselves, and the shares they add to headcount tables use the reports' exact percent. The workbook has one sheet per table, Vietnamese headers and numbers as
numbers; the document follows seed 000's sections (headcount with women and under 35, training,
evaluation with percents written "88,8%", personnel actions, vetting) and ends every page with
`as_of`, `known_at`, the log position and the digest, so a reader can ask the system to
reproduce it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from api.document_certificates import stamp_docx, stamp_xlsx
from domain.calendar import VIETNAM, period_name
from domain.programmes import programme_name
from domain.values import fold, label
from infra.spreadsheet_text import write_text_as_text
from projections.reports import (
    ACTION_KINDS,
    ENDING_REASONS,
    NOT_RECORDED,
    RATINGS,
    percent,
)


def attachment(name: str) -> str:
    """A Content-Disposition for a download named `name` (RFC 6266): an ASCII fallback for old
    clients and the exact UTF-8 name in `filename*`, so quotes, diacritics and emoji in a
    cadre's name can neither break the header nor inject parameters into it."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", fold(name)).strip("-") or "tai-ve"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"  # the administrative documents' typeface (NĐ 30/2020)

TIER_NAMES = {"thanh_uy": "Thành ủy", "quan_uy": "Quận ủy", "huyen_uy": "Huyện ủy",
              "dang_uy": "Đảng ủy", "tinh_uy": "Tỉnh ủy"}
REPORT_TITLES = {
    "cadre_quality": "Tình hình đội ngũ cán bộ",
    "evaluations": "Kết quả đánh giá, xếp loại cán bộ",
    "actions": "Kết quả điều động, bổ nhiệm, giới thiệu cán bộ ứng cử",
    "training": "Công tác đào tạo, bồi dưỡng cán bộ",
    "vettings": "Công tác bảo vệ chính trị nội bộ",
    "summary": "Công tác tổ chức, cán bộ",
    "evaluations_quarterly": "Kết quả đánh giá cán bộ theo quý",
}
LEVEL_LABELS = {
    "grade": {"cvcc": "Chuyên viên cao cấp", "cvc": "Chuyên viên chính", "cv": "Chuyên viên",
              "can_su": "Cán sự", "nhan_vien": "Nhân viên", "chua_co": "Chưa ghi nhận ngạch"},
    "education": {"tien_si": "Tiến sĩ", "thac_si": "Thạc sĩ", "dai_hoc": "Đại học",
                  "cao_dang": "Cao đẳng", "trung_cap": "Trung cấp", "chua_co": "Chưa có"},
    "political_theory": {"cu_nhan": "Cử nhân", "cao_cap": "Cao cấp", "trung_cap": "Trung cấp",
                         "so_cap": "Sơ cấp", "chua_co": "Chưa qua đào tạo"},
    "state_management": {"cvcc": "Chuyên viên cao cấp", "cvc": "Chuyên viên chính",
                         "cv": "Chuyên viên", "chua_co": "Chưa qua bồi dưỡng"},
    "age_band": {"den_30": "Từ 30 trở xuống", "31_40": "Từ 31 đến 40", "41_50": "Từ 41 đến 50",
                 "51_60": "Từ 51 đến 60", "tren_60": "Trên 60 (chưa đến tuổi nghỉ hưu)",
                 "qua_tuoi_nghi_huu": "Trên tuổi nghỉ hưu"},
}
BREAKDOWN_TITLES = {
    "political_theory": "Lý luận chính trị",
    "state_management": "Quản lý nhà nước",
    "education": "Trình độ chuyên môn",
    "grade": "Ngạch công chức",
    "age_band": "Độ tuổi",
}
SECTIONS = ("cadre_quality", "evaluations", "actions", "training", "vettings",
            "evaluations_quarterly")
BM01_GROUPS = ("total", "female", "party_members", "ethnic_minority", "religious", "grade",
               "education", "political_theory", "state_management", "it", "languages",
               "age_band", "under_35")
SHORT = {"grade": "Ngạch", "education": "Chuyên môn", "political_theory": "LLCT",
         "state_management": "QLNN", "age_band": "Tuổi"}


# --- numbers and dates the Vietnamese way ----------------------------------------------------


def vn_number(n: int) -> str:
    """6789 → "6.789"."""
    return f"{n:,}".replace(",", ".")


def vn_count(n: int) -> str:
    """Headcounts as the seed writes them: two digits at least ("09 đồng chí")."""
    return f"{n:02d}" if 0 <= n < 10 else vn_number(n)


def vn_percent(value: float | None) -> str:
    """88.8 → "88,8%" (one decimal, comma)."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.1f}".replace(".", ",") + "%"


def vn_date(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day}/{day.month}/{day.year}"


def vn_instant(value: str) -> str:
    local = datetime.fromisoformat(value).astimezone(VIETNAM)
    return f"{local:%H:%M} ngày {local.day}/{local.month}/{local.year} (giờ Việt Nam)"


def tier_phrase(tier: str | None) -> str:
    if not tier:
        return "cán bộ"
    return f"cán bộ diện {TIER_NAMES.get(tier, tier)} quản lý"


def scope_phrase(report: Mapping[str, Any]) -> str:
    scope = report.get("scope") or {}
    parts = [tier_phrase(scope.get("tier"))]
    if scope.get("unit_name"):
        parts.append(f"thuộc {scope['unit_name']} và các đơn vị trực thuộc")
    return " ".join(parts)


def ordered(mapping: Mapping[str, Any], order: Iterable[str]) -> list[tuple[str, Any]]:
    """A report's mapping in the order people read it (the JSON may come with keys sorted):
    the known keys in `order`, others after them in code order, "chua_co" last."""
    known = [k for k in order if k in mapping and k != NOT_RECORDED]
    others = sorted(k for k in mapping if k not in known and k != NOT_RECORDED)
    tail = [NOT_RECORDED] if NOT_RECORDED in mapping else []
    return [(k, mapping[k]) for k in (*known, *others, *tail)]


def by_count(mapping: Mapping[str, int]) -> list[tuple[str, int]]:
    """Free-text buckets (vetting purposes), the largest first as the seed lists them."""
    return sorted(mapping.items(), key=lambda item: (-item[1], item[0]))


# --- tables: what both formats show ----------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One table of a report: a sheet of the workbook."""

    name: str  # at most 31 characters (Excel)
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    percent_columns: frozenset[int] = frozenset()


def sections_of(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if report["report"] == "summary":
        return dict(report["sections"])
    return {str(report["report"]): report}


def quality_sheets(q: Mapping[str, Any]) -> list[Sheet]:
    total = int(q["total"])

    def share(n: int) -> float | None:
        return percent(n, total)

    summary = [("Tổng số", total), ("Nữ", q["female"]), ("Dưới 35 tuổi", q["under_35"]),
               ("Đảng viên", q["party_members"]), ("Dân tộc thiểu số", q["ethnic_minority"]),
               ("Tôn giáo", q["religious"]), ("Có trình độ tin học", q["it"]),
               ("Có trình độ ngoại ngữ", q["languages"])]
    sheets = [Sheet("Tổng hợp", f"Số lượng {scope_phrase(q)}",
                    ["Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"],
                    [[name, n, share(n)] for name, n in summary], frozenset({2}))]
    for kind in ("political_theory", "state_management", "education", "grade", "age_band"):
        breakdown: Mapping[str, int] = q[f"by_{kind}"]
        rows = [[LEVEL_LABELS[kind].get(k, k), n, share(n)]
                for k, n in ordered(breakdown, LEVEL_LABELS[kind])]
        sheets.append(Sheet(BREAKDOWN_TITLES[kind][:31], BREAKDOWN_TITLES[kind],
                            ["Trình độ" if kind != "age_band" else "Độ tuổi", "Số lượng",
                             "Tỷ lệ (%)"], rows, frozenset({2})))
    headers, keys = bm01_columns(q["units_total"])
    rows = [[u["unit_code"], u["unit_name"], *(u[k] for k in keys)] for u in q["units"]]
    rows.append(["", "Tổng cộng", *(q["units_total"][k] for k in keys)])
    sheets.append(Sheet("BM01 theo đơn vị", "Biểu BM01: chất lượng cán bộ theo đơn vị",
                        ["Mã đơn vị", "Đơn vị", *headers], rows))
    return sheets


def bm01_columns(row: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Headers and keys of the ministry's table, in the row's (report's) column order."""
    fixed = {"total": "Tổng số", "female": "Nữ", "party_members": "Đảng viên",
             "ethnic_minority": "Dân tộc thiểu số", "religious": "Tôn giáo", "it": "Tin học",
             "languages": "Ngoại ngữ", "under_35": "Dưới 35 tuổi"}
    headers, keys = [], []
    for key in sorted(row, key=_bm01_rank):
        if key in fixed:
            headers.append(fixed[key])
        else:
            kind, level = key.split(".", 1)
            headers.append(f"{SHORT.get(kind, kind)}: {LEVEL_LABELS.get(kind, {}).get(level, level)}")
        keys.append(key)
    return headers, keys


def _bm01_rank(key: str) -> tuple[int, int, str]:
    """The ministry's column order: counts, grade, degree, theory, management, IT, age."""
    kind, _, level = key.partition(".")
    group = BM01_GROUPS.index(kind) if kind in BM01_GROUPS else len(BM01_GROUPS)
    levels = list(LEVEL_LABELS.get(kind, {}))
    # Levels outside the known buckets come before "chua_co" (kept last in each group).
    position = levels.index(level) if level in levels else len(levels) - 1
    return group, position, level


def evaluation_sheet(e: Mapping[str, Any]) -> Sheet:
    rows = [[label(r), v["count"], v["percent"]] for r, v in ordered(e["by_rating"], RATINGS)]
    rows.append(["Tổng số được đánh giá", e["total"], 100.0 if e["total"] else None])
    return Sheet("Đánh giá", f"Kết quả đánh giá, xếp loại {period_name(str(e['period']))}",
                 ["Xếp loại", "Số lượng", "Tỷ lệ (%)"], rows, frozenset({2}))


def quarterly_sheets(e: Mapping[str, Any]) -> list[Sheet]:
    """The quarterly evaluation report: ratings, average points per group, who is missing."""
    ratings = evaluation_sheet(e)
    groups = [[g["framework_id"], g["name"], g["max_points"], g["evaluated"], g["average"]]
              for g in e["groups"]]
    groups.append(["Tổng điểm", "", 100, e["scored"], e["average_score"]])
    missing = [[r["full_name"], r["title_name"] or r["title_code"], r["unit_name"] or "",
                vn_date(r["since"])] for r in e["without_evaluation"]]
    return [ratings,
            Sheet("Điểm theo nhóm", f"Điểm bình quân từng nhóm tiêu chí, {period_name(str(e['period']))}",
                  ["Khung", "Nhóm tiêu chí", "Điểm tối đa", "Số được chấm", "Điểm bình quân"],
                  groups),
            Sheet("Chưa đánh giá", f"Giữ chức vụ cả {period_name(str(e['period']))} nhưng chưa được đánh giá",
                  ["Họ và tên", "Chức vụ", "Đơn vị", "Giữ chức từ"], missing)]


def action_sheets(a: Mapping[str, Any]) -> list[Sheet]:
    span = f"từ {vn_date(a['date_from'])} đến {vn_date(a['date_to'])}"
    kinds = [[label(k), n] for k, n in ordered(a["by_kind"], ACTION_KINDS)]
    kinds.append(["Tổng cộng", a["total"]])
    endings = [[label(k), n] for k, n in ordered(a["endings_by_reason"], ENDING_REASONS)]
    endings.append(["Tổng cộng", a["endings_total"]])
    return [Sheet("Điều động, bổ nhiệm", f"Điều động, bổ nhiệm, giới thiệu ứng cử {span}",
                  ["Hình thức", "Số lượng"], kinds),
            Sheet("Thôi giữ chức vụ", f"Thôi giữ chức vụ {span}", ["Lý do", "Số lượng"],
                  endings)]


def training_sheet(t: Mapping[str, Any]) -> Sheet:
    programmes = sorted(set(t["by_program"]) | set(t["completed_by_program"]))
    rows = [[programme_name(p), t["by_program"].get(p, 0), t["completed_by_program"].get(p, 0)]
            for p in programmes]
    rows.append(["Tổng cộng", t["total"], t["completed_total"]])
    return Sheet("Đào tạo, bồi dưỡng",
                 f"Đào tạo, bồi dưỡng từ {vn_date(t['date_from'])} đến {vn_date(t['date_to'])}",
                 ["Chương trình", "Bắt đầu học", "Hoàn thành"], rows)


def vetting_sheet(v: Mapping[str, Any]) -> Sheet:
    rows = [[purpose, n] for purpose, n in by_count(v["by_purpose"])]
    rows.append(["Tổng cộng", v["total"]])
    return Sheet("Thẩm định", "Thẩm định tiêu chuẩn chính trị theo mục đích",
                 ["Mục đích thẩm định", "Số lượng"], rows)


def sheets_of(report: Mapping[str, Any]) -> list[Sheet]:
    sheets: list[Sheet] = []
    for kind, section in ordered(sections_of(report), SECTIONS):
        if kind == "cadre_quality":
            sheets += quality_sheets(section)
        elif kind == "evaluations":
            sheets.append(evaluation_sheet(section))
        elif kind == "actions":
            sheets += action_sheets(section)
        elif kind == "training":
            sheets.append(training_sheet(section))
        elif kind == "vettings":
            sheets.append(vetting_sheet(section))
        elif kind == "evaluations_quarterly":
            sheets += quarterly_sheets(section)
    return sheets


def provenance(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a reader needs to ask the system for this very report again."""
    return [("Ngày số liệu (as_of)", str(report["as_of"])),
            ("Thời điểm ghi nhận (known_at)", str(report["known_at"])),
            ("Vị trí sổ ghi (position)", str(report["position"])),
            ("Mã kiểm tra (digest, SHA-256)", str(report["digest"]))]


# --- Excel -----------------------------------------------------------------------------------


THIN = Side(style="thin", color="808080")


def print_ready(ws: Any, header_row: int = 2) -> None:
    """A sheet set up to print as an office files it: A4 landscape, fit to the page width
    (as many pages down as needed), the header row repeated on every page, thin borders on
    the table, narrow margins and "Trang n/m" in the footer."""
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row, max_col=ws.max_column):
        for cell in row:
            cell.border = border


def list_xlsx(title: str, headers: list[str], rows: list[list[Any]],
              about: list[tuple[str, str]]) -> bytes:
    """A list as a workbook ready to print: a title row, bold repeated headers, landscape, fit
    to the page width; every text cell written as text."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Danh sách"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append(row)
    for index, header in enumerate(headers, start=1):
        longest = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows])
        ws.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 10), 48)
    ws.freeze_panes = "A3"
    print_ready(ws)
    info = book.create_sheet("Thông tin")
    for key, value in about:
        info.append([key, value])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 28, 70
    write_text_as_text(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(report: Mapping[str, Any]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in sheets_of(report):
        ws = book.create_sheet(_sheet_name(sheet.name, book.sheetnames))
        ws.append([sheet.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(list(sheet.headers))
        for cell in ws[2]:
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet.rows:
            ws.append(list(row))
        for column in sheet.percent_columns:
            for (cell,) in ws.iter_rows(min_row=3, min_col=column + 1, max_col=column + 1):
                cell.number_format = "0.0"
        ws.freeze_panes = "A3"
        for index, header in enumerate(sheet.headers, start=1):
            values = [str(header)] + [str(r[index - 1]) for r in sheet.rows if
                                      index - 1 < len(r) and r[index - 1] is not None]
            width = min(max(len(v) for v in values) + 2, 48 if index <= 2 else 18)
            ws.column_dimensions[get_column_letter(index)].width = max(width, 10)
        print_ready(ws)
    info = book.create_sheet("Thông tin")
    info.append(["Báo cáo", REPORT_TITLES.get(str(report["report"]), str(report["report"]))])
    info.append(["Phạm vi", scope_phrase(report)])
    for key, value in provenance(report):
        info.append([key, value])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 32, 70
    write_text_as_text(book)
    stamp_xlsx(book, report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, taken: Iterable[str]) -> str:
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:31]
    candidate, n = clean, 2
    while candidate in set(taken):
        candidate = f"{clean[:28]} {n}"
        n += 1
    return candidate


# --- Word ------------------------------------------------------------------------------------


def docx_bytes(report: Mapping[str, Any]) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)  # type: ignore[attr-defined]
    heading = doc.styles["Heading 1"]
    heading.font.name, heading.font.size = FONT, Pt(13)  # type: ignore[attr-defined]
    heading.font.color.rgb = RGBColor(0, 0, 0)  # type: ignore[attr-defined]
    _drop_theme_fonts(heading)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)

    _letterhead(doc, report)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(title, "BÁO CÁO", bold=True, size=15)
    subtitle = doc.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(subtitle, _subtitle(report), bold=True)
    scope = doc.add_paragraph()
    scope.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(scope, f"Phạm vi: {scope_phrase(report)}. {_dates_line(report)}", italic=True,
         size=12)

    sections = sections_of(report)
    number = 0
    if "cadre_quality" in sections:
        number += 1
        _quality_section(doc, number, sections["cadre_quality"])
    if any(k in sections for k in ("training", "evaluations", "actions", "vettings")):
        number += 1
        doc.add_heading(f"{_roman(number)}. Tình hình và kết quả công tác cán bộ", level=1)
        sub = 0
        for kind, writer in (("training", _training_section),
                             ("evaluations", _evaluation_section),
                             ("actions", _action_section), ("vettings", _vetting_section)):
            if kind in sections:
                sub += 1
                writer(doc, sub, sections[kind])
    _signature(doc, report)
    _footer(doc, report)
    stamp_docx(doc, report, text_run)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _drop_theme_fonts(style: Any) -> None:
    """Word prefers a style's theme fonts over its named font: keep only the named one."""
    fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
    if fonts is None:
        return
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)


def text_run(paragraph: Any, text: str, *, bold: bool = False, italic: bool = False,
             size: float | None = None) -> Any:
    """A run in the administrative typeface (also used by the 2C CV)."""
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.name = FONT
    if size:
        run.font.size = Pt(size)
    return run


def letter_of(report: Mapping[str, Any]) -> Mapping[str, Any]:
    """The letter the report goes out as (api/report_letter.py); a report rendered without one
    (a file embedded before letters, a caller without a runtime) is dated its `as_of`."""
    letter = report.get("letter")
    if isinstance(letter, Mapping):
        return letter
    scope = report.get("scope") or {}
    return dict(parent=scope.get("unit_name") or TIER_NAMES.get(str(scope.get("tier"))),
                issuer="Ban Tổ chức", number="        -BC", place=None,
                signed_on=str(report["as_of"]), recipients=["Lưu Văn phòng"])


def dated_line(place: str | None, day: date) -> str:
    """"Kiến An, ngày 05 tháng 02 năm 2026": a day below 10 and the months 1 and 2 take a
    leading zero (NĐ 30/2020, Phụ lục I; party documents write them the same way [verify])."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place or '……………'}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _letterhead(doc: Any, report: Mapping[str, Any]) -> None:
    letter = letter_of(report)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if letter.get("parent"):
        text_run(p, str(letter["parent"]).upper(), size=12)
        p = left.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(p, str(letter["issuer"]).upper(), bold=True, size=12)
    for text in ("*", f"Số {letter['number']}"):
        q = left.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        text_run(q, text, bold=text == "*", size=12)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(p, "ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, size=12)
    q = right.add_paragraph()
    q.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(q, dated_line(letter.get("place"), date.fromisoformat(str(letter["signed_on"]))),
             italic=True, size=12)
    doc.add_paragraph()


def _signature(doc: Any, report: Mapping[str, Any]) -> None:
    """"Nơi nhận" on the left, the signing body on the right, one row Word never splits."""
    letter = letter_of(report)
    doc.add_paragraph().paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    keep_row_on_one_page(table.rows[0])
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    text_run(p, "Nơi nhận:", bold=True, italic=True, size=12)
    recipients = [str(r) for r in letter.get("recipients") or []]
    for i, recipient in enumerate(recipients):
        q = left.add_paragraph()
        text_run(q, f"- {recipient}{'.' if i == len(recipients) - 1 else ','}", size=11)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(p, f"T/M {str(letter['issuer']).upper()}", bold=True, size=13)
    for text, italic in (("(Ký, ghi rõ họ tên, đóng dấu)", True), ("", False), ("", False),
                         ("", False)):
        q = right.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        text_run(q, text, italic=italic, size=12)
    for cell in (left, right):
        for q in cell.paragraphs:
            q.paragraph_format.keep_together = True
            q.paragraph_format.keep_with_next = True


def keep_row_on_one_page(row: Any) -> None:
    """A table row that Word moves whole to the next page rather than split (w:cantSplit)."""
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant_split)


def _subtitle(report: Mapping[str, Any]) -> str:
    kind = str(report["report"])
    if kind == "summary":
        if report.get("month"):
            first = date.fromisoformat(str(report["date_from"]))
            return f"{REPORT_TITLES[kind]} tháng {first.month}/{first.year}"
        return (f"{REPORT_TITLES[kind]} từ ngày {vn_date(report['date_from'])} đến ngày "
                f"{vn_date(report['date_to'])}")
    if kind == "evaluations":
        period = str(report["period"])
        if "-Q" in period:
            return f"{REPORT_TITLES[kind]} quý {period[-1]}/{period[:4]}"
        return f"{REPORT_TITLES[kind]} năm {period}"
    if kind in ("actions", "training", "vettings"):
        return (f"{REPORT_TITLES[kind]} từ ngày {vn_date(report['date_from'])} đến ngày "
                f"{vn_date(report['date_to'])}")
    return f"{REPORT_TITLES.get(kind, kind)} tính đến ngày {vn_date(report['as_of'])}"


def _dates_line(report: Mapping[str, Any]) -> str:
    return (f"Số liệu tính đến ngày {vn_date(report['as_of'])}, theo hồ sơ ghi nhận đến "
            f"{vn_instant(str(report['known_at']))}.")


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI")[n - 1]


def _quality_section(doc: Any, number: int, q: Mapping[str, Any]) -> None:
    doc.add_heading(f"{_roman(number)}. Đặc điểm, tình hình", level=1)
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Cm(1)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    where = f" {q['scope']['unit_name']}" if q["scope"].get("unit_name") else ""
    text_run(p, f"Tính đến {vn_date(q['as_of'])},{where} có {vn_number(q['total'])} "
            f"{tier_phrase(q['scope'].get('tier'))}, trong đó nữ: {vn_count(q['female'])} "
            f"đồng chí, tuổi trẻ (dưới 35 tuổi): {vn_count(q['under_35'])} đồng chí; đảng viên: "
            f"{vn_count(q['party_members'])} đồng chí; dân tộc thiểu số: "
            f"{vn_count(q['ethnic_minority'])} đồng chí; có tôn giáo: "
            f"{vn_count(q['religious'])} đồng chí.")
    total = int(q["total"])
    rows: list[tuple[str, str, str, bool]] = []
    for kind in ("political_theory", "state_management", "education", "age_band"):
        rows.append((BREAKDOWN_TITLES[kind], "", "", True))
        for key, n in ordered(q[f"by_{kind}"], LEVEL_LABELS[kind]):
            if n or key != "tren_60":
                rows.append((LEVEL_LABELS[kind].get(key, key), vn_number(n),
                             vn_percent(percent(n, total)), False))
    _table(doc, ("Chỉ tiêu", "Số lượng", "Tỷ lệ"), rows, widths=(Cm(9), Cm(3), Cm(3)))
    note = doc.add_paragraph()
    text_run(note, "Biểu BM01 theo từng đơn vị: xem tệp Excel của báo cáo này (cùng mã kiểm tra).",
         italic=True, size=11)


def _table(doc: Any, headers: Sequence[str], rows: Sequence[tuple[str, str, str, bool]] |
           Sequence[tuple[str, str, bool]], widths: Sequence[Any]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice reads; Word reads the cells' widths
    for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
        cell.width = width
        text_run(cell.paragraphs[0], text, bold=True, size=12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        *texts, group = row
        cells = table.add_row().cells
        for i, (cell, text, width) in enumerate(zip(cells, texts, widths, strict=True)):
            cell.width = width
            text_run(cell.paragraphs[0], str(text), bold=bool(group), size=12)
            if i > 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _sub(doc: Any, number: int, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(6)
    text_run(p, f"{number}. {text}", bold=True)


def _bullet(doc: Any, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.left_indent = Cm(1)
    p.paragraph_format.space_after = Pt(2)
    text_run(p, f"- {text}")


def _training_section(doc: Any, number: int, t: Mapping[str, Any]) -> None:
    _sub(doc, number, "Công tác đào tạo, bồi dưỡng cán bộ")
    p = doc.add_paragraph()
    text_run(p, f"Từ {vn_date(t['date_from'])} đến {vn_date(t['date_to'])}, "
            f"{vn_count(t['total'])} lượt cán bộ bắt đầu học; {vn_count(t['completed_total'])} "
            "lượt hoàn thành:")
    programmes = sorted(set(t["by_program"]) | set(t["completed_by_program"]))
    for code in programmes:
        started, done = t["by_program"].get(code, 0), t["completed_by_program"].get(code, 0)
        _bullet(doc, f"{programme_name(code)}: {vn_count(started)} đồng chí dự học"
                     + (f", {vn_count(done)} đồng chí hoàn thành." if done else "."))
    if not programmes:
        _bullet(doc, "Không có lượt đào tạo, bồi dưỡng nào được ghi nhận.")


def _evaluation_section(doc: Any, number: int, e: Mapping[str, Any]) -> None:
    _sub(doc, number, "Công tác đánh giá cán bộ")
    p = doc.add_paragraph()
    text_run(p, f"Kết quả đánh giá, xếp loại {tier_phrase(e['scope'].get('tier'))} "
            f"{period_name(str(e['period']))}: tổng số {vn_count(e['total'])} đồng chí được kiểm điểm, đánh giá:")
    for rating, value in ordered(e["by_rating"], RATINGS):
        if value["count"] or rating != "KHTNV":
            _bullet(doc, f"{label(rating)}: {vn_count(value['count'])} đồng chí "
                         f"(= {vn_percent(value['percent'])})")


def _action_section(doc: Any, number: int, a: Mapping[str, Any]) -> None:
    _sub(doc, number, "Công tác luân chuyển, điều động và bổ nhiệm cán bộ")
    p = doc.add_paragraph()
    text_run(p, f"Kết quả điều động, bổ nhiệm, giới thiệu cán bộ ứng cử từ "
            f"{vn_date(a['date_from'])} đến {vn_date(a['date_to'])}, cụ thể:")
    shown = 0
    for kind, n in ordered(a["by_kind"], ACTION_KINDS):
        if n:
            shown += 1
            _bullet(doc, f"{label(kind)}: {vn_count(n)} đồng chí.")
    if not shown:
        _bullet(doc, "Không có quyết định nào được ghi nhận.")
    if a["endings_total"]:
        p = doc.add_paragraph()
        text_run(p, "Thôi giữ chức vụ: " + "; ".join(
            f"{label(k).lower()} {vn_count(n)}"
            for k, n in ordered(a["endings_by_reason"], ENDING_REASONS) if n)
            + ".")


def _vetting_section(doc: Any, number: int, v: Mapping[str, Any]) -> None:
    _sub(doc, number, "Công tác bảo vệ chính trị nội bộ")
    p = doc.add_paragraph()
    text_run(p, f"Rà soát, thẩm định tiêu chuẩn chính trị đối với {vn_count(v['total'])} lượt cán "
            "bộ" + (":" if v["by_purpose"] else "."))
    for purpose, n in by_count(v["by_purpose"]):
        _bullet(doc, f"{purpose[:1].upper()}{purpose[1:]}: {vn_count(n)} lượt.")


def _footer(doc: Any, report: Mapping[str, Any]) -> None:
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    lines = [f"{k}: {v}" for k, v in provenance(report)]
    text_run(p, "Dựng lại báo cáo này: " + " · ".join(lines[:3]), size=8)
    q = footer.add_paragraph()
    text_run(q, lines[3], size=8)
