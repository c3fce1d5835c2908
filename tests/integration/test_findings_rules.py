"""Findings over HTTP, on SQLite and PostgreSQL, for the rules the demo generator plants no
violation of, for the discipline-bar version switch, for a correction (what was shown then is
shown again for that moment), for reviews and for access; and a clean district yields nothing.

The districts are recorded through the application service (the commands every request goes
through) and read back over HTTP from `GET /api/v1/findings`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.application import HosoApplication
from domain.commands import (
    AddRelative,
    Appoint,
    Commend,
    Correct,
    EndHolding,
    Evaluate,
    ImposeDiscipline,
    Nominate,
    Plan,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    Vet,
)
from domain.rules.pack import RULE_IDS
from domain.values import (
    ActionKind,
    CommendationForm,
    Decision,
    DisciplineForm,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    Rating,
    Relation,
    TitleStandards,
    VettingConclusion,
)
from infra.access import AccessStore
from infra.database import engine_for
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import fresh_store as store_for
from tests.conftest import suite_clock

ADMIN_TOKEN = "findings-admin-token-0123456789"
API = "/api/v1"
DAY = timedelta(days=1)


# --- stores and clients --------------------------------------------------------------------


@contextmanager
def fresh_store(kind: str, tmp: Path) -> Iterator[Settings]:
    with store_for(kind, tmp, Settings(admin_token=ADMIN_TOKEN)) as settings:
        yield settings


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Service:
    settings: Settings
    runtime: Runtime
    http: TestClient

    def token(self, name: str, role: str, unit_id: UUID | None = None) -> dict[str, str]:
        engine = engine_for(self.settings)
        try:
            token = AccessStore(engine, suite_clock()).create_token(name=name, role=role, unit_id=unit_id)
        finally:
            engine.dispose()
        return {"Authorization": f"Bearer {token}"}

    def findings(self, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        response = self.http.get(f"{API}/findings", params=params,
                                 headers=headers or {"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@contextmanager
def service(settings: Settings) -> Iterator[Service]:
    runtime = open_runtime(settings)
    try:
        with TestClient(create_app(settings, runtime)) as http:
            yield Service(settings, runtime, http)
    finally:
        runtime.close()


# --- a district recorded decision by decision ----------------------------------------------


@dataclass
class Office:
    """A personnel office recording decisions; dates are business dates, numbers sequential."""

    app: HosoApplication
    numbered: int = 0
    registered: dict[UUID, int] = field(default_factory=dict)  # cadre -> registration position

    def decision(self, signed: date, signer: UUID | None = None) -> Decision:
        self.numbered += 1
        return Decision(f"{self.numbered}-QĐ/QU", signed, "Ban Thường vụ Quận ủy",
                        "Lê Toàn Khánh", signer)

    def unit(self, code: str, name: str, kind: str = "phong",
             parent: UUID | None = None) -> UUID:
        return self.app.register_unit(RegisterUnit(
            code=code, name=name, kind=kind, established_on=date(2010, 1, 1), parent_id=parent),
            recorded_by="to.chuc").id

    def titles(self) -> None:
        for code, name, is_head, rank, standards in (
            ("chu_tich", "Chủ tịch UBND", True, 8, None),
            ("truong_phong", "Trưởng phòng", True, 5, TitleStandards(
                min_political_theory=PoliticalTheory.TRUNG_CAP, min_education=Education.DAI_HOC,
                max_age_first_appointment=55)),
            ("pho_phong", "Phó Trưởng phòng", False, 4, None),
        ):
            self.app.register_title(RegisterTitle(
                code=code, name=name, is_head=is_head, management_tier="quan_uy", rank=rank,
                standards=standards), recorded_by="to.chuc")

    def cadre(self, name: str, born: date, *, gender: Gender = Gender.NAM,
              political_theory: PoliticalTheory = PoliticalTheory.TRUNG_CAP) -> UUID:
        receipt = self.app.register_cadre(RegisterCadre(full_name=name, gender=gender,
                                                        born_on=born, education=Education.DAI_HOC,
                                                        political_theory=political_theory),
                                          recorded_by="to.chuc")
        self.registered[receipt.id] = receipt.entry_position
        return receipt.id

    def plan(self, cadre: UUID, unit: UUID, title: str, decided: date) -> int:
        return self.app.plan(cadre, Plan(unit_id=unit, title_code=title,
                                         term=f"{decided.year}-{decided.year + 5}",
                                         decided_on=decided, decision=self.decision(decided)),
                             recorded_by="to.chuc").entry_position

    def vet(self, cadre: UUID, on: date) -> int:
        return self.app.vet(cadre, Vet(vetted_on=on, purpose="bổ nhiệm",
                                       conclusion=VettingConclusion.DAT,
                                       body="Ban Tổ chức Quận ủy"),
                            recorded_by="to.chuc").entry_position

    def appoint(self, cadre: UUID, unit: UUID, title: str, since: date, *,
                kind: ActionKind = ActionKind.BO_NHIEM, signer: UUID | None = None,
                planned_end: date | None = None) -> int:
        decision = self.decision(since - 5 * DAY, signer)
        return self.app.appoint(cadre, Appoint(kind=kind, unit_id=unit, title_code=title,
                                               effective_on=since, decision=decision,
                                               planned_end_on=planned_end),
                                recorded_by="to.chuc").entry_position

    def promote(self, cadre: UUID, unit: UUID, title: str, since: date, **kw: Any) -> int:
        """An appointment by the book: planned, vetted, then decided."""
        self.plan(cadre, unit, title, since - 200 * DAY)
        self.vet(cadre, since - 40 * DAY)
        return self.appoint(cadre, unit, title, since, **kw)

    def end(self, cadre: UUID, unit: UUID, title: str, on: date,
            reason: EndingReason = EndingReason.HET_NHIEM_KY) -> int:
        return self.app.end_holding(cadre, EndHolding(unit_id=unit, title_code=title,
                                                      reason=reason, effective_on=on,
                                                      decision=self.decision(on - 5 * DAY)),
                                    recorded_by="to.chuc").entry_position

    def reappoint(self, cadre: UUID, unit: UUID, title: str, on: date) -> int:
        self.vet(cadre, on - 40 * DAY)
        self.end(cadre, unit, title, on)
        return self.appoint(cadre, unit, title, on, kind=ActionKind.BO_NHIEM_LAI,
                            planned_end=on.replace(year=on.year + 5))

    def evaluate(self, cadre: UUID, *years: int) -> None:
        for year in years:
            self.app.evaluate(cadre, Evaluate(period=str(year), rating=Rating.HTTNV,
                                              decided_on=date(year, 12, 20)),
                              recorded_by="to.chuc")

    def evaluate_quarters(self, cadre: UUID, *quarters: str) -> None:
        """Quarterly ratings (QĐ 366 from Q4 2025), decided early in the next quarter."""
        for quarter in quarters:
            self.app.evaluate(cadre, Evaluate(period=quarter, rating=Rating.HTTNV,
                                              decided_on=quarter_rated_on(quarter)),
                              recorded_by="to.chuc")

    def commend(self, cadre: UUID, on: date, signer: UUID | None = None) -> int:
        return self.app.commend(cadre, Commend(form=CommendationForm.GIAY_KHEN, decided_on=on,
                                               decision=self.decision(on, signer)),
                                recorded_by="thi.dua").entry_position

    def reprimand(self, cadre: UUID, on: date) -> int:
        return self.app.discipline(cadre, ImposeDiscipline(form=DisciplineForm.KHIEN_TRACH,
                                                           effective_on=on,
                                                           violation="Vi phạm quy chế làm việc",
                                                           decision=self.decision(on)),
                                   recorded_by="ubkt").entry_position


def quarter_rated_on(quarter: str) -> date:
    """The 10th of the month after a quarter ("2025-Q4" → 10/01/2026)."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return date(year + 1, 1, 10) if q == 4 else date(year, 3 * q + 1, 10)


@dataclass(frozen=True)
class Expected:
    rule: str
    cadre: UUID
    evidence: tuple[int, ...]
    rule_version: str | None = None


@dataclass
class ViolationDistrict:
    service: Service
    units: dict[str, UUID]
    cadres: dict[str, UUID]
    expected: list[Expected]
    absent: list[tuple[str, UUID]]  # (rule, cadre) that must not be found
    shown_before_correction: dict[str, Any]
    corrected_cadre: UUID


def record_violations(office: Office) -> tuple[dict[str, UUID], dict[str, UUID], list[Expected],
                                               list[tuple[str, UUID]]]:
    o = office
    q = o.unit("TN", "Quận Thử Nghiệm", kind="quan")
    ub = o.unit("TN.UB", "UBND quận Thử Nghiệm", kind="ubnd", parent=q)
    units = {code: o.unit(f"TN.{code}", name, parent=ub) for code, name in (
        ("NV", "Phòng Nội vụ"), ("TP", "Phòng Tư pháp"), ("KT", "Phòng Kinh tế"),
        ("VH", "Phòng Văn hóa và Thông tin"))}
    units["UB"] = ub
    o.titles()
    c: dict[str, UUID] = {}
    expected: list[Expected] = []

    # The chairman signs three appointments in the six months before his transfer.
    c["signer"] = o.cadre("Vũ Đình Sơn", date(1968, 2, 10))
    o.promote(c["signer"], ub, "chu_tich", date(2019, 1, 1))
    c["retiring"] = o.cadre("Phạm Văn Hưu", date(1966, 6, 1))
    retiring = o.promote(c["retiring"], units["NV"], "pho_phong", date(2024, 2, 1),
                         signer=c["signer"])
    expected.append(Expected("retirement_horizon", c["retiring"],
                             (retiring, o.registered[c["retiring"]]), "qd80-2022"))
    c["unvetted"] = o.cadre("Nguyễn Thị Vân", date(1985, 4, 2), gender=Gender.NU)
    o.plan(c["unvetted"], units["KT"], "pho_phong", date(2023, 10, 1))
    unvetted = o.appoint(c["unvetted"], units["KT"], "pho_phong", date(2024, 3, 15),
                         signer=c["signer"])
    expected.append(Expected("no_vetting", c["unvetted"], (unvetted,)))
    c["untrained"] = o.cadre("Lê Thị Thu", date(1982, 8, 9), gender=Gender.NU,
                             political_theory=PoliticalTheory.SO_CAP)
    untrained = o.promote(c["untrained"], units["TP"], "truong_phong", date(2024, 4, 1),
                          signer=c["signer"])
    expected.append(Expected("title_standards", c["untrained"],
                             (untrained, o.registered[c["untrained"]])))
    left = o.end(c["signer"], ub, "chu_tich", date(2024, 7, 1), EndingReason.DIEU_DONG)
    expected.append(Expected("pre_departure_appointments", c["signer"],
                             (left, retiring, unvetted, untrained), "qd114-2023"))
    c["successor"] = o.cadre("Đỗ Minh Khang", date(1978, 1, 20))
    o.promote(c["successor"], ub, "chu_tich", date(2024, 7, 1))

    # A head of office into a third consecutive term.
    c["lasting"] = o.cadre("Hoàng Văn Trường", date(1975, 5, 5))
    first = o.promote(c["lasting"], units["KT"], "truong_phong", date(2014, 1, 1),
                      planned_end=date(2019, 1, 1))
    second = o.reappoint(c["lasting"], units["KT"], "truong_phong", date(2019, 1, 1))
    third = o.reappoint(c["lasting"], units["KT"], "truong_phong", date(2024, 1, 1))
    expected.append(Expected("head_term_limit", c["lasting"], (first, second, third),
                             "qd65-2022"))
    expected.append(Expected("long_tenure", c["lasting"], (first, second, third)))

    # A deputy whose term ended without reappointment, and a year without a rating.
    c["overdue"] = o.cadre("Bùi Thị Hằng", date(1983, 11, 30), gender=Gender.NU)
    overdue = o.promote(c["overdue"], units["VH"], "pho_phong", date(2020, 1, 1),
                        planned_end=date(2025, 1, 1))
    o.evaluate(c["overdue"], 2020, 2021, 2022, 2024, 2025)
    o.evaluate_quarters(c["overdue"], "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
    expected.append(Expected("reappointment_overdue", c["overdue"], (overdue,)))
    expected.append(Expected("missing_evaluation", c["overdue"], (overdue,)))

    # Reprimanded twice in one term, still in post.
    c["reprimanded"] = o.cadre("Trần Quốc Minh", date(1984, 3, 3))
    held = o.promote(c["reprimanded"], units["NV"], "pho_phong", date(2021, 1, 1))
    d1 = o.reprimand(c["reprimanded"], date(2023, 2, 1))
    d2 = o.reprimand(c["reprimanded"], date(2024, 3, 1))
    expected.append(Expected("removal_grounds", c["reprimanded"], (d1, d2, held),
                             "qd41-2021"))

    # Promoted 17 months after a first post.
    c["hasty"] = o.cadre("Ngô Thị Lan", date(1983, 7, 7), gender=Gender.NU)
    deputy = o.promote(c["hasty"], units["KT"], "pho_phong", date(2022, 1, 1))
    head = o.promote(c["hasty"], units["NV"], "truong_phong", date(2023, 6, 1))
    expected.append(Expected("min_time_in_post", c["hasty"], (head, deputy), "qd80-2022"))
    expected.append(Expected("express_promotion", c["hasty"], (head, deputy)))

    # The same 18 months after a reprimand: allowed under the 2022 rules (12 months), barred
    # under the 2025 ones (24 months); and 8 months after one, barred under the 2022 rules.
    c["bar_2022_ok"] = o.cadre("Phan Văn An", date(1986, 1, 1))
    o.plan(c["bar_2022_ok"], units["VH"], "pho_phong", date(2023, 9, 1))
    o.reprimand(c["bar_2022_ok"], date(2024, 3, 1))
    o.vet(c["bar_2022_ok"], date(2025, 7, 15))
    o.appoint(c["bar_2022_ok"], units["VH"], "pho_phong", date(2025, 9, 1))
    c["bar_2025"] = o.cadre("Phan Thị Bình", date(1986, 2, 2), gender=Gender.NU)
    o.plan(c["bar_2025"], units["VH"], "pho_phong", date(2023, 9, 1))
    barred_2025 = o.reprimand(c["bar_2025"], date(2024, 5, 1))
    o.vet(c["bar_2025"], date(2025, 9, 15))
    appointed_2025 = o.appoint(c["bar_2025"], units["VH"], "pho_phong", date(2025, 11, 1))
    expected.append(Expected("discipline_bar", c["bar_2025"], (appointed_2025, barred_2025),
                             "qd377-2025"))
    c["bar_2022"] = o.cadre("Phan Văn Cường", date(1986, 3, 3))
    o.plan(c["bar_2022"], units["TP"], "pho_phong", date(2022, 6, 1))
    barred_2022 = o.reprimand(c["bar_2022"], date(2022, 10, 1))
    o.vet(c["bar_2022"], date(2023, 4, 1))
    appointed_2022 = o.appoint(c["bar_2022"], units["TP"], "pho_phong", date(2023, 6, 1))
    expected.append(Expected("discipline_bar", c["bar_2022"], (appointed_2022, barred_2022),
                             "qd80-2022"))
    # QĐ 377 bars a higher post and a nomination to one, not a reappointment.
    c["bar_nominated"] = o.cadre("Phan Văn Dũng", date(1980, 4, 4))
    o.promote(c["bar_nominated"], units["TP"], "truong_phong", date(2020, 1, 1))
    bar_nominated = o.reprimand(c["bar_nominated"], date(2025, 1, 10))
    nominated = o.app.nominate(c["bar_nominated"], Nominate(
        unit_id=ub, title_code="chu_tich", decided_on=date(2025, 11, 20),
        decision=o.decision(date(2025, 11, 20))), recorded_by="to.chuc").entry_position
    expected.append(Expected("discipline_bar", c["bar_nominated"], (nominated, bar_nominated),
                             "qd377-2025"))
    c["bar_renewed"] = o.cadre("Phan Thị Én", date(1981, 5, 5), gender=Gender.NU)
    o.promote(c["bar_renewed"], units["VH"], "truong_phong", date(2020, 12, 1),
              planned_end=date(2025, 12, 1))
    o.reprimand(c["bar_renewed"], date(2025, 2, 1))
    o.reappoint(c["bar_renewed"], units["VH"], "truong_phong", date(2025, 12, 1))
    # Commended under a running reprimand; after a poor year; on a husband's signature; and
    # once by the book (a good year, no discipline, an unrelated signer).
    c["commended_barred"] = o.cadre("Lý Thị Hoa", date(1985, 5, 5), gender=Gender.NU)
    reprimand = o.reprimand(c["commended_barred"], date(2024, 6, 1))
    barred = o.commend(c["commended_barred"], date(2025, 1, 10))
    expected.append(Expected("commendation_while_disciplined", c["commended_barred"],
                             (barred, reprimand)))
    c["commended_poor"] = o.cadre("Mạc Văn Tú", date(1980, 10, 10))
    poor = o.app.evaluate(c["commended_poor"], Evaluate(period="2024", rating=Rating.HTNV,
                                                        decided_on=date(2024, 12, 20)),
                          recorded_by="to.chuc").entry_position
    after_poor = o.commend(c["commended_poor"], date(2025, 1, 15))
    expected.append(Expected("commendation_below_rating", c["commended_poor"],
                             (after_poor, poor)))
    c["husband"] = o.cadre("Tạ Quang Vinh", date(1975, 12, 1))
    c["wife"] = o.cadre("Kiều Thị Nga", date(1978, 2, 14), gender=Gender.NU)
    spouse = o.app.add_relative(c["wife"], AddRelative(relation=Relation.CHONG,
                                                       full_name="Tạ Quang Vinh",
                                                       relative_cadre_id=c["husband"]),
                                recorded_by="to.chuc").entry_position
    by_husband = o.commend(c["wife"], date(2025, 3, 1), signer=c["husband"])
    expected.append(Expected("commendation_own_circle", c["wife"], (by_husband, spouse)))
    c["commended_fairly"] = o.cadre("Đoàn Văn Tiến", date(1982, 6, 6))
    o.evaluate(c["commended_fairly"], 2024)
    o.commend(c["commended_fairly"], date(2025, 1, 20), signer=c["successor"])
    absent = [("discipline_bar", c["bar_2022_ok"]), ("discipline_bar", c["bar_renewed"]),
              *[(rule, c["commended_fairly"]) for rule in (
                  "commendation_while_disciplined", "commendation_below_rating",
                  "commendation_own_circle")]]
    return units, c, expected, absent


@pytest.fixture(scope="module", params=STORES)
def district(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[ViolationDistrict]:
    with fresh_store(request.param, tmp_path_factory.mktemp("violations")) as settings, \
            service(settings) as s:
        office = Office(s.runtime.app)
        units, cadres, expected, absent = record_violations(office)
        # A cadre near retirement appointed, then her birth date corrected.
        cadres["corrected"] = office.cadre("Đặng Thị Mơ", date(1970, 1, 15), gender=Gender.NU)
        office.promote(cadres["corrected"], units["TP"], "pho_phong", date(2024, 3, 1))
        shown = s.findings()
        registration = office.registered[cadres["corrected"]]
        identity = {"full_name": "Đặng Thị Mơ", "gender": Gender.NU, "born_on": date(1979, 9, 1),
                    "education": Education.DAI_HOC,
                    "political_theory": PoliticalTheory.TRUNG_CAP}
        s.runtime.app.correct(cadres["corrected"], Correct(
            target_position=registration, reason="Nhập sai năm sinh", replacement=identity),
            recorded_by="to.chuc")
        yield ViolationDistrict(s, units, cadres, expected, absent, shown,
                                cadres["corrected"])


def found(body: dict[str, Any], rule: str, cadre: UUID) -> list[dict[str, Any]]:
    return [f for f in body["findings"] if f["rule"] == rule and f["cadre_id"] == str(cadre)]


def test_each_rule_finds_its_violation_with_evidence_and_version(
        district: ViolationDistrict) -> None:
    body = district.service.findings()
    assert {"as_of", "known_at", "position"} <= set(body)
    for e in district.expected:
        rows = found(body, e.rule, e.cadre)
        assert [tuple(r["evidence"]) for r in rows] == [e.evidence], (e, rows)
        (row,) = rows
        assert row["summary"] and row["severity"] in ("high", "medium", "low")
        if e.rule_version:
            assert row["rule_version"] == e.rule_version, e
        # A rule filter returns it too.
        assert row in district.service.findings(rule=e.rule)["findings"]
    for rule, cadre in district.absent:
        assert not found(body, rule, cadre)


def test_discipline_bar_is_judged_by_the_version_in_force_on_the_decision_date(
        district: ViolationDistrict) -> None:
    s, c = district.service, district.cadres
    body = s.findings(rule="discipline_bar")
    assert {r["rule"] for r in body["findings"]} == {"discipline_bar"}
    versions = {r["cadre_id"]: r["rule_version"] for r in body["findings"]}
    # 18 months after a reprimand: allowed on 1/9/2025 (12 months), barred on 1/11/2025 (24).
    assert str(c["bar_2022_ok"]) not in versions
    assert versions[str(c["bar_2025"])] == "qd377-2025"
    assert versions[str(c["bar_2022"])] == "qd80-2022"
    (row,) = found(body, "discipline_bar", c["bar_2025"])
    assert "24 tháng" in row["summary"]
    rules = s.http.get(f"{API}/rules", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                       params={"as_of": "2025-11-01"}).json()["rules"]
    bars = {r["version"]: r for r in rules if r["id"] == "discipline_bar"}
    assert bars["qd80-2022"]["params"]["khien_trach"] == 12
    assert bars["qd80-2022"]["valid_to"] == "2025-10-07" and not bars["qd80-2022"]["in_force"]
    assert bars["qd377-2025"]["params"]["khien_trach"] == 24 and bars["qd377-2025"]["in_force"]


def test_a_commendation_is_judged_from_the_day_it_is_decided(
        district: ViolationDistrict) -> None:
    # Decided on 10/1, 15/1 and 1/3/2025: the record as of 5/1/2025 holds none of them yet.
    s, c = district.service, district.cadres
    commended = {(rule, c[who]) for rule, who in (
        ("commendation_while_disciplined", "commended_barred"),
        ("commendation_below_rating", "commended_poor"),
        ("commendation_own_circle", "wife"))}
    before = s.findings(as_of="2025-01-05")
    assert not [pair for pair in commended if found(before, *pair)]
    after = s.findings(as_of="2025-03-01")
    assert all(found(after, *pair) for pair in commended)


def test_findings_as_known_before_a_correction_are_what_was_shown_then(
        district: ViolationDistrict) -> None:
    s, cadre = district.service, district.corrected_cadre
    then = district.shown_before_correction
    assert found(then, "retirement_horizon", cadre)
    now = s.findings(as_of=then["as_of"])
    assert not found(now, "retirement_horizon", cadre)
    assert found(now, "identity_data_changed", cadre)
    again = s.findings(as_of=then["as_of"], known_at=then["known_at"])
    assert again["position"] == then["position"] < now["position"]
    assert again["findings"] == then["findings"]


def test_findings_filter_by_unit_subtree_and_severity(district: ViolationDistrict) -> None:
    s, units = district.service, district.units
    nv = s.findings(unit_id=str(units["NV"]))["findings"]
    assert nv and {r["unit_id"] for r in nv} == {str(units["NV"])}
    everything_in_ub = s.findings(unit_id=str(units["UB"]))["findings"]
    assert {r["id"] for r in nv} < {r["id"] for r in everything_in_ub}
    high = s.findings(severity="high")["findings"]
    assert high and all(r["severity"] == "high" for r in high)


def test_inspector_reviews_a_finding_and_the_list_shows_it(district: ViolationDistrict) -> None:
    s = district.service
    inspector = s.token("ubkt.thanh", "inspector")
    (row,) = found(s.findings(inspector), "no_vetting", district.cadres["unvetted"])
    assert (row["review_status"], row["reviewed_by"]) == ("unreviewed", None)
    url = f"{API}/findings/{row['id']}/reviews"
    first = s.http.post(url, headers=inspector, json={"conclusion": "needs_action",
                                                      "reason": "Yêu cầu bổ sung thẩm định"})
    assert first.status_code == 201, first.text
    second = s.http.post(url, headers=inspector, json={"conclusion": "confirmed",
                                                       "reason": "Đã xác minh vi phạm"})
    assert second.status_code == 201, second.text
    assert second.json()["id"] == first.json()["id"]  # one review record per finding
    assert second.json()["position"] > first.json()["position"]
    (row,) = found(s.findings(inspector), "no_vetting", district.cadres["unvetted"])
    assert (row["review_status"], row["reviewed_by"]) == ("confirmed", "ubkt.thanh")
    assert row["review"]["reason"] == "Đã xác minh vi phạm"
    assert row["review"]["position"] == second.json()["position"]
    unknown = s.http.post(f"{API}/findings/{uuid.uuid4()}/reviews", headers=inspector,
                          json={"conclusion": "dismissed", "reason": "Không rõ"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "finding_not_found"
    malformed = s.http.post(url, headers=inspector, json={"conclusion": "maybe", "reason": "x"})
    assert malformed.status_code == 422


def test_who_may_read_findings_and_post_reviews(district: ViolationDistrict) -> None:
    s, units = district.service, district.units
    leader = s.token("lanh.dao.nv", "leader", unit_id=units["NV"])
    personnel = s.token("to.chuc.nv", "personnel", unit_id=units["NV"])
    own = s.findings(leader)
    assert own["findings"] and {r["unit_id"] for r in own["findings"]} == {str(units["NV"])}
    outside = s.http.get(f"{API}/findings", headers=leader, params={"unit_id": str(units["KT"])})
    assert outside.status_code == 403
    assert s.http.get(f"{API}/findings", headers=personnel).status_code == 403
    assert s.http.get(f"{API}/findings").status_code == 401
    assert s.http.get(f"{API}/rules", headers=personnel).status_code == 403
    target = own["findings"][0]["id"]
    for headers in (leader, personnel):
        refused = s.http.post(f"{API}/findings/{target}/reviews", headers=headers,
                              json={"conclusion": "dismissed", "reason": "Không vi phạm"})
        assert refused.status_code == 403


def test_rules_serve_the_whole_pack(district: ViolationDistrict) -> None:
    inspector = district.service.token("ubkt.lan", "inspector")
    body = district.service.http.get(f"{API}/rules", headers=inspector).json()
    assert {"as_of", "known_at", "position"} <= set(body)
    ids = {r["id"] for r in body["rules"]}
    assert ids == set(RULE_IDS) and len(ids) == 31
    for r in body["rules"]:
        assert {"id", "title", "params", "valid_from", "valid_to", "severity", "source"} <= set(r)


# --- a clean district ----------------------------------------------------------------------


def record_clean_district(o: Office, today: date) -> None:
    """Eight years up to today of a small district done by the book: planned, vetted and
    trained before every appointment, reappointed at term end, nobody eight years in one post,
    heads refilled the same day, everyone rated every year. Dates follow today, so the history
    stays clean whenever the test runs."""
    y = today.year - 8

    def on(years: int, month: int = 1, day: int = 1) -> date:
        return date(y + years, month, day)

    q = o.unit("SD", "Quận Sông Đào", kind="quan")
    ub = o.unit("SD.UB", "UBND quận Sông Đào", kind="ubnd", parent=q)
    offices = [o.unit(f"SD.{code}", name, parent=ub) for code, name in (
        ("NV", "Phòng Nội vụ"), ("TC", "Phòng Tài chính – Kế hoạch"))]
    o.titles()
    chair = o.cadre("Nguyễn Văn Hải", on(-44, 4, 12))
    heads = [o.cadre("Trần Thị Hoa", on(-41, 6, 1), gender=Gender.NU),
             o.cadre("Lê Văn Nam", on(-43, 9, 9))]
    deputies = [o.cadre("Phạm Thị Mai", on(-37, 2, 14), gender=Gender.NU),
                o.cadre("Hoàng Đức Long", on(-35, 10, 20))]
    o.promote(chair, ub, "chu_tich", on(1), planned_end=on(6))
    for head, unit in zip(heads, offices, strict=True):
        o.promote(head, unit, "truong_phong", on(1), planned_end=on(6))
    for deputy, unit in zip(deputies, offices, strict=True):
        o.promote(deputy, unit, "pho_phong", on(1, 6), planned_end=on(6, 6))
    # The finance head is transferred to the city; his deputy (43 months in post, planned,
    # vetted and trained) takes the office the same day.
    o.end(heads[1], offices[1], "truong_phong", on(5), EndingReason.DIEU_DONG)
    o.end(deputies[1], offices[1], "pho_phong", on(5), EndingReason.KHAC)
    o.promote(deputies[1], offices[1], "truong_phong", on(5), planned_end=on(10))
    o.reappoint(chair, ub, "chu_tich", on(6))
    o.reappoint(heads[0], offices[0], "truong_phong", on(6))
    o.reappoint(deputies[0], offices[0], "pho_phong", on(6, 6))
    # One reprimand after her reappointment; no appointment or planning follows it.
    o.reprimand(deputies[0], on(6, 9))
    o.app.add_relative(heads[0], AddRelative(relation=Relation.CHONG, full_name="Vũ Văn Bình",
                                             born_year=y - 42), recorded_by="to.chuc")
    last_year = today.year - 1
    for cadre in (chair, heads[0], *deputies):
        o.evaluate(cadre, *range(y + 1, last_year + 1))
    o.evaluate(heads[1], *range(y + 1, y + 5))
    # Quarterly too from Q4 2025 (QĐ 366), each quarter rated by the 10th after it closes.
    quarters = [f"{year}-Q{q}" for year in range(2025, today.year + 1) for q in range(1, 5)
                if (year, q) >= (2025, 4)]
    closed = [p for p in quarters if quarter_rated_on(p) <= today]
    for cadre in (chair, heads[0], *deputies):
        o.evaluate_quarters(cadre, *closed)


@pytest.mark.parametrize("kind", STORES)
def test_a_clean_district_history_has_no_findings(kind: str, tmp_path: Path) -> None:
    with fresh_store(kind, tmp_path) as settings, service(settings) as s:
        today = s.runtime.app.window().today
        record_clean_district(Office(s.runtime.app), today)
        body = s.findings()
        assert body["findings"] == [], [(r["rule"], r["summary"]) for r in body["findings"]]
        assert body["position"] > 80
        for years_ago in (1, 3, 5):
            as_of = date(today.year - years_ago, 6, 30).isoformat()
            assert s.findings(as_of=as_of)["findings"] == [], as_of
