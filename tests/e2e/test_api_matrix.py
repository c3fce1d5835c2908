"""Role × endpoint × in-scope / out-of-scope: every cell of the access matrix is asserted.

The endpoint list comes from the app's routes, so a route added without a matrix row fails
`test_every_route_has_a_matrix_row`. Routes owned by other parts of the service (oversight,
reports, archive, web UI) are listed in OWNED_ELSEWHERE and tested there.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.feedback import new_receipt
from domain.casework import Casework, IntegrityWork
from domain.commands import Appoint, RecordTraining, RegisterCadre, RegisterTitle, RegisterUnit
from domain.correction_requests import Attachment, RequestCorrection
from domain.feedback import FileFeedback, Reporter
from domain.inspection import AdoptPlan, AssignRemedy, Conclude, OpenCase, PlanSubject, SubjectKind
from domain.integrity import RecordTravel, TravelPurpose
from domain.job_position import PositionGroup, RegisterJobPosition
from domain.values import ActionKind, Decision, Gender
from infra.access import AccessStore
from infra.checkpoints import CheckpointStore
from infra.notes import SignerKey, add_signature, cosign, new_signer, write_key_pair
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from tests.conftest import suite_clock

ADMIN_TOKEN = "matrix-admin-token"
ROLES = ("admin", "personnel", "inspector", "leader", "self", "anonymous")
SCOPES = ("in", "out")

# (method, path) of API routes whose access tests live with their owners: the multipart import
# (tests/integration/test_import_api.py). The web UI's pages (outside /api/) sign in with a
# session cookie, not a bearer token, and are driven by tests/e2e/test_web_ui.py.
OWNED_ELSEWHERE: set[tuple[str, str]] = {("POST", "/api/v1/imports")}

_counter = itertools.count(1)


def fresh() -> int:
    return next(_counter)


def dec(on: date) -> dict[str, str]:
    return {"number": f"{fresh()}/QĐ", "signed_on": on.isoformat(), "issuer": "UBND quận",
            "signer": "Lê Toàn Khánh"}


@dataclass
class World:
    """Two sibling units under one root: A is the scoped roles' subtree, B is outside it."""

    runtime: Runtime
    root: UUID
    a: UUID
    b: UUID
    cadre_a: UUID  # holds a post in A; also the `self` token's cadre
    cadre_b: UUID  # holds a post in B
    tokens: dict[str, str | None] = field(default_factory=dict)
    signer: SignerKey = field(default_factory=lambda: new_signer("hoso.test/matrix"))

    def unit(self, scope: str) -> UUID:
        return self.a if scope == "in" else self.b

    def cadre(self, scope: str) -> UUID:
        return self.cadre_a if scope == "in" else self.cadre_b

    # Setup done directly through the write side (the matrix is about the HTTP gate).
    def title(self) -> str:
        code = f"cv_{fresh()}"
        self.runtime.app.register_title(RegisterTitle(
            code=code, name=f"Chuyên viên {code}", is_head=False, management_tier="quan_uy"),
            recorded_by="setup")
        return code

    def holding(self, scope: str, on: date) -> str:
        code = self.title()
        self.runtime.app.appoint(self.cadre(scope), Appoint(
            kind=ActionKind.BO_NHIEM, unit_id=self.unit(scope), title_code=code, effective_on=on,
            decision=Decision(f"{fresh()}/QĐ", on, "UBND", "A")), recorded_by="setup")
        return code

    def child_unit(self, scope: str) -> UUID:
        receipt = self.runtime.app.register_unit(RegisterUnit(
            code=f"U{fresh()}", name="Tổ công tác", kind="co_quan", established_on=date(2010, 1, 1),
            parent_id=self.unit(scope)), recorded_by="setup")
        return receipt.id

    def finding(self, scope: str) -> str:
        """A finding about a post in the scope's unit (appointed without planning)."""
        self.runtime.catch_up()
        rows = self.runtime.findings.findings(self.runtime.clock.today(), unit_id=self.unit(scope)).findings
        assert rows, "the matrix world should hold findings"
        return str(rows[0]["id"])

    def erasable(self) -> UUID:
        return self.runtime.app.register_cadre(RegisterCadre(full_name=f"Người {fresh()}",
                                                             gender=Gender.NAM,
                                                             born_on=date(1980, 1, 1)),
                                               recorded_by="setup").id

    def cosignature(self) -> dict[str, str]:
        """A fresh witness's cosignature of the log's checkpoint as it is now."""
        store = CheckpointStore(AccessStore.for_store(self.runtime.settings,
                                                      self.runtime.engine,
                                                      self.runtime.clock).engine)
        checkpoint = store.issue(self.runtime.trees["log"], self.signer, self.runtime.now())
        witness = new_signer(f"witness-{fresh()}", witness=True)
        line = cosign(checkpoint.checkpoint.text(), witness, 1_700_000_000 + fresh())
        return {"note": add_signature(checkpoint.note, line),
                "witness_key": witness.verifier.text()}

    def plan(self) -> UUID:
        return Casework(self.runtime.app).adopt_plan(AdoptPlan(
            year=2026, title=f"Kế hoạch kiểm tra {fresh()}", recorded_by="setup",
            subjects=(PlanSubject(kind=SubjectKind.TOPIC, topic="bổ nhiệm 2024–2025"),),
            decision=Decision(f"{fresh()}-KH/UBKT", date(2026, 1, 5), "UBKT", "A"))).id

    def case(self, scope: str, *, concluded: bool = True) -> UUID:
        """A case about the scope's unit, opened a year ago and concluded (by default)."""
        work = Casework(self.runtime.app)
        case_id = work.open_case(OpenCase(
            title=f"Vụ việc {fresh()}", description="Phản ánh", unit_id=self.unit(scope),
            effective_on=date(2025, 11, 1), recorded_by="setup")).id
        if concluded:
            work.conclude(case_id, Conclude(
                text="Có vi phạm", violation_found=True, recorded_by="setup",
                decision=Decision(f"{fresh()}-KL/UBKT", date(2025, 12, 1), "UBKT", "A")))
        return case_id

    def remedy(self, scope: str) -> tuple[UUID, UUID]:
        case_id = self.case(scope)
        _, remedy_id = Casework(self.runtime.app).assign_remedy(case_id, AssignRemedy(
            action="Khắc phục", deadline=date(2026, 1, 31), owner_unit_id=self.unit(scope),
            effective_on=date(2025, 12, 2), recorded_by="setup"))
        return case_id, remedy_id

    def holding_id(self, scope: str) -> UUID:
        """A fresh appointment of the scope's cadre: its holding's id."""
        code = self.holding(scope, date(2024, 6, 1))
        cadre = self.runtime.app.cadre(self.cadre(scope))
        return next(h.holding_id for h in cadre.record.holdings.values()
                    if h.title_code == code)

    def travel(self, scope: str) -> UUID:
        _, travel_id = IntegrityWork(self.runtime.app).record_travel(RecordTravel(
            cadre_id=self.cadre(scope), purpose=TravelPurpose.CONG_VU,
            departed_on=date(2025, 3, 1), returned_on=date(2025, 3, 8), recorded_by="setup"))
        return travel_id

    def entry(self, scope: str) -> int:
        return self.runtime.app.record_training(self.cadre(scope), RecordTraining(
            program="cap_nhat_kien_thuc", started_on=date(2015, 3, 1)),
                                                           recorded_by="setup").position


Request = tuple[str, dict[str, Any] | None, dict[str, Any] | None]  # url, json, params


@dataclass(frozen=True)
class Row:
    """One endpoint: how to call it in and out of scope, and what each role gets."""

    request: Callable[[World, str], Request]
    expect: dict[str, tuple[int, int]]  # role -> (status in scope, status out of scope)


def writes(personnel_out: int = 403) -> dict[str, tuple[int, int]]:
    return {"admin": (201, 201), "personnel": (201, personnel_out), "inspector": (403, 403),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}


def admin_only_write() -> dict[str, tuple[int, int]]:
    return {"admin": (201, 201), "personnel": (403, 403), "inspector": (403, 403),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}


def scoped_reads(self_in: int = 403) -> dict[str, tuple[int, int]]:
    return {"admin": (200, 200), "personnel": (200, 403), "inspector": (200, 200),
            "leader": (200, 403), "self": (self_in, 403), "anonymous": (401, 401)}


def open_reads() -> dict[str, tuple[int, int]]:
    return {role: ((401, 401) if role == "anonymous" else (200, 200)) for role in ROLES}


def audit_reads() -> dict[str, tuple[int, int]]:
    return {"admin": (200, 200), "personnel": (403, 403), "inspector": (200, 200),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}


def public_reads() -> dict[str, tuple[int, int]]:
    """The public hồ sơ công vụ: no token needed, and a token changes nothing."""
    return {role: (200, 200) for role in ROLES}


def feedback_filers() -> dict[str, tuple[int, int]]:
    return {role: ((401, 401) if role == "anonymous" else (201, 201)) for role in ROLES}


def inspector_writes() -> dict[str, tuple[int, int]]:
    return {"admin": (201, 201), "personnel": (403, 403), "inspector": (201, 201),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}


def conclusion_reads(leader_out: int = 403) -> dict[str, tuple[int, int]]:
    return {"admin": (200, 200), "personnel": (403, 403), "inspector": (200, 200),
            "leader": (200, leader_out), "self": (403, 403), "anonymous": (401, 401)}


def _remedy_closure(w: World, s: str) -> Request:
    case_id, remedy_id = w.remedy(s)
    return (f"/api/v1/inspection-cases/{case_id}/remedies/{remedy_id}/closure",
            {"result": "Đã khắc phục"}, None)


def filed_feedback(w: World, s: str) -> tuple[UUID, str]:
    """A report about the scope's cadre, filed through the write side: (id, receipt)."""
    receipt = new_receipt()
    done = w.runtime.app.file_feedback(FileFeedback(
        receipt=receipt, content=f"Phản ánh {fresh()}", cadre_id=w.cadre(s),
        unit_id=w.unit(s), reporter=Reporter("setup", "admin")))
    return done.id, receipt


def filed_request(w: World, s: str) -> UUID:
    """A correction request of the scope's cadre about one of their entries (write side)."""
    return w.runtime.app.request_correction(RequestCorrection(
        cadre_id=w.cadre(s), target_position=w.entry(s), target_type="TrainingRecorded",
        identity=False, what="Sai năm học", reason="Theo chứng chỉ",
        attachment=Attachment("Chứng chỉ bồi dưỡng"), requested_by="setup")).id


def self_request() -> dict[str, tuple[int, int]]:
    """Only `self`, and only for its own cadre, asks for a correction."""
    return {"admin": (403, 403), "personnel": (403, 403), "inspector": (403, 403),
            "leader": (403, 403), "self": (201, 403), "anonymous": (401, 401)}


def on(days: int) -> date:
    return date(2012, 1, 1) + timedelta(days=days)


def _cadre_write(suffix: str, body: Callable[[World, str], dict[str, Any]]
                 ) -> Callable[[World, str], Request]:
    return lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/{suffix}", body(w, s), None)


_periods = itertools.count()


def _term_notice(w: World, s: str) -> dict[str, Any]:
    """A fresh term (a post with a planned end) of the scope's cadre, and its notice."""
    code, on = w.title(), date(2022, 1, 1)
    w.runtime.app.appoint(w.cadre(s), Appoint(kind=ActionKind.BO_NHIEM, unit_id=w.unit(s),
                                              title_code=code, effective_on=on,
                                              decision=Decision(f"{fresh()}/QĐ", on, "UBND", "A"),
                                              planned_end_on=date(2027, 1, 1)),
                                  recorded_by="setup")
    held = next(h for h in w.runtime.app.cadre(w.cadre(s)).holdings().values()
                if h.title_code == code)
    return {"cadre_id": str(w.cadre(s)), "holding_id": str(held.holding_id),
            "notified_on": "2026-11-20"}


def _evaluation(w: World, s: str) -> dict[str, Any]:
    n = next(_periods)
    year, quarter = 1995 + n // 4, n % 4 + 1
    return {"period": f"{year}-Q{quarter}", "rating": "HTTNV",
            "decided_on": date(year, 3 * quarter - 2, 20).isoformat()}


def _suspension(w: World, s: str) -> dict[str, Any]:
    # A cadre is suspended once at a time: each request takes a fortnight of its own.
    start = date(2000, 1, 1) + timedelta(days=16 * next(_periods))
    return {"suspended_from": start.isoformat(),
            "until": (start + timedelta(days=14)).isoformat(),
            "reason": "Để xem xét, xử lý kỷ luật", "decision": dec(start)}


def _employment(w: World, s: str) -> dict[str, Any]:
    # One employment entry a day per cadre: each request takes a day of its own.
    start = date(2005, 1, 1) + timedelta(days=fresh())
    return {"unit_id": str(w.unit(s)), "employment_kind": "bien_che", "grade_code": "01.003",
            "grade_name": "Chuyên viên", "salary_step": 3, "coefficient": "3.00",
            "effective_on": start.isoformat(), "decision": dec(start)}


def _job_position_version(w: World, s: str) -> Request:
    made = w.runtime.app.register_job_position(RegisterJobPosition(
        unit_id=w.unit(s), code=f"VTVL-{fresh()}", name="Chuyên viên", group=PositionGroup.HO_TRO,
        standards=(), frameworks=(), recorded_by="setup"))
    w.runtime.catch_up()
    return (f"/api/v1/job-positions/{made.id}/versions", {"standards": {
        "valid_from": "2024-01-01", "source": "Thông tư 12/2022/TT-BNV",
        "education": "dai_hoc"}}, None)


def _ending(w: World, s: str) -> dict[str, Any]:
    code = w.holding(s, on(fresh()))
    return {"unit_id": str(w.unit(s)), "title_code": code, "reason": "mien_nhiem",
            "effective_on": "2024-01-01", "decision": dec(date(2023, 12, 1))}


def _transfer(w: World, s: str) -> dict[str, Any]:
    """End a post held and appoint to another title in the same unit, as one decision."""
    code = w.holding(s, on(fresh()))
    return {"from_unit_id": str(w.unit(s)), "from_title_code": code, "reason": "dieu_dong",
            "kind": "dieu_dong", "unit_id": str(w.unit(s)), "title_code": w.title(),
            "effective_on": "2024-01-01", "decision": dec(date(2023, 12, 1))}


_terms = itertools.count()


def _planning(w: World, s: str) -> dict[str, Any]:
    n = next(_terms)
    return {"unit_id": str(w.unit(s)), "title_code": w.title(), "term": f"{1990 + n}-{1995 + n}",
            "decided_on": "2020-01-01", "decision": dec(date(2020, 1, 1))}


def _report_row(name: str, query: dict[str, str]) -> Row:
    """A report asked for the scope's unit: scoped like the roster, never for `self`."""
    return Row(lambda w, s: (f"/api/v1/reports/{name}", None,
                             {**query, "unit_id": str(w.unit(s))}), scoped_reads())


MATRIX: dict[tuple[str, str], Row] = {
    ("POST", "/api/v1/units"): Row(
        lambda w, s: ("/api/v1/units", {"code": f"N{fresh()}", "name": "Phòng mới",
                                        "kind": "phong", "established_on": "2015-01-01",
                                        "parent_id": str(w.unit(s))}, None), writes()),
    ("POST", "/api/v1/units/{unit_id}/changes"): Row(
        lambda w, s: (f"/api/v1/units/{w.child_unit(s)}/changes",
                      {"change": "rename", "effective_on": "2016-01-01",
                       "new_name": f"Tên mới {fresh()}"}, None), writes()),
    ("POST", "/api/v1/job-positions"): Row(
        lambda w, s: ("/api/v1/job-positions", {
            "unit_id": str(w.unit(s)), "code": f"VTVL-{fresh()}", "name": "Chuyên viên tổng hợp",
            "group": "chuyen_mon"}, None), writes()),
    ("POST", "/api/v1/job-positions/{position_id}/versions"): Row(
        _job_position_version, writes()),
    ("POST", "/api/v1/titles"): Row(
        lambda w, s: ("/api/v1/titles", {"code": f"t{fresh()}", "name": "Chức danh",
                                         "is_head": False, "management_tier": "quan_uy"}, None),
        admin_only_write()),
    ("POST", "/api/v1/titles/{code}/versions"): Row(
        lambda w, s: (f"/api/v1/titles/{w.title()}/versions", {
            "effective_on": "2025-07-01", "management_tier": "thanh_uy",
            "source": "Quyết định phân cấp quản lý cán bộ"}, None),
        admin_only_write()),
    ("POST", "/api/v1/programmes"): Row(
        lambda w, s: ("/api/v1/programmes", {"code": f"ct_{fresh()}",
                                             "name": f"Bồi dưỡng kỹ năng {fresh()}",
                                             "kind": "khac"}, None), admin_only_write()),
    ("GET", "/api/v1/programmes"): Row(lambda w, s: ("/api/v1/programmes", None, None),
                                       open_reads()),
    ("POST", "/api/v1/cadres"): Row(
        lambda w, s: ("/api/v1/cadres", {"full_name": f"Nguyễn Văn {fresh()}", "gender": "nam",
                                         "born_on": "1980-01-01"}, None),
        writes(personnel_out=201)),  # registering is not bound to a unit
    ("POST", "/api/v1/cadres/{cadre_id}/appointments"): Row(
        _cadre_write("appointments", lambda w, s: {
            "kind": "kiem_nhiem", "unit_id": str(w.unit(s)), "title_code": w.title(),
            "effective_on": "2020-01-01", "decision": dec(date(2019, 12, 1))}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/endings"): Row(_cadre_write("endings", _ending),
                                                        writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/transfers"): Row(_cadre_write("transfers", _transfer),
                                                         writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/nominations"): Row(
        _cadre_write("nominations", lambda w, s: {
            "unit_id": str(w.unit(s)), "title_code": w.title(), "decided_on": "2020-05-01",
            "decision": dec(date(2020, 5, 1))}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/evaluations"): Row(
        _cadre_write("evaluations", _evaluation), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/trainings"): Row(
        _cadre_write("trainings", lambda w, s: {"program": "Bồi dưỡng cập nhật kiến thức",
                                                "started_on": "2019-03-01"}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/qualifications"): Row(
        _cadre_write("qualifications", lambda w, s: {"kind": "language", "level": "B1",
                                                     "obtained_on": "2018-06-01"}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/planning"): Row(_cadre_write("planning", _planning),
                                                         writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/disciplines"): Row(
        _cadre_write("disciplines", lambda w, s: {
            "form": "khien_trach", "effective_on": "2013-01-01", "violation": "Vi phạm",
            "decision": dec(date(2013, 1, 1))}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/vettings"): Row(
        _cadre_write("vettings", lambda w, s: {"vetted_on": "2019-01-01", "purpose": "quy hoạch",
                                               "conclusion": "dat", "body": "Ban Tổ chức"}),
        writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/commendations"): Row(
        _cadre_write("commendations", lambda w, s: {
            "form": "giay_khen", "level": "cap_huyen", "decided_on": "2020-06-01",
            "decision": dec(date(2020, 6, 1)), "reason": "Hoàn thành xuất sắc nhiệm vụ"}),
        writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/employments"): Row(
        _cadre_write("employments", _employment), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/suspensions"): Row(
        _cadre_write("suspensions", _suspension), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/relatives"): Row(
        _cadre_write("relatives", lambda w, s: {"relation": "con", "full_name": "Nguyễn Văn Bé",
                                                "born_year": 2010}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/corrections"): Row(
        _cadre_write("corrections", lambda w, s: {"target_position": w.entry(s),
                                                  "reason": "Nhập trùng"}), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/erasure"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.erasable()}/erasure", {"reason": "Yêu cầu"}, None),
        admin_only_write()),
    ("GET", "/api/v1/units"): Row(lambda w, s: ("/api/v1/units", None, None), open_reads()),
    ("GET", "/api/v1/unit-kinds"): Row(lambda w, s: ("/api/v1/unit-kinds", None, None),
                                       open_reads()),
    ("GET", "/api/v1/rules"): Row(lambda w, s: ("/api/v1/rules", None, None), {
        "admin": (200, 200), "personnel": (403, 403), "inspector": (200, 200),
        "leader": (200, 200), "self": (403, 403), "anonymous": (401, 401)}),
    ("GET", "/api/v1/findings"): Row(
        lambda w, s: ("/api/v1/findings", None, {"unit_id": str(w.unit(s))}), {
            "admin": (200, 200), "personnel": (403, 403), "inspector": (200, 200),
            "leader": (200, 403), "self": (403, 403), "anonymous": (401, 401)}),
    ("POST", "/api/v1/findings/{finding_id}/reviews"): Row(
        lambda w, s: (f"/api/v1/findings/{w.finding(s)}/reviews",
                      {"conclusion": "needs_action", "reason": "Cần xác minh"}, None), {
            "admin": (201, 201), "personnel": (403, 403), "inspector": (201, 201),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}),
    ("GET", "/api/v1/cadres/{cadre_id}/cv"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/cv", None, None), scoped_reads(self_in=200)),
    ("GET", "/api/v1/imports"): Row(lambda w, s: ("/api/v1/imports", None, None), {
        "admin": (200, 200), "personnel": (200, 200), "inspector": (200, 200),
        "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}),
    ("GET", "/api/v1/imports/template"): Row(
        lambda w, s: ("/api/v1/imports/template", None, None), open_reads()),
    **{("GET", f"/api/v1/reports/{name}"): _report_row(name, query) for name, query in {
        "cadre-quality": {"as_of": "2022-06-30"},
        "employees": {"as_of": "2022-06-30"},
        "evaluations": {"period": "2021"},
        "actions": {"from": "2021-01-01", "to": "2021-12-31"},
        "training": {"from": "2021-01-01", "to": "2021-12-31"},
        "vettings": {"from": "2021-01-01", "to": "2021-12-31"},
        "summary": {"from": "2021-01-01", "to": "2021-12-31"},
        "monthly": {"month": "2022-06"},
    }.items()},
    # The monthly cycle: personnel submit for their own unit, admin for any; reads as reports.
    ("POST", "/api/v1/reports/monthly/submissions"): Row(
        lambda w, s: ("/api/v1/reports/monthly/submissions",
                      {"period": "2026-10", "unit_id": str(w.unit(s))}, None), writes()),
    **{("GET", f"/api/v1/reports/monthly/{name}"): _report_row(f"monthly/{name}",
                                                                {"period": "2026-10"})
       for name in ("submissions", "late", "consolidated")},
    ("GET", "/api/v1/worklists/term-ends"): Row(
        lambda w, s: ("/api/v1/worklists/term-ends", None, {"unit_id": str(w.unit(s))}),
        scoped_reads()),
    ("POST", "/api/v1/worklists/term-ends/notices"): Row(
        lambda w, s: ("/api/v1/worklists/term-ends/notices", _term_notice(w, s), None),
        writes()),
    ("GET", "/api/v1/titles"): Row(lambda w, s: ("/api/v1/titles", None, None), open_reads()),
    ("GET", "/api/v1/job-positions"): Row(
        lambda w, s: ("/api/v1/job-positions", None, {"unit_id": str(w.unit(s))}),
        open_reads()),
    ("GET", "/api/v1/cadres/{cadre_id}/evaluations/derived"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/evaluations/derived", None,
                      {"year": "2026"}), scoped_reads(self_in=200)),
    ("GET", "/api/v1/reports/evaluations/quarterly"): _report_row(
        "evaluations/quarterly", {"period": "2026-Q1"}),
    ("GET", "/api/v1/evaluation-frameworks"): Row(
        lambda w, s: ("/api/v1/evaluation-frameworks", None, None), open_reads()),
    ("GET", "/api/v1/units/{unit_id}/roster"): Row(
        lambda w, s: (f"/api/v1/units/{w.unit(s)}/roster", None, None), scoped_reads()),
    ("GET", "/api/v1/cadres"): Row(
        lambda w, s: ("/api/v1/cadres", None, {"unit_id": str(w.unit(s))}), scoped_reads()),
    ("GET", "/api/v1/cadres/{cadre_id}"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}", None, None), scoped_reads(self_in=200)),
    ("GET", "/api/v1/cadres/{cadre_id}/record"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/record", None, None),
        scoped_reads(self_in=200)),
    ("GET", "/api/v1/audit/log"): Row(
        lambda w, s: ("/api/v1/audit/log", None, {"cadre_id": str(w.cadre(s))}), audit_reads()),
    ("GET", "/api/v1/audit/verify"): Row(lambda w, s: ("/api/v1/audit/verify", None, None),
                                         audit_reads()),
    # Checkpoints and proofs are sizes and hashes: no personal data, every role may read them.
    ("GET", "/api/v1/audit/checkpoint"): Row(
        lambda w, s: ("/api/v1/audit/checkpoint", None, None), open_reads()),
    ("GET", "/api/v1/audit/checkpoints"): Row(
        lambda w, s: ("/api/v1/audit/checkpoints", None, None), open_reads()),
    ("GET", "/api/v1/audit/proofs/inclusion"): Row(
        lambda w, s: ("/api/v1/audit/proofs/inclusion", None, {"position": 1}), open_reads()),
    ("GET", "/api/v1/audit/proofs/consistency"): Row(
        lambda w, s: ("/api/v1/audit/proofs/consistency", None, {"from": 1}), open_reads()),
    ("POST", "/api/v1/audit/checkpoint/cosignatures"): Row(
        lambda w, s: ("/api/v1/audit/checkpoint/cosignatures", w.cosignature(), None), {
            "admin": (201, 201), "personnel": (403, 403), "inspector": (201, 201),
            "leader": (403, 403), "self": (403, 403), "anonymous": (401, 401)}),
    # Inspection casework: inspectors and admins everywhere; a leader reads the conclusions of
    # its subtree's cases (the list is filtered, so it is 200 in and out of scope).
    ("POST", "/api/v1/inspection-plans"): Row(
        lambda w, s: ("/api/v1/inspection-plans", {
            "year": 2026, "title": "Kế hoạch giám sát", "decision": dec(date(2026, 1, 2)),
            "subjects": [{"kind": "unit", "unit_id": str(w.unit(s))}]}, None),
        inspector_writes()),
    ("GET", "/api/v1/inspection-plans"): Row(
        lambda w, s: ("/api/v1/inspection-plans", None, None), audit_reads()),
    ("GET", "/api/v1/inspection-plans/{plan_id}"): Row(
        lambda w, s: (f"/api/v1/inspection-plans/{w.plan()}", None, None), audit_reads()),
    ("POST", "/api/v1/inspection-cases"): Row(
        lambda w, s: ("/api/v1/inspection-cases", {
            "title": "Vụ việc", "description": "Phản ánh", "unit_id": str(w.unit(s))}, None),
        inspector_writes()),
    ("GET", "/api/v1/inspection-cases"): Row(
        lambda w, s: ("/api/v1/inspection-cases", None, None), conclusion_reads(200)),
    ("GET", "/api/v1/inspection-cases/{case_id}"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s)}", None, None), conclusion_reads()),
    ("POST", "/api/v1/inspection-cases/{case_id}/evidence"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s, concluded=False)}/evidence",
                      {"log_positions": [1]}, None), inspector_writes()),
    ("POST", "/api/v1/inspection-cases/{case_id}/conclusion"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s, concluded=False)}/conclusion",
                      {"text": "Không vi phạm", "violation_found": False,
                       "decision": dec(date(2026, 1, 3))}, None), inspector_writes()),
    ("POST", "/api/v1/inspection-cases/{case_id}/remedies"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s)}/remedies",
                      {"action": "Rà soát", "deadline": "2027-01-31",
                       "owner_unit_id": str(w.unit(s))}, None), inspector_writes()),
    ("POST", "/api/v1/inspection-cases/{case_id}/remedies/{remedy_id}/closure"): Row(
        _remedy_closure, inspector_writes()),
    ("POST", "/api/v1/inspection-cases/{case_id}/closure"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s)}/closure", {"note": "Kết thúc"},
                      None), inspector_writes()),
    ("GET", "/api/v1/inspection-cases/{case_id}/file"): Row(
        lambda w, s: (f"/api/v1/inspection-cases/{w.case(s)}/file", None, None), audit_reads()),
    ("GET", "/api/v1/inspection-remedies/overdue"): Row(
        lambda w, s: ("/api/v1/inspection-remedies/overdue", None, None), audit_reads()),
    # Authority (reference data for pickers), dossiers, declarations, travel (issue 18).
    ("GET", "/api/v1/authority"): Row(lambda w, s: ("/api/v1/authority", None, None),
                                      open_reads()),
    ("GET", "/api/v1/cadres/{cadre_id}/integrity"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/integrity", None, None),
        scoped_reads(self_in=200)),
    ("POST", "/api/v1/cadres/{cadre_id}/holdings/{holding_id}/dossier-steps"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/holdings/{w.holding_id(s)}/dossier-steps",
                      {"step": "chu_truong", "effective_on": "2024-03-01",
                       "reference": "05-TTr/BTC"}, None), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/asset-declarations"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/asset-declarations",
                      {"kind": "hang_nam", "effective_on": "2025-12-20",
                       "reference": f"KK-{fresh()}", "year": 2025}, None), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/foreign-travel"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/foreign-travel",
                      {"purpose": "viec_rieng", "departed_on": "2025-07-01",
                       "returned_on": "2025-07-05"}, None), writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/foreign-travel/{travel_id}/report"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/foreign-travel/{w.travel(s)}/report",
                      {"effective_on": "2025-03-12", "reference": f"BC-{fresh()}"}, None),
        writes()),
    ("GET", "/api/v1/audit/reads"): Row(
        lambda w, s: ("/api/v1/audit/reads", None, {"cadre_id": str(w.cadre(s))}),
        audit_reads()),
    ("GET", "/api/v1/public/cadres"): Row(
        lambda w, s: ("/api/v1/public/cadres", None, {"unit_id": str(w.unit(s))}),
        public_reads()),
    ("GET", "/api/v1/public/cadres/{cadre_id}"): Row(
        lambda w, s: (f"/api/v1/public/cadres/{w.cadre(s)}", None, None), public_reads()),
    ("POST", "/api/v1/feedback"): Row(
        lambda w, s: ("/api/v1/feedback", {"content": "Có dấu hiệu nể nang trong bổ nhiệm",
                                           "cadre_id": str(w.cadre(s))}, None),
        feedback_filers()),
    # The subject's own unit (personnel, leader) and the subject (self) are refused alike.
    ("GET", "/api/v1/feedback"): Row(lambda w, s: ("/api/v1/feedback", None, None),
                                     audit_reads()),
    ("GET", "/api/v1/feedback/{feedback_id}"): Row(
        lambda w, s: (f"/api/v1/feedback/{filed_feedback(w, s)[0]}", None, None),
        audit_reads()),
    ("POST", "/api/v1/feedback/{feedback_id}/status"): Row(
        lambda w, s: (f"/api/v1/feedback/{filed_feedback(w, s)[0]}/status",
                      {"status": "assigned", "assignee": "Tổ kiểm tra 1"}, None),
        inspector_writes()),
    ("POST", "/api/v1/cadres/{cadre_id}/correction-requests"): Row(
        lambda w, s: (f"/api/v1/cadres/{w.cadre(s)}/correction-requests",
                      {"target": w.entry(s), "what": "Sai năm học", "reason": "Theo chứng chỉ",
                       "attachment": {"title": "Chứng chỉ bồi dưỡng"}}, None),
        self_request()),
    # The queue: personnel see the requests in their subtree (the list is filtered, not
    # refused), `self` sees its own.
    ("GET", "/api/v1/correction-requests"): Row(
        lambda w, s: ("/api/v1/correction-requests", None, {"status": "pending"}),
        {"admin": (200, 200), "personnel": (200, 200), "inspector": (403, 403),
         "leader": (403, 403), "self": (200, 200), "anonymous": (401, 401)}),
    ("GET", "/api/v1/correction-requests/{request_id}"): Row(
        lambda w, s: (f"/api/v1/correction-requests/{filed_request(w, s)}", None, None),
        {"admin": (200, 200), "personnel": (200, 403), "inspector": (403, 403),
         "leader": (403, 403), "self": (200, 403), "anonymous": (401, 401)}),
    ("POST", "/api/v1/correction-requests/{request_id}/answer"): Row(
        lambda w, s: (f"/api/v1/correction-requests/{filed_request(w, s)}/answer",
                      {"outcome": "refused", "reason": "Hồ sơ ghi đúng"}, None), writes()),
    # Whoever holds the receipt (any valid token) sees the status, never the reporter.
    ("GET", "/api/v1/feedback/receipts/{receipt}"): Row(
        lambda w, s: (f"/api/v1/feedback/receipts/{filed_feedback(w, s)[1]}", None, None),
        open_reads()),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every endpoint route, including those of included routers."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue  # the framework's own /docs and /openapi.json
        for method in context.methods or ():
            if method != "HEAD":
                found.add((method, context.path))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    path = tmp_path_factory.mktemp("matrix") / "hoso.sqlite3"
    signer = new_signer("hoso.test/matrix")
    write_key_pair(signer, path.with_name("log.key"))
    settings = Settings(database_url=f"sqlite:///{path}", admin_token=ADMIN_TOKEN,
                        auth_failures_per_minute=100_000,  # the bad-token sweep below
                        public_reads_per_minute=100_000,
                        signing_key=path.with_name("log.key"))
    runtime = open_runtime(settings)
    app = runtime.app
    root = app.register_unit(RegisterUnit(
        code="ROOT", name="Quận ủy", kind="dang_uy", established_on=date(2000, 1, 1)),
        recorded_by="setup").id
    a = app.register_unit(RegisterUnit(
        code="A", name="UBND phường A", kind="ubnd", established_on=date(2000, 1, 1),
        parent_id=root), recorded_by="setup").id
    b = app.register_unit(RegisterUnit(
        code="B", name="UBND phường B", kind="ubnd", established_on=date(2000, 1, 1),
        parent_id=root), recorded_by="setup").id
    cadre_a = app.register_cadre(RegisterCadre(full_name="Trần Thị A", gender=Gender.NU,
                                               born_on=date(1975, 1, 1)), recorded_by="setup").id
    cadre_b = app.register_cadre(RegisterCadre(full_name="Lê Văn B", gender=Gender.NAM,
                                               born_on=date(1976, 1, 1)), recorded_by="setup").id
    w = World(runtime, root, a, b, cadre_a, cadre_b, signer=signer)
    w.holding("in", date(2010, 1, 1))
    w.holding("out", date(2010, 1, 1))
    runtime.catch_up()
    access = AccessStore(runtime.engine, suite_clock())
    w.tokens = {
        "admin": ADMIN_TOKEN,
        "personnel": access.create_token(name="to_chuc_a", role="personnel", unit_id=a),
        "inspector": access.create_token(name="kiem_tra", role="inspector"),
        "leader": access.create_token(name="lanh_dao_a", role="leader", unit_id=a),
        "self": access.create_token(name="tran_thi_a", role="self", cadre_id=cadre_a),
        "anonymous": None,
    }
    with TestClient(create_app(settings, runtime)) as client:
        yield w, client
    runtime.close()


def test_every_route_has_a_matrix_row(world: tuple[World, TestClient]) -> None:
    _, client = world
    routes = app_routes(client.app)  # type: ignore[arg-type]
    api = {(method, path) for method, path in routes if path.startswith("/api/")}
    missing = api - set(MATRIX) - OWNED_ELSEWHERE
    assert not missing, f"routes without a matrix row: {sorted(missing)}"
    stale = set(MATRIX) - routes
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"
    assert not set(MATRIX) & OWNED_ELSEWHERE


CELLS = [(route, role, scope) for route in MATRIX for role in ROLES for scope in SCOPES]


def test_access_matrix(world: tuple[World, TestClient]) -> None:
    w, client = world
    wrong = []
    for (method, path), role, scope in CELLS:
        row = MATRIX[(method, path)]
        url, body, params = row.request(w, scope)
        w.runtime.catch_up()
        token = w.tokens[role]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.request(method, url, json=body, params=params, headers=headers)
        expected = row.expect[role][0 if scope == "in" else 1]
        if response.status_code != expected:
            wrong.append(f"{method} {path} {role}/{scope}: {response.status_code} != {expected}"
                         f" {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert len(CELLS) == len(MATRIX) * len(ROLES) * len(SCOPES)


def test_a_bad_token_is_401_everywhere(world: tuple[World, TestClient]) -> None:
    w, client = world
    for (method, _path), row in MATRIX.items():
        if row.expect["anonymous"][0] == 200:
            continue  # the public record reads no token, good or bad
        url, body, params = row.request(w, "in")
        response = client.request(method, url, json=body, params=params,
                                  headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401, (method, url)
        assert response.json()["code"] == "invalid_token"


def test_personnel_may_complete_the_cadres_it_registered(
        world: tuple[World, TestClient]) -> None:
    w, client = world
    officer = {"Authorization": f"Bearer {w.tokens['personnel']}"}
    other = AccessStore(w.runtime.engine, suite_clock()).create_token(name="to_chuc_b", role="personnel",
                                                       unit_id=w.b)
    new = client.post("/api/v1/cadres", headers=officer, json={
        "full_name": "Phạm Văn Mới", "gender": "nam", "born_on": "1990-01-01"}).json()["id"]
    training = {"program": "cap_nhat_kien_thuc", "started_on": "2020-01-01"}
    assert client.post(f"/api/v1/cadres/{new}/trainings", headers=officer,
                       json=training).status_code == 201
    assert client.get(f"/api/v1/cadres/{new}", headers=officer).status_code == 200
    # Another unit's officer neither registered nor placed this cadre.
    assert client.post(f"/api/v1/cadres/{new}/trainings", json=training,
                       headers={"Authorization": f"Bearer {other}"}).status_code == 403
