"""The write forms: one per command of the contract, validated by the API's own payload models
and submitted to the same service functions the API's routes call (`api/services/`).

A form is a list of fields named as the payload is (`decision.number` for nested ones); a
refusal, whether a malformed value or the domain's refusal, is shown next to the field it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError, create_model, field_validator
from pydantic import Field as PydanticField

from api import services
from api.schemas import (
    REPLACEMENT_MODELS,
    AppointmentIn,
    CadreIn,
    Code,
    CommendationIn,
    CorrectionIn,
    Day,
    DisciplineIn,
    EmploymentIn,
    EndingIn,
    EvaluationIn,
    JobPositionIn,
    LongText,
    NominationIn,
    PlanningIn,
    QualificationIn,
    RelativeIn,
    SuspensionIn,
    Text,
    TitleIn,
    TrainingIn,
    TransferIn,
    UnitChangeIn,
    UnitIn,
    VettingIn,
)
from api.web import display
from api.web.display import TIER_NAMES, read_day, read_level, read_period
from domain.application import Receipt
from domain.calendar import QUARTERLY_FROM
from domain.evaluation_frameworks import load_frameworks
from domain.job_position import PositionGroup
from domain.programmes import PROGRAMMES
from domain.record import FACT_TYPES
from domain.rules.pack import default_pack
from domain.values import (
    UNIT_KINDS,
    ActionKind,
    CommendationForm,
    CommendationLevel,
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
    TrainingMode,
    UnitChangeKind,
    VettingConclusion,
    label,
)

QUALIFICATION_KINDS = {"education": "Trình độ chuyên môn", "political_theory": "Lý luận chính trị",
                       "state_management": "Quản lý nhà nước", "language": "Ngoại ngữ",
                       "it": "Tin học", "grade": "Ngạch công chức"}
MODES = {"tap_trung": "Tập trung", "tai_chuc": "Tại chức"}
UNIT_CHANGES = {"rename": "Đổi tên", "move": "Chuyển trực thuộc", "merge": "Hợp nhất vào",
                "dissolve": "Giải thể"}


def _codes(values: Any, names: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), (names or {}).get(str(v)) or label(str(v))) for v in values)


CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "issuing_body": tuple((b.code, b.name) for b in default_pack().bodies),
    "action_kind": _codes(ActionKind),
    "ending_reason": _codes(EndingReason),
    "rating": tuple((str(r), f"{r} — {label(str(r))}") for r in Rating),
    "discipline_form": _codes(DisciplineForm),
    "gender": _codes(Gender),
    "education": _codes(Education),
    "political_theory": _codes(PoliticalTheory),
    "state_management": _codes(StateManagement),
    "qualification_kind": _codes(QualificationKind, QUALIFICATION_KINDS),
    "relation": _codes(Relation),
    "vetting_conclusion": _codes(VettingConclusion),
    "commendation_form": _codes(CommendationForm),
    "employment_kind": _codes(EmploymentKind),
    "position_group": _codes(PositionGroup),
    "commendation_level": _codes(CommendationLevel),
    "training_mode": _codes(TrainingMode, MODES),
    "unit_change": _codes(UnitChangeKind, UNIT_CHANGES),
    "unit_kind": tuple((k.code, k.label) for k in UNIT_KINDS),
    "discipline_system": _codes(DisciplineSystem, {"dang": "Đảng", "chinh_quyen": "Chính quyền",
                                                   "doan_the": "Đoàn thể"}),
    "yes_no": (("false", "Không"), ("true", "Có")),
    "management_tier": tuple(TIER_NAMES.items()),
    "evaluation_framework": tuple((f.id, f.name) for f in load_frameworks()),
    # Issue 14's training catalogue: the programme is chosen by name, recorded by its code.
    "programmes": tuple((p.code, p.name) for p in PROGRAMMES.values()),
}


def period_choice(period: str) -> str:
    """A period as its picker shows it and posts it: "Quý III/2026", "Năm 2025"."""
    label = display.period_label(period)
    return label[:1].upper() + label[1:]


def period_choices(year: int) -> tuple[tuple[str, str], ...]:
    """The periods an officer records, newest first: the quarters (from 2026, when quarterly
    evaluations began) and years, from next year back to 1990."""
    out: list[str] = []
    for y in range(year + 1, 1989, -1):
        if y >= QUARTERLY_FROM:
            out += [f"{y}-Q{q}" for q in (4, 3, 2, 1)]
        out.append(str(y))
    return tuple((period_choice(p), period_choice(p)) for p in out)


@dataclass(frozen=True)
class Field:
    name: str  # the payload's name; dotted for nested objects
    label: str
    kind: str = "text"  # text, date, number, select, textarea, checkbox
    required: bool = False
    choices: str | None = None  # a key of CHOICES, or "units", "titles", "entries",
    # "job_positions", "periods", "programmes", "held_units", "held_titles"
    hint: str | None = None

    @property
    def html_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def score_fields() -> tuple[Field, ...]:
    """One field per criteria group of every framework (blank: not scored); the service checks
    them against the framework the evaluation is marked on (docs/evaluations.md)."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for framework in load_frameworks():
        for group in framework.groups:
            name, maxima = groups.setdefault(group.code, (group.name, []))
            short = framework.name.split(":")[0].split(" (")[0]
            maxima.append(f"tối đa {group.max_points:g} theo {short}")
    return tuple(Field(f"scores.{code}", f"Điểm nhóm: {name}", "number",
                       hint="; ".join(maxima)) for code, (name, maxima) in groups.items())


def decision_fields(required: bool = True) -> tuple[Field, ...]:
    return (
        Field("decision.number", "Số quyết định", required=required, hint="Ví dụ 41-QĐ/QU"),
        Field("decision.signed_on", "Ngày ký", "date", required),
        # A body of the delegation table (GET /api/v1/authority), or the issuer's name as
        # written on the decision (older decisions' text maps to a body, docs/rules.md).
        Field("decision.issuer", "Cơ quan ban hành",
              hint="Tên ghi trên quyết định; có thể để trống nếu chọn trong danh mục dưới đây"),
        Field("decision.issuer_code", "Chọn theo danh mục phân cấp quản lý", "select", False,
              "issuing_body"),
        Field("decision.signer", "Người ký", required=required),
    )


# A service function: (runtime, principal, the cadre's or unit's id or None, payload) -> receipt.
Submit = Callable[..., Receipt]


@dataclass(frozen=True)
class Form:
    slug: str
    title: str
    model: type[BaseModel]
    fields: tuple[Field, ...]
    submit: Submit  # the service function the API's route calls too
    on_cadre: bool = True  # the command concerns one cadre (its id is in the path)
    on_unit: bool = False  # the command concerns one unit
    decision_optional: bool = False  # the whole decision group may be left blank

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


class JobPositionFormIn(BaseModel):
    """The web form of a job position: one version of its standards and of its framework,
    the competencies one per line ("Tên năng lực: 3"); more versions go through the API."""

    model_config = ConfigDict(extra="forbid")

    unit_id: UUID
    code: Code
    name: Text
    group: PositionGroup
    valid_from: Day | None = None
    source: Text | None = None
    education: Education | None = None
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    it: Text | None = None
    language: Text | None = None
    experience_years: int | None = None
    competencies: LongText | None = None

    @field_validator("competencies")
    @classmethod
    def _lines(cls, text: str | None) -> str | None:
        for line in (text or "").splitlines():
            name, _, level = line.rpartition(":")
            if line.strip() and (not name.strip() or level.strip() not in (
                    "1", "2", "3", "4", "5")):
                raise ValueError("Mỗi dòng: tên năng lực, dấu hai chấm, cấp độ từ 1 đến 5")
        return text

    def to_api(self) -> JobPositionIn:
        versioned = self.valid_from is not None and self.source is not None
        standards = [] if not versioned else [{
            "valid_from": self.valid_from, "source": self.source, "education": self.education,
            "political_theory": self.political_theory, "state_management": self.state_management,
            "it": self.it, "language": self.language, "experience_years": self.experience_years}]
        lines = [line.rpartition(":") for line in (self.competencies or "").splitlines()
                 if line.strip()]
        frameworks = [] if not (versioned and lines) else [{
            "valid_from": self.valid_from, "source": self.source,
            "competencies": [{"name": name.strip(), "level": int(level)}
                             for name, _, level in lines]}]
        return JobPositionIn.model_validate(dict(
            unit_id=self.unit_id, code=self.code, name=self.name, group=self.group,
            standards=standards, frameworks=frameworks))


def _register_job_position(runtime: Any, p: Any, _: UUID | None,
                           body: JobPositionFormIn) -> Receipt:
    return services.register_job_position(runtime, p, body.to_api())


def _new(service: Callable[[Any, Any, Any], Receipt]) -> Submit:
    """A service of a command about no existing cadre or unit (the subject id is None)."""
    return lambda runtime, p, _, body: service(runtime, p, body)


FORMS: dict[str, Form] = {f.slug: f for f in (
    Form("bo-nhiem", "Bổ nhiệm, phân công", AppointmentIn, (
        Field("kind", "Hình thức", "select", True, "action_kind"),
        Field("unit_id", "Đơn vị", "select", True, "units"),
        Field("title_code", "Chức danh", "select", True, "titles"),
        Field("effective_on", "Ngày hiệu lực", "date", True),
        *decision_fields(),
        Field("term_months", "Thời hạn (tháng)", "number"),
        Field("planned_end_on", "Dự kiến kết thúc", "date"),
        Field("special_case", "Trường hợp đặc biệt", "checkbox"),
    ), services.record_entry),
    Form("thoi-giu-chuc-vu", "Thôi giữ chức vụ", EndingIn, (
        Field("unit_id", "Đơn vị", "select", True, "units"),
        Field("title_code", "Chức danh", "select", True, "titles"),
        Field("reason", "Lý do", "select", True, "ending_reason"),
        Field("effective_on", "Ngày hiệu lực", "date", True),
        *decision_fields(),
    ), services.record_entry),
    Form("dieu-dong", "Điều động, luân chuyển (một quyết định)", TransferIn, (
        Field("from_unit_id", "Thôi giữ chức vụ tại đơn vị", "select", True, "held_units"),
        Field("from_title_code", "Chức vụ thôi giữ", "select", True, "held_titles"),
        Field("reason", "Lý do thôi giữ", "select", True, "ending_reason"),
        Field("kind", "Hình thức", "select", True, "action_kind"),
        Field("unit_id", "Đơn vị mới", "select", True, "units"),
        Field("title_code", "Chức danh mới", "select", True, "titles"),
        Field("effective_on", "Ngày hiệu lực", "date", True),
        *decision_fields(),
        Field("term_months", "Thời hạn (tháng)", "number"),
        Field("special_case", "Trường hợp đặc biệt", "checkbox"),
    ), services.transfer),
    Form("gioi-thieu-ung-cu", "Giới thiệu ứng cử", NominationIn, (
        Field("unit_id", "Đơn vị", "select", True, "units"),
        Field("title_code", "Chức danh", "select", True, "titles"),
        Field("decided_on", "Ngày quyết định", "date", True),
        *decision_fields(),
    ), services.record_entry),
    Form("danh-gia", "Đánh giá, xếp loại", EvaluationIn, (
        Field("period", "Kỳ đánh giá", "select", True, "periods",
              hint="Cả năm, hoặc một quý từ năm 2026"),
        Field("rating", "Xếp loại", "select", True, "rating"),
        Field("decided_on", "Ngày quyết định", "date", True),
        Field("score", "Điểm", "number"),
        Field("framework_id", "Khung đánh giá", "select", False, "evaluation_framework",
              hint="Để trống: khung áp dụng cho kỳ và nhóm chức danh"),
        *score_fields(),
        *decision_fields(required=False),
    ), services.record_entry, decision_optional=True),
    Form("dao-tao", "Đào tạo, bồi dưỡng", TrainingIn, (
        Field("program", "Chương trình", "select", True, "programmes"),
        Field("started_on", "Ngày bắt đầu", "date", True),
        Field("completed_on", "Ngày hoàn thành", "date"),
        Field("institution", "Cơ sở đào tạo"),
        Field("mode", "Hình thức", "select", False, "training_mode"),
    ), services.record_entry),
    Form("van-bang", "Văn bằng, trình độ", QualificationIn, (
        Field("kind", "Loại", "select", True, "qualification_kind"),
        Field("level", "Trình độ", required=True,
              hint="Ví dụ: Đại học, Cao cấp, Chuyên viên chính, Tiếng Anh B1"),
        Field("obtained_on", "Ngày cấp", "date", True),
    ), services.record_entry),
    Form("quy-hoach", "Quy hoạch", PlanningIn, (
        Field("unit_id", "Đơn vị", "select", True, "units"),
        Field("title_code", "Chức danh", "select", True, "titles"),
        Field("term", "Nhiệm kỳ", required=True, hint="YYYY-YYYY, ví dụ 2025-2030"),
        Field("decided_on", "Ngày quyết định", "date", True),
        *decision_fields(),
        Field("removed", "Đưa ra khỏi quy hoạch", "checkbox"),
    ), services.record_entry),
    Form("ky-luat", "Kỷ luật", DisciplineIn, (
        Field("form", "Hình thức kỷ luật", "select", True, "discipline_form"),
        Field("system", "Hệ thống kỷ luật", "select", False, "discipline_system"),
        Field("effective_on", "Ngày hiệu lực", "date", True),
        Field("violation", "Nội dung vi phạm", "textarea", True),
        *decision_fields(),
    ), services.record_entry),
    Form("khen-thuong", "Khen thưởng", CommendationIn, (
        Field("form", "Hình thức khen thưởng", "select", True, "commendation_form"),
        Field("level", "Cấp khen thưởng", "select", False, "commendation_level"),
        Field("decided_on", "Ngày quyết định", "date", True),
        Field("reason", "Thành tích", "textarea"),
        *decision_fields(),
    ), services.record_entry),
    Form("qua-trinh-cong-tac", "Quá trình công tác, ngạch và bậc lương", EmploymentIn, (
        Field("effective_on", "Từ ngày", "date", True),
        Field("unit_id", "Cơ quan, đơn vị sử dụng", "select", True, "units"),
        Field("employment_kind", "Hình thức sử dụng", "select", True, "employment_kind"),
        Field("job_position_id", "Vị trí việc làm", "select", False, "job_positions"),
        Field("grade_code", "Mã ngạch", required=True, hint="Ví dụ 01.003"),
        Field("grade_name", "Tên ngạch", required=True, hint="Ví dụ Chuyên viên"),
        Field("salary_step", "Bậc lương", required=True),
        Field("coefficient", "Hệ số lương", required=True, hint="Ví dụ 3,33"),
        *decision_fields(),
    ), services.record_entry),
    Form("tam-dinh-chi", "Tạm đình chỉ công tác", SuspensionIn, (
        Field("suspended_from", "Từ ngày", "date", True),
        Field("until", "Đến ngày", "date", True),
        Field("reason", "Lý do", "textarea", True),
        *decision_fields(),
    ), services.record_entry),
    Form("tham-dinh", "Thẩm định chính trị", VettingIn, (
        Field("vetted_on", "Ngày thẩm định", "date", True),
        Field("purpose", "Mục đích", required=True),
        Field("conclusion", "Kết luận", "select", True, "vetting_conclusion"),
        Field("body", "Cơ quan thẩm định", required=True),
    ), services.record_entry),
    Form("quan-he-gia-dinh", "Quan hệ gia đình", RelativeIn, (
        Field("relation", "Quan hệ", "select", True, "relation"),
        Field("full_name", "Họ và tên", required=True),
        Field("born_year", "Năm sinh", "number"),
    ), services.record_entry),
    # Withdrawing an entry recorded by mistake. Correcting one is done field by field in the
    # entry's own form ("Đính chính mục này" on the timeline, /can-bo/{id}/dinh-chinh/{n}).
    Form("dinh-chinh", "Thu hồi mục ghi nhầm", CorrectionIn, (
        Field("target_position", "Mục cần thu hồi", "select", True, "entries",
              hint="Để sửa nội dung một mục, bấm “Đính chính mục này” ở mục đó trên dòng thời "
                   "gian: biểu mẫu hiện từng ô của mục"),
        Field("reason", "Lý do", "textarea", True),
    ), services.correct_entry),
    Form("dang-ky", "Đăng ký cán bộ", CadreIn, (
        Field("full_name", "Họ và tên", required=True),
        Field("gender", "Giới tính", "select", True, "gender"),
        Field("born_on", "Ngày sinh", "date", True),
        Field("ethnicity", "Dân tộc"),
        Field("religion", "Tôn giáo"),
        Field("hometown", "Quê quán"),
        Field("national_id", "Số CCCD"),
        Field("party_joined_on", "Ngày vào Đảng", "date"),
        Field("education", "Trình độ chuyên môn", "select", False, "education"),
        Field("political_theory", "Lý luận chính trị", "select", False, "political_theory"),
        Field("state_management", "Quản lý nhà nước", "select", False, "state_management"),
    ), _new(services.register_cadre), on_cadre=False),
    Form("don-vi-moi", "Thành lập đơn vị", UnitIn, (
        Field("code", "Mã đơn vị", required=True),
        Field("name", "Tên đơn vị", required=True),
        Field("kind", "Loại đơn vị", "select", True, "unit_kind"),
        Field("established_on", "Ngày thành lập", "date", True),
        Field("parent_id", "Trực thuộc", "select", False, "units"),
        *decision_fields(required=False),
    ), _new(services.register_unit), on_cadre=False, decision_optional=True),
    Form("thay-doi-don-vi", "Thay đổi đơn vị", UnitChangeIn, (
        Field("change", "Thay đổi", "select", True, "unit_change"),
        Field("effective_on", "Ngày hiệu lực", "date", True),
        Field("new_name", "Tên mới"),
        Field("new_parent_id", "Trực thuộc mới", "select", False, "units"),
        Field("into_unit_id", "Hợp nhất vào", "select", False, "units"),
        *decision_fields(required=False),
    ), services.change_unit, on_cadre=False, on_unit=True, decision_optional=True),
    Form("vi-tri-viec-lam-moi", "Vị trí việc làm mới", JobPositionFormIn, (
        Field("unit_id", "Đơn vị", "select", True, "units"),
        Field("code", "Mã vị trí việc làm", required=True),
        Field("name", "Tên vị trí việc làm", required=True),
        Field("group", "Nhóm vị trí", "select", True, "position_group"),
        Field("valid_from", "Tiêu chuẩn và khung năng lực áp dụng từ ngày", "date"),
        Field("source", "Căn cứ", hint="Ví dụ Thông tư 12/2022/TT-BNV"),
        Field("education", "Trình độ chuyên môn tối thiểu", "select", False, "education"),
        Field("political_theory", "Lý luận chính trị tối thiểu", "select", False,
              "political_theory"),
        Field("state_management", "Quản lý nhà nước tối thiểu", "select", False,
              "state_management"),
        Field("it", "Tin học"),
        Field("language", "Ngoại ngữ"),
        Field("experience_years", "Số năm kinh nghiệm", "number"),
        Field("competencies", "Khung năng lực", "textarea",
              hint="Mỗi dòng một năng lực: tên, dấu hai chấm, cấp độ 1–5"),
    ), _register_job_position, on_cadre=False),
    Form("chuc-danh-moi", "Chức danh mới", TitleIn, (
        Field("code", "Mã chức danh", required=True),
        Field("name", "Tên chức danh", required=True),
        Field("is_head", "Là cấp trưởng", "select", True, "yes_no"),
        Field("management_tier", "Diện quản lý", "select", True, "management_tier"),
        Field("rank", "Thứ bậc", "number"),
        Field("sector", "Ngành"),
    ), _new(services.register_title), on_cadre=False),
)}

CADRE_FORMS = tuple(f for f in FORMS.values() if f.on_cadre)

MESSAGES = {
    "missing": "Bắt buộc nhập",
    "date_from_datetime_parsing": "Ngày không hợp lệ",
    "date_parsing": "Ngày không hợp lệ",
    "date_type": "Ngày không hợp lệ",
    "uuid_parsing": "Hãy chọn trong danh sách",
    "enum": "Giá trị không có trong danh sách",
    "string_pattern_mismatch": "Sai định dạng",
    "int_parsing": "Phải là số nguyên",
    "decimal_parsing": "Phải là số",
    "string_too_long": "Quá dài",
}


def payload_of(form: Form, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON payload the form stands for; blank optional fields are left out."""
    payload: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        raw = (values.get(f.name) or "").strip()
        value: Any
        if f.kind == "checkbox":
            value = raw in ("on", "true", "1")
        elif raw == "":
            continue
        elif f.choices == "yes_no":
            value = raw == "true"
        elif f.kind == "date":
            day = read_day(raw)
            value = day.isoformat() if day is not None else raw
        elif f.name == "period":
            value = read_period(raw) or raw
        elif f.name == "level":
            value = read_level(raw)
        elif f.name == "coefficient":
            value = raw.replace(",", ".")  # hệ số lương is written 3,33
        else:
            value = raw
        target = payload
        *parents, leaf = f.name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return payload, errors


def validation_messages(errors: list[Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        name = prefix + ".".join(loc) if loc else "_form"
        message = MESSAGES.get(str(e.get("type")), str(e.get("msg", "")))
        if str(e.get("type")) == "value_error":
            message = str(e.get("msg", "")).removeprefix("Value error, ")
        out.setdefault(name, message)
    return out


def parse(form: Form, values: Mapping[str, str]) -> tuple[BaseModel | None, dict[str, str]]:
    payload, errors = payload_of(form, values)
    if errors:
        return None, errors
    try:
        return form.model.model_validate(payload), {}
    except ValidationError as error:
        messages = validation_messages(list(error.errors()))
    # A missing group ("decision") is shown on each of its blank required fields.
    for group in [name for name in messages if form.field(name) is None]:
        members = [f for f in form.fields if f.name.startswith(group + ".") and f.required
                   and not (values.get(f.name) or "").strip()]
        for f in members:
            messages.setdefault(f.name, messages[group])
        if members:
            del messages[group]
    return None, messages


def submit(form: Form, body: BaseModel, principal: Any, runtime: Any,
           subject_id: UUID | None) -> Receipt:
    """Run the command through its service function; a RequestValidationError raised inside
    (a correction's replacement) becomes field messages (`FormRefused`)."""
    try:
        return form.submit(runtime, principal, subject_id, body)
    except RequestValidationError as error:
        raise FormRefused(validation_messages(list(error.errors()))) from None


class FormRefused(Exception):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__(messages)
        self.messages = messages


# --- corrections with the corrected command's own fields -----------------------------------

# The form that recorded each kind of entry; its fields, prefilled, become the correction form.
# The form that corrects an entry: the one whose payload model a correction's replacement of
# that entry type must match.
FORM_OF_ENTRY: dict[str, str] = {
    entry_type: next(f.slug for f in FORMS.values() if f.model is model)
    for entry_type, model in REPLACEMENT_MODELS.items()}


def correction_form(entry_type: str, position: int) -> Form:
    """The form of the command that recorded the entry, with a reason, submitting a correction
    whose replacement is that command's payload (validated by the same API models)."""
    original = FORMS[FORM_OF_ENTRY[entry_type]]
    model = create_model(f"Correction{original.model.__name__}", __base__=original.model,
                         # Not `reason`: an ending's own payload has a reason (its code).
                         correction_reason=(str, PydanticField(min_length=1, max_length=4000)))
    fields = tuple(f for f in original.fields if f.name != "removed")

    def submit(runtime: Any, p: Any, cadre_id: UUID | None, body: BaseModel) -> Receipt:
        replacement = body.model_dump(mode="json", exclude={"correction_reason"},
                                      exclude_none=True)
        if entry_type == "PlanningRemoved":
            replacement["removed"] = True
        correction = CorrectionIn(target_position=position,
                                  reason=str(body.model_dump()["correction_reason"]),
                                  replacement=replacement)
        assert cadre_id is not None
        return services.correct_entry(runtime, p, cadre_id, correction)

    return Form(f"dinh-chinh-{position}", f"Đính chính mục #{position}: {original.title}",
                model, (Field("correction_reason", "Lý do đính chính", "textarea", True), *fields),
                submit,
                decision_optional=original.decision_optional)


def prefill(entry_type: str, form: Form, payload: Mapping[str, Any]) -> dict[str, str]:
    """The entry as it stands, in the form's fields (dates dd/mm/yyyy, codes as codes)."""
    source = dict(payload)
    # Entries keep the command's date as `effective_on`; the form names it as the command does.
    date_name = FACT_TYPES[entry_type].command.date_field
    if date_name != "effective_on":
        source[date_name] = source.get("effective_on")
    source |= dict(source.get("sensitive") or {})
    decision = source.get("decision")
    values: dict[str, str] = {}
    for f in form.fields:
        if f.name.startswith("decision."):
            value = getattr(decision, f.name.split(".", 1)[1], None) if decision else None
        else:
            value = source.get(f.name)
        values[f.name] = _shown(value, "period" if f.choices == "periods" else f.kind)
    return {k: v for k, v in values.items() if v != ""}


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "checkbox":
        return "on" if value else ""
    if isinstance(value, date):
        return display.vn_date(value)
    if kind == "period":
        return period_choice(str(value))
    return str(value.value if isinstance(value, Enum) else value)
