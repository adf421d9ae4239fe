"""The ledger's storage bounds, reached: the batch ids holding lists can name (24-bit links) and the
ranges one holding can store (an 8-bit count), each refused with its error's data.

Opening accounts beyond the links' reach is in ``test_governance_accounts``; receiving beyond
``MAX_RANGES_PER_HOLDING`` and moving beyond ``MAX_RANGES_PER_MOVE`` in ``test_fragmentation``.
"""

from __future__ import annotations

from registry_client import decisions as d
from support.contracts import ID, World, addr, fast_send, ranges, reverts

#: ``JCMRegistryState._counters``' storage slot (after AccessControl's roles, the URI, the sides,
#: the countries and the accounts) and where its batch count sits (after the pause's 64 + 16 bits).
COUNTERS_SLOT = 5
BATCH_COUNT_SHIFT = 80
MASK40 = 2**40 - 1
#: Most batch ids holding lists can name (24-bit links, the top value marking a list's end).
MAX_LISTED_BATCHES = 2**24 - 2
#: ``SerialRanges.MAX_RANGES``: a holding's range count is 8 bits.
MAX_STORED_RANGES = 255


def test_a_batch_beyond_what_holding_lists_can_name_is_refused(world: World) -> None:
    """Batch ids are the links of an account's batch list: the batch after the last one a link can
    name is refused at its first allocation, and nothing of it stays. The batch counter is moved to
    the ceiling with anvil's setStorageAt, and put back after."""
    w3, registry = world.registry.provider.web3, world.registry
    world.issue("ID012", [(world.jp.companies[0], 5)])
    original = w3.eth.get_storage_at(registry.address, COUNTERS_SLOT)
    value = int.from_bytes(original, "big")
    count = (value >> BATCH_COUNT_SHIFT) & MASK40
    assert count == registry.batchCount() > 0  # the slot and offset are the ones assumed
    full = value & ~(MASK40 << BATCH_COUNT_SHIFT) | (MAX_LISTED_BATCHES << BATCH_COUNT_SHIFT)
    w3.provider.make_request(
        "anvil_setStorageAt",
        [registry.address, hex(COUNTERS_SLOT), "0x" + full.to_bytes(32, "big").hex()],
    )
    try:
        assert registry.batchCount() == MAX_LISTED_BATCHES
        with reverts("RegistryTooManyBatches", max=MAX_LISTED_BATCHES):
            world.issue_receipt("ID012", [(world.jp.companies[0], 5)])
    finally:
        w3.provider.make_request(
            "anvil_setStorageAt", [registry.address, hex(COUNTERS_SLOT), "0x" + original.hex()]
        )
    assert registry.batchCount() == count


def test_a_correction_that_would_split_a_holding_beyond_255_ranges_is_refused(
    world: World,
) -> None:
    """Corrections may split a holding past ``MAX_RANGES_PER_HOLDING`` (a holder must not block
    one by fragmenting), up to the 255 ranges a holding stores: 254 single-serial corrections
    leave 255 ranges, the next split is refused, and taking a whole range still works."""
    registry, a = world.registry, world.jp.companies[0]
    batch = world.issue("ID012", [(a, 600)])
    first = int(registry.batchState(batch).firstSerial)

    def correct(serial: int) -> None:
        fast_send(
            world.projects, "correct", d.decision_id(f"split {serial}"), addr(a), batch,
            serial, serial, sender=world.committees[ID],
        )  # fmt: skip

    for k in range(MAX_STORED_RANGES - 1):
        correct(first + 1 + 2 * k)
    held = ranges(registry.holdingRanges(a, batch))
    assert len(held) == MAX_STORED_RANGES
    assert held[-1] == (first + 508, first + 599)
    inside = first + 550
    with reverts(
        "RegistryHoldingTooFragmented", account=addr(a), batchId=batch, max=MAX_STORED_RANGES
    ):
        world.projects.correct(
            d.decision_id("one split too many"), a, batch, inside, inside,
            sender=world.committees[ID],
        )  # fmt: skip
    assert ranges(registry.holdingRanges(a, batch)) == held
    correct(first)  # a whole range: no split
    assert len(registry.holdingRanges(a, batch)) == MAX_STORED_RANGES - 1
    assert registry.balanceOf(a, batch) == 600 - MAX_STORED_RANGES
