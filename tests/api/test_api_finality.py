"""How far the indexer may apply: ``head - confirmations``, or the node's ``finalized`` block where
the node has one and it is higher (a finalized block needs no confirmations). Clique nodes answer
the ``finalized`` tag with an error: the indexer then asks no more and counts confirmations. The
finalized block is remembered for the API's HTTP caching."""

from __future__ import annotations

from typing import Any, cast

import pytest

from api.indexer import Indexer
from registry_client.chain import RpcClient, RpcRefused


class _Node:
    """A node whose head and finalized block the test sets; it counts the finality questions."""

    def __init__(self, head: int, finalized: int | RpcRefused | None) -> None:
        self.head = head
        self.finalized = finalized
        self.asked = 0

    def block_number(self) -> int:
        return self.head

    def finalized_number(self) -> int | None:
        self.asked += 1
        return RpcClient.finalized_number(cast(RpcClient, self))

    def call(self, method: str, *params: Any) -> Any:
        assert (method, params) == ("eth_getBlockByNumber", ("finalized", False))
        if isinstance(self.finalized, RpcRefused):
            raise self.finalized
        return None if self.finalized is None else {"number": hex(self.finalized)}


def _indexer(node: _Node, confirmations: int) -> Indexer:
    return Indexer(rpc=cast(RpcClient, node), engine=cast(Any, None), target=cast(Any, None),
                   confirmations=confirmations)  # fmt: skip


@pytest.mark.parametrize(
    ("finalized", "confirmations", "target"),
    [
        (95, 12, 95),  # finality ahead of the confirmations: no need to wait for them
        (80, 12, 88),  # finality further back (e.g. Ethereum's ~2 epochs): confirmations decide
        (None, 12, 88),  # nothing finalized yet
    ],
)
def test_the_target_is_the_higher_of_finalized_and_buried(
    finalized: int | None, confirmations: int, target: int
) -> None:
    node = _Node(100, finalized)
    assert _indexer(node, confirmations).target_block() == target


def test_a_chain_without_finality_is_asked_once() -> None:
    node = _Node(100, RpcRefused("eth_getBlockByNumber failed: finalized block not found"))
    indexer = _indexer(node, 2)
    assert [indexer.target_block() for _ in range(3)] == [98, 98, 98]
    assert node.asked == 1


def test_no_confirmations_targets_the_head_and_remembers_finality() -> None:
    node = _Node(100, 90)
    indexer = _indexer(node, 0)
    assert indexer.target_block() == 100
    assert indexer.finalized == 90  # recorded with the index: only data up to it is cached long
