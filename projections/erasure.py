"""What an erasure (`Cadre.PersonalDataErased`) does to the read-side rows, live and on rebuild
alike (contract v1.1 "Personal data"; docs/operations.md §9.1).

The erased cadre's own rows lose the name by their cadre id. Other cadres' entries that name
them (a decision they signed, a relative's entry) cannot be found by the name on a rebuild: the
name is sealed under the destroyed key. So the erasure records where the name was mentioned
(`Mentions`, found by `mentions_of` on the read side while the name could still be read): the
log positions of the entries that spell it, and for each spelling one place to read it from.
The scrub reads the spellings there and replaces them in the rows that came from those entries
only — whatever order the rows were written in, and whether before the erasure (live) or after
(a rebuild's bulk load). A later entry that carries the same text is not a mention: it stays as
recorded, live and rebuilt.

An erasure recorded before mentions were (v1, `mentions` None) scrubs by the names of the
cadre's rows, everywhere, as it always did: live only, a rebuild cannot read those names.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, String, cast, func, select, update

from domain.values import ERASED_NAME, MENTION_FIELDS, Mentions, Spelling
from projections.tables import ReadTables

CHUNK = 500  # positions per IN list (SQLite's variable limit)


def _sources(t: ReadTables) -> list[tuple[Any, Column[Any], Column[Any]]]:
    """Each text column a mention may spell a name in, with the log position it came from."""
    return [(t.entries, t.entries.c.position, t.entries.c.summary),
            (t.entries, t.entries.c.position, t.entries.c.decision),
            (t.facts, t.facts.c.entry_position, t.facts.c.payload),
            (t.holdings, t.holdings.c.appointed_position, t.holdings.c.decision),
            (t.holdings, t.holdings.c.ended_position, t.holdings.c.ending_decision),
            (t.plannings, t.plannings.c.planned_position, t.plannings.c.decision)]


def own_names(conn: Connection, t: ReadTables, cadre_id: UUID) -> set[str]:
    """The names the cadre's rows carry (every version), as long as they can be read."""
    return {n for n in conn.execute(select(t.cadres.c.full_name)
                                    .where(t.cadres.c.cadre_id == cadre_id)).scalars()
            if n and n != ERASED_NAME}


def mentions_of(conn: Connection, t: ReadTables, cadre_id: UUID) -> Mentions:
    """Where the read side spells the cadre's names: the entries (the cadre's own too: a
    decision they signed themselves) and one readable spelling of each name. The name is
    matched as the live scrub always matched it: anywhere in the text."""
    names = own_names(conn, t, cadre_id)
    positions: set[int] = set()
    spellings: list[Spelling] = []
    for name in sorted(names, key=len, reverse=True):
        spelled: Spelling | None = None
        for table, origin, column in _sources(t):
            json_column = column.name != "summary"
            match = cast(column, String).contains(json.dumps(name)[1:-1], autoescape=True) \
                if json_column else column.contains(name, autoescape=True)
            for position, value, owner in conn.execute(
                    select(origin, column, table.c.cadre_id).where(match)):
                positions.add(int(position))
                if spelled is None and (owner != cadre_id or json_column):
                    # One place a rebuild reads the name again: not the cadre's own sealed
                    # fields (their summaries render it erased), a signer of theirs is readable.
                    spelled = _spelling(int(position), column.name, value, name,
                                        own=owner == cadre_id)
        if spelled is not None:
            spellings.append(spelled)
    return Mentions(tuple(sorted(positions)), tuple(spellings))


def _spelling(position: int, column: str, value: Any, name: str, *, own: bool) -> Spelling | None:
    if column == "summary":
        start = str(value).find(name)
        return Spelling(position, "summary", start, start + len(name)) if start >= 0 else None
    for key, text in _strings(value):
        if key in MENTION_FIELDS and (key == "signer" or not own) and (at := text.find(name)) >= 0:
            return Spelling(position, key, at, at + len(name))
    return None


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON value, with the key it is under."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def spelled_in_event(event: Any, spelling: Spelling) -> set[str]:
    """The name a spelling reads in the event at its position (the findings fold, which reads
    the log, not the read side's rows); a summary is the read side's, not the event's."""
    return {text[spelling.start:spelling.end] for key, text in _strings(_plain(vars(event)))
            if key == spelling.field and len(text) >= spelling.end} - {"", ERASED_NAME}


def _plain(value: Any) -> Any:
    """An event's values as JSON-like ones (dataclasses as dicts), for `_strings`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _chunks(positions: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(positions))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i:i + CHUNK]


def spelled_names(conn: Connection, t: ReadTables, mentions: Mentions) -> set[str]:
    """The names the mentions spell, read where the spellings say (a spelling whose row is
    not there, or no longer spells anything, gives nothing)."""
    names: set[str] = set()
    for s in mentions.spellings:
        for _, origin, column in _sources(t):
            if (s.field == "summary") != (column.name == "summary"):
                continue
            for value in conn.execute(select(column).where(origin == s.position)).scalars():
                texts = [str(value)] if s.field == "summary" else \
                    [text for key, text in _strings(value) if key == s.field]
                names |= {text[s.start:s.end] for text in texts if len(text) >= s.end}
    return {n for n in names if n and n != ERASED_NAME}


def scrub_mentions(conn: Connection, t: ReadTables, mentions: Mentions,
                   names: set[str]) -> None:
    """Replace `names` in the rows that came from the mentioned entries."""
    ordered = sorted((n for n in names if n and n != ERASED_NAME), key=len, reverse=True)
    if not ordered:
        return
    for table, origin, column in _sources(t):
        key = table.c.position if table is t.entries else table.c.id
        for chunk in _chunks(mentions.positions):
            for row_key, value in conn.execute(select(key, column).where(origin.in_(chunk))).all():
                scrubbed = without_names(value, ordered)
                if scrubbed != value:
                    conn.execute(update(table).where(key == row_key)
                                 .values({column.name: scrubbed}))


def scrub_everywhere(conn: Connection, t: ReadTables, names: set[str]) -> None:
    """An erasure without mentions (v1): every summary and fact that spells a name."""
    for name in sorted((n for n in names if n and n != ERASED_NAME), key=len, reverse=True):
        conn.execute(update(t.entries)
                     .where(t.entries.c.summary.contains(name, autoescape=True))
                     .values(summary=func.replace(t.entries.c.summary, name, ERASED_NAME)))
        # Facts stored as JSON (another cadre's relative) keep it JSON-escaped.
        spelled = json.dumps(name)[1:-1]
        for fact_id, payload in conn.execute(
                select(t.facts.c.id, t.facts.c.payload)
                .where(cast(t.facts.c.payload, String).contains(spelled, autoescape=True))):
            conn.execute(update(t.facts).where(t.facts.c.id == fact_id)
                         .values(payload=without_names(payload, [name])))


def scrub_own(conn: Connection, t: ReadTables, cadre_id: UUID, names: set[str]) -> None:
    """The cadre's own rows: their summaries, identity and relatives."""
    for name in sorted((n for n in names if n and n != ERASED_NAME), key=len, reverse=True):
        conn.execute(update(t.entries)
                     .where(t.entries.c.cadre_id == cadre_id,
                            t.entries.c.summary.contains(name, autoescape=True))
                     .values(summary=func.replace(t.entries.c.summary, name, ERASED_NAME)))
    conn.execute(update(t.cadres).where(t.cadres.c.cadre_id == cadre_id)
                 .values(full_name=ERASED_NAME, name_folded="", sensitive=None))
    conn.execute(update(t.facts).where(t.facts.c.cadre_id == cadre_id,
                                       t.facts.c.kind == "relative")
                 .values(payload={}))


def without_names(value: Any, names: list[str]) -> Any:
    """`value` (text or a JSON value) with every string spelling a name re-rendered without
    it (the longest names first: one may contain another)."""
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, ERASED_NAME)
        return value
    if isinstance(value, dict):
        return {k: without_names(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [without_names(v, names) for v in value]
    return value
