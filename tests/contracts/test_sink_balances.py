"""Where retirement and cancellation accounts keep their balances (docs/design.md, "The two home
registries' sinks count in the batch's slot").

The sinks of Japan's and the batch's host's registries count what they consumed in the batch's own
storage slot (four 32-bit counters), so their first credits of a batch fill no slot; a third
registry's sink keeps a holding slot, flagged in the batch so that ``batchTotals`` finds it. Every
reader (``balanceOf``, ``batchTotals``, ``batchHolders``, ``accountBatches``) answers the same as if
each sink had its own holding, and the invariant checker (run around every test) agrees.
"""

from __future__ import annotations

from typing import Any

import ape

from registry_client import decisions as d
from registry_client.domain import (
    AccountKind,
    Authorization,
    CancellationReason,
    RetirementPurpose,
)
from support.contracts import (
    ID,
    JP,
    URI,
    VN,
    World,
    addr,
    fast_send,
    load_containers,
    reverts,
    view_reverts,
    whole_list,
)

#: JCMRegistry.MAX_BATCH_QUANTITY: the counters are 32 bits.
MAX_BATCH_QUANTITY = 2**32 - 1
#: SerialRanges.END: batchHolders' cursors of the home sinks start just above it.
END = 2**24 - 1
NDC = Authorization.NDC
VOLUNTARY = RetirementPurpose.VOLUNTARY_OFFSET
VOLUNTARY_CANCELLATION = CancellationReason.VOLUNTARY_CANCELLATION


def _totals(world: World, batch: int) -> list[int]:
    return [int(x) for x in world.registry.batchTotals(batch)]


def test_home_sinks_count_in_the_batch_and_are_listed_after_the_holders(world: World) -> None:
    registry, jp_a, id_a = world.registry, world.jp.companies[0], world.id.companies[0]
    batch = world.issue("ID012", [(jp_a, 20), (id_a, 20)])
    sinks = [world.jp.retirement, world.id.retirement, world.jp.cancellation, world.id.cancellation]
    assert [registry.balanceOf(s, batch) for s in sinks] == [0, 0, 0, 0]
    assert whole_list(registry.batchHolders, batch) == [addr(jp_a), addr(id_a)]

    registry.retire(batch, 3, JP, VOLUNTARY, "", "", sender=jp_a)
    registry.cancel(batch, 1, VOLUNTARY_CANCELLATION, "", sender=id_a)
    # Only the sinks that consumed any are listed, in a fixed order after the linked holders.
    assert whole_list(registry.batchHolders, batch) == [
        addr(jp_a), addr(id_a), addr(world.jp.retirement), addr(world.id.cancellation)
    ]  # fmt: skip
    registry.retire(batch, 4, ID, VOLUNTARY, "", "", sender=id_a)
    registry.cancel(batch, 2, VOLUNTARY_CANCELLATION, "", sender=jp_a)
    registry.retire(batch, 5, JP, VOLUNTARY, "", "", sender=jp_a)

    assert [registry.balanceOf(s, batch) for s in sinks] == [8, 4, 2, 1]
    assert list(registry.balanceOfBatch(sinks, [batch] * 4)) == [8, 4, 2, 1]
    assert _totals(world, batch) == [40, 40 - 15, 12, 3]
    holders = whole_list(registry.batchHolders, batch)
    assert holders == [addr(jp_a), addr(id_a), *map(addr, sinks)]
    # Page by page: the sinks' cursors lie above every account number, and each names the next.
    cursor, seen = 0, []
    while True:
        page, cursor = registry.batchHolders(batch, cursor, 1)
        seen.extend(page)
        if len(seen) > 2 and cursor:
            assert cursor > END
        if not cursor:
            break
    assert seen == holders
    assert registry.batchHolders(batch, END + 2, 3) == ([addr(s) for s in sinks[1:]], 0)
    # Another batch is untouched: each batch counts its own.
    other = world.issue("ID012", [(jp_a, 5)])
    assert [registry.balanceOf(s, other) for s in sinks] == [0, 0, 0, 0]
    assert whole_list(registry.accountBatches, world.jp.retirement) == [batch]


def test_a_page_of_home_sinks_from_a_cursor_beyond_them_is_refused(world: World) -> None:
    registry, jp_a = world.registry, world.jp.companies[0]
    batch = world.issue("ID012", [(jp_a, 5)])
    registry.retire(batch, 1, JP, VOLUNTARY, "", "", sender=jp_a)
    for cursor in (END, END + 5, 2**255):
        view_reverts(
            registry, "batchHolders", batch, cursor, 1,
            error="RegistryInvalidPage", cursor=cursor, limit=1, maxLimit=512,
        )  # fmt: skip
    # A cursor of the home sinks' turn past the last that consumed any answers an empty last page.
    assert registry.batchHolders(batch, END + 4, 1) == ([], 0)


def test_a_third_registrys_sink_keeps_a_holding_of_its_own(world: World) -> None:
    registry, id_a, jp_a, vn_a = (
        world.registry, world.id.companies[0], world.jp.companies[0], world.vn.companies[0]
    )  # fmt: skip
    batch = world.issue("ID012", [(id_a, 10)], authorization=NDC, authorization_id="L")
    registry.transfer(jp_a, batch, 6, sender=id_a)
    registry.transfer(vn_a, batch, 4, sender=jp_a)
    registry.retire(batch, 2, VN, VOLUNTARY, "", "", sender=vn_a)
    registry.cancel(batch, 1, VOLUNTARY_CANCELLATION, "", sender=vn_a)
    registry.retire(batch, 1, JP, VOLUNTARY, "", "", sender=jp_a)

    assert registry.balanceOf(world.vn.retirement, batch) == 2
    assert registry.balanceOf(world.vn.cancellation, batch) == 1
    assert registry.balanceOf(world.jp.retirement, batch) == 1
    assert registry.balanceOf(world.id.retirement, batch) == 0
    assert _totals(world, batch) == [10, 6, 3, 1]
    # Vietnam's sinks are linked among the holders (after the sender); Japan's comes last.
    holders = whole_list(registry.batchHolders, batch)
    assert holders[-1] == addr(world.jp.retirement)
    assert set(holders) == set(map(addr, [id_a, jp_a, vn_a, world.vn.retirement,
                                          world.vn.cancellation, world.jp.retirement]))  # fmt: skip
    assert whole_list(registry.accountBatches, world.vn.retirement) == [batch]
    # Later ones add to the same holding.
    registry.retire(batch, 1, VN, VOLUNTARY, "", "", sender=vn_a)
    assert registry.balanceOf(world.vn.retirement, batch) == 3
    assert _totals(world, batch) == [10, 5, 4, 1]


def test_a_correction_counts_in_the_corrected_sides_cancellation_account(world: World) -> None:
    registry, jp_a, id_a = world.registry, world.jp.companies[0], world.id.companies[0]
    batch = world.issue("ID012", [(jp_a, 10), (id_a, 10)])
    first = int(registry.batchState(batch).firstSerial)
    for account, serial, ref in ((jp_a, first + 2, "fix-jp"), (id_a, first + 15, "fix-id")):
        world.projects.correct(
            d.decision_id(ref), account, batch, serial, serial, sender=world.committees[ID]
        )
    assert registry.balanceOf(world.jp.cancellation, batch) == 1
    assert registry.balanceOf(world.id.cancellation, batch) == 1
    assert _totals(world, batch) == [20, 18, 0, 2]


def _fresh_registry(world: World, project: Any) -> tuple[Any, Any, Any, Any]:
    """A second ledger (only Japan's side): a holding account, Japan's retirement and cancellation
    accounts, and its projects contract as an account that can call ``mint``."""
    containers = load_containers(project)
    admin = world.admin
    registry = admin.deploy(containers["JCMRegistry"], admin, URI)
    registry.grantRole(registry.registrarRole(JP), admin, sender=admin)
    holder, retirement, cancellation = world.spare[:3]
    for account, kind in (
        (holder, AccountKind.HOLDING),
        (retirement, AccountKind.RETIREMENT),
        (cancellation, AccountKind.CANCELLATION),
    ):
        registry.openAccount(account, JP, kind, "Fresh", sender=admin)
    ape.chain.set_balance(registry.projects(), 10**21)
    return registry, ape.accounts[registry.projects()], holder, retirement


def test_a_batch_beyond_what_the_counters_hold_is_refused(world: World, project: Any) -> None:
    registry, projects, holder, _ = _fresh_registry(world, project)
    too_many = MAX_BATCH_QUANTITY + 1
    with reverts("RegistryBatchTooLarge", quantity=too_many, max=MAX_BATCH_QUANTITY):
        registry.mint(ID, too_many, [(holder, too_many)], sender=projects)
    assert registry.MAX_BATCH_QUANTITY() == MAX_BATCH_QUANTITY
    assert registry.batchCount() == 0


def test_the_largest_batch_retired_and_cancelled_whole_fills_the_counters(
    world: World, project: Any
) -> None:
    registry, projects, holder, retirement = _fresh_registry(world, project)
    fast_send(registry, "mint", ID, MAX_BATCH_QUANTITY, [(addr(holder), MAX_BATCH_QUANTITY)],
              sender=projects)  # fmt: skip
    retired = MAX_BATCH_QUANTITY - 1
    fast_send(registry, "retire", 1, retired, JP, VOLUNTARY, "", "", sender=holder)
    fast_send(registry, "cancel", 1, 1, VOLUNTARY_CANCELLATION, "", sender=holder)
    assert registry.balanceOf(retirement, 1) == retired
    assert registry.balanceOf(world.spare[2], 1) == 1
    assert [int(x) for x in registry.batchTotals(1)] == [MAX_BATCH_QUANTITY, 0, retired, 1]
    assert registry.balanceOf(holder, 1) == 0 and list(registry.holdingRanges(holder, 1)) == []
    assert whole_list(registry.batchHolders, 1) == [addr(a) for a in (holder, *world.spare[1:3])]
