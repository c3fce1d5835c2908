"""Reports read the bitemporal rows right: a row counts for position K when
`rec_from <= K < rec_to`, a holding when `since <= as_of < until`, a level from `obtained_on`.
Rows are written by hand into one generation of tables, so each case is visible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, create_engine, insert

from domain.errors import InvalidCommand, NotFound
from projections import reports
from projections.read_model import Moment, ReadModel
from projections.runner import ensure_meta
from projections.tables import ReadTables, generations, read_tables
from tests.conftest import suite_clock

AS_OF = date(2022, 6, 30)
KNOWN = datetime(2022, 7, 20, tzinfo=UTC)
DISTRICT, WARD, SCHOOL = UUID(int=1), UUID(int=2), UUID(int=3)
DECISION = {"number": "1-QĐ/QU", "signed_on": "2020-01-01", "issuer": "Quận ủy",
            "signer": "Lê Toàn Khánh"}


class Rows:
    def __init__(self, engine: Engine, t: ReadTables) -> None:
        self.engine, self.t = engine, t

    def add(self, table: str, **row: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(getattr(self.t, table)), [row])

    def cadre(self, cadre_id: UUID, *, gender: str = "nu", born_on: date = date(1980, 1, 1),
              rec_from: int = 1, rec_to: int | None = None, **extra: Any) -> None:
        self.add("cadres", cadre_id=cadre_id, full_name="Nguyễn Thị Lan",
                 name_folded="nguyen thi lan", gender=gender, born_on=born_on,
                 party_joined_on=extra.get("party_joined_on"),
                 sensitive=extra.get("sensitive"), registered_on=date(2022, 7, 1),
                 registered_by="t", entry_position=rec_from, rec_from=rec_from, rec_to=rec_to)

    def holding(self, cadre_id: UUID, unit_id: UUID, title: str, since: date, *,
                until: date | None = None, kind: str = "bo_nhiem", rec_from: int = 2,
                rec_to: int | None = None) -> None:
        self.add("holdings", holding_id=uuid4(), cadre_id=cadre_id, unit_id=unit_id,
                 title_code=title, kind=kind, since=since, until=until,
                 end_reason="nghi_huu" if until else None, decision=DECISION,
                 ending_decision=None, special_case=False, planned_end_on=None,
                 appointed_position=rec_from, ended_position=None, rec_from=rec_from,
                 rec_to=rec_to)

    def fact(self, cadre_id: UUID, kind: str, code: str, effective_on: date, *,
             period: str | None = None, unit_id: UUID | None = None, rec_from: int = 3,
             rec_to: int | None = None, ends_on: date | None = None,
             payload: dict[str, Any] | None = None) -> None:
        self.add("facts", cadre_id=cadre_id, kind=kind, code=code, period=period,
                 effective_on=effective_on, ends_on=ends_on, unit_id=unit_id,
                 payload=payload or {}, entry_position=rec_from, rec_from=rec_from,
                 rec_to=rec_to)


@pytest.fixture
def tables(tmp_path: Path) -> Iterator[tuple[ReadModel, Rows]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'rm.sqlite3'}")
    ensure_meta(engine)
    t = read_tables(1)
    t.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(generations).values(generation=1, projection_version=1,
                                                position=1000, state="active"))
    rows = Rows(engine, t)
    for code, tier, rank in (("truong_phong", "quan_uy", 6), ("pho_truong_phong", "quan_uy", 5),
                             ("bi_thu", "thanh_uy", 9)):
        rows.add("titles", code=code, name=code, is_head=False, management_tier=tier,
                 rank=rank, sector=None, standards=None, position=1)
    for unit, code, parent in ((DISTRICT, "KA", None), (WARD, "KA-W1", DISTRICT),
                               (SCHOOL, "KA-S1", DISTRICT)):
        rows.add("units", unit_id=unit, code=code, kind="x", established_on=date(2000, 1, 1),
                 position=1)
        rows.add("unit_facts", unit_id=unit, attr="name", value=f"Đơn vị {code}",
                 effective_on=date(2000, 1, 1), position=1)
        rows.add("unit_facts", unit_id=unit, attr="parent",
                 value=str(parent) if parent else None, effective_on=date(2000, 1, 1),
                 position=1)
    # The school moves out of the district on 1/1/2022 (recorded at position 5).
    rows.add("unit_facts", unit_id=SCHOOL, attr="parent", value=None,
             effective_on=date(2022, 1, 1), position=5)
    yield ReadModel(engine, clock=suite_clock()), rows
    engine.dispose()


def at(k: int, as_of: date = AS_OF) -> Moment:
    return Moment(as_of, KNOWN, k)


def test_a_corrected_birth_date_counts_from_the_correction_on(
        tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    lan = uuid4()
    rows.cadre(lan, born_on=date(1980, 1, 1), rec_from=1, rec_to=50)
    rows.cadre(lan, born_on=date(1990, 1, 1), rec_from=50)
    rows.holding(lan, WARD, "truong_phong", date(2020, 1, 1))
    before, after = (reports.cadre_quality(model, at(k), tier="quan_uy") for k in (49, 50))
    assert (before["total"], before["under_35"]) == (1, 0)
    assert (after["total"], after["under_35"]) == (1, 1)
    assert before["digest"] != after["digest"]


def test_holdings_count_on_the_date_and_as_recorded(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    kept, ended, future, retracted, city = (uuid4() for _ in range(5))
    for c in (kept, ended, future, retracted, city):
        rows.cadre(c)
    rows.holding(kept, WARD, "truong_phong", date(2020, 1, 1))
    rows.holding(kept, WARD, "pho_truong_phong", date(2021, 1, 1))  # two posts, counted once
    rows.holding(ended, WARD, "pho_truong_phong", date(2020, 1, 1), until=AS_OF)
    rows.holding(future, WARD, "pho_truong_phong", date(2022, 7, 1))
    rows.holding(retracted, WARD, "pho_truong_phong", date(2020, 1, 1), rec_to=70)
    rows.holding(city, DISTRICT, "bi_thu", date(2020, 1, 1))
    assert reports.cadre_quality(model, at(60), tier="quan_uy")["total"] == 2
    assert reports.cadre_quality(model, at(70), tier="quan_uy")["total"] == 1
    assert reports.cadre_quality(model, at(70, date(2022, 6, 29)), tier="quan_uy")["total"] == 2
    everyone = reports.cadre_quality(model, at(70))
    assert everyone["total"] == 2 and everyone["scope"]["tier"] is None
    ward = reports.cadre_quality(model, at(70), unit_id=WARD)
    assert ward["total"] == 1 and ward["scope"]["unit_name"] == "Đơn vị KA-W1"
    assert [u["unit_code"] for u in ward["units"]] == ["KA-W1"]


def test_the_unit_tree_of_the_date(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    teacher = uuid4()
    rows.cadre(teacher)
    rows.holding(teacher, SCHOOL, "truong_phong", date(2015, 1, 1))
    in_2021 = reports.cadre_quality(model, at(60, date(2021, 6, 30)), unit_id=DISTRICT)
    in_2022 = reports.cadre_quality(model, at(60), unit_id=DISTRICT)
    known_before_move = reports.cadre_quality(model, at(4), unit_id=DISTRICT)
    assert (in_2021["total"], in_2022["total"], known_before_move["total"]) == (1, 0, 1)


def test_levels_count_from_the_day_obtained(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    hoa = uuid4()
    rows.cadre(hoa)
    rows.holding(hoa, WARD, "truong_phong", date(2020, 1, 1))
    for level, rank, on in (("trung_cap", 2, date(1, 1, 1)), ("cao_cap", 3, date(2022, 7, 1))):
        rows.add("levels", cadre_id=hoa, kind="political_theory", level=level, rank=rank,
                 obtained_on=on, entry_position=4, rec_from=4, rec_to=None)
    rows.add("levels", cadre_id=hoa, kind="it", level="co_ban", rank=0,
             obtained_on=date(2019, 1, 1), entry_position=4, rec_from=4, rec_to=None)
    june = reports.cadre_quality(model, at(60))
    july = reports.cadre_quality(model, at(60, date(2022, 7, 1)))
    assert june["by_political_theory"]["trung_cap"] == 1 and june["it"] == 1
    assert july["by_political_theory"]["cao_cap"] == 1
    assert june["by_state_management"]["chua_co"] == 1
    assert june["units"][0]["political_theory.trung_cap"] == 1


def test_evaluations_count_what_was_in_force(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    a, b, c = uuid4(), uuid4(), uuid4()
    for cadre in (a, b, c):
        rows.cadre(cadre)
        rows.holding(cadre, WARD, "pho_truong_phong", date(2020, 1, 1))
    rows.fact(a, "evaluation", "HTTNV", date(2022, 1, 5), period="2021", rec_to=40)
    rows.fact(a, "evaluation", "HTXSNV", date(2022, 1, 5), period="2021", rec_from=40)
    rows.fact(b, "evaluation", "HTNV", date(2022, 1, 5), period="2021")
    rows.fact(c, "evaluation", "HTTNV", date(2021, 1, 5), period="2020")
    early = reports.evaluations(model, "2021", at(39), tier="quan_uy")
    late = reports.evaluations(model, "2021", at(40), tier="quan_uy")
    assert early["total"] == late["total"] == 2 and early["as_of"] == "2021-12-31"
    assert early["by_rating"]["HTTNV"] == {"count": 1, "percent": 50.0}
    assert late["by_rating"]["HTXSNV"] == {"count": 1, "percent": 50.0}
    assert late["by_rating"]["KHTNV"] == {"count": 0, "percent": 0.0}


def test_actions_by_their_effective_date(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    a, b = uuid4(), uuid4()
    rows.cadre(a)
    rows.cadre(b)
    rows.holding(a, WARD, "pho_truong_phong", date(2021, 7, 12), kind="bo_nhiem_lai")
    rows.holding(b, WARD, "pho_truong_phong", date(2021, 7, 11), kind="bo_nhiem_lai")
    rows.holding(b, WARD, "bi_thu", date(2022, 6, 30), kind="dieu_dong_chi_dinh")
    rows.fact(a, "nomination", "truong_phong", date(2022, 6, 30), unit_id=WARD)
    rows.fact(b, "nomination", "bi_thu", date(2022, 1, 1), unit_id=DISTRICT)
    rows.fact(b, "nomination", "truong_phong", date(2022, 1, 1), unit_id=WARD, rec_to=10)
    span = (date(2021, 7, 12), date(2022, 6, 30))
    everything = reports.actions(model, *span, at(60))["by_kind"]
    assert (everything["bo_nhiem_lai"], everything["dieu_dong_chi_dinh"],
            everything["gioi_thieu_ung_cu"]) == (1, 1, 2)
    tier = reports.actions(model, *span, at(60), tier="quan_uy")["by_kind"]
    assert (tier["dieu_dong_chi_dinh"], tier["gioi_thieu_ung_cu"]) == (0, 1)
    assert reports.actions(model, *span, at(9), tier="quan_uy")["by_kind"][
        "gioi_thieu_ung_cu"] == 2
    with pytest.raises(InvalidCommand):
        reports.actions(model, span[1], span[0], at(60))


def test_training_and_vetting_in_a_span(tables: tuple[ReadModel, Rows]) -> None:
    model, rows = tables
    a = uuid4()
    rows.cadre(a)
    rows.holding(a, WARD, "pho_truong_phong", date(2020, 1, 1))
    rows.fact(a, "training", "llct_cao_cap", date(2021, 9, 1), ends_on=date(2022, 5, 1))
    rows.fact(a, "training", "qlnn_cv", date(2021, 1, 1), ends_on=date(2021, 9, 1))
    rows.fact(a, "vetting", "quy hoạch", date(2022, 5, 10), payload={"conclusion": "dat"})
    span = (date(2021, 7, 12), date(2022, 6, 30))
    t = reports.training(model, *span, at(60))
    assert t["by_program"] == {"llct_cao_cap": 1}
    assert t["completed_by_program"] == {"llct_cao_cap": 1, "qlnn_cv": 1}
    v = reports.vettings(model, *span, at(60), unit_id=WARD)
    assert v["by_purpose"] == {"quy hoạch": 1} and v["by_conclusion"] == {"dat": 1}
    assert reports.vettings(model, *span, at(60), unit_id=SCHOOL)["total"] == 0


def test_unknown_tier_and_unit_are_refused(tables: tuple[ReadModel, Rows]) -> None:
    model, _ = tables
    with pytest.raises(InvalidCommand) as refused:
        reports.cadre_quality(model, at(60), tier="tinh_uy")
    assert refused.value.code == "unknown_tier"
    with pytest.raises(NotFound) as missing:
        reports.cadre_quality(model, at(60), unit_id=UUID(int=99))
    assert missing.value.code == "unit_not_found"
