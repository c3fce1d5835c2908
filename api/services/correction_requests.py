"""Self-service corrections (đề nghị đính chính): the service functions and payload models the
API's routes and the web's pages share."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.errors import problem_responses
from api.schemas import Answer, LongText, Position, Text
from api.security import (
    ADMIN,
    PERSONNEL,
    SELF,
    Principal,
    check_correct_entry,
    check_write_cadre,
    check_write_unit,
    record_read,
    record_reads,
    require_role,
)
from api.services import parse_replacement
from domain.correction_requests import (
    IDENTITY,
    STATUS_LABELS,
    AnswerCorrectionRequest,
    Attachment,
    CorrectionRequest,
    Outcome,
    RequestCorrection,
    RequestStatus,
)
from domain.errors import InvalidCommand, NotFound, NotPermitted
from infra.access import AccessStore
from projections.correction_requests import request_row, requests

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)


READ_PROBLEMS = problem_responses(401, 403, 404, 422)


READ_KIND = "correction"


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(description="the supporting document, e.g. 'Bản sao giấy khai sinh'")
    number: Text | None = Field(None, description="its number or symbol, e.g. '12/GKS'")


class CorrectionRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "target": "identity", "what": "Ngày sinh ghi sai: 12/03/1980, đúng là 21/03/1980",
        "reason": "Theo giấy khai sinh", "attachment": {"title": "Bản sao giấy khai sinh",
                                                        "number": "12/GKS"}}]})

    target: Position | Literal["identity"] = Field(
        description="log position of an entry of your record, or 'identity'")
    what: LongText = Field(description="what should change")
    reason: LongText = Field(description="why")
    attachment: AttachmentIn
    replacement: dict[str, Any] | None = Field(
        None, description="optional: the entry as it should read, in the shape of the command "
                          "that recorded it (as for POST /cadres/{id}/corrections)")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: LongText = Field(description="the correction's reason, or why it is refused")
    replacement: dict[str, Any] | None = Field(
        None, description="accepted: the entry as it is to read; none (and use_proposal "
                          "false) retracts the entry")
    use_proposal: bool = Field(False, description="accepted: record the cadre's proposal")


class AttachmentOut(BaseModel):
    title: str
    number: str | None


class CorrectionRequestOut(BaseModel):
    id: UUID
    cadre_id: UUID
    target_position: int
    target_type: str
    identity: bool
    what: str
    reason: str
    attachment: AttachmentOut
    replacement: dict[str, Any] | None
    requested_on: date
    requested_by: str
    status: RequestStatus
    status_label: str
    answered_on: date | None
    answered_by: str | None
    answer_reason: str | None
    how: str | None = Field(description="accepted: corrected | retracted")
    correction_position: int | None = Field(description="accepted: the correction's position")


class CorrectionRequestsOut(Answer):
    correction_requests: list[CorrectionRequestOut]
    limit: int
    offset: int


class CorrectionRequestItemOut(Answer, CorrectionRequestOut):
    pass


class RequestReceipt(BaseModel):
    id: UUID
    position: int
    status: RequestStatus
    correction_position: int | None = None


def identity_position(runtime: Runtime, cadre_id: UUID) -> int:
    """The position of the cadre's identity entry in force (the registration, or its latest
    correction): from the cadre's aggregate and the log, not the read side (a request is a
    write, ADR 0011)."""
    cadre = runtime.app.cadre(cadre_id)
    entry = next((e for e in cadre.entries.values()
                  if e.type == "Registered" and e.status == "in_force"), None)
    position = runtime.log.position_of(cadre_id, entry.version) if entry else None
    if position is None:
        raise NotFound("Không tìm thấy mục nhận dạng của cán bộ (no identity entry)",
                       code="position_not_found", field="target")
    return position


def file_request(runtime: Runtime, p: Principal, cadre_id: UUID,
                 body: CorrectionRequestIn) -> tuple[UUID, int]:
    require_role(p, SELF)
    if p.cadre_id != cadre_id:
        raise NotPermitted("Chỉ được đề nghị đính chính hồ sơ của chính mình (self asks only "
                           "about its own record)", code="forbidden")
    identity = body.target == IDENTITY
    position = identity_position(runtime, cadre_id) if identity else int(body.target)
    entry = runtime.app.entry_to_correct(cadre_id, position)
    proposal = None
    if body.replacement is not None:
        proposal = parse_replacement(runtime, cadre_id, position, body.replacement,
                                     ("body", "replacement")).model_dump(mode="json")
    done = runtime.app.request_correction(RequestCorrection(
        cadre_id=cadre_id, target_position=position, target_type=entry.type,
        identity=identity, what=body.what, reason=body.reason,
        attachment=Attachment(body.attachment.title, body.attachment.number),
        requested_by=p.name, replacement=proposal))
    runtime.written(done.position)
    return done.id, done.position


def _scope(runtime: Runtime, p: Principal) -> Any:
    """Whether personnel `p` may see a request about a cadre: the cadre holds a post in `p`'s
    subtree today, or is an unplaced cadre `p` registered (check_write_cadre's rule)."""
    today = runtime.read_model.moment()
    subtree = set(runtime.read_model.subtree(p.unit_id, today)) if p.unit_id else set()

    def allowed(cadre_id: UUID) -> bool:
        if runtime.read_model.cadre_unit_ids(cadre_id, today) & subtree:
            return True
        try:
            check_write_cadre(p, runtime, cadre_id)
        except NotPermitted:
            return False
        return True

    return allowed


def listed(runtime: Runtime, p: Principal, m: Moment, status: RequestStatus | None = None,
           limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    require_role(p, ADMIN, PERSONNEL, SELF)
    if p.role == SELF:
        if p.cadre_id is None:
            return []
        return requests(runtime.read_model, m, status=status, cadre_id=p.cadre_id,
                        limit=limit, offset=offset)
    rows = requests(runtime.read_model, m, status=status, limit=100_000 if p.role == PERSONNEL
                    else limit, offset=0 if p.role == PERSONNEL else offset)
    if p.role == PERSONNEL:
        allowed = _scope(runtime, p)
        rows = [r for r in rows if allowed(r["cadre_id"])][offset:offset + limit]
    return rows


def one(runtime: Runtime, p: Principal, request_id: UUID, m: Moment) -> dict[str, Any]:
    require_role(p, ADMIN, PERSONNEL, SELF)
    row = request_row(runtime.read_model, m, request_id)
    if row is None:
        raise NotFound("Không tìm thấy đề nghị đính chính (unknown correction request)",
                       code="correction_request_not_found", field="id")
    if p.role == SELF and p.cadre_id != row["cadre_id"]:
        raise NotPermitted("Chỉ được xem đề nghị của chính mình (self reads only its own "
                           "requests)", code="forbidden")
    if p.role == PERSONNEL and not _scope(runtime, p)(row["cadre_id"]):
        raise NotPermitted("Cán bộ không thuộc phạm vi đơn vị được giao (cadre outside your "
                           "unit subtree)", code="forbidden")
    return row


def detail(request: CorrectionRequest, row: dict[str, Any]) -> dict[str, Any]:
    return dict(
        id=request.id, cadre_id=request.cadre_id, target_position=request.target_position,
        target_type=request.target_type, identity=request.identity, what=request.what,
        reason=request.reason,
        attachment=dict(title=request.attachment.title, number=request.attachment.number),
        replacement=request.replacement, requested_on=request.requested_on,
        requested_by=request.requested_by, status=request.status,
        status_label=STATUS_LABELS[request.status], answered_on=request.answered_on,
        answered_by=request.answered_by, answer_reason=request.answer_reason, how=request.how,
        correction_position=row.get("correction_position"))


def own_requests(runtime: Runtime, p: Principal, cadre_id: UUID,
                 m: Moment) -> list[dict[str, Any]] | None:
    """The cadre's own requests for their record page; None for anyone else (no form)."""
    if p.role != SELF or p.cadre_id != cadre_id:
        return None
    return details(runtime, listed(runtime, p, m))


def details(runtime: Runtime, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [detail(runtime.app.correction_request(r["id"]), r) for r in rows]


def audit(access: AccessStore, p: Principal, rows: list[dict[str, Any]], m: Moment) -> None:
    if len(rows) == 1:
        record_read(access, p, rows[0]["cadre_id"], READ_KIND, m)
    elif rows:
        record_reads(access, p, list(dict.fromkeys(r["cadre_id"] for r in rows)), READ_KIND, m)


def answer(runtime: Runtime, p: Principal, request_id: UUID,
           body: AnswerIn) -> tuple[int, CorrectionRequest, int | None]:
    require_role(p, ADMIN, PERSONNEL)
    request = runtime.app.correction_request(request_id)
    if p.cadre_id is not None and p.cadre_id == request.cadre_id:
        raise NotPermitted("Không tự trả lời đề nghị đính chính của chính mình (no one answers "
                           "a request about themselves)", code="forbidden")
    request.check_answerable()
    replacement: dict[str, Any] | None = None
    if body.outcome is Outcome.REFUSED:
        if body.replacement is not None or body.use_proposal:
            raise InvalidCommand("Từ chối không kèm nội dung đính chính (a refusal carries no "
                                 "replacement)", code="invalid_command", field="replacement")
        check_write_cadre(p, runtime, request.cadre_id)
    else:
        check_correct_entry(p, runtime, request.cadre_id, request.target_position)
        raw = body.replacement
        if body.use_proposal:
            if request.replacement is None or raw is not None:
                raise InvalidCommand("use_proposal cần một đề nghị có nội dung thay thế và không "
                                     "kèm replacement (use_proposal needs a proposal, and no "
                                     "replacement)", code="invalid_command", field="use_proposal")
            raw = request.replacement
        if raw is not None:
            parsed = parse_replacement(runtime, request.cadre_id, request.target_position, raw)
            unit_id = getattr(parsed, "unit_id", None)
            if isinstance(unit_id, UUID):
                check_write_unit(p, runtime, unit_id)
            replacement = parsed.command()
    done = runtime.app.answer_correction_request(AnswerCorrectionRequest(
        request_id=request_id, outcome=body.outcome, reason=body.reason, answered_by=p.name),
        replacement=replacement)
    runtime.written(done.position)
    correction = done.entry_position if body.outcome is Outcome.ACCEPTED else None
    return done.position, runtime.app.correction_request(request_id), correction
