"""CLI commands to bring records in and get them out: export, restore, import, cv.

Exit codes as in `api.cli`: 0 success; 1 the work failed (file refused, problems in the
spreadsheet, store unreachable); 2 bad arguments.
"""

from __future__ import annotations

import os
import pwd
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer


def _operator() -> str:
    """Who runs the command (the OS account; recorded_by and the read audit say so)."""
    try:
        return f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
    except KeyError:
        return f"cli:uid{os.getuid()}"


def register(app: typer.Typer) -> None:
    """Adds `export`, `restore`, `import` and `cv` to the hoso CLI."""
    from api import cli as base

    @app.command("export")
    def export_command(
        file: Annotated[Path, typer.Argument(help="target file (.jsonl, or .jsonl.gz to "
                                                  "compress)", dir_okay=False)],
        without_keys: Annotated[bool, typer.Option(
            "--without-keys", help="leave out the personal-data keys: the copy verifies but "
                                   "its personal data stays sealed (for inspectors)")] = False,
    ) -> None:
        """Write the whole log with its integrity chain (format: docs/operations.md)."""
        from infra.access import AccessStore
        from infra.archive import ArchiveError, export_log
        from infra.clock import clock_from

        settings = base._settings()
        if file.exists():
            base.fail(f"tệp {file} đã tồn tại (file exists; choose another name)", 2)
        try:
            with base._progress() as progress:
                task = progress.add_task("Xuất sổ ghi (exporting)", total=None)
                summary = export_log(
                    settings, file, exported_at=clock_from(settings).now(),
                    include_keys=not without_keys,
                    progress=lambda done, total: progress.update(task, completed=done,
                                                                 total=max(total, 1)))
                progress.update(task, completed=summary.events, total=max(summary.events, 1))
        except ArchiveError as error:
            base.fail(error.message)
        except Exception as error:
            base.fail(f"không xuất được (export failed): {error}")
        # An export with keys reads every cadre's personal data: each cadre's read audit says
        # who took it, and when (one row per cadre, as a roster is audited).
        with base._runtime(settings) as runtime:
            m = runtime.read_model.moment()
            AccessStore.for_store(settings, runtime.engine, runtime.clock).record_reads(
                reader=_operator(), role="admin", cadre_ids=runtime.read_model.cadre_ids(),
                what="export" if not without_keys else "export_sealed", as_of=m.as_of,
                known_at=m.known_at, position=summary.head_position)
        base.out.print(f"Exported {summary.events} events and {summary.keys} keys to {file}")
        base.out.print(f"head: position {summary.head_position} hash {summary.head_hash}")

    @app.command("restore")
    def restore_command(
        file: Annotated[Path, typer.Argument(help="a file written by `hoso export`",
                                             exists=True, dir_okay=False)],
    ) -> None:
        """Load an export into an EMPTY store, verifying every link, then rebuild the read side."""
        from infra.archive import ArchiveError, restore_log
        from infra.persistence import create_database_if_missing

        settings = base._settings()
        try:
            create_database_if_missing(settings.database_url)
            with base._progress() as progress:
                task = progress.add_task("Khôi phục (restoring)", total=None)
                summary = restore_log(
                    settings, file,
                    progress=lambda done, total: progress.update(task, completed=done,
                                                                 total=max(total, done, 1)))
        except ArchiveError as error:
            where = f" (vị trí / position {error.position})" if error.position else ""
            base.fail(f"{error.message}{where}; không khôi phục gì (nothing restored)")
        except Exception as error:
            base.fail(f"không khôi phục được (restore failed): {error}")
        base.out.print(f"Restored {summary.events} events and {summary.keys} keys; head: "
                       f"position {summary.head_position} hash {summary.head_hash}")
        with base._runtime(settings) as runtime, base._progress() as progress:
            task = progress.add_task("Dựng lại bảng đọc (rebuilding)", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=max(total, done))

            applied = runtime.rebuild(progress=advance)
        base.out.print(f"Rebuilt the read side: {applied} events applied.")

    @app.command("import")
    def import_command(
        file: Annotated[Path | None, typer.Argument(help=".xlsx or .csv (UTF-8) file",
                                                    dir_okay=False)] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="validate every row through "
                                                                "the domain; record nothing")]
        = False,
        template: Annotated[Path | None, typer.Option(
            "--template", help="write the import template (.xlsx) to this file and stop",
            dir_okay=False)] = None,
        by: Annotated[str | None, typer.Option(
            "--by", help="who imports (recorded_by); default cli:<OS user>")] = None,
    ) -> None:
        """Import cadres and their career history from a spreadsheet: all rows or none."""
        from infra.importing import describe, import_file, template_workbook

        if template is not None:
            template.write_bytes(template_workbook())
            base.out.print(f"Template written to {template}")
            if file is None:
                return
        if file is None:
            base.fail("thiếu tệp cần nhập (FILE is required unless --template)", 2)
        try:
            data = file.read_bytes()
        except OSError as error:
            base.fail(f"không đọc được {file} (cannot read): {error}", 2)
        settings = base._settings()
        with base._runtime(settings) as runtime, base._progress() as progress:
            task = progress.add_task("Kiểm tra (validating)" if dry_run else "Nhập (importing)",
                                     total=None)
            report = import_file(
                runtime, data, file_name=file.name, user=by or _operator(), dry_run=dry_run,
                progress=lambda done, total: progress.update(task, completed=done,
                                                             total=max(total, 1)))
        for line in describe(report):
            base.out.print(line, markup=False, highlight=False)
        if not report.ok:
            base.out.print(f"{len(report.errors)} lỗi: không ghi nhận gì (errors: nothing "
                           "recorded)")
            raise typer.Exit(1)
        if dry_run:
            base.out.print(f"Hợp lệ: {report.events} sự kiện sẽ được ghi (valid: {report.events} "
                           "events would be recorded)")
        elif report.recorded:
            base.out.print(f"Recorded {report.events} events at positions "
                           f"{report.first_position}–{report.last_position} as "
                           f"\"{report.recorded_by}\" (import {report.import_id}).")
        else:
            base.out.print("Nothing new: the record already holds every row.")

    @app.command("cv")
    def cv_command(
        cadre_id: Annotated[str, typer.Argument(help="cadre id (UUID)")],
        output: Annotated[Path, typer.Option("-o", "--output", help="target .docx file",
                                             dir_okay=False)],
        as_of: Annotated[str | None, typer.Option("--as-of", help="business date YYYY-MM-DD "
                                                                  "(default today)")] = None,
        known_at: Annotated[str | None, typer.Option(
            "--known-at", help="instant ISO 8601 with offset (default now)")] = None,
    ) -> None:
        """Write the cadre's sơ yếu lý lịch (mẫu 2C) as of a date to a .docx file."""
        from api.documents_cv import cv_document
        from infra.access import AccessStore

        try:
            cadre = UUID(cadre_id)
        except ValueError:
            base.fail(f"CADRE_ID phải là UUID (must be a UUID): {cadre_id!r}", 2)
        try:
            day = date.fromisoformat(as_of) if as_of else None
            instant = datetime.fromisoformat(known_at) if known_at else None
        except ValueError as error:
            base.fail(f"ngày/thời điểm không hợp lệ (invalid date or instant): {error}", 2)
        if instant is not None and instant.tzinfo is None:
            base.fail("--known-at cần múi giờ, ví dụ 2026-01-01T08:00:00+07:00 (an offset is "
                      "required)", 2)
        settings = base._settings()
        with base._runtime(settings) as runtime:
            m = runtime.read_model.moment(as_of=day, known_at=instant)
            document = cv_document(runtime, cadre, m)
            if document is None:
                base.fail(f"không có cán bộ {cadre} vào thời điểm này (no such cadre then)")
            AccessStore.for_store(settings, runtime.engine, runtime.clock).record_read(
                reader=_operator(), role="admin", cadre_id=cadre, what="cv", as_of=m.as_of,
                known_at=m.known_at, position=m.position)
        output.write_bytes(document)
        base.out.print(f"Wrote {output} (as_of {m.as_of}, known_at {m.known_at.isoformat()}, "
                       f"position {m.position}).")
