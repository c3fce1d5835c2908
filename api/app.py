"""The FastAPI application of API v1 (and the web UI beside it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from api import errors, web
from api.guards import BodySizeLimit, NoSniff
from api.idempotency import IdempotencyKeys
from api.routes import (
    archive,
    audit,
    cadres,
    checkpoints,
    correction_requests,
    evaluation_reports,
    evaluations,
    feedback,
    inspection,
    integrity,
    job_positions,
    monthly_cycle,
    oversight,
    programmes,
    public,
    reports,
    titles,
    units,
    worklists,
)
from infra.access import AccessStore
from infra.certificates import certifier_for
from infra.checkpoints import CheckpointStore
from infra.idempotency import HEADER, MAX_KEY_LENGTH, IdempotencyStore
from infra.importing import MAX_FILE_BYTES
from infra.notes import SignerKey
from infra.sessions import WebSessions
from infra.settings import Settings, get_settings

if TYPE_CHECKING:
    from infra.runtime import Runtime

API_PREFIX = "/api/v1"

TAGS = [
    {"name": "units", "description": "Đơn vị: cây tổ chức thay đổi theo thời gian (units)"},
    {"name": "titles", "description": "Chức danh và tiêu chuẩn (titles and standards)"},
    {"name": "job-positions", "description": "Vị trí việc làm, tiêu chuẩn và khung năng lực "
                                             "(job positions)"},
    {"name": "cadres", "description": "Cán bộ: quyết định, đính chính, hồ sơ công vụ (cadres)"},
    {"name": "audit", "description": "Kiểm tra: ai ghi gì, toàn vẹn sổ ghi, ai xem hồ sơ (audit)"},
    {"name": "reports", "description": "Báo cáo thống kê tại một ngày, theo dữ liệu đến một thời "
                                       "điểm; JSON, Excel, Word (reports)"},
    {"name": "oversight", "description": "Kiểm soát quyền lực: bộ quy tắc, phát hiện, kết luận "
                                         "của Ủy ban Kiểm tra (rules, findings, reviews)"},
    {"name": "archive", "description": "Nhập Excel, sơ yếu lý lịch 2C (imports, CV)"},
    {"name": "public", "description": "Hồ sơ công vụ công khai, không cần token (public record)"},
    {"name": "feedback", "description": "Phản ánh nội bộ, bảo vệ người phản ánh (feedback)"},
    {"name": "inspection", "description": "Kiểm tra, giám sát: kế hoạch, vụ việc, chứng cứ, kết "
                                          "luận, khắc phục (plans, cases, remedies)"},
    {"name": "integrity", "description": "Phân cấp quản lý cán bộ, hồ sơ bổ nhiệm, kê khai tài "
                                         "sản, đi nước ngoài (authority, dossiers, "
                                         "declarations, travel)"},
    {"name": "worklists", "description": "Việc cần làm của cán bộ tổ chức: chức vụ sắp hết thời "
                                         "hạn bổ nhiệm (term-end worklist)"},
]

DESCRIPTION = """\
Hồ sơ cán bộ: every personnel decision recorded once, never overwritten; every read answers for
a business date `as_of` and for what was known at an instant `known_at`, and says which log
`position` it reflects. Authenticate with `Authorization: Bearer <token>` (`hoso token create`).
Errors are `application/problem+json` with a stable `code`.
"""


FOLLOW_SECONDS = 1.0


def _follow(runtime: Runtime, stop: threading.Event, store: CheckpointStore,
            signer: SignerKey | None) -> None:
    settings = runtime.settings
    while not stop.wait(FOLLOW_SECONDS):
        try:
            # The read side is the projector's (infra/projector.py), not the follower's.
            runtime.log.grow_tree()  # the Merkle tree follows the chain, off the write path
            if signer is not None:
                # Off the write path: a write never waits for a signature.
                store.issue_due(runtime.trees, signer, settings.checkpoint_every_events,
                                settings.checkpoint_every_minutes, runtime.now())
        except Exception:  # a store restarting: try again next tick
            logging.getLogger("hoso.follower").warning("following the log failed",
                                                       exc_info=True)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The app; without a runtime it opens one for `settings` (default: the environment)."""
    from infra.runtime import open_runtime

    settings = settings or get_settings()
    owned = runtime is None
    # A worker does not bring the read side up itself: the projector does (`hoso serve` has
    # settled it once before starting the workers), and reads wait for it.
    active: Runtime = runtime if runtime is not None else open_runtime(settings, settle=False)
    if settings.projector == "embedded":
        # Every worker runs a candidate; one leads, the others take over if it stops. Started
        # here rather than in the lifespan, so an app used without one still reads current.
        active.start_projector()
    access = AccessStore.for_store(settings, active.engine, active.clock)
    # Web sessions and idempotency keys are shared by all workers: rows beside the tokens.
    sessions = WebSessions(access.engine, active.clock)
    idempotency = IdempotencyStore(access.engine, active.clock)
    # Checkpoints and cosignatures cannot be re-derived (cosignatures come from outside):
    # they live beside the tokens, on the durable engine.
    certifier = certifier_for(active, access.engine)
    store, signer = certifier.store, certifier.signer

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if owned:
            # Grow the Merkle tree behind the log and sign checkpoints, off the write path.
            threading.Thread(target=_follow, args=(active, stop, store, signer),
                             name="log-follower", daemon=True).start()
        yield
        stop.set()
        if owned:
            active.close()
        if access.engine is not active.engine:
            access.engine.dispose()

    app = FastAPI(title="hoso API", version="1.0.0", description=DESCRIPTION,
                  openapi_tags=TAGS, lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = active
    app.state.access = access
    app.state.sessions = sessions
    app.state.idempotency = idempotency
    app.state.checkpoints = store
    app.state.signer = signer
    app.state.certifier = certifier
    errors.install(app, web.error_page)
    _document_problems(app)
    # Innermost of the three: a body is size-checked before the key store reads it whole.
    app.add_middleware(IdempotencyKeys, store=idempotency, sessions=sessions)
    body_limit = int(settings.max_body_mb * 2**20)
    # An import carries a workbook of up to MAX_FILE_BYTES plus its multipart framing.
    app.add_middleware(BodySizeLimit, default=body_limit, by_path={
        f"{API_PREFIX}/imports": max(body_limit, MAX_FILE_BYTES + 2**20)})
    app.add_middleware(NoSniff)
    # The cadres' routes first: the profile is the hot read (matched in order, issue 15).
    for module in (cadres, units, titles, evaluations, audit, checkpoints, oversight, reports,
                   archive, public, feedback, inspection, integrity, monthly_cycle, worklists,
                   correction_requests, evaluation_reports, job_positions, programmes):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(web.router)
    app.include_router(web.public_router)
    app.include_router(web.feedback_router)
    app.include_router(web.inspection_router)
    app.include_router(web.integrity_router)
    app.include_router(web.token_router)
    app.include_router(web.import_router)
    app.include_router(web.cycle_router)
    app.include_router(web.correction_router)
    app.include_router(web.evaluation_router)
    app.include_router(web.job_position_router)
    return app


def _document_problems(app: FastAPI) -> None:
    """Every API operation documents the problems the gate and the validator answer.

    FastAPI documents its own 422 body; ours is problem+json (api/errors.py), so the spec is
    patched in this one place for every router, including those of other modules.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        problem = errors.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        for path, item in spec.get("paths", {}).items():
            if not path.startswith(API_PREFIX):
                continue
            # The public record takes no token: no 401 or 403 to document there.
            gate = (413, 422, 429) if path.startswith(f"{API_PREFIX}/public/") \
                else (401, 403, 413, 422, 429)
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                if method == "post":
                    _document_idempotency_key(operation)
                for status, entry in errors.problem_responses(*gate).items():
                    if str(status) == "422" or str(status) not in responses:
                        responses[str(status)] = {
                            "description": entry["description"],
                            "content": {
                                media: {"schema": {"$ref": "#/components/schemas/Problem"}}
                                for media in (errors.PROBLEM_JSON, "application/json")},
                        }
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _document_idempotency_key(operation: dict[str, Any]) -> None:
    """Every POST takes `Idempotency-Key` (api/idempotency.py) and may then answer 400 (a bad
    key) or 409 (a key reused with another body, or still in flight)."""
    operation.setdefault("parameters", []).append({
        "name": HEADER, "in": "header", "required": False,
        "description": "Sent again with the same body, the first answer is replayed and nothing "
                       "is recorded twice (contract v1.1, Requests); keys belong to the token.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                   "pattern": r"^[!-~]([ -~]*[!-~])?$"}})
    responses = operation.setdefault("responses", {})
    for status, entry in errors.problem_responses(400, 409).items():
        responses.setdefault(str(status), {
            "description": entry["description"],
            "content": {errors.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        })
