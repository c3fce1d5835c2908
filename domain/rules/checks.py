"""The oversight rules as pure functions: record facts in, findings out.

Each check judges a decision with the rule version in force on that decision's effective date
(`RulePack.version_for`); checks about a state (long tenure, an overdue term, a vacancy) use the
date on which the state became a breach. Nothing here reads a clock: the record is judged as of
`RecordFacts.as_of`, and what was known when is the caller's choice of facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.calendar import period_bounds, period_name
from domain.job_position import PositionStandards
from domain.rules.facts import (
    LEVEL_ORDERS,
    CadreFacts,
    DossierStepFact,
    EmploymentFact,
    HoldingFact,
    JobPositionFacts,
    RecordFacts,
    TitleFacts,
)
from domain.rules.pack import RulePack, RuleVersion, default_pack
from domain.rules.retirement import retirement_date
from domain.values import PARTY_COMMITTEE_KINDS, Decision, add_months, age_on, label

# The 13 linked sectors (contract codes), named as in QĐ 114; values.LABELS has no entries yet.
SECTOR_NAMES = {
    "noi_vu": "nội vụ", "thanh_tra": "thanh tra", "tai_chinh": "tài chính",
    "ngan_hang": "ngân hàng", "thue": "thuế", "hai_quan": "hải quan",
    "cong_thuong": "công thương", "ke_hoach_dau_tu": "kế hoạch và đầu tư",
    "tai_nguyen_moi_truong": "tài nguyên và môi trường", "quan_doi": "quân đội",
    "cong_an": "công an", "toa_an": "tòa án", "vien_kiem_sat": "viện kiểm sát",
}

# A reappointment recorded from the day after the previous term's last day is still one
# continuous tenure: personnel offices write either convention.
CONTINUITY = timedelta(days=1)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_version: str
    severity: str
    cadre_id: UUID | None
    unit_id: UUID | None
    decision: Decision | None
    effective_on: date
    summary: str
    evidence: tuple[int, ...]  # log positions; the decision judged first
    declared: bool = False  # the decision carried an explicit special-case flag

    @property
    def key(self) -> str:
        """Stable identity across recomputations (reviews attach to it)."""
        subject = self.cadre_id or self.unit_id
        first = self.evidence[0] if self.evidence else 0
        name = f"hoso:finding:{self.rule_id}:{subject}:{first}:{self.effective_on.isoformat()}"
        return str(uuid5(NAMESPACE_URL, name))


Check = Callable[[RecordFacts, RulePack], list[Finding]]


def find_all(record: RecordFacts, pack: RulePack | None = None,
             rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the chosen rules (all by default) on the record as of `record.as_of`."""
    pack = pack or default_pack()
    record = as_of(record)
    findings: list[Finding] = []
    for rule_id in rules or CHECKS:
        findings.extend(CHECKS[rule_id](record, pack))
    return sorted(findings, key=lambda f: (f.effective_on, f.rule_id, f.evidence))


def as_of(record: RecordFacts) -> RecordFacts:
    """The record cut at its business date: later facts dropped, later endings not yet known."""
    day = record.as_of

    def holding(h: HoldingFact) -> HoldingFact:
        if h.until is not None and h.until > day:
            return replace(h, until=None, end_reason=None, end_decision=None, end_position=None,
                           end_recorded_on=None, renewed_position=None)
        return h

    cadres = []
    for c in record.cadres:
        cadres.append(replace(
            c,
            holdings=tuple(holding(h) for h in c.holdings if h.since <= day),
            evaluations=tuple(e for e in c.evaluations if e.decided_on <= day),
            disciplines=tuple(d for d in c.disciplines if d.effective_on <= day),
            plannings=tuple(
                p if p.removed_on is None or p.removed_on <= day
                else replace(p, removed_on=None, removed_position=None)
                for p in c.plannings if p.decided_on <= day),
            vettings=tuple(v for v in c.vettings if v.vetted_on <= day),
            qualifications=tuple(q for q in c.qualifications
                                 if q.obtained_on is None or q.obtained_on <= day),
            identity_corrections=tuple(i for i in c.identity_corrections
                                       if i.recorded_on <= day),
            nominations=tuple(n for n in c.nominations if n.decided_on <= day),
            commendations=tuple(k for k in c.commendations if k.decided_on <= day),
            dossier_steps=tuple(s for s in c.dossier_steps if s.on <= day),
            declarations=tuple(x for x in c.declarations if x.declared_on <= day),
            travels=tuple(
                t if t.reported_on is None or t.reported_on <= day
                else replace(t, reported_on=None, report_position=None)
                for t in c.travels if t.departed_on <= day),
        ))
    units = {uid: (replace(u, ended_on=None) if u.ended_on and u.ended_on > day else u)
             for uid, u in record.units.items()}
    return replace(record, cadres=tuple(cadres), units=units)


# --- shared readings of a career ---------------------------------------------------------


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _shown_value(value: str) -> str:
    """A corrected value as a sentence shows it: a date dd/mm/yyyy, a code by its name."""
    try:
        return _d(date.fromisoformat(value))
    except ValueError:
        return label(value)


def _title_name(record: RecordFacts, code: str) -> str:
    title = record.titles.get(code)
    return title.name if title else code


def _unit_name(record: RecordFacts, unit_id: UUID | None) -> str:
    unit = record.units.get(unit_id) if unit_id else None
    return unit.name if unit else str(unit_id)


def post_name(title: str, unit: str) -> str:
    """A post as a sentence names it, without saying the unit twice: "Phó Chủ tịch Ủy ban nhân
    dân phường" at "Ủy ban nhân dân phường Đồng Hòa" is "Phó Chủ tịch Ủy ban nhân dân phường
    Đồng Hòa", and "Phó Trưởng phòng" at "Phòng Tư pháp" stays as it is."""
    words, unit_words = title.split(), unit.split()
    for n in range(min(len(words), len(unit_words)), 1, -1):  # one word alike is no repeat
        if [w.casefold() for w in words[-n:]] == [w.casefold() for w in unit_words[:n]]:
            return " ".join([*words[:-n], *unit_words])
    return f"{title} {unit}"


def _post(record: RecordFacts, h: HoldingFact) -> str:
    return post_name(_title_name(record, h.title_code), _unit_name(record, h.unit_id))


# How a sentence says what a holding's decision did (an election is "bầu", not "bổ nhiệm").
ACT_VERBS = {"bau_cu": "bầu", "chi_dinh": "chỉ định", "dieu_dong": "điều động",
             "dieu_dong_bo_nhiem": "điều động, bổ nhiệm", "dieu_dong_chi_dinh":
             "điều động, chỉ định", "luan_chuyen": "luân chuyển", "kiem_nhiem": "phân công kiêm nhiệm",
             "biet_phai": "biệt phái", "bo_nhiem_lai": "bổ nhiệm lại", "kien_toan": "kiện toàn",
             "keo_dai": "kéo dài thời gian giữ chức vụ"}


def _act(h: HoldingFact) -> str:
    return ACT_VERBS.get(str(h.kind), "bổ nhiệm")


def _finding(v: RuleVersion, *, cadre_id: UUID | None, unit_id: UUID | None,
             decision: Decision | None, effective_on: date, summary: str,
             evidence: Sequence[int], declared: bool = False,
             severity: str | None = None) -> Finding:
    return Finding(rule_id=v.id, rule_version=v.version, severity=severity or v.severity,
                   cadre_id=cadre_id, unit_id=unit_id, decision=decision,
                   effective_on=effective_on, summary=summary, evidence=tuple(evidence),
                   declared=declared)


def _earlier(c: CadreFacts, h: HoldingFact) -> list[HoldingFact]:
    return [g for g in c.holdings if g.since < h.since]


def _current_before(c: CadreFacts, h: HoldingFact) -> list[HoldingFact]:
    """Posts held when `h` took effect (including one ended that very day by a transfer)."""
    return [g for g in _earlier(c, h) if g.until is None or g.until >= h.since]


def _is_promotion(record: RecordFacts, c: CadreFacts, h: HoldingFact) -> bool:
    """A first appointment, or a title of a higher rank than any held before."""
    earlier = _earlier(c, h)
    return not earlier or record.rank(h.title_code) > max(record.rank(g.title_code)
                                                          for g in earlier)


def _chains(c: CadreFacts) -> list[list[HoldingFact]]:
    """Consecutive holdings of the same post (unit and title) as one tenure each."""
    by_post: dict[tuple[UUID, str], list[HoldingFact]] = {}
    for h in sorted(c.holdings, key=lambda h: h.since):
        by_post.setdefault((h.unit_id, h.title_code), []).append(h)
    chains: list[list[HoldingFact]] = []
    for holdings in by_post.values():
        chain = [holdings[0]]
        for h in holdings[1:]:
            end = _chain_end(chain)
            if end is None or h.since <= end + CONTINUITY:
                chain.append(h)
            else:
                chains.append(chain)
                chain = [h]
        chains.append(chain)
    return chains


def _chain_end(chain: list[HoldingFact]) -> date | None:
    if any(h.until is None for h in chain):
        return None
    return max(h.until for h in chain if h.until is not None)


def _chain_start(c: CadreFacts, h: HoldingFact) -> date:
    for chain in _chains(c):
        if h in chain:
            return chain[0].since
    return h.since


def _judged(version: RuleVersion, h: HoldingFact) -> bool:
    # A renewal (a new term of a post held: bổ nhiệm lại, kéo dài, bầu cử lại) is judged by
    # the rules that judge reappointments, whatever kind recorded it: it is no new post.
    kind = "bo_nhiem_lai" if h.renews is not None else h.kind
    return kind in version.params.get("kinds", (kind,))


# --- the rules ---------------------------------------------------------------------------


def discipline_bar(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Appointment, nomination or planning while a discipline still bars it (longest bar of any
    track). A version may bar only a higher post for some forms (`higher_post_only`): then a
    renewal or a move to a post of no higher rank is free of that bar."""
    findings = []
    for c in record.cadres:
        # (day, position, decision, what, unit, higher post?, nomination?)
        acts: list[tuple[date, int, Decision, str, UUID, bool, bool]] = [
            (h.since, h.position, h.decision, f"{_act(h)} {_post(record, h)}", h.unit_id,
             _is_higher_post(record, c, h), False)
            for h in c.holdings]
        acts += [(n.decided_on, n.position, n.decision,
                  f"giới thiệu ứng cử {_title_name(record, n.title_code)} "
                  f"{_unit_name(record, n.unit_id)}", n.unit_id,
                  record.rank(n.title_code) > _rank_held(record, c, n.decided_on), True)
                 for n in c.nominations]
        acts += [(p.decided_on, p.position, p.decision,
                  f"đưa vào quy hoạch {_title_name(record, p.title_code)} "
                  f"{_unit_name(record, p.unit_id)}", p.unit_id, True, False)
                 for p in c.plannings]
        for day, position, decision, what, unit_id, higher, nomination in acts:
            worst: tuple[date, RuleVersion, int, int, str, date] | None = None
            for d in c.disciplines:
                if d.effective_on > day:
                    continue
                for v in pack.versions_for("discipline_bar", day):
                    # Each version bars for the disciplines of its system (a party rule for
                    # party discipline); one whose system was not recorded, for every version.
                    if d.system is not None and d.system not in v.params.get("systems", ()):
                        continue
                    if nomination and not v.params.get("nominations", False):
                        continue
                    if not higher and d.form in v.params.get("higher_post_only", ()):
                        continue
                    months = v.params.get(d.form)
                    if not isinstance(months, int):
                        continue
                    ends = add_months(d.effective_on, months)
                    if day < ends and (worst is None or ends > worst[0]):
                        worst = (ends, v, months, d.position, d.form, d.effective_on)
            if worst is None:
                continue
            ends, v, months, d_position, form, d_day = worst
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=unit_id, decision=decision, effective_on=day,
                summary=(f"{c.full_name} được {what} ngày {_d(day)} khi chưa hết thời hạn "
                         f"{months} tháng kể từ kỷ luật {label(form).lower()} ngày {_d(d_day)} "
                         f"(đến {_d(ends)})."),
                evidence=(position, d_position)))
    return findings


RENEWAL_KINDS = frozenset({"bo_nhiem_lai", "keo_dai"})


def _rank_held(record: RecordFacts, c: CadreFacts, day: date) -> int:
    """The highest rank among the posts held on a day (0: none)."""
    return max((record.rank(g.title_code) for g in c.holdings if g.active_on(day)), default=0)


def _is_higher_post(record: RecordFacts, c: CadreFacts, h: HoldingFact) -> bool:
    """A post of a higher rank than every post held when it takes effect (a first post after
    none counts); a renewal of a post held (bổ nhiệm lại, kéo dài) never does."""
    if h.renews is not None or h.kind in RENEWAL_KINDS:
        return False
    held = _current_before(c, h)
    return record.rank(h.title_code) > max((record.rank(g.title_code) for g in held), default=0)


def not_in_planning(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A first or higher appointment of someone not planned for that title or one of a rank at
    least as high, in force on the appointment date; a special case is reported as declared."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            v = pack.version_for("not_in_planning", h.since)
            if v is None or not _judged(v, h) or not _is_promotion(record, c, h):
                continue
            rank = record.rank(h.title_code)
            planned = [p for p in c.plannings if p.in_force_on(h.since)
                       and (p.title_code == h.title_code or record.rank(p.title_code) >= rank)]
            if planned:
                continue
            declared = " (trường hợp đặc biệt đã khai báo)" if h.special_case else ""
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, declared=h.special_case, evidence=(h.position,),
                summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)} "
                         f"nhưng không có trong quy hoạch chức danh này hoặc chức danh tương "
                         f"đương{declared}.")))
    return findings


def _to_retirement(record: RecordFacts, pack: RulePack, rule_id: str,
                   judged: Callable[[RuleVersion, CadreFacts, HoldingFact], bool],
                   ) -> Iterator[tuple[RuleVersion, CadreFacts, HoldingFact, date, int]]:
    """The holdings a rule judges against retirement: version, cadre, holding, retirement date
    and the months then left to it."""
    for c in record.cadres:
        retires = retirement_date(c.born_on, c.gender, pack.retirement)
        for h in c.holdings:
            v = pack.version_for(rule_id, h.since)
            if v is not None and judged(v, c, h):
                yield v, c, h, retires, _months_between(h.since, retires)


def retirement_horizon(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A first or higher appointment with fewer months left to retirement than required."""
    findings = []
    for v, c, h, retires, left in _to_retirement(
            record, pack, "retirement_horizon",
            lambda v, c, h: _judged(v, h) and _is_promotion(record, c, h)):
        horizon = int(v.param("horizon_months"))
        if add_months(h.since, horizon) <= retires:
            continue
        findings.append(_finding(
            v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
            effective_on=h.since, evidence=(h.position, c.registered_position),
            summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)} "
                     f"khi chỉ còn {left} tháng đến thời điểm nghỉ hưu ({_d(retires)}), "
                     f"dưới {horizon} tháng theo quy định.")))
    return findings


def extension_to_retirement(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A term extended to retirement (kéo dài) with more months left than the rule allows."""
    findings = []
    for v, c, h, retires, left in _to_retirement(record, pack, "extension_to_retirement",
                                                 lambda v, c, h: h.kind == "keo_dai"):
        allowed = int(v.param("max_months_left"))
        if add_months(h.since, allowed) > retires:
            continue
        findings.append(_finding(
            v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
            effective_on=h.since, evidence=(h.position, c.registered_position),
            summary=(f"{c.full_name} được kéo dài thời gian giữ chức {_post(record, h)} "
                     f"ngày {_d(h.since)} khi còn {left} tháng đến thời điểm nghỉ hưu "
                     f"({_d(retires)}), không dưới {allowed} tháng theo quy định.")))
    return findings


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def min_time_in_post(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A promotion before the required months in the current post (never a first post)."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            v = pack.version_for("min_time_in_post", h.since)
            if v is None or not _judged(v, h):
                continue
            current = _current_before(c, h)
            if not current:
                continue
            held = max(current, key=lambda g: (record.rank(g.title_code), g.since))
            if record.rank(h.title_code) <= record.rank(held.title_code):
                continue
            minimum = int(v.param("min_months"))
            if v.params.get("equivalent_posts"):
                # Time in any post of the same rank counts and adds up: the months are read
                # from as many days before the promotion as were spent in such posts.
                spent = _days_in_rank(record, c, record.rank(held.title_code), h.since)
                start = h.since - timedelta(days=spent)
                why = (f"giữ chức {_post(record, held)} và các chức vụ tương đương tổng cộng "
                       f"{_months_between(start, h.since)} tháng (dưới {minimum} tháng)")
            else:
                start = _chain_start(c, held)
                why = (f"mới giữ chức {_post(record, held)} từ {_d(start)} "
                       f"({_months_between(start, h.since)} tháng, dưới {minimum} tháng)")
            if h.since >= add_months(start, minimum):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position, held.position),
                summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)} "
                         f"khi {why}.")))
    return findings


def _days_in_rank(record: RecordFacts, c: CadreFacts, rank: int, before: date) -> int:
    """Days before `before` spent holding posts of a rank (concurrent posts counted once)."""
    spans = sorted((g.since, min(g.until or before, before)) for g in c.holdings
                   if record.rank(g.title_code) == rank and g.since < before)
    days, reached = 0, date.min
    for since, until in spans:
        since = max(since, reached)
        if until > since:
            days += (until - since).days
            reached = until
    return days


def no_vetting(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment without a political vetting concluded `dat` in the months before."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            v = pack.version_for("no_vetting", h.since)
            if v is None or not _judged(v, h):
                continue
            window = int(v.param("window_months"))
            since = add_months(h.since, -window)
            if any(x.conclusion == "dat" and since <= x.vetted_on <= h.since
                   for x in c.vettings):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position,),
                summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)} "
                         f"mà không có kết luận thẩm định tiêu chuẩn chính trị (đạt) trong "
                         f"{window} tháng trước đó.")))
    return findings


def title_standards(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment of someone below the title's minimum qualifications, or older than the
    title's maximum age at a first appointment to it."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            v = pack.version_for("title_standards", h.since)
            title = record.titles.get(h.title_code)
            if v is None or title is None or not _judged(v, h):
                continue
            shortfalls, evidence = _shortfalls(c, h, title)
            if not shortfalls:
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position, *evidence),
                summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)} "
                         f"khi chưa đạt tiêu chuẩn chức danh: {'; '.join(shortfalls)}.")))
    return findings


def _shortfalls(c: CadreFacts, h: HoldingFact, title: TitleFacts) -> tuple[list[str], list[int]]:
    s = title.standards_on(h.since)
    shortfalls: list[str] = []
    evidence: list[int] = []
    minima = (("political_theory", s.min_political_theory, "lý luận chính trị"),
              ("state_management", s.min_state_management, "quản lý nhà nước"),
              ("education", s.min_education, "trình độ chuyên môn"))
    for kind, minimum, name in minima:
        if minimum is None:
            continue
        order = LEVEL_ORDERS[kind]
        held = c.level_on(kind, h.since)
        if held is None or order.get(held.level, 0) < order.get(str(minimum), 0):
            shown = label(held.level) if held else "chưa có"
            shortfalls.append(f"{name} {shown.lower()}, yêu cầu {label(str(minimum)).lower()}")
            evidence.append(held.position if held else c.registered_position)
    first_time = not any(g.title_code == h.title_code for g in _earlier(c, h))
    if s.max_age_first_appointment is not None and first_time:
        age = age_on(c.born_on, h.since)
        if age > s.max_age_first_appointment:
            shortfalls.append(f"{age} tuổi khi bổ nhiệm lần đầu, tối đa "
                              f"{s.max_age_first_appointment}")
            evidence.append(c.registered_position)
    return shortfalls, list(dict.fromkeys(evidence))


def long_tenure(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Still in the same post (unit and title) the given years after taking it."""
    findings: list[Finding] = []
    v = pack.version_for("long_tenure", record.as_of)
    if v is None:
        return findings
    years = int(v.param("years"))
    for c in record.cadres:
        for chain in _chains(c):
            reached = add_months(chain[0].since, 12 * years)
            end = _chain_end(chain)
            if reached > record.as_of or (end is not None and end <= record.as_of):
                continue
            last = chain[-1]
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=last.unit_id, decision=last.decision,
                effective_on=reached, evidence=tuple(h.position for h in chain),
                summary=(f"{c.full_name} giữ chức {_post(record, last)} liên tục từ "
                         f"{_d(chain[0].since)}, đủ {years} năm vào {_d(reached)} mà chưa được "
                         f"luân chuyển, điều động.")))
    return findings


def head_term_limit(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A head post held on past the allowed number of consecutive terms."""
    findings = []
    for c in record.cadres:
        for chain in _chains(c):
            title = record.titles.get(chain[0].title_code)
            if title is None or not title.is_head:
                continue
            # The limit date depends on the term length, so it is read from the version of the
            # check date; the breach is then judged by the version in force on that limit date.
            v0 = (pack.version_for("head_term_limit", record.as_of)
                  or pack.history("head_term_limit")[-1])
            months = int(v0.param("term_months")) * int(v0.param("max_terms"))
            limit = add_months(chain[0].since, months)
            v = pack.version_for("head_term_limit", limit)
            breach = limit
            if v is None:
                # Past the limit before the rule came into force and still in post then: a
                # breach from the day the rule came into force.
                v = next((x for x in pack.history("head_term_limit")
                          if x.valid_from > limit), None)
                breach = v.valid_from if v is not None else limit
            end = _chain_end(chain)
            if v is None or breach > record.as_of or (end is not None and end <= breach):
                continue
            terms = int(v.param("max_terms"))
            beyond = max((h for h in chain if h.since <= breach), key=lambda h: h.since)
            since = (f"từ {_d(limit)}" if breach == limit
                     else f"từ {_d(limit)}, vẫn giữ chức khi quy định có hiệu lực {_d(breach)}")
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=beyond.unit_id, decision=beyond.decision,
                effective_on=breach, evidence=tuple(h.position for h in chain),
                summary=(f"{c.full_name} giữ chức {_post(record, beyond)} liên tục từ "
                         f"{_d(chain[0].since)}, quá {terms} nhiệm kỳ "
                         f"({int(v.param('term_months'))} tháng mỗi nhiệm kỳ) {since}.")))
    return findings


def reappointment_overdue(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A term's planned end has passed with neither a reappointment nor an ending recorded."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            if h.planned_end_on is None or h.until is not None:
                continue
            v = pack.version_for("reappointment_overdue", h.planned_end_on)
            if v is None:
                continue
            due = h.planned_end_on + timedelta(days=int(v.param("grace_days")))
            if record.as_of < due:
                continue
            if any(g.unit_id == h.unit_id and g.title_code == h.title_code and g.since > h.since
                   for g in c.holdings):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.planned_end_on, evidence=(h.position,),
                summary=(f"Thời hạn giữ chức {_post(record, h)} của {c.full_name} kết thúc "
                         f"ngày {_d(h.planned_end_on)} nhưng chưa có quyết định bổ nhiệm lại "
                         f"hoặc thôi giữ chức.")))
    return findings


def relatives_linked_posts(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Relatives holding linked posts at the same time: in one unit's leadership (head and
    deputy, or one in charge of personnel or finance), or an area's party or government head
    with the head of one of the linked sectors in that area."""
    findings = []
    cadres = {c.cadre_id: c for c in record.cadres}
    seen: set[tuple[UUID, UUID, int, int]] = set()
    for a in record.cadres:
        for relative in a.relatives:
            b = cadres.get(relative.relative_cadre_id) if relative.relative_cadre_id else None
            if b is None:
                continue
            for ha in a.holdings:
                for hb in b.holdings:
                    start = max(ha.since, hb.since)
                    ends = [x for x in (ha.until, hb.until) if x is not None]
                    if ends and min(ends) <= start:
                        continue
                    pair = (min(ha.position, hb.position), max(ha.position, hb.position))
                    if (a.cadre_id, b.cadre_id, *pair) in seen:
                        continue
                    v = pack.version_for("relatives_linked_posts", start)
                    if v is None or relative.relation not in v.param("relations"):
                        continue
                    link = _link(record, v, ha, hb, start)
                    if link is None:
                        continue
                    seen.add((a.cadre_id, b.cadre_id, *pair))
                    seen.add((b.cadre_id, a.cadre_id, *pair))
                    later, earlier = (ha, hb) if ha.since >= hb.since else (hb, ha)
                    who, other = (a, b) if later is ha else (b, a)
                    findings.append(_finding(
                        v, cadre_id=who.cadre_id, unit_id=later.unit_id,
                        decision=later.decision, effective_on=start,
                        evidence=(later.position, earlier.position, relative.position),
                        summary=(f"{who.full_name} ({_post(record, later)}) và "
                                 f"{other.full_name} ({_post(record, earlier)}) có quan hệ gia "
                                 f"đình ({label(relative.relation).lower()}) cùng giữ chức vụ "
                                 f"từ {_d(start)}: {link}.")))
    return findings


def _link(record: RecordFacts, v: RuleVersion, ha: HoldingFact, hb: HoldingFact,
          day: date) -> str | None:
    ta, tb = record.titles.get(ha.title_code), record.titles.get(hb.title_code)
    if ta is None or tb is None:
        return None
    if ha.unit_id == hb.unit_id:
        sensitive = set(v.param("personnel_finance_sectors"))
        if ta.sector in sensitive or tb.sector in sensitive:
            return "một người phụ trách công tác tổ chức, tài chính trong cùng đơn vị"
        if ta.is_head or tb.is_head:
            return "cấp trưởng và cấp phó của cùng một đơn vị"
        return "cùng trong tập thể lãnh đạo một đơn vị"
    for area_head, sector_head, area_title, sector_title in ((ha, hb, ta, tb), (hb, ha, tb, ta)):
        if not (area_title.is_head and sector_title.is_head):
            continue
        if not _heads_area(record, v, area_head, area_title):
            continue
        if sector_title.sector not in v.param("sectors"):
            continue
        if _area_of(record, v, area_head.unit_id, day) in record.ancestors_on(
                sector_head.unit_id, day):
            return (f"người đứng đầu cấp ủy, chính quyền và người đứng đầu ngành "
                    f"{SECTOR_NAMES.get(sector_title.sector or '', sector_title.sector)} trên "
                    f"cùng địa bàn")
    return None


def _heads_area(record: RecordFacts, v: RuleVersion, holding: HoldingFact,
                title: TitleFacts) -> bool:
    """Whether a holding is an area's party or government head: from the title's flag where the
    version says so and the title carries it, else from the kind of the holding's unit."""
    if v.params.get("area_heads_from") == "title" and title.area_head is not None:
        return title.area_head
    unit = record.units.get(holding.unit_id)
    return unit is not None and _area_kind(v, unit.kind)


def _area_kind(v: RuleVersion, kind: str) -> bool:
    """An area's party or government body; a party committee counts whether recorded as the
    committee (đảng ủy) or as the organisation (đảng bộ)."""
    kinds = set(v.param("area_unit_kinds"))
    if kinds & PARTY_COMMITTEE_KINDS:
        kinds |= PARTY_COMMITTEE_KINDS
    return kind in kinds


def _area_of(record: RecordFacts, v: RuleVersion, unit_id: UUID, day: date) -> UUID:
    """The area an area head answers for: the geographic parent (a district or ward node that is
    itself no party committee or people's committee), else the head's own unit."""
    unit = record.units[unit_id]
    parent_id = unit.parent_on(day)
    parent = record.units.get(parent_id) if parent_id else None
    if parent is not None and not _area_kind(v, parent.kind):
        return parent.unit_id
    return unit_id


def _main_unit(record: RecordFacts, c: CadreFacts, day: date) -> UUID | None:
    held = [h for h in c.holdings if h.active_on(day)]
    if not held:
        return None
    return max(held, key=lambda h: (record.rank(h.title_code), -h.since.toordinal())).unit_id


def excellent_quota(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """More HTXSNV ratings in a unit and period than the quota of those rated HTTNV or better."""
    groups: dict[tuple[UUID, str], list[tuple[CadreFacts, int, str]]] = {}
    last_days: dict[str, date] = {}
    for c in record.cadres:
        for e in c.evaluations:
            if e.rating not in ("HTXSNV", "HTTNV"):
                continue
            last_day = period_bounds(e.period)[1] - timedelta(days=1)
            unit_id = _main_unit(record, c, last_day) or _main_unit(record, c, e.decided_on)
            if unit_id is None:
                continue
            last_days[e.period] = last_day
            groups.setdefault((unit_id, e.period), []).append((c, e.position, e.rating))
    findings = []
    for (unit_id, period), rated in sorted(groups.items(), key=lambda g: (g[0][1], str(g[0][0]))):
        v = pack.version_for("excellent_quota", last_days[period])
        if v is None:
            continue
        quota = float(v.param("max_percent"))
        excellent = [position for _, position, rating in rated if rating == "HTXSNV"]
        if len(excellent) * 100 <= quota * len(rated):
            continue
        share = round(100 * len(excellent) / len(rated), 1)
        findings.append(_finding(
            v, cadre_id=None, unit_id=unit_id, decision=None, effective_on=last_days[period],
            evidence=tuple(sorted(excellent)),
            summary=(f"{_unit_name(record, unit_id)}: {period_name(period)} có {len(excellent)}/"
                     f"{len(rated)} cán bộ xếp loại Hoàn thành xuất sắc nhiệm vụ "
                     f"({_pct(share)}%), vượt tỷ lệ {_pct(quota)}% số được xếp loại từ Hoàn "
                     f"thành tốt nhiệm vụ trở lên.")))
    return findings


def _pct(value: float) -> str:
    """Vietnamese decimal comma: 33,3."""
    return f"{value:g}".replace(".", ",")


def missing_evaluation(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Held a post through a whole period (finished, past the grace days) without its rating:
    every calendar year, and every quarter starting once a version in force asks for quarterly
    ratings (`quarterly`)."""
    findings = []
    for c in record.cadres:
        if not c.holdings:
            continue
        spans = _spans(c.holdings)
        rated = {e.period for e in c.evaluations}
        first_year = min(h.since.year for h in c.holdings)
        # Periods ending on one day (a year and its fourth quarter) make one finding.
        missing: dict[date, tuple[RuleVersion, list[str], date]] = {}
        for year in range(first_year, record.as_of.year + 1):
            periods = [(str(year), date(year, 1, 1), date(year + 1, 1, 1))]
            periods += [(f"{year}-Q{q}", *period_bounds(f"{year}-Q{q}")) for q in range(1, 5)]
            for period, start, after in periods:
                last_day = after - timedelta(days=1)
                v = _evaluation_version(pack, period, start, last_day)
                if v is None or period in rated:
                    continue
                if record.as_of <= last_day + timedelta(days=int(v.param("grace_days"))):
                    continue
                if not any(s <= start and (e is None or e >= after) for s, e in spans):
                    continue
                first_v, names, began = missing.get(last_day, (v, [], start))
                missing[last_day] = (first_v, [*names, period_name(period)], min(began, start))
        for last_day, (v, names, start) in sorted(missing.items()):
            held = [h for h in c.holdings if h.since <= last_day and (h.until is None
                                                                       or h.until > start)]
            shown = " và ".join(names)
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=_main_unit(record, c, last_day),
                decision=None, effective_on=last_day,
                evidence=tuple(sorted(h.position for h in held)),
                summary=(f"{c.full_name} giữ chức vụ suốt {shown} nhưng không có kết quả "
                         f"đánh giá, xếp loại {shown}.")))
    return findings


def _evaluation_version(pack: RulePack, period: str, start: date,
                        last_day: date) -> RuleVersion | None:
    """The version that asks for a period's rating: for a year, the one in force on its last
    day; for a quarter, the first in force on its last day that asks for quarterly ratings and
    was already in force when the quarter began (a quarter begun before is not asked for)."""
    if "-Q" not in period:
        return pack.version_for("missing_evaluation", last_day)
    return next((v for v in pack.versions_for("missing_evaluation", last_day)
                 if v.params.get("quarterly") and v.valid_from <= start), None)


def _spans(holdings: Iterable[HoldingFact]) -> list[tuple[date, date | None]]:
    """Periods holding any post, joined across transfers."""
    spans: list[tuple[date, date | None]] = []
    for h in sorted(holdings, key=lambda h: h.since):
        if spans:
            s, e = spans[-1]
            if e is None or h.since <= e + CONTINUITY:
                joined = None if e is None or h.until is None else max(e, h.until)
                spans[-1] = (s, joined)
                continue
        spans.append((h.since, h.until))
    return spans


def removal_grounds(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Grounds for removal (reprimanded twice in one term — within `term_months`, or from QĐ 377
    khiển trách or cảnh cáo within one appointment term; not completing tasks two years in a
    row) with the cadre still in post when the time to act has passed."""
    findings = []
    for c in record.cadres:
        grounds: list[tuple[date, tuple[int, ...], str]] = []
        disciplines = sorted(c.disciplines, key=lambda d: (d.effective_on, d.position))
        failed = sorted(((int(e.period), e) for e in c.evaluations
                         if e.rating == "KHTNV" and e.period.isdigit()), key=lambda p: p[0])
        for i, d in enumerate(disciplines):
            v = pack.version_for("removal_grounds", d.effective_on)
            forms = tuple(v.params.get("reprimand_forms", ("khien_trach",))) if v else ()
            if v is None or d.form not in forms:
                continue
            needed = int(v.param("reprimands_in_term"))
            window = [x for x in disciplines[:i + 1] if x.form in forms][-needed:]
            if len(window) < needed:
                continue
            first = window[0]
            if v.params.get("same_appointment_term"):
                # One appointment term: a single holding (a renewal starts a new one) in force
                # on both dates.
                term = "trong cùng một thời hạn bổ nhiệm"
            else:
                term = "trong một nhiệm kỳ"
                if d.effective_on >= add_months(first.effective_on,
                                                int(v.param("term_months"))):
                    continue
            if not any(h.active_on(first.effective_on) and h.active_on(d.effective_on)
                       for h in c.holdings):
                continue
            named = " hoặc ".join(dict.fromkeys(label(f).lower() for f in forms))
            grounds.append((d.effective_on, tuple(x.position for x in window),
                            f"bị {named} {needed} lần {term} "
                            f"({', '.join(_d(x.effective_on) for x in window)})"))
        for i, (_, e) in enumerate(failed):
            v = pack.version_for("removal_grounds", e.decided_on)
            if v is None:
                continue
            needed = int(v.param("failed_years"))
            run = failed[max(0, i - needed + 1): i + 1]
            if len(run) < needed or run[-1][0] - run[0][0] != needed - 1:
                continue
            grounds.append((e.decided_on, tuple(x.position for _, x in run),
                            f"{needed} năm liên tiếp không hoàn thành nhiệm vụ "
                            f"({', '.join(str(y) for y, _ in run)})"))
        for day, evidence, why in grounds:
            v = pack.version_for("removal_grounds", day)
            assert v is not None
            deadline = day + timedelta(days=int(v.param("action_days")))
            if record.as_of < deadline:
                continue
            for h in c.holdings:
                if not (h.active_on(day) and h.active_on(deadline)):
                    continue
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                    effective_on=day, evidence=(*evidence, h.position),
                    summary=(f"{c.full_name} {why} nhưng sau {int(v.param('action_days'))} "
                             f"ngày vẫn giữ chức {_post(record, h)}, chưa xem xét cho thôi "
                             f"giữ chức hoặc miễn nhiệm.")))
    return findings


def pre_departure_appointments(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Many appointments signed by one signer in the months before that signer retired or was
    transferred."""
    by_signer: dict[UUID, list[HoldingFact]] = {}
    for c in record.cadres:
        for h in c.holdings:
            if h.decision.signer_cadre_id is not None:
                by_signer.setdefault(h.decision.signer_cadre_id, []).append(h)
    findings = []
    for signer in record.cadres:
        departures: dict[date, HoldingFact] = {}
        for h in signer.holdings:
            if h.until is None or h.end_reason is None:
                continue
            v = pack.version_for("pre_departure_appointments", h.until)
            if v is not None and h.end_reason in v.param("departure_reasons"):
                departures.setdefault(h.until, h)
        for left_on, ending in sorted(departures.items()):
            v = pack.version_for("pre_departure_appointments", left_on)
            assert v is not None
            months = int(v.param("window_months"))
            since = add_months(left_on, -months)
            signed = sorted((h for h in by_signer.get(signer.cadre_id, ())
                             if since <= h.decision.signed_on < left_on),
                            key=lambda h: h.position)
            if len(signed) < int(v.param("min_count")):
                continue
            evidence = [ending.end_position or ending.position] + [h.position for h in signed]
            findings.append(_finding(
                v, cadre_id=signer.cadre_id, unit_id=ending.unit_id,
                decision=ending.end_decision, effective_on=left_on, evidence=evidence,
                summary=(f"{signer.full_name} ký {len(signed)} quyết định bổ nhiệm trong "
                         f"{months} tháng trước khi thôi giữ chức {_post(record, ending)} "
                         f"({label(ending.end_reason).lower()}) ngày {_d(left_on)}.")))
    return findings


def express_promotion(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Two promotions (a first post or a higher rank) within a short interval."""
    findings = []
    for c in record.cadres:
        promotions = sorted((h for h in c.holdings if _is_promotion(record, c, h)),
                            key=lambda h: h.since)
        for previous, h in zip(promotions, promotions[1:], strict=False):
            v = pack.version_for("express_promotion", h.since)
            if v is None or not _judged(v, h) or not _judged(v, previous):
                continue
            months = int(v.param("window_months"))
            if h.since >= add_months(previous.since, months):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position, previous.position),
                summary=(f"{c.full_name} được {_act(h)} {_post(record, h)} ngày {_d(h.since)}, "
                         f"chỉ {_months_between(previous.since, h.since)} tháng sau lần bổ "
                         f"nhiệm {_post(record, previous)} ngày {_d(previous.since)} (dưới "
                         f"{months} tháng).")))
    return findings


def backdated_record(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A decision taking effect long before it was signed, or recorded long after signing
    although the unit's and the cadre's records were already kept live in the system."""
    findings = []
    for c in record.cadres:
        entries: list[tuple[int, date, Decision, date, UUID | None, str]] = []
        for h in c.holdings:
            entries.append((h.position, h.since, h.decision, h.recorded_on, h.unit_id,
                            f"{_act(h)} {_post(record, h)}"))
            if h.until and h.end_decision and h.end_position and h.end_recorded_on:
                entries.append((h.end_position, h.until, h.end_decision, h.end_recorded_on,
                                h.unit_id, f"thôi giữ chức {_post(record, h)}"))
        for p in c.plannings:
            entries.append((p.position, p.decided_on, p.decision, p.recorded_on, p.unit_id,
                            f"quy hoạch {_title_name(record, p.title_code)}"))
        for d in c.disciplines:
            entries.append((d.position, d.effective_on, d.decision, d.recorded_on, None,
                            f"kỷ luật {label(d.form).lower()}"))
        for position, effective_on, decision, recorded_on, unit_id, what in entries:
            v = pack.version_for("backdated_record", effective_on)
            if v is None:
                continue
            reasons = []
            early = (decision.signed_on - effective_on).days
            if early > int(v.param("retroactive_days")):
                reasons.append(f"có hiệu lực từ {_d(effective_on)}, trước ngày ký "
                               f"{_d(decision.signed_on)} {early} ngày (hồi tố)")
            late = (recorded_on - decision.signed_on).days
            unit = record.units.get(unit_id) if unit_id else None
            live_since = max(c.registered_on, unit.first_recorded_on if unit else c.registered_on)
            if late > int(v.param("late_days")) and live_since < decision.signed_on:
                reasons.append(f"ký ngày {_d(decision.signed_on)} nhưng {late} ngày sau mới "
                               f"được ghi nhận ({_d(recorded_on)}) dù hồ sơ đã được cập nhật "
                               f"thường xuyên từ {_d(live_since)}")
            if not reasons:
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=unit_id, decision=decision,
                effective_on=effective_on, evidence=(position,),
                summary=(f"Quyết định {decision.number} về việc {what} của {c.full_name}: "
                         f"{'; '.join(reasons)}.")))
    return findings


IDENTITY_FIELDS = {
    "born_on": "ngày sinh",
    "education": "trình độ chuyên môn",
    "political_theory": "lý luận chính trị",
    "state_management": "quản lý nhà nước",
}


def identity_data_changed(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Corrections of birth date, education or political theory; graver when an appointment
    follows within the months after (the correction may have unlocked it)."""
    findings = []
    for c in record.cadres:
        for fix in c.identity_corrections:
            v = pack.version_for("identity_data_changed", fix.recorded_on)
            if v is None or fix.field not in v.param("fields"):
                continue
            months = int(v.param("unlock_months"))
            until = add_months(fix.recorded_on, months)
            unlocked = sorted((h for h in c.holdings
                               if fix.recorded_on <= min(h.since, h.decision.signed_on) <= until
                               or fix.recorded_on <= h.decision.signed_on <= until),
                              key=lambda h: h.since)
            name = IDENTITY_FIELDS.get(fix.field, fix.field)
            shown_before = _shown_value(fix.before) if fix.before else "trống"
            shown_after = _shown_value(fix.after) if fix.after else "trống"
            summary = (f"Hồ sơ của {c.full_name} được đính chính {name} ngày "
                       f"{_d(fix.recorded_on)}: {shown_before} → {shown_after}")
            evidence: tuple[int, ...] = (fix.position, fix.target_position)
            if unlocked:
                h = unlocked[0]
                summary += (f"; {_months_between(fix.recorded_on, h.since)} tháng sau được bổ "
                            f"nhiệm {_post(record, h)} ngày {_d(h.since)}")
                evidence += (h.position,)
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=unlocked[0].unit_id if unlocked else None,
                decision=unlocked[0].decision if unlocked else None,
                effective_on=fix.recorded_on, evidence=evidence, summary=summary + ".",
                severity=str(v.param("unlock_severity")) if unlocked else None))
    return findings


def vacant_head_post(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A head post of a unit left without holder longer than allowed (between two holders, or
    still empty on the check date while the unit exists)."""
    posts: dict[tuple[UUID, str], list[HoldingFact]] = {}
    for c in record.cadres:
        for h in c.holdings:
            title = record.titles.get(h.title_code)
            if title is not None and title.is_head:
                posts.setdefault((h.unit_id, h.title_code), []).append(h)
    findings = []
    for (unit_id, title_code), holdings in posts.items():
        unit = record.units.get(unit_id)
        ends_on = unit.ended_on if unit is not None else None
        covered: date | None = None  # first day no holder so far covers
        left: HoldingFact | None = None  # the holder whose leaving opened that day
        still_held = False
        for h in sorted(holdings, key=lambda h: h.since):
            if left is not None and covered is not None and h.since > covered:
                refilled = min(h.since, ends_on) if ends_on else h.since
                findings += _vacancy(record, pack, unit_id, title_code, left, covered,
                                     refilled, h)
            if h.until is None:
                still_held = True
                break
            if covered is None or h.until > covered:
                covered, left = h.until, h
        if not still_held and left is not None and covered is not None:
            refilled = record.as_of + timedelta(days=1)
            findings += _vacancy(record, pack, unit_id, title_code, left, covered,
                                 min(refilled, ends_on) if ends_on else refilled, None)
    return findings


def _vacancy(record: RecordFacts, pack: RulePack, unit_id: UUID, title_code: str,
             left: HoldingFact, empty_from: date, refilled: date,
             successor: HoldingFact | None) -> list[Finding]:
    empty_days = (refilled - empty_from).days
    first = pack.history("vacant_head_post")[0]
    limit = int((pack.version_for("vacant_head_post", empty_from) or first).param(
        "max_vacant_days"))
    if empty_days <= limit:
        return []
    breach_on = empty_from + timedelta(days=limit)
    v = pack.version_for("vacant_head_post", breach_on)
    if v is None:
        return []
    evidence = [left.end_position or left.position]
    if successor is not None:
        evidence.append(successor.position)
    status = (f"đến ngày {_d(successor.since)} mới bổ nhiệm người thay thế" if successor
              else f"đến ngày {_d(refilled - timedelta(days=1))} vẫn chưa có người giữ chức")
    return [_finding(
        v, cadre_id=None, unit_id=unit_id, decision=left.end_decision, effective_on=breach_on,
        evidence=evidence,
        summary=(f"Chức danh {_title_name(record, title_code)} {_unit_name(record, unit_id)} "
                 f"bỏ trống từ {_d(empty_from)}, {status} ({empty_days} ngày, quá "
                 f"{limit} ngày)."))]


# --- commendations -------------------------------------------------------------------------


def commendation_while_disciplined(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A commendation decided while a discipline of the cadre was still running its term."""
    findings = []
    for c in record.cadres:
        for k in c.commendations:
            v = pack.version_for("commendation_while_disciplined", k.decided_on)
            if v is None:
                continue
            for d in c.disciplines:
                months = v.params.get(d.form)
                if months is None or not d.effective_on <= k.decided_on < add_months(
                        d.effective_on, int(months)):
                    continue
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=None, decision=k.decision,
                    effective_on=k.decided_on, evidence=(k.position, d.position),
                    summary=(f"{c.full_name} được khen thưởng ({label(k.form)}) ngày "
                             f"{_d(k.decided_on)} khi đang trong thời hạn kỷ luật "
                             f"{label(d.form).lower()} từ {_d(d.effective_on)} ({months} "
                             "tháng).")))
                break
    return findings


def commendation_below_rating(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A commendation of a cadre whose latest yearly rating before it is below the minimum."""
    order = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
    findings = []
    for c in record.cadres:
        yearly = sorted((e for e in c.evaluations if e.period.isdigit()),
                        key=lambda e: e.period)
        for k in c.commendations:
            v = pack.version_for("commendation_below_rating", k.decided_on)
            if v is None:
                continue
            before = [e for e in yearly if e.decided_on <= k.decided_on]
            if not before:
                continue
            latest, minimum = before[-1], str(v.param("minimum_rating"))
            if order.index(latest.rating) <= order.index(minimum):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=None, decision=k.decision,
                effective_on=k.decided_on, evidence=(k.position, latest.position),
                summary=(f"{c.full_name} được khen thưởng ({label(k.form)}) ngày "
                         f"{_d(k.decided_on)} trong khi năm {latest.period} xếp loại "
                         f"{label(latest.rating).lower()}, dưới mức "
                         f"{label(minimum).lower()}.")))
    return findings


def commendation_own_circle(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A commendation whose decision was signed by the cadre, or by a relative of the cadre
    (either one's declared relatives naming the other)."""
    cadres = {c.cadre_id: c for c in record.cadres}
    findings = []
    for c in record.cadres:
        for k in c.commendations:
            v = pack.version_for("commendation_own_circle", k.decided_on)
            signer_id = k.decision.signer_cadre_id
            if v is None or signer_id is None:
                continue
            evidence: tuple[int, ...] = (k.position,)
            if signer_id == c.cadre_id:
                how = "tự ký quyết định khen thưởng cho mình"
            else:
                signer = cadres.get(signer_id)
                link = next((r for r in c.relatives if r.relative_cadre_id == signer_id), None)
                if link is None and signer is not None:
                    link = next((r for r in signer.relatives
                                 if r.relative_cadre_id == c.cadre_id), None)
                if link is None:
                    continue
                name = signer.full_name if signer is not None else k.decision.signer
                how = (f"quyết định do {name}, người có quan hệ gia đình "
                       f"({label(link.relation).lower()}), ký")
                evidence = (k.position, link.position)
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=None, decision=k.decision,
                effective_on=k.decided_on, evidence=evidence,
                summary=(f"{c.full_name} được khen thưởng ({label(k.form)}) ngày "
                         f"{_d(k.decided_on)}: {how}.")))
    return findings


# --- job positions (vị trí việc làm) --------------------------------------------------------

# What a job position's standard asks, by field: (qualification kind, how it reads).
POSITION_LEVELS = (("education", "trình độ chuyên môn"), ("political_theory", "lý luận chính trị"),
                   ("state_management", "quản lý nhà nước"))
POSITION_CERTIFICATES = (("it", "tin học"), ("language", "ngoại ngữ"))


def below_job_position_standard(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A cadre employed in a job position whose standards in force they do not meet: judged on
    the day the employment begins, and again on each day a new version of the standards
    begins while they are employed there (by as_of)."""
    findings = []
    for c in record.cadres:
        first = c.employments[0].effective_on if c.employments else None
        for e, until in _employment_spans(c):
            job = record.job_positions.get(e.job_position_id) if e.job_position_id else None
            if job is None or first is None:
                continue
            days = [e.effective_on, *(s.valid_from for s in job.standards
                                      if e.effective_on < s.valid_from
                                      and (until is None or s.valid_from < until))]
            for day in days:
                v, standards = pack.version_for("below_job_position_standard", day), \
                    job.standards_on(day)
                if v is None or standards is None or day > record.as_of:
                    continue
                missing = _missing_standards(c, standards, day, first)
                if not missing:
                    continue
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=e.unit_id, decision=e.decision,
                    effective_on=day, evidence=(e.position, job.registered_position),
                    summary=(f"{c.full_name} làm việc ở vị trí {job.name} ({job.code}) từ "
                             f"{_d(e.effective_on)} nhưng ngày {_d(day)} chưa đạt tiêu chuẩn "
                             f"của vị trí (áp dụng từ {_d(standards.valid_from)}): "
                             f"{'; '.join(missing)}.")))
    return findings


def _employment_spans(c: CadreFacts) -> list[tuple[EmploymentFact, date | None]]:
    """Each employment entry with the day the next one begins (None: still in force)."""
    ends = [n.effective_on for n in c.employments[1:]]
    return [(e, ends[i] if i < len(ends) else None) for i, e in enumerate(c.employments)]


def _missing_standards(c: CadreFacts, s: PositionStandards, day: date,
                       first_employed: date) -> list[str]:
    missing = []
    for kind, name in POSITION_LEVELS:
        required = getattr(s, kind)
        if required is None:
            continue
        held = c.level_on(kind, day)
        order = LEVEL_ORDERS[kind]
        if held is None or order.get(held.level, 0) < order.get(str(required), 0):
            shown = label(held.level).lower() if held else "chưa có"
            missing.append(f"{name} {shown}, yêu cầu {label(str(required)).lower()}")
    for kind, name in POSITION_CERTIFICATES:
        required = getattr(s, kind)
        if required is not None and c.level_on(kind, day) is None:
            missing.append(f"chưa có chứng chỉ {name}, yêu cầu {required}")
    years = s.experience_years
    if years and _full_years(first_employed, day) < years:
        missing.append(f"kinh nghiệm {_full_years(first_employed, day)} năm, yêu cầu {years} "
                       "năm")
    return missing


def _full_years(since: date, day: date) -> int:
    return day.year - since.year - ((day.month, day.day) < (since.month, since.day))


def job_position_vacant(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A job position no one is employed in for longer than allowed: from the day its data
    applies from (or since the last person left) until someone is employed there, or as_of."""
    spans: dict[UUID, list[tuple[date, date | None, int]]] = {}
    for c in record.cadres:
        for e, until in _employment_spans(c):
            if e.job_position_id is not None:
                spans.setdefault(e.job_position_id, []).append((e.effective_on, until,
                                                                e.position))
    findings = []
    for job in record.job_positions.values():
        unit = record.units.get(job.unit_id)
        stop = record.as_of + timedelta(days=1)
        if unit is not None and unit.ended_on is not None:
            stop = min(stop, unit.ended_on)
        empty_from: date | None = job.established_on or job.recorded_on
        for since, until, _ in sorted(spans.get(job.position_id, []), key=lambda s: s[0]):
            if empty_from is not None and since > empty_from:
                findings += _position_vacancy(record, pack, job, empty_from, min(since, stop))
            if until is None:
                empty_from = None
                break
            empty_from = until if empty_from is None else max(empty_from, until)
        if empty_from is not None:
            findings += _position_vacancy(record, pack, job, empty_from, stop)
    return findings


def _position_vacancy(record: RecordFacts, pack: RulePack, job: JobPositionFacts,
                      empty_from: date,
                      refilled: date) -> list[Finding]:
    v = pack.version_for("job_position_vacant", empty_from)
    if v is None:
        return []
    limit, days = int(v.param("max_vacant_days")), (refilled - empty_from).days
    # The first day on which the position has been empty for more than `limit` days.
    breached = empty_from + timedelta(days=limit)
    if days <= limit or breached > record.as_of:
        return []
    ongoing = refilled > record.as_of
    how = (f"đến ngày {_d(record.as_of)} vẫn chưa có người ({days} ngày)" if ongoing
           else f"đến ngày {_d(refilled)} mới có người ({days} ngày)")
    return [_finding(
        v, cadre_id=None, unit_id=job.unit_id, decision=None, effective_on=breached,
        evidence=(job.registered_position,),
        summary=(f"Vị trí việc làm {job.name} ({job.code}) để trống từ ngày {_d(empty_from)}, "
                 f"{how}, quá {limit} ngày."))]


# --- authority (phân cấp quản lý cán bộ) -------------------------------------------------------

# Management tiers are free codes defined with titles (contract); the usual ones by name.
TIER_NAMES = {"thanh_uy": "Thành ủy, Tỉnh ủy", "tinh_uy": "Tỉnh ủy, Thành ủy",
              "quan_uy": "Quận ủy, Huyện ủy", "huyen_uy": "Huyện ủy, Quận ủy",
              "dang_uy": "Đảng ủy cấp xã"}
ACTION_NAMES = {"appoint": "bổ nhiệm", "reappoint": "bổ nhiệm lại", "plan": "phê duyệt quy hoạch",
                "discipline": "kỷ luật"}


def _tier(record: RecordFacts, title_code: str, day: date) -> str | None:
    """The management tier of a title on a day (one place to read it)."""
    title = record.titles.get(title_code)
    return title.tier if title else None


def _incompetence(record: RecordFacts, pack: RulePack, v: RuleVersion, action: str,
                  title_code: str, decision: Decision, day: date) -> str | None:
    """Why the decision's body could not decide `action` for the title on `day` (None: it
    could, or the table, the tier or the body is not known)."""
    tier = _tier(record, title_code, day)
    allowed = v.params.get("authority", {}).get(action, {}).get(tier or "")
    body = pack.body_for(decision.issuer_code, decision.issuer)
    if allowed is None or body is None or body.code in allowed:
        return None
    competent = "; ".join(b.name for code in allowed if (b := pack.body(code)) is not None)
    return (f"{body.name} không có thẩm quyền {ACTION_NAMES[action]} chức danh "
            f"{_title_name(record, title_code)} (diện {TIER_NAMES.get(tier or '', tier)} quản "
            f"lý); thẩm quyền thuộc: "
            f"{competent}")


def _authority_action(v: RuleVersion, h: HoldingFact) -> str | None:
    if h.kind == "bau_cu":
        return None
    kind = "bo_nhiem_lai" if h.renews is not None else h.kind
    action = v.params.get("actions", {}).get(kind)
    return str(action) if action else None


def issuer_not_competent(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment, reappointment, planning or discipline decided by a body the delegation
    table does not name for the title's management tier; like every rule, the table in force
    on the date the decision takes effect judges it."""
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            v = pack.version_for("issuer_not_competent", h.since)
            action = _authority_action(v, h) if v is not None else None
            why = None if v is None or action is None else _incompetence(
                record, pack, v, action, h.title_code, h.decision, h.since)
            if v is not None and why:
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                    effective_on=h.since, evidence=(h.position,),
                    summary=(f"{c.full_name}: quyết định {h.decision.describe()} "
                             f"({_post(record, h)} từ ngày {_d(h.since)}) — {why}.")))
        for p in c.plannings:
            v = pack.version_for("issuer_not_competent", p.decided_on)
            why = None if v is None else _incompetence(record, pack, v, "plan", p.title_code,
                                                        p.decision, p.decided_on)
            if v is not None and why:
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=p.unit_id, decision=p.decision,
                    effective_on=p.decided_on, evidence=(p.position,),
                    summary=(f"{c.full_name}: quyết định quy hoạch {p.decision.describe()} "
                             f"— {why}.")))
        for d in c.disciplines:
            v = pack.version_for("issuer_not_competent", d.effective_on)
            held = [h for h in c.holdings if h.active_on(d.effective_on)]
            if v is None or not held:
                continue
            top = max(held, key=lambda h: record.rank(h.title_code))
            why = _incompetence(record, pack, v, "discipline", top.title_code, d.decision,
                                d.effective_on)
            if why:
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=top.unit_id, decision=d.decision,
                    effective_on=d.effective_on, evidence=(d.position, top.position),
                    summary=(f"{c.full_name}: quyết định kỷ luật {d.decision.describe()} "
                             f"— {why}.")))
    return findings


# --- the process behind an appointment (hồ sơ bổ nhiệm) -------------------------------------------

STEP_NAMES = {"chu_truong": "chủ trương", "gioi_thieu": "giới thiệu nhân sự",
              "lay_phieu": "lấy phiếu tín nhiệm", "tham_dinh": "thẩm định",
              "quyet_dinh": "quyết định"}


def _dossiers(c: CadreFacts) -> Iterator[tuple[HoldingFact, list[DossierStepFact]]]:
    """Each holding with a dossier, and its steps by date (then by the procedure's order)."""
    for h in c.holdings:
        steps = [s for s in c.dossier_steps if s.holding_id == h.holding_id]
        if steps:
            yield h, sorted(steps, key=lambda s: (s.on, s.position))


def dossier_steps(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment whose dossier lacks a required step, or holds two steps out of order."""
    findings = []
    for c in record.cadres:
        for h, steps in _dossiers(c):
            v = pack.version_for("dossier_steps", h.decision.signed_on)
            if v is None:
                continue
            order = [str(x) for x in v.param("steps")]
            held = {s.step: s for s in steps}
            missing = [x for x in v.param("required") if x not in held]
            wrong = [(a, b) for a, b in zip(order, order[1:], strict=False)
                     if a in held and b in held and held[b].on < held[a].on]
            if not missing and not wrong:
                continue
            parts = []
            if missing:
                parts.append("thiếu bước " + ", ".join(STEP_NAMES.get(x, x) for x in missing))
            for a, b in wrong:
                parts.append(f"bước {STEP_NAMES.get(b, b)} ({_d(held[b].on)}) thực hiện "
                             f"trước bước {STEP_NAMES.get(a, a)} ({_d(held[a].on)})")
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position, *(s.position for s in steps)),
                summary=(f"Hồ sơ bổ nhiệm {c.full_name} ({_post(record, h)} từ ngày "
                         f"{_d(h.since)}): {'; '.join(parts)}.")))
    return findings


def dossier_vote_share(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A confidence vote (lấy phiếu tín nhiệm) of the dossier below the required share."""
    findings = []
    for c in record.cadres:
        for h, steps in _dossiers(c):
            v = pack.version_for("dossier_vote_share", h.decision.signed_on)
            if v is None:
                continue
            minimum = float(v.param("min_share_percent"))
            strict = bool(v.params.get("strictly_above", False))
            for s in steps:
                if s.step != "lay_phieu" or s.votes_for is None or not s.votes_total:
                    continue
                share = 100.0 * s.votes_for / s.votes_total
                if share > minimum or (not strict and share >= minimum):
                    continue
                bound = "trên" if strict else "từ"
                findings.append(_finding(
                    v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                    effective_on=h.since, evidence=(h.position, s.position),
                    summary=(f"{c.full_name} được bổ nhiệm {_post(record, h)} ngày "
                             f"{_d(h.since)} với {s.votes_for}/{s.votes_total} phiếu tín "
                             f"nhiệm ({_pct(share)}%), chưa đạt {bound} {_pct(minimum)}% "
                             f"tổng số người được triệu tập.")))
    return findings


def decision_before_dossier(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment decision signed before the last step of its dossier."""
    findings = []
    for c in record.cadres:
        for h, steps in _dossiers(c):
            v = pack.version_for("decision_before_dossier", h.decision.signed_on)
            before = [s for s in steps if s.step != "quyet_dinh"]
            if v is None or not before or before[-1].on <= h.decision.signed_on:
                continue
            last = before[-1]
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position, last.position),
                summary=(f"Quyết định {h.decision.describe()} bổ nhiệm {c.full_name} "
                         f"({_post(record, h)}) ký trước bước {STEP_NAMES.get(last.step, last.step)} "
                         f"ngày {_d(last.on)} của hồ sơ.")))
    return findings


# --- asset declarations and foreign travel ------------------------------------------------------


def no_asset_declaration(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """An appointment without a declaration for it (kê khai phục vụ công tác cán bộ) made in
    the window before the decision; judged from the first declaration the store keeps."""
    first = min((x.declared_on for c in record.cadres for x in c.declarations), default=None)
    if first is None:
        return []
    findings = []
    for c in record.cadres:
        for h in c.holdings:
            signed = h.decision.signed_on
            v = pack.version_for("no_asset_declaration", signed)
            if v is None or signed < first or not _judged(v, h):
                continue
            latest = signed - timedelta(days=int(v.param("days_before")))
            earliest = add_months(signed, -int(v.param("window_months")))
            kinds = {str(k) for k in v.param("declaration_kinds")}
            if any(x.kind in kinds and earliest <= x.declared_on <= latest
                   for x in c.declarations):
                continue
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=h.unit_id, decision=h.decision,
                effective_on=h.since, evidence=(h.position,),
                summary=(f"{c.full_name} được bổ nhiệm {_post(record, h)} theo quyết định ký "
                         f"ngày {_d(signed)} mà không có bản kê khai tài sản, thu nhập phục vụ "
                         f"công tác cán bộ từ {_d(earliest)} đến {_d(latest)} (chậm nhất "
                         f"{v.param('days_before')} ngày trước ngày bổ nhiệm).")))
    return findings


def travel_without_permission(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """A trip abroad with no permitting decision, or one signed after the departure."""
    findings = []
    for c in record.cadres:
        for t in c.travels:
            v = pack.version_for("travel_without_permission", t.departed_on)
            if v is None or (t.permission is not None
                             and t.permission.signed_on <= t.departed_on):
                continue
            why = ("không có quyết định cho phép" if t.permission is None else
                   f"quyết định cho phép {t.permission.describe()} ký sau ngày đi")
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=_main_unit(record, c, t.departed_on),
                decision=t.permission, effective_on=t.departed_on, evidence=(t.position,),
                summary=(f"{c.full_name} đi nước ngoài từ {_d(t.departed_on)} đến "
                         f"{_d(t.returned_on)}: {why}.")))
    return findings


def travel_without_report(record: RecordFacts, pack: RulePack) -> list[Finding]:
    """Back from abroad and no report (báo cáo kết quả chuyến đi) within the days allowed."""
    findings = []
    for c in record.cadres:
        for t in c.travels:
            v = pack.version_for("travel_without_report", t.returned_on)
            if v is None:
                continue
            due = t.returned_on + timedelta(days=int(v.param("report_days")))
            late = t.reported_on is not None and t.reported_on > due
            if not late and (t.reported_on is not None or record.as_of <= due):
                continue
            what = (f"báo cáo ngày {_d(t.reported_on)}, quá hạn" if late and t.reported_on
                    else "chưa báo cáo kết quả chuyến đi")
            evidence = (t.position, t.report_position) if t.report_position else (t.position,)
            findings.append(_finding(
                v, cadre_id=c.cadre_id, unit_id=_main_unit(record, c, t.returned_on),
                decision=t.permission, effective_on=due + timedelta(days=1), evidence=evidence,
                summary=(f"{c.full_name} về nước ngày {_d(t.returned_on)}, {what} (hạn "
                         f"{_d(due)}).")))
    return findings


CHECKS: dict[str, Check] = {
    "discipline_bar": discipline_bar,
    "not_in_planning": not_in_planning,
    "retirement_horizon": retirement_horizon,
    "min_time_in_post": min_time_in_post,
    "no_vetting": no_vetting,
    "title_standards": title_standards,
    "long_tenure": long_tenure,
    "head_term_limit": head_term_limit,
    "reappointment_overdue": reappointment_overdue,
    "relatives_linked_posts": relatives_linked_posts,
    "excellent_quota": excellent_quota,
    "missing_evaluation": missing_evaluation,
    "removal_grounds": removal_grounds,
    "pre_departure_appointments": pre_departure_appointments,
    "express_promotion": express_promotion,
    "backdated_record": backdated_record,
    "identity_data_changed": identity_data_changed,
    "vacant_head_post": vacant_head_post,
    "commendation_while_disciplined": commendation_while_disciplined,
    "commendation_below_rating": commendation_below_rating,
    "commendation_own_circle": commendation_own_circle,
    "extension_to_retirement": extension_to_retirement,
    "below_job_position_standard": below_job_position_standard,
    "job_position_vacant": job_position_vacant,
    "issuer_not_competent": issuer_not_competent,
    "dossier_steps": dossier_steps,
    "dossier_vote_share": dossier_vote_share,
    "decision_before_dossier": decision_before_dossier,
    "no_asset_declaration": no_asset_declaration,
    "travel_without_permission": travel_without_permission,
    "travel_without_report": travel_without_report,
}
