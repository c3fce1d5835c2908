"""`hoso report ...`: the same reports as the API, written to a Word, Excel or JSON file.

The format follows the output file's suffix (.docx, .xlsx, .json); without `-o` the JSON goes
to stdout. Every report says which `as_of`, `known_at`, log position and digest it reflects, so
an inspector can ask for exactly the same report again with `--known-at`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from uuid import UUID

import typer
from rich.console import Console

from domain.errors import DomainError
from infra.clock import clock_from
from infra.settings import get_settings

if TYPE_CHECKING:
    from infra.runtime import Runtime
    from projections.read_model import Moment

err = Console(stderr=True)
SUFFIXES = (".docx", ".xlsx", ".json")

Output = Annotated[Path | None, typer.Option("--output", "-o", help="file to write: .docx (Word), "
                                             ".xlsx (Excel) or .json; default JSON on stdout")]
Unit = Annotated[str | None, typer.Option("--unit", help="unit id: only posts in that unit's "
                                          "subtree (the tree of the date)")]
Tier = Annotated[str | None, typer.Option("--tier", help="management tier (diện quản lý), "
                                          "e.g. quan_uy")]
KnownAt = Annotated[str | None, typer.Option("--known-at", help="instant (ISO 8601 with offset): "
                                             "the record as known then; default now")]
From = Annotated[str, typer.Option("--from", help="first day YYYY-MM-DD (inclusive)")]
To = Annotated[str, typer.Option("--to", help="last day YYYY-MM-DD (inclusive)")]


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]Lỗi (error):[/] {message}")
    raise typer.Exit(code)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} phải có dạng YYYY-MM-DD (must be a date): {value!r}")


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--known-at phải là thời điểm ISO 8601 (must be an instant): {value!r}")
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _unit(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        _fail(f"--unit phải là UUID (must be a UUID): {value!r}")


@contextmanager
def _runtime() -> Iterator[Runtime]:
    from infra.runtime import open_runtime
    from infra.settings import get_settings

    try:
        settings = get_settings()
    except Exception as error:  # a malformed HOSO_* variable
        _fail(f"cấu hình không hợp lệ (invalid settings): {error}")
    try:
        runtime = open_runtime(settings)
    except Exception as error:
        _fail(f"không mở được kho dữ liệu {settings.database_url} (cannot open the store): "
              f"{error}", 1)
    try:
        yield runtime
    finally:
        runtime.close()


def _produce(output: Path | None, as_of: date | None, known_at: str | None,
             build: Callable[[Runtime, Moment], dict[str, Any]]) -> None:
    """Open the store, answer for the moment asked, write the file."""
    from api import documents
    from api.report_letter import lettered
    from infra.access import AccessStore
    from infra.certificates import certifier_for

    if output is not None and output.suffix.lower() not in SUFFIXES:
        _fail(f"tệp phải có đuôi {', '.join(SUFFIXES)} (output must end in one of them): "
              f"{output}")
    instant = _instant(known_at)
    with _runtime() as runtime:
        runtime.catch_up()
        m = runtime.read_model.moment(as_of=as_of, known_at=instant)
        try:
            report = build(runtime, m)
        except DomainError as error:
            _fail(error.message)
        report = certifier_for(runtime, AccessStore.for_store(runtime.settings, runtime.engine,
                                                              runtime.clock).engine
                               ).seal_report(report)
        if output is not None and output.suffix.lower() == ".docx":
            report = lettered(runtime, report)  # signed today, by the settings' office
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if output is None:
        print(text)
        return
    suffix = output.suffix.lower()
    if suffix == ".docx":
        output.write_bytes(documents.docx_bytes(report))
    elif suffix == ".xlsx":
        output.write_bytes(documents.xlsx_bytes(report))
    else:
        output.write_text(text + "\n", encoding="utf-8")
    err.print(f"Đã ghi {output} (wrote): as_of {report['as_of']}, known_at {report['known_at']}, "
              f"position {report['position']}")
    print(f"digest {report['digest']}")


def register(app: typer.Typer) -> None:
    """Adds `hoso report ...` to the hoso CLI."""
    from projections import reports

    group = typer.Typer(help="Báo cáo (reports) for any past date, as known at any moment, to "
                             "Word, Excel or JSON.", no_args_is_help=True)
    app.add_typer(group, name="report")

    @group.command("monthly")
    def monthly(month: Annotated[str | None, typer.Option(help="YYYY-MM: one calendar month")]
                = None,
                period: Annotated[str | None, typer.Option(
                    help="YYYY-MM: one reporting period (HOSO_REPORTING_PERIOD_START_DAY); "
                         "default, without --month: the last closed")] = None,
                unit: Unit = None, tier: Tier = None, known_at: KnownAt = None,
                output: Output = None) -> None:
        """The monthly report (due before the 28th): headcount at the period's end, its
        actions, training and vetting, the latest evaluation period closed. Without --month,
        the monthly cycle's reporting period, by default the last closed (as the API)."""
        from domain.reporting_periods import last_closed_period, reporting_period
        from projections import monthly_cycle

        unit_id = _unit(unit)
        if month is None:
            settings = get_settings()
            start_day = settings.reporting_period_start_day
            try:
                chosen_period = (reporting_period(period, start_day) if period else
                                 last_closed_period(clock_from(settings).today(), start_day))
            except DomainError as error:
                _fail(error.message)
            _produce(output, chosen_period.last, known_at,
                     lambda rt, m: monthly_cycle.period_report(rt.read_model, chosen_period, m,
                                                               tier, unit_id))
            return
        try:
            _, last = reports.month_days(month)
        except DomainError as error:
            _fail(error.message)
        _produce(output, last, known_at, lambda rt, m: reports.monthly(
            rt.read_model, month, m, tier, unit_id))

    @group.command("summary")
    def summary(from_: From, to: To, unit: Unit = None, tier: Tier = None,
                period: Annotated[str | None, typer.Option(help="evaluation period YYYY or "
                                                           "YYYY-Qn")] = None,
                known_at: KnownAt = None, output: Output = None) -> None:
        """The report of a span, as seed 000 is (e.g. one year of a plan)."""
        first, last = _day(from_, "--from"), _day(to, "--to")
        assert first is not None and last is not None
        unit_id = _unit(unit)
        _produce(output, last, known_at, lambda rt, m: reports.summary(
            rt.read_model, first, last, m, tier, unit_id, period=period))

    @group.command("cadre-quality")
    def cadre_quality(as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default "
                                                                "today")] = None,
                      unit: Unit = None, tier: Tier = None, known_at: KnownAt = None,
                      output: Output = None) -> None:
        """Cadres on a date: total, women, under 35, breakdowns, the ministry's BM01 table."""
        day, unit_id = _day(as_of, "--as-of"), _unit(unit)
        _produce(output, day, known_at, lambda rt, m: reports.cadre_quality(
            rt.read_model, m, tier, unit_id))

    @group.command("evaluations")
    def evaluations(period: Annotated[str, typer.Option(help="YYYY or YYYY-Qn")],
                    unit: Unit = None, tier: Tier = None, known_at: KnownAt = None,
                    output: Output = None) -> None:
        """Ratings of a period, count and percent of those evaluated."""
        unit_id = _unit(unit)
        try:
            _, last = reports.period_days(period)
        except DomainError as error:
            _fail(error.message)
        _produce(output, last, known_at, lambda rt, m: reports.evaluations(
            rt.read_model, period, m, tier, unit_id))

    @group.command("actions")
    def actions(from_: From, to: To, unit: Unit = None, tier: Tier = None,
                known_at: KnownAt = None, output: Output = None) -> None:
        """Personnel actions by kind (nominations as giới thiệu ứng cử) and endings by reason."""
        first, last = _day(from_, "--from"), _day(to, "--to")
        assert first is not None and last is not None
        unit_id = _unit(unit)
        _produce(output, last, known_at, lambda rt, m: reports.actions(
            rt.read_model, first, last, m, tier, unit_id))

    @group.command("training")
    def training(from_: From, to: To, unit: Unit = None, tier: Tier = None,
                 known_at: KnownAt = None, output: Output = None) -> None:
        """Training by programme: started and completed in the span."""
        first, last = _day(from_, "--from"), _day(to, "--to")
        assert first is not None and last is not None
        unit_id = _unit(unit)
        _produce(output, last, known_at, lambda rt, m: reports.training(
            rt.read_model, first, last, m, tier, unit_id))

    @group.command("vettings")
    def vettings(from_: From, to: To, unit: Unit = None, tier: Tier = None,
                 known_at: KnownAt = None, output: Output = None) -> None:
        """Political vetting by purpose and conclusion."""
        first, last = _day(from_, "--from"), _day(to, "--to")
        assert first is not None and last is not None
        unit_id = _unit(unit)
        _produce(output, last, known_at, lambda rt, m: reports.vettings(
            rt.read_model, first, last, m, tier, unit_id))
