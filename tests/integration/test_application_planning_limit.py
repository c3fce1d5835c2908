"""The planning limit is data: the rule pack's version in force on the decision date decides."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from domain.application import HosoApplication
from domain.commands import Plan, RegisterCadre, RegisterTitle, RegisterUnit
from domain.errors import Conflict
from domain.rules.pack import RuleVersion, default_pack
from domain.values import Decision, Gender
from infra.clock import PinnedClock
from infra.persistence import application_env
from infra.settings import Settings


def limit(version: str, valid_from: date, valid_to: date | None, max_posts: int) -> RuleVersion:
    return RuleVersion(id="planning_posts_per_term", version=version, title="giới hạn",
                       params={"max_posts": max_posts}, valid_from=valid_from,
                       valid_to=valid_to, severity="high", source="thử nghiệm")


def test_the_limit_in_force_on_the_decision_date_applies(tmp_path: Path) -> None:
    assert default_pack().limit_for("planning_posts_per_term", date(2024, 1, 1)) is not None
    pack = dataclasses.replace(default_pack(), limits=(
        limit("old", date(1990, 1, 1), date(2021, 12, 31), 1),
        limit("new", date(2022, 1, 1), None, 2),
    ))
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    app = HosoApplication(env=application_env(settings), pack=pack,
                          clock=PinnedClock.on(date(2026, 11, 24)))
    unit = app.register_unit(RegisterUnit(
        code="P", name="Phường", kind="phuong", established_on=date(2000, 1, 1)), recorded_by="t").id
    for code in ("a", "b", "c"):
        app.register_title(RegisterTitle(
            code=code, name=f"Chức danh {code}", is_head=False, management_tier="quan_uy"),
            recorded_by="t")
    cadre = app.register_cadre(RegisterCadre(full_name="Trần Văn Nam", gender=Gender.NAM,
                                             born_on=date(1980, 1, 1)), recorded_by="t").id

    def plan(title: str, term: str, on: date) -> None:
        app.plan(cadre, Plan(unit_id=unit, title_code=title, term=term, decided_on=on,
                             decision=Decision("1/QĐ", on, "Ban Thường vụ", "Lê Toàn Khánh")),
                 recorded_by="t")

    plan("a", "2020-2025", date(2021, 6, 1))
    with pytest.raises(Conflict) as refused:
        plan("b", "2020-2025", date(2021, 6, 1))  # one post under the old version
    assert refused.value.code == "planning_limit"
    plan("b", "2020-2025", date(2022, 6, 1))  # two under the new one
    with pytest.raises(Conflict):
        plan("c", "2020-2025", date(2022, 6, 1))
    app.close()
