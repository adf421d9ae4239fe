"""Fixtures of the contract tests (Ape on anvil --hardfork paris).

``world`` is deployed once per session (see ``support.contracts``); Ape snapshots the chain around
every test and reverts it afterwards, so each test starts from the same world.

Every test that uses ``world`` is wrapped by ``_invariants``: docs/design.md §2 invariants 1-3 are
checked against chain state before and after the test, and the records that existed before must be
unchanged after (finality).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.contracts import World, build_world
from support.invariants import assert_registry_invariants


@pytest.fixture(scope="session")
def world(accounts: Any, project: Any, chain: Any) -> World:
    return build_world(accounts, project, chain)


@pytest.fixture(autouse=True)
def _invariants(request: pytest.FixtureRequest) -> Iterator[None]:
    if "world" not in request.fixturenames:
        yield
        return
    world: World = request.getfixturevalue("world")
    before = assert_registry_invariants(world.registry, world.projects)
    yield
    assert_registry_invariants(world.registry, world.projects, previous=before)
