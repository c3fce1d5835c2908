"""Đính chính and thu hồi: a correction names a log position of this cadre and either replaces
the entry (validated like the original command) or retracts it. Nothing is ever rewritten: the
original stays in the log with its position, and head seats follow the facts in force."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.application import HosoApplication
from domain.cadre import Cadre
from domain.commands import (
    Appoint,
    Correct,
    EndHolding,
    Evaluate,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.errors import Conflict, DomainError, InvalidCommand, NotFound
from domain.values import ActionKind, Decision, EndingReason, Gender, Rating
from infra.clock import PinnedClock
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings

TODAY = date(2026, 11, 24)


def decision(signed_on: date, number: str = "88-QĐ/QU") -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer="Ban Thường vụ Quận ủy Kiến An",
                    signer="Lê Toàn Khánh")


@dataclass
class Office:
    app: HosoApplication
    settings: Settings
    finance: UUID   # Phòng Tài chính – Kế hoạch
    justice: UUID   # Phòng Tư pháp
    lan: UUID
    hung: UUID

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def appoint(self, who: UUID, unit: UUID, on: date, **extra: Any) -> int:
        return self.app.appoint(who, Appoint(kind=ActionKind.BO_NHIEM, unit_id=unit,
                                             title_code="truong_phong", effective_on=on,
                                             decision=decision(on), **extra),
                                recorded_by="btc").entry_position

    def seat_holders(self, unit: UUID, on: date) -> set[UUID]:
        return {s.cadre_id for s in self.app.unit(unit).seats.values() if s.covers(on)}


@pytest.fixture
def office(sqlite_settings: Settings) -> Iterator[Office]:
    app = HosoApplication(env=application_env(sqlite_settings), clock=PinnedClock.on(TODAY))
    finance = app.register_unit(RegisterUnit(
        code="KA-TCKH", name="Phòng Tài chính – Kế hoạch", kind="phong",
        established_on=date(2008, 4, 1)), recorded_by="btc").id
    justice = app.register_unit(RegisterUnit(
        code="KA-TP", name="Phòng Tư pháp", kind="phong", established_on=date(2008, 4, 1)),
        recorded_by="btc").id
    app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="btc")
    lan = app.register_cadre(RegisterCadre(full_name="Nguyễn Thị Lan", gender=Gender.NU,
                                           born_on=date(1979, 5, 2), ethnicity="Kinh",
                                           hometown="Kiến Thụy", national_id="031179000111"),
                             recorded_by="btc").id
    hung = app.register_cadre(RegisterCadre(full_name="Trần Văn Hùng", gender=Gender.NAM,
                                            born_on=date(1981, 11, 7)), recorded_by="btc").id
    yield Office(app, sqlite_settings, finance, justice, lan, hung)
    app.close()


def refused(o: Office, expected: type[DomainError], code: str,
            command: Callable[[], Any]) -> DomainError:
    before = o.head()
    with pytest.raises(expected) as caught:
        command()
    assert caught.value.code == code, caught.value.message
    assert o.head() == before
    return caught.value


def test_correcting_an_appointment_date_keeps_the_original_and_moves_the_seat(
        office: Office) -> None:
    o = office
    wrong = o.appoint(o.lan, o.finance, date(2021, 3, 1))
    receipt = o.app.correct(o.lan, Correct(
        target_position=wrong, reason="Nhập sai ngày hiệu lực",
        replacement=dict(kind=ActionKind.BO_NHIEM, unit_id=o.finance,
                                             title_code="truong_phong",
                                             effective_on=date(2021, 4, 1),
                                             decision=decision(date(2021, 3, 25), "90-QĐ/QU"))),
        recorded_by="ubkt")
    cadre = o.app.cadre(o.lan)
    (holding,) = cadre.holdings().values()
    assert (holding.since, holding.decision.number) == (date(2021, 4, 1), "90-QĐ/QU")
    assert o.seat_holders(o.finance, date(2021, 3, 15)) == set()
    assert o.seat_holders(o.finance, date(2021, 4, 1)) == {o.lan}

    # The log still holds the original entry at its position, marked corrected.
    original = [e for e in cadre.entries.values() if e.type == "Appointed"
                and e.status == "corrected"]
    assert len(original) == 1 and original[0].payload["effective_on"] == date(2021, 3, 1)
    events = list(o.app.events.get(o.lan))
    corrected = events[-1]
    assert isinstance(corrected, Cadre.Corrected)
    assert (corrected.target_position, corrected.target_type, corrected.recorded_by) == (
        wrong, "Appointed", "ubkt")
    assert corrected.decision is not None and corrected.decision.number == "90-QĐ/QU"
    assert receipt.position > receipt.entry_position  # the unit's seat event comes last
    with open_log_reader(o.settings) as log:
        located = log.locate(wrong)
    assert located is not None and located[0] == o.lan


def test_a_corrected_entry_is_corrected_again_through_its_replacement(office: Office) -> None:
    o = office
    first = o.app.evaluate(o.hung, Evaluate(period="2024", rating=Rating.HTNV,
                                            decided_on=date(2024, 12, 20)),
                           recorded_by="btc").entry_position
    second = o.app.correct(o.hung, Correct(
        target_position=first, reason="Sai xếp loại",
        replacement=dict(period="2024", rating=Rating.HTTNV,
                                            decided_on=date(2024, 12, 20))),
        recorded_by="btc").entry_position
    refused(o, Conflict, "already_corrected", lambda: o.app.correct(o.hung, Correct(
        target_position=first, reason="Lần nữa"), recorded_by="btc"))
    o.app.correct(o.hung, Correct(
        target_position=second, reason="Hội đồng xét lại",
        replacement=dict(period="2024", rating=Rating.HTXSNV,
                                   decided_on=date(2025, 1, 8), score=93)),
        recorded_by="btc")
    (evaluation,) = o.app.cadre(o.hung).facts("Evaluated")
    assert (evaluation.payload["rating"], evaluation.payload["score"]) == (Rating.HTXSNV, 93)
    # The replacement of an evaluation does not collide with the entry it replaces...
    # ...but a replacement that duplicates another period is refused.
    o.app.evaluate(o.hung, Evaluate(period="2025", rating=Rating.HTTNV,
                                    decided_on=date(2025, 12, 20)), recorded_by="btc")
    latest = o.head()
    refused(o, Conflict, "duplicate_evaluation", lambda: o.app.correct(o.hung, Correct(
        target_position=latest, reason="Sai kỳ",
        replacement=dict(period="2024", rating=Rating.HTTNV, decided_on=date(2025, 12, 20))),
        recorded_by="btc"))


def test_retraction_frees_the_period_and_cannot_be_repeated(office: Office) -> None:
    o = office
    entry = o.app.evaluate(o.lan, Evaluate(period="2025-Q2", rating=Rating.KHTNV,
                                           decided_on=date(2025, 7, 5)),
                           recorded_by="btc").entry_position
    o.app.correct(o.lan, Correct(
        target_position=entry, reason="Ghi nhầm cán bộ"), recorded_by="btc")
    assert o.app.cadre(o.lan).facts("Evaluated") == []
    refused(o, Conflict, "already_retracted", lambda: o.app.correct(o.lan, Correct(
        target_position=entry, reason="Lần hai"), recorded_by="btc"))
    refused(o, Conflict, "already_retracted", lambda: o.app.correct(o.lan, Correct(
        target_position=entry, reason="Sửa",
        replacement=dict(period="2025-Q2", rating=Rating.HTNV, decided_on=date(2025, 7, 5))),
        recorded_by="btc"))
    o.app.evaluate(o.lan, Evaluate(period="2025-Q2", rating=Rating.HTTNV,
                                   decided_on=date(2025, 7, 5)), recorded_by="btc")


def test_retracting_a_head_appointment_frees_the_seat(office: Office) -> None:
    o = office
    entry = o.appoint(o.lan, o.finance, date(2022, 1, 1))
    refused(o, Conflict, "holding_conflict", lambda: o.appoint(o.hung, o.finance,
                                                               date(2023, 1, 1)))
    o.app.correct(o.lan, Correct(
        target_position=entry, reason="Quyết định bị hủy"), recorded_by="btc")
    assert o.seat_holders(o.finance, date(2023, 1, 1)) == set()
    o.appoint(o.hung, o.finance, date(2023, 1, 1))
    assert o.seat_holders(o.finance, date(2023, 1, 1)) == {o.hung}


def test_a_correction_moving_a_head_post_to_another_unit_moves_the_seat(
        office: Office) -> None:
    o = office
    entry = o.appoint(o.lan, o.finance, date(2022, 1, 1))
    o.app.correct(o.lan, Correct(
        target_position=entry, reason="Nhầm đơn vị",
        replacement=dict(kind=ActionKind.BO_NHIEM, unit_id=o.justice,
                                   title_code="truong_phong", effective_on=date(2022, 1, 1),
                                   decision=decision(date(2022, 1, 1)))),
        recorded_by="btc")
    assert o.seat_holders(o.finance, date(2022, 6, 1)) == set()
    assert o.seat_holders(o.justice, date(2022, 6, 1)) == {o.lan}


def test_replacements_are_validated_like_the_original_command(office: Office) -> None:
    o = office
    o.appoint(o.hung, o.justice, date(2020, 1, 1))
    entry = o.appoint(o.lan, o.finance, date(2022, 1, 1))

    def replace(**changes: Any) -> Callable[[], Any]:
        replacement: dict[str, Any] = dict(kind=ActionKind.BO_NHIEM, unit_id=o.finance,
                                           title_code="truong_phong",
                                           effective_on=date(2022, 1, 1),
                                           decision=decision(date(2022, 1, 1))) | changes
        return lambda: o.app.correct(o.lan, Correct(
            target_position=entry, reason="Sửa", replacement=replacement), recorded_by="btc")

    refused(o, InvalidCommand, "date_before_birth", replace(decision=decision(date(1978, 1, 1))))
    refused(o, Conflict, "holding_conflict", replace(unit_id=o.justice))  # Hùng's seat
    refused(o, NotFound, "title_not_found", replace(title_code="giam_doc"))
    refused(o, InvalidCommand, "unit_not_active", replace(effective_on=date(2008, 1, 1)))
    refused(o, InvalidCommand, "missing_field", lambda: o.app.correct(o.lan, Correct(
        target_position=entry, reason="   "), recorded_by="btc"))
    assert o.seat_holders(o.finance, date(2022, 6, 1)) == {o.lan}


def test_an_appointment_is_retracted_only_after_its_ending(office: Office) -> None:
    o = office
    appointed = o.appoint(o.lan, o.finance, date(2019, 1, 1))
    ended = o.app.end_holding(o.lan, EndHolding(unit_id=o.finance, title_code="truong_phong",
                                                reason=EndingReason.DIEU_DONG,
                                                effective_on=date(2024, 1, 1),
                                                decision=decision(date(2023, 12, 20))),
                              recorded_by="btc").entry_position
    refused(o, Conflict, "ending_exists", lambda: o.app.correct(o.lan, Correct(
        target_position=appointed, reason="Hủy"), recorded_by="btc"))
    # Correcting the ending's date moves the end of the seat too.
    moved = o.app.correct(o.lan, Correct(
        target_position=ended, reason="Sai ngày",
        replacement=dict(unit_id=o.finance, title_code="truong_phong",
                                   reason=EndingReason.DIEU_DONG, effective_on=date(2024, 3, 1),
                                   decision=decision(date(2024, 2, 20)))),
        recorded_by="btc")
    assert o.seat_holders(o.finance, date(2024, 2, 1)) == {o.lan}
    assert o.seat_holders(o.finance, date(2024, 3, 1)) == set()
    # An ending's correction cannot move it to another post.
    refused(o, InvalidCommand, "invalid_replacement", lambda: o.app.correct(o.lan, Correct(
        target_position=moved.entry_position, reason="Đổi đơn vị",
        replacement=dict(unit_id=o.justice, title_code="truong_phong",
                         reason=EndingReason.DIEU_DONG, effective_on=date(2024, 3, 1),
                         decision=decision(date(2024, 2, 20)))),
        recorded_by="btc"))


def test_identity_corrections_replace_the_registration_and_reseal_personal_data(
        office: Office) -> None:
    o = office
    with open_log_reader(o.settings) as log:
        registered = next(r.position for r in log.select(0, 100)
                          if r.originator_id == o.lan and r.originator_version == 1)
    refused(o, InvalidCommand, "not_retractable", lambda: o.app.correct(o.lan, Correct(
        target_position=registered, reason="Xóa"), recorded_by="btc"))
    o.app.correct(o.lan, Correct(
        target_position=registered, reason="Sai ngày sinh theo giấy khai sinh",
        replacement=dict(full_name="Nguyễn Thị Lan", gender=Gender.NU,
                                   born_on=date(1979, 5, 12), ethnicity="Kinh",
                                   hometown="Kiến Thụy, Hải Phòng",
                                   national_id="031179000111")),
        recorded_by="btc")
    cadre = o.app.cadre(o.lan)
    assert cadre.born_on == date(1979, 5, 12)
    assert cadre.identity["sensitive"] == {"ethnicity": "Kinh",
                                           "hometown": "Kiến Thụy, Hải Phòng",
                                           "national_id": "031179000111"}
    with open_log_reader(o.settings) as log:
        for record in log.select(0, 1000):
            assert b"031179000111" not in record.state
    # A later date before the corrected birth date is now refused.
    refused(o, InvalidCommand, "date_before_birth", lambda: o.app.evaluate(o.lan, Evaluate(
        period="1979", rating=Rating.HTNV, decided_on=date(1979, 5, 11)), recorded_by="btc"))
