"""Fixtures of the consortium tests: four geth Clique signers (two per government) on loopback.

- ``network``: a :class:`~registry_client.consortium.Consortium` created in a temporary folder for
  the module, its genesis funding anvil's public dev accounts, stopped at the end.
- ``registry``: the registry deployed on it through the SDK (see ``support.consortium``).
- ``fault_timings``: where the fault tests record how long the network took (printed at the end
  of the run; the tests assert behaviour, never durations).

geth comes from ``tools/install-geth.sh`` (``make test`` runs it); without it these tests fail with
the command to run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_client.consortium import Consortium, ConsortiumError, find_geth
from support.consortium import ConsortiumRegistry, build_registry, funded_keys

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def network() -> Iterator[Consortium]:
    try:
        find_geth()
    except ConsortiumError as exc:
        pytest.fail(f"{exc}: the consortium tests need it", pytrace=False)
    folder = Path(tempfile.mkdtemp(prefix="jcm-consortium-"))
    net = Consortium.create(folder / "net", funded=[k.address for k in funded_keys()])
    try:
        net.start()
        assert net.await_block(2, timeout=60), "the network sealed no block within 60 s"
        yield net
    finally:
        net.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def registry(network: Consortium) -> ConsortiumRegistry:
    return build_registry(network)


@pytest.fixture(scope="session")
def fault_timings() -> dict[str, float]:
    return TIMINGS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("consortium fault timings (4 Clique signers, 1 s blocks)")
        for what, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{what}: {seconds:.1f} s")
