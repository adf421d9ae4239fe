"""The throw-away anvil of tests and benchmarks (`registry_client.anvil`) cleans up after itself."""

from __future__ import annotations

from pathlib import Path

from registry_client.anvil import start_anvil

#: More blocks than anvil keeps states of in memory, so it writes older ones to its cache.
BEYOND_MEMORY = 600


def _files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


def test_old_states_go_to_the_node_s_own_cache_and_are_removed_when_it_stops() -> None:
    node = start_anvil("--silent")
    assert node.cache is not None
    try:
        node.rpc("anvil_mine", [hex(BEYOND_MEMORY)])
        assert _files(node.cache) > 0  # anvil wrote there, not into ~/.foundry
    finally:
        node.stop()
    assert not node.cache.exists()


def test_the_cache_is_removed_when_the_node_had_died_already() -> None:
    node = start_anvil("--silent")
    assert node.cache is not None
    node.rpc("anvil_mine", [hex(BEYOND_MEMORY)])
    node.process.kill()
    node.process.wait()
    node.stop()
    assert not node.cache.exists()
