"""What the public hồ sơ công vụ publishes: a dated policy, data rather than code.

Seed 004 (III.1(5)) asks to "công khai hồ sơ công vụ"; Luật Bảo vệ dữ liệu cá nhân (Luật
91/2025/QH15) forbids publishing more personal data than the purpose needs, and never sensitive
data without consent. The purpose here is accountability for public office: who holds which
post, since when, by whose decision. So a policy lists the fields that serve that purpose and
nothing else; the routes and pages publish exactly the fields of the policy in force on the day
asked about, and a test checks that no policy lists a field of `NEVER_PUBLISHED`.

Each policy is valid from a date, names its sources, and marks with [verify] what a lawyer
has still to confirm. A change of policy is a new entry with a later `valid_from`, never an
edit of an old one: what was published on a past day stays explainable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calendar import in_force_on

# Fields a public page may never carry, whatever a policy says: sensitive personal data
# (Luật 91/2025 art. 2; NĐ 13/2023 art. 2.4 listed them before it [verify]) and contact or
# identity data that serves no accountability purpose.
NEVER_PUBLISHED = frozenset({
    "national_id", "born_on", "ethnicity", "religion", "hometown", "relatives", "health",
    "address", "phone", "email", "party_joined_on", "sensitive", "registered_by",
    "recorded_by", "vettings", "gender",
})


@dataclass(frozen=True)
class PublicationPolicy:
    valid_from: date
    source: str
    # Top-level fields of a public profile; holdings and history items publish their own
    # listed fields (title, unit, since, decision number, signed_on, issuer).
    profile_fields: tuple[str, ...]
    decision_fields: tuple[str, ...]
    publishes_disciplines: bool
    publishes_ratings: bool
    why: str

    def publishes(self, field: str) -> bool:
        return field in self.profile_fields and field not in NEVER_PUBLISHED


POLICIES: tuple[PublicationPolicy, ...] = (
    PublicationPolicy(
        valid_from=date(2026, 1, 1),
        source=("Kế hoạch công tác cán bộ năm 2026 của Đảng ủy phường, III.1(5): công khai "
                "\"hồ sơ công vụ\" (seed 004); Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, "
                "hiệu lực 01/01/2026: nguyên tắc tối thiểu hóa, dữ liệu nhạy cảm [verify điều "
                "khoản]; Luật Cán bộ, công chức 2025: công khai quyết định bổ nhiệm [verify]"),
        profile_fields=("id", "full_name", "born_year", "holdings", "history"),
        # The signer's name is on the published decision itself, but the public page names
        # the issuing body: the body, not the person, answers for a decision [verify].
        decision_fields=("number", "signed_on", "issuer"),
        publishes_disciplines=False,
        publishes_ratings=False,
        why=("Chỉ công khai việc ai giữ chức vụ nào, từ khi nào, theo quyết định nào. Kỷ luật "
             "đang có hiệu lực và xếp loại hằng năm không công khai ở đây: kỷ luật được thông "
             "báo theo quy định của cơ quan có thẩm quyền (Quy định 22-QĐ/TW, 69-QĐ/TW) "
             "[verify], xếp loại là đánh giá nội bộ; công bố lại trên trang công khai là xử lý "
             "dữ liệu cá nhân ngoài mục đích (Luật 91/2025, tối thiểu hóa) [verify]."),
    ),
)


def policy_on(day: date) -> PublicationPolicy:
    """The policy in force on `day` (the earliest one for days before any policy)."""
    return in_force_on(POLICIES, day)
