"""Self-service corrections (đề nghị đính chính): a cadre asks, a personnel officer answers.

- `POST /cadres/{id}/correction-requests`: role `self`, for the token's own cadre only (403
  for every other role and id). The target is a log position of an entry of the cadre's
  record, or `"identity"` (the identity entry in force). A proposed `replacement` is checked
  against the shape of the command that recorded the entry, as a correction's would be.
- `GET /correction-requests?status=`: admin (all), personnel (requests about cadres in their
  unit subtree), and `self` (their own requests only).
- `GET /correction-requests/{id}`: the requester, personnel in scope, admin.
- `POST /correction-requests/{id}/answer`: personnel in scope (of the cadre, and of the unit of
  the entry and of the replacement, as for a correction), admin. `accepted` records the
  correction (or, without a replacement, the retraction) in the same transaction as the answer;
  `refused` needs a reason. No one answers a request about themselves.

Every answer showing what a request says is written to the read audit (kind `correction`,
subject the cadre).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import get_access, get_moment, get_runtime
from api.security import (
    Principal,
    get_principal,
)
from api.services.correction_requests import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    AnswerIn,
    CorrectionRequestIn,
    CorrectionRequestItemOut,
    CorrectionRequestsOut,
    RequestReceipt,
    answer,
    audit,
    details,
    file_request,
    listed,
    one,
)
from domain.correction_requests import (
    RequestStatus,
)
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["cadres"])


@router.post("/cadres/{cadre_id}/correction-requests", status_code=201,
             response_model=RequestReceipt, responses=WRITE_PROBLEMS,
             summary="Đề nghị đính chính hồ sơ của chính mình (self: ask for a correction)",
             operation_id="request_correction")
def post_request(cadre_id: UUID, body: CorrectionRequestIn,
                 p: Principal = Depends(get_principal),
                 runtime: Runtime = Depends(get_runtime)) -> RequestReceipt:
    request_id, position = file_request(runtime, p, cadre_id, body)
    return RequestReceipt(id=request_id, position=position, status=RequestStatus.PENDING)


@router.get("/correction-requests", response_model=CorrectionRequestsOut,
            responses=READ_PROBLEMS,
            summary="Đề nghị đính chính: hàng chờ (personnel in scope, admin; self: its own)",
            operation_id="list_correction_requests")
def get_requests(status: Annotated[RequestStatus | None, Query()] = None,
                 limit: int = Query(100, ge=1, le=500),
                 offset: int = Query(0, ge=0, le=1_000_000),
                 p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                 runtime: Runtime = Depends(get_runtime),
                 access: AccessStore = Depends(get_access)) -> CorrectionRequestsOut:
    rows = listed(runtime, p, m, status, limit, offset)
    audit(access, p, rows, m)
    return CorrectionRequestsOut.model_validate(dict(
        as_of=m.as_of, known_at=m.known_at, position=m.position, limit=limit, offset=offset,
        correction_requests=details(runtime, rows)))


@router.get("/correction-requests/{request_id}", response_model=CorrectionRequestItemOut,
            responses=READ_PROBLEMS,
            summary="Một đề nghị đính chính (the requester, personnel in scope, admin)",
            operation_id="get_correction_request")
def get_request(request_id: UUID, p: Principal = Depends(get_principal),
                m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                access: AccessStore = Depends(get_access)) -> CorrectionRequestItemOut:
    row = one(runtime, p, request_id, m)
    audit(access, p, [row], m)
    return CorrectionRequestItemOut.model_validate({
        **details(runtime, [row])[0], "as_of": m.as_of, "known_at": m.known_at,
        "position": m.position})


@router.post("/correction-requests/{request_id}/answer", status_code=201,
             response_model=RequestReceipt, responses=WRITE_PROBLEMS,
             summary="Trả lời đề nghị đính chính: ghi đính chính hoặc từ chối (answer)",
             operation_id="answer_correction_request")
def post_answer(request_id: UUID, body: AnswerIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> RequestReceipt:
    position, request, correction = answer(runtime, p, request_id, body)
    return RequestReceipt(id=request_id, position=position, status=request.status,
                          correction_position=correction)
