"""Cadres (cán bộ): registration, every recorded decision, corrections; profile and record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, ValidationError

from api.deps import get_access, get_moment, get_runtime
from api.errors import problem_responses
from api.routes.checkpoints import get_certifier
from api.schemas import (
    REPLACEMENT_MODELS,
    AppointmentIn,
    CadreIn,
    CadresOut,
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
    check_correct_entry,
    check_read_cadre,
    check_read_unit,
    check_write_cadre,
    check_write_unit,
    get_principal,
    record_read,
    record_reads,
    require_role,
)
from domain.application import Receipt as DomainReceipt
from domain.errors import Conflict, InvalidCommand, NotFound
from infra.access import AccessStore
from infra.certificates import Certifier
from infra.erasure import erase_personal_data

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

router = APIRouter(tags=["cadres"])

WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)
READ_PROBLEMS = problem_responses(401, 403, 404, 422)


def _answer(runtime: Runtime, receipt: DomainReceipt) -> Receipt:
    # The write is committed: answer now. Nothing after the commit may turn it into an error
    # (the projector applies it; the next read waits for it: read your own write).
    runtime.written(receipt.position)
    return Receipt(id=receipt.id, position=receipt.position,
                   entry_position=receipt.entry_position or receipt.position,
                   warnings=list(receipt.warnings))


def _cadre_not_found(cadre_id: UUID) -> NotFound:
    return NotFound(f"Không tìm thấy cán bộ {cadre_id} (unknown cadre)", code="cadre_not_found",
                    field="id")


# --- writes ----------------------------------------------------------------------------------


@router.post("/cadres", status_code=201, response_model=Receipt, responses=WRITE_PROBLEMS,
             summary="Đăng ký cán bộ (register a cadre)", operation_id="register_cadre")
def register_cadre(body: CadreIn, p: Principal = Depends(get_principal),
                   runtime: Runtime = Depends(get_runtime)) -> Receipt:
    require_role(p, ADMIN, PERSONNEL)
    runtime.read_side_current()
    same, namesakes = runtime.read_model.people_like(
        national_id=body.national_id, full_name=body.full_name, born_on=body.born_on)
    if same:
        raise Conflict("Số định danh đã có trong hồ sơ một cán bộ khác; không đăng ký lần hai "
                       "(a cadre with this national ID is already on record: duplicate_person)",
                       code="duplicate_person", field="national_id")
    answer = _answer(runtime, runtime.app.register_cadre(**body.command(), recorded_by=p.name))
    if namesakes:
        # A warning, not a refusal: namesakes born the same day exist. Scoped officers learn
        # that one exists, not who (the ids are for roles that may read every record).
        shown = [str(c) for c in namesakes] if p.role == ADMIN else []
        answer.warnings = [{"code": "probable_duplicate", "field": "full_name",
                            "message": "Đã có cán bộ cùng họ tên và ngày sinh (a cadre with "
                                       "the same name and birth date is on record)",
                            "cadre_ids": shown}]
    return answer


@router.post("/cadres/{cadre_id}/appointments", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Bổ nhiệm, bầu cử, điều động, kiêm nhiệm… (record an appointment)",
             operation_id="appoint_cadre")
def appoint(cadre_id: UUID, body: AppointmentIn, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.appoint(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/endings", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Thôi giữ chức vụ: miễn nhiệm, nghỉ hưu… (end a holding)",
             operation_id="end_holding")
def end_holding(cadre_id: UUID, body: EndingIn, p: Principal = Depends(get_principal),
                runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.end_holding(cadre_id, **body.command(),
                                                    recorded_by=p.name))


@router.post("/cadres/{cadre_id}/transfers", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Điều động, luân chuyển: thôi giữ một chức vụ và bổ nhiệm chức vụ khác "
                     "(end a post and appoint to another, as one decision)",
             operation_id="transfer_cadre")
def transfer(cadre_id: UUID, body: TransferIn, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.from_unit_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.transfer(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/nominations", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Giới thiệu ứng cử (nominate as a candidate)",
             operation_id="nominate_cadre")
def nominate(cadre_id: UUID, body: NominationIn, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.nominate(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/evaluations", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Đánh giá, xếp loại (record an evaluation)",
             operation_id="evaluate_cadre")
def evaluate(cadre_id: UUID, body: EvaluationIn, p: Principal = Depends(get_principal),
             runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.evaluate(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/trainings", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Đào tạo, bồi dưỡng (record a training)",
             operation_id="record_training")
def record_training(cadre_id: UUID, body: TrainingIn, p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.record_training(cadre_id, **body.command(),
                                                        recorded_by=p.name))


@router.post("/cadres/{cadre_id}/qualifications", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Văn bằng, trình độ (record a qualification)",
             operation_id="add_qualification")
def add_qualification(cadre_id: UUID, body: QualificationIn,
                      p: Principal = Depends(get_principal),
                      runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.add_qualification(cadre_id, **body.command(),
                                                          recorded_by=p.name))


@router.post("/cadres/{cadre_id}/planning", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Quy hoạch hoặc đưa ra khỏi quy hoạch (plan, or remove with removed: true)",
             operation_id="plan_cadre")
def plan(cadre_id: UUID, body: PlanningIn, p: Principal = Depends(get_principal),
         runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.plan(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/disciplines", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Kỷ luật (record a discipline)",
             operation_id="discipline_cadre")
def discipline(cadre_id: UUID, body: DisciplineIn, p: Principal = Depends(get_principal),
               runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.discipline(cadre_id, **body.command(),
                                                   recorded_by=p.name))


@router.post("/cadres/{cadre_id}/vettings", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Thẩm định lịch sử chính trị (record a political vetting)",
             operation_id="vet_cadre")
def vet(cadre_id: UUID, body: VettingIn, p: Principal = Depends(get_principal),
        runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.vet(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/commendations", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Khen thưởng (record a commendation)",
             operation_id="commend_cadre")
def commend(cadre_id: UUID, body: CommendationIn, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.commend(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/employments", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Quá trình công tác, ngạch, bậc lương (record an employment)",
             operation_id="employ_cadre")
def employ(cadre_id: UUID, body: EmploymentIn, p: Principal = Depends(get_principal),
           runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.unit_id)
    return _answer(runtime, runtime.app.employ(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/suspensions", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Tạm đình chỉ công tác (record a suspension)",
             operation_id="suspend_cadre")
def suspend(cadre_id: UUID, body: SuspensionIn, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.suspend(cadre_id, **body.command(), recorded_by=p.name))


@router.post("/cadres/{cadre_id}/relatives", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS, summary="Quan hệ gia đình (add a relative)",
             operation_id="add_relative")
def add_relative(cadre_id: UUID, body: RelativeIn, p: Principal = Depends(get_principal),
                 runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_write_cadre(p, runtime, cadre_id)
    return _answer(runtime, runtime.app.add_relative(cadre_id, **body.command(),
                                                     recorded_by=p.name))


@router.post("/cadres/{cadre_id}/corrections", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Đính chính hoặc thu hồi một mục hồ sơ (correct or retract an entry)",
             operation_id="correct_entry")
def correct(cadre_id: UUID, body: CorrectionIn, p: Principal = Depends(get_principal),
            runtime: Runtime = Depends(get_runtime)) -> Receipt:
    check_correct_entry(p, runtime, cadre_id, body.target_position)
    replacement: dict[str, Any] | None = None
    if body.replacement is not None:
        parsed = parse_replacement(runtime, cadre_id, body.target_position, body.replacement)
        unit_id = getattr(parsed, "unit_id", None)
        if isinstance(unit_id, UUID):
            check_write_unit(p, runtime, unit_id)
        replacement = parsed.command()
    return _answer(runtime, runtime.app.correct(
        cadre_id, target_position=body.target_position, reason=body.reason,
        replacement=replacement, recorded_by=p.name))


def parse_replacement(runtime: Runtime, cadre_id: UUID, position: int, raw: dict[str, Any],
                      where: tuple[str, ...] = ("body", "replacement")) -> Any:
    """`raw` validated as the payload of the command that recorded the entry at `position`
    (also a self-service request's proposal); errors located under `where`."""
    type_ = runtime.app.entry_type_at(cadre_id, position)
    model = REPLACEMENT_MODELS.get(type_)
    if model is None:
        raise InvalidCommand(f"Mục {position} không thể đính chính (entry of type "
                             f"{type_} cannot be corrected)", code="not_correctable",
                             field="target_position")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise RequestValidationError([
            {**e, "loc": (*where, *e["loc"])} for e in error.errors()]) from None


@router.post("/cadres/{cadre_id}/erasure", status_code=201, response_model=Receipt,
             responses=WRITE_PROBLEMS,
             summary="Hủy dữ liệu cá nhân bằng xóa khóa (erase personal data: crypto-shredding)",
             operation_id="erase_personal_data")
def erase(cadre_id: UUID, body: ErasureIn, p: Principal = Depends(get_principal),
          runtime: Runtime = Depends(get_runtime)) -> Receipt:
    require_role(p, ADMIN)
    # Recorded first, then shredded, scrubbed and compacted (infra/erasure.py); a retry after
    # a crash in between completes the shred and still answers `already_erased`.
    return _answer(runtime, erase_personal_data(runtime, cadre_id, reason=body.reason,
                                                recorded_by=p.name))


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
def cadre_profile(cadre_id: UUID, p: Principal = Depends(get_principal),
                  m: Moment = Depends(get_moment), runtime: Runtime = Depends(get_runtime),
                  access: AccessStore = Depends(get_access)) -> ProfileOut:
    check_read_cadre(p, runtime, cadre_id, m)
    profile = runtime.read_model.profile(cadre_id, m)
    if profile is None:
        raise _cadre_not_found(cadre_id)
    record_read(access, p, cadre_id, "profile", m)
    return ProfileOut.model_validate({**profile, "as_of": m.as_of, "known_at": m.known_at,
                                      "position": m.position})


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
