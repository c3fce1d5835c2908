"""Chức danh: a post type with its management tier, rank, sector and standards.

A title may declare the unit kinds and levels it belongs to ("Bí thư Quận ủy" fits a district
party committee, not a ward People's Committee); a title that declares none fits everywhere.

The management tier (diện quản lý) and the standards are dated: the registration gives the
first version (in force from the start), and each `Revised` event a later version from its
`effective_on`, with the text it rests on (`source`). A change is a new version, never an edit
of history; `tier_on` and `standards_on` pick the version in force on a day.

`area_head` marks the titles of an area's party or government head (Bí thư, Chủ tịch UBND…),
which the relatives rule reads (`relatives_linked_posts`); None: recorded before the flag existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.commands import ReviseTitle
from domain.errors import InvalidCommand
from domain.values import TitleStandards, UnitLevel


@dataclass(frozen=True, slots=True)
class TitleVersion:
    """The tier and standards of a title from `valid_from` (None: from the start)."""

    valid_from: date | None
    management_tier: str
    standards: TitleStandards
    source: str | None = None


class Title(Aggregate):
    class Registered(Aggregate.Created):
        class_version = 3
        code: str
        name: str
        is_head: bool
        management_tier: str
        rank: int
        sector: str | None
        standards: TitleStandards
        recorded_by: str
        unit_kinds: tuple[str, ...] | None = None
        levels: tuple[UnitLevel, ...] | None = None
        area_head: bool | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 titles declared no units: they fit every unit, as they did.
            state["unit_kinds"] = None
            state["levels"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # v2 titles did not say whether they head an area: unknown (the relatives rule
            # then reads the unit's kind, as it did).
            state["area_head"] = None

    class Revised(Aggregate.Event):
        """A new version of the tier and standards from `effective_on` (its `source`)."""

        code: str
        effective_on: date
        management_tier: str
        standards: TitleStandards
        source: str
        recorded_by: str

    @staticmethod
    def create_id(code: str, *args: object, **kwargs: object) -> UUID:
        # One title per code: the id is derived, so lookups by code need no index.
        return uuid5(NAMESPACE_URL, f"hoso:title:{code}")

    @event(Registered)
    def __init__(
        self,
        code: str,
        name: str,
        is_head: bool,
        management_tier: str,
        rank: int,
        sector: str | None,
        standards: TitleStandards,
        recorded_by: str,
        unit_kinds: tuple[str, ...] | None = None,
        levels: tuple[UnitLevel, ...] | None = None,
        area_head: bool | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.is_head = is_head
        self.management_tier = management_tier
        self.rank = rank
        self.sector = sector
        self.standards = standards
        self.unit_kinds = unit_kinds
        self.levels = levels
        self.area_head = area_head
        self.versions: list[TitleVersion] = [TitleVersion(None, management_tier, standards)]

    def tier_on(self, day: date) -> str:
        return self.version_on(day).management_tier

    def standards_on(self, day: date) -> TitleStandards:
        return self.version_on(day).standards

    def version_on(self, day: date) -> TitleVersion:
        return next(v for v in reversed(self.versions)
                    if v.valid_from is None or v.valid_from <= day)

    def revise(self, command: ReviseTitle, *, recorded_by: str) -> None:
        """Record a new version from `effective_on`: it must follow the versions on record
        and cite its source; what it does not give stays as the version before it."""
        effective_on, source = command.effective_on, command.source
        management_tier, standards = command.management_tier, command.standards
        if not source.strip():
            raise InvalidCommand("Thiếu căn cứ của phiên bản (source is required)",
                                 code="missing_field", field="source")
        last = self.versions[-1]
        if last.valid_from is not None and effective_on <= last.valid_from:
            raise InvalidCommand(
                f"Phiên bản mới phải áp dụng sau phiên bản từ {last.valid_from:%d/%m/%Y} "
                "(effective_on must follow the latest version: a change is a new version, "
                "never an edit of history)", code="invalid_date", field="effective_on")
        tier = (management_tier or "").strip() or last.management_tier
        if management_tier is None and standards is None:
            raise InvalidCommand("Phiên bản mới phải thay đổi diện quản lý hoặc tiêu chuẩn "
                                 "(give management_tier or standards)", code="missing_field",
                                 field="management_tier")
        self._revised(code=self.code, effective_on=effective_on, management_tier=tier,
                      standards=standards if standards is not None else last.standards,
                      source=source.strip(), recorded_by=recorded_by)

    @event(Revised)
    def _revised(self, code: str, effective_on: date, management_tier: str,
                 standards: TitleStandards, source: str, recorded_by: str) -> None:
        self.versions.append(TitleVersion(effective_on, management_tier, standards, source))

    def fits(self, unit_kind: str, unit_level: UnitLevel | None) -> bool:
        """Whether the title belongs to a unit of this kind and level. A unit whose level
        nothing tells is not judged on level (there is nothing to compare)."""
        if self.unit_kinds and unit_kind not in self.unit_kinds:
            return False
        return not (self.levels and unit_level is not None and unit_level not in self.levels)

    def require_fits(self, unit_kind: str, unit_level: UnitLevel | None, unit_name: str,
                     *, special_case: bool) -> None:
        """Refuse an appointment in a unit the title does not belong to, unless it is recorded
        as a special case (trường hợp đặc biệt, decided by the competent authority)."""
        if special_case or self.fits(unit_kind, unit_level):
            return
        kinds = ", ".join(self.unit_kinds or ()) or "mọi loại"
        levels = ", ".join(self.levels or ()) or "mọi cấp"
        raise InvalidCommand(
            f"Chức danh '{self.name}' không thuộc đơn vị '{unit_name}' (title belongs to unit "
            f"kinds: {kinds}; levels: {levels}; mark special_case for an exception)",
            code="title_not_in_unit", field="title_code")
