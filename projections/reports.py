"""Reports for any past date as known at any moment (seed 000 sections I and III, biểu BM01).

Each report answers one question for one `Moment`: the business date (`as_of`) fixes the unit
tree, who holds what and everyone's age; the log position (`position`, from `known_at`) fixes
what the record said. Rows are read from the indexed read-model tables, never by replaying the
log. A report is a canonical body (the question and its figures) plus `digest`, the SHA-256 of
that body's canonical JSON; `known_at` and `position` ride beside it, outside the digest, so the
same question asked later (with the same `known_at`) yields the same body and the same digest
whatever was recorded since, corrections included.

Scope: `tier` keeps cadres holding a title of that management tier (diện quản lý) and
`unit_id` keeps holdings in that unit's subtree (the tree of `as_of`); both together keep
holdings that satisfy both. Period reports (training, vetting) keep cadres in scope at any time
during the range; evaluations keep cadres in scope on the last day of the period evaluated.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

import orjson
from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from domain.calendar import EARLIEST_YEAR, LATEST_YEAR, QUARTERLY_FROM, period_first_and_last
from domain.errors import InvalidCommand, NotFound
from domain.rules.retirement import retirement_age_reached_on
from domain.values import (
    EDUCATION_ORDER,
    GRADE_ORDER,
    NOMINATION_KIND,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    ActionKind,
    EndingReason,
    Rating,
    age_on,
    fold,
)
from projections import quality_counts
from projections.bitemporal import held_during, held_on, in_force
from projections.read_model import Moment, UnitTimeline, tier_on
from projections.runner import active_generation
from projections.tables import ReadTables, read_tables

EMPLOYMENT_RANK = 1000  # the employment record's grade outranks a qualification's
REPORT_VERSION = 1  # part of every body: a change of method changes digests visibly
NOT_RECORDED = "chua_co"  # breakdown bucket of cadres without a level of that kind
UNDER_35 = 35

# Breakdown buckets, most senior first (the order of the ministry's table).
POLITICAL_THEORY_LEVELS = sorted(POLITICAL_THEORY_ORDER, key=lambda k: -POLITICAL_THEORY_ORDER[k])
STATE_MANAGEMENT_LEVELS = sorted(STATE_MANAGEMENT_ORDER,
                                 key=lambda k: -STATE_MANAGEMENT_ORDER[k])
EDUCATION_LEVELS = sorted(EDUCATION_ORDER, key=lambda k: -EDUCATION_ORDER[k])
# Ngạch công chức: qualifications of kind "grade" (POST ./qualifications) fill these buckets;
# a cadre without one shows under NOT_RECORDED.
GRADE_LEVELS = sorted(GRADE_ORDER, key=lambda k: -GRADE_ORDER[k])
BREAKDOWN_LEVELS: dict[str, tuple[str, ...]] = {
    "grade": tuple(str(x) for x in GRADE_LEVELS),
    "education": tuple(str(x) for x in EDUCATION_LEVELS),
    "political_theory": tuple(str(x) for x in POLITICAL_THEORY_LEVELS),
    "state_management": tuple(str(x) for x in STATE_MANAGEMENT_LEVELS),
}
# Age bands: a partition. Reaching the retirement age (Labour Code 2019 schedule) takes
# precedence; men over 60 below it (the age rises to 62 by 2028) get their own band.
AGE_BANDS = ("den_30", "31_40", "41_50", "51_60", "tren_60", "qua_tuoi_nghi_huu")
RATINGS = tuple(str(r) for r in Rating)
ACTION_KINDS = (*(str(k) for k in ActionKind), NOMINATION_KIND)
ENDING_REASONS = tuple(str(r) for r in EndingReason)
NO_RELIGION = frozenset({"", "khong", "khong co", "khong ton giao"})
MAJORITY_ETHNICITY = "kinh"


class ReportSource(Protocol):
    """What the reports read: the lead's `ReadModel` (engine, tables, titles, unit tree)."""

    @property
    def engine(self) -> Any: ...

    def tables(self) -> ReadTables: ...

    def titles(self) -> list[dict[str, Any]]: ...

    def subtree(self, unit_id: UUID, m: Moment) -> list[UUID]: ...

    def unit(self, unit_id: UUID, m: Moment) -> dict[str, Any] | None: ...

    def timeline(self) -> UnitTimeline: ...


@lru_cache(maxsize=4)
def _tables_of(generation: int) -> ReadTables:
    return read_tables(generation)


def tables_of(model: ReportSource) -> ReadTables:
    """The active generation's tables (their SQLAlchemy metadata built once per generation)."""
    with model.engine.connect() as conn:
        active = active_generation(conn)
    return _tables_of(active[0]) if active is not None else model.tables()


# --- canonical form and digest ----------------------------------------------------------------


def canonical_json(body: Mapping[str, Any]) -> bytes:
    """One byte string per body: keys sorted, no spaces, UTF-8, dates ISO, ids as text."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def digest_of(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def finish(body: dict[str, Any], m: Moment) -> dict[str, Any]:
    """The report as served: its body (as plain JSON), the body's digest, and the moment."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(body))  # served in the body's order
    return {**plain, "digest": digest_of(plain), "known_at": m.known_at.isoformat(),
            "position": m.position}


def body_of(report: Mapping[str, Any]) -> dict[str, Any]:
    """The digested part of a served report (to check a digest again)."""
    return {k: v for k, v in report.items() if k not in ("digest", "known_at", "position")}


def percent(count: int, total: int) -> float | None:
    """Share of `total`, in percent with one decimal, rounded half up exactly (111/125 → 88.8)."""
    if total <= 0:
        return None
    exact = Decimal(count * 100) / Decimal(total)  # 28 significant digits: ample for tenths
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- periods ---------------------------------------------------------------------------------


def period_days(period: str) -> tuple[date, date]:
    """First and last day (both included) of an evaluation period `YYYY` or `YYYY-Qn`."""
    return period_first_and_last(normal_period(period))


def normal_period(period: str) -> str:
    return period.strip().upper()


def month_days(month: str) -> tuple[date, date]:
    """First and last day of a month `YYYY-MM`."""
    try:
        year, number = (int(x) for x in month.strip().split("-"))
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise ValueError(month)
        first = date(year, number, 1)
    except ValueError:
        raise InvalidCommand(f"Tháng '{month}' không hợp lệ; dùng YYYY-MM (month must be "
                             "YYYY-MM)", code="invalid_month", field="month") from None
    after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def _check_range(from_: date, to: date) -> None:
    if from_ > to:
        raise InvalidCommand("Ngày bắt đầu sau ngày kết thúc (from is after to)",
                             code="invalid_range", field="from")


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which holdings count: titles of a tier, units of a subtree (None: no restriction)."""

    tier: str | None
    unit_id: UUID | None
    unit_name: str | None
    title_codes: frozenset[str] | None
    unit_ids: frozenset[UUID] | None

    def describe(self) -> dict[str, Any]:
        return {"tier": self.tier, "unit_id": self.unit_id, "unit_name": self.unit_name}

    def holding_filter(self, h: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.title_codes is not None:
            where.append(h.c.title_code.in_(sorted(self.title_codes)))
        if self.unit_ids is not None:
            where.append(h.c.unit_id.in_(sorted(self.unit_ids, key=str)))
        return where

    @property
    def restricted(self) -> bool:
        return self.title_codes is not None or self.unit_ids is not None


def scope_for(model: ReportSource, m: Moment, tier: str | None, unit_id: UUID | None,
              also_on: Sequence[date] = ()) -> Scope:
    """Resolve tier and unit; `also_on` adds the subtree of other dates (a range's start)."""
    codes: frozenset[str] | None = None
    if tier:
        # The tier in force on as_of (titles' tiers are dated versions, issue 16).
        titles = model.titles()
        codes = frozenset(t["code"] for t in titles if tier_on(t, m.as_of, m.position) == tier)
        known = {t["management_tier"] for t in titles} | {
            v["management_tier"] for t in titles for v in t.get("versions") or ()}
        if tier not in known:
            raise InvalidCommand(f"Không có chức danh nào thuộc diện quản lý '{tier}' (unknown "
                                 "management tier)", code="unknown_tier", field="tier")
    ids: frozenset[UUID] | None = None
    name: str | None = None
    if unit_id is not None:
        unit = model.unit(unit_id, m)
        if unit is None:
            raise NotFound(f"Không tìm thấy đơn vị {unit_id} (unknown unit)",
                           code="unit_not_found", field="unit_id")
        name = unit["name"]
        found = set(model.subtree(unit_id, m))
        for day in also_on:
            found |= set(model.subtree(unit_id, Moment(day, m.known_at, m.position)))
        ids = frozenset(found)
    return Scope(tier, unit_id, name, codes, ids)


# --- cadre quality (seed 000 section I, biểu BM01) --------------------------------------------


@dataclass
class Tally:
    """Counts of one group of cadres (the whole scope, or one unit of the ministry's table)."""

    total: int = 0
    female: int = 0
    under_35: int = 0
    party_members: int = 0
    ethnic_minority: int = 0
    religious: int = 0
    it: int = 0
    languages: int = 0
    by: dict[str, Counter[str]] = field(default_factory=lambda: {
        k: Counter() for k in (*BREAKDOWN_LEVELS, "age_band")})

    def add(self, person: QualityProfile) -> None:
        self.add_counts(GroupCounts(
            n=1, female=int(person.female), under_35=int(person.under_35),
            party_members=int(person.party_member),
            ethnic_minority=int(person.ethnic_minority), religious=int(person.religious),
            it=int(person.it), languages=int(person.languages), levels=person.levels,
            age_band=person.age_band))

    def add_counts(self, group: GroupCounts) -> None:
        """A group of `n` cadres sharing their levels and age band."""
        self.total += group.n
        self.female += group.female
        self.under_35 += group.under_35
        self.party_members += group.party_members
        self.ethnic_minority += group.ethnic_minority
        self.religious += group.religious
        self.it += group.it
        self.languages += group.languages
        for kind in BREAKDOWN_LEVELS:
            self.by[kind][group.levels.get(kind) or NOT_RECORDED] += group.n
        self.by["age_band"][group.age_band] += group.n

    def breakdown(self, kind: str) -> dict[str, int]:
        if kind == "age_band":
            return {k: self.by[kind][k] for k in AGE_BANDS}
        known = BREAKDOWN_LEVELS[kind]
        # Levels recorded under other codes keep their own bucket: the buckets still add up.
        others = sorted(k for k in self.by[kind] if k not in known and k != NOT_RECORDED)
        return {k: self.by[kind][k] for k in (*known, *others, NOT_RECORDED)}

    def summary(self) -> dict[str, Any]:
        return dict(total=self.total, female=self.female, under_35=self.under_35,
                    party_members=self.party_members, ethnic_minority=self.ethnic_minority,
                    religious=self.religious, it=self.it, languages=self.languages,
                    by_grade=self.breakdown("grade"), by_education=self.breakdown("education"),
                    by_political_theory=self.breakdown("political_theory"),
                    by_state_management=self.breakdown("state_management"),
                    by_age_band=self.breakdown("age_band"))

    def flat(self) -> dict[str, int]:
        """One row of the ministry's table: every column a plain count."""
        row = dict(total=self.total, female=self.female, party_members=self.party_members,
                   ethnic_minority=self.ethnic_minority, religious=self.religious)
        for kind in BREAKDOWN_LEVELS:
            for level, n in self.breakdown(kind).items():
                row[f"{kind}.{level}"] = n
        row["it"], row["languages"] = self.it, self.languages
        for band, n in self.breakdown("age_band").items():
            row[f"age_band.{band}"] = n
        row["under_35"] = self.under_35
        return row


@dataclass(frozen=True)
class GroupCounts:
    """What a group of cadres adds to a tally: how many, and how many of them are each yes."""

    n: int
    female: int
    under_35: int
    party_members: int
    ethnic_minority: int
    religious: int
    it: int
    languages: int
    levels: Mapping[str, str]
    age_band: str


@dataclass(frozen=True)
class QualityProfile:
    female: bool
    under_35: bool
    party_member: bool
    ethnic_minority: bool
    religious: bool
    it: bool
    languages: bool
    levels: dict[str, str]
    age_band: str


def age_band(born_on: date, gender: str, on: date, reached: date | None = None) -> str:
    """The band on `on` (`reached`: the day the retirement age is reached, when known)."""
    if on >= (reached or retirement_age_reached_on(born_on, gender)):
        return "qua_tuoi_nghi_huu"
    age = age_on(born_on, on)
    if age <= 30:
        return "den_30"
    if age <= 40:
        return "31_40"
    if age <= 50:
        return "41_50"
    if age <= 60:
        return "51_60"
    return "tren_60"


def quality_profile(identity: Mapping[str, Any], levels: Iterable[tuple[str, str, int]],
                    on: date, reached: date | None = None) -> QualityProfile:
    """What the quality table counts of one cadre on a date (levels: kind, level, rank)."""
    best: dict[str, tuple[int, str]] = {}
    kinds: set[str] = set()
    for kind, level, rank in levels:
        kinds.add(kind)
        if kind not in best or (rank, level) > best[kind]:
            best[kind] = (rank, level)
    sensitive = identity.get("sensitive") or {}
    ethnicity = _fold(str(sensitive.get("ethnicity") or ""))
    religion = _fold(str(sensitive.get("religion") or ""))
    born: date = identity["born_on"]
    joined: date | None = identity.get("party_joined_on")
    return QualityProfile(
        female=identity["gender"] == "nu",
        under_35=age_on(born, on) < UNDER_35,
        party_member=joined is not None and joined <= on,
        ethnic_minority=bool(ethnicity) and ethnicity != MAJORITY_ETHNICITY,
        religious=religion not in NO_RELIGION,
        it="it" in kinds,
        languages="language" in kinds,
        levels={k: v[1] for k, v in best.items() if k in BREAKDOWN_LEVELS},
        age_band=age_band(born, identity["gender"], on, reached),
    )


_fold = lru_cache(maxsize=4096)(fold)  # ethnicities and religions: a few hundred spellings


def cadre_quality(model: ReportSource, m: Moment, tier: str | None = None,
                  unit_id: UUID | None = None, *, kept: bool = True) -> dict[str, Any]:
    """Cadres in scope on `as_of`: headcount, women, under 35, breakdowns, and BM01 by unit.

    Each cadre counts once, in the unit of their most senior post in scope (rank, then the
    earliest `since`, then unit id and title code). For the record as it stands (issue 19) the
    counts kept by unit and date answer (projections/quality_counts.py: one look-up per unit);
    for a past `known_at`, a tier, or `kept=False`, one SQL GROUP BY over the in-force rows by
    primary unit, the best level of each breakdown kind, the age band and the raw ethnicity
    and religion. Both give the same body."""
    scope = scope_for(model, m, tier, unit_id)
    t = tables_of(model)
    by_unit = _counted(model, t, m, scope) if tier is None and kept else None
    if by_unit is None:  # a past known_at, or a tier: the SQL GROUP BY
        by_unit = {}
        with model.engine.connect() as conn:
            for row in conn.execute(_quality_groups(t, m, scope, _ranks(model),
                                                    model.engine.dialect.name)):
                _add_metrics(by_unit.setdefault(row[0], {}), _group_metrics(row), 1)
    total: Metrics = {}
    for counts in by_unit.values():
        _add_metrics(total, counts, 1)
    summed = _tally_of(total)
    columns = summed.flat()
    zeros = dict.fromkeys(columns, 0)
    timeline = model.timeline()  # one unit tree for every row's name
    units = []
    for unit, counts in by_unit.items():
        if not counts.get("total"):
            continue
        code, name = _label(timeline, unit, m.as_of, m.position)
        row = {"unit_id": unit, "unit_code": code, "unit_name": name, **zeros}
        row.update(counts)  # every key of a unit's counts is a column of the total's
        units.append(row)
    # An id orders as its text does (fixed-width lower-case hex): no text made per unit.
    units.sort(key=lambda u: (str(u["unit_code"]), u["unit_id"]))
    body = dict(report="cadre_quality", version=REPORT_VERSION, as_of=m.as_of,
                scope=scope.describe(), **summed.summary(),
                units=units, units_total=columns)
    return finish(body, m)


def _label(timeline: UnitTimeline, unit: UUID, day: date, k: int) -> tuple[str | None,
                                                                         str | None]:
    """A unit's code and its name on `day` (what `timeline.view` gives, without the rest)."""
    life = timeline.units.get(unit)
    if life is None or life.position > k:
        return None, None
    return life.code, timeline.value_on(life, "name", day, k)[1]


def _ranks(model: ReportSource) -> dict[str, int]:
    return {r["code"]: int(r.get("rank", 0)) for r in model.titles()}


Metrics = dict[str, int]
EVERYONE = Scope(None, None, None, None, None)


def _counted(model: ReportSource, t: ReadTables, m: Moment,
             scope: Scope) -> dict[UUID, Metrics] | None:
    """Each unit's columns from the counts kept by unit and date (projections/quality_counts.py),
    or None when they do not describe `m.position`. A subtree's units count the cadres whose
    most senior post is there; those holding posts both in and out of the subtree that day are
    counted again by the SQL path: out of their unit of the whole store, into their unit of
    the subtree."""
    with model.engine.connect() as conn:
        by_unit = quality_counts.counts_on(conn, t, m.as_of, m.position)
        if by_unit is None or scope.unit_ids is None:
            return by_unit
        inside = scope.unit_ids
        by_unit = {u: c for u, c in by_unit.items() if u in inside}
        mixed = sorted((cadre_id for cadre_id, units in
                        quality_counts.multi_on(conn, t, m.as_of).items()
                        if units & inside and units - inside), key=str)
        if quality_counts.position_of(conn, t) != m.position:
            return None  # a batch came in between: the SQL path, at m.position
        dialect, ranks = model.engine.dialect.name, _ranks(model) if mixed else {}
        for chunk in (mixed[i:i + 500] for i in range(0, len(mixed), 500)):
            for sign, where in ((-1, EVERYONE), (1, scope)):
                for row in conn.execute(_quality_groups(t, m, where, ranks, dialect, chunk)):
                    if row[0] in inside:
                        _add_metrics(by_unit.setdefault(row[0], {}), _group_metrics(row),
                                     sign)
    return by_unit


def _group_metrics(row: Sequence[Any]) -> Metrics:
    """One row of `_quality_groups` as the flat columns it adds to its unit."""
    (_, grade, education, theory, management, band, ethnicity, religion,
     n, female, under_35, party, it, languages) = row
    n = int(n)
    out: Metrics = {"total": n}
    for key, value in (("female", female), ("under_35", under_35), ("party_members", party),
                       ("ethnic_minority", n if _minority(ethnicity) else 0),
                       ("religious", n if _religious(religion) else 0), ("it", it),
                       ("languages", languages)):
        if value:
            out[key] = int(value)
    for kind, level in (("grade", grade), ("education", education),
                        ("political_theory", theory), ("state_management", management)):
        out[f"{kind}.{level if level is not None else NOT_RECORDED}"] = n
    out[f"age_band.{band}"] = n
    return out


def _add_metrics(into: Metrics, counts: Mapping[str, int], sign: int) -> None:
    for key, n in counts.items():
        value = into.get(key, 0) + sign * n
        if value:
            into[key] = value
        else:
            into.pop(key, None)


def _tally_of(counts: Mapping[str, int]) -> Tally:
    """A tally from flat columns (`Tally.flat`'s keys)."""
    tally = Tally()
    for key, n in counts.items():
        kind, dot, level = key.partition(".")
        if dot:
            tally.by[kind][level] += n
        else:
            setattr(tally, key, n)
    return tally


def cadre_quality_by_person(model: ReportSource, m: Moment, tier: str | None = None,
                            unit_id: UUID | None = None) -> dict[str, Any]:
    """The same report tallied cadre by cadre in Python (the method before issue 19): the
    oracle of the SQL counts in the tests, and their baseline in the bench."""
    scope = scope_for(model, m, tier, unit_id)
    t = tables_of(model)
    h, c, lv = t.holdings, t.cadres, t.levels
    k, day = m.position, m.as_of
    holds = and_(in_force(h, k), held_on(h, day), *scope.holding_filter(h))
    titles = {r["code"]: r for r in model.titles()}
    with model.engine.connect() as conn:
        holdings = conn.execute(select(h.c.cadre_id, h.c.unit_id, h.c.title_code, h.c.since)
                                .where(holds)).all()
        in_scope = select(h.c.cadre_id).where(holds).distinct()
        identities = {r["cadre_id"]: dict(r) for r in conn.execute(
            select(c.c.cadre_id, c.c.gender, c.c.born_on, c.c.party_joined_on, c.c.sensitive)
            .where(in_force(c, k), c.c.cadre_id.in_(in_scope))).mappings()}
        levels: dict[UUID, list[tuple[str, str, int]]] = {}
        for r in conn.execute(select(lv.c.cadre_id, lv.c.kind, lv.c.level, lv.c.rank).where(
                in_force(lv, k), lv.c.obtained_on <= day, lv.c.cadre_id.in_(in_scope))):
            levels.setdefault(r.cadre_id, []).append((r.kind, r.level, r.rank))
    from projections.employment_reports import grades_in_force  # (it imports this module)
    # BM01's ngạch from the employment record in force on as_of, where one is recorded.
    for cadre_id, grade in grades_in_force(model, m, in_scope).items():
        levels[cadre_id] = [*(x for x in levels.get(cadre_id, ()) if x[0] != "grade"),
                            ("grade", grade, 0)]
    # Each cadre counts once, in the unit of their most senior post in scope.
    primary: dict[UUID, tuple[Any, ...]] = {}
    for cadre_id, unit, code, since in holdings:
        key = (-int(titles.get(code, {}).get("rank", 0)), since, str(unit), code)
        if cadre_id not in primary or key < primary[cadre_id][0]:
            primary[cadre_id] = (key, unit)
    total, by_unit = Tally(), dict[UUID, Tally]()
    for cadre_id, identity in identities.items():
        person = quality_profile(identity, levels.get(cadre_id, ()), day)
        total.add(person)
        by_unit.setdefault(primary[cadre_id][1], Tally()).add(person)
    columns = total.flat()
    timeline = model.timeline()
    units = []
    for unit, tally in by_unit.items():
        view = timeline.view(unit, m.as_of, m.position) or {}
        row = tally.flat()
        units.append({"unit_id": unit, "unit_code": view.get("code"),
                      "unit_name": view.get("name"), **{k: row.get(k, 0) for k in columns}})
    # An id orders as its text does (fixed-width lower-case hex): no text made per unit.
    units.sort(key=lambda u: (str(u["unit_code"]), u["unit_id"]))
    body = dict(report="cadre_quality", version=REPORT_VERSION, as_of=day,
                scope=scope.describe(), **total.summary(), units=units, units_total=columns)
    return finish(body, m)


def _minority(ethnicity: Any) -> bool:
    folded = _fold(str(ethnicity or ""))
    return bool(folded) and folded != MAJORITY_ETHNICITY


def _religious(religion: Any) -> bool:
    return _fold(str(religion or "")) not in NO_RELIGION


def latest_birth_with_age(on: date, years: int) -> date:
    """The latest birth date whose age on `on` is at least `years` (`age_on`, exactly)."""
    year = on.year - years
    try:
        return date(year, on.month, on.day)
    except ValueError:  # 29 February in a common year: the 28th is the latest
        return date(year, 2, 28)


def latest_birth_retired(on: date, gender: str) -> date | None:
    """The latest birth date that has reached the retirement age on `on` (the day it is
    reached rises with the birth date, so the births that have reached it end at one day)."""
    lo, hi = on.toordinal() - 130 * 366, on.toordinal()
    if retirement_age_reached_on(date.fromordinal(lo), gender) > on:
        return None
    while lo < hi:  # invariant: lo has reached it
        mid = (lo + hi + 1) // 2
        if retirement_age_reached_on(date.fromordinal(mid), gender) <= on:
            lo = mid
        else:
            hi = mid - 1
    return date.fromordinal(lo)


@dataclass(frozen=True)
class AgeCutoffs:
    """`age_band` on one day as birth-date cutoffs (a CASE in SQL)."""

    on: date
    retired: dict[str, date | None]
    bands: tuple[tuple[date, str], ...]  # (latest birth of the next band, this band)

    @staticmethod
    def of(on: date) -> AgeCutoffs:
        from domain.rules.pack import default_pack

        genders = sorted(default_pack().retirement.by_gender)
        return AgeCutoffs(on, {g: latest_birth_retired(on, g) for g in genders},
                          tuple((latest_birth_with_age(on, age), band) for age, band in
                                ((31, "den_30"), (41, "31_40"), (51, "41_50"), (61, "51_60"))))

    def band(self, born_on: date, gender: str) -> str:
        """The band in Python (what the SQL CASE computes)."""
        cut = self.retired.get(gender)
        if cut is not None and born_on <= cut:
            return "qua_tuoi_nghi_huu"
        for latest, band in self.bands:
            if born_on > latest:
                return band
        return "tren_60"

    def sql(self, born: Any, gender: Any) -> Any:
        retired = [and_(gender == g, born <= cut) for g, cut in self.retired.items()
                   if cut is not None]
        whens: list[Any] = [(or_(*retired), "qua_tuoi_nghi_huu")] if retired else []
        whens += [(born > latest, band) for latest, band in self.bands]
        return case(*whens, else_="tren_60")


def _binary(column: Any, dialect: str) -> Any:
    """Text compared by code point, as Python compares str (PostgreSQL's default collation
    does not)."""
    return column.collate("C") if dialect == "postgresql" else column


def _quality_groups(t: ReadTables, m: Moment, scope: Scope, ranks: Mapping[str, int],
                    dialect: str, only: Sequence[UUID] | None = None) -> Any:
    """The GROUP BY behind `cadre_quality`: one row per (unit, levels, band, ethnicity,
    religion) with the count and the sums of the yes/no columns (of the cadres `only`, when
    given)."""
    h, c, lv = t.holdings, t.cadres, t.levels
    k, day = m.position, m.as_of
    who = [] if only is None else [h.c.cadre_id.in_(list(only))]
    holds = and_(in_force(h, k), held_on(h, day), *scope.holding_filter(h), *who)
    rank: Any = case(dict(ranks), value=h.c.title_code, else_=0) if ranks else literal(0)
    seniority = func.row_number().over(
        partition_by=h.c.cadre_id,
        order_by=(rank.desc(), h.c.since, h.c.unit_id, _binary(h.c.title_code, dialect))).label("n")
    posts = select(h.c.cadre_id, h.c.unit_id, seniority).where(holds).subquery("posts")
    primary = select(posts.c.cadre_id, posts.c.unit_id).where(posts.c.n == 1).subquery(
        "primary_posts")
    # Ngạch from the employment record in force on as_of (issue 16) joins the levels as the
    # best grade (rank above any qualification's); a cadre without one keeps the grade recorded
    # as a qualification.
    from projections.employment_reports import grade_in_force_rows  # (it imports this module)
    in_scope = [lv.c.cadre_id.in_(select(primary.c.cadre_id))] if scope.restricted else []
    if only is not None:
        in_scope = [lv.c.cadre_id.in_(list(only))]
    employed = (grade_in_force_rows(t, m, everyone=True) if only is None else
                grade_in_force_rows(t, m, list(only))).subquery("employed")
    source = union_all(
        select(lv.c.cadre_id, lv.c.kind, lv.c.level, lv.c.rank)
        .where(in_force(lv, k), lv.c.obtained_on <= day, *in_scope),
        select(employed.c.cadre_id, literal("grade").label("kind"),
               employed.c.grade.label("level"), literal(EMPLOYMENT_RANK).label("rank")),
    ).subquery("all_levels")
    best_first = func.row_number().over(
        partition_by=(source.c.cadre_id, source.c.kind),
        order_by=(source.c.rank.desc(), _binary(source.c.level, dialect).desc())).label("n")
    ranked = (select(source.c.cadre_id, source.c.kind, source.c.level, best_first)
              .subquery("ranked_levels"))

    def best(kind: str) -> Any:
        return func.max(case((and_(ranked.c.kind == kind, ranked.c.n == 1), ranked.c.level)))

    levels = (select(ranked.c.cadre_id,
                     *(best(kind).label(kind) for kind in BREAKDOWN_LEVELS),
                     func.max(case((ranked.c.kind == "it", 1), else_=0)).label("it"),
                     func.max(case((ranked.c.kind == "language", 1), else_=0)).label("lang"))
              .group_by(ranked.c.cadre_id).subquery("best_levels"))
    cutoffs = AgeCutoffs.of(day)
    band = cutoffs.sql(c.c.born_on, c.c.gender).label("band")
    ethnicity = c.c.sensitive["ethnicity"].as_string().label("ethnicity")
    religion = c.c.sensitive["religion"].as_string().label("religion")
    one = literal(1)

    def yes(condition: Any) -> Any:
        return func.sum(case((condition, one), else_=0))

    keys = (primary.c.unit_id, *(levels.c[kind] for kind in BREAKDOWN_LEVELS), band,
            ethnicity, religion)
    return (select(*keys, func.count(),
                   yes(c.c.gender == "nu"),
                   yes(c.c.born_on > latest_birth_with_age(day, UNDER_35)),
                   yes(and_(c.c.party_joined_on.is_not(None), c.c.party_joined_on <= day)),
                   func.sum(func.coalesce(levels.c.it, 0)),
                   func.sum(func.coalesce(levels.c.lang, 0)))
            .select_from(primary.join(c, and_(c.c.cadre_id == primary.c.cadre_id,
                                              in_force(c, k)))
                         .outerjoin(levels, levels.c.cadre_id == primary.c.cadre_id))
            .group_by(*keys))


# --- evaluations (seed 000 III.2) ------------------------------------------------------------


def _cadres_in_scope(h: Any, scope: Scope, k: int, first: date, last: date) -> Any:
    """Ids of cadres holding a post in scope at some time in [first, last] (a subquery)."""
    during = held_on(h, last) if first == last else held_during(h, first, last)
    return select(h.c.cadre_id).where(in_force(h, k), during,
                                      *scope.holding_filter(h)).distinct()


def evaluations(model: ReportSource, period: str, m_known: Moment, tier: str | None = None,
                unit_id: UUID | None = None, as_of: date | None = None) -> dict[str, Any]:
    """Ratings of a period for the cadres in scope on its last day (or `as_of`)."""
    first, last = period_days(period)
    m = Moment(as_of or last, m_known.known_at, m_known.position)
    scope = scope_for(model, m, tier, unit_id)
    t = tables_of(model)
    f, c = t.facts, t.cadres
    k = m.position
    query = (select(f.c.cadre_id, f.c.code, f.c.entry_position)
             .where(f.c.kind == "evaluation", f.c.period == normal_period(period),
                    in_force(f, k),
                    f.c.cadre_id.in_(select(c.c.cadre_id).where(in_force(c, k)))))
    if scope.restricted:
        query = query.where(f.c.cadre_id.in_(
            _cadres_in_scope(t.holdings, scope, k, m.as_of, m.as_of)))
    with model.engine.connect() as conn:
        rows = conn.execute(query.order_by(f.c.entry_position)).all()
    rating: dict[UUID, str] = {}  # one rating per cadre and period: the latest recorded
    for cadre_id, code, _ in rows:
        rating[cadre_id] = str(code)
    counts = Counter(rating.values())
    total = len(rating)
    body = dict(report="evaluations", version=REPORT_VERSION, period=normal_period(period),
                period_from=first, period_to=last, as_of=m.as_of, scope=scope.describe(),
                total=total,
                by_rating={r: {"count": counts[r], "percent": percent(counts[r], total)}
                           for r in RATINGS})
    return finish(body, m)


# --- personnel actions (seed 000 III.3) ------------------------------------------------------


def actions(model: ReportSource, from_: date, to: date, m: Moment, tier: str | None = None,
            unit_id: UUID | None = None) -> dict[str, Any]:
    """Appointments by kind counted on their effective date, nominations as giới thiệu ứng cử,
    and endings by reason, within [from, to]."""
    _check_range(from_, to)
    scope = scope_for(model, m, tier, unit_id, also_on=(from_,))
    t = tables_of(model)
    h, f = t.holdings, t.facts
    k = m.position
    with model.engine.connect() as conn:
        kinds = Counter(str(kind) for (kind,) in conn.execute(
            select(h.c.kind).where(in_force(h, k), h.c.since >= from_, h.c.since <= to,
                                   *scope.holding_filter(h))))
        endings = Counter(str(reason) for (reason,) in conn.execute(
            # A term renewed (bổ nhiệm lại, kéo dài) closes without a reason: no ending.
            select(h.c.end_reason).where(in_force(h, k), h.c.until.is_not(None),
                                         h.c.end_reason.is_not(None),
                                         h.c.until >= from_, h.c.until <= to,
                                         *scope.holding_filter(h))))
        nominated = select(func.count()).select_from(f).where(f.c.kind == "nomination", in_force(f, k),
                                         f.c.effective_on >= from_, f.c.effective_on <= to)
        if scope.title_codes is not None:
            nominated = nominated.where(f.c.code.in_(sorted(scope.title_codes)))
        if scope.unit_ids is not None:
            nominated = nominated.where(f.c.unit_id.in_(sorted(scope.unit_ids, key=str)))
        kinds[NOMINATION_KIND] += int(conn.execute(nominated).scalar() or 0)
    by_kind = {kind: kinds[kind] for kind in ACTION_KINDS}
    for kind in sorted(set(kinds) - set(ACTION_KINDS)):
        by_kind[kind] = kinds[kind]
    by_reason = {r: endings[r] for r in ENDING_REASONS}
    body = dict(report="actions", version=REPORT_VERSION, date_from=from_, date_to=to,
                as_of=m.as_of, scope=scope.describe(), total=sum(by_kind.values()),
                by_kind=by_kind, endings_total=sum(by_reason.values()),
                endings_by_reason=by_reason)
    return finish(body, m)


def actions_by_month(model: ReportSource, months: Sequence[tuple[date, date]], m: Moment,
                     tier: str | None = None, unit_id: UUID | None = None) -> list[int]:
    """The `actions` report's total for each month, in one pass (the overview's chart): the
    appointments begun and the nominations made in each [first, last] day range. The scope is
    the units in scope on as_of or on any month's first day, as each month's own report has."""
    if not months:
        return []
    first, last = months[0][0], months[-1][1]
    _check_range(first, last)
    scope = scope_for(model, m, tier, unit_id, also_on=tuple(start for start, _ in months))
    t = tables_of(model)
    h, f = t.holdings, t.facts
    k = m.position
    with model.engine.connect() as conn:
        days = [since for (since,) in conn.execute(
            select(h.c.since).where(in_force(h, k), h.c.since >= first, h.c.since <= last,
                                    *scope.holding_filter(h)))]
        nominated = select(f.c.effective_on).where(
            f.c.kind == "nomination", in_force(f, k), f.c.effective_on >= first,
            f.c.effective_on <= last)
        if scope.title_codes is not None:
            nominated = nominated.where(f.c.code.in_(sorted(scope.title_codes)))
        if scope.unit_ids is not None:
            nominated = nominated.where(f.c.unit_id.in_(sorted(scope.unit_ids, key=str)))
        days += [on for (on,) in conn.execute(nominated)]
    return [sum(1 for d in days if start <= d <= end) for start, end in months]


# --- training and vetting (seed 000 III.1, III.5) -------------------------------------------


def _facts_in_range(model: ReportSource, kind: str, from_: date, to: date, m: Moment,
                    scope: Scope, columns: Sequence[str],
                    on: str = "effective_on") -> list[Any]:
    t = tables_of(model)
    f = t.facts
    day = f.c[on]
    query = select(*(f.c[name] for name in columns)).where(
        f.c.kind == kind, in_force(f, m.position), day.is_not(None), day >= from_, day <= to)
    if scope.restricted:
        query = query.where(f.c.cadre_id.in_(
            _cadres_in_scope(t.holdings, scope, m.position, from_, to)))
    with model.engine.connect() as conn:
        return list(conn.execute(query).all())


def training(model: ReportSource, from_: date, to: date, m: Moment, tier: str | None = None,
             unit_id: UUID | None = None) -> dict[str, Any]:
    """Courses by programme: started within [from, to], and completed within it."""
    _check_range(from_, to)
    scope = scope_for(model, m, tier, unit_id, also_on=(from_,))
    started = Counter(str(code) for (code,) in _facts_in_range(
        model, "training", from_, to, m, scope, ["code"]))
    completed = Counter(str(code) for (code,) in _facts_in_range(
        model, "training", from_, to, m, scope, ["code"], on="ends_on"))
    body = dict(report="training", version=REPORT_VERSION, date_from=from_, date_to=to,
                as_of=m.as_of, scope=scope.describe(), total=sum(started.values()),
                by_program=dict(sorted(started.items())),
                completed_total=sum(completed.values()),
                completed_by_program=dict(sorted(completed.items())))
    return finish(body, m)


def vettings(model: ReportSource, from_: date, to: date, m: Moment, tier: str | None = None,
             unit_id: UUID | None = None) -> dict[str, Any]:
    """Political vetting (thẩm định, bảo vệ chính trị nội bộ) by purpose and conclusion."""
    _check_range(from_, to)
    scope = scope_for(model, m, tier, unit_id, also_on=(from_,))
    rows = _facts_in_range(model, "vetting", from_, to, m, scope, ["code", "payload"])
    purposes = Counter(str(code) for code, _ in rows)
    conclusions = Counter(str((payload or {}).get("conclusion") or NOT_RECORDED)
                          for _, payload in rows)
    body = dict(report="vettings", version=REPORT_VERSION, date_from=from_, date_to=to,
                as_of=m.as_of, scope=scope.describe(), total=len(rows),
                by_purpose=dict(sorted(purposes.items())),
                by_conclusion=dict(sorted(conclusions.items())))
    return finish(body, m)


# --- the monthly report (báo cáo tháng) ------------------------------------------------------


def latest_closed_period(day: date) -> str:
    """The evaluation period most recently closed on `day` (its last day is `day` or before):
    a quarter from QUARTERLY_FROM on (seed 004), the previous year before that."""
    closed = day.month // 3 if day.month % 3 == 0 and day == _quarter_end(day) else (
        (day.month - 1) // 3)
    year = day.year
    if closed == 0:
        year, closed = year - 1, 4
    if year >= QUARTERLY_FROM:
        return f"{year}-Q{closed}"
    return str(year if closed == 4 else year - 1)


def _quarter_end(day: date) -> date:
    return period_first_and_last(f"{day.year}-Q{(day.month - 1) // 3 + 1}")[1]


def previous_period(period: str) -> str:
    """The evaluation period before `period`: the quarter before (Q1 goes back to the previous
    year's Q4 while quarters were kept, to the year before QUARTERLY_FROM), or the year before."""
    if "-Q" in period:
        year, quarter = int(period[:4]), int(period[-1])
        if quarter > 1:
            return f"{year}-Q{quarter - 1}"
        return f"{year - 1}-Q4" if year - 1 >= QUARTERLY_FROM else str(year - 1)
    return str(int(period) - 1)


def latest_evaluated(model: ReportSource, m: Moment, tier: str | None = None,
                     unit_id: UUID | None = None, *, look_back: int = 8) -> dict[str, Any]:
    """The evaluations of the latest closed period that has results in scope, looking back at
    most `look_back` periods (early in a quarter the one just closed is often not rated yet);
    the latest closed period itself when none has."""
    period = latest_closed_period(m.as_of)
    for _ in range(look_back):
        body = evaluations(model, period, m, tier, unit_id)
        if body["total"]:
            return body
        period = previous_period(period)
    return evaluations(model, latest_closed_period(m.as_of), m, tier, unit_id)


def summary(model: ReportSource, from_: date, to: date, m_known: Moment,
            tier: str | None = None, unit_id: UUID | None = None, period: str | None = None,
            month: str | None = None,
            reporting_period: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The report of a span, as seed 000 is: headcount on its last day, the span's training,
    actions and vetting, and the evaluation `period` (default: the latest closed by then).
    `reporting_period` (the monthly cycle's, projections/monthly_cycle.py) joins the body
    only when given, so the digests of every other question stay what they were."""
    _check_range(from_, to)
    m = Moment(to, m_known.known_at, m_known.position)
    chosen = period or latest_closed_period(to)
    sections = dict(
        cadre_quality=cadre_quality(model, m, tier, unit_id),
        evaluations=evaluations(model, chosen, m, tier, unit_id),
        actions=actions(model, from_, to, m, tier, unit_id),
        training=training(model, from_, to, m, tier, unit_id),
        vettings=vettings(model, from_, to, m, tier, unit_id),
    )
    body = dict(report="summary", version=REPORT_VERSION, month=month, date_from=from_,
                date_to=to, as_of=to, scope=sections["cadre_quality"]["scope"],
                sections={name: body_of(s) for name, s in sections.items()})
    if reporting_period is not None:
        body["reporting_period"] = dict(reporting_period)
    return finish(body, m)


def monthly(model: ReportSource, month: str, m_known: Moment, tier: str | None = None,
            unit_id: UUID | None = None) -> dict[str, Any]:
    """The monthly report (due before the 28th): the summary of one calendar month."""
    first, last = month_days(month)
    return summary(model, first, last, m_known, tier, unit_id, month=f"{first:%Y-%m}")
