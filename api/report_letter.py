"""The letter a Word report goes out as: issuing body, số/ký hiệu, place and signing date,
signature block and "Nơi nhận" (Hướng dẫn 36-HD/VPTW on party documents [verify]).

The figures are the report's and certified; the letter is how one office sends them on one
day. It rides in the report under `letter`, outside the digest (infra/certificates.py), so that
the file can be rendered again from what it embeds (ADR 0006) while the same question still
digests the same on any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import Query

from api.documents import TIER_NAMES
from domain.errors import DomainError
from domain.values import UnitLevel, nfc

if TYPE_CHECKING:
    from infra.runtime import Runtime

# Wards' party committees have had a Ban Xây dựng Đảng, not a Ban Tổ chức, since the two-tier
# local government took effect (Quy định 296-QĐ/TW; Kết luận 163-KL/TW) [verify].
WARD_BODY_FROM = date(2025, 7, 1)
ABBREVIATIONS = {"Ban Xây dựng Đảng": "BXDĐ", "Ban Tổ chức": "BTC"}


@dataclass(frozen=True)
class LetterQuery:
    signed_on: date | None = None
    number: str | None = None


def letter_query(
    signed_on: Annotated[date | None, Query(description="ngày ký báo cáo (signing date; "
                                            "default today)")] = None,
    number: Annotated[str | None, Query(max_length=60, description="số, ký hiệu (e.g. "
                                        "12-BC/BXDĐ; default left for the clerk)")] = None,
) -> LetterQuery:
    return LetterQuery(signed_on, nfc(number) if number else None)


def letter_for(runtime: Runtime, report: dict[str, Any],
               query: LetterQuery | None = None) -> dict[str, Any]:
    """The letter of a report for the office that asked; dates from the injected clock."""
    query = query or LetterQuery()
    settings = runtime.settings
    signed_on = query.signed_on or runtime.clock.today()
    scope = report.get("scope") or {}
    unit_code, level, parent = None, None, None
    if scope.get("unit_id"):
        try:
            unit = runtime.app.unit(UUID(str(scope["unit_id"])))
        except DomainError:
            unit = None
        if unit is not None:
            unit_code, level = unit.code, runtime.app.unit_level(unit, signed_on)
            parent = unit.name_on(signed_on)
    if parent is None:
        parent = TIER_NAMES.get(str(scope.get("tier")), scope.get("unit_name"))
    ward = level is UnitLevel.XA or scope.get("tier") == "dang_uy"
    body = (settings.report_issuers.get(unit_code or "") or settings.report_issuer
            or ("Ban Xây dựng Đảng" if ward and signed_on >= WARD_BODY_FROM else "Ban Tổ chức"))
    number = query.number or f"        -BC/{ABBREVIATIONS.get(body, '')}".rstrip("/")
    return dict(parent=parent, issuer=body, number=number, place=settings.report_place,
                signed_on=signed_on.isoformat(), recipients=list(settings.report_recipients))


def lettered(runtime: Runtime, report: dict[str, Any],
             query: LetterQuery | None = None) -> dict[str, Any]:
    return {**report, "letter": letter_for(runtime, report, query)}
