"""Issue 15, the hot read: a profile answer built by one reader is kept in the store for its
read position and date (projections/profile_documents.py); the next readers, on any worker,
are served it with one query. On both stores: it is the answer a fresh build gives, with each
reader's own `known_at`; it goes with the first write after it, and with an erasure."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from infra.runtime import Runtime
from projections import profile_documents
from projections.profile_documents import profile_documents as kept_table
from projections.tables import generations
from tests.integration.test_api_record_fit import City
from tests.integration.test_api_record_renewals import created, http

__all__ = ["http"]


def _runtime(http: TestClient) -> Runtime:
    runtime: Runtime = http.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def _kept(http: TestClient) -> list[Any]:
    runtime = _runtime(http)
    assert runtime.documents.flush()
    with runtime.engine.connect() as conn:
        return list(conn.execute(select(kept_table)).mappings())


def _but_known_at(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "known_at"}


def test_the_next_reader_is_served_the_kept_answer_with_its_own_known_at(
        http: TestClient) -> None:
    c = City(http)
    cadre = c.cadre("Nguyễn Thị Lưu")
    created(c.appoint(cadre, c.ward_ub, "chuyen_vien", "2020-01-01"))
    first = http.get(f"cadres/{cadre}")
    assert first.status_code == 200, first.text
    [row] = _kept(http)
    assert (str(row["cadre_id"]), row["built_at"]) == (cadre, first.json()["position"])
    assert b"known_at" not in row["body"]
    second = http.get(f"cadres/{cadre}").json()
    assert _but_known_at(second) == _but_known_at(first.json())
    assert second["known_at"] > first.json()["known_at"]  # the reader's own instant
    # Served from the store: a kept answer changed in place is what the next reader gets.
    with _runtime(http).engine.begin() as conn:
        conn.execute(update(kept_table).values(
            body=bytes(row["body"]).replace("Nguyễn Thị Lưu".encode(), b"KEPT")))
    assert http.get(f"cadres/{cadre}").json()["full_name"] == "KEPT"
    # Another date is answered afresh and not kept: one kept answer per cadre, today's.
    earlier = http.get(f"cadres/{cadre}", params={"as_of": "2019-06-01"}).json()
    assert earlier["holdings"] == [] and earlier["full_name"] == "Nguyễn Thị Lưu"
    assert len(_kept(http)) == 1


def test_a_write_takes_every_kept_answer_of_the_old_position_with_it(
        http: TestClient) -> None:
    c = City(http)
    one, other = c.cadre("Trần Văn Một"), c.cadre("Lê Thị Hai")
    for cadre in (one, other):
        assert http.get(f"cadres/{cadre}").json()["holdings"] == []
    assert len(_kept(http)) == 2
    receipt = created(c.appoint(one, c.ward_ub, "chuyen_vien", "2020-01-01"))
    held = http.get(f"cadres/{one}").json()
    assert [h["title_code"] for h in held["holdings"]] == ["chuyen_vien"]
    assert held["position"] >= receipt["position"]
    # The other cadre's kept answer was of the old position: gone, and built anew.
    assert http.get(f"cadres/{other}").json()["position"] == held["position"]
    assert {r["built_at"] for r in _kept(http)} == {held["position"]}


def test_an_answer_built_before_a_write_is_not_kept_after_it(http: TestClient) -> None:
    c = City(http)
    cadre = c.cadre("Phạm Văn Muộn")
    answer = http.get(f"cadres/{cadre}").json()
    runtime = _runtime(http)
    assert runtime.documents.flush()
    created(c.appoint(cadre, c.ward_ub, "chuyen_vien", "2020-01-01"))
    http.get(f"cadres/{c.cadre('Đỗ Văn Sau')}")  # the read side is past the write
    with runtime.engine.connect() as conn:
        generation = conn.execute(select(generations.c.generation)
                                  .where(generations.c.state == "active")).scalar_one()
    # A reader that built its answer before the write hands it over only now.
    late = dict(cadre_id=UUID(cadre), as_of=date.fromisoformat(answer["as_of"]),
                generation=generation, built_at=answer["position"], body=b"{}")
    with runtime.engine.begin() as conn:
        profile_documents.keep(conn, [late])
    assert all(bytes(r["body"]) != b"{}" for r in _kept(http))
    assert http.get(f"cadres/{cadre}").json()["holdings"] != []


def test_an_erasure_leaves_no_kept_answer_with_the_name(http: TestClient) -> None:
    c = City(http)
    cadre = c.cadre("Hoàng Văn Xoá")
    created(c.appoint(cadre, c.ward_ub, "chuyen_vien", "2020-01-01"))
    assert http.get(f"cadres/{cadre}").json()["full_name"] == "Hoàng Văn Xoá"
    assert any("Hoàng Văn Xoá".encode() in bytes(r["body"]) for r in _kept(http))
    created(http.post(f"cadres/{cadre}/erasure", json={"reason": "Yêu cầu của chủ thể"}))
    assert not any("Hoàng Văn Xoá".encode() in bytes(r["body"]) for r in _kept(http))
    assert http.get(f"cadres/{cadre}").json()["full_name"] != "Hoàng Văn Xoá"
