"""Queries of the public hồ sơ công vụ: the fields of the publication policy, nothing more.

They read the same tables as the internal queries (cadres, holdings, entries) and shape each
answer field by field from `domain.publication`: a column added to the read model is not
published until a policy lists it. An erased cadre is never published, whatever moment is
asked about (erasure cannot be undone, and an old `known_at` must not bring the name back).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from domain.publication import PublicationPolicy, policy_on
from projections.bitemporal import held_on, in_force
from projections.read_model import Moment, ReadModel
from projections.tables import ReadTables

ERASED_TYPE = "PersonalDataErased"


def _decision(value: Any, policy: PublicationPolicy) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {k: value.get(k) for k in policy.decision_fields}


def _erased(conn: Connection, t: ReadTables, ids: list[UUID]) -> set[UUID]:
    if not ids:
        return set()
    e = t.entries
    return set(conn.execute(select(e.c.cadre_id).where(e.c.cadre_id.in_(ids),
                                                       e.c.type == ERASED_TYPE)).scalars())


class PublicRecord:
    """The public side of the read model."""

    def __init__(self, read_model: ReadModel) -> None:
        self.model = read_model

    def _posts(self, conn: Connection, t: ReadTables, m: Moment, ids: list[UUID],
               policy: PublicationPolicy, current: bool) -> dict[UUID, list[dict[str, Any]]]:
        h = t.holdings
        query = select(h).where(h.c.cadre_id.in_(ids), in_force(h, m.position),
                                h.c.since <= m.as_of)
        if current:
            query = query.where(held_on(h, m.as_of))
        titles = {r["code"]: r for r in conn.execute(select(t.titles)).mappings()}
        timeline = self.model.timeline()
        out: dict[UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        for r in conn.execute(query.order_by(h.c.since, h.c.id)).mappings():
            title = titles.get(r["title_code"])
            out[r["cadre_id"]].append(dict(
                title_code=r["title_code"], title=title["name"] if title else r["title_code"],
                rank=title["rank"] if title else 0, unit_id=r["unit_id"],
                unit=timeline.name(r["unit_id"], m.as_of, m.position), kind=r["kind"],
                since=r["since"], until=r["until"], end_reason=r["end_reason"],
                decision=_decision(r["decision"], policy),
                ending_decision=_decision(r["ending_decision"], policy)))
        return out

    def search(self, m: Moment, q: str | None, unit_id: UUID | None, limit: int,
               offset: int) -> list[dict[str, Any]]:
        """Cadres by folded name and unit (the internal search's own query), with their
        current posts; erased cadres are left out."""
        policy = policy_on(m.as_of)
        found = self.model.cadres(m, q=q, unit_id=unit_id, limit=limit, offset=offset)
        ids = [c["id"] for c in found]
        with self.model.engine.connect() as conn:
            t = self.model.tables()
            erased = _erased(conn, t, ids)
            ids = [i for i in ids if i not in erased]
            posts = self._posts(conn, t, m, ids, policy, current=True)
        names = {c["id"]: c["full_name"] for c in found}
        return [dict(id=i, full_name=names[i],
                     posts=[{k: p[k] for k in ("title", "title_code", "unit", "unit_id",
                                               "since")}
                            for p in sorted(posts[i], key=lambda p: -p["rank"])])
                for i in ids]

    def profile(self, cadre_id: UUID, m: Moment) -> dict[str, Any] | None:
        policy = policy_on(m.as_of)
        with self.model.engine.connect() as conn:
            t = self.model.tables()
            c = t.cadres
            row = conn.execute(select(c.c.full_name, c.c.born_on).where(
                c.c.cadre_id == cadre_id, in_force(c, m.position))).first()
            if row is None or _erased(conn, t, [cadre_id]):
                return None
            every = self._posts(conn, t, m, [cadre_id], policy, current=False)[cadre_id]
        holdings = [dict(title=p["title"], title_code=p["title_code"], unit=p["unit"],
                         unit_id=p["unit_id"], since=p["since"], decision=p["decision"])
                    for p in sorted(every, key=lambda p: -p["rank"])
                    if p["until"] is None or p["until"] > m.as_of]
        history: list[dict[str, Any]] = []
        for p in every:
            history.append(dict(event="appointment", on=p["since"], kind=p["kind"],
                                title=p["title"], unit=p["unit"], decision=p["decision"]))
            if p["until"] is not None and p["until"] <= m.as_of:
                history.append(dict(event="ending", on=p["until"], kind=p["end_reason"],
                                    title=p["title"], unit=p["unit"],
                                    decision=p["ending_decision"]))
        history.sort(key=lambda x: (x["on"], x["event"] == "appointment"))
        shown: dict[str, Any] = dict(id=cadre_id, full_name=row.full_name,
                                     born_year=row.born_on.year, holdings=holdings,
                                     history=history)
        return {k: v for k, v in shown.items() if policy.publishes(k)}
