"""`hoso report ...`: the monthly report and the seed's figures written to Word, Excel, JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from infra.clock import PinnedClock
from infra.demo import BulkApplication
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings, get_settings
from tests.integration.test_reports_seed_kien_an import RECORDED_ON, District, record_kien_an


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, District]]:
    path = Path(tmp_path_factory.mktemp("reports_cli")) / "hoso.sqlite3"
    settings = Settings(database_url=f"sqlite:///{path}")
    bulk = BulkApplication(env=application_env(settings), clock=PinnedClock.on(RECORDED_ON))
    with bulk.batch():
        recorded = record_kien_an(bulk)
    open_runtime(settings, app=bulk).close()
    yield settings, recorded


@pytest.fixture
def cli(district: tuple[Settings, District],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HOSO_DATABASE_URL", district[0].database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_monthly_report_as_a_word_file(cli: CliRunner, district: tuple[Settings, District],
                                           tmp_path: Path) -> None:
    out = tmp_path / "bao-cao-thang-5.docx"
    result = cli.invoke(app, ["report", "monthly", "--month", "2022-05", "--unit",
                              str(district[1].root), "--tier", "quan_uy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    digest = result.stdout.strip().splitlines()[-1].removeprefix("digest ")
    word = Document(io.BytesIO(out.read_bytes()))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Công tác tổ chức, cán bộ tháng 5/2022" in text
    assert "Tính đến 31/5/2022, Quận ủy Kiến An có 204 cán bộ diện Quận ủy quản lý" in text
    assert "năm 2021: tổng số 125 đồng chí" in text
    footer = "\n".join(p.text for p in word.sections[0].footer.paragraphs)
    assert digest in footer and "2022-05-31" in footer


def test_the_seed_figures_to_excel_and_json(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "chat-luong.xlsx"
    result = cli.invoke(app, ["report", "cadre-quality", "--as-of", "2022-06-30", "--tier",
                              "quan_uy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Tổng hợp"]
    assert [sheet[f"B{r}"].value for r in (3, 4, 5)] == [204, 124, 9]

    result = cli.invoke(app, ["report", "evaluations", "--period", "2021", "--tier", "quan_uy"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["by_rating"]["HTTNV"] == {"count": 111, "percent": 88.8}
    again = cli.invoke(app, ["report", "evaluations", "--period", "2021", "--tier", "quan_uy",
                             "--known-at", report["known_at"]])
    assert json.loads(again.stdout)["digest"] == report["digest"]

    out = tmp_path / "hanh-dong.json"
    result = cli.invoke(app, ["report", "actions", "--from", "2021-07-12", "--to", "2022-06-30",
                              "--tier", "quan_uy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["by_kind"]["dieu_dong_bo_nhiem"] == 19
    for command in (["training"], ["vettings"], ["summary"]):
        result = cli.invoke(app, ["report", *command, "--from", "2021-07-12", "--to",
                                  "2022-06-30", "-o", str(tmp_path / f"{command[0]}.docx")])
        assert result.exit_code == 0, result.output


def test_bad_arguments_exit_with_2(cli: CliRunner, tmp_path: Path) -> None:
    for args in (["report", "evaluations", "--period", "2021-Q9"],
                 ["report", "monthly", "--month", "10/2026"],
                 ["report", "monthly", "--period", "2026-13"],
                 ["report", "cadre-quality", "--as-of", "30/6/2022"],
                 ["report", "cadre-quality", "--tier", "khong_co"],
                 ["report", "cadre-quality", "-o", str(tmp_path / "x.pdf")],
                 ["report", "actions", "--from", "2022-06-30", "--to", "2022-01-01"]):
        result = cli.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)


@pytest.mark.parametrize(("clock_at", "period"), [
    # The monthly cycle's last closed period (15th to 14th) on Vietnam's date, not UTC's.
    ("2027-12-14T17:30:00+00:00", "2027-12"),  # 15/12 in Vietnam, still the 14th in UTC
    ("2027-12-14T16:30:00+00:00", "2027-11"),
    ("2027-12-31T17:30:00+00:00", "2027-12"),  # New Year's Day in Vietnam
    ("2028-02-29T18:30:00+00:00", "2028-02"),
    ("2026-11-28T02:00:00+00:00", "2026-11"),
])
def test_the_monthly_report_defaults_to_the_last_closed_period(
        cli: CliRunner, monkeypatch: pytest.MonkeyPatch, clock_at: str, period: str) -> None:
    monkeypatch.setenv("HOSO_CLOCK_AT", clock_at)
    get_settings.cache_clear()
    result = cli.invoke(app, ["report", "monthly"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reporting_period"]["name"] == period
    assert report["as_of"] == report["reporting_period"]["last"]
