"""Fixtures of the attack tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fuzz.harness import Rpc, artifacts_from_ape
from fuzz.world import CONTRACT_NAMES, World, build_world


@pytest.fixture(scope="module")
def world(project: Any, chain: Any) -> Iterator[World]:
    rpc = Rpc(chain.provider.web3.provider.endpoint_uri)
    built = build_world(rpc, artifacts_from_ape(project, CONTRACT_NAMES))
    yield built
    rpc.impersonate_all(False)
