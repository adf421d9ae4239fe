"""The shared invariant checker itself: it accepts web3.py contracts, and it catches violations.

The violations are fed through a fake contract (the ledger never produces them), so each check of
``invariants.assert_registry_invariants`` is shown to fail when it should.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import ape
import pytest
from eth_utils import keccak

from registry_client import decisions as d
from registry_client.domain import (
    CancellationReason,
    RetirementPurpose,
)
from support.contracts import (
    JP,
    World,
    addr,
)
from support.invariants import assert_registry_invariants

ARTIFACTS = Path(__file__).resolve().parents[2] / "registry_client" / "artifacts"

A, B = "0x" + "aa" * 20, "0x" + "bb" * 20
RET, CAN = "0x" + "0e" * 20, "0x" + "0c" * 20


class _Call:
    def __init__(self, value: Any) -> None:
        self._value = value

    def call(self) -> Any:
        return self._value


RETIREMENT_FIELDS = (
    "retirementId", "batchId", "account", "retirementAccount", "usingParty", "purpose",
    "quantity", "retiredAt", "beneficiary", "note", "ranges",
)  # fmt: skip
CANCELLATION_FIELDS = (
    "cancellationId", "batchId", "account", "cancellationAccount", "reason", "quantity",
    "cancelledAt", "decisionId", "note", "ranges",
)  # fmt: skip


def _plain(value: Any) -> Any:
    """Lists as tuples, so records compare whatever sequences they were built from."""
    return tuple(_plain(v) for v in value) if isinstance(value, list | tuple) else value


class _Functions:
    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state

    def __getattr__(self, name: str) -> Any:
        if name in ("verifyRetirement", "verifyCancellation"):
            kind = name.removeprefix("verify").lower()

            def verify(record: tuple[Any, ...]) -> _Call:
                committed = self._state[kind].get(record[0])
                return _Call(committed is not None and _plain(record) == _plain(committed))

            return verify

        if name == "batchHolders":  # paged: the cursor here is the position in the list

            def page(batch_id: int, cursor: int, limit: int) -> _Call:
                holders = self._state[name][batch_id]
                end = cursor + limit
                return _Call((holders[cursor:end], end if end < len(holders) else 0))

            return page

        def function(*args: Any) -> _Call:
            value = self._state[name]
            for arg in args:
                value = value[arg]
            return _Call(copy.deepcopy(value))

        return function


class FakeRegistry:
    """Answers the views the checker reads from a plain dict (web3.py-shaped: ``functions``).

    ``state["retirement"]`` and ``state["cancellation"]`` are the records the ledger committed to;
    the record events carry them too, unless ``state["emitted"]`` says what the events carry.
    """

    def __init__(self, state: dict[str, Any]) -> None:
        self.functions = _Functions(state)
        self._state = state

    def record_events(self, name: str) -> list[dict[str, Any]]:
        kind, fields = (
            ("retirement", RETIREMENT_FIELDS)
            if name == "CreditsRetired"
            else ("cancellation", CANCELLATION_FIELDS)
        )
        emitted = self._state.get("emitted", {}).get(kind, self._state[kind])
        return [dict(zip(fields, record, strict=True)) for _, record in sorted(emitted.items())]


def consistent_state() -> dict[str, Any]:
    """One batch of serials 1-10: A holds 1-4, B 6-8, serial 5 retired, 9-10 cancelled."""
    return {
        "batchCount": 1,
        "latestSerial": 10,
        "retirementCount": 1,
        "retirement": {1: (1, 1, A, RET, JP, 0, 1, 1000, "", "", [(5, 5)])},
        "cancellationCount": 1,
        "cancellation": {1: (1, 1, B, CAN, 0, 2, 1000, bytes(32), "", [(9, 10)])},
        "batchState": {1: (b"ID", 1, 10, 0, False)},
        "batchTotals": {1: (10, 7, 1, 2)},
        "batchHolders": {1: [A, B, RET, CAN]},
        "accountInfo": {
            A: (1, 1, JP, 0, 1, "A"),
            B: (1, 1, JP, 0, 1, "B"),
            RET: (3, 1, JP, 0, 0, "R"),  # sinks: no count (they never close)
            CAN: (4, 1, JP, 0, 0, "C"),
        },
        "balanceOf": {A: {1: 4}, B: {1: 3}, RET: {1: 1}, CAN: {1: 2}},
        "holdingRanges": {A: {1: [(1, 4)]}, B: {1: [(6, 8)]}, RET: {1: []}, CAN: {1: []}},
    }


def test_a_consistent_state_passes() -> None:
    snapshot = assert_registry_invariants(FakeRegistry(consistent_state()))
    assert snapshot.batch_count == 1 and set(snapshot.retirements) == {1}
    assert snapshot.sink_balances == {(RET, 1): 1, (CAN, 1): 2}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["holdingRanges"][B].update({1: [(4, 8)]}), "balanceOf 3 != size"),
        (
            lambda s: s["holdingRanges"][B].update({1: [(4, 6)]}),
            "overlaps",
        ),
        (lambda s: s["holdingRanges"][A].update({1: [(1, 2), (3, 4)]}), "not merged"),
        (lambda s: s["holdingRanges"][A].update({1: [(3, 4), (1, 1)]}), "not sorted"),
        (lambda s: s["holdingRanges"][A].update({1: [(0, 3)]}), "outside the batch"),
        (lambda s: s["batchTotals"].update({1: (10, 8, 1, 1)}), "batchTotals"),
        (lambda s: s["balanceOf"][CAN].update({1: 3}), "sink"),
        (lambda s: s["balanceOf"][A].update({1: 3}), "balanceOf 3 != size"),
        (
            lambda s: s.update({"cancellationCount": 0, "cancellation": {}}),
            "issued 10 != held 7 + retired 1 + cancelled 0",
        ),
        (
            lambda s: s.update({"cancellationCount": 2}),
            "cancellation events name ids [1], the ledger counts 2",
        ),
        (  # an event that is not the committed record: a forged beneficiary
            lambda s: s.update(
                {"emitted": {"retirement": {1: (1, 1, A, RET, JP, 0, 1, 1000, "x", "", [(5, 5)])}}}
            ),
            "retirement 1: its event does not match the ledger's hash",
        ),
        (  # a cancellation whose event a node withheld
            lambda s: s.update({"emitted": {"cancellation": {}}}),
            "cancellation events name ids [], the ledger counts 1",
        ),
        (lambda s: s.update({"latestSerial": 11}), "latestSerial"),
        (lambda s: s["batchState"].update({1: (b"ID", 2, 10, 0, False)}), "starts at 2"),
        (lambda s: s["accountInfo"].update({A: (1, 1, JP, 0, 0, "A")}), "nonEmptyHoldings"),
        (
            lambda s: s["retirement"].update({1: (1, 1, A, RET, JP, 0, 2, 1000, "", "", [(5, 5)])}),
            "quantity 2 != size",
        ),
    ],
)
def test_violations_are_caught(mutate: Any, message: str) -> None:
    state = consistent_state()
    mutate(state)
    with pytest.raises(AssertionError, match=re.escape(message)):
        assert_registry_invariants(FakeRegistry(state))


def test_finality_violations_are_caught() -> None:
    before = assert_registry_invariants(FakeRegistry(consistent_state()))
    changed = consistent_state()
    changed["retirement"][1] = (1, 1, A, RET, JP, 1, 1, 1000, "", "", [(5, 5)])  # purpose changed
    with pytest.raises(AssertionError, match="retirement 1 changed"):
        assert_registry_invariants(FakeRegistry(changed), previous=before)
    # A cancellation that disappears, its serials handed back to a holder.
    undone = consistent_state()
    undone.update({"cancellationCount": 0, "cancellation": {}, "batchTotals": {1: (10, 9, 1, 0)}})
    undone["holdingRanges"][B][1] = [(6, 10)]
    undone["balanceOf"][B][1] = 5
    undone["balanceOf"][CAN][1] = 0
    undone["batchHolders"][1] = [A, B, RET]
    with pytest.raises(AssertionError, match="cancellation 1 changed or vanished"):
        assert_registry_invariants(FakeRegistry(undone), previous=before)


def test_the_checker_reads_web3_contracts(world: World) -> None:
    registry, jp = world.registry, world.jp
    batch = world.issue("ID012", [(jp.companies[0], 50)])
    registry.retire(
        batch, 5, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=jp.companies[0]
    )
    registry.cancel(batch, 5, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=jp.companies[0])
    w3 = ape.chain.provider.web3

    def contract(name: str, address: str) -> Any:
        abi = json.loads((ARTIFACTS / f"{name}.json").read_text(encoding="utf-8"))["abi"]
        return w3.eth.contract(address=address, abi=abi)

    snapshot = assert_registry_invariants(
        contract("JCMRegistry", registry.address), contract("JCMProjects", world.projects.address)
    )
    assert snapshot.batch_count == 1
    assert snapshot.retirements[1].quantity == 5 and snapshot.cancellations[1].quantity == 5
    assert snapshot.sink_balances[(addr(jp.retirement), batch)] == 5


#: Where ``JCMArticle6`` keeps a batch: ``_batches`` is its first state variable (slot 0), and the
#: issuance's record sits in bits 176-215 (last serial) and 216-255 (time) of the batch's slot.
ARTICLE6_BATCHES_SLOT = 0
ISSUED_LAST_SHIFT = 176


def test_first_transfer_records_are_checked_against_their_events(world: World) -> None:
    """A batch whose kept issuance record differs from what its issuance's logs state (Japan's
    share: the mints to Japan's registry from ``BatchIssued``'s first serial) fails the check (the
    slot is altered with anvil's setStorageAt, and put back after)."""
    w3, article6 = world.registry.provider.web3, world.article6
    batch = world.issue(
        "ID012",
        [(world.jp.companies[0], 5), (world.id.companies[0], 5)],
        authorization=d.Authorization.NDC,
        authorization_id="ID-LoA-check",
    )
    key = batch.to_bytes(32, "big") + ARTICLE6_BATCHES_SLOT.to_bytes(32, "big")
    slot = int.from_bytes(keccak(key), "big")
    original = w3.eth.get_storage_at(article6.address, slot)
    word = int.from_bytes(original, "big")
    # The slot is the one assumed: it holds the last serial of Japan's share, 1-5.
    assert (word >> ISSUED_LAST_SHIFT) & (2**40 - 1) == 5
    shortened = (word & ~((2**40 - 1) << ISSUED_LAST_SHIFT)) | (3 << ISSUED_LAST_SHIFT)
    set_storage = "anvil_setStorageAt"
    w3.provider.make_request(
        set_storage, [article6.address, hex(slot), "0x" + shortened.to_bytes(32, "big").hex()]
    )
    try:
        assert [tuple(r)[:2] for r in article6.firstTransfers(batch)] == [(1, 3)]
        with pytest.raises(AssertionError, match=f"batch {batch}: first-transfer records"):
            assert_registry_invariants(world.registry, world.projects)
    finally:
        w3.provider.make_request(set_storage, [article6.address, hex(slot), "0x" + original.hex()])
    assert_registry_invariants(world.registry, world.projects)
