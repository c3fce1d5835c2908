"""What lies behind an appointment and around a cadre's integrity, kept in the log (issue 18,
parts 3 and 4).

`AppointmentDossier` is the optional dossier of one appointment (hồ sơ, quy trình bổ nhiệm): the
steps of the procedure (chủ trương, giới thiệu nhân sự, lấy phiếu tín nhiệm, thẩm định, quyết
định), each with its date, its reference (biên bản, tờ trình) and, for a vote, its counts.
`IntegrityRecord` keeps a cadre's asset declarations (kê khai tài sản, thu nhập) and foreign
travel (đi nước ngoài): dates, kind and reference only — the declared content and the trip's
papers stay outside the product.

Neither judges anything: the rules of the pack do (`dossier_steps`, `dossier_vote_share`,
`decision_before_dossier`, `no_asset_declaration`, `travel_without_permission`,
`travel_without_report`), over the facts the findings fold reads from these events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidCommand, NotFound
from domain.inspection import act_date, check_decision
from domain.values import Decision, nfc

MAX_VOTES = 100_000


class DossierStep(StrEnum):
    CHU_TRUONG = "chu_truong"  # đề xuất, thống nhất chủ trương
    GIOI_THIEU = "gioi_thieu"  # giới thiệu nhân sự
    LAY_PHIEU = "lay_phieu"  # lấy phiếu tín nhiệm
    THAM_DINH = "tham_dinh"  # thẩm định, xác minh, kết luận tiêu chuẩn chính trị
    QUYET_DINH = "quyet_dinh"  # tập thể lãnh đạo quyết định


class DeclarationKind(StrEnum):
    LAN_DAU = "lan_dau"  # kê khai lần đầu
    HANG_NAM = "hang_nam"  # kê khai hằng năm
    BO_SUNG = "bo_sung"  # kê khai bổ sung (biến động từ 300 triệu đồng)
    PHUC_VU_CAN_BO = "phuc_vu_can_bo"  # kê khai phục vụ công tác cán bộ


class TravelPurpose(StrEnum):
    CONG_VU = "cong_vu"  # đi công tác
    VIEC_RIENG = "viec_rieng"  # đi vì việc riêng


def dossier_id_for(holding_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:dossier:{holding_id}")


def integrity_id_for(cadre_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"hoso:integrity:{cadre_id}")


def _reference(value: str | None, field: str) -> str:
    text = nfc(value or "")
    if not text:
        raise InvalidCommand(f"Thiếu số, ký hiệu văn bản ({field} is required)",
                             code="missing_field", field=field)
    if len(text) > 200:
        raise InvalidCommand(f"Số văn bản quá dài ({field} over 200 characters)",
                             code="too_long", field=field)
    return text


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordStep:
    cadre_id: UUID
    holding_id: UUID
    step: DossierStep
    effective_on: date
    reference: str
    recorded_by: str
    votes_for: int | None = None
    votes_total: int | None = None  # those called to the vote (tổng số người được triệu tập)
    note: str | None = None
    decision: Decision | None = None


@dataclass(frozen=True, kw_only=True)
class DeclareAssets:
    cadre_id: UUID
    kind: DeclarationKind
    effective_on: date  # the day the declaration was made (ngày kê khai)
    reference: str
    recorded_by: str
    year: int | None = None


@dataclass(frozen=True, kw_only=True)
class RecordTravel:
    cadre_id: UUID
    purpose: TravelPurpose
    departed_on: date
    returned_on: date
    recorded_by: str
    reference: str | None = None
    permission: Decision | None = None  # the decision permitting the trip (None: none given)


@dataclass(frozen=True, kw_only=True)
class ReportTravel:
    travel_id: UUID
    effective_on: date
    reference: str
    recorded_by: str


# --- the dossier -----------------------------------------------------------------------------


class AppointmentDossier(Aggregate):
    class Opened(Aggregate.Created):
        class_version = 1
        cadre_id: UUID
        holding_id: UUID
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class StepRecorded(Aggregate.Event):
        class_version = 1
        step: DossierStep
        reference: str
        votes_for: int | None
        votes_total: int | None
        note: str | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(*args: object, holding_id: UUID, **kwargs: object) -> UUID:
        return dossier_id_for(holding_id)

    @classmethod
    def open(cls, *, cadre_id: UUID, holding_id: UUID, effective_on: date,
             recorded_by: str) -> AppointmentDossier:
        return cls(cadre_id=cadre_id, holding_id=holding_id, effective_on=effective_on,
                   decision=None, recorded_by=recorded_by)

    @event(Opened)
    def __init__(self, *, cadre_id: UUID, holding_id: UUID, effective_on: date,
                 decision: Decision | None, recorded_by: str) -> None:
        self.cadre_id = cadre_id
        self.holding_id = holding_id
        self.steps: dict[DossierStep, date] = {}

    def record_step(self, command: RecordStep, *, today: date) -> None:
        try:
            step = DossierStep(command.step)
        except ValueError:
            raise InvalidCommand(f"Bước '{command.step}' không hợp lệ (step must be one of "
                                 f"{', '.join(DossierStep)})", code="invalid_code",
                                 field="step") from None
        if step in self.steps:
            raise Conflict(f"Bước {step} đã được ghi (step already recorded)",
                           code="step_already_recorded", field="step")
        day = act_date(command.effective_on, command.effective_on, today)
        reference = _reference(command.reference, "reference")
        votes_for, votes_total = command.votes_for, command.votes_total
        if (votes_for is None) != (votes_total is None):
            raise InvalidCommand("Ghi cả số phiếu đồng ý và tổng số người được triệu tập "
                                 "(votes_for and votes_total go together)",
                                 code="missing_field",
                                 field="votes_total" if votes_total is None else "votes_for")
        if votes_total is not None and votes_for is not None:
            if not 0 < votes_total <= MAX_VOTES:
                raise InvalidCommand(f"Tổng số người được triệu tập phải từ 1 đến {MAX_VOTES} "
                                     "(votes_total out of range)", code="invalid_votes",
                                     field="votes_total")
            if not 0 <= votes_for <= votes_total:
                raise InvalidCommand("Số phiếu đồng ý phải từ 0 đến tổng số người được triệu "
                                     "tập (votes_for out of range)", code="invalid_votes",
                                     field="votes_for")
        elif step == DossierStep.LAY_PHIEU:
            raise InvalidCommand("Bước lấy phiếu tín nhiệm cần số phiếu (votes_for and "
                                 "votes_total are required for lay_phieu)",
                                 code="missing_field", field="votes_for")
        if command.decision is not None:
            check_decision(command.decision, today)
        self._step_recorded(step=step, reference=reference, votes_for=votes_for,
                            votes_total=votes_total, note=nfc(command.note or "") or None,
                            effective_on=day, decision=command.decision,
                            recorded_by=command.recorded_by)

    @event(StepRecorded)
    def _step_recorded(self, step: DossierStep, reference: str, votes_for: int | None,
                       votes_total: int | None, note: str | None, effective_on: date,
                       decision: Decision | None, recorded_by: str) -> None:
        self.steps[step] = effective_on


# --- declarations and travel -----------------------------------------------------------------


@dataclass(frozen=True)
class Travel:
    travel_id: UUID
    departed_on: date
    returned_on: date
    reported_on: date | None = None


class IntegrityRecord(Aggregate):
    class Opened(Aggregate.Created):
        class_version = 1
        cadre_id: UUID
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class AssetsDeclared(Aggregate.Event):
        class_version = 1
        declaration_id: UUID
        kind: DeclarationKind
        year: int | None
        reference: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class TravelRecorded(Aggregate.Event):
        class_version = 1
        travel_id: UUID
        purpose: TravelPurpose
        departed_on: date
        returned_on: date
        reference: str | None
        permission: Decision | None
        effective_on: date
        decision: Decision | None
        recorded_by: str

    class TravelReported(Aggregate.Event):
        class_version = 1
        travel_id: UUID
        reference: str
        effective_on: date
        decision: Decision | None
        recorded_by: str

    @staticmethod
    def create_id(*args: object, cadre_id: UUID, **kwargs: object) -> UUID:
        return integrity_id_for(cadre_id)

    @classmethod
    def open(cls, *, cadre_id: UUID, effective_on: date, recorded_by: str) -> IntegrityRecord:
        return cls(cadre_id=cadre_id, effective_on=effective_on, decision=None,
                   recorded_by=recorded_by)

    @event(Opened)
    def __init__(self, *, cadre_id: UUID, effective_on: date, decision: Decision | None,
                 recorded_by: str) -> None:
        self.cadre_id = cadre_id
        self.travels: dict[UUID, Travel] = {}

    def declare(self, command: DeclareAssets, *, today: date) -> UUID:
        try:
            kind = DeclarationKind(command.kind)
        except ValueError:
            raise InvalidCommand(f"Loại kê khai '{command.kind}' không hợp lệ (kind must be one "
                                 f"of {', '.join(DeclarationKind)})", code="invalid_code",
                                 field="kind") from None
        day = act_date(command.effective_on, command.effective_on, today)
        if command.year is not None and not 1990 <= command.year <= today.year:
            raise InvalidCommand(f"Năm kê khai {command.year} không hợp lệ (year must be "
                                 f"1990-{today.year})", code="invalid_year", field="year")
        declaration_id = uuid4()
        self._assets_declared(declaration_id=declaration_id, kind=kind, year=command.year,
                              reference=_reference(command.reference, "reference"),
                              effective_on=day, decision=None,
                              recorded_by=command.recorded_by)
        return declaration_id

    @event(AssetsDeclared)
    def _assets_declared(self, declaration_id: UUID, kind: DeclarationKind, year: int | None,
                         reference: str, effective_on: date, decision: Decision | None,
                         recorded_by: str) -> None:
        pass

    def record_travel(self, command: RecordTravel, *, today: date) -> UUID:
        try:
            purpose = TravelPurpose(command.purpose)
        except ValueError:
            raise InvalidCommand(f"Mục đích '{command.purpose}' không hợp lệ (purpose must be "
                                 f"one of {', '.join(TravelPurpose)})", code="invalid_code",
                                 field="purpose") from None
        departed = act_date(command.departed_on, command.departed_on, today, "departed_on")
        returned = act_date(command.returned_on, command.returned_on, today, "returned_on",
                            not_before=departed, before_what="ngày đi")
        if command.permission is not None:
            check_decision(command.permission, today, "permission")
        travel_id = uuid4()
        self._travel_recorded(travel_id=travel_id, purpose=purpose, departed_on=departed,
                              returned_on=returned,
                              reference=nfc(command.reference or "") or None,
                              permission=command.permission, effective_on=departed,
                              decision=None, recorded_by=command.recorded_by)
        return travel_id

    @event(TravelRecorded)
    def _travel_recorded(self, travel_id: UUID, purpose: TravelPurpose, departed_on: date,
                         returned_on: date, reference: str | None, permission: Decision | None,
                         effective_on: date, decision: Decision | None,
                         recorded_by: str) -> None:
        self.travels[travel_id] = Travel(travel_id, departed_on, returned_on)

    def report_travel(self, command: ReportTravel, *, today: date) -> None:
        travel = self.travels.get(command.travel_id)
        if travel is None:
            raise NotFound(f"Không tìm thấy chuyến đi {command.travel_id} (unknown travel)",
                           code="travel_not_found", field="travel_id")
        if travel.reported_on is not None:
            raise Conflict("Chuyến đi đã có báo cáo (travel already reported)",
                           code="travel_reported", field="travel_id")
        day = act_date(command.effective_on, command.effective_on, today,
                       not_before=travel.returned_on, before_what="ngày về")
        self._travel_reported(travel_id=travel.travel_id,
                              reference=_reference(command.reference, "reference"),
                              effective_on=day, decision=None,
                              recorded_by=command.recorded_by)

    @event(TravelReported)
    def _travel_reported(self, travel_id: UUID, reference: str, effective_on: date,
                         decision: Decision | None, recorded_by: str) -> None:
        held = self.travels[travel_id]
        self.travels[travel_id] = Travel(held.travel_id, held.departed_on, held.returned_on,
                                         effective_on)
