"""Deterministic synthetic histories recorded through the application service's commands.

`generate(app, profile, seed)` simulates twenty years of cadre work (2006 → today) in one or more
districts modelled on seed 000 (Kiến An) and records every fact with the same validated commands
a user's request goes through (register_unit, appoint, end_holding, evaluate, plan, vet ...).
Nothing is written to the log directly. With a `BulkApplication` the events are saved in
batches; with a plain `HosoApplication` each command is its own transaction.

The simulation keeps its own model of who holds what, and decides like a careful personnel
office: head posts refilled within 90 days, planning and political vetting before an
appointment, trained to the title's standards first, nobody promoted within 36 months of the
last promotion or with under 60 months to retirement, nobody kept 8 years in one post, no
appointment during a discipline bar, relatives never in linked posts, HTXSNV within 20% of
those rated HTTNV and above per unit and period. A handful of violations is planted on purpose
(see `PlantedViolation` and docs/generator.md) so that oversight has something to find.

All randomness comes from `random.Random(seed)` and the model is iterated in creation order, so
the same seed on the same `today` gives the same history (aggregate ids are uuid4s and differ).
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from domain.application import HosoApplication
from domain.values import ActionKind, Gender, add_months
from infra.demo import names
from infra.demo.district import (
    KIEN_AN_WARDS,
    OTHER_DISTRICTS,
    TITLE_BY_CODE,
    WARD_NAMES,
    DistrictSpec,
    TitleSpec,
    district_units,
)
from infra.demo.model import DistrictState, UnitState
from infra.demo.plants import Plants
from infra.demo.profiles import PROFILES, GenerationSummary, PlantedViolation, Profile
from infra.demo.world import (
    DRAWN_QUARTERS_FROM,
    HISTORY_STARTS,
    QUARTERS_FROM,
    TWO_LEVEL_ON,
    WARD_MERGERS_ON,
)

__all__ = ["PROFILES", "GenerationSummary", "PlantedViolation", "Profile", "generate"]


class _History(Plants):
    """A district's whole history: the layers (office.py -> careers.py -> routines.py ->
    reorganisation.py -> plants.py) scheduled on one queue, district by district."""

    # --- the whole history ----------------------------------------------------------------

    def build(self) -> None:
        if self.bulk is not None:
            with self.bulk.batch():
                self.register_titles()
                self.register_root()
        else:
            self.register_titles()
            self.register_root()
        specs = district_specs(self.profile, self.rng)
        for index, spec in enumerate(specs):
            d = DistrictState(spec, signer=names.full_name(self.rng, Gender.NAM))
            self.used_names.clear()  # names are unique within a district
            if self.bulk is not None:
                with self.bulk.batch():
                    self.district(d, first=index == 0)
            else:
                self.district(d, first=index == 0)

    def district(self, d: DistrictState, first: bool) -> None:
        self.queue = []
        for spec in district_units(d.spec):
            self.register_unit(d, spec, date(1994, 12, 1))
        for unit in list(d.units.values()):
            for code, seats in unit.spec.posts:
                title = TITLE_BY_CODE[code]
                for _ in range(seats):
                    self.initial_holder(d, unit, title)
        year = HISTORY_STARTS.year
        while date(year, 1, 1) <= self.today:
            if year > HISTORY_STARTS.year:
                self.at(date(year, 1, self.rng.randint(8, 25)), self.evaluate_period, d,
                        str(year - 1), date(year - 1, 12, 31))
            self.at(date(year, 3, 15), self.planning_round, d)
            self.at(date(year, 9, 5), self.training_round, d)
            self.at(date(year, self.rng.randint(2, 11), self.rng.randint(1, 28)),
                    self.discipline_round, d)
            if year % 5 == 1 and year > 2010:
                self.at(date(year, 3, 1), self.nominations_for_council, d)
            if year >= QUARTERS_FROM.year:
                for quarter in range(1, 5):
                    if date(year, 3 * quarter - 2, 1) < QUARTERS_FROM:
                        continue
                    last = add_months(date(year, 3 * quarter - 2, 1), 3) - timedelta(days=1)
                    if year < DRAWN_QUARTERS_FROM:
                        self.at(last + timedelta(days=10), self.evaluate_period_aside, d,
                                f"{year}-Q{quarter}", last)
                        continue
                    self.at(last + timedelta(days=self.rng.randint(5, 15)),
                            self.evaluate_period, d, f"{year}-Q{quarter}", last)
            year += 1
        self.at(date(2024, 11, 15), self.vet_all, d, tuple(
            f"{d.spec.code}.P{m + 1:02d}" for m, _ in d.spec.merged_pairs), WARD_MERGERS_ON)
        self.at(WARD_MERGERS_ON, self.merge_wards, d)
        self.at(date(2025, 5, 15), self.vet_all, d, None, TWO_LEVEL_ON)
        self.at(TWO_LEVEL_ON, self.two_level, d)
        if first:
            self.pending = {"backdated": date(2021, 6, 1), "not_in_planning": date(2023, 3, 1),
                            "relatives": date(2020, 1, 6), "vacancy": date(2023, 3, 1),
                            "excellent_quota": date(2024, 1, 1)}
            self.at(date(2022, 9, 1), self.plant_discipline_bar, d)
            self.at(date(2021, 3, 1), self.plant_express_first, d)
            self.at(add_months(self.today, -9 * 12), self.plant_long_tenure, d)
        self.run()
        if first:
            self.plant_birth_date(d)
        self.finish()
        self.fixes = []

    def initial_holder(self, d: DistrictState, unit: UnitState, title: TitleSpec) -> None:
        """Who held the post when the record starts (appointed 2001-2005)."""
        since = HISTORY_STARTS - timedelta(days=self.rng.randint(30, 5 * 365 - 30))
        cadre = self.recruit(d, unit, title, since)
        kind = self.kind_for(cadre, unit, title)
        if kind is ActionKind.BAU_CU:
            self.nominate(cadre, unit, title, since - self.days(12, 35))
        self.appoint(cadre, unit, title, kind, since)


def district_specs(profile: Profile, rng: random.Random) -> list[DistrictSpec]:
    specs = [DistrictSpec(
        "KA", "Kiến An", KIEN_AN_WARDS, 12,
        # [verify] which wards merged on 1/1/2025 and the split of 1/7/2025
        merged_pairs=((9, 8), (4, 0), (6, 2)),
        new_wards=(("Kiến An", (0, 1, 3, 8)), ("Phù Liễn", (2, 5, 7))))]
    for index in range(1, profile.districts):
        base = OTHER_DISTRICTS[(index - 1) % len(OTHER_DISTRICTS)]
        round_ = (index - 1) // len(OTHER_DISTRICTS)
        name = base if round_ == 0 else f"{base} {round_ + 1}"
        wards = tuple(rng.sample(WARD_NAMES, profile.wards))
        merges = max(1, round(0.3 * profile.wards))
        merged_pairs = tuple((profile.wards - 1 - i, i) for i in range(merges))
        remaining = [i for i in range(profile.wards) if i not in {m for m, _ in merged_pairs}]
        half = (len(remaining) + 1) // 2
        new_wards = ((name, tuple(remaining[:half])),
                     (wards[remaining[half]], tuple(remaining[half:])))
        specs.append(DistrictSpec(f"D{index:03d}", name, wards, profile.schools, merged_pairs,
                                  new_wards))
    return specs


def generate(app: HosoApplication, profile: str, seed: int = 2022,
             progress: Callable[[int], None] | None = None) -> GenerationSummary:
    """Record a synthetic history for `profile` (see PROFILES) through `app`'s commands.

    The store should not hold another generated history (unit codes would clash). Pass a
    `BulkApplication` to save in batches; `progress` receives the number of events recorded so
    far.
    """
    try:
        chosen = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}") from None
    started = time.perf_counter()
    head = app.recorder.max_notification_id() or 0
    history = _History(app, chosen, seed, progress)
    bulk = history.bulk
    before = Counter(bulk.saved_by_type) if bulk is not None else Counter()
    if bulk is not None and progress is not None:
        bulk.on_saved = progress
    history.build()
    counts: Counter[str]
    if bulk is not None:
        bulk.flush()
        counts = Counter(bulk.saved_by_type)
        counts.subtract(before)
        counts = +counts
        bulk.on_saved = lambda saved: None
    else:
        counts = _count_log(app, head)
    events = sum(counts.values())
    if progress is not None:
        progress(events)
    return GenerationSummary(
        profile=profile, seed=seed, today=history.today, cadres=history.cadre_count,
        units=history.unit_count, events=events, counts=dict(sorted(counts.items())),
        appointment_kinds=dict(sorted(history.kinds.items())),
        planted=tuple(history.planted),
        admin_hint=("Tạo token quản trị: `hoso token create --name demo-admin --role admin` "
                    "(hoặc đặt HOSO_ADMIN_TOKEN); tài liệu API: http://127.0.0.1:8000/docs"),
        root_unit_id=history.root_id, seconds=time.perf_counter() - started)


def _count_log(app: HosoApplication, after: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    start = after + 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=5000)
        if not page:
            return counts
        for n in page:
            counts[n.topic.rsplit(":", 1)[-1]] += 1
        start = page[-1].id + 1
