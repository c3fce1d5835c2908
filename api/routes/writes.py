"""Thin write routes built from one list: each parses its path ids and its body, and calls one
service function as `service(principal, runtime, *path ids, body)`; the answer is its receipt.
The cadre's entry routes are built the same way from `ENTRY_ROUTES` (api/routes/cadres.py)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import get_runtime
from api.security import Principal, get_principal


@dataclass(frozen=True)
class WriteRoute:
    path: str  # its `{ids}` are UUIDs, passed to the service in order
    body: type[BaseModel]
    service: Callable[..., Any]
    operation_id: str
    summary: str


def add_write_routes(router: APIRouter, routes: Sequence[WriteRoute], *,
                     response_model: type[BaseModel], responses: dict[int | str, Any]) -> None:
    for route in routes:
        router.post(route.path, status_code=201, response_model=response_model,
                    responses=responses, operation_id=route.operation_id,
                    summary=route.summary)(_handler(route))


def _handler(route: WriteRoute) -> Callable[..., Any]:
    ids = re.findall(r"{(\w+)}", route.path)

    def handler(**given: Any) -> Any:
        return route.service(given["p"], given["runtime"], *(given[i] for i in ids),
                             given["body"])

    keyword = inspect.Parameter.KEYWORD_ONLY
    handler.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        *(inspect.Parameter(i, keyword, annotation=UUID) for i in ids),
        inspect.Parameter("body", keyword, annotation=route.body),
        inspect.Parameter("p", keyword, default=Depends(get_principal), annotation=Principal),
        inspect.Parameter("runtime", keyword, default=Depends(get_runtime), annotation=Any),
    ])
    handler.__name__ = handler.__qualname__ = route.operation_id
    return handler
