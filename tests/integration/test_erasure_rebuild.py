"""An erased cadre who signed other cadres' decisions stays erased through a rebuild: the
other cadres' appointments, endings, evaluations and relatives name them as
"[đã hủy dữ liệu cá nhân]" live, and again after the read side is rebuilt from the log (where
the name is sealed under the destroyed key and the erasure records only where it was
mentioned). A decision recorded after the erasure with the same signer text is not a mention:
it reads as recorded, live and rebuilt alike."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select, text

from domain.commands import (
    AddRelative,
    Appoint,
    EndHolding,
    Evaluate,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
)
from domain.values import ERASED_NAME, ActionKind, Decision, EndingReason, Gender
from infra.erasure import erase_personal_data
from infra.runtime import Runtime, open_runtime
from infra.settings import Settings
from projections.public import PublicRecord
from projections.runner import canonical_dump
from projections.tables import generations

SIGNER = "Vũ Thị Ký Tên"
BY = "ban_to_chuc"


def _signed(number: str, on: date) -> Decision:
    return Decision(number, on, "Ban Thường vụ Quận ủy", SIGNER)


def _district(runtime: Runtime) -> tuple[UUID, UUID]:
    """The signer, and a cadre whose record she signed and who names her as a relative."""
    app = runtime.app
    ward = app.register_unit(RegisterUnit(code="PX", name="UBND phường Xuân", kind="ubnd",
                                          established_on=date(2000, 1, 1)), recorded_by=BY).id
    app.register_title(RegisterTitle(code="chu_tich", name="Chủ tịch UBND", is_head=True,
                                     management_tier="quan_uy", rank=50), recorded_by=BY)
    signer = app.register_cadre(RegisterCadre(full_name=SIGNER, gender=Gender.NU,
                                              born_on=date(1965, 5, 6)), recorded_by=BY).id
    other = app.register_cadre(RegisterCadre(full_name="Trần Văn Khác", gender=Gender.NAM,
                                             born_on=date(1978, 1, 1)), recorded_by=BY).id
    app.appoint(other, Appoint(kind=ActionKind.BO_NHIEM, unit_id=ward, title_code="chu_tich",
                               effective_on=date(2015, 3, 1),
                               decision=_signed("15-QĐ/QU", date(2015, 2, 20))), recorded_by=BY)
    app.evaluate(other, Evaluate(period="2018", rating="HTTNV", decided_on=date(2018, 12, 20),
                                 decision=_signed("40-QĐ/QU", date(2018, 12, 20))),
                 recorded_by=BY)
    app.end_holding(other, EndHolding(unit_id=ward, title_code="chu_tich",
                                      reason=EndingReason.DIEU_DONG,
                                      effective_on=date(2020, 1, 1),
                                      decision=_signed("88-QĐ/QU", date(2019, 12, 20))),
                    recorded_by=BY)
    app.add_relative(other, AddRelative(relation="chi", full_name=SIGNER,
                                        relative_cadre_id=signer, born_year=1965),
                     recorded_by=BY)
    runtime.catch_up()
    return signer, other


def _views(runtime: Runtime, cadre_id: UUID) -> list[Any]:
    """The other cadre as the internal and the public record show them."""
    rm = runtime.read_model
    m = rm.moment()
    return [rm.profile(cadre_id, m), rm.record(cadre_id, m),
            PublicRecord(rm).profile(cadre_id, m)]


def _read_side_text(runtime: Runtime) -> str:
    """Every row of the active read-model generation and of the findings tables, as text."""
    with runtime.engine.connect() as conn:
        generation = conn.execute(select(generations.c.generation)
                                  .where(generations.c.state == "active")).scalar_one()
        prefixes = (f"rm{generation}_", "finding_")
        names = [t.name for t in runtime.read_model.tables().all()] + [
            n for n in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                if conn.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
            if n.startswith(prefixes[1])]
        out = []
        for name in names:
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def _spelled(haystack: str) -> bool:
    return SIGNER in haystack or SIGNER.encode("unicode_escape").decode() in haystack \
        or "V\\u0169 Th\\u1ecb" in haystack


def test_a_rebuild_keeps_an_erased_signer_erased_in_other_cadres_records(
        store_settings: Settings) -> None:
    # No projector runs here: the erasure's waits for it give up at once (`catch_up` applies).
    runtime = open_runtime(store_settings.model_copy(update={"read_wait_seconds": 0.1}))
    try:
        signer, other = _district(runtime)
        assert _spelled(_read_side_text(runtime))
        assert SIGNER in repr(_views(runtime, other))

        erase_personal_data(runtime, signer, reason="Yêu cầu của chủ thể dữ liệu",
                            recorded_by="admin")
        runtime.catch_up()
        live_views, live = _views(runtime, other), canonical_dump(
            runtime.engine, runtime.read_model.tables())
        assert SIGNER not in repr(live_views) and ERASED_NAME in repr(live_views)
        assert not _spelled(_read_side_text(runtime))

        runtime.rebuild(workers=1)
        runtime.catch_up()
        assert _views(runtime, other) == live_views
        assert canonical_dump(runtime.engine, runtime.read_model.tables()) == live
        assert not _spelled(_read_side_text(runtime))

        # A decision recorded after the erasure that spells the same signer: kept as recorded
        # (the erasure scrubbed what named her when it was recorded), live and rebuilt alike.
        runtime.app.evaluate(other, Evaluate(
            period="2026", rating="HTTNV", decided_on=date(2026, 1, 10),
            decision=_signed("3-QĐ/QU", date(2026, 1, 10))), recorded_by=BY)
        runtime.catch_up()
        later = canonical_dump(runtime.engine, runtime.read_model.tables())
        assert sum(SIGNER in repr(row) for row in later["facts"]) == 1
        runtime.rebuild(workers=1)
        runtime.catch_up()
        assert canonical_dump(runtime.engine, runtime.read_model.tables()) == later
    finally:
        runtime.close()
