"""Report certificates: a signed statement tying a document's digest to the signed log (ADR 0006).

A certificate travels inside the document it certifies (a JSON answer's `certificate`, a Word
or Excel file's properties) and holds

- `statement`: a C2SP signed note by the service's key, whose text is
  ``hoso-certificate/v1 / <origin> / <kind> / sha256:<digest> / position <p> /
  checkpoint <size> <root>`` (one a line): this digest was computed from the log at position p,
  which is in the signed tree of that size and root;
- `checkpoint`: that signed checkpoint (with the witnesses' cosignatures known at the time);
- `entries`: the inclusion proofs of position p and of every entry the document cites (a
  record's entries), as `GET /audit/proofs/inclusion` answers them;
- `code`: the short form printed in a document's footer.

`verify_certificate` checks all of it offline with the public key alone.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from infra.checkpoints import LOG, CheckpointStore
from infra.log_tree import InclusionProof, TreeReader
from infra.merkle import ProofError
from infra.notes import (
    NoteError,
    SignerKey,
    VerifierKey,
    read_signer,
    sign_note,
    split_note,
    verify_note,
)
from infra.verification import VerificationFailed, check_inclusion, checkpoint_of

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from infra.runtime import Runtime

FORMAT = "hoso-certificate/v1"
FIELD = "certificate"


def canonical_digest(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8), as reports' `digest`."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def without_certificate(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != FIELD}


def proof_json(proof: InclusionProof) -> dict[str, Any]:
    """The shape of `GET /audit/proofs/inclusion` (without the moment)."""
    b64 = base64.b64encode
    return {"entry_position": proof.position, "leaf_index": proof.leaf_index,
            "size": proof.size, "entry_hash": proof.entry_hash.hex(),
            "previous_hash": proof.previous_hash.hex(), "root": b64(proof.root).decode(),
            "proof": [b64(h).decode() for h in proof.path]}


def statement_text(origin: str, kind: str, digest: str, position: int, size: int,
                   root: bytes) -> str:
    root64 = base64.b64encode(root).decode()
    return (f"{FORMAT}\n{origin}\n{kind}\nsha256:{digest}\nposition {position}\n"
            f"checkpoint {size} {root64}\n")


def footer_code(statement: str) -> str:
    """The line printed in a document's footer (under Excel's 255-character limit): origin,
    position, tree size, the digest's first 16 hex digits and the statement's signature, so a
    paper copy names the certificate it was printed with."""
    text, (signature, *_) = split_note(statement)
    lines = text.rstrip("\n").split("\n")
    digest = lines[3].removeprefix("sha256:")
    position = lines[4].removeprefix("position ")
    size = lines[5].split(" ")[1]
    sig = base64.b64encode(signature.id + signature.blob).decode()
    return f"HOSO-CERT {lines[1]} p{position} n{size} {digest[:16]} {sig}"


@dataclass
class Certifier:
    """Seals documents with a certificate when the service has a signing key."""

    store: CheckpointStore
    signer: SignerKey | None
    tree: TreeReader
    now: Callable[[], datetime]
    grow: Callable[[], int]  # the log's tree up to the chain's head (LogReader.grow_tree)

    def seal(self, document: dict[str, Any], *, kind: str, digest: str, position: int,
             cited: Iterable[int] = ()) -> dict[str, Any]:
        if self.signer is None:
            return document
        self.grow()
        checkpoint = self.store.issue(self.tree, self.signer, self.now(), LOG)
        c = checkpoint.checkpoint
        positions = sorted({p for p in (position, *cited) if p > 0})
        entries = [proof_json(self.tree.inclusion(p, c.size)) for p in positions]
        statement = sign_note(statement_text(c.origin, kind, digest, position, c.size, c.root),
                          self.signer)
        return {**document, FIELD: {"format": FORMAT, "statement": statement,
                                    "checkpoint": checkpoint.cosigned_note(),
                                    "entries": entries, "code": footer_code(statement)}}

    def seal_report(self, report: dict[str, Any]) -> dict[str, Any]:
        """A report: its own `digest` (of the body) and `position` are what is signed."""
        return self.seal(report, kind=f"report/{report['report']}", digest=report["digest"],
                         position=int(report["position"]))

    def seal_record(self, record: dict[str, Any], cited: Iterable[int]) -> dict[str, Any]:
        """A hồ sơ công vụ (JSON as served): the digest covers all of it, moment included."""
        return self.seal(record, kind=f"record/{record['cadre_id']}",
                         digest=canonical_digest(without_certificate(record)),
                         position=int(record["position"]), cited=cited)


@dataclass(frozen=True)
class Verified:
    kind: str
    digest: str
    position: int
    size: int
    origin: str
    entries: int
    witnesses: tuple[str, ...]


def verify_certificate(certificate: Mapping[str, Any], digest: str, key: VerifierKey,
                       position: int | None = None) -> Verified:
    """Every check a verifier makes; `digest` is recomputed by the caller from the document."""
    if certificate.get("format") != FORMAT:
        raise VerificationFailed(f"not a {FORMAT} certificate")
    try:
        text = verify_note(str(certificate.get("statement")), key)
    except NoteError as error:
        raise VerificationFailed(f"certificate statement: {error}") from None
    lines = text.rstrip("\n").split("\n")
    if len(lines) != 6 or lines[0] != FORMAT:
        raise VerificationFailed("malformed certificate statement")
    _, origin, kind, digest_line, position_line, checkpoint_line = lines
    try:
        stated_position = int(position_line.removeprefix("position "))
        _, size_text, root64 = checkpoint_line.split(" ")
        size = int(size_text)
    except ValueError:
        raise VerificationFailed("malformed certificate statement") from None
    if digest_line != f"sha256:{digest}":
        raise VerificationFailed(f"the document's digest is sha256:{digest}, the certificate "
                                 f"signed {digest_line}: the document was altered")
    if position is not None and position != stated_position:
        raise VerificationFailed(f"the document says position {position}, the certificate "
                                 f"{stated_position}")
    checkpoint = checkpoint_of(str(certificate.get("checkpoint")), key, "certificate checkpoint")
    if (checkpoint.origin, checkpoint.size,
            base64.b64encode(checkpoint.root).decode()) != (origin, size, root64):
        raise VerificationFailed("the certificate's checkpoint is not the one its statement "
                                 "names")
    proven: set[int] = set()
    for entry in certificate.get("entries") or []:
        if not isinstance(entry, Mapping):
            raise VerificationFailed("malformed entry proof")
        try:
            at, _ = check_inclusion(checkpoint, entry)
        except ProofError as error:
            raise VerificationFailed(str(error)) from None
        proven.add(at)
    if stated_position > 0 and stated_position not in proven:
        raise VerificationFailed(f"no inclusion proof for position {stated_position}")
    witnesses = tuple(s.name for s in split_note(str(certificate["checkpoint"]))[1][1:])
    return Verified(kind, digest, stated_position, size, origin, len(proven), witnesses)


# `letter`: how one office sent the figures on one day (api/report_letter.py), not figures.
REPORT_OUTSIDE_DIGEST = ("digest", "known_at", "position", "letter", FIELD)


def verify_document(document: Mapping[str, Any], key: VerifierKey) -> Verified:
    """A sealed JSON document: a report (its `digest` recomputed from its body) or a record."""
    certificate = document.get(FIELD)
    if not isinstance(certificate, Mapping):
        raise VerificationFailed("the document carries no certificate")
    position = document.get("position")
    if "report" in document and "digest" in document:
        body = {k: v for k, v in document.items() if k not in REPORT_OUTSIDE_DIGEST}
        digest = canonical_digest(body)
        if digest != document["digest"]:
            raise VerificationFailed(f"the report's figures digest to {digest}, not to the "
                                     f"digest it shows ({document['digest']}): it was altered")
    else:
        digest = canonical_digest(without_certificate(document))
    return verify_certificate(certificate, digest, key,
                              position if isinstance(position, int) else None)


def certifier_for(runtime: Runtime, durable: Engine) -> Certifier:
    """The certifier of a process: checkpoints on the durable engine (beside the tokens), the
    key named by `HOSO_SIGNING_KEY` (none: documents go out unsealed)."""
    settings = runtime.settings
    signer = read_signer(settings.signing_key) if settings.signing_key else None
    return Certifier(CheckpointStore(durable), signer, runtime.trees[LOG], runtime.now,
                     runtime.log.grow_tree)
