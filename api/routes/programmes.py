"""Training programmes (danh mục chương trình đào tạo, bồi dưỡng): the catalogue a training
is recorded against (domain/programmes.py). Every role reads it; the administrator adds to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from api import services
from api.deps import get_runtime
from api.errors import problem_responses
from api.schemas import Code, Command, Receipt, Text
from api.security import ALL_ROLES, Principal, get_principal, require_role
from domain.commands import AddProgramme
from domain.programmes import ProgrammeKind, as_row

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["cadres"])


class ProgrammeIn(Command):
    code: Code
    name: Text
    kind: ProgrammeKind


class ProgrammeOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    kind: str
    kind_name: str
    confers_kind: str | None = None
    confers_level: str | None = None
    built_in: bool


class ProgrammesOut(BaseModel):
    programmes: list[ProgrammeOut]


@router.get("/programmes", response_model=ProgrammesOut,
            responses=problem_responses(401, 403, 422),
            summary="Danh mục chương trình đào tạo, bồi dưỡng (training programmes)",
            operation_id="list_programmes")
def list_programmes(p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime)) -> ProgrammesOut:
    # A catalogue, no personal data: every role may read it.
    require_role(p, *ALL_ROLES)
    rows: list[dict[str, Any]] = [as_row(x) for x in runtime.app.programmes()]
    return ProgrammesOut.model_validate({"programmes": rows})


@router.post("/programmes", status_code=201, response_model=Receipt,
             responses=problem_responses(400, 401, 403, 409, 422),
             summary="Bổ sung chương trình vào danh mục (add a programme)",
             operation_id="add_programme")
def add_programme(body: ProgrammeIn, p: Principal = Depends(get_principal),
                  runtime: Runtime = Depends(get_runtime)) -> Receipt:
    receipt = services.add_programme(runtime, p, AddProgramme(**body.command()))
    return Receipt(id=receipt.id, position=receipt.position)
