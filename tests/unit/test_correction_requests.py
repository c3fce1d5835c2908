"""CorrectionRequest without a store: a request validates its texts, is answered once, and an
acceptance names how the entry was superseded; the read-model rows are pure functions of the
events."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.correction_requests import (
    AnswerCorrectionRequest,
    Attachment,
    CorrectionRequest,
    Outcome,
    RequestCorrection,
    RequestStatus,
)
from domain.errors import Conflict, InvalidCommand
from projections.correction_requests import request_rows

CADRE = UUID("6f1c2a0e-5b7d-4c1e-9a57-2f0d8e3b4c11")
TODAY = date(2026, 11, 24)


def ask(**changes: object) -> CorrectionRequest:
    fields: dict[str, object] = dict(
        cadre_id=CADRE, target_position=12, target_type="Registered", identity=True,
        what="Ngày sinh ghi sai", reason="Theo giấy khai sinh",
        attachment=Attachment("Bản sao giấy khai sinh", "12/GKS"), requested_by="tran_thi_a")
    fields.update(changes)
    return CorrectionRequest.request(RequestCorrection(**fields), today=TODAY)  # type: ignore[arg-type]


def answer(outcome: str, how: str | None = None, reason: str = "Đã đối chiếu"
           ) -> AnswerCorrectionRequest:
    return AnswerCorrectionRequest(request_id=UUID(int=1), outcome=outcome, reason=reason,
                                   answered_by="to_chuc", how=how)


def test_a_request_keeps_its_texts_in_nfc_and_starts_pending() -> None:
    request = ask(what="Nga\u0300y sinh ghi sai")  # decomposed "à"
    assert request.what == "Ngày sinh ghi sai" and request.status is RequestStatus.PENDING
    assert request.attachment == Attachment("Bản sao giấy khai sinh", "12/GKS")
    assert request.requested_on == TODAY and request.requested_by == "tran_thi_a"


@pytest.mark.parametrize("changes, field", [
    ({"what": "  "}, "what"), ({"reason": ""}, "reason"),
    ({"attachment": Attachment(" ")}, "attachment.title"), ({"what": "x" * 4001}, "what"),
    ({"target_position": 0}, "target")])
def test_a_request_names_the_field_it_lacks(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        ask(**changes)
    assert refused.value.field == field


def test_an_answer_is_given_once_and_an_acceptance_says_how() -> None:
    request = ask()
    with pytest.raises(InvalidCommand) as missing:
        request.answer(answer("accepted"), today=TODAY)
    assert missing.value.code == "missing_correction"
    with pytest.raises(InvalidCommand):
        request.answer(answer("refused", how="corrected"), today=TODAY)
    with pytest.raises(InvalidCommand) as bad:
        request.answer(answer("maybe"), today=TODAY)
    assert bad.value.code == "invalid_code"
    request.answer(answer("accepted", how="corrected"), today=TODAY)
    assert request.status is RequestStatus.ACCEPTED and request.how == "corrected"
    assert request.answer_reason == "Đã đối chiếu" and request.answered_by == "to_chuc"
    with pytest.raises(Conflict) as again:
        request.answer(answer("refused"), today=TODAY)
    assert again.value.code == "request_already_answered"


def test_the_rows_are_pure_functions_of_the_events() -> None:
    request = ask()
    request.answer(answer("refused"), today=TODAY)
    requested, answered = request.collect_events()
    (opened,) = request_rows(requested, 41)
    assert opened.table == "correction_requests"
    assert opened.row == dict(request_id=request.id, cadre_id=CADRE, target_position=12,
                              target_type="Registered", identity=True, requested_on=TODAY,
                              requested_by="tran_thi_a", position=41)
    (closed,) = request_rows(answered, 42)
    assert closed.row == dict(request_id=request.id, outcome=Outcome.REFUSED.value, how=None,
                              answered_on=TODAY, answered_by="to_chuc", position=42)
    # Nothing the cadre or the officer wrote reaches a row.
    assert "Ngày sinh" not in repr(opened) + repr(closed)
    assert request_rows(object(), 43) == []
