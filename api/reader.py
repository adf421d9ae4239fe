"""Reading block ranges from the node: logs, headers and decoded events, with no database access.

The indexer (:mod:`api.indexer`) reads the next range in a thread (:class:`ThreadReads`) while it
writes the current one in its own. Reading in a process of its own was tried (``python -m
api.reader`` over a pipe, ranges pickled): it took this process's CPU per event from 110 to 75 µs
but made the catch-up slower on the shared two-core machine the benchmark runs on (13-16 s against
18-21 s for 51,412 events at a load average of 6-7): the child's work plus pickling both ways
is more CPU in all, and there was no idle core for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
