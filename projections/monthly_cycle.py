"""The monthly cycle's read side: the report of a reporting period, who submitted it, who is
late, and the committee's check that each submitted report rebuilds to its digest.

Submissions are read from the log itself (`HosoApplication.report_submission`): the read model
keeps no table of them; its log table already says which submission aggregates exist.
Which units are expected to submit is the caller's choice (api/routes/monthly_cycle.py: the
units with an active personnel token), so this module reads no token store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import select

from domain.report_submission import ReportSubmission, Submission, submission_id_for
from domain.reporting_periods import ReportingPeriod, reporting_period
from projections import reports
from projections.read_model import Moment, ReadModel


class SubmissionSource(Protocol):
    def report_submission(self, period: str, unit_id: UUID) -> ReportSubmission | None: ...


def period_report(model: ReadModel, period: ReportingPeriod, m_known: Moment,
                  tier: str | None = None, unit_id: UUID | None = None) -> dict[str, Any]:
    """The monthly report of one reporting period: the summary of its days."""
    return reports.summary(model, period.first, period.last, m_known, tier, unit_id,
                           reporting_period=period.describe())


def recorded_period(s: Submission) -> ReportingPeriod:
    """The period a submission covered, whatever the setting is now (a period starts on the
    1st or on its start day, so the first day gives the start day back)."""
    return reporting_period(s.period, s.date_from.day)


def rebuilt(model: ReadModel, s: Submission) -> dict[str, Any]:
    """The submitted report computed again at the log position and instant it was computed at."""
    return period_report(model, recorded_period(s), Moment(s.date_to, s.known_at, s.position),
                         None, s.unit_id)


def submitted(model: ReadModel, app: SubmissionSource, period: str,
              unit_ids: Iterable[UUID]) -> list[ReportSubmission]:
    """The submission aggregates of `period` among `unit_ids` (one query finds which exist)."""
    by_id = {submission_id_for(period, u): u for u in unit_ids}
    if not by_id:
        return []
    with model.engine.connect() as conn:
        lg = model.tables().log
        found = set(conn.execute(select(lg.c.originator_id).distinct()
                                 .where(lg.c.originator_id.in_(list(by_id)))).scalars())
    out = [app.report_submission(period, by_id[i]) for i in by_id if i in found]
    return [s for s in out if s is not None]


def submission_row(model: ReadModel, m: Moment, s: Submission) -> dict[str, Any]:
    unit = model.unit(s.unit_id, m) or {}
    return dict(period=s.period, unit_id=s.unit_id, unit_code=unit.get("code"),
                unit_name=unit.get("name"), date_from=s.date_from, date_to=s.date_to,
                digest=s.digest, position=s.position, known_at=s.known_at,
                submitted_by=s.recorded_by, note=s.note, version=s.version)


def listing(model: ReadModel, m: Moment, found: Sequence[ReportSubmission]) -> list[dict[str, Any]]:
    rows = [submission_row(model, m, a.latest) | {
        "earlier": [submission_row(model, m, e) for e in a.submissions[:-1]]} for a in found]
    return sorted(rows, key=lambda r: (str(r["unit_code"] or ""), str(r["unit_id"])))


def late(model: ReadModel, m: Moment, period: ReportingPeriod, today: date,
         expected: Iterable[UUID], found: Sequence[ReportSubmission]) -> dict[str, Any]:
    """The expected units without a submission for `period`: before its deadline, whom to
    remind; on and after it, who is late."""
    done = {a.unit_id for a in found}
    units = []
    for unit_id in sorted(set(expected) - done, key=str):
        unit = model.unit(unit_id, m) or {}
        units.append(dict(unit_id=unit_id, unit_code=unit.get("code"),
                          unit_name=unit.get("name")))
    units.sort(key=lambda u: (str(u["unit_code"] or ""), str(u["unit_id"])))
    overdue = today >= period.due_before
    return dict(period=period.describe(), today=today, overdue=overdue,
                days_left=max((period.due_before - today).days - 1, 0),
                expected=len(set(expected)), submitted=len(done), units=units)


def consolidated(model: ReadModel, m: Moment, found: Sequence[ReportSubmission]
                 ) -> list[dict[str, Any]]:
    """Each unit's submitted report rebuilt, with whether its digest is the one submitted."""
    out = []
    for a in found:
        s = a.latest
        report = rebuilt(model, s)
        out.append(submission_row(model, m, s) | {
            "rebuilt_digest": report["digest"], "matches": report["digest"] == s.digest,
            "report": report})
    return sorted(out, key=lambda r: (str(r["unit_code"] or ""), str(r["unit_id"])))
