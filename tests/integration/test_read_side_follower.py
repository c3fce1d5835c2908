"""A running server follows the log written by other processes, with no request to trigger it."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from domain.commands import RegisterCadre
from domain.values import Gender
from infra.runtime import open_runtime
from infra.settings import Settings


def test_the_server_catches_up_with_another_processes_writes(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hoso.sqlite3'}")
    with TestClient(create_app(settings)) as client:
        served = client.app.state.runtime  # type: ignore[attr-defined]
        before = served.read_model.applied_position()
        writer = open_runtime(settings)  # e.g. `hoso import` in another process
        receipt = writer.app.register_cadre(RegisterCadre(full_name="Đỗ Thị Hà", gender=Gender.NU,
                                                          born_on=date(1988, 3, 4)),
                                            recorded_by="import")
        writer.close()
        deadline = time.monotonic() + 10
        while served.read_model.applied_position() < receipt.position:
            assert time.monotonic() < deadline, "the server did not follow the log"
            time.sleep(0.1)
        assert served.read_model.applied_position() > before
