"""Offline verification (no database): checkpoints, their consistency, entries, exports.

What an inspector, a court or a witness runs with nothing but the service's public key and the
files it was given: signed checkpoints (`infra/notes.py`), the proofs the service serves
(`/audit/proofs/...`, saved as JSON) and, optionally, a log export (`hoso export`). Every
refusal is a `VerificationFailed` saying what is wrong in words an inspector can act on.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson

from infra import merkle
from infra.merkle import ProofError
from infra.notes import Checkpoint, NoteError, VerifierKey, open_checkpoint


class VerificationFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _b64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise VerificationFailed(f"{what} is not base64") from None


def _hex(text: Any, what: str) -> bytes:
    try:
        value = bytes.fromhex(str(text))
    except ValueError:
        raise VerificationFailed(f"{what} is not hex") from None
    if len(value) != 32:
        raise VerificationFailed(f"{what} is not 32 bytes")
    return value


def read_text(path: str | os.PathLike[str], what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VerificationFailed(f"cannot read the {what} {path}: {error}") from None


def read_json(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    try:
        doc = orjson.loads(read_text(path, what))
    except orjson.JSONDecodeError:
        raise VerificationFailed(f"the {what} {path} is not JSON") from None
    if not isinstance(doc, dict):
        raise VerificationFailed(f"the {what} {path} is not a JSON object")
    return doc


def checkpoint_of(note: str, key: VerifierKey, what: str = "checkpoint") -> Checkpoint:
    try:
        return open_checkpoint(note, key)
    except NoteError as error:
        raise VerificationFailed(f"{what}: {error}") from None


def note_of(text: str) -> str:
    """A checkpoint file holds the note itself, or the JSON `GET /audit/checkpoint` answers."""
    if text.lstrip().startswith("{"):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise VerificationFailed("checkpoint file: malformed JSON") from None
        note = doc.get("cosigned_note") or doc.get("note") if isinstance(doc, dict) else None
        if not isinstance(note, str):
            raise VerificationFailed("checkpoint file: JSON without a note")
        return note
    return text


def load_checkpoint(path: str | os.PathLike[str], key: VerifierKey,
                    what: str = "checkpoint") -> tuple[Checkpoint, str]:
    note = note_of(read_text(path, what))
    return checkpoint_of(note, key, what), note


def check_same_log(old: Checkpoint, new: Checkpoint) -> None:
    if old.origin != new.origin:
        raise VerificationFailed(f"the checkpoints are of different logs ({old.origin!r}, "
                                 f"{new.origin!r})")
    if new.size < old.size:
        raise VerificationFailed(f"the log was rolled back: it now has {new.size} entries, an "
                                 f"earlier checkpoint saw {old.size}")
    if new.size == old.size and new.root != old.root:
        raise VerificationFailed(f"the log was forked: two different trees of {old.size} "
                                 "entries, both signed")


def check_consistency(old: Checkpoint, new: Checkpoint, proof: Mapping[str, Any]) -> None:
    """`proof` is the JSON of `GET /audit/proofs/consistency?from=old.size&to=new.size`."""
    check_same_log(old, new)
    if old.size == new.size or old.size == 0:
        return
    if proof.get("from_size") != old.size or proof.get("to_size") != new.size:
        raise VerificationFailed(f"the consistency proof is from {proof.get('from_size')} to "
                                 f"{proof.get('to_size')}, not {old.size} to {new.size}")
    path = [_b64(h, "proof hash") for h in proof.get("proof") or []]
    try:
        merkle.verify_consistency(old.size, new.size, old.root, new.root, path)
    except ProofError as error:
        raise VerificationFailed(f"the new checkpoint does not extend the earlier one: {error}; "
                                 "entries were changed, removed or inserted, or the log was "
                                 "forked") from None


@dataclass(frozen=True)
class ExportRoots:
    entries: int
    roots: dict[int, bytes]  # tree size -> root over the export's first entries


def export_roots(path: str | os.PathLike[str], sizes: Iterable[int]) -> ExportRoots:
    """Check an export's chain (infra/archive.py) and compute the tree's root at each size."""
    from infra.archive import ArchiveError, EventLine, ExportReader

    wanted = set(sizes)
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted else {}
    frontier = merkle.Frontier()
    reader = ExportReader(path)
    try:
        for item in reader.items():
            if isinstance(item, EventLine):
                frontier.append(merkle.leaf_hash(item.hash))
                if frontier.size in wanted:
                    roots[frontier.size] = frontier.root()
    except ArchiveError as error:
        raise VerificationFailed(f"the export is not intact at position {error.position}: "
                                 f"{error.message}") from None
    return ExportRoots(frontier.size, roots)


def check_export(path: str | os.PathLike[str], checkpoints: Iterable[Checkpoint]) -> int:
    """Each checkpoint's tree must be the tree over the export's first entries."""
    listed = list(checkpoints)
    found = export_roots(path, [c.size for c in listed])
    for c in listed:
        if c.size > found.entries:
            raise VerificationFailed(f"the log was rolled back: the export holds {found.entries} "
                                     f"entries, a checkpoint saw {c.size}")
        if found.roots[c.size] != c.root:
            raise VerificationFailed(f"the export's first {c.size} entries are not those the "
                                     "checkpoint signed: entries were changed, removed, swapped "
                                     "or inserted underneath the service")
    return found.entries


def check_inclusion(checkpoint: Checkpoint, proof: Mapping[str, Any]) -> tuple[int, bytes]:
    """`proof` is the JSON of `GET /audit/proofs/inclusion`; returns (position, entry hash)."""
    try:
        position = int(proof["entry_position"])
        leaf = int(proof["leaf_index"])
        size = int(proof["size"])
    except (KeyError, TypeError, ValueError):
        raise VerificationFailed("the inclusion proof lacks entry_position, leaf_index or "
                                 "size") from None
    if size != checkpoint.size:
        raise VerificationFailed(f"the inclusion proof is for a tree of {size} entries, the "
                                 f"checkpoint's has {checkpoint.size}")
    entry_hash = _hex(proof.get("entry_hash"), "entry_hash")
    path = [_b64(h, "proof hash") for h in proof.get("proof") or []]
    try:
        merkle.verify_inclusion(leaf, size, merkle.leaf_hash(entry_hash), path, checkpoint.root)
    except ProofError as error:
        raise VerificationFailed(f"the entry at position {position} is not in the signed tree: "
                                 f"{error}") from None
    return position, entry_hash


def check_entry_content(proof: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    """An entry as `hoso export` writes it must be the one the proof's chain hash commits to."""
    from infra.chain import link_hash

    try:
        position = int(entry["position"])
        originator = UUID(str(entry["originator_id"]))
        version = int(entry["version"])
        topic = str(entry["topic"]).encode()
        state = base64.b64decode(str(entry["state"]), validate=True)
        recorded_at = str(entry["recorded_at"]).encode()
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise VerificationFailed("the entry file is not an event line of `hoso export`") \
            from None
    if position != proof.get("entry_position"):
        raise VerificationFailed(f"the entry is at position {position}, the proof at "
                                 f"{proof.get('entry_position')}")
    previous = _hex(proof.get("previous_hash"), "previous_hash")
    computed = link_hash(previous, position, originator.bytes, version, topic, state,
                         recorded_at)
    if computed != _hex(proof.get("entry_hash"), "entry_hash"):
        raise VerificationFailed(f"the entry at position {position} is not the one the log "
                                 "recorded: its content was altered")
