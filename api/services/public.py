"""The public record: the service functions the API's routes and the web's pages share."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import Query, Request
from pydantic import AfterValidator, BaseModel

from api.errors import TooManyPublicReads, problem_responses
from api.schemas import Answer, clean_text
from api.security import client_address
from infra.access import AccessStore
from infra.settings import Settings

if TYPE_CHECKING:
    pass


PROBLEMS = problem_responses(404, 422, 429)


def public_gate(request: Request) -> None:
    """One public read for this client address, or 429 when its minute's share is spent."""
    settings: Settings = request.app.state.settings
    access: AccessStore = request.app.state.access
    wait = access.take_public_read(client_address(request), settings.public_reads_per_minute)
    if wait is not None:
        raise TooManyPublicReads(wait)


class PublicDecision(BaseModel):
    number: str | None = None
    signed_on: date | None = None
    issuer: str | None = None


class PublicPost(BaseModel):
    title: str
    title_code: str
    unit: str | None
    unit_id: UUID
    since: date


class PublicCadre(BaseModel):
    id: UUID
    full_name: str
    posts: list[PublicPost]


class PublicCadresOut(Answer):
    cadres: list[PublicCadre]
    policy_valid_from: date
    limit: int
    offset: int


class PublicHolding(BaseModel):
    title: str
    title_code: str
    unit: str | None
    unit_id: UUID
    since: date
    decision: PublicDecision | None


class PublicHistoryItem(BaseModel):
    event: str  # appointment | ending
    on: date
    kind: str | None  # action kind of an appointment, reason of an ending
    title: str
    unit: str | None
    decision: PublicDecision | None


class PublicProfileOut(Answer):
    id: UUID
    full_name: str
    born_year: int | None = None
    holdings: list[PublicHolding]
    history: list[PublicHistoryItem]
    policy_valid_from: date
    policy_source: str


def _search_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value)


SearchQuery = Annotated[str | None, Query(max_length=200, description="họ tên, không phân biệt "
                                          "dấu (đ = d) và hoa thường"),
                        AfterValidator(_search_text)]
