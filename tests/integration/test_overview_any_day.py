"""The overview shows the same panels on any day: early in a quarter nobody has been rated for
the quarter just closed, so the rating chart shows the last period that has results and names
it. Checked through the web UI on the days that trip date code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import Appoint, Evaluate, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender, Rating
from infra.clock import PinnedClock
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings

ADMIN = "overview-admin-token"


@pytest.fixture
def office(sqlite_settings: Settings) -> Iterator[tuple[TestClient, Runtime, PinnedClock]]:
    settings = sqlite_settings.model_copy(update={"admin_token": ADMIN})
    clock = PinnedClock.on(date(2026, 5, 20))
    rt = open_runtime(settings, clock=clock)
    app = rt.app
    ward = app.register_unit(RegisterUnit(
        code="P1", name="Phường Kiến An", kind="phuong", established_on=date(2025, 7, 1)),
        recorded_by="to_chuc").id
    app.register_title(RegisterTitle(
        code="chu_tich_ubnd_phuong", name="Chủ tịch UBND phường", is_head=True,
        management_tier="quan_uy", rank=5), recorded_by="to_chuc")
    for n, name in enumerate(("Nguyễn Thị Lan", "Trần Văn Hùng")):
        cadre = app.register_cadre(RegisterCadre(full_name=name,
                                                 gender=Gender.NU if n == 0 else Gender.NAM,
                                                 born_on=date(1980, 5, 2)),
                                   recorded_by="to_chuc").id
        if n == 0:
            app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=ward, title_code="chu_tich_ubnd_phuong", effective_on=date(2025, 7, 1), decision=Decision("12-QĐ/QU", date(2025, 6, 25), "Ban Thường vụ Quận ủy",
                                          "Lê Toàn Khánh")), recorded_by="to_chuc")
        app.evaluate(cadre, Evaluate(period="2026-Q1", rating=Rating.HTTNV,
                                     decided_on=date(2026, 4, 8)), recorded_by="to_chuc")
    rt.catch_up()
    with TestClient(create_app(settings, rt)) as client:
        yield client, rt, clock
    rt.close()


def sign_in(client: TestClient) -> None:
    """Sessions last a working day of the clock's time: sign in on the day the page is read."""
    client.cookies.clear()
    form = client.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    signed = client.post("/dang-nhap", data={"csrf": csrf.group(1), "token": ADMIN},
                         follow_redirects=False)
    assert signed.status_code == 303


@pytest.mark.parametrize(("instant", "named"), [
    (datetime(2026, 6, 30, 17, 30, tzinfo=UTC), "quý I/2026"),   # 1/7: Q2 closed, not yet rated
    (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "quý I/2026"),   # the year's last evening
    (datetime(2027, 12, 31, 17, 30, tzinfo=UTC), "quý I/2026"),  # New Year's Day 2028 in Vietnam
    (datetime(2028, 2, 29, 18, 30, tzinfo=UTC), "quý I/2026"),   # 1/3/2028, after a leap day
    (datetime(2026, 5, 28, 3, 0, tzinfo=UTC), "quý I/2026"),     # the 28th
])
def test_the_overview_names_the_last_rated_period(office: tuple[TestClient, Runtime, PinnedClock],
                                                  instant: datetime, named: str) -> None:
    client, _, clock = office
    clock.move_to(instant)
    sign_in(client)
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 3
    assert f"Xếp loại {named}" in page.text
    assert "Chưa có kết quả đánh giá" not in page.text
