"""Queries of the inspection casework, each for one `Moment`: rows recorded up to its position
count (record time), dates up to its `as_of` decide what was open or overdue (valid time)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from projections.read_model import Moment, ReadModel
from projections.tables import ReadTables


class InspectionReader:
    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model

    def _t(self, conn: Connection) -> ReadTables:
        return self.read_model._tables(conn)

    # --- plans ---------------------------------------------------------------------------

    def plans(self, m: Moment, year: int | None = None) -> list[dict[str, Any]]:
        with self.read_model.engine.connect() as conn:
            t = self._t(conn).inspection
            p, c = t["insp_plans"], t["insp_cases"]
            q = select(p).where(p.c.position <= m.position)
            if year is not None:
                q = q.where(p.c.year == year)
            plans = [dict(r) for r in conn.execute(q.order_by(p.c.year.desc(),
                                                              p.c.position))
                     .mappings()]
            counts: dict[UUID, int] = {}
            for (plan_id,) in conn.execute(select(c.c.plan_id).where(
                    c.c.position <= m.position, c.c.plan_id.is_not(None))):
                counts[plan_id] = counts.get(plan_id, 0) + 1
        for plan in plans:
            plan["id"] = plan.pop("plan_id")
            plan["adopted_position"] = plan["position"]
            plan["cases"] = counts.get(plan["id"], 0)
        return plans

    def plan(self, plan_id: UUID, m: Moment) -> dict[str, Any] | None:
        found = next((p for p in self.plans(m) if p["id"] == plan_id), None)
        if found is not None:
            found["case_list"] = self.cases(m, plan_id=plan_id)
        return found

    # --- cases ---------------------------------------------------------------------------

    def cases(self, m: Moment, *, plan_id: UUID | None = None, status: str | None = None,
              case_id: UUID | None = None) -> list[dict[str, Any]]:
        """Case summaries with their status and conclusion as recorded by `m.position`."""
        with self.read_model.engine.connect() as conn:
            t = self._t(conn).inspection
            c, k, r, x = (t["insp_cases"], t["insp_conclusions"], t["insp_remedies"],
                          t["insp_closures"])
            q = select(c).where(c.c.position <= m.position)
            if plan_id is not None:
                q = q.where(c.c.plan_id == plan_id)
            if case_id is not None:
                q = q.where(c.c.case_id == case_id)
            rows = [dict(row) for row in conn.execute(q.order_by(c.c.position.desc()))
                    .mappings()]
            ids = [row["case_id"] for row in rows]
            conclusions = {row["case_id"]: dict(row) for row in conn.execute(
                select(k).where(k.c.position <= m.position, k.c.case_id.in_(ids))).mappings()}
            closed = {row["case_id"]: dict(row) for row in conn.execute(
                select(x).where(x.c.position <= m.position, x.c.case_id.in_(ids),
                                x.c.remedy_id.is_(None))).mappings()}
            remedies: dict[UUID, int] = {}
            for (cid,) in conn.execute(select(r.c.case_id).where(r.c.position <= m.position,
                                                                 r.c.case_id.in_(ids))):
                remedies[cid] = remedies.get(cid, 0) + 1
        out = []
        for row in rows:
            cid = row["case_id"]
            state = "closed" if cid in closed else "concluded" if cid in conclusions else "open"
            if status is not None and state != status:
                continue
            out.append(dict(row, id=cid, status=state, opened_on=row["effective_on"],
                            opened_position=row["position"],
                            conclusion=_conclusion(conclusions.get(cid)),
                            closure=_closure(closed.get(cid)), remedies=remedies.get(cid, 0)))
        return out

    def case(self, case_id: UUID, m: Moment) -> dict[str, Any] | None:
        found = self.cases(m, case_id=case_id)
        if not found:
            return None
        case = found[0]
        with self.read_model.engine.connect() as conn:
            t = self._t(conn).inspection
            e = t["insp_evidence"]
            case["evidence"] = [dict(row) for row in conn.execute(
                select(e).where(e.c.case_id == case_id, e.c.position <= m.position)
                .order_by(e.c.position)).mappings()]
        case["remedy_list"] = self.remedies(m, case_id=case_id)
        return case

    # --- remedies ------------------------------------------------------------------------

    def remedies(self, m: Moment, *, case_id: UUID | None = None,
                 overdue_only: bool = False) -> list[dict[str, Any]]:
        """Remedies with their state on `m.as_of`: closed when a closure dated on or before
        as_of was recorded by the position; overdue when open and past the deadline."""
        with self.read_model.engine.connect() as conn:
            t = self._t(conn).inspection
            r, x, c = t["insp_remedies"], t["insp_closures"], t["insp_cases"]
            q = (select(r, c.c.title.label("case_title"))
                 .join(c, c.c.case_id == r.c.case_id)
                 .where(r.c.position <= m.position))
            if case_id is not None:
                q = q.where(r.c.case_id == case_id)
            if overdue_only:
                q = q.where(r.c.deadline < m.as_of)
            rows = [dict(row) for row in conn.execute(q.order_by(r.c.deadline, r.c.position))
                    .mappings()]
            ids = [row["remedy_id"] for row in rows]
            closures = {row["remedy_id"]: dict(row) for row in conn.execute(
                select(x).where(x.c.position <= m.position, x.c.remedy_id.in_(ids)))
                .mappings()}
        out = []
        for row in rows:
            closure = closures.get(row["remedy_id"])
            closed = closure is not None and closure["effective_on"] <= m.as_of
            overdue = not closed and row["deadline"] < m.as_of
            if overdue_only and not overdue:
                continue
            out.append(dict(row, id=row["remedy_id"], assigned_on=row["effective_on"],
                            status="closed" if closed else "open", overdue=overdue,
                            days_overdue=(m.as_of - row["deadline"]).days if overdue else 0,
                            closure=_closure(closure) if closed else None))
        return out

    def overdue(self, m: Moment) -> list[dict[str, Any]]:
        return self.remedies(m, overdue_only=True)

    # --- the log behind a case (its case file) -------------------------------------------

    def log_entries(self, m: Moment, *, originators: list[UUID],
                    positions: list[int]) -> list[dict[str, Any]]:
        """The log's entries of these aggregates and at these positions, as recorded by
        `m.position`: who recorded what and when, and for a cadre's entry its hồ sơ line."""
        with self.read_model.engine.connect() as conn:
            t = self._t(conn)
            log, e = t.log, t.entries
            q = (select(log, e.c.summary, e.c.decision, e.c.effective_on, e.c.superseded_at,
                        e.c.superseded_how)
                 .outerjoin(e, e.c.position == log.c.position)
                 .where(log.c.position <= m.position,
                        log.c.originator_id.in_(originators) | log.c.position.in_(positions))
                 .order_by(log.c.position))
            rows = [dict(r) for r in conn.execute(q).mappings()]
        for row in rows:
            superseded = row.pop("superseded_at")
            how = row.pop("superseded_how")
            row["status"] = (how if superseded is not None and superseded <= m.position
                             else "in_force") if row["summary"] is not None else None
        return rows


def _conclusion(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row[k] for k in ("text", "violation_found", "decision", "effective_on",
                                "recorded_by", "recorded_at", "position")}


def _closure(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row[k] for k in ("text", "decision", "effective_on", "recorded_by",
                                "recorded_at", "position")}


def cadres_named(cases: list[dict[str, Any]]) -> list[UUID]:
    """The cadres an answer names (subjects and remedy owners): for the read audit."""
    named: list[UUID] = []
    for case in cases:
        named += [case["cadre_id"]] if case.get("cadre_id") else []
        named += [r["owner_cadre_id"] for r in case.get("remedy_list") or []
                  if r.get("owner_cadre_id")]
    return list(dict.fromkeys(named))
