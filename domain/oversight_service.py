"""The inspector's command: review a finding. A function over the application service, so the
write side keeps one place that saves (and numbers) events."""

from __future__ import annotations

from eventsourcing.application import AggregateNotFoundError

from domain.application import HosoApplication, Receipt
from domain.errors import InvalidCommand
from domain.oversight import FindingReview, review_id_for
from domain.rules.pack import RULE_IDS
from domain.values import Decision, ReviewConclusion


def review_finding(app: HosoApplication, *, finding_key: str, rule_id: str,
                   conclusion: ReviewConclusion | str, reason: str, recorded_by: str,
                   decision: Decision | None = None) -> Receipt:
    """Record an inspector's conclusion on a finding (the caller has checked it exists)."""
    if rule_id not in RULE_IDS:
        raise InvalidCommand(f"Quy tắc '{rule_id}' không tồn tại (unknown rule)",
                             code="invalid_code", field="rule")
    today = app.window().today
    review: FindingReview
    try:
        found: object = app.repository.get(review_id_for(finding_key))
        assert isinstance(found, FindingReview)
        review = found
    except AggregateNotFoundError:
        review = FindingReview(finding_key=finding_key, rule_id=rule_id, effective_on=today,
                               decision=None, recorded_by=recorded_by)
    review.review(conclusion=conclusion, reason=reason, effective_on=today,
                  recorded_by=recorded_by, decision=decision)
    return app._commit(review)
