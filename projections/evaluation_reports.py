"""The quarterly evaluation report of a unit (issue 17 part 1): counts and percents per rating,
the average points of each criteria group, and who held a post in the unit through the quarter
but has no evaluation for it.

Whom it counts: cadres holding a post in the unit's subtree (the tree of the quarter's last
day) on some day of the quarter, with an evaluation of the quarter in force. Who is missing:
cadres whose post there spans the whole quarter (from its first to its last day) and who have
none. Averages are per framework (frameworks have different groups), over the scored
evaluations marked on it.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select

from domain.errors import InvalidCommand
from domain.evaluation_frameworks import load_frameworks
from projections.bitemporal import held_during, in_force
from projections.read_model import Moment
from projections.reports import (
    RATINGS,
    REPORT_VERSION,
    ReportSource,
    finish,
    normal_period,
    percent,
    period_days,
    scope_for,
    tables_of,
)

REPORT = "evaluations_quarterly"


def _average(values: list[Decimal]) -> float | None:
    if not values:
        return None
    exact = sum(values, Decimal(0)) / len(values)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def quarterly(model: ReportSource, period: str, m_known: Moment,
              unit_id: UUID | None = None) -> dict[str, Any]:
    period = normal_period(period)
    if not re.fullmatch(r"\d{4}-Q[1-4]", period):
        raise InvalidCommand(f"Kỳ '{period}' không phải một quý (period must be YYYY-Qn)",
                             code="invalid_period", field="period")
    first, last = period_days(period)
    m = Moment(last, m_known.known_at, m_known.position)
    scope = scope_for(model, m, None, unit_id)
    t = tables_of(model)
    f, c, h = t.facts, t.cadres, t.holdings
    k = m.position
    in_scope = select(h.c.cadre_id).where(in_force(h, k), held_during(h, first, last),
                                          *scope.holding_filter(h)).distinct()
    through = (select(h.c.cadre_id, h.c.unit_id, h.c.title_code, h.c.since)
               .where(in_force(h, k), h.c.since <= first,
                      or_(h.c.until.is_(None), h.c.until > last), *scope.holding_filter(h))
               .order_by(h.c.since))
    with model.engine.connect() as conn:
        rows = conn.execute(
            select(f.c.cadre_id, f.c.code, f.c.payload)
            .where(f.c.kind == "evaluation", f.c.period == period, in_force(f, k),
                   f.c.cadre_id.in_(in_scope))
            .order_by(f.c.entry_position)).all()
        posts = conn.execute(through).all()
        names = {cid: name for cid, name in conn.execute(
            select(c.c.cadre_id, c.c.full_name).where(in_force(c, k),
                                                      c.c.cadre_id.in_(in_scope)))}
    latest: dict[UUID, tuple[str, dict[str, Any]]] = {}
    for cadre_id, code, payload in rows:
        latest[cadre_id] = (str(code), dict(payload or {}))
    counts = Counter(code for code, _ in latest.values())
    total = len(latest)
    frameworks = {fw.id: fw for fw in load_frameworks()}
    marks: dict[tuple[str, str], list[Decimal]] = {}
    totals: list[Decimal] = []
    for _, payload in latest.values():
        scores, framework_id = payload.get("scores"), payload.get("framework_id")
        if not scores or framework_id not in frameworks:
            continue
        for code, points in scores.items():
            marks.setdefault((str(framework_id), str(code)), []).append(Decimal(str(points)))
        if payload.get("score") is not None:
            totals.append(Decimal(str(payload["score"])))
    groups = []
    for framework_id, framework in frameworks.items():
        for group in framework.groups:
            values = marks.get((framework_id, group.code), [])
            if values:
                groups.append(dict(framework_id=framework_id, code=group.code, name=group.name,
                                   max_points=float(group.max_points), evaluated=len(values),
                                   average=_average(values)))
    titles = {row["code"]: row["name"] for row in model.titles()}
    missing: dict[UUID, dict[str, Any]] = {}
    for cadre_id, post_unit, title_code, since in posts:
        if cadre_id in latest or cadre_id in missing or cadre_id not in names:
            continue
        unit = model.unit(post_unit, m)
        missing[cadre_id] = dict(cadre_id=str(cadre_id), full_name=names[cadre_id],
                                 unit_id=str(post_unit), unit_name=unit["name"] if unit else None,
                                 title_code=title_code, title_name=titles.get(title_code),
                                 since=since.isoformat())
    body = dict(report=REPORT, version=REPORT_VERSION, period=period, period_from=first,
                period_to=last, as_of=m.as_of, scope=scope.describe(), total=total,
                by_rating={r: {"count": counts[r], "percent": percent(counts[r], total)}
                           for r in RATINGS},
                scored=len(totals), average_score=_average(totals), groups=groups,
                without_evaluation=sorted(missing.values(),
                                          key=lambda r: (r["unit_name"] or "", r["full_name"])))
    return finish(body, m)
