"""A report or a hồ sơ công vụ exported today verifies offline on a machine with only the public
key: JSON, Excel and Word; an edited figure, cell or paragraph is refused."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import orjson
import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.notes import new_signer, write_key_pair
from infra.runtime import open_runtime
from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "certificate-admin-token"
H = {"Authorization": f"Bearer {ADMIN}"}


def verify_report(file: Path, public_key: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    """`hoso verify-report` as on a fresh machine: no store, no HOSO_SIGNING_KEY, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env["HOSO_DATABASE_URL"] = f"sqlite:///{tmp / 'fresh' / 'never.sqlite3'}"
    return subprocess.run([sys.executable, "-m", "api", "verify-report", str(file),
                           "--public-key", str(public_key)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, UUID]]:
    tmp = tmp_path_factory.mktemp("certificates")
    key = tmp / "log.key"
    write_key_pair(new_signer("hoso.test/kien-an"), key)
    settings = Settings(database_url=f"sqlite:///{tmp / 'hoso.sqlite3'}", admin_token=ADMIN,
                        signing_key=key)
    runtime = open_runtime(settings)
    app = runtime.app
    unit = app.register_unit(RegisterUnit(
        code="UB", name="UBND quận", kind="ubnd", established_on=date(2000, 1, 1)),
        recorded_by="setup").id
    app.register_title(RegisterTitle(
        code="pct", name="Phó Chủ tịch", is_head=False, management_tier="quan_uy"),
        recorded_by="setup")
    cadre = app.register_cadre(RegisterCadre(full_name="Trần Thị Hoa", gender=Gender.NU,
                                             born_on=date(1980, 5, 1)), recorded_by="setup").id
    app.appoint(cadre, Appoint(
        kind=ActionKind.BO_NHIEM, unit_id=unit, title_code="pct", effective_on=date(2021, 3, 1),
        decision=Decision("41-QĐ/QU", date(2021, 2, 20), "Quận ủy", "Lê Toàn Khánh")),
                recorded_by="setup")
    with TestClient(create_app(settings, runtime)) as client:
        yield client, key.with_name("log.key.pub"), cadre
    runtime.close()


def fetch(client: TestClient, url: str, tmp: Path, name: str, **params: str) -> Path:
    answer = client.get(url, headers=H, params=params)
    assert answer.status_code == 200, answer.text
    path = tmp / name
    path.write_bytes(answer.content)
    return path


QUALITY = "/api/v1/reports/cadre-quality"


def test_a_json_report_verifies_and_an_edited_figure_is_refused(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    client, public_key, _ = issued
    path = fetch(client, QUALITY, tmp_path, "report.json", as_of="2022-06-30")
    report = orjson.loads(path.read_bytes())
    assert report["certificate"]["format"] == "hoso-certificate/v1"
    ok = verify_report(path, public_key, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "report/cadre_quality" in ok.stdout and "verified" in ok.stdout
    assert f"position {report['position']}" in ok.stdout
    assert not (tmp_path / "fresh" / "never.sqlite3").exists()  # no store was needed

    report["female"] += 1
    path.write_bytes(orjson.dumps(report))
    refused = verify_report(path, public_key, tmp_path)
    assert refused.returncode == 1 and "altered" in refused.stdout, refused.stdout


def test_a_report_with_its_digest_recomputed_is_still_refused(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    from projections.reports import body_of, digest_of

    client, public_key, _ = issued
    path = fetch(client, QUALITY, tmp_path, "report.json", as_of="2022-06-30")
    report = orjson.loads(path.read_bytes())
    report["total"] += 5
    report["digest"] = digest_of({k: v for k, v in body_of(report).items()
                                  if k != "certificate"})
    path.write_bytes(orjson.dumps(report))
    refused = verify_report(path, public_key, tmp_path)
    assert refused.returncode == 1, refused.stdout
    assert "the certificate signed" in refused.stdout


def test_an_excel_report_verifies_and_an_edited_cell_is_refused(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    client, public_key, _ = issued
    path = fetch(client, QUALITY, tmp_path, "report.xlsx", as_of="2022-06-30", format="xlsx")
    book = load_workbook(path)
    code = book.properties.identifier
    assert code and code.startswith("HOSO-CERT hoso.test/kien-an")
    assert code in book.worksheets[0].oddFooter.left.text  # printed on every page
    ok = verify_report(path, public_key, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    sheet = book.worksheets[0]
    sheet.cell(row=3, column=2).value = 999
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    refused = verify_report(edited, public_key, tmp_path)
    assert refused.returncode == 1, refused.stdout
    assert "visible content differs" in refused.stdout


def test_a_word_report_verifies_and_an_edited_paragraph_is_refused(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    client, public_key, _ = issued
    path = fetch(client, QUALITY, tmp_path, "report.docx", as_of="2022-06-30", format="docx")
    doc = Document(io.BytesIO(path.read_bytes()))
    code = doc.core_properties.identifier
    assert code.startswith("HOSO-CERT")
    assert any(code in p.text for p in doc.sections[0].footer.paragraphs)
    ok = verify_report(path, public_key, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    doc.paragraphs[-1].add_run(" (đã sửa)")
    edited = tmp_path / "edited.docx"
    doc.save(str(edited))
    refused = verify_report(edited, public_key, tmp_path)
    assert refused.returncode == 1, refused.stdout
    assert "visible content differs" in refused.stdout


def test_a_cadres_record_verifies_with_a_proof_for_every_entry(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    client, public_key, cadre = issued
    path = fetch(client, f"/api/v1/cadres/{cadre}/record", tmp_path, "record.json")
    record = orjson.loads(path.read_bytes())
    positions = {e["position"] for e in record["entries"]}
    proven = {e["entry_position"] for e in record["certificate"]["entries"]}
    assert positions <= proven
    ok = verify_report(path, public_key, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"record/{cadre}" in ok.stdout

    record["entries"][0]["summary"] += " và Chủ tịch"
    path.write_bytes(orjson.dumps(record))
    refused = verify_report(path, public_key, tmp_path)
    assert refused.returncode == 1 and "altered" in refused.stdout, refused.stdout


def test_another_services_key_does_not_verify(
        issued: tuple[TestClient, Path, UUID], tmp_path: Path) -> None:
    client, _, _ = issued
    path = fetch(client, QUALITY, tmp_path, "report.json", as_of="2022-06-30")
    other = tmp_path / "other.key"
    write_key_pair(new_signer("hoso.test/kien-an"), other)
    refused = verify_report(path, other.with_name("other.key.pub"), tmp_path)
    assert refused.returncode == 1, refused.stdout
    assert "no signature of" in refused.stdout
