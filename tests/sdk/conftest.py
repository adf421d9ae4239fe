"""Fixtures of the SDK tests: plain pytest against an anvil they start (no Ape fixtures).

- ``anvil``: ``anvil --hardfork paris`` on a free random port of 127.0.0.1 for the session, with 20
  funded dev accounts (the standard ``test ... junk`` mnemonic), stopped at the end.
- ``keys``: those accounts' ``LocalAccount`` objects.
- ``sdk_world``: the registry of ``support.sdk.build_world``, deployed and populated once per
  session through the SDK itself.
- ``world``: ``sdk_world`` for one test: the chain is snapshotted before the test and reverted after
  it (``evm_snapshot``/``evm_revert``); tests make fresh clients, so no nonce is cached across a
  revert; docs/design.md §2 invariants 1-3 are checked after the test, finality against the state
  before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from registry_client.anvil import Anvil, start_anvil
from support.invariants import RegistrySnapshot, assert_registry_invariants
from support.sdk import World, build_world, dev_keys


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    node = start_anvil()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def keys() -> list[LocalAccount]:
    return dev_keys()


@pytest.fixture(scope="session")
def sdk_world(anvil: Anvil, keys: list[LocalAccount]) -> World:
    return build_world(anvil, keys)


@pytest.fixture(scope="session")
def base_state(sdk_world: World) -> RegistrySnapshot:
    """The invariant snapshot of the freshly built world: every test starts from this state."""
    client = sdk_world.client()
    return assert_registry_invariants(client.registry_contract, client.projects_contract)


@pytest.fixture
def world(sdk_world: World, base_state: RegistrySnapshot) -> Iterator[World]:
    snapshot = sdk_world.anvil.rpc("evm_snapshot")
    before = base_state
    try:
        yield sdk_world
        client = sdk_world.client()
        assert_registry_invariants(
            client.registry_contract, client.projects_contract, previous=before
        )
    finally:
        sdk_world.anvil.rpc("evm_setAutomine", [True])
        assert sdk_world.anvil.rpc("evm_revert", [snapshot]) is True
