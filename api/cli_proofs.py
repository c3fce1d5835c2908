"""`hoso keys create`, `hoso verify --checkpoint`, `hoso verify-entry` (ADR 0006).

Everything here but `keys create` works offline, with the public key and the files only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from infra.notes import (
    COSIGNATURE,
    NoteError,
    VerifierKey,
    new_signer,
    read_verifier,
    write_key_pair,
)
from infra.verification import (
    VerificationFailed,
    check_consistency,
    check_entry_content,
    check_export,
    check_inclusion,
    check_same_log,
    load_checkpoint,
    read_json,
)

err = Console(stderr=True)
out = Console(soft_wrap=True)

ExistingFile = dict(exists=True, dir_okay=False, readable=True)


def refuse(message: str) -> NoReturn:
    out.print(f"[bold red]REFUSED[/]: {message}")
    raise typer.Exit(1)


def public_key(path: Path) -> VerifierKey:
    try:
        return read_verifier(path)
    except NoteError as error:
        err.print(f"[bold red]Lỗi (error):[/] {error}")
        raise typer.Exit(2) from None


def verify_checkpoint(checkpoint: Path, key_file: Path, previous: Path | None,
                      proof: Path | None, export: Path | None) -> None:
    """`hoso verify --checkpoint`: the signature, then consistency with what else was given."""
    key = public_key(key_file)
    try:
        new, _ = load_checkpoint(checkpoint, key)
        out.print(f"checkpoint: {new.origin}, {new.size} entries, root {new.root.hex()}")
        out.print(f"signature: valid ({key.name}+{key.id.hex()})")
        seen = [new]
        if previous is not None:
            old, _ = load_checkpoint(previous, key, "previous checkpoint")
            seen.insert(0, old)
            if proof is not None:
                check_consistency(old, new, read_json(proof, "consistency proof"))
            else:
                check_same_log(old, new)
                if export is None and old.size != new.size:
                    err.print("--previous needs --proof (GET /audit/proofs/consistency) or "
                              "--file (an export) to show consistency")
                    raise typer.Exit(2)
            out.print(f"consistent with the earlier checkpoint of {old.size} entries")
        if export is not None:
            entries = check_export(export, seen)
            out.print(f"export: {entries} entries; the signed tree is over its first "
                      f"{new.size}")
    except VerificationFailed as error:
        refuse(error.message)
    out.print("[bold green]verified[/]")


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="Ed25519 keys that sign checkpoints and certificates (ADR 0006).",
                       no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def keys_create(
        out_file: Annotated[Path, typer.Option("--out", help="the private key file to write "
                                               "(its public key goes beside it, as .pub)")],
        name: Annotated[str, typer.Option(help="key name = the log's origin line, e.g. "
                                          "hoso.kienan.haiphong.gov.vn; no spaces")],
        witness: Annotated[bool, typer.Option("--witness", help="a witness's key (cosigns "
                                              "checkpoints; C2SP cosignature/v1)")] = False,
    ) -> None:
        """Make a key pair: the private key (owner-only file) and FILE.pub to hand out."""
        try:
            signer = new_signer(name, witness=witness)
            public = write_key_pair(signer, out_file)
        except FileExistsError:
            err.print(f"[bold red]Lỗi (error):[/] {out_file} exists; a key is never overwritten")
            raise typer.Exit(2) from None
        except (NoteError, OSError) as error:
            err.print(f"[bold red]Lỗi (error):[/] {error}")
            raise typer.Exit(2) from None
        err.print(f"private key: {out_file} (keep it off the database host's backups)")
        err.print(f"public key:  {public}")
        print(signer.verifier.text(), flush=True)

    @app.command("verify-entry")
    def verify_entry(
        checkpoint: Annotated[Path, typer.Option(help="a signed checkpoint (note or JSON)",
                                                 **ExistingFile)],  # type: ignore[arg-type]
        key_file: Annotated[Path, typer.Option("--public-key", help="the service's public key",
                                               **ExistingFile)],  # type: ignore[arg-type]
        proof: Annotated[Path, typer.Option(help="GET /audit/proofs/inclusion?position&size "
                                            "saved as JSON", **ExistingFile)],  # type: ignore[arg-type]
        entry: Annotated[Path | None, typer.Option(help="the entry's line of `hoso export` "
                                                   "(JSON): its content is checked too",
                                                   **ExistingFile)] = None,  # type: ignore[arg-type]
    ) -> None:
        """Check offline that an entry is in the log a checkpoint signed."""
        key = public_key(key_file)
        try:
            signed, _ = load_checkpoint(checkpoint, key)
            document = read_json(proof, "inclusion proof")
            position, entry_hash = check_inclusion(signed, document)
            out.print(f"entry at position {position} (chain hash {entry_hash.hex()}) is in the "
                      f"signed tree of {signed.size} entries of {signed.origin}")
            if entry is not None:
                check_entry_content(document, read_json(entry, "entry"))
                out.print("its content is the one the log recorded")
        except VerificationFailed as error:
            refuse(error.message)
        out.print("[bold green]verified[/]")

    @app.command("verify-report")
    def verify_report(
        file: Annotated[Path, typer.Argument(help="a report or record: .json, .xlsx or .docx",
                                             **ExistingFile)],  # type: ignore[arg-type]
        key_file: Annotated[Path, typer.Option("--public-key", help="the service's public key",
                                               **ExistingFile)],  # type: ignore[arg-type]
        content: Annotated[bool, typer.Option(help="Word, Excel: also render the file again "
                                              "and compare what it shows")] = True,
    ) -> None:
        """Check a report's certificate offline: signature, checkpoint, proofs, digest, and
        (Word, Excel) that the visible content is the certified one."""
        from api.document_certificates import verify_file

        key = public_key(key_file)
        try:
            verified = verify_file(file, key, content=content)
        except VerificationFailed as error:
            refuse(error.message)
        out.print(f"{verified.kind}: digest sha256:{verified.digest}")
        out.print(f"computed from the log at position {verified.position}, in the checkpoint of "
                  f"{verified.size} entries signed by {key.name}+{key.id.hex()}")
        out.print(f"inclusion proofs: {verified.entries} entries")
        if verified.witnesses:
            out.print(f"checkpoint cosigned by: {', '.join(verified.witnesses)}")
        out.print("[bold green]verified[/]")

    @app.command("witness")
    def witness(
        url: Annotated[str, typer.Option(help="the service, e.g. https://hoso.kienan.gov.vn")],
        token: Annotated[str, typer.Option(help="a bearer token of the service (inspector)",
                                           envvar="HOSO_WITNESS_TOKEN")],
        log_key: Annotated[Path, typer.Option(help="the service's public key",
                                              **ExistingFile)],  # type: ignore[arg-type]
        key: Annotated[Path, typer.Option(help="this witness's private key (hoso keys create "
                                          "--witness)", **ExistingFile)],  # type: ignore[arg-type]
        state: Annotated[Path, typer.Option(help="where the last cosigned checkpoint is kept")],
        once: Annotated[bool, typer.Option("--once", help="one round; exit 1 if refused")]
        = False,
        interval: Annotated[float, typer.Option(help="seconds between rounds", min=1)] = 300,
    ) -> None:
        """Witness the service's log: cosign consistent checkpoints, refuse forked, rewritten
        or rolled-back ones (kept as evidence beside the state file)."""
        import time

        from infra.notes import read_signer
        from infra.witness import HttpService, ServiceError, Witness

        try:
            signer = read_signer(key)
        except NoteError as error:
            err.print(f"[bold red]Lỗi (error):[/] {error}")
            raise typer.Exit(2) from None
        if signer.alg != COSIGNATURE:
            err.print("[bold red]Lỗi (error):[/] --key must be a witness key (hoso keys create "
                      "--witness)")
            raise typer.Exit(2)
        watcher = Witness(public_key(log_key), signer, state)
        service = HttpService(url, token)
        while True:
            try:
                outcome = watcher.round(service)
            except (ServiceError, VerificationFailed) as error:
                message = error.message if isinstance(error, VerificationFailed) else str(error)
                err.print(f"[bold red]Lỗi (error):[/] {message}")
                if once:
                    raise typer.Exit(1) from None
            else:
                size = outcome.checkpoint.size if outcome.checkpoint else "?"
                if outcome.cosigned:
                    out.print(f"cosigned: {size} entries; {outcome.message}")
                else:
                    out.print(f"[bold red]REFUSED[/] checkpoint of {size} entries: "
                              f"{outcome.message}; kept as evidence in {outcome.evidence}")
                if once:
                    raise typer.Exit(0 if outcome.cosigned else 1)
            time.sleep(interval)
