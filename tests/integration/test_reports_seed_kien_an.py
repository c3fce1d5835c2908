"""Seed 000 rebuilt from the record: Kiến An's cadres on 30/6/2022 and the year before it.

The district is recorded through the application's commands (the bulk path, in batches): 204
cadres of the tier `quan_uy` hold a post on 30/6/2022 (124 women, 9 under 35), 125 of them are
rated for 2021 (10 / 111 / 4), and between 12/7/2021 (Đề án 02-ĐA/QU) and 30/6/2022 there are 8
reappointments, 2 appointments, 19 transfers with appointment, 8 transfers with designation and
15 nominations, beside noise the reports must leave out: cadres of the city's tier, actions a day
before and after the period, retirements, a later qualification, other periods.

Then corrections are recorded. The report as known before them is the same, digest included;
the report as known now shows them.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from docx import Document
from openpyxl import load_workbook

from api import documents
from domain.commands import (
    AddQualification,
    Appoint,
    Correct,
    EndHolding,
    Evaluate,
    Nominate,
    RecordTraining,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    Vet,
)
from domain.values import (
    ActionKind,
    Decision,
    Education,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Rating,
    StateManagement,
    VettingConclusion,
    age_on,
)
from infra.clock import PinnedClock
from infra.demo import BulkApplication
from infra.persistence import (
    application_env,
)
from infra.runtime import Runtime, open_runtime
from projections import reports
from projections.read_model import Moment
from tests.conftest import fresh_store

AS_OF = date(2022, 6, 30)
PERIOD_FROM, PERIOD_TO = date(2021, 7, 12), date(2022, 6, 30)  # Đề án 02-ĐA/QU, one year
RECORDED_ON = date(2022, 7, 20)
CORRECTED_ON = date(2022, 8, 15)
BY = "ban-to-chuc-quan-uy"
COUNTED = 204  # cadres of the tier on AS_OF: indices 0..201 placed before, 202-203 in 2022
UNDER_35 = {15, 40, 65, 90, 115, 140, 165, 190, 202}
TURNS_35_ON_AS_OF = 16  # born 30/6/1987: exactly 35 on AS_OF, so not under 35
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Lan", "Hương", "Minh", "Hùng", "Thảo", "Dũng", "Hà", "Tuấn", "Mai", "Khánh", "Yến")


def decision(number: str, signed_on: date) -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer="Ban Thường vụ Quận ủy Kiến An",
                    signer="Lê Toàn Khánh")


def female(i: int) -> bool:
    return (i * 7) % COUNTED < 124  # a permutation of 0..203: exactly 124 women


def born_on(i: int) -> date:
    if i == TURNS_35_ON_AS_OF:
        return date(1987, 6, 30)
    if i == 15:
        return date(1987, 7, 1)  # 34 on AS_OF
    if i in UNDER_35:
        return date(1988 + i % 8, 1 + i % 12, 1 + i % 27)
    if female(i):
        return date(1968 + i % 17, 1 + i % 12, 1 + i % 27)
    return date(1963 + i % 22, 1 + i % 12, 1 + i % 27)


def political_theory(i: int) -> PoliticalTheory | None:
    r = i % 10
    if r == 0:
        return PoliticalTheory.CAO_CAP
    if r == 9:
        return None
    return PoliticalTheory.SO_CAP if r == 8 else PoliticalTheory.TRUNG_CAP


def education(i: int) -> Education:
    return Education.THAC_SI if i % 6 == 0 else Education.DAI_HOC


def state_management(i: int) -> StateManagement | None:
    return (StateManagement.CVC if i % 4 == 0 else StateManagement.CV if i % 4 == 1
            else None)


def name(i: int, woman: bool) -> str:
    middle = "Thị" if woman else ("Văn", "Đức", "Hữu", "Quang")[i % 4]
    return f"{FAMILY[i % len(FAMILY)]} {middle} {GIVEN[i % len(GIVEN)]} {i:03d}"


@dataclass
class District:
    root: UUID
    ubnd: UUID
    boards: list[UUID]
    offices: list[UUID]
    orgs: list[UUID]
    wards: list[UUID]
    schools: list[UUID]
    cadres: dict[int, UUID] = field(default_factory=dict)  # the counted ones, 0..203
    city_tier: list[UUID] = field(default_factory=list)  # 12 cadres diện Thành ủy
    retirees: list[UUID] = field(default_factory=list)
    late: UUID | None = None  # appointed 1/7/2022

    def period_day(self, j: int) -> date:
        return PERIOD_FROM + timedelta(days=9 * j)


def record_kien_an(app: BulkApplication) -> District:
    """Record seed 000's district; returns the ids the scenario needs."""
    def unit(code: str, name_: str, kind: str, parent: UUID | None) -> UUID:
        return app.register_unit(RegisterUnit(
            code=code, name=name_, kind=kind, parent_id=parent, established_on=date(2000, 1, 1)),
            recorded_by=BY).id

    def title(code: str, name_: str, is_head: bool, tier: str, rank: int) -> None:
        app.register_title(RegisterTitle(
            code=code, name=name_, is_head=is_head, management_tier=tier, rank=rank),
            recorded_by=BY)

    for spec in (
        ("bi_thu_quan_uy", "Bí thư Quận ủy", True, "thanh_uy", 9),
        ("pho_bi_thu_quan_uy", "Phó Bí thư Quận ủy", False, "thanh_uy", 8),
        ("chu_tich_ubnd_quan", "Chủ tịch UBND quận", True, "thanh_uy", 8),
        ("pho_chu_tich_ubnd_quan", "Phó Chủ tịch UBND quận", False, "thanh_uy", 7),
        ("truong_ban_quan_uy", "Trưởng ban Quận ủy", True, "thanh_uy", 7),
        ("uy_vien_bch", "Ủy viên Ban Chấp hành Đảng bộ quận", False, "quan_uy", 5),
        ("pho_truong_ban", "Phó Trưởng ban Quận ủy", False, "quan_uy", 5),
        ("truong_phong", "Trưởng phòng", True, "quan_uy", 6),
        ("pho_truong_phong", "Phó Trưởng phòng", False, "quan_uy", 5),
        ("chu_tich_hoi", "Chủ tịch", True, "quan_uy", 5),
        ("pho_chu_tich_hoi", "Phó Chủ tịch", False, "quan_uy", 4),
        ("bi_thu_dang_uy_phuong", "Bí thư Đảng ủy phường", True, "quan_uy", 6),
        ("pho_bi_thu_dang_uy_phuong", "Phó Bí thư Đảng ủy phường", False, "quan_uy", 5),
        ("chu_tich_ubnd_phuong", "Chủ tịch UBND phường", True, "quan_uy", 6),
        ("pho_chu_tich_ubnd_phuong", "Phó Chủ tịch UBND phường", False, "quan_uy", 5),
        ("hieu_truong", "Hiệu trưởng", True, "quan_uy", 4),
        ("pho_hieu_truong", "Phó Hiệu trưởng", False, "quan_uy", 3),
        ("cong_chuc", "Công chức", False, "dang_uy", 2),
    ):
        title(*spec)
    root = unit("KA", "Quận ủy Kiến An", "quan_uy", None)
    ubnd = unit("KA-UB", "Ủy ban nhân dân quận Kiến An", "ubnd", root)
    boards = [unit(f"KA-B{k}", n, "ban_dang", root) for k, n in enumerate((
        "Ban Tổ chức Quận ủy", "Ủy ban Kiểm tra Quận ủy", "Ban Tuyên giáo Quận ủy",
        "Ban Dân vận Quận ủy", "Văn phòng Quận ủy"))]
    offices = [unit(f"KA-P{k:02d}", f"Phòng {n}", "phong", ubnd) for k, n in enumerate((
        "Nội vụ", "Tài chính – Kế hoạch", "Tư pháp", "Giáo dục và Đào tạo", "Y tế",
        "Văn hóa – Thông tin", "Lao động – Thương binh và Xã hội", "Quản lý đô thị",
        "Tài nguyên và Môi trường", "Kinh tế", "Thanh tra", "Văn phòng HĐND-UBND"))]
    orgs = [unit(f"KA-D{k}", n, "doan_the", root) for k, n in enumerate((
        "Ủy ban MTTQ quận", "Hội Liên hiệp Phụ nữ quận", "Quận đoàn", "Hội Cựu chiến binh quận",
        "Hội Nông dân quận", "Liên đoàn Lao động quận"))]
    wards = [unit(f"KA-W{k:02d}", f"Phường {n}", "phuong", root) for k, n in enumerate((
        "Bắc Sơn", "Đồng Hòa", "Lãm Hà", "Nam Sơn", "Ngọc Sơn", "Phù Liễn", "Quán Trữ",
        "Tràng Minh", "Văn Đẩu", "Trần Thành Ngọ"))]
    schools = [unit(f"KA-S{k:02d}", f"Trường {k + 1:02d} Kiến An", "truong_hoc", ubnd)
               for k in range(31)]
    d = District(root, ubnd, boards, offices, orgs, wards, schools)

    deputies = ([(b, "pho_truong_ban") for b in boards for _ in range(2)]
                + [(o, "pho_truong_phong") for o in offices for _ in range(3)]
                + [(o, "pho_chu_tich_hoi") for o in orgs]
                + [(w, "pho_bi_thu_dang_uy_phuong") for w in wards]
                + [(w, "pho_chu_tich_ubnd_phuong") for w in wards for _ in range(2)]
                + [(s, "pho_hieu_truong") for s in schools for _ in range(2)])
    heads = ([(o, "truong_phong") for o in offices] + [(o, "chu_tich_hoi") for o in orgs]
             + [(w, "bi_thu_dang_uy_phuong") for w in wards]
             + [(w, "chu_tich_ubnd_phuong") for w in wards] + [(s, "hieu_truong") for s in schools])
    slots = deputies + heads
    post: dict[UUID, tuple[UUID, str]] = {}

    def register(i: int, woman: bool, born: date) -> UUID:
        cadre = app.register_cadre(RegisterCadre(
            full_name=name(i, woman), gender=Gender.NU if woman else Gender.NAM, born_on=born,
            party_joined_on=None if i % 25 == 0 else date(2005, 5, 19), education=education(i),
            political_theory=political_theory(i), state_management=state_management(i),
            ethnicity="Tày" if i % 50 == 7 else "Kinh",
            religion="Công giáo" if i % 40 == 3 else None), recorded_by=BY).id
        return cadre

    def appoint(cadre: UUID, kind: ActionKind, where: tuple[UUID, str], on: date,
                number: str) -> None:
        app.appoint(cadre, Appoint(kind=kind, unit_id=where[0], title_code=where[1],
                                   effective_on=on,
                                   decision=decision(number, on - timedelta(days=10))),
                    recorded_by=BY)
        post[cadre] = where

    def end(cadre: UUID, reason: EndingReason, on: date, number: str) -> None:
        where = post[cadre]
        app.end_holding(cadre, EndHolding(unit_id=where[0], title_code=where[1], reason=reason,
                                          effective_on=on,
                                          decision=decision(number, on - timedelta(days=10))),
                        recorded_by=BY)

    # 202 cadres of the tier placed between 2016 and 2020, then retirees and the city's tier.
    for i in range(202):
        cadre = register(i, female(i), born_on(i))
        d.cadres[i] = cadre
        appoint(cadre, ActionKind.BO_NHIEM, slots[i], date(2016 + i % 5, 1 + i % 12, 1 + i % 27),
                f"{i + 100}-QĐ/QU")
    for r in range(5):
        cadre = register(300 + r, r % 2 == 0, date(1962, 1 + r, 10))
        d.retirees.append(cadre)
        appoint(cadre, ActionKind.BO_NHIEM, slots[202 + r], date(2015, 3, 1), f"{r + 90}-QĐ/QU")
    city_posts = ([(root, "bi_thu_quan_uy")] + [(root, "pho_bi_thu_quan_uy")] * 2
                  + [(ubnd, "chu_tich_ubnd_quan")] + [(ubnd, "pho_chu_tich_ubnd_quan")] * 3
                  + [(b, "truong_ban_quan_uy") for b in boards])
    for t, where in enumerate(city_posts):
        cadre = register(400 + t, t % 3 == 0, date(1970 + t, 3, 3))
        d.city_tier.append(cadre)
        appoint(cadre, ActionKind.BO_NHIEM, where, date(2020, 10, 1), f"{t + 10}-QĐ/TU")

    # The seed's period: actions of the tier on distinct days from 12/7/2021 to 30/6/2022.
    j = 0
    for i in range(0, 8):  # bổ nhiệm lại: a new term in the same post, no ending (v1.1)
        on = d.period_day(j)
        j += 1
        appoint(d.cadres[i], ActionKind.BO_NHIEM_LAI, post[d.cadres[i]], on, f"{i + 300}-QĐ/QU")
    for n, i in enumerate(range(8, 27)):  # điều động và bổ nhiệm
        on = d.period_day(j % 39)
        j += 1
        if n < 13:
            app.vet(d.cadres[i], Vet(vetted_on=on - timedelta(days=20),
                                     purpose="điều động, bổ nhiệm",
                                     conclusion=VettingConclusion.DAT, body="Ban Tổ chức Quận ủy"),
                    recorded_by=BY)
        end(d.cadres[i], EndingReason.DIEU_DONG, on, f"{i + 200}-QĐ/QU")
        appoint(d.cadres[i], ActionKind.DIEU_DONG_BO_NHIEM,
                (offices[(n + 1) % len(offices)], "pho_truong_phong"), on, f"{i + 300}-QĐ/QU")
    for n, i in enumerate(range(27, 35)):  # điều động và chỉ định (party posts)
        on = d.period_day(j % 39)
        j += 1
        if n < 6:
            app.vet(d.cadres[i], Vet(vetted_on=on - timedelta(days=20),
                                     purpose="điều động, chỉ định",
                                     conclusion=VettingConclusion.DAT, body="Ban Tổ chức Quận ủy"),
                    recorded_by=BY)
        end(d.cadres[i], EndingReason.DIEU_DONG, on, f"{i + 200}-QĐ/QU")
        appoint(d.cadres[i], ActionKind.DIEU_DONG_CHI_DINH,
                (wards[n % len(wards)], "pho_bi_thu_dang_uy_phuong"), on, f"{i + 300}-QĐ/QU")
    for i in range(35, 43):  # kiện toàn, bổ sung cấp ủy: a concurrent committee seat
        app.appoint(d.cadres[i], Appoint(kind=ActionKind.KIEN_TOAN, unit_id=root,
                                         title_code="uy_vien_bch", effective_on=date(2022, 2, 15),
                                         decision=decision("55-QĐ/TU", date(2022, 2, 10))),
                    recorded_by=BY)
    for n, i in enumerate(range(43, 58)):  # giới thiệu ứng cử
        on = d.period_day(n * 2)
        if 1 <= n <= 4:
            app.vet(d.cadres[i], Vet(vetted_on=on - timedelta(days=15),
                                     purpose="giới thiệu ứng cử", conclusion=VettingConclusion.DAT,
                                     body="Ban Tổ chức Quận ủy"), recorded_by=BY)
        app.nominate(d.cadres[i], Nominate(unit_id=wards[n % len(wards)],
                                           title_code="chu_tich_ubnd_phuong", decided_on=on,
                                           decision=decision(f"{i + 400}-QĐ/QU", on)),
                     recorded_by=BY)
    for k, on in enumerate((date(2022, 3, 15), date(2022, 5, 2))):  # bổ nhiệm: first posts
        i = 202 + k
        cadre = register(i, female(i), born_on(i))
        d.cadres[i] = cadre
        if k == 0:
            app.vet(cadre, Vet(vetted_on=date(2022, 3, 1), purpose="bổ nhiệm",
                               conclusion=VettingConclusion.DAT, body="Ban Tổ chức Quận ủy"),
                    recorded_by=BY)
        appoint(cadre, ActionKind.BO_NHIEM, (offices[k], "pho_truong_phong"), on,
                f"{i + 300}-QĐ/QU")

    # Noise the reports must leave out.
    for r, cadre in enumerate(d.retirees):  # retired before AS_OF, rated for 2021
        end(cadre, EndingReason.NGHI_HUU, date(2022, 3, 1), f"{r + 500}-QĐ/QU")
    # Reappointed the day before the period and the day after it.
    appoint(d.cadres[58], ActionKind.BO_NHIEM_LAI, post[d.cadres[58]], date(2021, 7, 11),
            "658-QĐ/QU")
    appoint(d.cadres[59], ActionKind.BO_NHIEM_LAI, post[d.cadres[59]], date(2022, 7, 1),
            "659-QĐ/QU")
    late = register(500, True, date(1990, 2, 2))
    d.late = late
    appoint(late, ActionKind.BO_NHIEM, (offices[5], "pho_truong_phong"), date(2022, 7, 1),
            "700-QĐ/QU")
    # The city's tier acts in the period too: not the district's figures.
    end(d.city_tier[4], EndingReason.DIEU_DONG, date(2021, 9, 1), "60-QĐ/TU")
    appoint(d.city_tier[4], ActionKind.DIEU_DONG_BO_NHIEM, (root, "pho_bi_thu_quan_uy"),
            date(2021, 9, 1), "61-QĐ/TU")
    app.nominate(d.city_tier[0], Nominate(unit_id=root, title_code="bi_thu_quan_uy",
                                          decided_on=date(2021, 10, 1),
                                          decision=decision("62-QĐ/TU", date(2021, 10, 1))),
                 recorded_by=BY)
    # A qualification obtained after AS_OF does not count on it.
    app.add_qualification(d.cadres[1], AddQualification(kind=QualificationKind.POLITICAL_THEORY,
                                                        level="cao_cap",
                                                        obtained_on=date(2022, 7, 10)),
                          recorded_by=BY)

    # 2021 ratings: 125 of the tier on 31/12/2021 (incl. the five who retired in 2022).
    rated = [d.cadres[i] for i in range(120)] + d.retirees
    for n, cadre in enumerate(rated):
        rating = Rating.HTXSNV if n < 10 else Rating.HTNV if n < 14 else Rating.HTTNV
        app.evaluate(cadre, Evaluate(period="2021", rating=rating, decided_on=date(2022, 1, 10),
                                     decision=decision("15-QĐ/QU", date(2022, 1, 10))),
                     recorded_by=BY)
    for cadre in d.city_tier:  # rated by the city
        app.evaluate(cadre, Evaluate(period="2021", rating=Rating.HTXSNV,
                                     decided_on=date(2022, 1, 12)), recorded_by=BY)
    app.evaluate(d.cadres[202], Evaluate(period="2021", rating=Rating.HTTNV,
                                         decided_on=date(2022, 1, 10)), recorded_by=BY)
    app.evaluate(d.cadres[130], Evaluate(period="2020", rating=Rating.HTNV,
                                         decided_on=date(2021, 1, 8)), recorded_by=BY)

    # Training (seed III.1) and vetting for planning (seed III.5).
    for i in (2, 3, 4):
        app.record_training(d.cadres[i], RecordTraining(
            program="llct_cao_cap", started_on=date(2021, 9, 1),
            completed_on=date(2022, 5, 1) if i == 2 else None), recorded_by=BY)
    for i in range(60, 65):
        app.record_training(d.cadres[i], RecordTraining(program="llct_trung_cap",
                                                        started_on=date(2021, 12, 1)),
                            recorded_by=BY)
    app.record_training(d.cadres[70], RecordTraining(program="qpan_doi_tuong_3",
                                                     started_on=date(2021, 10, 4),
                                                     completed_on=date(2021, 10, 30)),
                        recorded_by=BY)
    app.record_training(d.cadres[71], RecordTraining(program="qlnn_cvc",
                                                     started_on=date(2022, 2, 1)), recorded_by=BY)
    for i in (72, 73):
        app.record_training(d.cadres[i], RecordTraining(program="qlnn_cv",
                                                        started_on=date(2022, 3, 1)),
                            recorded_by=BY)
    app.record_training(d.cadres[74], RecordTraining(program="llct_trung_cap",
                                                     started_on=date(2021, 6, 1)),
                        recorded_by=BY)  # before the period
    for i in range(80, 200):
        app.vet(d.cadres[i], Vet(vetted_on=date(2022, 5, 10), purpose="quy hoạch",
                                 conclusion=VettingConclusion.DAT, body="Ban Tổ chức Quận ủy"),
                recorded_by=BY)
    return d


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Recorded:
    runtime: Runtime
    district: District
    clock: PinnedClock
    recorded: datetime  # an instant after the district, before any correction


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def recorded(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    with fresh_store(request.param, Path(tmp_path_factory.mktemp("kien_an"))) as settings:
        clock = PinnedClock.on(RECORDED_ON)
        app = BulkApplication(env=application_env(settings), clock=clock)
        with app.batch():
            district = record_kien_an(app)
        runtime = open_runtime(settings, app=app)
        try:
            yield Recorded(runtime, district, clock, pause(clock))
        finally:
            runtime.close()


def the_reports(runtime: Runtime, m: Moment) -> dict[str, dict[str, Any]]:
    rm = runtime.read_model
    return dict(
        quality=reports.cadre_quality(rm, m, tier="quan_uy"),
        evaluations=reports.evaluations(rm, "2021", m, tier="quan_uy"),
        actions=reports.actions(rm, PERIOD_FROM, PERIOD_TO, m, tier="quan_uy"),
        training=reports.training(rm, PERIOD_FROM, PERIOD_TO, m),
        vettings=reports.vettings(rm, PERIOD_FROM, PERIOD_TO, m),
    )


def entry(runtime: Runtime, cadre: UUID, type_: str, last: bool = True) -> int:
    m = runtime.read_model.moment()
    entries = [e for e in runtime.read_model.record(cadre, m) or []
               if e["type"] == type_ and e["status"] == "in_force"]
    return int(entries[-1 if last else 0]["position"])


def record_corrections(r: Recorded) -> None:
    """What the personnel office corrects in August 2022, after the report was sent."""
    r.clock.move_to(CORRECTED_ON)
    app, d, rt = r.runtime.app, r.district, r.runtime
    app.correct(d.cadres[20], Correct(
        target_position=entry(rt, d.cadres[20], "Evaluated"), reason="Nhập nhầm xếp loại",
        replacement=dict(period="2021", rating=Rating.HTXSNV,
                                 decided_on=date(2022, 1, 10),
                                 decision=decision("15-QĐ/QU", date(2022, 1, 10)))),
        recorded_by=BY)
    i = TURNS_35_ON_AS_OF
    app.correct(d.cadres[i], Correct(
        target_position=entry(rt, d.cadres[i], "Registered"),
        reason="Sai ngày sinh theo giấy khai sinh",
        replacement=dict(full_name=name(i, female(i)),
                                 gender=Gender.NU if female(i) else Gender.NAM,
                                 born_on=date(1987, 7, 2), party_joined_on=date(2005, 5, 19),
                                 education=education(i), political_theory=political_theory(i),
                                 state_management=state_management(i), ethnicity="Kinh")),
        recorded_by=BY)
    app.correct(d.cadres[43], Correct(
        target_position=entry(rt, d.cadres[43], "Nominated"), reason="Không giới thiệu"),
        recorded_by=BY)
    app.correct(d.cadres[8], Correct(
        target_position=entry(rt, d.cadres[8], "Appointed"), reason="Sai ngày hiệu lực",
        replacement=dict(kind=ActionKind.DIEU_DONG_BO_NHIEM, unit_id=d.offices[1],
                                 title_code="pho_truong_phong", effective_on=date(2021, 7, 5),
                                 decision=decision("308-QĐ/QU", date(2021, 6, 25)))),
        recorded_by=BY)
    # The reappointment was never decided: it is retracted, and the term ended that day.
    renewal = next(h for h in app.cadre(d.cadres[0]).holdings().values() if h.renews)
    app.correct(d.cadres[0], Correct(
        target_position=entry(rt, d.cadres[0], "Appointed"),
        reason="Quyết định bổ nhiệm lại chưa ban hành"), recorded_by=BY)
    app.end_holding(d.cadres[0], EndHolding(unit_id=renewal.unit_id, title_code=renewal.title_code,
                                            reason=EndingReason.KHONG_BO_NHIEM_LAI,
                                            effective_on=renewal.since,
                                            decision=decision("200-QĐ/QU", renewal.since)),
                    recorded_by=BY)
    rt.catch_up()


def pause(clock: PinnedClock) -> datetime:
    time.sleep(0.01)
    instant = clock.now()
    time.sleep(0.01)
    return instant


# --- the scenario ----------------------------------------------------------------------------


def test_the_seed_figures_then_corrections_leave_the_sent_report_unchanged(
        recorded: Recorded) -> None:
    rt = recorded.runtime
    rm = rt.read_model
    rt.catch_up()
    sent_moment = rm.moment(as_of=AS_OF)  # asked "now", as the office did in July 2022
    sent = the_reports(rt, sent_moment)

    q = sent["quality"]
    assert (q["total"], q["female"], q["under_35"]) == (204, 124, 9)
    assert q["as_of"] == "2022-06-30" and q["position"] == sent_moment.position
    assert q["scope"] == {"tier": "quan_uy", "unit_id": None, "unit_name": None}
    counted = range(COUNTED)
    assert q["party_members"] == sum(1 for i in counted if i % 25 != 0)
    assert q["ethnic_minority"] == sum(1 for i in counted if i % 50 == 7)
    assert q["religious"] == sum(1 for i in counted if i % 40 == 3)
    expected_pt = {str(p): 0 for p in ("cu_nhan", "cao_cap", "trung_cap", "so_cap")}
    expected_pt["chua_co"] = 0
    for i in counted:  # cadre 2 finished cao cấp on 1/5/2022; cadre 1's came after AS_OF
        level = PoliticalTheory.CAO_CAP if i == 2 else political_theory(i)
        expected_pt[str(level) if level else "chua_co"] += 1
    assert q["by_political_theory"] == expected_pt
    assert q["by_education"]["thac_si"] == sum(1 for i in counted if i % 6 == 0)
    assert q["by_state_management"]["cvc"] == sum(1 for i in counted if i % 4 == 0)
    assert q["by_grade"]["chua_co"] == 204  # ngạch is not recorded yet
    bands = q["by_age_band"]
    assert sum(bands.values()) == 204
    assert bands["den_30"] + bands["31_40"] == sum(
        1 for i in counted if age_on(born_on(i), AS_OF) <= 40)
    assert bands["qua_tuoi_nghi_huu"] == 0
    assert sum(u["total"] for u in q["units"]) == 204
    assert q["units_total"]["total"] == 204 and q["units_total"]["female"] == 124
    office = next(u for u in q["units"] if u["unit_code"] == "KA-P01")
    assert office["unit_name"] == "Phòng Tài chính – Kế hoạch" and office["total"] >= 3

    e = sent["evaluations"]
    assert e["total"] == 125 and e["as_of"] == "2021-12-31"
    assert e["by_rating"] == {"HTXSNV": {"count": 10, "percent": 8.0},
                              "HTTNV": {"count": 111, "percent": 88.8},
                              "HTNV": {"count": 4, "percent": 3.2},
                              "KHTNV": {"count": 0, "percent": 0.0}}

    a = sent["actions"]["by_kind"]
    assert (a["bo_nhiem_lai"], a["bo_nhiem"], a["dieu_dong_bo_nhiem"], a["dieu_dong_chi_dinh"],
            a["gioi_thieu_ung_cu"], a["kien_toan"]) == (8, 2, 19, 8, 15, 8)
    assert sent["actions"]["total"] == 60
    # Reappointments renew their holdings: no "hết nhiệm kỳ" ending is counted for them.
    assert sent["actions"]["endings_by_reason"]["het_nhiem_ky"] == 0
    assert sent["actions"]["endings_by_reason"]["dieu_dong"] == 27
    assert sent["actions"]["endings_by_reason"]["nghi_huu"] == 5

    assert sent["training"]["by_program"] == {"llct_cao_cap": 3, "llct_trung_cap": 5,
                                              "qlnn_cv": 2, "qlnn_cvc": 1,
                                              "qpan_doi_tuong_3": 1}
    assert sent["training"]["completed_by_program"] == {"llct_cao_cap": 1,
                                                        "qpan_doi_tuong_3": 1}
    assert sent["vettings"]["by_purpose"] == {"bổ nhiệm": 1, "điều động, bổ nhiệm": 13,
                                              "điều động, chỉ định": 6, "giới thiệu ứng cử": 4,
                                              "quy hoạch": 120}

    for report in sent.values():
        assert report["digest"] == reports.digest_of(reports.body_of(report))

    # August: corrections of entries inside the report's period and of a birth date.
    pause(recorded.clock)
    record_corrections(recorded)

    asked_again = rm.moment(as_of=AS_OF, known_at=sent_moment.known_at)
    assert asked_again.position == sent_moment.position
    again = the_reports(rt, asked_again)
    for key in sent:
        assert again[key] == sent[key], key  # body, digest, known_at and position alike

    now = the_reports(rt, rm.moment(as_of=AS_OF))
    assert (now["quality"]["total"], now["quality"]["female"],
            now["quality"]["under_35"]) == (203, 123, 10)
    # Cadre 20 is now excellent; cadre 0 (excellent) held no post at the end of 2021 any more.
    assert {r: v["count"] for r, v in now["evaluations"]["by_rating"].items()} == {
        "HTXSNV": 10, "HTTNV": 110, "HTNV": 4, "KHTNV": 0}
    assert now["evaluations"]["total"] == 124
    a = now["actions"]["by_kind"]
    assert (a["bo_nhiem_lai"], a["dieu_dong_bo_nhiem"], a["gioi_thieu_ung_cu"]) == (7, 18, 14)
    for key in ("quality", "evaluations", "actions"):
        assert now[key]["digest"] != sent[key]["digest"], key
    # Nothing changed in training and vetting: the same figures give the same digest, whatever
    # position they were read at.
    for key in ("training", "vettings"):
        assert now[key]["digest"] == sent[key]["digest"], key
        assert now[key]["position"] > sent[key]["position"]

    # A rebuild of the read side from the log answers the same question the same way.
    rt.rebuild()
    rebuilt = the_reports(rt, rm.moment(as_of=AS_OF, known_at=sent_moment.known_at))
    assert {k: v["digest"] for k, v in rebuilt.items()} == {
        k: v["digest"] for k, v in sent.items()}


def test_scope_by_unit_follows_the_tree_of_the_date(recorded: Recorded) -> None:
    rt, d = recorded.runtime, recorded.district
    rm = rt.read_model
    m = rm.moment(as_of=AS_OF, known_at=rt.clock.now())
    ward = reports.cadre_quality(rm, m, unit_id=d.wards[0])
    # The ward's deputies and heads on AS_OF: its name is the one of that date.
    assert ward["scope"]["unit_name"] == "Phường Bắc Sơn"
    assert ward["total"] == len({r["cadre_id"] for r in rm.roster(d.wards[0], m)})
    district = reports.cadre_quality(rm, m, unit_id=d.root)
    tier = reports.cadre_quality(rm, m, tier="quan_uy")
    both = reports.cadre_quality(rm, m, tier="quan_uy", unit_id=d.root)
    assert both["total"] == tier["total"]  # every post of the tier lies under the district
    assert district["total"] == tier["total"] + 12  # plus the city's tier


def test_the_seed_report_in_word_and_excel(recorded: Recorded, tmp_path: Path) -> None:
    rm = recorded.runtime.read_model
    m = rm.moment(known_at=recorded.recorded)
    report = reports.summary(rm, PERIOD_FROM, PERIOD_TO, m, tier="quan_uy")
    assert report["sections"]["evaluations"]["period"] == "2021"

    word = Document(io.BytesIO(documents.docx_bytes(report)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "BÁO CÁO" in text
    assert "từ ngày 12/7/2021 đến ngày 30/6/2022" in text
    assert ("Tính đến 30/6/2022, có 204 cán bộ diện Quận ủy quản lý, trong đó nữ: 124 đồng chí, "
            "tuổi trẻ (dưới 35 tuổi): 09 đồng chí") in text
    assert "tổng số 125 đồng chí được kiểm điểm, đánh giá" in text
    assert "- Hoàn thành xuất sắc nhiệm vụ: 10 đồng chí (= 8,0%)" in text
    assert "- Hoàn thành tốt nhiệm vụ: 111 đồng chí (= 88,8%)" in text
    assert "- Hoàn thành nhiệm vụ: 04 đồng chí (= 3,2%)" in text
    for line in ("- Bổ nhiệm lại: 08 đồng chí.", "- Bổ nhiệm: 02 đồng chí.",
                 "- Điều động và bổ nhiệm: 19 đồng chí.", "- Điều động và chỉ định: 08 đồng chí.",
                 "- Giới thiệu ứng cử: 15 đồng chí.",
                 "- Cao cấp lý luận chính trị: 03 đồng chí dự học, 01 đồng chí hoàn thành.",
                 "- Quy hoạch: 120 lượt."):
        assert line in text, line
    table = word.tables[1]  # after the letterhead: the qualifications table
    rows = [[c.text for c in r.cells] for r in table.rows]
    quality = report["sections"]["cadre_quality"]
    assert rows[0] == ["Chỉ tiêu", "Số lượng", "Tỷ lệ"]
    assert rows[1][0] == "Lý luận chính trị"
    assert ["Cao cấp", str(quality["by_political_theory"]["cao_cap"]), "10,8%"] in rows
    assert ["Thạc sĩ", str(quality["by_education"]["thac_si"]), "16,7%"] in rows
    footer = "\n".join(p.text for p in word.sections[0].footer.paragraphs)
    assert "as_of): 2022-06-30" in footer
    assert f"(position): {m.position}" in footer
    assert report["known_at"] in footer and report["digest"] in footer

    book = load_workbook(io.BytesIO(documents.xlsx_bytes(report)))
    assert book.sheetnames[:2] == ["Tổng hợp", "Lý luận chính trị"]
    summary = book["Tổng hợp"]
    assert [c.value for c in summary[2]] == ["Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"]
    assert [c.value for c in summary[3]][:2] == ["Tổng số", 204]
    assert [c.value for c in summary[4]][:2] == ["Nữ", 124]
    assert [c.value for c in summary[5]][:2] == ["Dưới 35 tuổi", 9]
    ratings = book["Đánh giá"]
    assert [c.value for c in ratings[4]] == ["Hoàn thành tốt nhiệm vụ", 111, 88.8]
    assert isinstance(ratings["C4"].value, float) and ratings["C4"].number_format == "0.0"
    bm01 = book["BM01 theo đơn vị"]
    headers = [c.value for c in bm01[2]]
    assert headers[:5] == ["Mã đơn vị", "Đơn vị", "Tổng số", "Nữ", "Đảng viên"]
    last = [c.value for c in bm01[bm01.max_row]]
    assert last[1:4] == ["Tổng cộng", 204, 124]
    assert sum(row[2].value for row in bm01.iter_rows(min_row=3, max_row=bm01.max_row - 1)) == 204
    info = {r[0].value: r[1].value for r in book["Thông tin"].iter_rows()}
    assert info["Mã kiểm tra (digest, SHA-256)"] == report["digest"]
    assert info["Vị trí sổ ghi (position)"] == str(m.position)
