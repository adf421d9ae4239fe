"""Transactions per second through the SDK against a raw web3.py baseline.

On one private anvil (automine: every transaction is mined on arrival), the same account sends the
same registry transfers (one credit of one batch to the same recipient, so every transaction costs
the same gas) in six ways:

- ``sdk.sequential``: ``RegistryClient.transfer(...)``: pre-flight (``eth_call`` and
  ``eth_estimateGas``), fees from the latest block, local signing, send, wait for the receipt, and
  the typed receipt with the decoded ``CreditsTransferred`` event.
- ``sdk.pipelined``: ``client.send(client.prepare.transfer(...), wait=False)`` for every transfer,
  then ``client.wait_all()``.
- ``raw.sequential`` / ``raw.pipelined``: the baseline, plain web3.py (``Web3.HTTPProvider``):
  ``encode_abi``, a local nonce, a gas limit and EIP-1559 fees fixed once per round, local signing
  with eth-account (its coincurve backend), ``send_raw_transaction``, then
  ``wait_for_transaction_receipt`` (after each send, or after all sends), checking the status.
- ``raw_preflight.sequential`` / ``raw_preflight.pipelined``: the baseline plus what the SDK asks
  the node before each send (``eth_call``, ``eth_estimateGas`` and the latest block), to show how
  much of the gap the pre-flight explains.

Each mode sends ``per_round`` transfers in each of ``rounds`` rounds; rounds interleave the modes
(in a rotating order) so that a slow moment of a shared machine does not fall on one mode only.
Every client is created afresh each round (it reads its nonce from the node once). Throughput is
transfers divided by the wall time from the first send to the last receipt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

from bench.chain import Anvil, key
from bench.world import World
from registry_client import contracts

MODES = (
    "sdk.sequential",
    "raw.sequential",
    "raw_preflight.sequential",
    "sdk.pipelined",
    "raw.pipelined",
    "raw_preflight.pipelined",
)
POLL = 0.05
"""Receipt poll interval of both the SDK and the baseline (seconds)."""


@dataclass
class ModeResult:
    """Transfers sent in one mode, and the wall time they took."""

    transactions: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        """Transactions per second."""
        return self.transactions / self.seconds if self.seconds else 0.0


@dataclass
class ThroughputResults:
    """Throughput of every mode."""

    modes: dict[str, ModeResult] = field(default_factory=lambda: {m: ModeResult() for m in MODES})

    def ratio(self, style: str) -> float:
        """SDK / raw web3.py throughput for ``style`` (``sequential`` or ``pipelined``)."""
        return self.modes[f"sdk.{style}"].per_second / self.modes[f"raw.{style}"].per_second

    def to_json(self) -> dict[str, Any]:
        """JSON-able results."""
        return {
            "modes": {
                name: {
                    "transactions": r.transactions,
                    "seconds": round(r.seconds, 2),
                    "tx_per_second": round(r.per_second, 1),
                }
                for name, r in self.modes.items()
            },
            "sdk_over_raw": {s: round(self.ratio(s), 3) for s in ("sequential", "pipelined")},
        }


class RawSender:
    """The baseline: plain web3.py with local signing, for one account and one registry.

    Args:
        url: the node.
        account: the signing key.
        registry: the ``JCMRegistry`` address.
        preflight: also ask ``eth_call``, ``eth_estimateGas`` and the latest block before each
            send, as the SDK does.
    """

    def __init__(self, url: str, account: LocalAccount, registry: str, preflight: bool) -> None:
        self.w3 = Web3(Web3.HTTPProvider(url))
        # Any web3.py client needs it on a proof-of-authority chain (Clique's 97-byte extraData);
        # it changes nothing on anvil.
        self.w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        self.account = account
        self.preflight = preflight
        self.registry = self.w3.eth.contract(
            address=Web3.to_checksum_address(registry), abi=contracts.abi("JCMRegistry")
        )
        self.chain_id = int(self.w3.eth.chain_id)
        self.nonce = int(self.w3.eth.get_transaction_count(account.address, "pending"))
        self.tip = int(self.w3.eth.max_priority_fee)
        self.base_fee = int(self.w3.eth.get_block("latest")["baseFeePerGas"])
        self.gas: int | None = None

    def send(self, to: str, batch: int, quantity: int) -> HexBytes:
        """Sign and send one transfer; its hash."""
        data = self.registry.encode_abi("transfer", args=[to, batch, quantity])
        request: dict[str, Any] = {"from": self.account.address, "to": self.registry.address}
        request["data"] = data
        if self.preflight or self.gas is None:
            if self.preflight:
                self.w3.eth.call(request)  # type: ignore[arg-type]
                self.base_fee = int(self.w3.eth.get_block("latest")["baseFeePerGas"])
            estimate = int(self.w3.eth.estimate_gas(request))  # type: ignore[arg-type]
            self.gas = estimate * 5 // 4
        tx = {
            **request,
            "nonce": self.nonce,
            "gas": self.gas,
            "chainId": self.chain_id,
            "value": 0,
            "maxFeePerGas": 2 * self.base_fee + self.tip,
            "maxPriorityFeePerGas": self.tip,
        }
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        return tx_hash

    def wait(self, tx_hash: HexBytes) -> None:
        """Wait for the receipt; the transfer must have succeeded."""
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=POLL)
        assert receipt["status"] == 1, f"transfer {tx_hash.hex()} failed"


def _sdk(world: World, sender: LocalAccount, to: str, batch: int, n: int, pipelined: bool) -> None:
    world.clients.pop(sender.address, None)
    client = world.client(sender)
    if pipelined:
        for _ in range(n):
            client.send(client.prepare.transfer(to, batch, 1), wait=False)
        client.wait_all()
    else:
        for _ in range(n):
            client.transfer(to, batch, 1)


def _raw(
    world: World, sender: LocalAccount, to: str, batch: int, n: int, pipelined: bool, flight: bool
) -> None:
    assert world.deployment is not None
    raw = RawSender(world.node.url, sender, world.deployment.registry, flight)
    if pipelined:
        hashes = [raw.send(to, batch, 1) for _ in range(n)]
        for tx_hash in hashes:
            raw.wait(tx_hash)
    else:
        for _ in range(n):
            raw.wait(raw.send(to, batch, 1))


def measure(
    rounds: int = 4, per_round: int = 100, progress: Callable[[str], None] | None = None
) -> ThroughputResults:
    """Run every mode ``rounds`` times with ``per_round`` transfers on a fresh anvil."""
    results = ThroughputResults()
    with Anvil() as node:
        world = World(node).setup()
        sender_address = world.account("throughput-sender", "JP")
        recipient = world.account("throughput-recipient", "JP")
        sender = key("throughput-sender")
        batch, _ = world.issue([(sender_address, 1_000_000)])
        world.transfer("throughput-sender", recipient, batch, 1)  # the recipient's holding exists

        def run(mode: str, n: int) -> None:
            path, style = mode.split(".")
            pipelined = style == "pipelined"
            if path == "sdk":
                _sdk(world, sender, recipient, batch, n, pipelined)
            else:
                _raw(world, sender, recipient, batch, n, pipelined, path == "raw_preflight")

        for mode in MODES:  # warm-up: connections, ABI caches
            run(mode, 5)
        for index in range(rounds):
            if progress is not None:
                progress(f"round {index + 1} of {rounds}")
            shift = index % len(MODES)
            for mode in MODES[shift:] + MODES[:shift]:
                started = time.perf_counter()
                run(mode, per_round)
                result = results.modes[mode]
                result.seconds += time.perf_counter() - started
                result.transactions += per_round
        world.client(sender)  # the balance moved as expected: every transfer succeeded
        holding = world.client(sender).holding(recipient, batch)
        expected = 1 + (rounds * per_round + 5) * len(MODES)
        assert holding.balance == expected, f"recipient holds {holding.balance}, not {expected}"
    return results


def table(results: ThroughputResults) -> str:
    """The results as a text table."""
    lines = [f"{'mode':<28} {'transfers':>10} {'seconds':>9} {'tx/s':>8}"]
    for name, r in results.modes.items():
        lines.append(f"{name:<28} {r.transactions:>10} {r.seconds:>9.2f} {r.per_second:>8.1f}")
    for style in ("sequential", "pipelined"):
        lines.append(f"SDK / raw web3.py, {style}: {results.ratio(style):.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(progress=print)))
