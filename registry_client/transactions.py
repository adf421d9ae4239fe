"""Sending locally signed transactions that are refused before sending.

Used by :mod:`registry_client.client` and :mod:`registry_client.deployment`:

- :class:`TransactionSender` signs with an eth-account ``LocalAccount`` and sends raw transactions
  (never ``eth_sendTransaction``, so it works against a consortium node that holds no keys). Every
  transaction first runs with ``eth_estimateGas`` (and ``eth_call`` if refused): a refusal raises
  the decoded typed error and nothing is sent. Nonces are counted locally, so transactions can be
  pipelined (``wait=False``) and awaited later. While earlier transactions of the same sender are
  still in flight, the pre-flight runs against the ``pending`` state, which includes them: a
  transaction that depends on them (a transfer whose serials an earlier one moved) is then
  estimated, and refused, against the state it will really run on, not a stale one. Gas price:
  EIP-1559 fees when the chain has a base fee, a legacy ``gasPrice`` otherwise or when asked; a
  fixed gas price (0 on a zero-gas chain) is allowed where the chain's base fee does not exceed
  it, and refused with :class:`GasPriceTooLow` before sending where it does: the node would keep
  such a transaction unmined, and every later one of the same sender queued behind it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import (
    ContractLogicError,
    TimeExhausted,
    Web3RPCError,
)
from web3.types import TxParams, TxReceipt

from registry_client.chain import rpc_errors, url_of
from registry_client.errors import (
    GasPriceTooLow,
    RegistryError,
    TransactionFailed,
    decode_revert,
)

R = TypeVar("R")

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for a receipt before giving up."""


FEE_REFRESH_SECONDS = 1.0
"""How long fee fields read from the node are reused for further transactions."""


@contextmanager
def revert_errors(context: str, where: str) -> Iterator[None]:
    """Translate reverts into typed registry errors and transport failures into ChainUnavailable."""
    with rpc_errors(where):
        try:
            yield
        except ContractLogicError as exc:
            data = exc.data if exc.data is not None else exc.message
            raise decode_revert(data, context=context) from exc
        except Web3RPCError as exc:
            raise _rpc_refusal(exc, context) from exc


def _rpc_refusal(exc: Web3RPCError, context: str) -> RegistryError:
    message = str(getattr(exc, "message", None) or exc)
    data = getattr(exc, "rpc_response", None)
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("data"), str):
            decoded = decode_revert(error["data"], context=context)
            if decoded.error_name is not None:
                return decoded
        if isinstance(error, dict) and error.get("message"):
            message = str(error["message"])
    lowered = message.lower()
    if "underpriced" in lowered or "less than block base fee" in lowered:
        return GasPriceTooLow(
            f"{context}: the node refused the gas price ({message}): omit --gas-price to pay the "
            "chain's price, or pay at least its base fee"
        )
    if "insufficient funds" in lowered:
        return TransactionFailed(
            f"{context}: the sender cannot pay for gas ({message}): fund its address, or use a "
            "chain with a zero gas price"
        )
    return TransactionFailed(f"{context}: the node refused the transaction: {message}")


@dataclass(frozen=True)
class FeeSettings:
    """How transactions pay for gas.

    Attributes:
        gas_price: a fixed legacy ``gasPrice`` in wei (0 is allowed); ``None``: ask the chain.
        legacy: force legacy ``gasPrice`` transactions even on a chain with a base fee.
        gas_multiplier: headroom over the estimated gas.
    """

    gas_price: int | None = None
    legacy: bool = False
    gas_multiplier: float = 1.25


class PendingTx(Generic[R]):
    """A sent transaction whose receipt has not been awaited yet."""

    def __init__(
        self,
        sender: TransactionSender,
        tx_hash: HexBytes,
        request: TxParams,
        parse: Callable[[TxReceipt], R],
        context: str,
    ) -> None:
        self._sender = sender
        self.tx_hash = "0x" + bytes(tx_hash).hex()
        self._request = request
        self._parse = parse
        self.context = context
        self._result: R | None = None
        self._error: RegistryError | None = None
        self._done = False

    @property
    def done(self) -> bool:
        """Whether :meth:`wait` already ran (successfully or not)."""
        return self._done

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> R:
        """Wait for the receipt and return the decoded result.

        Raises:
            TransactionFailed: the transaction reverted on chain, or no receipt came in time.
            ChainUnavailable: the node became unreachable.
        """
        if self._done:
            if self._error is not None:
                raise self._error
            return cast(R, self._result)
        try:
            receipt = self._sender.receipt(self.tx_hash, timeout)
            if receipt["status"] != 1:
                raise self._sender.failure(self._request, receipt, self.context)
            self._result = self._parse(receipt)
            return self._result
        except RegistryError as exc:
            self._error = exc
            raise
        finally:
            self._done = True
            self._sender.landed(self.tx_hash)


class TransactionSender:
    """Signs locally and sends transactions for one account, with pre-flight and local nonces."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        fees: FeeSettings | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.w3 = w3
        self.account = account
        self.address = to_checksum_address(account.address)
        self.fees = fees or FeeSettings()
        self.timeout = timeout
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id: int | None = None
        self._fees_read: tuple[float, dict[str, int]] | None = None
        self._tip: int | None = None
        self._pending: list[PendingTx[Any]] = []
        self._in_flight: set[str] = set()  # sent, receipt not awaited yet

    @property
    def where(self) -> str:
        """The node's URL, for messages."""
        return url_of(self.w3)

    # ---- pre-flight --------------------------------------------------------------------------

    def preflight(self, request: TxParams, context: str) -> int:
        """Run ``request`` with ``eth_estimateGas``; return the gas to send with.

        A refused estimate is run again with ``eth_call``, whose revert data every node returns
        (some return none from an estimate), so the refusal is raised as its typed error.

        Raises:
            RegistryError: the typed refusal; nothing was sent.
        """
        call: TxParams = {"from": self.address, **request}
        # Against "latest" an estimate ignores this sender's transactions still in flight, and a
        # transaction that depends on them (a transfer whose serials an earlier one moved, so that
        # a recipient's holding gains a range instead of merging) runs out of gas on chain.
        state: Literal["pending", "latest"] = "pending" if self._in_flight else "latest"
        try:
            with revert_errors(context, self.where):
                estimate = self.w3.eth.estimate_gas(call, state)
        except RegistryError:
            with revert_errors(context, self.where):
                self.w3.eth.call(call, state)
            raise
        return int(estimate * self.fees.gas_multiplier)

    def landed(self, tx_hash: str) -> None:
        """Note that the receipt of ``tx_hash`` was awaited (mined, failed, or given up on)."""
        with self._lock:
            self._in_flight.discard(tx_hash)

    # ---- sending -----------------------------------------------------------------------------

    def send(
        self,
        request: TxParams,
        parse: Callable[[TxReceipt], R],
        context: str,
        *,
        gas: int | None = None,
        track: bool = True,
    ) -> PendingTx[R]:
        """Pre-flight, sign and send ``request`` (``to``/``data``); return its pending handle.

        With ``track`` the handle is also kept for :meth:`wait_all`.

        Raises:
            RegistryError: the pre-flight refusal or the node's refusal; nothing was sent.
        """
        limit = gas if gas is not None else self.preflight(request, context)
        with self._lock:
            with rpc_errors(self.where):
                if self._chain_id is None:
                    self._chain_id = int(self.w3.eth.chain_id)
                if self._nonce is None:
                    self._nonce = int(self.w3.eth.get_transaction_count(self.address, "pending"))
                fee_fields = self._fee_fields()
            tx: dict[str, Any] = {
                **request,
                "from": self.address,
                "nonce": self._nonce,
                "gas": limit,
                "chainId": self._chain_id,
                "value": request.get("value", 0),
                **fee_fields,
            }
            signed = self.account.sign_transaction(tx)
            try:
                with revert_errors(context, self.where):
                    tx_hash = self._send_raw(signed.raw_transaction)
            except RegistryError:
                self._nonce = None  # re-read from the node: it may know better
                raise
            self._nonce += 1
            pending = PendingTx(self, tx_hash, cast(TxParams, tx), parse, context)
            self._in_flight.add(pending.tx_hash)
        if track:
            with self._lock:
                self._pending.append(pending)
        return pending

    def _send_raw(self, raw: bytes) -> HexBytes:
        """``eth_sendRawTransaction``; a node that already holds the same bytes (the request
        reached a node that then stopped answering, and the fail-over sent it again) means sent."""
        try:
            return self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            if "already known" in str(getattr(exc, "message", None) or exc).lower():
                return HexBytes(keccak(raw))
            raise

    def _fee_fields(self) -> dict[str, int]:
        """Fee fields, re-read from the node at most every ``FEE_REFRESH_SECONDS``: the max fee of
        twice the base fee covers the base fee's rise over several blocks (12.5% per block at most).
        """
        now = time.monotonic()
        if self._fees_read is not None and now - self._fees_read[0] < FEE_REFRESH_SECONDS:
            return self._fees_read[1]
        fields = self._read_fee_fields()
        self._fees_read = (now, fields)
        return fields

    def _read_fee_fields(self) -> dict[str, int]:
        """The fee fields for the next transactions, read from the latest block.

        Raises:
            GasPriceTooLow: a fixed gas price below the latest block's base fee.
        """
        base_fee = self.w3.eth.get_block("latest").get("baseFeePerGas")
        if self.fees.gas_price is not None:
            if base_fee is not None and self.fees.gas_price < int(base_fee):
                raise GasPriceTooLow(
                    f"gas price {self.fees.gas_price} wei is below the chain's base fee "
                    f"{int(base_fee)} wei, so no node would mine the transaction: omit --gas-price "
                    f"to pay the chain's price, or pay at least {int(base_fee)} wei"
                )
            return {"gasPrice": self.fees.gas_price}
        if base_fee is None or self.fees.legacy:
            return {"gasPrice": int(self.w3.eth.gas_price)}
        if self._tip is None:
            try:
                self._tip = int(self.w3.eth.max_priority_fee)
            except (Web3RPCError, ValueError):
                self._tip = 0
        tip = self._tip
        return {"maxFeePerGas": 2 * int(base_fee) + tip, "maxPriorityFeePerGas": tip}

    # ---- receipts ----------------------------------------------------------------------------

    def receipt(self, tx_hash: str, timeout: float | None = None) -> TxReceipt:
        """Wait for the receipt of ``tx_hash``.

        Raises:
            TransactionFailed: no receipt within ``timeout`` seconds.
        """
        with rpc_errors(self.where):
            try:
                return self.w3.eth.wait_for_transaction_receipt(
                    HexStr(tx_hash), timeout=timeout or self.timeout, poll_latency=0.05
                )
            except TimeExhausted as exc:
                waited = timeout or self.timeout
                raise TransactionFailed(
                    f"transaction {tx_hash} was sent but not mined within {waited:.0f} s; check "
                    "it later by its hash"
                ) from exc

    def failure(self, request: TxParams, receipt: TxReceipt, context: str) -> RegistryError:
        """Explain a mined transaction that failed, replaying it to recover the revert reason."""
        replay: TxParams = {
            "from": self.address,
            "to": request.get("to", ""),
            "data": request.get("data", b""),
            "gas": request.get("gas", 0),
        }
        if not replay["to"]:
            replay.pop("to")
        try:
            with revert_errors(context, self.where):
                self.w3.eth.call(replay, receipt["blockNumber"])
        except RegistryError as exc:
            exc.message = f"transaction 0x{bytes(receipt['transactionHash']).hex()} failed: " + (
                exc.message
            )
            exc.args = (exc.message,)
            return exc
        used, limit = receipt["gasUsed"], request.get("gas", 0)
        why = " (it ran out of gas)" if used >= int(limit) else ""
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        return TransactionFailed(f"{context}: transaction {tx_hash} failed on chain{why}")

    def wait_all(self, timeout: float | None = None) -> list[Any]:
        """Wait for every transaction sent and not awaited yet; return their results in order.

        Raises:
            RegistryError: the first failure, after all were awaited.
        """
        with self._lock:
            pending, self._pending = self._pending, []
        results: list[Any] = []
        first_error: RegistryError | None = None
        for tx in pending:
            try:
                results.append(tx.wait(timeout or self.timeout))
            except RegistryError as exc:
                results.append(exc)
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
        return results

    @property
    def pending(self) -> int:
        """How many tracked transactions were sent and not awaited through :meth:`wait_all`."""
        return len(self._pending)
