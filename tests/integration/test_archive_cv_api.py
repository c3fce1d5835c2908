"""The 2C CV (sơ yếu lý lịch) of a cadre as of a date: filled from the record, with the work
history table from the holdings; the same access rules and read audit as the record."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from docx import Document
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.documents_cv import DOCX_MEDIA_TYPE
from domain.commands import (
    AddRelative,
    Appoint,
    EndHolding,
    ImposeDiscipline,
    RecordTraining,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.values import (
    ActionKind,
    Decision,
    DisciplineForm,
    EndingReason,
    Gender,
    PoliticalTheory,
    Relation,
    TrainingMode,
)
from infra.access import AccessStore
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings, get_settings
from tests.conftest import suite_clock

TODAY = date(2026, 11, 24)
ADMIN = "cv-admin-token"


def decision(number: str, signed_on: date) -> Decision:
    return Decision(number, signed_on, "Ban Thường vụ Quận ủy", "Lê Toàn Khánh")


@pytest.fixture
def service(sqlite_settings: Settings) -> Iterator[tuple[TestClient, Runtime, UUID]]:
    settings = sqlite_settings.model_copy(update={"admin_token": ADMIN})
    rt = open_runtime(settings, clock=PinnedClock.on(TODAY))
    app = rt.app
    ka = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(2000, 1, 1)),
        recorded_by="to_chuc").id
    nv = app.register_unit(RegisterUnit(
        code="KA-NV", name="Phòng Nội vụ", kind="phong", established_on=date(2000, 1, 1),
        parent_id=ka), recorded_by="to_chuc").id
    app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="to_chuc")
    app.register_title(RegisterTitle(
        code="pho_truong_phong", name="Phó Trưởng phòng", is_head=False, management_tier="quan_uy",
        rank=4), recorded_by="to_chuc")
    lan = app.register_cadre(RegisterCadre(
        full_name="Nguyễn Thị Lan", gender=Gender.NU, born_on=date(1980, 5, 2),
        hometown="Kiến Thụy, Hải Phòng", ethnicity="Kinh", national_id="031180001234",
        political_theory=PoliticalTheory.TRUNG_CAP, party_joined_on=date(2005, 5, 19)),
                             recorded_by="to_chuc").id
    app.appoint(lan, Appoint(kind=ActionKind.BO_NHIEM, unit_id=nv, title_code="pho_truong_phong",
                             effective_on=date(2016, 3, 1),
                             decision=decision("8-QĐ/QU", date(2016, 2, 20))),
                recorded_by="to_chuc")
    app.end_holding(lan, EndHolding(unit_id=nv, title_code="pho_truong_phong",
                                    reason=EndingReason.DIEU_DONG, effective_on=date(2021, 3, 1),
                                    decision=decision("12-QĐ/QU", date(2021, 2, 25))),
                    recorded_by="to_chuc")
    app.appoint(lan, Appoint(kind=ActionKind.BO_NHIEM, unit_id=nv, title_code="truong_phong",
                             effective_on=date(2021, 3, 1),
                             decision=decision("12-QĐ/QU", date(2021, 2, 25))),
                recorded_by="to_chuc")
    app.record_training(lan, RecordTraining(program="llct_cao_cap", started_on=date(2022, 9, 1),
                                            completed_on=date(2023, 6, 30),
                                            institution="Học viện Chính trị khu vực I",
                                            mode=TrainingMode.TAI_CHUC), recorded_by="to_chuc")
    app.add_relative(lan, AddRelative(relation=Relation.CHONG, full_name="Trần Văn Hùng",
                                      born_year=1978), recorded_by="to_chuc")
    app.discipline(lan, ImposeDiscipline(form=DisciplineForm.KHIEN_TRACH,
                                         effective_on=date(2024, 1, 10), violation="Chậm báo cáo",
                                         decision=decision("30-QĐ/UBKT", date(2024, 1, 5))),
                   recorded_by="to_chuc")
    rt.catch_up()
    with TestClient(create_app(settings, rt)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        yield client, rt, lan
    rt.close()


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    parts += [p.text for p in doc.sections[0].footer.paragraphs]
    return "\n".join(parts)


def test_cv_as_of_a_date_with_work_history_and_read_audit(
        service: tuple[TestClient, Runtime, UUID]) -> None:
    client, rt, lan = service
    answer = client.get(f"/api/v1/cadres/{lan}/cv", params={"format": "docx"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == DOCX_MEDIA_TYPE
    assert "attachment" in answer.headers["content-disposition"]
    text = text_of(answer.content)
    head = rt.read_model.applied_position()
    for expected in ("Mẫu 2C-BNV/2008", "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC", "NGUYỄN THỊ LAN",
                     "Nữ", "Kiến Thụy, Hải Phòng", "031180001234", "19/5/2005", "Cao cấp",
                     "Trưởng phòng – Phòng Nội vụ", "03/2016 – 03/2021", "03/2021 – nay",
                     "QĐ số 12-QĐ/QU", "Học viện Chính trị khu vực I", "Tại chức",
                     "Trần Văn Hùng", "Chồng", "Khiển trách", f"vị trí sổ ghi {head}"):
        assert expected in text, expected

    # As of 2018: one holding, then still going; no later training or discipline.
    past = text_of(client.get(f"/api/v1/cadres/{lan}/cv",
                              params={"as_of": "2018-01-01"}).content)
    assert "03/2016 – nay" in past and "03/2021" not in past
    assert "Khiển trách" not in past and "Trung cấp" in past

    reads = AccessStore(rt.engine, suite_clock()).reads(cadre_id=lan)
    assert [(r.reader, r.what, r.as_of) for r in reads[:2]] == [
        ("admin", "cv", date(2018, 1, 1)), ("admin", "cv", TODAY)]


def test_cv_access_rules_are_the_records(service: tuple[TestClient, Runtime, UUID]) -> None:
    client, rt, lan = service
    assert client.get(f"/api/v1/cadres/{uuid4()}/cv").status_code == 404
    assert client.get(f"/api/v1/cadres/{lan}/cv", params={"format": "pdf"}).status_code == 422
    store = AccessStore(rt.engine, suite_clock())
    own = store.create_token(name="lan", role="self", cadre_id=lan)
    other = store.create_token(name="x", role="self", cadre_id=uuid4())
    assert client.get(f"/api/v1/cadres/{lan}/cv",
                      headers={"Authorization": f"Bearer {own}"}).status_code == 200
    denied = client.get(f"/api/v1/cadres/{lan}/cv", headers={"Authorization": f"Bearer {other}"})
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    assert client.get(f"/api/v1/cadres/{lan}/cv", headers={"Authorization": ""}).status_code == 401
    assert {r.reader for r in store.reads(cadre_id=lan)} == {"lan"}


def test_hoso_cv_writes_the_document(service: tuple[TestClient, Runtime, UUID], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    _, rt, lan = service
    monkeypatch.setenv("HOSO_DATABASE_URL", rt.settings.database_url)
    get_settings.cache_clear()
    try:
        target = tmp_path / "lan.docx"
        result = CliRunner().invoke(app, ["cv", str(lan), "--as-of", "2022-01-01",
                                          "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert "03/2021 – nay" in text_of(target.read_bytes())
        assert CliRunner().invoke(app, ["cv", "not-a-uuid", "-o", str(target)]).exit_code == 2
    finally:
        get_settings.cache_clear()
