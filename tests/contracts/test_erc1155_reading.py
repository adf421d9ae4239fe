"""ERC-1155 reading compatibility: wallets and explorers see holdings without custom code."""

from __future__ import annotations

from collections import defaultdict

from registry_client import decisions as d
from registry_client.domain import (
    ZERO_ADDRESS,
    CancellationReason,
    RetirementPurpose,
)
from support.contracts import (
    ID,
    JP,
    URI,
    World,
    addr,
    events,
    view_reverts,
    whole_list,
)


def test_balances(world: World) -> None:
    registry, a, b = world.registry, world.jp.companies[0], world.id.companies[0]
    first = world.issue("ID012", [(a, 10), (b, 20)])
    second = world.issue("ID013", [(a, 5)])
    registry.retire(first, 4, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    assert registry.balanceOf(a, first) == 6 and registry.balanceOf(a, second) == 5
    assert registry.balanceOf(b, second) == 0 and registry.balanceOf(a, 99) == 0
    # A sink's balance is what it consumed.
    assert registry.balanceOf(world.jp.retirement, first) == 4
    assert list(
        registry.balanceOfBatch(
            [a, a, b, world.jp.retirement, b], [first, second, first, first, 99]
        )
    ) == [6, 5, 20, 4, 0]
    assert list(registry.balanceOfBatch([], [])) == []
    view_reverts(
        registry,
        "balanceOfBatch",
        [addr(a), addr(b)],
        [first],
        error="ERC1155InvalidArrayLength",
        idsLength=1,
        valuesLength=2,
    )


def test_uri_and_interfaces(world: World) -> None:
    registry = world.registry
    assert registry.uri(0) == URI and registry.uri(12345) == URI
    for interface in ("0xd9b67a26", "0x0e89341c", "0x01ffc9a7", "0x7965db0b"):
        assert registry.supportsInterface(interface), interface  # ERC1155, metadata, ERC165, AC
    for interface in ("0xffffffff", "0x4e2312e0", "0x12345678"):
        assert not registry.supportsInterface(interface), interface


def test_erc1155_transfers_and_approvals_are_refused(world: World) -> None:
    registry, a, b = world.registry, world.jp.companies[0], world.jp.companies[1]
    batch = world.issue("ID012", [(a, 10)])
    for function, args in (
        ("safeTransferFrom", (addr(a), addr(b), batch, 1, b"")),
        ("safeBatchTransferFrom", (addr(a), addr(b), [batch], [1], b"")),
        ("setApprovalForAll", (addr(b), True)),
    ):
        view_reverts(registry, function, *args, error="RegistryUnsupportedOperation")
    assert not registry.isApprovedForAll(a, b)
    assert registry.balanceOf(a, batch) == 10


def test_transfer_single_events_alone_give_every_balance(world: World) -> None:
    """An explorer that follows only TransferSingle (issuance from the zero address, transfers,
    retirements and cancellations into the sinks, corrections) gets the same balances as the
    contract."""
    registry, jp = world.registry, world.jp
    a, b, c = jp.companies
    receipts = [world.issue_receipt("ID012", [(a, 50), (b, 30), (world.id.companies[0], 20)])]
    batch = int(registry.batchCount())
    receipts.append(registry.transfer(c, batch, 12, sender=a))
    receipts.append(registry.transfer(a, batch, 5, sender=c))
    receipts.append(
        registry.retire(batch, 7, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=b)
    )
    receipts.append(
        registry.cancel(batch, 3, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=c)
    )
    receipts.append(
        world.projects.correct(d.decision_id("fix"), b, batch, 60, 61, sender=world.committees[ID])
    )
    receipts.append(
        registry.transfer(world.id.companies[1], batch, 4, sender=world.id.companies[0])
    )
    balances: dict[str, int] = defaultdict(int)
    for receipt in receipts:
        moves = events(receipt, "TransferSingle")
        assert moves, f"no TransferSingle in {receipt.txn_hash}"
        for move in moves:
            assert move["id"] == batch
            if move["from"] != ZERO_ADDRESS:
                balances[move["from"]] -= move["value"]
            balances[move["to"]] += move["value"]
    assert balances.pop(ZERO_ADDRESS, 0) == 0
    holders = whole_list(registry.batchHolders, batch)
    assert set(balances) == set(holders)
    for holder, balance in balances.items():
        assert registry.balanceOf(holder, batch) == balance, holder
    assert sum(balances.values()) == 100
