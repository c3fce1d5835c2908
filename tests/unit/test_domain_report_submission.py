"""The `ReportSubmission` aggregate: a submission and a resubmission, and the refusals."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.errors import InvalidCommand
from domain.report_submission import ReportSubmission, SubmitReport, submission_id_for

UNIT = UUID("0b9d7c4e-1f2a-4e3b-8c5d-6a7b8c9d0e1f")
SENT = SubmitReport(period="2026-11", unit_id=UNIT, date_from=date(2026, 10, 15),
                    date_to=date(2026, 11, 14), digest="a" * 64, position=120,
                    known_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
                    recorded_by="to_chuc_lam_ha", note="  Báo cáo tháng 11  ")
TODAY = date(2026, 11, 24)


def test_a_submission_and_a_resubmission() -> None:
    s = ReportSubmission.submit(SENT, today=TODAY)
    assert s.id == submission_id_for("2026-11", UNIT)
    assert (s.latest.digest, s.latest.position, s.latest.note, s.latest.version) == (
        "a" * 64, 120, "Báo cáo tháng 11", 1)
    s.resubmit(dataclasses.replace(SENT, digest="b" * 64, position=130, note=None),
               today=date(2026, 11, 26))
    assert [x.digest for x in s.submissions] == ["a" * 64, "b" * 64]
    assert s.latest.version == 2 and len(s.collect_events()) == 2


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"digest": "A" * 64}, "invalid_digest", "digest"),
    ({"digest": "a" * 63}, "invalid_digest", "digest"),
    ({"period": "11/2026"}, "invalid_period", "period"),
    ({"position": -1}, "invalid_command", "position"),
    ({"known_at": datetime(2026, 11, 24, 9, 0)}, "invalid_command", "known_at"),
    ({"date_from": date(2026, 11, 15)}, "invalid_range", "date_from"),
])
def test_refusals_name_the_field(change: dict[str, object], code: str, field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        ReportSubmission.submit(dataclasses.replace(SENT, **change), today=TODAY)  # type: ignore[arg-type]
    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_resubmission_keeps_its_period_and_unit() -> None:
    s = ReportSubmission.submit(SENT, today=TODAY)
    s.collect_events()
    with pytest.raises(InvalidCommand):
        s.resubmit(dataclasses.replace(SENT, period="2026-12"), today=TODAY)
    assert s.collect_events() == [] and len(s.submissions) == 1
