"""Issue 21 without a browser: the pickers, the transfer as one decision, the cadre list's
further filters, the import page, and forms offered only when the API twin would accept them.
Every answer is scanned for English, codes and ISO dates (test_web_vietnamese.untranslated)."""

from __future__ import annotations

import io
import re
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import Workbook

from domain.commands import Appoint, RegisterTitle
from domain.values import ActionKind, Decision
from infra.importing import SHEET_CADRES
from tests.e2e.test_api_matrix import World, fresh
from tests.e2e.test_api_matrix import world as world  # noqa: F401  (the shared fixture)
from tests.e2e.test_web_matrix import Browser, call, sign_in
from tests.e2e.test_web_vietnamese import untranslated
from tests.integration.test_import_api import HEADERS


def _options(html: str, select_id: str) -> list[tuple[str, str]]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None, select_id
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))


def _post(w: World, scope: str) -> str:
    """A post the scope's cadre holds from 2019, its title code."""
    code = w.title()
    on = date(2019, 1, 10)
    w.runtime.app.appoint(w.cadre(scope), Appoint(
        kind=ActionKind.BO_NHIEM, unit_id=w.unit(scope), title_code=code, effective_on=on,
        decision=Decision(f"{fresh()}/QĐ", on, "UBND", "A")), recorded_by="setup")
    w.runtime.catch_up()
    return code


def test_the_pickers_offer_periods_programmes_and_no_json(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    cadre = w.cadre("in")
    evaluation = call(client, admin, "GET", f"/can-bo/{cadre}/ghi/danh-gia", None, None)
    periods = [text for _, text in _options(evaluation.text, "f-period")]
    assert "Quý III/2026" in periods and "Năm 2025" in periods
    assert untranslated(evaluation.text) == []
    training = call(client, admin, "GET", f"/can-bo/{cadre}/ghi/dao-tao", None, None)
    programmes = dict(_options(training.text, "f-program"))
    assert programmes["llct_cao_cap"] == "Cao cấp lý luận chính trị"
    done = call(client, admin, "POST", f"/can-bo/{cadre}/ghi/dao-tao",
                {"program": "llct_cao_cap", "started_on": "01/03/2020"}, None)
    assert done.status_code == 303, done.text[:300]
    retract = call(client, admin, "GET", f"/can-bo/{cadre}/ghi/dinh-chinh", None, None)
    assert "JSON" not in retract.text and "Thu hồi mục ghi nhầm" in retract.text
    assert untranslated(retract.text) == []
    chosen = call(client, admin, "POST", f"/can-bo/{cadre}/ghi/danh-gia",
                  {"period": "Quý III/2026", "rating": "HTTNV", "decided_on": "10/10/2026"},
                  None)
    assert chosen.status_code in (303, 409), chosen.text[:300]


def test_an_officer_ends_a_post_or_transfers_in_one_decision(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    officer = sign_in(client, w.tokens["personnel"])
    cadre, unit = w.cadre("in"), w.unit("in")
    code = _post(w, "in")
    form = call(client, officer, "GET", f"/can-bo/{cadre}/ghi/bo-nhiem", None, None)
    assert "Cán bộ đang giữ chức vụ" in form.text and "Điều động sang chức vụ khác" in form.text
    assert untranslated(form.text) == []
    # "End this post": the ending form offers only the posts held.
    ending = call(client, officer, "GET", f"/can-bo/{cadre}/ghi/thoi-giu-chuc-vu", None,
                  {"unit_id": str(unit), "title_code": code})
    offered = [c for c, _ in _options(ending.text, "f-title-code") if c]
    assert code in offered and len(offered) == len(set(offered))
    assert all(c != w.unit("out") for c, _ in _options(ending.text, "f-unit-id"))
    # The transfer: one post ended, another begun, by one decision.
    new = w.title()
    moved = call(client, officer, "POST", f"/can-bo/{cadre}/ghi/dieu-dong", {
        "from_unit_id": str(unit), "from_title_code": code, "reason": "dieu_dong",
        "kind": "dieu_dong", "unit_id": str(unit), "title_code": new,
        "effective_on": "01/02/2024", "decision.number": f"{fresh()}-QĐ/UBND",
        "decision.signed_on": "20/01/2024", "decision.issuer": "UBND quận",
        "decision.signer": "Lê Toàn Khánh"}, None)
    assert moved.status_code == 303, moved.text[:400]
    w.runtime.catch_up()
    held = {h.title_code: h for h in w.runtime.app.cadre(cadre).holdings().values()}
    assert held[code].until == date(2024, 2, 1) and held[new].since == date(2024, 2, 1)
    # Refused (the old post is no longer held): nothing half-written, the message by the field.
    before = w.runtime.app.recorder.max_notification_id()
    again = call(client, officer, "POST", f"/can-bo/{cadre}/ghi/dieu-dong", {
        "from_unit_id": str(unit), "from_title_code": code, "reason": "dieu_dong",
        "kind": "dieu_dong", "unit_id": str(unit), "title_code": w.title(),
        "effective_on": "01/03/2025", "decision.number": f"{fresh()}-QĐ/UBND",
        "decision.signed_on": "20/02/2025", "decision.issuer": "UBND quận",
        "decision.signer": "Lê Toàn Khánh"}, None)
    assert again.status_code in (400, 404, 409) and 'id="f-title-code-error"' in again.text
    assert untranslated(again.text) == []
    assert w.runtime.app.recorder.max_notification_id() == before + 1  # the title above


def test_the_title_picker_offers_only_titles_that_fit_the_unit(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    party_only = f"bt_{fresh()}"
    w.runtime.app.register_title(RegisterTitle(
        code=party_only, name="Bí thư Đảng ủy thử", is_head=True, management_tier="quan_uy",
        unit_kinds=["dang_uy"]), recorded_by="setup")
    w.runtime.catch_up()
    url = f"/can-bo/{w.cadre('in')}/ghi/bo-nhiem"
    everything = call(client, admin, "GET", url, None, None)
    assert party_only in dict(_options(everything.text, "f-title-code"))
    ward = call(client, admin, "GET", url, None, {"unit_id": str(w.unit("in"))})  # a ubnd
    assert party_only not in dict(_options(ward.text, "f-title-code"))
    party = call(client, admin, "GET", url, None, {"unit_id": str(w.root)})  # a dang_uy
    assert party_only in dict(_options(party.text, "f-title-code"))


def test_the_cadre_list_filters_by_age_level_tier_and_position(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    unit = str(w.unit("in"))

    def total(**params: str) -> int:
        shown = call(client, admin, "GET", "/can-bo", None, {"unit_id": unit, **params})
        assert shown.status_code == 200 and untranslated(shown.text) == [], params
        found = re.search(r"<caption>([\d.]+) người", shown.text)
        assert found is not None
        return int(found.group(1).replace(".", ""))

    everyone = total()
    assert everyone >= 1
    bands = [total(do_tuoi=b) for b in ("den_30", "31_40", "41_50", "51_60", "tren_60")]
    assert sum(bands) == everyone  # the bands split the list
    assert total(dien="quan_uy") >= 1  # the world's titles are of the Quận ủy's tier
    assert total(dien="thanh_uy") < everyone or everyone == 1
    assert total(trinh_do="political_theory:cao_cap") <= everyone
    assert total(vi_tri="00000000-0000-0000-0000-000000000000") == 0
    file = call(client, admin, "GET", "/can-bo/tai-ve", None, {"unit_id": unit,
                                                                "dien": "quan_uy"})
    assert file.status_code == 200 and file.content[:2] == b"PK"


def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET_CADRES
    for row in [HEADERS, *rows]:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_import_page_checks_a_file_first_then_records_it(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    page = call(client, admin, "GET", "/nhap-tep", None, None)
    assert page.status_code == 200 and untranslated(page.text) == []
    name = f"Phan Thị Nhập {fresh()}"
    good = _sheet([[name, "Nữ", "02/05/1981", "", "", "", "", "", "", ""]])
    bad = _sheet([["Phan Văn Sai", "Nữ", "31/02/1981", "", "", "", "", "", "", ""]])

    def upload(data: bytes, what: str, browser: Browser = admin) -> object:
        client.cookies.clear()
        client.cookies.set("hoso_phien", browser.cookie or "")
        try:
            return client.post("/nhap-tep", data={"csrf": browser.csrf, "thao_tac": what},
                               files={"file": ("ds.xlsx", data, "application/octet-stream")},
                               follow_redirects=False)
        finally:
            client.cookies.clear()

    before = w.runtime.app.recorder.max_notification_id()
    checked = upload(bad, "kiem_tra")
    assert checked.status_code == 400  # type: ignore[attr-defined]
    text = checked.text  # type: ignore[attr-defined]
    assert "Tệp có lỗi" in text and "31/02/1981" in text and untranslated(text) == []
    dry = upload(good, "kiem_tra")
    assert dry.status_code == 200 and "Đăng ký cán bộ mới" in dry.text  # type: ignore[attr-defined]
    assert w.runtime.app.recorder.max_notification_id() == before  # a dry run writes nothing
    done = upload(good, "ghi")
    assert done.status_code == 200 and "Đã ghi tệp" in done.text  # type: ignore[attr-defined]
    assert untranslated(done.text) == []  # type: ignore[attr-defined]
    w.runtime.catch_up()
    assert any(c["full_name"] == name for c in w.runtime.read_model.cadres(
        w.runtime.read_model.moment(), q=name))
    inspector = sign_in(client, w.tokens["inspector"])
    assert upload(good, "kiem_tra", inspector).status_code == 403  # type: ignore[attr-defined]


def test_forms_are_offered_only_where_the_api_would_accept_them(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    officer = sign_in(client, w.tokens["personnel"])
    units = call(client, officer, "GET", "/don-vi", None, {"unit_id": str(w.unit("in"))})
    assert "Thay đổi đơn vị" in units.text
    assert "/ghi/chuc-danh-moi" not in units.text  # titles are the administrator's
    assert call(client, officer, "GET", "/ghi/chuc-danh-moi", None, None).status_code == 403
    admin = sign_in(client, w.tokens["admin"])
    assert "/ghi/chuc-danh-moi" in call(client, admin, "GET", "/don-vi", None, None).text
    # A leader reads the record but is offered no form.
    leader = sign_in(client, w.tokens["leader"])
    record = call(client, leader, "GET", f"/can-bo/{w.cadre('in')}", None, None)
    assert record.status_code == 200 and "/ghi/" not in record.text
    assert "Đính chính mục này" not in record.text


def test_the_overviews_monthly_counts_match_the_actions_report(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    from projections import reports

    w, _ = world
    _post(w, "in")
    model = w.runtime.read_model
    m = model.moment(as_of=date(2019, 6, 30))
    months = [(date(2018, n, 1), reports.month_days(f"2018-{n:02d}")[1]) for n in range(7, 13)]
    months += [(date(2019, n, 1), reports.month_days(f"2019-{n:02d}")[1]) for n in range(1, 7)]
    for unit in (None, w.unit("in"), w.root):
        one_pass = reports.actions_by_month(model, months, m, None, unit)
        each = [int(reports.actions(model, a, b, m, None, unit)["total"]) for a, b in months]
        assert one_pass == each, unit
    assert sum(reports.actions_by_month(model, months, m)) >= 1


def test_a_title_of_units_that_no_longer_exist_is_retired_from_the_pickers(
        world: tuple[World, TestClient]) -> None:  # noqa: F811
    w, client = world
    admin = sign_in(client, w.tokens["admin"])
    gone_kind = f"bt_huyen_{fresh()}"
    w.runtime.app.register_title(RegisterTitle(
        code=gone_kind, name="Bí thư Huyện ủy thử", is_head=True, management_tier="thanh_uy",
        unit_kinds=["huyen_uy"]), recorded_by="setup")  # the world has no huyện ủy
    w.runtime.catch_up()
    url = f"/can-bo/{w.cadre('in')}/ghi/bo-nhiem"
    assert gone_kind not in dict(_options(call(client, admin, "GET", url, None, None).text,
                                          "f-title-code"))
    chosen = call(client, admin, "GET", url, None, {"title_code": gone_kind})
    assert gone_kind in dict(_options(chosen.text, "f-title-code"))  # a value given stays
