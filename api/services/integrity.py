"""Authority, appointment dossiers, asset declarations and foreign travel: the service functions
and payload models the API's routes and the web's pages share."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.errors import problem_responses
from api.schemas import Answer, Day, DecisionIn, DecisionOut, Row, Text
from api.security import (
    Principal,
    check_read_cadre,
    check_write_cadre,
    record_read,
)
from domain.application import Receipt as DomainReceipt
from domain.casework import IntegrityWork
from domain.integrity import (
    DeclarationKind,
    DeclareAssets,
    DossierStep,
    RecordStep,
    RecordTravel,
    ReportTravel,
    TravelPurpose,
)
from domain.rules.pack import default_pack
from infra.access import AccessStore
from projections.integrity import integrity_of

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


READ_PROBLEMS = problem_responses(401, 403, 404, 422)


WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "step": "lay_phieu", "effective_on": "2024-03-05", "reference": "12/BB-HN",
        "votes_for": 14, "votes_total": 17}]})

    step: DossierStep = Field(description="chu_truong | gioi_thieu | lay_phieu | tham_dinh | "
                                          "quyet_dinh")
    effective_on: Day = Field(description="the step's date")
    reference: Text = Field(description="biên bản, tờ trình, nghị quyết: number and symbol")
    votes_for: int | None = Field(None, ge=0, description="votes in favour")
    votes_total: int | None = Field(None, ge=1, description="those called to the vote")
    note: Text | None = None
    decision: DecisionIn | None = None


class DeclarationIn(_In):
    kind: DeclarationKind = Field(description="lan_dau | hang_nam | bo_sung | phuc_vu_can_bo")
    effective_on: Day = Field(description="the day the declaration was made")
    reference: Text = Field(description="the declaration's reference (the content stays "
                                        "outside the product)")
    year: int | None = Field(None, ge=1990, le=2199)


class TravelIn(_In):
    purpose: TravelPurpose = Field(description="cong_vu | viec_rieng")
    departed_on: Day
    returned_on: Day
    reference: Text | None = None
    permission: DecisionIn | None = Field(None, description="the decision permitting the trip")


class TravelReportIn(_In):
    effective_on: Day = Field(description="the report's date")
    reference: Text


class IntegrityReceipt(BaseModel):
    id: UUID
    position: int
    declaration_id: UUID | None = None
    travel_id: UUID | None = None


class ActedOut(Row):
    effective_on: date
    recorded_by: str
    recorded_at: datetime
    position: int


class StepOut(ActedOut):
    step: str
    reference: str
    votes_for: int | None = None
    votes_total: int | None = None
    note: str | None = None
    decision: DecisionOut | None = None


class DossierOut(ActedOut):
    dossier_id: UUID
    holding_id: UUID
    steps: list[StepOut]


class DeclarationOut(ActedOut):
    declaration_id: UUID
    kind: str
    year: int | None = None
    reference: str


class TravelOut(ActedOut):
    travel_id: UUID
    purpose: str
    departed_on: date
    returned_on: date
    reference: str | None = None
    permission: DecisionOut | None = None
    report: dict[str, Any] | None = None


class IntegrityOut(Answer):
    cadre_id: UUID
    dossiers: list[DossierOut]
    declarations: list[DeclarationOut]
    travels: list[TravelOut]


class BodyOut(BaseModel):
    code: str
    name: str
    level: str
    sphere: str
    patterns: list[str]


class AuthorityVersionOut(BaseModel):
    version: str
    valid_from: date
    valid_to: date | None = None
    source: str
    verify: list[str]
    actions: dict[str, str] = Field(description="action kind -> action of the table")
    authority: dict[str, dict[str, list[str]]] = Field(
        description="action -> management tier -> the bodies competent")


class AuthorityOut(BaseModel):
    bodies: list[BodyOut]
    versions: list[AuthorityVersionOut]


def authority() -> dict[str, Any]:
    pack = default_pack()
    return {"bodies": [b.as_dict() for b in pack.bodies],
            "versions": [dict(version=v.version, valid_from=v.valid_from, valid_to=v.valid_to,
                              source=v.source, verify=list(v.verify),
                              actions=dict(v.params.get("actions", {})),
                              authority={a: dict(t) for a, t in
                                         v.params.get("authority", {}).items()})
                         for v in pack.history("issuer_not_competent")]}


def read_integrity(p: Principal, runtime: Runtime, access: AccessStore, cadre_id: UUID,
                   m: Moment) -> dict[str, Any]:
    check_read_cadre(p, runtime, cadre_id, m)
    runtime.app.cadre(cadre_id, "id")
    with runtime.read_model.engine.connect() as conn:
        tables = runtime.read_model._tables(conn).inspection
        found = integrity_of(conn, tables, cadre_id, m.position)
    record_read(access, p, cadre_id, "record", m)
    return dict(found, cadre_id=cadre_id)


def _answer(runtime: Runtime, receipt: DomainReceipt, **ids: UUID) -> IntegrityReceipt:
    runtime.written(receipt.position)
    return IntegrityReceipt(id=receipt.id, position=receipt.position, **ids)


def record_step(p: Principal, runtime: Runtime, cadre_id: UUID, holding_id: UUID,
                body: StepIn) -> IntegrityReceipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, IntegrityWork(runtime.app).record_step(RecordStep(
        cadre_id=cadre_id, holding_id=holding_id, step=body.step,
        effective_on=body.effective_on, reference=body.reference, votes_for=body.votes_for,
        votes_total=body.votes_total, note=body.note,
        decision=body.decision.to_domain() if body.decision else None, recorded_by=p.name)))


def declare_assets(p: Principal, runtime: Runtime, cadre_id: UUID,
                   body: DeclarationIn) -> IntegrityReceipt:
    check_write_cadre(p, runtime, cadre_id)
    receipt, declaration_id = IntegrityWork(runtime.app).declare_assets(DeclareAssets(
        cadre_id=cadre_id, kind=body.kind, effective_on=body.effective_on,
        reference=body.reference, year=body.year, recorded_by=p.name))
    return _answer(runtime, receipt, declaration_id=declaration_id)


def record_travel(p: Principal, runtime: Runtime, cadre_id: UUID,
                  body: TravelIn) -> IntegrityReceipt:
    check_write_cadre(p, runtime, cadre_id)
    receipt, travel_id = IntegrityWork(runtime.app).record_travel(RecordTravel(
        cadre_id=cadre_id, purpose=body.purpose, departed_on=body.departed_on,
        returned_on=body.returned_on, reference=body.reference,
        permission=body.permission.to_domain() if body.permission else None,
        recorded_by=p.name))
    return _answer(runtime, receipt, travel_id=travel_id)


def report_travel(p: Principal, runtime: Runtime, cadre_id: UUID, travel_id: UUID,
                  body: TravelReportIn) -> IntegrityReceipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, IntegrityWork(runtime.app).report_travel(cadre_id, ReportTravel(
        travel_id=travel_id, effective_on=body.effective_on, reference=body.reference,
        recorded_by=p.name)), travel_id=travel_id)
