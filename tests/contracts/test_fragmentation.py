"""Bounded loops and fragmentation: MAX_RANGES_PER_MOVE, MAX_RANGES_PER_HOLDING, many small moves.

``fragmented`` (module-scoped) corrects every second serial of a holding 127 times, leaving it with
exactly ``MAX_RANGES_PER_HOLDING`` (128) ranges; the corrections are sent through web3.py from the
(unlocked) committee account to keep the set-up quick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from registry_client import decisions as d
from registry_client.domain import (
    MAX_RANGES_PER_HOLDING,
    MAX_RANGES_PER_MOVE,
    Authorization,
    CancellationReason,
    RetirementPurpose,
    SerialLocation,
)
from support.contracts import (
    ID,
    JP,
    World,
    addr,
    events,
    fast_send,
    ranges,
    reverts,
    web3_contract,
)
from support.invariants import assert_registry_invariants, retirement_struct


@dataclass
class Fragmented:
    batch: int
    first: int  # the batch's first serial; a holds first..first+299 minus corrections
    a: Any
    b: Any
    c: Any


@pytest.fixture(scope="module")
def fragmented(world: World) -> Fragmented:
    a, b, c = world.jp.companies
    batch = world.issue("ID012", [(a, 300), (c, 1), (b, 99)])
    first = int(world.registry.batchState(batch).firstSerial)
    for k in range(MAX_RANGES_PER_HOLDING - 1):
        serial = first + 1 + 2 * k
        fast_send(
            world.projects,
            "correct",
            d.decision_id(f"fragment {serial}"),
            addr(a),
            batch,
            serial,
            serial,
            sender=world.committees[ID],
        )
    assert len(world.registry.holdingRanges(a, batch)) == MAX_RANGES_PER_HOLDING
    return Fragmented(batch=batch, first=first, a=a, b=b, c=c)


def test_holding_with_the_maximum_number_of_ranges(world: World, fragmented: Fragmented) -> None:
    f, registry = fragmented, world.registry
    held = ranges(registry.holdingRanges(f.a, f.batch))
    assert held[:3] == [(f.first, f.first), (f.first + 2, f.first + 2), (f.first + 4, f.first + 4)]
    assert held[-1] == (f.first + 254, f.first + 299)
    assert registry.balanceOf(f.a, f.batch) == 300 - 127
    where = registry.locateSerial(f.first + 253)
    assert where.location == SerialLocation.CONSUMED  # by cancellation 127: its event says
    assert registry.locateSerial(f.first + 252).account == addr(f.a)
    # A correction may split a range past the bound: it is a bilateral decision, which the holder
    # must not be able to block by fragmenting (deposits stay bounded: see the next test).
    world.projects.correct(
        d.decision_id("one more"),
        f.a,
        f.batch,
        f.first + 260,
        f.first + 260,
        sender=world.committees[ID],
    )
    held = ranges(registry.holdingRanges(f.a, f.batch))
    assert len(held) == MAX_RANGES_PER_HOLDING + 1
    assert held[-2:] == [(f.first + 254, f.first + 259), (f.first + 261, f.first + 299)]
    world.projects.correct(
        d.decision_id("edge"),
        f.a,
        f.batch,
        f.first + 254,
        f.first + 254,
        sender=world.committees[ID],
    )
    assert len(registry.holdingRanges(f.a, f.batch)) == MAX_RANGES_PER_HOLDING + 1


def test_a_move_takes_at_most_32_ranges(world: World, fragmented: Fragmented) -> None:
    f, registry, gov = fragmented, world.registry, world.jp.government
    with reverts("RegistryTooManyRanges", account=f.a, batchId=f.batch, max=MAX_RANGES_PER_MOVE):
        registry.transfer(gov, f.batch, MAX_RANGES_PER_MOVE + 1, sender=f.a)
    with reverts("RegistryTooManyRanges", account=f.a, batchId=f.batch, max=MAX_RANGES_PER_MOVE):
        registry.retire(
            f.batch,
            MAX_RANGES_PER_MOVE + 1,
            JP,
            RetirementPurpose.VOLUNTARY_OFFSET,
            "",
            "",
            sender=f.a,
        )
    with reverts("RegistryTooManyRanges", account=f.a, batchId=f.batch, max=MAX_RANGES_PER_MOVE):
        registry.cancel(f.batch, 100, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=f.a)
    receipt = registry.transfer(gov, f.batch, MAX_RANGES_PER_MOVE, sender=f.a)
    (moved,) = events(receipt, "CreditsTransferred")
    assert [tuple(r) for r in moved["ranges"]] == [
        (f.first + 2 * k, f.first + 2 * k) for k in range(32)
    ]
    assert len(registry.holdingRanges(gov, f.batch)) == MAX_RANGES_PER_MOVE
    assert len(registry.holdingRanges(f.a, f.batch)) == MAX_RANGES_PER_HOLDING - MAX_RANGES_PER_MOVE
    receipt = registry.retire(
        f.batch, MAX_RANGES_PER_MOVE, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=f.a
    )
    (retired,) = events(receipt, "CreditsRetired")
    assert len(retired["ranges"]) == MAX_RANGES_PER_MOVE
    assert registry.verifyRetirement(retirement_struct(retired))


def test_a_deposit_may_not_fragment_a_full_holding(world: World, fragmented: Fragmented) -> None:
    f, registry = fragmented, world.registry
    # b's lowest serial (first+301) is not adjacent to a's ranges (first+300 is c's).
    with reverts(
        "RegistryHoldingTooFragmented", account=f.a, batchId=f.batch, max=MAX_RANGES_PER_HOLDING
    ):
        registry.transfer(f.a, f.batch, 1, sender=f.b)
    # Adjacent serials merge, so the full holding still receives them.
    registry.transfer(f.a, f.batch, 1, sender=f.c)
    registry.transfer(f.a, f.batch, 10, sender=f.b)
    held = ranges(registry.holdingRanges(f.a, f.batch))
    assert len(held) == MAX_RANGES_PER_HOLDING and held[-1] == (f.first + 254, f.first + 310)
    # Serials that fill gaps merge ranges back together.
    registry.transfer(world.jp.government, f.batch, 5, sender=f.a)  # first, +2, +4, +6, +8
    registry.transfer(f.a, f.batch, 5, sender=world.jp.government)
    assert ranges(registry.holdingRanges(f.a, f.batch)) == held


def test_many_small_moves_keep_conservation_and_unique_serials(world: World) -> None:
    """Deterministic random walk: transfers back and forth between three accounts (and across sides
    for an authorized batch), with retirements and cancellations; the balances a simple model
    predicts, and the invariants, are checked as it goes."""
    registry, rng = world.registry, random.Random(20240701)
    accounts = [*world.jp.companies, world.id.companies[0]]
    plain = world.issue("ID012", [(accounts[0], 120), (accounts[1], 80), (accounts[2], 40)])
    authorized = world.issue(
        "ID013", [(accounts[3], 100), (accounts[0], 50)], authorization=Authorization.NDC
    )
    model = {
        plain: {0: 120, 1: 80, 2: 40, 3: 0},
        authorized: {0: 50, 1: 0, 2: 0, 3: 100},
    }
    snapshot = assert_registry_invariants(registry, world.projects)
    for step in range(1, 61):
        batch = authorized if step % 3 == 0 else plain
        candidates = [0, 1, 2, 3] if batch == authorized else [0, 1, 2]
        sender = rng.choice([i for i in candidates if model[batch][i] > 0])
        quantity = rng.randint(1, min(model[batch][sender], 9))
        action = rng.random()
        model[batch][sender] -= quantity
        if action < 0.08 and sender != 3:
            registry.retire(
                batch,
                quantity,
                JP,
                RetirementPurpose.VOLUNTARY_OFFSET,
                "",
                "",
                sender=accounts[sender],
            )
        elif action < 0.14 and sender != 3:
            registry.cancel(
                batch,
                quantity,
                CancellationReason.VOLUNTARY_CANCELLATION,
                "",
                sender=accounts[sender],
            )
        else:
            recipient = rng.choice([i for i in candidates if i != sender])
            fast_send(
                registry,
                "transfer",
                addr(accounts[recipient]),
                batch,
                quantity,
                sender=accounts[sender],
            )
            model[batch][recipient] += quantity
        if step % 20 == 0:
            snapshot = assert_registry_invariants(registry, world.projects, previous=snapshot)
    reader = web3_contract(registry).functions
    for batch in (plain, authorized):
        for index, holder in enumerate(accounts):
            assert reader.balanceOf(addr(holder), batch).call() == model[batch][index]
            held = ranges(reader.holdingRanges(addr(holder), batch).call())
            assert len(held) <= MAX_RANGES_PER_HOLDING
            for first, last in held:
                for serial in {first, last}:
                    location, batch_id, account = reader.locateSerial(serial).call()
                    assert (location, account, batch_id) == (
                        SerialLocation.HELD,
                        addr(holder),
                        batch,
                    )
    assert world.article6.batchArticle6(authorized).internationallyTransferred
