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

from domain.values import (
    EDUCATION_ORDER,
    GRADE_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
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
FACT_KINDS = {
    "Evaluated": "evaluation",
    "TrainingRecorded": "training",
    "Disciplined": "discipline",
    "Vetted": "vetting",
    "Nominated": "nomination",
    "RelativeAdded": "relative",
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
    """Personal data erased (crypto-shredding): scrub the cadre's identity from every row."""

    cadre_id: UUID


Op = Open | Close | Supersede | Erase


class Known(Protocol):
    """Rows in force before this event, as far as a correction or an ending needs them."""

    def open_row(self, table: str, column: str, value: Any) -> dict[str, Any] | None: ...

    def entry(self, position: int) -> dict[str, Any] | None: ...

    def title_name(self, code: str) -> str: ...

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


def summary(type_: str, p: Mapping[str, Any], known: Known) -> str:
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
        return f"Đánh giá, xếp loại kỳ {p['period']}: {label(_code(p['rating']))}"
    if type_ == "TrainingRecorded":
        done = _day(p.get("completed_on"))
        end = f", hoàn thành ngày {done:%d/%m/%Y}" if done else " (đang học)"
        return f"Đào tạo, bồi dưỡng: {label(str(p['program']))}{end}"
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
            sector=p.get("sector"), standards=jsonable(standards), position=position)))
    elif aggregate == "Cadre":
        ops += _cadre(type_, event.originator_id, p, position, recorded_at, known)
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


def _cadre(type_: str, cadre_id: UUID, p: dict[str, Any], position: int,
           recorded_at: datetime, known: Known) -> list[Op]:
    ops: list[Op] = []
    if type_ == "Corrected":
        target = int(p["target_position"])
        target_entry = known.entry(target)
        target_type = str(p["target_type"])
        replacement = p.get("replacement")
        ops.append(Supersede(target, "retracted" if replacement is None else "corrected"))
        fact_key = target_entry["fact_key"] if target_entry else None
        if replacement is None:
            ops += _retract(target_type, target, fact_key, position, known)
            ops.append(_entry(cadre_id, "Corrected", position, recorded_at, p,
                              f"Thu hồi mục #{target}: {p.get('reason', '')}", fact_key,
                              target))
        else:
            r = dict(replacement)
            if target_type not in ("HoldingEnded", "PlanningRemoved"):
                # An ending's replacement closes and reopens the holding itself.
                ops += _retract(target_type, target, fact_key, position, known)
            fact_ops, key = _fact(target_type, cadre_id, r, position, known, correction=True,
                                  fact_key=fact_key)
            ops += fact_ops
            ops.append(_entry(cadre_id, "Corrected", position, recorded_at, p,
                              f"Đính chính mục #{target}: {summary(target_type, r, known)} "
                              f"— lý do: {p.get('reason', '')}", key, target))
        return ops
    if type_ == "PersonalDataErased":
        ops.append(Erase(cadre_id))
        ops.append(_entry(cadre_id, type_, position, recorded_at, p, summary(type_, p, known),
                          str(cadre_id), None))
        return ops
    fact_ops, key = _fact(type_, cadre_id, p, position, known, correction=False, fact_key=None)
    ops += fact_ops
    ops.append(_entry(cadre_id, type_, position, recorded_at, p, summary(type_, p, known), key,
                      None))
    return ops


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


def _fact(type_: str, cadre_id: UUID, p: dict[str, Any], position: int, known: Known, *,
          correction: bool, fact_key: str | None) -> tuple[list[Op], str]:
    """Rows opened by a fact (new, or a correction's replacement of the same type)."""
    ops: list[Op] = []
    if type_ == "Registered":
        before = known.open_row("cadres", "cadre_id", cadre_id) if correction else None
        ops.append(Open("cadres", dict(
            cadre_id=cadre_id, full_name=p["full_name"], name_folded=fold(p["full_name"]),
            gender=_code(p["gender"]), born_on=_day(p["born_on"]),
            party_joined_on=_day(p.get("party_joined_on")),
            sensitive=jsonable(p.get("sensitive")),
            registered_on=before["registered_on"] if before else _day(p.get("effective_on")),
            registered_by=before["registered_by"] if before else str(p.get("recorded_by", "")),
            entry_position=position)))
        for kind in ("education", "political_theory", "state_management"):
            ops += _levels(cadre_id, kind, p.get(kind), ALWAYS, position)
        return ops, str(cadre_id)
    if type_ == "Appointed":
        holding_id = _uuid(p["holding_id"])
        before = known.open_row("holdings", "holding_id", holding_id) if correction else None
        ops.append(Open("holdings", dict(
            holding_id=holding_id, cadre_id=cadre_id, unit_id=_uuid(p["unit_id"]),
            title_code=p["title_code"], kind=_code(p["kind"]), since=_day(p["effective_on"]),
            until=before["until"] if before else None,
            end_reason=before["end_reason"] if before else None,
            decision=jsonable(p["decision"]),
            ending_decision=before["ending_decision"] if before else None,
            special_case=bool(p.get("special_case")),
            planned_end_on=_day(p.get("planned_end_on")), appointed_position=position,
            ended_position=before["ended_position"] if before else None)))
        return ops, str(holding_id)
    if type_ == "HoldingEnded":
        holding_id = _uuid(p["holding_id"])
        before = known.open_row("holdings", "holding_id", holding_id)
        if before is not None:
            ops.append(Close("holdings", "holding_id", holding_id))
            ops.append(Open("holdings", {
                **_fresh(before), "until": _day(p["effective_on"]),
                "end_reason": _code(p["reason"]), "ending_decision": jsonable(p["decision"]),
                "ended_position": position}))
        return ops, str(holding_id)
    if type_ == "Planned":
        planning_id = _uuid(p["planning_id"])
        before = known.open_row("plannings", "planning_id", planning_id) if correction else None
        ops.append(Open("plannings", dict(
            planning_id=planning_id, cadre_id=cadre_id, unit_id=_uuid(p["unit_id"]),
            title_code=p["title_code"], term=p["term"], decided_on=_day(p["effective_on"]),
            removed_on=before["removed_on"] if before else None,
            decision=jsonable(p["decision"]), planned_position=position,
            removed_position=before["removed_position"] if before else None)))
        return ops, str(planning_id)
    if type_ == "PlanningRemoved":
        planning_id = _uuid(p["planning_id"])
        before = known.open_row("plannings", "planning_id", planning_id)
        if before is not None:
            ops.append(Close("plannings", "planning_id", planning_id))
            ops.append(Open("plannings", {**_fresh(before), "removed_on": _day(p["effective_on"]),
                                          "removed_position": position}))
        return ops, str(planning_id)
    if type_ == "QualificationObtained":
        ops += _levels(cadre_id, p["kind"], p["level"], _day(p["effective_on"]), position)
        return ops, str(position)
    fact_kind = FACT_KINDS.get(type_)
    if fact_kind is None:
        return ops, str(position)
    row: dict[str, Any] = dict(cadre_id=cadre_id, kind=fact_kind, code=None, period=None,
                               effective_on=_day(p.get("effective_on")), ends_on=None,
                               unit_id=None, entry_position=position)
    if type_ == "Evaluated":
        row.update(code=_code(p["rating"]), period=p["period"])
    elif type_ == "TrainingRecorded":
        row.update(code=str(p["program"]), effective_on=_day(p["started_on"]),
                   ends_on=_day(p.get("completed_on")))
        if p.get("confers_kind") and p.get("completed_on"):
            ops += _levels(cadre_id, p["confers_kind"], p["confers_level"],
                           _day(p["completed_on"]), position)
    elif type_ == "Disciplined":
        row.update(code=_code(p["form"]))
    elif type_ == "Vetted":
        row.update(code=str(p["purpose"]))
    elif type_ == "Nominated":
        row.update(unit_id=_uuid(p["unit_id"]), code=str(p["title_code"]))
    elif type_ == "RelativeAdded":
        row.update(code=_code(p["relation"]))
    keep = {"recorded_by", "effective_on"}
    row["payload"] = jsonable({k: v for k, v in p.items() if k not in keep})
    ops.append(Open("facts", row))
    return ops, str(position)


def _retract(type_: str, target: int, fact_key: str | None, position: int,
             known: Known) -> list[Op]:
    """Close what the target entry put in force (a correction then opens its replacement)."""
    if type_ == "Registered":
        return [Close("cadres", "entry_position", target), Close("levels", "entry_position",
                                                                 target)]
    if type_ in ("Appointed", "HoldingEnded"):
        holding_id = _uuid(fact_key)
        before = known.open_row("holdings", "holding_id", holding_id)
        if before is None:
            return []
        ops: list[Op] = [Close("holdings", "holding_id", holding_id)]
        if type_ == "HoldingEnded":
            # The holding runs on until a replacement ending (if any) closes it again.
            ops.append(Open("holdings", {**_fresh(before), "until": None, "end_reason": None,
                                         "ending_decision": None, "ended_position": None}))
        return ops
    if type_ in ("Planned", "PlanningRemoved"):
        planning_id = _uuid(fact_key)
        before = known.open_row("plannings", "planning_id", planning_id)
        if before is None:
            return []
        ops = [Close("plannings", "planning_id", planning_id)]
        if type_ == "PlanningRemoved":
            ops.append(Open("plannings", {**_fresh(before), "removed_on": None,
                                          "removed_position": None}))
        return ops
    if type_ == "QualificationObtained":
        return [Close("levels", "entry_position", target)]
    if type_ == "TrainingRecorded":
        return [Close("facts", "entry_position", target), Close("levels", "entry_position",
                                                                target)]
    return [Close("facts", "entry_position", target)]


def _fresh(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a row without its identity and record interval, to open it again."""
    return {k: v for k, v in row.items() if k not in ("id", "rec_from", "rec_to")}
