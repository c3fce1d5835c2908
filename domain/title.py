"""Chức danh: a post type with its management tier, rank, sector and standards.

A title may declare the unit kinds and levels it belongs to ("Bí thư Quận ủy" fits a district
party committee, not a ward People's Committee); a title that declares none fits everywhere.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidCommand
from domain.values import TitleStandards, UnitLevel


class Title(Aggregate):
    class Registered(Aggregate.Created):
        class_version = 2
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

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # v1 titles declared no units: they fit every unit, as they did.
            state["unit_kinds"] = None
            state["levels"] = None

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
