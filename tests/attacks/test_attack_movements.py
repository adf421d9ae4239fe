"""Attacks on the movement of credits: every one must be refused and change nothing.

Frozen and closed accounts, the retirement and cancellation sinks, the ERC-1155 transfer functions,
unauthorized international transfers, a paused ledger, and re-entrancy through contract accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from fuzz.harness import Contract, Outcome, actor, subcalls
from fuzz.world import ID, JP, PAUSE_SECONDS, TH, World

from registry_client import decisions as d
from registry_client.models import AccountKind, AccountStatus, CancellationReason

from .scenario import refused, registry_calls


def _issue(world: World, allocations: list[tuple[str, int]], authorization: int = 1) -> int:
    return world.issue(ID, "ID001", allocations, authorization=authorization)


def _movements(
    world: World, sender: str, to: str, batch_id: int
) -> dict[str, Callable[[], Outcome]]:
    """One transfer, retirement and cancellation of a credit, each as an attempt."""
    registry = world.registry
    return {
        "transfer": lambda: registry.transact("transfer", to, batch_id, 1, sender=sender),
        "retire": lambda: registry.transact("retire", batch_id, 1, JP, 0, "", "", sender=sender),
        "cancel": lambda: registry.transact("cancel", batch_id, 1, 0, "", sender=sender),
    }


def test_a_frozen_account_can_neither_send_nor_receive(world: World) -> None:
    jp = world.sides[JP]
    frozen, other = jp.holders[0], jp.holders[1]
    batch_id = _issue(world, [(frozen, 10), (other, 10)])
    world.registry.transact("freezeAccount", frozen, sender=jp.registrar).expect_ok()

    for attempt in _movements(world, frozen, other, batch_id).values():
        refused(
            world, attempt, "RegistryAccountNotActive", account=frozen, status=AccountStatus.FROZEN
        )
    refused(
        world,
        lambda: world.registry.transact("transfer", frozen, batch_id, 1, sender=other),
        "RegistryAccountNotActive",
        account=frozen,
        status=AccountStatus.FROZEN,
    )
    refused(
        world,
        lambda: world.decide(ID, world.issuance_decision(ID, "ID001", [(frozen, 5)])),
        "RegistryAccountNotActive",
        account=frozen,
    )
    # Control: unfrozen, it moves again.
    world.registry.transact("unfreezeAccount", frozen, sender=jp.registrar).expect_ok()
    world.registry.transact("transfer", other, batch_id, 1, sender=frozen).expect_ok()


def test_a_closed_account_cannot_receive_or_be_reopened(world: World) -> None:
    jp = world.sides[JP]
    closing, sender = jp.holders[0], jp.holders[1]
    batch_id = _issue(world, [(closing, 3), (sender, 10)])
    refused(
        world,
        lambda: world.registry.transact("closeAccount", closing, sender=jp.registrar),
        "RegistryAccountNotEmpty",
        account=closing,
        holdings=1,
    )
    world.registry.transact("transfer", sender, batch_id, 3, sender=closing).expect_ok()
    world.registry.transact("closeAccount", closing, sender=jp.registrar).expect_ok()

    refused(
        world,
        lambda: world.registry.transact("transfer", closing, batch_id, 1, sender=sender),
        "RegistryAccountNotActive",
        account=closing,
        status=AccountStatus.CLOSED,
    )
    refused(
        world,
        lambda: world.decide(ID, world.issuance_decision(ID, "ID001", [(closing, 5)])),
        "RegistryAccountNotActive",
        account=closing,
        status=AccountStatus.CLOSED,
    )
    for function, error in (
        ("unfreezeAccount", "RegistryAccountNotFrozen"),
        ("freezeAccount", "RegistryAccountNotActive"),
        ("closeAccount", "RegistryAccountNotActive"),
    ):
        refused(
            world,
            partial(world.registry.transact, function, closing, sender=jp.registrar),
            error,
            account=closing,
            status=AccountStatus.CLOSED,
        )
    refused(
        world,
        lambda: world.registry.transact(
            "openAccount", closing, JP, int(AccountKind.HOLDING), "Reborn", sender=jp.registrar
        ),
        "RegistryAccountAlreadyExists",
        account=closing,
    )


def test_retirement_and_cancellation_accounts_cannot_send(world: World) -> None:
    jp = world.sides[JP]
    holder = jp.holders[0]
    batch_id = _issue(world, [(holder, 20)])
    world.registry.transact(
        "retire", batch_id, 5, JP, 0, "Beneficiary", "", sender=holder
    ).expect_ok()
    world.registry.transact("cancel", batch_id, 5, 0, "", sender=holder).expect_ok()
    retirement = world.registry.call("retirementHash", 1)
    cancellation = world.registry.call("cancellationHash", 1)

    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        assert world.balance(sink, batch_id) == 5
        for attempt in _movements(world, sink, holder, batch_id).values():
            refused(world, attempt, "RegistryInvalidAccountKind", account=sink, kind=kind)
        # Nor around the registry's own functions, nor by an operator.
        refused(
            world,
            partial(
                world.registry.transact,
                "safeTransferFrom",
                sink,
                holder,
                batch_id,
                5,
                b"",
                sender=sink,
            ),
            "RegistryUnsupportedOperation",
        )
        refused(
            world,
            partial(
                world.registry.transact,
                "safeBatchTransferFrom",
                sink,
                holder,
                [batch_id],
                [5],
                b"",
                sender=sink,
            ),
            "RegistryUnsupportedOperation",
        )
        refused(
            world,
            partial(world.registry.transact, "setApprovalForAll", holder, True, sender=sink),
            "RegistryUnsupportedOperation",
        )
        assert world.registry.call("isApprovedForAll", sink, holder) is False
        # The registrar cannot freeze or close a sink, and a committee cannot correct out of it.
        for function in ("freezeAccount", "closeAccount"):
            refused(
                world,
                partial(world.registry.transact, function, sink, sender=jp.registrar),
                "RegistryInvalidAccountKind",
                account=sink,
                kind=kind,
            )
        first = int(world.registry.call("batchState", batch_id)[1])
        correction = world.correction_decision(
            ID, sink, batch_id, first, first, label=f"undo {sink}"
        )
        refused(
            world,
            partial(world.decide, ID, correction),
            "RegistryInvalidAccountKind",
            account=sink,
            kind=kind,
        )
    # The records are exactly as they were: the retired and cancelled serials never moved again.
    assert world.registry.call("retirementHash", 1) == retirement
    assert world.registry.call("cancellationHash", 1) == cancellation


def test_credits_cannot_be_sent_into_a_sink_without_a_record(world: World) -> None:
    jp = world.sides[JP]
    holder = jp.holders[0]
    batch_id = _issue(world, [(holder, 20)])
    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        refused(
            world,
            partial(world.registry.transact, "transfer", sink, batch_id, 1, sender=holder),
            "RegistryInvalidAccountKind",
            account=sink,
            kind=kind,
        )
        refused(
            world,
            partial(world.decide, ID, world.issuance_decision(ID, "ID001", [(sink, 5)])),
            "RegistryInvalidAccountKind",
            account=sink,
            kind=kind,
        )
    refused(
        world,
        lambda: world.registry.transact(
            "cancel", batch_id, 1, int(CancellationReason.CORRECTION), "", sender=holder
        ),
        "RegistryReservedCancellationReason",
        reason=CancellationReason.CORRECTION,
    )


def test_holders_cannot_move_credits_through_erc1155(world: World) -> None:
    holder, other = world.sides[JP].holders[:2]
    batch_id = _issue(world, [(holder, 20)])
    registry = world.registry
    for attempt in (
        lambda: registry.transact(
            "safeTransferFrom", holder, other, batch_id, 5, b"", sender=holder
        ),
        lambda: registry.transact(
            "safeBatchTransferFrom", holder, other, [batch_id], [5], b"", sender=holder
        ),
        lambda: registry.transact("setApprovalForAll", other, True, sender=holder),
        # An "operator" moving the holder's credits.
        lambda: registry.transact(
            "safeTransferFrom", holder, other, batch_id, 5, b"", sender=other
        ),
    ):
        refused(world, attempt, "RegistryUnsupportedOperation")
    assert world.balance(holder, batch_id) == 20


def test_credits_without_article6_authorization_cannot_leave_their_side(world: World) -> None:
    holder = world.sides[ID].holders[0]
    batch_id = _issue(world, [(holder, 20)], authorization=d.Authorization.NONE)
    for abroad in (world.sides[JP].holders[0], world.sides[TH].holders[0]):
        side = bytes(world.registry.call("accountInfo", abroad)[2])
        refused(
            world,
            partial(world.registry.transact, "transfer", abroad, batch_id, 1, sender=holder),
            "Article6TransferNotAuthorized",
            batchId=batch_id,
            fromSide=ID,
            toSide=side,
        )
    # never internationally transferred: no serial of it was first transferred
    assert world.article6.call("batchArticle6", batch_id)[9] is False
    assert list(world.article6.call("firstTransfers", batch_id)) == []


def test_a_paused_ledger_moves_nothing_but_signed_decisions_still_execute(world: World) -> None:
    """A pause stops holders' movements only: a decision both governments signed never lapses
    because one authority paused (README "Who can do what")."""
    holder, other = world.sides[JP].holders[:2]
    batch_id = _issue(world, [(holder, 20)])
    world.governance.transact("pause", ID, PAUSE_SECONDS, sender=world.authorities[ID]).expect_ok()
    for attempt in _movements(world, holder, other, batch_id).values():
        refused(world, attempt, "RegistryPaused", side=ID)
    world.decide(ID, world.issuance_decision(ID, "ID001", [(holder, 5)])).expect_ok()
    first = int(world.registry.call("batchState", batch_id)[1])
    world.decide(
        ID, world.correction_decision(ID, holder, batch_id, first, first, label="paused")
    ).expect_ok()


def test_a_contract_account_holder_cannot_reenter_because_the_registry_never_calls_out(
    world: World,
) -> None:
    """The registry never calls a holder: its only external call on a movement goes to its own
    ``JCMArticle6`` (created by it, on an NDC retirement, an OIMP cancellation or a transfer between
    sides), which calls nothing back. A contract-wallet holder whose hooks try to move the credits
    again is never called, and works as an ordinary account holder."""
    owner = actor("contract holder owner")
    world.rpc.fund(owner)
    holder = world.deploy("ContractAccountHolder", owner, world.registry.address)
    peer = world.deploy("ContractAccountHolder", owner, world.registry.address)
    for wallet, side in ((holder, JP), (peer, JP)):
        world.open_account(side, wallet.address, name=f"Contract wallet {wallet.address[:8]}")
    friend = world.sides[JP].holders[0]
    extra = [holder, peer]

    def through(wallet: Contract, function: str, *args: object) -> Outcome:
        call = world.registry.encode(function, *args)
        return wallet.transact("execute", world.registry.address, call, sender=owner, trace=True)

    def no_registry_calls(outcome: Outcome, article6: bool = False) -> None:
        outcome.expect_ok()
        calls = registry_calls(world, outcome)
        expected = [world.article6.address.lower()] if article6 else []
        assert [str(c.get("to", "")).lower() for c in calls] == expected, (
            "the registry called out during a movement"
        )
        # JCMArticle6 only reads (the allocations' sides at issuance): it calls nothing that writes.
        assert outcome.trace is not None
        assert {c["type"] for c in subcalls(outcome.trace, world.article6.address)} <= {
            "STATICCALL"
        }

    # Issuance straight into the contract account.
    issuance = world.issuance_decision(
        ID, "ID001", [(holder.address, 60), (friend, 40)], authorization=1
    )
    signed = world.sign(issuance, world.quorum(ID))
    name, args = issuance.contract_call(signed)
    issued = world.committees[ID].transact(name, *args, sender=world.submitter, trace=True)
    no_registry_calls(issued)
    # The tracer does see calls: the projects contract calls the registry to mint.
    assert issued.trace is not None and subcalls(issued.trace, world.projects.address)
    batch_id = int(world.registry.call("batchCount"))

    # Its hooks would send the credits it receives straight to the friend, a second time.
    holder.transact(
        "setReentryPayload", world.registry.encode("transfer", friend, batch_id, 60), sender=owner
    ).expect_ok()
    no_registry_calls(
        world.registry.transact("transfer", holder.address, batch_id, 10, sender=friend, trace=True)
    )
    no_registry_calls(through(holder, "transfer", peer.address, batch_id, 20))
    no_registry_calls(through(peer, "transfer", holder.address, batch_id, 5))
    # An NDC retirement is checked by Article 6; a voluntary cancellation concerns it not.
    no_registry_calls(
        through(holder, "retire", batch_id, 7, JP, 0, "Contract wallet", ""), article6=True
    )
    no_registry_calls(through(holder, "cancel", batch_id, 3, 0, ""))

    # 60 issued + 10 received - 20 sent + 5 back - 7 retired - 3 cancelled
    assert world.balance(holder.address, batch_id) == 45
    assert world.balance(peer.address, batch_id) == 15
    assert world.balance(friend, batch_id) == 30
    for wallet in extra:
        assert int(wallet.call("hooksEntered")) == 0, "the registry called a holder's hook"
        assert int(wallet.call("reentries")) == 0
    # A movement the owner did not make is refused as usual: the wallet is an ordinary account.
    refused(
        world,
        lambda: through(holder, "transfer", friend, batch_id, 46),
        "RegistryInsufficientCredits",
        extra=extra,
        account=holder.address,
        balance=45,
        needed=46,
    )
