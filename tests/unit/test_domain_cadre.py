"""Cán bộ: the cadre aggregate on its own (no store), its invariants and its derived state.

The property test compares `Cadre.holdings_on` with a naive list model over random sequences
of appointments and endings, refusals included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.cadre import Cadre, DateWindow, check_term, period_bounds
from domain.commands import (
    AddQualification,
    AddRelative,
    Appoint,
    EndHolding,
    Evaluate,
    ImposeDiscipline,
    Plan,
    RecordTraining,
    RegisterCadre,
    Vet,
)
from domain.errors import Conflict, DomainError, InvalidCommand, NotFound
from domain.values import (
    ActionKind,
    Decision,
    DisciplineForm,
    EndingReason,
    Gender,
    Mentions,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    Spelling,
    StateManagement,
    VettingConclusion,
)

TODAY = date(2026, 11, 24)
WINDOW = DateWindow(today=TODAY, horizon_days=366)
OFFICE, WARD = UUID(int=1), UUID(int=2)
BORN = date(1975, 6, 15)


def decision(signed_on: date = date(2021, 2, 20), number: str = "12-QĐ/QU") -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer="Ban Thường vụ Quận ủy",
                    signer="Lê Toàn Khánh")


def new_cadre(**extra: Any) -> Cadre:
    cadre = Cadre.register(RegisterCadre(full_name="Phạm Văn Đức", gender=Gender.NAM, born_on=BORN,
                                         **extra), window=WINDOW, recorded_by="ban_to_chuc")
    return cadre


def appoint(cadre: Cadre, on: date, *, unit: UUID = OFFICE, title: str = "truong_phong",
            kind: ActionKind = ActionKind.BO_NHIEM) -> UUID:
    return cadre.appoint(Appoint(kind=kind, unit_id=unit, title_code=title, effective_on=on,
                                 decision=decision(min(on, TODAY))),
                         window=WINDOW, recorded_by="ban_to_chuc")


def end(cadre: Cadre, on: date, *, unit: UUID = OFFICE, title: str = "truong_phong") -> None:
    cadre.end_holding(EndHolding(unit_id=unit, title_code=title, reason=EndingReason.DIEU_DONG,
                                 effective_on=on, decision=decision(min(on, TODAY))),
                      window=WINDOW, recorded_by="ban_to_chuc")


def refused(expected: type[DomainError], cadre: Cadre, action: Any) -> DomainError:
    """Run a command that must be refused; the aggregate must not have changed."""
    before = (cadre.version, len(cadre.entries), len(cadre.pending_events))
    with pytest.raises(expected) as caught:
        action()
    assert (cadre.version, len(cadre.entries), len(cadre.pending_events)) == before
    return caught.value


def replay(cadre: Cadre) -> Cadre:
    """The aggregate rebuilt from its own events, as the repository does."""
    rebuilt: Any = None
    for e in cadre.collect_events():
        rebuilt = e.mutate(rebuilt)
    assert isinstance(rebuilt, Cadre)
    return rebuilt


# --- registration ----------------------------------------------------------------------------


def test_registration_keeps_identity_and_levels() -> None:
    cadre = new_cadre(party_joined_on=date(2001, 5, 19),
                      political_theory=PoliticalTheory.TRUNG_CAP,
                      state_management=StateManagement.CV,
                      ethnicity="Kinh", national_id="031075001234")
    assert (cadre.full_name, cadre.gender, cadre.born_on) == ("Phạm Văn Đức", Gender.NAM, BORN)
    assert cadre.level_on(QualificationKind.POLITICAL_THEORY, date(1990, 1, 1)) == "trung_cap"
    (registered,) = cadre.collect_events()
    assert isinstance(registered, Cadre.Registered)
    assert registered.recorded_by == "ban_to_chuc" and registered.effective_on == TODAY
    assert registered.sensitive == {"ethnicity": "Kinh", "national_id": "031075001234"}


@pytest.mark.parametrize(("changes", "code", "field"), [
    (dict(full_name="  "), "missing_field", "full_name"),
    (dict(born_on=TODAY - timedelta(days=365 * 15)), "invalid_date", "born_on"),
    (dict(born_on=date(1899, 12, 31)), "invalid_date", "born_on"),
    (dict(party_joined_on=date(1970, 1, 1)), "date_before_birth", "party_joined_on"),
    (dict(party_joined_on=TODAY + timedelta(days=3)), "date_too_late", "party_joined_on"),
])
def test_registration_refusals(changes: dict[str, Any], code: str, field: str) -> None:
    args: dict[str, Any] = dict(full_name="Phạm Văn Đức", gender=Gender.NAM,
                                born_on=BORN) | changes
    with pytest.raises(InvalidCommand) as caught:
        Cadre.register(RegisterCadre(**args), window=WINDOW, recorded_by="ban_to_chuc")
    assert (caught.value.code, caught.value.field) == (code, field)


# --- holdings --------------------------------------------------------------------------------


def test_concurrent_posts_and_an_ending_give_holdings_over_time() -> None:
    cadre = new_cadre()
    head = appoint(cadre, date(2018, 3, 1))
    appoint(cadre, date(2020, 1, 1), unit=WARD, title="bi_thu", kind=ActionKind.KIEM_NHIEM)
    end(cadre, date(2023, 3, 1))

    assert [h.title_code for h in cadre.holdings_on(date(2017, 1, 1))] == []
    assert [h.title_code for h in cadre.holdings_on(date(2021, 6, 1))] == ["truong_phong",
                                                                           "bi_thu"]
    assert [h.title_code for h in cadre.holdings_on(date(2023, 3, 1))] == ["bi_thu"]
    ended = cadre.holdings()[head]
    assert (ended.since, ended.until, ended.end_reason) == (date(2018, 3, 1), date(2023, 3, 1),
                                                           EndingReason.DIEU_DONG)


def test_the_same_post_twice_on_one_date_is_a_holding_conflict() -> None:
    cadre = new_cadre()
    appoint(cadre, date(2018, 3, 1))
    error = refused(Conflict, cadre, lambda: appoint(cadre, date(2019, 1, 1)))
    assert (error.code, error.field) == ("holding_conflict", "title_code")
    # After the ending the post may be held again (bổ nhiệm lại from the ending date).
    end(cadre, date(2023, 3, 1))
    appoint(cadre, date(2023, 3, 1), kind=ActionKind.BO_NHIEM_LAI)
    assert len(cadre.holdings_on(date(2023, 3, 1))) == 1


@pytest.mark.parametrize(("on", "unit", "title"), [
    (date(2019, 1, 1), WARD, "truong_phong"),      # another unit
    (date(2019, 1, 1), OFFICE, "pho_truong_phong"),  # another title
    (date(2018, 3, 1), OFFICE, "truong_phong"),    # not after the start
])
def test_ending_a_holding_that_does_not_exist(on: date, unit: UUID, title: str) -> None:
    cadre = new_cadre()
    appoint(cadre, date(2018, 3, 1))
    error = refused(NotFound, cadre, lambda: end(cadre, on, unit=unit, title=title))
    assert (error.code, error.field) == ("holding_not_found", "title_code")


def test_dates_before_birth_or_beyond_the_horizon_are_refused() -> None:
    cadre = new_cadre()
    cases = [
        (date(1970, 1, 1), decision(), "date_before_birth", "effective_on"),
        (WINDOW.latest + timedelta(days=1), decision(), "date_too_late", "effective_on"),
        (date(2020, 1, 1), decision(date(1960, 1, 1)), "date_before_birth",
         "decision.signed_on"),
        (date(2020, 1, 1), decision(TODAY + timedelta(days=1)), "date_too_late",
         "decision.signed_on"),
    ]
    for on, basis, code, field in cases:
        error = refused(InvalidCommand, cadre, lambda on=on, basis=basis: cadre.appoint(Appoint(
            kind=ActionKind.BO_NHIEM, unit_id=OFFICE, title_code="truong_phong", effective_on=on,
            decision=basis), window=WINDOW, recorded_by="ban_to_chuc"))
        assert (error.code, error.field) == (code, field)
    # The horizon itself is allowed: a decision signed today taking effect next month.
    appoint(cadre, WINDOW.latest)


def test_a_decision_needs_number_issuer_and_signer() -> None:
    cadre = new_cadre()
    bad = Decision(number=" ", signed_on=date(2021, 1, 1), issuer="Quận ủy", signer="Lê B")
    with pytest.raises(InvalidCommand) as caught:
        cadre.appoint(Appoint(kind=ActionKind.BO_NHIEM, unit_id=OFFICE, title_code="truong_phong",
                              effective_on=date(2021, 2, 1), decision=bad),
                      window=WINDOW, recorded_by="ban_to_chuc")
    assert (caught.value.code, caught.value.field) == ("missing_field", "decision")


def test_term_months_set_the_planned_end() -> None:
    cadre = new_cadre()
    holding = cadre.appoint(Appoint(kind=ActionKind.BO_NHIEM, unit_id=OFFICE,
                                    title_code="truong_phong", effective_on=date(2021, 8, 31),
                                    decision=decision(), term_months=60),
                            window=WINDOW, recorded_by="ban_to_chuc")
    assert cadre.holdings()[holding].planned_end_on == date(2026, 8, 31)
    for months in (0, 121):
        with pytest.raises(InvalidCommand) as caught:
            cadre.appoint(Appoint(kind=ActionKind.BO_NHIEM, unit_id=WARD, title_code="x",
                                  effective_on=date(2021, 8, 31), decision=decision(),
                                  term_months=months), window=WINDOW, recorded_by="ban_to_chuc")
        assert caught.value.field == "term_months"


# --- evaluations, training, qualifications, planning ---------------------------------------------


def test_evaluation_rules() -> None:
    cadre = new_cadre()
    cadre.evaluate(Evaluate(period="2024", rating=Rating.HTTNV, decided_on=date(2024, 12, 20),
                            score=Decimal("82")), window=WINDOW, recorded_by="ban_to_chuc")
    cadre.evaluate(Evaluate(period="2025-Q1", rating=Rating.HTXSNV, decided_on=date(2025, 4, 5)),
                   window=WINDOW, recorded_by="ban_to_chuc")
    cases: list[tuple[dict[str, Any], str, str]] = [
        (dict(period="2024"), "duplicate_evaluation", "period"),
        (dict(period="2024-Q5"), "invalid_period", "period"),
        (dict(period="24"), "invalid_period", "period"),
        (dict(period="2026", decided_on=date(2025, 12, 31)), "invalid_date", "decided_on"),
        (dict(period="2023", score=Decimal("100.5")), "invalid_value", "score"),
    ]
    for changes, code, field in cases:
        args: dict[str, Any] = dict(period="2023", rating=Rating.HTNV,
                                    decided_on=date(2024, 1, 10)) | changes
        error = refused(DomainError, cadre, lambda args=args: cadre.evaluate(
            Evaluate(**args), window=WINDOW, recorded_by="ban_to_chuc"))
        assert (error.code, error.field) == (code, field)
    assert period_bounds("2025-Q4") == (date(2025, 10, 1), date(2026, 1, 1))


def test_completing_a_programme_raises_political_theory_from_the_completion_date() -> None:
    cadre = new_cadre(political_theory=PoliticalTheory.TRUNG_CAP)
    cadre.record_training(RecordTraining(program="llct_cao_cap", started_on=date(2023, 9, 5),
                                         completed_on=date(2024, 12, 20)),
                          window=WINDOW, recorded_by="ban_to_chuc")
    cadre.record_training(RecordTraining(program="qpan_doi_tuong_2", started_on=date(2024, 3, 1),
                                         completed_on=date(2024, 3, 20)),
                          window=WINDOW, recorded_by="ban_to_chuc")
    kind = QualificationKind.POLITICAL_THEORY
    assert cadre.level_on(kind, date(2024, 12, 19)) == "trung_cap"
    assert cadre.level_on(kind, date(2024, 12, 20)) == "cao_cap"
    # A lower level obtained later does not lower the level held.
    cadre.obtain_qualification(AddQualification(kind=kind, level="so_cap",
                                                obtained_on=date(2025, 1, 5)),
                               window=WINDOW, recorded_by="ban_to_chuc")
    assert cadre.level_on(kind, TODAY) == "cao_cap"


def test_an_unfinished_programme_raises_nothing() -> None:
    cadre = new_cadre()
    cadre.record_training(RecordTraining(program="qlnn_cvc", started_on=date(2026, 9, 1)),
                          window=WINDOW, recorded_by="ban_to_chuc")
    assert cadre.level_on(QualificationKind.STATE_MANAGEMENT, TODAY) is None
    (_, recorded) = cadre.collect_events()
    assert isinstance(recorded, Cadre.TrainingRecorded)
    assert (recorded.confers_kind, recorded.confers_level) == ("state_management", "cvc")
    with pytest.raises(InvalidCommand) as caught:
        cadre.record_training(RecordTraining(program="qlnn_cvc", started_on=date(2026, 9, 1),
                                             completed_on=date(2026, 8, 1)),
                              window=WINDOW, recorded_by="ban_to_chuc")
    assert caught.value.field == "completed_on"


def test_a_qualification_level_must_be_a_contract_code() -> None:
    cadre = new_cadre()
    with pytest.raises(InvalidCommand) as caught:
        cadre.obtain_qualification(AddQualification(kind=QualificationKind.EDUCATION,
                                                    level="dai_hoc_xuat_sac",
                                                    obtained_on=date(2000, 6, 30)),
                                   window=WINDOW, recorded_by="ban_to_chuc")
    assert (caught.value.code, caught.value.field) == ("invalid_code", "level")
    # Languages and IT have free levels.
    cadre.obtain_qualification(AddQualification(kind=QualificationKind.LANGUAGE,
                                                level="Tiếng Anh B1",
                                                obtained_on=date(2010, 6, 30)),
                               window=WINDOW, recorded_by="ban_to_chuc")


def test_planning_at_most_three_posts_per_term_and_removal() -> None:
    cadre = new_cadre()
    for title in ("bi_thu", "chu_tich", "pho_bi_thu"):
        cadre.plan(Plan(unit_id=WARD, title_code=title, term="2025-2030",
                        decided_on=date(2024, 3, 12), decision=decision(date(2024, 3, 12))),
                   window=WINDOW, recorded_by="ban_to_chuc")
    args: dict[str, Any] = dict(unit_id=WARD, term="2025-2030", decided_on=date(2024, 3, 12),
                                decision=decision(date(2024, 3, 12)))
    context: dict[str, Any] = dict(window=WINDOW, recorded_by="ban_to_chuc")
    error = refused(Conflict, cadre, lambda: cadre.plan(Plan(title_code="bi_thu", **args),
                                                        **context))
    assert error.code == "duplicate_planning"
    error = refused(Conflict, cadre, lambda: cadre.plan(Plan(title_code="truong_ban", **args),
                                                        max_posts=3, **context))
    assert error.code == "planning_limit"
    error = refused(InvalidCommand, cadre,
                    lambda: cadre.plan(Plan(title_code="truong_ban",
                                            **(args | {"term": "2030-2025"})), **context))
    assert (error.code, error.field) == ("invalid_term", "term")
    cadre.remove_planning(Plan(title_code="chu_tich", **args), **context)
    cadre.plan(Plan(title_code="truong_ban", **args), **context)
    error = refused(NotFound, cadre, lambda: cadre.remove_planning(Plan(title_code="chu_tich",
                                                                        **args), **context))
    assert error.code == "planning_not_found"
    active = sorted(p.title_code for p in cadre.plannings().values() if p.removed_on is None)
    assert active == ["bi_thu", "pho_bi_thu", "truong_ban"]
    assert check_term("2025-2030") == (2025, 2030)


def test_discipline_vetting_and_relatives_refusals() -> None:
    cadre = new_cadre()
    error = refused(InvalidCommand, cadre, lambda: cadre.discipline(ImposeDiscipline(
        form=DisciplineForm.CANH_CAO, violation=" ", effective_on=date(2023, 1, 1),
        decision=decision()), window=WINDOW, recorded_by="ubkt"))
    assert error.field == "violation"
    error = refused(InvalidCommand, cadre, lambda: cadre.vet(Vet(
        purpose="bo_nhiem", conclusion=VettingConclusion.DAT, body="Ban Tổ chức",
        vetted_on=TODAY + timedelta(days=1)), window=WINDOW, recorded_by="btc"))
    assert (error.code, error.field) == ("invalid_date", "vetted_on")
    error = refused(InvalidCommand, cadre, lambda: cadre.add_relative(AddRelative(
        relation=Relation.ANH, full_name="Phạm Văn Tài", relative_cadre_id=cadre.id),
                                                                      window=WINDOW, recorded_by="btc"))
    assert (error.code, error.field) == ("invalid_relative", "relative_cadre_id")
    error = refused(InvalidCommand, cadre, lambda: cadre.add_relative(AddRelative(
        relation=Relation.CON, full_name="Phạm Minh An", born_year=TODAY.year + 1),
                                                                      window=WINDOW, recorded_by="btc"))
    assert error.field == "born_year"
    relative = cadre.add_relative(AddRelative(relation=Relation.VO, full_name="Đỗ Thị Hoa",
                                              born_year=1978), window=WINDOW, recorded_by="btc")
    (added,) = [e for e in cadre.collect_events() if isinstance(e, Cadre.RelativeAdded)]
    # The relative's name and year travel only in the sealed part of the event.
    assert added.relative_id == relative
    assert added.sensitive == {"full_name": "Đỗ Thị Hoa", "born_year": 1978}


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_replaces_the_fact_and_keeps_the_original() -> None:
    cadre = new_cadre()
    head = appoint(cadre, date(2018, 3, 1))
    payload = cadre.check_appointment(Appoint(kind=ActionKind.BO_NHIEM, unit_id=OFFICE,
                                              title_code="truong_phong",
                                              effective_on=date(2018, 4, 1),
                                              decision=decision(date(2018, 3, 20))),
                                      window=WINDOW, holding_id=head, ignore_version=2)
    cadre.correct(target_version=2, target_position=40, reason="Sai ngày hiệu lực",
                  replacement=payload, window=WINDOW, recorded_by="btc")
    assert cadre.entries[2].status == "corrected" and cadre.entries[2].corrected_by == 3
    assert cadre.entries[3].type == "Appointed" and cadre.entries[3].replaces == 2
    assert cadre.holdings()[head].since == date(2018, 4, 1)
    error = refused(Conflict, cadre, lambda: cadre.correct(
        target_version=2, target_position=40, reason="Lần nữa", replacement=None,
        window=WINDOW, recorded_by="btc"))
    assert (error.code, error.field) == ("already_corrected", "target_position")


def test_retractions_and_what_cannot_be_retracted() -> None:
    cadre = new_cadre()
    appoint(cadre, date(2018, 3, 1))  # version 2
    end(cadre, date(2022, 3, 1))      # version 3
    cadre.evaluate(Evaluate(period="2021", rating=Rating.HTNV, decided_on=date(2021, 12, 20)),
                   window=WINDOW, recorded_by="btc")  # version 4
    common: dict[str, Any] = dict(target_position=99, reason="Ghi nhầm", replacement=None,
                                  window=WINDOW, recorded_by="btc")
    assert refused(InvalidCommand, cadre, lambda: cadre.correct(
        target_version=1, **common)).code == "not_retractable"
    assert refused(Conflict, cadre, lambda: cadre.correct(
        target_version=2, **common)).code == "ending_exists"
    assert refused(InvalidCommand, cadre, lambda: cadre.correct(
        target_version=4, **(common | {"reason": " "}))).code == "missing_field"
    assert refused(NotFound, cadre, lambda: cadre.correct(
        target_version=42, **common)).code == "position_not_found"

    cadre.correct(target_version=4, **common)
    assert cadre.facts("Evaluated") == []
    assert refused(Conflict, cadre, lambda: cadre.correct(
        target_version=4, **common)).code == "already_retracted"
    # The period is free again once its evaluation is retracted.
    cadre.evaluate(Evaluate(period="2021", rating=Rating.HTTNV, decided_on=date(2021, 12, 20)),
                   window=WINDOW, recorded_by="btc")
    # Retract the ending first, then the appointment.
    cadre.correct(target_version=3, **common)
    cadre.correct(target_version=2, **common)
    assert cadre.holdings() == {}
    assert refused(InvalidCommand, cadre, lambda: cadre.correct(
        target_version=5, **common)).code == "not_correctable"


def test_personal_data_is_erased_once() -> None:
    cadre = new_cadre()
    cadre.erase_personal_data(reason="Theo yêu cầu", window=WINDOW, recorded_by="admin")
    assert cadre.erased
    assert refused(Conflict, cadre, lambda: cadre.erase_personal_data(
        reason="Lần hai", window=WINDOW, recorded_by="admin")).code == "already_erased"


def test_an_erasure_records_where_the_name_is_mentioned_and_refuses_nonsense() -> None:
    cadre = new_cadre()
    for bad in (Mentions(positions=(5, 5)), Mentions(positions=(0,)),
                Mentions(positions=(5,), spellings=(Spelling(6, "signer", 0, 4),)),
                Mentions(positions=(5,), spellings=(Spelling(5, "reason", 0, 4),)),
                Mentions(positions=(5,), spellings=(Spelling(5, "signer", 4, 4),))):
        assert refused(InvalidCommand, cadre, lambda bad=bad: cadre.erase_personal_data(
            reason="Theo yêu cầu", window=WINDOW, recorded_by="admin",
            mentions=bad)).field == "mentions", bad
    named = Mentions(positions=(5, 9), spellings=(Spelling(5, "signer", 0, 12),))
    cadre.erase_personal_data(reason="Theo yêu cầu", window=WINDOW, recorded_by="admin",
                              mentions=named)
    (erased,) = [e for e in cadre.collect_events()
                 if isinstance(e, Cadre.PersonalDataErased)]
    assert erased.mentions == named


def test_replay_gives_the_same_state() -> None:
    cadre = new_cadre(political_theory=PoliticalTheory.SO_CAP)
    appoint(cadre, date(2018, 3, 1))
    appoint(cadre, date(2019, 1, 1), unit=WARD, title="bi_thu", kind=ActionKind.BAU_CU)
    end(cadre, date(2022, 3, 1))
    cadre.record_training(RecordTraining(program="llct_trung_cap", started_on=date(2020, 1, 1),
                                         completed_on=date(2020, 12, 1)),
                          window=WINDOW, recorded_by="btc")
    cadre.correct(target_version=3, target_position=9, reason="Ghi nhầm", replacement=None,
                  window=WINDOW, recorded_by="btc")
    rebuilt = replay(cadre)
    assert rebuilt.entries == cadre.entries
    assert rebuilt.holdings() == cadre.holdings()
    assert rebuilt.level_on(QualificationKind.POLITICAL_THEORY, TODAY) == "trung_cap"


# --- property: holdings_on against a naive model ---------------------------------------------

START = date(2015, 1, 1)
POSTS = [(OFFICE, "truong_phong"), (OFFICE, "pho_truong_phong"), (WARD, "bi_thu")]


@dataclass
class Post:
    unit: UUID
    title: str
    since: date
    until: date | None = None

    def held_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


class NaiveCareer:
    """The rules as a personnel officer states them, on a plain list."""

    def __init__(self) -> None:
        self.posts: list[Post] = []

    def appoint(self, unit: UUID, title: str, day: date) -> str | None:
        if any(p.unit == unit and p.title == title and p.held_on(day) for p in self.posts):
            return "holding_conflict"
        self.posts.append(Post(unit, title, day))
        return None

    def end(self, unit: UUID, title: str, day: date) -> str | None:
        open_ = [p for p in self.posts
                 if p.unit == unit and p.title == title and p.until is None and p.since < day]
        if not open_:
            return "holding_not_found"
        latest = max(p.since for p in open_)
        next(p for p in open_ if p.since == latest).until = day
        return None

    def on(self, day: date) -> list[tuple[Any, ...]]:
        return sorted((p.unit.int, p.title, p.since, p.until) for p in self.posts
                      if p.held_on(day))


steps = st.lists(st.tuples(st.sampled_from(["appoint", "end"]),
                           st.integers(0, len(POSTS) - 1),
                           st.integers(0, 12 * 365)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(steps, st.lists(st.integers(-30, 12 * 365 + 30), min_size=1, max_size=8))
def test_holdings_on_matches_a_naive_model(history: list[tuple[str, int, int]],
                                           probes: list[int]) -> None:
    cadre, model = new_cadre(), NaiveCareer()
    for verb, post, offset in history:
        unit, title = POSTS[post]
        day = START + timedelta(days=offset)
        expected = model.appoint(unit, title, day) if verb == "appoint" else model.end(
            unit, title, day)
        try:
            if verb == "appoint":
                appoint(cadre, day, unit=unit, title=title)
            else:
                end(cadre, day, unit=unit, title=title)
            got = None
        except DomainError as error:
            got = error.code
        assert got == expected, (verb, post, day)
    for offset in [o for _, _, o in history] + probes:
        day = START + timedelta(days=offset)
        actual = sorted((h.unit_id.int, h.title_code, h.since, h.until)
                        for h in cadre.holdings_on(day))
        assert actual == model.on(day), day
    rebuilt = replay(cadre)
    assert rebuilt.holdings() == cadre.holdings()



# --- renewals (contract v1.1) --------------------------------------------------------------


def test_a_reappointment_renews_the_running_term_without_an_ending() -> None:
    cadre = new_cadre()
    first = appoint(cadre, date(2016, 3, 1))
    second = appoint(cadre, date(2021, 3, 1), kind=ActionKind.BO_NHIEM_LAI)
    held = cadre.holdings()
    assert held[second].renews == first and held[first].until == date(2021, 3, 1)
    assert held[first].end_reason is None and not cadre.facts("HoldingEnded")
    assert [h.holding_id for h in cadre.holdings_on(date(2021, 2, 28))] == [first]
    assert [h.holding_id for h in cadre.holdings_on(date(2021, 3, 1))] == [second]
    # An ending ends the term in force, not the renewed one.
    end(cadre, date(2024, 1, 1))
    assert cadre.holdings()[second].until == date(2024, 1, 1)


@pytest.mark.parametrize("kind", [ActionKind.BO_NHIEM, ActionKind.DIEU_DONG_BO_NHIEM])
def test_only_the_renewing_kinds_renew(kind: ActionKind) -> None:
    cadre = new_cadre()
    appoint(cadre, date(2016, 3, 1))
    with pytest.raises(Conflict) as refused:
        appoint(cadre, date(2021, 3, 1), kind=kind)
    assert refused.value.code == "holding_conflict"


def test_a_renewal_is_refused_inside_an_ended_or_renewed_term_and_keo_dai_needs_a_post() -> None:
    cadre = new_cadre()
    appoint(cadre, date(2016, 3, 1))
    end(cadre, date(2020, 1, 1))
    with pytest.raises(Conflict):  # the term ended later: correct the ending first
        appoint(cadre, date(2019, 1, 1), kind=ActionKind.BO_NHIEM_LAI)
    other = new_cadre()
    appoint(other, date(2016, 3, 1))
    appoint(other, date(2021, 3, 1), kind=ActionKind.BAU_CU)
    with pytest.raises(Conflict):  # already renewed in 2021: no second renewal of 2016's term
        appoint(other, date(2019, 1, 1), kind=ActionKind.BO_NHIEM_LAI)
    with pytest.raises(NotFound) as missing:
        appoint(other, date(2022, 1, 1), unit=WARD, kind=ActionKind.KEO_DAI)
    assert missing.value.code == "holding_not_found"
    # A reappointment of a post not held is an appointment as before.
    appoint(other, date(2022, 1, 1), unit=WARD, kind=ActionKind.BO_NHIEM_LAI)


def test_corrections_keep_what_a_renewal_renews() -> None:
    cadre = new_cadre()
    first = appoint(cadre, date(2016, 3, 1))
    appoint(cadre, date(2021, 3, 1), kind=ActionKind.BO_NHIEM_LAI)
    first_version = cadre.holdings()[first].version
    with pytest.raises(Conflict) as refused:
        cadre.correct(target_version=first_version, target_position=first_version,
                      reason="Nhầm", replacement=None, window=WINDOW, recorded_by="t")
    assert refused.value.code == "renewal_exists"
    moved = cadre.check_appointment(Appoint(kind=ActionKind.BO_NHIEM, unit_id=WARD,
                                            title_code="truong_phong",
                                            effective_on=date(2016, 3, 1),
                                            decision=decision(date(2016, 3, 1))),
                                    window=WINDOW, holding_id=first, ignore_version=first_version)
    with pytest.raises(InvalidCommand) as kept:
        cadre.correct(target_version=first_version, target_position=first_version,
                      reason="Sai đơn vị", replacement=moved, window=WINDOW, recorded_by="t")
    assert kept.value.code == "invalid_replacement"
