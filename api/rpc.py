"""A small JSON-RPC client for what the indexer and the health check read from the chain.

Plain JSON over HTTP (httpx) with batching: the indexer asks for thousands of logs and block
headers,
and web3's per-result formatters would cost more than the node's answers. Works with any Ethereum
JSON-RPC node (anvil, geth, Besu, ...), including proof-of-authority chains whose ``extraData`` web3
would reject.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from registry_client.node_url import public_node_url


class RpcError(RuntimeError):
    """The node answered with an error, or could not be reached."""


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


class RpcClient:
    """JSON-RPC over HTTP to one node, or to the first answering of several nodes of one chain.

    Args:
        url: the node's HTTP endpoint, or several separated by commas (e.g. Japan's node and the
            partner's): a request whose node refuses the connection or times out goes to the next
            one, which then stays the current node.
        timeout: seconds per request.
    """

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.urls = [u.strip() for u in url.split(",") if u.strip()] or [url]
        self.url = self.urls[0]
        # A short connect timeout when there is another node to try.
        connect = min(3.0, timeout) if len(self.urls) > 1 else timeout
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect))
        self._ids = itertools.count(1)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _post(self, payload: Any) -> Any:
        start = self.urls.index(self.url)
        failures: list[str] = []
        for url in self.urls[start:] + self.urls[:start]:
            # A URL may carry credentials or an API key, and httpx's messages repeat it: name each
            # node by scheme and host only, and each failure by its kind.
            where = public_node_url(url)
            try:
                response = self._client.post(url, json=payload)
                response.raise_for_status()
                answer = response.json()
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

    def call(self, method: str, *params: Any) -> Any:
        """Call ``method`` and return its result.

        Raises:
            RpcError: the node returned an error or could not be reached.
        """
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        )
        if "error" in answer:
            raise RpcRefused(f"{method} failed: {answer['error'].get('message', answer['error'])}")
        return answer.get("result")

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Call several methods in one HTTP request; results in the order of ``calls``.

        Raises:
            RpcError: any call failed.
        """
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in zip(ids, calls, strict=True)
        ]
        answers = self._post(payload)
        if not isinstance(answers, list):
            raise RpcError(f"batch request failed: {answers}")
        by_id = {answer.get("id"): answer for answer in answers}
        results = []
        for i, (method, _params) in zip(ids, calls, strict=True):
            answer = by_id.get(i)
            if answer is None or "error" in answer:
                detail = answer["error"] if answer else "no answer"
                raise RpcError(f"{method} failed in a batch: {detail}")
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
            results = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in part])
            for number, raw in zip(part, results, strict=True):
                found[number] = _header(raw) if raw else None
        return found

    def logs(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]]:
        """``eth_getLogs`` of ``addresses`` over ``[from_block, to_block]``, as raw JSON objects."""
        if not addresses:
            return []
        result = self.call(
            "eth_getLogs",
            {"address": addresses, "fromBlock": hex(from_block), "toBlock": hex(to_block)},
        )
        return list(result or [])

    def call_address(self, to: str, signature: str, block: str = "latest") -> str:
        """``eth_call`` of a no-argument view returning an address, e.g. ``projects()``."""
        selector = "0x" + keccak(text=signature)[:4].hex()
        data = self.call("eth_call", {"to": to, "data": selector}, block)
        (value,) = abi_decode(["address"], bytes.fromhex(str(data)[2:]))
        return to_checksum_address(value)
