"""The inspection casework screens: plans, cases (evidence, conclusion, remedies), overdue
remedies. Each screen reads what its API twin answers (`api.services.inspection`, which the
routes of `api.routes.inspection` call too: the same reader, the same leader scope) and each
form is parsed by the same payload model and run by the same service function (same role
check, same catch-up)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.documents import attachment
from api.errors import status_of
from api.security import LEADER, Principal, record_reads, require_role
from api.services import inspection as api
from api.web import display
from api.web.pages import (
    SignInNeeded,
    Visitor,
    _tree,
    _uuid,
    page,
    refusal_page,
    require_csrf,
    runtime_of,
    screen,
    time_controls,
    visitor_of,
)
from domain.errors import DomainError
from infra.runtime import Runtime
from projections.read_model import Moment

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {"open": "Đang kiểm tra", "concluded": "Đã kết luận", "closed": "Đã kết thúc"}
SUBJECT_NAMES = {"unit": "Đơn vị", "cadre": "Cán bộ", "topic": "Chuyên đề"}
DECISION_FIELDS = ("number", "signed_on", "issuer", "signer")
Values = dict[str, str]


# --- reading a form into the API's payload -------------------------------------------------


def _day(values: Values, name: str, errors: Values) -> str | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    found = display.read_day(text)
    if found is None:
        errors[name] = "Ngày không hợp lệ, hãy nhập dd/mm/yyyy (invalid date)"
        return None
    return found.isoformat()


def _text(values: Values, name: str) -> str | None:
    return values.get(name, "").strip() or None


def _decision(values: Values, errors: Values, optional: bool = False) -> dict[str, Any] | None:
    given = {f: values.get(f"decision.{f}", "").strip() for f in DECISION_FIELDS}
    if optional and not any(given.values()):
        return None
    out: dict[str, Any] = dict(given)
    out["signed_on"] = _day(values, "decision.signed_on", errors) or given["signed_on"] or None
    return out


def _model(model: type[BaseModel], data: dict[str, Any], errors: Values) -> Any:
    """The API's payload model, or the form's errors named by field."""
    if errors:
        return None
    clean = {k: v for k, v in data.items() if v is not None and v != [] and v != ""}
    try:
        return model.model_validate(clean)
    except ValidationError as invalid:
        for e in invalid.errors():
            name = ".".join(str(p) for p in e["loc"])
            errors[name] = f"{name}: {e['msg']}"
        return None


async def _form(request: Request, v: Visitor) -> Values:
    data = await request.form()
    require_csrf(v, data)
    values: Values = {k: str(val) for k, val in data.multi_items() if k != "csrf"}
    for key in ("subject_unit",):
        values[key] = ",".join(str(x) for x in data.getlist(key))
    return values


Shown = Callable[[Request, Visitor, Values, Values, int], Response]


async def _submit(request: Request, shown: Shown,
                  run: Callable[[Principal, Runtime, Values, Values], Any],
                  done: Callable[[Any], str]) -> Response:
    """A form post: parsed and run as the API would; a refusal shows the form again."""
    v = visitor_of(request)
    runtime = runtime_of(request)
    values: Values = {}
    try:
        values = await _form(request, v)
        errors: Values = {}
        receipt = run(v.principal, runtime, values, errors)
        if receipt is None:
            return shown(request, v, values, errors, 400)
    except DomainError as error:
        status, _ = status_of(error)
        if status == 401:
            raise SignInNeeded() from None
        if status != 403:
            try:
                return shown(request, v, values, {error.field or "_form": error.message},
                             status)
            except DomainError:
                pass  # the page itself is refused (an unknown case): the error page says why
        return refusal_page(request, v, error)
    return RedirectResponse(done(receipt), status_code=303)


# --- names for the screens -------------------------------------------------------------------


def _names(request: Request, runtime: Runtime, v: Visitor, m: Moment,
           cadre_ids: list[UUID]) -> tuple[dict[str, str], dict[str, str]]:
    """Unit names, and the names of the cadres shown (written to the read audit)."""
    units = {str(u["id"]): u["name"] for u in runtime.read_model.units(m)}
    cadres: dict[str, str] = {}
    shown = sorted({c for c in cadre_ids if c is not None}, key=str)
    for cadre_id in shown:
        profile = runtime.read_model.profile(cadre_id, m)
        if profile is not None:
            cadres[str(cadre_id)] = profile["full_name"]
    if cadres:
        record_reads(request.app.state.access, v.principal, [UUID(c) for c in cadres],
                     "inspection", m)
    return units, cadres


def _common(v: Visitor, runtime: Runtime, m: Moment) -> dict[str, Any]:
    return {"v": v, "statuses": STATUS_NAMES, "subject_names": SUBJECT_NAMES,
            "units": _tree(runtime.read_model.units(m)), "written": None}


# --- plans -------------------------------------------------------------------------------------


def _plans_page(request: Request, v: Visitor, values: Values, errors: Values,
                status: int = 200) -> Response:
    require_role(v.principal, *api.INSPECTORS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    plans = api.reader(runtime).plans(tc.moment)
    cadre_ids = [UUID(str(s["cadre_id"])) for p in plans for s in p["subjects"]
                 if s.get("cadre_id")]
    unit_names, cadre_names = _names(request, runtime, v, tc.moment, cadre_ids)
    return page(request, "inspection_plans.html", {
        **_common(v, runtime, tc.moment), "tc": tc, "plans": plans, "values": values,
        "errors": errors, "unit_names": unit_names, "cadre_names": cadre_names,
        "written": request.query_params.get("ghi"),
        "year": tc.moment.as_of.year}, status)


@router.get("/ke-hoach-kiem-tra", name="web_inspection_plans")
@screen
def plans_page(request: Request) -> Response:
    return _plans_page(request, visitor_of(request), {}, {})


def _run_plan(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
    subjects: list[dict[str, Any]] = []
    for unit_id in filter(None, values.get("subject_unit", "").split(",")):
        subjects.append({"kind": "unit", "unit_id": unit_id})
    for cadre_id in re.split(r"[\s,;]+", values.get("subject_cadres", "")):
        if cadre_id:
            subjects.append({"kind": "cadre", "cadre_id": cadre_id})
    for topic in values.get("topics", "").splitlines():
        if topic.strip():
            subjects.append({"kind": "topic", "topic": topic.strip()})
    body = _model(api.PlanIn, {
        "year": _text(values, "year"), "title": _text(values, "title"), "subjects": subjects,
        "decision": _decision(values, errors),
        "effective_on": _day(values, "effective_on", errors)}, errors)
    return None if body is None else api.adopt_plan(p, runtime, body)


@router.post("/ke-hoach-kiem-tra")
async def plans_post(request: Request) -> Response:
    return await _submit(request, _plans_page, _run_plan,
                         lambda r: f"/ke-hoach-kiem-tra?ghi={r.position}")


# --- cases -------------------------------------------------------------------------------------


def _cases_page(request: Request, v: Visitor, values: Values, errors: Values,
                status: int = 200) -> Response:
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    q = request.query_params
    state = q.get("trang_thai") if q.get("trang_thai") in STATUS_NAMES else None
    plan_id = _uuid(q.get("ke_hoach"))
    cases = api.visible_cases(v.principal, runtime, tc.moment, plan_id=plan_id, status=state)
    inspector = v.principal.role != LEADER
    plans = api.reader(runtime).plans(tc.moment) if inspector else []
    unit_names, cadre_names = _names(request, runtime, v, tc.moment,
                                     [c["cadre_id"] for c in cases if c.get("cadre_id")])
    if not values and q.get("phat_hien"):
        values = {"finding_id": q["phat_hien"]}
    return page(request, "inspection_cases.html", {
        **_common(v, runtime, tc.moment), "tc": tc, "cases": cases, "plans": plans,
        "inspector": inspector, "state": state or "", "plan_id": str(plan_id or ""),
        "values": values, "errors": errors, "unit_names": unit_names,
        "cadre_names": cadre_names}, status)


@router.get("/vu-viec", name="web_inspection_cases")
@screen
def cases_page(request: Request) -> Response:
    return _cases_page(request, visitor_of(request), {}, {})


def _run_case(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
    body = _model(api.CaseIn, {
        "title": _text(values, "title"), "plan_id": _text(values, "plan_id"),
        "finding_id": _text(values, "finding_id"), "description": _text(values, "description"),
        "feedback_id": _text(values, "feedback_id"), "unit_id": _text(values, "unit_id"),
        "effective_on": _day(values, "effective_on", errors)}, errors)
    return None if body is None else api.open_case(p, runtime, body)


@router.post("/vu-viec")
async def cases_post(request: Request) -> Response:
    return await _submit(request, _cases_page, _run_case,
                         lambda r: f"/vu-viec/{r.id}?ghi={r.position}")


def _case_page(request: Request, v: Visitor, values: Values, errors: Values,
               status: int = 200) -> Response:
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    case_id = UUID(request.path_params["case_id"])
    case = api.visible_case(v.principal, runtime, case_id, tc.moment)
    cadre_ids = [case["cadre_id"]] if case.get("cadre_id") else []
    for r in case.get("remedy_list") or []:
        if r.get("owner_cadre_id"):
            cadre_ids.append(r["owner_cadre_id"])
    unit_names, cadre_names = _names(request, runtime, v, tc.moment, cadre_ids)
    plans = {str(p["id"]): p["title"] for p in api.reader(runtime).plans(tc.moment)} \
        if v.principal.role != LEADER else {}
    return page(request, "inspection_case.html", {
        **_common(v, runtime, tc.moment), "tc": tc, "case": case, "values": values,
        "errors": errors, "unit_names": unit_names, "cadre_names": cadre_names,
        "plans": plans, "inspector": v.principal.role != LEADER,
        "written": request.query_params.get("ghi")}, status)


@router.get("/vu-viec/{case_id}", name="web_inspection_case")
@screen
def case_page(request: Request, case_id: UUID) -> Response:
    return _case_page(request, visitor_of(request), {}, {})


def _back(case_id: UUID) -> Callable[[Any], str]:
    return lambda r: f"/vu-viec/{case_id}?{urlencode({'ghi': r.position})}"


@router.post("/vu-viec/{case_id}/chung-cu")
async def evidence_post(request: Request, case_id: UUID) -> Response:
    def run(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
        positions = [x for x in re.split(r"[\s,;#]+", values.get("log_positions", "")) if x]
        documents = []
        if any(_text(values, f"document.{f}") for f in ("number", "title", "issued_on")):
            documents.append({"number": _text(values, "document.number"),
                              "issued_on": _day(values, "document.issued_on", errors),
                              "title": _text(values, "document.title"),
                              "issuer": _text(values, "document.issuer")})
        body = _model(api.EvidenceIn, {"log_positions": positions, "documents": documents,
                                       "note": _text(values, "note"),
                                       "effective_on": _day(values, "effective_on", errors)},
                      errors)
        return None if body is None else api.add_evidence(p, runtime, case_id, body)

    return await _submit(request, _case_page, run, _back(case_id))


@router.post("/vu-viec/{case_id}/ket-luan")
async def conclusion_post(request: Request, case_id: UUID) -> Response:
    def run(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.ConclusionIn, {
            "text": _text(values, "text"),
            "violation_found": {"co": True, "khong": False}.get(values.get("violation", "")),
            "decision": _decision(values, errors),
            "effective_on": _day(values, "effective_on", errors)}, errors)
        return None if body is None else api.conclude(p, runtime, case_id, body)

    return await _submit(request, _case_page, run, _back(case_id))


@router.post("/vu-viec/{case_id}/khac-phuc")
async def remedy_post(request: Request, case_id: UUID) -> Response:
    def run(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.RemedyIn, {
            "action": _text(values, "action"), "deadline": _day(values, "deadline", errors),
            "owner_unit_id": _text(values, "owner_unit_id"),
            "owner_cadre_id": _text(values, "owner_cadre_id"),
            "effective_on": _day(values, "effective_on", errors)}, errors)
        return None if body is None else api.assign_remedy(p, runtime, case_id, body)

    return await _submit(request, _case_page, run, _back(case_id))


@router.post("/vu-viec/{case_id}/khac-phuc/{remedy_id}/hoan-thanh")
async def remedy_closure_post(request: Request, case_id: UUID, remedy_id: UUID) -> Response:
    def run(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.RemedyClosureIn, {
            "result": _text(values, "result"),
            "effective_on": _day(values, "effective_on", errors)}, errors)
        return None if body is None else api.close_remedy(p, runtime, case_id, remedy_id, body)

    return await _submit(request, _case_page, run, _back(case_id))


@router.post("/vu-viec/{case_id}/ket-thuc")
async def case_closure_post(request: Request, case_id: UUID) -> Response:
    def run(p: Principal, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.CaseClosureIn, {
            "note": _text(values, "note"),
            "effective_on": _day(values, "effective_on", errors)}, errors)
        return None if body is None else api.close_case(p, runtime, case_id, body)

    return await _submit(request, _case_page, run, _back(case_id))


@router.get("/vu-viec/{case_id}/ho-so", name="web_inspection_case_file")
@screen
def case_file_download(request: Request, case_id: UUID) -> Response:
    """The case file as GET /api/v1/inspection-cases/{id}/file gives it, as a download."""
    v = visitor_of(request)
    runtime = runtime_of(request)
    m = time_controls(request, runtime).moment
    document = api.sealed_case_file(v.principal, runtime, request.app.state.certifier,
                                    request.app.state.access, case_id, m)
    if request.query_params.get("dinh_dang") == "docx":
        return api.case_file_download(document, case_id, "docx")
    return Response(json.dumps(document, ensure_ascii=False, indent=1),
                    media_type="application/json", headers={
                        "Content-Disposition": attachment(f"ho-so-vu-viec-{case_id}.json"),
                        "Cache-Control": "no-store"})


# --- overdue remedies ------------------------------------------------------------------------


@router.get("/khac-phuc-qua-han", name="web_overdue_remedies")
@screen
def overdue_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *api.INSPECTORS)
    runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    remedies = api.reader(runtime).overdue(tc.moment)
    unit_names, cadre_names = _names(request, runtime, v, tc.moment,
                                     [r["owner_cadre_id"] for r in remedies
                                      if r.get("owner_cadre_id")])
    return page(request, "inspection_overdue.html", {
        **_common(v, runtime, tc.moment), "tc": tc, "remedies": remedies,
        "unit_names": unit_names, "cadre_names": cadre_names})
