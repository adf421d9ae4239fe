"""Chain-state checks run after every fuzz step, and the fingerprint of a refused call.

``check_chain`` runs the shared checker of docs/design.md §2 invariants 1-3
(``tests/support/invariants.py``) and adds what the fuzzer can also see on chain:

- 4. no double issuance: a project's batches have well-formed monitoring periods that never
  overlap (in whatever order they arrived), its ``firstMonitoringStart``, ``lastMonitoringEnd``,
  ``batchCount`` and ``periodGaps`` (the spaces a late period may fill) agree with them, no
  committee used a decision id for two batches or corrections,
  and no verification report backs more credits than its verified reductions;
- 5. no double registration: project references and document hashes are each used once;
- 7. permissioning: only opened accounts hold credits, and closed accounts hold none;
- ``locateSerial`` agrees, for the first and last serial of every batch, with the holdings and
  records the checker read.

It returns a ``ChainState`` whose equality with the state before a refused call proves the call
changed nothing: the storage roots of every contract (every slot), plus the views a reader would
use (the checker's snapshot, accounts, pause, committees, projects) for a readable difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from eth_utils import keccak

from registry_client.domain import PERIOD_ADJACENCY
from registry_client.models import ZERO_ADDRESS, AccountStatus, SerialLocation
from support.batches import issued_batches
from support.invariants import RegistrySnapshot, assert_registry_invariants

from .harness import storage_roots
from .world import World


@dataclass(frozen=True)
class ChainState:
    """What the chain showed after a step."""

    snapshot: RegistrySnapshot
    roots: dict[str, str]
    views: dict[str, Any]

    def differences(self, other: ChainState) -> list[str]:
        """Human-readable differences from another state (empty when equal)."""
        found = [
            f"storage of {k} changed" for k in self.roots if self.roots[k] != other.roots.get(k)
        ]
        if self.snapshot != other.snapshot:
            found.append("the ledger (holdings, records or counts) changed")
        for key in sorted(set(self.views) | set(other.views)):
            if self.views.get(key) != other.views.get(key):
                found.append(f"{key}: {other.views.get(key)!r} -> {self.views.get(key)!r}")
        return found


def _views(world: World, accounts: Iterable[str]) -> dict[str, Any]:
    """Everything a reader sees besides the ledger, read in a few JSON-RPC batches."""
    registry, projects = world.registry, world.projects
    addresses = sorted(set(accounts))
    paused, *infos = registry.call_many(
        [("paused", ()), *(("accountInfo", (a,)) for a in addresses)]
    )
    views: dict[str, Any] = {"paused": paused}
    views.update((f"account {a}", info) for a, info in zip(addresses, infos, strict=True))
    for code, committee in world.committees.items():
        views[f"committee {code.decode()}"] = tuple(
            committee.call_many([("nonce", ()), ("members", ())])
        )
    count = int(projects.call("projectCount"))
    refs = projects.call_many([("projectRefAt", (i,)) for i in range(count)])
    infos = projects.call_many([("projectInfo", (ref,)) for ref in refs])
    views.update((f"project {ref}", info) for ref, info in zip(refs, infos, strict=True))
    gaps = projects.call_many([("periodGaps", (ref,)) for ref in refs])
    views.update(
        (f"gaps {ref}", tuple(sorted(tuple(g) for g in found)))
        for ref, found in zip(refs, gaps, strict=True)
    )
    views["projects"] = tuple(refs)
    return views


def _check_projects(
    world: World, views: dict[str, Any], batch_count: int, snapshot: RegistrySnapshot
) -> None:
    """Invariants 4 and 5 from ``projectInfo`` and the verified issuance records (events)."""
    refs: tuple[str, ...] = views["projects"]
    assert len(set(refs)) == len(refs), f"a project reference registered twice: {refs}"
    documents: list[bytes] = []
    for ref in refs:
        info = views[f"project {ref}"]
        documents.extend((bytes(info[4]), bytes(info[5])))
    assert len(set(documents)) == len(documents), "a project document hash was used twice"

    periods: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    correction_ids: list[tuple[bytes, bytes]] = []
    report_batch: dict[bytes, int] = {}
    country_of: dict[int, bytes] = {}
    records = issued_batches(world.projects)
    assert sorted(records) == list(range(1, batch_count + 1)), "a batch without its BatchIssued"
    for batch_id, info in sorted(records.items()):
        start, end = int(info[3]), int(info[4])
        assert start <= end, f"batch {batch_id}: monitoring period ends before it starts"
        periods[info[1]].append((start, end, batch_id))
        country_of[batch_id] = bytes(info[2])
        # the decision reference people read is the text the decision id hashes
        assert keccak(text=info[11]) == bytes(info[10]), f"batch {batch_id}: decision reference"
        # one verification, one issuance, of no more than its verified reductions
        report = bytes(info[12])
        assert report not in report_batch, (
            f"batches {report_batch.get(report)} and {batch_id} cite report 0x{report.hex()}"
        )
        report_batch[report] = batch_id
        assert int(info[6]) <= int(info[7]), f"batch {batch_id}: more than its verified reductions"
    for record in snapshot.cancellations.values():
        decision = record.details[2]
        if decision != b"\x00" * 32:
            correction_ids.append((country_of[record.batch_id], decision))
    assert len(set(correction_ids)) == len(correction_ids), "a correction decision id used twice"
    for ref, spans in periods.items():
        spans.sort()
        for (_, end, earlier), (start, _, later) in pairwise(spans):
            assert start > end, (
                f"project {ref}: batches {earlier} and {later} have overlapping periods"
            )
        info = views[f"project {ref}"]
        assert int(info[8]) == len(spans), (
            f"project {ref}: batchCount {info[8]} but {len(spans)} batches"
        )
        assert int(info[7]) == max(end for _, end, _ in spans), (
            f"project {ref}: lastMonitoringEnd is not its latest period's end"
        )
        assert int(info[9]) == spans[0][0], (
            f"project {ref}: firstMonitoringStart is not its earliest period's start"
        )
        # what a late period may still fill: every space between consecutive periods longer than
        # a day, and nothing else
        between = [(end, start) for (_, end, _), (start, _, _) in pairwise(spans)]
        expected = tuple(sorted((a, b) for a, b in between if b - a > PERIOD_ADJACENCY))
        assert views[f"gaps {ref}"] == expected, (
            f"project {ref}: periodGaps {views[f'gaps {ref}']} but its periods leave {expected}"
        )


def _check_permissioning(world: World, snapshot: RegistrySnapshot, views: dict[str, Any]) -> None:
    """Invariant 7: only opened accounts hold credits; a closed account holds none."""
    for (holder, batch_id), ranges in snapshot.holdings.items():
        if not ranges:
            continue
        info = views.get(f"account {holder}") or world.registry.call("accountInfo", holder)
        assert int(info[1]) != AccountStatus.NONE, (
            f"{holder} holds batch {batch_id} without an account"
        )
        assert int(info[1]) != AccountStatus.CLOSED, (
            f"closed account {holder} holds batch {batch_id}"
        )


def _check_locate(world: World, snapshot: RegistrySnapshot, batch_count: int) -> None:
    """``locateSerial`` agrees with holdings and records on each batch's first and last serial: a
    held serial names its holder, a retired or cancelled one (kept as a hash) is ``Consumed``."""
    where: dict[int, tuple[int, str]] = {}
    for (holder, _), ranges in snapshot.holdings.items():
        for a, b in ranges:
            where[a] = where[b] = (SerialLocation.HELD, holder)
    for records in (snapshot.retirements, snapshot.cancellations):
        for record in records.values():
            for a, b in record.ranges:
                where[a] = where[b] = (SerialLocation.CONSUMED, ZERO_ADDRESS)
    states = world.registry.call_many([("batchState", (b,)) for b in range(1, batch_count + 1)])
    serials = [(b, s) for b, st in enumerate(states, start=1) for s in {int(st[1]), int(st[2])}]
    located = world.registry.call_many([("locateSerial", (s,)) for _, s in serials])
    for (batch_id, serial), found in zip(serials, located, strict=True):
        assert int(found[1]) == batch_id, f"serial {serial}: locateSerial names batch {found[1]}"
        got = (int(found[0]), found[2])
        assert got == where[serial], (
            f"serial {serial}: locateSerial says {got}, holdings and records say {where[serial]}"
        )


def check_chain(world: World, accounts: Iterable[str], previous: ChainState | None) -> ChainState:
    """All invariants against chain state; returns the state for the next comparison."""
    snapshot = assert_registry_invariants(
        world.registry, world.projects, previous=previous.snapshot if previous else None
    )
    views = _views(world, accounts)
    _check_projects(world, views, snapshot.batch_count, snapshot)
    _check_permissioning(world, snapshot, views)
    _check_locate(world, snapshot, snapshot.batch_count)
    return ChainState(snapshot, storage_roots(world.rpc, world.contracts()), views)
