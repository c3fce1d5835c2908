"""Signed checkpoints, inclusion and consistency proofs, witnesses' cosignatures (ADR 0006).

Checkpoints and proofs are hashes and sizes only: no personal data, so every role may read
them (a witness, a court, the national database get a token of any role). Cosignatures are
sent by witnesses, which act for an inspecting body: admin and inspector.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.deps import get_runtime
from api.errors import problem_responses
from api.schemas import (
    CheckpointOut,
    CheckpointsOut,
    ConsistencyProofOut,
    CosignatureIn,
    CosignatureOut,
    CosignatureReceipt,
    InclusionProofOut,
)
from api.security import ADMIN, ALL_ROLES, INSPECTOR, Principal, get_principal, require_role
from domain.errors import InvalidCommand, NotFound
from infra.certificates import Certifier
from infra.checkpoints import LOG, CheckpointStore, StoredCheckpoint
from infra.log_tree import TreeReader
from infra.merkle import ProofError
from infra.notes import NoteError, SignerKey, parse_verifier

if TYPE_CHECKING:
    from infra.runtime import Runtime

router = APIRouter(tags=["audit"])

PROBLEMS = problem_responses(400, 401, 403, 404, 422)

# Positions and sizes beyond 2**62 are not log positions (and overflow SQLite's integers).
MAX_POSITION = 2**62

TreeQuery = Annotated[Literal["log", "reads"], Query(
    description="`log`: the record's log; `reads`: the read audit (who read whose file)")]


def get_checkpoints(request: Request) -> CheckpointStore:
    store: CheckpointStore = request.app.state.checkpoints
    return store


def get_certifier(request: Request) -> Certifier:
    certifier: Certifier = request.app.state.certifier
    return certifier


def get_signer(request: Request) -> SignerKey | None:
    signer: SignerKey | None = request.app.state.signer
    return signer


def tree_of(runtime: Runtime, tree: str) -> TreeReader:
    """The tree, with the log's grown to the chain's head first (it trails by up to a second;
    the read audit's grows with each read)."""
    if tree == LOG:
        runtime.log.grow_tree()
    return runtime.trees[tree]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def covered_position(reader: TreeReader, size: int) -> int:
    got = reader.rows(f"SELECT position FROM {reader.tables.leaves} WHERE leaf = ?",
                      (size - 1,)) if size else []
    return int(got[0][0]) if got else 0


def checkpoint_out(stored: StoredCheckpoint, reader: TreeReader, runtime: Runtime,
                   public_key: str) -> CheckpointOut:
    m = runtime.read_model.moment()
    c = stored.checkpoint
    return CheckpointOut(
        as_of=m.as_of, known_at=m.known_at, position=m.position, tree=stored.tree,
        origin=c.origin, size=c.size, root=_b64(c.root),
        covers_position=covered_position(reader, c.size), note=stored.note,
        cosigned_note=stored.cosigned_note(), created_at=stored.created_at,
        public_key=public_key,
        cosignatures=[CosignatureOut(witness=x.witness, witness_key=x.witness_key,
                                     cosigned_at=x.cosigned_at) for x in stored.cosignatures])


def _public_key(stored: StoredCheckpoint, signer: SignerKey | None) -> str:
    if signer is not None and signer.verifier.id.hex() == stored.note_key_id:
        return signer.verifier.text()
    return ""


def issue_checkpoint(runtime: Runtime, store: CheckpointStore, signer: SignerKey | None,
                     tree: str = LOG) -> StoredCheckpoint:
    if signer is None:
        raise NotFound("Dịch vụ chưa có khóa ký (no signing key: set HOSO_SIGNING_KEY to a file "
                       "made by `hoso keys create`)", code="no_signing_key")
    return store.issue(tree_of(runtime, tree), signer, runtime.now(), tree)


@router.get("/audit/checkpoint", response_model=CheckpointOut, responses=PROBLEMS,
            summary="Điểm kiểm tra có chữ ký (signed checkpoint of the log)",
            operation_id="audit_checkpoint")
def audit_checkpoint(tree: TreeQuery = "log",
                     size: int | None = Query(None, ge=0, le=MAX_POSITION, description="a kept checkpoint of "
                                              "this size; default: the log as it is now"),
                     format: Literal["json", "note"] = Query("json", description="`note`: the "
                                                             "cosigned note as text/plain"),
                     p: Principal = Depends(get_principal),
                     runtime: Runtime = Depends(get_runtime),
                     store: CheckpointStore = Depends(get_checkpoints),
                     signer: SignerKey | None = Depends(get_signer)) -> Response | CheckpointOut:
    require_role(p, *ALL_ROLES)
    if size is None:
        stored = issue_checkpoint(runtime, store, signer, tree)
    else:
        found = store.at_size(size, tree)
        if found is None:
            raise NotFound(f"Không có điểm kiểm tra cỡ {size} (no checkpoint of size {size})",
                           code="checkpoint_not_found", field="size")
        stored = found
    if format == "note":
        return PlainTextResponse(stored.cosigned_note())
    return checkpoint_out(stored, tree_of(runtime, tree), runtime, _public_key(stored, signer))


@router.get("/audit/checkpoints", response_model=CheckpointsOut, responses=PROBLEMS,
            summary="Các điểm kiểm tra đã ký, mới nhất trước (kept checkpoints, newest first)",
            operation_id="audit_checkpoints")
def audit_checkpoints(tree: TreeQuery = "log", limit: int = Query(100, ge=1, le=1000),
                      p: Principal = Depends(get_principal),
                      runtime: Runtime = Depends(get_runtime),
                      store: CheckpointStore = Depends(get_checkpoints),
                      signer: SignerKey | None = Depends(get_signer)) -> CheckpointsOut:
    require_role(p, *ALL_ROLES)
    m = runtime.read_model.moment()
    reader = tree_of(runtime, tree)
    return CheckpointsOut(as_of=m.as_of, known_at=m.known_at, position=m.position, tree=tree,
                          checkpoints=[checkpoint_out(s, reader, runtime, _public_key(s, signer))
                                       for s in store.history(tree, limit)])


def _size_or_latest(size: int | None, reader: TreeReader, store: CheckpointStore,
                    tree: str) -> int:
    """Proofs default to the latest checkpoint's tree: the one a verifier holds."""
    if size is not None:
        return size
    latest = store.latest(tree)
    return latest.size if latest is not None else reader.size()


def _proof_refused(error: ProofError, field: str) -> InvalidCommand:
    return InvalidCommand(f"Không lập được chứng minh (no such proof): {error}",
                          code="proof_unavailable", field=field)


@router.get("/audit/proofs/inclusion", response_model=InclusionProofOut, responses=PROBLEMS,
            summary="Chứng minh một mục thuộc cây (inclusion proof of a log position)",
            operation_id="audit_inclusion_proof")
def inclusion_proof(position: int = Query(ge=1, le=MAX_POSITION, description="the log position (entry)"),
                    size: int | None = Query(None, ge=1, le=MAX_POSITION, description="tree size; default: "
                                             "the latest checkpoint's (else the tree's)"),
                    tree: TreeQuery = "log",
                    p: Principal = Depends(get_principal),
                    runtime: Runtime = Depends(get_runtime),
                    store: CheckpointStore = Depends(get_checkpoints)) -> InclusionProofOut:
    require_role(p, *ALL_ROLES)
    reader = tree_of(runtime, tree)
    try:
        proof = reader.inclusion(position, _size_or_latest(size, reader, store, tree))
    except ProofError as error:
        raise _proof_refused(error, "position") from None
    m = runtime.read_model.moment()
    return InclusionProofOut(as_of=m.as_of, known_at=m.known_at, position=m.position, tree=tree,
                             entry_position=proof.position, leaf_index=proof.leaf_index,
                             size=proof.size, entry_hash=proof.entry_hash.hex(),
                             previous_hash=proof.previous_hash.hex(),
                             root=_b64(proof.root), proof=[_b64(h) for h in proof.path])


@router.get("/audit/proofs/consistency", response_model=ConsistencyProofOut, responses=PROBLEMS,
            summary="Chứng minh cây cũ là tiền tố của cây mới (consistency proof)",
            operation_id="audit_consistency_proof")
def consistency_proof(from_: int = Query(alias="from", ge=1, le=MAX_POSITION, description="earlier size"),
                      to: int | None = Query(None, ge=1, le=MAX_POSITION, description="later size; default: "
                                             "the latest checkpoint's (else the tree's)"),
                      tree: TreeQuery = "log",
                      p: Principal = Depends(get_principal),
                      runtime: Runtime = Depends(get_runtime),
                      store: CheckpointStore = Depends(get_checkpoints)) -> ConsistencyProofOut:
    require_role(p, *ALL_ROLES)
    reader = tree_of(runtime, tree)
    to = _size_or_latest(to, reader, store, tree)
    try:
        proof = reader.consistency(from_, to)
    except ProofError as error:
        raise _proof_refused(error, "from" if from_ > to else "to") from None
    m = runtime.read_model.moment()
    return ConsistencyProofOut(as_of=m.as_of, known_at=m.known_at, position=m.position,
                               tree=tree, from_size=proof.old_size, to_size=proof.new_size,
                               from_root=_b64(proof.old_root), to_root=_b64(proof.new_root),
                               proof=[_b64(h) for h in proof.path])


@router.post("/audit/checkpoint/cosignatures", response_model=CosignatureReceipt,
             status_code=201, responses=problem_responses(400, 401, 403, 404, 422),
             summary="Nhân chứng đồng ký một điểm kiểm tra (a witness's cosignature)",
             operation_id="audit_cosign")
def cosign_checkpoint(body: CosignatureIn, tree: TreeQuery = "log",
                      p: Principal = Depends(get_principal),
                      runtime: Runtime = Depends(get_runtime),
                      store: CheckpointStore = Depends(get_checkpoints)) -> CosignatureReceipt:
    require_role(p, ADMIN, INSPECTOR)
    try:
        witness = parse_verifier(body.witness_key)
        size = int(body.note.split("\n")[1])
    except (NoteError, IndexError, ValueError) as error:
        raise InvalidCommand(f"Khóa nhân chứng hoặc ghi chú sai (bad witness key or note): "
                             f"{error}", code="invalid_cosignature", field="witness_key") \
            from None
    checkpoint = store.at_size(size, tree)
    if checkpoint is None:
        raise NotFound(f"Không có điểm kiểm tra cỡ {size} (no checkpoint of size {size})",
                       code="checkpoint_not_found", field="note")
    try:
        stored = store.add_cosignature(checkpoint, body.note, witness, runtime.now())
    except NoteError as error:
        raise InvalidCommand(f"Chữ ký đồng ký không hợp lệ (cosignature refused): {error}",
                             code="invalid_cosignature", field="note") from None
    return CosignatureReceipt(id=stored.id, size=stored.size,
                              position=covered_position(tree_of(runtime, tree), stored.size),
                              witnesses=[c.witness for c in stored.cosignatures])

