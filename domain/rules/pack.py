"""The rule pack: every oversight rule is data (rule_pack.toml), versioned by validity dates.

A decision is judged with the version in force on its effective date, so a 2022 appointment is
judged by 2022 rules also when the check runs in 2026. Some rules have parallel tracks in force
at the same time (party rules and civil-service law for discipline bars); each track has its own
versions and `versions_for` returns all of them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from domain.values import fold

RULE_IDS = (
    "discipline_bar",
    "not_in_planning",
    "retirement_horizon",
    "min_time_in_post",
    "no_vetting",
    "title_standards",
    "long_tenure",
    "head_term_limit",
    "reappointment_overdue",
    "relatives_linked_posts",
    "excellent_quota",
    "missing_evaluation",
    "removal_grounds",
    "pre_departure_appointments",
    "express_promotion",
    "backdated_record",
    "identity_data_changed",
    "vacant_head_post",
    "commendation_while_disciplined",
    "commendation_below_rating",
    "commendation_own_circle",
    "extension_to_retirement",
    "below_job_position_standard",
    "job_position_vacant",
    "issuer_not_competent",
    "dossier_steps",
    "dossier_vote_share",
    "decision_before_dossier",
    "no_asset_declaration",
    "travel_without_permission",
    "travel_without_report",
)
SEVERITIES = ("high", "medium", "low")
DEFAULT_PACK = Path(__file__).with_name("rule_pack.toml")


# Limits the write side enforces when a command is given (not findings): the same versioned form.
LIMIT_IDS = ("planning_posts_per_term",)


class RulePackError(ValueError):
    """The pack file is malformed: names the rule version and the field at fault."""


@dataclass(frozen=True)
class RuleVersion:
    id: str
    version: str
    title: str
    params: Mapping[str, Any]
    valid_from: date
    valid_to: date | None  # last day in force (inclusive); None: still in force
    severity: str
    source: str
    verify: tuple[str, ...] = ()
    track: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def param(self, name: str) -> Any:
        try:
            return self.params[name]
        except KeyError:
            raise RulePackError(f"{self.id} {self.version}: missing param '{name}'") from None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "params": dict(self.params),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "severity": self.severity,
            "source": self.source,
            "verify": list(self.verify),
            "track": self.track or None,
        }


@dataclass(frozen=True)
class AgeSchedule:
    """Retirement age of one gender, in months, by the calendar year in which it is reached."""

    before_months: int  # the age for those reaching it before the schedule starts
    start_months: int  # the age in the schedule's first year
    step_months: int  # added for each later year
    max_months: int  # the final age

    def months_in(self, year: int, start_year: int) -> int:
        if year < start_year:
            return self.before_months
        return min(self.start_months + (year - start_year) * self.step_months, self.max_months)


@dataclass(frozen=True)
class RetirementSchedule:
    start_year: int
    by_gender: Mapping[str, AgeSchedule]
    source: str
    verify: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "start_year": self.start_year,
            "source": self.source,
            "verify": list(self.verify),
            **{g: vars(s).copy() for g, s in self.by_gender.items()},
        }


@dataclass(frozen=True)
class Body:
    """An issuing body (cơ quan ban hành quyết định) by kind and level, e.g. the standing
    committee of a district party committee; `patterns` map the free text of older decisions."""

    code: str
    name: str
    level: str
    sphere: str
    patterns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "level": self.level,
                "sphere": self.sphere, "patterns": list(self.patterns)}


# Leading words of an issuer's text that name the signer's capacity, not the body.
_ISSUER_PREFIXES = ("t/m ", "tm ", "thay mat ", "chu tich ")


@dataclass(frozen=True)
class RulePack:
    versions: tuple[RuleVersion, ...]
    retirement: RetirementSchedule
    limits: tuple[RuleVersion, ...] = ()
    bodies: tuple[Body, ...] = ()
    _by_rule: Mapping[str, tuple[RuleVersion, ...]] = field(repr=False, compare=False,
                                                          default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> RulePack:
        with (path or DEFAULT_PACK).open("rb") as handle:
            data = tomllib.load(handle)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RulePack:
        versions = tuple(_rule_version(raw) for raw in data.get("rule", []))
        by_rule: dict[str, list[RuleVersion]] = {}
        for v in versions:
            by_rule.setdefault(v.id, []).append(v)
        missing = [r for r in RULE_IDS if r not in by_rule]
        if missing:
            raise RulePackError(f"rule pack lacks rules: {', '.join(missing)}")
        for rule_id, rule_versions in by_rule.items():
            _check_no_overlap(rule_id, rule_versions)
        limits = tuple(_rule_version(raw, LIMIT_IDS) for raw in data.get("limit", []))
        for limit_id in {v.id for v in limits}:
            _check_no_overlap(limit_id, [v for v in limits if v.id == limit_id])
        bodies = tuple(_body(raw) for raw in data.get("body", []))
        codes = [b.code for b in bodies]
        if len(set(codes)) != len(codes):
            raise RulePackError("rule pack: a body code is listed twice")
        for v in versions:
            for action, tiers in v.params.get("authority", {}).items():
                for tier, allowed in tiers.items():
                    unknown = [code for code in allowed if code not in codes]
                    if unknown:
                        raise RulePackError(f"{v.id} {v.version}: authority.{action}.{tier} "
                                            f"names unknown bodies {unknown}")
        return cls(
            versions=versions,
            retirement=_retirement(data.get("retirement_age")),
            limits=limits,
            bodies=bodies,
            _by_rule=MappingProxyType({k: tuple(v) for k, v in by_rule.items()}),
        )

    def versions_for(self, rule_id: str, on: date) -> tuple[RuleVersion, ...]:
        """Every version of a rule in force on a date, one per track."""
        if rule_id not in self._by_rule:
            raise KeyError(rule_id)
        return tuple(v for v in self._by_rule[rule_id] if v.in_force_on(on))

    def version_for(self, rule_id: str, on: date, track: str | None = None) -> RuleVersion | None:
        """The version in force on `on` (of one track, else the pack's first track); None when
        the rule was not yet (or no longer) in force."""
        for v in self.versions_for(rule_id, on):
            if track is None or v.track == track:
                return v
        return None

    def limit_for(self, limit_id: str, on: date) -> RuleVersion | None:
        """The version of a command limit in force on a date (None: no limit then)."""
        return next((v for v in self.limits if v.id == limit_id and v.in_force_on(on)), None)

    def body(self, code: str | None) -> Body | None:
        return next((b for b in self.bodies if b.code == code), None) if code else None

    def body_for(self, code: str | None, issuer: str | None) -> Body | None:
        """The body of a decision: its `issuer_code`, else the body its free text names."""
        if code:
            return self.body(code)
        return self.body_of_text(issuer)

    def body_of_text(self, issuer: str | None) -> Body | None:
        """The body a free-text issuer names (the longest matching pattern), or None."""
        text = " ".join(fold(issuer or "").replace(",", " ").split())
        for prefix in _ISSUER_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):]
        best: tuple[int, Body] | None = None
        for b in self.bodies:
            for pattern in b.patterns:
                if (text == pattern or text.startswith(pattern + " ")) and (
                        best is None or len(pattern) > best[0]):
                    best = (len(pattern), b)
        return best[1] if best else None

    def history(self, rule_id: str) -> tuple[RuleVersion, ...]:
        return self._by_rule[rule_id]

    def as_list(self) -> list[dict[str, Any]]:
        """The pack as served by GET /rules: one item per rule version, in file order."""
        return [v.as_dict() for v in self.versions]


@lru_cache(maxsize=1)
def default_pack() -> RulePack:
    return RulePack.load()


def _rule_version(raw: Mapping[str, Any], ids: tuple[str, ...] = RULE_IDS) -> RuleVersion:
    where = f"{raw.get('id', '?')} {raw.get('version', '?')}"
    for key in ("id", "version", "title", "valid_from", "severity", "source"):
        if key not in raw:
            raise RulePackError(f"{where}: missing '{key}'")
    if raw["id"] not in ids:
        raise RulePackError(f"{where}: unknown rule id (known: {', '.join(ids)})")
    if raw["severity"] not in SEVERITIES:
        raise RulePackError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    valid_from, valid_to = raw["valid_from"], raw.get("valid_to")
    if not isinstance(valid_from, date) or (valid_to is not None and not isinstance(valid_to,
                                                                                    date)):
        raise RulePackError(f"{where}: valid_from/valid_to must be TOML dates")
    if valid_to is not None and valid_to < valid_from:
        raise RulePackError(f"{where}: valid_to precedes valid_from")
    params = dict(raw.get("params", {}))
    verify = tuple(raw.get("verify", ()))
    unknown = [name for name in verify if name not in params and name != "source"]
    if unknown:
        raise RulePackError(f"{where}: verify names unknown params {unknown}")
    return RuleVersion(
        id=raw["id"], version=raw["version"], title=raw["title"],
        params=MappingProxyType(params), valid_from=valid_from, valid_to=valid_to,
        severity=raw["severity"], source=raw["source"], verify=verify,
        track=raw.get("track", ""),
    )


def _body(raw: Mapping[str, Any]) -> Body:
    for key in ("code", "name", "level", "sphere"):
        if key not in raw:
            raise RulePackError(f"body {raw.get('code', '?')}: missing '{key}'")
    return Body(code=str(raw["code"]), name=str(raw["name"]), level=str(raw["level"]),
                sphere=str(raw["sphere"]),
                patterns=tuple(" ".join(fold(p).split()) for p in raw.get("patterns", ())))


def _check_no_overlap(rule_id: str, versions: list[RuleVersion]) -> None:
    by_track: dict[str, list[RuleVersion]] = {}
    for v in versions:
        by_track.setdefault(v.track, []).append(v)
    for track_versions in by_track.values():
        ordered = sorted(track_versions, key=lambda v: v.valid_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise RulePackError(f"{rule_id}: versions {earlier.version} and {later.version} "
                                    "overlap in time (close the earlier one with valid_to)")


def _retirement(raw: Mapping[str, Any] | None) -> RetirementSchedule:
    if raw is None:
        raise RulePackError("rule pack lacks [retirement_age]")
    schedules = {}
    for gender in ("nam", "nu"):
        g = raw.get(gender)
        if g is None:
            raise RulePackError(f"retirement_age lacks [{gender}]")
        schedules[gender] = AgeSchedule(
            before_months=int(g["before_months"]), start_months=int(g["start_months"]),
            step_months=int(g["step_months"]), max_months=int(g["max_months"]))
    return RetirementSchedule(start_year=int(raw["start_year"]),
                              by_gender=MappingProxyType(schedules), source=str(raw["source"]),
                              verify=tuple(raw.get("verify", ())))
