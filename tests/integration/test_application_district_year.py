"""A district's year (Kiến An, 2022) recorded through the application service, then every
aggregate re-read by a fresh process from the store: the state must be identical.

Units, titles, 30 cadres, appointments of several kinds, endings, nominations, planning,
training, evaluations, a discipline, a correction and a ward merger; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.application import HosoApplication
from domain.cadre import Cadre
from domain.commands import (
    Appoint,
    ChangeUnit,
    Correct,
    EndHolding,
    Evaluate,
    ImposeDiscipline,
    Nominate,
    Plan,
    RecordTraining,
    RegisterCadre,
    RegisterTitle,
    RegisterUnit,
    Vet,
)
from domain.unit import Unit
from domain.values import (
    ActionKind,
    Decision,
    DisciplineForm,
    EndingReason,
    Gender,
    PoliticalTheory,
    QualificationKind,
    Rating,
    StateManagement,
    VettingConclusion,
)
from infra.chain import LogReader
from infra.clock import PinnedClock
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings
from infra.transcoder import OrjsonTranscoder

TODAY = date(2022, 12, 31)
MERGER = date(2022, 10, 1)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
WOMEN = ["Thị Lan", "Thị Hằng", "Thị Thu", "Thu Hà", "Thị Mai", "Thị Hoa", "Ngọc Anh"]
MEN = ["Văn Hùng", "Đức Minh", "Hữu Tâm", "Quang Huy", "Văn Nam", "Đức Thắng", "Văn Tám"]

# Prints one digest per aggregate found in the log, read by a process that shares nothing.
FRESH_PROCESS = """
import hashlib, json, sys
from datetime import date
from uuid import UUID
from domain.application import HosoApplication
from infra.chain import LogReader
from infra.persistence import application_env, open_log_reader
from infra.settings import Settings
from infra.transcoder import OrjsonTranscoder
from infra.clock import PinnedClock

settings = Settings(database_url=sys.argv[1])
app = HosoApplication(env=application_env(settings), clock=PinnedClock.on(date(2022, 12, 31)))
with open_log_reader(settings) as log:
    ids = sorted({str(r.originator_id) for r in log.select(0, 1_000_000)})
codec = OrjsonTranscoder()
out = {}
for i in ids:
    aggregate = app.repository.get(UUID(i))
    out[i] = hashlib.sha256(codec.encode(vars(aggregate))).hexdigest()
app.close()
print(json.dumps(out))
"""


def decision(signed_on: date, number: str, issuer: str = "Ban Thường vụ Quận ủy Kiến An",
             signer: str = "Lê Toàn Khánh") -> Decision:
    return Decision(number=number, signed_on=signed_on, issuer=issuer, signer=signer)


def digest(aggregate: Any) -> str:
    return hashlib.sha256(OrjsonTranscoder().encode(vars(aggregate))).hexdigest()


def record_the_year(app: HosoApplication, log: LogReader) -> dict[str, Any]:
    rnd = random.Random(2022)
    unit: dict[str, UUID] = {}

    def add_unit(code: str, name: str, kind: str, parent: str | None = None,
                 on: date = date(1994, 12, 1)) -> None:
        unit[code] = app.register_unit(RegisterUnit(
            code=code, name=name, kind=kind, established_on=on,
            parent_id=unit[parent] if parent else None), recorded_by="ban_to_chuc").id

    add_unit("KA", "Quận ủy Kiến An", "quan_uy")
    for code, name in (("TC", "Ban Tổ chức Quận ủy"), ("KT", "Ủy ban Kiểm tra Quận ủy"),
                       ("VP", "Văn phòng Quận ủy"), ("UB", "Ủy ban nhân dân quận")):
        add_unit(code, name, "ban_dang", "KA")
    for code, name in (("NV", "Phòng Nội vụ"), ("TCKH", "Phòng Tài chính – Kế hoạch"),
                       ("TP", "Phòng Tư pháp")):
        add_unit(code, name, "phong", "UB", date(2008, 4, 1))
    for code, name in (("BS", "Phường Bắc Sơn"), ("NS", "Phường Nam Sơn"),
                       ("DH", "Phường Đồng Hòa"), ("LH", "Phường Lãm Hà")):
        add_unit(code, name, "phuong", "KA")

    for code, name, head, rank in (("bi_thu", "Bí thư", True, 9),
                                   ("pho_bi_thu", "Phó Bí thư", False, 8),
                                   ("truong_ban", "Trưởng ban", True, 6),
                                   ("truong_phong", "Trưởng phòng", True, 5),
                                   ("pho_truong_phong", "Phó Trưởng phòng", False, 4),
                                   ("chu_tich", "Chủ tịch UBND phường", True, 6),
                                   ("uy_vien", "Ủy viên Ban Chấp hành", False, 3),
                                   ("chuyen_vien", "Chuyên viên", False, 1)):
        app.register_title(RegisterTitle(
            code=code, name=name, is_head=head, management_tier="quan_uy", rank=rank),
            recorded_by="ban_to_chuc")

    cadres: list[UUID] = []
    for i in range(30):
        woman = i % 5 < 3  # the district's cadres are majority women (seed 000: 124 of 204)
        name = f"{FAMILY[i % len(FAMILY)]} {rnd.choice(WOMEN if woman else MEN)}"
        cadres.append(app.register_cadre(RegisterCadre(
            full_name=name, gender=Gender.NU if woman else Gender.NAM,
            born_on=date(1966 + rnd.randrange(25), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
            party_joined_on=date(2000 + rnd.randrange(10), 3, 26),
            political_theory=rnd.choice([PoliticalTheory.TRUNG_CAP, PoliticalTheory.CAO_CAP]),
            state_management=StateManagement.CV, ethnicity="Kinh", hometown="Kiến An",
            national_id=f"0311{i:08d}"), recorded_by="ban_to_chuc").id)

    positions: dict[str, int] = {}

    def appoint(who: int, code: str, title: str, kind: ActionKind, on: date,
                number: str) -> None:
        receipt = app.appoint(cadres[who], Appoint(
            kind=kind, unit_id=unit[code], title_code=title, effective_on=on,
            decision=decision(on - timedelta(days=7), number),
            term_months=60 if title != "chuyen_vien" else None), recorded_by="ban_to_chuc")
        positions[f"{who}:{code}:{title}"] = receipt.entry_position

    # Posts held when the year begins (history entered at go-live).
    heads = [("KA", "bi_thu"), ("TC", "truong_ban"), ("KT", "truong_ban"), ("VP", "truong_ban"),
             ("NV", "truong_phong"), ("TCKH", "truong_phong"), ("TP", "truong_phong"),
             ("BS", "chu_tich"), ("NS", "chu_tich"), ("DH", "chu_tich"), ("LH", "chu_tich")]
    for who, (code, title) in enumerate(heads):
        appoint(who, code, title, ActionKind.BO_NHIEM, date(2017, 3, 1) + timedelta(days=who),
                f"{100 + who}-QĐ/QU")
    for who in range(11, 30):
        code = ["NV", "TCKH", "TP", "BS", "DH", "LH"][who % 6]
        appoint(who, code, "chuyen_vien" if who > 16 else "pho_truong_phong",
                ActionKind.DIEU_DONG, date(2018, 9, 1), f"{200 + who}-QĐ/UBND")

    # 2022: evaluations of 2021, then the year's decisions.
    ratings = [Rating.HTXSNV] * 3 + [Rating.HTTNV] * 25 + [Rating.HTNV] * 2
    for who, rating in enumerate(ratings):
        app.evaluate(cadres[who], Evaluate(period="2021", rating=rating,
                                           decided_on=date(2022, 1, 15)),
                     recorded_by="ban_to_chuc")
    # Bổ nhiệm lại: the term ends and the new term is recorded from the same day.
    app.end_holding(cadres[4], EndHolding(unit_id=unit["NV"], title_code="truong_phong",
                                          reason=EndingReason.HET_NHIEM_KY,
                                          effective_on=date(2022, 3, 1),
                                          decision=decision(date(2022, 2, 20), "310-QĐ/QU")),
                    recorded_by="ban_to_chuc")
    appoint(4, "NV", "truong_phong", ActionKind.BO_NHIEM_LAI, date(2022, 3, 1), "311-QĐ/QU")
    # Rotation: the head of justice goes to a ward party committee as bí thư (luân chuyển).
    app.end_holding(cadres[6], EndHolding(unit_id=unit["TP"], title_code="truong_phong",
                                          reason=EndingReason.LUAN_CHUYEN,
                                          effective_on=date(2022, 4, 1),
                                          decision=decision(date(2022, 3, 25), "320-QĐ/QU")),
                    recorded_by="ban_to_chuc")
    appoint(6, "DH", "bi_thu", ActionKind.LUAN_CHUYEN, date(2022, 4, 1), "321-QĐ/QU")
    appoint(11, "TP", "truong_phong", ActionKind.DIEU_DONG_BO_NHIEM, date(2022, 4, 1),
            "322-QĐ/QU")
    appoint(12, "LH", "bi_thu", ActionKind.DIEU_DONG_CHI_DINH, date(2022, 5, 10), "330-QĐ/QU")
    appoint(13, "KA", "uy_vien", ActionKind.KIEN_TOAN, date(2022, 6, 1), "340-QĐ/QU")
    appoint(14, "BS", "bi_thu", ActionKind.BAU_CU, date(2022, 6, 15), "01-NQ/ĐH")
    appoint(5, "KA", "uy_vien", ActionKind.KIEM_NHIEM, date(2022, 7, 1), "350-QĐ/QU")
    appoint(15, "KT", "pho_truong_phong", ActionKind.CHI_DINH, date(2022, 7, 15), "355-QĐ/QU")
    appoint(16, "VP", "chuyen_vien", ActionKind.BIET_PHAI, date(2022, 8, 1), "360-QĐ/UBND")
    for who in (17, 18, 19):
        app.nominate(cadres[who], Nominate(unit_id=unit["KA"], title_code="uy_vien", decided_on=date(2022, 5, 20), decision=decision(date(2022, 5, 20),
                                                                     f"{370 + who}-QĐ/QU")), recorded_by="ban_to_chuc")
        app.plan(cadres[who], Plan(unit_id=unit["TCKH"], title_code="pho_truong_phong",
                                   term="2025-2030", decided_on=date(2022, 9, 1),
                                   decision=decision(date(2022, 9, 1), "400-QĐ/QU")),
                 recorded_by="ban_to_chuc")
        app.vet(cadres[who], Vet(vetted_on=date(2022, 8, 20), purpose="quy_hoach",
                                 conclusion=VettingConclusion.DAT, body="Ban Tổ chức Quận ủy"),
                recorded_by="ban_to_chuc")
    for who in (20, 21, 22, 23):
        app.record_training(cadres[who], RecordTraining(program="llct_trung_cap", started_on=date(2021, 9, 6), completed_on=date(2022, 6, 30), institution="Trường Chính trị Tô "
                            "Hiệu Hải Phòng"), recorded_by="ban_to_chuc")
    app.discipline(cadres[24], ImposeDiscipline(form=DisciplineForm.KHIEN_TRACH, effective_on=date(2022, 9, 12), violation="Chậm giải quyết hồ sơ của công dân", decision=decision(date(2022, 9, 12), "45-QĐ/UBKT",
                                     issuer="Ủy ban Kiểm tra Quận ủy", signer="Phạm Văn Hòa")), recorded_by="uy_ban_kiem_tra")

    # The ward merger: Nam Sơn joins Bắc Sơn; its chairman ends there and becomes a deputy.
    app.change_unit(unit["NS"], ChangeUnit(
        change="merge", into_unit_id=unit["BS"], effective_on=MERGER,
        decision=decision(date(2022, 9, 1), "1/NQ-UBTVQH15",
                                      issuer="Ủy ban Thường vụ Quốc hội",
                                      signer="Vương Đình Huệ")),
        recorded_by="ban_to_chuc")
    app.end_holding(cadres[8], EndHolding(unit_id=unit["NS"], title_code="chu_tich",
                                          reason=EndingReason.KHAC, effective_on=MERGER,
                                          decision=decision(date(2022, 9, 25), "410-QĐ/QU")),
                    recorded_by="ban_to_chuc")
    appoint(8, "BS", "pho_bi_thu", ActionKind.DIEU_DONG_BO_NHIEM, MERGER, "411-QĐ/QU")
    app.change_unit(unit["BS"], ChangeUnit(
        change="rename", new_name="Phường Bắc Sơn (sau sáp nhập)", effective_on=MERGER),
        recorded_by="ban_to_chuc")

    # A correction: the 2021 rating of cadre 27 was entered wrongly.
    wrong = next(r.position for r in log.select(0, 100_000)
                 if r.originator_id == cadres[27] and r.topic.endswith("Cadre.Evaluated"))
    app.correct(cadres[27], Correct(
        target_position=wrong, reason="Nhập nhầm xếp loại",
        replacement=dict(period="2021", rating=Rating.HTNV,
                                 decided_on=date(2022, 1, 15))),
        recorded_by="ban_to_chuc")
    return dict(units=unit, cadres=cadres)


def test_a_district_year_reads_back_identically_in_a_fresh_process(
        store_settings: Settings) -> None:
    app = HosoApplication(env=application_env(store_settings), clock=PinnedClock.on(TODAY))
    log = open_log_reader(store_settings)
    try:
        recorded = record_the_year(app, log)
        records = log.select(0, 1_000_000)
        ids = sorted({r.originator_id for r in records}, key=str)
        here = {str(i): digest(app.repository.get(i)) for i in ids}
        assert log.verify().ok
    finally:
        log.close()
        app.close()

    # What the year holds, as a personnel officer would check it.
    topics = Counter(r.topic.rsplit(".", 1)[-1] for r in records)
    assert topics["Registered"] == 12 + 8 + 30  # units, titles, cadres
    assert topics["Evaluated"] == 30 and topics["Corrected"] == 1
    assert topics["Disciplined"] == 1 and topics["MergedInto"] == 1
    assert topics["Absorbed"] == 1 and topics["HeadSeatSet"] >= 11
    assert len(recorded["cadres"]) == 30

    fresh = subprocess.run([sys.executable, "-c", FRESH_PROCESS, store_settings.database_url],
                           capture_output=True, text=True, timeout=120, check=False)
    assert fresh.returncode == 0, fresh.stderr
    there = json.loads(fresh.stdout.strip().splitlines()[-1])
    assert there.keys() == here.keys()
    assert [i for i in here if here[i] != there[i]] == []

    # And a few facts of that state, read back in this process from the store.
    reread = HosoApplication(env=application_env(store_settings), clock=PinnedClock.on(TODAY))
    try:
        units, cadres = recorded["units"], recorded["cadres"]
        ns, bs = reread.unit(units["NS"]), reread.unit(units["BS"])
        assert isinstance(ns, Unit) and ns.merged_into == units["BS"]
        assert bs.name_on(date(2022, 12, 31)) == "Phường Bắc Sơn (sau sáp nhập)"
        corrected = reread.cadre(cadres[27])
        assert isinstance(corrected, Cadre)
        assert [e.payload["rating"] for e in corrected.facts("Evaluated")] == [Rating.HTNV]
        rotated = reread.cadre(cadres[6]).holdings_on(TODAY)
        assert [(h.title_code, h.kind) for h in rotated] == [("bi_thu", ActionKind.LUAN_CHUYEN)]
        trained = reread.cadre(cadres[20])
        assert trained.level_on(QualificationKind.POLITICAL_THEORY, date(2022, 6, 29)) in (
            None, "trung_cap", "cao_cap")
        assert trained.level_on(QualificationKind.POLITICAL_THEORY, TODAY) in ("trung_cap",
                                                                               "cao_cap")
        assert reread.cadre(cadres[0]).identity["sensitive"]["national_id"] == "031100000000"
    finally:
        reread.close()
