"""The `hoso` command line: serve the API, issue tokens, rebuild the read side, verify the log.

Exit codes: 0 success; 1 the work failed (log not intact, store unreachable); 2 bad arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from infra.access import ROLES, AccessStore
from infra.chain import VerifyResult
from infra.clock import clock_from
from infra.settings import Settings, get_settings

if TYPE_CHECKING:
    from infra.runtime import Runtime

app = typer.Typer(
    name="hoso",
    help="Hồ sơ cán bộ: event-sourced personnel records (serve, tokens, rebuild, verify, demo).",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Bearer tokens (stored only as SHA-256 hashes).",
                        no_args_is_help=True)
app.add_typer(token_app, name="token")

err = Console(stderr=True)
out = Console(soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]Lỗi (error):[/] {message}")
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as error:  # a malformed HOSO_* variable
        fail(f"cấu hình không hợp lệ (invalid settings): {error}", 2)


@contextmanager
def _runtime(settings: Settings) -> Iterator[Runtime]:
    from infra.runtime import open_runtime

    try:
        runtime = open_runtime(settings)
    except Exception as error:
        fail(f"không mở được kho dữ liệu {settings.database_url} (cannot open the store): "
             f"{error}")
    try:
        yield runtime
    finally:
        runtime.close()


def _progress() -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=err, transient=False)


# --- serve -----------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes", min=1, max=64)] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Start the HTTP service (API v1 under /api/v1, OpenAPI docs at /docs)."""
    import uvicorn

    settings = _settings()
    # Create the store and bring the read side up once, before the workers start (as the
    # projector if none runs yet, else waiting for the one that does).
    with _runtime(settings) as runtime:
        AccessStore(runtime.engine, runtime.clock)
    from infra.persistence import open_key_store

    open_key_store(settings).close()  # the supervisor keeps no connection of its own
    embedded = settings.projector == "embedded"
    where = ("no projector here: run `hoso project`" if not embedded
             else "the projector in the worker" if workers == 1
             else "the projector in a process of its own beside the workers")
    err.print(f"hoso: {settings.database_url} → http://{host}:{port}/docs ({where})")
    if workers == 1:
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port,
                    log_level=log_level)
        return
    from api.server_processes import PortInUse, ServerProcesses

    try:
        code = ServerProcesses(host, port, workers, log_level, projector=embedded).run()
    except PortInUse as error:
        fail(f"cổng đang được dùng (the port is in use): {error}")
    if code:
        fail(f"một tiến trình của dịch vụ liên tục dừng (a process of the service keeps "
             f"stopping; exit code {code})")


@app.command()
def project(
    log_level: Annotated[str, typer.Option(help="log level")] = "info",
) -> None:
    """Run the projector on its own: apply the log to the read side as it grows, until
    stopped (SIGINT, SIGTERM). One leads; another started beside it waits and takes over
    when the leader stops. Pair it with HOSO_PROJECTOR=external on `hoso serve`."""
    import logging
    import signal
    import threading

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    settings = _settings()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    from infra.runtime import open_runtime

    try:
        runtime = open_runtime(settings, settle=False)
    except Exception as error:
        fail(f"không mở được kho dữ liệu {settings.database_url} (cannot open the store): "
             f"{error}")
    try:
        runtime.start_projector()
        err.print(f"hoso project: {settings.database_url} (waiting to lead, or leading)")
        stop.wait()
    finally:
        runtime.close()


# --- tokens ----------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="who holds it; becomes recorded_by on writes")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
    unit: Annotated[str | None, typer.Option(help="unit id: root of the subtree "
                                                  "(personnel, leader)")] = None,
    cadre: Annotated[str | None, typer.Option(help="cadre id (role self)")] = None,
    expires_days: Annotated[int | None, typer.Option(
        min=1, help="the token stops working this many days from now")] = None,
) -> None:
    """Issue a bearer token; it is printed once, on the last line of stdout. Names are unique
    (also after revocation); `admin` is reserved for HOSO_ADMIN_TOKEN."""

    if role not in ROLES:
        fail(f"vai trò không hợp lệ '{role}' (role must be one of {', '.join(ROLES)})", 2)
    unit_id = _uuid(unit, "--unit")
    cadre_id = _uuid(cadre, "--cadre")
    settings = _settings()
    with _runtime(settings) as runtime:
        m = runtime.read_model.moment()
        if unit_id is not None and runtime.read_model.unit(unit_id, m) is None:
            fail(f"không có đơn vị {unit_id} vào hôm nay (no such unit today)", 2)
        if cadre_id is not None and runtime.read_model.registered_by(cadre_id) is None:
            fail(f"không có cán bộ {cadre_id} (no such cadre)", 2)
        try:
            token = AccessStore.for_store(settings, runtime.engine, runtime.clock).create_token(
                name=name, role=role, unit_id=unit_id, cadre_id=cadre_id,
                expires_days=expires_days)
        except ValueError as error:
            fail(str(error), 2)
    scope = f" unit={unit_id}" if unit_id else ""
    scope += f" cadre={cadre_id}" if cadre_id else ""
    err.print(f"Token for [bold]{name}[/] (role {role}{scope}); it is not stored and is shown "
              "only now:")
    print(token, flush=True)


@token_app.command("list")
def token_list() -> None:
    """Every token issued: name, role, scope, created, expires, state (active, expired,
    revoked). Tokens themselves are not stored and cannot be shown."""
    settings = _settings()
    with _runtime(settings) as runtime:
        tokens = AccessStore.for_store(settings, runtime.engine, runtime.clock).tokens()
        now = runtime.clock.now()
    print("name\trole\tunit\tcadre\tcreated_at\texpires_at\tstate")
    for t in tokens:
        print("\t".join([t.name, t.role, str(t.unit_id or ""), str(t.cadre_id or ""),
                         t.created_at.isoformat(timespec="seconds"),
                         t.expires_at.isoformat(timespec="seconds") if t.expires_at else "",
                         t.state(now)]))


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="the token's name")]) -> None:
    """Revoke a token: every request and web session using it is refused from now on."""
    settings = _settings()
    with _runtime(settings) as runtime:
        done = AccessStore.for_store(settings, runtime.engine, runtime.clock).revoke(name)
    if not done:
        fail(f"không có token đang hiệu lực tên '{name}' (no active token named {name!r})", 2)
    err.print(f"Token [bold]{name}[/] revoked.")


def _uuid(value: str | None, option: str) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        fail(f"{option} phải là UUID (must be a UUID): {value!r}", 2)


# --- units ---------------------------------------------------------------------------------


@app.command()
def units(
    find: Annotated[str | None, typer.Argument(help="part of a unit's name or code "
                                                    "(diacritics optional)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="business date YYYY-MM-DD "
                                                               "(default today)")] = None,
) -> None:
    """The unit tree on a day, one unit a line: id, code, name (indented under its parent),
    to find the id a token, a report or an import needs (`hoso token create --unit ...`)."""
    from datetime import date

    from domain.values import fold

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of phải là YYYY-MM-DD (must be YYYY-MM-DD): {as_of!r}", 2)
    settings = _settings()
    with _runtime(settings) as runtime:
        runtime.catch_up()
        model = runtime.read_model
        listed = model.units(model.moment(as_of=day))
    ids = {u["id"] for u in listed}
    children: dict[UUID | None, list[dict[str, object]]] = {}
    for u in listed:
        children.setdefault(u["parent_id"] if u["parent_id"] in ids else None, []).append(u)
    wanted = fold(find).strip() if find else ""
    print("id\tcode\tname")

    def walk(parent: UUID | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: str(x["code"])):
            if not wanted or wanted in fold(f"{u['code']} {u['name']}"):
                print(f"{u['id']}\t{u['code']}\t{'  ' * depth}{u['name']}")
            walk(u["id"], depth + 1)  # type: ignore[arg-type]

    walk(None, 0)


# --- rebuild and verify ----------------------------------------------------------------------


@app.command()
def rebuild() -> None:
    """Rebuild the read side from the whole log into fresh tables, then switch atomically."""
    settings = _settings()
    with _runtime(settings) as runtime, _progress() as progress:
        task = progress.add_task("Dựng lại (rebuilding)", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, done))

        applied = runtime.rebuild(progress=advance)
        progress.update(task, completed=applied, total=max(applied, 1))
    out.print(f"Rebuilt the read side: {applied} events applied.")


def _verify_store() -> VerifyResult:
    from infra.persistence import open_log_reader

    settings = _settings()
    try:
        log = open_log_reader(settings)
    except Exception as error:
        fail(f"không mở được sổ ghi (cannot open the log): {error}")
    try:
        head = log.head()
        total = head[0] if head else 0
        with _progress() as progress:
            task = progress.add_task("Kiểm tra (verifying)", total=max(total, 1))
            result = log.verify(progress=lambda n: progress.update(task, completed=n))
            progress.update(task, completed=max(result.checked, 1) if result.ok else
                            result.checked)
    finally:
        log.close()
    return result


@app.command()
def verify(
    file: Annotated[Path | None, typer.Option(
        "--file", help="verify an exported log file (hoso export) offline instead of the store",
        exists=True, dir_okay=False)] = None,
    checkpoint: Annotated[Path | None, typer.Option(
        help="a signed checkpoint to verify offline (with --public-key)", exists=True,
        dir_okay=False)] = None,
    public_key: Annotated[Path | None, typer.Option(
        help="the service's public key (hoso keys create ... .pub)", exists=True,
        dir_okay=False)] = None,
    previous: Annotated[Path | None, typer.Option(
        help="an earlier checkpoint the new one must extend", exists=True,
        dir_okay=False)] = None,
    proof: Annotated[Path | None, typer.Option(
        help="the consistency proof from --previous to --checkpoint "
             "(GET /audit/proofs/consistency, as JSON)", exists=True, dir_okay=False)] = None,
) -> None:
    """Verify the log's integrity chain; exit code 0 only when intact.

    With --checkpoint and --public-key: verify a signed checkpoint offline, its consistency
    with --previous (given --proof or --file), and that --file holds the tree it signed.
    """
    if checkpoint is not None or public_key is not None:
        from api.cli_proofs import verify_checkpoint

        if checkpoint is None or public_key is None:
            fail("--checkpoint and --public-key go together", 2)
        verify_checkpoint(checkpoint, public_key, previous, proof, file)
        return
    if file is not None:
        from infra.archive import verify_export

        with _progress() as progress:
            task = progress.add_task("Kiểm tra tệp (verifying file)", total=None)
            result = verify_export(file, lambda n: progress.update(task, completed=n))
    else:
        result = _verify_store()
    out.print(f"checked: {result.checked}")
    out.print(f"head: position {result.head_position} hash {result.head_hash}")
    if not result.ok:
        out.print(f"[bold red]NOT INTACT[/]: first bad position {result.first_bad_position}: "
                  f"{result.problem}")
        raise typer.Exit(1)
    out.print("[bold green]intact[/]")


# --- demo ------------------------------------------------------------------------------------


@app.command()
def demo(
    profile: Annotated[str, typer.Option(help="generator profile (see docs/generator.md)")]
    = "demo",
    if_empty: Annotated[bool, typer.Option("--if-empty",
                                           help="do nothing when the log has events")] = False,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same history)")] = 2022,
    port: Annotated[int, typer.Option(help="port shown in the docs URL")] = 8000,
) -> None:
    """Record a synthetic district history (Kiến An, 2006 → today) and issue a demo admin token."""
    from infra.demo import PROFILES, BulkApplication, generate
    from infra.persistence import application_env, create_database_if_missing, open_log_reader

    if profile not in PROFILES:
        fail(f"không có hồ sơ mẫu '{profile}' (profile must be one of {', '.join(PROFILES)})", 2)
    settings = _settings()
    try:
        create_database_if_missing(settings.database_url)
        log = open_log_reader(settings)
        head = log.head()
        log.close()
    except Exception as error:
        fail(f"không mở được kho dữ liệu (cannot open the store): {error}")
    if head is not None and if_empty:
        out.print(f"The log already holds {head[0]} events; nothing generated.")
        _welcome(settings, port)
        return
    # The demo's history runs up to today: the real one, unless HOSO_CLOCK_AT pins another.
    bulk = BulkApplication(env=application_env(settings), clock=clock_from(settings),
                           horizon_days=settings.future_horizon_days)
    try:
        with _progress() as progress:
            task = progress.add_task(f"Sinh dữ liệu {profile} (generating)", total=None)
            summary = generate(bulk, profile, seed=seed,
                               progress=lambda n: progress.update(task, completed=n))
            progress.update(task, total=summary.events, completed=summary.events)
    except ValueError as error:
        fail(str(error))
    finally:
        bulk.close()
    out.print(f"Generated {summary.events} events: {summary.cadres} cadres, {summary.units} "
              f"units ({summary.seconds:.1f} s).")
    _welcome(settings, port)


def _welcome(settings: Settings, port: int) -> None:
    """Where to look, and a fresh admin token to sign in with (printed on the last line)."""
    with _progress() as progress:
        # Opening the runtime brings the read side up to the log.
        task = progress.add_task("Cập nhật bảng đọc (read side)", total=None)
        with _runtime(settings) as runtime:
            position = runtime.catch_up()
            progress.update(task, completed=position, total=max(position, 1))
            # Token names are unique: each run's demo token has its own (demo-admin-2, ...).
            store = AccessStore.for_store(settings, runtime.engine, runtime.clock)
            taken = {t.name for t in store.tokens()}
            name = next(n for n in ("demo-admin", *(f"demo-admin-{i}" for i in range(2, 10**6)))
                        if n not in taken)
            token = store.create_token(name=name, role="admin")
    out.print(f"Web UI:   http://127.0.0.1:{port}/  (sign in with the token below)")
    out.print(f"API docs: http://127.0.0.1:{port}/docs  (start with `hoso serve`)")
    out.print(f"Admin token for the demo (name {name}):")
    print(token, flush=True)


# --- entry point -----------------------------------------------------------------------------


def _register_others() -> None:
    from api import cli_archive, cli_proofs, cli_report

    cli_report.register(app)
    cli_archive.register(app)
    cli_proofs.register(app)


_register_others()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
