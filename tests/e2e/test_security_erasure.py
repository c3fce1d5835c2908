"""Erasure reaches every byte (issue 13, contract v1.1 "Personal data"): after
`POST /cadres/{id}/erasure` no answer, no read-model table and no store file (the SQLite
database, its WAL, its free pages) holds the cadre's name or any personal field recorded for
them, old or corrected; the log still verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from infra.database import engine_for
from infra.settings import Settings

ADMIN = {"Authorization": "Bearer erasure-admin"}
NAME = "Pham Thi Hoa Xoa"
PERSONAL = ["031185000123", "031185000999", "Dan toc Tay Bac", "Ton giao Cao Dai Tay Ninh",
            "Xa Dong Hung Thai Binh", "Nguyen Van Chong Hoa"]


def _forms(value: str) -> list[bytes]:
    """The bytes a value may be stored as: UTF-8, and JSON-escaped."""
    return [value.encode(), json.dumps(value)[1:-1].encode()]


def _record(client: TestClient) -> tuple[str, str]:
    cadre = client.post("/api/v1/cadres", headers=ADMIN, json={
        "full_name": NAME, "gender": "nu", "born_on": "1985-02-03",
        "ethnicity": PERSONAL[2], "religion": PERSONAL[3], "hometown": PERSONAL[4],
        "national_id": PERSONAL[0]})
    assert cadre.status_code == 201, cadre.text
    cadre_id, registered = cadre.json()["id"], cadre.json()["entry_position"]
    corrected = client.post(f"/api/v1/cadres/{cadre_id}/corrections", headers=ADMIN, json={
        "target_position": registered, "reason": "Sai số định danh", "replacement": {
            "full_name": NAME, "gender": "nu", "born_on": "1985-02-03",
            "ethnicity": PERSONAL[2], "religion": PERSONAL[3], "hometown": PERSONAL[4],
            "national_id": PERSONAL[1]}})
    assert corrected.status_code == 201, corrected.text
    assert client.post(f"/api/v1/cadres/{cadre_id}/relatives", headers=ADMIN, json={
        "relation": "chong", "full_name": PERSONAL[5], "born_year": 1983}).status_code == 201
    # Another cadre's record names her: a sister, linked to her record.
    other = client.post("/api/v1/cadres", headers=ADMIN, json={
        "full_name": "Tran Van Khac", "gender": "nam", "born_on": "1980-01-01"}).json()["id"]
    assert client.post(f"/api/v1/cadres/{other}/relatives", headers=ADMIN, json={
        "relation": "vo", "full_name": NAME, "relative_cadre_id": cadre_id,
        "born_year": 1985}).status_code == 201
    return cadre_id, other


def _answers(client: TestClient, cadre_id: str, other: str) -> str:
    shown = [client.get(f"/api/v1/cadres/{cadre_id}", headers=ADMIN).text,
             client.get(f"/api/v1/cadres/{cadre_id}/record", headers=ADMIN).text,
             client.get(f"/api/v1/cadres/{other}/record", headers=ADMIN).text,
             client.get("/api/v1/cadres", headers=ADMIN, params={"q": "hoa"}).text,
             client.get("/api/v1/findings", headers=ADMIN).text,
             client.get("/api/v1/audit/log", headers=ADMIN).text]
    return "\n".join(shown)


def _table_text(settings: Settings) -> str:
    """Every row of every table, as text."""
    engine = engine_for(settings)
    out = []
    try:
        with engine.connect() as conn:
            if settings.is_postgres:
                names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = "
                                          "'public'")).scalars().all()
                for name in names:
                    out += [str(r) for r in conn.execute(
                        text(f'SELECT t::text FROM "{name}" t')).scalars()]
                    out += [bytes(r).decode("utf-8", "replace") for r in conn.execute(
                        text(f'SELECT state FROM "{name}"')).scalars()] \
                        if name == "stored_events" else []
            else:
                names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = "
                                          "'table'")).scalars().all()
                for name in names:
                    out += [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"'))]
    finally:
        engine.dispose()
    return "\n".join(out)


def test_erasure_leaves_no_name_or_personal_field_anywhere(store_settings: Settings) -> None:
    settings = store_settings.model_copy(update={"admin_token": "erasure-admin"})
    with TestClient(create_app(settings)) as client:
        cadre_id, other = _record(client)
        before = _answers(client, cadre_id, other)
        assert NAME in before and PERSONAL[1] in before
        erased = client.post(f"/api/v1/cadres/{cadre_id}/erasure", headers=ADMIN,
                             json={"reason": "Yêu cầu của chủ thể dữ liệu"})
        assert erased.status_code == 201, erased.text
        after = _answers(client, cadre_id, other)
        tables = _table_text(settings)
        for value in [NAME, *PERSONAL]:
            assert value not in after, value
            assert value not in tables, value
        assert client.get("/api/v1/audit/verify", headers=ADMIN).json()["ok"] is True
        if not settings.is_postgres:  # PostgreSQL: the tables above; its files, see ops §9
            path = settings.sqlite_path
            files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
            for file in files:
                content = file.read_bytes()
                for value in [NAME, *PERSONAL]:
                    for form in _forms(value):
                        assert form not in content, (file.name, value)


@pytest.mark.parametrize("value", [NAME])
def test_a_new_registration_keeps_the_name_sealed_in_the_log(sqlite_settings: Settings,
                                                             value: str) -> None:
    settings = sqlite_settings.model_copy(update={"admin_token": "erasure-admin"})
    with TestClient(create_app(settings)) as client:
        cadre = client.post("/api/v1/cadres", headers=ADMIN, json={
            "full_name": value, "gender": "nu", "born_on": "1985-02-03"})
        assert cadre.status_code == 201
        assert client.get(f"/api/v1/cadres/{cadre.json()['id']}",
                          headers=ADMIN).json()["full_name"] == value
    engine = engine_for(settings)
    try:
        with engine.connect() as conn:
            states = conn.execute(text("SELECT state FROM stored_events")).scalars().all()
    finally:
        engine.dispose()
    assert not any(value.encode() in bytes(s) for s in states)
