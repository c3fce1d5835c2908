"""The 2C CV (mẫu 2C-BNV/2008) read back with python-docx, on both stores: item 14 prints the
civil-service grade, the internal id is not the "số hiệu", vetting conclusions stay out of item
29, quarters print as "Quý I/2026", the footer is Vietnamese with dd/mm/yyyy dates, and the
signature block is one row Word never splits."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from fastapi.testclient import TestClient

from api.documents_cv import period_name
from tests.integration.test_api_record_renewals import District, created, http

__all__ = ["http"]


def cv(http: TestClient) -> tuple[Any, str, str]:
    d = District(http)
    an = d.cadre("Nguyễn Thị An", "1980-05-02", "nu")
    created(d.appoint(an, d.nv, "truong_phong", "2021-03-01", "7/QĐ-UBND", term_months=60))
    for kind, level, on in (("state_management", "cvc", "2019-06-01"),
                            ("grade", "cvc", "2020-01-01"), ("grade", "cv", "2023-01-01")):
        created(http.post(f"cadres/{an}/qualifications",
                          json={"kind": kind, "level": level, "obtained_on": on}))
    created(http.post(f"cadres/{an}/vettings", json={
        "vetted_on": "2021-01-10", "purpose": "bổ nhiệm", "conclusion": "khong_dat",
        "body": "Ban Tổ chức Quận ủy"}))
    for period, on in (("2025", "2025-12-20"), ("2026-Q1", "2026-04-05")):
        created(http.post(f"cadres/{an}/evaluations", json={
            "period": period, "rating": "HTTNV", "decided_on": on}))
    answer = http.get(f"cadres/{an}/cv", params={"as_of": "2026-06-30"})
    assert answer.status_code == 200, answer.text
    doc = Document(io.BytesIO(answer.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    return doc, text, an


def line(text: str, start: str) -> str:
    (found,) = [x for x in text.splitlines() if x.startswith(start)]
    return found


def test_the_2c_items_print_what_the_form_asks(http: TestClient) -> None:
    doc, text, an = cv(http)
    # Item 14: the grade in force (the latest, even below an earlier one) with its code; the
    # state-management level is item 15.4.
    item14 = line(text, "14)")
    assert "Ngạch công chức (viên chức): Chuyên viên " in item14 and "Mã ngạch: 01.003" in item14
    assert "Chuyên viên chính" not in item14
    assert "Quản lý nhà nước: Chuyên viên chính" in line(text, "15.3)")
    # No internal UUID anywhere.
    assert an not in text and an not in "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert line(text, "Số hiệu cán bộ, công chức").endswith("……………………")
    # Item 29 is the person's own history: no vetting conclusion.
    after = text.split("29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN")[1].split("30) QUAN HỆ GIA ĐÌNH")[0]
    assert "Thẩm định" not in after and "Không đạt" not in after and "bị bắt, bị tù" in after
    # Item 32: years and quarters as the form writes them.
    item32 = text.split("32) NHẬN XÉT")[1]
    assert "Năm 2025: Hoàn thành tốt nhiệm vụ" in item32
    assert "Quý I/2026: Hoàn thành tốt nhiệm vụ" in item32 and "2026-Q1" not in item32
    # The footer: Vietnamese, dd/mm/yyyy, no ISO dates, no English words.
    footer = doc.sections[0].footer.paragraphs[0].text
    assert footer.startswith("Lập từ hồ sơ tính đến ngày 30/06/2026, theo hồ sơ ghi nhận đến ")
    assert "(giờ Việt Nam), vị trí sổ ghi " in footer
    assert "as_of" not in footer and "known_at" not in footer and "2026-" not in footer


def test_the_signature_block_stays_on_one_page(http: TestClient) -> None:
    doc, _, _ = cv(http)
    block = doc.tables[-1]
    assert "Người khai" in block.rows[0].cells[0].text
    assert len(block.rows) == 1
    tr_pr = block.rows[0]._tr.trPr
    assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None
    for cell in block.rows[0].cells:
        assert all(p.paragraph_format.keep_together for p in cell.paragraphs)
    # The paragraph before it keeps with it, so the block never opens a page on its own.
    previous = block._tbl.getprevious()
    assert previous is not None and previous.tag == qn("w:p")
    assert previous.find(qn("w:pPr")).find(qn("w:keepNext")) is not None


def test_period_names() -> None:
    assert [period_name(p) for p in ("2024", "2026-Q1", "2026-Q4")] == [
        "Năm 2024", "Quý I/2026", "Quý IV/2026"]
