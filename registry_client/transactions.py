"""Connecting to a node, and sending locally signed transactions that are refused before sending.

Used by :mod:`registry_client.client` and :mod:`registry_client.deployment`:

- :func:`connect_web3` builds a ``Web3`` for any JSON-RPC URL with the proof-of-authority
  ``extraData`` middleware installed (harmless on other chains), and raises
  :class:`ChainUnavailable` when the node cannot be reached. Several URLs (a list, or one string
  of comma-separated URLs such as ``JCM_RPC_URL="http://jp-node:8545,http://id-node:8545"``) give
  a :class:`FailoverHTTPProvider`: requests go to one node and move to the next one that answers
  when it stops answering (a consortium where each government runs its own nodes).
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import requests
from eth_abi.codec import ABICodec
from eth_abi.decoding import StringDecoder
from eth_abi.registry import BaseEquals
from eth_account.signers.local import LocalAccount
from eth_typing import URI, HexStr
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3._utils.abi import build_strict_registry
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    TimeExhausted,
    Web3RPCError,
)
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, RPCResponse, TxParams, TxReceipt

from registry_client.errors import (
    ChainUnavailable,
    GasPriceTooLow,
    RegistryError,
    TransactionFailed,
    decode_revert,
)
from registry_client.node_url import public_node_url

R = TypeVar("R")

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for a receipt before giving up."""


FEE_REFRESH_SECONDS = 1.0
"""How long fee fields read from the node are reused for further transactions."""


CONNECT_TIMEOUT = 3.0
"""Seconds to wait for a TCP connection to one of several nodes before trying the next."""


def node_urls(rpc_url: str | Sequence[str]) -> list[str]:
    """The node URLs of ``rpc_url``: one URL, comma-separated URLs, or a sequence of URLs.

    Raises:
        ChainUnavailable: no URL, or one that is not HTTP(S).
    """
    parts = rpc_url.split(",") if isinstance(rpc_url, str) else list(rpc_url)
    urls = [u.strip() for u in parts if u.strip()]
    if not urls:
        raise ChainUnavailable("no RPC URL given: set --rpc-url or JCM_RPC_URL")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ChainUnavailable(f"RPC URL {url!r} must start with http:// or https://")
    return urls


class FailoverHTTPProvider(HTTPProvider):
    """JSON-RPC over HTTP to the first of several nodes that answers.

    Requests go to the current node; when it refuses the connection or times out, the same request
    goes to the next node (in the order given, wrapping around), which becomes the current one.
    Only transport failures move it: a node that answers with an error answers. Re-sending a
    signed transaction to another node is safe: the same bytes have the same hash and nonce, so
    the chain includes it at most once.
    """

    def __init__(self, urls: Sequence[str], request_timeout: float = 30.0) -> None:
        if not urls:
            raise ValueError("FailoverHTTPProvider needs at least one URL")
        super().__init__(
            urls[0],
            # A short connect timeout: a node that is down must not hold up the fail-over.
            request_kwargs={"timeout": (min(CONNECT_TIMEOUT, request_timeout), request_timeout)},
            # web3's own retries (with back-off) on the same node would only delay the next node.
            exception_retry_configuration=None,
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
        self.endpoints = tuple(urls)
        self._switch = threading.Lock()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Send one request to the current node, failing over to the others in turn."""
        parent = super().make_request
        return cast(RPCResponse, self._first_answer(lambda: parent(method, params)))

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> Any:
        """Send a batch to the current node, failing over to the others in turn."""
        parent = super().make_batch_request
        return self._first_answer(lambda: parent(batch_requests))

    def _first_answer(self, request: Callable[[], Any]) -> Any:
        first = str(self.endpoint_uri)
        start = self.endpoints.index(first) if first in self.endpoints else 0
        order = self.endpoints[start:] + self.endpoints[:start]
        failures: list[str] = []
        for url in order:
            with self._switch:
                self.endpoint_uri = URI(url)
            try:
                answer = request()
            except (requests.ConnectionError, requests.Timeout) as exc:
                failures.append(f"{public_node_url(url)} ({type(exc).__name__})")
                continue
            if url != first:  # node URLs may carry credentials: scheme and host only in logs
                log.warning(
                    "node %s stopped answering; using %s",
                    public_node_url(first),
                    public_node_url(url),
                )
            return answer
        with self._switch:
            self.endpoint_uri = URI(first)
        raise requests.ConnectionError("no node answered: " + ", ".join(failures))


def connect_web3(
    rpc_url: str | Sequence[str], *, request_timeout: float = 30.0, check: bool = True
) -> Web3:
    """A ``Web3`` for ``rpc_url`` (``http(s)://``), with ``ExtraDataToPOAMiddleware`` at layer 0.

    ``rpc_url`` may name several nodes of the same chain (comma-separated, or a sequence): the
    connection fails over between them (:class:`FailoverHTTPProvider`).

    The middleware rewrites blocks' ``extraData`` (longer than 32 bytes on Clique/QBFT/IBFT chains)
    into ``proofOfAuthorityData``; on other chains it changes nothing.

    Raises:
        ChainUnavailable: a URL is not HTTP(S), or (with ``check``) no node answers.
    """
    urls = node_urls(rpc_url)
    provider: HTTPProvider
    if len(urls) > 1:
        provider = FailoverHTTPProvider(urls, request_timeout)
    else:
        # Only the chain id is cached: web3's request validation asks for it several times per
        # transaction, and a node's chain id never changes under a connection.
        provider = HTTPProvider(
            urls[0],
            request_kwargs={"timeout": request_timeout},
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
    w3 = Web3(provider)
    install_poa_middleware(w3)
    w3.codec = lenient_string_codec()
    if check:
        chain_id(w3, ",".join(urls))
    return w3


def lenient_string_codec() -> ABICodec:
    """web3's strict ABI codec, except that a ``string`` that is not valid UTF-8 is read with
    U+FFFD in place of its invalid bytes instead of failing.

    The contracts store ``string`` arguments as the bytes they were sent (a retirement note, a
    beneficiary), and anyone may send bytes that are not UTF-8; web3 would then refuse to read the
    record at all, and every view that meets it (``jcm serial``, ``jcm holdings``...) would fail.
    """
    registry = build_strict_registry()
    encoder = type(registry.get_encoder("string"))
    registry.unregister("string")
    registry.register(
        BaseEquals("string"),
        encoder,
        StringDecoder(handle_string_errors="replace"),
        label="string",
    )
    return ABICodec(registry)


def install_poa_middleware(w3: Web3) -> None:
    """Install the proof-of-authority ``extraData`` middleware at layer 0 (idempotent)."""
    if "poa_extra_data" not in w3.middleware_onion:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0, name="poa_extra_data")


def chain_id(w3: Web3, rpc_url: str | None = None) -> int:
    """The chain id the node reports.

    Raises:
        ChainUnavailable: the node cannot be reached or does not answer JSON-RPC.
    """
    with rpc_errors(rpc_url or _url_of(w3)):
        return int(w3.eth.chain_id)


def _url_of(w3: Web3) -> str:
    return str(getattr(w3.provider, "endpoint_uri", "the node"))


@contextmanager
def rpc_errors(where: str) -> Iterator[None]:
    """Translate transport failures into :class:`ChainUnavailable`."""
    try:
        yield
    except (requests.exceptions.RequestException, ProviderConnectionError, OSError) as exc:
        raise ChainUnavailable(
            f"cannot reach the registry node at {public_node_url(where)}: {type(exc).__name__}; "
            "check the RPC URL "
            "and that the node is running"
        ) from exc


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
        return _url_of(self.w3)

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
