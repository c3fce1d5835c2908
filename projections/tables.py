"""Read-model tables, one set per generation.

Every table that answers "as known at" carries the log interval in which a row was the record's
view: `rec_from` (position that opened it) and `rec_to` (position that superseded it; NULL while
in force). Valid time is in the row's own dates (`since`/`until`, `effective_on`). A question for
(as_of, known_at) resolves known_at to a position K and keeps rows with
`rec_from <= K AND (rec_to IS NULL OR rec_to > K)`.

A rebuild fills a new generation (tables `rm<gen>_*`) while queries keep using the active one;
switching is one update of `rm_meta`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from projections.inspection import inspection_tables

# Bump when a row function or table shape changes: the service then rebuilds on start.
PROJECTION_VERSION = 9  # 6: dossiers, declarations, travel; 7: title versions, titles'
# area_head, facts' variant, programmes; 8: findings stored beside the read side (ADR 0009);
# 9: the cadre-quality counts

meta_metadata = MetaData()

# One row per generation; the active one answers queries.
generations = Table(
    "rm_meta",
    meta_metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("projection_version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # building | active | retired
)


@dataclass(frozen=True)
class ReadTables:
    generation: int
    metadata: MetaData
    log: Table
    units: Table
    unit_facts: Table
    titles: Table
    cadres: Table
    holdings: Table
    plannings: Table
    levels: Table
    facts: Table
    entries: Table
    correction_requests: Table
    correction_answers: Table
    # Dated versions of each title's tier and standards (valid_from None: from the start).
    title_versions: Table
    # The training programmes an administrator added to the catalogue (domain/programmes.py).
    programmes: Table
    # The inspection casework's tables by name (projections/inspection.py).
    inspection: dict[str, Table] = field(default_factory=dict)
    # The cadre-quality report's counts by unit and date (projections/quality_counts.py).
    quality: dict[str, Table] = field(default_factory=dict)

    def all(self) -> list[Table]:
        return [self.log, self.units, self.unit_facts, self.titles, self.cadres, self.holdings,
                self.plannings, self.levels, self.facts, self.entries, self.correction_requests,
                self.correction_answers, self.title_versions, self.programmes,
                *self.inspection.values(), *self.quality.values()]

    def table(self, name: str) -> Table:
        found: Table = self.inspection[name] if name in self.inspection else getattr(self, name)
        return found


def _interval() -> list[Column]:  # type: ignore[type-arg]
    return [Column("rec_from", BigInteger, nullable=False), Column("rec_to", BigInteger)]


@lru_cache(maxsize=8)  # Table objects are immutable; building them costs milliseconds
def read_tables(generation: int) -> ReadTables:
    md = MetaData()
    p = f"rm{generation}_"
    log = Table(
        p + "log", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("recorded_by", String(200), nullable=False),
        Column("type", String(64), nullable=False),
        Column("originator_id", Uuid, nullable=False),
        Column("cadre_id", Uuid),
        # known_at → position walks this index backwards: O(log n), never a scan.
        Index(f"ix_{p}log_recorded_at", "recorded_at", "position"),
        Index(f"ix_{p}log_cadre", "cadre_id", "position"),
        Index(f"ix_{p}log_actor", "recorded_by", "position"),
    )
    units = Table(
        p + "units", md,
        Column("unit_id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False),
        Column("kind", String(64), nullable=False),
        Column("established_on", Date, nullable=False),
        Column("position", BigInteger, nullable=False),
    )
    # Point facts of a unit's life (name, parent, end), each from its effective date onward.
    unit_facts = Table(
        p + "unit_facts", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("unit_id", Uuid, nullable=False),
        Column("attr", String(16), nullable=False),  # name | parent | end | merged_into
        Column("effective_on", Date, nullable=False),
        Column("value", String(400)),
        Column("position", BigInteger, nullable=False),
        Index(f"ix_{p}unit_facts_unit", "unit_id", "effective_on"),
    )
    titles = Table(
        p + "titles", md,
        Column("code", String(64), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("is_head", Boolean, nullable=False),
        Column("management_tier", String(64), nullable=False),
        Column("rank", Integer, nullable=False),
        Column("sector", String(64)),
        Column("standards", JSON),
        Column("unit_kinds", JSON),  # None: the title fits every unit
        Column("levels", JSON),
        Column("area_head", Boolean),  # None: recorded before the flag existed
        Column("position", BigInteger, nullable=False),
    )
    title_versions = Table(
        p + "title_versions", md,
        Column("code", String(64), nullable=False),
        Column("valid_from", Date),  # None: the registered version, in force from the start
        Column("management_tier", String(64), nullable=False),
        Column("standards", JSON),
        Column("source", String(400)),
        Column("position", BigInteger, nullable=False),
        Index(f"ix_{p}title_versions_code", "code", "position"),
    )
    programmes = Table(
        p + "programmes", md,
        Column("code", String(64), primary_key=True),
        Column("name", String(500), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("position", BigInteger, nullable=False),
    )
    cadres = Table(
        p + "cadres", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("cadre_id", Uuid, nullable=False),
        Column("full_name", String(200), nullable=False),
        Column("name_folded", String(200), nullable=False),
        Column("gender", String(8), nullable=False),
        Column("born_on", Date, nullable=False),
        Column("party_joined_on", Date),
        Column("sensitive", JSON),
        Column("registered_on", Date, nullable=False),
        Column("registered_by", String(200), nullable=False),
        Column("entry_position", BigInteger, nullable=False),
        *_interval(),
        Index(f"ix_{p}cadres_cadre", "cadre_id", "rec_to"),
        Index(f"ix_{p}cadres_name", "name_folded"),
    )
    holdings = Table(
        p + "holdings", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("holding_id", Uuid, nullable=False),
        Column("cadre_id", Uuid, nullable=False),
        Column("unit_id", Uuid, nullable=False),
        Column("title_code", String(64), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("since", Date, nullable=False),
        Column("until", Date),
        Column("end_reason", String(32)),
        Column("decision", JSON, nullable=False),
        Column("ending_decision", JSON),
        Column("special_case", Boolean, nullable=False),
        Column("planned_end_on", Date),
        Column("appointed_position", BigInteger, nullable=False),
        Column("ended_position", BigInteger),
        *_interval(),
        Index(f"ix_{p}holdings_unit", "unit_id", "since"),
        Index(f"ix_{p}holdings_cadre", "cadre_id", "since"),
        Index(f"ix_{p}holdings_key", "holding_id", "rec_to"),
    )
    plannings = Table(
        p + "plannings", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("planning_id", Uuid, nullable=False),
        Column("cadre_id", Uuid, nullable=False),
        Column("unit_id", Uuid, nullable=False),
        Column("title_code", String(64), nullable=False),
        Column("term", String(16), nullable=False),
        Column("decided_on", Date, nullable=False),
        Column("removed_on", Date),
        Column("decision", JSON, nullable=False),
        Column("planned_position", BigInteger, nullable=False),
        Column("removed_position", BigInteger),
        *_interval(),
        Index(f"ix_{p}plannings_cadre", "cadre_id"),
        Index(f"ix_{p}plannings_key", "planning_id", "rec_to"),
    )
    # Qualification levels (registration, degrees, completed courses), each from `obtained_on`.
    levels = Table(
        p + "levels", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("cadre_id", Uuid, nullable=False),
        Column("kind", String(32), nullable=False),
        Column("level", String(64), nullable=False),
        Column("rank", Integer, nullable=False),
        Column("obtained_on", Date, nullable=False),
        Column("entry_position", BigInteger, nullable=False),
        *_interval(),
        Index(f"ix_{p}levels_cadre", "cadre_id", "kind"),
        Index(f"ix_{p}levels_key", "entry_position", "rec_to"),
    )
    # Other dated facts: evaluation, training, discipline, vetting, nomination, relative.
    facts = Table(
        p + "facts", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("cadre_id", Uuid, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("code", String(200)),  # rating, programme, form, purpose, relation
        Column("period", String(16)),
        Column("effective_on", Date, nullable=False),
        Column("ends_on", Date),
        Column("unit_id", Uuid),
        Column("variant", String(32)),  # employment: biên chế or hợp đồng (employment_kind)
        Column("payload", JSON, nullable=False),
        Column("entry_position", BigInteger, nullable=False),
        *_interval(),
        Index(f"ix_{p}facts_cadre", "cadre_id", "kind"),
        Index(f"ix_{p}facts_kind", "kind", "effective_on"),
        Index(f"ix_{p}facts_key", "entry_position", "rec_to"),
    )
    # The hồ sơ công vụ: one entry per event; a correction marks its target as superseded.
    entries = Table(
        p + "entries", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("cadre_id", Uuid, nullable=False),
        Column("type", String(64), nullable=False),
        Column("effective_on", Date, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("recorded_by", String(200), nullable=False),
        Column("decision", JSON),
        Column("summary", Text, nullable=False),
        Column("fact_key", String(64)),
        Column("target_position", BigInteger),
        Column("superseded_at", BigInteger),
        Column("superseded_how", String(16)),  # corrected | retracted
        Index(f"ix_{p}entries_cadre", "cadre_id", "position"),
    )
    # Self-service correction requests (projections/correction_requests.py): who asked about
    # which entry, and the answer; what they wrote stays sealed in the log.
    correction_requests = Table(
        p + "correction_requests", md,
        Column("request_id", Uuid, primary_key=True),
        Column("cadre_id", Uuid, nullable=False),
        Column("target_position", BigInteger, nullable=False),
        Column("target_type", String(64), nullable=False),
        Column("identity", Boolean, nullable=False),
        Column("requested_on", Date, nullable=False),
        Column("requested_by", String(200), nullable=False),
        Column("position", BigInteger, nullable=False),
        Index(f"ix_{p}correction_requests_cadre", "cadre_id", "position"),
    )
    correction_answers = Table(
        p + "correction_answers", md,
        Column("request_id", Uuid, primary_key=True),
        Column("outcome", String(16), nullable=False),
        Column("how", String(16)),
        Column("answered_on", Date, nullable=False),
        Column("answered_by", String(200), nullable=False),
        Column("position", BigInteger, nullable=False),
    )
    return ReadTables(generation, md, log, units, unit_facts, titles, cadres, holdings,
                      plannings, levels, facts, entries, correction_requests, correction_answers,
                      title_versions, programmes, inspection_tables(md, p), quality_tables(md, p))


def quality_tables(md: MetaData, p: str) -> dict[str, Table]:
    """The cadre-quality report's counts (issue 19, projections/quality_counts.py): for each
    unit, the report's columns counted from each day they change (`counts`, canonical JSON of
    the non-zero columns, valid until the unit's next row); and the spans of days a cadre holds
    posts in two units or more, with those units (a unit-scoped report counts those
    cadres again)."""
    counts = Table(
        p + "quality_counts", md,
        Column("unit_id", Uuid, primary_key=True),
        Column("since", Date, primary_key=True),
        Column("counts", Text, nullable=False),
    )
    multi = Table(
        p + "quality_multi", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("cadre_id", Uuid, nullable=False),
        Column("since", Date, nullable=False),
        Column("until", Date),
        Column("units", Text, nullable=False),
        Index(f"ix_{p}quality_multi_cadre", "cadre_id"),
        Index(f"ix_{p}quality_multi_since", "since"),
    )
    return {"quality_counts": counts, "quality_multi": multi}
