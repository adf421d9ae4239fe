"""Fixtures of the attack tests.

``world`` (see ``fuzz.world``) is deployed once per module; Ape snapshots the chain around every
test and reverts it afterwards, so each attack starts from the same world. Every test is wrapped by
the shared checker of docs/design.md §2 invariants 1-3: before and after the attack, and the
records that existed before must be unchanged after.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fuzz.harness import Rpc, artifacts_from_ape
from fuzz.world import CONTRACT_NAMES, World, build_world

from support.invariants import assert_registry_invariants


@pytest.fixture(scope="module")
def world(project: Any, chain: Any) -> Iterator[World]:
    rpc = Rpc(chain.provider.web3.provider.endpoint_uri)
    built = build_world(rpc, artifacts_from_ape(project, CONTRACT_NAMES))
    yield built
    rpc.impersonate_all(False)


@pytest.fixture(autouse=True)
def _invariants(request: pytest.FixtureRequest) -> Iterator[None]:
    if "world" not in request.fixturenames:
        yield
        return
    world: World = request.getfixturevalue("world")
    before = assert_registry_invariants(world.registry, world.projects)
    yield
    assert_registry_invariants(world.registry, world.projects, previous=before)
