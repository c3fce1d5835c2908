"""Findings: the log folded into the rule functions' facts, judged for any `as_of`/`known_at`.

`RecordFold` applies domain events in log order (position, recorded instant, event) and keeps
what the record showed: corrections replace the entry they target (retractions drop it), so
folding the events recorded up to `known_at` gives exactly what the record said then. Findings
are computed from the fold for an `as_of` date by the pure checks of `domain.rules.checks`.
Inspectors' reviews (FindingReview events) are folded alongside: the latest one per finding key.

The fold is incremental: the projector keeps one live `RecordFold` current as events arrive and
judges what they touched (`touched`, `widened`; projections/findings_store.py, ADR 0009); a past
`known_at` not kept judged folds the log up to the position recorded by then.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.cadre import Cadre
from domain.calendar import business_day
from domain.job_position import PositionStandards
from domain.record import (
    Add,
    Commendation,
    Discipline,
    Drop,
    Effect,
    Employment,
    End,
    Evaluation,
    Fact,
    Hold,
    Identify,
    Nomination,
    Plan,
    Qualification,
    Registration,
    Relative,
    Remove,
    Renew,
    Restore,
    Resume,
    Training,
    Unplan,
    Unrenew,
    Vetting,
    Withdraw,
    apply_correction,
    effects_of,
    fact_class,
    fact_from,
    fact_of,
    subject_of,
)
from domain.rules.checks import Finding, find_all
from domain.rules.facts import (
    CadreFacts,
    CommendationFact,
    DeclarationFact,
    DisciplineFact,
    DossierStepFact,
    EmploymentFact,
    EvaluationFact,
    HoldingFact,
    IdentityCorrection,
    JobPositionFacts,
    NominationFact,
    PlanningFact,
    QualificationFact,
    RecordFacts,
    RelativeFact,
    TitleFacts,
    TravelFact,
    UnitFacts,
    VettingFact,
)
from domain.rules.pack import RulePack
from domain.values import Decision, TitleStandards
from projections.runner import StoredRecord

IDENTITY_FIELDS = ("born_on", "education", "political_theory", "state_management")


@dataclass(frozen=True)
class ReviewStatus:
    conclusion: str
    reason: str
    reviewed_by: str
    reviewed_at: datetime
    position: int


@dataclass(slots=True)
class _Cadre:
    cadre_id: UUID
    identity: Registration
    position: int
    registered_on: date
    holdings: dict[UUID, HoldingFact] = field(default_factory=dict)
    plannings: dict[UUID, PlanningFact] = field(default_factory=dict)
    # Facts kept by the position of the entry in force.
    evaluations: dict[int, EvaluationFact] = field(default_factory=dict)
    disciplines: dict[int, DisciplineFact] = field(default_factory=dict)
    vettings: dict[int, VettingFact] = field(default_factory=dict)
    relatives: dict[int, RelativeFact] = field(default_factory=dict)
    qualifications: dict[int, QualificationFact] = field(default_factory=dict)
    corrections: list[IdentityCorrection] = field(default_factory=list)
    commendations: dict[int, CommendationFact] = field(default_factory=dict)
    employments: dict[int, EmploymentFact] = field(default_factory=dict)
    nominations: dict[int, NominationFact] = field(default_factory=dict)
    dossier_steps: dict[int, DossierStepFact] = field(default_factory=dict)
    declarations: dict[int, DeclarationFact] = field(default_factory=dict)
    travels: dict[UUID, TravelFact] = field(default_factory=dict)


class RecordFold:
    def __init__(self) -> None:
        self.position = 0
        # Last position of an event the checks read (reviews excluded): the findings of two
        # folds with the same `facts_position` are the same.
        self.facts_position = 0
        self.units: dict[UUID, UnitFacts] = {}
        self.titles: dict[str, TitleFacts] = {}
        self.job_positions: dict[UUID, JobPositionFacts] = {}
        self.cadres: dict[UUID, _Cadre] = {}
        self.reviews: dict[str, ReviewStatus] = {}
        # log position of an entry in force -> (cadre, its type, its holding or planning)
        self._entries: dict[int, tuple[UUID, type[Fact], UUID | None]] = {}
        # appointment dossiers -> (cadre, holding); integrity records -> cadre (issue 18)
        self._dossiers: dict[UUID, tuple[UUID, UUID]] = {}
        self._integrity: dict[UUID, UUID] = {}
        # What was folded since the last judging (projections/findings_store.py): the cadres
        # whose facts changed, and whether a unit, title or job position did (every cadre's
        # findings may read those).
        self.touched: set[UUID] = set()
        self.widened = False

    # --- folding -----------------------------------------------------------------------

    def apply(self, position: int, recorded_at: datetime, event: Any) -> None:
        self.position = max(self.position, position)
        name = type(event).__qualname__
        day = _day(business_day(recorded_at))
        owner = name.split(".")[0]
        if owner in ("Unit", "Title", "Cadre", "JobPosition", "AppointmentDossier",
                     "IntegrityRecord"):
            self.facts_position = max(self.facts_position, position)
        if owner in ("Unit", "Title", "JobPosition"):
            self.widened = True
        if owner == "Unit":
            self._unit(name, event, day)
        elif owner == "Title":
            self._title(event)
        elif name == "JobPosition.Registered":
            self._job_position(position, event, day)
        elif name == "JobPosition.Revised":
            self._job_position_revised(event)
        elif owner == "Cadre":
            self._cadre(position, event, day)
        elif owner in ("AppointmentDossier", "IntegrityRecord"):
            self._integrity_event(name, position, event, day)
        elif name == "FindingReview.Reviewed":
            self.reviews[event.finding_key] = ReviewStatus(
                str(event.conclusion), event.reason, event.recorded_by, recorded_at, position)

    def _unit(self, name: str, e: Any, day: date) -> None:
        uid = e.originator_id
        if name == "Unit.Registered":
            self.units[uid] = UnitFacts(uid, e.code, e.name, e.kind, _day(e.established_on), day,
                                        ((_day(e.established_on), e.parent_id),))
            return
        unit = self.units.get(uid)
        if unit is None:
            return
        if name == "Unit.Renamed":
            self.units[uid] = replace(unit, name=e.new_name)
        elif name == "Unit.Moved":
            parents = sorted((*unit.parents, (_day(e.effective_on), e.new_parent_id)),
                             key=lambda p: p[0])
            self.units[uid] = replace(unit, parents=tuple(parents))
        elif name in ("Unit.MergedInto", "Unit.Dissolved"):
            self.units[uid] = replace(unit, ended_on=_day(e.effective_on))

    def _integrity_event(self, name: str, position: int, e: Any, day: date) -> None:
        """The dossier of an appointment, asset declarations and travel (domain.integrity)."""
        if name == "AppointmentDossier.Opened":
            self._dossiers[e.originator_id] = (_uuid(e.cadre_id), _uuid(e.holding_id))
            return
        if name == "IntegrityRecord.Opened":
            self._integrity[e.originator_id] = _uuid(e.cadre_id)
            return
        if name == "AppointmentDossier.StepRecorded":
            cadre_id, holding_id = self._dossiers.get(e.originator_id, (None, None))
            c = self.cadres.get(cadre_id) if cadre_id else None
            if c is not None and holding_id is not None:
                self.touched.add(c.cadre_id)
                c.dossier_steps[position] = DossierStepFact(
                    position, holding_id, _code(e.step), _day(e.effective_on),
                    e.votes_for, e.votes_total)
            return
        cid = self._integrity.get(e.originator_id)
        c = self.cadres.get(cid) if cid else None
        if c is None:
            return
        self.touched.add(c.cadre_id)
        if name == "IntegrityRecord.AssetsDeclared":
            c.declarations[position] = DeclarationFact(position, _code(e.kind),
                                                       _day(e.effective_on), day)
        elif name == "IntegrityRecord.TravelRecorded":
            c.travels[_uuid(e.travel_id)] = TravelFact(
                position, _uuid(e.travel_id), _code(e.purpose), _day(e.departed_on),
                _day(e.returned_on),
                _decision(e.permission) if e.permission is not None else None)
        elif name == "IntegrityRecord.TravelReported":
            key = _uuid(e.travel_id)
            if key in c.travels:
                c.travels[key] = replace(c.travels[key], reported_on=_day(e.effective_on),
                                         report_position=position)

    def _title(self, e: Any) -> None:
        standards = e.standards
        if isinstance(standards, Mapping):
            standards = TitleStandards(**standards)
        if type(e).__qualname__ == "Title.Revised":
            title = self.titles.get(e.code)
            if title is not None:
                self.titles[e.code] = replace(title, versions=(
                    *title.versions, (_day(e.effective_on), e.management_tier,
                                      standards or TitleStandards())))
            return
        self.titles[e.code] = TitleFacts(e.code, e.name, bool(e.is_head), int(e.rank or 0),
                                         e.management_tier, e.sector,
                                         standards or TitleStandards(),
                                         getattr(e, "area_head", None))

    def _job_position(self, position: int, e: Any, day: date) -> None:
        standards = tuple(s if isinstance(s, PositionStandards) else PositionStandards(**s)
                          for s in e.standards)
        days = [_day(v.valid_from) if not isinstance(v, Mapping) else _day(v["valid_from"])
                for v in (*e.standards, *e.frameworks)]
        self.job_positions[e.originator_id] = JobPositionFacts(
            e.originator_id, _uuid(e.unit_id), e.code, e.name, position, day, standards,
            min(days, default=day))

    def _job_position_revised(self, e: Any) -> None:
        job = self.job_positions.get(e.originator_id)
        if job is None:
            return
        new = e.standards
        if new is not None and not isinstance(new, PositionStandards):
            new = PositionStandards(**new)
        days = [d for d in (job.established_on,
                            _day(new.valid_from) if new is not None else None,
                            _framework_day(e.framework)) if d is not None]
        self.job_positions[e.originator_id] = replace(
            job, standards=(*job.standards, new) if new is not None else job.standards,
            established_on=min(days))

    def _cadre(self, position: int, e: Any, day: date) -> None:
        cid = e.originator_id
        self.touched.add(cid)
        entry_type = fact_class(e)
        if entry_type is Registration:
            registration = fact_from(e)
            assert isinstance(registration, Registration)
            self.cadres[cid] = _Cadre(cid, registration, position, day)
            self._entries[position] = (cid, Registration, None)
            return
        cadre = self.cadres.get(cid)
        if cadre is None:
            return
        if entry_type is not None:
            self._apply(cadre, effects_of(fact_from(e), position), day)
        elif isinstance(e, Cadre.Corrected):
            self._correct(cadre, position, e, day)

    def _correct(self, c: _Cadre, position: int, e: Any, day: date) -> None:
        target = self._entries.pop(e.target_position, None)
        if target is None:
            return
        _, entry_type, subject = target
        replacement = (None if e.replacement is None
                       else fact_of(entry_type, dict(e.replacement)))
        old_qualification = c.qualifications.get(e.target_position)
        self._apply(c, apply_correction(entry_type, e.target_position, subject, replacement,
                                        position), day)
        new_qualification = c.qualifications.get(position)
        if old_qualification is not None and old_qualification.kind in IDENTITY_FIELDS:
            after = new_qualification.level if new_qualification else None
            if after != old_qualification.level or (
                    new_qualification and new_qualification.obtained_on
                    != old_qualification.obtained_on):
                c.corrections.append(IdentityCorrection(
                    position, e.target_position, old_qualification.kind,
                    old_qualification.level, after, day))

    def _apply(self, c: _Cadre, effects: list[Effect], day: date) -> None:
        """The effects of one entry (domain.record) on the cadre's facts, recorded on `day`."""
        for effect in effects:
            if isinstance(effect, Identify):
                self._identify(c, effect, day)
                fact: Fact = effect.registration
            elif isinstance(effect, Hold):
                a = fact = effect.appointment
                key = _uuid(a.holding_id)
                old = c.holdings.get(key)  # a revision keeps the holding's ending
                c.holdings[key] = HoldingFact(
                    effect.place, key, _uuid(a.unit_id), _code(a.title_code), _code(a.kind),
                    _day(a.effective_on), _decision(a.decision), day,
                    special_case=bool(a.special_case),
                    planned_end_on=_day_or_none(a.planned_end_on),
                    until=old.until if old else None, end_reason=old.end_reason if old else None,
                    end_decision=old.end_decision if old else None,
                    end_position=old.end_position if old else None,
                    end_recorded_on=old.end_recorded_on if old else None,
                    renewed_position=old.renewed_position if old else None,
                    renews=_uuid_or_none(a.renews))
            elif isinstance(effect, End):
                ending = fact = effect.ending
                key = _uuid(ending.holding_id)
                if key in c.holdings:
                    c.holdings[key] = replace(
                        c.holdings[key], until=_day(ending.effective_on),
                        end_reason=_code(ending.reason), end_decision=_decision(ending.decision),
                        end_position=effect.place, end_recorded_on=day)
            elif isinstance(effect, Plan):
                p = fact = effect.planning
                key = _uuid(p.planning_id)
                kept = c.plannings.pop(key, None) if effect.revision else None
                c.plannings[key] = PlanningFact(
                    effect.place, _uuid(p.unit_id), _code(p.title_code), _code(p.term),
                    _day(p.effective_on), _decision(p.decision), day,
                    removed_on=kept.removed_on if kept else None,
                    removed_position=kept.removed_position if kept else None)
            elif isinstance(effect, Remove):
                removal = fact = effect.removal
                key = _uuid(removal.planning_id)
                if key in c.plannings:
                    c.plannings[key] = replace(c.plannings[key],
                                               removed_on=_day(removal.effective_on),
                                               removed_position=effect.place)
            elif isinstance(effect, Add):
                fact = effect.fact
                self._add(c, fact, effect.place, day)
            elif isinstance(effect, Renew):  # the renewal's own entry is its Hold
                key = _uuid(effect.renewed)
                if key in c.holdings:
                    c.holdings[key] = replace(c.holdings[key], until=_day(effect.on),
                                              end_reason=None, end_decision=None,
                                              end_position=None, end_recorded_on=day,
                                              renewed_position=effect.place)
                continue
            elif isinstance(effect, Unrenew):
                for key, held in list(c.holdings.items()):
                    if held.renewed_position == effect.place:
                        c.holdings[key] = replace(held, until=None, end_recorded_on=None,
                                                  renewed_position=None)
                continue
            else:
                self._undo(c, effect)
                continue
            self._entries[effect.place] = (c.cadre_id, type(fact), subject_of(fact))

    @staticmethod
    def _identify(c: _Cadre, effect: Identify, day: date) -> None:
        new = effect.registration
        for name in IDENTITY_FIELDS:
            before, after = getattr(c.identity, name), getattr(new, name)
            if _text(before) != _text(after):
                c.corrections.append(IdentityCorrection(
                    effect.place, effect.replaces or effect.place, name, _text(before),
                    _text(after), day))
        c.identity, c.position = new, effect.place

    @staticmethod
    def _add(c: _Cadre, fact: Fact, position: int, day: date) -> None:
        if isinstance(fact, Evaluation):
            c.evaluations[position] = EvaluationFact(position, _code(fact.period),
                                                     _code(fact.rating),
                                                     _day(fact.effective_on), day)
        elif isinstance(fact, Discipline):
            c.disciplines[position] = DisciplineFact(position, _code(fact.form),
                                                     _day(fact.effective_on),
                                                     _decision(fact.decision), day,
                                                     system=_text(fact.system))
        elif isinstance(fact, Vetting):
            c.vettings[position] = VettingFact(position, _day(fact.effective_on),
                                               _code(fact.conclusion), _code(fact.purpose))
        elif isinstance(fact, Relative):
            c.relatives[position] = RelativeFact(position, _code(fact.relation),
                                                 _uuid_or_none(fact.relative_cadre_id))
        elif isinstance(fact, Qualification):
            c.qualifications[position] = QualificationFact(position, _code(fact.kind),
                                                           _code(fact.level),
                                                           _day(fact.effective_on))
        elif isinstance(fact, Employment):
            c.employments[position] = EmploymentFact(
                position, _uuid(fact.unit_id), _uuid_or_none(fact.job_position_id),
                _day(fact.effective_on), _decision(fact.decision), day)
        elif isinstance(fact, Commendation):
            c.commendations[position] = CommendationFact(position, _code(fact.form),
                                                         _day(fact.effective_on),
                                                         _decision(fact.decision), day)
        elif isinstance(fact, Training) and fact.conferred:
            kind, level, completed_on = fact.conferred
            c.qualifications[position] = QualificationFact(position, _code(kind), _code(level),
                                                           _day(completed_on))
        elif isinstance(fact, Nomination):
            c.nominations[position] = NominationFact(position, _uuid(fact.unit_id),
                                                     _code(fact.title_code),
                                                     _day(fact.effective_on),
                                                     _decision(fact.decision), day)

    @staticmethod
    def _undo(c: _Cadre, effect: Effect) -> None:
        if isinstance(effect, Withdraw):
            c.holdings.pop(_uuid(effect.holding_id), None)
        elif isinstance(effect, Resume):
            key = _uuid(effect.holding_id)
            if key in c.holdings:
                c.holdings[key] = replace(c.holdings[key], until=None, end_reason=None,
                                          end_decision=None, end_position=None,
                                          end_recorded_on=None)
        elif isinstance(effect, Unplan):
            c.plannings.pop(_uuid(effect.planning_id), None)
        elif isinstance(effect, Restore):
            key = _uuid(effect.planning_id)
            if key in c.plannings:
                c.plannings[key] = replace(c.plannings[key], removed_on=None,
                                           removed_position=None)
        elif isinstance(effect, Drop):
            for facts in (c.evaluations, c.disciplines, c.vettings, c.relatives,
                          c.qualifications, c.commendations, c.employments,
                          c.nominations):
                facts.pop(effect.place, None)  # type: ignore[attr-defined]

    # --- reading -----------------------------------------------------------------------

    def facts(self, as_of: date) -> RecordFacts:
        return RecordFacts(as_of, tuple(_cadre_facts(c) for c in self.cadres.values()),
                           dict(self.titles), dict(self.units), dict(self.job_positions))


def _cadre_facts(c: _Cadre) -> CadreFacts:
    registered = [QualificationFact(c.position, name, str(getattr(c.identity, name)), None)
                  for name in ("education", "political_theory", "state_management")
                  if getattr(c.identity, name)]
    return CadreFacts(
        c.cadre_id, c.identity.full_name, str(c.identity.gender),
        _day(c.identity.born_on), c.position, c.registered_on,
        holdings=tuple(c.holdings.values()), evaluations=tuple(c.evaluations.values()),
        disciplines=tuple(c.disciplines.values()), plannings=tuple(c.plannings.values()),
        vettings=tuple(c.vettings.values()), relatives=tuple(c.relatives.values()),
        qualifications=(*registered, *c.qualifications.values()),
        identity_corrections=tuple(c.corrections),
        commendations=tuple(c.commendations.values()),
        employments=tuple(sorted(c.employments.values(), key=lambda e: e.effective_on)),
        nominations=tuple(c.nominations.values()),
        dossier_steps=tuple(c.dossier_steps.values()),
        declarations=tuple(c.declarations.values()), travels=tuple(c.travels.values()))


# --- findings for the API ----------------------------------------------------------------


def findings_as_of(fold: RecordFold, as_of: date, *, pack: RulePack | None = None,
                   rule: str | None = None, unit_id: UUID | None = None,
                   severity: str | None = None) -> list[dict[str, Any]]:
    """The findings list as GET /findings shows it: filtered by rule, unit (with its subunits
    on `as_of`) and severity; each with its latest review."""
    record = fold.facts(as_of)
    found = find_all(record, pack, rules=[rule] if rule else None)
    return [finding_row(f, fold.reviews.get(f.key))
            for f in select_findings(found, record, rule=rule, unit_id=unit_id,
                                     severity=severity)]


def select_findings(found: Iterable[Finding], tree: RecordFacts, *, rule: str | None = None,
                    unit_id: UUID | None = None, severity: str | None = None) -> list[Finding]:
    """The findings of one rule, severity, and unit with its subunits on `tree.as_of`."""
    chosen = []
    for f in found:
        if rule and f.rule_id != rule:
            continue
        if severity and f.severity != severity:
            continue
        if unit_id and (f.unit_id is None
                        or unit_id not in tree.ancestors_on(f.unit_id, tree.as_of)):
            continue
        chosen.append(f)
    return chosen


UNREVIEWED = "unreviewed"


def finding_row(f: Finding, review: ReviewStatus | None) -> dict[str, Any]:
    decision = None
    if f.decision is not None:
        decision = {"number": f.decision.number, "signed_on": f.decision.signed_on.isoformat(),
                    "issuer": f.decision.issuer, "signer": f.decision.signer,
                    "signer_cadre_id": (str(f.decision.signer_cadre_id)
                                        if f.decision.signer_cadre_id else None),
                    "issuer_code": f.decision.issuer_code}
    return {
        "id": f.key,
        "rule": f.rule_id,
        "rule_version": f.rule_version,
        "severity": f.severity,
        "cadre_id": str(f.cadre_id) if f.cadre_id else None,
        "unit_id": str(f.unit_id) if f.unit_id else None,
        "decision": decision,
        "effective_on": f.effective_on.isoformat(),
        "summary": f.summary,
        "evidence": list(f.evidence),
        "declared": f.declared,
        "review_status": review.conclusion if review else UNREVIEWED,
        "reviewed_by": review.reviewed_by if review else None,
        "review": None if review is None else {
            "conclusion": review.conclusion, "reason": review.reason,
            "reviewed_by": review.reviewed_by, "reviewed_at": review.reviewed_at.isoformat(),
            "position": review.position},
    }


# --- what the findings projection reads (projections/findings_store.py) --------------------


class SelectedRecord(StoredRecord, Protocol):
    """A log record as `infra.chain.LogReader.select` gives it: decodable, with its place in
    the log and the instant it was recorded."""

    @property
    def position(self) -> int: ...
    @property
    def recorded_at(self) -> datetime: ...


class EventLog(Protocol):
    def select(self, after_position: int, limit: int) -> Sequence[SelectedRecord]: ...
    def position_at(self, instant: datetime) -> int: ...


@dataclass(frozen=True)
class FindingsAnswer:
    as_of: date
    position: int  # the log position the findings reflect
    findings: list[dict[str, Any]]


def fold_events(events: Iterable[tuple[int, datetime, Any]]) -> RecordFold:
    fold = RecordFold()
    for position, recorded_at, event in events:
        fold.apply(position, recorded_at, event)
    return fold


# --- payload coercion (events decoded by any transcoder) --------------------------------


# A long-lived fold holds millions of facts: their codes and dates are shared instances
# rather than one copy per event (a third of the fold's memory).
_DAYS: dict[date, date] = {}


def _framework_day(framework: Any) -> date | None:
    if framework is None:
        return None
    return _day(framework["valid_from"] if isinstance(framework, Mapping)
                else framework.valid_from)


def _code(value: Any) -> str:
    return sys.intern(str(value))


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        value = date.fromisoformat(str(value))
    return _DAYS.setdefault(value, value)


def _day_or_none(value: Any) -> date | None:
    return None if value is None else _day(value)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _uuid_or_none(value: Any) -> UUID | None:
    return None if value is None else _uuid(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _decision(value: Any) -> Decision:
    if isinstance(value, Decision):
        return value
    return Decision(value["number"], _day(value["signed_on"]), _code(value["issuer"]),
                    _code(value["signer"]),
                    _uuid_or_none(value.get("signer_cadre_id")),
                    _text(value.get("issuer_code")))
