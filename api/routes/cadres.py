"""Cadres (cán bộ): registration, every recorded decision, corrections; profile and record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, TypeAdapter
from starlette.concurrency import run_in_threadpool

from api import services
from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.routes.checkpoints import get_certifier
from api.schemas import (
    AppointmentIn,
    CadreIn,
    CadresOut,
    Command,
    CommendationIn,
    CorrectionIn,
    DisciplineIn,
    EmploymentIn,
    EndingIn,
    ErasureIn,
    EvaluationIn,
    NominationIn,
    PlanningIn,
    ProfileOut,
    QualificationIn,
    Receipt,
    RecordOut,
    RelativeIn,
    SuspensionIn,
    TrainingIn,
    TransferIn,
    VettingIn,
    clean_text,
)
from api.security import (
    ADMIN,
    INSPECTOR,
    LEADER,
    PERSONNEL,
    Principal,
    check_read_cadre,
    check_read_unit,
    get_principal,
    record_read,
    record_reads,
    require_role,
)
from domain.application import Receipt as DomainReceipt
from domain.errors import NotFound
from infra.access import AccessStore
from infra.certificates import Certifier

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["cadres"])

WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)
READ_PROBLEMS = problem_responses(401, 403, 404, 422)


def receipt_answer(receipt: DomainReceipt) -> Response:
    """A write's 201: the service's receipt as the API answers it (the service marked the
    write), dumped by `Receipt` to JSON bytes without validating it again: the fields come from
    the domain's receipt, already typed. Returned as a response, FastAPI neither validates it
    against `response_model` nor serialises it once more: that was about 8% of the event
    loop's CPU per write in the profile (bench/http_path_notes.md, "Writes CPU"). The OpenAPI
    schema still says `Receipt` (the route's `response_model`)."""
    answer = Receipt.model_construct(id=receipt.id, position=receipt.position,
                                     entry_position=receipt.entry_position or receipt.position,
                                     warnings=list(receipt.warnings))
    return Response(_RECEIPT_JSON.dump_json(answer), status_code=201,
                    media_type="application/json")


_RECEIPT_JSON = TypeAdapter(Receipt)


def _cadre_not_found(cadre_id: UUID) -> NotFound:
    return NotFound(f"Không tìm thấy cán bộ {cadre_id} (unknown cadre)", code="cadre_not_found",
                    field="id")


# --- writes ----------------------------------------------------------------------------------


@router.post("/cadres", status_code=201, response_model=Receipt, responses=WRITE_PROBLEMS,
             summary="Đăng ký cán bộ (register a cadre)", operation_id="register_cadre")
def register_cadre(body: CadreIn, p: Principal = Depends(get_principal),
                   runtime: Runtime = Depends(get_runtime)) -> Response:
    return receipt_answer(services.register_cadre(runtime, p, body))


# The entries of a cadre's record the API takes, one route each (the registration and the
# corrections have their own): the path, the summary and the operation id. What the entry means
# and which command records it is the payload model's (`records`) and domain/record.py's.
ENTRY_ROUTES: tuple[tuple[type[Command], str, str, str], ...] = (
    (AppointmentIn, "appointments", "Bổ nhiệm, bầu cử, điều động, kiêm nhiệm… (record an appointment)",
     "appoint_cadre"),
    (EndingIn, "endings", "Thôi giữ chức vụ: miễn nhiệm, nghỉ hưu… (end a holding)",
     "end_holding"),
    (NominationIn, "nominations", "Giới thiệu ứng cử (nominate as a candidate)",
     "nominate_cadre"),
    (EvaluationIn, "evaluations", "Đánh giá, xếp loại (record an evaluation)",
     "evaluate_cadre"),
    (TrainingIn, "trainings", "Đào tạo, bồi dưỡng (record a training)",
     "record_training"),
    (QualificationIn, "qualifications", "Văn bằng, trình độ (record a qualification)",
     "add_qualification"),
    (PlanningIn, "planning", "Quy hoạch hoặc đưa ra khỏi quy hoạch (plan, or remove with removed: true)",
     "plan_cadre"),
    (DisciplineIn, "disciplines", "Kỷ luật (record a discipline)",
     "discipline_cadre"),
    (VettingIn, "vettings", "Thẩm định lịch sử chính trị (record a political vetting)",
     "vet_cadre"),
    (CommendationIn, "commendations", "Khen thưởng (record a commendation)",
     "commend_cadre"),
    (EmploymentIn, "employments", "Quá trình công tác, ngạch, bậc lương (record an employment)",
     "employ_cadre"),
    (SuspensionIn, "suspensions", "Tạm đình chỉ công tác (record a suspension)",
     "suspend_cadre"),
    (RelativeIn, "relatives", "Quan hệ gia đình (add a relative)",
     "add_relative"),
)


def _entry_route(model: type[Command], path: str, summary: str, operation_id: str) -> None:
    def record(cadre_id: UUID, body: Command, p: Principal = Depends(get_principal),
               runtime: Runtime = Depends(get_runtime)) -> Response:
        return receipt_answer(services.record_entry(runtime, p, cadre_id, body))

    record.__annotations__ = {**record.__annotations__, "body": model}
    assert model.records is not None
    record.__name__ = record.__qualname__ = model.records.handler
    router.post(f"/cadres/{{cadre_id}}/{path}", status_code=201, response_model=Receipt,
                responses=WRITE_PROBLEMS, summary=summary, operation_id=operation_id)(record)


for _route in ENTRY_ROUTES:
    _entry_route(*_route)


@router.post("/cadres/{cadre_id}/transfers", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Điều động, luân chuyển: thôi giữ một chức vụ và bổ nhiệm chức vụ khác "
                     "(end a post and appoint to another, as one decision)",
             operation_id="transfer_cadre")
def transfer(cadre_id: UUID, body: TransferIn, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime)) -> Response:
    return receipt_answer(services.transfer(runtime, p, cadre_id, body))


@router.post("/cadres/{cadre_id}/corrections", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Đính chính hoặc thu hồi một mục hồ sơ (correct or retract an entry)",
             operation_id="correct_entry")
def correct(cadre_id: UUID, body: CorrectionIn, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime)) -> Response:
    return receipt_answer(services.correct_entry(runtime, p, cadre_id, body))


@router.post("/cadres/{cadre_id}/erasure", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Hủy dữ liệu cá nhân bằng xóa khóa (erase personal data: crypto-shredding)",
             operation_id="erase_personal_data")
def erase(cadre_id: UUID, body: ErasureIn, p: Principal = Depends(get_principal),
          runtime: Runtime = Depends(get_runtime)) -> Response:
    return receipt_answer(services.erase_personal_data(runtime, p, cadre_id, reason=body.reason))


# --- reads -----------------------------------------------------------------------------------


def _search_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value)


SearchQuery = Annotated[
    str | None,
    Query(max_length=200, description="họ tên; không phân biệt dấu và hoa thường (matches "
                                      "without diacritics, any case)"),
    AfterValidator(_search_text),
]


@router.get("/cadres", response_model=CadresOut, responses=READ_PROBLEMS,
            summary="Tìm cán bộ (search cadres by name and unit)", operation_id="list_cadres")
def list_cadres(q: SearchQuery = None,
                unit_id: UUID | None = Query(None, description="only cadres holding a post in "
                                                                "this unit"),
                limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000),
                p: Principal = Depends(get_principal), m: Moment = Depends(get_moment),
                runtime: Runtime = Depends(get_runtime),
                access: AccessStore = Depends(get_access)) -> CadresOut:
    require_role(p, ADMIN, INSPECTOR, LEADER, PERSONNEL)
    if p.role in (LEADER, PERSONNEL):
        # Scoped roles search within their subtree unless they name a unit inside it.
        unit_id = unit_id or p.unit_id
        assert unit_id is not None
        check_read_unit(p, runtime, unit_id, m)
    cadres = runtime.read_model.cadres(m, q=q, unit_id=unit_id, limit=limit, offset=offset)
    record_reads(access, p, [c["id"] for c in cadres], "search", m)
    return CadresOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                         position=m.position, cadres=cadres, limit=limit,
                                         offset=offset))


@router.get("/cadres/{cadre_id}", response_model=ProfileOut, responses=READ_PROBLEMS,
            summary="Thông tin cán bộ vào một ngày, như đã biết vào một thời điểm (profile)",
            operation_id="cadre_profile")
async def cadre_profile(request: Request, cadre_id: UUID, p: Principal = Depends(get_principal),
                        m: Moment = Depends(get_moment)) -> Response:
    # The hot read (issue 15). On SQLite its queries (no network) run on the event loop, with
    # no thread-pool hop; on PostgreSQL in the thread pool (round trips). The audit row is
    # awaited: committed with other requests' rows, durable before the answer. The runtime
    # and the access store are taken from the app's state, not as two more dependencies
    # (each costs FastAPI's resolution on every read).
    runtime: Runtime = request.app.state.runtime
    access: AccessStore = request.app.state.access
    if runtime.settings.is_postgres:
        body = await run_in_threadpool(_profile_body, cadre_id, p, m, runtime)
    else:
        body = _profile_body(cadre_id, p, m, runtime)
    await access.record_read_async(reader=p.name, role=p.role, cadre_id=cadre_id,
                                   what="profile", as_of=m.as_of, known_at=m.known_at,
                                   position=m.position)
    return Response(with_known_at(body, m.known_at), media_type="application/json")


def _profile_body(cadre_id: UUID, p: Principal, m: Moment, runtime: Runtime) -> bytes:
    """The answer's bytes less `known_at`: kept by an earlier reader at this position and
    date (one query), else built and handed to the keeper for the next readers."""
    check_read_cadre(p, runtime, cadre_id, m)
    kept = runtime.read_model.kept_profile(cadre_id, m)
    if kept is not None:
        return kept
    profile = runtime.read_model.profile(cadre_id, m)
    if profile is None:
        raise _cadre_not_found(cadre_id)
    body = profile_body(profile, m)
    # Kept for today only: the date nearly every read asks, one answer per cadre at most
    # (answers for any date a caller names would grow without bound between two writes).
    if m.generation is not None and m.as_of == runtime.clock.today():
        runtime.documents.keep_later(dict(cadre_id=cadre_id, as_of=m.as_of,
                                          generation=m.generation, built_at=m.position,
                                          body=body))
    return body


_PROFILE_JSON = TypeAdapter(ProfileOut)
_KNOWN_AT_JSON = TypeAdapter(datetime)


def profile_body(profile: dict[str, Any], m: Moment) -> bytes:
    """The profile validated once by its model and serialised by it to JSON bytes, without
    `known_at` (the one field that differs between readers at one position and date). Handed
    the model, FastAPI would validate it again in another thread-pool hop and encode it with
    the stdlib json."""
    answer = ProfileOut.model_validate({**profile, "as_of": m.as_of, "known_at": m.known_at,
                                        "position": m.position})
    return _PROFILE_JSON.dump_json(answer, exclude={"known_at"})


def with_known_at(body: bytes, known_at: datetime) -> bytes:
    """`profile_body`'s bytes with the reader's `known_at` put in, as the model renders it."""
    return b'{"known_at":' + _KNOWN_AT_JSON.dump_json(known_at) + b"," + body[1:]


@router.get("/cadres/{cadre_id}/record", response_model=RecordOut, responses=READ_PROBLEMS,
            summary="Hồ sơ công vụ: mọi mục đã ghi, kể cả đính chính (the cadre's record)",
            operation_id="cadre_record")
def cadre_record(cadre_id: UUID, p: Principal = Depends(get_principal),
                 m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                 access: AccessStore = Depends(get_access),
                 certifier: Certifier = Depends(get_certifier)) -> JSONResponse:
    check_read_cadre(p, runtime, cadre_id, m)
    entries = runtime.read_model.record(cadre_id, m)
    if entries is None:
        raise _cadre_not_found(cadre_id)
    record_read(access, p, cadre_id, "record", m)
    served = RecordOut.model_validate(dict(as_of=m.as_of, known_at=m.known_at,
                                           position=m.position, cadre_id=cadre_id,
                                           entries=entries)).model_dump(mode="json")
    # Sealed as served, so the certificate's digest is of these very bytes' values.
    return JSONResponse(certifier.seal_record(served, [e["position"] for e in entries]))


# A request is matched against the routes in order: the reads (the profile is the hot one,
# issue 15) go before the seventeen writes, which they never shadow (no GET shares a path with
# a POST here but `/cadres`, where the method decides). Stable: each group keeps its order.
router.routes.sort(key=lambda route: "GET" not in getattr(route, "methods", ()))
