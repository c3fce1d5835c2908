"""Which tree scopes a read (issue 13): the unit tree on the date asked about, as the record
knows it now. A past `known_at` chooses what an answer shows, never who may see it."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import Appoint, ChangeUnit, RegisterCadre, RegisterTitle, RegisterUnit
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore
from infra.runtime import open_runtime
from infra.settings import Settings


def test_a_unit_moved_out_of_a_leaders_subtree_is_not_read_through_an_old_instant(
        tmp_path: object) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/hoso.sqlite3", admin_token="a")
    runtime = open_runtime(settings)
    app = runtime.app
    north = app.register_unit(RegisterUnit(
        code="N", name="Khối Bắc", kind="dang_uy", established_on=date(2000, 1, 1)),
        recorded_by="setup").id
    south = app.register_unit(RegisterUnit(
        code="S", name="Khối Nam", kind="dang_uy", established_on=date(2000, 1, 1)),
        recorded_by="setup").id
    ward = app.register_unit(RegisterUnit(
        code="W", name="Phường Giữa", kind="phuong", established_on=date(2000, 1, 1),
        parent_id=north), recorded_by="setup").id
    app.register_title(RegisterTitle(
        code="cv", name="Chuyên viên", is_head=False, management_tier="quan_uy"),
        recorded_by="setup")
    cadre = app.register_cadre(RegisterCadre(full_name="Vũ Thị Giữa", gender=Gender.NU,
                                             born_on=date(1980, 1, 1)), recorded_by="setup").id
    app.appoint(cadre, Appoint(kind=ActionKind.BO_NHIEM, unit_id=ward, title_code="cv",
                               effective_on=date(2010, 1, 1),
                               decision=Decision("1/QĐ", date(2010, 1, 1), "UBND", "A")),
                recorded_by="setup")
    runtime.catch_up()
    before_move = runtime.clock.now()
    # The ward was recorded under the wrong block: moved to the south block from its second
    # day, so on every date the record now knows of, it is not the north block's.
    app.change_unit(ward, ChangeUnit(
        change="move", effective_on=date(2000, 1, 2), new_parent_id=south), recorded_by="setup")
    runtime.catch_up()
    leader = AccessStore(runtime.engine, runtime.clock).create_token(name="bac", role="leader",
                                                      unit_id=north)
    headers = {"Authorization": f"Bearer {leader}"}
    old = {"known_at": (before_move - timedelta(microseconds=1)).isoformat(),
           "as_of": "2022-06-30"}
    with TestClient(create_app(settings, runtime)) as client:
        for url in (f"/api/v1/units/{ward}/roster", f"/api/v1/cadres/{cadre}",
                    f"/api/v1/cadres/{cadre}/record"):
            assert client.get(url, headers=headers).status_code == 403, url
            answer = client.get(url, headers=headers, params=old)
            assert answer.status_code == 403, (url, answer.text)
        # The south block's leader reads the ward, also as it was known before the move.
        south_leader = AccessStore(runtime.engine, runtime.clock).create_token(name="nam", role="leader",
                                                                unit_id=south)
        answer = client.get(f"/api/v1/units/{ward}/roster", params=old,
                            headers={"Authorization": f"Bearer {south_leader}"})
        assert answer.status_code == 200
    runtime.close()
