"""A personnel department brings its spreadsheet in: a messy workbook gets a row-level dry-run
report, a real run of it records nothing, the corrected workbook imports all at once, importing
it again records nothing, and a changed row becomes a correction, not a duplicate cadre."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.clock import PinnedClock
from infra.importing import SHEET_CADRES, import_file, import_history
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

TODAY = date(2026, 11, 24)
BTV = "Ban Thường vụ Quận ủy"
CADRE_HEADERS = ["họ và tên", "GIỚI TÍNH", "Ngay sinh", "Dân tộc", "Số định danh cá nhân",
                 "Ngày vào Đảng", "Trình độ chuyên môn", "lý luận chính trị", "Quản lý nhà nước",
                 "Quê quán", "Chức danh (mã)", "Đơn vị (mã)", "Ngày bổ nhiệm", "Số quyết định",
                 "Ngày ký", "Cơ quan ban hành", "Người ký"]
HISTORY_HEADERS = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Hình thức",
                   "Đơn vị (mã)", "Chức danh (mã)", "Ngày hiệu lực", "Số quyết định", "Ngày ký",
                   "Cơ quan ban hành", "Người ký"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def runtime(store_settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(store_settings, clock=PinnedClock.on(TODAY))
    app = rt.app
    ka = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="seed").id
    nv = app.register_unit(RegisterUnit(
        code="KA-NV", name="Phòng Nội vụ", kind="phong", established_on=date(2000, 1, 1),
        parent_id=ka), recorded_by="seed").id
    app.register_unit(RegisterUnit(
        code="KA-TC", name="Ban Tổ chức Quận ủy", kind="ban_dang", established_on=date(2000, 1, 1),
        parent_id=ka), recorded_by="seed")
    for code, name, head, rank in (("truong_phong", "Trưởng phòng", True, 5),
                                   ("pho_truong_phong", "Phó Trưởng phòng", False, 4),
                                   ("pho_truong_ban", "Phó Trưởng ban", False, 5)):
        app.register_title(RegisterTitle(
            code=code, name=name, is_head=head, management_tier="quan_uy", rank=rank),
            recorded_by="seed")
    # Already in the record before any import.
    dung = app.register_cadre(RegisterCadre(full_name="Phạm Văn Dũng", gender=Gender.NAM,
                                            born_on=date(1970, 1, 9), national_id="031170000555",
                                            ethnicity="Kinh"), recorded_by="seed").id
    app.appoint(dung, Appoint(
        kind=ActionKind.BO_NHIEM, unit_id=nv, title_code="pho_truong_phong",
        effective_on=date(2018, 4, 1),
        decision=Decision("20-QĐ/QU", date(2018, 3, 20), BTV, "Lê Toàn Khánh")),
                recorded_by="seed")
    rt.catch_up()
    yield rt
    rt.close()


def cadre_rows(*, bad_unit: bool, duplicate: bool) -> list[list[Any]]:
    lan = [nfd("Nguyễn Thị Lan"), "nữ", "02/05/1980", "Kinh", "031180001234",
           datetime(2005, 5, 19), "Thạc sĩ", "Cao cấp", "cvc", None, "truong_phong", "KA-NV",
           "1/3/2021", "12-QĐ/QU", "2021-02-25", BTV, "Lê Toàn Khánh"]
    binh = ["Trần Văn Bình", "NAM", "1975-07-15", "Kinh", 31175000999, None, "dai_hoc",
            "trung_cap", None, None,
            "pho_truong_phong" if bad_unit else "Phó Trưởng ban",
            "KA-XX" if bad_unit else "ban to chuc quan uy",
            datetime(2019, 3, 1), "5-QĐ/QU", "20/02/2019", BTV, None]
    dung = ["Phạm Văn Dũng", "Nam", "9/1/1970", "Kinh", "031170000555", None, None, None, None,
            None, "pho_truong_phong", "KA-NV", "01/04/2018", "20-QĐ/QU", "20/03/2018", BTV,
            "Lê Toàn Khánh"]
    rows = [CADRE_HEADERS, lan, binh]
    if duplicate:
        rows.append(list(lan))
    rows += [dung, [None] * len(CADRE_HEADERS), []]  # blank trailing rows
    return rows


def history_rows() -> list[list[Any]]:
    return [
        HISTORY_HEADERS,
        ["031180001234", None, None, "Bổ nhiệm", "KA-NV", "pho_truong_phong", "01/03/2016",
         "8-QĐ/QU", "20/02/2016", BTV, "Lê Toàn Khánh"],
        ["031180001234", None, None, "Thôi giữ chức - Điều động", "KA-NV", "pho_truong_phong",
         "1/3/2021", "12-QĐ/QU", "25/02/2021", BTV, "Lê Toàn Khánh"],
        [None, nfd("Trần Văn Bình"), "15/07/1975", "bo_nhiem", "ka-nv", "pho_truong_phong",
         "2015-06-01", "3-QĐ/QU", "20/05/2015", BTV, None],
        [None, "Trần Văn Bình", "15/07/1975", "Miễn nhiệm", "KA-NV", "pho_truong_phong",
         "28/02/2019", "4-QĐ/QU", "15/02/2019", BTV, None],
    ]


def workbook(cadres: list[list[Any]], history: list[list[Any]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "CÁN BỘ"
    for row in cadres:
        ws.append(row)
    qt = book.create_sheet("qua trinh")
    for row in history:
        qt.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def head(rt: Runtime) -> int:
    found = rt.log.head()
    return found[0] if found else 0


def test_messy_workbook_dry_run_real_run_correction_and_reimport(runtime: Runtime) -> None:
    rt = runtime
    before = head(rt)
    messy = workbook(cadre_rows(bad_unit=True, duplicate=True), history_rows())

    # Dry run: the row-level report; nothing recorded.
    report = import_file(rt, messy, file_name="messy.xlsx", user="to_chuc", dry_run=True)
    problems = {(p.sheet, p.row, p.column, p.value, p.code, p.level) for p in report.problems}
    assert problems == {
        (SHEET_CADRES, 3, "Đơn vị (mã)", "KA-XX", "unit_not_found", "error"),
        (SHEET_CADRES, 4, "họ và tên", "Nguyễn Thị Lan", "duplicate_row", "warning"),
    }
    assert report.rows == {"Cán bộ": 4, "Quá trình": 4}
    assert not report.ok and not report.recorded
    assert head(rt) == before

    # A real run of the same file: all or nothing, the same report.
    refused = import_file(rt, messy, file_name="messy.xlsx", user="to_chuc")
    assert {(p.sheet, p.row, p.code) for p in refused.problems} == {
        (s, r, c) for s, r, _, _, c, _ in problems}
    assert head(rt) == before
    assert import_history(rt.engine)[0]["outcome"] == "refused"

    # The corrected workbook imports, every event tagged with the import.
    corrected = workbook(cadre_rows(bad_unit=False, duplicate=False), history_rows())
    done = import_file(rt, corrected, file_name="corrected.xlsx", user="to_chuc")
    assert done.ok and done.recorded, [vars(p) for p in done.problems]
    assert done.planned == {"register_cadre": 2, "appoint": 4, "end_holding": 2,
                            "unchanged": 2}
    assert head(rt) == done.last_position and done.first_position == before + 1
    tag = f"to_chuc (import {done.digest[:8]})"
    run = import_history(rt.engine)[0]
    assert (run["outcome"], run["digest"], run["imported_by"], run["file_name"]) == (
        "recorded", done.digest, "to_chuc", "corrected.xlsx")
    rm = rt.read_model
    m = rm.moment()
    found = {c["full_name"]: c["id"] for c in rm.cadres(m)}
    assert set(found) == {"Nguyễn Thị Lan", "Trần Văn Bình", "Phạm Văn Dũng"}
    lan = rm.profile(found["Nguyễn Thị Lan"], m)
    assert lan is not None
    assert (lan["national_id"], lan["education"], lan["political_theory"],
            lan["party_joined_on"]) == ("031180001234", "thac_si", "cao_cap", date(2005, 5, 19))
    assert [(h["title_code"], h["since"]) for h in lan["holdings"]] == [
        ("truong_phong", date(2021, 3, 1))]
    record = rm.record(found["Nguyễn Thị Lan"], m)
    assert record is not None and {e["recorded_by"] for e in record} == {tag}
    binh = rm.profile(found["Trần Văn Bình"], m)
    assert binh is not None and binh["national_id"] == "031175000999"
    assert [(h["unit_name"], h["title_code"]) for h in binh["holdings"]] == [
        ("Ban Tổ chức Quận ủy", "pho_truong_ban")]
    past = rm.profile(found["Trần Văn Bình"], rm.moment(as_of=date(2017, 1, 1)))
    assert past is not None and [h["title_code"] for h in past["holdings"]] == [
        "pho_truong_phong"]
    office = next(u["id"] for u in rm.units(m) if u["code"] == "KA-NV")
    assert {(h["full_name"], h["title_code"]) for h in rm.roster(office, m)} == {
        ("Nguyễn Thị Lan", "truong_phong"), ("Phạm Văn Dũng", "pho_truong_phong")}

    # The same file again records nothing.
    again = import_file(rt, corrected, file_name="corrected.xlsx", user="to_chuc")
    assert again.ok and not again.recorded and again.events == 0
    assert set(again.planned) == {"unchanged"}
    assert head(rt) == done.last_position

    # A changed row becomes the matching correction, not a duplicate cadre.
    rows = cadre_rows(bad_unit=False, duplicate=False)
    rows[1][13] = "12a-QĐ/QU"  # Lan's decision number retyped
    rows[2][9] = "Kiến Thụy, Hải Phòng"  # Bình's hometown filled in
    changed = import_file(rt, workbook(rows, history_rows()), file_name="v2.xlsx",
                          user="to_chuc")
    assert changed.recorded, changed.as_dict()["problems"]
    assert changed.planned["correct_appointment"] == 1
    assert changed.planned["correct_identity"] == 1
    assert "register_cadre" not in changed.planned
    m = rm.moment()
    assert len(rm.cadres(m)) == 3
    lan = rm.profile(found["Nguyễn Thị Lan"], m)
    assert lan is not None and lan["holdings"][0]["decision"]["number"] == "12a-QĐ/QU"
    binh = rm.profile(found["Trần Văn Bình"], m)
    assert binh is not None and binh["hometown"] == "Kiến Thụy, Hải Phòng"
    record = rm.record(found["Nguyễn Thị Lan"], m)
    assert record is not None
    assert [e["status"] for e in record if e["type"] == "Appointed"].count("corrected") == 1
    assert rt.log.verify().ok


def test_a_reappointment_in_the_history_renews_the_post(runtime: Runtime) -> None:
    """"Bổ nhiệm 2016 → Bổ nhiệm lại 2021" for one person: one tenure, no ending, reimportable."""
    rt = runtime
    cadres = [CADRE_HEADERS, [
        "Nguyễn Thị Lan", "nữ", "02/05/1980", "Kinh", "031180001234", None, "Thạc sĩ", None,
        None, None, "truong_phong", "KA-NV", "01/03/2021", "12-QĐ/QU", "25/02/2021", BTV,
        "Lê Toàn Khánh"]]
    history = [
        HISTORY_HEADERS,
        ["031180001234", None, None, "Bổ nhiệm", "KA-NV", "truong_phong", "01/03/2016",
         "8-QĐ/QU", "20/02/2016", BTV, "Lê Toàn Khánh"],
        ["031180001234", None, None, "Bổ nhiệm lại", "KA-NV", "truong_phong", "01/03/2021",
         "12-QĐ/QU", "25/02/2021", BTV, "Lê Toàn Khánh"],
    ]
    data = workbook(cadres, history)
    done = import_file(rt, data, file_name="lan.xlsx", user="to_chuc")
    assert done.ok and done.recorded, [vars(p) for p in done.problems]
    rm = rt.read_model
    m = rm.moment()
    lan = next(c["id"] for c in rm.cadres(m) if c["full_name"] == "Nguyễn Thị Lan")
    profile = rm.profile(lan, m)
    assert profile is not None
    assert [(h["title_code"], h["kind"], h["since"]) for h in profile["holdings"]] == [
        ("truong_phong", "bo_nhiem_lai", date(2021, 3, 1))]
    cadre = rt.app.cadre(lan)
    first, renewal = sorted(cadre.holdings().values(), key=lambda h: h.since)
    assert renewal.renews == first.holding_id and first.until == date(2021, 3, 1)
    assert first.end_reason is None and not cadre.facts("HoldingEnded")
    # The same file again records nothing.
    again = import_file(rt, data, file_name="lan.xlsx", user="to_chuc")
    assert again.ok and not again.recorded, again.as_dict()["problems"]
