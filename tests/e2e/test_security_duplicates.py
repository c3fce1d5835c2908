"""Duplicate people (issue 13): a second registration with a national ID already on record is
refused (`duplicate_person`), whatever the normalisation of the name; the same folded name and
birth date is a warning in the answer."""

from __future__ import annotations

import unicodedata

from fastapi.testclient import TestClient

from api.app import create_app
from infra.settings import Settings

ADMIN = {"Authorization": "Bearer dup-admin"}


def test_the_same_person_is_not_registered_twice(tmp_path: object) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/hoso.sqlite3",
                        admin_token="dup-admin")
    name = "Nguyễn Thị Ánh Tuyết"
    person = {"gender": "nu", "born_on": "1984-07-01", "national_id": "001184000777"}
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/v1/cadres", headers=ADMIN,
                            json={"full_name": unicodedata.normalize("NFC", name), **person})
        assert first.status_code == 201 and first.json()["warnings"] == []
        again = client.post("/api/v1/cadres", headers=ADMIN,
                            json={"full_name": unicodedata.normalize("NFD", name), **person})
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "duplicate_person"
        assert again.json()["field"] == "national_id"
        assert len(client.get("/api/v1/cadres", headers=ADMIN,
                              params={"q": "anh tuyet"}).json()["cadres"]) == 1
        # Without the ID: registered, with a warning naming the probable duplicate.
        namesake = client.post("/api/v1/cadres", headers=ADMIN, json={
            "full_name": unicodedata.normalize("NFD", name), "gender": "nu",
            "born_on": "1984-07-01"})
        assert namesake.status_code == 201
        warnings = namesake.json()["warnings"]
        assert [w["code"] for w in warnings] == ["probable_duplicate"]
        assert warnings[0]["cadre_ids"] == [first.json()["id"]]
