"""Signed notes (C2SP signed-note), checkpoints (C2SP tlog-checkpoint) and cosignatures
(C2SP tlog-cosignature), with Ed25519 keys in the textual formats of Go's
golang.org/x/mod/sumdb/note, so other transparency tooling reads our keys and notes (ADR 0006).

    note      = text (ends with "\\n") + "\\n" + one line per signature:
                "— <key name> <base64(key id (4 bytes) || signature)>\\n"
    key id    = SHA-256(name || "\\n" || alg || public key)[:4]; alg 0x01 Ed25519 (the log's
                signatures), 0x04 Ed25519 cosignature/v1 (a witness's)
    vkey      = "<name>+<key id hex>+<base64(alg || public key)>"   (the public key file)
    skey      = "PRIVATE+KEY+<name>+<key id hex>+<base64(alg || seed)>"   (the private key file)
    checkpoint text = "<origin>\\n<tree size>\\n<base64 root hash>\\n"
    cosignature: over "cosignature/v1\\ntime <unix seconds>\\n" + checkpoint text; its line
                carries base64(key id || time as 8 bytes big-endian || signature)
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE = 0x04
DASH = "\u2014"
_COSIGNATURE_HEADER = "cosignature/v1\ntime {}\n"


class NoteError(ValueError):
    """A key, note or checkpoint that is malformed or whose signature does not verify."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, alg: int, public: bytes) -> bytes:
    return sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    alg: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.alg, self.public)

    def text(self) -> str:
        return f"{self.name}+{self.id.hex()}+{_b64(bytes([self.alg]) + self.public)}"

    def check(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    name: str
    alg: int
    seed: bytes

    @property
    def verifier(self) -> VerifierKey:
        public = _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())
        return VerifierKey(self.name, self.alg, public)

    def text(self) -> str:
        v = self.verifier
        return f"PRIVATE+KEY+{self.name}+{v.id.hex()}+{_b64(bytes([self.alg]) + self.seed)}"

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def new_signer(name: str, *, witness: bool = False) -> SignerKey:
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return SignerKey(_check_name(name), COSIGNATURE if witness else ED25519, seed)


def _key_parts(text: str, what: str) -> tuple[str, bytes, int, bytes]:
    parts = text.strip().split("+", 2)  # base64 may hold "+"
    if len(parts) != 3:
        raise NoteError(f"{what}: expected name+keyid+key")
    name, hex_id, blob = parts
    raw = _unb64(blob, what)
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE):
        raise NoteError(f"{what}: not an Ed25519 key")
    try:
        claimed = bytes.fromhex(hex_id)
    except ValueError:
        raise NoteError(f"{what}: key id is not hex") from None
    return _check_name(name), claimed, raw[0], raw[1:]


def parse_verifier(text: str) -> VerifierKey:
    name, claimed, alg, public = _key_parts(text, "public key")
    key = VerifierKey(name, alg, public)
    if key.id != claimed:
        raise NoteError("public key: key id does not match the key")
    return key


def parse_signer(text: str) -> SignerKey:
    prefix = "PRIVATE+KEY+"
    if not text.startswith(prefix):
        raise NoteError("private key: expected PRIVATE+KEY+name+keyid+key")
    name, claimed, alg, seed = _key_parts(text[len(prefix):], "private key")
    key = SignerKey(name, alg, seed)
    if key.verifier.id != claimed:
        raise NoteError("private key: key id does not match the key")
    return key


def _key_file(path: str | os.PathLike[str], what: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise NoteError(f"cannot read the {what} {path}: {error}") from error


def read_signer(path: str | os.PathLike[str]) -> SignerKey:
    return parse_signer(_key_file(path, "private key"))


def read_verifier(path: str | os.PathLike[str]) -> VerifierKey:
    return parse_verifier(_key_file(path, "public key"))


def write_key_pair(signer: SignerKey, path: str | os.PathLike[str]) -> Path:
    """The private key at `path` (owner-only), the public key beside it as `path`.pub."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(signer.text() + "\n")
    public = target.with_name(target.name + ".pub")
    public.write_text(signer.verifier.text() + "\n", encoding="ascii")
    return public


# --- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    id: bytes
    blob: bytes  # what follows the key id: the signature (or time + signature)

    def line(self) -> str:
        return f"{DASH} {self.name} {_b64(self.id + self.blob)}\n"


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """The signed text and its signatures (unverified)."""
    text, sep, block = note.partition("\n\n")
    if not sep or not block.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    text += "\n"
    signatures = []
    for line in block[:-1].split("\n"):
        head, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        if head != DASH or not name or not blob:
            raise NoteError(f"malformed signature line {line!r}")
        raw = _unb64(blob, "signature")
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("a signed note needs at least one signature")
    return text, signatures


def sign_note(text: str, signer: SignerKey) -> str:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("note text must end with a newline and hold no blank line")
    sig = NoteSignature(signer.name, signer.verifier.id, signer.sign(text.encode()))
    return text + "\n" + sig.line()


def add_signature(note: str, signature: NoteSignature) -> str:
    """The note with one more signature line (a witness's cosignature), once."""
    text, signatures = split_note(note)
    lines = [s.line() for s in signatures]
    if signature.line() not in lines:
        lines.append(signature.line())
    return text + "\n" + "".join(lines)


def verify_note(note: str, key: VerifierKey) -> str:
    """The note's text, when `key` signed it; NoteError otherwise."""
    if key.alg != ED25519:
        raise NoteError("this is a witness key; a note is signed with the log's key")
    text, signatures = split_note(note)
    for s in signatures:
        if s.name == key.name and s.id == key.id:
            if key.check(text.encode(), s.blob):
                return text
            raise NoteError(f"the signature of {key.name} does not verify: the note was altered")
    raise NoteError(f"the note carries no signature of {key.name} ({key.id.hex()})")


# --- checkpoints and cosignatures ------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint is origin, size and root hash, one a line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteError("checkpoint without origin")
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"checkpoint size {size!r} is not a decimal number")
    digest = _unb64(root, "root hash")
    if len(digest) != 32:
        raise NoteError("root hash is not 32 bytes")
    return Checkpoint(origin, int(size), digest)


def open_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    """Verify the log's signature and parse the checkpoint."""
    return parse_checkpoint(verify_note(note, key))


def cosign(checkpoint_text: str, witness: SignerKey, unix_time: int) -> NoteSignature:
    if witness.alg != COSIGNATURE:
        raise NoteError("a cosignature needs a witness key (hoso keys create --witness)")
    message = _COSIGNATURE_HEADER.format(unix_time).encode() + checkpoint_text.encode()
    blob = struct.pack(">Q", unix_time) + witness.sign(message)
    return NoteSignature(witness.name, witness.verifier.id, blob)


def verify_cosignature(note: str, witness: VerifierKey) -> int:
    """The time the witness cosigned the note's checkpoint; NoteError when it did not."""
    if witness.alg != COSIGNATURE:
        raise NoteError("not a witness key")
    text, signatures = split_note(note)
    for s in signatures:
        if s.name == witness.name and s.id == witness.id and len(s.blob) == 72:
            (unix_time,) = struct.unpack(">Q", s.blob[:8])
            message = _COSIGNATURE_HEADER.format(unix_time).encode() + text.encode()
            if witness.check(message, s.blob[8:]):
                return int(unix_time)
            raise NoteError(f"the cosignature of {witness.name} does not verify")
    raise NoteError(f"the note carries no cosignature of {witness.name}")
