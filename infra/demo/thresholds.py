"""The thresholds the simulated personnel office keeps to, read from the rule pack.

The office means to stay clear of every version a rule has had, so each threshold is the
strictest figure across the rule's whole history (`RulePack.history`), plus a margin where a
check counts whole months: a promotion waits one month past the express-promotion window, a
post is held one month past the minimum, and so on. The planted violations
(`infra/demo/plants.py`) cross these lines on purpose; nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules.pack import RulePack, default_pack
from domain.values import DisciplineForm

# The discipline forms the office imposes (reprimand, warning): the months each bars a cadre.
_BARRING_FORMS = (DisciplineForm.KHIEN_TRACH, DisciplineForm.CANH_CAO)


@dataclass(frozen=True)
class Thresholds:
    term_months: int  # an appointment's term (head_term_limit)
    rotate_after_months: int  # moved a year before the long-tenure mark (long_tenure)
    promotion_gap_months: int  # past the express-promotion window (express_promotion)
    min_months_in_post: int  # past the minimum time in post (min_time_in_post)
    retirement_horizon_months: int  # past the retirement horizon (retirement_horizon)
    bar_months: dict[DisciplineForm, int]  # the longest bar of each form (discipline_bar)

    @classmethod
    def from_pack(cls, pack: RulePack) -> Thresholds:
        def strictest(rule_id: str, param: str) -> int:
            return max(int(v.param(param)) for v in pack.history(rule_id)
                       if param in v.params)

        return cls(
            term_months=strictest("head_term_limit", "term_months"),
            rotate_after_months=12 * strictest("long_tenure", "years") - 12,
            promotion_gap_months=strictest("express_promotion", "window_months") + 1,
            min_months_in_post=strictest("min_time_in_post", "min_months") + 1,
            retirement_horizon_months=strictest("retirement_horizon", "horizon_months") + 1,
            bar_months={form: strictest("discipline_bar", str(form)) for form in _BARRING_FORMS},
        )


THRESHOLDS = Thresholds.from_pack(default_pack())
TERM_MONTHS = THRESHOLDS.term_months
ROTATE_AFTER_MONTHS = THRESHOLDS.rotate_after_months
PROMOTION_GAP_MONTHS = THRESHOLDS.promotion_gap_months
MIN_MONTHS_IN_POST = THRESHOLDS.min_months_in_post
RETIREMENT_HORIZON_MONTHS = THRESHOLDS.retirement_horizon_months
BAR_MONTHS = THRESHOLDS.bar_months
