"""A local anvil node on a free port, for tests, benchmarks and scripts needing a throw-away chain.

``start_anvil()`` runs ``anvil --hardfork paris`` (the EVM the contracts are compiled for) on
127.0.0.1 with anvil's well-known test mnemonic, waits until it answers, and returns an ``Anvil``
handle for raw JSON-RPC calls (``evm_snapshot``, ``anvil_reorg``, ...) and for stopping it. The
executable is found as the devnet finds it (``$JCM_ANVIL`` or ``node_modules/.bin/anvil``). The
devnet itself (``registry_client.devnet``) manages its long-lived anvil with kept state; this module
is for nodes that live as long as one test session or benchmark.

Each node gets a cache directory of its own (``--cache-path``), removed when it stops: anvil writes
older blocks' states there once it holds more than it keeps in memory, and removes them neither on
SIGTERM nor on SIGINT, so nodes left to anvil's default (``~/.foundry/anvil/tmp``) filled the disk
of a machine running tests and benchmarks all day (67 GB in one day here).
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry_client.chain import RpcClient, RpcError
from registry_client.devnet import find_anvil
from registry_client.settings import DEFAULT_API_PORT, DEFAULT_NODE_PORT, LOCALHOST

TEST_MNEMONIC = "test test test test test test test test test test test junk"
"""anvil's default mnemonic: its accounts are funded on every local chain, and public."""

RESERVED_PORTS = frozenset({DEFAULT_NODE_PORT, DEFAULT_API_PORT})
"""The devnet's RPC and API ports: never handed out, so tests never touch a user's devnet."""


LISTEN_PORTS = range(20_000, 32_768)
"""Where :func:`free_port` picks: below Linux's default ephemeral range (32768-60999), from which
the kernel takes the source port of every outgoing connection. A port chosen there could be taken
by some client's connection before the node binds it (seen: geth's "address already in use")."""

_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now, never one of ``RESERVED_PORTS``
    nor one this process handed out before (a node may not have bound it yet)."""
    while True:
        if len(_handed_out) > len(LISTEN_PORTS) // 2:
            _handed_out.clear()
        port = random.randrange(LISTEN_PORTS.start, LISTEN_PORTS.stop)
        if port in RESERVED_PORTS or port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind((LOCALHOST, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


@dataclass
class Anvil:
    """A running anvil: its URL, its process and the cache directory it writes old states to."""

    url: str
    process: subprocess.Popen[bytes]
    cache: Path | None = None

    def __post_init__(self) -> None:
        self.client = RpcClient(self.url, timeout=120.0)

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """A raw JSON-RPC call.

        Raises:
            RpcError: the node answered with an error or could not be reached.
        """
        return self.client.request(method, params or [])

    def block_number(self) -> int:
        """The chain head."""
        return int(self.rpc("eth_blockNumber"), 16)

    def stop(self, timeout: float = 10) -> None:
        """Terminate the process this handle started (by its handle, never by port or name),
        killing it after ``timeout`` seconds, and remove its cache directory."""
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.cache is not None:
            shutil.rmtree(self.cache, ignore_errors=True)


def start_anvil(
    *extra: str, accounts: int = 20, mnemonic: str = TEST_MNEMONIC, timeout: float = 30.0
) -> Anvil:
    """Start ``anvil --hardfork paris`` with ``extra`` options on a free port and wait for it.

    Raises:
        RuntimeError: it exited or did not answer within ``timeout`` seconds.
    """
    port = free_port()
    cache = Path(tempfile.mkdtemp(prefix="jcm-anvil-"))
    process = subprocess.Popen(
        [
            find_anvil(), "--hardfork", "paris", "--host", LOCALHOST, "--port", str(port),
            "--accounts", str(accounts), "--mnemonic", mnemonic, "--cache-path", str(cache),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    node = Anvil(f"http://{LOCALHOST}:{port}", process, cache)
    deadline = time.monotonic() + timeout
    while True:
        try:
            node.rpc("eth_chainId")
            return node
        except RpcError:
            if process.poll() is not None or time.monotonic() > deadline:
                node.stop()
                raise RuntimeError(f"anvil did not start on port {port}") from None
            time.sleep(0.1)
