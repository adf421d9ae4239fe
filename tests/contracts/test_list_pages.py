"""The ledger's list views answer in pages (`batchHolders`, `accountBatches`): each page reads a
bounded number of slots however long a batch's holder list or an account's history grows."""

from __future__ import annotations

from typing import Any

from registry_client.domain import MAX_PAGE_SIZE, RetirementPurpose
from support.contracts import JP, World, addr, view_reverts, whole_list


def _pages(view: Any, key: Any, size: int) -> list[tuple[list[Any], int]]:
    """Each page of ``view(key, cursor, size)`` from the first to the one whose cursor is 0."""
    pages = []
    cursor = 0
    while True:
        items, cursor = view(key, cursor, size)
        pages.append((list(items), int(cursor)))
        if cursor == 0:
            return pages


def test_holders_page_by_page(world: World) -> None:
    registry, (a, b, c) = world.registry, world.jp.companies[:3]
    batch = world.issue("ID012", [(a, 10)])
    registry.transfer(b, batch, 2, sender=a)
    registry.transfer(c, batch, 2, sender=b)
    everyone = whole_list(registry.batchHolders, batch)
    assert sorted(everyone) == sorted([addr(a), addr(b), addr(c)])
    pages = _pages(registry.batchHolders, batch, 1)
    assert [items for items, _ in pages] == [[h] for h in everyone]
    assert [cursor != 0 for _, cursor in pages] == [True, True, False]
    assert _pages(registry.batchHolders, batch, 2)[0][0] == everyone[:2]
    assert _pages(registry.batchHolders, batch, MAX_PAGE_SIZE) == [(everyone, 0)]
    assert whole_list(registry.batchHolders, batch + 1) == []  # no such batch: nobody


def test_a_holding_accounts_batches_page_by_page_newest_first(world: World) -> None:
    registry, a = world.registry, world.jp.companies[0]
    batches = [world.issue(ref, [(a, 5)]) for ref in ("ID012", "ID013", "ID012")]
    pages = _pages(registry.accountBatches, a, 2)
    assert [items for items, _ in pages] == [batches[:0:-1], batches[:1]]
    assert pages[-1][1] == 0
    assert whole_list(registry.accountBatches, world.spare[0]) == []


def test_a_sinks_batches_are_found_by_scanning_a_page_of_batch_ids(world: World) -> None:
    registry, a = world.registry, world.jp.companies[0]
    batches = [world.issue(ref, [(a, 5)]) for ref in ("ID012", "ID013", "ID012")]
    for batch in (batches[0], batches[2]):
        registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    sink, _ = registry.sideAccounts(JP)
    count = registry.batchCount()
    # a page scans `limit` ids: the sink did not receive the middle batch, so that page is empty
    pages = _pages(registry.accountBatches, sink, 1)
    assert len(pages) == count
    found = [b for items, _ in pages for b in items]
    assert [b for b in found if b in batches] == [batches[0], batches[2]]
    assert whole_list(registry.accountBatches, sink) == found


def test_a_page_from_a_cursor_off_the_list_or_of_a_bad_size_is_refused(world: World) -> None:
    registry, (a, b) = world.registry, world.jp.companies[:2]
    batch = world.issue("ID012", [(a, 10)])
    registry.transfer(b, batch, 2, sender=a)
    other = world.issue("ID013", [(b, 1)])
    for limit in (0, MAX_PAGE_SIZE + 1):
        view_reverts(
            registry, "batchHolders", batch, 0, limit,
            error="RegistryInvalidPage", cursor=0, limit=limit, maxLimit=MAX_PAGE_SIZE,
        )  # fmt: skip
        view_reverts(
            registry, "accountBatches", addr(a), 0, limit,
            error="RegistryInvalidPage", cursor=0, limit=limit, maxLimit=MAX_PAGE_SIZE,
        )  # fmt: skip
    # a cursor names an item on the list: an account number that holds no batch, a batch not held
    for cursor in (9_999, 2**24 - 1, 2**200):
        view_reverts(
            registry, "batchHolders", batch, cursor, 1,
            error="RegistryInvalidPage", cursor=cursor, limit=1, maxLimit=MAX_PAGE_SIZE,
        )  # fmt: skip
    view_reverts(
        registry, "accountBatches", addr(a), other, 1,
        error="RegistryInvalidPage", cursor=other, limit=1, maxLimit=MAX_PAGE_SIZE,
    )  # fmt: skip
    sink, _ = registry.sideAccounts(JP)
    beyond = registry.batchCount() + 2
    view_reverts(
        registry, "accountBatches", sink, beyond, 1,
        error="RegistryInvalidPage", cursor=beyond, limit=1, maxLimit=MAX_PAGE_SIZE,
    )  # fmt: skip
    # the cursor a page gave is on the list
    _, cursor = registry.batchHolders(batch, 0, 1)
    assert list(registry.batchHolders(batch, cursor, 1)[0]) != []
