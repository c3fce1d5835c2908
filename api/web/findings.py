"""Findings for the screens: the runtime's `FindingsReader`, exactly what GET /findings answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from infra.runtime import Runtime
from projections.read_model import Moment


def findings(runtime: Runtime, m: Moment, *, rule: str | None = None,
             unit_id: UUID | None = None, severity: str | None = None) -> list[dict[str, Any]]:
    """The same index and answer as GET /api/v1/findings."""
    index = runtime.findings
    # "Now" is the index's own position: a past fold is built only for an explicit past moment.
    past = m.position if m.position < runtime.read_model.applied_position() else None
    return index.findings(m.as_of, past, rule=rule, unit_id=unit_id,
                          severity=severity).findings
