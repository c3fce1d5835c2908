"""Every refusal the contract lists, through the application service on an SQLite store: each
names its stable code and the culprit field, and the log does not move (nothing appended)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.application import HosoApplication
from domain.commands import (
    AddQualification,
    AddRelative,
    Appoint,
    ChangeUnit,
    Correct,
    EndHolding,
    ErasePersonalData,
    Evaluate,
    ImposeDiscipline,
    Nominate,
    Plan,
    RecordTraining,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    ReviewFinding,
    Vet,
)
from domain.errors import Conflict, DomainError, InvalidCommand, NotFound
from domain.values import (
    ActionKind,
    Decision,
    EndingReason,
    Gender,
    QualificationKind,
    Rating,
    Relation,
    VettingConclusion,
)
from infra.clock import PinnedClock
from infra.persistence import application_env
from infra.settings import Settings

TODAY = date(2026, 11, 24)
HORIZON = 366
BORN = date(1976, 8, 19)


def decision(signed_on: date, number: str = "41-QĐ/QU") -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer="Ban Thường vụ Quận ủy Kiến An",
                    signer="Lê Toàn Khánh")


@dataclass
class District:
    app: HosoApplication
    district: UUID
    office: UUID       # Phòng Nội vụ, 2008 → merged into `merged_into` on 1/7/2025
    merged_into: UUID
    lan: UUID          # Nguyễn Thị Lan: Trưởng phòng Nội vụ since 1/3/2021
    hung: UUID         # Trần Văn Hùng: no post
    lan_appointed: int  # log position of Lan's appointment

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0


@pytest.fixture
def kien_an(sqlite_settings: Settings) -> Iterator[District]:
    app = HosoApplication(env=application_env(sqlite_settings), clock=PinnedClock.on(TODAY),
                          horizon_days=HORIZON)
    district = app.register_unit(RegisterUnit(
        code="KA", name="Quận ủy Kiến An", kind="quan_uy", established_on=date(1955, 5, 13)),
        recorded_by="btc").id
    office = app.register_unit(RegisterUnit(
        code="KA-NV", name="Phòng Nội vụ", kind="phong", established_on=date(2008, 4, 1),
        parent_id=district), recorded_by="btc").id
    merged_into = app.register_unit(RegisterUnit(
        code="KA-NV-LD", name="Phòng Nội vụ – Lao động", kind="phong",
        established_on=date(2008, 4, 1), parent_id=district), recorded_by="btc").id
    app.register_title(RegisterTitle(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy", rank=5),
        recorded_by="btc")
    app.register_title(RegisterTitle(
        code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="quan_uy", rank=1),
        recorded_by="btc")
    lan = app.register_cadre(RegisterCadre(full_name="Nguyễn Thị Lan", gender=Gender.NU,
                                           born_on=BORN), recorded_by="btc").id
    hung = app.register_cadre(RegisterCadre(full_name="Trần Văn Hùng", gender=Gender.NAM,
                                            born_on=date(1982, 2, 1)), recorded_by="btc").id
    appointed = app.appoint(lan, Appoint(kind=ActionKind.BO_NHIEM, unit_id=office,
                                         title_code="truong_phong", effective_on=date(2021, 3, 1),
                                         decision=decision(date(2021, 2, 20))), recorded_by="btc")
    app.evaluate(lan, Evaluate(period="2024", rating=Rating.HTTNV, decided_on=date(2024, 12, 20)),
                 recorded_by="btc")
    app.change_unit(office, ChangeUnit(
        change="merge", effective_on=date(2025, 7, 1), into_unit_id=merged_into,
        decision=decision(date(2025, 6, 20))), recorded_by="btc")
    yield District(app, district, office, merged_into, lan, hung, appointed.entry_position)
    app.close()


def refused(d: District, expected: type[DomainError], code: str, field: str | None,
            command: Callable[[], Any]) -> DomainError:
    before = d.head()
    with pytest.raises(expected) as caught:
        command()
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert d.head() == before, "a refused command appended to the log"
    assert caught.value.message  # Vietnamese with the English in parentheses
    return caught.value


def appoint(d: District, who: UUID, **changes: Any) -> Callable[[], Any]:
    args: dict[str, Any] = dict(kind=ActionKind.BO_NHIEM, unit_id=d.office,
                                title_code="truong_phong", effective_on=date(2023, 5, 1),
                                decision=decision(date(2023, 4, 20)))
    args |= changes
    return lambda: d.app.appoint(who, Appoint(**args), recorded_by="btc")


# --- unknown unit, title, cadre ------------------------------------------------------------


def test_unknown_unit(kien_an: District) -> None:
    d, nowhere = kien_an, uuid4()
    refused(d, NotFound, "unit_not_found", "unit_id", appoint(d, d.hung, unit_id=nowhere))
    refused(d, NotFound, "unit_not_found", "unit_id", lambda: d.app.nominate(d.hung, Nominate(
        unit_id=nowhere, title_code="truong_phong", decided_on=date(2024, 1, 5),
        decision=decision(date(2024, 1, 5))), recorded_by="btc"))
    refused(d, NotFound, "unit_not_found", "unit_id", lambda: d.app.plan(d.hung, Plan(
        unit_id=nowhere, title_code="truong_phong", term="2025-2030", decided_on=date(2024, 1, 5),
        decision=decision(date(2024, 1, 5))), recorded_by="btc"))
    refused(d, NotFound, "unit_not_found", "parent_id", lambda: d.app.register_unit(RegisterUnit(
        code="KA-X", name="Phòng X", kind="phong", established_on=date(2010, 1, 1),
        parent_id=nowhere), recorded_by="btc"))
    refused(d, NotFound, "unit_not_found", "id", lambda: d.app.change_unit(nowhere, ChangeUnit(
        change="rename", new_name="Y", effective_on=date(2020, 1, 1)), recorded_by="btc"))
    refused(d, NotFound, "unit_not_found", "into_unit_id", lambda: d.app.change_unit(d.merged_into, ChangeUnit(
        change="merge", into_unit_id=nowhere, effective_on=date(2026, 1, 1)), recorded_by="btc"))
    # A cadre's id is not a unit's.
    refused(d, NotFound, "unit_not_found", "unit_id", appoint(d, d.hung, unit_id=d.lan))


def test_unknown_title(kien_an: District) -> None:
    d = kien_an
    refused(d, NotFound, "title_not_found", "title_code",
            appoint(d, d.hung, title_code="pho_chu_tich_xa"))
    refused(d, NotFound, "title_not_found", "title_code", lambda: d.app.end_holding(d.lan, EndHolding(
        unit_id=d.office, title_code="pho_chu_tich_xa", reason=EndingReason.MIEN_NHIEM,
        effective_on=date(2024, 1, 1), decision=decision(date(2024, 1, 1))), recorded_by="btc"))


def test_unknown_cadre(kien_an: District) -> None:
    d = kien_an
    refused(d, NotFound, "cadre_not_found", "id", appoint(d, uuid4()))
    refused(d, NotFound, "cadre_not_found", "id", appoint(d, d.office))
    refused(d, NotFound, "cadre_not_found", "relative_cadre_id", lambda: d.app.add_relative(d.lan, AddRelative(
        relation=Relation.CHONG, full_name="Phạm Văn Long", relative_cadre_id=uuid4()),
                                                                                            recorded_by="btc"))


# --- the unit must exist on the date -----------------------------------------------------------


def test_unit_not_existing_on_the_effective_date(kien_an: District) -> None:
    d = kien_an
    before_established = appoint(d, d.hung, title_code="chuyen_vien",
                                 effective_on=date(2008, 3, 31))
    refused(d, InvalidCommand, "unit_not_active", "effective_on", before_established)
    after_merger = appoint(d, d.hung, title_code="chuyen_vien", effective_on=date(2025, 7, 1),
                           decision=decision(date(2025, 6, 25)))
    refused(d, InvalidCommand, "unit_not_active", "effective_on", after_merger)
    refused(d, InvalidCommand, "unit_not_active", "decided_on", lambda: d.app.nominate(d.hung, Nominate(
        unit_id=d.office, title_code="truong_phong", decided_on=date(2025, 8, 1),
        decision=decision(date(2025, 8, 1))), recorded_by="btc"))
    refused(d, InvalidCommand, "unit_not_active", "decided_on", lambda: d.app.plan(d.hung, Plan(
        unit_id=d.office, title_code="truong_phong", term="2025-2030", decided_on=date(2025, 8, 1),
        decision=decision(date(2025, 8, 1))), recorded_by="btc"))
    refused(d, InvalidCommand, "unit_not_active", "parent_id", lambda: d.app.register_unit(RegisterUnit(
        code="KA-NV-1", name="Tổ Một cửa", kind="phong", established_on=date(2025, 9, 1),
        parent_id=d.office), recorded_by="btc"))
    refused(d, InvalidCommand, "unit_not_active", "effective_on", lambda: d.app.change_unit(d.office, ChangeUnit(
        change="rename", new_name="Phòng Nội vụ (mới)", effective_on=date(2025, 9, 1)),
        recorded_by="btc"))
    # The day before the merger the unit still exists.
    appoint(d, d.hung, title_code="chuyen_vien", effective_on=date(2025, 6, 30),
            decision=decision(date(2025, 6, 25)))()


# --- holdings -----------------------------------------------------------------------------------


def test_ending_a_holding_that_does_not_exist(kien_an: District) -> None:
    d = kien_an

    def end(who: UUID, title: str, on: date) -> Callable[[], Any]:
        return lambda: d.app.end_holding(who, EndHolding(unit_id=d.office, title_code=title,
                                                         reason=EndingReason.NGHI_HUU,
                                                         effective_on=on, decision=decision(on)),
                                         recorded_by="btc")

    refused(d, NotFound, "holding_not_found", "title_code",
            end(d.hung, "truong_phong", date(2024, 1, 1)))
    refused(d, NotFound, "holding_not_found", "title_code",
            end(d.lan, "chuyen_vien", date(2024, 1, 1)))
    refused(d, NotFound, "holding_not_found", "title_code",
            end(d.lan, "truong_phong", date(2021, 2, 1)))  # before it began


def test_head_post_already_held_on_that_date(kien_an: District) -> None:
    d = kien_an
    refused(d, Conflict, "holding_conflict", "title_code",
            appoint(d, d.hung, effective_on=date(2023, 5, 1)))
    refused(d, Conflict, "holding_conflict", "title_code",
            appoint(d, d.lan, effective_on=date(2022, 1, 1)))  # the same cadre again
    # Once Lan's holding ends, Hùng may take the seat from that very date.
    d.app.end_holding(d.lan, EndHolding(unit_id=d.office, title_code="truong_phong",
                                        reason=EndingReason.DIEU_DONG,
                                        effective_on=date(2024, 2, 1),
                                        decision=decision(date(2024, 1, 25))), recorded_by="btc")
    refused(d, Conflict, "holding_conflict", "title_code",
            appoint(d, d.hung, effective_on=date(2024, 1, 31)))
    appoint(d, d.hung, effective_on=date(2024, 2, 1), kind=ActionKind.DIEU_DONG_BO_NHIEM)()
    (seat,) = [s for s in d.app.unit(d.office).seats.values() if s.cadre_id == d.hung]
    assert (seat.since, seat.until) == (date(2024, 2, 1), None)


# --- dates --------------------------------------------------------------------------------------


def test_dates_before_birth(kien_an: District) -> None:
    d = kien_an
    refused(d, InvalidCommand, "date_before_birth", "effective_on",
            appoint(d, d.lan, unit_id=d.district, title_code="chuyen_vien",
                    effective_on=date(1976, 8, 18)))
    refused(d, InvalidCommand, "date_before_birth", "decision.signed_on",
            appoint(d, d.hung, title_code="chuyen_vien", effective_on=date(2009, 1, 1),
                    decision=decision(date(1980, 1, 1))))
    refused(d, InvalidCommand, "date_before_birth", "started_on", lambda: d.app.record_training(d.hung, RecordTraining(
        program="llct_so_cap", started_on=date(1981, 1, 1)), recorded_by="btc"))
    refused(d, InvalidCommand, "date_before_birth", "vetted_on", lambda: d.app.vet(d.hung, Vet(
        vetted_on=date(1981, 1, 1), purpose="bo_nhiem", conclusion=VettingConclusion.DAT,
        body="Ban Tổ chức"), recorded_by="btc"))


def test_dates_beyond_today_plus_the_horizon(kien_an: District) -> None:
    d = kien_an
    too_late = TODAY + timedelta(days=HORIZON + 1)
    refused(d, InvalidCommand, "date_too_late", "effective_on",
            appoint(d, d.hung, unit_id=d.merged_into, title_code="chuyen_vien",
                    effective_on=too_late))
    refused(d, InvalidCommand, "date_too_late", "decision.signed_on",
            appoint(d, d.hung, unit_id=d.merged_into, title_code="chuyen_vien",
                    effective_on=date(2026, 12, 1), decision=decision(TODAY + timedelta(days=1))))
    refused(d, InvalidCommand, "date_too_late", "established_on", lambda: d.app.register_unit(RegisterUnit(
        code="KA-Y", name="Phòng Y", kind="phong", established_on=too_late), recorded_by="btc"))
    refused(d, InvalidCommand, "date_too_late", "effective_on", lambda: d.app.change_unit(d.merged_into, ChangeUnit(
        change="rename", new_name="Z", effective_on=too_late), recorded_by="btc"))
    refused(d, InvalidCommand, "date_too_late", "decided_on", lambda: d.app.evaluate(d.hung, Evaluate(
        period="2027", rating=Rating.HTTNV, decided_on=too_late), recorded_by="btc"))
    # Registration: a cadre must be of working age on today's date.
    refused(d, InvalidCommand, "invalid_date", "born_on", lambda: d.app.register_cadre(RegisterCadre(
        full_name="Lê Văn Trẻ", gender=Gender.NAM, born_on=TODAY - timedelta(days=365)),
                                                                                       recorded_by="btc"))
    # The last day of the horizon is accepted (a decision signed today, effective later).
    appoint(d, d.hung, unit_id=d.merged_into, title_code="chuyen_vien",
            effective_on=TODAY + timedelta(days=HORIZON), decision=decision(TODAY))()


# --- codes --------------------------------------------------------------------------------------


def test_unknown_codes_the_domain_checks(kien_an: District) -> None:
    d = kien_an
    refused(d, InvalidCommand, "invalid_code", "change", lambda: d.app.change_unit(d.merged_into, ChangeUnit(
        change="split", effective_on=date(2026, 1, 1)), recorded_by="btc"))
    refused(d, InvalidCommand, "invalid_code", "level", lambda: d.app.add_qualification(d.hung, AddQualification(
        kind=QualificationKind.POLITICAL_THEORY, level="thac_si_chinh_tri",
        obtained_on=date(2015, 1, 1)), recorded_by="btc"))
    refused(d, InvalidCommand, "invalid_period", "period", lambda: d.app.evaluate(d.hung, Evaluate(
        period="2024-Q7", rating=Rating.HTTNV, decided_on=date(2025, 1, 5)), recorded_by="btc"))
    refused(d, InvalidCommand, "invalid_term", "term", lambda: d.app.plan(d.hung, Plan(
        unit_id=d.merged_into, title_code="truong_phong", term="2025", decided_on=date(2025, 8, 1),
        decision=decision(date(2025, 8, 1))), recorded_by="btc"))
    refused(d, InvalidCommand, "invalid_code", "rule", lambda: d.app.review_finding(ReviewFinding(
        finding_key="k", rule_id="khong_co_quy_tac", conclusion="confirmed", reason="Lý do"),
        recorded_by="ubkt"))
    refused(d, InvalidCommand, "invalid_code", "conclusion", lambda: d.app.review_finding(ReviewFinding(
        finding_key="k", rule_id="long_tenure", conclusion="approved", reason="Lý do"),
        recorded_by="ubkt"))
    refused(d, Conflict, "duplicate_code", "code", lambda: d.app.register_unit(RegisterUnit(
        code="KA-NV", name="Trùng mã", kind="phong", established_on=date(2010, 1, 1)),
        recorded_by="btc"))
    refused(d, Conflict, "duplicate_code", "code", lambda: d.app.register_title(RegisterTitle(
        code="truong_phong", name="Trùng mã", is_head=True, management_tier="quan_uy"),
        recorded_by="btc"))


ENUM_CODES = [
    pytest.param("kind", lambda d: appoint(d, d.hung, title_code="chuyen_vien",
                                           kind="bo_nhiem_tam"), id="appointment-kind"),
    pytest.param("reason", lambda d: lambda: d.app.end_holding(d.lan, EndHolding(
        unit_id=d.office, title_code="truong_phong", reason="ve_huu",
        effective_on=date(2024, 1, 1), decision=decision(date(2024, 1, 1))), recorded_by="btc"),
        id="ending-reason"),
    pytest.param("rating", lambda d: lambda: d.app.evaluate(d.hung, Evaluate(
        period="2024", rating="XUAT_SAC", decided_on=date(2024, 12, 20)),
                                                            recorded_by="btc"), id="evaluation-rating"),
    pytest.param("form", lambda d: lambda: d.app.discipline(d.hung, ImposeDiscipline(
        form="phe_binh", effective_on=date(2024, 1, 1), violation="Vi phạm",
        decision=decision(date(2024, 1, 1))), recorded_by="ubkt"), id="discipline-form"),
    pytest.param("gender", lambda d: lambda: d.app.register_cadre(RegisterCadre(
        full_name="Lê Văn Khác", gender="khac", born_on=date(1980, 1, 1)), recorded_by="btc"),
        id="registration-gender"),
    pytest.param("relation", lambda d: lambda: d.app.add_relative(d.hung, AddRelative(
        relation="ban_than", full_name="Ngô Văn Bạn"), recorded_by="btc"),
        id="relative-relation"),
    pytest.param("conclusion", lambda d: lambda: d.app.vet(d.hung, Vet(vetted_on=date(2024, 1, 1),
                                                                       purpose="bo_nhiem",
                                                                       conclusion="co_the",
                                                                       body="Ban Tổ chức"),
                                                           recorded_by="btc"), id="vetting-conclusion"),
    pytest.param("kind", lambda d: lambda: d.app.add_qualification(d.hung, AddQualification(
        kind="tin_hoc_van_phong", level="B", obtained_on=date(2010, 1, 1)),
                                                                   recorded_by="btc"), id="qualification-kind"),
]


@pytest.mark.parametrize(("field", "command"), ENUM_CODES)
def test_unknown_enum_codes_are_refused_by_the_domain(kien_an: District, field: str,
                                                      command: Any) -> None:
    refused(kien_an, InvalidCommand, "invalid_code", field, command(kien_an))


# --- evaluations and corrections ----------------------------------------------------------------


def test_duplicate_evaluation_for_the_same_period(kien_an: District) -> None:
    d = kien_an
    refused(d, Conflict, "duplicate_evaluation", "period", lambda: d.app.evaluate(d.lan, Evaluate(
        period="2024", rating=Rating.HTXSNV, decided_on=date(2025, 1, 10)), recorded_by="btc"))
    # Another cadre, or another period (a quarter of the same year), is not a duplicate: each
    # is recorded, one event each, and stands in the cadre's record.
    before = d.head()
    other_cadre = d.app.evaluate(d.hung, Evaluate(period="2024", rating=Rating.HTNV,
                                                  decided_on=date(2024, 12, 20)),
                                 recorded_by="btc")
    other_period = d.app.evaluate(d.lan, Evaluate(period="2025-Q1", rating=Rating.HTTNV,
                                                  decided_on=date(2025, 4, 2)), recorded_by="btc")
    assert (other_cadre.position, other_period.position) == (before + 1, before + 2)
    assert d.head() == before + 2
    hung = [(e.payload["period"], e.payload["rating"]) for e in d.app.cadre(d.hung).facts(
        "Evaluated")]
    lan = [(e.payload["period"], e.payload["rating"]) for e in d.app.cadre(d.lan).facts(
        "Evaluated")]
    assert ("2024", Rating.HTNV) in hung
    assert ("2025-Q1", Rating.HTTNV) in lan
    assert [period for period, _ in lan].count("2024") == 1


def test_correction_of_a_position_that_is_not_this_cadres(kien_an: District) -> None:
    d = kien_an
    seat_position = d.head()  # the merger's Absorbed event: a unit's, not a cadre's
    def correct_hungs(position: int) -> Callable[[], Any]:
        return lambda: d.app.correct(d.hung, Correct(
            target_position=position, reason="Sai"), recorded_by="btc")

    for position in (d.lan_appointed, seat_position, 0, d.head() + 100):
        refused(d, NotFound, "position_not_found", "target_position", correct_hungs(position))
    refused(d, NotFound, "position_not_found", "target_position",
            lambda: d.app.entry_type_at(d.hung, d.lan_appointed))
    # The owner may correct it.
    assert d.app.entry_type_at(d.lan, d.lan_appointed) == "Appointed"


def test_no_new_personal_data_for_an_erased_cadre(kien_an: District) -> None:
    """After an erasure the key is destroyed and none is ever made again: a relative, or a
    correction of the registration or of a relative, would carry personal data (ADR 0008)."""
    d = kien_an
    registered = d.app.register_cadre(RegisterCadre(full_name="Đỗ Thị Xóa", gender=Gender.NU,
                                                    born_on=date(1985, 2, 3)), recorded_by="btc")
    cadre = registered.id
    relative = d.app.add_relative(cadre, AddRelative(relation=Relation.CHONG,
                                                     full_name="Lê Văn Chồng", born_year=1983),
                                  recorded_by="btc")
    d.app.erase_personal_data(cadre, ErasePersonalData(
        reason="Yêu cầu của chủ thể"), recorded_by="admin")
    refused(d, Conflict, "already_erased", None, lambda: d.app.add_relative(cadre, AddRelative(
        relation=Relation.CON, full_name="Lê Thị Con", born_year=2010), recorded_by="btc"))
    refused(d, Conflict, "already_erased", None, lambda: d.app.correct(cadre, Correct(
        target_position=registered.entry_position or registered.position, reason="Sai tên",
        replacement={
            "full_name": "Đỗ Thị Khác", "gender": Gender.NU, "born_on": date(1985, 2, 3)}),
        recorded_by="btc"))
    refused(d, Conflict, "already_erased", None, lambda: d.app.correct(cadre, Correct(
        target_position=relative.entry_position or relative.position, reason="Sai tên",
        replacement={
            "relation": Relation.CHONG, "full_name": "Lê Văn Khác", "born_year": 1983}),
        recorded_by="btc"))
