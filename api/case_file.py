"""The case file (hồ sơ vụ việc, issue 18 part 5): everything the log says about one
inspection case, as one JSON document — the case's own events, its plan, the entries cited as
evidence and by the finding it came from, the finding's reviews, every decision involved — each
entry with its log position and chain hash, sealed with a certificate (inclusion proofs of every
cited position under a signed checkpoint) when the service has a signing key, so it can be
verified later against the log (`hoso verify-report FILE`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fastapi.encoders import jsonable_encoder

from domain.oversight import FindingReview, review_id_for
from infra.certificates import Certifier, canonical_digest
from infra.chain import CHAIN_TABLE
from projections.inspection_read import InspectionReader, cadres_named

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

FORMAT = "hoso-case-file/v1"


def case_file(runtime: Runtime, certifier: Certifier, case: dict[str, Any],
              m: Moment) -> dict[str, Any]:
    """The sealed case file of `case` (as `InspectionReader.case` gives it) at moment `m`."""
    read = InspectionReader(runtime.read_model)
    finding = case.get("finding") or None
    cited: dict[int, list[str]] = {}

    def cite(position: int, why: str) -> None:
        cited.setdefault(int(position), []).append(why)

    for evidence in case.get("evidence") or []:
        for position in evidence["log_positions"]:
            cite(position, "evidence")
    originators: list[UUID] = [case["id"]]
    if case.get("plan_id"):
        originators.append(case["plan_id"])
    if finding:
        for position in finding["evidence"]:
            cite(position, "finding_evidence")
        originators.append(review_id_for(finding["key"]))
    entries = read.log_entries(m, originators=originators, positions=list(cited))
    hashes = _chain_hashes(runtime, [e["position"] for e in entries])
    review_id = review_id_for(finding["key"]) if finding else None
    for entry in entries:
        role = ("case" if entry["originator_id"] == case["id"]
                else "plan" if entry["originator_id"] == case.get("plan_id")
                else "finding_review" if entry["originator_id"] == review_id else None)
        entry["cited_as"] = ([role] if role else []) + cited.get(entry["position"], [])
        entry["chain_hash"] = hashes.get(entry["position"])
    plan = read.plan(case["plan_id"], m) if case.get("plan_id") else None
    # Through the standard JSON codec: row keys may be str subclasses (SQLAlchemy's quoted
    # names), which the canonical digest's encoder refuses.
    document: dict[str, Any] = json.loads(json.dumps(jsonable_encoder({
        "format": FORMAT, "case_id": case["id"], "as_of": m.as_of, "known_at": m.known_at,
        "position": m.position,
        "case": {k: v for k, v in case.items() if k not in ("evidence", "remedy_list")},
        "plan": None if plan is None else {k: v for k, v in plan.items() if k != "case_list"},
        "finding": finding,
        "reviews": _reviews(runtime, review_id, [e for e in entries
                                                 if e["originator_id"] == review_id]),
        "evidence": case.get("evidence") or [],
        "remedies": case.get("remedy_list") or [],
        "decisions": _decisions(case, plan, entries),
        "entries": entries,
        "cadres": [str(c) for c in cadres_named([case])],
    })))
    return certifier.seal(document, kind=f"case-file/{case['id']}",
                          digest=canonical_digest(document), position=m.position,
                          cited=[e["position"] for e in entries])


def _reviews(runtime: Runtime, review_id: UUID | None,
             entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The finding's reviews recorded by the file's position: the aggregate's k-th event is
    its k-th entry in the log, so versions map onto the positions cited."""
    if review_id is None or not entries:
        return []
    found: object = runtime.app.repository.get(review_id)
    assert isinstance(found, FindingReview)
    by_version = {i: e["position"] for i, e in enumerate(entries, start=1)}
    return [{"conclusion": str(r.conclusion), "reason": r.reason, "reviewed_by": r.recorded_by,
             "effective_on": r.effective_on, "position": by_version[r.version]}
            for r in found.reviews if r.version in by_version]


def _chain_hashes(runtime: Runtime, positions: list[int]) -> dict[int, str]:
    if not positions:
        return {}
    marks = ", ".join("?" for _ in positions)
    rows = runtime.log.rows(f"SELECT position, hash FROM {CHAIN_TABLE} WHERE position IN "
                           f"({marks})", positions)
    return {int(p): bytes(h).hex() for p, h in rows}


def _decisions(case: dict[str, Any], plan: dict[str, Any] | None,
               entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every decision the file involves, with where it stands in the log."""
    found: list[dict[str, Any]] = []
    if plan is not None:
        found.append({"of": "plan", "position": plan["position"], "decision": plan["decision"]})
    conclusion = case.get("conclusion")
    if conclusion:
        found.append({"of": "conclusion", "position": conclusion["position"],
                      "decision": conclusion["decision"]})
    for remedy in case.get("remedy_list") or []:
        closure = remedy.get("closure")
        if closure and closure.get("decision"):
            found.append({"of": "remedy_closure", "position": closure["position"],
                          "decision": closure["decision"]})
    for entry in entries:
        if entry.get("decision") and entry.get("summary") is not None:
            found.append({"of": "entry", "position": entry["position"],
                          "decision": entry["decision"]})
    return found
