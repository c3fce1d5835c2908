"""Two officers appoint two cadres to one head post on the same date at the same time: the cadre
and the unit are saved in one transaction and optimistic concurrency keeps exactly one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.application import HosoApplication
from domain.commands import Appoint, RegisterCadre, RegisterTitle, RegisterUnit
from domain.errors import Conflict, DomainError
from domain.title import Title
from domain.values import ActionKind, Decision, Gender
from infra.clock import PinnedClock
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings

TODAY = date(2026, 11, 24)
ON = date(2025, 7, 1)
DECISION = Decision(number="05-QĐ/ĐU", signed_on=date(2025, 6, 30),
                    issuer="Ban Thường vụ Đảng ủy phường Kiến An", signer="Đỗ Mạnh Hiến")


@pytest.fixture
def two_offices(store_settings: Settings) -> Iterator[tuple[Settings, HosoApplication,
                                                            HosoApplication]]:
    """Two application instances on one store, as two server processes would be."""
    env = application_env(store_settings)
    first = HosoApplication(env=env, clock=PinnedClock.on(TODAY))
    second = HosoApplication(env=env, clock=PinnedClock.on(TODAY))
    yield store_settings, first, second
    first.close()
    second.close()


def setup_ward(app: HosoApplication, code: str) -> tuple[UUID, UUID, UUID]:
    ward = app.register_unit(RegisterUnit(
        code=code, name=f"Phường {code}", kind="phuong", established_on=ON), recorded_by="btc").id
    if Title.create_id("chu_tich") not in app.repository:
        app.register_title(RegisterTitle(
            code="chu_tich", name="Chủ tịch UBND phường", is_head=True, management_tier="thanh_uy",
            rank=8), recorded_by="btc")
    an = app.register_cadre(RegisterCadre(full_name="Vũ Văn An", gender=Gender.NAM,
                                          born_on=date(1972, 3, 3)), recorded_by="btc").id
    binh = app.register_cadre(RegisterCadre(full_name="Hoàng Thị Bình", gender=Gender.NU,
                                            born_on=date(1979, 9, 9)), recorded_by="btc").id
    return ward, an, binh


def appoint(app: HosoApplication, cadre: UUID, ward: UUID) -> Any:
    return app.appoint(cadre, Appoint(kind=ActionKind.BAU_CU, unit_id=ward, title_code="chu_tich",
                                      effective_on=ON, decision=DECISION), recorded_by="btc")


def head(app: HosoApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_stale_unit_loses_with_version_conflict_and_appends_nothing(
        two_offices: tuple[Settings, HosoApplication, HosoApplication],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings, first, second = two_offices
    ward, an, binh = setup_ward(first, "KA-1")
    load_title = first.title
    interleaved: list[Any] = []

    def title_while_the_other_office_commits(code: str, field: str = "title_code") -> Title:
        # `first` has already loaded An and the ward; `second` commits Bình meanwhile.
        if not interleaved:
            interleaved.append(appoint(second, binh, ward))
        return load_title(code, field)

    monkeypatch.setattr(first, "title", title_while_the_other_office_commits)
    with pytest.raises(Conflict) as caught:
        appoint(first, an, ward)
    assert (caught.value.code, caught.value.field) == ("version_conflict", None)
    (won,) = interleaved
    assert head(first) == won.position, "the loser appended nothing"

    # Atomic: neither the loser's cadre event nor its seat was kept.
    assert first.cadre(an).holdings() == {}
    (seat,) = first.unit(ward).seats.values()
    assert seat.cadre_id == binh
    # Retrying with fresh aggregates is now a plain business refusal.
    monkeypatch.undo()
    with pytest.raises(Conflict) as again:
        appoint(first, an, ward)
    assert again.value.code == "holding_conflict"
    with open_log_reader(settings) as log:
        assert log.verify().ok


def test_racing_threads_keep_exactly_one_head(
        two_offices: tuple[Settings, HosoApplication, HosoApplication]) -> None:
    settings, first, second = two_offices
    for round_ in range(3):
        ward, an, binh = setup_ward(first, f"KA-R{round_}")
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def officer(app: HosoApplication, cadre: UUID, name: str, ward: UUID = ward,
                    start: threading.Barrier = start,
                    outcomes: dict[str, str] = outcomes) -> None:
            start.wait()
            try:
                appoint(app, cadre, ward)
                outcomes[name] = "appointed"
            except DomainError as error:
                outcomes[name] = error.code

        threads = [threading.Thread(target=officer, args=(first, an, "an")),
                   threading.Thread(target=officer, args=(second, binh, "binh"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcomes.values())[0] == "appointed", outcomes
        assert sorted(outcomes.values())[1] in ("holding_conflict", "version_conflict")
        holders = {s.cadre_id for s in first.unit(ward).seats.values()}
        appointed = {c for c, name in ((an, "an"), (binh, "binh"))
                     if outcomes[name] == "appointed"}
        assert holders == appointed and len(holders) == 1
        for cadre, name in ((an, "an"), (binh, "binh")):
            assert bool(first.cadre(cadre).holdings()) == (outcomes[name] == "appointed")
    with open_log_reader(settings) as log:
        assert log.verify().ok
