"""Reports over HTTP, against a running server: the seed's figures as JSON, Excel and Word; the
same question asked again after a correction answers the same digest; who may ask what."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from api import documents
from infra.clock import PinnedClock
from infra.demo import BulkApplication
from infra.persistence import application_env
from infra.runtime import open_runtime
from infra.settings import Settings
from tests.e2e.conftest import Server, ok, running_server
from tests.integration.test_reports_seed_kien_an import (
    RECORDED_ON,
    District,
    record_kien_an,
)

SEED_YEAR = {"from": "2021-07-12", "to": "2022-06-30"}
QUALITY = {"as_of": "2022-06-30", "tier": "quan_uy"}


@dataclass
class Served:
    server: Server
    district: District


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = Path(tmp_path_factory.mktemp("reports_api")) / "hoso.sqlite3"
    settings = Settings(database_url=f"sqlite:///{path}")
    app = BulkApplication(env=application_env(settings), clock=PinnedClock.on(RECORDED_ON))
    with app.batch():
        district = record_kien_an(app)
    open_runtime(settings, app=app).close()
    with running_server(settings) as server:
        yield Served(server, district)


def test_the_seed_figures_as_json(served: Served) -> None:
    with served.server.client() as http:
        response = http.get("/reports/cadre-quality", params=QUALITY)
        q = ok(response)
        assert (q["total"], q["female"], q["under_35"]) == (204, 124, 9)
        assert response.headers["X-Report-Digest"] == q["digest"]
        assert {"as_of", "known_at", "position", "by_political_theory", "by_state_management",
                "by_education", "by_age_band", "units"} <= set(q)
        e = ok(http.get("/reports/evaluations", params={"period": "2021", "tier": "quan_uy"}))
        assert e["total"] == 125
        assert e["by_rating"]["HTTNV"] == {"count": 111, "percent": 88.8}
        a = ok(http.get("/reports/actions", params={**SEED_YEAR, "tier": "quan_uy"}))
        assert {k: a["by_kind"][k] for k in ("bo_nhiem_lai", "bo_nhiem", "dieu_dong_bo_nhiem",
                                             "dieu_dong_chi_dinh", "gioi_thieu_ung_cu")} == {
            "bo_nhiem_lai": 8, "bo_nhiem": 2, "dieu_dong_bo_nhiem": 19,
            "dieu_dong_chi_dinh": 8, "gioi_thieu_ung_cu": 15}
        t = ok(http.get("/reports/training", params=SEED_YEAR))
        assert t["by_program"]["llct_cao_cap"] == 3
        v = ok(http.get("/reports/vettings", params=SEED_YEAR))
        assert v["by_purpose"]["quy hoạch"] == 120


def test_excel_and_word_files(served: Served) -> None:
    with served.server.client() as http:
        xlsx = http.get("/reports/cadre-quality", params={**QUALITY, "format": "xlsx"})
        assert xlsx.status_code == 200
        assert xlsx.headers["content-type"] == documents.XLSX_MEDIA_TYPE
        assert "attachment" in xlsx.headers["content-disposition"]
        book = load_workbook(io.BytesIO(xlsx.content))
        assert book["Tổng hợp"]["B3"].value == 204
        docx = http.get("/reports/evaluations",
                        params={"period": "2021", "tier": "quan_uy", "format": "docx"})
        assert docx.headers["content-type"] == documents.DOCX_MEDIA_TYPE
        text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
        assert "Hoàn thành tốt nhiệm vụ: 111 đồng chí (= 88,8%)" in text
        footer = "\n".join(p.text for p in Document(io.BytesIO(docx.content))
                           .sections[0].footer.paragraphs)
        assert docx.headers["X-Report-Digest"] in footer
        monthly = http.get("/reports/monthly", params={"month": "2022-05", "tier": "quan_uy",
                                                       "format": "docx"})
        assert monthly.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(monthly.content)).paragraphs)
        assert "tháng 5/2022" in text


def test_asked_again_after_a_correction_the_same_digest(served: Served) -> None:
    cadre = served.district.cadres[44]
    with served.server.client() as http:
        sent = ok(http.get("/reports/actions", params={**SEED_YEAR, "tier": "quan_uy"}))
        record = ok(http.get(f"/cadres/{cadre}/record"))
        nomination = next(e for e in record["entries"] if e["type"] == "Nominated")
        response = http.post(f"/cadres/{cadre}/corrections", json={
            "target_position": nomination["position"], "reason": "Không giới thiệu ứng cử"})
        assert response.status_code == 201, response.text
        now = ok(http.get("/reports/actions", params={**SEED_YEAR, "tier": "quan_uy"}))
        assert now["by_kind"]["gioi_thieu_ung_cu"] == sent["by_kind"]["gioi_thieu_ung_cu"] - 1
        again = ok(http.get("/reports/actions", params={
            **SEED_YEAR, "tier": "quan_uy", "known_at": sent["known_at"]}))
        assert again["digest"] == sent["digest"] and again["position"] == sent["position"]
        assert {k: v for k, v in again.items() if k != "known_at"} == {
            k: v for k, v in sent.items() if k != "known_at"}


def problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_who_may_ask_what(served: Served) -> None:
    s, d = served.server, served.district
    ward, other = d.wards[0], d.wards[1]
    leader = s.token(name="Bí thư phường Bắc Sơn", role="leader", unit_id=ward)
    personnel = s.token(name="Ban Tổ chức quận", role="personnel", unit_id=d.root)
    inspector = s.token(name="Ủy ban Kiểm tra", role="inspector")
    me = s.token(name="Cán bộ", role="self", cadre_id=d.cadres[0])
    with s.client(leader) as http:
        problem(http.get("/reports/cadre-quality", params=QUALITY), 403, "forbidden")
        problem(http.get("/reports/cadre-quality", params={**QUALITY, "unit_id": str(other)}),
                403, "forbidden")
        mine = ok(http.get("/reports/cadre-quality", params={**QUALITY, "unit_id": str(ward)}))
        assert mine["scope"]["unit_name"] == "Phường Bắc Sơn" and 0 < mine["total"] < 204
    with s.client(personnel) as http:
        ok(http.get("/reports/actions", params={**SEED_YEAR, "unit_id": str(d.root)}))
    with s.client(inspector) as http:
        ok(http.get("/reports/training", params=SEED_YEAR))
    with s.client(me) as http:
        problem(http.get("/reports/training", params=SEED_YEAR), 403, "forbidden")
    with s.client(None) as http:
        assert http.get("/reports/training", params=SEED_YEAR).status_code == 401


def test_questions_that_cannot_be_answered(served: Served) -> None:
    with served.server.client() as http:
        problem(http.get("/reports/evaluations", params={"period": "2021-Q5"}), 400,
                "invalid_period")
        problem(http.get("/reports/cadre-quality", params={"tier": "khong_co"}), 400,
                "unknown_tier")
        problem(http.get("/reports/cadre-quality",
                         params={"unit_id": "00000000-0000-0000-0000-000000000001"}), 404,
                "unit_not_found")
        problem(http.get("/reports/actions", params={"from": "2022-06-30", "to": "2022-01-01"}),
                400, "invalid_range")
        assert http.get("/reports/actions", params={"from": "2022-01-01"}).status_code == 422
        assert http.get("/reports/training", params={**SEED_YEAR,
                                                     "format": "pdf"}).status_code == 422
