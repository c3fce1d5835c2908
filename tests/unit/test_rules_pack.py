"""The rule pack as data: every binding rule, versions by validity date, clear refusals."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from domain.rules.pack import DEFAULT_PACK, RULE_IDS, RulePack, RulePackError


def test_every_binding_rule_is_in_the_pack_with_its_fields() -> None:
    items = RulePack.load().as_list()
    assert {item["id"] for item in items} == set(RULE_IDS)
    for item in items:
        assert set(item) >= {"id", "title", "params", "valid_from", "valid_to", "source",
                             "severity", "version", "verify"}
        assert item["severity"] in ("high", "medium", "low") and item["title"] and item["source"]


@pytest.mark.parametrize(
    ("day", "versions"),
    [(date(2022, 8, 17), ["qd105-2017", "luat-cbcc-2019"]),
     (date(2022, 8, 18), ["qd80-2022", "luat-cbcc-2019"]),
     (date(2025, 10, 7), ["qd80-2022", "luat-cbcc-2025"]),
     (date(2025, 10, 8), ["qd377-2025", "luat-cbcc-2025"])],
)
def test_discipline_bar_versions_in_force_by_date(day: date, versions: list[str]) -> None:
    pack = RulePack.load()
    assert [v.version for v in pack.versions_for("discipline_bar", day)] == versions
    party = pack.version_for("discipline_bar", day, track="dang")
    assert party is not None and party.version == versions[0]


def test_bars_of_the_2025_party_rules_are_marked_to_verify() -> None:
    v = RulePack.load().version_for("discipline_bar", date(2026, 1, 1))
    assert v is not None
    assert (v.params["khien_trach"], v.params["canh_cao"], v.params["cach_chuc"]) == (24, 36, 60)
    assert {"khien_trach", "canh_cao", "cach_chuc"} <= set(v.verify)


def test_a_rule_not_yet_in_force_has_no_version() -> None:
    assert RulePack.load().version_for("head_term_limit", date(2020, 1, 1)) is None


def _pack_data() -> dict:  # type: ignore[type-arg]
    with DEFAULT_PACK.open("rb") as handle:
        return tomllib.load(handle)


def test_overlapping_versions_of_one_track_are_refused() -> None:
    data = _pack_data()
    for rule in data["rule"]:
        if rule["id"] == "discipline_bar" and rule["version"] == "qd80-2022":
            del rule["valid_to"]
    with pytest.raises(RulePackError, match="qd80-2022 and qd377-2025 overlap"):
        RulePack.from_dict(data)


def test_a_missing_rule_or_unknown_severity_is_refused() -> None:
    data = _pack_data()
    data["rule"] = [r for r in data["rule"] if r["id"] != "vacant_head_post"]
    with pytest.raises(RulePackError, match="lacks rules: vacant_head_post"):
        RulePack.from_dict(data)
    data = _pack_data()
    data["rule"][0]["severity"] = "critical"
    with pytest.raises(RulePackError, match="severity"):
        RulePack.from_dict(data)


@pytest.mark.parametrize(("day", "version"),
                         [(date(2025, 10, 7), "qd50-2021"), (date(2025, 10, 8), "qd377-2025")])
def test_planning_limit_qd50_ends_when_qd377_comes_into_force(day: date, version: str) -> None:
    limit = RulePack.load().limit_for("planning_posts_per_term", day)
    assert limit is not None and limit.version == version
