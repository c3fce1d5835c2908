"""The application service: every command of the write side, validated, then saved atomically.

Commands return a `Receipt`: the aggregate changed and the log position of the last event
appended. Nothing is appended when a command is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.cadre import Cadre, DateWindow, Entry, Holding
from domain.calendar import Clock
from domain.commands import (
    AddProgramme,
    AddQualification,
    AddRelative,
    Appoint,
    ChangeUnit,
    Commend,
    Correct,
    Employ,
    EndHolding,
    EntryCommand,
    ErasePersonalData,
    Evaluate,
    ImposeDiscipline,
    Nominate,
    Plan,
    RecordTraining,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    ReviewFinding,
    ReviseTitle,
    SetHeadSeat,
    Suspend,
    Transfer,
    Vet,
)
from domain.correction_requests import (
    AnswerCorrectionRequest,
    CorrectionRequest,
    Outcome,
    RequestCorrection,
)
from domain.errors import Conflict, InvalidCommand, NotFound
from domain.feedback import ChangeFeedbackStatus, Feedback, FileFeedback, feedback_id_for
from domain.job_position import JobPosition, RegisterJobPosition, ReviseJobPosition
from domain.namesakes import INDEX_ID as NAMESAKE_INDEX_ID
from domain.namesakes import NamesakeGroup, NamesakeKeys, namesake_text
from domain.national_ids import (
    INDEX_ID,
    NationalIdClaim,
    NationalIdIndex,
    NationalIdKeys,
    normalised,
)
from domain.oversight import FindingReview, review_id_for
from domain.programmes import Programme, ProgrammeCatalogue, ProgrammeKind
from domain.programmes import resolve as resolve_programme
from domain.record import FACT_TYPES, Fact, PlanningRemoval, Registration
from domain.report_submission import ReportSubmission, SubmitReport, submission_id_for
from domain.rules.pack import RULE_IDS, RulePack, default_pack
from domain.term_notice import NotifyTermEnd, TermNotice, notice_id_for
from domain.title import Title
from domain.unit import Unit
from domain.values import (
    UNIT_KIND_CODES,
    ActionKind,
    CommendationForm,
    CommendationLevel,
    Decision,
    DisciplineForm,
    DisciplineSystem,
    Education,
    EmploymentKind,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    StateManagement,
    TitleStandards,
    TrainingMode,
    UnitLevel,
    VettingConclusion,
    nfc,
    unit_level,
)
from domain.yearly_ratings import Derived, check_yearly_rating, derive

E = TypeVar("E", bound=StrEnum)
# What a cadre's identity is made of over time: its registration, the corrections of it, and
# its erasure (the indexes built from the log read these only).
IDENTITY_EVENTS = (Cadre.Registered, Cadre.Corrected, Cadre.PersonalDataErased)
A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Receipt:
    id: UUID
    position: int  # last event appended (a head seat may follow the cadre's own event)
    entry_position: int = 0  # the changed aggregate's own last event: what a correction names
    # Accepted, but worth a second look (e.g. a decision signed after its effective date).
    warnings: tuple[dict[str, Any], ...] = ()


def flag_backdated(receipt: Receipt, effective_on: date, decision: Decision | None) -> Receipt:
    """The receipt with a warning when the decision was signed after the date it takes effect
    from: such decisions are lawful (a retroactive decision), but the `backdated_record` rule
    looks at them, so the recorder learns it at once."""
    days = decision.days_signed_after(effective_on) if decision is not None else 0
    if decision is None or not days:
        return receipt
    warning = dict(
        code="backdated_decision", field="decision.signed_on", rule="backdated_record",
        days=days, message=(f"Quyết định ký ngày {decision.signed_on:%d/%m/%Y}, sau ngày hiệu "
                            f"lực {effective_on:%d/%m/%Y} {days} ngày (decision signed after "
                            "its effective date: retroactive)"))
    return replace(receipt, warnings=(*receipt.warnings, warning))


@dataclass(frozen=True)
class Replacing:
    """The entry a correction replaces: its type, payload and version, and the window."""

    type: str
    old: dict[str, Any]
    version: int
    window: DateWindow

    @property
    def common(self) -> dict[str, Any]:
        return dict(window=self.window, ignore_version=self.version)


@dataclass(frozen=True)
class LocatedEvent:
    originator_id: UUID
    originator_version: int
    topic: str


def code_of(enum: type[E], value: object, field: str) -> E:
    """A contract code as its enum, or a refusal naming the field and the allowed codes."""
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidCommand(f"Mã '{value}' không hợp lệ cho {field} (must be one of {allowed})",
                             code="invalid_code", field=field) from None


def optional_code(enum: type[E], value: object, field: str) -> E | None:
    return None if value is None else code_of(enum, value, field)


def unit_id_for(code: str) -> UUID:
    return Unit.create_id(code)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate` without its per-event `assert isinstance(event,
    CanMutateProtocol)`: on Python 3.11 an isinstance against a runtime-checkable Protocol
    walks the protocol's members each time, and in the write profile (bench/http_path_notes.md,
    "Writes CPU") that check was half of replaying a cadre. Every event here is an
    `eventsourcing.domain` aggregate event, which has `mutate`."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class ReplayingRepository(Repository[UUID]):
    """The library's repository, replaying with `replay` unless told otherwise."""

    def get(self, aggregate_id: UUID, *, version: int | None = None,  # type: ignore[override]
            projector_func: Any = replay, **kwargs: Any) -> Any:
        return super().get(aggregate_id, version=version, projector_func=projector_func,
                           **kwargs)


class HosoApplication(Application[UUID]):
    name = "hoso"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock,
        horizon_days: int = 366,
        pack: RulePack | None = None,
    ) -> None:
        super().__init__(env=env)
        self.pack = pack or default_pack()
        self.clock = clock
        # The recorder stamps each entry's recorded_at (the chain's, and what `known_at` asks
        # about): it has to read the same clock as the rest of the service.
        # So does the personal-key store behind the mapper (when keys were made and shredded).
        for part in (self.recorder, self.mapper):
            if hasattr(part, "clock"):
                part.clock = clock
        self.horizon_days = horizon_days
        # The national IDs' index keeps its secrets beside the personal keys (ADR 0010).
        self.national_ids: NationalIdKeys | None = getattr(self.mapper, "national_ids", None)
        # So do the namesakes' (ADR 0011).
        self.namesakes: NamesakeKeys | None = getattr(self.mapper, "namesakes", None)

    def construct_repository(self) -> Repository[UUID]:
        base = super().construct_repository()
        repository = ReplayingRepository(
            event_store=base.event_store, snapshot_store=base.snapshot_store,
            fastforward=base.fastforward, fastforward_skipping=base.fastforward_skipping,
            deepcopy_from_cache=base.deepcopy_from_cache)
        repository.cache = base.cache  # AGGREGATE_CACHE_MAXSIZE, as the library read it
        return repository

    # --- plumbing ----------------------------------------------------------------------

    def planning_limit(self, decided_on: date) -> int | None:
        """Posts one cadre may be planned for in a term, by the rule pack on the decision date."""
        limit = self.pack.limit_for("planning_posts_per_term", decided_on)
        return int(limit.param("max_posts")) if limit else None

    def window(self) -> DateWindow:
        return DateWindow(today=self.clock.today(), horizon_days=self.horizon_days)

    def commit(self, primary: Aggregate, *others: Aggregate) -> Receipt:
        """Save what a domain service (e.g. `domain/casework.py`) changed, atomically, and
        answer the receipt of `primary`; another command's change first is a `Conflict`
        (`version_conflict`). The application's own commands save the same way."""
        return self._commit(primary, *others)

    def _commit(self, primary: Aggregate, *others: Aggregate) -> Receipt:
        try:
            recordings = self.save(primary, *others)
        except IntegrityError as error:
            raise Conflict(
                "Dữ liệu đã bị thay đổi bởi một thao tác khác; hãy thử lại (version conflict: "
                "another command changed the record first)", code="version_conflict",
            ) from error
        position = max((r.notification.id for r in recordings), default=0)
        own = max((r.notification.id for r in recordings
                   if r.domain_event.originator_id == primary.id), default=position)
        return Receipt(id=primary.id, position=position, entry_position=own)

    def _exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    def unit(self, unit_id: UUID, field: str = "unit_id") -> Unit:
        return self._one(unit_id, Unit, NotFound(
            f"Không tìm thấy đơn vị {unit_id} (unknown unit)", code="unit_not_found",
            field=field))

    def title(self, code: str, field: str = "title_code") -> Title:
        try:
            title: Any = self.repository.get(Title.create_id(code))
        except AggregateNotFoundError:
            raise NotFound(f"Không tìm thấy chức danh '{code}' (unknown title)",
                           code="title_not_found", field=field) from None
        assert isinstance(title, Title)
        return title

    def cadre(self, cadre_id: UUID, field: str = "cadre_id") -> Cadre:
        return self._one(cadre_id, Cadre, NotFound(
            f"Không tìm thấy cán bộ {cadre_id} (unknown cadre)", code="cadre_not_found",
            field=field))

    # --- scope: the unit tree and the posts held, from the aggregates ---------------------

    def unit_within(self, unit_id: UUID, root_id: UUID, day: date) -> bool:
        """Whether `unit_id` lies in `root_id`'s subtree on `day`: it is the root, or it exists
        that day and its parent that day lies in the subtree. Read from the units' aggregates,
        so a write's scope never waits on the read side."""
        seen: set[UUID] = set()
        current: UUID | None = unit_id
        while current is not None and current not in seen:
            if current == root_id:
                return True
            seen.add(current)
            try:
                unit = self.unit(current)
            except NotFound:
                return False
            if not unit.exists_on(day):
                return False
            current = unit.parent_on(day)
        return False

    def posts_held(self, cadre_id: UUID, day: date) -> tuple[set[UUID], str | None]:
        """The units where the cadre holds a post on `day`, and who registered the cadre
        (empty and None for an unknown cadre)."""
        try:
            cadre = self.cadre(cadre_id)
        except NotFound:
            return set(), None
        return {h.unit_id for h in cadre.holdings_on(day)}, cadre.registered_by

    def _logged(self, *kinds: type[Aggregate.Event]) -> Iterator[Any]:
        """The events of these classes in the log, in order, decoded (the write side's own
        scans: an index built from the log, an erasure's requests), never the read side."""
        topics = [get_topic(kind) for kind in kinds]
        start = 1
        while True:
            batch = self.recorder.select_notifications(start=start, limit=1000, topics=topics)
            if not batch:
                return
            for notification in batch:
                yield self.mapper.to_domain_event(notification)
            start = batch[-1].id + 1

    def locate(self, position: int) -> LocatedEvent | None:
        """Which aggregate and version the event at a log position belongs to."""
        if position < 1:
            return None
        found = self.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found:
            return None
        n = found[0]
        return LocatedEvent(UUID(str(n.originator_id)), n.originator_version, n.topic)

    # --- units and titles ------------------------------------------------------------------

    def register_unit(self, command: RegisterUnit, *, recorded_by: str) -> Receipt:
        code, name, kind = nfc(command.code), nfc(command.name), nfc(command.kind)
        established_on, parent_id = command.established_on, command.parent_id
        for field_name, value in (("code", code), ("name", name), ("kind", kind)):
            if not value:
                raise InvalidCommand(f"Thiếu {field_name} ({field_name} is required)",
                                     code="missing_field", field=field_name)
        if kind not in UNIT_KIND_CODES:
            raise InvalidCommand(f"Loại đơn vị '{kind}' không có trong danh mục (unknown unit "
                                 "kind: see GET /unit-kinds)", code="invalid_code", field="kind")
        window = self.window()
        if established_on > window.latest:
            raise InvalidCommand("Ngày thành lập quá xa trong tương lai (established_on too late)",
                                 code="date_too_late", field="established_on")
        if self._exists(unit_id_for(code)):
            raise Conflict(f"Mã đơn vị '{code}' đã tồn tại (unit code already used)",
                           code="duplicate_code", field="code")
        if parent_id is not None:
            self.unit(parent_id, "parent_id").require_exists(established_on, "parent_id")
        unit = Unit(code=code, name=name, kind=kind, established_on=established_on,
                    parent_id=parent_id, decision=command.decision, recorded_by=recorded_by)
        return self._commit(unit)

    def change_unit(self, unit_id: UUID, command: ChangeUnit, *, recorded_by: str) -> Receipt:
        unit = self.unit(unit_id, "id")
        if command.effective_on > self.window().latest:
            raise InvalidCommand("Ngày hiệu lực quá xa trong tương lai (effective_on too late)",
                                 code="date_too_late", field="effective_on")
        new_parent = self.unit(command.new_parent_id, "new_parent_id") \
            if command.new_parent_id else None
        if command.change == "move" and new_parent is not None:
            self._refuse_cycle(unit, new_parent, command.effective_on)
        into = self.unit(command.into_unit_id, "into_unit_id") if command.into_unit_id else None
        unit.change(replace(command, new_name=nfc(command.new_name) if command.new_name
                            else None),
                    new_parent=new_parent, into=into, recorded_by=recorded_by)
        return self._commit(unit, *([into] if into else []))

    def unit_level(self, unit: Unit, on: date) -> UnitLevel | None:
        """The unit's level (tỉnh, huyện, xã) on a day: told by its kind or the nearest unit
        above it whose kind tells one."""
        kinds: list[str] = []
        seen: set[UUID] = set()
        current: Unit | None = unit
        while current is not None and current.id not in seen:
            kinds.append(current.kind)
            seen.add(current.id)
            parent_id = current.parent_on(on)
            current = self.unit(parent_id) if parent_id else None
        return unit_level(kinds)

    def _require_title_fits(self, title: Title, unit: Unit, on: date,
                            special_case: bool) -> None:
        if not (title.unit_kinds or title.levels):
            return  # fits everywhere: no need to walk the tree
        title.require_fits(unit.kind, self.unit_level(unit, on), unit.name_on(on),
                           special_case=special_case)

    def _refuse_cycle(self, unit: Unit, new_parent: Unit, on: date) -> None:
        ancestor: Unit | None = new_parent
        seen: set[UUID] = set()
        while ancestor is not None and ancestor.id not in seen:
            if ancestor.id == unit.id:
                raise InvalidCommand("Không thể chuyển đơn vị vào đơn vị cấp dưới của nó (move "
                                     "would create a cycle)", code="invalid_parent",
                                     field="new_parent_id")
            seen.add(ancestor.id)
            parent_id = ancestor.parent_on(on)
            ancestor = self.unit(parent_id) if parent_id else None

    def register_title(self, command: RegisterTitle, *, recorded_by: str) -> Receipt:
        code, name = nfc(command.code), nfc(command.name)
        management_tier = nfc(command.management_tier)
        unit_kinds, levels = command.unit_kinds, command.levels
        kinds = tuple(dict.fromkeys(nfc(k) for k in unit_kinds)) if unit_kinds else None
        for kind in kinds or ():
            if kind not in UNIT_KIND_CODES:
                raise InvalidCommand(f"Loại đơn vị '{kind}' không có trong danh mục (unknown unit "
                                     "kind: see GET /unit-kinds)", code="invalid_code",
                                     field="unit_kinds")
        fit_levels = tuple(dict.fromkeys(code_of(UnitLevel, v, "levels") for v in levels)) \
            if levels else None
        for field_name, value in (("code", code), ("name", name),
                                  ("management_tier", management_tier)):
            if not value:
                raise InvalidCommand(f"Thiếu {field_name} ({field_name} is required)",
                                     code="missing_field", field=field_name)
        if self._exists(Title.create_id(code)):
            raise Conflict(f"Mã chức danh '{code}' đã tồn tại (title code already used)",
                           code="duplicate_code", field="code")
        title = Title(code=code, name=name, is_head=command.is_head,
                      management_tier=management_tier, rank=command.rank, sector=command.sector,
                      standards=command.standards or TitleStandards(), recorded_by=recorded_by,
                      unit_kinds=kinds, levels=fit_levels, area_head=command.area_head)
        return self._commit(title)

    def revise_title(self, command: ReviseTitle, *, recorded_by: str) -> Receipt:
        """A new dated version of a title's tier and standards (issue 16: the 2025
        reorganisation changed tiers; reports by tier read the version in force on as_of)."""
        title = self.title(nfc(command.code), field="code")
        if command.effective_on > self.window().latest:
            raise InvalidCommand("Ngày hiệu lực quá xa trong tương lai (effective_on too late)",
                                 code="date_too_late", field="effective_on")
        tier = command.management_tier
        title.revise(replace(command, code=title.code, management_tier=nfc(tier) if tier
                             else None, source=nfc(command.source)), recorded_by=recorded_by)
        return self._commit(title)

    # --- cadres ----------------------------------------------------------------------------

    def register_cadre(self, command: RegisterCadre, *, recorded_by: str) -> Receipt:
        """Register a cadre: refused (`duplicate_person`) when the national ID is held already
        (ADR 0010); accepted with a `probable_duplicate` warning, naming them, when namesakes
        born the same day are on record (ADR 0011). Both from the write side's own indexes,
        saved in the registration's transaction. A namesake registered at the same moment on
        another worker changes the same group first: the registration is then made once more
        (it sees that namesake), as it would have been accepted before the index."""
        command = self._registration(command)
        try:
            return self._register_cadre(command, recorded_by)
        except Conflict as conflict:
            if conflict.code != "version_conflict":
                raise
            return self._register_cadre(command, recorded_by)

    def _register_cadre(self, command: RegisterCadre, recorded_by: str) -> Receipt:
        cadre = Cadre.register(command, window=self.window(), recorded_by=recorded_by)
        number = normalised(command.national_id) \
            if command.national_id and self.national_ids is not None else None
        claimed: list[Aggregate] = []
        if number is not None:
            index, indexed = self._index_parts(recorded_by)
            if number in indexed:
                raise _duplicate_person("national_id")
            claimed = [self._claim(number, recorded_by, field="national_id"), *index]
        groups, namesakes = self._join_namesakes(cadre.id, command.full_name, command.born_on,
                                                 recorded_by)
        try:
            receipt = self._commit(cadre, *claimed, *groups)
        except Conflict as conflict:
            if number is not None:
                # Another registration claimed the number between our read and our save.
                self._refuse_held(number, "national_id", conflict)
            raise
        return _with_namesakes(receipt, namesakes)

    # --- the namesakes' index (ADR 0011) ---------------------------------------------------

    def _join_namesakes(self, cadre_id: UUID, full_name: str, born_on: date,
                        recorded_by: str) -> tuple[list[Aggregate], list[UUID]]:
        """The cadre in the group of its name and birth date (and the index built first when
        the store has none): the aggregates to save with the command, and the other members
        found (the namesakes). Nothing without the index's secrets."""
        if self.namesakes is None:
            return [], []
        parts, built = self._namesake_index_parts(recorded_by)
        group = self._group_for(namesake_text(full_name, born_on), built, recorded_by)
        namesakes = sorted(group.members - {cadre_id})
        group.join(cadre_id, effective_on=self.window().today, recorded_by=recorded_by)
        return _distinct([*parts, group]), namesakes

    def _group_for(self, text: str, built: dict[str, NamesakeGroup],
                   recorded_by: str) -> NamesakeGroup:
        """The text's group: one the index was just built with, the one on record, or a new
        one."""
        assert self.namesakes is not None
        if text in built:
            return built[text]
        group_id = self.namesakes.group_id(text, create=True)
        assert group_id is not None
        group = self._found(group_id, NamesakeGroup)
        if group is not None and group.closed:
            # Its secret outlived its erasure (a failed save): a closed group is not reused.
            group, group_id = None, self.namesakes.renew(text)
        if group is None:
            group = built[text] = NamesakeGroup.open(group_id, (), effective_on=self.window()
                                                     .today, recorded_by=recorded_by)
        return group

    def _namesake_index_parts(self, recorded_by: str
                              ) -> tuple[list[Aggregate], dict[str, NamesakeGroup]]:
        """The index, built when the store has none (or its secrets' mark changed): the
        marker and a group per name and birth date on record, read from the log
        (registrations, their corrections, erasures), to be saved with the command that
        needs it; nothing when the index is built."""
        assert self.namesakes is not None
        check = self.namesakes.key_check()
        index = self._found(NAMESAKE_INDEX_ID, NationalIdIndex)
        if index is not None and index.key_check == check:
            return [], {}
        current: dict[UUID, str | None] = {}
        for identity in self._logged(*IDENTITY_EVENTS):
            _note_namesake(current, identity)
        members: dict[str, set[UUID]] = {}
        for cadre_id, text in current.items():
            if text is not None:
                members.setdefault(text, set()).add(cadre_id)
        today = self.window().today
        groups: dict[str, NamesakeGroup] = {}
        for text in sorted(members):
            # Under a new secret: a group the lost secrets named is not reachable any more.
            groups[text] = NamesakeGroup.open(self.namesakes.renew(text), members[text],
                                              effective_on=today, recorded_by=recorded_by)
        if index is None:
            index = NationalIdIndex.build(NAMESAKE_INDEX_ID, claims=len(groups),
                                          key_check=check, effective_on=today,
                                          recorded_by=recorded_by)
        else:
            index.rebuild(claims=len(groups), key_check=check, effective_on=today,
                          recorded_by=recorded_by)
        return [index, *groups.values()], groups

    def _moved_namesake(self, cadre_id: UUID, old: Registration, new: Registration,
                        recorded_by: str) -> list[Aggregate]:
        """A corrected name or birth date moves the cadre to the group of the new ones."""
        before, after = (namesake_text(r.full_name, r.born_on) for r in (old, new))
        if self.namesakes is None or before == after:
            return []
        parts, built = self._namesake_index_parts(recorded_by)
        today = self.window().today
        left_id = self.namesakes.group_id(before, create=False)
        left = built.get(before) or (self._found(left_id, NamesakeGroup) if left_id else None)
        if left is not None:
            left.leave(cadre_id, reason="correction", effective_on=today,
                       recorded_by=recorded_by)
        joined = self._group_for(after, built, recorded_by)
        joined.join(cadre_id, effective_on=today, recorded_by=recorded_by)
        return _distinct([*parts, *([left] if left is not None else []), joined])

    def _close_namesakes(self, cadre: Cadre, recorded_by: str) -> list[Aggregate]:
        """At an erasure: every group the cadre's record was in is closed and its key
        shredded; its other members join a new group under a renewed secret."""
        if self.namesakes is None:
            return []
        today = self.window().today
        changed: list[Aggregate] = []
        texts = dict.fromkeys(namesake_text(e.fact.full_name, e.fact.born_on)
                              for e in cadre.entries.values()
                              if isinstance(e.fact, Registration))
        for text in texts:
            group_id = self.namesakes.group_id(text, create=False)
            group = self._found(group_id, NamesakeGroup) if group_id is not None else None
            if group is None or group.closed:
                continue
            others = group.members - {cadre.id}
            group.close(effective_on=today, recorded_by=recorded_by)
            self.namesakes.shred_group(group.id)
            changed.append(group)
            if others:
                changed.append(NamesakeGroup.open(self.namesakes.renew(text), others,
                                                  effective_on=today, recorded_by=recorded_by))
            else:  # nobody else carries it: no secret is left for the text
                self.namesakes.forget(text)
        return changed

    # --- the national IDs' index (ADR 0010) ------------------------------------------------

    def _claim_of(self, number: str, *, create: bool) -> tuple[UUID | None,
                                                                NationalIdClaim | None]:
        assert self.national_ids is not None
        claim_id = self.national_ids.claim_id(number, create=create)
        if claim_id is None:
            return None, None
        return claim_id, self._found(claim_id, NationalIdClaim)

    def _claim(self, number: str, recorded_by: str, *, field: str) -> NationalIdClaim:
        """The number's claim, taken for a registration (or a correction of one); refused when
        another cadre holds it."""
        claim_id, claim = self._claim_of(number, create=True)
        assert claim_id is not None
        today = self.window().today
        if claim is None:
            return NationalIdClaim.claim(claim_id, effective_on=today, recorded_by=recorded_by)
        if claim.held:
            raise _duplicate_person(field)
        claim.reclaim(effective_on=today, recorded_by=recorded_by)
        return claim

    def _refuse_held(self, number: str, field: str, cause: Exception) -> None:
        _, claim = self._claim_of(number, create=False)
        if claim is not None and claim.held:
            raise _duplicate_person(field) from cause

    def _release(self, numbers: Sequence[str], reason: str,
                 recorded_by: str) -> list[NationalIdClaim]:
        released = []
        for number in numbers:
            _, claim = self._claim_of(number, create=False)
            if claim is not None and claim.held:
                claim.release(reason=reason, effective_on=self.window().today,
                              recorded_by=recorded_by)
                released.append(claim)
        return released

    def national_ids_of(self, cadre: Cadre) -> list[str]:
        """Every national ID the cadre's record has carried (its registration and the
        registrations corrected since), normalised."""
        numbers = [normalised(str(e.fact.sensitive["national_id"]))
                   for e in cadre.entries.values()
                   if isinstance(e.fact, Registration) and e.fact.sensitive
                   and e.fact.sensitive.get("national_id")]
        return list(dict.fromkeys(numbers))

    def forget_national_ids(self, cadre: Cadre) -> None:
        """After an erasure: destroy the secrets of the cadre's numbers, so that their claims
        in the log can no longer be found nor tested (a new registration makes a new claim)."""
        if self.national_ids is not None:
            for number in self.national_ids_of(cadre):
                self.national_ids.forget(number)

    def _index_parts(self, recorded_by: str, leaving: str | None = None
                     ) -> tuple[list[Aggregate], set[str]]:
        """The index, built when the store has none (or lost its secrets, e.g. restored from
        an export): the marker and a claim of every national ID on record but `leaving` (a
        correction's old number), to be saved with the command that needs it, and the numbers
        they claim. Cadres registered before the index existed stay protected. Read from the
        log (registrations, their corrections, erasures), not from the read side; nothing
        when the index is built."""
        assert self.national_ids is not None
        check = self.national_ids.key_check()
        index = self._national_id_index()
        if index is not None and index.key_check == check:
            return [], set()
        current: dict[UUID, str | None] = {}
        for identity in self._logged(*IDENTITY_EVENTS):
            self._note_national_id(current, identity)
        today = self.window().today
        numbers = {normalised(n) for n in current.values() if n} - {leaving}
        claims: list[Aggregate] = []
        for number in sorted(n for n in numbers if n):
            claim_id, claim = self._claim_of(number, create=True)
            if claim is None and claim_id is not None:
                claims.append(NationalIdClaim.claim(claim_id, effective_on=today,
                                                    recorded_by=recorded_by))
        if index is None:
            index = NationalIdIndex(claims=len(claims), key_check=check, effective_on=today,
                                    recorded_by=recorded_by)
        else:
            index.rebuild(claims=len(claims), key_check=check, effective_on=today,
                          recorded_by=recorded_by)
        return [index, *claims], {n for n in numbers if n}

    def _national_id_index(self) -> NationalIdIndex | None:
        return self._found(INDEX_ID, NationalIdIndex)

    @staticmethod
    def _note_national_id(current: dict[UUID, str | None], event: Any) -> None:
        if isinstance(event, Cadre.Registered):
            current[event.originator_id] = (event.sensitive or {}).get("national_id")
        elif isinstance(event, Cadre.Corrected) and event.target_type == "Registered" \
                and event.replacement is not None:
            current[event.originator_id] = (event.replacement.get("sensitive") or {}).get(
                "national_id")
        elif isinstance(event, Cadre.PersonalDataErased):
            current[event.originator_id] = None

    def record(self, cadre_id: UUID, command: EntryCommand, *, recorded_by: str) -> Receipt:
        """Record one entry of a cadre's record: the command's own method (`handler`)."""
        if isinstance(command, RegisterCadre):
            raise TypeError("a registration records a new cadre: register_cadre")
        run: Any = getattr(self, command.handler)
        receipt: Receipt = run(cadre_id, command, recorded_by=recorded_by)
        return receipt

    def appoint(self, cadre_id: UUID, command: Appoint, *, recorded_by: str) -> Receipt:
        command = replace(command, kind=code_of(ActionKind, command.kind, "kind"))
        cadre = self.cadre(cadre_id, "id")
        unit = self.unit(command.unit_id)
        title = self.title(command.title_code)
        effective_on, decision = command.effective_on, command.decision
        unit.require_exists(effective_on, "effective_on")
        self._require_title_fits(title, unit, effective_on, command.special_case)
        holding_id = cadre.appoint(replace(command, title_code=title.code), window=self.window(),
                                   recorded_by=recorded_by)
        if title.is_head:
            renewed = cadre.holdings()[holding_id].renews
            if renewed is not None:  # the seat stays with the cadre: the old term hands over
                self._sync_seat(unit, cadre.holdings()[renewed], cadre.id, decision, recorded_by)
            unit.set_head_seat(SetHeadSeat(holding_id=holding_id, title_code=title.code,
                                           cadre_id=cadre.id, since=effective_on, until=None,
                                           decision=decision), recorded_by=recorded_by)
            return flag_backdated(self._commit(cadre, unit), effective_on, decision)
        return flag_backdated(self._commit(cadre), effective_on, decision)

    def end_holding(self, cadre_id: UUID, command: EndHolding, *, recorded_by: str) -> Receipt:
        command = replace(command, reason=code_of(EndingReason, command.reason, "reason"))
        cadre = self.cadre(cadre_id, "id")
        unit = self.unit(command.unit_id)
        title = self.title(command.title_code)
        holding = cadre.end_holding(replace(command, title_code=title.code),
                                    window=self.window(), recorded_by=recorded_by)
        if title.is_head:
            self._sync_seat(unit, holding, cadre.id, command.decision, recorded_by)
            return flag_backdated(self._commit(cadre, unit), command.effective_on,
                                  command.decision)
        return flag_backdated(self._commit(cadre), command.effective_on, command.decision)

    def transfer(self, cadre_id: UUID, command: Transfer, *, recorded_by: str) -> Receipt:
        """One decision that ends a post held and appoints to another from the same day
        (điều động, luân chuyển): both entries are appended together, or neither is."""
        command = replace(command, reason=code_of(EndingReason, command.reason, "reason"),
                          kind=code_of(ActionKind, command.kind, "kind"))
        if (command.from_unit_id, command.from_title_code) == (command.unit_id,
                                                                command.title_code):
            raise InvalidCommand("Chức vụ mới trùng với chức vụ thôi giữ (the new post is the "
                                 "one ended)", code="invalid_command", field="title_code")
        cadre = self.cadre(cadre_id, "id")
        old_unit = self.unit(command.from_unit_id, "from_unit_id")
        new_unit = old_unit if command.unit_id == command.from_unit_id else self.unit(
            command.unit_id)
        old_title = self.title(command.from_title_code, "from_title_code")
        title = self.title(command.title_code)
        effective_on, decision = command.effective_on, command.decision
        new_unit.require_exists(effective_on, "effective_on")
        self._require_title_fits(title, new_unit, effective_on, command.special_case)
        window = self.window()
        ending = replace(command.ending(), title_code=old_title.code)
        appointment = replace(command.appointment(), title_code=title.code)
        # Both are checked before either is applied: a refusal leaves the record as it was.
        cadre.check_ending(ending, window=window)
        cadre.check_appointment(appointment, window=window)
        ended = cadre.end_holding(ending, window=window, recorded_by=recorded_by)
        if old_title.is_head:
            self._sync_seat(old_unit, ended, cadre.id, decision, recorded_by)
        holding_id = cadre.appoint(appointment, window=window, recorded_by=recorded_by)
        if title.is_head:
            new_unit.set_head_seat(SetHeadSeat(holding_id=holding_id, title_code=title.code,
                                               cadre_id=cadre.id, since=effective_on,
                                               until=None, decision=decision),
                                   recorded_by=recorded_by)
        units = {u.id: u for u in (old_unit, new_unit)
                 if (u is old_unit and old_title.is_head) or (u is new_unit and title.is_head)}
        return flag_backdated(self._commit(cadre, *units.values()), effective_on, decision)

    def titles_fitting(self, unit_id: UUID, on: date, codes: Sequence[str]) -> list[str]:
        """Of the given titles, those that belong to the unit on a day (the appointment's own
        `title_not_in_unit` test), for the pickers to offer."""
        unit = self.unit(unit_id)
        level = self.unit_level(unit, on)
        return [code for code in codes if self.title(code).fits(unit.kind, level)]

    def _sync_seat(self, unit: Unit, holding: Holding | None, cadre_id: UUID,
                   decision: Decision | None, recorded_by: str,
                   holding_id: UUID | None = None) -> None:
        if holding is None:
            assert holding_id is not None
            unit.withdraw_head_seat(holding_id, self.window().today, recorded_by)
        else:
            unit.set_head_seat(SetHeadSeat(holding_id=holding.holding_id,
                                           title_code=holding.title_code, cadre_id=cadre_id,
                                           since=holding.since, until=holding.until,
                                           decision=decision), recorded_by=recorded_by)

    def nominate(self, cadre_id: UUID, command: Nominate, *, recorded_by: str) -> Receipt:
        cadre = self.cadre(cadre_id, "id")
        self.unit(command.unit_id).require_exists(command.decided_on, "decided_on")
        title = self.title(command.title_code)
        cadre.nominate(replace(command, title_code=title.code), window=self.window(),
                       recorded_by=recorded_by)
        return flag_backdated(self._commit(cadre), command.decided_on, command.decision)

    def evaluate(self, cadre_id: UUID, command: Evaluate, *, recorded_by: str) -> Receipt:
        command = replace(command, rating=code_of(Rating, command.rating, "rating"))
        cadre = self.cadre(cadre_id, "id")
        check_yearly_rating(command.period, command.rating,
                            [e.payload for e in cadre.facts("Evaluated")])
        cadre.evaluate(command, window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    def record_training(self, cadre_id: UUID, command: RecordTraining, *,
                        recorded_by: str) -> Receipt:
        mode = optional_code(TrainingMode, command.mode, "mode")
        cadre = self.cadre(cadre_id, "id")
        if not nfc(command.program):
            raise InvalidCommand("Thiếu chương trình (program is required)", code="missing_field",
                                 field="program")
        # The catalogue's programme the text names (by code or name), or a refusal.
        program = resolve_programme(command.program, self.programmes()).code
        institution = nfc(command.institution) if command.institution else None
        cadre.record_training(replace(command, program=program, mode=mode,
                                      institution=institution),
                              window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    # --- the training programmes' catalogue -------------------------------------------------

    def _catalogue(self) -> ProgrammeCatalogue | None:
        try:
            found: Any = self.repository.get(ProgrammeCatalogue.create_id())
        except AggregateNotFoundError:
            return None
        assert isinstance(found, ProgrammeCatalogue)
        return found

    def programmes(self) -> list[Programme]:
        """The built-in programmes and those an administrator added."""
        catalogue = self._catalogue()
        return catalogue.programmes() if catalogue else ProgrammeCatalogue.built_in()

    def add_programme(self, command: AddProgramme, *, recorded_by: str) -> Receipt:
        kind = code_of(ProgrammeKind, command.kind, "kind")
        catalogue = self._catalogue() or ProgrammeCatalogue(recorded_by=recorded_by)
        catalogue.add(code=command.code, name=command.name, kind=kind, recorded_by=recorded_by)
        return self._commit(catalogue)

    def add_qualification(self, cadre_id: UUID, command: AddQualification, *,
                          recorded_by: str) -> Receipt:
        command = replace(command, kind=code_of(QualificationKind, command.kind, "kind"),
                          level=nfc(command.level))
        cadre = self.cadre(cadre_id, "id")
        cadre.obtain_qualification(command, window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    def plan(self, cadre_id: UUID, command: Plan, *, recorded_by: str) -> Receipt:
        cadre = self.cadre(cadre_id, "id")
        unit = self.unit(command.unit_id)
        command = replace(command, title_code=self.title(command.title_code).code)
        if command.removed:
            cadre.remove_planning(command, window=self.window(), recorded_by=recorded_by)
        else:
            unit.require_exists(command.decided_on, "decided_on")
            cadre.plan(command, window=self.window(), recorded_by=recorded_by,
                       max_posts=self.planning_limit(command.decided_on))
        return flag_backdated(self._commit(cadre), command.decided_on, command.decision)

    def discipline(self, cadre_id: UUID, command: ImposeDiscipline, *,
                   recorded_by: str) -> Receipt:
        command = replace(command, form=code_of(DisciplineForm, command.form, "form"),
                          system=optional_code(DisciplineSystem, command.system, "system"),
                          violation=nfc(command.violation))
        cadre = self.cadre(cadre_id, "id")
        cadre.discipline(command, window=self.window(), recorded_by=recorded_by)
        return flag_backdated(self._commit(cadre), command.effective_on, command.decision)

    def commend(self, cadre_id: UUID, command: Commend, *, recorded_by: str) -> Receipt:
        command = replace(
            command, form=code_of(CommendationForm, command.form, "form"),
            level=code_of(CommendationLevel, command.level, "level")
            if command.level is not None else None,
            reason=nfc(command.reason) if command.reason else None)
        cadre = self.cadre(cadre_id, "id")
        cadre.commend(command, window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    def employ(self, cadre_id: UUID, command: Employ, *, recorded_by: str) -> Receipt:
        """Tuyển dụng, sử dụng: the employment in force from `effective_on`, by a decision,
        with its allowances (phụ cấp)."""
        cadre = self.cadre(cadre_id, "id")
        command = self._employment(command, "")
        cadre.employ(command, window=self.window(), recorded_by=recorded_by)
        return flag_backdated(self._commit(cadre), command.effective_on, command.decision)

    def _employment(self, command: Employ, prefix: str) -> Employ:
        """An employment's references checked (the agency exists on the day, the position is
        one of its own) and its text in canonical form."""
        unit = self.unit(command.unit_id, f"{prefix}unit_id")
        unit.require_exists(command.effective_on, f"{prefix}effective_on")
        if command.job_position_id is not None:
            position = self.job_position(command.job_position_id, f"{prefix}job_position_id")
            if position.unit_id != unit.id:
                raise InvalidCommand(
                    f"Vị trí việc làm '{position.name}' không thuộc đơn vị '{unit.name}' (the "
                    "job position belongs to another unit)", code="job_position_not_in_unit",
                    field=f"{prefix}job_position_id")
        return replace(command, employment_kind=code_of(EmploymentKind, command.employment_kind,
                                                        f"{prefix}employment_kind"),
                       grade_code=nfc(str(command.grade_code)),
                       grade_name=nfc(str(command.grade_name)),
                       coefficient=Decimal(str(command.coefficient)),
                       allowances=tuple(command.allowances))

    def suspend(self, cadre_id: UUID, command: Suspend, *, recorded_by: str) -> Receipt:
        """Tạm đình chỉ công tác, from one day to another, by a decision."""
        cadre = self.cadre(cadre_id, "id")
        cadre.suspend(replace(command, reason=nfc(command.reason)), window=self.window(),
                      recorded_by=recorded_by)
        return flag_backdated(self._commit(cadre), command.suspended_from, command.decision)

    def vet(self, cadre_id: UUID, command: Vet, *, recorded_by: str) -> Receipt:
        command = replace(command, purpose=nfc(command.purpose), body=nfc(command.body),
                          conclusion=code_of(VettingConclusion, command.conclusion,
                                             "conclusion"))
        cadre = self.cadre(cadre_id, "id")
        cadre.vet(command, window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    def add_relative(self, cadre_id: UUID, command: AddRelative, *,
                     recorded_by: str) -> Receipt:
        command = replace(command, relation=code_of(Relation, command.relation, "relation"),
                          full_name=nfc(command.full_name))
        cadre = self.cadre(cadre_id, "id")
        if command.relative_cadre_id is not None:
            self.cadre(command.relative_cadre_id, "relative_cadre_id")
        cadre.add_relative(command, window=self.window(), recorded_by=recorded_by)
        return self._commit(cadre)

    def entry_to_correct(self, cadre_id: UUID, position: int) -> Entry:
        """The entry at `position` of this cadre's record, as a correction would replace it
        (its type and payload); refused when the position is not this cadre's or the entry
        cannot be corrected."""
        return self._entry_to_correct(self.cadre(cadre_id, "id"), position)

    def entry_type_at(self, cadre_id: UUID, position: int) -> str:
        """The fact type a correction of `position` must replace (for validating payloads)."""
        return self.entry_to_correct(cadre_id, position).type

    def _entry_to_correct(self, cadre: Cadre, position: int) -> Entry:
        located = self.locate(position)
        if located is None or located.originator_id != cadre.id:
            raise NotFound(f"Vị trí {position} không thuộc hồ sơ của cán bộ này (position is not "
                           "this cadre's)", code="position_not_found", field="target_position")
        return cadre.entry_for_correction(located.originator_version, position)

    def correct(self, cadre_id: UUID, command: Correct, *, recorded_by: str) -> Receipt:
        """Correct (a replacement given) or retract (none) an entry of this cadre."""
        cadre, units, payload = self._corrected(cadre_id, command, recorded_by=recorded_by)
        receipt = self._commit(cadre, *units)
        if payload is not None and isinstance(payload.decision, Decision):
            return flag_backdated(receipt, payload.effective_on, payload.decision)
        return receipt

    def _corrected(self, cadre_id: UUID, command: Correct, *, recorded_by: str
                   ) -> tuple[Cadre, list[Aggregate], Fact | None]:
        """The correction applied to the cadre (and the head seats it moves, the national-ID
        claims it moves, and the checked replacement), not yet saved:
        a self-service answer saves it together with the request's answer."""
        cadre = self.cadre(cadre_id, "id")
        target_position, replacement = command.target_position, command.replacement
        entry = self._entry_to_correct(cadre, target_position)
        window = self.window()
        touched_units: list[Aggregate] = []
        payload: Fact | None = None
        if replacement is not None:
            payload = self._replacement_payload(cadre, entry.type, entry.payload, entry.version,
                                                replacement, window)
        before = cadre.holdings()
        cadre.correct(target_version=entry.version, target_position=target_position,
                      reason=nfc(command.reason), replacement=payload, window=window,
                      recorded_by=recorded_by)
        if entry.type in ("Appointed", "HoldingEnded"):
            touched_units = [*self._resync_head_seats(cadre, before, entry.payload,
                                                      recorded_by)]
        if isinstance(payload, Registration) and isinstance(entry.fact, Registration):
            touched_units += self._moved_claims(entry.fact, payload, recorded_by)
            touched_units += self._moved_namesake(cadre.id, entry.fact, payload, recorded_by)
        return cadre, touched_units, payload

    def _moved_claims(self, old: Registration, new: Registration,
                      recorded_by: str) -> list[Aggregate]:
        """A corrected national ID moves its claim: the old number is released, the new one
        claimed (refused when another cadre holds it)."""
        before, after = ((normalised(str(r.sensitive["national_id"]))
                          if r.sensitive and r.sensitive.get("national_id") else None)
                         for r in (old, new))
        if before == after or self.national_ids is None:
            return []
        moved: list[Aggregate] = []
        if after is not None:
            index, indexed = self._index_parts(recorded_by, leaving=before)
            if after in indexed:
                raise _duplicate_person("replacement.national_id")
            moved += [self._claim(after, recorded_by, field="replacement.national_id"), *index]
        if before is not None:
            moved += self._release([before], "correction", recorded_by)
        return moved

    def _replacement_payload(self, cadre: Cadre, type_: str, old: dict[str, Any],
                             version: int, given: EntryCommand | Mapping[str, Any],
                             window: DateWindow) -> Fact:
        """The replacement checked as the command that records a `type_` entry checks it: one
        method per command (`Fact.command` in domain/record.py, its `handler`), below."""
        fact = FACT_TYPES.get(type_)
        check = getattr(self, f"_replacing_{fact.command.handler}", None) if fact else None
        if fact is None or check is None:
            raise InvalidCommand(f"Không thể đính chính loại mục {type_} (cannot correct "
                                 f"{type_})", code="not_correctable", field="target_position")
        command = given if isinstance(given, EntryCommand) else fact.command.of(given)
        if not isinstance(command, fact.command):
            raise InvalidCommand(f"Nội dung thay thế phải là một mục {type_} (the replacement "
                                 f"must be a {type_} entry)", code="invalid_replacement",
                                 field="replacement")
        checked: Fact = check(cadre, Replacing(type_, old, version, window), command)
        return checked

    def _registration(self, c: RegisterCadre, prefix: str = "") -> RegisterCadre:
        """A registration's codes as their enums and its text in canonical form."""
        return replace(
            c, full_name=nfc(c.full_name), gender=code_of(Gender, c.gender, f"{prefix}gender"),
            education=optional_code(Education, c.education, f"{prefix}education"),
            political_theory=optional_code(PoliticalTheory, c.political_theory,
                                           f"{prefix}political_theory"),
            state_management=optional_code(StateManagement, c.state_management,
                                           f"{prefix}state_management"),
            ethnicity=_text(c.ethnicity), religion=_text(c.religion),
            hometown=_text(c.hometown), national_id=_text(c.national_id))

    def _replacing_register_cadre(self, cadre: Cadre, r: Replacing,
                                  given: RegisterCadre) -> Fact:
        return cadre.check_identity(self._registration(given, "replacement."), **r.common)

    def _replacing_appoint(self, cadre: Cadre, r: Replacing, given: Appoint) -> Fact:
        unit = self.unit(given.unit_id)
        title = self.title(given.title_code)
        unit.require_exists(given.effective_on, "effective_on")
        self._require_title_fits(title, unit, given.effective_on, bool(given.special_case))
        return cadre.check_appointment(replace(given, title_code=title.code),
                                       holding_id=r.old["holding_id"], **r.common)

    def _replacing_end_holding(self, cadre: Cadre, r: Replacing, given: EndHolding) -> Fact:
        if given.unit_id != r.old["unit_id"] or given.title_code != r.old["title_code"]:
            raise InvalidCommand("Đính chính việc thôi giữ chức không được đổi đơn vị hoặc "
                                 "chức danh (an ending's correction keeps its post)",
                                 code="invalid_replacement", field="replacement.unit_id")
        return replace(cadre.check_ending(given, **r.common), holding_id=r.old["holding_id"])

    def _replacing_nominate(self, cadre: Cadre, r: Replacing, given: Nominate) -> Fact:
        self.unit(given.unit_id)
        self.title(given.title_code)
        return cadre.check_nomination(given, **r.common)

    def _replacing_evaluate(self, cadre: Cadre, r: Replacing, given: Evaluate) -> Fact:
        given = replace(given, rating=code_of(Rating, given.rating, "replacement.rating"))
        check_yearly_rating(str(given.period), given.rating,
                            [e.payload for e in cadre.facts("Evaluated")
                             if e.version != r.version])
        return cadre.check_evaluation(given, **r.common)

    def _replacing_record_training(self, cadre: Cadre, r: Replacing,
                                   given: RecordTraining) -> Fact:
        program = resolve_programme(str(given.program or ""), self.programmes()).code
        return cadre.check_training(replace(given, program=program), **r.common)

    def _replacing_add_qualification(self, cadre: Cadre, r: Replacing,
                                     given: AddQualification) -> Fact:
        return cadre.check_qualification(given, **r.common)

    def _replacing_plan(self, cadre: Cadre, r: Replacing, given: Plan) -> Fact:
        self.unit(given.unit_id)
        self.title(given.title_code)
        if r.type == "Planned":
            return cadre.check_planning(given, planning_id=r.old["planning_id"], **r.common,
                                        max_posts=self.planning_limit(given.decided_on))
        return PlanningRemoval(planning_id=r.old["planning_id"], unit_id=given.unit_id,
                               title_code=given.title_code, term=given.term,
                               effective_on=given.decided_on, decision=given.decision)

    def _replacing_discipline(self, cadre: Cadre, r: Replacing,
                              given: ImposeDiscipline) -> Fact:
        return cadre.check_discipline(given, **r.common)

    def _replacing_commend(self, cadre: Cadre, r: Replacing, given: Commend) -> Fact:
        return cadre.check_commendation(given, **r.common)

    def _replacing_employ(self, cadre: Cadre, r: Replacing, given: Employ) -> Fact:
        return cadre.check_employment(self._employment(given, "replacement."), **r.common)

    def _replacing_suspend(self, cadre: Cadre, r: Replacing, given: Suspend) -> Fact:
        return cadre.check_suspension(replace(given, reason=nfc(given.reason or "")),
                                      **r.common)

    def _replacing_vet(self, cadre: Cadre, r: Replacing, given: Vet) -> Fact:
        return cadre.check_vetting(given, **r.common)

    def _replacing_add_relative(self, cadre: Cadre, r: Replacing, given: AddRelative) -> Fact:
        if given.relative_cadre_id is not None:
            self.cadre(given.relative_cadre_id, "replacement.relative_cadre_id")
        return cadre.check_relative(given, relative_id=r.old["relative_id"], **r.common)

    def _resync_head_seats(self, cadre: Cadre, before: dict[UUID, Holding],
                           old: dict[str, Any], recorded_by: str) -> list[Unit]:
        after = cadre.holdings()
        units: dict[UUID, Unit] = {}
        # The corrected holding, and any other it changed (the term a renewal took over from),
        # earlier terms first so that a seat is handed over before the next term takes it.
        changed = {old["holding_id"]} | {h for h in before.keys() | after.keys()
                                         if before.get(h) != after.get(h)}
        for holding_id in sorted(changed, key=lambda h: (after.get(h) or before[h]).since):
            seat_units = []
            for state in (before.get(holding_id), after.get(holding_id)):
                if state is not None and self.title(state.title_code).is_head:
                    seat_units.append(units.setdefault(state.unit_id,
                                                       self.unit(state.unit_id)))
            now = after.get(holding_id)
            for unit in seat_units:
                if now is not None and now.unit_id == unit.id and self.title(
                        now.title_code).is_head:
                    self._sync_seat(unit, now, cadre.id, now.decision, recorded_by)
                else:
                    self._sync_seat(unit, None, cadre.id, None, recorded_by,
                                    holding_id=holding_id)
        return list(units.values())

    def erase_personal_data(self, cadre_id: UUID, command: ErasePersonalData, *,
                            recorded_by: str) -> Receipt:
        """Record the erasure, with where other entries name the cadre (`command.mentions`,
        found by the caller while the name can be read); the caller then destroys the cadre's
        key (crypto-shredding)."""
        cadre = self.cadre(cadre_id, "id")
        cadre.erase_personal_data(reason=nfc(command.reason), window=self.window(),
                                  recorded_by=recorded_by, mentions=command.mentions)
        # Its numbers are released with it, and their secrets forgotten (ADR 0010).
        released = self._release(self.national_ids_of(cadre), "erasure", recorded_by) \
            if self.national_ids is not None else []
        closed = self._close_namesakes(cadre, recorded_by)
        try:
            receipt = self._commit(cadre, *released, *closed)
        except Exception:
            if closed and self.namesakes is not None:
                # The closed groups' secrets are renewed already: the index is built again
                # from the log at its next use rather than miss their other members.
                self.namesakes.invalidate()
            raise
        self.forget_national_ids(cadre)
        return receipt

    # --- oversight ------------------------------------------------------------------------

    def review_finding(self, command: ReviewFinding, *, recorded_by: str) -> Receipt:
        """Record an inspector's conclusion on a finding (the caller has checked it exists)."""
        finding_key, rule_id = command.finding_key, command.rule_id
        if rule_id not in RULE_IDS:
            raise InvalidCommand(f"Quy tắc '{rule_id}' không tồn tại (unknown rule)",
                                 code="invalid_code", field="rule")
        today = self.window().today
        review: FindingReview
        try:
            found: object = self.repository.get(review_id_for(finding_key))
            assert isinstance(found, FindingReview)
            review = found
        except AggregateNotFoundError:
            review = FindingReview(finding_key=finding_key, rule_id=rule_id, effective_on=today,
                                   decision=None, recorded_by=recorded_by)
        review.review(conclusion=command.conclusion, reason=command.reason, effective_on=today,
                      recorded_by=recorded_by, decision=command.decision)
        return self._commit(review)

    # --- internal feedback (phản ánh nội bộ) --------------------------------------------------

    def file_feedback(self, command: FileFeedback) -> Receipt:
        if command.cadre_id is not None:
            self.cadre(command.cadre_id)
        if command.unit_id is not None:
            self.unit(command.unit_id)
        if self._exists(feedback_id_for(command.receipt)):
            raise Conflict("Mã tiếp nhận đã được dùng (receipt already used)",
                           code="duplicate_receipt", field="receipt")
        return self._commit(Feedback.file(command, today=self.window().today))

    def change_feedback_status(self, command: ChangeFeedbackStatus) -> Receipt:
        feedback = self.feedback(command.feedback_id)
        feedback.change_status(command, today=self.window().today)
        return self._commit(feedback)

    def feedback(self, feedback_id: UUID, field: str = "id") -> Feedback:
        return self._one(feedback_id, Feedback, NotFound(
            "Không tìm thấy phản ánh (unknown feedback)", code="feedback_not_found",
            field=field))

    def derived_yearly_rating(self, cadre_id: UUID, year: int) -> Derived:
        """The yearly rating the cadre's quarters of `year` allow (domain/yearly_ratings.py)."""
        return derive(year, [e.payload for e in self.cadre(cadre_id, "id").facts("Evaluated")])

    # --- self-service corrections (đề nghị đính chính) -----------------------------------------

    def request_correction(self, command: RequestCorrection) -> Receipt:
        """Record a cadre's request; the target must be an entry of their record that a
        correction could supersede today."""
        entry = self.entry_to_correct(command.cadre_id, command.target_position)
        if entry.type != command.target_type:
            raise InvalidCommand(f"Mục {command.target_position} là {entry.type} (target is "
                                 f"of type {entry.type})", code="invalid_target", field="target")
        return self._commit(CorrectionRequest.request(command, today=self.window().today))

    def answer_correction_request(self, command: AnswerCorrectionRequest, *,
                                  replacement: dict[str, Any] | None = None) -> Receipt:
        """Refuse, or accept and record the correction (or retraction) of the request's target
        in the same transaction as the answer. An acceptance's receipt names the correction's
        position as `entry_position`."""
        request = self.correction_request(command.request_id)
        request.check_answerable()
        if command.outcome != Outcome.ACCEPTED:
            request.answer(command, today=self.window().today)
            return self._commit(request)
        cadre, units, _ = self._corrected(request.cadre_id, Correct(
            target_position=request.target_position, reason=nfc(command.reason),
            replacement=replacement), recorded_by=command.answered_by)
        how = "retracted" if replacement is None else "corrected"
        request.answer(replace(command, how=how), today=self.window().today)
        return self._commit(cadre, *units, request)

    def correction_requests_of(self, cadre_id: UUID) -> list[UUID]:
        """The ids of every correction request filed about the cadre, read from the log (the
        requests' creation events only), not from the read side: an erasure shreds their
        keys, and must not miss one the projection has not applied yet."""
        return [requested.originator_id
                for requested in self._logged(CorrectionRequest.Requested)
                if requested.cadre_id == cadre_id]

    def correction_request(self, request_id: UUID, field: str = "id") -> CorrectionRequest:
        return self._one(request_id, CorrectionRequest, NotFound(
            "Không tìm thấy đề nghị đính chính (unknown correction request)",
            code="correction_request_not_found", field=field))

    def _one(self, aggregate_id: UUID, kind: type[A], missing: NotFound) -> A:
        """The aggregate of that kind with this id, or the refusal `missing`."""
        found = self._found(aggregate_id, kind)
        if found is None:
            raise missing
        return found

    def _found(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind with this id, if there is one."""
        try:
            found: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    # --- the monthly cycle (báo cáo tháng) ----------------------------------------------------

    def submit_report(self, command: SubmitReport) -> Receipt:
        """Record a unit's monthly report as submitted (the caller computed its digest)."""
        self.unit(command.unit_id)
        today = self.window().today
        found = self.report_submission(command.period, command.unit_id)
        if found is None:
            return self._commit(ReportSubmission.submit(command, today=today))
        found.resubmit(command, today=today)
        return self._commit(found)

    def report_submission(self, period: str, unit_id: UUID) -> ReportSubmission | None:
        return self._found(submission_id_for(period, unit_id), ReportSubmission)

    # --- term-end notices (thông báo hết thời hạn giữ chức vụ) --------------------------------

    def notify_term_end(self, command: NotifyTermEnd) -> Receipt:
        """Record that the office gave notice of a term's end (the term-end worklist shows it)."""
        cadre = self.cadre(command.cadre_id, "cadre_id")
        holding = cadre.holdings().get(command.holding_id)
        if holding is None:
            raise NotFound("Cán bộ không giữ chức vụ này (no such holding of the cadre)",
                           code="holding_not_found", field="holding_id")
        if holding.planned_end_on is None:
            raise InvalidCommand("Chức vụ này không có thời hạn (the holding has no planned "
                                 "end)", code="no_planned_end", field="holding_id")
        if self._exists(notice_id_for(holding.holding_id, holding.planned_end_on)):
            raise Conflict("Đã thông báo hết thời hạn của nhiệm kỳ này (the term's end was "
                           "notified already)", code="already_notified", field="holding_id")
        return self._commit(TermNotice.notify(command, since=holding.since,
                                              planned_end_on=holding.planned_end_on,
                                              today=self.window().today))

    def term_notice(self, holding_id: UUID, planned_end_on: date) -> TermNotice | None:
        return self._found(notice_id_for(holding_id, planned_end_on), TermNotice)

    # --- job positions (vị trí việc làm) ------------------------------------------------------

    def register_job_position(self, command: RegisterJobPosition) -> Receipt:
        unit = self.unit(command.unit_id)
        if unit.ended_on is not None:
            raise Conflict("Đơn vị đã giải thể hoặc sáp nhập (unit has ended)",
                           code="unit_ended", field="unit_id")
        command = replace(command, code=nfc(command.code), name=nfc(command.name))
        position = JobPosition.register(command)
        if self._exists(position.id):
            raise Conflict(f"Mã vị trí việc làm '{command.code}' đã có ở đơn vị này (job "
                           "position code already used in the unit)", code="duplicate_code",
                           field="code")
        return self._commit(position)

    def revise_job_position(self, command: ReviseJobPosition) -> Receipt:
        position = self.job_position(command.position_id, "id")
        position.revise(command)
        return self._commit(position)

    def job_position(self, position_id: UUID, field: str = "job_position_id") -> JobPosition:
        return self._one(position_id, JobPosition, NotFound(
            "Không tìm thấy vị trí việc làm (unknown job position)",
            code="job_position_not_found", field=field))

    def aggregates(self, ids: Sequence[UUID]) -> list[Aggregate]:
        return [self.repository.get(i) for i in ids]


def _distinct(aggregates: Sequence[Aggregate]) -> list[Aggregate]:
    return list({a.id: a for a in aggregates}.values())


def _with_namesakes(receipt: Receipt, namesakes: Sequence[UUID]) -> Receipt:
    """A warning, not a refusal: namesakes born the same day are on record (their ids: the
    caller shows them to the roles that may read every record)."""
    if not namesakes:
        return receipt
    warning = {"code": "probable_duplicate", "field": "full_name",
               "message": "Đã có cán bộ cùng họ tên và ngày sinh (a cadre with the same name "
                          "and birth date is on record)", "cadre_ids": list(namesakes)}
    return replace(receipt, warnings=(*receipt.warnings, warning))


def _note_namesake(current: dict[UUID, str | None], event: Any) -> None:
    if isinstance(event, Cadre.Registered):
        current[event.originator_id] = namesake_text(event.full_name, event.born_on)
    elif isinstance(event, Cadre.Corrected) and event.target_type == "Registered" \
            and event.replacement is not None:
        current[event.originator_id] = namesake_text(event.replacement["full_name"],
                                                     event.replacement["born_on"])
    elif isinstance(event, Cadre.PersonalDataErased):
        current[event.originator_id] = None


def _duplicate_person(field: str) -> Conflict:
    return Conflict("Số định danh đã có trong hồ sơ một cán bộ khác; không đăng ký lần hai "
                    "(a cadre with this national ID is already on record: duplicate_person)",
                    code="duplicate_person", field=field)


def _text(value: str | None) -> str | None:
    return nfc(value) if isinstance(value, str) else value
