"""The two time axes as SQL predicates over read-model rows (one definition each).

Record time: a row is in force at log position K when `rec_from <= K < rec_to` (`rec_to` NULL:
still in force). Valid time: a holding is held on a day when `since <= day < until` (`until`
NULL: still held).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def in_force(table: Any, k: int) -> ColumnElement[bool]:
    """Rows the record showed at log position `k`."""
    return and_(table.c.rec_from <= k, or_(table.c.rec_to.is_(None), table.c.rec_to > k))


def held_on(table: Any, day: date) -> ColumnElement[bool]:
    """Holdings valid on `day`."""
    return and_(table.c.since <= day, or_(table.c.until.is_(None), table.c.until > day))


def held_during(table: Any, first: date, last: date) -> ColumnElement[bool]:
    """Holdings valid on some day of `first`..`last` (both included)."""
    return and_(table.c.since <= last, or_(table.c.until.is_(None), table.c.until > first))
