"""Queries of the read side; each answers for one `Moment` (as_of, known_at → position).

Rows count when their record interval holds the moment's position K (rec_from <= K < rec_to)
and, for valid-time rows, when their dates hold `as_of`. Everything recorded after K is
invisible, so an answer for a past known_at is what the record said then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Select, and_, bindparam, func, or_, select

from domain.calendar import Clock
from domain.rules.pack import default_pack
from domain.values import add_months, fold
from infra.database import one_statement
from projections import profile_documents
from projections.bitemporal import held_on, in_force
from projections.runner import active_generation
from projections.tables import ReadTables, read_tables


@dataclass(frozen=True)
class Moment:
    as_of: date
    known_at: datetime
    position: int
    # The generation whose tables answer, when the caller knew it (a request: read with the
    # log head, infra/runtime.py); None: looked up per query.
    generation: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CadreFilter:
    """The cadre list's further filters: born in a window (an age band on as_of), holding a
    qualification level on as_of, holding a post of a management tier, in a job position."""

    born_after: date | None = None  # exclusive
    born_by: date | None = None  # inclusive
    level: tuple[str, str] | None = None  # (kind, level code)
    tier: str | None = None
    job_position_id: UUID | None = None


@dataclass
class _UnitLife:
    unit_id: UUID
    code: str
    kind: str
    established_on: date
    position: int
    facts: list[tuple[date, int, str, str | None]]  # (effective_on, position, attr, value)

    def value_on(self, attr: str, day: date, k: int) -> tuple[bool, str | None]:
        found, value = False, None
        for on, pos, a, v in self.facts:
            if a == attr and pos <= k and on <= day:
                found, value = True, v
        return found, value

    def exists(self, day: date, k: int) -> bool:
        if self.position > k or self.established_on > day:
            return False
        ended, _ = self.value_on("end", day, k)
        return not ended


class UnitTimeline:
    """The whole unit tree over time, in memory: a province has a few thousand units."""

    def __init__(self, units: Iterable[Any], facts: Iterable[Any]) -> None:
        self.units: dict[UUID, _UnitLife] = {}
        self._existing: dict[tuple[date, int], list[dict[str, Any]]] = {}
        for u in units:
            self.units[u.unit_id] = _UnitLife(u.unit_id, u.code, u.kind, u.established_on,
                                              u.position, [])
        for f in facts:
            life = self.units.get(f.unit_id)
            if life is not None:
                life.facts.append((f.effective_on, f.position, f.attr, f.value))
        for life in self.units.values():
            life.facts.sort(key=lambda x: (x[0], x[1]))

    def view(self, unit_id: UUID, day: date, k: int) -> dict[str, Any] | None:
        life = self.units.get(unit_id)
        if life is None or life.position > k:
            return None
        _, name = self.value_on(life, "name", day, k)
        _, parent = life.value_on("parent", day, k)
        return dict(id=life.unit_id, code=life.code, name=name, kind=life.kind,
                    parent_id=UUID(parent) if parent else None,
                    established_on=life.established_on, exists=life.exists(day, k))

    @staticmethod
    def value_on(life: _UnitLife, attr: str, day: date, k: int) -> tuple[bool, str | None]:
        found, value = life.value_on(attr, day, k)
        if not found:  # before establishment: the first name it had
            firsts = [v for on, pos, a, v in life.facts if a == attr and pos <= k]
            return bool(firsts), firsts[0] if firsts else None
        return found, value

    def existing(self, day: date, k: int) -> list[dict[str, Any]]:
        cached = self._existing.get((day, k))
        if cached is None:
            views = (self.view(u, day, k) for u in self.units)
            cached = [v for v in views if v is not None and v["exists"]]
            if len(self._existing) > 256:  # a handful of dates are asked again and again
                self._existing.clear()
            self._existing[(day, k)] = cached
        return cached

    def ended(self, day: date, k: int) -> list[dict[str, Any]]:
        """Units dissolved or merged on or before `day`: when, under which name, and the unit
        a merged one went into (with its name on that day)."""
        out = []
        for life in self.units.values():
            if life.position > k:
                continue
            ends = [(on, v) for on, pos, a, v in life.facts if a == "end" and pos <= k
                    and on <= day]
            if not ends:
                continue
            on, into = ends[-1]
            before = on - timedelta(days=1)
            into_id = UUID(into) if into else None
            last = self.view(life.unit_id, before, k) or {}
            out.append(dict(id=life.unit_id, code=life.code, name=last.get("name"),
                            ended_on=on, parent_id=last.get("parent_id"), into_id=into_id,
                            into_name=self.name(into_id, on, k) if into_id else None))
        return sorted(out, key=lambda u: (u["ended_on"], str(u["name"])), reverse=True)

    def name(self, unit_id: UUID, day: date, k: int) -> str | None:
        v = self.view(unit_id, day, k)
        return v["name"] if v else None

    def subtree(self, root: UUID, day: date, k: int) -> list[UUID]:
        children: dict[UUID, list[UUID]] = {}
        for v in self.existing(day, k):
            if v["parent_id"] is not None:
                children.setdefault(v["parent_id"], []).append(v["id"])
        out, seen, stack = [], set(), [root]
        while stack:
            node = stack.pop()
            if node in seen:  # a set: a province's subtree has thousands of units
                continue
            seen.add(node)
            out.append(node)
            stack.extend(children.get(node, []))
        return out


def title_version_on(title: Mapping[str, Any], day: date,
                     position: int | None = None) -> dict[str, Any]:
    """The version of a title (a row of `ReadModel.titles()`) in force on `day`, as recorded
    by log `position` (None: all that is on record): its tier and standards of that date."""
    chosen: dict[str, Any] = {"management_tier": title["management_tier"],
                              "standards": title.get("standards") or {}, "valid_from": None,
                              "source": None}
    for v in title.get("versions") or ():
        if position is not None and v.get("position", 0) > position:
            continue
        if v["valid_from"] is None or v["valid_from"] <= day:
            chosen = v  # in log order; each revision follows the one before (domain/title.py)
    return chosen


def tier_on(title: Mapping[str, Any], day: date, position: int | None = None) -> str:
    return str(title_version_on(title, day, position)["management_tier"])


class _ProfileStatements:
    """`ReadModel.profile`'s queries over one generation's tables, with the cadre (`cid`), the
    position (`k`) and the business date (`day`) as bound parameters: the same SQL as the
    other reads build per call (in_force, held_on), built once."""

    def __init__(self, t: ReadTables) -> None:
        # in_force and held_on take the bound parameters where a value goes.
        cid: Any = bindparam("cid")
        k_: Any = bindparam("k")
        day_: Any = bindparam("day")
        c, h, lv, pl, f = t.cadres, t.holdings, t.levels, t.plannings, t.facts
        self.identity = select(c).where(c.c.cadre_id == cid, in_force(c, k_))
        self.holdings = (select(h, c.c.full_name)
                         .join(c, and_(c.c.cadre_id == h.c.cadre_id, in_force(c, k_)))
                         .where(h.c.cadre_id == cid, in_force(h, k_), held_on(h, day_)))
        self.levels = select(lv.c.kind, lv.c.level, lv.c.rank).where(
            lv.c.cadre_id == cid, in_force(lv, k_), lv.c.obtained_on <= day_)
        self.planning = (select(pl).where(pl.c.cadre_id == cid, in_force(pl, k_),
                                          pl.c.decided_on <= day_,
                                          or_(pl.c.removed_on.is_(None), pl.c.removed_on > day_))
                         .order_by(pl.c.decided_on))
        self.facts = (select(f).where(f.c.cadre_id == cid, in_force(f, k_),
                                      f.c.effective_on <= day_)
                      .order_by(f.c.effective_on, f.c.entry_position))


class KeptConnection:
    """One DBAPI connection of the engine's pool, kept for the hot path's single-statement
    reads on SQLite (the request view, the kept profile answer): there a pool checkout and
    SQLAlchemy's execution context and result cost several times the indexed lookup they
    wrap. One caller at a time; a caller that finds it in use takes the ordinary path. Each
    statement reads what is committed when it runs (no transaction is left open)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._dbapi: Any = None

    def first(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        if self.engine.dialect.name != "sqlite" or not self._lock.acquire(blocking=False):
            with one_statement(self.engine) as conn:
                row = conn.exec_driver_sql(sql, params).first()
            return None if row is None else tuple(row)
        try:
            if self._dbapi is None:
                self._dbapi = self.engine.raw_connection()
            found: tuple[Any, ...] | None = self._dbapi.cursor().execute(sql, params).fetchone()
            return found
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._dbapi is not None:
                self._dbapi.close()  # back to the pool (closed with it on dispose)
                self._dbapi = None


class ReadModel:
    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self.engine = engine
        self.kept = KeptConnection(engine)
        self.clock = clock
        self._lock = threading.Lock()
        self._timeline: tuple[tuple[int, int], UnitTimeline] | None = None
        self._titles: tuple[tuple[int, int, int], dict[str, dict[str, Any]]] | None = None
        # (generation, position) at which the kept timeline / titles were last checked.
        self._checked: dict[str, tuple[int, int]] = {}
        # The profile's statements, built once per generation (bound parameters: no
        # statement construction nor cache-key computation per request).
        self._profile_sql: dict[int, _ProfileStatements] = {}
        self._pack = default_pack()

    # -- plumbing
    def tables(self) -> ReadTables:
        with self.engine.connect() as conn:
            return self._tables(conn)

    def _tables(self, conn: Connection) -> ReadTables:
        active = active_generation(conn)
        if active is None:
            raise RuntimeError("the read model has no active generation: run `hoso rebuild`")
        return read_tables(active[0])

    def applied_position(self) -> int:
        with self.engine.connect() as conn:
            active = active_generation(conn)
            return active[2] if active else 0

    def moment(self, as_of: date | None = None, known_at: datetime | None = None, *,
               applied: int | None = None, generation: int | None = None) -> Moment:
        """`applied`: the read side's position when the caller knows it (a request: the
        projector's, kept in memory), saving the query for it; `generation`: the active
        generation, likewise (kept in the moment for the queries that use it)."""
        day = as_of or self.clock.today()
        if applied is not None and known_at is None:
            return Moment(day, self.clock.now(), applied, generation)
        with self.engine.connect() as conn:
            if applied is None:
                active = active_generation(conn)
                applied = active[2] if active else 0
            if known_at is None:
                return Moment(day, self.clock.now(), applied)
            if known_at.tzinfo is None:
                known_at = known_at.replace(tzinfo=UTC)
            t = self._tables(conn)
            # Recorded time never decreases along the log, so the newest row by recorded_at
            # is the last position recorded by then.
            k = conn.execute(select(t.log.c.position)
                             .where(t.log.c.recorded_at <= known_at.astimezone(UTC))
                             .order_by(t.log.c.recorded_at.desc(), t.log.c.position.desc())
                             .limit(1)).scalar()
            return Moment(day, known_at.astimezone(UTC), min(int(k or 0), applied))

    def timeline(self) -> UnitTimeline:
        with self.engine.connect() as conn:
            return self._timeline_in(conn, self._tables(conn))

    def _timeline_in(self, conn: Connection, t: ReadTables, k: int | None = None) -> UnitTimeline:
        """The unit timeline, re-read when unit facts were added. `k`: the position the caller
        reads at; once the kept timeline was checked at that position of this generation it
        is not checked again (the facts up to `k` were all applied before `k` was read)."""
        with self._lock:
            if (k is not None and self._timeline is not None
                    and self._checked.get("timeline") == (t.generation, k)):
                return self._timeline[1]
        key = (t.generation, int(conn.execute(select(func.max(t.unit_facts.c.id))).scalar()
                                 or 0))
        with self._lock:
            if self._timeline is not None and self._timeline[0] == key:
                if k is not None:
                    self._checked["timeline"] = (t.generation, k)
                return self._timeline[1]
        timeline = UnitTimeline(conn.execute(select(t.units)).all(),
                                conn.execute(select(t.unit_facts)).all())
        with self._lock:
            self._timeline = (key, timeline)
            if k is not None:
                self._checked["timeline"] = (t.generation, k)
        return timeline

    def _title_map(self, conn: Connection, t: ReadTables,
                   k: int | None = None) -> dict[str, dict[str, Any]]:
        with self._lock:  # checked at this position of this generation already: as then
            if (k is not None and self._titles is not None
                    and self._checked.get("titles") == (t.generation, k)):
                return self._titles[1]
        key = (t.generation, int(conn.execute(select(func.count()).select_from(t.titles))
                                 .scalar() or 0),
               int(conn.execute(select(func.count()).select_from(t.title_versions))
                   .scalar() or 0))
        with self._lock:
            if self._titles is not None and self._titles[0] == key:
                if k is not None:
                    self._checked["titles"] = (t.generation, k)
                return self._titles[1]
        titles = {r["code"]: dict(r) | {"versions": []}
                  for r in conn.execute(select(t.titles)).mappings()}
        tv = t.title_versions
        for r in conn.execute(select(tv).order_by(tv.c.position)).mappings():
            if r["code"] in titles:
                titles[r["code"]]["versions"].append(dict(r))
        with self._lock:
            self._titles = (key, titles)
            if k is not None:
                self._checked["titles"] = (t.generation, k)
        return titles

    # -- units and titles
    def units(self, m: Moment) -> list[dict[str, Any]]:
        views = self.timeline().existing(m.as_of, m.position)
        return sorted(({k: v for k, v in u.items() if k != "exists"} for u in views),
                      key=lambda u: u["code"])

    def unit(self, unit_id: UUID, m: Moment) -> dict[str, Any] | None:
        return self.timeline().view(unit_id, m.as_of, m.position)

    def subtree(self, unit_id: UUID, m: Moment) -> list[UUID]:
        return self.timeline().subtree(unit_id, m.as_of, m.position)

    def ended_units(self, m: Moment) -> list[dict[str, Any]]:
        return self.timeline().ended(m.as_of, m.position)

    def titles(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            titles = self._title_map(conn, self._tables(conn))
        return [{k: v for k, v in row.items() if k != "position"}
                | {"standards": row["standards"] or {},
                   "versions": [{k: v for k, v in x.items() if k != "code"}
                                for x in row["versions"]]}
                for row in sorted(titles.values(), key=lambda r: (-r["rank"], r["code"]))]

    # -- holdings
    def _holding_rows(self, conn: Connection, t: ReadTables, m: Moment,
                      where: Any) -> list[dict[str, Any]]:
        h, c = t.holdings, t.cadres
        q: Select[Any] = (
            select(h, c.c.full_name)
            .join(c, and_(c.c.cadre_id == h.c.cadre_id, in_force(c, m.position)))
            .where(where, in_force(h, m.position), held_on(h, m.as_of))
        )
        return self._holdings_of(conn, t, m, conn.execute(q).mappings())

    def _holdings_of(self, conn: Connection, t: ReadTables, m: Moment,
                     rows: Iterable[Any]) -> list[dict[str, Any]]:
        titles = self._title_map(conn, t, m.position)
        timeline = self._timeline_in(conn, t, m.position)
        out = []
        for r in rows:
            title = titles.get(r["title_code"], {})
            out.append(dict(
                holding_id=r["holding_id"], cadre_id=r["cadre_id"], full_name=r["full_name"],
                unit_id=r["unit_id"], unit_name=timeline.name(r["unit_id"], m.as_of, m.position),
                title_code=r["title_code"], title_name=title.get("name", r["title_code"]),
                is_head=bool(title.get("is_head")), rank=title.get("rank", 0),
                kind=r["kind"], since=r["since"], until=r["until"],
                decision=r["decision"], special_case=r["special_case"],
                planned_end_on=r["planned_end_on"], position=r["appointed_position"]))
        out.sort(key=lambda x: (-x["rank"], x["since"], x["full_name"]))
        return out

    def roster(self, unit_id: UUID, m: Moment,
               include_subunits: bool = False) -> list[dict[str, Any]]:
        ids = self.subtree(unit_id, m) if include_subunits else [unit_id]
        with self.engine.connect() as conn:
            t = self._tables(conn)
            return self._holding_rows(conn, t, m, t.holdings.c.unit_id.in_(ids))

    def vacant_head_posts(self, unit_id: UUID, m: Moment) -> list[str]:
        """Head titles held in this unit at some time before, empty on as_of."""
        with self.engine.connect() as conn:
            t = self._tables(conn)
            h = t.holdings
            titles = self._title_map(conn, t)
            ever = {code for (code,) in conn.execute(
                select(h.c.title_code).distinct().where(
                    h.c.unit_id == unit_id, in_force(h, m.position),
                    h.c.since <= m.as_of))}
            now = {r["title_code"] for r in self._holding_rows(conn, t, m,
                                                               h.c.unit_id == unit_id)}
        return sorted(c for c in ever - now if titles.get(c, {}).get("is_head"))

    # -- cadres
    def _identity(self, conn: Connection, t: ReadTables, cadre_id: UUID,
                  k: int) -> dict[str, Any] | None:
        c = t.cadres
        row = conn.execute(select(c).where(c.c.cadre_id == cadre_id, in_force(c, k))
                           ).mappings().first()
        return dict(row) if row else None

    def cadres(self, m: Moment, q: str | None = None, unit_id: UUID | None = None,
               limit: int = 50, offset: int = 0, *, gender: str | None = None,
               party_member: bool | None = None, sort: str = "name",
               more: CadreFilter | None = None) -> list[dict[str, Any]]:
        """Cadres in force at `m` by name (diacritics folded), within a unit's subtree (holding
        a post there on `as_of`), of a gender or party membership; sorted by name (default) or
        birth date."""
        with self.engine.connect() as conn:
            t = self._tables(conn)
            c = t.cadres
            query = self._cadre_filter(t, select(c.c.cadre_id, c.c.full_name, c.c.gender,
                                                  c.c.born_on), m, q, unit_id, gender,
                                       party_member, more)
            order = (c.c.born_on, c.c.name_folded) if sort == "born_on" else (c.c.name_folded,)
            query = query.order_by(*order, c.c.cadre_id).limit(limit).offset(offset)
            return [dict(id=r.cadre_id, full_name=r.full_name, gender=r.gender,
                         born_on=r.born_on) for r in conn.execute(query)]

    def count_cadres(self, m: Moment, q: str | None = None, unit_id: UUID | None = None, *,
                     gender: str | None = None, party_member: bool | None = None,
                     more: CadreFilter | None = None) -> int:
        """How many `cadres` would list without a page limit."""
        with self.engine.connect() as conn:
            t = self._tables(conn)
            query = self._cadre_filter(t, select(func.count()).select_from(t.cadres), m, q,
                                       unit_id, gender, party_member, more)
            return int(conn.execute(query).scalar() or 0)

    def _cadre_filter(self, t: ReadTables, query: Any, m: Moment, q: str | None,
                      unit_id: UUID | None, gender: str | None,
                      party_member: bool | None, more: CadreFilter | None = None) -> Any:
        c = t.cadres
        query = query.where(in_force(c, m.position))
        if more is not None:
            query = self._more_filters(t, query, m, more)
        if q and fold(q).strip():
            for word in fold(q).split():
                query = query.where(c.c.name_folded.contains(word, autoescape=True))
        if gender:
            query = query.where(c.c.gender == gender)
        if party_member is not None:
            joined = and_(c.c.party_joined_on.is_not(None), c.c.party_joined_on <= m.as_of)
            query = query.where(joined if party_member else ~joined)
        if unit_id is not None:
            h = t.holdings
            ids = self.subtree(unit_id, m)
            query = query.where(c.c.cadre_id.in_(
                select(h.c.cadre_id).where(h.c.unit_id.in_(ids), in_force(h, m.position),
                                           held_on(h, m.as_of))))
        return query

    def _more_filters(self, t: ReadTables, query: Any, m: Moment, more: CadreFilter) -> Any:
        c, k = t.cadres, m.position
        if more.born_after is not None:
            query = query.where(c.c.born_on > more.born_after)
        if more.born_by is not None:
            query = query.where(c.c.born_on <= more.born_by)
        if more.level is not None:
            lv = t.levels
            kind, level = more.level
            query = query.where(c.c.cadre_id.in_(select(lv.c.cadre_id).where(
                lv.c.kind == kind, lv.c.level == level, in_force(lv, k),
                lv.c.obtained_on <= m.as_of)))
        if more.tier is not None:
            h, ti = t.holdings, t.titles
            query = query.where(c.c.cadre_id.in_(select(h.c.cadre_id).where(
                in_force(h, k), held_on(h, m.as_of), h.c.title_code.in_(
                    select(ti.c.code).where(ti.c.management_tier == more.tier)))))
        if more.job_position_id is not None:
            f, later = t.facts, t.facts.alias("later")
            # The employment in force on as_of: the latest one that began by then.
            query = query.where(c.c.cadre_id.in_(select(f.c.cadre_id).where(
                f.c.kind == "employment", in_force(f, k), f.c.effective_on <= m.as_of,
                f.c.payload["job_position_id"].as_string() == str(more.job_position_id),
                ~select(later.c.id).where(
                    later.c.cadre_id == f.c.cadre_id, later.c.kind == "employment",
                    in_force(later, k), later.c.effective_on > f.c.effective_on,
                    later.c.effective_on <= m.as_of).exists())))
        return query

    def current_posts(self, cadre_ids: list[UUID], m: Moment) -> dict[UUID, dict[str, Any]]:
        """Each cadre's most senior post held on `as_of` (title and unit names), for a list."""
        if not cadre_ids:
            return {}
        with self.engine.connect() as conn:
            t = self._tables(conn)
            rows = self._holding_rows(conn, t, m, t.holdings.c.cadre_id.in_(cadre_ids))
        found: dict[UUID, dict[str, Any]] = {}
        for row in rows:  # most senior first
            found.setdefault(row["cadre_id"], row)
        return found

    def people_like(self, *, national_id: str | None, full_name: str,
                    born_on: date) -> tuple[list[UUID], list[UUID]]:
        """Cadres on record now (latest knowledge) with this national ID, and those with the
        same folded name and birth date: (same person, probably the same person)."""
        with self.engine.connect() as conn:
            c = self._tables(conn).cadres
            current = c.c.rec_to.is_(None)
            same_id = [] if not national_id else list(dict.fromkeys(conn.execute(
                select(c.c.cadre_id).where(current, c.c.sensitive["national_id"].as_string()
                                           == national_id)).scalars()))
            namesakes = list(dict.fromkeys(conn.execute(select(c.c.cadre_id).where(
                current, c.c.name_folded == fold(full_name), c.c.born_on == born_on)).scalars()))
        return same_id, namesakes

    def registered_by(self, cadre_id: UUID) -> str | None:
        with self.engine.connect() as conn:
            t = self._tables(conn)
            c = t.cadres
            return conn.execute(select(c.c.registered_by).where(c.c.cadre_id == cadre_id)
                                .limit(1)).scalar()

    def cadre_ids(self) -> list[UUID]:
        """Every cadre the record has ever held (a whole-log export is a read of each)."""
        with self.engine.connect() as conn:
            c = self._tables(conn).cadres
            return sorted(conn.execute(select(c.c.cadre_id).distinct()).scalars())

    def cadre_unit_ids(self, cadre_id: UUID, m: Moment) -> set[UUID]:
        with self.engine.connect() as conn:
            t = self._tables(conn)
            h = t.holdings
            return {u for (u,) in conn.execute(select(h.c.unit_id).where(
                h.c.cadre_id == cadre_id, in_force(h, m.position),
                held_on(h, m.as_of)))}

    def kept_profile(self, cadre_id: UUID, m: Moment) -> bytes | None:
        """The profile answer a reader built at this very moment's position and date, kept
        in the store (projections/profile_documents.py), or None."""
        if m.generation is None:
            return None
        if self.engine.dialect.name == "sqlite":
            return profile_documents.find_sqlite(self.kept, cadre_id, m.as_of, m.generation,
                                                 m.position)
        with one_statement(self.engine) as conn:
            return profile_documents.find(conn, cadre_id, m.as_of, m.generation, m.position)

    def profile(self, cadre_id: UUID, m: Moment) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            t = self._tables(conn) if m.generation is None else read_tables(m.generation)
            sql = self._profile_sql.get(t.generation)
            if sql is None:
                sql = self._profile_sql[t.generation] = _ProfileStatements(t)
            k, day = m.position, m.as_of
            args = {"cid": cadre_id, "k": k, "day": day}
            found = conn.execute(sql.identity, args).mappings().first()
            if found is None:
                return None
            ident = dict(found)
            holdings = self._holdings_of(conn, t, m, conn.execute(sql.holdings, args).mappings())
            levels: dict[str, tuple[int, str]] = {}
            for r in conn.execute(sql.levels, args):
                if r.kind not in levels or r.rank > levels[r.kind][0]:
                    levels[r.kind] = (r.rank, r.level)
            planning = [dict(planning_id=r.planning_id, unit_id=r.unit_id,
                             title_code=r.title_code, term=r.term, decided_on=r.decided_on,
                             decision=r.decision)
                        for r in conn.execute(sql.planning, args)]
            facts: list[Any] = list(conn.execute(sql.facts, args).mappings())
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for r in facts:
            item = dict(r["payload"] or {}) | dict(kind=r["kind"], code=r["code"],
                                                   period=r["period"],
                                                   effective_on=r["effective_on"],
                                                   position=r["entry_position"])
            by_kind.setdefault(r["kind"], []).append(item)
        active = [d for d in by_kind.get("discipline", []) if self._barred_until(d) > day]
        for s in by_kind.get("suspension", []):
            s["active"] = s["effective_on"] <= day <= date.fromisoformat(str(s["until"]))
        for d in active:
            d["bar_until"] = self._barred_until(d)
        sensitive = ident["sensitive"] or {}
        return dict(
            id=cadre_id, full_name=ident["full_name"], gender=ident["gender"],
            born_on=ident["born_on"], party_joined_on=ident["party_joined_on"],
            ethnicity=sensitive.get("ethnicity"), religion=sensitive.get("religion"),
            hometown=sensitive.get("hometown"), national_id=sensitive.get("national_id"),
            registered_by=ident["registered_by"], holdings=holdings,
            political_theory=levels.get("political_theory", (0, None))[1],
            state_management=levels.get("state_management", (0, None))[1],
            education=levels.get("education", (0, None))[1],
            languages=[], planning=planning, active_disciplines=active,
            evaluations=by_kind.get("evaluation", []), trainings=by_kind.get("training", []),
            vettings=by_kind.get("vetting", []), nominations=by_kind.get("nomination", []),
            relatives=by_kind.get("relative", []),
            commendations=by_kind.get("commendation", []),
            suspensions=by_kind.get("suspension", []),
            employments=by_kind.get("employment", []),
            employment=next(reversed(by_kind.get("employment", [])), None))

    def _barred_until(self, discipline: dict[str, Any]) -> date:
        on: date = discipline["effective_on"]
        # The state's bar for a state discipline, else the party's (recorded or not).
        track = "nha_nuoc" if discipline.get("system") == "chinh_quyen" else "dang"
        version = self._pack.version_for("discipline_bar", on, track)
        months = 12
        if version is not None:
            months = int(version.params.get(str(discipline["code"]), 60))
        return add_months(on, months)

    def record(self, cadre_id: UUID, m: Moment) -> list[dict[str, Any]] | None:
        with self.engine.connect() as conn:
            t = self._tables(conn)
            if self._identity(conn, t, cadre_id, m.position) is None:
                return None
            e = t.entries
            rows = conn.execute(select(e).where(
                e.c.cadre_id == cadre_id, e.c.position <= m.position,
                e.c.effective_on <= m.as_of).order_by(e.c.position)).mappings().all()
        out = []
        for r in rows:
            superseded = r["superseded_at"] is not None and r["superseded_at"] <= m.position
            out.append(dict(
                position=r["position"], type=r["type"], effective_on=r["effective_on"],
                recorded_at=_utc(r["recorded_at"]), recorded_by=r["recorded_by"],
                decision=r["decision"], summary=r["summary"],
                status=r["superseded_how"] if superseded else "in_force",
                corrected_by=r["superseded_at"] if superseded else None,
                corrects=r["target_position"]))
        return out

    def entry_owners(self, positions: Iterable[int]) -> dict[int, UUID]:
        """Whose record each log position is an entry of (a finding's evidence may sit in
        another cadre's record: a relative's post, the holder of a seat)."""
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            e = self._tables(conn).entries
            return {int(r.position): r.cadre_id for r in conn.execute(
                select(e.c.position, e.c.cadre_id).where(e.c.position.in_(wanted)))}

    # -- audit
    def audit_log(self, cadre_id: UUID | None = None, actor: str | None = None,
                  from_: datetime | None = None, to: datetime | None = None,
                  limit: int = 500) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            t = self._tables(conn)
            lg = t.log
            q = select(lg)
            if cadre_id is not None:
                q = q.where(lg.c.cadre_id == cadre_id)
            if actor:
                q = q.where(lg.c.recorded_by == actor)
            if from_ is not None:
                q = q.where(lg.c.recorded_at >= _as_utc(from_))
            if to is not None:
                q = q.where(lg.c.recorded_at <= _as_utc(to))
            q = q.order_by(lg.c.position.desc()).limit(limit)
            return [dict(position=r.position, recorded_at=_utc(r.recorded_at),
                         recorded_by=r.recorded_by, type=r.type,
                         originator_id=r.originator_id, cadre_id=r.cadre_id)
                    for r in conn.execute(q)]


def _as_utc(instant: datetime) -> datetime:
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).astimezone(UTC)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns: they were stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
