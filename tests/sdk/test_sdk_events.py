"""Event decoding: ``contracts.event_args`` gives the same arguments as web3's ``process_log``, for
every log of the SDK world's chain (deployment, governance, accounts, decisions, issuance) and of
transfers, a retirement and a cancellation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry_client import contracts
from support.sdk import World


def _plain(value: Any) -> Any:
    """web3's AttributeDicts and tuples as dicts and lists, to compare."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_event_args_equal_web3s_decoding_for_every_log(world: World) -> None:
    alice = world.client(world.alice)
    alice.transfer(world.carol.address, 1, 10)
    alice.transfer(world.bob.address, 1, 5)  # international: the first of the batch
    alice.retire(1, 3, "JP", "ndc", "Alice Trading")
    alice.cancel(1, 2, "voluntary cancellation", "a note")
    client = world.client()
    w3 = client.w3
    contracts_by_name = {
        "JCMRegistry": client.registry_contract,
        "JCMProjects": client.projects_contract,
        "JCMGovernance": client.governance_contract,
        "JointCommittee": contracts.at(w3, "JointCommittee", world.committee),
    }
    decoded: set[str] = set()
    for number in range(int(w3.eth.block_number) + 1):
        for tx_hash in w3.eth.get_block(number)["transactions"]:
            receipt = w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            for log in receipt["logs"]:
                for name, contract in contracts_by_name.items():
                    if log["address"] != contract.address:
                        continue
                    for entry in contract.abi:
                        if entry["type"] != "event":
                            continue
                        ours = contracts.event_args(w3.codec, entry, log)  # type: ignore[arg-type]
                        if ours is None:
                            continue
                        web3s = getattr(contract.events, entry["name"])().process_log(log)
                        assert ours == _plain(web3s["args"]), (name, entry["name"])
                        decoded.add(f"{name}.{entry['name']}")
    for expected in (
        "JCMRegistry.CreditsTransferred",
        "JCMRegistry.CreditsRetired",
        "JCMRegistry.CreditsCancelled",
        "JCMRegistry.AccountOpened",
        "JCMProjects.BatchIssued",
        "JCMProjects.ProjectRegistered",
        "JointCommittee.DecisionExecuted",
    ):
        assert expected in decoded, sorted(decoded)
