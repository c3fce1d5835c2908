"""RFC 9162 (Certificate Transparency 2.0, same hashing as RFC 6962) Merkle tree arithmetic.

Pure functions: leaf and node hashes, which stored subtrees a proof needs, and the verifiers.
The tree's leaves are the log's chain hashes in position order (ADR 0006); the persisted nodes
live in `infra/log_tree.py`. A subtree is named by `(level, index)`: the complete subtree of
2**level leaves starting at leaf index * 2**level. Every proof element is the hash of a range
of leaves `[start, end)`; a range that is not one complete subtree (only the right edge of the
tree) is the RFC's hash of the complete subtrees it splits into, so any proof costs one read of
at most 2 * log2(n) stored nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from hashlib import sha256

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)

EMPTY_ROOT = sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims."""


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- which ranges a proof is made of ---------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 2.1.3.1 PATH(index, D[size]), as leaf ranges, leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(old: int, new: int) -> list[Range]:
    """RFC 9162 2.1.4.1 PROOF(old, D[new]), as leaf ranges."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    proof: list[Range] = []
    start, end, m, complete = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append((start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees that make up leaves [start, end), largest (leftmost) first.

    Every range a proof uses starts on a multiple of a power of two at least as large as the
    range, so it splits into the binary decomposition of its length.
    """
    nodes: list[Node] = []
    at = start
    for level in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> level & 1:
            if at % (1 << level):
                raise ProofError(f"range [{start}, {end}) is not aligned")
            nodes.append((level, at >> level))
            at += 1 << level
    return nodes


def range_hash(start: int, end: int, node: Callable[[Node], bytes]) -> bytes:
    """MTH of leaves [start, end) from stored complete subtrees (right fold, as RFC 9162)."""
    parts = [node(n) for n in range_nodes(start, end)]
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def nodes_for(ranges: Sequence[Range]) -> set[Node]:
    return {n for start, end in ranges for n in range_nodes(start, end)}


def hashes_for(ranges: Sequence[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    def get(n: Node) -> bytes:
        try:
            return nodes[n]
        except KeyError:
            raise ProofError(f"the tree has no node at level {n[0]}, index {n[1]}") from None

    return [range_hash(start, end, get) for start, end in ranges]


def frontier(size: int) -> list[Node]:
    """The complete subtrees of a tree of `size` leaves, left to right: what appending needs."""
    return range_nodes(0, size) if size else []


def root_of(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    return EMPTY_ROOT if size == 0 else hashes_for([(0, size)], nodes)[0]


def append_nodes(size: int, leaves: Sequence[bytes],
                 known: dict[Node, bytes]) -> list[tuple[int, int, bytes]]:
    """Append leaf hashes to a tree of `size` leaves whose frontier is in `known`.

    Returns every complete subtree the new leaves complete, as (level, index, hash); `known`
    gets them too, so it stays the frontier for the next append.
    """
    made: list[tuple[int, int, bytes]] = []
    for offset, h in enumerate(leaves):
        index, level = size + offset, 0
        known[(0, index)] = h
        made.append((0, index, h))
        while index & 1:
            h = node_hash(known[(level, index - 1)], h)
            level, index = level + 1, index >> 1
            known[(level, index)] = h
            made.append((level, index, h))
    return made


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH of leaf hashes, computed from nothing (offline verifiers, tests)."""
    known: dict[Node, bytes] = {}
    append_nodes(0, leaves, known)
    return root_of(len(leaves), known)


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) --------------------------------------------


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Raise ProofError unless `leaf` (a leaf hash) is leaf `index` of the tree `root`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Raise ProofError unless the tree `old_root` is a prefix of the tree `new_root`."""
    if old_size > new_size:
        raise ProofError(f"size {new_size} is smaller than {old_size}: the log was rolled back")
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different trees of size {old_size}: the log was forked")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the first {old_size} entries are not those of the earlier checkpoint")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root")


class Frontier:
    """The right edge of a tree being built leaf by leaf: O(log n) memory, any size's root."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), largest subtree first

    def append(self, leaf: bytes) -> None:
        h, level = leaf, 0
        while self._stack and self._stack[-1][0] == level:
            h = node_hash(self._stack.pop()[1], h)
            level += 1
        self._stack.append((level, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h
