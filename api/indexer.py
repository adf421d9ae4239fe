"""The event indexer: follows the chain and keeps the index database in step with it.

How it works (``jcm index`` and the devnet run it; :func:`run` is the entry point):

- It reads the logs of ``JCMRegistry``, ``JCMProjects``, ``JCMGovernance``, ``JCMArticle6`` (all
  created by the registry, whose views name them) and every ``JointCommittee`` with
  ``eth_getLogs`` in block ranges, up to ``head - confirmations``, or up to the node's
  ``finalized`` block where the node has one and it is higher (a finalized block never
  reorganises, so it needs no confirmations; Clique has no such tag, QBFT's blocks are final when
  sealed). Committee addresses are learned
  from ``CountryAdded``/``CommitteeSet``; a committee's earlier logs (its constructor's
  ``MembersChanged``) are fetched when it is first named.
- Each block range is applied in **one database transaction together with the checkpoint** (last
  block number and hash). A crash loses at most the range in flight, which is re-read on restart:
  nothing is lost or applied twice.
- Before each range it checks that the new range's first block has the checkpoint as parent, and
  that every log's block hash is the hash of the header it fetched. If not, the chain reorganised:
  it
  walks back over the block hashes it stored, finds the last block still on the chain (the fork
  point), and rolls back everything above it (:mod:`api.rollback`) in one transaction, then
  continues
  from there.
- Catching up a long history shows a progress bar on a terminal, or log lines otherwise.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api import bulk, catchup
from api.abi import ContractRole, checksum_hex
from api.apply import Applier, IndexCache
from api.database import IndexSchemaError, create_schema, make_engine
from api.reader import ChainChangedError, ProcessReads, RangeRead, RangeReader, Reads, ThreadReads
from api.rollback import rollback_to
from api.tables import FINALIZED_KEY, Block, Checkpoint, CommitteeAssignment, Meta, table_of
from registry_client.chain import BlockHeader, RpcClient, RpcError, RpcRefused
from registry_client.settings import (
    DEFAULT_BLOCK_RANGE,
    DEFAULT_CONFIRMATIONS,
    DEFAULT_DATABASE_URL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RPC_TIMEOUT,
)

log = logging.getLogger("api.indexer")


READING_PROCESS_RANGES = 8
"""Block ranges to go from which an indexer reads in a process of its own (starting one takes
about a second; a catch-up of a long history saves far more)."""

MAX_CHAIN_CHANGES = 10
"""Consecutive ranges the node may answer inconsistently (a reorganisation in progress) before the
indexer gives up."""

__all__ = ["ChainChangedError", "IndexStats", "IndexTarget", "Indexer", "run"]


@dataclass(frozen=True)
class IndexTarget:
    """What to index: the registry (and its projects contract) from a first block on.

    Attributes:
        registry: the ``JCMRegistry`` address.
        projects: the ``JCMProjects`` address (read from ``registry.projects()`` when ``None``).
        start_block: the first block to read (the deployment block).
        chain_id: the expected chain id, checked against the node when given.
    """

    registry: str
    projects: str | None = None
    start_block: int = 0
    chain_id: int | None = None

    @classmethod
    def from_deployment(cls, deployment: object) -> IndexTarget:
        """Build from a deployment: a ``registry_client.models.Deployment``, a mapping with the same
        keys, or the path of a ``deployment.json`` file."""
        data: Mapping[str, Any]
        if isinstance(deployment, IndexTarget):
            return deployment
        if isinstance(deployment, str | Path):
            data = json.loads(Path(deployment).read_text(encoding="utf-8"))
        elif isinstance(deployment, Mapping):
            data = deployment
        else:
            data = {
                key: getattr(deployment, key)
                for key in ("registry", "projects", "block_number", "chain_id")
                if hasattr(deployment, key)
            }
        projects = data.get("projects")
        return cls(
            registry=to_checksum_address(str(data["registry"])),
            projects=to_checksum_address(str(projects)) if projects else None,
            start_block=int(data.get("block_number", data.get("start_block", 0)) or 0),
            chain_id=int(data["chain_id"]) if data.get("chain_id") is not None else None,
        )


@dataclass
class IndexStats:
    """Counters of one indexer's work."""

    events: int = 0
    ranges: int = 0
    blocks: int = 0
    reorgs: int = 0
    events_undone: int = 0
    seconds: float = 0.0
    index_build_seconds: float = 0.0
    """Of :attr:`seconds`, those spent building the indexes a catch-up set aside."""

    @property
    def events_per_second(self) -> float:
        """Events applied per second of indexing."""
        return self.events / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class CheckpointState:
    """The last block applied (``number`` is ``start_block - 1`` before the first range)."""

    number: int
    hash: str


def _reads(read: Future[RangeRead], first: int, committees: tuple[str, ...], target: int) -> bool:
    """Whether a range read ahead is the one to apply next: it starts at ``first``, was read with
    the committees known now (a range just applied may have named a new one), and does not go past
    ``target``."""
    try:
        done = read.result()
    except Exception:  # a failed read ahead is simply read again
        return False
    return done.first == first and done.committees == committees and done.last <= target


@dataclass
class Indexer:
    """Indexes one registry deployment from one node into one database.

    Args:
        rpc: the node.
        engine: the index database.
        target: what to index.
        confirmations: how many blocks a log must be buried under before it is applied.
        block_range: most blocks per ``eth_getLogs`` call and per database transaction.
        before_commit: called inside each range's transaction, after its rows are written and before
            the commit, with ``(first_block, last_block)`` (tests use it to simulate crashes).
        reading_process: read in a process of its own (:class:`api.reader.ProcessReads`) or in a
            thread (``False``); ``None``: in a process when more than
            :data:`READING_PROCESS_RANGES` ranges are to go.
    """

    rpc: RpcClient
    engine: Engine
    target: IndexTarget
    confirmations: int = DEFAULT_CONFIRMATIONS
    block_range: int = DEFAULT_BLOCK_RANGE
    before_commit: Callable[[int, int], None] | None = None
    reading_process: bool | None = None
    stats: IndexStats = field(default_factory=IndexStats)
    _cache: IndexCache = field(default_factory=IndexCache)
    _projects: str = ""
    _governance: str = ""
    _article6: str = ""
    _span: int = 0  # blocks per eth_getLogs call now (halved while the node refuses bigger ranges)
    _without_finality: bool = False  # the node answered the ``finalized`` tag with an error
    _finalized: int | None = None  # the node's ``finalized`` block when last asked
    _catching_up: bool | None = None  # the secondary indexes are set aside (None: not looked)

    # -- set-up ------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the schema, check that the database indexes this chain and registry, and record
        what it indexes.

        Raises:
            IndexSchemaError: the database holds an index of another chain or registry.
        """
        create_schema(self.engine)
        chain_id = self.rpc.chain_id()
        if self.target.chain_id is not None and self.target.chain_id != chain_id:
            raise IndexSchemaError(
                f"the deployment is on chain {self.target.chain_id} but the node is on "
                f"chain {chain_id}"
            )
        self._projects = self.target.projects or self.rpc.call_address(
            self.target.registry, "projects()"
        )
        self._governance = self._named_contract("governance")
        self._article6 = self._named_contract("article6")
        wanted = {
            "chain_id": str(chain_id),
            "registry": self.target.registry,
            "projects": self._projects,
            "governance": self._governance,
            "article6": self._article6,
            "start_block": str(self.target.start_block),
        }
        with Session(self.engine) as session, session.begin():
            for key, value in wanted.items():
                stored = session.get(Meta, key)
                if stored is None:
                    session.add(Meta(key=key, value=value))
                elif stored.value != value:
                    raise IndexSchemaError(
                        f"the index database was built for {key} {stored.value}, not {value}: "
                        "use another database for another chain or registry"
                    )
            if session.get(Checkpoint, 1) is None:
                session.add(self._initial_checkpoint())

    def _initial_checkpoint(self) -> Checkpoint:
        number = self.target.start_block - 1
        block_hash = ""
        if number >= 0:
            header = self.rpc.header(number)
            block_hash = header.hash if header else ""
        return Checkpoint(
            id=1, block_number=number, block_hash=block_hash, updated_at=int(time.time())
        )

    def checkpoint(self) -> CheckpointState:
        """The last block applied."""
        with Session(self.engine) as session:
            cp = session.get(Checkpoint, 1)
            if cp is None:
                raise IndexSchemaError("the index has no checkpoint: call prepare() first")
            return CheckpointState(cp.block_number, cp.block_hash)

    def _named_contract(self, view: str) -> str:
        """The contract the registry names by ``view()`` (``governance``, ``article6``), or ``""``
        when it names none (a stand-in event source in tests): its events are then not read."""
        try:
            return self.rpc.call_address(self.target.registry, f"{view}()")
        except (RpcRefused, DecodingError):  # refused, or no contract answering at that address
            log.warning("the registry names no %s contract: its events are not indexed", view)
            return ""

    def _contracts(self) -> dict[str, ContractRole]:
        """The contracts of one address each, by lower-case address (committees come and go)."""
        roles: dict[str, ContractRole] = {
            self.target.registry.lower(): "registry",
            self._projects.lower(): "projects",
        }
        if self._governance:
            roles[self._governance.lower()] = "governance"
        if self._article6:
            roles[self._article6.lower()] = "article6"
        return roles

    def _committees(self, session: Session) -> list[str]:
        rows = session.execute(select(CommitteeAssignment.committee).distinct()).scalars()
        return sorted(set(rows))

    # -- following the chain -----------------------------------------------------------------------

    @property
    def finalized(self) -> int | None:
        """The node's ``finalized`` block when last asked (``None``: not asked yet, or no
        finality); recorded with each range for the API's caching (:mod:`api.caching`)."""
        return self._finalized

    def target_block(self) -> int:
        """The highest block the indexer may apply now: ``head - confirmations``, or the node's
        ``finalized`` block if it is higher (also remembered, for the API's caching)."""
        buried = self.rpc.block_number() - self.confirmations
        if self._without_finality:
            return buried
        finalized = self.rpc.finalized_number()
        if finalized is None:
            self._without_finality = True  # asked once: the node has no finality (Clique)
            return buried
        self._finalized = finalized
        return max(buried, finalized)

    def sync(
        self,
        until: int | None = None,
        on_progress: Callable[[int, int, int], None] | None = None,
    ) -> int:
        """Index up to ``head - confirmations`` (or ``until`` if lower); return the last block
        applied.

        Args:
            until: stop at this block even if the chain is further.
            on_progress: called after each range with ``(last_block, target_block, events)``.
        """
        started = time.perf_counter()
        self._span = self.block_range
        changes = 0
        # While a range is written, the next one is read: by a thread, or by a process of its own
        # when far behind (chosen on the first range to go: :meth:`_reads_for`).
        reader: Reads | None = None
        ahead: Future[RangeRead] | None = None
        # The node is asked for its head and for the checkpoint's block only when the indexer
        # reaches the target it knew, or after a failed range: while it catches up, each range's
        # first block is checked to follow the checkpoint anyway (and a reorganisation found
        # there is handled on the next turn), and these round trips were on the writing thread.
        target: int | None = None
        verified = False  # the checkpoint is the end of a range this loop has just applied
        # A range in flight is tens of thousands of live containers (logs, their topics, rows, the
        # pieces of the holdings it touches); Python's automatic collector scanned them again
        # every 700 allocations while they lived, and its full collections the whole cache of
        # holdings: a quarter of the catch-up's CPU, for objects that reference counting frees
        # (the indexer builds no cycles). So it is off while this runs, and the young generations
        # are collected after each range instead (cheap: what survived one range), which frees
        # whatever cycles a range left (a session, an exception) and keeps memory bounded.
        collecting = gc.isenabled()
        gc.disable()
        try:
            while True:
                cp = self.checkpoint()
                if target is None or cp.number >= target:
                    target = self.target_block()
                    if until is not None:
                        target = min(target, until)
                    verified = False
                    self._start_catch_up(cp, target)
                if not verified and not self._on_chain(cp):
                    ahead = None
                    self._handle_reorg(cp)
                    continue
                verified = False
                if cp.number >= target:
                    self._end_catch_up()
                    return cp.number
                with Session(self.engine) as session:
                    committees = tuple(self._committees(session))
                if reader is None:
                    reader = self._reads_for(target - cp.number)
                reading, ahead = ahead, None
                if reading is None or not _reads(reading, cp.number + 1, committees, target):
                    last = min(cp.number + self._span, target)
                    reading = reader.submit(committees, cp.number + 1, last, self._span)
                try:
                    read = reading.result()
                    if read.last < target:
                        following = min(read.last + self._span, target)
                        ahead = reader.submit(committees, read.last + 1, following, self._span)
                    events = self._apply_range(cp, read)
                    verified = True
                except ChainChangedError as exc:
                    ahead = None
                    changes += 1
                    if changes > MAX_CHAIN_CHANGES:
                        raise
                    log.warning(
                        "blocks from %d changed while read (%s); reading again", cp.number + 1, exc
                    )
                    time.sleep(0.2 * changes)
                    continue
                except RpcError as exc:
                    ahead = None
                    if self._span == 1:
                        raise
                    self._span = max(1, self._span // 2)
                    log.warning("%s; asking for %d blocks at a time", exc, self._span)
                    continue
                changes = 0
                gc.collect(1)
                self._span = min(self.block_range, self._span * 2)
                if on_progress is not None:
                    on_progress(read.last, target, events)
        finally:
            if reader is not None:
                reader.close()
            if collecting:
                gc.enable()
            self.stats.seconds += time.perf_counter() - started

    def _reads_for(self, blocks: int) -> Reads:
        """Where to read ``blocks`` blocks to go (:attr:`reading_process`)."""
        contracts = self._contracts()
        # The process makes a client of its own from the node URLs: automatically only when that
        # is what this indexer was given (not a client that behaves otherwise, as tests' are).
        far = blocks > READING_PROCESS_RANGES * self.block_range and type(self.rpc) is RpcClient
        if self.reading_process or (self.reading_process is None and far):
            return ProcessReads(self.rpc, contracts, self.target.start_block)
        return ThreadReads(RangeReader(self.rpc, contracts, self.target.start_block))

    def _start_catch_up(self, cp: CheckpointState, target: int) -> None:
        """Set the API's secondary indexes aside (:mod:`api.catchup`) when an empty index has more
        than one block range to apply; or go on with a catch-up a crash interrupted."""
        if self._catching_up is None:
            with Session(self.engine) as session:
                self._catching_up = catchup.catching_up(session)
        fresh = cp.number == self.target.start_block - 1
        if self._catching_up or not fresh or target - cp.number <= self.block_range:
            return
        with Session(self.engine) as session, session.begin():
            checkpoint = session.get(Checkpoint, 1, with_for_update=True)
            if checkpoint is None or checkpoint.block_number != cp.number:
                return  # another indexer has started meanwhile
            if not catchup.catching_up(session):
                catchup.enter(session, cp.number)
        self._catching_up = True

    def _end_catch_up(self) -> None:
        """Build the indexes set aside once the index has caught up with the chain."""
        if self._catching_up is False:
            return
        started = time.perf_counter()
        with Session(self.engine) as session, session.begin():
            if catchup.catching_up(session):
                catchup.leave(session)
        self._catching_up = False
        self.stats.index_build_seconds += time.perf_counter() - started

    def _on_chain(self, cp: CheckpointState) -> bool:
        if cp.number < 0 or not cp.hash:
            return True
        header = self.rpc.header(cp.number)
        return header is not None and header.hash == cp.hash

    def _handle_reorg(self, cp: CheckpointState) -> None:
        fork, fork_hash = self._find_fork(cp.number)
        log.warning(
            "chain reorganisation: block %d is no longer on the chain; rolling back to %d",
            cp.number,
            fork,
        )
        with Session(self.engine) as session, session.begin():
            undone = rollback_to(session, fork, [checksum_hex(a) for a in self._contracts()])
            checkpoint = session.get(Checkpoint, 1)
            assert checkpoint is not None
            checkpoint.block_number = fork
            checkpoint.block_hash = fork_hash
            checkpoint.updated_at = int(time.time())
        self._cache.clear()
        self.stats.reorgs += 1
        self.stats.events_undone += undone

    def _find_fork(self, below: int) -> tuple[int, str]:
        """The highest stored block at or below ``below`` that is still on the chain, and its
        hash."""
        floor = self.target.start_block - 1
        cursor = below
        while True:
            with Session(self.engine) as session:
                chunk = session.execute(
                    select(Block.number, Block.hash)
                    .where(Block.number <= cursor)
                    .order_by(Block.number.desc())
                    .limit(100)
                ).all()
            if not chunk:
                break
            chain = self.rpc.headers([row.number for row in chunk])
            for row in chunk:
                header = chain.get(row.number)
                if header is not None and header.hash == row.hash:
                    return row.number, row.hash
            cursor = chunk[-1].number - 1
        if floor < 0:
            return floor, ""
        header = self.rpc.header(floor)
        return floor, header.hash if header else ""

    # -- one range ---------------------------------------------------------------------------------

    def _apply_range(self, cp: CheckpointState, read: RangeRead) -> int:
        """Apply a range read from the node and move the checkpoint in one database transaction
        (no database transaction stays open while the node is asked)."""
        if cp.hash and read.head.parent_hash != cp.hash:
            raise ChainChangedError(
                f"block {read.first} does not follow the checkpoint {cp.number}"
            )
        try:
            with Session(self.engine) as session, session.begin():
                checkpoint = session.get(Checkpoint, 1, with_for_update=True)
                if checkpoint is None or checkpoint.block_number != cp.number:
                    raise ChainChangedError("another indexer moved the checkpoint")
                self._cache.follow(cp.number)
                applier = Applier(session, self._cache)
                for entry in read.decoded:
                    applier.apply(entry)
                applier.flush()
                self._store_blocks(session, read.headers)
                checkpoint.block_number = read.last
                checkpoint.block_hash = read.end.hash
                checkpoint.updated_at = int(time.time())
                if self._finalized is not None:
                    session.merge(Meta(key=FINALIZED_KEY, value=str(self._finalized)))
                if self.before_commit is not None:
                    self.before_commit(read.first, read.last)
        except BaseException:
            self._cache.clear()
            raise
        self._cache.block = read.last
        self.stats.events += len(read.decoded)
        self.stats.ranges += 1
        self.stats.blocks += read.last - read.first + 1
        return len(read.decoded)

    @staticmethod
    def _store_blocks(session: Session, headers: list[BlockHeader]) -> None:
        numbers = [h.number for h in headers]
        existing = set(
            session.execute(select(Block.number).where(Block.number.in_(numbers))).scalars()
        )
        bulk.insert_rows(
            session,
            table_of(Block),
            [
                {
                    "number": h.number,
                    "hash": h.hash,
                    "parent_hash": h.parent_hash,
                    "timestamp": h.timestamp,
                }
                for h in headers
                if h.number not in existing
            ],
        )


# ------------------------------------------------------------------------------------------------
# Entry points
# ------------------------------------------------------------------------------------------------


class _Progress:
    """Progress of a catch-up: a rich bar on a terminal, log lines otherwise."""

    def __init__(self, enabled: bool, start: int) -> None:
        self.enabled = enabled
        self.start = start
        self.started = time.perf_counter()
        self.events = 0
        self._last_log = 0.0
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, last: int, target: int, events: int) -> None:
        self.events += events
        if not self.enabled or target - self.start <= 0:
            return
        rate = self.events / max(time.perf_counter() - self.started, 1e-9)
        if sys.stderr.isatty():
            if self._bar is None:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                )

                self._bar = Progress(
                    TextColumn("indexing blocks"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"),
                    TimeRemainingColumn(),
                    transient=True,
                )
                self._bar.start()
                self._task = self._bar.add_task("index", total=target - self.start, rate="")
            self._bar.update(
                self._task,
                completed=last - self.start,
                total=target - self.start,
                rate=f"{rate:,.0f} events/s",
            )
        elif time.perf_counter() - self._last_log >= 2.0 or last >= target:
            self._last_log = time.perf_counter()
            log.info(
                "indexed to block %d of %d (%d events, %.0f events/s)",
                last,
                target,
                self.events,
                rate,
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def run(
    rpc_url: str,
    deployment: object,
    database_url: str = DEFAULT_DATABASE_URL,
    confirmations: int = DEFAULT_CONFIRMATIONS,
    *,
    block_range: int = DEFAULT_BLOCK_RANGE,
    follow: bool = True,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    progress: bool = True,
    stop: threading.Event | None = None,
    rpc_timeout: float = DEFAULT_RPC_TIMEOUT,
) -> IndexStats:
    """Index a registry deployment into a database; the entry point of ``jcm index``.

    Args:
        rpc_url: JSON-RPC endpoint of the chain.
        deployment: a ``registry_client.models.Deployment``, its JSON file path, a mapping with its
            keys (``registry``, ``projects``, ``block_number``, ``chain_id``) or an
            :class:`IndexTarget`.
        database_url: ``sqlite:///FILE`` or ``postgresql://...``.
        confirmations: blocks a log must be buried under before it is applied.
        block_range: most blocks per ``eth_getLogs`` call and per transaction.
        follow: keep following the head after catching up (until ``stop`` is set or Ctrl-C);
            otherwise return once caught up.
        poll_interval: seconds between head polls while following.
        progress: show progress while catching up.
        stop: set it to stop a following indexer from another thread.
        rpc_timeout: seconds per JSON-RPC request.

    Returns:
        What was indexed.

    Raises:
        IndexSchemaError: the database holds an index of another chain or registry.
        RpcError: the node could not be reached (when not following; a following indexer
            logs the error and retries).
    """
    target = IndexTarget.from_deployment(deployment)
    engine = make_engine(database_url)
    rpc = RpcClient(rpc_url, timeout=rpc_timeout)
    indexer = Indexer(
        rpc=rpc, engine=engine, target=target, confirmations=confirmations, block_range=block_range
    )
    stop = stop or threading.Event()
    try:
        indexer.prepare()
        start = indexer.checkpoint().number
        bar = _Progress(progress, start)
        try:
            last = indexer.sync(on_progress=bar)
        finally:
            bar.close()
        log.info(
            "caught up at block %d: %d events in %.1f s (%.0f events/s)",
            last,
            indexer.stats.events,
            indexer.stats.seconds,
            indexer.stats.events_per_second,
        )
        while follow and not stop.is_set():
            if stop.wait(poll_interval):
                break
            try:
                indexer.sync()
            except RpcError as exc:
                log.warning("%s; retrying in %.1f s", exc, poll_interval)
    except KeyboardInterrupt:
        log.info("indexer stopped")
    finally:
        rpc.close()
        engine.dispose()
    return indexer.stats


def main(argv: list[str] | None = None) -> int:
    """``python -m api.indexer``: index from the command line (settings from ``JCM_*`` too)."""
    from registry_client.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(
        prog="python -m api.indexer", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rpc-url", default=settings.rpc_url, required=settings.rpc_url is None)
    parser.add_argument(
        "--deployment", default=settings.deployment, required=settings.deployment is None
    )
    parser.add_argument("--database-url", default=settings.database_url)
    parser.add_argument("--confirmations", type=int, default=settings.confirmations)
    parser.add_argument("--block-range", type=int, default=settings.block_range)
    parser.add_argument("--poll-interval", type=float, default=settings.poll_interval)
    parser.add_argument("--once", action="store_true", help="return once caught up")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run(
        args.rpc_url,
        args.deployment,
        args.database_url,
        args.confirmations,
        block_range=args.block_range,
        follow=not args.once,
        poll_interval=args.poll_interval,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
