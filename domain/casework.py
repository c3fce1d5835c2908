"""The inspection casework service: the commands of `domain.inspection`, checked against the
repository (units, cadres, plans, cases exist; evidence positions exist in the log), then saved
atomically through the application service. The API and the web UI both call it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.application import HosoApplication, Receipt
from domain.errors import NotFound
from domain.inspection import (
    AddEvidence,
    AdoptPlan,
    AssignRemedy,
    CloseCase,
    CloseRemedy,
    Conclude,
    InspectionCase,
    InspectionPlan,
    OpenCase,
    SubjectKind,
)
from domain.integrity import (
    AppointmentDossier,
    DeclareAssets,
    IntegrityRecord,
    RecordStep,
    RecordTravel,
    ReportTravel,
    dossier_id_for,
    integrity_id_for,
)


class Casework:
    def __init__(self, app: HosoApplication) -> None:
        self.app = app

    def _today(self) -> date:
        return self.app.window().today

    def plan(self, plan_id: UUID, field: str = "plan_id") -> InspectionPlan:
        found = self._get(plan_id)
        if not isinstance(found, InspectionPlan):
            raise NotFound(f"Không tìm thấy kế hoạch kiểm tra {plan_id} (unknown plan)",
                           code="plan_not_found", field=field)
        return found

    def case(self, case_id: UUID, field: str = "id") -> InspectionCase:
        found = self._get(case_id)
        if not isinstance(found, InspectionCase):
            raise NotFound(f"Không tìm thấy vụ việc kiểm tra {case_id} (unknown case)",
                           code="case_not_found", field=field)
        return found

    def _get(self, aggregate_id: UUID) -> object:
        try:
            return self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    # --- plans ---------------------------------------------------------------------------

    def adopt_plan(self, command: AdoptPlan) -> Receipt:
        for i, subject in enumerate(command.subjects):
            if subject.kind == SubjectKind.UNIT and subject.unit_id is not None:
                self.app.unit(subject.unit_id, f"subjects[{i}].unit_id")
            if subject.kind == SubjectKind.CADRE and subject.cadre_id is not None:
                self.app.cadre(subject.cadre_id, f"subjects[{i}].cadre_id")
        plan = InspectionPlan.adopt(command, today=self._today())
        return self.app.commit(plan)

    # --- cases ---------------------------------------------------------------------------

    def open_case(self, command: OpenCase) -> Receipt:
        if command.plan_id is not None:
            self.plan(command.plan_id)
        if command.unit_id is not None:
            self.app.unit(command.unit_id)
        if command.cadre_id is not None:
            self.app.cadre(command.cadre_id)
        return self.app.commit(InspectionCase.open(command, today=self._today()))

    def add_evidence(self, case_id: UUID, command: AddEvidence) -> Receipt:
        case = self.case(case_id)
        for i, position in enumerate(command.log_positions):
            if self.app.locate(position) is None:
                raise NotFound(f"Vị trí {position} không có trong sổ ghi (no such log position)",
                               code="position_not_found", field=f"log_positions[{i}]")
        case.add_evidence(command, today=self._today())
        return self.app.commit(case)

    def conclude(self, case_id: UUID, command: Conclude) -> Receipt:
        case = self.case(case_id)
        case.conclude(command, today=self._today())
        return self.app.commit(case)

    def assign_remedy(self, case_id: UUID, command: AssignRemedy) -> tuple[Receipt, UUID]:
        case = self.case(case_id)
        if command.owner_unit_id is not None:
            self.app.unit(command.owner_unit_id, "owner_unit_id")
        if command.owner_cadre_id is not None:
            self.app.cadre(command.owner_cadre_id, "owner_cadre_id")
        remedy_id = case.assign_remedy(command, today=self._today())
        return self.app.commit(case), remedy_id

    def close_remedy(self, case_id: UUID, command: CloseRemedy) -> Receipt:
        case = self.case(case_id)
        case.close_remedy(command, today=self._today())
        return self.app.commit(case)

    def close_case(self, case_id: UUID, command: CloseCase) -> Receipt:
        case = self.case(case_id)
        case.close(command, today=self._today())
        return self.app.commit(case)


class IntegrityWork:
    """The appointment dossier, asset declarations and foreign travel (issue 18, parts 3 and 4):
    checked against the repository (the cadre, the holding exist), then saved through the
    application service like the casework above. The API and the web UI both call it."""

    def __init__(self, app: HosoApplication) -> None:
        self.app = app

    def _today(self) -> date:
        return self.app.window().today

    def _get(self, aggregate_id: UUID) -> object:
        try:
            return self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def record_step(self, command: RecordStep) -> Receipt:
        cadre = self.app.cadre(command.cadre_id)
        if command.holding_id not in cadre.record.holdings:
            raise NotFound(f"Cán bộ không có lần bổ nhiệm {command.holding_id} (unknown holding "
                           "of this cadre)", code="holding_not_found", field="holding_id")
        found = self._get(dossier_id_for(command.holding_id))
        dossier = found if isinstance(found, AppointmentDossier) else AppointmentDossier.open(
            cadre_id=command.cadre_id, holding_id=command.holding_id,
            effective_on=self._today(), recorded_by=command.recorded_by)
        dossier.record_step(command, today=self._today())
        return self.app.commit(dossier)

    def _integrity(self, cadre_id: UUID, recorded_by: str) -> IntegrityRecord:
        self.app.cadre(cadre_id)
        found = self._get(integrity_id_for(cadre_id))
        if isinstance(found, IntegrityRecord):
            return found
        return IntegrityRecord.open(cadre_id=cadre_id, effective_on=self._today(),
                                    recorded_by=recorded_by)

    def declare_assets(self, command: DeclareAssets) -> tuple[Receipt, UUID]:
        record = self._integrity(command.cadre_id, command.recorded_by)
        declaration_id = record.declare(command, today=self._today())
        return self.app.commit(record), declaration_id

    def record_travel(self, command: RecordTravel) -> tuple[Receipt, UUID]:
        record = self._integrity(command.cadre_id, command.recorded_by)
        travel_id = record.record_travel(command, today=self._today())
        return self.app.commit(record), travel_id

    def report_travel(self, cadre_id: UUID, command: ReportTravel) -> Receipt:
        self.app.cadre(cadre_id)
        found = self._get(integrity_id_for(cadre_id))
        if not isinstance(found, IntegrityRecord):
            raise NotFound(f"Không tìm thấy chuyến đi {command.travel_id} (unknown travel)",
                           code="travel_not_found", field="travel_id")
        found.report_travel(command, today=self._today())
        return self.app.commit(found)
