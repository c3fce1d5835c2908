"""Vị trí việc làm: a job position of a unit, with its dated standards and competency framework.

A position belongs to one unit and has a code (unique within the unit), a name and a group
(lãnh đạo, quản lý / chuyên môn, nghiệp vụ / hỗ trợ, phục vụ). What it asks of its holder is data
that changes over time: each version of the standards and of the competency framework carries
the day it applies from and the text it rests on (its source), and a later version replaces the
earlier one from its own day. The catalogue keeps every version; `standards_on` and
`framework_on` pick the one in force on a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidCommand
from domain.values import Education, PoliticalTheory, StateManagement

V = TypeVar("V", "PositionStandards", "CompetencyFramework")
MAX_LEVEL = 5  # the required level of a competency runs from 1 to 5


class PositionGroup(StrEnum):
    LANH_DAO = "lanh_dao"  # lãnh đạo, quản lý
    CHUYEN_MON = "chuyen_mon"  # chuyên môn, nghiệp vụ
    HO_TRO = "ho_tro"  # hỗ trợ, phục vụ


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionStandards:
    """Tiêu chuẩn of the position from `valid_from`: the least its holder must have. IT and
    language are the certificate a holder must have some level of (their levels have no order
    the record can compare); experience is in full years since first employed."""

    valid_from: date
    source: str
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    it: str | None = None
    language: str | None = None
    experience_years: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Competency:
    name: str
    level: int  # required, 1 to 5


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetencyFramework:
    """Khung năng lực of the position from `valid_from`."""

    valid_from: date
    source: str
    competencies: tuple[Competency, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterJobPosition:
    unit_id: UUID
    code: str
    name: str
    group: PositionGroup
    standards: tuple[PositionStandards, ...]
    frameworks: tuple[CompetencyFramework, ...]
    recorded_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseJobPosition:
    """A new version of the standards, of the framework, or of both, from its valid_from: it
    follows the versions on record (a change is a new version, never an edit of history)."""

    position_id: UUID
    standards: PositionStandards | None
    framework: CompetencyFramework | None
    recorded_by: str


def job_position_id(unit_id: UUID, code: str) -> UUID:
    # One position per code in a unit: the id is derived, so a duplicate is found by id.
    return uuid5(NAMESPACE_URL, f"hoso:job-position:{unit_id}:{code}")


def _by_day(versions: Sequence[V], field: str) -> tuple[V, ...]:
    ordered = tuple(sorted(versions, key=lambda v: v.valid_from))
    days = [v.valid_from for v in ordered]
    if len(set(days)) != len(days):
        raise InvalidCommand(f"Hai phiên bản cùng ngày áp dụng ({field}: two versions share a "
                             "valid_from)", code="invalid_date", field=field)
    for v in ordered:
        if not v.source.strip():
            raise InvalidCommand(f"Thiếu căn cứ của phiên bản từ {v.valid_from:%d/%m/%Y} "
                                 f"({field}.source is required)", code="missing_field",
                                 field=f"{field}.source")
    return ordered


def check_registration(command: RegisterJobPosition) -> RegisterJobPosition:
    """The command as recorded, or a refusal naming the field and the rule."""
    for name in ("code", "name"):
        if not getattr(command, name).strip():
            raise InvalidCommand(f"Thiếu {name} ({name} is required)", code="missing_field",
                                 field=name)
    for s in command.standards:
        if s.experience_years is not None and s.experience_years < 0:
            raise InvalidCommand("Số năm kinh nghiệm không được âm (experience_years must be "
                                 "0 or more)", code="invalid_value",
                                 field="standards.experience_years")
    for f in command.frameworks:
        if not f.competencies:
            raise InvalidCommand("Khung năng lực phải có ít nhất một năng lực (competencies "
                                 "is empty)", code="missing_field",
                                 field="frameworks.competencies")
        names = [c.name for c in f.competencies]
        if len(set(names)) != len(names) or not all(n.strip() for n in names):
            raise InvalidCommand("Tên năng lực trống hoặc trùng (competency names must be "
                                 "given and distinct)", code="invalid_value",
                                 field="frameworks.competencies.name")
        for c in f.competencies:
            if not 1 <= c.level <= MAX_LEVEL:
                raise InvalidCommand(f"Cấp độ năng lực '{c.name}' phải từ 1 đến {MAX_LEVEL} "
                                     "(level out of range)", code="invalid_value",
                                     field="frameworks.competencies.level")
    _by_day(command.standards, "standards")
    _by_day(command.frameworks, "frameworks")
    return command


class JobPosition(Aggregate):
    class Registered(Aggregate.Created):
        unit_id: UUID
        code: str
        name: str
        group: PositionGroup
        standards: tuple[PositionStandards, ...]
        frameworks: tuple[CompetencyFramework, ...]
        recorded_by: str

    @staticmethod
    def create_id(unit_id: UUID, code: str, *args: object, **kwargs: object) -> UUID:
        return job_position_id(unit_id, code)

    @classmethod
    def register(cls, command: RegisterJobPosition) -> JobPosition:
        c = check_registration(command)
        return cls(unit_id=c.unit_id, code=c.code, name=c.name, group=c.group,
                   standards=_by_day(c.standards, "standards"),
                   frameworks=_by_day(c.frameworks, "frameworks"), recorded_by=c.recorded_by)

    @event(Registered)
    def __init__(self, unit_id: UUID, code: str, name: str, group: PositionGroup,
                 standards: tuple[PositionStandards, ...],
                 frameworks: tuple[CompetencyFramework, ...], recorded_by: str) -> None:
        self.unit_id = unit_id
        self.code = code
        self.name = name
        self.group = group
        self.standards = standards
        self.frameworks = frameworks

    class Revised(Aggregate.Event):
        standards: PositionStandards | None
        framework: CompetencyFramework | None
        recorded_by: str

    def revise(self, command: ReviseJobPosition) -> None:
        if command.standards is None and command.framework is None:
            raise InvalidCommand("Cần ít nhất tiêu chuẩn hoặc khung năng lực mới (give standards "
                                 "or a framework)", code="missing_field", field="standards")
        check_registration(RegisterJobPosition(
            unit_id=self.unit_id, code=self.code, name=self.name, group=self.group,
            standards=(command.standards,) if command.standards else (),
            frameworks=(command.framework,) if command.framework else (),
            recorded_by=command.recorded_by))
        for new, versions, field in ((command.standards, self.standards, "standards"),
                                     (command.framework, self.frameworks, "framework")):
            if new is not None and versions and new.valid_from <= versions[-1].valid_from:
                raise InvalidCommand(
                    f"Phiên bản mới phải áp dụng sau ngày {versions[-1].valid_from:%d/%m/%Y} "
                    f"({field}.valid_from must follow the latest version on record)",
                    code="invalid_date", field=f"{field}.valid_from")
        self._revised(standards=command.standards, framework=command.framework,
                      recorded_by=command.recorded_by)

    @event(Revised)
    def _revised(self, standards: PositionStandards | None,
                 framework: CompetencyFramework | None, recorded_by: str) -> None:
        if standards is not None:
            self.standards = (*self.standards, standards)
        if framework is not None:
            self.frameworks = (*self.frameworks, framework)

    def standards_on(self, day: date) -> PositionStandards | None:
        return next((s for s in reversed(self.standards) if s.valid_from <= day), None)

    def framework_on(self, day: date) -> CompetencyFramework | None:
        return next((f for f in reversed(self.frameworks) if f.valid_from <= day), None)
