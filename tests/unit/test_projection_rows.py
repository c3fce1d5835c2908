"""The pure event → row functions, without a database: what each event opens and closes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.cadre import Cadre
from domain.programmes import programme_name
from domain.values import ActionKind, Decision, EndingReason, Gender, PoliticalTheory, Rating
from projections.rows import ALWAYS, Close, Open, Supersede, changes

AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
CADRE = uuid4()
UNIT = uuid4()
DECISION = Decision(number="41-KH/QU", signed_on=date(2022, 4, 1),
                    issuer="Ban Thường vụ Quận ủy", signer="Lê Toàn Khánh")


class Rows:
    """Rows in force, as the runner would answer them."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, Any], dict[str, Any]] = {}
        self.entries: dict[int, dict[str, Any]] = {}

    def open_row(self, table: str, column: str, value: Any) -> dict[str, Any] | None:
        return self.rows.get((table, column, value))

    def entry(self, position: int) -> dict[str, Any] | None:
        return self.entries.get(position)

    def title_name(self, code: str) -> str:
        return {"truong_phong": "Trưởng phòng"}.get(code, code)

    def programme_name(self, code: str) -> str:
        return programme_name(code)

    def unit_name(self, unit_id: UUID, day: date) -> str:
        return "Phòng Nội vụ"

    def apply(self, ops: list[Any]) -> None:
        for op in ops:
            if isinstance(op, Open) and op.table == "holdings":
                self.rows[("holdings", "holding_id", op.row["holding_id"])] = op.row
            elif isinstance(op, Open) and op.table == "entries":
                self.entries[op.row["position"]] = op.row
            elif isinstance(op, Close):
                self.rows.pop((op.table, op.column, op.value), None)


def event(cls: Any, version: int, **fields: Any) -> Any:
    if cls is Cadre.Registered:
        fields["originator_topic"] = "domain.cadre:Cadre"
    return cls(originator_id=CADRE, originator_version=version, timestamp=AT,
               recorded_by="to_chuc", **fields)


def opened(ops: list[Any], table: str) -> list[dict[str, Any]]:
    return [op.row for op in ops if isinstance(op, Open) and op.table == table]


def test_registration_opens_the_identity_and_its_levels_for_every_date() -> None:
    ops = changes(event(Cadre.Registered, 1, full_name="Nguyễn Thị Lan", gender=Gender.NU,
                        born_on=date(1980, 5, 2), party_joined_on=None, education=None,
                        political_theory=PoliticalTheory.TRUNG_CAP, state_management=None,
                        sensitive=None, effective_on=date(2026, 11, 24), decision=None),
                  7, AT, Rows())
    [cadre] = opened(ops, "cadres")
    assert (cadre["name_folded"], cadre["registered_by"]) == ("nguyen thi lan", "to_chuc")
    [level] = opened(ops, "levels")
    assert (level["kind"], level["level"], level["obtained_on"]) == (
        "political_theory", "trung_cap", ALWAYS)
    [entry] = opened(ops, "entries")
    assert entry["summary"] == "Lập hồ sơ cán bộ Nguyễn Thị Lan"
    assert opened(ops, "log")[0]["type"] == "Cadre.Registered"


def test_an_ending_closes_the_holding_and_reopens_it_with_its_end() -> None:
    rows, holding = Rows(), uuid4()
    appointed = changes(event(Cadre.Appointed, 2, holding_id=holding, kind=ActionKind.BO_NHIEM,
                              unit_id=UNIT, title_code="truong_phong",
                              effective_on=date(2021, 3, 1), decision=DECISION, term_months=60,
                              planned_end_on=None, special_case=False), 10, AT, rows)
    rows.apply(appointed)
    [entry] = opened(appointed, "entries")
    assert entry["summary"].startswith("Bổ nhiệm: Trưởng phòng, Phòng Nội vụ, từ ngày 01/03/2021")
    ended = changes(event(Cadre.HoldingEnded, 3, holding_id=holding, unit_id=UNIT,
                          title_code="truong_phong", reason=EndingReason.NGHI_HUU,
                          effective_on=date(2022, 1, 1), decision=DECISION), 11, AT, rows)
    assert Close("holdings", "holding_id", holding) in ended
    [row] = opened(ended, "holdings")
    assert (row["since"], row["until"], row["end_reason"]) == (
        date(2021, 3, 1), date(2022, 1, 1), "nghi_huu")
    rows.apply(ended)

    retracted = changes(event(Cadre.Corrected, 4, target_position=11, target_version=3,
                              target_type="HoldingEnded", reason="Nhầm người",
                              replacement=None, effective_on=date(2026, 11, 24),
                              decision=DECISION), 12, AT, rows)
    assert Supersede(11, "retracted") in retracted
    [reopened] = opened(retracted, "holdings")
    assert reopened["until"] is None and reopened["since"] == date(2021, 3, 1)


def test_correcting_an_appointment_keeps_its_recorded_end() -> None:
    rows, holding = Rows(), uuid4()
    rows.apply(changes(event(Cadre.Appointed, 2, holding_id=holding, kind=ActionKind.BO_NHIEM,
                             unit_id=UNIT, title_code="truong_phong",
                             effective_on=date(2021, 3, 1), decision=DECISION, term_months=None,
                             planned_end_on=None, special_case=False), 10, AT, rows))
    rows.apply(changes(event(Cadre.HoldingEnded, 3, holding_id=holding, unit_id=UNIT,
                             title_code="truong_phong", reason=EndingReason.NGHI_HUU,
                             effective_on=date(2022, 1, 1), decision=DECISION), 11, AT, rows))
    ops = changes(event(Cadre.Corrected, 4, target_position=10, target_version=2,
                        target_type="Appointed", reason="Sai ngày",
                        replacement=dict(holding_id=holding, kind=ActionKind.BO_NHIEM,
                                         unit_id=UNIT, title_code="truong_phong",
                                         effective_on=date(2021, 4, 1), decision=DECISION,
                                         term_months=None, planned_end_on=None,
                                         special_case=False),
                        effective_on=date(2026, 11, 24), decision=DECISION), 12, AT, rows)
    [row] = opened(ops, "holdings")
    assert (row["since"], row["until"], row["appointed_position"]) == (
        date(2021, 4, 1), date(2022, 1, 1), 12)
    [entry] = opened(ops, "entries")
    assert entry["summary"].startswith("Đính chính mục #10")


def test_an_evaluation_is_a_dated_fact_with_its_period() -> None:
    ops = changes(event(Cadre.Evaluated, 5, period="2021", rating=Rating.HTXSNV,
                        effective_on=date(2021, 12, 20), score=None, criteria=None,
                        decision=None, scores=None, framework_id=None), 20, AT, Rows())
    [fact] = opened(ops, "facts")
    assert (fact["kind"], fact["code"], fact["period"], fact["entry_position"]) == (
        "evaluation", "HTXSNV", "2021", 20)
