"""Griefing by fragmentation: an attacker sends a victim many tiny, non-adjacent slices of a batch.

Every slice that does not touch the victim's serials adds a range to its holding. The ledger bounds
a holding at ``MAX_RANGES_PER_HOLDING`` (128) ranges and a movement at ``MAX_RANGES_PER_MOVE`` (32):
the attack stops at the bound, adjacent serials still merge, and the victim can always move all its
credits out, 32 ranges at a time, with conservation intact.
"""

from __future__ import annotations

from fuzz.harness import actor
from fuzz.world import ID, World

from registry_client.domain import MAX_RANGES_PER_HOLDING, MAX_RANGES_PER_MOVE

from .scenario import refused

#: Gas the costliest bounded movement may use (measured 5.6M with solc 0.8.28, 200 runs): a third
#: of a 30M-gas block. Gas is deterministic, so this fails only when the ledger's cost grows.
MOVE_GAS_CEILING = 10_000_000


def test_fragmenting_a_victims_holding_stops_at_the_bound_and_the_victim_can_still_move_everything(
    world: World,
) -> None:
    side = world.sides[ID]
    attacker, helper, victim = side.holders
    registry = world.registry
    batch_id = world.issue(ID, "ID001", [(attacker, 400)])
    first = int(registry.call("batchState", batch_id)[1])

    # Transfers take the sender's lowest serials, so alternating one credit to the victim and one
    # to a helper hands the victim serials first, first+2, first+4...: one new range each time.
    registry.transact_all(
        [
            ("transfer", (to, batch_id, 1))
            for _ in range(MAX_RANGES_PER_HOLDING)
            for to in (victim, helper)
        ],
        sender=attacker,
    )
    ranges = world.ranges(victim, batch_id)
    assert len(ranges) == MAX_RANGES_PER_HOLDING
    assert ranges == [(first + 2 * i, first + 2 * i) for i in range(MAX_RANGES_PER_HOLDING)]

    # One more non-adjacent slice would be range 129: refused, nothing changes.
    refused(
        world,
        lambda: registry.transact("transfer", victim, batch_id, 1, sender=attacker),
        "RegistryHoldingTooFragmented",
        account=victim,
        batchId=batch_id,
        max=MAX_RANGES_PER_HOLDING,
    )
    # A slice adjacent to the victim's serials merges (the helper's lowest is first+1): accepted,
    # and the holding gets *less* fragmented.
    registry.transact("transfer", victim, batch_id, 1, sender=helper).expect_ok()
    ranges = world.ranges(victim, batch_id)
    assert len(ranges) == MAX_RANGES_PER_HOLDING - 1 and ranges[0] == (first, first + 2)
    # The bound is per holding: the victim still receives other batches.
    other_batch = world.issue(ID, "ID001", [(attacker, 5)])
    registry.transact("transfer", victim, other_batch, 5, sender=attacker).expect_ok()

    # Moving everything at once would take more than 32 ranges: refused...
    balance = world.balance(victim, batch_id)
    refused(
        world,
        lambda: registry.transact("transfer", helper, batch_id, balance, sender=victim),
        "RegistryTooManyRanges",
        account=victim,
        batchId=batch_id,
        max=MAX_RANGES_PER_MOVE,
    )
    # ... but 32 ranges per move always fit in a block. The costliest such move: 32 ranges into the
    # helper's interleaved holding, where each one merges with both neighbours and shifts the rest
    # (estimated, not mined: anvil's step tracing makes mining it take minutes).
    first_32 = world.ranges(victim, batch_id)[:MAX_RANGES_PER_MOVE]
    quantity = sum(b - a + 1 for a, b in first_32)
    worst = registry.estimate_gas("transfer", helper, batch_id, quantity, sender=victim)
    assert worst < MOVE_GAS_CEILING, f"a bounded move needs {worst} gas"
    # The victim empties its holding into a fresh account, 32 ranges at a time.
    refuge = actor("fragmentation refuge")
    world.open_account(ID, refuge, name="Victim's new account")
    moves = 0
    while world.balance(victim, batch_id):
        chunk = world.ranges(victim, batch_id)[:MAX_RANGES_PER_MOVE]
        quantity = sum(b - a + 1 for a, b in chunk)
        outcome = registry.transact("transfer", refuge, batch_id, quantity, sender=victim)
        assert outcome.expect_ok().gas_used < MOVE_GAS_CEILING
        moves += 1
    assert moves == -(-(MAX_RANGES_PER_HOLDING - 1) // MAX_RANGES_PER_MOVE)  # ceil(127 / 32) = 4
    assert world.ranges(victim, batch_id) == []
    assert world.balance(refuge, batch_id) == MAX_RANGES_PER_HOLDING + 1
    assert len(world.ranges(refuge, batch_id)) == MAX_RANGES_PER_HOLDING - 1
    # Conservation: every serial of the batch is still in exactly one holding.
    totals = registry.call("batchTotals", batch_id)
    held = sum(world.balance(a, batch_id) for a in (attacker, helper, victim, refuge))
    assert (int(totals[0]), int(totals[1])) == (400, held)


def test_a_holder_fragmenting_its_own_holding_cannot_block_a_correction(world: World) -> None:
    """A holder expecting a correction (say, of credits issued to it by mistake) fragments its own
    holding to the bound with an accomplice, hoping a correction of serials strictly inside one of
    its ranges (which splits that range) is refused. Corrections are bilateral decisions, so the
    ledger lets them split past the bound: the exact serials are corrected and no others. (Deposits
    into a holding at or past the bound stay refused: tests/contracts/test_fragmentation.py.)"""
    side = world.sides[ID]
    holder, accomplice, dump = side.holders
    registry = world.registry
    batch_id = world.issue(ID, "ID001", [(accomplice, 4 * MAX_RANGES_PER_HOLDING)])
    first = int(registry.call("batchState", batch_id)[1])
    registry.transact_all(
        [
            ("transfer", (to, batch_id, n))
            for _ in range(MAX_RANGES_PER_HOLDING)
            for to, n in ((holder, 3), (dump, 1))
        ],
        sender=accomplice,
    )
    ranges = world.ranges(holder, batch_id)
    assert len(ranges) == MAX_RANGES_PER_HOLDING and ranges[5] == (first + 20, first + 22)

    middle = world.correction_decision(ID, holder, batch_id, first + 21, first + 21, label="mid")
    world.decide(ID, middle).expect_ok()
    ranges = world.ranges(holder, batch_id)
    assert len(ranges) == MAX_RANGES_PER_HOLDING + 1
    assert ranges[5:7] == [(first + 20, first + 20), (first + 22, first + 22)]
    # Correcting a whole range brings the holding back to the bound.
    whole = world.correction_decision(ID, holder, batch_id, first + 24, first + 26, label="whole")
    world.decide(ID, whole).expect_ok()
    assert len(world.ranges(holder, batch_id)) == MAX_RANGES_PER_HOLDING
