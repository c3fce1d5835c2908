"""Word reports go out as letters (issue 16, "Word reports"), through the API on both stores:
the issuing body is a setting per unit or for all, else Ban Xây dựng Đảng for a ward from
1/7/2025 and Ban Tổ chức before; the date line is the signing date (default the clock's day,
never known_at); số/ký hiệu, place and date, a signature block kept on one page and "Nơi nhận".
"Kéo dài" is counted in the actions report."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from fastapi.testclient import TestClient

from api.documents import dated_line
from infra.runtime import Runtime
from tests.integration.test_api_record_renewals import TODAY, District, created, http

__all__ = ["http"]  # the store-parametrised client of the renewals tests


class Ward(District):
    """The renewals' district, with a ward and its party committee under it."""

    def __init__(self, http: TestClient) -> None:
        super().__init__(http)
        self.ward = self.unit("BS", "Phường Bắc Sơn", "phuong", self.root)
        self.committee = self.unit("BS-DU", "Đảng ủy phường Bắc Sơn", "dang_uy", self.ward)


def word(http: TestClient, unit: str, **params: str) -> Any:
    answer = http.get("reports/cadre-quality", params={
        "as_of": "2026-06-30", "unit_id": unit, "format": "docx", **params})
    assert answer.status_code == 200, answer.text
    return Document(io.BytesIO(answer.content))


def letterhead(doc: Any) -> tuple[list[str], list[str]]:
    left, right = doc.tables[0].rows[0].cells
    return [p.text for p in left.paragraphs], [p.text for p in right.paragraphs]


def test_a_ward_report_is_a_letter_of_its_ban_xay_dung_dang(http: TestClient) -> None:
    w = Ward(http)
    doc = word(http, w.committee, signed_on="2026-02-05", number="12-BC/BXDĐ")
    left, right = letterhead(doc)
    assert left == ["ĐẢNG ỦY PHƯỜNG BẮC SƠN", "BAN XÂY DỰNG ĐẢNG", "*", "Số 12-BC/BXDĐ"]
    assert right == ["ĐẢNG CỘNG SẢN VIỆT NAM", "……………, ngày 05 tháng 02 năm 2026"]
    # The signature block and "Nơi nhận": one row that never splits, kept with what precedes.
    block = doc.tables[-1]
    receivers, signer = block.rows[0].cells
    assert receivers.paragraphs[0].text == "Nơi nhận:"
    assert [p.text for p in receivers.paragraphs[1:]] == [
        "- Thường trực cấp ủy (để báo cáo),", "- Lưu Văn phòng."]
    assert signer.paragraphs[0].text == "T/M BAN XÂY DỰNG ĐẢNG"
    assert block.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    assert all(p.paragraph_format.keep_together for c in (receivers, signer)
               for p in c.paragraphs)


def test_before_july_2025_and_by_default_the_letter_is_dated_the_signing_day(
        http: TestClient) -> None:
    w = Ward(http)
    left, right = letterhead(word(http, w.committee, signed_on="2025-06-30"))
    assert left[1] == "BAN TỔ CHỨC" and left[3].split() == ["Số", "-BC/BTC"]  # for the clerk
    assert right[1].endswith("ngày 30 tháng 6 năm 2025")
    # No signing date: the clock's day, not known_at's.
    http.app.state.runtime.clock.move_to(date(2026, 11, 30))  # type: ignore[attr-defined]
    _, right = letterhead(word(http, w.committee, known_at=f"{TODAY}T23:00:00+07:00"))
    assert right[1] == "……………, ngày 30 tháng 11 năm 2026"
    # A district's report (before the reorganisation's wards) keeps its Ban Tổ chức.
    left, _ = letterhead(word(http, w.root, signed_on="2026-03-02"))
    assert left[:2] == ["QUẬN ỦY KIẾN AN", "BAN TỔ CHỨC"]


def test_the_issuing_body_and_place_are_settings(http: TestClient) -> None:
    runtime: Runtime = http.app.state.runtime  # type: ignore[attr-defined]
    runtime.settings = runtime.settings.model_copy(update={
        "report_place": "Kiến An", "report_issuers": {"BS-DU": "Văn phòng Đảng ủy"},
        "report_issuer": "Ban Tổ chức Quận ủy",
        "report_recipients": ["Ban Thường vụ Đảng ủy", "Lưu VP"]})
    w = Ward(http)
    left, right = letterhead(word(http, w.committee, signed_on="2026-03-10"))
    assert left[1] == "VĂN PHÒNG ĐẢNG ỦY"  # the unit's own setting first
    assert right[1] == "Kiến An, ngày 10 tháng 3 năm 2026"
    left, _ = letterhead(word(http, w.nv, signed_on="2026-03-10"))
    assert left[1] == "BAN TỔ CHỨC QUẬN ỦY"  # then the one for every report
    block = word(http, w.committee).tables[-1]
    assert block.rows[0].cells[0].paragraphs[-1].text == "- Lưu VP."


def test_extensions_are_counted_in_the_actions_report(http: TestClient) -> None:
    d = District(http)
    an = d.cadre("Nguyễn Văn An", "1966-10-01")
    created(d.appoint(an, d.nv, "truong_phong", "2021-03-01", "7/QĐ-UBND", term_months=60))
    created(d.appoint(an, d.nv, "truong_phong", "2025-03-01", "9/QĐ-UBND", kind="keo_dai",
                      planned_end_on="2026-10-01"))
    answer = http.get("reports/actions", params={"from": "2025-01-01", "to": "2025-12-31",
                                                 "format": "docx"})
    assert answer.status_code == 200, answer.text
    text = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "- Kéo dài thời gian giữ chức vụ: 01 đồng chí." in text, text


def test_dated_line() -> None:
    assert dated_line("Hải Phòng", date(2026, 1, 5)) == "Hải Phòng, ngày 05 tháng 01 năm 2026"
    assert dated_line(None, date(2025, 12, 24)) == "……………, ngày 24 tháng 12 năm 2025"
