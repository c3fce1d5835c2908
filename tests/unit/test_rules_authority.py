"""The authority, dossier, declaration and travel rules (issue 18, parts 2–4) as pure functions
over dated parameters: each at its threshold and one step either side, each version chosen by
the date the decision takes effect, and the free-text mapping of issuers to bodies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.rules.checks import find_all
from domain.rules.facts import (
    CadreFacts,
    DeclarationFact,
    DossierStepFact,
    HoldingFact,
    PlanningFact,
    RecordFacts,
    TitleFacts,
    TravelFact,
    UnitFacts,
)
from domain.rules.pack import default_pack
from domain.values import Decision

UNIT = uuid4()
DAY = timedelta(days=1)
TITLES = {"truong_phong": TitleFacts("truong_phong", "Trưởng phòng", True, 5, "quan_uy"),
          "bi_thu": TitleFacts("bi_thu", "Bí thư Quận ủy", True, 9, "thanh_uy"),
          "cong_chuc": TitleFacts("cong_chuc", "Công chức phường", False, 3, "dang_uy")}


def decision(on: date, issuer: str = "Ban Thường vụ Quận ủy", code: str | None = None) -> Decision:
    return Decision("1-QĐ/QU", on, issuer, "Lê Toàn Khánh", issuer_code=code)


def holding(since: date, decision_: Decision, title: str = "truong_phong",
            kind: str = "bo_nhiem", position: int = 10) -> HoldingFact:
    return HoldingFact(position, uuid4(), UNIT, title, kind, since, decision_, since)


def record(as_of: date, *cadres: CadreFacts) -> RecordFacts:
    units = {UNIT: UnitFacts(UNIT, "NV", "Phòng Nội vụ", "phong", date(2000, 1, 1),
                             date(2000, 1, 1))}
    return RecordFacts(as_of, cadres, TITLES, units)


def cadre(**facts: object) -> CadreFacts:
    base = CadreFacts(uuid4(), "Phạm Thị Hoa", "nu", date(1980, 1, 1), 1, date(2010, 1, 1))
    return replace(base, **facts)  # type: ignore[arg-type]


def rules(r: RecordFacts, rule: str) -> list[str]:
    return [f.rule_version for f in find_all(r, rules=[rule])]


# --- bodies and the delegation table -----------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("Ban Thường vụ Quận ủy Kiến An", "btv_huyen_uy"),
    ("BAN THƯỜNG VỤ THÀNH ỦY HẢI PHÒNG", "btv_tinh_uy"),
    ("Ủy ban nhân dân quận Kiến An", "ubnd_huyen"),
    ("UBND phường Phù Liễn", "ubnd_xa"),
    ("T/M Ủy ban nhân dân phường Kiến An", "ubnd_xa"),
    ("Ban Thường vụ Đảng ủy phường Kiến An", "btv_dang_uy_xa"),
    ("Ban Tổ chức Quận ủy", "ban_to_chuc_huyen_uy"),
    ("Quận ủy Kiến An", "btv_huyen_uy"),
])
def test_free_text_issuers_map_to_bodies(text: str, code: str) -> None:
    body = default_pack().body_of_text(text)
    assert body is not None and body.code == code


@pytest.mark.parametrize("text", ["Sở Nội vụ", "", "Quận đoàn", "Ủy ban"])
def test_unknown_issuers_have_no_body(text: str) -> None:
    assert default_pack().body_of_text(text) is None


def test_a_code_wins_over_the_text() -> None:
    body = default_pack().body_for("ubnd_huyen", "Ban Thường vụ Thành ủy")
    assert body is not None and body.code == "ubnd_huyen"


def test_issuer_not_competent_by_tier_and_date() -> None:
    on = date(2024, 6, 1)
    ok = cadre(holdings=(holding(on, decision(on, "Ban Thường vụ Quận ủy Kiến An")),))
    by_state = cadre(holdings=(holding(on, decision(on, "Ủy ban nhân dân quận Kiến An")),))
    board = cadre(holdings=(holding(on, decision(on, "Ban Tổ chức Quận ủy")),))
    higher = cadre(holdings=(holding(on, decision(on, "Ban Thường vụ Quận ủy"),
                                     title="bi_thu"),))
    unknown = cadre(holdings=(holding(on, decision(on, "Sở Nội vụ")),))
    elected = cadre(holdings=(holding(on, decision(on, "Ban Tổ chức Quận ủy"),
                                      kind="bau_cu"),))
    found = find_all(record(date(2026, 1, 1), ok, by_state, board, higher, unknown, elected),
                     rules=["issuer_not_competent"])
    assert {f.cadre_id for f in found} == {board.cadre_id, higher.cadre_id}
    assert all(f.rule_version == "qd80-2022" and f.evidence == (10,) for f in found)
    assert "thẩm quyền thuộc: Ban Thường vụ Tỉnh ủy" in next(
        f.summary for f in found if f.cadre_id == higher.cadre_id)


def test_district_bodies_decide_nothing_from_the_two_level_government() -> None:
    # The same decision of a district body: competent until 30/6/2025, not from 1/7/2025
    # (judged by the date it takes effect, like every rule).
    for since, expected in ((date(2025, 6, 30), []), (date(2025, 7, 1), ["hai-cap-2025"]),
                            (date(2025, 10, 8), ["qd377-2025"])):
        c = cadre(holdings=(holding(since, decision(since - 10 * DAY,
                                                    "Ban Thường vụ Quận ủy Kiến An"),
                                    title="cong_chuc"),))
        assert rules(record(date(2026, 1, 1), c), "issuer_not_competent") == expected, since
    before = date(2017, 12, 18)  # before the first version: not judged
    c = cadre(holdings=(holding(before, decision(before, "Ban Tổ chức Quận ủy")),))
    assert rules(record(date(2026, 1, 1), c), "issuer_not_competent") == []


def test_a_planning_decided_by_a_body_without_authority() -> None:
    on = date(2023, 3, 1)
    plan = PlanningFact(20, UNIT, "bi_thu", "2025-2030", on,
                        decision(on, "", code="btv_huyen_uy"), on)
    c = cadre(plannings=(plan,))
    found = find_all(record(date(2026, 1, 1), c), rules=["issuer_not_competent"])
    assert [(f.evidence, f.effective_on) for f in found] == [((20,), on)]


# --- the dossier -----------------------------------------------------------------------------


def dossier(h: HoldingFact, *steps: tuple[str, date, int | None, int | None]) -> CadreFacts:
    return cadre(holdings=(h,), dossier_steps=tuple(
        DossierStepFact(30 + i, h.holding_id, name, on, votes_for, total)
        for i, (name, on, votes_for, total) in enumerate(steps)))


def full(votes_for: int, total: int, tham_dinh: date = date(2024, 4, 1)) -> CadreFacts:
    h = holding(date(2024, 6, 1), decision(date(2024, 5, 20)))
    return dossier(h, ("chu_truong", date(2024, 3, 1), None, None),
                   ("gioi_thieu", date(2024, 3, 5), None, None),
                   ("lay_phieu", date(2024, 3, 10), votes_for, total),
                   ("tham_dinh", tham_dinh, None, None))


def test_a_complete_dossier_in_order_is_clean() -> None:
    r = record(date(2026, 1, 1), full(9, 17))
    for rule in ("dossier_steps", "dossier_vote_share", "decision_before_dossier"):
        assert rules(r, rule) == [], rule


def test_no_dossier_is_not_judged() -> None:
    h = holding(date(2024, 6, 1), decision(date(2024, 5, 20)))
    r = record(date(2026, 1, 1), cadre(holdings=(h,)))
    assert find_all(r, rules=["dossier_steps", "dossier_vote_share",
                              "decision_before_dossier"]) == []


def test_the_vote_share_must_be_above_half() -> None:
    # 50% exactly is not "trên 50%"; one vote more is.
    assert rules(record(date(2026, 1, 1), full(8, 16)), "dossier_vote_share") == ["qd80-2022"]
    assert rules(record(date(2026, 1, 1), full(9, 16)), "dossier_vote_share") == []
    assert rules(record(date(2026, 1, 1), full(7, 16)), "dossier_vote_share") == ["qd80-2022"]


def test_missing_and_out_of_order_steps() -> None:
    h = holding(date(2024, 6, 1), decision(date(2024, 5, 20)))
    missing = dossier(h, ("chu_truong", date(2024, 3, 1), None, None),
                      ("lay_phieu", date(2024, 3, 10), 12, 17))
    found = find_all(record(date(2026, 1, 1), missing), rules=["dossier_steps"])
    assert len(found) == 1 and "thiếu bước giới thiệu nhân sự, thẩm định" in found[0].summary
    assert found[0].evidence == (10, 30, 31)
    h2 = holding(date(2024, 6, 1), decision(date(2024, 5, 20)))
    swapped = dossier(h2, ("chu_truong", date(2024, 3, 6), None, None),
                      ("gioi_thieu", date(2024, 3, 5), None, None),
                      ("lay_phieu", date(2024, 3, 10), 12, 17),
                      ("tham_dinh", date(2024, 4, 1), None, None))
    (f,) = find_all(record(date(2026, 1, 1), swapped), rules=["dossier_steps"])
    assert "bước giới thiệu nhân sự (05/03/2024) thực hiện trước bước chủ trương" in f.summary


def test_a_decision_signed_before_the_last_step() -> None:
    # Thẩm định on the decision's own day is in time; the day after is not.
    assert rules(record(date(2026, 1, 1), full(9, 17, date(2024, 5, 20))),
                 "decision_before_dossier") == []
    assert rules(record(date(2026, 1, 1), full(9, 17, date(2024, 5, 21))),
                 "decision_before_dossier") == ["qd80-2022"]


def test_steps_recorded_after_as_of_are_not_known_yet() -> None:
    late = full(9, 17, date(2024, 5, 21))
    assert rules(record(date(2024, 5, 20), late), "decision_before_dossier") == []


# --- declarations and travel -----------------------------------------------------------------


def declared(kind: str, on: date) -> DeclarationFact:
    return DeclarationFact(40, kind, on, on)


def test_a_declaration_ten_days_before_the_appointment() -> None:
    signed = date(2024, 5, 20)

    def with_declaration(on: date, kind: str = "phuc_vu_can_bo") -> CadreFacts:
        return cadre(holdings=(holding(date(2024, 6, 1), decision(signed)),),
                     declarations=(declared(kind, on),))

    r = record(date(2026, 1, 1), with_declaration(signed - 10 * DAY))
    assert rules(r, "no_asset_declaration") == []
    r = record(date(2026, 1, 1), with_declaration(signed - 9 * DAY))
    assert rules(r, "no_asset_declaration") == ["luat-pctn-2018"]
    r = record(date(2026, 1, 1), with_declaration(signed - 10 * DAY, "hang_nam"))
    assert rules(r, "no_asset_declaration") == ["luat-pctn-2018"]
    r = record(date(2026, 1, 1), with_declaration(date(2023, 5, 19)))  # 12 months and a day
    assert rules(r, "no_asset_declaration") == ["luat-pctn-2018"]


def test_declarations_are_judged_from_the_first_one_kept() -> None:
    early = cadre(holdings=(holding(date(2021, 6, 1), decision(date(2021, 5, 20))),))
    late = cadre(holdings=(holding(date(2024, 6, 1), decision(date(2024, 5, 20))),))
    other = cadre(declarations=(declared("hang_nam", date(2023, 12, 20)),))
    r = record(date(2026, 1, 1), early, late, other)
    assert {f.cadre_id for f in find_all(r, rules=["no_asset_declaration"])} == {late.cadre_id}
    assert rules(record(date(2026, 1, 1), early, late), "no_asset_declaration") == []


def trip(permission: Decision | None, back: date, reported: date | None = None) -> TravelFact:
    return TravelFact(50, uuid4(), "viec_rieng", back - 7 * DAY, back, permission, reported,
                      51 if reported else None)


def test_travel_needs_a_permission_signed_before_leaving() -> None:
    back = date(2025, 7, 10)
    leave = back - 7 * DAY
    for permission, expected in ((None, ["qd-ban-bi-thu"]), (decision(leave), []),
                                 (decision(leave + DAY), ["qd-ban-bi-thu"])):
        c = cadre(travels=(trip(permission, back, back),))
        assert rules(record(date(2026, 1, 1), c), "travel_without_permission") == expected


def test_travel_needs_a_report_within_the_days_allowed() -> None:
    back = date(2025, 7, 10)
    due = back + 15 * DAY
    assert rules(record(due, cadre(travels=(trip(None, back),))), "travel_without_report") == []
    assert rules(record(due + DAY, cadre(travels=(trip(None, back),))),
                 "travel_without_report") == ["qd-ban-bi-thu"]
    assert rules(record(date(2026, 1, 1), cadre(travels=(trip(None, back, due),))),
                 "travel_without_report") == []
    late = find_all(record(date(2026, 1, 1), cadre(travels=(trip(None, back, due + DAY),))),
                    rules=["travel_without_report"])
    assert [f.evidence for f in late] == [(50, 51)] and "quá hạn" in late[0].summary
    # A report dated after as_of is not known yet.
    assert rules(record(due + 2 * DAY, cadre(travels=(trip(None, back, due + 5 * DAY),))),
                 "travel_without_report") == ["qd-ban-bi-thu"]


def test_every_new_rule_names_its_source_and_what_to_verify() -> None:
    pack = default_pack()
    for rule in ("issuer_not_competent", "dossier_steps", "dossier_vote_share",
                 "decision_before_dossier", "no_asset_declaration",
                 "travel_without_permission", "travel_without_report"):
        for v in pack.history(rule):
            assert v.source
    assert "min_share_percent" in pack.version_for("dossier_vote_share",
                                                   date(2025, 11, 1)).verify  # type: ignore[union-attr]
    assert "Điều 36" in pack.history("no_asset_declaration")[0].source


def test_a_decision_stored_before_issuer_codes_reads_back_without_one() -> None:
    from eventsourcing.utils import get_topic

    from infra.transcoder import _dec

    stored = {"_t": "dc", "c": get_topic(Decision), "f": {
        "number": "125/QĐ-UBND", "signed_on": {"_t": "date", "v": "2021-12-28"},
        "issuer": "Ủy ban nhân dân quận Kiến An", "signer": "Phạm Văn Mạnh",
        "signer_cadre_id": None}}
    old = _dec(stored)
    assert old.issuer_code is None
    assert old == Decision("125/QĐ-UBND", date(2021, 12, 28), "Ủy ban nhân dân quận Kiến An",
                           "Phạm Văn Mạnh")
    body = default_pack().body_for(old.issuer_code, old.issuer)
    assert body is not None and body.code == "ubnd_huyen"
