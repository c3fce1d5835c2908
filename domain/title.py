"""Chức danh: a post type with its management tier, rank, sector and standards."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.values import TitleStandards


class Title(Aggregate):
    class Registered(Aggregate.Created):
        code: str
        name: str
        is_head: bool
        management_tier: str
        rank: int
        sector: str | None
        standards: TitleStandards
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
    ) -> None:
        self.code = code
        self.name = name
        self.is_head = is_head
        self.management_tier = management_tier
        self.rank = rank
        self.sector = sector
        self.standards = standards
