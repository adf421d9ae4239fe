"""Talking to a chain: the one place that opens connections to a JSON-RPC node.

Two clients over two needs, built here and nowhere else:

- :func:`connect_web3` returns a ``Web3`` for contract calls and signed transactions (the SDK, the
  seed, the CLI, benchmarks): HTTP(S) provider, the chain id cached, the proof-of-authority
  ``extraData`` middleware at layer 0 (harmless on other chains). Several URLs (a list, or one
  string of comma-separated URLs such as ``JCM_RPC_URL="http://jp-node:8545,http://id-node:8545"``)
  give a :class:`FailoverHTTPProvider`: requests go to one node and move to the next one that
  answers when it stops answering (a consortium where each government runs its own nodes).
- :class:`RpcClient` speaks plain JSON-RPC over one keep-alive ``httpx`` connection, with batching,
  for bulk reads where web3's per-result formatting costs more than the node's answer (the indexer,
  the health check) and for node-control methods (``anvil_*``, ``evm_*``) in tests and benchmarks.

Both take several node URLs and fail over between them the same way. Transport failures become
:class:`~registry_client.errors.ChainUnavailable` (web3) or :class:`RpcError` (raw JSON-RPC).
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx
import orjson
import requests
from eth_abi import decode as abi_decode
from eth_abi.codec import ABICodec
from eth_abi.decoding import StringDecoder
from eth_abi.registry import BaseEquals
from eth_typing import URI
from eth_utils import keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3._utils.abi import build_strict_registry
from web3.exceptions import ProviderConnectionError
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, RPCResponse

from registry_client.errors import ChainUnavailable
from registry_client.node_url import public_node_url
from registry_client.settings import DEFAULT_RPC_TIMEOUT

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------
# web3
# ------------------------------------------------------------------------------------------------


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

    def __init__(self, urls: Sequence[str], request_timeout: float = DEFAULT_RPC_TIMEOUT) -> None:
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
    rpc_url: str | Sequence[str],
    *,
    request_timeout: float = DEFAULT_RPC_TIMEOUT,
    check: bool = True,
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
    with rpc_errors(rpc_url or url_of(w3)):
        return int(w3.eth.chain_id)


def url_of(w3: Web3) -> str:
    """The endpoint a ``Web3`` talks to, for messages."""
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


# ------------------------------------------------------------------------------------------------
# Plain JSON-RPC
# ------------------------------------------------------------------------------------------------


class RpcError(RuntimeError):
    """The node answered with an error, or could not be reached.

    Attributes:
        method: the JSON-RPC method.
        error: the node's error object (``code``, ``message``, ``data``); empty when unreachable.
    """

    def __init__(self, message: str, method: str = "", error: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.method = method
        self.error: dict[str, Any] = dict(error or {})


class RpcRefused(RpcError):
    """The node answered, with an error (an unknown method or block tag, a bad parameter...)."""


@dataclass(frozen=True)
class BlockHeader:
    """What the index keeps of a block."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int


def _header(raw: dict[str, Any]) -> BlockHeader:
    return BlockHeader(
        number=int(raw["number"], 16),
        hash=str(raw["hash"]).lower(),
        parent_hash=str(raw["parentHash"]).lower(),
        timestamp=int(raw["timestamp"], 16),
    )


def _failure(method: str, error: Mapping[str, Any], where: str = "") -> RpcError:
    detail = error.get("message", error) if isinstance(error, Mapping) else error
    data = error.get("data") if isinstance(error, Mapping) else None
    text = f"{method} failed{where}: {detail}" + (f" {data}" if data else "")
    return RpcRefused(text, method, error if isinstance(error, Mapping) else {"message": error})


def _hex_only_json(content: bytes) -> Any:
    """A JSON-RPC answer whose every quantity is a hex string (logs, block headers), parsed by
    orjson: a long ``eth_getLogs`` answer is megabytes, parsed several times faster than by
    :mod:`json`. Not for other answers: orjson reads an integer beyond 64 bits as a float.

    Raises:
        ValueError: the answer is not JSON.
    """
    return orjson.loads(content)


class RpcClient:
    """JSON-RPC over HTTP to one node, or to the first answering of several nodes of one chain.

    Args:
        url: the node's HTTP endpoint, or several (comma-separated, or a sequence; e.g. Japan's
            node and the partner's): a request whose node refuses the connection or times out goes
            to the next one, which then stays the current node.
        timeout: seconds per request.
    """

    def __init__(self, url: str | Sequence[str], timeout: float = DEFAULT_RPC_TIMEOUT) -> None:
        self.urls = node_urls(url)
        self.url = self.urls[0]
        self.timeout = timeout
        # A short connect timeout when there is another node to try.
        connect = min(CONNECT_TIMEOUT, timeout) if len(self.urls) > 1 else timeout
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect))
        self._ids = itertools.count(1)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _post(self, payload: Any, loads: Callable[[bytes], Any] = json.loads) -> Any:
        start = self.urls.index(self.url)
        failures: list[str] = []
        for url in self.urls[start:] + self.urls[:start]:
            # A URL may carry credentials or an API key, and httpx's messages repeat it: name each
            # node by scheme and host only, and each failure by its kind.
            where = public_node_url(url)
            try:
                response = self._client.post(url, json=payload)
                response.raise_for_status()
                answer = loads(response.content)
            except httpx.TransportError as exc:
                failures.append(f"{where}: {type(exc).__name__}")
                continue
            except (httpx.HTTPError, ValueError) as exc:
                status = (
                    f" (HTTP {exc.response.status_code})"
                    if isinstance(exc, httpx.HTTPStatusError)
                    else ""
                )
                raise RpcError(
                    f"JSON-RPC request to {where} failed: {type(exc).__name__}{status}"
                ) from exc
            self.url = url
            return answer
        raise RpcError(f"JSON-RPC request failed on every node: {'; '.join(failures)}")

    def request(
        self, method: str, params: Sequence[Any] = (), loads: Callable[[bytes], Any] = json.loads
    ) -> Any:
        """Call ``method`` with ``params`` and return its result (``loads`` parses the answer).

        Raises:
            RpcError: the node returned an error or could not be reached.
        """
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)},
            loads,
        )
        if "error" in answer:
            raise _failure(method, answer["error"])
        return answer.get("result")

    def call(self, method: str, *params: Any) -> Any:
        """:meth:`request` with the parameters as arguments: ``call("eth_chainId")``."""
        return self.request(method, params)

    def batch(
        self, calls: Sequence[tuple[str, Sequence[Any]]], loads: Callable[[bytes], Any] = json.loads
    ) -> list[Any]:
        """Call several methods in one HTTP request; results in the order of ``calls`` (``loads``
        parses the answer).

        Raises:
            RpcError: any call failed.
        """
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in zip(ids, calls, strict=True)
        ]
        answers = self._post(payload, loads)
        if not isinstance(answers, list):
            raise RpcError(f"batch request failed: {answers}")
        by_id = {answer.get("id"): answer for answer in answers}
        results = []
        for i, (method, _params) in zip(ids, calls, strict=True):
            answer = by_id.get(i)
            if answer is None:
                raise RpcError(f"{method} failed in a batch: no answer", method)
            if "error" in answer:
                raise _failure(method, answer["error"], " in a batch")
            results.append(answer.get("result"))
        return results

    # -- typed helpers -----------------------------------------------------------------------------

    def chain_id(self) -> int:
        """``eth_chainId``."""
        return int(self.call("eth_chainId"), 16)

    def block_number(self) -> int:
        """``eth_blockNumber``: the chain head."""
        return int(self.call("eth_blockNumber"), 16)

    def finalized_number(self) -> int | None:
        """The number of the node's ``finalized`` block; ``None`` if the chain has no finality
        (Clique answers the tag with an error) or nothing is finalized yet.

        Raises:
            RpcError: the node could not be reached.
        """
        try:
            raw = self.call("eth_getBlockByNumber", "finalized", False)
        except RpcRefused:
            return None
        return int(raw["number"], 16) if raw else None

    def header(self, number: int) -> BlockHeader | None:
        """The header of block ``number``, or ``None`` if the chain is shorter."""
        raw = self.call("eth_getBlockByNumber", hex(number), False)
        return _header(raw) if raw else None

    def headers(self, numbers: list[int], chunk: int = 200) -> dict[int, BlockHeader | None]:
        """Headers of several blocks, fetched in batches (``None`` for blocks past the head)."""
        found: dict[int, BlockHeader | None] = {}
        unique = sorted(set(numbers))
        for start in range(0, len(unique), chunk):
            part = unique[start : start + chunk]
            results = self.batch(
                [("eth_getBlockByNumber", [hex(n), False]) for n in part], _hex_only_json
            )
            for number, raw in zip(part, results, strict=True):
                found[number] = _header(raw) if raw else None
        return found

    def logs(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]]:
        """``eth_getLogs`` of ``addresses`` over ``[from_block, to_block]``, as raw JSON objects."""
        if not addresses:
            return []
        result = self.request(
            "eth_getLogs",
            [{"address": addresses, "fromBlock": hex(from_block), "toBlock": hex(to_block)}],
            _hex_only_json,
        )
        return list(result or [])

    def call_address(self, to: str, signature: str, block: str = "latest") -> str:
        """``eth_call`` of a no-argument view returning an address, e.g. ``projects()``."""
        selector = "0x" + keccak(text=signature)[:4].hex()
        data = self.call("eth_call", {"to": to, "data": selector}, block)
        (value,) = abi_decode(["address"], bytes.fromhex(str(data)[2:]))
        return to_checksum_address(value)


def rpc_ready(url: str, timeout: float = 1.0) -> bool:
    """Whether a JSON-RPC node answers ``eth_chainId`` at ``url`` right now."""
    try:
        with RpcClient(url, timeout=timeout) as rpc:
            rpc.chain_id()
        return True
    except (RpcError, ChainUnavailable, ValueError, TypeError):
        return False
