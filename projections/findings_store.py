"""Findings as a projection (ADR 0009): judged by the one projector, read by every worker.

The projector (the leader, infra/projector.py) keeps the one live `RecordFold` and, after the
events it folds, re-judges only what they touched: the local rules for the cadres in the
events, the unit rules (`UNIT_RULES`) for the units those cadres hold or held posts in, and the
few cross-cadre rules (`WHOLE_RULES`, cheap) over every cadre's kept facts. A unit, title or
job-position event re-judges everything. The result is diffed against the stored rows, which
are bitemporal in `known_at`: a row is what the findings showed from log position
`known_from` until `known_to`.

Which business dates are judged (`finding_days`): today by the injected clock, and a bounded
number of dates a reader asked for (`finding_requests`). A past `known_at` is answered from the
live rows when no fact changed between the judged step at or before it and the next one
(`finding_steps`, pruned when a date is forgotten: `_prune_steps`), else from a snapshot judged
once from a fold of the log up to it.

Readers never fold and never judge: they wait (bounded, `ReadSideBehind`) until the findings
reflect the log head as of their start, ask the projector for a date it does not keep, and read
rows. An erasure (the shred epoch moved) or a new read-side generation starts the findings
afresh: the fold is rebuilt from the log (the erased name now unreadable) and every row,
history included, is replaced; the names an erasure's mentions spell in other cadres' entries
(a decision the erased cadre signed) are read in the log and kept out of every row.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from domain.cadre import Cadre
from domain.rules.checks import CHECKS, Finding, as_of
from domain.rules.facts import CadreFacts, RecordFacts
from domain.rules.pack import RulePack, default_pack
from domain.values import Decision, Mentions
from infra.chain import CHAIN_TABLE, EVENTS_TABLE
from projections.erasure import spelled_in_event, without_names
from projections.findings import (
    UNREVIEWED,
    EventLog,
    FindingsAnswer,
    RecordFold,
    ReviewStatus,
    _cadre_facts,
    finding_row,
)
from projections.runner import StoredRecord

log = logging.getLogger("hoso.findings")

# Bump with a rule or row change: the projector then starts the findings afresh (`_start`), on
# the generation it has. PROJECTION_VERSION (projections/tables.py) bumps only when the read
# side's own rows change: a rebuild cannot scrub what erasures recorded without mentions (v1,
# ADR 0003) scrubbed live, so it is not forced for a rule's sake.
FINDINGS_VERSION = 2  # 2: commendations cut at as_of

# Rules whose findings belong to a unit and depend only on the cadres holding posts there.
UNIT_RULES = ("excellent_quota", "vacant_head_post")
# A signer's findings: the signer's posts and the posts whose decisions the signer signed.
SIGNER_RULES = ("pre_departure_appointments",)
# A cadre's findings with the relatives the cadre names or is named by.
PAIR_RULES = ("relatives_linked_posts",)
# Rules that read other cadres or the whole store in other ways: judged over every cadre's
# kept facts at each step (a few ms per 10k cadres).
WHOLE_RULES = ("commendation_own_circle", "job_position_vacant", "no_asset_declaration")
LOCAL_RULES = tuple(r for r in CHECKS
                    if r not in (*UNIT_RULES, *SIGNER_RULES, *PAIR_RULES, *WHOLE_RULES))

# Dates kept judged besides today, and past snapshots kept.
DAYS_KEPT = 4
SNAPSHOTS_KEPT = 8
# Events folded per step before the projector lets the read side's runner go again.
FOLD_CHUNK = 20_000

metadata = MetaData()

finding_state = Table(
    "finding_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("shred_epoch", BigInteger, nullable=False),
    # The log position the findings reflect; -1 while they are started afresh.
    Column("position", BigInteger, nullable=False),
)
finding_days = Table(
    "finding_days", metadata,
    Column("as_of", Date, primary_key=True),
    Column("from_position", BigInteger, nullable=False),  # judged from this step on
    Column("asked", BigInteger, nullable=False),  # the step at which it was last asked for
)
finding_steps = Table(
    "finding_steps", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("facts_position", BigInteger, nullable=False),
)
finding_rows = Table(
    "finding_rows", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),
    Column("at", BigInteger, nullable=True),  # a snapshot's position; NULL: the live rows
    Column("scope", String(80), nullable=False),
    Column("key", String(64), nullable=False),
    Column("known_from", BigInteger, nullable=False),
    Column("known_to", BigInteger, nullable=True),
    Column("row", JSON, nullable=False),
    Index("ix_finding_rows_open", "as_of", "known_to", "scope"),
)
finding_snapshots = Table(
    "finding_snapshots", metadata,
    Column("as_of", Date, primary_key=True),
    Column("at", BigInteger, primary_key=True, autoincrement=False),
)
finding_reviews = Table(
    "finding_reviews", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("key", String(64), nullable=False, index=True),
    Column("conclusion", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reviewed_by", String(200), nullable=False),
    Column("reviewed_at", String(40), nullable=False),
)
finding_requests = Table(
    "finding_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),
    Column("at", BigInteger, nullable=True),  # NULL: keep this date judged from now on
)
# Rows that spell personal data (compacted after an erasure, infra/erasure.py).
PERSONAL_TABLES = ("finding_rows",)


def ensure_tables(engine: Engine) -> None:
    metadata.create_all(engine, checkfirst=True)


# --- rows --------------------------------------------------------------------------------


def _scope(rule_id: str, f: Finding) -> str:
    if rule_id in UNIT_RULES:
        return f"u:{f.unit_id}"
    if rule_id in WHOLE_RULES:
        return f"r:{rule_id}"
    if rule_id in SIGNER_RULES:
        return f"s:{f.cadre_id}"
    if rule_id in PAIR_RULES:
        return f"p:{f.cadre_id}"
    return f"c:{f.cadre_id}"


def stored_row(f: Finding, tree: RecordFacts) -> dict[str, Any]:
    """A finding as stored: its answer row without the review, with the units it lies under on
    the date (for the unit filter)."""
    row = finding_row(f, None)
    for name in ("review_status", "reviewed_by", "review"):
        del row[name]
    row["units"] = ([str(u) for u in tree.ancestors_on(f.unit_id, tree.as_of)]
                    if f.unit_id else [])
    return row


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def order_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """The order of GET /findings (find_all's: date, rule, evidence), ties by key."""
    return (row["effective_on"], row["rule"], tuple(row["evidence"]), row["id"])


def finding_from_row(row: dict[str, Any]) -> Finding:
    d = row["decision"]
    decision = None if d is None else Decision(
        d["number"], date.fromisoformat(d["signed_on"]), d["issuer"], d["signer"],
        UUID(d["signer_cadre_id"]) if d.get("signer_cadre_id") else None, d.get("issuer_code"))
    return Finding(row["rule"], row["rule_version"], row["severity"],
                   UUID(row["cadre_id"]) if row["cadre_id"] else None,
                   UUID(row["unit_id"]) if row["unit_id"] else None, decision,
                   date.fromisoformat(row["effective_on"]), row["summary"],
                   tuple(row["evidence"]), bool(row["declared"]))


# --- the projector's side ------------------------------------------------------------------


@dataclass
class _Store:
    """What the projector read of the store at the start of a step."""

    head: int
    generation: int
    shred_epoch: int
    requested: bool  # a date asked for
    past: bool  # a past moment asked for


def _link(index: dict[UUID, set[UUID]], cid: UUID, old: frozenset[UUID],
          new: frozenset[UUID]) -> None:
    for other in old - new:
        index.get(other, set()).discard(cid)
    for other in new - old:
        index.setdefault(other, set()).add(cid)


@dataclass
class Touched:
    """What a change of some cadres' facts reaches (before and after the change)."""

    cadres: set[UUID]
    units: set[UUID] = field(default_factory=set)  # their posts' units
    signers: set[UUID] = field(default_factory=set)  # the signers of their posts
    related: set[UUID] = field(default_factory=set)  # the cadres their relatives name


@dataclass
class Judge:
    """The live fold's facts, kept per cadre and cut per date, judged by rule scope."""

    fold: RecordFold
    pack: RulePack
    facts: dict[UUID, CadreFacts] = field(default_factory=dict)
    cut: dict[date, dict[UUID, CadreFacts]] = field(default_factory=dict)
    # Per cadre as last judged: the units of its posts, the signers of its posts' decisions,
    # the cadres its relatives name; and the reverse of each.
    units_of: dict[UUID, frozenset[UUID]] = field(default_factory=dict)
    signers_of: dict[UUID, frozenset[UUID]] = field(default_factory=dict)
    related_of: dict[UUID, frozenset[UUID]] = field(default_factory=dict)
    holders: dict[UUID, set[UUID]] = field(default_factory=dict)
    signed: dict[UUID, set[UUID]] = field(default_factory=dict)
    named_by: dict[UUID, set[UUID]] = field(default_factory=dict)
    # The names erasures' mentions spell, longest first: no stored row spells them (its
    # decision, summary and evidence re-rendered without them), live and rebuilt alike.
    erased: list[str] = field(default_factory=list)

    def refresh(self, cadres: Iterable[UUID]) -> Touched:
        """Take the facts of these cadres anew; returns what the change reaches."""
        touched = Touched(set(cadres))
        for cid in touched.cadres:
            for cut in self.cut.values():
                cut.pop(cid, None)
            c = self.fold.cadres.get(cid)
            self.facts.pop(cid, None)
            units: frozenset[UUID] = frozenset()
            signers: frozenset[UUID] = frozenset()
            related: frozenset[UUID] = frozenset()
            if c is not None:
                facts = self.facts[cid] = _cadre_facts(c)
                units = frozenset(h.unit_id for h in facts.holdings)
                signers = frozenset(h.decision.signer_cadre_id for h in facts.holdings
                                    if h.decision.signer_cadre_id is not None)
                related = frozenset(r.relative_cadre_id for r in facts.relatives
                                    if r.relative_cadre_id is not None)
            for index, kept, reverse, new in (
                    (self.units_of, touched.units, self.holders, units),
                    (self.signers_of, touched.signers, self.signed, signers),
                    (self.related_of, touched.related, self.named_by, related)):
                old = index.get(cid, frozenset())
                kept |= old | new
                _link(reverse, cid, old, new)
                index[cid] = new
        return touched

    def forget_day(self, day: date) -> None:
        self.cut.pop(day, None)

    def _ordered(self, cadres: Iterable[UUID]) -> list[UUID]:
        """In the fold's order (registration order), as a full judging sees them: a rule that
        meets a pair twice keeps the first."""
        return sorted((cid for cid in set(cadres) if cid in self.facts),
                      key=lambda cid: self.facts[cid].registered_position)

    def _record(self, day: date, cadres: Sequence[UUID]) -> tuple[RecordFacts, RecordFacts]:
        """(the record as the checks see it on `day`, cut; the uncut tree for unit paths)."""
        fold = self.fold
        cut = self.cut.setdefault(day, {})
        missing = [cid for cid in cadres if cid not in cut]
        if missing:
            whole = as_of(RecordFacts(day, tuple(self.facts[cid] for cid in missing), {}, {}))
            for c in whole.cadres:
                cut[c.cadre_id] = c
        tree = RecordFacts(day, (), dict(fold.titles), dict(fold.units),
                           dict(fold.job_positions))
        chosen = tuple(cut[cid] for cid in cadres)
        units = as_of(tree).units
        return RecordFacts(day, chosen, tree.titles, units, tree.job_positions), tree

    def judge(self, day: date, touched: Touched | None
              ) -> tuple[set[str] | None, dict[str, list[dict[str, Any]]]]:
        """Findings on `day` of the scopes `touched` reaches (None: everything): (the scopes
        judged, None for all; the stored rows by scope)."""
        rows: dict[str, list[dict[str, Any]]] = {}
        everyone = [cid for cid in self.fold.cadres if cid in self.facts]
        if touched is None:
            record, tree = self._record(day, everyone)
            self._run(record, tree, CHECKS, rows, None)
            return None, rows
        t = touched.cadres
        signers = t | touched.signers
        pairs = t | touched.related | {x for cid in t for x in self.named_by.get(cid, ())}
        groups: list[tuple[tuple[str, ...], set[str], set[UUID]]] = [
            (LOCAL_RULES, {f"c:{cid}" for cid in t}, t),
            (UNIT_RULES, {f"u:{u}" for u in touched.units},
             {cid for u in touched.units for cid in self.holders.get(u, ())}),
            (SIGNER_RULES, {f"s:{cid}" for cid in signers},
             signers | {x for cid in signers for x in self.signed.get(cid, ())}),
            (PAIR_RULES, {f"p:{cid}" for cid in pairs},
             pairs | {x for cid in pairs
                      for x in (*self.related_of.get(cid, ()), *self.named_by.get(cid, ()))}),
        ]
        scopes = {f"r:{r}" for r in WHOLE_RULES}
        for rules, keep, cadres in groups:
            scopes |= keep
            if keep:
                record, tree = self._record(day, self._ordered(cadres))
                self._run(record, tree, rules, rows, keep)
        record, tree = self._record(day, everyone)
        self._run(record, tree, WHOLE_RULES, rows, None)
        return scopes, rows

    def _run(self, record: RecordFacts, tree: RecordFacts, rules: Iterable[str],
             rows: dict[str, list[dict[str, Any]]], keep: set[str] | None) -> None:
        for rule_id in rules:
            for f in CHECKS[rule_id](record, self.pack):
                scope = _scope(rule_id, f)
                if keep is None or scope in keep:
                    row = stored_row(f, tree)
                    rows.setdefault(scope, []).append(
                        without_names(row, self.erased) if self.erased else row)


Decode = Callable[[StoredRecord], Any]


def _log_head(conn: Connection) -> int:
    """The last chain row: written in the append's commit."""
    found = conn.exec_driver_sql(
        f"SELECT position FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1").scalar()
    return int(found or 0)


class FindingsProjector:
    """The findings projection's writer: only the process holding the projector lock runs it
    (`Runtime._apply`). `step()` folds what was appended (at most `chunk` events), and once at
    the head judges what those events touched and stores the difference."""

    def __init__(self, engine: Engine, log: EventLog, decode: Decode,
                 today: Callable[[], date], *, pack: RulePack | None = None,
                 chunk: int = FOLD_CHUNK, generation: Callable[[Connection], int] | None = None,
                 shred_epoch_sql: str = "SELECT 0",
                 head: Callable[[Connection], int] | None = None) -> None:
        self.engine, self.log, self.decode, self.today = engine, log, decode, today
        self.log_head = head or _log_head
        self.pack = pack or default_pack()
        self.chunk = chunk
        self._generation = generation or (lambda _conn: 0)
        self._shred_sql = shred_epoch_sql
        self._judge: Judge | None = None
        self._held: tuple[int, int] | None = None  # (generation, shred epoch) of the fold
        self._position = -1  # the stored position this projector's rows reflect
        self._reviews: list[tuple[int, str, ReviewStatus]] = []
        self._past: tuple[int, RecordFold] | None = None
        self._today: date | None = None
        self._resuming: int | None = None
        self._erased: list[str] = []  # shared with the judges (Judge.erased)

    # -- stepping
    def step(self) -> bool:
        """One step; True when the findings reflect the log head and no snapshot is pending."""
        with self.engine.connect() as conn:
            store = self._look(conn)
            state = conn.execute(select(finding_state)).mappings().first()
        if (self._judge is None or state is None or self._held != (store.generation,
                                                                    store.shred_epoch)
                or state["generation"] != store.generation
                or state["shred_epoch"] != store.shred_epoch
                or state["version"] != FINDINGS_VERSION or state["position"] != self._position):
            self._start(store, state)
        judge = self._judge
        assert judge is not None
        fold = judge.fold
        if self._resuming is not None:  # a new leader folds up to the stored findings first
            if not self._fold_some(fold, self._resuming, reviews=False):
                return False
            self._resuming = None
            judge.refresh(list(fold.touched))
            fold.touched.clear()
            fold.widened = False
        if not self._fold_some(fold, store.head, reviews=True):
            return False
        today = self.today()
        if fold.position != self._position or store.requested or not self._kept_today(today):
            self._store(fold.position, today)
        return not store.past or self._serve_snapshot()

    def _fold_some(self, fold: RecordFold, until: int, *, reviews: bool) -> bool:
        """Fold at most `chunk` events up to `until`; True once there."""
        if fold.position < until:
            for r in self.log.select(fold.position, min(self.chunk, until - fold.position)):
                if r.position > until:
                    break
                event = self.decode(r)
                fold.apply(r.position, r.recorded_at, event)
                if isinstance(event, Cadre.PersonalDataErased) and event.mentions:
                    self._erase(event.mentions)
                if reviews and type(event).__qualname__ == "FindingReview.Reviewed":
                    self._reviews.append((r.position, event.finding_key,
                                          fold.reviews[event.finding_key]))
        return fold.position >= until

    def _erase(self, mentions: Mentions) -> None:
        """The names an erasure's mentions spell, read in the log (the erased cadre's own
        fields are sealed, the mentioning entries' are not), kept for every judging after."""
        names = set(self._erased)
        for spelling in mentions.spellings:
            for r in self.log.select(spelling.position - 1, 1):
                if r.position == spelling.position:
                    names |= spelled_in_event(self.decode(r), spelling)
        self._erased[:] = sorted(names, key=len, reverse=True)

    def _look(self, conn: Connection) -> _Store:
        head = self.log_head(conn)
        epoch = conn.exec_driver_sql(self._shred_sql).scalar()
        q = finding_requests.c
        asked = {at is None for (at,) in conn.execute(select(q.at).distinct())}
        return _Store(head, self._generation(conn), int(epoch or 0), True in asked,
                      False in asked)

    def _kept_today(self, today: date) -> bool:
        return self._today == today

    def _start(self, store: _Store, state: Any) -> None:
        """Start afresh, or take up the stored findings at their position after a restart or
        a change of leader (the fold is brought to exactly that position first)."""
        fold = RecordFold()
        resume = (state is not None and state["generation"] == store.generation
                  and state["shred_epoch"] == store.shred_epoch
                  and state["version"] == FINDINGS_VERSION and state["position"] >= 0)
        self._resuming = None
        if resume:
            self._resuming = self._position = int(state["position"])
        else:
            with self.engine.begin() as conn:
                for table in (finding_rows, finding_days, finding_steps, finding_snapshots,
                              finding_reviews, finding_state):
                    conn.execute(delete(table))
                conn.execute(insert(finding_state).values(
                    id=1, generation=store.generation, version=FINDINGS_VERSION,
                    shred_epoch=store.shred_epoch, position=-1))
            self._position = -1
        self._today = None
        self._erased.clear()  # read again as the fold goes (a rebuild, another erasure)
        self._judge = Judge(fold, self.pack, erased=self._erased)
        self._held = (store.generation, store.shred_epoch)
        self._reviews = []  # those up to a resumed position are stored already
        self._past = None

    def _store(self, position: int, today: date) -> None:
        judge = self._judge
        assert judge is not None
        fold = judge.fold
        widened = fold.widened or self._position < 0
        touched = judge.refresh(fold.touched)
        fold.touched.clear()
        fold.widened = False
        with self.engine.begin() as conn:
            claimed = conn.execute(update(finding_state).where(
                finding_state.c.position == self._position).values(position=position)).rowcount
            if claimed != 1:
                raise RuntimeError("the findings were moved by another projector")
            days = {d: (f, a) for d, f, a in conn.execute(select(
                finding_days.c.as_of, finding_days.c.from_position, finding_days.c.asked))}
            q = finding_requests.c
            asked = conn.execute(select(q.id, q.as_of).where(q.at.is_(None))).all()
            wanted = {today} | {d for _, d in asked}
            for day in sorted(days):
                if widened:
                    self._replace(conn, day, position, None)
                elif touched.cadres:  # a review, an inspection case…: no fact changed
                    self._replace(conn, day, position, touched)
            for day in sorted(wanted - days.keys()):
                self._replace(conn, day, position, None)
                conn.execute(insert(finding_days).values(as_of=day, from_position=position,
                                                         asked=position))
            for day in wanted & days.keys():
                conn.execute(update(finding_days).where(finding_days.c.as_of == day)
                             .values(asked=position))
            self._evict(conn, today)
            if position != self._position:
                conn.execute(insert(finding_steps).values(position=position,
                                                          facts_position=fold.facts_position))
            if self._reviews:
                conn.execute(insert(finding_reviews), [
                    {"position": p, "key": key, "conclusion": s.conclusion, "reason": s.reason,
                     "reviewed_by": s.reviewed_by, "reviewed_at": s.reviewed_at.isoformat()}
                    for p, key, s in self._reviews])
            if asked:
                conn.execute(delete(finding_requests).where(q.id.in_([i for i, _ in asked])))
        self._reviews = []
        self._position = position
        self._today = today

    def _replace(self, conn: Connection, day: date, position: int,
                 touched: Touched | None) -> None:
        """Judge the scopes on `day`; close the open rows that changed, insert the new ones."""
        judge = self._judge
        assert judge is not None
        scopes, rows = judge.judge(day, touched)
        r = finding_rows.c
        query = select(r.id, r.scope, r.key, r.row).where(
            r.as_of == day, r.at.is_(None), r.known_to.is_(None))
        if scopes is not None and len(scopes) <= 500:
            query = query.where(r.scope.in_(sorted(scopes)))
        stored: dict[tuple[str, str, str], list[int]] = {}
        for row_id, scope, key, row in conn.execute(query):
            if scopes is None or scope in scopes:
                stored.setdefault((scope, key, _canonical(row)), []).append(row_id)
        new: Counter[tuple[str, str, str]] = Counter()
        payload: dict[tuple[str, str, str], dict[str, Any]] = {}
        for scope, found in rows.items():
            for row in found:
                k = (scope, row["id"], _canonical(row))
                new[k] += 1
                payload[k] = row
        closed: list[int] = []
        for k, ids in stored.items():
            closed.extend(ids[new.get(k, 0):])
        added = [{"as_of": day, "at": None, "scope": k[0], "key": k[1],
                  "known_from": position, "known_to": None, "row": payload[k]}
                 for k, n in new.items() for _ in range(n - len(stored.get(k, [])))]
        for start in range(0, len(closed), 500):
            conn.execute(update(finding_rows).where(r.id.in_(closed[start:start + 500]))
                         .values(known_to=position))
        if added:
            conn.execute(insert(finding_rows), added)

    def _evict(self, conn: Connection, today: date) -> None:
        """Keep today and the `DAYS_KEPT` dates asked for last; forget the others."""
        kept = [d for (d,) in conn.execute(
            select(finding_days.c.as_of).where(finding_days.c.as_of != today)
            .order_by(finding_days.c.asked.desc(), finding_days.c.as_of.desc()))]
        judge = self._judge
        assert judge is not None
        for day in kept[DAYS_KEPT:]:
            conn.execute(delete(finding_rows).where(finding_rows.c.as_of == day,
                                                    finding_rows.c.at.is_(None)))
            conn.execute(delete(finding_days).where(finding_days.c.as_of == day))
            judge.forget_day(day)
        if kept[DAYS_KEPT:]:
            _prune_steps(conn)

    def _serve_snapshot(self) -> bool:
        """Work on the first past moment asked for: fold the log up to it (`chunk` events a
        step, the latest such fold kept), then judge it once and store it. True when none is
        left."""
        q, s = finding_requests.c, finding_snapshots.c
        with self.engine.connect() as conn:
            first = conn.execute(select(q.as_of, q.at).where(q.at.is_not(None))
                                 .order_by(q.id).limit(1)).first()
        if first is None:
            return True
        day, at = first[0], int(first[1])
        if self._past is None or self._past[0] != at:
            self._past = (at, RecordFold())
        fold = self._past[1]
        if not self._fold_some(fold, at, reviews=False):
            return False
        with self.engine.begin() as conn:
            if not conn.execute(select(s.at).where(s.as_of == day, s.at == at)).first():
                judge = Judge(fold, self.pack, erased=self._erased)
                judge.refresh(list(fold.cadres))
                _, rows = judge.judge(day, None)
                added = [{"as_of": day, "at": at, "scope": scope, "key": row["id"],
                          "known_from": at, "known_to": None, "row": row}
                         for scope, found in rows.items() for row in found]
                if added:
                    conn.execute(insert(finding_rows), added)
                conn.execute(insert(finding_snapshots).values(as_of=day, at=at))
                old = conn.execute(select(s.as_of, s.at).order_by(s.at.desc(), s.as_of.desc())
                                   .offset(SNAPSHOTS_KEPT)).all()
                for d, a in old:
                    conn.execute(delete(finding_rows).where(finding_rows.c.as_of == d,
                                                            finding_rows.c.at == a))
                    conn.execute(delete(finding_snapshots).where(s.as_of == d, s.at == a))
            conn.execute(delete(finding_requests).where(q.as_of == day, q.at == at))
        return False  # look again: another may be waiting


def _prune_steps(conn: Connection) -> None:
    """Forget the steps no past `known_at` can read any more (after a date was forgotten).

    The live rows answer a moment `at` for a date only from that date's first judged step on
    (`finding_days.from_position <= at`), and then read only the last step at or before `at`
    and the steps after it (`FindingsReader._coverage`). A date is added at the step it is
    first judged, after every kept date, so the earliest start among the kept dates only moves
    forward, when a date is forgotten: steps before the last one at or before it serve no read.
    Every date but today is forgotten after `DAYS_KEPT` others were asked for since (a new
    today is one), so the steps kept are those of the last few days."""
    st = finding_steps.c
    earliest = select(func.min(finding_days.c.from_position)).scalar_subquery()
    floor = conn.execute(select(func.max(st.position)).where(st.position <= earliest)).scalar()
    if floor is not None:
        conn.execute(delete(finding_steps).where(st.position < floor))


# --- the readers' side -------------------------------------------------------------------


class FindingsBehind(Exception):
    """The findings did not reach the wanted position in time (the runtime raises its
    `ReadSideBehind` instead: 503 with Retry-After)."""

    def __init__(self, target: int, position: int, waited: float) -> None:
        super().__init__(f"the findings are at log position {position}, not yet at {target}, "
                         f"after {waited:g} s")
        self.target, self.position = target, position


@dataclass(frozen=True)
class _Coverage:
    at: int | None  # the snapshot's position, or None for the live rows


class FindingsReader:
    """Reads the stored findings; asks the projector for a date or moment it does not keep.
    Every wait is bounded (`FindingsBehind` after `wait_seconds`)."""

    def __init__(self, engine: Engine, log: EventLog, *, head: Callable[[], int],
                 wake: Callable[[], None], wait_seconds: float,
                 behind: Callable[[int, int, float], Exception] = FindingsBehind,
                 shred_epoch_sql: str = "SELECT 0", pack: RulePack | None = None,
                 poll: float = 0.02) -> None:
        self.engine, self.log, self._head, self._wake = engine, log, head, wake
        self.wait_seconds, self.pack, self.poll = wait_seconds, pack, poll
        self._behind, self._shred_sql = behind, shred_epoch_sql

    def position_at(self, known_at: datetime) -> int:
        return self.log.position_at(known_at)

    def findings(self, as_of: date, known_at_position: int | None = None, *,
                 rule: str | None = None, unit_id: UUID | None = None,
                 severity: str | None = None) -> FindingsAnswer:
        position, rows, reviews = self._rows(as_of, known_at_position)
        chosen = [r for r in rows
                  if (not rule or r["rule"] == rule)
                  and (not severity or r["severity"] == severity)
                  and (not unit_id or str(unit_id) in r["units"])]
        return FindingsAnswer(as_of, position, [_answer(r, reviews.get(r["id"]))
                                                for r in chosen])

    def finding(self, key: str, as_of: date,
                known_at_position: int | None = None) -> Finding | None:
        _, rows, _ = self._rows(as_of, known_at_position)
        return next((finding_from_row(r) for r in rows if r["id"] == key), None)

    def wait_current(self) -> int:
        """Until the findings reflect the log head as of now and the last erasure (the shred
        epoch) — after an erasure, before the store is compacted. Returns their position."""
        target = self._head()
        deadline = time.monotonic() + self.wait_seconds
        while True:
            with self.engine.connect() as conn:
                epoch = int(conn.exec_driver_sql(self._shred_sql).scalar() or 0)
                row = conn.execute(select(finding_state.c.position,
                                          finding_state.c.shred_epoch)).first()
            if row is not None and row[1] == epoch and row[0] >= target:
                return int(row[0])
            if time.monotonic() > deadline:
                raise self._behind(target, max(row[0] if row else 0, 0), self.wait_seconds)
            self._wake()
            time.sleep(self.poll)

    # -- internals
    def _rows(self, as_of: date, position: int | None
              ) -> tuple[int, list[dict[str, Any]], dict[str, ReviewStatus]]:
        target = self._head() if position is None else position
        deadline = time.monotonic() + self.wait_seconds
        asked = False
        while True:
            with self.engine.connect() as conn:
                reached = conn.execute(select(finding_state.c.position)).scalar()
                reached = -1 if reached is None else int(reached)
                if reached >= target:
                    at = target if position is not None else reached
                    coverage = self._coverage(conn, as_of, at, live=position is None)
                    if coverage is not None:
                        return at, self._read(conn, as_of, at, coverage), self._reviews(conn, at)
                    if not asked:
                        conn.execute(insert(finding_requests).values(
                            as_of=as_of, at=None if position is None else at))
                        if conn.dialect.name == "postgresql":  # the leader LISTENs
                            conn.exec_driver_sql(f"NOTIFY {EVENTS_TABLE}")
                        conn.commit()
                        asked = True
                        self._wake()
            if time.monotonic() > deadline:
                raise self._behind(target, max(reached, 0), self.wait_seconds)
            time.sleep(self.poll)

    @staticmethod
    def _coverage(conn: Connection, as_of: date, at: int, *, live: bool) -> _Coverage | None:
        start = conn.execute(select(finding_days.c.from_position)
                             .where(finding_days.c.as_of == as_of)).scalar()
        if start is not None and start <= at:
            if live:
                return _Coverage(None)
            st = finding_steps.c
            before = conn.execute(select(func.max(st.position)).where(st.position <= at)).scalar()
            if before is not None and before == at:
                return _Coverage(None)
            after = conn.execute(select(st.facts_position).where(st.position > at)
                                 .order_by(st.position).limit(1)).scalar()
            if before is not None and after is not None and after <= before:
                return _Coverage(None)
        s = finding_snapshots.c
        if conn.execute(select(s.at).where(s.as_of == as_of, s.at == at)).first():
            return _Coverage(at)
        return None

    @staticmethod
    def _read(conn: Connection, as_of: date, at: int, coverage: _Coverage
              ) -> list[dict[str, Any]]:
        r = finding_rows.c
        if coverage.at is not None:
            query = select(r.row).where(r.as_of == as_of, r.at == coverage.at)
        else:
            query = select(r.row).where(r.as_of == as_of, r.at.is_(None), r.known_from <= at,
                                        or_(r.known_to.is_(None), r.known_to > at))
        return sorted((dict(row) for (row,) in conn.execute(query)), key=order_key)

    @staticmethod
    def _reviews(conn: Connection, at: int) -> dict[str, ReviewStatus]:
        v = finding_reviews.c
        reviews: dict[str, ReviewStatus] = {}
        for p, key, conclusion, reason, by, on in conn.execute(
                select(v.position, v.key, v.conclusion, v.reason, v.reviewed_by, v.reviewed_at)
                .where(v.position <= at).order_by(v.position)):
            reviews[key] = ReviewStatus(conclusion, reason, by, datetime.fromisoformat(on),
                                        int(p))
        return reviews


def _answer(row: dict[str, Any], review: ReviewStatus | None) -> dict[str, Any]:
    answer = {k: v for k, v in row.items() if k != "units"}
    answer["review_status"] = review.conclusion if review else UNREVIEWED
    answer["reviewed_by"] = review.reviewed_by if review else None
    answer["review"] = None if review is None else {
        "conclusion": review.conclusion, "reason": review.reason,
        "reviewed_by": review.reviewed_by, "reviewed_at": review.reviewed_at.isoformat(),
        "position": review.position}
    return answer


def rows_of(findings: Sequence[Finding], tree: RecordFacts) -> list[dict[str, Any]]:
    """Findings as `FindingsReader` answers them (unreviewed), for comparisons."""
    return sorted((_answer(stored_row(f, tree), None) for f in findings),
                  key=order_key)
