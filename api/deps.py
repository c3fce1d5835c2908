"""Dependencies every route shares: the runtime, the moment a read answers for, the stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from domain.calendar import EARLIEST_YEAR, LATEST_YEAR
from infra.access import AccessStore
from infra.settings import Settings

if TYPE_CHECKING:
    from infra.runtime import RequestView, Runtime
    from projections.read_model import Moment

# Business dates and instants outside these years are typos (or fuzzers), not history: refusing
# them up front keeps date arithmetic far from its limits.


def bounded_date(value: date | None) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"năm phải từ {EARLIEST_YEAR} đến {LATEST_YEAR} "
                         f"(year must be within {EARLIEST_YEAR}-{LATEST_YEAR})")
    return value


def utc_instant(value: datetime | None) -> datetime | None:
    """An aware instant in UTC; a naive one is read as UTC (the contract asks for offsets)."""
    if value is None:
        return None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"năm phải từ {EARLIEST_YEAR} đến {LATEST_YEAR} "
                         f"(year must be within {EARLIEST_YEAR}-{LATEST_YEAR})")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


AsOfQuery = Annotated[
    date | None,
    Query(description="Ngày nghiệp vụ (business date, YYYY-MM-DD); mặc định: hôm nay theo giờ "
                      "Việt Nam (default: today in Asia/Ho_Chi_Minh)"),
    AfterValidator(bounded_date),
]
KnownAtQuery = Annotated[
    datetime | None,
    Query(description="Thời điểm ghi nhận (instant, ISO 8601 with offset): only what had been "
                      "recorded by then counts; default now"),
    AfterValidator(utc_instant),
]


# The dependencies that only look something up are `async`: FastAPI runs a plain `def`
# dependency in its thread pool, a hop that costs more than the lookup.


async def get_runtime(request: Request) -> Runtime:
    runtime: Any = request.app.state.runtime
    return runtime  # type: ignore[no-any-return]


async def get_settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_access(request: Request) -> AccessStore:
    access: AccessStore = request.app.state.access
    return access


VIEW_KEY = "hoso_request_view"


def request_view(request: Request) -> RequestView:
    """The log head and the token epoch as this request found them (one query, made once per
    request however many dependencies ask: kept in the request's state)."""
    state = request.scope.setdefault("state", {})
    view: RequestView | None = state.get(VIEW_KEY)
    if view is None:
        view = state[VIEW_KEY] = request.app.state.runtime.request_view()
    return view


async def request_view_async(request: Request) -> RequestView:
    """`request_view` for an `async` dependency: on SQLite the query (tens of microseconds,
    no network) runs on the event loop; on PostgreSQL in the thread pool, so the loop goes on
    serving other requests during the round trip."""
    view: RequestView | None = request.scope.get("state", {}).get(VIEW_KEY)
    if view is not None:
        return view
    if request.app.state.settings.is_postgres:
        return await run_in_threadpool(request_view, request)
    return request_view(request)


async def get_moment(
    request: Request,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
) -> Moment:
    """The moment a read answers for, once the read side reached the log head as of the
    request's start (read your writes on every worker; 503 read_side_behind after the bounded
    wait). A request never applies events itself: the projector does. The read side's
    position comes from memory (the projector's `ReadPosition`), not from a query: when it
    already reached the head and no `known_at` is asked (nothing to look up), the moment is
    made here on the event loop; waiting, or finding `known_at`'s position, is done in the
    thread pool."""
    runtime: Runtime = request.app.state.runtime
    view = await request_view_async(request)
    known = runtime.position.known
    if known_at is None and known >= view.head:
        return runtime.read_model.moment(as_of=as_of, applied=known, generation=view.generation)
    return await run_in_threadpool(_moment_after_wait, runtime, view, as_of, known_at)


def _moment_after_wait(runtime: Runtime, view: RequestView, as_of: date | None,
                       known_at: datetime | None) -> Moment:
    applied = runtime.read_side_current(head=view.head)
    return runtime.read_model.moment(as_of=as_of, known_at=known_at, applied=applied,
                                     generation=view.generation)
