"""An inspector reviews a finding: each review is an event; the latest is the status."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidCommand
from domain.oversight import FindingReview, review_id_for
from domain.values import ReviewConclusion


def test_reviews_are_kept_in_order_and_the_latest_is_the_status() -> None:
    review = FindingReview(finding_key="abc", rule_id="not_in_planning",
                           effective_on=date(2026, 1, 5), decision=None, recorded_by="thanh.tra")
    review.review(conclusion="needs_action", reason="Cần bổ sung hồ sơ quy hoạch",
                  effective_on=date(2026, 1, 5), recorded_by="thanh.tra")
    review.review(conclusion=ReviewConclusion.CONFIRMED, reason="Xác nhận vi phạm",
                  effective_on=date(2026, 2, 1), recorded_by="uy.ban.kiem.tra")
    events = review.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "Reviewed", "Reviewed"]
    assert review.id == review_id_for("abc")
    assert review.latest is not None
    assert (review.latest.conclusion, review.latest.recorded_by) == ("confirmed",
                                                                     "uy.ban.kiem.tra")
    assert [r.conclusion for r in review.reviews] == ["needs_action", "confirmed"]


@pytest.mark.parametrize(("conclusion", "reason", "field"),
                         [("approved", "Lý do", "conclusion"), ("dismissed", "  ", "reason")])
def test_a_bad_review_is_refused_naming_the_field(conclusion: str, reason: str,
                                                  field: str) -> None:
    review = FindingReview(finding_key="abc", rule_id="long_tenure",
                           effective_on=date(2026, 1, 5), decision=None, recorded_by="thanh.tra")
    review.collect_events()
    with pytest.raises(InvalidCommand) as refused:
        review.review(conclusion=conclusion, reason=reason, effective_on=date(2026, 1, 5),
                      recorded_by="thanh.tra")
    assert refused.value.field == field
    assert review.collect_events() == [] and review.reviews == []
