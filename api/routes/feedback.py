"""Internal feedback (phản ánh nội bộ): filed by any signed-in role, read by inspectors only.

- `POST /feedback`: any valid token. The answer carries the `receipt`, a code of 100 random
  bits shown once; the service keeps only a hash of it (the report's id is derived from it).
- `GET /feedback`, `GET /feedback/{id}`, `POST /feedback/{id}/status`: inspector and admin;
  every other role gets 403 before anything is looked up, so no answer differs by whether a
  report exists or whom it is about. An inspector or admin whose token names the subject cadre
  does not see the report (404 like an unknown id, and left out of the list).
- `GET /feedback/receipts/{receipt}`: any valid token holding the receipt sees the status and
  deadlines, never the content, subject or reporter. The receipt is the proof of being the
  reporter: an anonymous report records no token, so "only the token that filed it" could not
  be checked without recording the very link anonymity removes.

Every answer showing a report is written to the read audit (kind `feedback`, subject the
report's id). A receipt lookup is written with the reader `receipt_holder`, not the token's
name: an audit row tying a token to an anonymous report would undo its anonymity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.deps import get_access, get_moment, get_runtime
from api.security import Principal, get_principal
from api.services.feedback import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    FeedbackFiled,
    FeedbackIn,
    FeedbackItemOut,
    FeedbackListOut,
    ReceiptPath,
    ReceiptStatusOut,
    StatusIn,
    StatusReceipt,
    audit,
    audit_receipt,
    by_receipt,
    change_status,
    detail,
    file_report,
    listed,
    one,
    status_only,
)
from infra.access import AccessStore

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["feedback"])


@router.post("/feedback", status_code=201, response_model=FeedbackFiled,
             responses=WRITE_PROBLEMS, summary="Gửi phản ánh nội bộ (file internal feedback)",
             operation_id="file_feedback")
def post_feedback(body: FeedbackIn, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime)) -> FeedbackFiled:
    feedback_id, receipt, position = file_report(runtime, p, body)
    return FeedbackFiled(id=feedback_id, receipt=receipt, position=position)


@router.get("/feedback", response_model=FeedbackListOut, responses=READ_PROBLEMS,
            summary="Danh sách phản ánh (inspector, admin)", operation_id="list_feedback")
def get_feedback_list(limit: int = Query(100, ge=1, le=500),
                      offset: int = Query(0, ge=0, le=1_000_000),
                      p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                      runtime: Runtime = Depends(get_runtime),
                      access: AccessStore = Depends(get_access)) -> FeedbackListOut:
    reports = listed(runtime, p, m, limit, offset)
    audit(access, p, reports, m)
    today = runtime.app.window().today
    return FeedbackListOut.model_validate(dict(
        as_of=m.as_of, known_at=m.known_at, position=m.position, limit=limit, offset=offset,
        feedback=[detail(f, today) for f in reports]))


@router.get("/feedback/receipts/{receipt}", response_model=ReceiptStatusOut,
            responses=READ_PROBLEMS,
            summary="Tra cứu tình trạng phản ánh bằng mã tiếp nhận (status by receipt)",
            operation_id="feedback_by_receipt")
def get_by_receipt(receipt: ReceiptPath, p: Principal = Depends(get_principal),
                   m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                   access: AccessStore = Depends(get_access)) -> ReceiptStatusOut:
    feedback = by_receipt(runtime, receipt)
    audit_receipt(access, p, feedback, m)
    return ReceiptStatusOut.model_validate({
        **status_only(feedback, runtime.app.window().today), "as_of": m.as_of,
        "known_at": m.known_at, "position": m.position})


@router.get("/feedback/{feedback_id}", response_model=FeedbackItemOut, responses=READ_PROBLEMS,
            summary="Một phản ánh (inspector, admin)", operation_id="get_feedback")
def get_feedback(feedback_id: UUID, p: Principal = Depends(get_principal),
                 m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                 access: AccessStore = Depends(get_access)) -> FeedbackItemOut:
    feedback = one(runtime, p, feedback_id)
    audit(access, p, [feedback], m)
    return FeedbackItemOut.model_validate({
        **detail(feedback, runtime.app.window().today), "as_of": m.as_of,
        "known_at": m.known_at, "position": m.position})


@router.post("/feedback/{feedback_id}/status", status_code=201, response_model=StatusReceipt,
             responses=WRITE_PROBLEMS,
             summary="Chuyển trạng thái phản ánh, kèm hạn xử lý (move a report on)",
             operation_id="feedback_status")
def post_status(feedback_id: UUID, body: StatusIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> StatusReceipt:
    position, feedback = change_status(runtime, p, feedback_id, body)
    return StatusReceipt(id=feedback_id, position=position, status=feedback.status,
                         deadline=feedback.deadline)
