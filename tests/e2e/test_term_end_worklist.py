"""The term-end worklist (QĐ 377: posts whose term ends within 90 working days, and what has
been done), through the API on SQLite and PostgreSQL, at several pinned dates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.calendar import VIETNAM
from domain.commands import Appoint, EndHolding, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, EndingReason, Gender
from domain.working_days import add_working_days
from infra.access import AccessStore
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from tests.conftest import SUITE_AT, SUITE_DAY
from tests.e2e.conftest import module_store
from tests.e2e.test_web_matrix import call, sign_in

ADMIN = "worklist-admin-token"


def qd(number: str, on: date) -> Decision:
    return Decision(number, on, "Ban Thường vụ Đảng ủy phường", "Lê Văn Tổ")


@dataclass
class Ward:
    runtime: Runtime
    clock: PinnedClock
    client: TestClient
    ubnd: UUID
    mttq: UUID
    people: dict[str, UUID]
    tokens: dict[str, str] = field(default_factory=dict)

    def answer(self, who: str, **params: Any) -> Any:
        return self.client.get("/api/v1/worklists/term-ends", params=params,
                               headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def items(self, who: str, **params: Any) -> dict[str, dict[str, Any]]:
        answer = self.answer(who, **params)
        assert answer.status_code == 200, answer.text
        names = {v: k for k, v in self.people.items()}
        return {names[UUID(i["cadre_id"])]: i for i in answer.json()["items"]}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def ward(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Ward]:
    with module_store(request, tmp_path_factory, "worklist", admin_token=ADMIN) as settings:
        clock = PinnedClock(SUITE_AT)  # 24/11/2026
        runtime = open_runtime(settings, clock=clock)
        app = runtime.app
        root = app.register_unit(RegisterUnit(
            code="LH", name="Đảng ủy phường Lãm Hà", kind="dang_uy",
            established_on=date(2000, 1, 1)), recorded_by="setup").id
        ubnd = app.register_unit(RegisterUnit(
            code="LH-UB", name="UBND phường Lãm Hà", kind="ubnd", established_on=date(2000, 1, 1),
            parent_id=root), recorded_by="setup").id
        mttq = app.register_unit(RegisterUnit(
            code="LH-MT", name="Ủy ban MTTQ phường", kind="mttq", established_on=date(2000, 1, 1),
            parent_id=root), recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="pho_chu_tich", name="Phó Chủ tịch UBND", is_head=False, management_tier="quan_uy",
            rank=40), recorded_by="setup")
        people: dict[str, UUID] = {}
        # name: (unit, since, planned end)
        posts = {
            "soon": (ubnd, date(2021, 12, 20), date(2026, 12, 20)),
            "reappointed": (ubnd, date(2022, 1, 15), date(2027, 1, 15)),
            "ending": (mttq, date(2022, 2, 1), date(2027, 2, 1)),
            "far": (ubnd, date(2022, 6, 1), date(2027, 6, 1)),
            "overdue": (mttq, date(2021, 11, 1), date(2026, 11, 1)),
        }
        for n, (name, (unit, since, end)) in enumerate(posts.items()):
            people[name] = app.register_cadre(RegisterCadre(full_name=f"Phạm Văn {name.title()}",
                                                            gender=Gender.NAM,
                                                            born_on=date(1975, 1, 1 + n)),
                                              recorded_by="setup").id
            app.appoint(people[name], Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                              title_code="pho_chu_tich", effective_on=since,
                                              decision=qd(f"{n + 1}/QĐ", since),
                                              planned_end_on=end), recorded_by="setup")
        # Done so far: a reappointment decided ahead of the term's end (recorded as the main
        # line records it today: the term ends, the new one starts the same day), and an ending.
        reappointed_on = date(2027, 1, 15)
        app.end_holding(people["reappointed"], EndHolding(unit_id=ubnd, title_code="pho_chu_tich",
                                                          reason=EndingReason.HET_NHIEM_KY,
                                                          effective_on=reappointed_on,
                                                          decision=qd("31/QĐ", date(2026, 11, 20))),
                        recorded_by="setup")
        app.appoint(people["reappointed"], Appoint(
            kind=ActionKind.BO_NHIEM_LAI, unit_id=ubnd, title_code="pho_chu_tich",
            effective_on=reappointed_on, decision=qd("31/QĐ", date(2026, 11, 20)), term_months=60),
                    recorded_by="setup")
        app.end_holding(people["ending"], EndHolding(unit_id=mttq, title_code="pho_chu_tich",
                                                     reason=EndingReason.NGHI_HUU,
                                                     effective_on=date(2027, 2, 1),
                                                     decision=qd("32/QĐ", date(2026, 11, 20))),
                        recorded_by="setup")
        runtime.catch_up()
        access = AccessStore(runtime.engine, runtime.clock)
        tokens = {"admin": ADMIN,
                  "personnel": access.create_token(name="to_chuc_ubnd", role="personnel",
                                                   unit_id=ubnd),
                  "leader": access.create_token(name="bi_thu", role="leader", unit_id=root),
                  "self": access.create_token(name="pham_van_soon", role="self",
                                              cadre_id=people["soon"])}
        with TestClient(create_app(settings, runtime)) as client:
            yield Ward(runtime, clock, client, ubnd, mttq, people, tokens)
        runtime.close()


def test_the_posts_ending_within_90_working_days_and_what_was_done(ward: Ward) -> None:
    body = ward.answer("leader").json()
    assert body["as_of"] == SUITE_DAY.isoformat() and body["lead_working_days"] == 90
    assert body["reach"] == add_working_days(SUITE_DAY, 90).isoformat() == "2027-04-07"
    items = ward.items("leader")
    assert set(items) == {"soon", "reappointed", "ending", "overdue"}  # not "far"
    assert items["soon"]["status"] == "nothing_recorded" and not items["soon"]["done"]
    assert items["soon"]["planned_end_on"] == "2026-12-20"
    assert items["soon"]["working_days_left"] == 18  # 25/11 to 18/12, Mondays to Fridays
    assert items["soon"]["act_from"] == add_working_days(date(2026, 12, 20), -90).isoformat()
    assert items["reappointed"]["status"] == "reappointment_recorded"
    (done,) = items["reappointed"]["done"]
    assert (done["kind"], done["effective_on"], done["planned_end_on"]) == (
        "bo_nhiem_lai", "2027-01-15", "2032-01-15")
    assert items["ending"]["status"] == "ending_recorded"
    assert items["overdue"]["overdue"] is True and items["overdue"]["working_days_left"] < 0
    order = [i["cadre_id"] for i in ward.answer("admin").json()["items"]]
    assert order[0] == str(ward.people["overdue"])  # soonest first


def test_a_personnel_officer_sees_their_subtree_only(ward: Ward) -> None:
    assert set(ward.items("personnel")) == {"soon", "reappointed"}
    assert ward.answer("personnel", unit_id=str(ward.mttq)).status_code == 403
    assert ward.answer("self").status_code == 403
    assert ward.client.get("/api/v1/worklists/term-ends").status_code == 401


def test_asked_as_of_another_day(ward: Ward) -> None:
    items = ward.items("admin", as_of="2026-08-01")
    # 90 working days of 1/8/2026 reach 8/12 (2/9 and 1/9 off): 1/11 is in, 20/12 not yet.
    assert add_working_days(date(2026, 8, 1), 90) == date(2026, 12, 8)
    assert set(items) == {"overdue"}
    assert items["overdue"]["overdue"] is False


def test_the_web_worklist(ward: Ward) -> None:
    officer = sign_in(ward.client, ward.tokens["personnel"])
    shown = call(ward.client, officer, "GET", "/viec-can-lam/het-nhiem-ky", None, None)
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "Phạm Văn Soon" in text and "Phạm Văn Reappointed" in text
    assert "Phạm Văn Ending" not in text  # another unit's post
    assert "Chưa có quyết định" in text and "Đã có quyết định bổ nhiệm lại" in text
    assert "20/12/2026" in text and "07/04/2027" in text
    outside = call(ward.client, officer, "GET", "/viec-can-lam/het-nhiem-ky", None,
                   {"unit_id": str(ward.mttq)})
    assert outside.status_code == 403
    me = sign_in(ward.client, ward.tokens["self"])
    assert call(ward.client, me, "GET", "/viec-can-lam/het-nhiem-ky", None,
                None).status_code == 403


def test_on_the_28th_and_on_a_years_last_evening(ward: Ward) -> None:
    ward.clock.move_to(datetime(2026, 11, 28, 9, 0, tzinfo=VIETNAM))
    assert "soon" in ward.items("admin")
    ward.clock.move_to(datetime.combine(date(2026, 12, 31), time(23, 30), tzinfo=VIETNAM))
    body = ward.answer("admin").json()
    assert body["as_of"] == "2026-12-31"
    items = ward.items("admin")
    assert items["soon"]["overdue"] is True  # 20/12 has passed, the post is still held
    assert "far" not in items  # 1/6/2027 is beyond 90 working days of 31/12
    assert body["reach"] == add_working_days(date(2026, 12, 31), 90).isoformat()


def test_a_notice_of_the_terms_end_shows_as_done(ward: Ward) -> None:
    """The office records that it gave notice (QĐ 377): the worklist says so, once per term."""
    overdue = ward.people["overdue"]
    held = next(iter(ward.runtime.app.cadre(overdue).holdings().values()))
    admin = {"Authorization": f"Bearer {ward.tokens['admin']}"}
    before = ward.answer("admin").json()["known_at"]
    body = {"cadre_id": str(overdue), "holding_id": str(held.holding_id),
            "notified_on": "2026-07-01", "note": "Đã gửi văn bản thông báo"}
    head = ward.runtime.log.head()
    for wrong, code in ((dict(notified_on="2026-12-01"), "invalid_date"),
                        (dict(holding_id=str(ward.people["far"])), "holding_not_found")):
        refused = ward.client.post("/api/v1/worklists/term-ends/notices", headers=admin,
                                   json={**body, **wrong})
        assert refused.json()["code"] == code, refused.text
    outside = ward.client.post("/api/v1/worklists/term-ends/notices", json=body,
                               headers={"Authorization": f"Bearer {ward.tokens['personnel']}"})
    assert outside.status_code == 403  # the post is in another unit
    assert ward.runtime.log.head() == head
    done = ward.client.post("/api/v1/worklists/term-ends/notices", headers=admin, json=body)
    assert done.status_code == 201, done.text
    again = ward.client.post("/api/v1/worklists/term-ends/notices", headers=admin, json=body)
    assert (again.status_code, again.json()["code"]) == (409, "already_notified")
    item = ward.items("admin")["overdue"]
    assert item["status"] == "notified"
    assert item["done"][0]["what"] == "notified"
    assert item["done"][0]["effective_on"] == "2026-07-01"
    # As the record stood before the notice, nothing had been done.
    assert ward.items("admin", known_at=before)["overdue"]["status"] == "nothing_recorded"


def test_the_notice_is_recorded_from_the_web_worklist(ward: Ward) -> None:
    officer = sign_in(ward.client, ward.tokens["personnel"])
    shown = call(ward.client, officer, "GET", "/viec-can-lam/het-nhiem-ky", None, None)
    assert "Ghi nhận đã thông báo" in shown.text
    held = next(iter(ward.runtime.app.cadre(ward.people["soon"]).holdings().values()))
    done = call(ward.client, officer, "POST", "/viec-can-lam/het-nhiem-ky/thong-bao",
                {"cadre_id": str(ward.people["soon"]), "holding_id": str(held.holding_id),
                 "notified_on": "20/11/2026"}, None)
    assert done.status_code == 303, done.text[:300]
    after = call(ward.client, officer, "GET", "/viec-can-lam/het-nhiem-ky", None, None)
    assert "Đã thông báo hết thời hạn" in after.text and "20/11/2026" in after.text
    leader = sign_in(ward.client, ward.tokens["leader"])
    refused = call(ward.client, leader, "POST", "/viec-can-lam/het-nhiem-ky/thong-bao",
                   {"cadre_id": str(ward.people["far"]), "holding_id": str(held.holding_id),
                    "notified_on": "20/11/2026"}, None)
    assert refused.status_code == 403
