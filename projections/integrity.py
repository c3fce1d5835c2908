"""Read-model tables of appointment dossiers, asset declarations and foreign travel
(domain/integrity.py), and their pure event → row functions.

Like the casework's tables (projections/inspection.py, which lists these beside its own so they
rebuild with the rest), every event appends rows and changes none: what was known at a log
position K is what the rows with `position <= K` say; a dossier's or a record's owner (cadre,
holding) is in its opening row, joined by the aggregate's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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
    select,
)

from domain.integrity import AppointmentDossier, IntegrityRecord
from projections.rows import Open, jsonable

INTEGRITY_TABLES = ("insp_dossiers", "insp_dossier_steps", "insp_integrity", "insp_declarations",
                    "insp_travels", "insp_travel_reports")


def _acted() -> list[Column]:  # type: ignore[type-arg]
    return [Column("effective_on", Date, nullable=False),
            Column("recorded_by", String(200), nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False)]


def integrity_tables(md: MetaData, prefix: str) -> list[Table]:
    p = prefix
    return [
        Table(p + "insp_dossiers", md,
              Column("dossier_id", Uuid, primary_key=True),
              Column("cadre_id", Uuid, nullable=False),
              Column("holding_id", Uuid, nullable=False),
              *_acted(),
              Column("position", BigInteger, nullable=False),
              Index(f"ix_{p}insp_dossiers_cadre", "cadre_id")),
        Table(p + "insp_dossier_steps", md,
              Column("position", BigInteger, primary_key=True, autoincrement=False),
              Column("dossier_id", Uuid, nullable=False),
              Column("step", String(32), nullable=False),
              Column("reference", String(200), nullable=False),
              Column("votes_for", Integer),
              Column("votes_total", Integer),
              Column("note", Text),
              Column("decision", JSON),
              *_acted(),
              Index(f"ix_{p}insp_dossier_steps_dossier", "dossier_id")),
        Table(p + "insp_integrity", md,
              Column("record_id", Uuid, primary_key=True),
              Column("cadre_id", Uuid, nullable=False),
              *_acted(),
              Column("position", BigInteger, nullable=False),
              Index(f"ix_{p}insp_integrity_cadre", "cadre_id")),
        Table(p + "insp_declarations", md,
              Column("position", BigInteger, primary_key=True, autoincrement=False),
              Column("record_id", Uuid, nullable=False),
              Column("declaration_id", Uuid, nullable=False),
              Column("kind", String(32), nullable=False),
              Column("year", Integer),
              Column("reference", String(200), nullable=False),
              *_acted(),
              Index(f"ix_{p}insp_declarations_record", "record_id")),
        Table(p + "insp_travels", md,
              Column("position", BigInteger, primary_key=True, autoincrement=False),
              Column("record_id", Uuid, nullable=False),
              Column("travel_id", Uuid, nullable=False),
              Column("purpose", String(32), nullable=False),
              Column("departed_on", Date, nullable=False),
              Column("returned_on", Date, nullable=False),
              Column("reference", String(200)),
              Column("permission", JSON),
              *_acted(),
              Index(f"ix_{p}insp_travels_record", "record_id")),
        Table(p + "insp_travel_reports", md,
              Column("position", BigInteger, primary_key=True, autoincrement=False),
              Column("record_id", Uuid, nullable=False),
              Column("travel_id", Uuid, nullable=False),
              Column("reference", String(200), nullable=False),
              *_acted(),
              Index(f"ix_{p}insp_travel_reports_travel", "travel_id")),
    ]


def integrity_rows(event: Any, position: int, recorded_at: datetime) -> list[Open]:
    """The rows one dossier or integrity event appends (none for any other event)."""
    if not isinstance(event, AppointmentDossier.Event | IntegrityRecord.Event):
        return []
    fields: Any = event
    acted = dict(effective_on=fields.effective_on, recorded_by=str(fields.recorded_by),
                 recorded_at=recorded_at)
    aid = event.originator_id
    if isinstance(event, AppointmentDossier.Opened):
        return [Open("insp_dossiers", dict(dossier_id=aid, cadre_id=event.cadre_id,
                                           holding_id=event.holding_id, position=position,
                                           **acted))]
    if isinstance(event, AppointmentDossier.StepRecorded):
        return [Open("insp_dossier_steps", dict(
            position=position, dossier_id=aid, step=str(event.step), reference=event.reference,
            votes_for=event.votes_for, votes_total=event.votes_total, note=event.note,
            decision=jsonable(event.decision) if event.decision else None, **acted))]
    if isinstance(event, IntegrityRecord.Opened):
        return [Open("insp_integrity", dict(record_id=aid, cadre_id=event.cadre_id,
                                            position=position, **acted))]
    if isinstance(event, IntegrityRecord.AssetsDeclared):
        return [Open("insp_declarations", dict(
            position=position, record_id=aid, declaration_id=event.declaration_id,
            kind=str(event.kind), year=event.year, reference=event.reference, **acted))]
    if isinstance(event, IntegrityRecord.TravelRecorded):
        return [Open("insp_travels", dict(
            position=position, record_id=aid, travel_id=event.travel_id,
            purpose=str(event.purpose), departed_on=event.departed_on,
            returned_on=event.returned_on, reference=event.reference,
            permission=jsonable(event.permission) if event.permission else None, **acted))]
    if isinstance(event, IntegrityRecord.TravelReported):
        return [Open("insp_travel_reports", dict(
            position=position, record_id=aid, travel_id=event.travel_id,
            reference=event.reference, **acted))]
    return []


def integrity_of(conn: Any, tables: dict[str, Table], cadre_id: Any,
                 position: int) -> dict[str, Any]:
    """A cadre's dossiers (each with its steps in date order), declarations and travel (each
    with its report), as recorded by `position`."""
    d, s = tables["insp_dossiers"], tables["insp_dossier_steps"]
    i, x = tables["insp_integrity"], tables["insp_declarations"]
    t, r = tables["insp_travels"], tables["insp_travel_reports"]
    dossiers = [dict(row) for row in conn.execute(
        select(d).where(d.c.cadre_id == cadre_id, d.c.position <= position)
        .order_by(d.c.position)).mappings()]
    for dossier in dossiers:
        dossier["steps"] = [dict(row) for row in conn.execute(
            select(s).where(s.c.dossier_id == dossier["dossier_id"], s.c.position <= position)
            .order_by(s.c.effective_on, s.c.position)).mappings()]
    records = [row.record_id for row in conn.execute(
        select(i.c.record_id).where(i.c.cadre_id == cadre_id, i.c.position <= position))]
    declarations = [dict(row) for row in conn.execute(
        select(x).where(x.c.record_id.in_(records), x.c.position <= position)
        .order_by(x.c.effective_on, x.c.position)).mappings()] if records else []
    travels = [dict(row) for row in conn.execute(
        select(t).where(t.c.record_id.in_(records), t.c.position <= position)
        .order_by(t.c.departed_on, t.c.position)).mappings()] if records else []
    reports = {row["travel_id"]: dict(row) for row in conn.execute(
        select(r).where(r.c.record_id.in_(records), r.c.position <= position)).mappings()
    } if records else {}
    for travel in travels:
        travel["report"] = reports.get(travel["travel_id"])
    return {"dossiers": dossiers, "declarations": declarations, "travels": travels}
