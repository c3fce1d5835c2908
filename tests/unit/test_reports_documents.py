"""Word and Excel files drawn from a report: the seed's sentences, numbers as numbers, the same
file whatever order the report's keys come in (a report saved as JSON and read back)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

from docx import Document
from openpyxl import load_workbook

from api import documents
from projections import reports
from projections.read_model import Moment

M = Moment(date(2022, 6, 30), datetime(2022, 7, 20, 1, 30, tzinfo=UTC), 4242)


def quality() -> dict[str, Any]:
    total = reports.Tally()
    for i in range(12):
        total.add(reports.quality_profile(
            dict(gender="nu" if i % 3 else "nam", born_on=date(1960 + 2 * i, 5, 5),
                 party_joined_on=date(2000, 1, 1), sensitive=None),
            [("political_theory", "cao_cap" if i % 2 else "trung_cap", 3 if i % 2 else 2)],
            M.as_of))
    return dict(report="cadre_quality", version=1, as_of=M.as_of,
                scope={"tier": "quan_uy", "unit_id": None, "unit_name": None},
                **total.summary(), units=[{"unit_id": "u1", "unit_code": "KA-P01",
                                           "unit_name": "Phòng Nội vụ", **total.flat()}],
                units_total=total.flat())


def summary() -> dict[str, Any]:
    evaluations = dict(report="evaluations", version=1, period="2021", as_of=date(2021, 12, 31),
                       scope={"tier": "quan_uy", "unit_id": None, "unit_name": None}, total=125,
                       by_rating={r: {"count": n, "percent": reports.percent(n, 125)}
                                  for r, n in (("HTXSNV", 10), ("HTTNV", 111), ("HTNV", 4),
                                               ("KHTNV", 0))})
    actions = dict(report="actions", version=1, date_from=date(2021, 7, 12),
                   date_to=date(2022, 6, 30), as_of=M.as_of, scope=evaluations["scope"],
                   total=52, by_kind={**{k: 0 for k in reports.ACTION_KINDS}, "bo_nhiem_lai": 8,
                                      "bo_nhiem": 2, "dieu_dong_bo_nhiem": 19,
                                      "dieu_dong_chi_dinh": 8, "gioi_thieu_ung_cu": 15},
                   endings_total=0, endings_by_reason={k: 0 for k in reports.ENDING_REASONS})
    body = dict(report="summary", version=1, month=None, date_from=date(2021, 7, 12),
                date_to=date(2022, 6, 30), as_of=M.as_of, scope=evaluations["scope"],
                sections={"cadre_quality": quality(), "evaluations": evaluations,
                          "actions": actions})
    return reports.finish(body, M)


def word_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_the_word_report_reads_like_the_seed() -> None:
    text = word_text(documents.docx_bytes(summary()))
    assert "Công tác tổ chức, cán bộ từ ngày 12/7/2021 đến ngày 30/6/2022" in text
    assert "Tính đến 30/6/2022, có 12 cán bộ diện Quận ủy quản lý, trong đó nữ: 08 đồng chí" in text
    assert "tổng số 125 đồng chí được kiểm điểm, đánh giá:" in text
    assert ("- Hoàn thành xuất sắc nhiệm vụ: 10 đồng chí (= 8,0%)\n"
            "- Hoàn thành tốt nhiệm vụ: 111 đồng chí (= 88,8%)\n"
            "- Hoàn thành nhiệm vụ: 04 đồng chí (= 3,2%)") in text
    assert "Không hoàn thành" not in text  # nobody: the seed leaves it out too
    assert ("- Bổ nhiệm: 02 đồng chí.\n- Bổ nhiệm lại: 08 đồng chí.\n"
            "- Điều động và bổ nhiệm: 19 đồng chí.\n- Điều động và chỉ định: 08 đồng chí.\n"
            "- Giới thiệu ứng cử: 15 đồng chí.") in text


def test_the_same_files_from_a_report_read_back_from_json() -> None:
    report = summary()
    reread = json.loads(json.dumps(report, sort_keys=True, default=str))
    assert word_text(documents.docx_bytes(reread)) == word_text(documents.docx_bytes(report))
    original = load_workbook(io.BytesIO(documents.xlsx_bytes(report)))
    again = load_workbook(io.BytesIO(documents.xlsx_bytes(reread)))
    assert original.sheetnames == again.sheetnames
    for name in original.sheetnames:
        assert [[c.value for c in r] for r in original[name].iter_rows()] == [
            [c.value for c in r] for r in again[name].iter_rows()], name


def test_the_workbook_has_one_sheet_per_table_with_numbers() -> None:
    book = load_workbook(io.BytesIO(documents.xlsx_bytes(summary())))
    assert book.sheetnames == ["Tổng hợp", "Lý luận chính trị", "Quản lý nhà nước",
                               "Trình độ chuyên môn", "Ngạch công chức", "Độ tuổi",
                               "BM01 theo đơn vị", "Đánh giá", "Điều động, bổ nhiệm",
                               "Thôi giữ chức vụ", "Thông tin"]
    ages = [[c.value for c in r] for r in book["Độ tuổi"].iter_rows(min_row=2)]
    assert [r[0] for r in ages] == ["Độ tuổi", "Từ 30 trở xuống", "Từ 31 đến 40", "Từ 41 đến 50",
                                    "Từ 51 đến 60", "Trên 60 (chưa đến tuổi nghỉ hưu)",
                                    "Trên tuổi nghỉ hưu"]
    assert sum(r[1] for r in ages[1:]) == 12
    bm01 = [c.value for c in book["BM01 theo đơn vị"][2]]
    assert bm01[:7] == ["Mã đơn vị", "Đơn vị", "Tổng số", "Nữ", "Đảng viên", "Dân tộc thiểu số",
                        "Tôn giáo"]
    assert bm01[7] == "Ngạch: Chuyên viên cao cấp" and bm01[-1] == "Dưới 35 tuổi"
    assert "LLCT: Cao cấp" in bm01
    ratings = book["Đánh giá"]
    assert [c.value for c in ratings[3]] == ["Hoàn thành xuất sắc nhiệm vụ", 10, 8.0]
    assert [c.value for c in ratings[7]] == ["Tổng số được đánh giá", 125, 100.0]
    info = {r[0].value: r[1].value for r in book["Thông tin"].iter_rows()}
    assert info["Vị trí sổ ghi (position)"] == "4242"
