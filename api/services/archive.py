"""Imports, the CV and the log export: the service functions the API's routes and the web's pages
share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.documents_cv import cv_document, cv_file_name
from api.errors import PROBLEM_JSON, TooManyImports
from api.security import (
    ADMIN,
    PERSONNEL,
    Principal,
    check_read_cadre,
    check_write_cadre,
    check_write_unit,
    record_read,
    record_reads,
    require_role,
)
from domain.errors import NotFound, NotPermitted
from infra.access import AccessStore
from infra.importing import (
    ImportReport,
    import_file,
)

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment


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
