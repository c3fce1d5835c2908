"""Bringing records in and getting them out: spreadsheet imports and the 2C CV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.deps import get_access, get_moment, get_runtime
from api.documents import attachment
from api.documents_cv import DOCX_MEDIA_TYPE, cv_document, cv_file_name
from api.errors import PROBLEM_JSON, TooManyImports, problem_responses
from api.security import (
    ADMIN,
    INSPECTOR,
    PERSONNEL,
    Principal,
    check_read_cadre,
    check_write_cadre,
    check_write_unit,
    get_principal,
    record_read,
    record_reads,
    require_role,
)
from domain.errors import NotFound, NotPermitted
from infra.access import AccessStore
from infra.importing import (
    MAX_FILE_BYTES,
    XLSX_MEDIA_TYPE,
    ImportReport,
    import_file,
    import_history,
    template_workbook,
)

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["archive"])


class ProblemRow(BaseModel):
    sheet: str
    row: int
    column: str
    value: str
    problem: str
    code: str
    level: str


class ImportReportOut(BaseModel):
    """Row-level report of an import (dry run, refused run or recorded run)."""

    file_name: str
    digest: str
    dry_run: bool
    ok: bool
    recorded: bool
    recorded_by: str
    import_id: UUID | None
    rows: dict[str, int]
    planned: dict[str, int]
    events: int
    first_position: int | None
    last_position: int | None
    problems: list[ProblemRow]


class ImportReceipt(ImportReportOut):
    id: UUID
    position: int


class ImportRunOut(BaseModel):
    id: UUID
    digest: str
    file_name: str
    imported_by: str
    imported_at: datetime
    rows: int
    events: int
    first_position: int | None
    last_position: int | None
    outcome: str


class ImportRunsOut(BaseModel):
    imports: list[ImportRunOut]


class CvFormat(StrEnum):
    DOCX = "docx"


def _may(check: Callable[[UUID], None]) -> Callable[[UUID], bool]:
    """A cached yes/no over a scope check that raises `NotPermitted`."""
    answers: dict[UUID, bool] = {}

    def may(target: UUID) -> bool:
        if target not in answers:
            try:
                check(target)
                answers[target] = True
            except NotPermitted:
                answers[target] = False
        return answers[target]

    return may


def _refused(report: ImportReport) -> JSONResponse:
    errors = report.errors
    first = errors[0] if errors else None
    where = f" (đầu tiên: {first.sheet} dòng {first.row}: {first.problem})" if first else ""
    body = {
        "type": "https://hoso.local/problems/import_refused",
        "title": "Yêu cầu không hợp lệ (invalid command)",
        "status": 400,
        "detail": f"Tệp có {len(errors)} lỗi; không ghi nhận gì (nothing recorded){where}",
        "code": "import_refused",
        "field": "file",
        "report": report.as_dict(),
    }
    return JSONResponse(body, status_code=400, media_type=PROBLEM_JSON)


def run_import(runtime: Runtime, access: AccessStore, p: Principal, data: bytes,
               file_name: str, *, dry_run: bool) -> ImportReport:
    """An import (or its dry run) as POST /imports and the web's import page do it: the
    writer's role, the per-token throttle, row scope, and the read audit of what it matched."""
    require_role(p, ADMIN, PERSONNEL)
    # Every import, dry or not, counts against the token: a dry run answers about the whole
    # file, and unbounded it would check guessed ID numbers at speed (docs/operations.md).
    attempts = f"import:{p.name}"
    wait = access.blocked_for(attempts, runtime.settings.import_checks_per_minute)
    if wait is not None:
        raise TooManyImports(wait)
    access.count_attempt(attempts)
    scoped = p.role != ADMIN
    report = import_file(
        runtime, data, file_name=file_name, user=p.name, dry_run=dry_run,
        may_write_unit=_may(lambda u: check_write_unit(p, runtime, u)) if scoped else None,
        may_write_cadre=_may(lambda c: check_write_cadre(p, runtime, c)) if scoped else None,
        in_request=True)
    if report.probed:
        record_reads(access, p, sorted(report.probed), "import_match",
                     runtime.read_model.moment())
    return report


@router.post("/imports", status_code=201, response_model=ImportReceipt,
             responses={200: {"model": ImportReportOut,
                              "description": "Kiểm tra thử (dry run): the row-level report"},
                        **problem_responses(400, 401, 403, 409, 422)},
             summary="Nhập hồ sơ từ tệp Excel/CSV, tất cả hoặc không (import a spreadsheet)",
             operation_id="import_records")
def create_import(
    file: UploadFile = File(..., description="Tệp .xlsx hoặc .csv (UTF-8) theo mẫu"),
    dry_run: bool = Query(False, description="chỉ kiểm tra, không ghi (validate only)"),
    dry_run_form: bool | None = Form(None, alias="dry_run",
                                     description="the same flag as a form field"),
    p: Principal = Depends(get_principal), runtime: Runtime = Depends(get_runtime),
    access: AccessStore = Depends(get_access),
) -> Response:
    report = run_import(runtime, access, p, file.file.read(MAX_FILE_BYTES + 1),
                        file.filename or "", dry_run=dry_run or bool(dry_run_form))
    body = report.as_dict()
    if report.dry_run:
        return JSONResponse(body, status_code=200)
    if not report.ok:
        return _refused(report)
    position = report.last_position or runtime.read_model.applied_position()
    return JSONResponse({"id": body["import_id"], "position": position, **body},
                        status_code=201)


@router.get("/imports", response_model=ImportRunsOut, responses=problem_responses(401, 403),
            summary="Các lần nhập tệp: ai, khi nào, tệp nào (import runs)",
            operation_id="list_imports")
def list_imports(limit: int = Query(100, ge=1, le=1000), p: Principal = Depends(get_principal),
                 runtime: Runtime = Depends(get_runtime)) -> ImportRunsOut:
    require_role(p, ADMIN, INSPECTOR, PERSONNEL)
    return ImportRunsOut.model_validate({"imports": import_history(runtime.engine, limit)})


@router.get("/imports/template", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {
                "schema": {"type": "string", "format": "binary"}}},
                "description": "Mẫu nhập (the import template)"},
                **problem_responses(401)},
            summary="Tải mẫu nhập hồ sơ .xlsx (download the import template)",
            operation_id="import_template")
def download_template(p: Principal = Depends(get_principal)) -> Response:
    return Response(template_workbook(), media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": attachment("mau-nhap-ho-so-can-bo.xlsx")})


@router.get("/cadres/{cadre_id}/cv", response_class=Response,
            responses={200: {"content": {DOCX_MEDIA_TYPE: {
                "schema": {"type": "string", "format": "binary"}}},
                "description": "Sơ yếu lý lịch mẫu 2C (.docx)"},
                **problem_responses(401, 403, 404, 422)},
            summary="Sơ yếu lý lịch mẫu 2C vào một ngày, như đã biết vào một thời điểm (2C CV)",
            operation_id="cadre_cv")
def cadre_cv(cadre_id: UUID,
             format: CvFormat = Query(CvFormat.DOCX, description="docx"),
             p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
             runtime: Runtime = Depends(get_runtime),
             access: AccessStore = Depends(get_access)) -> Response:
    document, name = cv_file(runtime, access, p, cadre_id, m)
    return Response(document, media_type=DOCX_MEDIA_TYPE, headers={
        "Content-Disposition": attachment(name),
        "X-As-Of": m.as_of.isoformat(), "X-Known-At": m.known_at.isoformat(),
        "X-Position": str(m.position)})


def cv_file(runtime: Runtime, access: AccessStore, p: Principal, cadre_id: UUID,
            m: Moment) -> tuple[bytes, str]:
    """The 2C CV shown to `p`: access checked, the read recorded; (document, file name).
    Served by the API and by the web UI's cadre page."""
    check_read_cadre(p, runtime, cadre_id, m)
    document = cv_document(runtime, cadre_id, m)
    profile = runtime.read_model.profile(cadre_id, m) if document is not None else None
    if document is None or profile is None:
        raise NotFound(f"Không tìm thấy cán bộ {cadre_id} (unknown cadre)",
                       code="cadre_not_found", field="id")
    name = cv_file_name(profile["full_name"], m)
    record_read(access, p, cadre_id, "cv", m)  # last: only a CV actually handed out is audited
    return document, name
