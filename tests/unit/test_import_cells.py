"""Real spreadsheets are messy: how cells, headers, sheets and CSV files are understood, and
what is refused (no database needed)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from domain.values import ActionKind, Education, EndingReason, Gender, PoliticalTheory
from infra.importing import (
    CADRE_COLUMNS,
    HISTORY_COLUMNS,
    SHEET_CADRES,
    SHEET_HISTORY,
    Action,
    CellError,
    ImportRefused,
    cell_action,
    cell_code,
    cell_date,
    cell_gender,
    cell_national_id,
    header_key,
    read_file,
    template_workbook,
)

BINDING_CADRE_HEADERS = [
    "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Tôn giáo", "Quê quán",
    "Số định danh cá nhân", "Ngày vào Đảng", "Trình độ chuyên môn", "Lý luận chính trị",
    "Quản lý nhà nước", "Đơn vị (mã)", "Chức danh (mã)", "Ngày bổ nhiệm", "Số quyết định",
    "Ngày ký", "Cơ quan ban hành"]


@pytest.mark.parametrize("raw, expected", [
    ("02/05/1980", date(1980, 5, 2)), ("2/5/1980", date(1980, 5, 2)),
    ("1980-05-02", date(1980, 5, 2)), (" 02-05-1980 ", date(1980, 5, 2)),
    ("02.05.1980", date(1980, 5, 2)), (datetime(1980, 5, 2), date(1980, 5, 2)),
    (date(1980, 5, 2), date(1980, 5, 2)), (29343, date(1980, 5, 2)),  # an Excel serial
    ("1980-05-02 00:00:00", date(1980, 5, 2)), (None, None), ("  ", None),
])
def test_dates_in_the_forms_people_type_them(raw: object, expected: date | None) -> None:
    assert cell_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/1980", "05/1980", "2/5/80", "năm 1980", "13/13/2000",
                                 1980.5])
def test_dates_that_cannot_be_understood_are_refused(raw: object) -> None:
    with pytest.raises(CellError):
        cell_date(raw)


def test_gender_in_any_case_with_or_without_diacritics_nfc_or_nfd() -> None:
    for raw in ("Nữ", "nữ", "NỮ", "nu", unicodedata.normalize("NFD", "Nữ")):
        assert cell_gender(raw) is Gender.NU
    for raw in ("Nam", "NAM", " nam "):
        assert cell_gender(raw) is Gender.NAM
    with pytest.raises(CellError):
        cell_gender("F")


def test_codes_or_their_vietnamese_labels() -> None:
    assert cell_code("Thạc sĩ", Education, "x") is Education.THAC_SI
    assert cell_code("thac sy", Education, "x") is Education.THAC_SI
    assert cell_code("dai_hoc", Education, "x") is Education.DAI_HOC
    assert cell_code("CAO CẤP", PoliticalTheory, "x") is PoliticalTheory.CAO_CAP
    assert cell_code(unicodedata.normalize("NFD", "Trung cấp"), PoliticalTheory, "x") is \
        PoliticalTheory.TRUNG_CAP
    with pytest.raises(CellError) as refused:
        cell_code("Phó giáo sư", Education, "Trình độ chuyên môn")
    assert "Thạc sĩ" in refused.value.message  # the choices are listed


def test_action_kinds_endings_and_nominations() -> None:
    assert cell_action("Bổ nhiệm lại") == Action("appoint", kind=ActionKind.BO_NHIEM_LAI)
    assert cell_action("Điều động và bổ nhiệm") == Action("appoint",
                                                          kind=ActionKind.DIEU_DONG_BO_NHIEM)
    assert cell_action("dieu_dong") == Action("appoint", kind=ActionKind.DIEU_DONG)
    assert cell_action("Miễn nhiệm") == Action("end", reason=EndingReason.MIEN_NHIEM)
    assert cell_action("NGHỈ HƯU") == Action("end", reason=EndingReason.NGHI_HUU)
    assert cell_action("Thôi giữ chức - Điều động") == Action("end",
                                                              reason=EndingReason.DIEU_DONG)
    assert cell_action("Thôi giữ chức do luân chuyển") == Action(
        "end", reason=EndingReason.LUAN_CHUYEN)
    assert cell_action("Giới thiệu ứng cử") == Action("nominate")
    with pytest.raises(CellError):
        cell_action("Khen thưởng")


def test_national_id_keeps_its_leading_zeros() -> None:
    assert cell_national_id("031180001234") == "031180001234"
    assert cell_national_id(31180001234) == "031180001234"  # a number cell lost the zero
    assert cell_national_id("'001085012345") == "001085012345"
    assert cell_national_id(None) is None
    with pytest.raises(CellError):
        cell_national_id("12345")


def test_headers_in_any_order_case_and_diacritics() -> None:
    assert header_key("  ĐƠN VỊ (Mã) ") == header_key("don vi ma") == header_key("Đơn vị (mã)")
    assert header_key(unicodedata.normalize("NFD", "Số định danh cá nhân")) == \
        "so dinh danh ca nhan"


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_has_the_binding_headers_and_reads_back_empty() -> None:
    data = template_workbook()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:2] == [SHEET_CADRES, SHEET_HISTORY]
    cadre_headers = [c.value for c in book[SHEET_CADRES][1]]
    assert cadre_headers[:17] == BINDING_CADRE_HEADERS
    assert [c.value for c in book[SHEET_HISTORY][1]] == [c.header for c in HISTORY_COLUMNS]
    parsed = read_file(data, "mau.xlsx")
    assert (parsed.cadres, parsed.history, parsed.problems) == ([], [], [])
    assert {c.header for c in CADRE_COLUMNS} >= set(BINDING_CADRE_HEADERS)


def test_shuffled_headers_a_title_row_blank_rows_and_nfd_names() -> None:
    headers = list(reversed(BINDING_CADRE_HEADERS))
    row = dict(zip(BINDING_CADRE_HEADERS, [
        unicodedata.normalize("NFD", "Nguyễn Thị Lan"), "nữ", "2/5/1980", "Kinh", None, None,
        "031180001234", None, "Đại học", "cao_cap", None, None, None, None, None, None, None],
        strict=True))
    data = workbook(("can bo", [
        ["DANH SÁCH CÁN BỘ QUẬN KIẾN AN"], [],
        [h.upper() for h in headers],
        [row[h] for h in headers], [None] * 17, [], [" "]]))
    parsed = read_file(data, "x.xlsx")
    assert parsed.problems == []
    assert parsed.rows == {SHEET_CADRES: 1}
    (lan,) = parsed.cadres
    assert lan.full_name == "Nguyễn Thị Lan" and unicodedata.is_normalized("NFC", lan.full_name)
    assert (lan.gender, lan.born_on, lan.education, lan.political_theory, lan.post) == (
        Gender.NU, date(1980, 5, 2), Education.DAI_HOC, PoliticalTheory.CAO_CAP, None)
    assert lan.ref.row == 4


def test_every_bad_cell_is_reported_with_sheet_row_column_and_value() -> None:
    data = workbook(
        ("Cán bộ", [["Họ và tên", "Giới tính", "Ngày sinh", "Đơn vị (mã)", "Chức danh (mã)",
                     "Ngày bổ nhiệm"],
                    ["Lê Văn C", "X", "31/02/1980", "KA", None, "01/01/2020"]]),
        ("Quá trình", [["Họ và tên", "Ngày sinh", "Hình thức", "Đơn vị (mã)", "Chức danh (mã)",
                        "Ngày hiệu lực", "Số quyết định", "Ngày ký", "Cơ quan ban hành"],
                       ["Lê Văn C", "1/1/1980", "Khen thưởng", "KA", "t", "1/1/2010", "1",
                        "1/1/2010", "BTV"]]))
    parsed = read_file(data, "x.xlsx")
    found = {(p.sheet, p.row, p.column, p.value, p.code) for p in parsed.problems}
    assert found == {
        (SHEET_CADRES, 2, "Giới tính", "X", "invalid_gender"),
        (SHEET_CADRES, 2, "Ngày sinh", "31/02/1980", "invalid_date"),
        (SHEET_CADRES, 2, "Chức danh (mã)", "", "missing_field"),
        (SHEET_CADRES, 2, "Số quyết định", "", "missing_field"),
        (SHEET_CADRES, 2, "Ngày ký", "", "missing_field"),
        (SHEET_CADRES, 2, "Cơ quan ban hành", "", "missing_field"),
        (SHEET_HISTORY, 2, "Hình thức", "Khen thưởng", "unknown_code"),
    }
    assert all(p.problem for p in parsed.problems)


def test_a_sheet_without_a_required_column_refuses_the_file() -> None:
    data = workbook(("Cán bộ", [["Họ và tên", "Ngày sinh", "Dân tộc"], ["A", "1/1/1980", "Kinh"]]))
    with pytest.raises(ImportRefused) as refused:
        read_file(data, "x.xlsx")
    (problem,) = refused.value.problems
    assert (problem.sheet, problem.column, problem.code) == (SHEET_CADRES, "Giới tính",
                                                             "missing_column")


def test_csv_utf8_with_bom_and_semicolons() -> None:
    text = ("Họ và tên;Giới tính;Ngày sinh;Số định danh cá nhân\n"
            "Trần Văn Bình;Nam;15/07/1975;031175000999\n;;;\n")
    parsed = read_file("\ufeff".encode() + text.encode(), "ds.csv")
    assert parsed.problems == []
    (binh,) = parsed.cadres
    assert (binh.full_name, binh.national_id, binh.ref.sheet) == ("Trần Văn Bình",
                                                                  "031175000999", SHEET_CADRES)


def test_files_that_are_not_spreadsheets_are_refused() -> None:
    with pytest.raises(ImportRefused):
        read_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls")
    with pytest.raises(ImportRefused):
        read_file("Họ và tên,Giới tính\n".encode("utf-16"), "x.csv")
    with pytest.raises(ImportRefused):
        read_file(b"PK\x03\x04garbage", "x.xlsx")
