"""What can be generated (`PROFILES`), what was planted on purpose (`PlantedViolation`) and what
a run reports (`GenerationSummary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    districts: int  # the first one is Kiến An (seed 000's), the others are synthetic
    wards: int  # wards of each synthetic district
    schools: int  # schools of each synthetic district


PROFILES: dict[str, Profile] = {
    p.name: p for p in (
        Profile("demo", "Quận Kiến An, 2006 → hôm nay (~280 cán bộ, ~10.500 sự kiện)", 1, 10,
                12),
        Profile("size_10k", "Một quận (~10.000 sự kiện)", 1, 10, 12),
        Profile("size_100k", "10 quận (~100.000 sự kiện)", 10, 10, 12),
        Profile("size_1m", "95 quận (~1.000.000 sự kiện)", 95, 10, 12),
        Profile("size_10m", "950 quận (~10.000.000 sự kiện)", 950, 10, 12),
        Profile("province", "Thành phố Hải Phòng mở rộng: 95 quận, ~27.000 cán bộ, "
                "~1.000.000 sự kiện", 95, 10, 12),
    )
}


@dataclass(frozen=True)
class PlantedViolation:
    """A violation recorded on purpose; `rule` is the oversight rule id that should find it."""

    rule: str
    cadre_name: str
    on: date
    description: str
    also: tuple[str, ...] = ()  # other rules the same facts trip
    cadre_id: UUID | None = field(default=None, compare=False)
    unit_id: UUID | None = field(default=None, compare=False)


@dataclass(frozen=True)
class GenerationSummary:
    profile: str
    seed: int
    today: date
    cadres: int
    units: int
    events: int
    counts: Mapping[str, int]  # event type (Cadre.Appointed ...) -> count
    appointment_kinds: Mapping[str, int]
    planted: tuple[PlantedViolation, ...]
    admin_hint: str
    root_unit_id: UUID | None = field(default=None, compare=False)
    seconds: float = field(default=0.0, compare=False)

