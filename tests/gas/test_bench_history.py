"""The benchmark's chain history (``bench.history.build_history``): every transfer a real registry
transfer with its events, single-transfer transactions beside the senders' contracts' batches of
``PER_TRANSACTION``, and no one but a sender contract's deployer able to move what it holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak

from bench.history import PER_TRANSACTION, SINGLE_EVERY, History, build_history
from registry_client import anvil
from registry_client.chain import RpcClient, RpcError

SENDERS = 2 * SINGLE_EVERY
"""Two groups: the first's transfers international, the second's not."""
TRANSFERS = 2 * PER_TRANSACTION * SENDERS + 7
"""Two full contract transactions per sender, and a remainder spread over the first senders."""

_TRANSFER_SINGLE = (
    "0x" + keccak(text="TransferSingle(address,address,address,uint256,uint256)").hex()
)
_CREDITS_TRANSFERRED = (
    "0x"
    + keccak(text="CreditsTransferred(uint256,address,address,(uint64,uint64)[],bool,bool)").hex()
)


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[History, RpcClient]]:
    """A small history on a private anvil."""
    node = anvil.start_anvil("--base-fee", "0", accounts=4)
    try:
        with RpcClient(node.url) as rpc:
            yield build_history(node.url, TRANSFERS, SENDERS), rpc
    finally:
        node.stop()


def _logs(rpc: RpcClient, history: History, topic: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = rpc.call(
        "eth_getLogs",
        {"fromBlock": hex(history.deployment["block_number"]), "toBlock": "latest",
         "address": history.deployment["registry"], "topics": [topic]},
    )  # fmt: skip
    return found


def test_every_transfer_is_a_registry_transfer_with_its_events(
    built: tuple[History, RpcClient],
) -> None:
    history, rpc = built
    transferred = _logs(rpc, history, _CREDITS_TRANSFERRED)
    assert len(transferred) == TRANSFERS
    singles = _logs(rpc, history, _TRANSFER_SINGLE)
    moves = [log for log in singles if int(log["topics"][2], 16) != 0]  # not the issuances' mints
    assert len(moves) == TRANSFERS
    # each sender's holder sends to its own receiver only
    pairs = {("0x" + log["topics"][2][-40:], "0x" + log["topics"][3][-40:]) for log in transferred}
    expected = zip(history.senders, history.receivers, strict=True)
    assert pairs == {(s.lower(), r.lower()) for s, r in expected}


def test_contract_senders_batch_transfers_and_every_tenth_sender_sends_one_per_transaction(
    built: tuple[History, RpcClient],
) -> None:
    history, rpc = built
    per_transaction = Counter(
        log["transactionHash"] for log in _logs(rpc, history, _CREDITS_TRANSFERRED)
    )
    sender_of = {}
    for log in _logs(rpc, history, _CREDITS_TRANSFERRED):
        sender_of[log["transactionHash"]] = "0x" + log["topics"][2][-40:]
    single_senders = {history.senders[i].lower() for i in range(0, SENDERS, SINGLE_EVERY)}
    for tx, count in per_transaction.items():
        if sender_of[tx] in single_senders:
            assert count == 1
        else:
            assert 1 <= count <= PER_TRANSACTION
    assert Counter(per_transaction.values())[PER_TRANSACTION] >= 2 * (SENDERS - len(single_senders))
    # both kinds of transaction carry international and domestic transfers
    kinds = {
        (
            sender_of[log["transactionHash"]] in single_senders,
            int(log["data"][2 + 64 : 2 + 128], 16),
        )
        for log in _logs(rpc, history, _CREDITS_TRANSFERRED)
    }
    assert kinds == {(True, 1), (True, 0), (False, 1), (False, 0)}
    # the single senders are accounts of their own, the others contracts
    for i, holder in enumerate(history.senders):
        code = rpc.call("eth_getCode", holder, "latest")
        assert (code == "0x") == (i % SINGLE_EVERY == 0)


def test_only_its_deployer_may_make_a_sender_contract_transfer(
    built: tuple[History, RpcClient],
) -> None:
    history, rpc = built
    # sender 9 (a contract) made 20 of the 21 transfers its batch was issued for: one credit left
    holder, receiver, batch = history.senders[9], history.receivers[9], history.batches[9]
    data = keccak(text="transferEach(address,uint256,uint256)")[:4] + abi_encode(
        ["address", "uint256", "uint256"], [receiver, batch, 1]
    )
    stranger = "0x" + "5a" * 20
    with pytest.raises(RpcError) as refused:
        rpc.call("eth_call", {"from": stranger, "to": holder, "data": "0x" + data.hex()}, "latest")
    unauthorized = "0x" + keccak(text="HistorySenderUnauthorized(address)")[:4].hex()
    assert refused.value.error["data"] == unauthorized + abi_encode(["address"], [stranger]).hex()
    deployer = Account.from_key(keccak(text="jcm bench sender 9")).address
    rpc.call("eth_call", {"from": deployer, "to": holder, "data": "0x" + data.hex()}, "latest")
