"""Oversight rules on small district histories: each planted violation is found with its rule id
and evidence, each parameter is tested at its threshold and one day either side, and a clean
history yields nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.rules.checks import Finding, find_all
from domain.rules.facts import (
    CadreFacts,
    DisciplineFact,
    EvaluationFact,
    HoldingFact,
    IdentityCorrection,
    NominationFact,
    PlanningFact,
    QualificationFact,
    RecordFacts,
    RelativeFact,
    TitleFacts,
    UnitFacts,
    VettingFact,
)
from domain.rules.pack import RulePack
from domain.rules.retirement import retirement_date
from domain.values import Decision, Education, PoliticalTheory, TitleStandards, add_months

DAY = timedelta(days=1)


class District:
    """A district's record written fact by fact; every fact takes the next log position."""

    def __init__(self) -> None:
        self.position = 0
        self.units: dict[UUID, UnitFacts] = {}
        self.titles: dict[str, TitleFacts] = {}
        self.cadres: dict[UUID, CadreFacts] = {}
        self.root = self.unit("KA", "Quận Kiến An", kind="quan")
        self.party = self.unit("QU", "Quận ủy Kiến An", kind="quan_uy", parent=self.root)
        self.ubnd = self.unit("UB", "UBND quận Kiến An", kind="ubnd", parent=self.root)
        self.noi_vu = self.unit("NV", "Phòng Nội vụ", parent=self.ubnd)
        self.tu_phap = self.unit("TP", "Phòng Tư pháp", parent=self.ubnd)
        self.title("chu_tich", "Chủ tịch UBND", is_head=True, rank=8)
        self.title("truong_phong", "Trưởng phòng", is_head=True, rank=5,
                   standards=TitleStandards(min_political_theory=PoliticalTheory.TRUNG_CAP,
                                            min_education=Education.DAI_HOC,
                                            max_age_first_appointment=55))
        self.title("truong_phong_nv", "Trưởng phòng Nội vụ", is_head=True, rank=5,
                   sector="noi_vu")
        self.title("pho_phong", "Phó Trưởng phòng", rank=4)
        self.title("ke_toan", "Kế toán", rank=2, sector="ke_toan")

    def next(self) -> int:
        self.position += 1
        return self.position

    def unit(self, code: str, name: str, *, kind: str = "phong", parent: UUID | None = None,
             recorded: date = date(2015, 1, 5)) -> UUID:
        unit_id = uuid4()
        self.next()
        self.units[unit_id] = UnitFacts(unit_id, code, name, kind, date(2010, 1, 1), recorded,
                                        ((date(2010, 1, 1), parent),))
        return unit_id

    def title(self, code: str, name: str, *, is_head: bool = False, rank: int = 1,
              sector: str | None = None, standards: TitleStandards | None = None) -> None:
        self.next()
        self.titles[code] = TitleFacts(code, name, is_head, rank, "quan_uy", sector,
                                       standards or TitleStandards())

    def cadre(self, name: str, *, gender: str = "nam", born: date = date(1980, 3, 15),
              recorded: date = date(2015, 1, 10), education: str = "dai_hoc",
              political_theory: str = "trung_cap") -> UUID:
        cadre_id = uuid4()
        position = self.next()
        self.cadres[cadre_id] = CadreFacts(
            cadre_id, name, gender, born, position, recorded,
            qualifications=(QualificationFact(position, "education", education, None),
                            QualificationFact(position, "political_theory", political_theory,
                                              None)))
        return cadre_id

    def _add(self, cadre_id: UUID, field: str, fact: object) -> None:
        c = self.cadres[cadre_id]
        changes: dict[str, Any] = {field: (*getattr(c, field), fact)}
        self.cadres[cadre_id] = replace(c, **changes)

    def decision(self, signed: date, signer: UUID | None = None) -> Decision:
        return Decision(f"{self.position + 1}-QĐ/QU", signed, "Ban Thường vụ Quận ủy",
                        "Nguyễn Văn Ký", signer)

    def appoint(self, cadre_id: UUID, unit_id: UUID, title: str, since: date, *,
                kind: str = "bo_nhiem", signed: date | None = None,
                recorded: date | None = None, planned_end: date | None = None,
                special_case: bool = False, signer: UUID | None = None) -> int:
        signed = signed or since - 5 * DAY
        position = self.next()
        self._add(cadre_id, "holdings", HoldingFact(
            position, uuid4(), unit_id, title, kind, since, self.decision(signed, signer),
            recorded or signed + 2 * DAY, special_case=special_case,
            planned_end_on=planned_end))
        return position

    def end(self, cadre_id: UUID, holding_position: int, until: date, *,
            reason: str = "dieu_dong", signed: date | None = None,
            recorded: date | None = None) -> int:
        signed = signed or until - 5 * DAY
        position = self.next()
        c = self.cadres[cadre_id]
        holdings = tuple(
            replace(h, until=until, end_reason=reason, end_decision=self.decision(signed),
                    end_position=position, end_recorded_on=recorded or signed + 2 * DAY)
            if h.position == holding_position else h for h in c.holdings)
        self.cadres[cadre_id] = replace(c, holdings=holdings)
        return position

    def plan(self, cadre_id: UUID, unit_id: UUID, title: str, decided: date,
             term: str | None = None) -> int:
        position = self.next()
        term = term or f"{decided.year}-{decided.year + 5}"
        self._add(cadre_id, "plannings", PlanningFact(
            position, unit_id, title, term, decided, self.decision(decided), decided + DAY))
        return position

    def vet(self, cadre_id: UUID, on: date, conclusion: str = "dat") -> int:
        position = self.next()
        self._add(cadre_id, "vettings", VettingFact(position, on, conclusion, "bổ nhiệm"))
        return position

    def promote(self, cadre_id: UUID, unit_id: UUID, title: str, since: date, *,
                planned: date | None = None, **kwargs: object) -> int:
        """An appointment done by the book: planned, vetted, then decided."""
        self.plan(cadre_id, unit_id, title, planned or since - timedelta(days=200))
        self.vet(cadre_id, since - timedelta(days=40))
        return self.appoint(cadre_id, unit_id, title, since, **kwargs)  # type: ignore[arg-type]

    def discipline(self, cadre_id: UUID, form: str, on: date,
                   recorded: date | None = None, system: str | None = None) -> int:
        position = self.next()
        self._add(cadre_id, "disciplines", DisciplineFact(
            position, form, on, self.decision(on), recorded or on + 2 * DAY, system=system))
        return position

    def evaluate(self, cadre_id: UUID, period: str, rating: str = "HTTNV",
                 decided: date | None = None) -> int:
        position = self.next()
        decided = decided or date(int(period[:4]), 12, 20)
        self._add(cadre_id, "evaluations",
                  EvaluationFact(position, period, rating, decided, decided + DAY))
        return position

    def nominate(self, cadre_id: UUID, unit_id: UUID, title: str, decided: date) -> int:
        position = self.next()
        self._add(cadre_id, "nominations", NominationFact(
            position, unit_id, title, decided, self.decision(decided), decided + DAY))
        return position

    def relative(self, cadre_id: UUID, relation: str, other: UUID) -> int:
        position = self.next()
        self._add(cadre_id, "relatives", RelativeFact(position, relation, other))
        return position

    def correct_identity(self, cadre_id: UUID, field: str, before: str, after: str,
                         recorded: date) -> int:
        position = self.next()
        c = self.cadres[cadre_id]
        self._add(cadre_id, "identity_corrections", IdentityCorrection(
            position, c.registered_position, field, before, after, recorded))
        return position

    def record(self, as_of: date) -> RecordFacts:
        return RecordFacts(as_of, tuple(self.cadres.values()), dict(self.titles),
                           dict(self.units))


def found(district: District, as_of: date, rule: str) -> list[Finding]:
    return find_all(district.record(as_of), rules=[rule])


# --- a clean district ---------------------------------------------------------------------


def clean_district() -> tuple[District, dict[str, UUID]]:
    """Five years of a district office done by the book, 2019-2024."""
    d = District()
    an = d.cadre("Nguyễn Văn An", born=date(1975, 2, 1))
    binh = d.cadre("Trần Thị Bình", gender="nu", born=date(1982, 6, 9))
    cuong = d.cadre("Lê Quang Cường", born=date(1984, 11, 2))
    dung = d.cadre("Phạm Đức Dũng", born=date(1979, 8, 30))
    h_an = d.promote(an, d.noi_vu, "truong_phong_nv", date(2019, 1, 2),
                     planned_end=date(2024, 1, 2))
    d.end(an, h_an, date(2024, 1, 2), reason="het_nhiem_ky")
    d.vet(an, date(2023, 11, 20))
    d.appoint(an, d.noi_vu, "truong_phong_nv", date(2024, 1, 2), kind="bo_nhiem_lai",
              planned_end=date(2029, 1, 2))
    d.promote(binh, d.noi_vu, "pho_phong", date(2019, 3, 1))
    h_cuong = d.promote(cuong, d.tu_phap, "truong_phong", date(2019, 2, 1))
    d.end(cuong, h_cuong, date(2022, 5, 1), reason="luan_chuyen")
    d.promote(dung, d.tu_phap, "truong_phong", date(2022, 6, 15), kind="dieu_dong_bo_nhiem")
    d.promote(cuong, d.ubnd, "pho_phong", date(2022, 5, 1), kind="luan_chuyen")
    for year in range(2019, 2024):
        for cadre_id in (an, binh, cuong):
            d.evaluate(cadre_id, str(year))
    for year in (2022, 2023):  # Dũng came in mid-2022 and was rated for it too
        d.evaluate(dung, str(year))
    return d, {"an": an, "binh": binh, "cuong": cuong, "dung": dung}


def test_clean_district_history_has_no_findings() -> None:
    d, _ = clean_district()
    for as_of in (date(2021, 6, 30), date(2023, 3, 31), date(2024, 6, 30)):
        assert find_all(d.record(as_of)) == [], as_of


# --- one planted violation per rule --------------------------------------------------------


def test_discipline_bar_appointment_during_bar() -> None:
    d, who = clean_district()
    d.plan(who["binh"], d.tu_phap, "truong_phong", date(2022, 6, 1))
    reprimand = d.discipline(who["binh"], "canh_cao", date(2023, 1, 10))
    d.vet(who["binh"], date(2023, 12, 1))
    appointed = d.appoint(who["binh"], d.tu_phap, "truong_phong", date(2024, 1, 10))
    (f,) = found(d, date(2024, 6, 30), "discipline_bar")
    assert (f.rule_id, f.rule_version, f.severity) == ("discipline_bar", "qd80-2022", "high")
    assert f.cadre_id == who["binh"] and f.evidence == (appointed, reprimand)
    assert "cảnh cáo" in f.summary and "30 tháng" in f.summary


@pytest.mark.parametrize(("gap", "expected"), [(-1, 1), (0, 0), (1, 0)])
def test_discipline_bar_boundary_twelve_months_after_reprimand(gap: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Vũ Thị Hoa", gender="nu")
    d.discipline(cadre, "khien_trach", date(2023, 3, 1))
    d.promote(cadre, d.noi_vu, "pho_phong", date(2024, 3, 1) + gap * DAY,
              planned=date(2022, 1, 1))
    assert len(found(d, date(2024, 12, 31), "discipline_bar")) == expected


def test_discipline_bar_planning_during_bar_is_found() -> None:
    d = District()
    cadre = d.cadre("Vũ Thị Hoa", gender="nu")
    d.discipline(cadre, "khien_trach", date(2023, 3, 1))
    planned = d.plan(cadre, d.noi_vu, "truong_phong", date(2023, 9, 1))
    (f,) = found(d, date(2024, 12, 31), "discipline_bar")
    assert f.evidence[0] == planned and "quy hoạch" in f.summary


@pytest.mark.parametrize(
    ("disciplined", "appointed", "version"),
    [(date(2022, 9, 1), date(2024, 3, 1), None),  # 18 months, QĐ 80: bar of 12 is over
     (date(2024, 6, 1), date(2025, 12, 1), "qd377-2025")],  # 18 months, QĐ 377: bar of 24
)
def test_discipline_bar_version_follows_the_decision_date(disciplined: date, appointed: date,
                                                          version: str | None) -> None:
    d = District()
    cadre = d.cadre("Đỗ Văn Hải")
    d.discipline(cadre, "khien_trach", disciplined)
    d.promote(cadre, d.noi_vu, "pho_phong", appointed, planned=disciplined - DAY)
    findings = found(d, date(2026, 6, 1), "discipline_bar")
    assert [f.rule_version for f in findings] == ([version] if version else [])


def test_discipline_bar_warning_thirty_vs_thirty_six_months() -> None:
    d = District()
    old, new = d.cadre("Cũ"), d.cadre("Mới")
    d.discipline(old, "canh_cao", date(2020, 1, 15))
    d.promote(old, d.noi_vu, "pho_phong", date(2022, 10, 15),  # 33 months, QĐ 80: 30
              planned=date(2019, 6, 1))
    d.discipline(new, "canh_cao", date(2023, 1, 15))
    d.promote(new, d.tu_phap, "pho_phong", date(2025, 10, 15),  # 33 months, QĐ 377: 36
              planned=date(2022, 6, 1))
    findings = found(d, date(2026, 6, 1), "discipline_bar")
    assert [(f.cadre_id, f.rule_version) for f in findings] == [(new, "qd377-2025")]


def test_not_in_planning_and_declared_special_case() -> None:
    d, who = clean_district()
    plain = d.cadre("Ngô Văn Khải")
    d.vet(plain, date(2023, 12, 1))
    h_plain = d.appoint(plain, d.tu_phap, "pho_phong", date(2024, 1, 2))
    special = d.cadre("Hồ Thị Lan", gender="nu")
    d.vet(special, date(2023, 12, 1))
    h_special = d.appoint(special, d.noi_vu, "pho_phong", date(2024, 2, 1), special_case=True)
    findings = found(d, date(2024, 6, 30), "not_in_planning")
    assert [(f.evidence, f.declared) for f in findings] == [((h_plain,), False),
                                                            ((h_special,), True)]
    assert "trường hợp đặc biệt" in findings[1].summary


def test_not_in_planning_accepts_a_higher_planned_title() -> None:
    d = District()
    cadre = d.cadre("Dương Văn Minh")
    d.plan(cadre, d.tu_phap, "truong_phong", date(2023, 1, 1))
    d.vet(cadre, date(2023, 12, 1))
    d.appoint(cadre, d.noi_vu, "pho_phong", date(2024, 1, 2))
    assert found(d, date(2024, 6, 30), "not_in_planning") == []


@pytest.mark.parametrize(("shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_retirement_horizon_boundary(shift: int, expected: int) -> None:
    d = District()
    born = date(1968, 5, 20)
    retires = retirement_date(born, "nam")
    cadre = d.cadre("Bùi Văn Nam", born=born)
    since = add_months(retires, -60) + shift * DAY
    position = d.promote(cadre, d.noi_vu, "pho_phong", since)
    findings = found(d, since + DAY, "retirement_horizon")
    assert len(findings) == expected
    if findings:
        assert findings[0].evidence == (position, d.cadres[cadre].registered_position)


def test_retirement_horizon_ignores_reappointment() -> None:
    d = District()
    cadre = d.cadre("Bùi Văn Nam", born=date(1964, 5, 20))
    h = d.promote(cadre, d.noi_vu, "truong_phong_nv", date(2018, 1, 2))
    d.end(cadre, h, date(2023, 1, 2), reason="het_nhiem_ky")
    d.appoint(cadre, d.noi_vu, "truong_phong_nv", date(2023, 1, 2), kind="bo_nhiem_lai")
    assert found(d, date(2023, 6, 1), "retirement_horizon") == []


@pytest.mark.parametrize(("shift", "expected"), [(-1, 1), (0, 0), (1, 0)])
def test_min_time_in_post_boundary(shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Lý Thị Oanh", gender="nu")
    deputy = d.promote(cadre, d.noi_vu, "pho_phong", date(2023, 1, 1))
    since = date(2025, 1, 1) + shift * DAY
    d.end(cadre, deputy, since)
    head = d.promote(cadre, d.tu_phap, "truong_phong", since, kind="dieu_dong_bo_nhiem")
    findings = found(d, date(2025, 6, 1), "min_time_in_post")
    assert len(findings) == expected
    if findings:
        assert findings[0].evidence == (head, deputy)


def test_min_time_in_post_not_for_a_first_appointment() -> None:
    d = District()
    cadre = d.cadre("Lý Thị Oanh", gender="nu")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2023, 1, 1))
    assert found(d, date(2024, 1, 1), "min_time_in_post") == []


@pytest.mark.parametrize(("days_before", "expected"), [(365, 0), (366, 0), (367, 1)])
def test_no_vetting_window_of_twelve_months(days_before: int, expected: int) -> None:
    # 12 months before 2024-06-01 is 2023-06-01, 366 days before (2024 is a leap year).
    d = District()
    cadre = d.cadre("Phan Văn Phúc")
    d.plan(cadre, d.noi_vu, "pho_phong", date(2023, 1, 1))
    since = date(2024, 6, 1)
    d.vet(cadre, since - timedelta(days=days_before))
    position = d.appoint(cadre, d.noi_vu, "pho_phong", since)
    findings = found(d, date(2024, 7, 1), "no_vetting")
    assert [f.evidence for f in findings] == [(position,)] * expected


def test_no_vetting_failed_vetting_does_not_count() -> None:
    d = District()
    cadre = d.cadre("Phan Văn Phúc")
    d.vet(cadre, date(2024, 5, 1), conclusion="khong_dat")
    d.appoint(cadre, d.noi_vu, "pho_phong", date(2024, 6, 1))
    assert [f.rule_id for f in found(d, date(2024, 7, 1), "no_vetting")] == ["no_vetting"]


def test_title_standards_political_theory_and_education() -> None:
    d = District()
    cadre = d.cadre("Hoàng Văn Quý", education="cao_dang", political_theory="so_cap")
    position = d.promote(cadre, d.tu_phap, "truong_phong", date(2024, 3, 1))
    (f,) = found(d, date(2024, 6, 1), "title_standards")
    assert f.evidence == (position, d.cadres[cadre].registered_position)
    assert "lý luận chính trị sơ cấp" in f.summary and "cao đẳng" in f.summary


def test_title_standards_met_by_a_later_qualification() -> None:
    d = District()
    cadre = d.cadre("Hoàng Văn Quý", political_theory="so_cap")
    q = d.next()
    d._add(cadre, "qualifications",
           QualificationFact(q, "political_theory", "cao_cap", date(2024, 1, 10)))
    d.promote(cadre, d.tu_phap, "truong_phong", date(2024, 3, 1))
    assert found(d, date(2024, 6, 1), "title_standards") == []


@pytest.mark.parametrize(("birthday_shift", "expected"), [(-1, 1), (0, 1), (1, 0)])
def test_title_standards_max_age_at_first_appointment(birthday_shift: int,
                                                      expected: int) -> None:
    # Max 55: on the 56th birthday the cadre is too old; the day before, still 55.
    since = date(2024, 3, 1)
    d = District()
    cadre = d.cadre("Hoàng Văn Quý", born=date(1968, 3, 1) + birthday_shift * DAY)
    d.promote(cadre, d.tu_phap, "truong_phong", since)
    assert len(found(d, date(2024, 6, 1), "title_standards")) == expected


@pytest.mark.parametrize(("as_of_shift", "expected"), [(-1, 0), (0, 1), (1, 1)])
def test_long_tenure_eight_years(as_of_shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Đặng Thị Sen", gender="nu")
    first = d.promote(cadre, d.noi_vu, "pho_phong", date(2016, 4, 1))
    d.end(cadre, first, date(2021, 4, 1), reason="het_nhiem_ky")
    second = d.appoint(cadre, d.noi_vu, "pho_phong", date(2021, 4, 1), kind="bo_nhiem_lai")
    findings = found(d, date(2024, 4, 1) + as_of_shift * DAY, "long_tenure")
    assert len(findings) == expected
    if findings:
        assert findings[0].evidence == (first, second)
        assert findings[0].effective_on == date(2024, 4, 1)


def test_long_tenure_ends_with_rotation() -> None:
    d = District()
    cadre = d.cadre("Đặng Thị Sen", gender="nu")
    h = d.promote(cadre, d.noi_vu, "pho_phong", date(2016, 4, 1))
    d.end(cadre, h, date(2023, 4, 1), reason="luan_chuyen")
    d.promote(cadre, d.tu_phap, "pho_phong", date(2023, 4, 1), kind="luan_chuyen")
    assert found(d, date(2024, 6, 1), "long_tenure") == []


@pytest.mark.parametrize(("until_shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_head_term_limit_two_terms(until_shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Tạ Văn Tài")
    terms = [date(2013, 7, 1), date(2018, 7, 1)]
    first = d.promote(cadre, d.ubnd, "chu_tich", terms[0])
    d.end(cadre, first, terms[1], reason="het_nhiem_ky")
    second = d.appoint(cadre, d.ubnd, "chu_tich", terms[1], kind="bau_cu")
    d.end(cadre, second, date(2023, 7, 1) + until_shift * DAY, reason="het_nhiem_ky")
    findings = found(d, date(2024, 1, 1), "head_term_limit")
    assert len(findings) == expected
    if findings:
        assert findings[0].evidence[:2] == (first, second)
        assert findings[0].effective_on == date(2023, 7, 1)


@pytest.mark.parametrize(("as_of_shift", "expected"), [(-1, 0), (0, 1), (1, 1)])
def test_reappointment_overdue(as_of_shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Mai Văn Uy")
    position = d.promote(cadre, d.noi_vu, "truong_phong_nv", date(2019, 5, 1),
                         planned_end=date(2024, 5, 1))
    findings = found(d, date(2024, 5, 1) + as_of_shift * DAY, "reappointment_overdue")
    assert [f.evidence for f in findings] == [(position,)] * expected


def test_reappointment_recorded_clears_overdue() -> None:
    d = District()
    cadre = d.cadre("Mai Văn Uy")
    d.promote(cadre, d.noi_vu, "truong_phong_nv", date(2019, 5, 1), planned_end=date(2024, 5, 1))
    d.appoint(cadre, d.noi_vu, "truong_phong_nv", date(2024, 5, 1), kind="bo_nhiem_lai")
    assert found(d, date(2024, 8, 1), "reappointment_overdue") == []


def test_relatives_head_and_deputy_of_one_unit() -> None:
    d = District()
    husband, wife = d.cadre("Chu Văn Vĩnh"), d.cadre("Kiều Thị Xuân", gender="nu")
    link = d.relative(husband, "vo", wife)
    head = d.promote(husband, d.tu_phap, "truong_phong", date(2020, 1, 1))
    deputy = d.promote(wife, d.tu_phap, "pho_phong", date(2023, 2, 1))
    (f,) = found(d, date(2024, 1, 1), "relatives_linked_posts")
    assert f.cadre_id == wife and f.evidence == (deputy, head, link)
    assert f.rule_version == "luat-pctn-2018" and "cấp trưởng và cấp phó" in f.summary


def test_relatives_in_charge_of_finance_in_the_same_unit() -> None:
    d = District()
    head, son = d.cadre("Chu Văn Vĩnh"), d.cadre("Chu Văn Tiền")
    d.relative(son, "cha", head)
    d.promote(head, d.tu_phap, "truong_phong", date(2020, 1, 1))
    d.promote(son, d.tu_phap, "ke_toan", date(2024, 2, 1))
    (f,) = found(d, date(2024, 6, 1), "relatives_linked_posts")
    assert "tài chính" in f.summary and f.cadre_id == son


def test_relatives_area_head_and_sector_head() -> None:
    d = District()
    father, son = d.cadre("Lưu Văn Yên"), d.cadre("Lưu Văn Ý")
    link = d.relative(son, "cha", father)
    chair = d.promote(father, d.ubnd, "chu_tich", date(2021, 1, 1))
    sector = d.promote(son, d.noi_vu, "truong_phong_nv", date(2024, 1, 1))
    (f,) = found(d, date(2024, 6, 1), "relatives_linked_posts")
    assert f.evidence == (sector, chair, link) and f.rule_version == "qd114-2023"
    assert "người đứng đầu ngành nội vụ" in f.summary


@pytest.mark.parametrize("kind", ["dang_uy", "dang_bo"])
def test_relatives_a_party_committee_recorded_as_dang_bo_is_one(kind: str) -> None:
    """A ward's Bí thư whose wife heads the ward police: the committee as đảng ủy or đảng bộ."""
    d = District()
    ward = d.unit("P1", "Phường Bắc Sơn", kind="phuong", parent=d.root)
    committee = d.unit("P1.DU", "Đảng ủy phường Bắc Sơn", kind=kind, parent=ward)
    police = d.unit("P1.CA", "Công an phường Bắc Sơn", kind="cong_an", parent=ward)
    d.title("bi_thu", "Bí thư Đảng ủy", is_head=True, rank=7)
    d.title("truong_ca", "Trưởng Công an phường", is_head=True, rank=5, sector="cong_an")
    husband, wife = d.cadre("Tạ Văn Bảo"), d.cadre("Lò Thị Cúc", gender="nu")
    d.relative(husband, "vo", wife)
    d.promote(husband, committee, "bi_thu", date(2024, 1, 1))
    d.promote(wife, police, "truong_ca", date(2024, 3, 1))
    (f,) = found(d, date(2024, 6, 1), "relatives_linked_posts")
    assert f.cadre_id == wife and "người đứng đầu ngành" in f.summary


@pytest.mark.parametrize(("system", "barred"), [("dang", True), ("chinh_quyen", False),
                                                (None, True), ("doan_the", False)])
def test_discipline_bar_by_the_system_that_imposed_it(system: str | None, barred: bool) -> None:
    """14 months after a reprimand: the party's 24-month bar (QĐ 377), the state's 12."""
    d = District()
    cadre = d.cadre("Phan Văn Đức")
    d.discipline(cadre, "khien_trach", date(2025, 1, 10), system=system)
    d.promote(cadre, d.tu_phap, "pho_phong", date(2026, 3, 10), planned=date(2026, 2, 1))
    assert bool(found(d, date(2026, 6, 1), "discipline_bar")) is barred


def test_an_extension_needs_fewer_than_two_years_to_retirement() -> None:
    d = District()
    near, far = d.cadre("Kha Văn Gần", born=date(1966, 3, 1)), d.cadre("Kha Văn Xa")
    for cadre in (near, far):
        d.promote(cadre, d.tu_phap, "pho_phong", date(2021, 9, 1))
        d.appoint(cadre, d.tu_phap, "pho_phong", date(2026, 9, 1), kind="keo_dai")
    (f,) = found(d, date(2026, 10, 1), "extension_to_retirement")
    assert f.cadre_id == far and f.rule_version == "qd377-2025"


def test_relatives_in_unrelated_posts_are_not_found() -> None:
    d = District()
    a, b = d.cadre("Quách Văn A"), d.cadre("Quách Thị B", gender="nu")
    d.relative(a, "chi", b)
    d.promote(a, d.tu_phap, "truong_phong", date(2021, 1, 1))
    d.promote(b, d.noi_vu, "pho_phong", date(2021, 1, 1))
    assert found(d, date(2024, 6, 1), "relatives_linked_posts") == []


@pytest.mark.parametrize(("excellent", "good", "expected"), [(1, 4, 0), (2, 3, 1), (1, 3, 1)])
def test_excellent_quota_twenty_percent(excellent: int, good: int, expected: int) -> None:
    d = District()
    positions = []
    for i in range(excellent + good):
        cadre = d.cadre(f"Cán bộ {i}")
        d.promote(cadre, d.noi_vu, "pho_phong", date(2020, 1, 1))
        positions.append(d.evaluate(cadre, "2023", "HTXSNV" if i < excellent else "HTTNV"))
    findings = found(d, date(2024, 3, 1), "excellent_quota")
    assert len(findings) == expected
    if findings:
        assert findings[0].unit_id == d.noi_vu and findings[0].cadre_id is None
        assert findings[0].evidence == tuple(positions[:excellent])


@pytest.mark.parametrize(("as_of_shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_missing_evaluation_after_grace_days(as_of_shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Tôn Thất Bảo")
    position = d.promote(cadre, d.noi_vu, "pho_phong", date(2022, 1, 1))
    d.evaluate(cadre, "2022")
    due = date(2023, 12, 31) + timedelta(days=60)
    findings = found(d, due + as_of_shift * DAY, "missing_evaluation")
    assert [(f.evidence, f.effective_on) for f in findings] == [
        ((position,), date(2023, 12, 31))] * expected


def test_missing_evaluation_not_for_a_partial_year() -> None:
    d = District()
    cadre = d.cadre("Tôn Thất Bảo")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2023, 1, 2))
    assert found(d, date(2024, 6, 1), "missing_evaluation") == []


@pytest.mark.parametrize(("ended_shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_removal_grounds_two_reprimands_in_a_term(ended_shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Văn Đình Cao")
    h = d.promote(cadre, d.noi_vu, "pho_phong", date(2020, 1, 1))
    first = d.discipline(cadre, "khien_trach", date(2022, 3, 1))
    second = d.discipline(cadre, "khien_trach", date(2023, 6, 1))
    d.end(cadre, h, date(2023, 6, 1) + timedelta(days=90 + ended_shift), reason="mien_nhiem")
    findings = found(d, date(2024, 6, 1), "removal_grounds")
    assert [f.evidence for f in findings] == [(first, second, h)] * expected


def test_removal_grounds_two_years_not_completed() -> None:
    d = District()
    cadre = d.cadre("Văn Đình Cao")
    h = d.promote(cadre, d.noi_vu, "pho_phong", date(2020, 1, 1))
    e1 = d.evaluate(cadre, "2022", "KHTNV")
    e2 = d.evaluate(cadre, "2023", "KHTNV")
    (f,) = found(d, date(2024, 6, 1), "removal_grounds")
    assert f.evidence == (e1, e2, h) and "2 năm liên tiếp" in f.summary


@pytest.mark.parametrize(("signed_shift", "expected"), [(-1, 0), (0, 1), (1, 1)])
def test_pre_departure_appointments(signed_shift: int, expected: int) -> None:
    d = District()
    signer = d.cadre("Nghiêm Văn Ký")
    post = d.promote(signer, d.ubnd, "chu_tich", date(2019, 1, 1))
    leaves = date(2024, 7, 1)
    earliest = add_months(leaves, -6) + signed_shift * DAY
    signed = []
    for i, on in enumerate((earliest, date(2024, 4, 1), date(2024, 6, 20))):
        cadre = d.cadre(f"Người được bổ nhiệm {i}")
        d.plan(cadre, d.noi_vu, "pho_phong", date(2023, 6, 1))
        d.vet(cadre, on - DAY)
        signed.append(d.appoint(cadre, d.noi_vu if i else d.tu_phap, "pho_phong", on + DAY,
                                signed=on, signer=signer))
    ending = d.end(signer, post, leaves, reason="nghi_huu")
    findings = found(d, date(2024, 12, 1), "pre_departure_appointments")
    assert [f.evidence for f in findings] == [(ending, *signed)] * expected


@pytest.mark.parametrize(("shift", "expected"), [(-1, 1), (0, 0), (1, 0)])
def test_express_promotion_within_thirty_six_months(shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Lã Văn Tốc")
    deputy = d.promote(cadre, d.noi_vu, "pho_phong", date(2021, 3, 1))
    since = date(2024, 3, 1) + shift * DAY
    d.end(cadre, deputy, since)
    head = d.promote(cadre, d.tu_phap, "truong_phong", since, kind="dieu_dong_bo_nhiem")
    findings = found(d, date(2024, 6, 1), "express_promotion")
    assert [f.evidence for f in findings] == [(head, deputy)] * expected


@pytest.mark.parametrize(("days", "expected"), [(29, 0), (30, 0), (31, 1)])
def test_backdated_record_retroactive(days: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Khúc Văn Lùi")
    d.plan(cadre, d.noi_vu, "pho_phong", date(2023, 1, 1))
    position = d.appoint(cadre, d.noi_vu, "pho_phong", date(2024, 3, 1),
                         signed=date(2024, 3, 1) + timedelta(days=days))
    findings = found(d, date(2024, 6, 1), "backdated_record")
    assert [f.evidence for f in findings] == [(position,)] * expected


@pytest.mark.parametrize(("days", "expected"), [(29, 0), (30, 0), (31, 1)])
def test_backdated_record_recorded_late_in_a_live_unit(days: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Khúc Văn Muộn")
    signed = date(2024, 3, 1)
    position = d.appoint(cadre, d.noi_vu, "pho_phong", signed + DAY, signed=signed,
                         recorded=signed + timedelta(days=days))
    findings = found(d, date(2024, 6, 1), "backdated_record")
    assert [f.evidence for f in findings] == [(position,)] * expected


def test_backdated_record_history_of_a_newly_added_unit_is_normal() -> None:
    d = District()
    ward = d.unit("BS", "Phường Bắc Sơn", kind="phuong", recorded=date(2024, 5, 1))
    cadre = d.cadre("Khúc Văn Mới", recorded=date(2024, 5, 1))
    d.appoint(cadre, ward, "pho_phong", date(2020, 3, 1), recorded=date(2024, 5, 2))
    assert found(d, date(2024, 6, 1), "backdated_record") == []


@pytest.mark.parametrize(("shift", "severity"), [(-1, "high"), (0, "high"), (1, "medium")])
def test_identity_data_changed_before_an_unlocked_appointment(shift: int, severity: str) -> None:
    d = District()
    cadre = d.cadre("Lò Văn Tuổi", born=date(1967, 1, 1))
    fix = d.correct_identity(cadre, "born_on", "1967-01-01", "1970-01-01", date(2023, 5, 10))
    since = add_months(date(2023, 5, 10), 12) + shift * DAY
    position = d.promote(cadre, d.noi_vu, "pho_phong", since, signed=since)
    (f,) = found(d, date(2024, 12, 1), "identity_data_changed")
    assert f.severity == severity
    target = d.cadres[cadre].registered_position
    assert f.evidence == ((fix, target, position) if severity == "high" else (fix, target))


@pytest.mark.parametrize(("refill_shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_vacant_head_post_between_holders(refill_shift: int, expected: int) -> None:
    d = District()
    old, new = d.cadre("Người cũ"), d.cadre("Người mới")
    h = d.promote(old, d.tu_phap, "truong_phong", date(2020, 1, 1))
    ending = d.end(old, h, date(2023, 1, 1), reason="nghi_huu")
    successor = d.promote(new, d.tu_phap, "truong_phong",
                          date(2023, 1, 1) + timedelta(days=90 + refill_shift))
    findings = found(d, date(2024, 1, 1), "vacant_head_post")
    assert [(f.unit_id, f.evidence) for f in findings] == [(d.tu_phap,
                                                           (ending, successor))] * expected


@pytest.mark.parametrize(("as_of_shift", "expected"), [(-1, 0), (0, 0), (1, 1)])
def test_vacant_head_post_still_empty(as_of_shift: int, expected: int) -> None:
    d = District()
    old = d.cadre("Người cũ")
    h = d.promote(old, d.tu_phap, "truong_phong", date(2020, 1, 1))
    ending = d.end(old, h, date(2023, 1, 1), reason="nghi_huu")
    # Empty from 1/1 through as_of: 90 days on 31/3/2023.
    findings = found(d, date(2023, 3, 31) + as_of_shift * DAY, "vacant_head_post")
    assert [f.evidence for f in findings] == [(ending,)] * expected


# --- issue 16: rule pack fidelity ------------------------------------------------------------


@pytest.mark.parametrize(("appointed", "version"),
                         [(date(2025, 10, 7), "qd80-2022"), (date(2025, 10, 8), "qd377-2025")])
def test_qd377_is_in_force_from_8_october_2025(appointed: date, version: str) -> None:
    d = District()
    cadre = d.cadre("Đỗ Văn Hải")
    d.vet(cadre, appointed - timedelta(days=30))
    d.appoint(cadre, d.noi_vu, "pho_phong", appointed)
    (f,) = found(d, date(2026, 1, 1), "not_in_planning")
    assert f.rule_version == version


def _deputy_reprimanded(system: str = "dang") -> tuple[District, UUID, int]:
    """A deputy head since 2022, reprimanded by the party on 01/11/2025."""
    d = District()
    cadre = d.cadre("Hà Văn Tùng")
    held = d.promote(cadre, d.noi_vu, "pho_phong", date(2022, 1, 3))
    d.discipline(cadre, "khien_trach", date(2025, 11, 1), system=system)
    d.plan(cadre, d.tu_phap, "truong_phong", date(2025, 1, 5))
    d.vet(cadre, date(2026, 2, 1))
    return d, cadre, held


def test_discipline_bar_qd377_bars_a_higher_post() -> None:
    d, cadre, _ = _deputy_reprimanded()
    head = d.appoint(cadre, d.tu_phap, "truong_phong", date(2026, 3, 1))
    (f,) = found(d, date(2026, 6, 1), "discipline_bar")
    assert (f.rule_version, f.evidence[0]) == ("qd377-2025", head)


@pytest.mark.parametrize("kind", ["bo_nhiem_lai", "keo_dai", "dieu_dong_bo_nhiem"])
def test_discipline_bar_qd377_spares_renewals_and_lateral_moves(kind: str) -> None:
    d, cadre, held = _deputy_reprimanded()
    if kind == "dieu_dong_bo_nhiem":  # the same rank in another unit
        d.end(cadre, held, date(2026, 3, 1))
        d.appoint(cadre, d.tu_phap, "pho_phong", date(2026, 3, 1), kind=kind)
    else:
        d.end(cadre, held, date(2026, 3, 1), reason="het_nhiem_ky")
        d.appoint(cadre, d.noi_vu, "pho_phong", date(2026, 3, 1), kind=kind)
    assert found(d, date(2026, 6, 1), "discipline_bar") == []


def test_discipline_bar_qd377_bars_a_nomination_to_a_higher_post() -> None:
    d, cadre, _ = _deputy_reprimanded()
    nominated = d.nominate(cadre, d.ubnd, "chu_tich", date(2026, 2, 10))
    d.nominate(cadre, d.noi_vu, "pho_phong", date(2026, 2, 11))  # re-election: not higher
    (f,) = found(d, date(2026, 6, 1), "discipline_bar")
    assert f.evidence[0] == nominated and "giới thiệu ứng cử" in f.summary


def test_discipline_bar_nominations_not_judged_before_qd377() -> None:
    d = District()
    cadre = d.cadre("Hà Văn Tùng")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2022, 1, 3))
    d.discipline(cadre, "khien_trach", date(2024, 11, 1), system="dang")
    d.nominate(cadre, d.ubnd, "chu_tich", date(2025, 2, 10))
    assert found(d, date(2025, 6, 1), "discipline_bar") == []


@pytest.mark.parametrize(("form", "barred"), [("canh_cao", False), ("cach_chuc", True)])
def test_discipline_bar_civil_service_law_2025_lateral_move(form: str, barred: bool) -> None:
    d = District()
    cadre = d.cadre("Hà Văn Tùng")
    held = d.promote(cadre, d.noi_vu, "pho_phong", date(2022, 1, 3))
    d.discipline(cadre, form, date(2025, 8, 1), system="chinh_quyen")
    d.end(cadre, held, date(2026, 1, 5))
    d.appoint(cadre, d.tu_phap, "pho_phong", date(2026, 1, 5), kind="dieu_dong_bo_nhiem")
    findings = found(d, date(2026, 6, 1), "discipline_bar")
    assert [f.rule_version for f in findings] == (["luat-cbcc-2025"] if barred else [])


def test_removal_grounds_qd377_reprimand_or_warning_in_one_appointment_term() -> None:
    d = District()
    cadre = d.cadre("Văn Đình Cao")
    h = d.promote(cadre, d.noi_vu, "pho_phong", date(2024, 1, 1))
    first = d.discipline(cadre, "khien_trach", date(2025, 10, 20))
    second = d.discipline(cadre, "canh_cao", date(2026, 2, 1))
    (f,) = found(d, date(2026, 6, 1), "removal_grounds")
    assert (f.rule_version, f.evidence) == ("qd377-2025", (first, second, h))
    assert "khiển trách hoặc cảnh cáo 2 lần trong cùng một thời hạn bổ nhiệm" in f.summary


def test_removal_grounds_qd377_two_terms_are_not_one() -> None:
    d = District()
    cadre = d.cadre("Văn Đình Cao")
    h = d.promote(cadre, d.noi_vu, "pho_phong", date(2021, 1, 1), planned_end=date(2026, 1, 1))
    d.discipline(cadre, "canh_cao", date(2025, 3, 1))
    d.end(cadre, h, date(2026, 1, 1), reason="het_nhiem_ky")
    d.appoint(cadre, d.noi_vu, "pho_phong", date(2026, 1, 1), kind="bo_nhiem_lai")
    d.discipline(cadre, "khien_trach", date(2026, 1, 20))
    assert found(d, date(2026, 6, 1), "removal_grounds") == []


def test_removal_grounds_a_warning_did_not_count_under_qd41() -> None:
    d = District()
    cadre = d.cadre("Văn Đình Cao")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2021, 1, 1))
    d.discipline(cadre, "khien_trach", date(2023, 3, 1))
    d.discipline(cadre, "canh_cao", date(2024, 3, 1))
    assert found(d, date(2025, 6, 1), "removal_grounds") == []


@pytest.mark.parametrize(("shift", "expected"), [(-1, 1), (0, 0)])
def test_min_time_in_post_qd377_equivalent_posts_add_up(shift: int, expected: int) -> None:
    d = District()
    cadre = d.cadre("Lý Thị Oanh", gender="nu")
    # 12 months as deputy in one office, a gap, then 12 more as deputy in another.
    first = d.promote(cadre, d.noi_vu, "pho_phong", date(2023, 1, 1))
    d.end(cadre, first, date(2024, 1, 1))
    second = d.appoint(cadre, d.tu_phap, "pho_phong", date(2025, 3, 1), kind="dieu_dong_bo_nhiem")
    since = date(2026, 3, 1) + shift * DAY
    d.end(cadre, second, since)
    head = d.promote(cadre, d.ubnd, "truong_phong", since, kind="dieu_dong_bo_nhiem")
    findings = found(d, date(2026, 6, 1), "min_time_in_post")
    assert [(f.rule_version, f.evidence) for f in findings] == [
        ("qd377-2025", (head, second))] * expected
    if findings:
        assert "chức vụ tương đương tổng cộng 23 tháng" in findings[0].summary


def test_min_time_in_post_before_qd377_only_the_current_post_counts() -> None:
    d = District()
    cadre = d.cadre("Lý Thị Oanh", gender="nu")
    first = d.promote(cadre, d.noi_vu, "pho_phong", date(2021, 1, 1))
    d.end(cadre, first, date(2023, 1, 1))
    second = d.appoint(cadre, d.tu_phap, "pho_phong", date(2023, 1, 1), kind="dieu_dong_bo_nhiem")
    d.end(cadre, second, date(2024, 1, 1))
    d.promote(cadre, d.ubnd, "truong_phong", date(2024, 1, 1), kind="dieu_dong_bo_nhiem")
    (f,) = found(d, date(2024, 6, 1), "min_time_in_post")
    assert f.rule_version == "qd80-2022"


@pytest.mark.parametrize(("quarter", "version"),
                         [("2025-Q3", None), ("2025-Q4", "qd366-2025"), ("2026-Q1", "qd366-2025")])
def test_missing_evaluation_quarterly_from_qd366(quarter: str, version: str | None) -> None:
    d = District()
    cadre = d.cadre("Tôn Thất Bảo")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2024, 1, 1))
    for period in ("2024", "2025", "2026", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2",
                   "2026-Q3"):
        if period != quarter:
            d.evaluate(cadre, period, decided=date(2026, 1, 5) if "-Q" in period else None)
    findings = found(d, date(2026, 11, 1), "missing_evaluation")
    assert [f.rule_version for f in findings] == ([version] if version else [])
    if findings:
        assert "quý" in findings[0].summary


def test_missing_evaluation_a_year_and_its_fourth_quarter_make_one_finding() -> None:
    d = District()
    cadre = d.cadre("Tôn Thất Bảo")
    d.promote(cadre, d.noi_vu, "pho_phong", date(2024, 1, 1))
    d.evaluate(cadre, "2024")
    (f,) = found(d, date(2026, 3, 15), "missing_evaluation")
    assert f.effective_on == date(2025, 12, 31)
    assert "năm 2025 và quý IV/2025" in f.summary


def test_nd335_is_the_state_track_of_quarterly_evaluation() -> None:
    versions = RulePack.load().versions_for("missing_evaluation", date(2026, 1, 1))
    assert [(v.version, v.track, v.params["quarterly"]) for v in versions] == [
        ("qd366-2025", "", True), ("nd335-2025", "nha_nuoc", True)]


@pytest.mark.parametrize(("ended", "expected"),
                         [(date(2022, 4, 28), 0), (date(2022, 4, 29), 1), (None, 1)])
def test_head_term_limit_a_head_past_the_limit_when_qd65_came_into_force(
        ended: date | None, expected: int) -> None:
    d = District()
    cadre = d.cadre("Tạ Văn Tài")
    first = d.promote(cadre, d.ubnd, "chu_tich", date(2010, 7, 1))
    d.end(cadre, first, date(2015, 7, 1), reason="het_nhiem_ky")
    second = d.appoint(cadre, d.ubnd, "chu_tich", date(2015, 7, 1), kind="bau_cu")
    if ended is not None:
        d.end(cadre, second, ended, reason="het_nhiem_ky")
    findings = found(d, date(2024, 1, 1), "head_term_limit")
    assert [(f.effective_on, f.rule_version) for f in findings] == [
        (date(2022, 4, 28), "qd65-2022")] * expected
    if findings:
        assert "vẫn giữ chức khi quy định có hiệu lực 28/04/2022" in findings[0].summary
