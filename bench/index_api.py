"""The indexer catching up a long history, and the query API's latency under 50 concurrent clients.

The history and the indexer measurement are the API team's (:mod:`api.bench`), reused unchanged:
``api.bench.build_history`` deploys the packaged contracts on its own anvil (``--hardfork paris``,
random port, base fee 0), issues one batch per sender and makes N real
``JCMRegistry.transfer`` transactions (one credit each, a quarter of them international), signed
locally with coincurve, sent as raw transactions in JSON-RPC batches with automine off and mined in
full blocks; ``api.bench.measure_index`` indexes it from the deployment block into a fresh SQLite
file (``api.indexer.Indexer``, 50 blocks per range as in ``python -m api.bench``) and checks that
every transfer was indexed.

What this module adds is the load: the API served by uvicorn (``api.app:create_app``, one process,
no access log) on 127.0.0.1, and :data:`CLIENTS` concurrent ``httpx.AsyncClient`` clients in this
process. The look-ups cycle through three kinds:

- holdings: ``GET /v1/accounts/{address}/holdings`` of a random sender or receiver;
- serial: ``GET /v1/serials/{serial}`` of a random serial of the history;
- transaction: ``GET /v1/transactions/{hash}`` of a random transfer's transaction.

Two loads, both bounded by a request count and a time limit:

- saturating: each client sends its next request as soon as it has the previous answer (a closed
  loop), up to :data:`REQUESTS` requests or :data:`SECONDS`. The server is always busy, so latency
  is mostly waiting in line: about 50 / throughput.
- paced: each client sends one request every :data:`PACED_INTERVAL` seconds (12.5 requests per
  second in all, schedules staggered) for :data:`PACED_SECONDS`; latency counts from the scheduled
  moment, so a slow answer that delays a client's next request still counts (no coordinated
  omission).

Latency is measured by the client, from sending a request to reading its whole answer. The same
look-ups sent by one client at a time give the service time without any queueing, reported beside.
A request whose connection the server closed is retried on a new one and counted as retried.

This runs for two history sizes (10,000 and 100,000 transfers) for the latency-growth chart. A
history of 1,000,000 transfers is not run: on this 2-core machine building and indexing it would
take well over the 20 minutes ``make bench`` may use.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import bench as api_bench
from api.database import make_engine
from api.tables import Movement
from bench.chain import ROOT, free_port

CLIENTS = 50
REQUESTS = 1_000
SECONDS = 30.0
PACED_INTERVAL = 4.0
"""Seconds between two look-ups of one client under the paced load (50 clients: 12.5 per second)."""
PACED_SECONDS = 30.0
SERVICE_SAMPLES = 60
"""Look-ups of each kind sent one at a time, for the service time."""
SENDERS = 200
BLOCK_RANGE = 50
KINDS = ("holdings", "serial", "transaction")


@dataclass
class Latency:
    """Latency of one look-up kind, in milliseconds."""

    samples: int
    median_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, timings: list[float]) -> Latency:
        """Figures of ``timings`` (milliseconds)."""
        p99 = statistics.quantiles(timings, n=100, method="inclusive")[98]
        return cls(
            samples=len(timings),
            median_ms=round(statistics.median(timings), 2),
            p99_ms=round(p99, 2),
            max_ms=round(max(timings), 2),
        )


@dataclass
class LoadResult:
    """One load run: latency per look-up kind, and the rate served."""

    latency: dict[str, Latency]
    seconds: float
    requests_per_second: float
    offered_per_second: float | None
    retried: int

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "clients": CLIENTS,
            "offered_requests_per_second": self.offered_per_second,
            "requests": sum(x.samples for x in self.latency.values()),
            "seconds": round(self.seconds, 1),
            "requests_per_second": round(self.requests_per_second, 1),
            "transport_errors_retried": self.retried,
            "latency_ms": {k: vars(v) for k, v in self.latency.items()},
        }


@dataclass
class SizeResult:
    """Everything measured on one history size."""

    transfers: int
    build_seconds: float
    index: dict[str, Any]
    saturating: LoadResult | None = None
    paced: LoadResult | None = None
    service: dict[str, Latency] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        assert self.saturating is not None and self.paced is not None
        return {
            "transfers": self.transfers,
            "build_seconds": round(self.build_seconds, 1),
            "index": self.index,
            "load_saturating": self.saturating.to_json(),
            "load_paced": self.paced.to_json(),
            "service_time_one_client_ms": {k: vars(v) for k, v in self.service.items()},
        }


# ------------------------------------------------------------------------------------------------
# The API server
# ------------------------------------------------------------------------------------------------


class ApiServer:
    """``uvicorn api.app:create_app`` on a free port of 127.0.0.1, serving ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JCM_DATABASE_URL": database_url}
        args = ["--factory", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", *args,
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/v1/stats", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the API server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server process this object started."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ------------------------------------------------------------------------------------------------
# Look-ups
# ------------------------------------------------------------------------------------------------


def look_ups(
    history: api_bench.History, database_url: str, base_url: str, count: int, seed: int = 7
) -> list[tuple[str, str]]:
    """``count`` look-ups ``(kind, path)`` cycling through :data:`KINDS`, on random subjects."""
    rng = random.Random(seed)
    engine = make_engine(database_url)
    with Session(engine) as session:
        hashes = list(
            session.execute(
                select(Movement.tx_hash)
                .where(Movement.kind.in_(("transfer", "international_transfer")))
                .order_by(func.random())
                .limit(2_000)
            ).scalars()
        )
    engine.dispose()
    last = httpx.get(f"{base_url}/v1/batches/{history.batches[-1]}", timeout=30).json()
    latest_serial = int(last["last_serial"])
    accounts = history.senders + history.receivers
    paths = {
        "holdings": lambda: f"/v1/accounts/{rng.choice(accounts)}/holdings",
        "serial": lambda: f"/v1/serials/{rng.randint(1, latest_serial)}",
        "transaction": lambda: f"/v1/transactions/{rng.choice(hashes)}",
    }
    return [(KINDS[i % 3], paths[KINDS[i % 3]]()) for i in range(count)]


async def _get(http: httpx.AsyncClient, path: str) -> int:
    """GET ``path``; the number of transport errors retried on the way (a connection the server
    closed while the request was sent is retried on a new one)."""
    for attempt in range(3):
        try:
            response = await http.get(path)
        except httpx.TransportError:
            if attempt == 2:
                raise
            continue
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return attempt
    raise AssertionError("unreachable")


async def _load(
    base_url: str,
    queries: list[tuple[str, str]],
    clients: int,
    seconds: float,
    interval: float | None = None,
) -> tuple[dict[str, list[float]], float, int]:
    """Run ``clients`` concurrent clients over ``queries`` for at most ``seconds``.

    With ``interval`` ``None`` each client sends its next request as soon as it has the previous
    answer (closed loop). With an interval, each client sends one request every ``interval``
    seconds (their schedules evenly staggered), and latency counts from the scheduled moment, so a
    late answer that delays the client's next request still counts against the server.

    Returns:
        Latencies per kind (milliseconds), the elapsed seconds, and the transport errors retried.
    """
    timings: dict[str, list[float]] = {k: [] for k in KINDS}
    next_query = 0
    retried = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as http:

        async def client(number: int) -> None:
            nonlocal next_query, retried
            scheduled = started + (interval or 0.0) * number / clients
            while next_query < len(queries):
                if interval is not None:
                    await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
                    sent = scheduled
                    scheduled += interval
                else:
                    sent = time.perf_counter()
                if sent >= deadline:
                    return
                kind, path = queries[next_query]
                next_query += 1
                retried += await _get(http, path)
                timings[kind].append((time.perf_counter() - sent) * 1000)

        for _kind, path in queries[:30]:  # warm-up: connections, caches
            await _get(http, path)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(client(n) for n in range(clients)))
        return timings, time.perf_counter() - started, retried


def _service_times(base_url: str, queries: list[tuple[str, str]]) -> dict[str, Latency]:
    timings: dict[str, list[float]] = {k: [] for k in KINDS}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for kind, path in queries:
            sent = time.perf_counter()
            http.get(path).raise_for_status()
            timings[kind].append((time.perf_counter() - sent) * 1000)
    return {k: Latency.of(v) for k, v in timings.items()}


# ------------------------------------------------------------------------------------------------
# One history size
# ------------------------------------------------------------------------------------------------


def _run_load(
    base_url: str, queries: list[tuple[str, str]], seconds: float, interval: float | None
) -> LoadResult:
    timings, elapsed, retried = asyncio.run(_load(base_url, queries, CLIENTS, seconds, interval))
    return LoadResult(
        latency={k: Latency.of(v) for k, v in timings.items()},
        seconds=elapsed,
        requests_per_second=sum(len(v) for v in timings.values()) / elapsed,
        offered_per_second=CLIENTS / interval if interval else None,
        retried=retried,
    )


def measure_size(transfers: int, progress: Callable[[str], None] | None = None) -> SizeResult:
    """Build a history of ``transfers`` transfers, index it, and load the API serving it."""
    say = progress or (lambda _text: None)
    workdir = Path(tempfile.mkdtemp(prefix="jcm-bench-index-"))
    database_url = f"sqlite:///{workdir / 'index.sqlite3'}"
    process, url = api_bench.start_anvil()
    server: ApiServer | None = None
    try:
        say(f"building {transfers:,} transfers (api.bench.build_history)")
        history = api_bench.build_history(url, transfers, min(SENDERS, transfers))
        say(f"indexing {history.blocks:,} blocks (api.bench.measure_index)")
        index = api_bench.measure_index(history, database_url, BLOCK_RANGE)
        result = SizeResult(transfers=transfers, build_seconds=history.seconds, index=index)
        server = ApiServer(database_url)
        queries = look_ups(history, database_url, server.url, 2 * REQUESTS + 3 * SERVICE_SAMPLES)
        say(f"service time: {3 * SERVICE_SAMPLES} look-ups, one client")
        result.service = _service_times(server.url, queries[2 * REQUESTS :])
        say(f"saturating load: {CLIENTS} clients, up to {REQUESTS:,} look-ups or {SECONDS:.0f} s")
        result.saturating = _run_load(server.url, queries[:REQUESTS], SECONDS, None)
        say(f"paced load: {CLIENTS} clients, one look-up each every {PACED_INTERVAL:g} s")
        result.paced = _run_load(
            server.url, queries[REQUESTS : 2 * REQUESTS], PACED_SECONDS, PACED_INTERVAL
        )
        return result
    finally:
        if server is not None:
            server.stop()
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class IndexApiResults:
    """Results per history size."""

    sizes: dict[int, SizeResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "clients": CLIENTS,
            "database": "sqlite",
            "sizes": {str(n): r.to_json() for n, r in self.sizes.items()},
            "not_run": {"1000000": "building and indexing 1M transfers exceeds the time budget"},
        }


def measure(
    sizes: tuple[int, ...] = (10_000, 100_000), progress: Callable[[str], None] | None = None
) -> IndexApiResults:
    """:func:`measure_size` for every size."""
    results = IndexApiResults()
    for size in sizes:
        results.sizes[size] = measure_size(size, progress)
    return results


def table(results: IndexApiResults) -> str:
    """The results as a text table."""
    lines = []
    for size, r in results.sizes.items():
        idx = r.index
        assert r.saturating is not None and r.paced is not None
        lines.append(
            f"history {size:,} transfers: built in {r.build_seconds:.0f} s; indexed "
            f"{idx['events']:,} events in {idx['seconds']} s = {idx['events_per_second']:,} "
            f"events/s ({idx['transfers_per_second']:,} transfers/s)"
        )
        sat, paced = r.saturating, r.paced
        lines.append(
            f"  {CLIENTS} clients, closed loop: {sat.requests_per_second:.0f} req/s served; "
            f"paced: {paced.offered_per_second:.0f} req/s offered, "
            f"{paced.requests_per_second:.0f} served"
        )
        lines.append(
            f"  {'look-up':<12} {'saturating median/p99 ms':>25} {'paced median/p99 ms':>21} "
            f"{'1 client median/p99 ms':>24}"
        )
        for kind in KINDS:
            a, p, s = sat.latency[kind], paced.latency[kind], r.service[kind]
            lines.append(
                f"  {kind:<12} {a.median_ms:>14.1f} / {a.p99_ms:>7.1f} "
                f"{p.median_ms:>10.1f} / {p.p99_ms:>7.1f} {s.median_ms:>13.1f} / {s.p99_ms:>7.1f}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or (10_000, 100_000)
    print(table(measure(sizes, progress=print)))
