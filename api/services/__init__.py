"""The service layer: every write the API and the web make, with the checks around it.

A route and a web handler only translate: they parse what came in (a JSON body, a posted form)
into the same payload models (`api/schemas.py`), call one function here, and turn its answer
(the domain's `Receipt`) or its refusal (a domain error, mapped once in `api/errors.py`) into
their own reply. Neither calls the other's handlers.

Each function receives its collaborators (the runtime: the application, the read side's
`written` mark, the findings index; the caller's `Principal`), authorises the write from the
aggregates (`api/security.py`: never from the projection, so a write never waits on the read
side), runs the application's command, and marks the write (`runtime.written`) so that the next
read waits for it (read your own write, ADR 0007). Nothing after the commit may turn the write
into an error.

This module holds the record's writes (cadres, their entries and corrections, erasure, units,
titles, the programme catalogue, job positions, finding reviews); the newer areas have a module each in this package
(`correction_requests`, `feedback`, `inspection`, `integrity`, `monthly_cycle`, `worklists`,
`job_positions`, `archive`, `reports`, `evaluation_reports`, `public`), with the payload models
and the answers their routes and pages share. Routes and pages import from here, never from
each other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.schemas import (
    REPLACEMENT_MODELS,
    CadreIn,
    Command,
    CorrectionIn,
    JobPositionIn,
    TitleIn,
    TitleVersionIn,
    TransferIn,
    UnitChangeIn,
    UnitIn,
)
from api.security import (
    ADMIN,
    INSPECTOR,
    PERSONNEL,
    Principal,
    check_correct_entry,
    check_write_cadre,
    check_write_unit,
    require_role,
)
from domain.application import Receipt
from domain.commands import (
    AddProgramme,
    ChangeUnit,
    Correct,
    EntryCommand,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    ReviewFinding,
    ReviseTitle,
)
from domain.errors import InvalidCommand, NotFound
from domain.values import ReviewConclusion
from infra import erasure

if TYPE_CHECKING:
    from infra.runtime import Runtime

REVIEWERS = (ADMIN, INSPECTOR)


def _noted(runtime: Runtime, receipt: Receipt) -> Receipt:
    # Committed: answer now; the projector applies it and the next read waits for it.
    runtime.written(receipt.position)
    return receipt


# --- cadres ----------------------------------------------------------------------------------


def register_cadre(runtime: Runtime, p: Principal, body: CadreIn) -> Receipt:
    """Register a cadre: refused (`duplicate_person`) when the national ID is held already;
    accepted with a `probable_duplicate` warning when a namesake born the same day is on
    record. The application decides both from its own indexes, atomically with the save (ADRs
    0010, 0011): the registration neither waits on nor reads the read side."""
    require_role(p, ADMIN, PERSONNEL)
    receipt = _noted(runtime, runtime.app.register_cadre(
        RegisterCadre(**body.command()), recorded_by=p.name))
    # Scoped officers learn that a namesake exists, not who (the ids are for roles that may
    # read every record).
    return replace(receipt, warnings=tuple(
        {**w, "cadre_ids": [str(c) for c in w["cadre_ids"]] if p.role == ADMIN else []}
        if w["code"] == "probable_duplicate" else w for w in receipt.warnings))


def record_entry(runtime: Runtime, p: Principal, cadre_id: UUID, body: Command) -> Receipt:
    """Record one entry of a cadre's record through the command its payload feeds
    (`body.records`: `Appoint`, `EndHolding`, `Evaluate`, ...), in the cadre's scope and, when
    the payload names a unit, in that unit's."""
    if isinstance(body, CadreIn):
        raise TypeError(f"{type(body).__name__} records no entry of an existing cadre")
    command = body.entry()
    check_write_cadre(p, runtime, cadre_id)
    unit_id = getattr(command, "unit_id", None)
    if isinstance(unit_id, UUID):
        check_write_unit(p, runtime, unit_id)
    return _noted(runtime, runtime.app.record(cadre_id, command, recorded_by=p.name))


def transfer(runtime: Runtime, p: Principal, cadre_id: UUID, body: TransferIn) -> Receipt:
    """End a post and appoint to another as one decision (điều động, luân chuyển): in the
    cadre's scope and both units'."""
    check_write_cadre(p, runtime, cadre_id)
    check_write_unit(p, runtime, body.from_unit_id)
    check_write_unit(p, runtime, body.unit_id)
    return _noted(runtime, runtime.app.transfer(cadre_id, body.transfer(), recorded_by=p.name))


def correct_entry(runtime: Runtime, p: Principal, cadre_id: UUID, body: CorrectionIn) -> Receipt:
    """Correct (with a replacement) or retract an entry: in the cadre's scope, the scope of
    the unit of the entry it supersedes, and that of the unit the replacement names."""
    check_correct_entry(p, runtime, cadre_id, body.target_position)
    replacement: EntryCommand | None = None
    if body.replacement is not None:
        replacement = parse_replacement(runtime, cadre_id, body.target_position,
                                        body.replacement).entry()
        unit_id = getattr(replacement, "unit_id", None)
        if isinstance(unit_id, UUID):
            check_write_unit(p, runtime, unit_id)
    return _noted(runtime, runtime.app.correct(cadre_id, Correct(
        target_position=body.target_position, reason=body.reason, replacement=replacement),
        recorded_by=p.name))


def parse_replacement(runtime: Runtime, cadre_id: UUID, position: int, raw: dict[str, Any],
                      where: tuple[str, ...] = ("body", "replacement")) -> Command:
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


def erase_personal_data(runtime: Runtime, p: Principal, cadre_id: UUID, *,
                        reason: str) -> Receipt:
    """Erase a cadre's personal data (the administrator only): recorded first, then shredded,
    scrubbed and compacted (`infra/erasure.py`); a retry after a crash in between completes the
    shred and still answers `already_erased`."""
    require_role(p, ADMIN)
    return erasure.erase_personal_data(runtime, cadre_id, reason=reason, recorded_by=p.name)


# --- units, titles, job positions ------------------------------------------------------------


def register_unit(runtime: Runtime, p: Principal, body: UnitIn) -> Receipt:
    require_role(p, ADMIN, PERSONNEL)
    if p.role != ADMIN:
        # Personnel extend their own subtree; a new root is the administrator's.
        if body.parent_id is None:
            require_role(p, ADMIN)
        else:
            check_write_unit(p, runtime, body.parent_id)
    return _noted(runtime, runtime.app.register_unit(RegisterUnit(**body.command()),
                                                     recorded_by=p.name))


def change_unit(runtime: Runtime, p: Principal, unit_id: UUID, body: UnitChangeIn) -> Receipt:
    check_write_unit(p, runtime, unit_id)
    for other in (body.new_parent_id, body.into_unit_id):
        if other is not None:
            check_write_unit(p, runtime, other)
    return _noted(runtime, runtime.app.change_unit(unit_id, ChangeUnit(**body.command()),
                                                   recorded_by=p.name))


def register_title(runtime: Runtime, p: Principal, body: TitleIn) -> Receipt:
    # Titles are shared by every unit: only the administrator defines them.
    require_role(p, ADMIN)
    return _noted(runtime, runtime.app.register_title(RegisterTitle(**body.command()),
                                                      recorded_by=p.name))


def revise_title(runtime: Runtime, p: Principal, code: str, body: TitleVersionIn) -> Receipt:
    # A title's tier and standards change by dated versions (issue 16); admin only, as titles.
    require_role(p, ADMIN)
    return _noted(runtime, runtime.app.revise_title(ReviseTitle(code=code, **body.command()),
                                                    recorded_by=p.name))


def add_programme(runtime: Runtime, p: Principal, command: AddProgramme) -> Receipt:
    # The catalogue is shared by every unit: only the administrator adds to it.
    require_role(p, ADMIN)
    return _noted(runtime, runtime.app.add_programme(command, recorded_by=p.name))


def register_job_position(runtime: Runtime, p: Principal, body: JobPositionIn) -> Receipt:
    check_write_unit(p, runtime, body.unit_id)
    return _noted(runtime, runtime.app.register_job_position(body.to_domain(recorded_by=p.name)))


# --- oversight -------------------------------------------------------------------------------


def review_finding(runtime: Runtime, p: Principal, finding_id: str, *,
                   conclusion: ReviewConclusion | str, reason: str, as_of: date | None = None,
                   known_at: datetime | None = None) -> Receipt:
    """An inspector's conclusion on a finding shown on `as_of` as known at `known_at` (default:
    today, now); refused when no such finding is shown then."""
    require_role(p, *REVIEWERS)
    index = runtime.findings
    day = as_of or runtime.app.window().today
    position = None if known_at is None else index.position_at(known_at)
    found = index.finding(finding_id, day, position)
    if found is None:
        raise NotFound(f"Không tìm thấy phát hiện {finding_id} vào ngày {day:%d/%m/%Y} (unknown "
                       "finding on that date)", code="finding_not_found", field="id")
    # The next findings list folds the review (read your own write).
    return _noted(runtime, runtime.app.review_finding(ReviewFinding(
        finding_key=found.key, rule_id=found.rule_id, conclusion=conclusion, reason=reason),
        recorded_by=p.name))
