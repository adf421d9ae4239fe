"""Pipelined transfers that depend on each other all succeed (issue 11, part 4).

A transfer's gas depends on the state it runs on: when the serials it would give a recipient are
adjacent to the recipient's holding they merge into its range; when an earlier transfer took those
serials, the recipient gains a range (a new storage slot, about 20,000 gas more). Estimated against
the mined state while the earlier transfer was still in flight, such a transfer ran out of gas on
chain (``make bench`` failed so). Here the chain mines only on demand, so every transfer below is
estimated while the earlier ones are pending.
"""

from __future__ import annotations

from support.sdk import World


def test_dependent_transfers_sent_pipelined_all_succeed(world: World) -> None:
    alice = world.client(world.alice)
    carol, bob = world.carol.address, world.bob.address
    alice.transfer(carol, 1, 1)  # Carol holds serial 1; Alice's lowest serial is 2
    world.anvil.rpc("evm_setAutomine", [False])
    plan = [(bob, 1), (carol, 1)] * 4  # each transfer to Carol follows one that took her serial
    for to, quantity in plan:
        alice.send(alice.prepare.transfer(to, 1, quantity), wait=False)
    world.anvil.rpc("evm_mine")
    results = alice.wait_all()
    assert [r.quantity for r in results] == [1] * len(plan)
    carol_holding = alice.holding(carol, 1)
    assert [(r.first, r.last) for r in carol_holding.ranges] == [
        (1, 1),
        (3, 3),
        (5, 5),
        (7, 7),
        (9, 9),
    ]
    assert alice.balance(bob, 1) == 4000 + 4
