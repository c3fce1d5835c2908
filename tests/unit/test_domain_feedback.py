"""The Feedback aggregate alone: what a filing records, how statuses and deadlines move."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from domain.errors import Conflict, InvalidCommand
from domain.feedback import (
    FILED_BY,
    ChangeFeedbackStatus,
    Feedback,
    FeedbackStatus,
    FileFeedback,
    Reporter,
    feedback_id_for,
)

DAY = date(2026, 11, 24)
WHO = Reporter("ly_thi_bao", "self", None, UUID(int=5))


def filed(anonymous: bool = False) -> Feedback:
    return Feedback.file(FileFeedback(receipt="PA-AAAAA-BBBBB-CCCCC-DDDDD",
                                      content="  Nội dung  ", reporter=WHO,
                                      anonymous=anonymous), today=DAY)


def step(f: Feedback, status: str, on: date = DAY, **more: object) -> None:
    f.change_status(ChangeFeedbackStatus(f.id, status, "uy_ban_kiem_tra", **more),  # type: ignore[arg-type]
                    today=on)


def test_a_filing_seals_the_reporter_and_never_records_an_anonymous_one() -> None:
    f = filed()
    (event,) = f.collect_events()
    assert f.id == feedback_id_for("pa-aaaaa-bbbbb-ccccc-ddddd ")  # case and spaces folded
    assert event.recorded_by == FILED_BY  # type: ignore[attr-defined]
    assert event.sensitive["reporter"]["name"] == "ly_thi_bao"  # type: ignore[attr-defined]
    assert "receipt" not in vars(event) and f.content == "Nội dung"
    assert f.deadline == DAY + timedelta(days=10) and f.status is FeedbackStatus.RECEIVED
    (anonymous,) = filed(anonymous=True).collect_events()
    assert set(anonymous.sensitive) == {"content"}  # type: ignore[attr-defined]
    with pytest.raises(InvalidCommand) as empty:
        Feedback.file(FileFeedback(receipt="x", content=" ", reporter=WHO), today=DAY)
    assert empty.value.field == "content"


def test_statuses_move_forward_with_their_deadlines() -> None:
    f = filed()
    with pytest.raises(InvalidCommand, match="assignee"):
        step(f, "assigned")
    step(f, "assigned", DAY + timedelta(days=2), assignee="Tổ 2")
    assert f.deadline == DAY + timedelta(days=12)
    with pytest.raises(InvalidCommand) as back:
        step(f, "received")
    assert back.value.code == "invalid_transition"
    with pytest.raises(InvalidCommand) as late:
        step(f, "under_verification", deadline=DAY + timedelta(days=200))
    assert late.value.code == "invalid_deadline"
    with pytest.raises(InvalidCommand):
        step(f, "under_verification", finding_ids=("k",))  # links belong to the conclusion
    step(f, "under_verification", deadline=DAY + timedelta(days=50))
    assert f.overdue(DAY + timedelta(days=51)) and not f.overdue(DAY + timedelta(days=50))
    step(f, "concluded", note="Đúng một phần", case_ref="VV-1", finding_ids=("k1",))
    assert f.deadline is None and not f.overdue(DAY + timedelta(days=999))
    assert [s.status for s in f.steps] == list(FeedbackStatus)
    with pytest.raises(Conflict):
        step(f, "concluded", note="Lần hai")
