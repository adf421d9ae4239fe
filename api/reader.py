"""Reading block ranges from the node: logs, headers and decoded events, with no database access.

The indexer (:mod:`api.indexer`) reads the next range while it writes the current one: in a thread
of its own process (:class:`ThreadReads`) when it follows the chain, or in a process of its own
(:class:`ProcessReads`) when it catches up a long history, where parsing the node's answers
(about a third of the catch-up's CPU) would otherwise share the interpreter lock with the writer.
The process hands each range over as compact tuples of the logs' fields, in one pickle, which
this process turns into :class:`api.apply.DecodedLog` objects in a few microseconds a log (an
earlier attempt pickled the objects themselves, which cost more than it saved).
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import Connection
from typing import Any, Protocol

from eth_utils import to_checksum_address

from api.abi import ContractRole, EventDecoder, checksum_hex
from api.apply import DecodedLog
from registry_client.chain import BlockHeader, RpcClient

log = logging.getLogger("api.indexer")


@lru_cache(maxsize=1 << 12)
def _lower(text: str) -> str:
    """``text`` in lower case, for the few strings every log repeats (contract addresses, event
    topics): a dictionary look-up instead of a new string per log."""
    return str(text).lower()


class ChainChangedError(RuntimeError):
    """The chain changed while a range was being read; the range is read again."""


@dataclass(frozen=True)
class RangeRead:
    """Blocks ``first..last`` as read from the node: their headers and decoded logs."""

    first: int
    last: int
    committees: tuple[str, ...]
    head: BlockHeader
    end: BlockHeader
    headers: list[BlockHeader]
    decoded: list[DecodedLog]


@dataclass
class RangeReader:
    """Reads and decodes block ranges of the indexed contracts.

    Args:
        rpc: the node.
        contracts: the role of each contract of one address, by lower-case address (committees
            are passed per range: they come and go).
        start_block: the first block indexed (a committee first named later is read from here).
    """

    rpc: RpcClient
    contracts: Mapping[str, ContractRole]
    start_block: int

    def __post_init__(self) -> None:
        self._decoder = EventDecoder()
        self._naming = {
            self._decoder.topic("registry", "CountryAdded"),
            self._decoder.topic("registry", "CommitteeSet"),
        }

    def read(self, committees: tuple[str, ...], first: int, last: int, span: int) -> RangeRead:
        """Read and decode blocks ``first..last`` (``span``: most blocks per ``eth_getLogs`` when
        the earlier logs of a newly named committee are read).

        Raises:
            ChainChangedError: a block changed while it was read.
            RpcError: the node failed or refused.
        """
        logs = self._fetch_logs(list(committees), first, last, span)
        numbers = {int(n, 16) for n in {entry["blockNumber"] for _role, entry in logs}}
        headers = self.rpc.headers(sorted(numbers | {first, last}))
        head, end = headers.get(first), headers.get(last)
        if head is None or end is None:
            raise ChainChangedError(f"blocks {first}-{last} are not on the chain any more")
        return RangeRead(
            first=first,
            last=last,
            committees=committees,
            head=head,
            end=end,
            headers=[h for h in headers.values() if h is not None],
            decoded=self._decode(logs, headers),
        )

    def _fetch_logs(
        self, committees: list[str], first: int, last: int, span: int
    ) -> list[tuple[ContractRole, dict[str, Any]]]:
        """The logs of blocks ``first..last`` with the role of the contract that emitted each, and
        the earlier logs of committees first named in these blocks."""
        roles = dict(self.contracts)
        fixed = [checksum_hex(address) for address in roles]
        for committee in committees:
            roles[committee.lower()] = "committee"
        raw = self.rpc.logs([*fixed, *committees], first, last)
        named = self._named_committees(raw, roles)
        new = [c for c in named if c.lower() not in roles]
        for committee in new:
            roles[committee.lower()] = "committee"
        if new:
            log.info("learned joint committee(s) %s; reading their earlier logs", ", ".join(new))
            start = self.start_block
            while start < first:
                end = min(start + span - 1, first - 1)
                raw.extend(self.rpc.logs(new, start, end))
                start = end + 1
            raw.extend(self.rpc.logs(new, first, last))
        return [
            (role, x)
            for x in raw
            if not x.get("removed") and (role := roles.get(_lower(x["address"]))) is not None
        ]

    def _named_committees(
        self, raw: list[dict[str, Any]], roles: dict[str, ContractRole]
    ) -> list[str]:
        named: list[str] = []
        for entry in raw:
            if roles.get(_lower(entry["address"])) != "registry" or not entry["topics"]:
                continue
            if _lower(entry["topics"][0]) in self._naming:
                committee = to_checksum_address("0x" + entry["topics"][-1][-40:])
                if committee not in named:
                    named.append(committee)
        return named

    def _decode(
        self,
        logs: list[tuple[ContractRole, dict[str, Any]]],
        headers: Mapping[int, BlockHeader | None],
    ) -> list[DecodedLog]:
        """The logs with their provenance, each checked against its block's header, in chain
        order (their arguments are decoded when a handler reads them: :class:`DecodedLog`).

        Raises:
            ChainChangedError: a log's block is not the header read.
        """
        decoded = []
        spec_of = self._decoder.spec
        previous = (-1, -1)
        in_order = True  # as nodes answer eth_getLogs; otherwise put in order below
        header: BlockHeader | None = None
        for role, entry in logs:
            number = int(entry["blockNumber"], 16)
            log_index = int(entry["logIndex"], 16)
            if (number, log_index) <= previous:
                in_order = False
            previous = (number, log_index)
            if header is None or header.number != number:
                header = headers.get(number)
            block_hash = str(entry["blockHash"]).lower()
            if header is None or header.hash != block_hash:
                raise ChainChangedError(f"block {number} changed while its logs were read")
            topics = entry["topics"]  # kept as answered (hex; the decoder takes either case)
            spec = spec_of(role, _lower(topics[0])) if topics else None
            if spec is None:
                log.debug("skipping an unknown log of %s in block %d", entry["address"], number)
                continue
            decoded.append(
                DecodedLog(
                    role,
                    spec.name,
                    checksum_hex(_lower(entry["address"])),
                    topics,
                    str(entry["data"]),
                    number,
                    block_hash,
                    str(entry["transactionHash"]).lower(),
                    int(entry["transactionIndex"], 16),
                    log_index,
                    header.timestamp,
                    spec,
                )
            )
        if not in_order:
            unique = {(d.block_number, d.log_index): d for d in decoded}
            decoded = [unique[key] for key in sorted(unique)]
        return decoded


# ------------------------------------------------------------------------------------------------
# Where reads run
# ------------------------------------------------------------------------------------------------


class ThreadReads:
    """Reads in one thread of this process, with the indexer's own node client."""

    def __init__(self, reader: RangeReader) -> None:
        self._reader = reader
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jcm-index-read")

    def submit(
        self, committees: tuple[str, ...], first: int, last: int, span: int
    ) -> Future[RangeRead]:
        """Start reading blocks ``first..last``."""
        return self._pool.submit(self._reader.read, committees, first, last, span)

    def close(self) -> None:
        """Stop reading (a read under way is waited for)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class Reads(Protocol):
    """Where the indexer's reads run."""

    def submit(
        self, committees: tuple[str, ...], first: int, last: int, span: int
    ) -> Future[RangeRead]:
        """Start reading blocks ``first..last``."""
        ...

    def close(self) -> None:
        """Stop reading."""
        ...


# A range as the reading process hands it over: its bounds, committees and headers as tuples, and
# each log as the fields of a DecodedLog but the ones this process derives (its name and spec).
_Packed = tuple[
    int, int, tuple[str, ...], list[tuple[int, str, str, int]],
    list[tuple[ContractRole, str, list[str], str, int, str, str, int, int, int]],
]  # fmt: skip


def _pack(read: RangeRead) -> _Packed:
    headers = [(h.number, h.hash, h.parent_hash, h.timestamp) for h in read.headers]
    logs = [
        (d.role, d.address, d.topics, d.data, d.block_number, d.block_hash, d.tx_hash,
         d.tx_index, d.log_index, d.timestamp)
        for d in read.decoded
    ]  # fmt: skip
    return read.first, read.last, read.committees, headers, logs


def _unpack(packed: _Packed, decoder: EventDecoder) -> RangeRead:
    first, last, committees, header_rows, log_rows = packed
    headers = [BlockHeader(*row) for row in header_rows]
    by_number = {h.number: h for h in headers}
    spec_of = decoder.spec
    decoded = []
    for role, address, topics, data, number, block_hash, tx_hash, tx_index, index, ts in log_rows:
        spec = spec_of(role, _lower(topics[0]))
        if spec is None:  # the process decoded it with the same ABIs: never
            raise RuntimeError(f"the reading process sent an unknown log of {address}")
        decoded.append(
            DecodedLog(role, spec.name, address, topics, data, number, block_hash, tx_hash,
                       tx_index, index, ts, spec)
        )  # fmt: skip
    return RangeRead(
        first=first,
        last=last,
        committees=committees,
        head=by_number[first],
        end=by_number[last],
        headers=headers,
        decoded=decoded,
    )


def _serve(requests: Connection, answers: Connection) -> None:
    """The reading process (``python -m api.reader``, started by :class:`ProcessReads`): reads
    each range asked for and sends it back packed, or the exception that stopped it, until asked
    for ``None`` or the indexer's end of the pipe closes. Its first message is what to read."""
    urls, timeout, contracts, start_block = requests.recv()
    gc.disable()  # as the indexer does while it syncs (api.indexer): a range's objects die with it
    with RpcClient(urls, timeout=timeout) as rpc:
        reader = RangeReader(rpc, contracts, start_block)
        while True:
            try:
                request = requests.recv()
            except EOFError:
                return
            if request is None:
                return
            try:
                answer: tuple[str, Any] = ("read", _pack(reader.read(*request)))
            except Exception as exc:  # handed to the indexer, which decides what it means
                answer = ("failed", exc)
            try:
                payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its message does
                payload = pickle.dumps(("failed", RuntimeError(repr(answer[1]))))
            answers.send_bytes(payload)
            del answer, payload
            gc.collect(1)


PIPE_SIZE = 1 << 20
"""Bytes the pipe from the reading process holds (:class:`ProcessReads`)."""


class ProcessReads:
    """Reads in a process of its own, with a node client of its own (same node URLs and
    timeout); a thread of this process waits for each answer and unpacks it.

    Raises (from each read's future):
        ChainChangedError, RpcError: as :meth:`RangeReader.read`.
        RuntimeError: the reading process stopped.
    """

    def __init__(self, rpc: RpcClient, contracts: Mapping[str, ContractRole], start_block: int):
        # A command of its own rather than multiprocessing: nothing of the caller's ``__main__``
        # is imported again and none of its threads' locks are copied. The pipes carry pickles
        # between this process and its own child only.
        self.process = subprocess.Popen(  # the reading process
            [sys.executable, "-m", "api.reader"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self._answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        # A range is tens of megabytes: through a pipe of 64 KiB, Linux's default, it took a
        # thousand reads, each waiting to take the interpreter lock back from the writer (up to
        # 5 ms each): the catch-up was slower than with a reading thread. 1 MiB is the most an
        # unprivileged process may ask for (/proc/sys/fs/pipe-max-size).
        with suppress(AttributeError, OSError):  # not Linux: the default size
            fcntl.fcntl(self._answers.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self.process.stdin.close()
        self.process.stdout.close()
        self._requests.send((rpc.urls, rpc.timeout, dict(contracts), start_block))
        self._decoder = EventDecoder()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jcm-index-read")

    def _read(self, committees: tuple[str, ...], first: int, last: int, span: int) -> RangeRead:
        try:
            self._requests.send((committees, first, last, span))
            kind, value = pickle.loads(self._answers.recv_bytes())
        except (EOFError, OSError) as exc:
            raise RuntimeError(
                f"the indexer's reading process stopped (exit code {self.process.poll()})"
            ) from exc
        if kind == "failed":
            raise value
        return _unpack(value, self._decoder)

    def submit(
        self, committees: tuple[str, ...], first: int, last: int, span: int
    ) -> Future[RangeRead]:
        """Start reading blocks ``first..last``."""
        return self._pool.submit(self._read, committees, first, last, span)

    def close(self) -> None:
        """Stop reading (a read under way is waited for) and the process."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with suppress(OSError):  # already gone
            self._requests.send(None)
        self._requests.close()
        self._answers.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main() -> int:
    """``python -m api.reader``: the reading process of :class:`ProcessReads` (requests on
    standard input, answers on standard output; anything else printed goes to standard error)."""
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    _serve(Connection(0, writable=False), answers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
