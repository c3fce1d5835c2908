"""Generated names look like a Vietnamese personnel list: NFC, realistic family-name shares."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

from domain.values import Gender
from infra.demo import names


def test_family_names_follow_the_national_shares() -> None:
    rng = random.Random(1)
    drawn = Counter(names.family_name(rng) for _ in range(20_000))
    share = {name: 100 * n / 20_000 for name, n in drawn.items()}
    assert 36 <= share["Nguyễn"] <= 40
    assert 9.5 <= share["Trần"] <= 12.5
    assert 8 <= share["Lê"] <= 11
    assert 0.2 <= share["Lý"] <= 0.9
    others = sum(v for k, v in share.items() if k not in dict(names.FAMILY_NAMES[:16]))
    assert 9.5 <= others <= 13.5


def test_full_names_are_nfc_and_women_mostly_carry_thi() -> None:
    rng = random.Random(2)
    women = [names.full_name(rng, Gender.NU) for _ in range(2000)]
    men = [names.full_name(rng, Gender.NAM) for _ in range(2000)]
    for name in women + men:
        assert unicodedata.normalize("NFC", name) == name
        assert len(name.split()) == 3
    assert sum(n.split()[1] == "Thị" for n in women) / len(women) > 0.5
    assert not any(n.split()[1] == "Thị" for n in men)
    assert sum(n.split()[1] in ("Văn", "Đức", "Hữu", "Quang") for n in men) / len(men) > 0.6


def test_a_relative_keeps_the_family_name_and_ids_look_like_citizen_ids() -> None:
    rng = random.Random(3)
    assert names.full_name(rng, Gender.NAM, family="Phạm").startswith("Phạm ")
    number = names.national_id(rng, Gender.NU, 1978)
    assert len(number) == 12 and number.isdigit()
    assert number.startswith("031178")
