"""The monthly cycle (seed 004 IV.1: "báo cáo định kỳ về Ban Thường vụ trước ngày 28 hằng
tháng"), through the API on SQLite and PostgreSQL, with the clock pinned and moved forward:
the default period, a unit's submission, the units still to submit (late on the 28th), and the
committee's consolidated report rebuilding what was submitted after the record moved on.

The tests of this module run in order: each moves the one clock forward (recorded time never
goes back along the log).
"""

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
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from projections.reports import body_of, digest_of
from tests.conftest import SUITE_AT
from tests.e2e.conftest import module_store
from tests.e2e.test_web_matrix import Browser, call, sign_in

ADMIN = "monthly-admin-token"
QD = Decision("12/QĐ-ĐU", date(2020, 1, 1), "Đảng ủy phường Lãm Hà", "Lê Văn Tổ")


@dataclass
class Ward:
    runtime: Runtime
    clock: PinnedClock
    client: TestClient
    root: UUID
    ubnd: UUID
    mttq: UUID
    quiet: UUID  # a unit without a personnel officer: not expected to submit
    tokens: dict[str, str] = field(default_factory=dict)

    def get(self, who: str, url: str, **params: Any) -> Any:
        answer = self.client.get(url, params=params,
                                 headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def submit(self, who: str, **body: Any) -> Any:
        return self.client.post("/api/v1/reports/monthly/submissions", json=body,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def ward(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Ward]:
    with module_store(request, tmp_path_factory, "monthly", admin_token=ADMIN) as settings:
        clock = PinnedClock(SUITE_AT)  # 24/11/2026 09:00 in Vietnam
        runtime = open_runtime(settings, clock=clock)
        app = runtime.app
        units = {}
        for code, name, kind, parent in (
                ("LH", "Đảng ủy phường Lãm Hà", "dang_uy", None),
                ("LH-UB", "UBND phường Lãm Hà", "ubnd", "LH"),
                ("LH-MT", "Ủy ban MTTQ phường Lãm Hà", "mttq", "LH"),
                ("LH-DT", "Đoàn thể phường Lãm Hà", "doan_the", "LH")):
            units[code] = app.register_unit(RegisterUnit(
                code=code, name=name, kind=kind, established_on=date(2000, 1, 1),
                parent_id=units[parent] if parent else None), recorded_by="setup").id
        app.register_title(RegisterTitle(
            code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="quan_uy",
            rank=1), recorded_by="setup")
        for n, unit in enumerate((units["LH-UB"], units["LH-MT"])):
            cadre = app.register_cadre(RegisterCadre(full_name=f"Nguyễn Thị Mẫu {n}",
                                                     gender=Gender.NU, born_on=date(1985, 1, 1)),
                                       recorded_by="setup").id
            app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                       title_code="chuyen_vien", effective_on=date(2020, 1, 1),
                                       decision=QD), recorded_by="setup")
        runtime.catch_up()
        access = AccessStore(runtime.engine, runtime.clock)
        tokens = {
            "admin": ADMIN,
            "ubnd": access.create_token(name="to_chuc_ubnd", role="personnel",
                                        unit_id=units["LH-UB"]),
            "mttq": access.create_token(name="to_chuc_mttq", role="personnel",
                                        unit_id=units["LH-MT"]),
            "committee": access.create_token(name="ban_xay_dung_dang", role="leader",
                                             unit_id=units["LH"]),
            "inspector": access.create_token(name="uy_ban_kiem_tra", role="inspector"),
        }
        with TestClient(create_app(settings, runtime)) as client:
            yield Ward(runtime, clock, client, units["LH"], units["LH-UB"], units["LH-MT"],
                       units["LH-DT"], tokens)
        runtime.close()


def test_the_monthly_report_defaults_to_the_last_closed_period(ward: Ward) -> None:
    report = ward.get("admin", "/api/v1/reports/monthly")
    assert report["reporting_period"] == {"name": "2026-11", "start_day": 15,
                                          "first": "2026-10-15", "last": "2026-11-14",
                                          "due_before": "2026-11-28"}
    assert (report["as_of"], report["date_from"], report["date_to"]) == (
        "2026-11-14", "2026-10-15", "2026-11-14")
    # The explicit calendar month answers as it always did, digest included.
    month = ward.get("admin", "/api/v1/reports/monthly", month="2026-10")
    assert (month["month"], month["date_from"], month["date_to"]) == (
        "2026-10", "2026-10-01", "2026-10-31")
    assert "reporting_period" not in month
    named = ward.get("admin", "/api/v1/reports/monthly", period="2026-11")
    assert named["digest"] == report["digest"]


def test_before_the_28th_the_units_yet_to_submit_are_listed(ward: Ward) -> None:
    late = ward.get("committee", "/api/v1/reports/monthly/late", unit_id=str(ward.root))
    assert late["period"]["name"] == "2026-11" and late["overdue"] is False
    assert late["days_left"] == 3  # 25, 26, 27 November
    assert {u["unit_code"] for u in late["units"]} == {"LH-UB", "LH-MT"}  # not LH-DT
    assert (late["expected"], late["submitted"]) == (2, 0)


def test_a_unit_submits_and_the_committee_rebuilds_what_was_submitted(ward: Ward) -> None:
    refused = ward.submit("ubnd", unit_id=str(ward.mttq))
    assert refused.status_code == 403
    for bad in ({"period": "2026-13"}, {"period": "11/2026"}):
        answer = ward.submit("ubnd", **bad)
        assert answer.status_code in (400, 422), answer.text
    done = ward.submit("ubnd", note="Báo cáo tháng 11")
    assert done.status_code == 201, done.text
    sent = done.json()
    assert sent["period"] == "2026-11" and sent["unit_id"] == str(ward.ubnd)
    asked = ward.get("ubnd", "/api/v1/reports/monthly", unit_id=str(ward.ubnd))
    assert asked["digest"] == sent["digest"]
    assert digest_of(body_of(asked)) == sent["digest"]

    # The record moves on: an appointment inside the period, recorded after the submission.
    app = ward.runtime.app
    late_news = app.register_cadre(RegisterCadre(full_name="Trần Văn Muộn", gender=Gender.NAM,
                                                 born_on=date(1990, 5, 5)), recorded_by="setup").id
    app.appoint(late_news, Appoint(
        kind=ActionKind.BO_NHIEM, unit_id=ward.ubnd, title_code="chuyen_vien",
        effective_on=date(2026, 11, 2),
        decision=Decision("99/QĐ-UBND", date(2026, 11, 1), "UBND phường", "A")),
                recorded_by="setup")
    now = ward.get("ubnd", "/api/v1/reports/monthly", unit_id=str(ward.ubnd))
    assert now["digest"] != sent["digest"]

    listed = ward.get("committee", "/api/v1/reports/monthly/submissions",
                      unit_id=str(ward.root))
    (row,) = listed["submissions"]
    assert (row["unit_code"], row["submitted_by"], row["digest"], row["version"]) == (
        "LH-UB", "to_chuc_ubnd", sent["digest"], 1)
    assert row["position"] == sent["report_position"] and row["note"] == "Báo cáo tháng 11"
    consolidated = ward.get("committee", "/api/v1/reports/monthly/consolidated",
                            unit_id=str(ward.root))
    assert consolidated["all_match"] is True
    (rebuilt,) = consolidated["reports"]
    assert rebuilt["rebuilt_digest"] == sent["digest"] == rebuilt["report"]["digest"]
    assert rebuilt["report"]["sections"]["cadre_quality"]["total"] == \
        asked["sections"]["cadre_quality"]["total"]

    late = ward.get("committee", "/api/v1/reports/monthly/late", unit_id=str(ward.root))
    assert [u["unit_code"] for u in late["units"]] == ["LH-MT"]
    # A personnel officer sees their own unit's part only.
    mine = ward.get("ubnd", "/api/v1/reports/monthly/submissions", unit_id=str(ward.ubnd))
    assert len(mine["submissions"]) == 1
    outside = ward.client.get("/api/v1/reports/monthly/submissions",
                              params={"unit_id": str(ward.root)},
                              headers={"Authorization": f"Bearer {ward.tokens['ubnd']}"})
    assert outside.status_code == 403


def test_on_the_28th_the_missing_submission_is_late(ward: Ward) -> None:
    ward.clock.move_to(datetime(2026, 11, 28, 8, 0, tzinfo=VIETNAM))
    late = ward.get("inspector", "/api/v1/reports/monthly/late", period="2026-11")
    assert late["overdue"] is True and late["days_left"] == 0
    assert [u["unit_code"] for u in late["units"]] == ["LH-MT"]
    # Sent again (a corrected report): the latest counts, the earlier one stays.
    again = ward.submit("ubnd", period="2026-11")
    assert again.status_code == 201
    (row,) = ward.get("admin", "/api/v1/reports/monthly/submissions",
                      period="2026-11")["submissions"]
    assert row["version"] == 2 and len(row["earlier"]) == 1
    assert row["digest"] == again.json()["digest"] != row["earlier"][0]["digest"]
    assert ward.get("admin", "/api/v1/reports/monthly/consolidated",
                    period="2026-11")["all_match"] is True


def test_the_web_page_shows_the_period_submits_and_lists_who_is_left(ward: Ward) -> None:
    officer: Browser = sign_in(ward.client, ward.tokens["mttq"])
    shown = call(ward.client, officer, "GET", "/bao-cao/thang", None, None)
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "Kỳ báo cáo tháng 11/2026: từ 15/10/2026 đến 14/11/2026" in text
    assert "28/11/2026" in text and "đã quá hạn" in text
    assert "Nộp báo cáo kỳ tháng 11/2026" in text  # the officer's own unit: the button is there
    assert "Ủy ban MTTQ phường Lãm Hà" in text.split('id="chua-nop"')[1]
    sent = call(ward.client, officer, "POST", "/bao-cao/thang/nop",
                {"ky": "11/2026", "unit_id": str(ward.mttq), "note": "Nộp muộn"}, None)
    assert sent.status_code == 303, sent.text
    after = call(ward.client, officer, "GET", sent.headers["location"], None, None)
    assert "Đã nộp báo cáo kỳ tháng 11/2026" in after.text and "Khớp" in after.text
    # Another unit's submission is refused, on the web as in the API.
    other = call(ward.client, officer, "POST", "/bao-cao/thang/nop",
                 {"ky": "2026-11", "unit_id": str(ward.ubnd)}, None)
    assert other.status_code == 403
    committee = sign_in(ward.client, ward.tokens["committee"])
    page = call(ward.client, committee, "GET", "/bao-cao/thang",
                None, {"unit_id": str(ward.root)}).text
    assert "Nộp báo cáo" not in page  # a leader reads, never submits
    assert "mọi báo cáo dựng lại khớp mã kiểm tra" in page
    assert "0 / 2 đơn vị" in page
    assert ward.get("committee", "/api/v1/reports/monthly/late",
                    unit_id=str(ward.root))["units"] == []


def test_on_2_december_the_report_is_of_the_closed_period(ward: Ward) -> None:
    ward.clock.move_to(date(2026, 12, 2))
    report = ward.get("admin", "/api/v1/reports/monthly")
    assert report["as_of"] == "2026-11-14" and report["reporting_period"]["name"] == "2026-11"
    # The reports page's monthly report by default too (it showed "tại ngày 31/12/2026").
    admin = sign_in(ward.client, ADMIN)
    shown = call(ward.client, admin, "GET", "/bao-cao", None, {"loai": "monthly"}).text
    assert "Tại ngày 14/11/2026" in shown and "31/12/2026" not in shown


def test_on_a_years_last_evening(ward: Ward) -> None:
    ward.clock.move_to(datetime.combine(date(2026, 12, 31), time(23, 30), tzinfo=VIETNAM))
    report = ward.get("admin", "/api/v1/reports/monthly")
    assert report["reporting_period"]["name"] == "2026-12"
    assert (report["date_from"], report["date_to"]) == ("2026-11-15", "2026-12-14")
    late = ward.get("committee", "/api/v1/reports/monthly/late", unit_id=str(ward.root))
    assert late["period"]["due_before"] == "2026-12-28" and late["overdue"] is True
    assert {u["unit_code"] for u in late["units"]} == {"LH-UB", "LH-MT"}
    assert ward.get("admin", "/api/v1/reports/monthly/submissions")["submissions"] == []
    # November's submissions are still rebuilt exactly.
    assert ward.get("admin", "/api/v1/reports/monthly/consolidated",
                    period="2026-11")["all_match"] is True


def test_a_unit_whose_officer_token_is_revoked_is_no_longer_expected(ward: Ward) -> None:
    access = AccessStore(ward.runtime.engine, ward.runtime.clock)
    assert access.revoke("to_chuc_mttq")
    late = ward.get("committee", "/api/v1/reports/monthly/late", unit_id=str(ward.root))
    assert [u["unit_code"] for u in late["units"]] == ["LH-UB"] and late["expected"] == 1
