"""The cadre-quality report's counts kept by unit and date (issue 19).

`reports.cadre_quality` for the record as it stands (`known_at` now) reads, for each unit, the
latest row of `quality_counts` dated on or before `as_of`: the report's columns (the flat keys
of `reports.Tally.flat`: `total`, `female`, `grade.cv`, `age_band.31_40`, …) counted over the
cadres whose most senior post that day is in that unit. The cost follows the units the report
returns (one indexed look-up each), not the cadres it counts.

What a cadre adds is a step function of the business date: it changes only on the days a post
begins or ends, a level is obtained, an employment takes effect, the cadre joins the party, has
a birthday that changes their age band or the under-35 column, or reaches the retirement age.
`segments` evaluates `reports.quality_profile` on each of those days (so the counts are the
per-person tally's, exactly) and merges the days that change nothing.

Upkeep: the runner of the active generation reads the segments of the cadres a batch touches
before it writes the batch's rows and again after, and adds the difference to the counts of
the units concerned, from the earliest day it changes (corrections backdate: every later row
of that unit is rewritten). A rebuild skips this while it fills its generation and counts every
cadre once, in the transaction that makes the generation active (`build`). Either way the rows
are the same: one per day on which a unit's counts change.

The counts describe the current knowledge only: a report for a `known_at` whose position is
not the generation's takes the SQL path (`reports._quality_groups`), which reads the
bitemporal rows. So does a report scoped by tier. A report scoped to a unit's subtree adds the
subtree's units and then counts again, through the SQL path, the few cadres holding posts in
two units or more that day (`quality_multi`): their most senior post in scope may not be their
most senior post.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, delete, insert, select

from domain.rules.retirement import retirement_age_reached_on
from projections.tables import ReadTables, generations

Metrics = dict[str, int]
# (unit, first day, day after the last or None, the columns this cadre counts in)
Segment = tuple[UUID, date, date | None, tuple[str, ...]]
BIRTHDAYS = (31, 35, 41, 51, 61)  # ages at which a band or the under-35 column changes
CHUNK = 500


@dataclass
class Person:
    """What the quality report reads of one cadre: rows in force now."""

    identity: dict[str, Any] | None = None
    holdings: list[tuple[UUID, str, date, date | None]] | None = None
    levels: list[tuple[str, str, int, date]] | None = None
    employments: list[tuple[date, int, str]] | None = None


def metric_keys(profile: Any) -> tuple[str, ...]:
    """The flat columns one cadre counts in (`reports.Tally.flat`'s keys, value 1 each)."""
    from projections.reports import BREAKDOWN_LEVELS, NOT_RECORDED  # (it imports this module)

    keys = ["total"]
    for flag, name in ((profile.female, "female"), (profile.under_35, "under_35"),
                       (profile.party_member, "party_members"),
                       (profile.ethnic_minority, "ethnic_minority"),
                       (profile.religious, "religious"), (profile.it, "it"),
                       (profile.languages, "languages")):
        if flag:
            keys.append(name)
    for kind in BREAKDOWN_LEVELS:
        keys.append(f"{kind}.{profile.levels.get(kind) or NOT_RECORDED}")
    keys.append(f"age_band.{profile.age_band}")
    return tuple(keys)


def _birthday(born: date, age: int) -> Iterable[date]:
    try:
        yield date(born.year + age, born.month, born.day)
    except ValueError:  # born on 29 February: both days around it, the profile decides
        yield date(born.year + age, 2, 28)
        yield date(born.year + age, 3, 1)


def segments(person: Person, ranks: Mapping[str, int]) -> list[Segment]:
    """The cadre's contribution to the counts, as dated spans (empty: never counted)."""
    from projections.employment_reports import GRADE_BUCKETS
    from projections.reports import quality_profile

    identity, holdings = person.identity, person.holdings or []
    if identity is None or not holdings:
        return []
    born: date = identity["born_on"]
    levels = person.levels or []
    employments = sorted(person.employments or [])
    days = {since for _, _, since, _ in holdings}
    days |= {until for _, _, _, until in holdings if until is not None}
    days |= {on for *_, on in levels}
    days |= {on for on, _, _ in employments}
    if identity.get("party_joined_on") is not None:
        days.add(identity["party_joined_on"])
    for age in BIRTHDAYS:
        days.update(_birthday(born, age))
    reached = retirement_age_reached_on(born, identity["gender"])
    days.add(reached)
    first = min(since for _, _, since, _ in holdings)
    out: list[Segment] = []
    current: tuple[UUID, tuple[str, ...]] | None = None
    start = first
    for day in sorted(d for d in days if d >= first):
        posts = [h for h in holdings if h[2] <= day and (h[3] is None or h[3] > day)]
        now: tuple[UUID, tuple[str, ...]] | None = None
        if posts:
            unit = min(posts, key=lambda h: (-int(ranks.get(h[1], 0)), h[2], str(h[0]),
                                             h[1]))[0]
            held = [(kind, level, rank) for kind, level, rank, on in levels if on <= day]
            employed = [code for on, _, code in employments if on <= day]
            if employed:  # BM01's ngạch from the employment record in force that day
                grade = GRADE_BUCKETS.get(str(employed[-1]), str(employed[-1]))
                held = [*(x for x in held if x[0] != "grade"), ("grade", grade, 0)]
            now = (unit, metric_keys(quality_profile(identity, held, day, reached)))
        if now != current:
            if current is not None:
                out.append((current[0], start, day, current[1]))
            current, start = now, day
    if current is not None:
        out.append((current[0], start, None, current[1]))
    return out


def multi_spans(person: Person) -> list[tuple[date, date | None, str]]:
    """The days the cadre holds posts in two units or more, with those units (comma-joined,
    sorted; a new span wherever the set changes)."""
    holdings = person.holdings or []
    if person.identity is None or len({h[0] for h in holdings}) < 2:
        return []
    days = sorted({h[2] for h in holdings} | {h[3] for h in holdings if h[3] is not None})
    out: list[tuple[date, date | None, str]] = []
    current, start = "", days[0]
    for day in days:
        units = sorted({str(h[0]) for h in holdings
                        if h[2] <= day and (h[3] is None or h[3] > day)})
        now = ",".join(units) if len(units) > 1 else ""
        if now != current:
            if current:
                out.append((start, day, current))
            current, start = now, day
    if current:
        out.append((start, None, current))
    return out


# --- reading the rows in force ---------------------------------------------------------------


def _ranks(conn: Connection, t: ReadTables) -> dict[str, int]:
    return {code: int(rank or 0) for code, rank in conn.execute(
        select(t.titles.c.code, t.titles.c.rank))}


def people(conn: Connection, t: ReadTables, cadre_ids: Iterable[UUID] | None) -> dict[UUID,
                                                                                      Person]:
    """The rows in force now (`rec_to` NULL) of these cadres (None: every cadre)."""
    found: dict[UUID, Person] = defaultdict(Person)
    chunks: list[list[UUID] | None] = [None]
    if cadre_ids is not None:
        ids = sorted(set(cadre_ids), key=str)
        chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    c, h, lv, f = t.cadres, t.holdings, t.levels, t.facts
    for chunk in chunks:
        def only(table: Any, chunk: list[UUID] | None = chunk) -> list[Any]:
            return [table.c.rec_to.is_(None),
                    *([] if chunk is None else [table.c.cadre_id.in_(chunk)])]

        for r in conn.execute(select(c.c.cadre_id, c.c.gender, c.c.born_on,
                                     c.c.party_joined_on, c.c.sensitive).where(*only(c))):
            found[r[0]].identity = {"gender": r[1], "born_on": r[2], "party_joined_on": r[3],
                                    "sensitive": r[4]}
        for r in conn.execute(select(h.c.cadre_id, h.c.unit_id, h.c.title_code, h.c.since,
                                     h.c.until).where(*only(h))):
            _list(found[r[0]], "holdings").append((r[1], r[2], r[3], r[4]))
        for r in conn.execute(select(lv.c.cadre_id, lv.c.kind, lv.c.level, lv.c.rank,
                                     lv.c.obtained_on).where(*only(lv),
                                                             lv.c.obtained_on.is_not(None))):
            _list(found[r[0]], "levels").append((r[1], r[2], int(r[3]), r[4]))
        for e in conn.execute(select(f.c.cadre_id, f.c.effective_on, f.c.entry_position,
                                     f.c.code).where(*only(f), f.c.kind == "employment",
                                                     f.c.effective_on.is_not(None))):
            _list(found[e[0]], "employments").append((e[1], int(e[2]), str(e[3])))
    return dict(found)


def _list(person: Person, name: str) -> list[Any]:
    found: list[Any] | None = getattr(person, name)
    if found is None:
        found = []
        setattr(person, name, found)
    return found


# --- the counts ------------------------------------------------------------------------------

Deltas = dict[UUID, dict[date, Metrics]]


def _add(deltas: Deltas, spans: Iterable[Segment], sign: int) -> None:
    for unit, since, until, keys in spans:
        for day, s in ((since, sign), (until, -sign)):
            if day is None:
                continue
            at = deltas.setdefault(unit, {}).setdefault(day, {})
            for key in keys:
                at[key] = at.get(key, 0) + s


def _encode(metrics: Mapping[str, int]) -> str:
    return orjson.dumps({k: v for k, v in metrics.items() if v},
                        option=orjson.OPT_SORT_KEYS).decode()


def _apply(conn: Connection, t: ReadTables, deltas: Deltas) -> None:
    """Add dated changes to each unit's counts: rewrite its rows from the earliest one."""
    q = t.quality["quality_counts"]
    inserts: list[dict[str, Any]] = []
    for unit, changes in deltas.items():
        changes = {day: d for day, d in changes.items() if any(d.values())}
        if not changes:
            continue
        first = min(changes)
        before = conn.execute(select(q.c.counts).where(q.c.unit_id == unit, q.c.since < first)
                              .order_by(q.c.since.desc()).limit(1)).scalar()
        base: Metrics = orjson.loads(before) if before is not None else {}
        old = {day: orjson.loads(text) for day, text in conn.execute(
            select(q.c.since, q.c.counts).where(q.c.unit_id == unit, q.c.since >= first))}
        if old:
            conn.execute(delete(q).where(q.c.unit_id == unit, q.c.since >= first))
        was, shift, last = base, dict[str, int](), base
        for day in sorted(set(old) | set(changes)):
            was = old.get(day, was)
            for key, n in changes.get(day, {}).items():
                shift[key] = shift.get(key, 0) + n
            now = {k: v for k in set(was) | set(shift) if (v := was.get(k, 0) + shift.get(k, 0))}
            if any(v < 0 for v in now.values()):
                raise AssertionError(f"quality counts below zero: {unit} {day}")
            if now != last:
                inserts.append({"unit_id": unit, "since": day, "counts": _encode(now)})
                last = now
    if inserts:
        conn.execute(insert(q), inserts)


def _write_multi(conn: Connection, t: ReadTables, found: Mapping[UUID, Person],
                 replace: Iterable[UUID] | None) -> None:
    m = t.quality["quality_multi"]
    if replace is not None:
        ids = sorted(set(replace), key=str)
        for i in range(0, len(ids), CHUNK):
            conn.execute(delete(m).where(m.c.cadre_id.in_(ids[i:i + CHUNK])))
    rows = [{"cadre_id": cadre_id, "since": since, "until": until, "units": units}
            for cadre_id, person in found.items()
            for since, until, units in multi_spans(person)]
    if rows:
        conn.execute(insert(m), rows)


def build(conn: Connection, t: ReadTables) -> None:
    """Count every cadre (a rebuild, in the transaction that activates its generation)."""
    ranks = _ranks(conn, t)
    found = people(conn, t, None)
    deltas: Deltas = {}
    for person in found.values():
        _add(deltas, segments(person, ranks), 1)
    _apply(conn, t, deltas)
    _write_multi(conn, t, found, None)


class Upkeep:
    """One batch's change to the counts: `begin` before its rows are written, `finish` after."""

    def __init__(self, conn: Connection, t: ReadTables, cadre_ids: Iterable[UUID]) -> None:
        self.t, self.ids = t, sorted(set(cadre_ids), key=str)
        self.ranks = _ranks(conn, t) if self.ids else {}
        self.before = people(conn, t, self.ids) if self.ids else {}

    def finish(self, conn: Connection) -> None:
        if not self.ids:
            return
        ranks = _ranks(conn, self.t)  # the batch may have registered titles
        after = people(conn, self.t, self.ids)
        deltas: Deltas = {}
        for cadre_id in self.ids:
            was = segments(self.before.get(cadre_id, Person()), self.ranks)
            now = segments(after.get(cadre_id, Person()), ranks)
            if was != now:
                _add(deltas, was, -1)
                _add(deltas, now, 1)
        _apply(conn, self.t, deltas)
        _write_multi(conn, self.t, after, self.ids)


def is_building(conn: Connection, generation: int) -> bool:
    state = conn.execute(select(generations.c.state)
                         .where(generations.c.generation == generation)).scalar()
    return state == "building"


# --- reading the counts ----------------------------------------------------------------------


def counts_on(conn: Connection, t: ReadTables, as_of: date,
              position: int) -> dict[UUID, Metrics] | None:
    """Each unit's counts on `as_of` (units without cadres left out), or None when the counts
    do not describe log position `position` (the generation is elsewhere: the SQL path)."""
    q, u = t.quality["quality_counts"], t.units
    latest = (select(q.c.counts).where(q.c.unit_id == u.c.unit_id, q.c.since <= as_of)
              .order_by(q.c.since.desc()).limit(1).scalar_subquery())
    at = (select(generations.c.position).where(generations.c.generation == t.generation)
          .scalar_subquery())
    # One statement, one snapshot: the counts and the position they describe.
    rows = conn.execute(select(u.c.unit_id, latest, at)).all()
    if not rows or rows[0][2] != position:
        return None
    out: dict[UUID, Metrics] = {}
    for unit, text, _ in rows:
        if text is not None:
            metrics: Metrics = orjson.loads(text)
            if metrics.get("total"):
                out[unit] = metrics
    return out


def multi_on(conn: Connection, t: ReadTables, as_of: date) -> dict[UUID, frozenset[UUID]]:
    """The cadres holding posts in two units or more on `as_of`, and those units."""
    m = t.quality["quality_multi"]
    return {cadre_id: frozenset(UUID(u) for u in units.split(","))
            for cadre_id, units in conn.execute(
                select(m.c.cadre_id, m.c.units).where(
                    m.c.since <= as_of, (m.c.until.is_(None)) | (m.c.until > as_of)))}


def position_of(conn: Connection, t: ReadTables) -> int | None:
    """The log position the generation's tables (and so its counts) describe."""
    found = conn.execute(select(generations.c.position)
                         .where(generations.c.generation == t.generation)).scalar()
    return None if found is None else int(found)
