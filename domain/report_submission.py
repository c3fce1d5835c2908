"""A monthly report submitted to the Standing Committee (seed 004 IV.1): a fact of the log.

One `ReportSubmission` aggregate per (period, unit); its id is derived from both, so two
officers submitting at once meet on one aggregate and optimistic concurrency keeps one. A
submission records what was sent, not the figures: the SHA-256 digest of the report body and
the log position and instant (`known_at`) it was computed at, from which the same body can be
rebuilt and checked at any later time. A later submission (a correction sent again) is another
event; the latest is the one in force, the earlier ones stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidCommand
from domain.reporting_periods import MONTH_PATTERN
from domain.values import Decision, nfc

DIGEST_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MONTHLY = "monthly"


def submission_id_for(period: str, unit_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:report-submission:{MONTHLY}:{period}:{unit_id}")


@dataclass(frozen=True)
class SubmitReport:
    period: str  # YYYY-MM (domain/reporting_periods.py)
    unit_id: UUID
    date_from: date
    date_to: date
    digest: str  # SHA-256 (hex) of the report body as submitted
    position: int  # the log position the body was computed at
    known_at: datetime  # the instant it was computed at (and submitted)
    recorded_by: str
    note: str | None = None


@dataclass(frozen=True)
class Submission:
    period: str
    unit_id: UUID
    date_from: date
    date_to: date
    digest: str
    position: int
    known_at: datetime
    recorded_by: str
    note: str | None
    version: int


class ReportSubmission(Aggregate):
    class Submitted(Aggregate.Created):
        report: str
        period: str
        unit_id: UUID
        date_from: date
        date_to: date
        digest: str
        position: int
        known_at: datetime
        note: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Resubmitted(Aggregate.Event):
        period: str
        unit_id: UUID
        date_from: date
        date_to: date
        digest: str
        position: int
        known_at: datetime
        note: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(report: str, period: str, unit_id: UUID, *args: object,
                  **kwargs: object) -> UUID:
        return submission_id_for(period, unit_id)

    @classmethod
    def submit(cls, command: SubmitReport, *, today: date) -> ReportSubmission:
        fields = _checked(command)
        return cls(report=MONTHLY, **fields, effective_on=today, decision=None,
                   recorded_by=command.recorded_by)

    def resubmit(self, command: SubmitReport, *, today: date) -> None:
        fields = _checked(command)
        if fields["period"] != self.period or fields["unit_id"] != self.unit_id:
            raise InvalidCommand("Kỳ hoặc đơn vị không khớp (period and unit are the "
                                 "submission's own)", code="invalid_command", field="period")
        self._resubmitted(**fields, effective_on=today, decision=None,
                          recorded_by=command.recorded_by)

    @event(Submitted)
    def __init__(self, report: str, period: str, unit_id: UUID, date_from: date, date_to: date,
                 digest: str, position: int, known_at: datetime, note: str | None,
                 effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.report = report
        self.period = period
        self.unit_id = unit_id
        self.submissions: list[Submission] = [Submission(
            period, unit_id, date_from, date_to, digest, position, known_at, recorded_by, note,
            1)]

    @event(Resubmitted)
    def _resubmitted(self, period: str, unit_id: UUID, date_from: date, date_to: date,
                     digest: str, position: int, known_at: datetime, note: str | None,
                     effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.submissions.append(Submission(period, unit_id, date_from, date_to, digest,
                                           position, known_at, recorded_by, note,
                                           self.version + 1))

    @property
    def latest(self) -> Submission:
        return self.submissions[-1]


def _checked(command: SubmitReport) -> dict[str, Any]:
    period = command.period.strip()
    if not MONTH_PATTERN.match(period):
        raise InvalidCommand(f"Kỳ báo cáo '{command.period}' không hợp lệ (period must be "
                             "YYYY-MM)", code="invalid_period", field="period")
    if not DIGEST_PATTERN.match(command.digest):
        raise InvalidCommand("Mã băm không hợp lệ (digest must be 64 lowercase hex digits of "
                             "SHA-256)", code="invalid_digest", field="digest")
    if command.position < 0:
        raise InvalidCommand("Vị trí nhật ký không hợp lệ (position must not be negative)",
                             code="invalid_command", field="position")
    if command.known_at.tzinfo is None:
        raise InvalidCommand("Thời điểm cần múi giờ (known_at needs a UTC offset)",
                             code="invalid_command", field="known_at")
    if command.date_from > command.date_to:
        raise InvalidCommand("Ngày bắt đầu sau ngày kết thúc (date_from is after date_to)",
                             code="invalid_range", field="date_from")
    note = nfc(command.note) if command.note else None
    return dict(period=period, unit_id=command.unit_id, date_from=command.date_from,
                date_to=command.date_to, digest=command.digest, position=command.position,
                known_at=command.known_at, note=note or None)
