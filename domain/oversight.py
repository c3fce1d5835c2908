"""Oversight: an inspector's reviews of a finding, kept in the log like every other fact.

One `FindingReview` aggregate per finding key (its id is derived from the key, so two
inspectors reviewing the same finding at once meet on one aggregate and optimistic concurrency
keeps one). A later review does not erase an earlier one: the latest is the finding's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidCommand
from domain.values import Decision, ReviewConclusion, nfc


@dataclass(frozen=True)
class Review:
    conclusion: ReviewConclusion
    reason: str
    effective_on: date
    decision: Decision | None
    recorded_by: str
    version: int


class FindingReview(Aggregate):
    class Opened(Aggregate.Created):
        finding_key: str
        rule_id: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Reviewed(Aggregate.Event):
        finding_key: str
        conclusion: ReviewConclusion
        reason: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(finding_key: str, *args: object, **kwargs: object) -> UUID:
        return review_id_for(finding_key)

    @event(Opened)
    def __init__(self, finding_key: str, rule_id: str, effective_on: date,
                 decision: Decision | None, recorded_by: str) -> None:
        self.finding_key = finding_key
        self.rule_id = rule_id
        self.reviews: list[Review] = []

    @property
    def latest(self) -> Review | None:
        return self.reviews[-1] if self.reviews else None

    def review(self, *, conclusion: ReviewConclusion | str, reason: str, effective_on: date,
               recorded_by: str, decision: Decision | None = None) -> None:
        try:
            conclusion = ReviewConclusion(conclusion)
        except ValueError:
            codes = ", ".join(c.value for c in ReviewConclusion)
            raise InvalidCommand(f"Kết luận '{conclusion}' không hợp lệ (conclusion must be one "
                                 f"of {codes})", code="invalid_code", field="conclusion") from None
        reason = nfc(reason)
        if not reason:
            raise InvalidCommand("Thiếu lý do kết luận (reason is required)",
                                 code="missing_field", field="reason")
        self._reviewed(finding_key=self.finding_key, conclusion=conclusion, reason=reason,
                       effective_on=effective_on, decision=decision, recorded_by=recorded_by)

    @event(Reviewed)
    def _reviewed(self, finding_key: str, conclusion: ReviewConclusion, reason: str,
                  effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.reviews.append(Review(ReviewConclusion(conclusion), reason, effective_on, decision,
                                   recorded_by, self.version + 1))


def review_id_for(finding_key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:finding-review:{finding_key}")
