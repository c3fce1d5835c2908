"""Self-service corrections (đề nghị đính chính hồ sơ, issue 17 part 8).

A cadre asks for a correction of their own record: which entry (a log position of an entry of
their record, or their identity), what should change (free text, and optionally a proposed
replacement in the shape of the entry's command), why, and a reference to the document that
supports it (its number and title; the file itself stays on paper or in the document system).
A personnel officer then answers once: `accepted`, recorded in the same transaction as the
correction it makes (through the ordinary correction of the record), or `refused` with a
reason. Both the request and the answer are events of one `CorrectionRequest` aggregate.

What the cadre and the officer wrote may name personal facts (a birth date, a relative), so it
travels in the events' `sensitive` dict, which the mapper seals under this request's own key
(infra/personal_data.py); the read side keeps only who, which entry, when and the outcome.

The answer names no log position of the correction: the correction and the answer are saved
together, so neither can carry the other's position. It does not need to: an entry is
superseded at most once (a second correction of it is refused `already_corrected`), so the
correction a request led to is the one that superseded its target entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidCommand
from domain.values import Decision, nfc

MAX_TEXT = 4000
IDENTITY = "identity"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


STATUS_LABELS = {
    RequestStatus.PENDING: "Chờ xử lý",
    RequestStatus.ACCEPTED: "Đã đính chính",
    RequestStatus.REFUSED: "Không chấp nhận",
}


@dataclass(frozen=True)
class Attachment:
    """The supporting document, by reference: e.g. ("12/GKS", "Bản sao giấy khai sinh")."""

    title: str
    number: str | None = None


@dataclass(frozen=True)
class RequestCorrection:
    cadre_id: UUID
    target_position: int  # the entry asked about (for identity: the identity entry in force)
    target_type: str  # its fact type, e.g. "Registered", "Appointed"
    identity: bool
    what: str
    reason: str
    attachment: Attachment
    requested_by: str
    # The proposed replacement, as the entry's command takes it (already checked for shape).
    replacement: dict[str, Any] | None = None


@dataclass(frozen=True)
class AnswerCorrectionRequest:
    request_id: UUID
    outcome: Outcome | str
    reason: str
    answered_by: str
    # For an acceptance: how the target was superseded (set by the application, which records
    # the correction in the same transaction).
    how: str | None = None


def _text(value: str | None, field: str, label: str) -> str:
    text = nfc(value or "")
    if not text:
        raise InvalidCommand(f"Thiếu {label} ({field} is required)", code="missing_field",
                             field=field)
    if len(text) > MAX_TEXT:
        raise InvalidCommand(f"{label.capitalize()} quá dài ({field} must be at most "
                             f"{MAX_TEXT} characters)", code="too_long", field=field)
    return text


class CorrectionRequest(Aggregate):
    class Requested(Aggregate.Created):
        cadre_id: UUID
        target_position: int
        target_type: str
        identity: bool
        sensitive: dict[str, Any]
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class Answered(Aggregate.Event):
        outcome: Outcome
        how: str | None
        sensitive: dict[str, Any]
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @classmethod
    def request(cls, command: RequestCorrection, *, today: date) -> CorrectionRequest:
        what = _text(command.what, "what", "nội dung đề nghị đính chính")
        reason = _text(command.reason, "reason", "lý do")
        title = _text(command.attachment.title, "attachment.title", "tên tài liệu kèm theo")
        number = nfc(command.attachment.number or "") or None
        if command.target_position < 1:
            raise InvalidCommand("Vị trí mục hồ sơ phải là số dương (target_position must be "
                                 "positive)", code="invalid_position", field="target")
        sensitive: dict[str, Any] = {
            "what": what, "reason": reason,
            "attachment": {"title": title, "number": number},
            "replacement": command.replacement}
        return cls._create(cls.Requested, cadre_id=command.cadre_id,
                           target_position=command.target_position,
                           target_type=command.target_type, identity=command.identity,
                           sensitive=sensitive, effective_on=today, decision=None,
                           recorded_by=command.requested_by)

    def __init__(self, cadre_id: UUID, target_position: int, target_type: str, identity: bool,
                 sensitive: dict[str, Any], effective_on: date, decision: Decision | None,
                 recorded_by: str) -> None:
        self.cadre_id = cadre_id
        self.target_position = target_position
        self.target_type = target_type
        self.identity = identity
        self.shredded = bool(sensitive.get("_shredded"))
        self.what: str = str(sensitive.get("what", ""))
        self.reason: str = str(sensitive.get("reason", ""))
        attachment = sensitive.get("attachment") or {}
        self.attachment = Attachment(str(attachment.get("title", "")), attachment.get("number"))
        proposed = sensitive.get("replacement")
        self.replacement: dict[str, Any] | None = proposed if isinstance(proposed, dict) else None
        self.requested_on = effective_on
        self.requested_by = recorded_by
        self.status = RequestStatus.PENDING
        self.answered_on: date | None = None
        self.answered_by: str | None = None
        self.answer_reason: str | None = None
        self.how: str | None = None

    def check_answerable(self) -> None:
        if self.status is not RequestStatus.PENDING:
            raise Conflict(f"Đề nghị đã được trả lời ({self.status}) (request already "
                           "answered)", code="request_already_answered", field="outcome")

    def answer(self, command: AnswerCorrectionRequest, *, today: date) -> None:
        try:
            outcome = Outcome(command.outcome)
        except ValueError:
            raise InvalidCommand(f"Kết quả '{command.outcome}' không hợp lệ (outcome must be "
                                 "accepted or refused)", code="invalid_code",
                                 field="outcome") from None
        self.check_answerable()
        reason = _text(command.reason, "reason", "lý do")
        if outcome is Outcome.ACCEPTED and command.how not in ("corrected", "retracted"):
            raise InvalidCommand("Chấp nhận đề nghị phải kèm việc đính chính hoặc thu hồi "
                                 "(an acceptance records a correction or a retraction)",
                                 code="missing_correction", field="how")
        if outcome is Outcome.REFUSED and command.how is not None:
            raise InvalidCommand("Từ chối không kèm đính chính (a refusal records no "
                                 "correction)", code="invalid_command", field="how")
        self._answered(outcome=outcome, how=command.how, sensitive={"reason": reason},
                       effective_on=today, decision=None, recorded_by=command.answered_by)

    @event(Answered)
    def _answered(self, outcome: Outcome, how: str | None, sensitive: dict[str, Any],
                  effective_on: date, decision: Decision | None, recorded_by: str) -> None:
        self.status = RequestStatus(Outcome(outcome).value)
        self.how = how
        reason = sensitive.get("reason")
        self.answer_reason = reason if isinstance(reason, str) else None
        self.answered_on = effective_on
        self.answered_by = recorded_by
