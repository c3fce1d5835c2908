"""Orchestration: an import's rows turned into commands, matched against the record, run in
staging, then saved or refused (`Importer`, `import_file`, `describe`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from sqlalchemy import (
    select,
    text,
)

from domain.application import unit_id_for
from domain.cadre import Cadre
from domain.commands import Appoint, Correct, EndHolding, Nominate, RegisterCadre
from domain.errors import DomainError
from domain.values import (
    EDUCATION_ORDER,
    POLITICAL_THEORY_ORDER,
    STATE_MANAGEMENT_ORDER,
    Decision,
    QualificationKind,
    fold,
    nfc,
)
from infra.chain import EVENTS_TABLE
from infra.importing.cells import (
    CADRE_COLUMNS,
    ERROR,
    HISTORY_COLUMNS,
    SHEET_CADRES,
    SHEET_HISTORY,
    WARNING,
    CadreCells,
    DecisionCells,
    HistoryCells,
    ImportRefused,
    ImportReport,
    PostCells,
    Problem,
    RowRef,
    cell_code,
    cell_date,
    cell_gender,
    cell_national_id,
    code_key,
    header_key,
)
from infra.importing.runs import _record_run, import_history
from infra.importing.staging import StagingApplication
from infra.importing.workbook import read_file, template_workbook
from infra.persistence import application_env

if TYPE_CHECKING:
    from infra.runtime import Runtime

# --- translation: rows → commands ----------------------------------------------------------


@dataclass
class _Known:
    """Cadres already in the record, for matching rows (ID number, else name + birth date)."""

    by_id: dict[str, set[UUID]] = field(default_factory=dict)
    by_name: dict[tuple[str, date], set[UUID]] = field(default_factory=dict)
    national_id: dict[UUID, str | None] = field(default_factory=dict)

    def add(self, cadre_id: UUID, full_name: str, born_on: date, national_id: str | None) -> None:
        if national_id:
            self.by_id.setdefault(national_id, set()).add(cadre_id)
        self.by_name.setdefault((fold(full_name), born_on), set()).add(cadre_id)
        self.national_id[cadre_id] = national_id

    def match(self, national_id: str | None, full_name: str | None,
              born_on: date | None) -> set[UUID]:
        if national_id and national_id in self.by_id:
            return set(self.by_id[national_id])
        if full_name is None or born_on is None:
            return set()
        found = self.by_name.get((fold(full_name), born_on), set())
        if national_id:
            # A different ID number on record means a namesake, not this person.
            found = {c for c in found if not self.national_id.get(c)}
        return set(found)


_FIELD_COLUMNS = {
    "full_name": "full_name", "gender": "gender", "born_on": "born_on",
    "party_joined_on": "party_joined_on", "national_id": "national_id",
    "unit_id": "unit", "title_code": "title", "effective_on": "effective_on",
    "decided_on": "effective_on", "decision": "decision_number",
    "decision.signed_on": "signed_on", "kind": "kind", "reason": "kind",
}

_LEVEL_ORDERS: dict[str, dict[Any, int]] = {
    "education": dict(EDUCATION_ORDER), "political_theory": dict(POLITICAL_THEORY_ORDER),
    "state_management": dict(STATE_MANAGEMENT_ORDER),
}
_SENSITIVE = ("ethnicity", "religion", "hometown", "national_id")
_IDENTITY = ("full_name", "gender", "born_on", "party_joined_on", "education",
             "political_theory", "state_management")


@dataclass
class _Op:
    cadre_key: tuple[str, Any]
    post: PostCells
    order: int

    def sort_key(self) -> tuple[date, int, int]:
        # Same day: leave a post before taking the next one (a transfer frees the head seat).
        rank = {"end": 0, "appoint": 1, "nominate": 2}[self.post.action.command]
        return (self.post.effective_on, rank, self.order)


def _post_key(op: _Op) -> tuple[Any, ...]:
    post = op.post
    return (op.cadre_key, fold(post.unit), fold(post.title), post.effective_on)


def _without_restated_posts(ops: list[_Op]) -> list[_Op]:
    """The cadre sheet's current post, unless the history states that appointment itself: the
    history names its kind (a "Bổ nhiệm lại" renews the post, where the cadre sheet's default
    "Bổ nhiệm" would conflict with the term it renews)."""
    in_history = {_post_key(op) for op in ops
                  if op.post.ref.sheet == SHEET_HISTORY and op.post.action.command == "appoint"}
    return [op for op in ops
            if op.post.ref.sheet != SHEET_CADRES or _post_key(op) not in in_history]


class Importer:
    """One import of one file into the store of `runtime`."""

    def __init__(self, runtime: Runtime, *, user: str, file_name: str, data: bytes,
                 dry_run: bool,
                 may_write_unit: Callable[[UUID], bool] | None = None,
                 may_write_cadre: Callable[[UUID], bool] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 in_request: bool = False) -> None:
        self.runtime = runtime
        # In a request the read side is the projector's: wait for it, never apply (ADR 0007).
        self.in_request = in_request
        self.user = user
        self.data = data
        digest = hashlib.sha256(data).hexdigest()
        self.tag = f"{user} (import {digest[:8]})"
        self.reason = f"Cập nhật theo tệp nhập {file_name or digest[:8]} (import {digest[:8]})"
        self.report = ImportReport(file_name=file_name, digest=digest, dry_run=dry_run,
                                   recorded_by=self.tag)
        self.may_write_unit = may_write_unit or (lambda _unit: True)
        self.may_write_cadre = may_write_cadre or (lambda _cadre: True)
        self.progress = progress
        self.known = _Known()
        self.cadre_ids: dict[tuple[str, Any], UUID] = {}  # file key -> cadre
        self.file_rows: dict[tuple[str, Any], CadreCells] = {}
        self.units: dict[str, UUID] = {}
        self.titles: dict[str, str] = {}
        self.app: StagingApplication | None = None
        self.unreadable: list[tuple[str | None, str | None, date | None, int]] = []

    # -- entry point

    def run(self) -> ImportReport:
        try:
            parsed = read_file(self.data, self.report.file_name,
                               self.runtime.settings.workbook_limits)
        except ImportRefused as refused:
            self.report.problems.extend(refused.problems)
            return self.report
        self.report.rows = dict(parsed.rows)
        self.unreadable = parsed.unreadable
        self.report.problems.extend(parsed.problems)
        runtime = self.runtime
        # What the record holds, as of now.
        if self.in_request:
            runtime.read_side_current()
        else:
            runtime.catch_up()
        self._load_directory()
        self.app = StagingApplication(
            env=application_env(runtime.settings), clock=runtime.clock,
            horizon_days=runtime.app.horizon_days)
        if self.report.dry_run:
            # A dry run answers from the caller's scope only (`_match`): claiming each number in
            # the national-ID index would tell a guessed number held elsewhere from a free one,
            # and would leave an index secret behind for every guess. Its planned events are
            # therefore the real run's less the index's claims (and the namesakes' groups,
            # for the same reasons: ADR 0011).
            self.app.national_ids = None
            self.app.namesakes = None
        try:
            total = len(parsed.cadres) + len(parsed.history)
            done = 0
            for cadre in parsed.cadres:
                self._cadre(cadre)
                done += 1
                self._tick(done, total)
            ops = [_Op(self._cadre_key_of(c), post, i)
                   for i, c in enumerate(parsed.cadres) if c.post is not None
                   and self.file_rows.get(self._cadre_key_of(c)) is c
                   for post in (c.post.first_appointment(), c.post) if post is not None]
            for i, h in enumerate(parsed.history, start=len(parsed.cadres)):
                key = self._who(h)
                if key is not None:
                    ops.append(_Op(key, h.post, i))
                else:
                    done += 1
                    self._tick(done, total)
            for op in sorted(_without_restated_posts(ops), key=_Op.sort_key):
                self._post(self.cadre_ids[op.cadre_key], op.post)
                if op.post.ref.sheet == SHEET_HISTORY:
                    done += 1
                    self._tick(done, total)
            self.report.events = self.app.pending
            if self.report.dry_run:
                self.report.import_id = _record_run(runtime.engine, self.report, self.user,
                                                    runtime.clock.now(), "checked")
            elif self.report.ok:
                self._save()
            else:
                self.report.import_id = _record_run(runtime.engine, self.report, self.user,
                                                    runtime.clock.now(), "refused")
        finally:
            self.app.close()
        return self.report

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _save(self) -> None:
        assert self.app is not None
        if self.app.pending:
            try:
                positions = self.app.save_staged()
            except DomainError as error:
                self.report.problems.append(Problem("", 0, "", "", error.message, error.code))
                return
            except IntegrityError:  # a concurrent writer changed one of the records first
                self.report.problems.append(Problem(
                    "", 0, "", "", "Hồ sơ vừa bị thay đổi bởi thao tác khác; hãy nhập lại "
                    "(version conflict: another command changed a record first)",
                    "version_conflict"))
                return
            self.report.first_position, self.report.last_position = positions[0], positions[-1]
            self.report.recorded = True
        self.report.import_id = _record_run(self.runtime.engine, self.report, self.user,
                                            self.runtime.clock.now(),
                                            "recorded" if self.report.recorded else "unchanged")
        if self.in_request:
            # Committed: the answer says so; the projector applies it.
            if self.report.last_position is not None:
                self.runtime.written(self.report.last_position)
        else:
            self.runtime.catch_up()

    # -- what the record already holds

    def _load_directory(self) -> None:
        rm = self.runtime.read_model
        t = rm.tables()
        c = t.cadres
        with rm.engine.connect() as conn:
            for row in conn.execute(select(c.c.cadre_id, c.c.full_name, c.c.born_on,
                                           c.c.sensitive).where(c.c.rec_to.is_(None))):
                sensitive = row.sensitive if isinstance(row.sensitive, dict) else {}
                nid = sensitive.get("national_id")
                self.known.add(row.cadre_id, row.full_name, row.born_on,
                               str(nid) if nid else None)
        m = rm.moment()
        for unit in rm.units(m):
            self.units.setdefault(header_key(unit["name"] or ""), unit["id"])
        for title in rm.titles():
            self.titles[code_key(title["code"])] = title["code"]
            self.titles.setdefault(code_key(title["name"]), title["code"])

    def _unit(self, ref: RowRef, text_value: str) -> UUID | None:
        assert self.app is not None
        candidates = [unit_id_for(text_value), unit_id_for(text_value.upper())]
        by_name = self.units.get(header_key(text_value))
        if by_name is not None:
            candidates.append(by_name)
        for unit_id in candidates:
            try:
                self.app.unit(unit_id)
                return unit_id
            except DomainError:
                continue
        self._problem(ref, "unit", f"Không có đơn vị mã hoặc tên '{text_value}' trong hệ thống "
                                   "(unknown unit)", "unit_not_found")
        return None

    def _title(self, ref: RowRef, text_value: str) -> str | None:
        assert self.app is not None
        code = self.titles.get(code_key(text_value), text_value)
        try:
            return self.app.title(code).code
        except DomainError:
            self._problem(ref, "title", f"Không có chức danh mã hoặc tên '{text_value}' trong hệ "
                                        "thống (unknown title)", "title_not_found")
            return None

    def _problem(self, ref: RowRef, key: str, message: str, code: str,
                 level: str = ERROR) -> None:
        self.report.problems.append(ref.problem(key, message, code, level))

    def _refused(self, ref: RowRef, error: DomainError, default_key: str) -> None:
        key = _FIELD_COLUMNS.get(error.field or "", default_key)
        self._problem(ref, key, error.message, error.code)

    # -- cadres

    @staticmethod
    def _cadre_key_of(cadre: CadreCells) -> tuple[str, Any]:
        if cadre.national_id:
            return ("id", cadre.national_id)
        return ("name", (fold(cadre.full_name), cadre.born_on))

    def _file_cadre(self, national_id: str | None, full_name: str | None,
                    born_on: date | None) -> tuple[str, Any] | None:
        if national_id and ("id", national_id) in self.file_rows:
            return ("id", national_id)
        if full_name is not None and born_on is not None:
            key = ("name", (fold(full_name), born_on))
            if key in self.file_rows:
                return key
            for k, row in self.file_rows.items():
                if k[0] == "id" and (fold(row.full_name), row.born_on) == key[1] and \
                        (not national_id or national_id == row.national_id):
                    return k
        return None

    def _cadre(self, row: CadreCells) -> None:
        assert self.app is not None
        ref = row.ref
        key = self._cadre_key_of(row)
        earlier = self._file_cadre(row.national_id, row.full_name, row.born_on)
        if earlier is not None:
            first = self.file_rows[earlier]
            if first.signature() == row.signature():
                self._problem(ref, "full_name", f"Dòng trùng với dòng {first.ref.row}; bỏ qua "
                                                f"(duplicate of row {first.ref.row}, skipped)",
                              "duplicate_row", WARNING)
                self.report.planned["duplicate_row"] += 1
            else:
                self._problem(ref, "full_name", f"Cán bộ này đã có ở dòng {first.ref.row} với "
                                                f"dữ liệu khác (same cadre as row "
                                                f"{first.ref.row}, different data)",
                              "conflicting_rows")
            return
        matches = self._match(row.national_id, row.full_name, row.born_on)
        if len(matches) > 1:
            self._problem(ref, "national_id", "Có nhiều cán bộ cùng họ tên và ngày sinh; hãy "
                                              "ghi số định danh (ambiguous: several cadres "
                                              "with this name and birth date)", "ambiguous_cadre")
            return
        try:
            if matches:
                cadre_id = next(iter(matches))
                if not self.may_write_cadre(cadre_id):
                    self._problem(ref, "full_name", "Cán bộ ngoài phạm vi được giao (cadre "
                                                    "outside your unit subtree)", "forbidden")
                    return
                self._update_identity(cadre_id, row)
            else:
                cadre_id = self.app.register_cadre(RegisterCadre(
                    full_name=row.full_name, gender=row.gender, born_on=row.born_on,
                    party_joined_on=row.party_joined_on, education=row.education,
                    political_theory=row.political_theory, state_management=row.state_management,
                    ethnicity=row.ethnicity, religion=row.religion, hometown=row.hometown,
                    national_id=row.national_id), recorded_by=self.tag).id
                self.report.planned["register_cadre"] += 1
        except DomainError as error:
            self._refused(ref, error, "full_name")
            return
        self.file_rows[key] = row
        self.cadre_ids[key] = cadre_id

    def _update_identity(self, cadre_id: UUID, row: CadreCells) -> None:
        assert self.app is not None
        cadre = self.app.cadre(cadre_id)
        current = dict(cadre.identity)
        today = self.app.window().today
        changed: dict[str, Any] = {}
        for name in ("full_name", "gender", "born_on", "party_joined_on"):
            value = getattr(row, name)
            if value is not None and value != current.get(name):
                changed[name] = value
        for name, kind in (("education", QualificationKind.EDUCATION),
                           ("political_theory", QualificationKind.POLITICAL_THEORY),
                           ("state_management", QualificationKind.STATE_MANAGEMENT)):
            value = getattr(row, name)
            registered, now = current.get(name), cadre.level_on(kind, today)
            order = _LEVEL_ORDERS[name]
            if value is None or value == now:
                continue
            # Higher than known: the record missed it. Lower: a mistake at registration, unless
            # a later degree raised the level (then the sheet is only older).
            if order.get(value, 0) > order.get(now, 0) or registered == now:
                changed[name] = value
        sensitive = current.get("sensitive") or {}
        shredded = bool(sensitive.get("_shredded"))
        given = {k: getattr(row, k) for k in _SENSITIVE if getattr(row, k) is not None}
        if shredded and given:
            self._problem(row.ref, "national_id", "Dữ liệu cá nhân của cán bộ này đã bị hủy; bỏ "
                                                  "qua các cột dân tộc, tôn giáo, quê quán, số "
                                                  "định danh (personal data erased: ignored)",
                          "personal_data_erased", WARNING)
            given = {}
        merged = {k: sensitive.get(k) for k in _SENSITIVE} if not shredded else {}
        for k, v in given.items():
            if merged.get(k) != v:
                changed[k] = v
                merged[k] = v
        if not changed:
            self.report.planned["unchanged"] += 1
            return
        version = cadre.facts("Registered")[-1].version
        target = self._position_of(row.ref, cadre_id, version)
        if target is None:
            return
        replacement: dict[str, Any] = {k: changed.get(k, current.get(k)) for k in _IDENTITY}
        replacement.update({k: merged.get(k) for k in _SENSITIVE})
        self.app.correct(cadre_id, Correct(
            target_position=target, reason=self.reason, replacement=replacement),
            recorded_by=self.tag)
        self.report.planned["correct_identity"] += 1

    def _position_of(self, ref: RowRef, cadre_id: UUID, version: int) -> int | None:
        assert self.app is not None
        if self.app.is_staged(cadre_id, version):
            self._problem(ref, "full_name", "Dòng này mâu thuẫn với một dòng khác của tệp về "
                                            "cùng một mục hồ sơ (contradicts another row of the "
                                            "file)", "conflicting_rows")
            return None
        settings = self.runtime.settings
        if settings.is_postgres:
            sql = text(f"SELECT notification_id FROM {EVENTS_TABLE} WHERE originator_id = :oid "
                       "AND originator_version = :v")
            params: dict[str, Any] = {"oid": cadre_id, "v": version}
        else:
            sql = text(f"SELECT rowid FROM {EVENTS_TABLE} WHERE originator_id = :oid AND "
                       "originator_version = :v")
            params = {"oid": cadre_id.hex, "v": version}
        with self.runtime.engine.connect() as conn:
            position = conn.execute(sql, params).scalar()
        return int(position) if position is not None else None

    def _who(self, row: HistoryCells) -> tuple[str, Any] | None:
        key = self._file_cadre(row.national_id, row.full_name, row.born_on)
        if key is not None:
            return key if key in self.cadre_ids else None
        matches = self._match(row.national_id, row.full_name, row.born_on)
        if len(matches) == 1:
            cadre_id = next(iter(matches))
            key = ("known", cadre_id)
            if key not in self.cadre_ids:
                if not self.may_write_cadre(cadre_id):
                    self._problem(row.ref, "full_name", "Cán bộ ngoài phạm vi được giao (cadre "
                                                        "outside your unit subtree)", "forbidden")
                    return None
                self.cadre_ids[key] = cadre_id
            return key
        if matches:
            self._problem(row.ref, "national_id", "Có nhiều cán bộ cùng họ tên và ngày sinh; hãy "
                                                  "ghi số định danh (ambiguous cadre)",
                          "ambiguous_cadre")
        elif (bad := self._unreadable_row(row)) is not None:
            self._problem(row.ref, "national_id" if row.national_id else "full_name",
                          f"Cán bộ ở dòng {bad} trang \"{SHEET_CADRES}\" có lỗi (the cadre's "
                          "own row has errors)", "cadre_row_invalid")
        else:
            if row.national_id:
                who = row.national_id
            elif row.born_on is not None:
                who = f"{row.full_name} ({row.born_on:%d/%m/%Y})"
            else:
                who = row.full_name or ""
            self._problem(row.ref, "national_id" if row.national_id else "full_name",
                          f"Không tìm thấy cán bộ {who} trong tệp (trang \"{SHEET_CADRES}\") "
                          "hay trong hệ thống (unknown cadre)", "cadre_not_found")
        return None

    def _match(self, national_id: str | None, full_name: str | None,
               born_on: date | None) -> set[UUID]:
        """The cadres on record a row names. A dry run sees only the caller's scope, so that
        checking a file of guessed ID numbers cannot tell which exist elsewhere (a row naming
        one reads as a new person). A real run sees them all: it refuses such a row, and the
        cadre's read audit shows who tried."""
        matches = self.known.match(national_id, full_name, born_on)
        outside = {m for m in matches if not self.may_write_cadre(m)}
        if self.report.dry_run:
            return matches - outside
        self.report.probed |= outside
        return matches

    def _unreadable_row(self, row: HistoryCells) -> int | None:
        for national_id, full_name, born_on, number in self.unreadable:
            if row.national_id and national_id == row.national_id:
                return number
            if full_name and row.full_name and fold(full_name) == fold(row.full_name) and \
                    born_on == row.born_on:
                return number
        return None

    # -- posts

    def _post(self, cadre_id: UUID, post: PostCells) -> None:
        assert self.app is not None
        ref = post.ref
        unit_id = self._unit(ref, post.unit)
        title_code = self._title(ref, post.title)
        if unit_id is None or title_code is None:
            return
        if not self.may_write_unit(unit_id):
            self._problem(ref, "unit", "Đơn vị ngoài phạm vi được giao (unit outside your unit "
                                       "subtree)", "forbidden")
            return
        decision = post.decision.decision()
        try:
            if post.action.command == "appoint":
                self._appoint(cadre_id, post, unit_id, title_code, decision)
            elif post.action.command == "end":
                self._end(cadre_id, post, unit_id, title_code, decision)
            else:
                self._nominate(cadre_id, post, unit_id, title_code, decision)
        except DomainError as error:
            self._refused(ref, error, "effective_on")

    @staticmethod
    def _same_decision(recorded: Any, given: DecisionCells) -> bool:
        if recorded is None:
            return False
        number = getattr(recorded, "number", None)
        signed_on = getattr(recorded, "signed_on", None)
        issuer = getattr(recorded, "issuer", None)
        signer = getattr(recorded, "signer", None)
        return (nfc(str(number)) == given.number and signed_on == given.signed_on
                and nfc(str(issuer)) == given.issuer
                and (given.signer is None or nfc(str(signer)) == given.signer))

    def _appoint(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
                 decision: Decision) -> None:
        assert self.app is not None and post.action.kind is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        holdings = [h for h in cadre.holdings().values()
                    if h.unit_id == unit_id and h.title_code == title_code]
        same = [h for h in holdings if h.since == post.effective_on]
        if not same and post.ref.sheet == SHEET_CADRES:
            # The current post with another date: the date (or decision) was corrected. Not the
            # post's first appointment nor a term this file records, which a reappointment on
            # this row renews.
            same = [h for h in holdings if h.until is None and h.since != post.first_on
                    and not self.app.is_staged(cadre_id, h.version)]
        if same:
            h = same[0]
            if h.kind == post.action.kind and h.since == post.effective_on and \
                    self._same_decision(h.decision, post.decision):
                self.report.planned["unchanged"] += 1
                return
            target = self._position_of(post.ref, cadre_id, h.version)
            if target is None:
                return
            self.app.correct(cadre_id, Correct(
                target_position=target, reason=self.reason,
                replacement=dict(
                                 kind=post.action.kind, unit_id=unit_id, title_code=title_code,
                                 effective_on=post.effective_on, decision=decision,
                                 planned_end_on=h.planned_end_on, special_case=h.special_case)),
                recorded_by=self.tag)
            self.report.planned["correct_appointment"] += 1
            return
        self.app.appoint(cadre_id, Appoint(kind=post.action.kind, unit_id=unit_id,
                                           title_code=title_code, effective_on=post.effective_on,
                                           decision=decision), recorded_by=self.tag)
        self.report.planned["appoint"] += 1

    def _end(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
             decision: Decision) -> None:
        assert self.app is not None and post.action.reason is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        holdings = sorted((h for h in cadre.holdings().values()
                           if h.unit_id == unit_id and h.title_code == title_code
                           and h.since <= post.effective_on), key=lambda h: h.since)
        ended_here = [h for h in holdings if h.until == post.effective_on]
        h = ended_here[-1] if ended_here else (holdings[-1] if holdings else None)
        if h is not None and h.until is not None:
            ending = next(e for e in cadre.facts("HoldingEnded")
                          if e.payload["holding_id"] == h.holding_id)
            if h.until == post.effective_on and h.end_reason == post.action.reason and \
                    self._same_decision(ending.payload.get("decision"), post.decision):
                self.report.planned["unchanged"] += 1
                return
            target = self._position_of(post.ref, cadre_id, ending.version)
            if target is None:
                return
            self.app.correct(cadre_id, Correct(
                target_position=target, reason=self.reason,
                replacement=dict(
                                 unit_id=unit_id, title_code=title_code,
                                 reason=post.action.reason, effective_on=post.effective_on,
                                 decision=decision)),
                recorded_by=self.tag)
            self.report.planned["correct_ending"] += 1
            return
        self.app.end_holding(cadre_id, EndHolding(unit_id=unit_id, title_code=title_code,
                                                  reason=post.action.reason,
                                                  effective_on=post.effective_on,
                                                  decision=decision), recorded_by=self.tag)
        self.report.planned["end_holding"] += 1

    def _nominate(self, cadre_id: UUID, post: PostCells, unit_id: UUID, title_code: str,
                  decision: Decision) -> None:
        assert self.app is not None
        cadre: Cadre = self.app.cadre(cadre_id)
        for entry in cadre.facts("Nominated"):
            p = entry.payload
            if p["unit_id"] == unit_id and p["title_code"] == title_code and \
                    p["effective_on"] == post.effective_on:
                if self._same_decision(p.get("decision"), post.decision):
                    self.report.planned["unchanged"] += 1
                    return
                target = self._position_of(post.ref, cadre_id, entry.version)
                if target is None:
                    return
                self.app.correct(cadre_id, Correct(
                    target_position=target, reason=self.reason,
                    replacement=dict(
                                     unit_id=unit_id, title_code=title_code,
                                     decided_on=post.effective_on, decision=decision)),
                    recorded_by=self.tag)
                self.report.planned["correct_nomination"] += 1
                return
        self.app.nominate(cadre_id, Nominate(unit_id=unit_id, title_code=title_code,
                                             decided_on=post.effective_on, decision=decision),
                          recorded_by=self.tag)
        self.report.planned["nominate"] += 1


def import_file(runtime: Runtime, data: bytes, *, file_name: str, user: str,
                dry_run: bool = False,
                may_write_unit: Callable[[UUID], bool] | None = None,
                may_write_cadre: Callable[[UUID], bool] | None = None,
                progress: Callable[[int, int], None] | None = None,
                in_request: bool = False) -> ImportReport:
    """Validate (and unless `dry_run`, record all or nothing) one spreadsheet. Outside a
    request (`hoso import`) the read side is brought up before and after (`catch_up`); in one,
    it is waited for before and left to the projector after."""
    return Importer(runtime, user=user, file_name=file_name, data=data, dry_run=dry_run,
                    may_write_unit=may_write_unit, may_write_cadre=may_write_cadre,
                    progress=progress, in_request=in_request).run()


def describe(report: ImportReport) -> Iterator[str]:
    """The report as lines of text (CLI)."""
    verb = "Kiểm tra thử (dry run)" if report.dry_run else "Nhập (import)"
    yield f"{verb}: {report.file_name} sha256 {report.digest}"
    yield "Dòng (rows): " + ", ".join(f"{k} {v}" for k, v in report.rows.items())
    if report.planned:
        yield "Thao tác (commands): " + ", ".join(f"{k} {v}" for k, v in
                                                  sorted(report.planned.items()))
    for p in sorted(report.problems, key=lambda p: (p.sheet, p.row, p.column)):
        where = f"{p.sheet} dòng {p.row}" if p.row else (p.sheet or "tệp")
        column = f", cột \"{p.column}\"" if p.column else ""
        value = f" = \"{p.value}\"" if p.value else ""
        tag = "Cảnh báo" if p.level == WARNING else "Lỗi"
        yield f"  {tag} [{where}{column}{value}]: {p.problem}"


__all__ = [
    "CADRE_COLUMNS", "HISTORY_COLUMNS", "SHEET_CADRES", "SHEET_HISTORY", "ImportReport",
    "ImportRefused", "Importer", "Problem", "StagingApplication", "cell_date", "cell_code",
    "cell_gender", "cell_national_id", "describe", "header_key", "import_file",
    "import_history", "read_file", "template_workbook",
]
