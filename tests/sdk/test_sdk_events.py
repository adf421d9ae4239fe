"""The SDK's own ABI encoding and decoding against web3's: ``contracts.calldata`` gives the bytes of
``Contract.encode_abi`` (plain arguments, texts, enums, structs and arrays of structs), and
``contracts.event_args`` the arguments of ``process_log`` for every log of the SDK world's chain
(deployment, governance, accounts, decisions, issuance) and of transfers, a retirement and a
cancellation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry_client import contracts
from registry_client.models import AccountKind
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


def test_calldata_equals_web3s_encode_abi(world: World) -> None:
    alice = world.client(world.alice)
    registry = alice.registry_contract
    cases = [
        (
            alice.prepare.transfer(world.carol.address, 1, 10),
            "transfer",
            [world.carol.address, 1, 10],
        ),
        (
            alice.prepare.retire(1, 3, "ID", "ndc", "Alice Trading 株式会社", "note"),
            "retire",
            [1, 3, b"ID", 0, "Alice Trading 株式会社", "note"],
        ),
        (
            alice.prepare.open_account(world.outsider.address, "JP", "holding", "X K.K."),
            "openAccount",
            [world.outsider.address, b"JP", int(AccountKind.HOLDING), "X K.K."],
        ),
    ]
    for call, function, args in cases:
        assert call.request["data"] == registry.encode_abi(function, args=args), function
    issuance = world.issuance(
        "JC-ID-calldata", [(world.carol.address, 10), (world.alice.address, 5)],
        start="2024-01-01", end="2024-01-31",
    )  # fmt: skip
    decision = world.decision_for(alice, issuance=issuance)
    signatures = world.sign(decision)
    function, args = decision.contract_call(signatures)
    committee = contracts.at(alice.w3, "JointCommittee", world.committee)
    prepared = alice.prepare.submit_decision(decision, signatures)
    assert prepared.request["data"] == committee.encode_abi(function, args=list(args))
