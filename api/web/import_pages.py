"""Spreadsheet import on the web (issue 21, item 10): choose a file, check it first (the dry
run's row-by-row report), then record it, all or nothing. The page calls the API's own
`run_import` (POST /api/v1/imports): the same role, throttle, row scope and read audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.documents import attachment
from api.security import require_role
from api.services.archive import run_import
from api.web.pages import (
    SECURITY_HEADERS,
    WRITERS,
    Visitor,
    page,
    refusal_page,
    require_csrf,
    runtime_of,
    screen,
    visitor_of,
)
from domain.errors import DomainError, InvalidCommand
from infra.importing import MAX_FILE_BYTES, XLSX_MEDIA_TYPE, ImportReport, template_workbook

router = APIRouter(include_in_schema=False)

# What the dry run plans, as an officer reads it.
PLANNED = {"register_cadre": "Đăng ký cán bộ mới", "correct_identity": "Đính chính lý lịch",
           "appoint": "Bổ nhiệm, phân công", "correct_appointment": "Đính chính bổ nhiệm",
           "end_holding": "Thôi giữ chức vụ", "correct_ending": "Đính chính thôi giữ chức vụ",
           "nominate": "Giới thiệu ứng cử", "correct_nomination": "Đính chính giới thiệu ứng cử",
           "unchanged": "Không thay đổi (đã có trong hồ sơ)",
           "duplicate_row": "Dòng trùng lặp trong tệp"}
LEVELS = {"error": "Lỗi", "warning": "Lưu ý"}


def _screen(request: Request, v: Visitor, report: ImportReport | None = None,
            error: str | None = None, status: int = 200) -> Response:
    return page(request, "import.html", {
        "v": v, "report": report.as_dict() if report else None, "error": error,
        "planned_names": PLANNED, "levels": LEVELS, "max_mb": MAX_FILE_BYTES // 1_000_000},
        status)


@router.get("/nhap-tep", name="web_import")
@screen
def import_page(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    return _screen(request, v)


@router.get("/nhap-tep/mau", name="web_import_template")
@screen
def import_template(request: Request) -> Response:
    v = visitor_of(request)
    require_role(v.principal, *WRITERS)
    return Response(template_workbook(), media_type=XLSX_MEDIA_TYPE, headers={
        **SECURITY_HEADERS, "Content-Disposition": attachment("mau-nhap-ho-so-can-bo.xlsx")})


@router.post("/nhap-tep")
async def import_post(request: Request) -> Response:
    v = visitor_of(request)
    runtime = runtime_of(request)
    data = await request.form()
    try:
        require_role(v.principal, *WRITERS)
        require_csrf(v, data)
        upload: Any = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidCommand("Hãy chọn tệp .xlsx hoặc .csv để nhập", code="invalid_command",
                                 field="file")
        content = await upload.read(MAX_FILE_BYTES + 1)
        dry_run = data.get("thao_tac") != "ghi"
        report = await run_in_threadpool(run_import, runtime, request.app.state.access,
                                         v.principal, content, upload.filename,
                                         dry_run=dry_run)
    except DomainError as refused:
        if refused.field == "file":
            return _screen(request, v, error=refused.message, status=400)
        return refusal_page(request, v, refused)
    if report.recorded and report.last_position:
        runtime.written(report.last_position)
    return _screen(request, v, report, status=200 if report.ok else 400)
