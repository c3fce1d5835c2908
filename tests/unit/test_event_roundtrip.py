"""Every event class of the log goes through the project's mapper and orjson transcoder, into an
SQLite store and back, with every field keeping its type and value.

The event classes are discovered from the aggregates, so a new event class (or a new field)
without a sample here fails `test_every_event_class_has_a_realistic_sample`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.application import HosoApplication
from domain.cadre import Cadre
from domain.commands import RegisterCadre
from domain.correction_requests import CorrectionRequest, Outcome
from domain.feedback import FILED_BY, Feedback, FeedbackStatus, feedback_id_for
from domain.inspection import (
    CaseSource,
    DocumentRef,
    FindingBasis,
    InspectionCase,
    InspectionPlan,
    PlanSubject,
    SubjectKind,
)
from domain.integrity import (
    AppointmentDossier,
    DeclarationKind,
    DossierStep,
    IntegrityRecord,
    TravelPurpose,
    dossier_id_for,
    integrity_id_for,
)
from domain.job_position import (
    Competency,
    CompetencyFramework,
    JobPosition,
    PositionGroup,
    PositionStandards,
)
from domain.namesakes import NamesakeGroup
from domain.national_ids import INDEX_ID, NationalIdClaim, NationalIdIndex
from domain.oversight import FindingReview
from domain.programmes import ProgrammeCatalogue, ProgrammeKind
from domain.report_submission import ReportSubmission, submission_id_for
from domain.term_notice import TermNotice, notice_id_for
from domain.title import Title
from domain.unit import Unit
from domain.values import (
    ActionKind,
    Allowance,
    AllowanceKind,
    CommendationForm,
    CommendationLevel,
    Decision,
    DisciplineForm,
    DisciplineSystem,
    Education,
    EmploymentKind,
    EndingReason,
    Gender,
    Mentions,
    PoliticalTheory,
    QualificationKind,
    Rating,
    Relation,
    ReviewConclusion,
    Spelling,
    StateManagement,
    TitleStandards,
    TrainingMode,
    UnitLevel,
    VettingConclusion,
)
from infra.clock import PinnedClock
from infra.persistence import application_env
from infra.settings import Settings

AGGREGATES: tuple[type[Aggregate], ...] = (Unit, Title, Cadre, FindingReview, Feedback,
                                           InspectionPlan, InspectionCase,
                                           ReportSubmission, CorrectionRequest, JobPosition,
                                           TermNotice, AppointmentDossier, IntegrityRecord,
                                           ProgrammeCatalogue, NationalIdClaim,
                                           NationalIdIndex, NamesakeGroup)

DISTRICT = Unit.create_id("KA")
OFFICE = Unit.create_id("KA-NV")
WARD = Unit.create_id("KA-PL")
TITLE = Title.create_id("truong_phong")
JOB_POSITION = JobPosition.create_id(OFFICE, "NV-TH-01")
CADRE = UUID("6f1c2a0e-5b7d-4c1e-9a57-2f0d8e3b4c11")
SIGNER = UUID("0b9d7c4e-1f2a-4e3b-8c5d-6a7b8c9d0e1f")
HOLDING = UUID("c7e3a9b1-2d4f-4a6b-8e0c-1f3a5b7d9e2c")
PLANNING = UUID("a1b2c3d4-e5f6-4789-9abc-def012345678")
RELATIVE = UUID("1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
REVIEW = FindingReview.create_id("thoi_gian_giu_chuc:6f1c2a0e:2024-03-01")
PLAN = UUID("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d")
CASE = UUID("9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b")
REMEDY = UUID("2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901")
FEEDBACK = feedback_id_for("PA-7K2QD-9XW4M-C3TNB-H8RVZ")
SUBMISSION = submission_id_for("2026-11", WARD)
CLAIM = UUID("3f6e2d1c-0b9a-4c8d-9e7f-6a5b4c3d2e1f")
NAMESAKES = UUID("7a1c5e3b-2d4f-4e6a-8b9c-0d1e2f3a4b5c")
CORRECTION_REQUEST = UUID("5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170")
RECORDED_AT = datetime(2026, 11, 24, 3, 15, 42, 123456, tzinfo=UTC)

DECISION = Decision(number="41-QĐ/QU", signed_on=date(2022, 4, 1),
                    issuer="Ban Thường vụ Quận ủy Kiến An", signer="Lê Toàn Khánh",
                    signer_cadre_id=SIGNER)
DECISION_NO_SIGNER_ID = Decision(number="125/QĐ-UBND", signed_on=date(2021, 12, 28),
                                 issuer="Ủy ban nhân dân quận Kiến An", signer="Phạm Văn Mạnh")
DECISION_ISSUER_CODE = Decision(number="41-NQ/QU", signed_on=date(2024, 4, 1),
                                issuer="Ban Thường vụ Quận ủy, Huyện ủy, Thị ủy",
                                signer="Lê Toàn Khánh", issuer_code="btv_huyen_uy")

# Per event class (qualified name): one or more realistic payloads, domain fields only.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "Unit.Registered": [dict(
        code="KA-NV", name="Phòng Nội vụ quận Kiến An", kind="phong",
        established_on=date(2008, 4, 1), parent_id=DISTRICT, decision=DECISION_NO_SIGNER_ID,
        recorded_by="ban_to_chuc")],
    "Unit.Renamed": [dict(new_name="Phòng Nội vụ – Lao động", effective_on=date(2025, 3, 1),
                          decision=DECISION, recorded_by="ban_to_chuc")],
    "Unit.Moved": [
        dict(new_parent_id=WARD, effective_on=date(2025, 7, 1), decision=DECISION,
             recorded_by="ban_to_chuc"),
        dict(new_parent_id=None, effective_on=date(2025, 7, 1), decision=None,
             recorded_by="ban_to_chuc"),
    ],
    "Unit.MergedInto": [dict(into_unit_id=WARD, effective_on=date(2025, 7, 1), decision=DECISION,
                             recorded_by="ban_to_chuc")],
    "Unit.Absorbed": [dict(merged_unit_id=OFFICE, effective_on=date(2025, 7, 1),
                           decision=DECISION, recorded_by="ban_to_chuc")],
    "Unit.Dissolved": [dict(effective_on=date(2025, 7, 1), decision=None,
                            recorded_by="ban_to_chuc")],
    "Unit.HeadSeatSet": [dict(holding_id=HOLDING, title_code="truong_phong", cadre_id=CADRE,
                              since=date(2022, 4, 15), until=date(2027, 4, 15),
                              effective_on=date(2027, 4, 15), decision=DECISION,
                              recorded_by="ban_to_chuc")],
    "Unit.HeadSeatWithdrawn": [dict(holding_id=HOLDING, effective_on=date(2026, 11, 24),
                                    decision=None, recorded_by="ban_to_chuc")],
    "JobPosition.Registered": [dict(
        unit_id=OFFICE, code="NV-TH-01", name="Chuyên viên tổng hợp", group=PositionGroup.CHUYEN_MON,
        standards=(PositionStandards(
            valid_from=date(2023, 1, 1), source="Thông tư 12/2022/TT-BNV",
            education=Education.DAI_HOC, political_theory=PoliticalTheory.TRUNG_CAP,
            state_management=StateManagement.CV, it="co_ban", language="b1",
            experience_years=3),),
        frameworks=(CompetencyFramework(
            valid_from=date(2023, 1, 1), source="Thông tư 12/2022/TT-BNV",
            competencies=(Competency(name="Tham mưu tổng hợp", level=3),
                          Competency(name="Ứng dụng công nghệ thông tin", level=2))),),
        recorded_by="ban_to_chuc"), dict(
        unit_id=OFFICE, code="NV-VT-01", name="Văn thư", group=PositionGroup.HO_TRO,
        standards=(), frameworks=(), recorded_by="admin")],
    "JobPosition.Revised": [dict(
        standards=PositionStandards(
            valid_from=date(2025, 7, 1), source="Quyết định của UBND phường năm 2025",
            education=Education.DAI_HOC, political_theory=PoliticalTheory.TRUNG_CAP,
            experience_years=5),
        framework=None, recorded_by="ban_to_chuc"), dict(
        standards=None, framework=CompetencyFramework(
            valid_from=date(2026, 1, 1), source="Thông tư 12/2022/TT-BNV",
            competencies=(Competency(name="Chuyển đổi số", level=4),)),
        recorded_by="ban_to_chuc")],
    "Title.Registered": [dict(
        code="truong_phong", name="Trưởng phòng", is_head=True, management_tier="quan_uy",
        rank=5, sector="noi_vu",
        standards=TitleStandards(min_political_theory=PoliticalTheory.TRUNG_CAP,
                                 min_state_management=StateManagement.CVC,
                                 min_education=Education.DAI_HOC, max_age_first_appointment=55),
        recorded_by="ban_to_chuc", unit_kinds=("phong",),
        levels=(UnitLevel.HUYEN, UnitLevel.XA), area_head=False), dict(
        code="chuyen_vien", name="Chuyên viên", is_head=False, management_tier="co_so",
        rank=1, sector=None, standards=TitleStandards(), recorded_by="ban_to_chuc",
        unit_kinds=None, levels=None, area_head=None)],
    "ProgrammeCatalogue.Opened": [dict(recorded_by="admin")],
    "ProgrammeCatalogue.ProgrammeAdded": [dict(
        code="boi_duong_chuyen_doi_so", name="Bồi dưỡng kỹ năng chuyển đổi số",
        kind=ProgrammeKind.KHAC, recorded_by="admin"), dict(
        code="chuc_danh_truong_phong", name="Bồi dưỡng theo tiêu chuẩn chức danh trưởng phòng",
        kind=ProgrammeKind.CHUC_DANH, recorded_by="admin")],
    "Title.Revised": [dict(
        code="truong_phong", effective_on=date(2025, 7, 1), management_tier="thanh_uy",
        standards=TitleStandards(min_political_theory=PoliticalTheory.CAO_CAP),
        source="Quy định 377-QĐ/TW; Quyết định phân cấp quản lý cán bộ 2025",
        recorded_by="ban_to_chuc")],
    "Cadre.Registered": [dict(
        full_name="Nguyễn Thị Thu Hằng", gender=Gender.NU, born_on=date(1978, 9, 2),
        party_joined_on=date(2003, 5, 19), education=Education.THAC_SI,
        political_theory=PoliticalTheory.TRUNG_CAP, state_management=StateManagement.CV,
        sensitive={"ethnicity": "Kinh", "religion": "Không", "hometown": "Tiên Lãng, Hải Phòng",
                   "national_id": "031178004512"},
        effective_on=date(2026, 11, 24), decision=None, recorded_by="ban_to_chuc")],
    "Cadre.Appointed": [dict(
        holding_id=HOLDING, kind=ActionKind.DIEU_DONG_BO_NHIEM, unit_id=OFFICE,
        title_code="truong_phong", effective_on=date(2022, 4, 15), decision=DECISION,
        term_months=60, planned_end_on=date(2027, 4, 15), special_case=True,
        recorded_by="ban_to_chuc", renews=None),
        # A reappointment that renews the holding (contract v1.1).
        dict(holding_id=PLANNING, kind=ActionKind.BO_NHIEM_LAI, unit_id=OFFICE,
             title_code="truong_phong", effective_on=date(2027, 4, 15), decision=DECISION,
             term_months=60, planned_end_on=date(2032, 4, 15), special_case=False,
             recorded_by="ban_to_chuc", renews=HOLDING)],
    "Cadre.HoldingEnded": [dict(
        holding_id=HOLDING, unit_id=OFFICE, title_code="truong_phong",
        reason=EndingReason.LUAN_CHUYEN, effective_on=date(2025, 7, 1), decision=DECISION,
        recorded_by="ban_to_chuc")],
    "Cadre.Nominated": [dict(unit_id=WARD, title_code="bi_thu", effective_on=date(2025, 6, 20),
                             decision=DECISION, recorded_by="ban_to_chuc")],
    "Cadre.Evaluated": [
        dict(period="2025-Q3", rating=Rating.HTTNV, effective_on=date(2025, 10, 10),
             score=Decimal("87.50"),
             criteria={"ket_qua_nhiem_vu": Decimal("52.5"), "phuc_vu_nguoi_dan": 15,
                       "phoi_hop": Decimal("10.0"), "ky_luat_ky_cuong": 10.0,
                       "ghi_chu": "Vượt chỉ tiêu cải cách hành chính"},
             decision=DECISION, scores=None, framework_id=None, recorded_by="ban_to_chuc"),
        dict(period="2021", rating=Rating.HTXSNV, effective_on=date(2021, 12, 28), score=None,
             criteria=None, decision=None, scores=None, framework_id=None,
             recorded_by="ban_to_chuc"),
        dict(period="2026-Q2", rating=Rating.HTTNV, effective_on=date(2026, 7, 10),
             score=Decimal("81.5"), criteria=None, decision=None,
             scores={"ket_qua_nhiem_vu": Decimal("41.5"), "phuc_vu_nguoi_dan": Decimal("16"),
                     "phoi_hop_lien_nganh": Decimal("8"), "ky_luat_liem_chinh": Decimal("16")},
             framework_id="phuong-2026", recorded_by="ban_to_chuc"),
    ],
    "Cadre.TrainingRecorded": [dict(
        program="llct_cao_cap", started_on=date(2023, 9, 5), completed_on=date(2024, 12, 20),
        institution="Học viện Chính trị khu vực I", mode=TrainingMode.TAI_CHUC,
        confers_kind=QualificationKind.POLITICAL_THEORY, confers_level=PoliticalTheory.CAO_CAP,
        effective_on=date(2024, 12, 20), decision=None, recorded_by="ban_to_chuc")],
    "Cadre.QualificationObtained": [dict(
        kind=QualificationKind.LANGUAGE, level="Tiếng Anh B1", effective_on=date(2019, 6, 30),
        decision=None, recorded_by="ban_to_chuc")],
    "Cadre.Planned": [dict(
        planning_id=PLANNING, unit_id=WARD, title_code="bi_thu", term="2025-2030",
        effective_on=date(2024, 3, 12), decision=DECISION, recorded_by="ban_to_chuc")],
    "Cadre.PlanningRemoved": [dict(
        planning_id=PLANNING, unit_id=WARD, title_code="bi_thu", term="2025-2030",
        effective_on=date(2025, 11, 30), decision=DECISION, recorded_by="ban_to_chuc")],
    "Cadre.Disciplined": [dict(
        form=DisciplineForm.KHIEN_TRACH, violation="Vi phạm quy định về kê khai tài sản",
        effective_on=date(2023, 8, 14), decision=DECISION, recorded_by="uy_ban_kiem_tra",
        system=DisciplineSystem.DANG),
        dict(form=DisciplineForm.BAI_NHIEM, violation="Không còn xứng đáng với sự tín nhiệm",
             effective_on=date(2025, 9, 14), decision=DECISION, recorded_by="hdnd",
             system=None)],
    "Cadre.Vetted": [dict(
        purpose="bo_nhiem", conclusion=VettingConclusion.DAT,
        body="Ban Tổ chức Quận ủy", effective_on=date(2022, 3, 2), decision=None,
        recorded_by="ban_to_chuc")],
    "Cadre.Commended": [
        dict(form=CommendationForm.BANG_KHEN, level=CommendationLevel.TINH,
             reason="Hoàn thành xuất sắc nhiệm vụ năm 2024", effective_on=date(2025, 1, 20),
             decision=DECISION, recorded_by="ban_to_chuc"),
        dict(form=CommendationForm.GIAY_KHEN, level=None, reason=None,
             effective_on=date(2023, 12, 28), decision=DECISION_NO_SIGNER_ID,
             recorded_by="ban_to_chuc")],
    "Cadre.Employed": [dict(
        unit_id=OFFICE, employment_kind=EmploymentKind.BIEN_CHE, job_position_id=JOB_POSITION,
        grade_code="01.003", grade_name="Chuyên viên", salary_step=3,
        coefficient=Decimal("3.00"), effective_on=date(2021, 7, 1), decision=DECISION,
        recorded_by="ban_to_chuc", allowances=(
            Allowance(kind=AllowanceKind.CHUC_VU, from_on=date(2021, 7, 1),
                      coefficient=Decimal("0.30")),
            Allowance(kind=AllowanceKind.THAM_NIEN_VUOT_KHUNG, from_on=date(2022, 1, 1),
                      percent=5, until=date(2026, 12, 31)),
            Allowance(kind=AllowanceKind.KHAC, from_on=date(2021, 7, 1), amount=500000))), dict(
        unit_id=OFFICE, employment_kind=EmploymentKind.HOP_DONG, job_position_id=None,
        grade_code="01.005", grade_name="Nhân viên", salary_step=1,
        coefficient=Decimal("1.86"), effective_on=date(2019, 3, 1),
        decision=DECISION_NO_SIGNER_ID, recorded_by="ban_to_chuc", allowances=())],
    "Cadre.Suspended": [dict(
        until=date(2025, 4, 15), reason="Để xem xét, xử lý kỷ luật theo Kết luận kiểm tra số "
        "12-KL/UBKT", effective_on=date(2025, 4, 1), decision=DECISION,
        recorded_by="ban_to_chuc")],
    "Cadre.RelativeAdded": [dict(
        relative_id=RELATIVE, relation=Relation.CHONG, relative_cadre_id=SIGNER,
        sensitive={"full_name": "Trần Quốc Bảo", "born_year": 1976},
        effective_on=date(2026, 11, 24), decision=None, recorded_by="ban_to_chuc")],
    "Cadre.Corrected": [
        # A correction of the registration: the replacement carries sealed personal data.
        dict(target_position=17, target_version=1, target_type="Registered",
             reason="Sai ngày sinh so với giấy khai sinh",
             replacement={"full_name": "Nguyễn Thị Thu Hằng", "gender": Gender.NU,
                          "born_on": date(1978, 9, 12), "party_joined_on": date(2003, 5, 19),
                          "education": Education.THAC_SI,
                          "political_theory": PoliticalTheory.TRUNG_CAP,
                          "state_management": StateManagement.CV,
                          "sensitive": {"ethnicity": "Kinh", "national_id": "031178004512"},
                          "effective_on": date(2026, 11, 24), "decision": None},
             effective_on=date(2026, 11, 24), decision=None, recorded_by="ban_to_chuc"),
        # A correction of an appointment: nested UUID, enum, dates and a decision.
        dict(target_position=23, target_version=2, target_type="Appointed",
             reason="Nhập sai ngày hiệu lực",
             replacement={"holding_id": HOLDING, "kind": ActionKind.BO_NHIEM,
                          "unit_id": OFFICE, "title_code": "truong_phong",
                          "effective_on": date(2022, 5, 1), "decision": DECISION,
                          "term_months": 60, "planned_end_on": date(2027, 5, 1),
                          "special_case": False},
             effective_on=date(2026, 11, 24), decision=DECISION, recorded_by="ban_to_chuc"),
        # A retraction: no replacement.
        dict(target_position=31, target_version=5, target_type="Evaluated",
             reason="Ghi trùng", replacement=None, effective_on=date(2026, 11, 24),
             decision=None, recorded_by="uy_ban_kiem_tra"),
    ],
    "Cadre.PersonalDataErased": [dict(
        reason="Yêu cầu xóa dữ liệu theo Luật 91/2025/QH15", effective_on=date(2026, 11, 24),
        decision=None, recorded_by="admin",
        # Two other cadres' entries name the cadre; one of them is where the name reads.
        mentions=Mentions(positions=(118, 342), spellings=(Spelling(118, "signer", 0, 12),))),
        # Nobody else's entry names the cadre.
        dict(reason="Yêu cầu của chủ thể dữ liệu", effective_on=date(2026, 11, 24),
             decision=None, recorded_by="admin", mentions=Mentions())],
    "NationalIdClaim.Claimed": [dict(effective_on=date(2026, 11, 24), recorded_by="admin")],
    "NationalIdClaim.Released": [dict(reason="erasure", effective_on=date(2026, 11, 24),
                                      recorded_by="admin")],
    "NationalIdClaim.Reclaimed": [dict(effective_on=date(2026, 11, 24),
                                       recorded_by="to_chuc_quan")],
    "NationalIdIndex.Built": [dict(claims=124, key_check="5f0c1e9a7b3d2c4e",
                                   effective_on=date(2026, 11, 24), recorded_by="admin")],
    "NationalIdIndex.Rebuilt": [dict(claims=125, key_check="9e2d4c1b0a8f7e6d",
                                     effective_on=date(2026, 11, 25), recorded_by="admin")],
    # A member's id travels sealed under the group's key (ADR 0011).
    "NamesakeGroup.Opened": [dict(effective_on=date(2026, 11, 24), recorded_by="admin")],
    "NamesakeGroup.Joined": [dict(sensitive={"cadre_id": str(CADRE)},
                                  effective_on=date(2026, 11, 24), recorded_by="admin")],
    "NamesakeGroup.Left": [dict(sensitive={"cadre_id": str(CADRE)}, reason="correction",
                                effective_on=date(2026, 11, 25), recorded_by="to_chuc_quan")],
    "NamesakeGroup.Closed": [dict(effective_on=date(2026, 11, 26), recorded_by="admin")],
    "FindingReview.Opened": [dict(
        finding_key="thoi_gian_giu_chuc:6f1c2a0e:2024-03-01", rule_id="thoi_gian_giu_chuc",
        effective_on=date(2026, 11, 24), decision=None, recorded_by="uy_ban_kiem_tra")],
    "FindingReview.Reviewed": [dict(
        finding_key="thoi_gian_giu_chuc:6f1c2a0e:2024-03-01",
        conclusion=ReviewConclusion.NEEDS_ACTION,
        reason="Đề nghị Ban Thường vụ xem xét luân chuyển", effective_on=date(2026, 11, 24),
        decision=DECISION, recorded_by="uy_ban_kiem_tra")],
    "InspectionPlan.Adopted": [dict(
        year=2026, title="Kế hoạch kiểm tra, giám sát năm 2026 của Ủy ban Kiểm tra Đảng ủy",
        subjects=(PlanSubject(kind=SubjectKind.UNIT, unit_id=WARD),
                  PlanSubject(kind=SubjectKind.CADRE, cadre_id=CADRE),
                  PlanSubject(kind=SubjectKind.TOPIC, topic="bổ nhiệm 2024–2025")),
        effective_on=date(2026, 1, 8), decision=DECISION, recorded_by="uy_ban_kiem_tra")],
    "InspectionCase.Opened": [
        dict(title="Bổ nhiệm Trưởng phòng Nội vụ ngoài quy hoạch", plan_id=PLAN,
             source=CaseSource.FINDING,
             finding=FindingBasis(key="6f1c2a0e-0000-4000-8000-000000000001",
                                  rule_id="not_in_planning", rule_version="qd80-2022",
                                  effective_on=date(2022, 4, 15), evidence=(412, 398),
                                  cadre_id=CADRE, unit_id=OFFICE),
             description=None, feedback_id=None, unit_id=OFFICE, cadre_id=CADRE,
             effective_on=date(2026, 3, 2), decision=None, recorded_by="uy_ban_kiem_tra"),
        dict(title="Phản ánh về tuyển dụng tại phường Phù Liễn", plan_id=None,
             source=CaseSource.DESCRIPTION, finding=None,
             description="Phản ánh nội bộ: hồ sơ tuyển dụng thiếu biên bản xét tuyển",
             feedback_id=FEEDBACK, unit_id=WARD, cadre_id=None, effective_on=date(2026, 4, 1),
             decision=None, recorded_by="uy_ban_kiem_tra"),
    ],
    "InspectionCase.EvidenceAdded": [dict(
        log_positions=(412, 398),
        documents=(DocumentRef(number="12/BB-UBKT", issued_on=date(2026, 3, 20),
                               title="Biên bản làm việc với Phòng Nội vụ",
                               issuer="Ủy ban Kiểm tra"),
                   DocumentRef(number="33/BC-NV", issued_on=date(2026, 3, 25),
                               title="Báo cáo giải trình", issuer=None)),
        note="Hồ sơ bổ nhiệm không có nghị quyết quy hoạch", effective_on=date(2026, 3, 26),
        decision=None, recorded_by="uy_ban_kiem_tra")],
    "InspectionCase.Concluded": [dict(
        text="Bổ nhiệm không đúng quy định về quy hoạch", violation_found=True,
        effective_on=date(2026, 4, 10), decision=DECISION, recorded_by="uy_ban_kiem_tra")],
    "InspectionCase.RemedyAssigned": [dict(
        remedy_id=REMEDY, action="Rà soát, báo cáo quy trình bổ nhiệm", owner_unit_id=OFFICE,
        owner_cadre_id=None, deadline=date(2026, 6, 30), effective_on=date(2026, 4, 12),
        decision=None, recorded_by="uy_ban_kiem_tra")],
    "InspectionCase.RemedyClosed": [dict(
        remedy_id=REMEDY, result="Đã báo cáo bằng văn bản số 41/BC-NV",
        effective_on=date(2026, 6, 20), decision=DECISION_NO_SIGNER_ID,
        recorded_by="uy_ban_kiem_tra")],
    "AppointmentDossier.Opened": [dict(
        cadre_id=CADRE, holding_id=HOLDING, effective_on=date(2024, 3, 1), decision=None,
        recorded_by="to_chuc_quan")],
    "AppointmentDossier.StepRecorded": [
        dict(step=DossierStep.LAY_PHIEU, reference="12/BB-HNCBCC", votes_for=14, votes_total=17,
             note="Hội nghị cán bộ chủ chốt", effective_on=date(2024, 3, 10), decision=None,
             recorded_by="to_chuc_quan"),
        dict(step=DossierStep.QUYET_DINH, reference="41-NQ/QU", votes_for=None,
             votes_total=None, note=None, effective_on=date(2024, 4, 1),
             decision=DECISION_ISSUER_CODE, recorded_by="to_chuc_quan"),
    ],
    "IntegrityRecord.Opened": [dict(
        cadre_id=CADRE, effective_on=date(2024, 1, 5), decision=None,
        recorded_by="to_chuc_quan")],
    "IntegrityRecord.AssetsDeclared": [dict(
        declaration_id=RELATIVE, kind=DeclarationKind.PHUC_VU_CAN_BO, year=2024,
        reference="KK-BN/07", effective_on=date(2024, 3, 1), decision=None,
        recorded_by="to_chuc_quan")],
    "IntegrityRecord.TravelRecorded": [dict(
        travel_id=PLANNING, purpose=TravelPurpose.VIEC_RIENG, departed_on=date(2025, 7, 1),
        returned_on=date(2025, 7, 9), reference="ĐNN-03/2025", permission=DECISION,
        effective_on=date(2025, 7, 1), decision=None, recorded_by="to_chuc_quan")],
    "IntegrityRecord.TravelReported": [dict(
        travel_id=PLANNING, reference="BC-12/2025", effective_on=date(2025, 7, 15),
        decision=None, recorded_by="to_chuc_quan")],
    "InspectionCase.Closed": [dict(
        note="Các yêu cầu khắc phục đã hoàn thành", effective_on=date(2026, 7, 1),
        decision=None, recorded_by="uy_ban_kiem_tra")],
    "Feedback.Filed": [
        dict(cadre_id=CADRE, unit_id=OFFICE, decision_number="41-QĐ/QU", anonymous=False,
             sensitive={"content": "Quy trình bổ nhiệm không lấy phiếu tín nhiệm",
                        "reporter": {"name": "to_chuc_phuong_lam", "role": "personnel",
                                     "unit_id": str(WARD), "cadre_id": None}},
             deadline=date(2026, 12, 4), effective_on=date(2026, 11, 24), decision=None,
             recorded_by=FILED_BY),
        # Anonymous: no reporter at all, not even sealed.
        dict(cadre_id=None, unit_id=None, decision_number=None, anonymous=True,
             sensitive={"content": "Quy trình bổ nhiệm không lấy phiếu tín nhiệm"},
             deadline=date(2026, 12, 4), effective_on=date(2026, 11, 24), decision=None,
             recorded_by=FILED_BY),
    ],
    "Feedback.StatusChanged": [
        dict(status=FeedbackStatus.ASSIGNED, deadline=date(2026, 12, 8),
             assignee="Tổ kiểm tra số 2", finding_ids=[], case_ref=None, sensitive=None,
             effective_on=date(2026, 11, 28), decision=None, recorded_by="uy_ban_kiem_tra"),
        dict(status=FeedbackStatus.CONCLUDED, deadline=None, assignee=None,
             finding_ids=["3f0c9a5e-8b1d-4c2e-9f7a-6d5e4c3b2a10"], case_ref="VV-2026-014",
             sensitive={"note": "Phản ánh đúng một phần; chuyển Ban Thường vụ"},
             effective_on=date(2026, 12, 20), decision=DECISION, recorded_by="uy_ban_kiem_tra"),
    ],
    "TermNotice.Notified": [
        dict(cadre_id=CADRE, holding_id=HOLDING, planned_end_on=date(2027, 4, 15),
             note="Đã gửi thông báo tới đồng chí và Ban Thường vụ", effective_on=date(2026, 11, 20),
             decision=None, recorded_by="ban_to_chuc"),
        dict(cadre_id=CADRE, holding_id=HOLDING, planned_end_on=date(2027, 4, 15), note=None,
             effective_on=date(2026, 11, 20), decision=None, recorded_by="ban_to_chuc")],
    "ReportSubmission.Submitted": [dict(
        report="monthly", period="2026-11", unit_id=WARD, date_from=date(2026, 10, 15),
        date_to=date(2026, 11, 14),
        digest="9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f",
        position=48213, known_at=datetime(2026, 11, 24, 2, 0, 1, 250000, tzinfo=UTC),
        note="Báo cáo tháng 11/2026 của Phường Lãm Hà", effective_on=date(2026, 11, 24),
        decision=None, recorded_by="to_chuc_lam_ha")],
    "ReportSubmission.Resubmitted": [dict(
        period="2026-11", unit_id=WARD, date_from=date(2026, 10, 15),
        date_to=date(2026, 11, 14),
        digest="0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        position=48377, known_at=datetime(2026, 11, 26, 8, 30, tzinfo=UTC), note=None,
        effective_on=date(2026, 11, 26), decision=None, recorded_by="to_chuc_lam_ha")],
    "CorrectionRequest.Requested": [
        dict(cadre_id=CADRE, target_position=1234, target_type="Registered", identity=True,
             sensitive={"what": "Ngày sinh ghi sai, đúng là 21/03/1980",
                        "reason": "Theo giấy khai sinh",
                        "attachment": {"title": "Bản sao giấy khai sinh số 12/GKS",
                                       "number": "12/GKS"},
                        "replacement": {"full_name": "Trần Quốc Bảo", "gender": "nam",
                                        "born_on": "1980-03-21"}},
             effective_on=date(2026, 11, 24), decision=None, recorded_by="tran_quoc_bao"),
        dict(cadre_id=CADRE, target_position=1300, target_type="Appointed", identity=False,
             sensitive={"what": "Ngày bổ nhiệm là 02/01/2020", "reason": "Theo quyết định",
                        "attachment": {"title": "Quyết định 41-QĐ/QU", "number": None},
                        "replacement": None},
             effective_on=date(2026, 11, 24), decision=None, recorded_by="tran_quoc_bao"),
    ],
    "CorrectionRequest.Answered": [
        dict(outcome=Outcome.ACCEPTED, how="corrected",
             sensitive={"reason": "Đối chiếu giấy khai sinh, Tiên Lãng"},
             effective_on=date(2026, 11, 25), decision=None, recorded_by="to_chuc_quan"),
        dict(outcome=Outcome.REFUSED, how=None,
             sensitive={"reason": "Quyết định ghi đúng ngày"},
             effective_on=date(2026, 11, 25), decision=None, recorded_by="to_chuc_quan"),
    ],
}

ORIGINATORS: dict[type[Aggregate], UUID] = {Unit: OFFICE, Title: TITLE, Cadre: CADRE,
                                            FindingReview: REVIEW, Feedback: FEEDBACK,
                                            InspectionPlan: PLAN, InspectionCase: CASE,
                                            ReportSubmission: SUBMISSION,
                                            CorrectionRequest: CORRECTION_REQUEST,
                                            JobPosition: JOB_POSITION,
                                            TermNotice: notice_id_for(HOLDING,
                                                                      date(2027, 4, 15)),
                                            AppointmentDossier: dossier_id_for(HOLDING),
                                            IntegrityRecord: integrity_id_for(CADRE),
                                            ProgrammeCatalogue: ProgrammeCatalogue.create_id(),
                                            NationalIdClaim: CLAIM, NationalIdIndex: INDEX_ID,
                                            NamesakeGroup: NAMESAKES}
# Plaintext that must never reach the stored bytes (sealed with the cadre's key, or the
# feedback report's own: its content, reporter and inspectors' notes).
PERSONAL = ("031178004512", "Tiên Lãng", "Trần Quốc Bảo", "phiếu tín nhiệm",
            "to_chuc_phuong_lam", "chuyển Ban Thường vụ")


def event_classes() -> list[type[Aggregate.Event]]:
    """Every event class the aggregates declare (not the library's generic Event/Created)."""
    found: list[type[Aggregate.Event]] = []
    for aggregate in AGGREGATES:
        generic = {aggregate.Event, aggregate.Created}
        for value in vars(aggregate).values():
            if (isinstance(value, type) and issubclass(value, Aggregate.Event)
                    and value not in generic):
                found.append(value)
    return found


def aggregate_of(cls: type) -> type[Aggregate]:
    return next(a for a in AGGREGATES if vars(a).get(cls.__name__) is cls)


def hints(cls: type) -> dict[str, Any]:
    return {name: hint for name, hint in typing.get_type_hints(cls).items()
            if typing.get_origin(hint) is not typing.ClassVar}


def domain_fields(cls: type) -> set[str]:
    base = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    return set(hints(cls)) - base


def build(cls: type[Aggregate.Event], payload: dict[str, Any]) -> Aggregate.Event:
    aggregate = aggregate_of(cls)
    fields: dict[str, Any] = dict(originator_id=ORIGINATORS[aggregate],
                                  originator_version=1 if issubclass(cls, Aggregate.Created)
                                  else 7,
                                  timestamp=RECORDED_AT, **payload)
    if "originator_topic" in hints(cls):
        fields["originator_topic"] = get_topic(aggregate)
    return cls(**fields)


def cases() -> list[Any]:
    out = []
    for cls in event_classes():
        for i, payload in enumerate(SAMPLES.get(cls.__qualname__, [])):
            out.append(pytest.param(cls, payload, id=f"{cls.__qualname__}-{i}"))
    return out


@pytest.fixture
def app(sqlite_settings: Settings) -> Iterator[HosoApplication]:
    application = HosoApplication(env=application_env(sqlite_settings),
                                  clock=PinnedClock.on(date(2026, 11, 24)))
    yield application
    application.close()


# --- checks ---------------------------------------------------------------------------------


def assert_same(before: Any, after: Any, path: str) -> None:
    """Equal value and identical type at every node (== alone would accept 'nu' for Gender.NU)."""
    assert type(after) is type(before), f"{path}: {type(before)} came back as {type(after)}"
    if isinstance(before, dict):
        assert list(after) == list(before), f"{path}: keys differ"
        for key, value in before.items():
            assert_same(value, after[key], f"{path}[{key!r}]")
    elif isinstance(before, list | tuple):
        assert len(after) == len(before), f"{path}: length differs"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            assert_same(b, a, f"{path}[{i}]")
    elif dataclasses.is_dataclass(before):
        for f in dataclasses.fields(before):
            assert_same(getattr(before, f.name), getattr(after, f.name), f"{path}.{f.name}")
    elif isinstance(before, Decimal):
        assert after.as_tuple() == before.as_tuple(), f"{path}: {before!r} != {after!r}"
    elif isinstance(before, datetime):
        assert after == before and after.utcoffset() == before.utcoffset(), path
    else:
        assert after == before, f"{path}: {before!r} != {after!r}"


def conforms(value: Any, hint: Any) -> bool:
    """The value is of the annotated type (Optional, generics and the id TypeVar included)."""
    if hint is Any:
        return True
    if isinstance(hint, typing.TypeVar):
        return isinstance(value, UUID)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    if hint is date:
        return type(value) is date  # a datetime is a date too: not good enough here
    return isinstance(value, hint)


def roundtrip(app: HosoApplication, domain_event: Aggregate.Event) -> tuple[StoredEvent, Any]:
    """Through the mapper into the store (events table and chain), and back out."""
    stored = app.mapper.to_stored_event(domain_event)
    app.recorder.insert_events([stored])
    (read,) = app.recorder.select_events(domain_event.originator_id)
    assert read.state == stored.state
    return stored, app.mapper.to_domain_event(read)


# --- tests ----------------------------------------------------------------------------------


def test_discovery_finds_every_aggregate_event() -> None:
    names = {cls.__qualname__ for cls in event_classes()}
    assert {"Unit.Registered", "Unit.HeadSeatSet", "Title.Registered", "Cadre.Appointed",
            "Cadre.Corrected", "FindingReview.Reviewed"} <= names
    assert len(names) == len(event_classes()) >= 25


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.__qualname__)
def test_every_event_class_has_a_realistic_sample(cls: type[Aggregate.Event]) -> None:
    samples = SAMPLES.get(cls.__qualname__)
    assert samples, f"add a sample of {cls.__qualname__} to SAMPLES (and to docs/events.md)"
    wanted = domain_fields(cls)
    for payload in samples:
        assert set(payload) == wanted, (
            f"{cls.__qualname__}: sample fields {sorted(payload)} != event fields {sorted(wanted)}")
        for name, hint in hints(cls).items():
            if name in payload:
                assert conforms(payload[name], hint), f"{cls.__qualname__}.{name}: {hint}"


def test_no_sample_names_a_class_that_is_gone() -> None:
    assert set(SAMPLES) <= {cls.__qualname__ for cls in event_classes()}


@pytest.mark.parametrize("cls, payload", cases())
def test_event_round_trips_with_every_type(app: HosoApplication, cls: type[Aggregate.Event],
                                           payload: dict[str, Any]) -> None:
    original = build(cls, payload)
    stored, back = roundtrip(app, original)

    assert type(back) is cls
    assert vars(back).keys() == vars(original).keys()
    for name, value in vars(original).items():
        assert_same(value, getattr(back, name), f"{cls.__qualname__}.{name}")
        hint = hints(cls).get(name)
        if hint is not None:
            assert conforms(getattr(back, name), hint), f"{cls.__qualname__}.{name}: {hint}"
    assert back.timestamp.tzinfo is not None and back.timestamp.utcoffset() == timedelta(0)
    assert back == original
    for secret in PERSONAL:
        assert secret.encode() not in stored.state, f"personal data stored in clear: {secret}"


def test_enums_and_dates_are_tagged_in_the_stored_json(app: HosoApplication) -> None:
    stored = app.mapper.to_stored_event(build(Cadre.Appointed, SAMPLES["Cadre.Appointed"][0]))
    state = orjson.loads(stored.state)
    assert state["class_version"] == 3
    assert state["effective_on"] == {"_t": "date", "v": "2022-04-15"}
    assert state["kind"]["_t"] == "enum" and state["kind"]["v"] == "dieu_dong_bo_nhiem"
    assert state["decision"]["_t"] == "dc"
    assert state["timestamp"]["_t"] == "dt"


def test_personal_data_is_sealed_but_the_rest_stays_readable(app: HosoApplication) -> None:
    registered = build(Cadre.Registered, SAMPLES["Cadre.Registered"][0])
    state = orjson.loads(app.mapper.to_stored_event(registered).state)
    assert set(state["sensitive"]) == {"_sealed"}
    # Contract v1.1: the name is sealed with the personal fields (erasure must reach it); the
    # stored event keeps `full_name: null` as the mark, everything else stays readable.
    assert state["full_name"] is None and "Nguyễn Thị Thu Hằng".encode() not in \
        app.mapper.to_stored_event(registered).state
    assert state["gender"]["v"] == "nu"
    assert app.mapper.to_domain_event(app.mapper.to_stored_event(registered)).full_name == \
        "Nguyễn Thị Thu Hằng"


# --- upcasting ------------------------------------------------------------------------------


def appointed_v1_state(cadre_id: UUID, holding_id: UUID) -> dict[str, Any]:
    """Cadre.Appointed as version 1 wrote it: no `special_case`, no `class_version` key."""
    return dict(timestamp=datetime(2021, 3, 1, 2, 0, tzinfo=UTC), holding_id=holding_id,
                kind=ActionKind.BO_NHIEM, unit_id=OFFICE, title_code="truong_phong",
                effective_on=date(2021, 3, 1), decision=DECISION_NO_SIGNER_ID, term_months=60,
                planned_end_on=date(2026, 3, 1), recorded_by="nhap_lieu_2021")


def test_appointed_v1_is_read_as_v2(app: HosoApplication) -> None:
    cadre_id = app.register_cadre(RegisterCadre(full_name="Lê Văn Tám", gender=Gender.NAM,
                                                born_on=date(1975, 2, 3)),
                                  recorded_by="ban_to_chuc").id
    v1 = StoredEvent(originator_id=cadre_id, originator_version=2,
                     topic=get_topic(Cadre.Appointed),
                     state=app.mapper.transcoder.encode(appointed_v1_state(cadre_id, HOLDING)))
    assert b"special_case" not in v1.state and b"class_version" not in v1.state
    app.recorder.insert_events([v1])

    (read,) = [e for e in app.recorder.select_events(cadre_id) if e.originator_version == 2]
    event = app.mapper.to_domain_event(read)
    assert type(event) is Cadre.Appointed and event.special_case is False
    assert event.kind is ActionKind.BO_NHIEM and event.decision == DECISION_NO_SIGNER_ID
    assert "class_version" not in vars(event)

    # The aggregate replays the old event like a new one, and takes new events after it.
    cadre = app.cadre(cadre_id)
    (holding,) = cadre.holdings_on(date(2022, 1, 1))
    assert holding.holding_id == HOLDING and holding.special_case is False
    assert holding.planned_end_on == date(2026, 3, 1)
    assert cadre.version == 2


def test_evaluated_v1_is_read_as_unscored(app: HosoApplication) -> None:
    cadre_id = app.register_cadre(RegisterCadre(full_name="Lê Văn Tám", gender=Gender.NAM,
                                                born_on=date(1975, 2, 3)),
                                  recorded_by="ban_to_chuc").id
    v1 = StoredEvent(originator_id=cadre_id, originator_version=2,
                     topic=get_topic(Cadre.Evaluated),
                     state=app.mapper.transcoder.encode(dict(
                         timestamp=datetime(2022, 1, 5, 2, 0, tzinfo=UTC), period="2021",
                         rating=Rating.HTTNV, effective_on=date(2021, 12, 28),
                         score=Decimal("85"), criteria=None, decision=None,
                         recorded_by="nhap_lieu_2021")))
    assert b"scores" not in v1.state
    app.recorder.insert_events([v1])
    (read,) = [e for e in app.recorder.select_events(cadre_id) if e.originator_version == 2]
    event = app.mapper.to_domain_event(read)
    assert type(event) is Cadre.Evaluated
    assert (event.scores, event.framework_id, event.score) == (None, None, Decimal("85"))
    (entry,) = app.cadre(cadre_id).facts("Evaluated")
    assert entry.payload["rating"] == Rating.HTTNV and entry.payload["scores"] is None


def test_appointed_v2_and_disciplined_v1_are_read_as_current(app: HosoApplication) -> None:
    """v2 appointments never renewed a holding; v1 disciplines did not name their system."""
    cadre_id = app.register_cadre(RegisterCadre(full_name="Lê Văn Tám", gender=Gender.NAM,
                                                born_on=date(1975, 2, 3)),
                                  recorded_by="ban_to_chuc").id
    appointed = {**appointed_v1_state(cadre_id, HOLDING), "special_case": False,
                 "class_version": 2}
    disciplined = dict(timestamp=datetime(2023, 8, 14, 2, 0, tzinfo=UTC),
                       form=DisciplineForm.KHIEN_TRACH, violation="Vi phạm",
                       effective_on=date(2023, 8, 14), decision=DECISION_NO_SIGNER_ID,
                       recorded_by="uy_ban_kiem_tra")
    old = [StoredEvent(originator_id=cadre_id, originator_version=version, topic=get_topic(cls),
                       state=app.mapper.transcoder.encode(state))
           for version, cls, state in ((2, Cadre.Appointed, appointed),
                                       (3, Cadre.Disciplined, disciplined))]
    app.recorder.insert_events(old)
    read = {e.originator_version: app.mapper.to_domain_event(e)
            for e in app.recorder.select_events(cadre_id)}
    assert read[2].renews is None and read[3].system is None
    cadre = app.cadre(cadre_id)
    assert cadre.holdings()[HOLDING].renews is None and cadre.version == 3


def test_unit_registered_v1_maps_the_demo_kinds_to_codes(app: HosoApplication) -> None:
    """Stores written before unit kinds were codes keep working: 'ban' reads as ban_dang."""
    unit_id = uuid4()
    for version, (kind, expected) in enumerate((("ban", "ban_dang"), ("truong", "truong_hoc"),
                                                ("dang_uy", "dang_uy")), start=1):
        unit_id = uuid4()
        v1 = StoredEvent(originator_id=unit_id, originator_version=1,
                         topic=get_topic(Unit.Registered),
                         state=app.mapper.transcoder.encode(dict(
                             timestamp=datetime(2008, 4, 1, 2, 0, tzinfo=UTC),
                             originator_topic=get_topic(Unit), code=f"OLD{version}",
                             name="Ban cũ", kind=kind, established_on=date(2008, 4, 1),
                             parent_id=None, decision=None, recorded_by="nhap_lieu")))
        app.recorder.insert_events([v1])
        (stored,) = app.recorder.select_events(unit_id)
        assert app.mapper.to_domain_event(stored).kind == expected
    assert app.repository.get(unit_id).kind == "dang_uy"


def test_employed_v1_has_no_allowances(app: HosoApplication) -> None:
    """Employment entries recorded before allowances existed read with none."""
    cadre_id = app.register_cadre(RegisterCadre(full_name="Phạm Văn Cũ", gender=Gender.NAM,
                                                born_on=date(1980, 1, 1)), recorded_by="t").id
    state = dict(SAMPLES["Cadre.Employed"][1], timestamp=datetime(2019, 3, 2, tzinfo=UTC),
                 originator_topic=get_topic(Cadre))
    del state["allowances"]
    v1 = StoredEvent(originator_id=cadre_id, originator_version=2,
                     topic=get_topic(Cadre.Employed),
                     state=app.mapper.transcoder.encode(
                         {k: v for k, v in state.items() if k != "originator_topic"}))
    app.recorder.insert_events([v1])
    event = app.mapper.to_domain_event(app.recorder.select_events(cadre_id)[-1])
    assert event.allowances == ()
    assert app.cadre(cadre_id).facts("Employed")[0].payload["allowances"] == ()


def test_title_registered_v1_fits_every_unit(app: HosoApplication) -> None:
    """Titles registered before they declared their units fit every unit, as they did."""
    title_id = Title.create_id("pho_chu_tich_cu")
    v1 = StoredEvent(originator_id=title_id, originator_version=1,
                     topic=get_topic(Title.Registered),
                     state=app.mapper.transcoder.encode(dict(
                         timestamp=datetime(2008, 4, 1, 2, 0, tzinfo=UTC),
                         originator_topic=get_topic(Title), code="pho_chu_tich_cu",
                         name="Phó Chủ tịch", is_head=False, management_tier="quan_uy", rank=8,
                         sector=None, standards=TitleStandards(), recorded_by="nhap_lieu")))
    app.recorder.insert_events([v1])
    title = app.repository.get(title_id)
    assert (title.unit_kinds, title.levels) == (None, None)
    assert title.fits("ubnd", UnitLevel.XA) and title.fits("chi_bo", None)
    # v1 and v2 did not say whether the title heads an area: unknown, judged by unit kind.
    assert title.area_head is None
    assert title.tier_on(date(2030, 1, 1)) == "quan_uy"


def test_personal_data_erased_v1_has_unknown_mentions(app: HosoApplication) -> None:
    """Erasures recorded before mentions were read as "not known" (the read side scrubs by
    the names it still holds, live only), not as "named nowhere"."""
    cadre_id = app.register_cadre(RegisterCadre(full_name="Lê Văn Tám", gender=Gender.NAM,
                                                born_on=date(1975, 2, 3)),
                                  recorded_by="ban_to_chuc").id
    state = {k: v for k, v in SAMPLES["Cadre.PersonalDataErased"][0].items() if k != "mentions"}
    v1 = StoredEvent(originator_id=cadre_id, originator_version=2,
                     topic=get_topic(Cadre.PersonalDataErased),
                     state=app.mapper.transcoder.encode(
                         dict(state, timestamp=datetime(2026, 1, 5, tzinfo=UTC))))
    assert b"mentions" not in v1.state and b"class_version" not in v1.state
    app.recorder.insert_events([v1])
    event = app.mapper.to_domain_event(app.recorder.select_events(cadre_id)[-1])
    assert type(event) is Cadre.PersonalDataErased and event.mentions is None
    assert app.cadre(cadre_id).erased


def test_upcasters_cover_every_version_step() -> None:
    for cls in event_classes():
        for version in range(1, getattr(cls, "class_version", 1)):
            assert callable(getattr(cls, f"upcast_v{version}_v{version + 1}", None)), (
                f"{cls.__qualname__} lacks upcast_v{version}_v{version + 1}")


def test_current_events_carry_their_class_version_only_when_above_one(
        app: HosoApplication) -> None:
    for cls in event_classes():
        payload = SAMPLES[cls.__qualname__][0]
        state = orjson.loads(app.mapper.to_stored_event(build(cls, payload)).state)
        version = getattr(cls, "class_version", 1)
        assert state.get("class_version", 1) == version, cls.__qualname__
