"""Signed checkpoints of the log's Merkle tree, kept forever, and the witnesses' cosignatures.

A checkpoint (infra/notes.py) says "the tree of this origin had `size` entries with root
`root`", signed with the service's Ed25519 key (`HOSO_SIGNING_KEY`, a file outside the
database). One is made every `checkpoint_every_events` entries or `checkpoint_every_minutes`,
and on demand; every one is kept, so a witness or an inspector holding any of them can ask
for a consistency proof to today's. Cosignatures are checked against the witness key sent with
them and kept beside the checkpoint they sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from infra.log_tree import TreeReader
from infra.notes import (
    Checkpoint,
    NoteError,
    SignerKey,
    VerifierKey,
    add_signature,
    sign_note,
    split_note,
    verify_cosignature,
)

LOG = "log"
READS = "reads"
TREES = (LOG, READS)

metadata = MetaData()

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("tree", String(16), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tree", "size", "key_id", name="checkpoints_tree_size_key"),
)

cosignatures = Table(
    "checkpoint_cosignatures",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("checkpoint_id", BigInteger, nullable=False, index=True),
    Column("witness", String(200), nullable=False),
    Column("witness_key", String(200), nullable=False),
    Column("line", Text, nullable=False),
    Column("cosigned_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("checkpoint_id", "witness_key", name="cosignatures_once"),
)


def origin_of(signer_name: str, tree: str) -> str:
    """The origin line: the key's name for the log, with "/reads" for the read audit."""
    return signer_name if tree == LOG else f"{signer_name}/{tree}"


@dataclass(frozen=True)
class Cosignature:
    witness: str
    witness_key: str
    cosigned_at: datetime
    line: str


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    tree: str
    checkpoint: Checkpoint
    note: str  # the signed note, cosignatures not included
    created_at: datetime
    cosignatures: tuple[Cosignature, ...] = ()

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def note_key_id(self) -> str:
        return _key_of(self.note)

    def cosigned_note(self) -> str:
        """The note with every cosignature line: what a verifier of witnesses wants."""
        note = self.note
        for c in self.cosignatures:
            _, (sig,) = split_note("x\n\n" + c.line)
            note = add_signature(note, sig)
        return note


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CheckpointStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, checkfirst=True)

    def _load(self, where: object, limit: int = 1, newest_first: bool = True
              ) -> list[StoredCheckpoint]:
        order = checkpoints.c.size.desc() if newest_first else checkpoints.c.size.asc()
        query = select(checkpoints).where(where).order_by(order, checkpoints.c.id.desc())  # type: ignore[arg-type]
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
            ids = [r.id for r in rows]
            cos: dict[int, list[Cosignature]] = {}
            if ids:
                for c in conn.execute(select(cosignatures)
                                      .where(cosignatures.c.checkpoint_id.in_(ids))
                                      .order_by(cosignatures.c.id)).all():
                    cos.setdefault(c.checkpoint_id, []).append(
                        Cosignature(c.witness, c.witness_key, _utc(c.cosigned_at), c.line))
        return [StoredCheckpoint(r.id, r.tree, Checkpoint(_origin(r.note), r.size,
                                                          bytes(r.root)),
                                 r.note, _utc(r.created_at), tuple(cos.get(r.id, ())))
                for r in rows]

    def latest(self, tree: str = LOG) -> StoredCheckpoint | None:
        found = self._load(checkpoints.c.tree == tree)
        return found[0] if found else None

    def at_size(self, size: int, tree: str = LOG) -> StoredCheckpoint | None:
        found = self._load((checkpoints.c.tree == tree) & (checkpoints.c.size == size))
        return found[0] if found else None

    def history(self, tree: str = LOG, limit: int = 100) -> list[StoredCheckpoint]:
        return self._load(checkpoints.c.tree == tree, limit=limit)

    def issue(self, reader: TreeReader, signer: SignerKey, at: datetime,
              tree: str = LOG) -> StoredCheckpoint:
        """A signed checkpoint of the tree as it is now (the latest, when it covers it)."""
        size = reader.size()
        latest = self.latest(tree)
        key = signer.verifier.id.hex()
        if latest is not None and latest.size == size and latest.note_key_id == key:
            return latest
        checkpoint = Checkpoint(origin_of(signer.name, tree), size, reader.root(size))
        note = sign_note(checkpoint.text(), signer)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(checkpoints).values(
                    tree=tree, size=size, root=checkpoint.root, key_id=key, note=note,
                    created_at=_utc(at)))
        except IntegrityError:
            pass  # another worker signed the same size with the same key: the same note
        found = self.at_size(size, tree)
        assert found is not None
        return found

    def due(self, reader: TreeReader, every_events: int, every_minutes: float, at: datetime,
            tree: str = LOG) -> bool:
        latest = self.latest(tree)
        size = reader.size()
        if latest is None:
            return size > 0
        grown = size - latest.size
        return grown >= every_events or (
            grown > 0 and (_utc(at) - latest.created_at).total_seconds() >= every_minutes * 60)

    def issue_due(self, trees: Mapping[str, TreeReader], signer: SignerKey, every_events: int,
                  every_minutes: float, at: datetime) -> None:
        """The server's periodic checkpoints: every N entries or minutes, for every tree."""
        for tree, reader in trees.items():
            if self.due(reader, every_events, every_minutes, at, tree):
                self.issue(reader, signer, at, tree)

    def add_cosignature(self, checkpoint: StoredCheckpoint, cosigned_note: str,
                        witness: VerifierKey, at: datetime) -> StoredCheckpoint:
        """Keep a witness's cosignature of `checkpoint`, once it verifies."""
        text, _ = split_note(cosigned_note)
        if text != checkpoint.checkpoint.text():
            raise NoteError("the cosigned note is not this checkpoint")
        unix_time = verify_cosignature(cosigned_note, witness)
        _, signatures = split_note(cosigned_note)
        line = next(s.line() for s in signatures if s.id == witness.id and s.name == witness.name)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(cosignatures).values(
                    checkpoint_id=checkpoint.id, witness=witness.name,
                    witness_key=witness.text(), line=line,
                    cosigned_at=datetime.fromtimestamp(unix_time, UTC), received_at=_utc(at)))
        except IntegrityError:
            pass  # the same witness again: kept once
        found = self._load(checkpoints.c.id == checkpoint.id)
        return found[0]


def _origin(note: str) -> str:
    return note.split("\n", 1)[0]


def _key_of(note: str) -> str:
    _, signatures = split_note(note)
    return signatures[0].id.hex()
