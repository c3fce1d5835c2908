"""The public hồ sơ công vụ (contract v1.1 "Public"), API and web, on SQLite and PostgreSQL:
no token, only the fields of the dated publication policy, no erased cadre, diacritics-blind
search, a rate limit shared by every worker, and no row in the personal-data read audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import (
    AddRelative,
    Appoint,
    EndHolding,
    Evaluate,
    ImposeDiscipline,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.publication import NEVER_PUBLISHED, POLICIES, policy_on
from domain.values import ActionKind, Decision, EndingReason, Gender
from infra.access import AccessStore
from infra.erasure import erase_personal_data
from infra.runtime import Runtime, open_runtime
from tests.e2e.conftest import module_store

ADMIN = "public-admin-token"
NATIONAL_ID = "031178004512"
HOMETOWN = "Tiên Lãng, Hải Phòng"


@dataclass
class Town:
    runtime: Runtime
    client: TestClient
    ward: UUID
    office: UUID
    duc: UUID  # Đặng Văn Đức: chairman since 2020, head of office 2015-2019
    erased: UUID


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def town(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Town]:
    with module_store(request, tmp_path_factory, "public", admin_token=ADMIN,
                      public_reads_per_minute=10_000) as settings:
        runtime = open_runtime(settings)
        app = runtime.app
        by = "ban_to_chuc"
        ward = app.register_unit(RegisterUnit(
            code="PL", name="UBND phường Lãm Hà", kind="ubnd", established_on=date(2000, 1, 1)),
            recorded_by=by).id
        office = app.register_unit(RegisterUnit(
            code="PL-VP", name="Văn phòng HĐND-UBND", kind="phong", established_on=date(2000, 1, 1),
            parent_id=ward), recorded_by=by).id
        app.register_title(RegisterTitle(
            code="chu_tich", name="Chủ tịch UBND", is_head=True, management_tier="quan_uy",
            rank=50), recorded_by=by)
        app.register_title(RegisterTitle(
            code="chanh_vp", name="Chánh Văn phòng", is_head=True, management_tier="quan_uy",
            rank=30), recorded_by=by)
        duc = app.register_cadre(RegisterCadre(full_name="Đặng Văn Đức", gender=Gender.NAM,
                                               born_on=date(1972, 9, 14), ethnicity="Kinh",
                                               religion="Phật giáo", hometown=HOMETOWN,
                                               national_id=NATIONAL_ID), recorded_by=by).id
        first = Decision("15-QĐ/UBND", date(2015, 2, 20), "UBND quận Kiến An", "Phạm Văn Mạnh")
        app.appoint(duc, Appoint(kind=ActionKind.BO_NHIEM, unit_id=office, title_code="chanh_vp",
                                 effective_on=date(2015, 3, 1), decision=first), recorded_by=by)
        app.end_holding(duc, EndHolding(unit_id=office, title_code="chanh_vp", reason=EndingReason.DIEU_DONG, effective_on=date(2019, 12, 31), decision=Decision("88-QĐ/QU", date(2019, 12, 20),
                                          "Ban Thường vụ Quận ủy", "Lê Toàn Khánh")), recorded_by=by)
        app.appoint(duc, Appoint(kind=ActionKind.BAU_CU, unit_id=ward, title_code="chu_tich", effective_on=date(2020, 1, 1), decision=Decision("02/NQ-HĐND", date(2019, 12, 30), "HĐND phường Lãm Hà",
                                      "Nguyễn Văn Hòa")), recorded_by=by)
        app.discipline(duc, ImposeDiscipline(
            form="khien_trach", violation="Chậm kê khai tài sản", effective_on=date(2025, 6, 1),
            decision=Decision("7-QĐ/UBKT", date(2025, 6, 1), "UBKT Quận ủy", "Hà")),
                       recorded_by=by)
        app.evaluate(duc, Evaluate(period="2025", rating="HTXSNV", decided_on=date(2025, 12, 20)),
                     recorded_by=by)
        app.add_relative(duc, AddRelative(relation="vo", full_name="Trần Thị Hiền", born_year=1975),
                         recorded_by=by)
        erased = app.register_cadre(RegisterCadre(full_name="Đỗ Thị Xóa", gender=Gender.NU,
                                                  born_on=date(1980, 1, 1)), recorded_by=by).id
        app.appoint(erased, Appoint(kind=ActionKind.BO_NHIEM, unit_id=office,
                                    title_code="chanh_vp", effective_on=date(2020, 2, 1),
                                    decision=first), recorded_by=by)
        runtime.catch_up()
        erase_personal_data(runtime, erased, reason="Yêu cầu của chủ thể dữ liệu",
                            recorded_by="admin")
        with TestClient(create_app(settings, runtime)) as client:
            yield Town(runtime, client, ward, office, duc, erased)
        runtime.close()


def test_search_folds_diacritics_and_lists_current_posts(town: Town) -> None:
    for q in ("dang van duc", "ĐẶNG VĂN ĐỨC", "Duc"):
        found = town.client.get("/api/v1/public/cadres", params={"q": q}).json()["cadres"]
        assert [c["id"] for c in found] == [str(town.duc)], q
    (duc,) = town.client.get("/api/v1/public/cadres",
                             params={"unit_id": str(town.ward)}).json()["cadres"]
    assert duc["full_name"] == "Đặng Văn Đức"
    assert [(p["title"], p["unit"]) for p in duc["posts"]] == [("Chủ tịch UBND",
                                                               "UBND phường Lãm Hà")]
    assert set(duc) == {"id", "full_name", "posts"}


def test_the_public_page_holds_posts_and_decisions_and_nothing_personal(town: Town) -> None:
    answer = town.client.get(f"/api/v1/public/cadres/{town.duc}")
    assert answer.status_code == 200
    body = answer.json()
    (holding,) = body["holdings"]
    assert holding["title"] == "Chủ tịch UBND" and holding["since"] == "2020-01-01"
    assert holding["decision"] == {"number": "02/NQ-HĐND", "signed_on": "2019-12-30",
                                   "issuer": "HĐND phường Lãm Hà"}
    assert [(h["event"], h["on"], h["kind"]) for h in body["history"]] == [
        ("appointment", "2015-03-01", "bo_nhiem"), ("ending", "2019-12-31", "dieu_dong"),
        ("appointment", "2020-01-01", "bau_cu")]
    assert body["history"][1]["decision"]["number"] == "88-QĐ/QU"
    assert body["born_year"] == 1972
    text = answer.text
    for secret in (NATIONAL_ID, "Tiên Lãng", "Kinh", "Phật giáo", "1972-09-14", "Trần Thị Hiền",
                   "khien_trach", "Chậm kê khai", "HTXSNV", "Lê Toàn Khánh", "ban_to_chuc"):
        assert secret not in text, secret
    assert not set(body) & NEVER_PUBLISHED


def test_an_erased_cadre_is_not_published(town: Town) -> None:
    assert town.client.get(f"/api/v1/public/cadres/{town.erased}").status_code == 404
    # Not by asking for a moment before the erasure either.
    assert town.client.get(f"/api/v1/public/cadres/{town.erased}",
                           params={"known_at": "2000-01-01T00:00:00+00:00"}).status_code == 404
    listed = town.client.get("/api/v1/public/cadres",
                             params={"unit_id": str(town.office), "as_of": "2020-06-01"})
    assert str(town.erased) not in listed.text and "đã hủy" not in listed.text
    assert town.client.get(f"/cong-khai/can-bo/{town.erased}").status_code == 404


def test_public_reads_are_not_in_the_read_audit(town: Town) -> None:
    access = AccessStore(town.runtime.engine, town.runtime.clock)
    before = len(access.reads(limit=5000))
    town.client.get("/api/v1/public/cadres", params={"q": "duc"})
    town.client.get(f"/api/v1/public/cadres/{town.duc}")
    town.client.get("/cong-khai", params={"q": "duc"})
    town.client.get(f"/cong-khai/can-bo/{town.duc}")
    assert len(access.reads(limit=5000)) == before


def test_public_reads_are_rate_limited_across_workers(town: Town) -> None:
    """Two apps on one store stand for two workers: they share the count per address."""
    settings = town.runtime.settings.model_copy(update={"admin_token": ADMIN,
                                                        "public_reads_per_minute": 4})
    address = ("203.0.113.7", 4000)
    with TestClient(create_app(settings, town.runtime), client=address) as one, \
            TestClient(create_app(settings, town.runtime), client=address) as two:
        answers = [c.get("/api/v1/public/cadres", params={"q": "duc"}).status_code
                   for c in (one, two, one, two)]
        assert answers == [200] * 4
        refused = two.get(f"/api/v1/public/cadres/{town.duc}")
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
        assert int(refused.headers["Retry-After"]) >= 1
        assert one.get("/cong-khai").status_code == 429  # the web pages share the limit
    with TestClient(create_app(settings, town.runtime), client=("203.0.113.8", 1)) as other:
        assert other.get("/api/v1/public/cadres").status_code == 200  # another address


def test_the_web_pages_need_no_sign_in(town: Town) -> None:
    town.client.cookies.clear()
    search = town.client.get("/cong-khai", params={"q": "dang van duc"})
    assert search.status_code == 200 and "Đặng Văn Đức" in search.text
    link = re.search(r'href="(/cong-khai/can-bo/[0-9a-f-]+)"', search.text)
    assert link is not None
    shown = town.client.get(link.group(1))
    assert shown.status_code == 200
    assert "Chủ tịch UBND" in shown.text and "02/NQ-HĐND" in shown.text
    assert "Năm sinh 1972" in shown.text
    for secret in (NATIONAL_ID, "Tiên Lãng", "Phật giáo", "14/09/1972", "Trần Thị Hiền",
                   "Khiển trách"):
        assert secret not in shown.text, secret
    assert town.client.get(f"/cong-khai/can-bo/{UUID(int=7)}").status_code == 404


def test_the_policy_is_dated_sourced_and_never_lists_a_sensitive_field() -> None:
    for policy in POLICIES:
        assert policy.source and "[verify]" in policy.source + policy.why
        assert not set(policy.profile_fields) & NEVER_PUBLISHED
        assert "signer" not in policy.decision_fields
        assert policy.publishes_disciplines is False and policy.publishes_ratings is False
    assert policy_on(date(2026, 11, 24)).valid_from == date(2026, 1, 1)
    assert policy_on(date(1990, 1, 1)) is POLICIES[0]
