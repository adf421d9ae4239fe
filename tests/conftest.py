"""Shared test configuration.

- ``tests/`` (and the checkout's ``registry_client``) is importable, so any test can use the one
  invariant checker::

      from invariants import assert_registry_invariants

- ``registry_invariants`` is that checker as a fixture, for tests that prefer fixtures.

The Ape fixtures of the contract tests (a deployed registry with its sides, accounts and joint
committees) are in ``tests/contracts/conftest.py``; they are session-scoped and rely on Ape's
per-test chain isolation (snapshot and revert on anvil).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
# The checkout's own ``registry_client`` must be importable even when the editable install predates
# the package (``pip install -e`` maps only packages that existed when it ran).
for path in (TESTS_DIR, TESTS_DIR.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from invariants import assert_registry_invariants  # noqa: E402


@pytest.fixture(scope="session")
def registry_invariants() -> Callable[..., Any]:
    """``assert_registry_invariants(registry, projects=None, previous=None)``."""
    return assert_registry_invariants
