"""Findings for the screens: the log folded by `projections.findings.RecordFold` and judged by
the rule pack (`findings_as_of`), exactly what GET /findings answers.

The fold of the whole log is kept per process and advanced as events arrive; a past
`known_at` folds the log up to the position recorded by then.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from infra.runtime import Runtime, decoder
from projections.findings import RecordFold, findings_as_of
from projections.read_model import Moment

BATCH = 2000
_lock = threading.Lock()


def _advance(fold: RecordFold, runtime: Runtime, until: int | None) -> None:
    decode = decoder(runtime.app)
    after = fold.position
    while True:
        records = runtime.log.select(after, BATCH)
        if not records:
            return
        for record in records:
            if until is not None and record.position > until:
                return
            fold.apply(record.position, record.recorded_at, decode(record))
            after = record.position
        fold.position = max(fold.position, after)


def fold_for(runtime: Runtime, m: Moment) -> RecordFold:
    with _lock:
        current: RecordFold | None = runtime.extras.get("web_findings_fold")
        if current is None:
            current = RecordFold()
            runtime.extras["web_findings_fold"] = current
        _advance(current, runtime, None)
        if current.position <= m.position:
            return current
    past = RecordFold()
    _advance(past, runtime, m.position)
    return past


def findings(runtime: Runtime, m: Moment, *, rule: str | None = None,
             unit_id: UUID | None = None, severity: str | None = None) -> list[dict[str, Any]]:
    return findings_as_of(fold_for(runtime, m), m.as_of, rule=rule, unit_id=unit_id,
                          severity=severity)
