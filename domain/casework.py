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
