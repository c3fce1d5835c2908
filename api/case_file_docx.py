"""The case file (hồ sơ vụ việc) as a Word document (issue 18, part 5).

Rendered from the sealed JSON case file alone (`api.case_file.case_file`), so the file carries
the same certificate: the whole sealed JSON in its custom property and the certificate code in
its footer (`api.document_certificates.stamp_docx`). `hoso verify-report FILE.docx` checks the
certificate against the log's checkpoint offline and renders the document again from the JSON
inside: an edited paragraph or cell fails as "edited after it was issued".
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from api.document_certificates import stamp_docx
from api.documents import FONT, text_run, vn_date, vn_instant
from api.web.display import event_name

STATUS = {"open": "Đang kiểm tra", "concluded": "Đã kết luận", "closed": "Đã kết thúc"}
CITED = {"case": "vụ việc", "plan": "kế hoạch", "finding_review": "xem xét phát hiện",
         "evidence": "chứng cứ", "finding_evidence": "căn cứ của phát hiện"}
DECISION_OF = {"plan": "Kế hoạch kiểm tra", "conclusion": "Kết luận",
               "remedy_closure": "Hoàn thành khắc phục", "entry": "Mục hồ sơ cán bộ"}


def _decision(d: Mapping[str, Any] | None) -> str:
    if not d:
        return ""
    return (f"Số {d.get('number', '')} ngày {vn_date(str(d.get('signed_on')))} của "
            f"{d.get('issuer', '')}")


def _table(doc: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        text_run(cell.paragraphs[0], text, bold=True, size=10)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            text_run(cell.paragraphs[0], text, size=10)


def _line(doc: Any, text: str, *, bold: bool = False, size: float = 12) -> None:
    text_run(doc.add_paragraph(), text, bold=bold, size=size)


def case_file_docx(document: Mapping[str, Any]) -> bytes:
    """The Word form of a (sealed) case file."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(12)  # type: ignore[attr-defined]
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2)
    case = document["case"]
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(title, "HỒ SƠ VỤ VIỆC KIỂM TRA", bold=True, size=15)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(sub, str(case.get("title", "")), bold=True, size=13)
    known = document.get("known_at")
    when = doc.add_paragraph()
    when.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(when, f"Tại ngày {vn_date(str(document['as_of']))}, theo sổ ghi đến vị trí "
                   f"{document['position']}"
                   + (f" (dữ liệu ghi nhận đến {vn_instant(str(known))})" if known else ""),
             italic=True, size=11)

    _line(doc, "I. Vụ việc", bold=True, size=13)
    _line(doc, f"Tình trạng: {STATUS.get(str(case.get('status')), case.get('status'))}. "
               f"Mở ngày {vn_date(str(case.get('opened_on')))}, vị trí sổ ghi "
               f"{case.get('opened_position')}.")
    if case.get("description"):
        _line(doc, f"Nội dung: {case['description']}")
    plan = document.get("plan")
    if plan:
        _line(doc, f"Thuộc kế hoạch: {plan.get('title')} ({_decision(plan.get('decision'))}).")
    finding = document.get("finding")
    if finding:
        positions = ", ".join(str(p) for p in finding.get("evidence") or [])
        _line(doc, f"Mở từ phát hiện {finding.get('key')} (quy tắc {finding.get('rule_id')}, "
                   f"phiên bản {finding.get('rule_version')}, ngày "
                   f"{vn_date(str(finding.get('effective_on')))}); căn cứ tại vị trí "
                   f"{positions}.")
    for review in document.get("reviews") or []:
        _line(doc, f"Xem xét phát hiện ngày {vn_date(str(review.get('effective_on')))} "
                   f"({review.get('reviewed_by')}, vị trí {review.get('position')}): "
                   f"{review.get('reason')}")

    _line(doc, "II. Chứng cứ", bold=True, size=13)
    evidence = document.get("evidence") or []
    _table(doc, ["Ngày", "Vị trí sổ ghi", "Văn bản", "Ghi chú", "Người ghi"], [
        [vn_date(str(e.get("effective_on"))),
         ", ".join(str(p) for p in e.get("log_positions") or []),
         "; ".join(f"{d.get('number')} ngày {vn_date(str(d.get('issued_on')))}: "
                   f"{d.get('title')}" for d in e.get("documents") or []),
         str(e.get("note") or ""), f"{e.get('recorded_by')} (vị trí {e.get('position')})"]
        for e in evidence])

    _line(doc, "III. Kết luận", bold=True, size=13)
    conclusion = case.get("conclusion")
    if conclusion:
        found = "Có vi phạm" if conclusion.get("violation_found") else "Không có vi phạm"
        _line(doc, f"{found}. {conclusion.get('text')}")
        _line(doc, f"Quyết định: {_decision(conclusion.get('decision'))}; vị trí sổ ghi "
                   f"{conclusion.get('position')}.")
    else:
        _line(doc, "Chưa có kết luận.")

    _line(doc, "IV. Yêu cầu khắc phục", bold=True, size=13)
    _table(doc, ["Nội dung", "Giao ngày", "Hạn", "Kết quả"], [
        [str(r.get("action")), vn_date(str(r.get("assigned_on"))),
         vn_date(str(r.get("deadline"))),
         (f"Hoàn thành {vn_date(str(r['closure'].get('effective_on')))}: "
          f"{r['closure'].get('text')}" if r.get("closure") else "Chưa hoàn thành")]
        for r in document.get("remedies") or []])
    closure = case.get("closure")
    if closure:
        _line(doc, f"Kết thúc vụ việc ngày {vn_date(str(closure.get('effective_on')))}: "
                   f"{closure.get('text')} (vị trí sổ ghi {closure.get('position')}).")

    _line(doc, "V. Các quyết định", bold=True, size=13)
    _table(doc, ["Của", "Quyết định", "Vị trí sổ ghi"], [
        [DECISION_OF.get(str(d.get("of")), str(d.get("of"))), _decision(d.get("decision")),
         str(d.get("position"))] for d in document.get("decisions") or []])

    _line(doc, "VI. Các mục sổ ghi liên quan", bold=True, size=13)
    _table(doc, ["Vị trí", "Ghi lúc", "Người ghi", "Nội dung", "Liên quan", "Mã chuỗi"], [
        [str(e.get("position")), vn_instant(str(e.get("recorded_at"))),
         str(e.get("recorded_by")),
         str(e.get("summary") or event_name(str(e.get("type")))),
         ", ".join(CITED.get(c, c) for c in e.get("cited_as") or []),
         str(e.get("chain_hash") or "")]
        for e in document.get("entries") or []])

    stamp_docx(doc, document, text_run)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
