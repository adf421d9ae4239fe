"""Throughput on the consortium network: four geth Clique signers (two per government), 1 s blocks.

On one network started for the benchmark (:mod:`registry_client.consortium`), with the registry
set up by :class:`bench.world.World` and the OpenZeppelin references of :mod:`bench.references`:

- **chain**: ``per_kind`` transfers of each kind, signed beforehand (sequential nonces, one gas
  estimate, EIP-1559 fees), then sent to one node in one JSON-RPC batch, their receipts polled in
  batches; throughput is the transfers divided by the time from the send to the last receipt.
  Kinds: a registry transfer (one credit of one batch to an existing holding), OpenZeppelin ERC-1155
  ``safeTransferFrom`` and ERC-20 ``transfer`` (to an existing holder). The ratios registry /
  ERC-1155 and registry / ERC-20 show what the registry's extra work costs on a real
  proof-of-authority chain; the gas-bound ceiling (block gas limit / gas per transfer / block
  period) shows how far the measured figure is from what the blocks could hold.
- **client**: registry transfers through the SDK (pre-flight, typed receipts) against raw web3.py
  (``ExtraDataToPOAMiddleware`` at layer 0, which any web3.py client needs on Clique), pipelined
  (``per_kind / 3`` transfers) and sequential (``sequential`` transfers, each awaited: about two
  block periods apiece).

Usage::

    python -m bench.consortium            # prints the table (what `make bench` includes)
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxParams, Wei

from bench.chain import ETHER, key
from bench.references import compile_references
from bench.throughput import RawSender
from bench.world import World
from registry_client.chain import connect_web3
from registry_client.consortium import GAS_LIMIT, Consortium
from registry_client.transactions import TransactionSender

KINDS = ("registry.transfer", "erc1155.safe_transfer_from", "erc20.transfer")
BATCH_LIMIT = 500
"""Requests per JSON-RPC batch (geth refuses batches of more than 1,000)."""
FUNDER = "consortium-funder"
"""The one account the genesis funds; it pays every other benchmark account's gas."""


@dataclass
class Rate:
    """Transfers and the wall time they took; with the gas of one."""

    transactions: int = 0
    seconds: float = 0.0
    gas: int = 0

    @property
    def per_second(self) -> float:
        """Transfers per second."""
        return self.transactions / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "transactions": self.transactions,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            **({"gas": self.gas} if self.gas else {}),
        }


@dataclass
class ConsortiumResults:
    """Chain throughput per kind and SDK/raw client throughput on the consortium network."""

    signers: int = 0
    period: int = 0
    chain: dict[str, Rate] = field(default_factory=lambda: {k: Rate() for k in KINDS})
    client: dict[str, Rate] = field(default_factory=dict)
    seconds: float = 0.0

    def ratio(self, kind: str) -> float:
        """Registry transfers per second over ``kind``'s."""
        return self.chain["registry.transfer"].per_second / self.chain[kind].per_second

    def ceiling(self, kind: str) -> float:
        """Transfers per second the blocks could hold: gas limit / gas per transfer / period."""
        return GAS_LIMIT // self.chain[kind].gas / self.period

    def sdk_over_raw(self, style: str) -> float:
        """SDK / raw web3.py throughput, ``sequential`` or ``pipelined``."""
        return self.client[f"sdk.{style}"].per_second / self.client[f"raw.{style}"].per_second

    def to_json(self) -> dict[str, Any]:
        """JSON-able results."""
        return {
            "network": f"{self.signers} geth v1.13.15 Clique signers, {self.period} s blocks",
            "chain": {
                k: {**r.to_json(), "gas_bound_per_second": round(self.ceiling(k), 1)}
                for k, r in self.chain.items()
            },
            "registry_over": {k: round(self.ratio(k), 3) for k in KINDS[1:]},
            "client": {k: r.to_json() for k, r in self.client.items()},
            "sdk_over_raw": {
                s: round(self.sdk_over_raw(s), 3) for s in ("sequential", "pipelined")
            },
            "seconds": round(self.seconds, 1),
        }


class ConsortiumNode:
    """What :class:`bench.world.World` needs of a node: its URLs, and funding (by transfers from
    the genesis-funded account, since a Clique node has no ``anvil_setBalance``)."""

    def __init__(self, network: Consortium) -> None:
        self.network = network
        self.url = ",".join(network.urls)
        self.w3 = connect_web3(self.url)
        self._funder = TransactionSender(self.w3, key(FUNDER))
        self._funded: set[str] = set()

    def fund(self, addresses: Iterable[str], amount: int = 10**3 * ETHER) -> None:
        """Send ``amount`` to each address not funded yet; wait for all of them."""
        for address in addresses:
            if address in self._funded:
                continue
            self._funded.add(address)
            request: TxParams = {"to": Web3.to_checksum_address(address), "value": Wei(amount)}
            self._funder.send(request, lambda r: r, "fund a benchmark account", gas=21_000)
        self._funder.wait_all()


def _timed(url: str, signed: list[bytes]) -> float:
    """Send pre-signed transactions in one JSON-RPC batch, then poll their receipts in batches
    until every one is mined (each must succeed); the seconds from the send to the last receipt.

    Batches keep the client's per-request cost out of the figure, so it shows the chain's rate.
    """
    http = requests.Session()

    def batch(method: str, params: list[list[Any]]) -> list[Any]:
        results: list[Any] = []
        for first in range(0, len(params), BATCH_LIMIT):  # geth answers at most 1,000 per batch
            part = params[first : first + BATCH_LIMIT]
            body = [
                {"jsonrpc": "2.0", "id": i, "method": method, "params": p}
                for i, p in enumerate(part)
            ]
            answers = {a["id"]: a for a in http.post(url, json=body, timeout=120).json()}
            for i in range(len(part)):
                assert "error" not in answers[i], f"{method}: {answers[i]['error']}"
                results.append(answers[i]["result"])
        return results

    started = time.perf_counter()
    waiting = batch("eth_sendRawTransaction", [["0x" + raw.hex()] for raw in signed])
    while waiting:
        time.sleep(0.05)
        receipts = batch("eth_getTransactionReceipt", [[h] for h in waiting])
        for receipt in receipts:
            if receipt is not None:
                assert receipt["status"] == "0x1", f"{receipt['transactionHash']} failed"
        waiting = [h for h, r in zip(waiting, receipts, strict=True) if r is None]
    return time.perf_counter() - started


def _presign(sender: RawSender, request: TxParams, n: int) -> tuple[list[bytes], int]:
    """``n`` signed copies of ``request`` with consecutive nonces; and the gas of one (measured)."""
    call = {"from": sender.account.address, **request}
    gas = int(sender.w3.eth.estimate_gas(call))  # type: ignore[arg-type]
    base_fee = int(sender.w3.eth.get_block("latest")["baseFeePerGas"])
    signed = []
    for _ in range(n):
        tx: dict[str, Any] = {
            **request,
            "nonce": sender.nonce,
            "gas": gas * 5 // 4,
            "chainId": sender.chain_id,
            "value": 0,
            # Headroom for a base fee that rises while full blocks follow each other.
            "maxFeePerGas": 4 * base_fee + sender.tip,
            "maxPriorityFeePerGas": sender.tip,
        }
        signed.append(bytes(sender.account.sign_transaction(tx).raw_transaction))
        sender.nonce += 1
    return signed, gas


def _contract_call(contract: Any, function: str, args: list[Any]) -> TxParams:
    return {"to": contract.address, "data": contract.encode_abi(function, args=args)}


def _deploy_references(node: ConsortiumNode, holder: LocalAccount) -> dict[str, Any]:
    deployer = key("ref-deployer")
    node.fund([deployer.address, holder.address])
    sender = TransactionSender(node.w3, deployer)
    tokens = {}
    for name, artifact in compile_references().items():
        factory = node.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = sender.send(
            {"data": factory.constructor().data_in_transaction}, lambda r: r, f"deploy {name}"
        ).wait()
        address = Web3.to_checksum_address(str(receipt["contractAddress"]))
        tokens[name] = node.w3.eth.contract(address=address, abi=artifact.abi)
    erc1155, erc20 = tokens["ReferenceERC1155"], tokens["ReferenceERC20"]
    existing = key("ref-existing").address
    for to in (holder.address, existing):
        sender.send(_contract_call(erc1155, "mint", [to, 1, 10**9]), lambda r: r, "mint")
        sender.send(_contract_call(erc20, "mint", [to, 10**9]), lambda r: r, "mint")
    sender.wait_all()
    return {"erc1155": erc1155, "erc20": erc20, "existing": existing}


def measure(
    per_kind: int = 1200, sequential: int = 15, progress: Callable[[str], None] | None = None
) -> ConsortiumResults:
    """Start a network, set the registry and the references up, and measure (about 2-3 min)."""
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="jcm-bench-consortium-"))
    network = Consortium.create(folder / "net", funded=[key(FUNDER).address], namespace="bench")
    results = ConsortiumResults(signers=len(network.signers), period=network.period)
    try:
        say("starting 4 signers")
        network.start()
        network.await_block(2, timeout=60)
        node = ConsortiumNode(network)
        say("deploying the registry and the OpenZeppelin references")
        world = World(node).setup()  # type: ignore[arg-type]
        sender_address = world.account("throughput-sender", "JP")
        recipient = world.account("throughput-recipient", "JP")
        holder = key("throughput-sender")
        batch, _ = world.issue([(sender_address, 10_000_000)])
        world.transfer("throughput-sender", recipient, batch, 1)  # the recipient's holding exists
        refs = _deploy_references(node, holder)
        assert world.deployment is not None
        url = network.signer("jp-1").url  # raw web3.py talks to one node

        def raw(preflight: bool = False) -> RawSender:
            return RawSender(url, holder, world.deployment.registry, preflight)  # type: ignore[union-attr]

        requests = {
            "registry.transfer": _contract_call(raw().registry, "transfer", [recipient, batch, 1]),
            "erc1155.safe_transfer_from": _contract_call(
                refs["erc1155"], "safeTransferFrom", [holder.address, refs["existing"], 1, 1, b""]
            ),
            "erc20.transfer": _contract_call(refs["erc20"], "transfer", [refs["existing"], 1]),
        }
        for kind in KINDS:
            say(f"chain: {per_kind} pre-signed {kind}")
            sender = raw()
            signed, gas = _presign(sender, requests[kind], per_kind)
            results.chain[kind] = Rate(per_kind, _timed(url, signed), gas)

        for style, n in (("pipelined", per_kind // 3), ("sequential", sequential)):
            say(f"client: SDK and raw web3.py, {n} transfers {style}")
            mark = time.perf_counter()
            world.clients.pop(holder.address, None)  # a fresh client reads the nonce
            client = world.client(holder)
            if style == "pipelined":
                for _ in range(n):
                    client.send(client.prepare.transfer(recipient, batch, 1), wait=False)
                client.wait_all()
            else:
                for _ in range(n):
                    client.transfer(recipient, batch, 1)
            results.client[f"sdk.{style}"] = Rate(n, time.perf_counter() - mark)
            mark = time.perf_counter()
            sender = raw()
            if style == "pipelined":
                hashes = [sender.send(recipient, batch, 1) for _ in range(n)]
                for tx_hash in hashes:
                    sender.wait(tx_hash)
            else:
                for _ in range(n):
                    sender.wait(sender.send(recipient, batch, 1))
            results.client[f"raw.{style}"] = Rate(n, time.perf_counter() - mark)
        moved = 1 + per_kind + 2 * (per_kind // 3 + sequential)
        held = world.client(holder).balance(recipient, batch)
        assert held == moved, f"the recipient holds {held}, not {moved}: a transfer was lost"
    finally:
        network.stop()
        shutil.rmtree(folder, ignore_errors=True)
    results.seconds = time.perf_counter() - started
    return results


def table(results: ConsortiumResults) -> str:
    """The results as a text table."""
    lines = [f"{'chain (pre-signed, one node)':<30} {'n':>6} {'s':>7} {'tx/s':>7} {'gas':>7} "
             f"{'gas-bound tx/s':>15}"]  # fmt: skip
    for kind, r in results.chain.items():
        lines.append(
            f"{kind:<30} {r.transactions:>6} {r.seconds:>7.2f} {r.per_second:>7.1f} {r.gas:>7} "
            f"{results.ceiling(kind):>15.0f}"
        )
    for kind in KINDS[1:]:
        lines.append(f"registry / {kind}: {results.ratio(kind):.2f}")
    lines.append(f"{'client (registry transfers)':<30} {'n':>6} {'s':>7} {'tx/s':>7}")
    for mode, r in results.client.items():
        lines.append(f"{mode:<30} {r.transactions:>6} {r.seconds:>7.2f} {r.per_second:>7.1f}")
    for style in ("sequential", "pipelined"):
        lines.append(f"SDK / raw web3.py, {style}: {results.sdk_over_raw(style):.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(progress=print)))
