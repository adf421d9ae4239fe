"""Fixtures of the CLI tests (plain pytest; no Ape fixtures).

- ``anvil``: an anvil of this session on a free random port (see ``support.cli.start_chain``).
- ``cli_world``: the registry built once per session through ``jcm`` commands
  (``support.cli.build_world``).
- ``world``: ``cli_world`` for one test: the chain is snapshotted before and reverted after it, so
  tests do not see each other's transactions (every ``jcm`` run connects afresh, so no nonce is
  cached across a revert); docs/design.md §2 invariants 1-3 are checked after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_client.anvil import Anvil
from registry_client.client import RegistryClient
from support.cli import World, build_world, start_chain
from support.invariants import assert_registry_invariants


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    node = start_chain()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def cli_world(anvil: Anvil, tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(anvil, tmp_path_factory.mktemp("cli-world"))


@pytest.fixture
def world(cli_world: World, tmp_path: Path) -> Iterator[World]:
    snapshot = cli_world.anvil.rpc("evm_snapshot")
    client = RegistryClient.connect(cli_world.anvil.url, cli_world.deployment)
    before = assert_registry_invariants(client.registry_contract, client.projects_contract)
    try:
        yield cli_world
        client = RegistryClient.connect(cli_world.anvil.url, cli_world.deployment)
        assert_registry_invariants(
            client.registry_contract, client.projects_contract, previous=before
        )
    finally:
        assert cli_world.anvil.rpc("evm_revert", [snapshot]) is True
