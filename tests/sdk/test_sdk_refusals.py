"""Refusals: each raises its typed error with a domain message before anything is sent.

"Nothing changes on chain" is checked as: no new block (anvil mines one per transaction), the
sender's nonce unchanged, and the registry's invariant snapshot (every holding, record and count)
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry_client import decisions
from registry_client.client import RegistryClient
from registry_client.errors import (
    AccountStateError,
    AlreadyExists,
    DecisionRefused,
    InsufficientCredits,
    InvalidInput,
    NotFound,
    NotPermitted,
    Paused,
    RegistryError,
    SignatureError,
)
from support.sdk import World, chain_state


def refused(
    world: World,
    who: LocalAccount,
    attempt: Callable[[RegistryClient], Any],
    error: type[RegistryError],
    message: str,
    *,
    full: bool = False,
) -> RegistryError:
    """Run ``attempt`` as ``who``; check the error, its message, and that nothing changed.

    With ``full`` the whole registry is compared too (see ``support.sdk.Chain``).
    """
    before = chain_state(world, who, full=full)
    with pytest.raises(error) as caught:
        attempt(world.client(who))
    assert message in caught.value.message, caught.value.message
    assert chain_state(world, who, full=full) == before
    return caught.value


def test_frozen_account_cannot_send_or_receive(world: World) -> None:
    world.client(world.jp_registrar).freeze(world.alice.address)
    alice = world.alice.address
    refused(
        world, world.alice, lambda c: c.transfer(world.carol.address, 1, 10), AccountStateError,
        f"account {alice} is frozen: it can neither send nor receive credits", full=True,
    )  # fmt: skip
    refused(
        world, world.bob, lambda c: c.transfer(alice, 1, 10), AccountStateError,
        f"account {alice} is frozen",
    )  # fmt: skip
    refused(
        world, world.jp_registrar, lambda c: c.freeze(alice), AccountStateError,
        f"account {alice} is frozen",
    )  # fmt: skip


def test_insufficient_credits(world: World) -> None:
    error = refused(
        world, world.alice, lambda c: c.retire(1, 7000, "JP", "ndc", "Alice"),
        InsufficientCredits,
        f"account {world.alice.address} holds 6,000 credits of batch 1, 7,000 needed", full=True,
    )  # fmt: skip
    assert error.error_name == "RegistryInsufficientCredits"
    assert error.error_args == {
        "account": world.alice.address, "batchId": 1, "balance": 6000, "needed": 7000,
    }  # fmt: skip


def test_unknown_batch(world: World) -> None:
    refused(
        world, world.alice, lambda c: c.transfer(world.carol.address, 99, 1), NotFound,
        "there is no batch 99",
    )  # fmt: skip
    with pytest.raises(NotFound, match="there is no batch 99"):
        world.client().batch(99)


def test_wrong_role(world: World) -> None:
    refused(
        world, world.alice, lambda c: c.freeze(world.carol.address), NotPermitted,
        f"{world.alice.address} lacks the registrar role of side JP",
    )  # fmt: skip
    refused(
        world, world.id_registrar, lambda c: c.open_account(Account.create().address, "JP",
                                                            "holding", "X"),
        NotPermitted, "lacks the registrar role of side JP",
    )  # fmt: skip
    refused(
        world, world.jp_registrar, lambda c: c.pause("JP", 60), NotPermitted,
        "is not the registry authority of side JP",
    )  # fmt: skip
    refused(
        world, world.governance, lambda c: c.grant_registrar("ID", world.outsider.address),
        NotPermitted, "lacks the registry authority of side ID",
    )  # fmt: skip
    refused(
        world, world.id_authority, lambda c: c.propose_country("VN", world.committee,
                                                               world.outsider.address),
        NotPermitted, "is not the registry authority of side JP",
    )  # fmt: skip


def test_paused_registry_moves_nothing(world: World) -> None:
    world.client(world.governance).pause("JP", 3600)
    refused(
        world, world.alice, lambda c: c.transfer(world.carol.address, 1, 1), Paused,
        "holders' movements are paused until", full=True,
    )  # fmt: skip
    refused(
        world, world.bob, lambda c: c.cancel(1, 1, "voluntary cancellation"), Paused,
        "by the authority of side JP",
    )  # fmt: skip


def test_too_few_signatures_on_one_side(world: World) -> None:
    anyone = world.client(world.outsider)
    issuance = world.issuance(
        "JC-ID-short", [(world.carol.address, 10)], start="2024-01-01", end="2024-01-31"
    )
    decision = world.decision_for(anyone, issuance=issuance)
    error = refused(
        world, world.outsider, lambda c: c.submit_decision(decision, world.sign(decision, 1, 1)),
        SignatureError, "side JP has 1 of 2 required signatures", full=True,
    )  # fmt: skip
    assert error.error_args == {"side": "JP", "count": 1, "required": 2}
    refused(
        world, world.outsider, lambda c: c.submit_decision(decision, world.sign(decision, 2, 0)),
        SignatureError, "side ID has 0 of 1 required signatures",
    )  # fmt: skip


def test_decision_refusals(world: World) -> None:
    anyone = world.client(world.outsider)
    issuance = world.issuance(
        "JC-ID-2024-issuance-1",  # batch 1's decision, citing its verification report
        [(world.carol.address, 10)],
        start="2024-01-01",
        end="2024-01-31",
    )
    decision = world.decision_for(anyone, issuance=issuance)
    refused(
        world, world.outsider, lambda c: c.submit_decision(decision, world.sign(decision)),
        AlreadyExists, "was already issued for, as batch 1",
    )  # fmt: skip
    stale = type(decision).model_validate({**decision.model_dump(), "nonce": 5})
    refused(
        world, world.outsider, lambda c: c.submit_decision(stale, world.sign(stale)),
        DecisionRefused, "signed for membership nonce 5",
    )  # fmt: skip
    other = type(decision).model_validate(
        {**decision.model_dump(), "deadline": decision.deadline + 1}
    )
    signatures = world.sign(decision)
    foreign = [
        decisions.MemberSignature(signer=s.signer, signature=s.signature, digest=other.digest_hex)
        for s in signatures
    ]
    refused(
        world, world.outsider, lambda c: c.submit_decision(other, foreign), SignatureError,
        "is not that member's signature",
    )  # fmt: skip
    with pytest.raises(SignatureError, match="is over decision"):
        anyone.submit_decision(other, signatures)
    elsewhere = type(decision).model_validate(
        {**decision.model_dump(), "domain": {"chain_id": 1, "committee": world.committee}}
    )
    with pytest.raises(InvalidInput, match="drafted for chain 1"):
        anyone.submit_decision(elsewhere, world.sign(elsewhere))


def test_account_refusals(world: World) -> None:
    refused(
        world, world.jp_registrar, lambda c: c.open_account(world.alice.address, "JP", "holding",
                                                            "Again"),
        AlreadyExists, f"address {world.alice.address} already has (or had) an account",
    )  # fmt: skip
    refused(
        world, world.jp_registrar, lambda c: c.close_account(world.alice.address),
        AccountStateError, "still holds credits of 2 batches",
    )  # fmt: skip
    refused(
        world, world.jp_registrar, lambda c: c.unfreeze(world.alice.address),
        AccountStateError, "is active, not frozen",
    )  # fmt: skip
    refused(
        world, world.alice, lambda c: c.transfer(world.outsider.address, 1, 1), NotFound,
        f"address {world.outsider.address} has no registry account",
    )  # fmt: skip


def test_movement_refusals(world: World) -> None:
    refused(
        world, world.alice, lambda c: c.transfer(world.bob.address, 2, 1), NotPermitted,
        "batch 2 has no Article 6 authorization, so its credits cannot move from side JP to "
        "side ID",
    )  # fmt: skip
    refused(
        world, world.alice, lambda c: c.transfer(world.alice.address, 1, 1), InvalidInput,
        "sender and recipient are the same account",
    )  # fmt: skip
    refused(
        world, world.alice, lambda c: c.cancel(1, 1, "correction"), NotPermitted,
        "reserved for joint-committee correction decisions",
    )  # fmt: skip
    refused(
        world, world.alice, lambda c: c.retire(1, 1, "VN", "ndc", "Alice"), InvalidInput,
        "using party VN is not a registry side",
    )  # fmt: skip
    refused(
        world, world.jp_registrar, lambda c: c.open_account(Account.create().address, "JP",
                                                            "holding", ""),
        InvalidInput, "a required text (the holder name) is empty",
    )  # fmt: skip
    refused(
        world, world.alice, lambda c: c.retire(1, 1, "JP", "ndc", "x" * 300), InvalidInput,
        "300 bytes long, over the limit of 256 bytes",
    )  # fmt: skip


def test_bad_arguments_are_refused_before_any_call(world: World) -> None:
    for attempt, message in [
        (lambda c: c.transfer("0x1234", 1, 1), "recipient '0x1234' is not an address"),
        (lambda c: c.transfer(world.carol.address, 1, 0), "quantity must be positive"),
        (lambda c: c.transfer(world.carol.address, "x", 1), "batch id 'x' is not a whole"),
        (lambda c: c.retire(1, 1, "Japan", "ndc", "A"), "using party 'Japan' is not a two"),
        (lambda c: c.retire(1, 1, "JP", "fun", "A"), "retirement purpose: 'fun' is not"),
        (lambda c: c.cancel(1, 1, 9), "cancellation reason"),
        (lambda c: c.open_account(world.carol.address, "JP", "owner", "A"), "account kind"),
    ]:
        refused(world, world.alice, attempt, InvalidInput, message)


def test_writes_need_a_sender(world: World) -> None:
    viewer = world.client()
    with pytest.raises(NotPermitted, match="give a sender"):
        viewer.transfer(world.carol.address, 1, 1)
    with pytest.raises(NotPermitted, match="give a sender"):
        _ = viewer.address


def test_a_transaction_that_fails_after_sending_is_explained(world: World) -> None:
    alice = world.client(world.alice)
    elsewhere = world.client(world.alice)  # the same key in another program: it cannot see
    world.anvil.rpc("evm_setAutomine", [False])  # what this one has in flight
    # Each passes pre-flight; together they need more than Alice holds.
    first = alice.send(alice.prepare.transfer(world.carol.address, 1, 6000), wait=False)
    second = elsewhere.send(elsewhere.prepare.transfer(world.carol.address, 1, 1), wait=False)
    world.anvil.rpc("evm_mine")
    assert first.wait().quantity == 6000
    with pytest.raises(InsufficientCredits) as caught:
        second.wait()
    assert caught.value.message.startswith(f"transaction {second.tx_hash} failed: account")
    assert "holds 0 credits of batch 1, 1 needed" in caught.value.message
    with pytest.raises(InsufficientCredits):
        elsewhere.wait_all()  # the first failure, after waiting for all
    assert alice.wait_all() == [first.wait()]
    assert alice.balance(world.carol.address, 1) == 6000


def test_a_pipelined_transaction_is_refused_against_those_in_flight(world: World) -> None:
    alice = world.client(world.alice)
    world.anvil.rpc("evm_setAutomine", [False])
    first = alice.send(alice.prepare.transfer(world.carol.address, 1, 6000), wait=False)
    nonce = alice.w3.eth.get_transaction_count(world.alice.address, "pending")
    # The first is still in flight, so the second is checked against the state after it: refused
    # with its typed error, and nothing is sent (no nonce used).
    with pytest.raises(InsufficientCredits, match="holds 0 credits of batch 1, 1 needed"):
        alice.send(alice.prepare.transfer(world.carol.address, 1, 1), wait=False)
    assert alice.w3.eth.get_transaction_count(world.alice.address, "pending") == nonce
    world.anvil.rpc("evm_mine")
    assert first.wait().quantity == 6000
