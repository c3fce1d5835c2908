"""Pure event → row functions: what one event changes in the read-model tables.

`changes(event, position, recorded_at, known)` returns a list of row operations; it reads
nothing but its arguments and `known` (the rows currently in force that a correction or an
ending must copy), so it is tested without a database. The runner executes the operations.

Bitemporal rows: `Open` inserts a row in force from `position`; `Close` ends the record
interval of the rows in force with a key at `position` (their `rec_to`). Nothing is updated in
place except an entry's `superseded_at`, which is itself a recorded fact with its position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

import orjson

from domain.cadre import Cadre
from domain.calendar import period_name
from domain.record import (
    FACT_TYPES,
    Add,
    Appointment,
    Commendation,
    Discipline,
    Drop,
    Effect,
    Employment,
    End,
    Ending,
    Evaluation,
    Fact,
    Hold,
    Identify,
    Nomination,
    Plan,
    Planning,
    PlanningRemoval,
    Qualification,
    Registration,
    Relative,
    Remove,
    Renew,
    Restore,
    Resume,
    Suspension,
    Training,
    Unplan,
    Unrenew,
    Vetting,
    Withdraw,
    apply_correction,
    effects_of,
    fact_from,
    fact_of,
    subject_of,
)
from domain.values import (
    EDUCATION_ORDER,
    GRADE_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    Mentions,
    allowance_text,
    fold,
    label,
)

# Registration levels have no date of their own: they count on every date.
ALWAYS = date(1, 1, 1)
LEVEL_ORDERS: dict[str, Mapping[Any, int]] = {
    "political_theory": POLITICAL_THEORY_ORDER,
    "state_management": STATE_MANAGEMENT_ORDER,
    "education": EDUCATION_ORDER,
    "grade": GRADE_ORDER,
}


@dataclass(frozen=True)
class Open:
    table: str
    row: dict[str, Any]


@dataclass(frozen=True)
class Close:
    table: str
    column: str
    value: Any


@dataclass(frozen=True)
class Supersede:
    """The entry at `target` stopped being in force at the correction's position."""

    target: int
    how: str  # corrected | retracted


@dataclass(frozen=True)
class Erase:
    """Personal data erased (crypto-shredding): scrub the cadre's identity from their rows, and
    the name from the entries that mention it (`mentions`; None: not recorded, a v1 erasure)."""

    cadre_id: UUID
    mentions: Mentions | None = None


Op = Open | Close | Supersede | Erase


class Known(Protocol):
    """Rows in force before this event, as far as a correction or an ending needs them."""

    def open_row(self, table: str, column: str, value: Any) -> dict[str, Any] | None: ...

    def entry(self, position: int) -> dict[str, Any] | None: ...

    def title_name(self, code: str) -> str: ...

    def programme_name(self, code: str) -> str: ...

    def unit_name(self, unit_id: UUID, day: date) -> str: ...


def event_type(event: Any) -> str:
    return type(event).__qualname__.split(".")[-1]


def aggregate_type(event: Any) -> str:
    return type(event).__qualname__.split(".")[0]


def jsonable(value: Any) -> Any:
    """A value as plain JSON (dates ISO, UUIDs as text, enums as codes, dataclasses as dicts).

    orjson serialises all of these natively; a round trip through it is several times faster
    than walking the value in Python, and this runs for every event of a rebuild.
    """
    if value is None or type(value) in (str, int, bool, float):
        return value
    return orjson.loads(orjson.dumps(value, default=_json_default,
                                     option=orjson.OPT_NON_STR_KEYS))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _code(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value if isinstance(value, Enum) else value)


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _uuid(value: Any) -> UUID | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, UUID) else UUID(str(value))


def _decision_text(decision: Any) -> str:
    d = jsonable(decision)
    if not d:
        return ""
    signed = _day(d.get("signed_on"))
    when = f" ngày {signed:%d/%m/%Y}" if signed else ""
    return f" (QĐ số {d.get('number')}{when} của {d.get('issuer')})"


def payload_of(event: Any) -> dict[str, Any]:
    skip = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in vars(event).items() if k not in skip}


# --- summaries (Vietnamese, for the hồ sơ công vụ) -------------------------------------------


def entry_summary(type_: str, p: Mapping[str, Any], known: Known) -> str:
    day = _day(p.get("effective_on")) or ALWAYS
    if type_ == "Registered":
        return f"Lập hồ sơ cán bộ {p.get('full_name', '')}"
    if type_ == "Appointed":
        unit_id = _uuid(p["unit_id"])
        assert unit_id is not None
        return (f"{label(_code(p['kind']))}: {known.title_name(str(p['title_code']))}, "
                f"{known.unit_name(unit_id, day)}, từ ngày {day:%d/%m/%Y}"
                f"{_decision_text(p.get('decision'))}")
    if type_ == "HoldingEnded":
        unit_id = _uuid(p["unit_id"])
        assert unit_id is not None
        return (f"Thôi giữ chức {known.title_name(str(p['title_code']))}, "
                f"{known.unit_name(unit_id, day)} ({label(_code(p['reason']))}) từ ngày "
                f"{day:%d/%m/%Y}{_decision_text(p.get('decision'))}")
    if type_ == "Nominated":
        unit_id = _uuid(p["unit_id"])
        assert unit_id is not None
        return (f"Giới thiệu ứng cử {known.title_name(str(p['title_code']))}, "
                f"{known.unit_name(unit_id, day)}{_decision_text(p.get('decision'))}")
    if type_ == "Evaluated":
        return (f"Đánh giá, xếp loại {period_name(str(p['period']))}: "
                f"{label(_code(p['rating']))}")
    if type_ == "TrainingRecorded":
        done = _day(p.get("completed_on"))
        end = f", hoàn thành ngày {done:%d/%m/%Y}" if done else " (đang học)"
        program = str(p["program"])
        named = known.programme_name(program)  # the catalogue's name; else as recorded
        return f"Đào tạo, bồi dưỡng: {named if named != program else label(program)}{end}"
    if type_ == "QualificationObtained":
        return f"Trình độ {label(_code(p['kind']))}: {label(_code(p['level']))}"
    if type_ == "Planned":
        unit_id = _uuid(p["unit_id"])
        assert unit_id is not None
        return (f"Quy hoạch {known.title_name(str(p['title_code']))}, "
                f"{known.unit_name(unit_id, day)}, nhiệm kỳ {p['term']}")
    if type_ == "PlanningRemoved":
        return (f"Đưa ra khỏi quy hoạch {known.title_name(str(p['title_code']))}, nhiệm kỳ "
                f"{p['term']}")
    if type_ == "Disciplined":
        return f"Kỷ luật: {label(_code(p['form']))} ({p.get('violation', '')})"
    if type_ == "Vetted":
        return (f"Thẩm định, bảo vệ chính trị nội bộ ({p.get('purpose', '')}): "
                f"{label(_code(p['conclusion']))}")
    if type_ == "RelativeAdded":
        return f"Khai quan hệ gia đình: {label(_code(p['relation']))}"
    if type_ == "Employed":
        agency = _uuid(p["unit_id"])
        assert agency is not None
        kind = label(_code(p["employment_kind"])).lower()
        coefficient = str(p["coefficient"]).replace(".", ",")
        given = p.get("allowances") or ()
        allowances = ("; " + "; ".join(allowance_text(a).lower() for a in given)) if given else ""
        return (f"Từ ngày {day:%d/%m/%Y}: {known.unit_name(agency, day)} ({kind}), ngạch "
                f"{p['grade_name']} (mã {p['grade_code']}), bậc {p['salary_step']}, hệ số "
                f"{coefficient}{allowances}{_decision_text(p.get('decision'))}")
    if type_ == "Suspended":
        until = _day(p.get("until")) or day
        return (f"Tạm đình chỉ công tác từ ngày {day:%d/%m/%Y} đến ngày {until:%d/%m/%Y}"
                f"{_decision_text(p.get('decision'))}")
    if type_ == "Commended":
        level = f" ({label(_code(p['level'])).lower()})" if p.get("level") else ""
        return (f"Khen thưởng: {label(_code(p['form']))}{level}"
                f"{_decision_text(p.get('decision'))}")
    if type_ == "PersonalDataErased":
        return "Hủy dữ liệu cá nhân theo yêu cầu (Luật Bảo vệ dữ liệu cá nhân)"
    return type_


# --- the row functions ----------------------------------------------------------------------


def changes(event: Any, position: int, recorded_at: datetime, known: Known) -> list[Op]:
    """Row operations for one event at a log position."""
    aggregate, type_ = aggregate_type(event), event_type(event)
    p = payload_of(event)
    ops: list[Op] = [Open("log", dict(
        position=position, recorded_at=recorded_at, recorded_by=str(p.get("recorded_by", "")),
        type=f"{aggregate}.{type_}", originator_id=event.originator_id,
        cadre_id=event.originator_id if aggregate == "Cadre" else None))]
    if aggregate == "Unit":
        ops += _unit(type_, event.originator_id, p, position)
    elif aggregate == "Title" and type_ == "Registered":
        standards = p.get("standards")
        ops.append(Open("titles", dict(
            code=p["code"], name=p["name"], is_head=bool(p["is_head"]),
            management_tier=p["management_tier"], rank=int(p.get("rank") or 0),
            sector=p.get("sector"), standards=jsonable(standards),
            unit_kinds=jsonable(p.get("unit_kinds")), levels=jsonable(p.get("levels")),
            area_head=p.get("area_head"), position=position)))
        ops.append(Open("title_versions", dict(
            code=p["code"], valid_from=None, management_tier=p["management_tier"],
            standards=jsonable(standards), source=None, position=position)))
    elif aggregate == "ProgrammeCatalogue" and type_ == "ProgrammeAdded":
        ops.append(Open("programmes", dict(code=p["code"], name=p["name"],
                                           kind=_code(p["kind"]), position=position)))
    elif aggregate == "Title" and type_ == "Revised":
        ops.append(Open("title_versions", dict(
            code=p["code"], valid_from=_day(p["effective_on"]),
            management_tier=p["management_tier"], standards=jsonable(p.get("standards")),
            source=p.get("source"), position=position)))
    elif aggregate == "Cadre":
        ops += _cadre(event, event.originator_id, p, position, recorded_at, known)
    return ops


def _unit(type_: str, unit_id: UUID, p: dict[str, Any], position: int) -> list[Op]:
    def fact(attr: str, value: Any) -> Open:
        return Open("unit_facts", dict(unit_id=unit_id, attr=attr, value=value,
                                       effective_on=_day(p.get("effective_on")),
                                       position=position))

    if type_ == "Registered":
        established = _day(p["established_on"])
        parent = _uuid(p.get("parent_id"))
        return [
            Open("units", dict(unit_id=unit_id, code=p["code"], kind=p["kind"],
                               established_on=established, position=position)),
            Open("unit_facts", dict(unit_id=unit_id, attr="name", value=p["name"],
                                    effective_on=established, position=position)),
            Open("unit_facts", dict(unit_id=unit_id, attr="parent",
                                    value=str(parent) if parent else None,
                                    effective_on=established, position=position)),
        ]
    if type_ == "Renamed":
        return [fact("name", p["new_name"])]
    if type_ == "Moved":
        parent = _uuid(p.get("new_parent_id"))
        return [fact("parent", str(parent) if parent else None)]
    if type_ == "MergedInto":
        return [fact("end", str(_uuid(p["into_unit_id"])))]
    if type_ == "Dissolved":
        return [fact("end", None)]
    return []  # head seats and absorptions change nothing a query reads


def _cadre(event: Any, cadre_id: UUID, p: dict[str, Any], position: int,
           recorded_at: datetime, known: Known) -> list[Op]:
    type_ = event_type(event)
    ops: list[Op] = []
    if isinstance(event, Cadre.Corrected):
        target = int(p["target_position"])
        target_entry = known.entry(target)
        target_type = FACT_TYPES[str(p["target_type"])]
        replacement = p.get("replacement")
        ops.append(Supersede(target, "retracted" if replacement is None else "corrected"))
        fact_key = target_entry["fact_key"] if target_entry else None
        subject = _uuid(fact_key) if target_type in SUBJECT_TYPES else None
        fact = None if replacement is None else fact_of(target_type, replacement)
        ops += _effects(apply_correction(target_type, target, subject, fact, position),
                        cadre_id, known, "")
        if fact is None:
            ops.append(_entry(cadre_id, "Corrected", position, recorded_at, p,
                              f"Thu hồi mục #{target}: {p.get('reason', '')}", fact_key,
                              target))
        else:
            ops.append(_entry(cadre_id, "Corrected", position, recorded_at, p,
                              f"Đính chính mục #{target}: "
                              f"{entry_summary(target_type.entry_type, fact.payload(), known)} "
                              f"— lý do: {p.get('reason', '')}",
                              _fact_key(fact, cadre_id, position), target))
        return ops
    if isinstance(event, Cadre.PersonalDataErased):
        ops.append(Erase(cadre_id, p.get("mentions")))
        ops.append(_entry(cadre_id, type_, position, recorded_at, p, entry_summary(type_, p, known),
                          str(cadre_id), None))
        return ops
    fact = fact_from(event)
    ops += _effects(effects_of(fact, position), cadre_id, known, str(p.get("recorded_by", "")))
    ops.append(_entry(cadre_id, type_, position, recorded_at, p, entry_summary(type_, p, known),
                      _fact_key(fact, cadre_id, position), None))
    return ops


def _fact_key(fact: Fact, cadre_id: UUID, position: int) -> str:
    """What the entry row names as its fact: the cadre, the holding or planning, or itself."""
    if isinstance(fact, Registration):
        return str(cadre_id)
    subject = subject_of(fact)
    return str(subject if subject is not None else position)


def _entry(cadre_id: UUID, type_: str, position: int, recorded_at: datetime,
           p: Mapping[str, Any], text: str, fact_key: str | None,
           target: int | None) -> Open:
    return Open("entries", dict(
        position=position, cadre_id=cadre_id, type=type_,
        effective_on=_day(p.get("effective_on")) or recorded_at.date(),
        recorded_at=recorded_at, recorded_by=str(p.get("recorded_by", "")),
        decision=jsonable(p.get("decision")), summary=text, fact_key=fact_key,
        target_position=target, superseded_at=None, superseded_how=None))


def _levels(cadre_id: UUID, kind: Any, level: Any, obtained_on: date | None,
            position: int) -> list[Op]:
    kind_code, level_code = _code(kind), _code(level)
    if not kind_code or not level_code:
        return []
    rank = LEVEL_ORDERS.get(kind_code, {}).get(level_code, 0)
    return [Open("levels", dict(cadre_id=cadre_id, kind=kind_code, level=level_code,
                                rank=int(rank), obtained_on=obtained_on or ALWAYS,
                                entry_position=position))]


def _effects(effects: list[Effect], cadre_id: UUID, known: Known,
             recorded_by: str) -> list[Op]:
    """The rows the effects of one entry (domain.record) close and open."""
    ops: list[Op] = []
    for effect in effects:
        if isinstance(effect, Identify):
            ops += _identify(effect, cadre_id, known, recorded_by)
        elif isinstance(effect, Hold):
            a = effect.appointment
            holding_id = _uuid(a.holding_id)
            before = known.open_row("holdings", "holding_id", holding_id) if effect.revision \
                else None
            if before is not None:
                ops.append(Close("holdings", "holding_id", holding_id))
            ops.append(Open("holdings", dict(
                holding_id=holding_id, cadre_id=cadre_id, unit_id=_uuid(a.unit_id),
                title_code=a.title_code, kind=_code(a.kind), since=_day(a.effective_on),
                until=before["until"] if before else None,
                end_reason=before["end_reason"] if before else None,
                decision=jsonable(a.decision),
                ending_decision=before["ending_decision"] if before else None,
                special_case=bool(a.special_case),
                planned_end_on=_day(a.planned_end_on), appointed_position=effect.place,
                ended_position=before["ended_position"] if before else None)))
        elif isinstance(effect, End):
            e = effect.ending
            ops += _reopen("holdings", "holding_id", _uuid(e.holding_id), known, {
                "until": _day(e.effective_on), "end_reason": _code(e.reason),
                "ending_decision": jsonable(e.decision), "ended_position": effect.place})
        elif isinstance(effect, Resume):
            # The holding runs on until a replacement ending (if any) closes it again.
            ops += _reopen("holdings", "holding_id", _uuid(effect.holding_id), known, {
                "until": None, "end_reason": None, "ending_decision": None,
                "ended_position": None})
        elif isinstance(effect, Renew):
            # The term renewed runs until the renewal, without an ending (no reason, no
            # decision); `ended_position` names the renewal, so that its retraction finds it.
            ops += _reopen("holdings", "holding_id", effect.renewed, known, {
                "until": effect.on, "end_reason": None, "ending_decision": None,
                "ended_position": effect.place})
        elif isinstance(effect, Unrenew):
            renewed = known.open_row("holdings", "ended_position", effect.place)
            if renewed is not None and renewed["end_reason"] is None:
                ops += _reopen("holdings", "holding_id", renewed["holding_id"], known, {
                    "until": None, "ended_position": None})
        elif isinstance(effect, Withdraw):
            ops += _close("holdings", "holding_id", _uuid(effect.holding_id), known)
        elif isinstance(effect, Plan):
            pl = effect.planning
            planning_id = _uuid(pl.planning_id)
            before = known.open_row("plannings", "planning_id", planning_id) \
                if effect.revision else None
            if before is not None:
                ops.append(Close("plannings", "planning_id", planning_id))
            ops.append(Open("plannings", dict(
                planning_id=planning_id, cadre_id=cadre_id, unit_id=_uuid(pl.unit_id),
                title_code=pl.title_code, term=pl.term, decided_on=_day(pl.effective_on),
                removed_on=before["removed_on"] if before else None,
                decision=jsonable(pl.decision), planned_position=effect.place,
                removed_position=before["removed_position"] if before else None)))
        elif isinstance(effect, Remove):
            ops += _reopen("plannings", "planning_id", _uuid(effect.removal.planning_id),
                           known, {"removed_on": _day(effect.removal.effective_on),
                                   "removed_position": effect.place})
        elif isinstance(effect, Restore):
            ops += _reopen("plannings", "planning_id", _uuid(effect.planning_id), known,
                           {"removed_on": None, "removed_position": None})
        elif isinstance(effect, Unplan):
            ops += _close("plannings", "planning_id", _uuid(effect.planning_id), known)
        elif isinstance(effect, Add):
            ops += _standalone(effect.fact, cadre_id, effect.place)
        elif isinstance(effect, Drop):
            tables = DROPPED_FROM.get(effect.entry_type, ("facts",))
            ops += [Close(table, "entry_position", effect.place) for table in tables]
    return ops


# Where a stand-alone entry's rows are, so that its correction closes them.
DROPPED_FROM: dict[type[Fact], tuple[str, ...]] = {
    Qualification: ("levels",),
    Training: ("facts", "levels"),
}
SUBJECT_TYPES = (Appointment, Ending, Planning, PlanningRemoval)


def _identify(effect: Identify, cadre_id: UUID, known: Known, recorded_by: str) -> list[Op]:
    r, position = effect.registration, effect.place
    ops: list[Op] = []
    before = None
    if effect.replaces is not None:
        ops += [Close("cadres", "entry_position", effect.replaces),
                Close("levels", "entry_position", effect.replaces)]
        before = known.open_row("cadres", "cadre_id", cadre_id)
    ops.append(Open("cadres", dict(
        cadre_id=cadre_id, full_name=r.full_name, name_folded=fold(r.full_name),
        gender=_code(r.gender), born_on=_day(r.born_on),
        party_joined_on=_day(r.party_joined_on), sensitive=jsonable(r.sensitive),
        registered_on=before["registered_on"] if before else _day(r.effective_on),
        registered_by=before["registered_by"] if before else recorded_by,
        entry_position=position)))
    for kind in ("education", "political_theory", "state_management"):
        ops += _levels(cadre_id, kind, getattr(r, kind), ALWAYS, position)
    return ops


def _reopen(table: str, column: str, key: UUID | None, known: Known,
            changed: dict[str, Any]) -> list[Op]:
    """Close the row in force for `key` and open it again with `changed`."""
    before = known.open_row(table, column, key)
    if before is None:
        return []
    return [Close(table, column, key), Open(table, {**_fresh(before), **changed})]


def _close(table: str, column: str, key: UUID | None, known: Known) -> list[Op]:
    if known.open_row(table, column, key) is None:
        return []
    return [Close(table, column, key)]


def _standalone(fact: Fact, cadre_id: UUID, position: int) -> list[Op]:
    """Rows opened by a fact that stands alone (new, or a correction's replacement)."""
    if isinstance(fact, Qualification):
        return _levels(cadre_id, fact.kind, fact.level, _day(fact.effective_on), position)
    ops: list[Op] = []
    row: dict[str, Any] = dict(cadre_id=cadre_id, kind=None, code=None, period=None,
                               effective_on=_day(fact.effective_on), ends_on=None,
                               unit_id=None, variant=None, entry_position=position)
    if isinstance(fact, Evaluation):
        row.update(kind="evaluation", code=_code(fact.rating), period=fact.period)
    elif isinstance(fact, Training):
        row.update(kind="training", code=str(fact.program), effective_on=_day(fact.started_on),
                   ends_on=_day(fact.completed_on))
        if fact.confers_kind and fact.completed_on:
            ops += _levels(cadre_id, fact.confers_kind, fact.confers_level,
                           _day(fact.completed_on), position)
    elif isinstance(fact, Discipline):
        row.update(kind="discipline", code=_code(fact.form))
    elif isinstance(fact, Vetting):
        row.update(kind="vetting", code=str(fact.purpose))
    elif isinstance(fact, Nomination):
        row.update(kind="nomination", unit_id=_uuid(fact.unit_id), code=str(fact.title_code))
    elif isinstance(fact, Relative):
        row.update(kind="relative", code=_code(fact.relation))
    elif isinstance(fact, Commendation):
        row.update(kind="commendation", code=_code(fact.form))
    elif isinstance(fact, Employment):
        row.update(kind="employment", code=str(fact.grade_code), unit_id=_uuid(fact.unit_id),
                   variant=_code(fact.employment_kind))
    elif isinstance(fact, Suspension):
        row.update(kind="suspension", code="tam_dinh_chi", ends_on=_day(fact.until))
    else:
        return ops
    row["payload"] = jsonable({k: v for k, v in fact.payload().items() if k != "effective_on"})
    ops.append(Open("facts", row))
    return ops


def _fresh(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a row without its identity and record interval, to open it again."""
    return {k: v for k, v in row.items() if k not in ("id", "rec_from", "rec_to")}
