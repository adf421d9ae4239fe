"""Helpers of the attack scenarios: a refusal that changes nothing, signature surgery, traces."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fuzz.harness import Contract, Outcome, storage_roots, subcalls
from fuzz.world import World

#: secp256k1 group order.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def fingerprint(world: World, extra: Iterable[Contract] = ()) -> dict[str, str]:
    """Storage roots of every contract of the world (and ``extra`` ones): equal means unchanged."""
    return storage_roots(world.rpc, [*world.contracts(), world.wallet, *extra])


def refused(
    world: World,
    attempt: Callable[[], Outcome],
    error: str,
    extra: Iterable[Contract] = (),
    **args: Any,
) -> Outcome:
    """Runs ``attempt`` (one mined transaction) and asserts it reverted with exactly ``error`` and
    these arguments, and that no storage slot of any contract changed."""
    watched = list(extra)
    before = fingerprint(world, watched)
    outcome = attempt()
    assert outcome.error is not None, f"the attack succeeded; expected {error}"
    assert outcome.error.name == error, f"expected {error}, got {outcome.error}"
    for key, value in args.items():
        assert key in outcome.error.args, f"{error} has no argument {key!r}: {outcome.error}"
        assert outcome.error.args[key] == value, (
            f"{error}.{key}: expected {value!r}, got {outcome.error}"
        )
    after = fingerprint(world, watched)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"the refused attack changed the storage of {changed}"
    return outcome


def high_s(signature: bytes) -> bytes:
    """The malleable twin of a valid signature: ``s' = n - s`` and the other ``v``."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def with_v(signature: bytes, v: int) -> bytes:
    """The signature with another recovery byte."""
    return signature[:64] + bytes([v])


def registry_calls(world: World, outcome: Outcome) -> list[dict[str, Any]]:
    """Every call the registry made during a transaction (from its call trace)."""
    trace = outcome.trace if outcome.trace is not None else world.rpc.trace(outcome.tx_hash)
    return subcalls(trace, world.registry.address)
