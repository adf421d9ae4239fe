"""A private anvil for one benchmark, deterministic funded keys, and fast local signing.

Every benchmark starts its own ``anvil --hardfork paris`` on a free random port of 127.0.0.1
(never 8545, the devnet's) and stops exactly that process at the end. Keys are derived from labels
(``keccak256("jcm-bench/<label>")``) so that every run deploys to the same addresses and signs the
same bytes: gas figures are then reproducible to the unit.

:class:`RawSigner` signs legacy (EIP-155) transactions with ``coincurve`` directly (~8,000 per
second on one core, about five times eth-account's rate), for the raw web3.py baseline and for
generating long histories.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import coincurve
import httpx
import rlp  # type: ignore[import-untyped]
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_canonical_address, to_checksum_address

ROOT = Path(__file__).resolve().parents[1]
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
CHAIN_ID = 31337
ETHER = 10**18


class ChainError(RuntimeError):
    """anvil did not start, or answered a JSON-RPC call with an error."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1, never 8545 (the devnet's)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port != 8545:
            return port


def key(label: str) -> LocalAccount:
    """The benchmark account named ``label`` (the same key in every run)."""
    account: LocalAccount = Account.from_key(keccak(text=f"jcm-bench/{label}"))
    return account


@dataclass
class Anvil:
    """``anvil --hardfork paris`` on a random port of 127.0.0.1; a context manager that stops it.

    Args:
        extra: more command-line options (e.g. ``("--base-fee", "0")``).
    """

    extra: Sequence[str] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120.0))
    _ids: int = 0

    @property
    def url(self) -> str:
        """The node's JSON-RPC URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Anvil:
        """Start the process and wait until it answers."""
        if not ANVIL.exists():
            raise ChainError(f"{ANVIL} is missing: run `make install`")
        args = [str(ANVIL), "--hardfork", "paris", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*args, "--accounts", "1", "--silent", *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc("eth_chainId")
                return self
            except (httpx.HTTPError, ChainError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise ChainError(f"anvil did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the process this object started (by its handle) and close the connection."""
        self._http.close()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- JSON-RPC ----------------------------------------------------------------------------------

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call; its result.

        Raises:
            ChainError: the node answered with an error.
        """
        self._ids += 1
        reply = self._http.post(
            self.url, json={"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params}
        ).json()
        if "error" in reply:
            raise ChainError(f"{method}: {reply['error']}")
        return reply["result"]

    def rpc_batch(self, calls: Iterable[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several JSON-RPC calls in one HTTP request (a JSON-RPC batch); their results in order.

        Raises:
            ChainError: any call was answered with an error.
        """
        body = []
        for method, params in calls:
            self._ids += 1
            body.append({"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params})
        if not body:
            return []
        replies = {r["id"]: r for r in self._http.post(self.url, json=body).json()}
        results = []
        for request in body:
            reply = replies[request["id"]]
            if "error" in reply:
                raise ChainError(f"{request['method']}: {reply['error']}")
            results.append(reply["result"])
        return results

    def fund(self, addresses: Iterable[str], amount: int = 10**6 * ETHER) -> None:
        """Set the balance of each address (``anvil_setBalance``: no transaction, no nonce)."""
        self.rpc_batch(("anvil_setBalance", [a, hex(amount)]) for a in addresses)

    def set_automine(self, enabled: bool) -> None:
        """Mine every transaction on arrival (``True``) or only on :meth:`mine` (``False``)."""
        self.rpc("evm_setAutomine", [enabled])

    def mine(self) -> None:
        """Mine one block of pending transactions (``evm_mine``)."""
        self.rpc("evm_mine")

    def pending_count(self) -> int:
        """Transactions waiting in the pool."""
        status = self.rpc("txpool_status")
        return int(status["pending"], 16) + int(status["queued"], 16)


# ------------------------------------------------------------------------------------------------
# Fast local signing
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedTx:
    """A signed raw transaction and its hash."""

    raw: bytes
    hash: bytes

    @property
    def raw_hex(self) -> str:
        """``0x``-hex of the raw transaction (for ``eth_sendRawTransaction``)."""
        return "0x" + self.raw.hex()

    @property
    def hash_hex(self) -> str:
        """``0x``-hex of the transaction hash."""
        return "0x" + self.hash.hex()


class RawSigner:
    """Signs legacy EIP-155 transactions for one key with libsecp256k1 (coincurve).

    Args:
        account: the key.
        chain_id: the chain the transactions are for.
    """

    def __init__(self, account: LocalAccount, chain_id: int = CHAIN_ID) -> None:
        self.address = to_checksum_address(account.address)
        self.chain_id = chain_id
        self._key = coincurve.PrivateKey(bytes(account.key))

    def sign(
        self, nonce: int, to: str, data: bytes, *, gas: int, gas_price: int, value: int = 0
    ) -> SignedTx:
        """A signed legacy transaction calling ``to`` with ``data``."""
        fields = [nonce, gas_price, gas, to_canonical_address(to), value, data]
        digest = keccak(rlp.encode([*fields, self.chain_id, 0, 0]))
        signature = self._key.sign_recoverable(digest, hasher=None)
        v = signature[64] + 35 + 2 * self.chain_id
        r = int.from_bytes(signature[0:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        raw = rlp.encode([*fields, v, r, s])
        return SignedTx(raw=raw, hash=keccak(raw))
