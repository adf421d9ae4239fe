"""A private anvil for one benchmark, and deterministic funded keys.

Every benchmark starts its own ``anvil --hardfork paris`` on a free random port of 127.0.0.1
(through :mod:`registry_client.anvil`, never the devnet's ports) and stops exactly that process at
the end. Keys are derived from labels (``keccak256("jcm-bench/<label>")``) so that every run
deploys to the same addresses and signs the same bytes: gas figures are then reproducible to the
unit. Accounts are funded with ``anvil_setBalance`` (no transaction, so no nonce moves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from registry_client import anvil as local_anvil

ROOT = Path(__file__).resolve().parents[1]
ETHER = 10**18


def key(label: str) -> LocalAccount:
    """The benchmark account named ``label`` (the same key in every run)."""
    account: LocalAccount = Account.from_key(keccak(text=f"jcm-bench/{label}"))
    return account


class Anvil:
    """``anvil --hardfork paris`` on a free port of 127.0.0.1 (started by
    :func:`registry_client.anvil.start_anvil`, with ``extra`` options such as
    ``--steps-tracing``); a context manager that stops it."""

    def __init__(self, *extra: str) -> None:
        self._node: local_anvil.Anvil | None = None
        self._extra = extra

    @property
    def url(self) -> str:
        """The node's JSON-RPC URL."""
        assert self._node is not None, "start the node first"
        return self._node.url

    def start(self) -> Anvil:
        """Start the process and wait until it answers."""
        self._node = local_anvil.start_anvil("--silent", *self._extra, accounts=1)
        return self

    def stop(self) -> None:
        """Stop the process this object started (by its handle) and close the connection."""
        if self._node is not None:
            self._node.stop()

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
            RpcError: the call was answered with an error.
        """
        assert self._node is not None, "start the node first"
        return self._node.rpc(method, list(params))

    def rpc_batch(self, calls: Iterable[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several JSON-RPC calls in one HTTP request (a JSON-RPC batch); their results in order.

        Raises:
            RpcError: any call was answered with an error.
        """
        assert self._node is not None, "start the node first"
        return self._node.client.batch(list(calls))

    def fund(self, addresses: Iterable[str], amount: int = 10**6 * ETHER) -> None:
        """Set the balance of each address (``anvil_setBalance``: no transaction, no nonce)."""
        self.rpc_batch(("anvil_setBalance", [a, hex(amount)]) for a in addresses)
