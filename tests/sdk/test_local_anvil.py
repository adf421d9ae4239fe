"""The throw-away anvil of tests and benchmarks (`registry_client.anvil`) cleans up after itself."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from registry_client.anvil import free_port, start_anvil
from registry_client.chain import RpcClient, RpcError

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


def test_ape_s_anvil_removes_its_cache_when_ape_stops_it(tmp_path: Path) -> None:
    """`tools/ape/anvil`, which `make test` puts first on PATH for ape-foundry, gives anvil a
    cache of its own under $TMPDIR and removes it when Ape stops the node (with SIGINT)."""
    port = free_port()
    shim = Path(__file__).resolve().parents[2] / "tools" / "ape" / "anvil"
    process = subprocess.Popen(
        [str(shim), "--port", str(port), "--silent"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    try:
        client = RpcClient(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                client.request("anvil_mine", [hex(BEYOND_MEMORY)])
                break
            except RpcError:
                assert time.monotonic() < deadline, "the shim's anvil did not answer"
                time.sleep(0.1)
        (cache,) = tmp_path.glob("jcm-anvil-*")
        assert _files(cache) > 0
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert not list(tmp_path.glob("jcm-anvil-*"))
