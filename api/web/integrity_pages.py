"""The screens of issue 18, parts 2–4: the delegation table (phân cấp quản lý cán bộ) and, for
one cadre, the dossiers behind the appointments (quy trình bổ nhiệm), asset declarations and
foreign travel. Each screen reads what its API twin answers (`api.services.integrity`, which
the routes of `api.routes.integrity` call too) and each form is parsed by the same payload model
and run by the same service function (same role check), as the casework screens do
(`api.web.inspection`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services import integrity as api
from api.web.inspection import Values, _day, _decision, _model, _submit, _text
from api.web.pages import page, runtime_of, screen, time_controls, visitor_of
from domain.errors import NotFound
from domain.rules.checks import TIER_NAMES
from domain.rules.pack import default_pack
from infra.runtime import Runtime

router = APIRouter(include_in_schema=False)

STEP_NAMES = {"chu_truong": "Đề xuất, thống nhất chủ trương",
              "gioi_thieu": "Giới thiệu nhân sự", "lay_phieu": "Lấy phiếu tín nhiệm",
              "tham_dinh": "Thẩm định, kết luận tiêu chuẩn chính trị",
              "quyet_dinh": "Tập thể lãnh đạo quyết định"}
DECLARATION_NAMES = {"lan_dau": "Kê khai lần đầu", "hang_nam": "Kê khai hằng năm",
                     "bo_sung": "Kê khai bổ sung", "phuc_vu_can_bo": "Kê khai phục vụ công tác "
                                                                     "cán bộ"}
PURPOSE_NAMES = {"cong_vu": "Đi công tác", "viec_rieng": "Đi việc riêng"}
ACTION_NAMES = {"appoint": "Bổ nhiệm", "reappoint": "Bổ nhiệm lại",
                "plan": "Phê duyệt quy hoạch", "discipline": "Kỷ luật"}
LEVEL_NAMES = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}
SPHERE_NAMES = {"dang": "Đảng", "chinh_quyen": "Chính quyền", "doan_the": "Đoàn thể"}


# --- the delegation table ----------------------------------------------------------------------


@router.get("/phan-cap-quan-ly", name="web_authority")
@screen
def authority_page(request: Request) -> Response:
    v = visitor_of(request)
    found = api.authority()
    names = {b["code"]: b["name"] for b in found["bodies"]}
    return page(request, "authority.html", {
        "v": v, "bodies": found["bodies"], "versions": found["versions"], "names": names,
        "actions": ACTION_NAMES, "levels": LEVEL_NAMES, "spheres": SPHERE_NAMES,
        "tiers": TIER_NAMES})


# --- one cadre's dossiers, declarations and travel ----------------------------------------------


def _integrity_page(request: Request, v: Any, values: Values, errors: Values,
                    status: int = 200) -> Response:
    runtime: Runtime = runtime_of(request)
    tc = time_controls(request, runtime)
    cadre_id = UUID(request.path_params["cadre_id"])
    found = api.read_integrity(v.principal, runtime, request.app.state.access, cadre_id,
                               tc.moment)
    profile = runtime.read_model.profile(cadre_id, tc.moment)
    if profile is None:
        raise NotFound("Không tìm thấy cán bộ (unknown cadre)", code="cadre_not_found")
    titles = {t["code"]: t["name"] for t in runtime.read_model.titles()}
    holdings = [h for h in profile["holdings"] if h.get("holding_id")]
    by_holding = {str(d["holding_id"]): d for d in found["dossiers"]}
    return page(request, "integrity.html", {
        "v": v, "tc": tc, "p": profile, "titles": titles, "holdings": holdings,
        "dossiers": by_holding, "declarations": found["declarations"],
        "travels": found["travels"], "steps": STEP_NAMES, "kinds": DECLARATION_NAMES,
        "purposes": PURPOSE_NAMES, "values": values, "errors": errors,
        "bodies": default_pack().bodies, "writer": v.may("write"),
        "written": request.query_params.get("ghi")}, status)


@router.get("/can-bo/{cadre_id}/bo-nhiem-ke-khai", name="web_cadre_integrity")
@screen
def integrity_page(request: Request, cadre_id: UUID) -> Response:
    return _integrity_page(request, visitor_of(request), {}, {})


def _back(cadre_id: UUID) -> Any:
    return lambda r: f"/can-bo/{cadre_id}/bo-nhiem-ke-khai?ghi={r.position}"


def _int(values: Values, name: str) -> str | None:
    return _text(values, name)


@router.post("/can-bo/{cadre_id}/bo-nhiem-ke-khai/buoc")
async def step_post(request: Request, cadre_id: UUID) -> Response:
    def run(p: Any, runtime: Runtime, values: Values, errors: Values) -> Any:
        holding = _text(values, "holding_id")
        if holding is None:
            errors["holding_id"] = "Chọn lần bổ nhiệm (holding_id is required)"
        body = _model(api.StepIn, {
            "step": _text(values, "step"), "effective_on": _day(values, "effective_on", errors),
            "reference": _text(values, "reference"), "votes_for": _int(values, "votes_for"),
            "votes_total": _int(values, "votes_total"), "note": _text(values, "note")}, errors)
        if body is None or holding is None:
            return None
        return api.record_step(p, runtime, cadre_id, UUID(holding), body)

    return await _submit(request, _integrity_page, run, _back(cadre_id))


@router.post("/can-bo/{cadre_id}/bo-nhiem-ke-khai/ke-khai")
async def declaration_post(request: Request, cadre_id: UUID) -> Response:
    def run(p: Any, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.DeclarationIn, {
            "kind": _text(values, "kind"), "effective_on": _day(values, "effective_on", errors),
            "reference": _text(values, "reference"), "year": _text(values, "year")}, errors)
        return None if body is None else api.declare_assets(p, runtime, cadre_id, body)

    return await _submit(request, _integrity_page, run, _back(cadre_id))


@router.post("/can-bo/{cadre_id}/bo-nhiem-ke-khai/di-nuoc-ngoai")
async def travel_post(request: Request, cadre_id: UUID) -> Response:
    def run(p: Any, runtime: Runtime, values: Values, errors: Values) -> Any:
        permission = _decision(values, errors, optional=True)
        if permission is not None:
            permission = {k: v for k, v in permission.items() if v}
            if values.get("decision.issuer_code"):
                permission["issuer_code"] = values["decision.issuer_code"]
        body = _model(api.TravelIn, {
            "purpose": _text(values, "purpose"),
            "departed_on": _day(values, "departed_on", errors),
            "returned_on": _day(values, "returned_on", errors),
            "reference": _text(values, "reference"), "permission": permission}, errors)
        return None if body is None else api.record_travel(p, runtime, cadre_id, body)

    return await _submit(request, _integrity_page, run, _back(cadre_id))


@router.post("/can-bo/{cadre_id}/bo-nhiem-ke-khai/di-nuoc-ngoai/{travel_id}/bao-cao")
async def travel_report_post(request: Request, cadre_id: UUID, travel_id: UUID) -> Response:
    def run(p: Any, runtime: Runtime, values: Values, errors: Values) -> Any:
        body = _model(api.TravelReportIn, {
            "effective_on": _day(values, "effective_on", errors),
            "reference": _text(values, "reference")}, errors)
        return None if body is None else api.report_travel(p, runtime, cadre_id, travel_id,
                                                           body)

    return await _submit(request, _integrity_page, run, _back(cadre_id))
