"""Read-model tables of the inspection casework and their pure event → row functions.

Every inspection event appends rows and changes none: a case's state at a log position K is
what its rows with `position <= K` say (a conclusion, closures), so an answer for a past
`known_at` is what the record said then, and a rebuild gives the same rows. Valid time is in
each row's `effective_on` (and a remedy's `deadline`): a remedy closed on 1/3 was still open
as of 15/2.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

from domain.inspection import InspectionCase, InspectionPlan
from projections.integrity import INTEGRITY_TABLES, integrity_rows, integrity_tables
from projections.rows import Open, jsonable

INSPECTION_TABLES = ("insp_plans", "insp_cases", "insp_evidence", "insp_conclusions",
                     "insp_remedies", "insp_closures", *INTEGRITY_TABLES)


def _acted() -> list[Column]:  # type: ignore[type-arg]
    """Who did it and when (as the log row of the same position says), and on which date."""
    return [Column("effective_on", Date, nullable=False),
            Column("recorded_by", String(200), nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False)]


def inspection_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    p = prefix
    plans = Table(
        p + "insp_plans", md,
        Column("plan_id", Uuid, primary_key=True),
        Column("year", Integer, nullable=False),
        Column("title", String(500), nullable=False),
        Column("subjects", JSON, nullable=False),
        Column("decision", JSON, nullable=False),
        *_acted(),
        Column("position", BigInteger, nullable=False),
        Index(f"ix_{p}insp_plans_year", "year"),
    )
    cases = Table(
        p + "insp_cases", md,
        Column("case_id", Uuid, primary_key=True),
        Column("plan_id", Uuid),
        Column("title", String(500), nullable=False),
        Column("source", String(16), nullable=False),
        Column("finding_key", String(300)),
        Column("finding", JSON),
        Column("description", Text),
        Column("feedback_id", Uuid),
        Column("unit_id", Uuid),
        Column("cadre_id", Uuid),
        *_acted(),
        Column("position", BigInteger, nullable=False),
        Index(f"ix_{p}insp_cases_plan", "plan_id"),
        Index(f"ix_{p}insp_cases_position", "position"),
    )
    evidence = Table(
        p + "insp_evidence", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("case_id", Uuid, nullable=False),
        Column("log_positions", JSON, nullable=False),
        Column("documents", JSON, nullable=False),
        Column("note", Text),
        *_acted(),
        Index(f"ix_{p}insp_evidence_case", "case_id", "position"),
    )
    conclusions = Table(
        p + "insp_conclusions", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("case_id", Uuid, nullable=False),
        Column("text", Text, nullable=False),
        Column("violation_found", Boolean, nullable=False),
        Column("decision", JSON, nullable=False),
        *_acted(),
        Index(f"ix_{p}insp_conclusions_case", "case_id"),
    )
    remedies = Table(
        p + "insp_remedies", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("remedy_id", Uuid, nullable=False),
        Column("case_id", Uuid, nullable=False),
        Column("action", Text, nullable=False),
        Column("owner_unit_id", Uuid),
        Column("owner_cadre_id", Uuid),
        Column("deadline", Date, nullable=False),
        *_acted(),
        Index(f"ix_{p}insp_remedies_case", "case_id"),
        Index(f"ix_{p}insp_remedies_deadline", "deadline"),
    )
    # A remedy's closure (remedy_id set) or the case's own (remedy_id NULL).
    closures = Table(
        p + "insp_closures", md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("case_id", Uuid, nullable=False),
        Column("remedy_id", Uuid),
        Column("text", Text, nullable=False),
        Column("decision", JSON),
        *_acted(),
        Index(f"ix_{p}insp_closures_case", "case_id"),
        Index(f"ix_{p}insp_closures_remedy", "remedy_id"),
    )
    return {t.name[len(p):]: t for t in (plans, cases, evidence, conclusions, remedies,
                                          closures, *integrity_tables(md, p))}


def inspection_rows(event: Any, position: int, recorded_at: datetime) -> list[Open]:
    """The rows one inspection event appends (none for any other event); the dossier,
    declaration and travel events' rows too (projections/integrity.py)."""
    if not isinstance(event, InspectionPlan.Adopted | InspectionCase.Event):
        return integrity_rows(event, position, recorded_at)
    fields: Any = event  # every inspection event carries its date and its author
    acted = dict(effective_on=fields.effective_on, recorded_by=str(fields.recorded_by),
                 recorded_at=recorded_at)
    if isinstance(event, InspectionPlan.Adopted):
        return [Open("insp_plans", dict(
            plan_id=event.originator_id, year=int(event.year), title=event.title,
            subjects=jsonable(list(event.subjects)), decision=jsonable(event.decision),
            position=position, **acted))]
    case_id = event.originator_id
    if isinstance(event, InspectionCase.Opened):
        finding = event.finding
        return [Open("insp_cases", dict(
            case_id=case_id, plan_id=event.plan_id, title=event.title,
            source=str(event.source), finding_key=finding.key if finding else None,
            finding=jsonable(finding) if finding else None, description=event.description,
            feedback_id=event.feedback_id, unit_id=event.unit_id, cadre_id=event.cadre_id,
            position=position, **acted))]
    if isinstance(event, InspectionCase.EvidenceAdded):
        return [Open("insp_evidence", dict(
            position=position, case_id=case_id, log_positions=list(event.log_positions),
            documents=jsonable(list(event.documents)), note=event.note, **acted))]
    if isinstance(event, InspectionCase.Concluded):
        return [Open("insp_conclusions", dict(
            position=position, case_id=case_id, text=event.text,
            violation_found=bool(event.violation_found), decision=jsonable(event.decision),
            **acted))]
    if isinstance(event, InspectionCase.RemedyAssigned):
        return [Open("insp_remedies", dict(
            position=position, remedy_id=event.remedy_id, case_id=case_id,
            action=event.action, owner_unit_id=event.owner_unit_id,
            owner_cadre_id=event.owner_cadre_id, deadline=event.deadline, **acted))]
    if isinstance(event, InspectionCase.RemedyClosed):
        return [Open("insp_closures", dict(
            position=position, case_id=case_id, remedy_id=event.remedy_id, text=event.result,
            decision=jsonable(event.decision), **acted))]
    if isinstance(event, InspectionCase.Closed):
        return [Open("insp_closures", dict(
            position=position, case_id=case_id, remedy_id=None, text=event.note,
            decision=None, **acted))]
    return []
