"""Oversight (kiểm soát quyền lực): the rule pack, the findings it yields, inspectors' reviews.

Findings come from the process's `FindingsReader` (projections.findings), caught up with the log
before each answer, so a read after a write reflects it. Inspectors and administrators read
everything; a leader reads the findings of its unit subtree. Reviewing a finding is the
inspector's own act of oversight, recorded in the log; it changes no personnel record (see
docs/rules.md).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api import services
from api.deps import AsOfQuery, KnownAtQuery, get_access, get_runtime, utc_instant
from api.errors import problem_responses
from api.schemas import Answer, Day, DecisionOut, LongText, Receipt, Row
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    Principal,
    check_read_unit,
    get_principal,
    require_role,
)
from domain.errors import NotPermitted
from domain.rules.pack import RULE_IDS, SEVERITIES, default_pack
from domain.values import ReviewConclusion
from infra.access import AccessStore
from projections.findings_store import FindingsReader

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["oversight"])

READ_PROBLEMS = problem_responses(401, 403, 422)
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)
FINDINGS_READERS = (ADMIN, INSPECTOR, LEADER)

_index_lock = threading.Lock()


def get_findings_index(request: Request) -> FindingsReader:
    """The process's findings index, kept by the runtime."""
    runtime: Runtime = request.app.state.runtime
    return runtime.findings


# --- models --------------------------------------------------------------------------------


def _rule_id(value: str | None) -> str | None:
    if value is not None and value not in RULE_IDS:
        raise ValueError(f"quy tắc không tồn tại (unknown rule; one of {', '.join(RULE_IDS)})")
    return value


def _severity(value: str | None) -> str | None:
    if value is not None and value not in SEVERITIES:
        raise ValueError(f"mức độ không hợp lệ (severity must be one of {', '.join(SEVERITIES)})")
    return value


RuleQuery = Annotated[str | None, Query(description="rule id, e.g. discipline_bar"),
                      AfterValidator(_rule_id)]
SeverityQuery = Annotated[str | None, Query(description="high | medium | low"),
                          AfterValidator(_severity)]


class RuleOut(Row):
    id: str
    version: str
    title: str
    params: dict[str, Any]
    valid_from: date
    valid_to: date | None = Field(None, description="last day in force (inclusive); null: "
                                                    "still in force")
    severity: str
    source: str
    verify: list[str] = Field(description="params (or 'source') still to be verified against "
                                          "the published text")
    track: str | None = None
    in_force: bool = Field(description="in force on `as_of`")


class RulesOut(Answer):
    rules: list[RuleOut]
    retirement_age: dict[str, Any]


class ReviewOut(Row):
    conclusion: ReviewConclusion
    reason: str
    reviewed_by: str
    reviewed_at: datetime
    position: int


class FindingOut(Row):
    id: str = Field(description="stable key of the finding (reviews attach to it)")
    rule: str
    rule_version: str
    severity: str
    cadre_id: UUID | None = None
    unit_id: UUID | None = None
    decision: DecisionOut | None = None
    effective_on: date
    summary: str
    evidence: list[int] = Field(description="log positions; the decision judged first")
    declared: bool = Field(description="the decision carried an explicit special-case flag")
    review_status: str = Field(description="unreviewed | confirmed | dismissed | needs_action")
    reviewed_by: str | None = None
    review: ReviewOut | None = None


class FindingsOut(Answer):
    findings: list[FindingOut]
    count: int
    by_rule: dict[str, int]


class ReviewIn(BaseModel):
    """An inspector's conclusion on a finding. `as_of`/`known_at` name the moment at which the
    finding was shown, when it is not among today's findings (default: today, now)."""

    model_config = ConfigDict(extra="forbid")

    conclusion: ReviewConclusion
    reason: LongText
    as_of: Day | None = None
    known_at: Annotated[datetime | None, AfterValidator(utc_instant)] = None


# --- routes --------------------------------------------------------------------------------


@router.get("/rules", response_model=RulesOut, responses=READ_PROBLEMS,
            summary="Bộ quy tắc kiểm soát quyền lực, theo phiên bản (the versioned rule pack)",
            operation_id="list_rules")
def list_rules(as_of: AsOfQuery = None, p: Principal = Depends(get_principal),
               runtime: Runtime = Depends(get_runtime),
               index: FindingsReader = Depends(get_findings_index)) -> RulesOut:
    require_role(p, *FINDINGS_READERS)
    day = as_of or runtime.app.window().today
    pack = index.pack or default_pack()
    rules = [RuleOut(**v.as_dict(), in_force=v.in_force_on(day)) for v in pack.versions]
    head = runtime.log.head()  # the pack is not read from the log; this is where it stands
    return RulesOut(as_of=day, known_at=runtime.clock.now(), position=head[0] if head else 0,
                    rules=rules, retirement_age=pack.retirement.as_dict())


@router.get("/findings", response_model=FindingsOut, responses=READ_PROBLEMS,
            summary="Các phát hiện vi phạm, kèm chứng cứ và kết luận (findings with evidence)",
            operation_id="list_findings")
def list_findings(as_of: AsOfQuery = None, known_at: KnownAtQuery = None,
                  rule: RuleQuery = None, unit_id: UUID | None = Query(None),
                  severity: SeverityQuery = None, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime),
                  index: FindingsReader = Depends(get_findings_index),
                  access: AccessStore = Depends(get_access)) -> FindingsOut:
    require_role(p, *FINDINGS_READERS)
    day = as_of or runtime.app.window().today
    if p.role == LEADER:
        unit_id = _leader_scope(p, runtime, unit_id, day, known_at)
    position = None if known_at is None else index.position_at(known_at)
    answer = index.findings(day, position, rule=rule, unit_id=unit_id, severity=severity)
    by_rule: dict[str, int] = {}
    for row in answer.findings:
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + 1
    shown_at = known_at or runtime.clock.now()
    # Findings name the cadres they concern: one read-audit row per cadre listed.
    access.record_reads(reader=p.name, role=p.role, what="findings", as_of=day,
                        known_at=shown_at, position=answer.position,
                        cadre_ids=[UUID(str(r["cadre_id"])) for r in answer.findings
                                   if r.get("cadre_id")])
    return FindingsOut.model_validate(dict(
        as_of=day, known_at=shown_at, position=answer.position,
        findings=answer.findings, count=len(answer.findings), by_rule=by_rule))


@router.post("/findings/{finding_id}/reviews", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Kết luận của cơ quan kiểm tra về một phát hiện (review a finding)",
             operation_id="review_finding")
def post_review(finding_id: UUID, body: ReviewIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.review_finding(runtime, p, str(finding_id), conclusion=body.conclusion,
                                      reason=body.reason, as_of=body.as_of,
                                      known_at=body.known_at)
    return Receipt(id=receipt.id, position=receipt.position)


def _leader_scope(p: Principal, runtime: Runtime, unit_id: UUID | None, day: date,
                  known_at: datetime | None) -> UUID:
    """A leader reads the findings of its own unit subtree (the whole of it by default)."""
    if p.unit_id is None:
        raise NotPermitted("Lãnh đạo chưa được gán đơn vị (leader without a unit)",
                           code="forbidden")
    if unit_id is None:
        return p.unit_id
    runtime.read_side_current()
    check_read_unit(p, runtime, unit_id, runtime.read_model.moment(day, known_at))
    return unit_id
