"""Counts from the employment record (quá trình công tác, diễn biến lương), issue 16.

Everyone employed counts, post holder or not: the employment in force on `as_of` is each
cadre's latest `Employed` entry effective by then (a later entry supersedes an earlier one from
its own day; the same day cannot hold two, `employment_same_day`). The counting is SQL
aggregation over the in-force rows (`GROUP BY` on the agency, the grade and the kind of
employment), not a fold in Python, so it stays one query however many people a province
employs.

- `employees`: employees by employing agency (the unit named in the employment record), with
  their ngạch (mã ngạch) and biên chế / hợp đồng.
- `grades_in_force`: each cadre's ngạch from the employment record in force on `as_of`, as the
  buckets of biểu BM01 (`reports.cadre_quality` counts `by_grade` from it; a cadre without an
  employment record keeps the grade recorded as a qualification).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, select

from domain.errors import NotFound
from domain.values import GRADE_CODES
from projections.bitemporal import in_force
from projections.read_model import Moment
from projections.reports import REPORT_VERSION, ReportSource, finish, tables_of
from projections.tables import ReadTables

# Mã ngạch → the BM01 grade bucket (01.003 → cv); other codes keep their own bucket.
GRADE_BUCKETS: dict[str, str] = {code: str(grade) for grade, code in GRADE_CODES.items()}


def _in_force_employments(t: ReadTables, m: Moment, cadre_ids: Any = None,
                          everyone: bool = False) -> Select[Any]:
    """One row per cadre on record (of `cadre_ids`, a subquery, when given; `everyone`: no
    filter, for a caller that joins on the cadres it keeps): the employment in force on
    `as_of`."""
    f, c = t.facts, t.cadres
    latest = func.row_number().over(partition_by=f.c.cadre_id,
                                    order_by=(f.c.effective_on.desc(),
                                              f.c.entry_position.desc())).label("rn")
    who = cadre_ids if cadre_ids is not None else select(c.c.cadre_id).where(
        in_force(c, m.position))
    ranked = (select(f.c.cadre_id, f.c.unit_id, f.c.code, f.c.variant, latest)
              .where(f.c.kind == "employment", in_force(f, m.position),
                     f.c.effective_on <= m.as_of,
                     *([] if everyone else [f.c.cadre_id.in_(who)]))
              .subquery("ranked"))
    return select(ranked.c.cadre_id, ranked.c.unit_id, ranked.c.code, ranked.c.variant).where(
        ranked.c.rn == 1)


def grade_in_force_rows(t: ReadTables, m: Moment, cadre_ids: Any = None,
                        everyone: bool = False) -> Select[Any]:
    """(cadre_id, grade): each cadre's BM01 grade bucket from the employment in force on
    `as_of`, as a query to join (`reports.cadre_quality` groups by it)."""
    rows = _in_force_employments(t, m, cadre_ids, everyone).subquery("employed_rows")
    bucket = case(GRADE_BUCKETS, value=rows.c.code, else_=rows.c.code)
    return select(rows.c.cadre_id, bucket.label("grade"))


def grades_in_force(model: ReportSource, m: Moment, cadre_ids: Any = None) -> dict[UUID, str]:
    """Each cadre's BM01 grade bucket from the employment in force on `as_of` (`cadre_ids`: a
    subquery of the cadres to keep, None: all)."""
    t = tables_of(model)
    rows = _in_force_employments(t, m, cadre_ids).subquery("employed")
    query = select(rows.c.cadre_id, rows.c.code)
    with model.engine.connect() as conn:
        return {cadre_id: GRADE_BUCKETS.get(str(code), str(code))
                for cadre_id, code in conn.execute(query)}


def employees(model: ReportSource, m: Moment, unit_id: UUID | None = None) -> dict[str, Any]:
    """Employees on `as_of` by employing agency (in `unit_id`'s subtree when given): each
    agency's headcount, by mã ngạch and by biên chế / hợp đồng."""
    t = tables_of(model)
    unit_name: str | None = None
    units: frozenset[UUID] | None = None
    if unit_id is not None:
        unit = model.unit(unit_id, m)
        if unit is None:
            raise NotFound(f"Không tìm thấy đơn vị {unit_id} (unknown unit)",
                           code="unit_not_found", field="unit_id")
        unit_name = unit["name"]
        units = frozenset(model.subtree(unit_id, m))
    rows = _in_force_employments(t, m).subquery("employed")
    query = (select(rows.c.unit_id, rows.c.code, rows.c.variant, func.count().label("n"))
             .group_by(rows.c.unit_id, rows.c.code, rows.c.variant))
    if units is not None:
        query = query.where(rows.c.unit_id.in_(sorted(units, key=str)))
    with model.engine.connect() as conn:
        counted = conn.execute(query).all()
    by_unit: dict[UUID, dict[str, Counter[str]]] = {}
    grades: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for agency, code, variant, n in counted:
        tally = by_unit.setdefault(agency, {"grade": Counter(), "kind": Counter()})
        tally["grade"][str(code)] += n
        tally["kind"][str(variant)] += n
        grades[str(code)] += n
        kinds[str(variant)] += n
    timeline = model.timeline()
    agencies = []
    for agency, tally in by_unit.items():
        view = timeline.view(agency, m.as_of, m.position) or {}
        agencies.append({"unit_id": agency, "unit_code": view.get("code"),
                         "unit_name": view.get("name"),
                         "total": sum(tally["grade"].values()),
                         "by_grade_code": dict(sorted(tally["grade"].items())),
                         "by_employment_kind": dict(sorted(tally["kind"].items()))})
    agencies.sort(key=lambda u: (str(u["unit_code"]), str(u["unit_id"])))
    body = dict(report="employees", version=REPORT_VERSION, as_of=m.as_of,
                scope={"tier": None, "unit_id": unit_id, "unit_name": unit_name},
                total=sum(grades.values()), by_grade_code=dict(sorted(grades.items())),
                by_employment_kind=dict(sorted(kinds.items())), agencies=agencies)
    return finish(body, m)
