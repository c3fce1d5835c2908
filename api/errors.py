"""The one place where refusals become HTTP answers (application/problem+json, RFC 9457).

Domain refusals keep their stable `code` and `field`; malformed payloads become 422 with an
`errors` list naming each bad field; everything else the framework raises (unknown path,
wrong method) is rendered the same way so clients parse one shape.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import Conflict, DomainError, InvalidCommand, NotFound, NotPermitted
from infra.database import STORE_UNAVAILABLE
from infra.projector import ReadSideBehind

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("hoso.errors")


class NotAuthenticated(DomainError):
    """No bearer token, or one the service does not know (401)."""

    code = "not_authenticated"


class TooManyAttempts(DomainError):
    """The caller tried too often this minute; it must wait `retry_after` seconds (429)."""

    def __init__(self, message: str, code: str, retry_after: int) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class TooManyFailures(TooManyAttempts):
    """This client address failed authentication too often."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Quá nhiều lần xác thực sai, hãy thử lại sau {retry_after} giây (too "
                         f"many failed authentications from this address; retry in "
                         f"{retry_after} s)", "too_many_failed_attempts", retry_after)


class TooManyImports(TooManyAttempts):
    """This token imported or checked files too often."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Quá nhiều lần nhập hoặc kiểm tra tệp trong một phút, hãy thử lại sau "
                         f"{retry_after} giây (too many imports or dry runs; retry in "
                         f"{retry_after} s)", "too_many_imports", retry_after)


class TooManyPublicReads(TooManyAttempts):
    """This client address made too many public reads this minute."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Quá nhiều lượt tra cứu, hãy thử lại sau {retry_after} giây (too many "
                         f"public reads from this address; retry in {retry_after} s)",
                         "too_many_requests", retry_after)


STATUS_BY_FAMILY: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotAuthenticated, 401, "Chưa xác thực (not authenticated)"),
    (ReadSideBehind, 503, "Bảng đọc chưa cập nhật kịp (read side behind)"),
    (TooManyPublicReads, 429, "Quá nhiều lượt tra cứu (too many requests)"),
    (TooManyAttempts, 429, "Quá nhiều lần thử (too many requests)"),
    (NotPermitted, 403, "Không có quyền (forbidden)"),
    (NotFound, 404, "Không tìm thấy (not found)"),
    (Conflict, 409, "Xung đột dữ liệu (conflict)"),
    (InvalidCommand, 400, "Yêu cầu không hợp lệ (invalid command)"),
)

_TITLES_BY_STATUS = {
    400: "Yêu cầu không hợp lệ (bad request)",
    401: "Chưa xác thực (not authenticated)",
    403: "Không có quyền (forbidden)",
    404: "Không tìm thấy (not found)",
    405: "Phương thức không được hỗ trợ (method not allowed)",
    409: "Xung đột dữ liệu (conflict)",
    422: "Dữ liệu gửi lên không đúng định dạng (malformed payload)",
    413: "Nội dung quá lớn (payload too large)",
    429: "Quá nhiều lần thử (too many requests)",
    500: "Lỗi máy chủ (internal server error)",
    503: "Dịch vụ tạm thời không sẵn sàng (service unavailable)",
}
RETRY_AFTER_SECONDS = 1


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """application/problem+json body; `code` is stable and meant for machines."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    errors: list[FieldError] | None = None


def status_of(error: DomainError) -> tuple[int, str]:
    for family, status, title in STATUS_BY_FAMILY:
        if isinstance(error, family):
            return status, title
    return 400, _TITLES_BY_STATUS[400]


def problem_response(status: int, title: str, detail: str, code: str,
                     field: str | None = None, errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None,
                     extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {**(extra or {}),
        "type": f"https://hoso.local/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_for(error: DomainError) -> JSONResponse:
    status, title = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    # Too many failures, or an idempotency key still in flight: when to try again.
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        headers = {"Retry-After": str(retry_after)}
    return problem_response(status, title, error.message, error.code, error.field,
                            headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "decision", "signed_on") -> "decision.signed_on"; query/path keep their name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_problem(errors: list[dict[str, Any]], prefix: str = "") -> JSONResponse:
    listed = [
        {"field": prefix + _field_path(e.get("loc", ())), "message": str(e.get("msg", "")),
         "type": str(e.get("type", "invalid"))}
        for e in errors
    ]
    first = listed[0]["field"] if listed else None
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in listed) or "malformed payload"
    return problem_response(422, _TITLES_BY_STATUS[422], detail, "validation_error", first,
                            errors=listed)


async def _on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_for(exc)


def _unreadable_body(code: str, message: str) -> JSONResponse:
    """A body that is not JSON at all (or not UTF-8): a payload problem naming the body."""
    return problem_response(422, _TITLES_BY_STATUS[422], message, code, "body",
                            errors=[{"field": "body", "message": message, "type": code}])


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        # pydantic puts the character offset where a field name belongs.
        at = broken.get("loc", ("body", "?"))[-1]
        return _unreadable_body("malformed_json", f"Nội dung không phải JSON hợp lệ, lỗi ở ký "
                                f"tự {at} (malformed JSON at character {at}: "
                                f"{broken.get('ctx', {}).get('error', 'decode error')})")
    return validation_problem(errors)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI reports a body it cannot decode as a bare 400.
        return _unreadable_body("invalid_utf8", "Nội dung không phải UTF-8 hợp lệ (request body "
                                f"is not valid UTF-8: {exc.__cause__.reason} at byte "
                                f"{exc.__cause__.start})")
    if status == 400 and exc.__cause__ is not None:
        return _unreadable_body("malformed_body", "Không đọc được nội dung yêu cầu (the request "
                                f"body could not be parsed: {type(exc.__cause__).__name__})")
    title = _TITLES_BY_STATUS.get(status, "Lỗi (error)")
    detail = exc.detail if isinstance(exc.detail, str) else title
    code = {401: "not_authenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed"}.get(status, f"http_{status}")
    return problem_response(status, title, detail, code, headers=dict(exc.headers or {}))


async def _on_store_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
    return store_unavailable()


def store_unavailable() -> JSONResponse:
    """The store dropped the connection or is failing over. A write cut off here did not
    commit (the transaction died with the connection), so the client may retry it."""
    return problem_response(503, _TITLES_BY_STATUS[503],
                            "Kho dữ liệu tạm thời không truy cập được, hãy thử lại (the store "
                            "is unreachable for a moment; nothing was recorded; retry)",
                            "store_unavailable",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


HtmlErrorPage = Callable[[Request, int, str, str], Response]


def unexpected(html_page: HtmlErrorPage | None) -> Callable[[Request, Exception], Any]:
    """Any other exception: logged with an error id, answered with that id (problem+json on
    the API, an HTML page elsewhere), never a bare text/plain 500."""

    async def on_error(request: Request, exc: Exception) -> Response:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s on %s %s", error_id, request.method, request.url.path,
                  exc_info=exc)
        detail = (f"Lỗi không mong đợi, mã lỗi {error_id}; hãy báo quản trị viên mã này "
                  f"(unexpected error; quote error id {error_id})")
        if html_page is not None and not request.url.path.startswith("/api/"):
            return html_page(request, 500, _TITLES_BY_STATUS[500], detail)
        return problem_response(500, _TITLES_BY_STATUS[500], detail, "internal_error",
                                extra={"error_id": error_id})

    return on_error


def _web(request: Request, html_page: HtmlErrorPage | None) -> bool:
    """A browser's page (not the API, not a static file): it gets an HTML error page."""
    path = request.url.path
    return html_page is not None and not path.startswith(("/api/", "/static/")) \
        and path != "/openapi.json"


def for_pages(html_page: HtmlErrorPage | None,
              api: Callable[[Request, Exception], Any]) -> Callable[[Request, Exception], Any]:
    """The framework's refusals (a malformed address, an unknown page, a wrong method) as an
    HTML page on the web UI, and as problem+json on the API."""

    async def on_error(request: Request, exc: Exception) -> Response:
        if not _web(request, html_page):
            return await api(request, exc)  # type: ignore[no-any-return]
        assert html_page is not None
        if isinstance(exc, RequestValidationError):
            return html_page(request, 400, "Địa chỉ không hợp lệ",
                             "Đường dẫn hoặc tham số không hợp lệ; hãy mở trang từ danh sách.")
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code < 400:  # a redirect (sign in first) stays a redirect
            return await api(request, exc)  # type: ignore[no-any-return]
        messages = {404: ("Không tìm thấy trang", "Trang này không có; hãy quay lại trang chủ."),
                    405: ("Không thực hiện được", "Trang này không nhận thao tác đó.")}
        title, message = messages.get(exc.status_code, (
            _TITLES_BY_STATUS.get(exc.status_code, "Lỗi"),
            exc.detail if isinstance(exc.detail, str) else "Yêu cầu không thực hiện được."))
        return html_page(request, exc.status_code, title, message)

    return on_error


def install(app: FastAPI, html_page: HtmlErrorPage | None = None) -> None:
    """Register the handlers: DomainError families, 422 payload errors, framework errors,
    a lost store connection (503), and every unexpected exception (500 with an error id)."""
    for error in STORE_UNAVAILABLE:
        app.add_exception_handler(error, _on_store_unavailable)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, for_pages(html_page, _on_validation_error))
    app.add_exception_handler(StarletteHTTPException, for_pages(html_page, _on_http_error))
    app.add_exception_handler(Exception, unexpected(html_page))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the problems a route may answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "model": Problem,
            "description": _TITLES_BY_STATUS.get(status, "Problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
