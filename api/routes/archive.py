"""Bringing records in and getting them out: spreadsheet imports and the 2C CV."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from api.deps import get_access, get_moment, get_runtime
from api.documents import attachment
from api.documents_cv import DOCX_MEDIA_TYPE
from api.errors import problem_responses
from api.security import (
    ADMIN,
    INSPECTOR,
    PERSONNEL,
    Principal,
    get_principal,
    require_role,
)
from api.services.archive import (
    CvFormat,
    ImportReceipt,
    ImportReportOut,
    ImportRunsOut,
    _refused,
    cv_file,
    run_import,
)
from infra.access import AccessStore
from infra.importing import (
    MAX_FILE_BYTES,
    XLSX_MEDIA_TYPE,
    import_history,
    template_workbook,
)

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["archive"])


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
