"""The inspection aggregates without a store: the case's one-way state machine, the refusals
with their codes (nothing pending after a refusal), and the rows each event appends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.errors import Conflict, DomainError, InvalidCommand, NotFound
from domain.inspection import (
    AddEvidence,
    AdoptPlan,
    AssignRemedy,
    CaseStatus,
    CloseCase,
    CloseRemedy,
    Conclude,
    DocumentRef,
    InspectionCase,
    InspectionPlan,
    OpenCase,
    PlanSubject,
    SubjectKind,
)
from domain.values import Decision
from projections.inspection import inspection_rows

TODAY = date(2026, 11, 24)
AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DECISION = Decision("09-KL/UBKT", date(2026, 11, 1), "Ủy ban Kiểm tra", "Trần Văn Kiểm")


def opened() -> InspectionCase:
    return InspectionCase.open(OpenCase(title="Vụ việc", description="Phản ánh",
                                        effective_on=date(2026, 10, 1), recorded_by="ubkt"),
                               today=TODAY)


def concluded() -> InspectionCase:
    case = opened()
    case.conclude(Conclude(text="Có vi phạm", violation_found=True, decision=DECISION,
                           recorded_by="ubkt"), today=TODAY)
    return case


def refused(case: InspectionCase, family: type[DomainError], code: str,
            run: Callable[[], object]) -> None:
    with pytest.raises(family) as caught:
        run()
    assert caught.value.code == code
    assert not case.collect_events(), "a refusal leaves nothing pending"


def test_a_case_moves_open_concluded_closed() -> None:
    case = opened()
    assert case.status == CaseStatus.OPEN
    case.add_evidence(AddEvidence(log_positions=(3, 3, 5), recorded_by="ubkt"), today=TODAY)
    assert case.evidence_positions == [3, 5]
    case.conclude(Conclude(text="Có vi phạm", violation_found=True, decision=DECISION,
                           recorded_by="ubkt"), today=TODAY)
    assert case.status == CaseStatus.CONCLUDED and case.concluded_on == date(2026, 11, 1)
    remedy = case.assign_remedy(AssignRemedy(action="Sửa", deadline=date(2026, 12, 1),
                                             owner_unit_id=uuid4(), recorded_by="ubkt"),
                                today=TODAY)
    case.close_remedy(CloseRemedy(remedy_id=remedy, result="Đã sửa", recorded_by="ubkt"),
                      today=TODAY)
    case.close(CloseCase(note="Xong", recorded_by="ubkt"), today=TODAY)
    assert case.status == CaseStatus.CLOSED
    types = [type(e).__name__ for e in case.collect_events()]
    assert types == ["Opened", "EvidenceAdded", "Concluded", "RemedyAssigned", "RemedyClosed",
                     "Closed"]


def test_state_refusals_carry_their_codes_and_append_nothing() -> None:
    case = opened()
    case.collect_events()
    refused(case, Conflict, "case_not_concluded", lambda: case.assign_remedy(AssignRemedy(
        action="Sửa", deadline=TODAY, owner_unit_id=uuid4(), recorded_by="x"), today=TODAY))
    refused(case, Conflict, "case_not_concluded",
            lambda: case.close(CloseCase(note="x", recorded_by="x"), today=TODAY))
    refused(case, InvalidCommand, "missing_field",
            lambda: case.add_evidence(AddEvidence(recorded_by="x"), today=TODAY))
    refused(case, InvalidCommand, "date_too_early", lambda: case.add_evidence(AddEvidence(
        log_positions=(1,), effective_on=date(2026, 9, 1), recorded_by="x"), today=TODAY))
    refused(case, InvalidCommand, "date_too_late", lambda: case.add_evidence(AddEvidence(
        documents=(DocumentRef(number="1", issued_on=date(2027, 1, 1), title="BB"),),
        recorded_by="x"), today=TODAY))

    case = concluded()
    case.collect_events()
    refused(case, Conflict, "case_concluded", lambda: case.conclude(Conclude(
        text="Lần hai", violation_found=False, decision=DECISION, recorded_by="x"),
        today=TODAY))
    refused(case, InvalidCommand, "owner_required", lambda: case.assign_remedy(AssignRemedy(
        action="Sửa", deadline=TODAY, recorded_by="x"), today=TODAY))
    refused(case, NotFound, "remedy_not_found", lambda: case.close_remedy(CloseRemedy(
        remedy_id=uuid4(), result="x", recorded_by="x"), today=TODAY))
    remedy = case.assign_remedy(AssignRemedy(action="Sửa", deadline=TODAY,
                                             owner_cadre_id=uuid4(), recorded_by="x"),
                                today=TODAY)
    case.collect_events()
    refused(case, Conflict, "remedies_open",
            lambda: case.close(CloseCase(note="x", recorded_by="x"), today=TODAY))
    case.close_remedy(CloseRemedy(remedy_id=remedy, result="Xong", recorded_by="x"), today=TODAY)
    case.collect_events()
    refused(case, Conflict, "remedy_not_open", lambda: case.close_remedy(CloseRemedy(
        remedy_id=remedy, result="x", recorded_by="x"), today=TODAY))
    case.close(CloseCase(note="Xong", recorded_by="x"), today=TODAY)
    case.collect_events()
    for run in (lambda: case.close(CloseCase(note="x", recorded_by="x"), today=TODAY),
                lambda: case.add_evidence(AddEvidence(log_positions=(1,), recorded_by="x"),
                                          today=TODAY),
                lambda: case.close_remedy(CloseRemedy(remedy_id=remedy, result="x",
                                                      recorded_by="x"), today=TODAY)):
        refused(case, Conflict, "case_closed", run)


def test_a_plan_names_its_subjects() -> None:
    with pytest.raises(InvalidCommand) as caught:
        InspectionPlan.adopt(AdoptPlan(year=2026, title="KH", subjects=(
            PlanSubject(kind=SubjectKind.TOPIC, topic="  "),), decision=DECISION,
            recorded_by="x"), today=TODAY)
    assert (caught.value.code, caught.value.field) == ("missing_field", "subjects[0].topic")
    plan = InspectionPlan.adopt(AdoptPlan(year=2026, title="Kế hoạch", subjects=(
        PlanSubject(kind=SubjectKind.TOPIC, topic="bổ nhiệm 2024–2025", unit_id=uuid4()),),
        decision=DECISION, recorded_by="x"), today=TODAY)
    # Only the field of the subject's kind is kept; the date defaults to the decision's.
    assert plan.subjects[0].unit_id is None and plan.effective_on == DECISION.signed_on


def test_each_event_appends_its_rows() -> None:
    case = concluded()
    remedy = case.assign_remedy(AssignRemedy(action="Sửa", deadline=date(2026, 12, 31),
                                             owner_cadre_id=uuid4(), recorded_by="ubkt"),
                                today=TODAY)
    tables = []
    for position, e in enumerate(case.collect_events(), start=10):
        (op,) = inspection_rows(e, position, AT)
        assert op.row["recorded_by"] == "ubkt" and op.row["recorded_at"] == AT
        tables.append(op.table)
    assert tables == ["insp_cases", "insp_conclusions", "insp_remedies"]
    assert inspection_rows(object(), 1, AT) == []
    assert remedy in case.remedies
