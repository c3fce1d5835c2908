"""Hostile spreadsheets (issue 13, items 6, 7 and 11): a zip bomb, a row or column bomb, an XXE
or entity bomb, a slow file, and a dry run used as an oracle for national ID numbers. Each is
refused with a problem naming the limit, and nothing is appended."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import RegisterTitle, RegisterUnit
from infra.access import AccessStore
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock
from tests.integration.test_import_api import ADMIN, TODAY, lan, sheet, upload

SHEET = "xl/worksheets/sheet1.xml"


def rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same workbook with one part changed (how an attacker hand-crafts one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def with_doctype(doctype: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        declaration = re.match(rb"<\?xml[^>]*\?>", xml)
        cut = declaration.end() if declaration else 0
        return xml[:cut] + doctype + xml[cut:]
    return change


def open_service(settings: Settings) -> tuple[TestClient, Runtime]:
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    ka = rt.app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="seed").id
    for code in ("KA-NV", "KA-TC"):
        rt.app.register_unit(RegisterUnit(
            code=code, name=code, kind="phong", established_on=date(2000, 1, 1), parent_id=ka),
            recorded_by="seed")
    rt.app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="seed")
    rt.catch_up()
    client = TestClient(create_app(settings, rt))
    client.headers["Authorization"] = f"Bearer {ADMIN}"
    return client, rt


@pytest.fixture
def service(store_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    client, rt = open_service(store_settings.model_copy(update={"admin_token": ADMIN}))
    with client:
        yield client, rt
    rt.close()


def refused_with(client: TestClient, rt: Runtime, data: bytes, code: str,
                 **params: object) -> str:
    head = rt.log.head()
    answer = upload(client, data, **params)
    assert answer.status_code == (200 if params.get("dry_run") else 400), answer.text
    problems = answer.json()["report"]["problems"] if answer.status_code == 400 \
        else answer.json()["problems"]
    assert [p["code"] for p in problems] == [code], problems
    assert rt.log.head() == head
    return str(problems[0]["problem"])


def test_a_zip_bomb_is_refused_by_its_inflated_size(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    # 101 MB of whitespace inside the sheet: a file of a few hundred KB.
    bomb = rewrite(sheet([lan()]), SHEET,
                   lambda xml: xml.replace(b"</sheetData>", b" " * (101 * 2**20) + b"</sheetData>"))
    assert len(bomb) < 1 * 2**20
    message = refused_with(client, rt, bomb, "uncompressed_too_large")
    assert "100 MB" in message
    refused_with(client, rt, bomb, "uncompressed_too_large", dry_run="true")


def test_a_lone_cell_in_the_last_row_is_refused_as_too_many_rows(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    far = rewrite(sheet([lan()]), SHEET, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is>'
                         b"</c></row></sheetData>"))
    assert "50000" in refused_with(client, rt, far, "too_many_rows")


def test_a_row_wider_than_the_limit_is_refused(service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    wide = rewrite(sheet([lan()]), SHEET, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
                         b"</sheetData>"))
    assert "200" in refused_with(client, rt, wide, "too_many_columns")


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
], ids=["xxe", "entity_bomb"])
def test_xml_declaring_entities_is_refused(service: tuple[TestClient, Runtime],
                                           doctype: bytes) -> None:
    client, rt = service
    hostile = rewrite(sheet([lan()]), SHEET, with_doctype(doctype))
    assert "DOCTYPE" in refused_with(client, rt, hostile, "xml_entities_forbidden")
    book = rewrite(sheet([lan()]), "xl/workbook.xml", with_doctype(doctype))
    refused_with(client, rt, book, "xml_entities_forbidden", dry_run="true")


def test_reading_stops_at_the_time_limit(sqlite_settings: Settings) -> None:
    client, rt = open_service(sqlite_settings.model_copy(
        update={"admin_token": ADMIN, "import_max_seconds": 1e-6}))
    with client:
        rows = [lan()[:3] + [f"0311800{n:05d}"] + lan()[4:] for n in range(600)]
        assert "giây" in refused_with(client, rt, sheet(rows), "import_too_slow")
    rt.close()


def test_a_dry_run_does_not_tell_which_national_ids_exist_outside_the_scope(
        service: tuple[TestClient, Runtime]) -> None:
    client, rt = service
    # Lan is on record in KA-TC; a personnel officer of KA-NV guesses her ID among others.
    assert upload(client, sheet([lan("KA-TC")])).status_code == 201
    rt.catch_up()  # the projector applies the import; reading the model directly, wait for it
    m = rt.read_model.moment()
    units = {u["code"]: u["id"] for u in rt.read_model.units(m)}
    lan_id = rt.read_model.cadres(m, q="Lan")[0]["id"]
    access = AccessStore(rt.engine, suite_clock())
    officer = access.create_token(name="nv-ka", role="personnel", unit_id=units["KA-NV"])
    client.headers["Authorization"] = f"Bearer {officer}"

    def guess(national_id: str) -> list[object]:
        return ["Nguyễn Thị Lan", "Nữ", "02/05/1980", national_id, "KA-NV", "truong_phong",
                "01/03/2021", "12-QĐ/QU", "25/02/2021", "Ban Thường vụ Quận ủy"]

    def answer_for(national_id: str) -> dict[str, object]:
        body = upload(client, sheet([guess(national_id)]), dry_run="true").json()
        return {k: body[k] for k in ("ok", "planned", "problems", "events")}

    # The real ID reads exactly as a guessed one: a new person for the officer's unit.
    assert answer_for("031180001234") == answer_for("031180009999")
    assert answer_for("031180001234")["problems"] == []
    # Each dry run is on record, by whom.
    runs = client.get("/api/v1/imports", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    checked = [r for r in runs["imports"] if r["outcome"] == "checked"]
    assert len(checked) == 3 and {r["imported_by"] for r in checked} == {"nv-ka"}
    # A real import of it is refused, and Lan's read audit shows who tried.
    refused = upload(client, sheet([guess("031180001234")]))
    assert refused.status_code == 400
    assert [p["code"] for p in refused.json()["report"]["problems"]] == ["forbidden"]
    reads = client.get("/api/v1/audit/reads", params={"cadre_id": lan_id},
                       headers={"Authorization": f"Bearer {ADMIN}"}).json()["reads"]
    assert [(r["reader"], r["what"]) for r in reads if r["what"] == "import_match"] == \
        [("nv-ka", "import_match")]


def test_imports_are_rate_limited_per_token(sqlite_settings: Settings) -> None:
    client, rt = open_service(sqlite_settings.model_copy(
        update={"admin_token": ADMIN, "import_checks_per_minute": 3}))
    with client:
        for _ in range(3):
            assert upload(client, sheet([lan()]), dry_run="true").status_code == 200
        waited = upload(client, sheet([lan()]), dry_run="true")
        assert waited.status_code == 429 and waited.json()["code"] == "too_many_imports"
        assert int(waited.headers["Retry-After"]) >= 1
        clock = rt.clock
        assert isinstance(clock, PinnedClock)
        clock.move_to(clock.now() + timedelta(minutes=2))
        assert upload(client, sheet([lan()]), dry_run="true").status_code == 200
    rt.close()
