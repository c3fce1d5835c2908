"""The cadre's sơ yếu lý lịch in the layout of mẫu 2C (2C-BNV/2008), as a Word document.

Filled only from the record as of one moment (`as_of`, `known_at` → log position): identity,
levels, the civil-service grade (item 14), party membership, trainings, the work history table
from every holding up to `as_of`, commendations, evaluations, disciplines and family. Internal
vetting conclusions are not the person's declaration and are never printed. Items the record does not keep (residence, salary, health,
…) are printed as dotted blanks, as on the paper form, for the officer to complete by hand. The
footer (in Vietnamese, dates dd/mm/yyyy) says which moment and log position the document
reflects, so it can be reproduced. The signature block is one row Word never splits.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sqlalchemy import and_, or_, select

from api.documents import DOCX_MEDIA_TYPE, FONT, keep_row_on_one_page, text_run, vn_date
from domain.calendar import VIETNAM
from domain.programmes import Programme, programme_name
from domain.values import GRADE_CODES, allowance_text, fold, label

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

__all__ = ["DOCX_MEDIA_TYPE", "career", "cv_docx", "cv_document", "cv_file_name"]

BLANK = "……………………"
FAMILY_OWN = ("cha", "me", "vo", "chong", "con", "anh", "chi", "em")
FAMILY_IN_LAW = ("cha_vo", "me_vo", "cha_chong", "me_chong")
TRAINING_MODES = {"tap_trung": "Tập trung", "tai_chuc": "Tại chức"}


def career(runtime: Runtime, cadre_id: UUID, m: Moment) -> list[dict[str, Any]]:
    """Every holding begun by `as_of` as the record stood at the moment, oldest first."""
    rm = runtime.read_model
    t = rm.tables()
    h = t.holdings
    k = m.position
    query = select(h).where(
        h.c.cadre_id == cadre_id, h.c.since <= m.as_of, h.c.rec_from <= k,
        or_(h.c.rec_to.is_(None), h.c.rec_to > k)).order_by(h.c.since, h.c.appointed_position)
    titles = {t_["code"]: t_["name"] for t_ in rm.titles()}
    timeline = rm.timeline()
    rows = []
    with rm.engine.connect() as conn:
        for r in conn.execute(query).mappings():
            until = r["until"] if r["until"] is not None and r["until"] <= m.as_of else None
            rows.append(dict(
                since=r["since"], until=until, kind=r["kind"], title_code=r["title_code"],
                title_name=titles.get(r["title_code"], r["title_code"]),
                unit_name=timeline.name(r["unit_id"], r["since"], k) or str(r["unit_id"]),
                decision=r["decision"], end_reason=r["end_reason"] if until else None))
    return rows


def _levels(runtime: Runtime, cadre_id: UUID, m: Moment) -> dict[str, str]:
    """Language and IT levels, and the civil-service grade (the profile keeps the three ranked
    kinds only). The grade is the latest one obtained: a grade can go down as well as up."""
    t = runtime.read_model.tables()
    lv = t.levels
    k = m.position
    found: dict[str, str] = {}
    with runtime.read_model.engine.connect() as conn:
        for r in conn.execute(select(lv.c.kind, lv.c.level).where(
                lv.c.cadre_id == cadre_id, lv.c.kind.in_(("language", "it", "grade")),
                lv.c.obtained_on <= m.as_of,
                and_(lv.c.rec_from <= k, or_(lv.c.rec_to.is_(None), lv.c.rec_to > k)))
                .order_by(lv.c.obtained_on)):
            if r.kind == "grade":
                found["grade"] = r.level
            else:
                found[r.kind] = ", ".join(x for x in (found.get(r.kind), r.level) if x)
    return found


def cv_document(runtime: Runtime, cadre_id: UUID, m: Moment) -> bytes | None:
    """The 2C document for a cadre at a moment; None when the cadre is unknown then."""
    profile = runtime.read_model.profile(cadre_id, m)
    if profile is None:
        return None
    record = runtime.read_model.record(cadre_id, m) or []
    return cv_docx(profile, record, career(runtime, cadre_id, m), m,
                   extra_levels=_levels(runtime, cadre_id, m),
                   programmes={p.code: p for p in runtime.app.programmes()})


def cv_file_name(profile_name: str, m: Moment) -> str:
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", fold(profile_name)).split()) or "can-bo"
    return f"so-yeu-ly-lich-2c-{slug}-{m.as_of.isoformat()}.docx"


# --- rendering -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value == "":
        return BLANK
    if isinstance(value, date):
        return vn_date(value)
    return str(value)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _month(value: date | None) -> str:
    return f"{value.month:02d}/{value.year}" if value else "nay"


def _decision_text(decision: Mapping[str, Any] | None) -> str:
    if not decision:
        return ""
    signed = decision.get("signed_on")
    when = f" ngày {vn_date(signed)}" if signed else ""
    return f"QĐ số {decision.get('number', '')}{when} của {decision.get('issuer', '')}"


def period_name(period: str) -> str:
    """An evaluation period as the form writes it: "Năm 2025", "Quý I/2026"."""
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return f"Quý {'I II III IV'.split()[int(quarter) - 1]}/{year}"
    return f"Năm {period}"


def _item(doc: Any, number: str, parts: Sequence[tuple[str, str]]) -> None:
    """One numbered line of the form: "3) Sinh ngày: 2/5/1980, Giới tính: Nữ"."""
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(2)
    text_run(p, f"{number}) " if number else "")
    for i, (caption, value) in enumerate(parts):
        if i:
            text_run(p, "   ")
        text_run(p, f"{caption}: ")
        text_run(p, value, bold=value != BLANK)


def _heading(doc: Any, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(8)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(p, text, bold=True)


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, header in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        text_run(cell.paragraphs[0], header, bold=True, size=11)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows or [[""] * len(headers)]:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            cells[i].text = ""
            text_run(cells[i].paragraphs[0], value, size=11)
    for row in table.rows:
        for i, width in enumerate(widths):
            row.cells[i].width = Cm(width)


def cv_docx(profile: Mapping[str, Any], record: Sequence[Mapping[str, Any]],
            history: Sequence[Mapping[str, Any]], m: Moment,
            extra_levels: Mapping[str, str] | None = None,
            programmes: Mapping[str, Programme] | None = None) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)  # type: ignore[attr-defined]
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
    extra_levels = extra_levels or {}
    holdings = list(profile.get("holdings") or [])

    top = doc.add_paragraph()
    top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    text_run(top, "Mẫu 2C-BNV/2008", bold=True, size=11)
    managing = holdings[0]["unit_name"] if holdings else None
    _item(doc, "", [("Cơ quan, đơn vị có thẩm quyền quản lý CBCC", BLANK)])
    _item(doc, "", [("Cơ quan, đơn vị sử dụng CBCC", _text(managing))])
    # The form's number is the registry's (số hiệu), which the record does not keep; the
    # internal id identifies a row of this system, not a civil servant, so it is not printed.
    _item(doc, "", [("Số hiệu cán bộ, công chức", BLANK)])
    photo = doc.add_paragraph()
    text_run(photo, "[Ảnh màu 4 x 6 cm]", italic=True, size=10)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text_run(title, "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC", bold=True, size=15)

    born: date = profile["born_on"]
    current = "; ".join(f"{h['title_name']} – {h['unit_name']}" for h in holdings) or None
    _item(doc, "1", [("Họ và tên khai sinh (viết chữ in hoa)", profile["full_name"].upper())])
    _item(doc, "2", [("Tên gọi khác", BLANK)])
    _item(doc, "3", [("Sinh ngày", f"{born.day:02d} tháng {born.month:02d} năm {born.year}"),
                     ("Giới tính (nam, nữ)", label(profile.get("gender")))])
    _item(doc, "4", [("Nơi sinh", BLANK)])
    _item(doc, "5", [("Quê quán", _text(profile.get("hometown")))])
    _item(doc, "6", [("Dân tộc", _text(profile.get("ethnicity"))),
                     ("7) Tôn giáo", _text(profile.get("religion")))])
    _item(doc, "8", [("Nơi đăng ký hộ khẩu thường trú", BLANK)])
    _item(doc, "9", [("Nơi ở hiện nay", BLANK)])
    _item(doc, "10", [("Nghề nghiệp khi được tuyển dụng", BLANK)])
    _item(doc, "11", [("Ngày tuyển dụng", BLANK), ("Cơ quan tuyển dụng", BLANK)])
    _item(doc, "12", [("Chức vụ (chức danh) hiện tại", _text(current))])
    _item(doc, "13", [("Công việc chính được giao", BLANK)])
    # Ngạch is the civil-service grade, not the state-management training level of item 15.4:
    # from the employment record in force (with its salary step, coefficient and allowances),
    # else a qualification of kind `grade`.
    employment = profile.get("employment")
    if employment:
        on = _as_date(employment.get("effective_on"))
        allowances = [a for a in employment.get("allowances") or ()
                      if not a.get("until") or str(a["until"]) >= str(profile.get("as_of", ""))]
        position = [a for a in allowances if a.get("kind") == "chuc_vu"]
        others = [a for a in allowances if a.get("kind") != "chuc_vu"]
        _item(doc, "14", [
            ("Ngạch công chức (viên chức)", _text(employment.get("grade_name"))),
            ("Mã ngạch", _text(employment.get("grade_code"))),
            ("Bậc lương", _text(str(employment.get("salary_step") or ""))),
            ("Hệ số", _text(str(employment.get("coefficient") or "").replace(".", ","))),
            ("Ngày hưởng", _text(on)),
            ("Phụ cấp chức vụ", _text("; ".join(allowance_text(a).removeprefix(
                "Phụ cấp chức vụ ") for a in position))),
            ("Phụ cấp khác", _text("; ".join(allowance_text(a) for a in others)))])
    else:
        grade = extra_levels.get("grade")
        _item(doc, "14", [("Ngạch công chức (viên chức)", label(grade) if grade else BLANK),
                          ("Mã ngạch", GRADE_CODES.get(grade or "", BLANK)),
                          ("Bậc lương", BLANK), ("Hệ số", BLANK)])
    _item(doc, "15.1", [("Trình độ giáo dục phổ thông", BLANK)])
    _item(doc, "15.2", [("Trình độ chuyên môn cao nhất", _text(
        label(profile.get("education")) if profile.get("education") else None))])
    _item(doc, "15.3", [("Lý luận chính trị", _text(
        label(profile.get("political_theory")) if profile.get("political_theory") else None)),
        ("15.4- Quản lý nhà nước", _text(label(profile.get("state_management"))
                                         if profile.get("state_management") else None))])
    languages = ", ".join(str(x) for x in profile.get("languages") or []) or \
        extra_levels.get("language")
    _item(doc, "15.5", [("Ngoại ngữ", _text(languages)),
                        ("15.6- Tin học", _text(extra_levels.get("it")))])
    _item(doc, "16", [("Ngày vào Đảng Cộng sản Việt Nam", _text(profile.get("party_joined_on"))),
                      ("Ngày chính thức", BLANK)])
    _item(doc, "17", [("Ngày tham gia tổ chức chính trị - xã hội", BLANK)])
    _item(doc, "18", [("Ngày nhập ngũ", BLANK), ("Ngày xuất ngũ", BLANK),
                      ("Quân hàm cao nhất", BLANK)])
    _item(doc, "19", [("Danh hiệu được phong tặng cao nhất", BLANK)])
    _item(doc, "20", [("Sở trường công tác", BLANK)])
    commendations = [e for e in record if e.get("type") == "Commended"
                     and e.get("status") == "in_force"]
    _item(doc, "21", [("Khen thưởng", "; ".join(
        f"{e['summary'].removeprefix('Khen thưởng: ')} ({vn_date(e['effective_on'])})"
        for e in commendations) or "Không")])
    disciplines = [e for e in record if e.get("type") == "Disciplined"
                   and e.get("status") == "in_force"]
    _item(doc, "22", [("Kỷ luật", "; ".join(f"{e['summary']} ({vn_date(e['effective_on'])})"
                                            for e in disciplines) or "Không")])
    _item(doc, "23", [("Tình trạng sức khỏe", BLANK), ("Chiều cao", BLANK),
                      ("Cân nặng", BLANK), ("Nhóm máu", BLANK)])
    _item(doc, "24", [("Là thương binh hạng", BLANK), ("Là con gia đình chính sách", BLANK)])
    _item(doc, "25", [("Số định danh cá nhân (CCCD)", _text(profile.get("national_id"))),
                      ("Ngày cấp", BLANK)])
    _item(doc, "26", [("Số sổ BHXH", BLANK)])

    _heading(doc, "27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, "
                  "NGOẠI NGỮ, TIN HỌC")
    trainings = []
    for t in profile.get("trainings") or []:
        started, completed = t.get("started_on"), t.get("completed_on")
        started_on = date.fromisoformat(started) if isinstance(started, str) else started
        completed_on = date.fromisoformat(completed) if isinstance(completed, str) \
            else completed
        confers = t.get("confers_level")
        trainings.append([
            _text(t.get("institution")), programme_name(str(t.get("program") or t.get("code")),
                                                         programmes),
            f"{_month(started_on)} – {_month(completed_on) if completed_on else 'nay'}",
            TRAINING_MODES.get(str(t.get("mode")), ""), label(confers) if confers else ""])
    _table(doc, ["Tên trường", "Chuyên ngành đào tạo, bồi dưỡng",
                 "Từ tháng, năm – đến tháng, năm", "Hình thức đào tạo",
                 "Văn bằng, chứng chỉ, trình độ"], trainings, [3.5, 5, 3.2, 2.5, 3])

    _heading(doc, "28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC")
    rows = [[f"{_month(h['since'])} – {_month(h['until'])}",
             f"{h['title_name']}, {h['unit_name']} ({label(h['kind'])}; "
             f"{_decision_text(h.get('decision'))})"] for h in history]
    _table(doc, ["Từ tháng, năm đến tháng, năm",
                 "Chức danh, chức vụ, đơn vị công tác (đảng, chính quyền, đoàn thể)"],
           rows, [4, 13])

    # What the person declares of their own history (arrest, detention, organisations abroad,
    # relatives abroad). Internal vetting conclusions are the party's working papers, not
    # the person's declaration: they never go on the form.
    _heading(doc, "29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN")
    for caption in ("a) Khai rõ: bị bắt, bị tù (từ ngày tháng năm nào đến ngày tháng năm nào, ở "
                    "đâu), đã khai báo cho ai, những vấn đề gì? Bản thân có làm việc trong chế "
                    "độ cũ (cơ quan, đơn vị nào, địa điểm, chức danh, chức vụ, thời gian làm "
                    "việc…)",
                    "b) Tham gia hoặc có quan hệ với các tổ chức chính trị, kinh tế, xã hội nào "
                    "ở nước ngoài (làm gì, tổ chức nào, đặt trụ sở ở đâu…?)",
                    "c) Có thân nhân (Cha, Mẹ, Vợ, Chồng, con, anh chị em ruột) ở nước ngoài "
                    "(làm gì, địa chỉ…)?"):
        p = doc.add_paragraph()
        text_run(p, caption, italic=True, size=11)
        text_run(doc.add_paragraph(), BLANK * 3)

    _heading(doc, "30) QUAN HỆ GIA ĐÌNH")
    relatives = profile.get("relatives") or []

    def family(codes: Sequence[str]) -> list[list[str]]:
        out = []
        for r in relatives:
            if r.get("code") not in codes:
                continue
            data = r.get("sensitive") or {}
            if data.get("_shredded"):
                name, born_year = "(dữ liệu đã hủy)", ""
            else:
                name, born_year = str(data.get("full_name") or ""), str(
                    data.get("born_year") or "")
            out.append([label(r.get("code")), name, born_year, BLANK])
        return out

    detail = "Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác, học tập, nơi ở"
    p = doc.add_paragraph()
    text_run(p, "a) Về bản thân: Cha, Mẹ, Vợ (hoặc chồng), các con, anh chị em ruột", italic=True)
    _table(doc, ["Mối quan hệ", "Họ và tên", "Năm sinh", detail], family(FAMILY_OWN),
           [2.5, 4.5, 2, 8])
    p = doc.add_paragraph()
    text_run(p, "b) Về bên vợ (hoặc chồng): Cha, Mẹ, anh chị em ruột", italic=True)
    _table(doc, ["Mối quan hệ", "Họ và tên", "Năm sinh", detail], family(FAMILY_IN_LAW),
           [2.5, 4.5, 2, 8])

    _heading(doc, "31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG CỦA CÁN BỘ, CÔNG CHỨC")
    salary_rows = [[_month(_as_date(e.get("effective_on"))),
                    f"{e.get('grade_code')}/{e.get('salary_step')}",
                    str(e.get("coefficient") or "").replace(".", ",")]
                   for e in profile.get("employments") or ()]
    _table(doc, ["Tháng/năm", "Mã ngạch/bậc", "Hệ số lương"], salary_rows, [5, 6, 6])

    _heading(doc, "32) NHẬN XÉT, ĐÁNH GIÁ CỦA CƠ QUAN, ĐƠN VỊ QUẢN LÝ VÀ SỬ DỤNG CÁN BỘ, "
                  "CÔNG CHỨC")
    evaluations = profile.get("evaluations") or []
    p = doc.add_paragraph()
    text_run(p, "; ".join(f"{period_name(str(e.get('period')))}: {label(e.get('code'))}"
                          for e in evaluations) or BLANK)
    p.paragraph_format.keep_with_next = True

    signatures = doc.add_table(rows=1, cols=2)
    keep_row_on_one_page(signatures.rows[0])
    left, right = signatures.rows[0].cells
    left.text = right.text = ""
    text_run(left.paragraphs[0], "Người khai\n", bold=True)
    text_run(left.paragraphs[0], "Tôi xin cam đoan những lời khai trên đây là đúng sự thật\n"
                             "(Ký tên, ghi rõ họ tên)", italic=True, size=11)
    text_run(right.paragraphs[0], f"…, ngày {m.as_of.day} tháng {m.as_of.month} năm "
                              f"{m.as_of.year}\n", italic=True, size=11)
    text_run(right.paragraphs[0], "Thủ trưởng cơ quan, đơn vị quản lý và sử dụng CBCC\n",
         bold=True)
    text_run(right.paragraphs[0], "(Ký tên, đóng dấu)", italic=True, size=11)
    for cell in (left, right):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].paragraph_format.keep_together = True

    known = m.known_at.astimezone(VIETNAM)
    footer = section.footer.paragraphs[0]
    text_run(footer, f"Lập từ hồ sơ tính đến ngày {m.as_of:%d/%m/%Y}, theo hồ sơ ghi nhận đến "
                     f"{known:%H:%M} ngày {known:%d/%m/%Y} (giờ Việt Nam), vị trí sổ ghi "
                     f"{m.position}", size=8)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
