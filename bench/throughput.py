"""Transactions per second through the SDK against a raw web3.py baseline.

On one private anvil (automine: every transaction is mined on arrival), the same account sends the
same registry transfers (one credit of one batch to the same recipient, so every transaction costs
the same gas) in six ways:

- ``sdk.sequential``: ``RegistryClient.transfer(...)``: the pre-flight (the first transfer of a
  client with ``eth_estimateGas``, later ones with one ``eth_call`` under the gas limit kept from
  it; see :meth:`registry_client.transactions.TransactionSender.preflight`), fees from the latest
  block (re-read at most once a second), local signing, send, wait for the receipt, and the typed
  receipt with the decoded ``CreditsTransferred`` event.
- ``sdk.pipelined``: ``client.send(client.prepare.transfer(...), wait=False)`` for every transfer
  (each with its pre-flight, against the ``pending`` state), then ``client.wait_all()``, which
  reads the receipts in JSON-RPC batches.
- ``raw.sequential`` / ``raw.pipelined``: the baseline, plain web3.py (``Web3.HTTPProvider``):
  ``encode_abi``, a local nonce, a gas limit and EIP-1559 fees fixed once per round, local signing
  with eth-account (its coincurve backend), ``send_raw_transaction``, then
  ``wait_for_transaction_receipt`` (after each send, or after all sends), checking the status.
  No pre-flight: a refused transfer would be sent and fail on chain.
- ``raw_preflight.sequential`` / ``raw_preflight.pipelined``: the baseline plus a naive pre-flight
  before each send (``eth_call``, ``eth_estimateGas`` and the latest block, through web3.py), what
  the SDK asked before it kept gas limits: what checking every send costs done plainly.

Each mode sends ``per_round`` transfers in each of ``rounds`` rounds; rounds interleave the modes
(in a rotating order) so that a slow moment of a shared machine does not fall on one mode only.
Every client and its ``Web3`` connection are created afresh each round (each reads its nonce and
chain id from the node once). Throughput is transfers divided by the wall time from the client's
creation to the last receipt. Every HTTP request and JSON-RPC call of the timed rounds is counted
(the connection's provider wrapped), and reported per transfer.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

from bench.chain import Anvil, key
from bench.world import World
from registry_client import contracts
from registry_client.chain import connect_web3
from registry_client.client import RegistryClient

MODES = (
    "sdk.sequential",
    "raw.sequential",
    "raw_preflight.sequential",
    "sdk.pipelined",
    "raw.pipelined",
    "raw_preflight.pipelined",
)
ROUNDS = 3
"""Rounds of every mode (``make bench``)."""
PER_ROUND = 100
"""Transfers per mode and round."""
POLL = 0.05
"""The baseline's receipt poll interval (seconds; web3's default is 0.1). The SDK asks again after
2 ms, doubling up to 50 ms (``registry_client.transactions.FIRST_RECEIPT_POLL``)."""


class RequestCounter:
    """Counts the HTTP requests and JSON-RPC calls a ``Web3`` connection sends: its provider's
    ``make_request`` and ``make_batch_request`` wrapped. Attach it before the connection's first
    request (web3.py binds the provider's method when it first builds its request chain)."""

    def __init__(self, w3: Web3) -> None:
        self.http_requests = 0
        self.calls: Counter[str] = Counter()
        provider: Any = w3.provider
        single, batch = provider.make_request, provider.make_batch_request

        def make_request(method: str, params: Any) -> Any:
            self.http_requests += 1
            self.calls[method] += 1
            return single(method, params)

        def make_batch_request(requests: list[tuple[str, Any]]) -> Any:
            self.http_requests += 1
            self.calls.update(method for method, _ in requests)
            return batch(requests)

        provider.make_request = make_request
        provider.make_batch_request = make_batch_request


@dataclass
class ModeResult:
    """Transfers sent in one mode, the wall time they took, and the requests they needed."""

    transactions: int = 0
    seconds: float = 0.0
    http_requests: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        """Transactions per second."""
        return self.transactions / self.seconds if self.seconds else 0.0

    def add(self, transactions: int, seconds: float, counter: RequestCounter) -> None:
        """Add one round."""
        self.transactions += transactions
        self.seconds += seconds
        self.http_requests += counter.http_requests
        self.calls.update(counter.calls)

    def per_transfer(self, count: int) -> float:
        """``count`` divided by the transfers sent."""
        return round(count / self.transactions, 3) if self.transactions else 0.0


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
                    "http_requests_per_transfer": r.per_transfer(r.http_requests),
                    "rpc_calls_per_transfer": {
                        method: r.per_transfer(n) for method, n in sorted(r.calls.items())
                    },
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
            send (a naive pre-flight).
        w3: the connection to use (a plain ``Web3.HTTPProvider`` of ``url`` by default).
    """

    def __init__(
        self,
        url: str,
        account: LocalAccount,
        registry: str,
        preflight: bool,
        w3: Web3 | None = None,
    ) -> None:
        self.w3 = w3 or Web3(Web3.HTTPProvider(url))
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


def _sdk(
    world: World, sender: LocalAccount, to: str, batch: int, n: int, pipelined: bool
) -> RequestCounter:
    assert world.deployment is not None
    w3 = connect_web3(world.node.url, check=False)
    counter = RequestCounter(w3)
    client = RegistryClient(w3, world.deployment, sender)
    if pipelined:
        for _ in range(n):
            client.send(client.prepare.transfer(to, batch, 1), wait=False)
        client.wait_all()
    else:
        for _ in range(n):
            client.transfer(to, batch, 1)
    return counter


def _raw(
    world: World, sender: LocalAccount, to: str, batch: int, n: int, pipelined: bool, flight: bool
) -> RequestCounter:
    assert world.deployment is not None
    w3 = Web3(Web3.HTTPProvider(world.node.url))
    counter = RequestCounter(w3)
    raw = RawSender(world.node.url, sender, world.deployment.registry, flight, w3)
    if pipelined:
        hashes = [raw.send(to, batch, 1) for _ in range(n)]
        for tx_hash in hashes:
            raw.wait(tx_hash)
    else:
        for _ in range(n):
            raw.wait(raw.send(to, batch, 1))
    return counter


def measure(
    rounds: int = ROUNDS, per_round: int = PER_ROUND, progress: Callable[[str], None] | None = None
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

        def run(mode: str, n: int) -> RequestCounter:
            path, style = mode.split(".")
            pipelined = style == "pipelined"
            if path == "sdk":
                return _sdk(world, sender, recipient, batch, n, pipelined)
            return _raw(world, sender, recipient, batch, n, pipelined, path == "raw_preflight")

        for mode in MODES:  # warm-up: connections, ABI caches
            run(mode, 5)
        for index in range(rounds):
            if progress is not None:
                progress(f"round {index + 1} of {rounds}")
            shift = index % len(MODES)
            for mode in MODES[shift:] + MODES[:shift]:
                started = time.perf_counter()
                counter = run(mode, per_round)
                results.modes[mode].add(per_round, time.perf_counter() - started, counter)
        # the balance moved as expected: every transfer succeeded
        holding = world.client(sender).holding(recipient, batch)
        expected = 1 + (rounds * per_round + 5) * len(MODES)
        assert holding.balance == expected, f"recipient holds {holding.balance}, not {expected}"
    return results


def table(results: ThroughputResults) -> str:
    """The results as a text table."""
    lines = [
        f"{'mode':<28} {'transfers':>10} {'seconds':>9} {'tx/s':>8} {'HTTP/tx':>8}  JSON-RPC/tx"
    ]
    for name, r in results.modes.items():
        calls = ", ".join(
            f"{method.removeprefix('eth_')} {r.per_transfer(n):g}"
            for method, n in sorted(r.calls.items())
            if n >= r.transactions / 10  # what every transfer (or every tenth) needs
        )
        lines.append(
            f"{name:<28} {r.transactions:>10} {r.seconds:>9.2f} {r.per_second:>8.1f} "
            f"{r.per_transfer(r.http_requests):>8.2f}  {calls}"
        )
    for style in ("sequential", "pipelined"):
        lines.append(f"SDK / raw web3.py, {style}: {results.ratio(style):.2f}")
    return "\n".join(lines)


def write(results: ThroughputResults, path: Path, target: float) -> None:
    """Replace the throughput section of the benchmark results file ``path`` (written by
    ``python -m bench.run``) and its two throughput targets with this run's, stamped with the
    time and the machine's load (``measured_alone``), leaving the other sections as they were."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["throughput"] = {
        **results.to_json(),
        "measured_alone": {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python -m bench.throughput --write",
            "load_average_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    for entry in data.get("targets", []):
        for style in ("sequential", "pipelined"):
            if entry.get("name") == f"throughput: SDK / raw web3.py, {style}":
                ratio = results.ratio(style)
                entry.update(value=f"{ratio:.2f}", met=ratio >= target)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; with ``--write``, update ``bench/results.json``."""
    parser = argparse.ArgumentParser(prog="python -m bench.throughput")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--per-round", type=int, default=PER_ROUND)
    parser.add_argument(
        "--write", action="store_true", help="replace the throughput section of results.json"
    )
    args = parser.parse_args(argv)
    results = measure(args.rounds, args.per_round, progress=print)
    print(table(results))
    if args.write:
        from bench.run import OUT_DIR, THROUGHPUT_TARGET

        write(results, OUT_DIR / "results.json", THROUGHPUT_TARGET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
