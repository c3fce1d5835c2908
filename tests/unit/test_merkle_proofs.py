"""The Merkle tree's proofs against the RFC 9162 definitions computed naively."""

from __future__ import annotations

from hashlib import sha256

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.merkle import (
    ProofError,
    append_nodes,
    consistency_ranges,
    hashes_for,
    inclusion_ranges,
    leaf_hash,
    merkle_root,
    node_hash,
    nodes_for,
    verify_consistency,
    verify_inclusion,
)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, word for word."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def tree(n: int) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    nodes: dict[tuple[int, int], bytes] = {}
    # Appended in uneven batches, as the recorder does.
    done = 0
    for step in (1, 3, 2, 7, 5):
        batch = leaves[done:done + step]
        append_nodes(done, batch, nodes)
        done += len(batch)
    append_nodes(done, leaves[done:], nodes)
    return leaves, nodes


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_are_the_rfcs_and_verify(case: tuple[int, int]) -> None:
    n, m = case
    leaves, nodes = tree(n)
    ranges = inclusion_ranges(m, n)
    assert nodes_for(ranges) <= set(nodes)
    proof = hashes_for(ranges, nodes)
    assert proof == path(m, leaves)
    assert merkle_root(leaves) == mth(leaves)
    verify_inclusion(m, n, leaves[m], proof, mth(leaves))
    with pytest.raises(ProofError):
        verify_inclusion(m, n, leaf_hash(b"other"), proof, mth(leaves))
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(m, n, leaves[m], proof[:-1], mth(leaves))


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_are_the_rfcs_and_verify(case: tuple[int, int]) -> None:
    m, n = case
    leaves, nodes = tree(n)
    proof = hashes_for(consistency_ranges(m, n), nodes)
    assert proof == subproof(m, leaves, True)
    verify_consistency(m, n, mth(leaves[:m]), mth(leaves), proof)
    forked = leaves[:m - 1] + [leaf_hash(b"forged")] + leaves[m:]
    with pytest.raises(ProofError):
        verify_consistency(m, n, mth(forked[:m]), mth(leaves), proof)
    if m < n:
        with pytest.raises(ProofError):
            verify_consistency(m, n, mth(leaves[:m]), mth(forked[:m] + leaves[m:-1]
                                                            + [leaf_hash(b"x")]), proof)


def test_a_smaller_or_forked_tree_is_named_for_what_it_is() -> None:
    leaves, _ = tree(8)
    with pytest.raises(ProofError, match="rolled back"):
        verify_consistency(8, 5, mth(leaves), mth(leaves[:5]), [])
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(8, 8, mth(leaves), mth(leaves[:7] + [leaf_hash(b"y")]), [])
