"""The pre-flight with a kept gas limit: later calls of a function are checked with one ``eth_call``
under the limit measured by the first call's ``eth_estimateGas``.

- Every kind of refusal a transfer, retirement or cancellation meets is still raised as its typed
  error with nothing sent when the client already keeps a limit (the check is then that
  ``eth_call``, not an estimate).
- A limit kept from a light call is never sent with a heavy one: an operation at its bound (32
  ranges moved at once) runs out of gas under the kept limit in the pre-flight, is measured again
  and succeeds.
- Pipelined transfers and their receipts read in batches are covered by test_sdk_pipelining and
  test_sdk_writes; here, that receipts of many transactions are read in one request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from registry_client.client import RegistryClient
from registry_client.errors import (
    AccountStateError,
    InsufficientCredits,
    NotFound,
    Paused,
    RegistryError,
)
from support.sdk import World, chain_state

MOVEMENT_BOUND = 32
"""Ranges one movement takes at most (``JCMRegistry``'s bound)."""


class Requests:
    """The JSON-RPC methods a client's connection sends (its provider's ``make_request`` and
    ``make_batch_request`` wrapped)."""

    def __init__(self, client: RegistryClient, monkeypatch: pytest.MonkeyPatch) -> None:
        self.methods: list[str] = []
        self.batches: list[list[str]] = []
        provider: Any = client.w3.provider
        single, batch = provider.make_request, provider.make_batch_request

        def make_request(method: str, params: Any) -> Any:
            self.methods.append(method)
            return single(method, params)

        def make_batch_request(requests: list[tuple[str, Any]]) -> Any:
            self.batches.append([method for method, _ in requests])
            return batch(requests)

        monkeypatch.setattr(provider, "make_request", make_request)
        monkeypatch.setattr(provider, "make_batch_request", make_batch_request)

    def clear(self) -> None:
        self.methods.clear()
        self.batches.clear()


@pytest.fixture
def alice(world: World) -> Iterator[RegistryClient]:
    """Alice's client after one transfer of one credit to Carol: it keeps a limit for transfers."""
    client = world.client(world.alice)
    client.transfer(world.carol.address, 1, 1)
    yield client


@dataclass(frozen=True)
class Refusal:
    """A refusal met under a kept limit: what the client did first (keeping a limit for the
    function attempted), what changed on chain, the attempt, its typed error and message."""

    keep: Callable[[RegistryClient], Any]
    change: Callable[[World], Any]
    attempt: Callable[[World, RegistryClient], Any]
    error: type[RegistryError]
    words: str


def _nothing(_: Any) -> None:
    return None


def _transfer_one(w: World, c: RegistryClient) -> Any:
    return c.transfer(w.carol.address, 1, 1)


def _close_carol(world: World) -> None:
    world.client(world.carol).transfer(world.alice.address, 1, 1)  # Carol's account is now empty
    world.client(world.jp_registrar).close_account(world.carol.address)


def _pause(world: World) -> None:
    world.client(world.governance).pause("JP", 3600)


REFUSALS = {
    "frozen sender": Refusal(
        _nothing,
        lambda w: w.client(w.jp_registrar).freeze(w.alice.address),
        _transfer_one,
        AccountStateError,
        "is frozen: it can neither send nor receive",
    ),
    "frozen recipient": Refusal(
        _nothing,
        lambda w: w.client(w.jp_registrar).freeze(w.carol.address),
        _transfer_one,
        AccountStateError,
        "is frozen",
    ),
    "closed recipient": Refusal(
        _nothing, _close_carol, _transfer_one, AccountStateError, "is closed for good"
    ),
    "recipient without an account": Refusal(
        _nothing,
        _nothing,
        lambda w, c: c.transfer(w.outsider.address, 1, 1),
        NotFound,
        "has no registry account",
    ),
    "unknown batch": Refusal(
        _nothing,
        _nothing,
        lambda w, c: c.transfer(w.carol.address, 99, 1),
        NotFound,
        "there is no batch 99",
    ),
    "insufficient credits": Refusal(
        _nothing,
        _nothing,
        lambda w, c: c.transfer(w.carol.address, 1, 7000),
        InsufficientCredits,
        "holds 5,999 credits of batch 1, 7,000 needed",
    ),
    "paused": Refusal(
        _nothing, _pause, _transfer_one, Paused, "holders' movements are paused until"
    ),
    "retirement beyond the balance": Refusal(
        lambda c: c.retire(1, 1, "JP", "ndc", "Alice"),
        _nothing,
        lambda w, c: c.retire(1, 6000, "JP", "ndc", "Alice"),
        InsufficientCredits,
        "holds 5,998 credits of batch 1, 6,000 needed",
    ),
    "cancellation while paused": Refusal(
        lambda c: c.cancel(1, 1, "voluntary cancellation"),
        _pause,
        lambda w, c: c.cancel(1, 1, "voluntary cancellation"),
        Paused,
        "holders' movements are paused until",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_under_a_kept_limit_are_typed_and_send_nothing(
    world: World, alice: RegistryClient, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusal = REFUSALS[case]
    refusal.keep(alice)
    refusal.change(world)
    requests = Requests(alice, monkeypatch)
    before = chain_state(world, world.alice, full=False)
    with pytest.raises(refusal.error) as caught:
        refusal.attempt(world, alice)
    assert refusal.words in caught.value.message, caught.value.message
    assert chain_state(world, world.alice, full=False) == before
    assert requests.methods[0] == "eth_call"  # the check under the kept limit
    assert "eth_sendRawTransaction" not in requests.methods


def test_a_kept_limit_checks_with_one_call_and_sends_that_limit(
    world: World, alice: RegistryClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fixture's transfer opened Carol's range; this one merges into it, using less than half
    # of the limit kept from the first, so the limit is dropped and the next one measured afresh.
    alice.transfer(world.carol.address, 1, 1)
    first = alice.w3.eth.get_transaction(alice.transfer(world.carol.address, 1, 1).tx_hash)
    requests = Requests(alice, monkeypatch)
    moved = alice.transfer(world.carol.address, 1, 1)
    assert requests.methods[0] == "eth_call"
    assert "eth_sendRawTransaction" in requests.methods
    assert "eth_estimateGas" not in requests.methods
    sent = alice.w3.eth.get_transaction(moved.tx_hash)
    assert sent["gas"] == first["gas"] >= moved.gas_used


def _fragment(world: World, holder: RegistryClient, pieces: int) -> None:
    """Leave ``holder``'s holding of batch 1 in ``pieces`` ranges: it sends ``2 * (pieces - 1)``
    credits to Carol, who returns every other one (her lowest first) and sends the rest to Bob."""
    holder.transfer(world.carol.address, 1, 2 * (pieces - 1))
    carol = world.client(world.carol)
    for _ in range(pieces - 1):
        carol.send(carol.prepare.transfer(holder.address, 1, 1), wait=False)
        carol.send(carol.prepare.transfer(world.bob.address, 1, 1), wait=False)
    carol.wait_all()
    assert len(holder.holding(holder.address, 1).ranges) == pieces


HEAVY: dict[str, Callable[[World, RegistryClient, int], Any]] = {
    "transfer": lambda w, c, n: c.transfer(w.carol.address, 1, n),
    "retire": lambda w, c, n: c.retire(1, n, "JP", "voluntary offset", "Alice"),
    "cancel": lambda w, c, n: c.cancel(1, n, "voluntary cancellation"),
}


@pytest.mark.parametrize("operation", list(HEAVY))
def test_an_operation_at_its_bound_is_measured_again_and_succeeds(
    world: World, alice: RegistryClient, operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = HEAVY[operation]
    # The first of the batch into a new holding (the sink's or carol's) is the dearest single-range
    # call; the next uses under half the limit kept from it, so the one after is measured afresh.
    run(world, alice, 1)
    run(world, alice, 1)
    light = run(world, alice, 1)  # one range: the limit kept for this function is light
    light_limit = alice.w3.eth.get_transaction(light.tx_hash)["gas"]
    _fragment(world, alice, MOVEMENT_BOUND + 1)  # one range more than a movement may take
    requests = Requests(alice, monkeypatch)
    heavy = run(world, alice, MOVEMENT_BOUND)  # the lowest 32 serials lie in 32 ranges
    assert len(heavy.ranges) == MOVEMENT_BOUND
    assert requests.methods[:2] == ["eth_call", "eth_estimateGas"]  # out of gas under the kept
    limit = alice.w3.eth.get_transaction(heavy.tx_hash)["gas"]
    assert heavy.gas_used > light_limit  # the kept limit would have failed on chain
    assert limit >= heavy.gas_used


def test_receipts_of_pipelined_transactions_are_read_in_one_batch(
    world: World, alice: RegistryClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = Requests(alice, monkeypatch)
    # all five in one block before the first poll: under automine a loaded machine can still be
    # mining the last one when the batch is read, and that one is then asked for alone
    world.anvil.rpc("evm_setAutomine", [False])
    for _ in range(5):
        alice.send(alice.prepare.transfer(world.carol.address, 1, 1), wait=False)
    world.anvil.rpc("evm_mine")
    results = alice.wait_all()
    assert [r.quantity for r in results] == [1] * 5
    assert requests.batches == [["eth_getTransactionReceipt"] * 5]
    assert "eth_getTransactionReceipt" not in requests.methods
    assert alice.balance(world.carol.address, 1) == 1 + 5
