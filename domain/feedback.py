"""Internal feedback (phản ánh nội bộ) that protects the reporter (seed 004, III.1(5)).

One `Feedback` aggregate per report. Its id is derived from the receipt the reporter keeps
(`feedback_id_for`), so a receipt finds its report without any table mapping receipts to ids,
and the id (which inspectors see) does not give the receipt back.

What could identify the reporter never leaves the event unsealed: the content, the reporter
(name, role, unit, cadre of the token that filed it) and inspectors' notes travel in the
event's `sensitive` dict, which the mapper encrypts with a key of this report's own
(infra/personal_data.py). An anonymous report records no reporter at all, not even sealed.
`recorded_by` of the filing is a fixed word, never the token's name: the log and its read
model name who records every event.

Statuses go forward only: received → assigned → under_verification → concluded; each but the
last has a deadline by which the next step is due (`DEADLINES`, dated data).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.calendar import in_force_on
from domain.errors import Conflict, InvalidCommand
from domain.values import Decision, nfc

# Who "recorded" a filing, in the log and its read model: never the reporter.
FILED_BY = "phan_anh_noi_bo"
MAX_CONTENT = 10_000


class FeedbackStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    UNDER_VERIFICATION = "under_verification"
    CONCLUDED = "concluded"


ORDER = tuple(FeedbackStatus)
STATUS_LABELS = {
    FeedbackStatus.RECEIVED: "Đã tiếp nhận",
    FeedbackStatus.ASSIGNED: "Đã giao xử lý",
    FeedbackStatus.UNDER_VERIFICATION: "Đang xác minh",
    FeedbackStatus.CONCLUDED: "Đã kết luận",
}


@dataclass(frozen=True)
class DeadlinePolicy:
    """Days (calendar days) by which the step after each status is due."""

    valid_from: date
    source: str
    days: dict[FeedbackStatus, int]
    # An inspector may set a later deadline (an extension), up to this many days.
    max_days: dict[FeedbackStatus, int]


DEADLINES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        valid_from=date(2026, 1, 1),
        source=("Kế hoạch 2026 của Đảng ủy phường, III.1(5) (seed 004); Luật Tố cáo 2018 "
                "Điều 29-30: thụ lý trong 7 ngày làm việc, giải quyết trong 30 ngày, gia hạn "
                "một lần 30 ngày [verify]; Quy định 22-QĐ/TW về giải quyết tố cáo trong Đảng "
                "[verify]. Đếm theo ngày lịch [verify: ngày làm việc]"),
        days={FeedbackStatus.RECEIVED: 10, FeedbackStatus.ASSIGNED: 10,
              FeedbackStatus.UNDER_VERIFICATION: 30},
        max_days={FeedbackStatus.RECEIVED: 20, FeedbackStatus.ASSIGNED: 20,
                  FeedbackStatus.UNDER_VERIFICATION: 60},
    ),
)


def deadline_policy_on(day: date) -> DeadlinePolicy:
    return in_force_on(DEADLINES, day)


def receipt_digest(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().upper().encode("utf-8")).hexdigest()


def feedback_id_for(receipt: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:feedback:{receipt_digest(receipt)}")


# --- commands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """Who filed, as the token says; sealed in the event, shown to inspectors only."""

    name: str
    role: str
    unit_id: UUID | None = None
    cadre_id: UUID | None = None


@dataclass(frozen=True)
class FileFeedback:
    receipt: str  # made by the caller (randomness is not the domain's)
    content: str
    reporter: Reporter
    cadre_id: UUID | None = None
    unit_id: UUID | None = None
    decision_number: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class ChangeFeedbackStatus:
    feedback_id: UUID
    status: FeedbackStatus | str
    recorded_by: str
    note: str | None = None
    deadline: date | None = None
    assignee: str | None = None
    finding_ids: tuple[str, ...] = ()
    case_ref: str | None = None


@dataclass(frozen=True)
class StatusStep:
    status: FeedbackStatus
    effective_on: date
    deadline: date | None
    recorded_by: str
    note: str | None
    assignee: str | None
    finding_ids: list[str] = field(default_factory=list)
    case_ref: str | None = None


class Feedback(Aggregate):
    class Filed(Aggregate.Created):
        cadre_id: UUID | None
        unit_id: UUID | None
        decision_number: str | None
        anonymous: bool
        sensitive: dict[str, Any]
        deadline: date
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class StatusChanged(Aggregate.Event):
        status: FeedbackStatus
        deadline: date | None
        assignee: str | None
        finding_ids: list[str]
        case_ref: str | None
        sensitive: dict[str, Any] | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @classmethod
    def file(cls, command: FileFeedback, *, today: date) -> Feedback:
        content = nfc(command.content or "")
        if not content:
            raise InvalidCommand("Thiếu nội dung phản ánh (content is required)",
                                 code="missing_field", field="content")
        if len(content) > MAX_CONTENT:
            raise InvalidCommand(f"Nội dung quá dài (content must be at most {MAX_CONTENT} "
                                 "characters)", code="too_long", field="content")
        number = nfc(command.decision_number) if command.decision_number else None
        sensitive: dict[str, Any] = {"content": content}
        if not command.anonymous:
            r = command.reporter
            sensitive["reporter"] = {"name": r.name, "role": r.role,
                                     "unit_id": str(r.unit_id) if r.unit_id else None,
                                     "cadre_id": str(r.cadre_id) if r.cadre_id else None}
        deadline = today + timedelta(days=deadline_policy_on(today).days[FeedbackStatus.RECEIVED])
        return cls._create(cls.Filed, id=feedback_id_for(command.receipt), cadre_id=command.cadre_id,
                           unit_id=command.unit_id, decision_number=number or None,
                           anonymous=bool(command.anonymous), sensitive=sensitive,
                           deadline=deadline, effective_on=today, decision=None,
                           recorded_by=FILED_BY)

    # eventsourcing calls __init__ with the Filed event's fields; the receipt is not one of
    # them (it only chose the id), so it is stored nowhere.
    def __init__(self, cadre_id: UUID | None, unit_id: UUID | None,
                 decision_number: str | None, anonymous: bool, sensitive: dict[str, Any],
                 deadline: date, effective_on: date, decision: Decision | None,
                 recorded_by: str) -> None:
        self.cadre_id = cadre_id
        self.unit_id = unit_id
        self.decision_number = decision_number
        self.anonymous = anonymous
        self.content: str = str(sensitive.get("content", ""))
        self.reporter: dict[str, Any] | None = sensitive.get("reporter")
        self.shredded = bool(sensitive.get("_shredded"))
        self.filed_on = effective_on
        self.status = FeedbackStatus.RECEIVED
        self.deadline: date | None = deadline
        self.steps: list[StatusStep] = [StatusStep(FeedbackStatus.RECEIVED, effective_on,
                                                   deadline, FILED_BY, None, None)]

    def change_status(self, command: ChangeFeedbackStatus, *, today: date) -> None:
        try:
            status = FeedbackStatus(command.status)
        except ValueError:
            codes = ", ".join(s.value for s in FeedbackStatus)
            raise InvalidCommand(f"Trạng thái '{command.status}' không hợp lệ (status must be "
                                 f"one of {codes})", code="invalid_code",
                                 field="status") from None
        if self.status is FeedbackStatus.CONCLUDED:
            raise Conflict("Phản ánh đã có kết luận (feedback already concluded)",
                           code="feedback_concluded", field="status")
        if ORDER.index(status) <= ORDER.index(self.status):
            raise InvalidCommand(f"Không thể chuyển từ '{self.status}' sang '{status}' "
                                 "(statuses only move forward: received → assigned → "
                                 "under_verification → concluded)",
                                 code="invalid_transition", field="status")
        note = nfc(command.note) if command.note else None
        assignee = nfc(command.assignee) if command.assignee else None
        if status is FeedbackStatus.ASSIGNED and not assignee:
            raise InvalidCommand("Giao xử lý cần nêu người hoặc bộ phận được giao (assignee is "
                                 "required when assigning)", code="missing_field",
                                 field="assignee")
        if status is FeedbackStatus.CONCLUDED and not note:
            raise InvalidCommand("Kết luận cần nội dung (note is required to conclude)",
                                 code="missing_field", field="note")
        keys = [nfc(k) for k in command.finding_ids if k and nfc(k)]
        case_ref = nfc(command.case_ref) if command.case_ref else None
        if status is not FeedbackStatus.CONCLUDED and (keys or case_ref):
            raise InvalidCommand("Chỉ kết luận mới gắn với phát hiện hoặc vụ việc (finding_ids "
                                 "and case_ref belong to the conclusion)",
                                 code="invalid_command", field="finding_ids")
        deadline = self._deadline(status, command.deadline, today)
        self._status_changed(status=status, deadline=deadline, assignee=assignee,
                             finding_ids=keys, case_ref=case_ref,
                             sensitive={"note": note} if note else None, effective_on=today,
                             decision=None, recorded_by=command.recorded_by)

    @staticmethod
    def _deadline(status: FeedbackStatus, given: date | None, today: date) -> date | None:
        if status is FeedbackStatus.CONCLUDED:
            if given is not None:
                raise InvalidCommand("Phản ánh đã kết luận không có hạn (a conclusion has no "
                                     "deadline)", code="invalid_command", field="deadline")
            return None
        policy = deadline_policy_on(today)
        if given is None:
            return today + timedelta(days=policy.days[status])
        latest = today + timedelta(days=policy.max_days[status])
        if not today <= given <= latest:
            raise InvalidCommand(f"Hạn xử lý phải từ hôm nay đến {latest:%d/%m/%Y} (deadline "
                                 f"must be within 0-{policy.max_days[status]} days)",
                                 code="invalid_deadline", field="deadline")
        return given

    @event(StatusChanged)
    def _status_changed(self, status: FeedbackStatus, deadline: date | None,
                        assignee: str | None, finding_ids: list[str], case_ref: str | None,
                        sensitive: dict[str, Any] | None, effective_on: date,
                        decision: Decision | None, recorded_by: str) -> None:
        self.status = FeedbackStatus(status)
        self.deadline = deadline
        note = (sensitive or {}).get("note")
        self.steps.append(StatusStep(self.status, effective_on, deadline, recorded_by,
                                     note if isinstance(note, str) else None, assignee,
                                     list(finding_ids), case_ref))

    def overdue(self, today: date) -> bool:
        return self.deadline is not None and self.deadline < today
