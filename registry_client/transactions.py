"""Sending locally signed transactions that are refused before sending.

Used by :mod:`registry_client.client` and :mod:`registry_client.deployment`:

- :class:`TransactionSender` signs with an eth-account ``LocalAccount`` and sends raw transactions
  (never ``eth_sendTransaction``, so it works against a consortium node that holds no keys). Every
  transaction is first checked on the node, and a refusal raises the decoded typed error with
  nothing sent: the first call of each contract function with ``eth_estimateGas``, later calls
  with one ``eth_call`` under the gas limit kept from that estimate (see
  :meth:`TransactionSender.preflight`). Nonces are counted locally, so transactions can be
  pipelined (``wait=False``) and awaited later; :meth:`TransactionSender.wait_all` reads their
  receipts in JSON-RPC batches. While earlier transactions of the same sender are still in
  flight, the check runs against the ``pending`` state, which includes them: a transaction that
  depends on them (a transfer whose serials an earlier one moved) is then measured, and refused,
  against the state it will really run on, not a stale one. Gas price: EIP-1559 fees when the
  chain has a base fee, a legacy ``gasPrice`` otherwise or when asked; a fixed gas price (0 on a
  zero-gas chain) is allowed where the chain's base fee does not exceed it, and refused with
  :class:`GasPriceTooLow` before sending where it does: the node would keep such a transaction
  unmined, and every later one of the same sender queued behind it.

The sending path speaks JSON-RPC through the connection's provider (so a fail-over provider still
fails over) without web3's per-request middleware and result formatting, and encodes call data
once per function (:func:`registry_client.contracts.calldata`): on a local node those costs were
larger than the node's own work (``bench/throughput.py`` measures the SDK against raw web3.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Literal, TypeVar, cast

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.method_formatters import receipt_formatter
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, TxParams, TxReceipt

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

RECEIPT_POLL = 0.05
"""Longest wait, in seconds, between two asks for receipts that are not there yet."""

FIRST_RECEIPT_POLL = 0.002
"""First wait for a receipt not there yet, doubled on each ask up to ``RECEIPT_POLL``: a node that
mines on arrival (a devnet) has it within milliseconds, while a chain with block times pays only a
few extra asks per transaction."""

RECEIPT_BATCH = 200
"""Receipts asked for in one JSON-RPC batch by :meth:`TransactionSender.wait_all`."""


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
    response = getattr(exc, "rpc_response", None)
    error = response.get("error") if isinstance(response, dict) else None
    message = str(getattr(exc, "message", None) or exc)
    return node_refusal(error if isinstance(error, dict) else {"message": message}, context)


def node_refusal(error: Mapping[str, Any], context: str) -> RegistryError:
    """The typed error for a JSON-RPC error object (``code``, ``message``, ``data``): the decoded
    custom error when it carries revert data, else the node's reason in the domain's words."""
    data = error.get("data")
    message = str(error.get("message") or error)
    if isinstance(data, str):
        decoded = decode_revert(data, context=context)
        if decoded.error_name is not None:
            return decoded
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
    if "revert" in lowered:
        return decode_revert(data, context=context)
    return TransactionFailed(f"{context}: the node refused the transaction: {message}")


class NodeRefused(Exception):
    """The node answered a JSON-RPC request with an error object (internal to this module)."""

    def __init__(self, method: str, error: Mapping[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message', error)}")
        self.error = error


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
            return self._outcome()
        return self.settle(lambda: self._sender.receipt(self.tx_hash, timeout))

    def settle(self, fetch: Callable[[], TxReceipt]) -> R:
        """Read the receipt with ``fetch`` once and keep the decoded result or the typed failure
        (a revert on chain is replayed for its custom error); later calls repeat the outcome."""
        if self._done:
            return self._outcome()
        try:
            receipt = fetch()
            self._sender.observe(self._request, receipt)
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

    def _outcome(self) -> R:
        if self._error is not None:
            raise self._error
        return cast(R, self._result)


def _function_key(call: Mapping[str, Any]) -> tuple[str, str] | None:
    """The contract and function selector a call runs (``None`` for a contract creation)."""
    to, data = call.get("to"), str(call.get("data", ""))
    return (str(to).lower(), data[:10].lower()) if to and len(data) >= 10 else None


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
        self._limits: dict[tuple[str, str], int] = {}  # (contract, selector) -> kept gas limit

    @property
    def where(self) -> str:
        """The node's URL, for messages."""
        return url_of(self.w3)

    # ---- JSON-RPC ----------------------------------------------------------------------------

    def _rpc(self, method: str, params: Sequence[Any]) -> Any:
        """One JSON-RPC request through the connection's provider (its fail-over included), without
        web3's per-request middleware and result formatting, which cost more than the node's answer
        on the sending path.

        Raises:
            NodeRefused: the node answered with an error object.
            ChainUnavailable: no node could be reached.
        """
        with rpc_errors(self.where):
            response = self.w3.provider.make_request(RPCEndpoint(method), list(params))
        error = response.get("error")
        if error is not None:
            raise NodeRefused(method, error if isinstance(error, Mapping) else {"message": error})
        return response.get("result")

    def _call_params(self, request: TxParams) -> dict[str, Any]:
        """``request`` as the JSON object of ``eth_call`` and ``eth_estimateGas``."""
        params: dict[str, Any] = {"from": self.address}
        if request.get("to"):
            params["to"] = str(request["to"])
        data = request.get("data", b"")
        params["data"] = data if isinstance(data, str) else "0x" + bytes(data).hex()
        value = int(request.get("value", 0) or 0)
        if value:
            params["value"] = hex(value)
        return params

    # ---- pre-flight --------------------------------------------------------------------------

    def preflight(self, request: TxParams, context: str) -> int:
        """Check ``request`` on the state it will run on and return the gas limit to send it with.

        The first transaction of each function of each contract runs with ``eth_estimateGas``,
        which both checks it and measures it; its limit (the estimate times ``gas_multiplier``) is
        kept. Each later call of the same function runs once with ``eth_call`` under that kept limit
        instead: success proves the limit sufficient on that state, as an estimate would, in one
        execution instead of an estimate's search. When that call fails (out of gas under the kept
        limit, or refused), the transaction is estimated again, and a refusal is raised as its typed
        error. A refused estimate without revert data is run again with ``eth_call``, whose revert
        data every node returns.

        Raises:
            RegistryError: the typed refusal; nothing was sent.
        """
        call = self._call_params(request)
        # Against "latest" a check ignores this sender's transactions still in flight, and a
        # transaction that depends on them (a transfer whose serials an earlier one moved, so that
        # a recipient's holding gains a range instead of merging) runs out of gas on chain.
        state: Literal["pending", "latest"] = "pending" if self._in_flight else "latest"
        key = _function_key(call)
        kept = self._limits.get(key) if key is not None else None
        if kept is not None:
            try:
                self._rpc("eth_call", [{**call, "gas": hex(kept)}, state])
                return kept
            except NodeRefused:
                pass  # too little gas under the kept limit, or a refusal: estimated below
        try:
            estimate = int(self._rpc("eth_estimateGas", [call, state]), 16)
        except NodeRefused as refused:
            refusal = node_refusal(refused.error, context)
            if refusal.error_name is None:
                try:
                    self._rpc("eth_call", [call, state])
                except NodeRefused as again:
                    raise node_refusal(again.error, context) from again
            raise refusal from refused
        limit = int(estimate * self.fees.gas_multiplier)
        if key is not None:
            self._limits[key] = limit
        return limit

    def observe(self, request: TxParams, receipt: TxReceipt) -> None:
        """Forget the kept limit of ``request``'s function when its transaction failed, or used
        less than half of what the limit allows, so that the next call is measured afresh: a
        limit kept from a heavy call (a transfer of many ranges) would otherwise reserve far more
        block gas than light calls need."""
        key = _function_key(self._call_params(request))
        limit = int(request.get("gas", 0) or 0)
        if key is None or self._limits.get(key) != limit:
            return
        if receipt["status"] != 1 or 2 * receipt["gasUsed"] * self.fees.gas_multiplier < limit:
            self._limits.pop(key, None)

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
                tx_hash = self._send_raw(signed.raw_transaction)
            except NodeRefused as refused:
                self._nonce = None  # re-read from the node: it may know better
                raise node_refusal(refused.error, context) from refused
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
            return HexBytes(self._rpc("eth_sendRawTransaction", ["0x" + bytes(raw).hex()]))
        except NodeRefused as refused:
            if "already known" in str(refused.error.get("message", "")).lower():
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
            ChainUnavailable: the node became unreachable.
        """
        found = self.receipts([tx_hash], timeout)
        if tx_hash not in found:
            raise self._not_mined(tx_hash, timeout or self.timeout)
        return found[tx_hash]

    def receipts(self, hashes: Sequence[str], timeout: float | None = None) -> dict[str, TxReceipt]:
        """The receipts of ``hashes`` mined within ``timeout`` seconds, by hash.

        Several hashes are asked for in JSON-RPC batches of ``RECEIPT_BATCH``; those not mined yet
        again after ``FIRST_RECEIPT_POLL`` seconds, then twice as long each time up to
        ``RECEIPT_POLL``.

        Raises:
            ChainUnavailable: the node became unreachable.
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        found: dict[str, TxReceipt] = {}
        missing = list(dict.fromkeys(hashes))
        pause = FIRST_RECEIPT_POLL
        while True:
            for start in range(0, len(missing), RECEIPT_BATCH):
                part = missing[start : start + RECEIPT_BATCH]
                for tx_hash, raw in zip(part, self._raw_receipts(part), strict=True):
                    if raw:
                        found[tx_hash] = cast(TxReceipt, receipt_formatter(raw))
            missing = [h for h in missing if h not in found]
            if not missing or time.monotonic() >= deadline:
                return found
            time.sleep(pause)
            pause = min(2 * pause, RECEIPT_POLL)

    def _raw_receipts(self, hashes: list[str]) -> list[dict[str, Any] | None]:
        """``eth_getTransactionReceipt`` of each hash (``None`` while not mined), one request for
        one hash, a JSON-RPC batch for several."""
        if len(hashes) == 1:
            try:
                return [self._rpc("eth_getTransactionReceipt", hashes)]
            except NodeRefused as refused:
                # geth answers so while it indexes transactions after a start: not mined yet
                if "indexing" in str(refused.error.get("message", "")).lower():
                    return [None]
                raise TransactionFailed(
                    f"cannot read the receipt of {hashes[0]}: {refused.error.get('message')}"
                ) from refused
        provider = self.w3.provider
        if not isinstance(provider, JSONBaseProvider):  # no batches: one by one
            return [self._raw_receipts([h])[0] for h in hashes]
        with rpc_errors(self.where):
            answers = provider.make_batch_request(
                [(RPCEndpoint("eth_getTransactionReceipt"), [h]) for h in hashes]
            )
        if not isinstance(answers, list):  # a node that takes no batches: one by one
            return [self._raw_receipts([h])[0] for h in hashes]
        return [answer.get("result") for answer in answers]

    def _found(self, found: Mapping[str, TxReceipt], tx_hash: str, waited: float) -> TxReceipt:
        if tx_hash not in found:
            raise self._not_mined(tx_hash, waited)
        return found[tx_hash]

    def _not_mined(self, tx_hash: str, waited: float) -> TransactionFailed:
        return TransactionFailed(
            f"transaction {tx_hash} was sent but not mined within {waited:.0f} s; check it later "
            "by its hash"
        )

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

        Their receipts are read together, in JSON-RPC batches.

        Raises:
            RegistryError: the first failure, after all were awaited.
        """
        with self._lock:
            pending, self._pending = self._pending, []
        waited = timeout or self.timeout
        found: dict[str, TxReceipt] | None
        try:
            found = self.receipts([tx.tx_hash for tx in pending if not tx.done], waited)
        except RegistryError:
            found = None  # each transaction then meets the failure itself, below
        results: list[Any] = []
        first_error: RegistryError | None = None
        for tx in pending:
            try:
                if found is None:
                    results.append(tx.wait(waited))
                else:
                    results.append(tx.settle(partial(self._found, found, tx.tx_hash, waited)))
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
