"""The registry's invariants (docs/design.md §2, rules 1-3), checked against chain state only.

One shared checker for every test that moves credits (contract, SDK, API and fuzz tests)::

    from invariants import assert_registry_invariants

    before = assert_registry_invariants(registry, projects)
    ...  # move credits
    assert_registry_invariants(registry, projects, previous=before)

``registry`` and ``projects`` may be Ape contract instances or web3.py contracts (``projects`` may
be omitted). Ape instances are read through their provider's web3 connection with the instance's
ABI, so both kinds are checked by the same code, quickly.

What is checked:

0. **Records proven**: the ledger keeps each retirement and cancellation as a hash; every record
   is rebuilt from its ``CreditsRetired`` / ``CreditsCancelled`` event (the registry's logs from
   block 0), ids 1..``retirementCount`` / ``cancellationCount`` each exactly once, and proven with
   the registry's own ``verifyRetirement`` / ``verifyCancellation``.
1. **Conservation**, per batch: issued = the holders' balances + retired + cancelled, and
   ``batchTotals`` agrees; the records' quantities add up to the retired and cancelled totals and to
   the sink accounts' balances.
2. **Unique serials**: batches take consecutive serial blocks from 1 to ``latestSerial``; within
   a batch, the ranges of every holding (``holdingRanges``) and of every retirement and
   cancellation record are well formed, inside ``[firstSerial, lastSerial]``, pairwise disjoint,
   and together cover the batch exactly; each holding is sorted with adjacent ranges merged and its
   ``balanceOf`` equals its ranges' size; ``nonEmptyHoldings`` of every account matches its
   balances.
3. **Finality**: retirement and cancellation records are the sink accounts' balances; with
   ``previous`` (the snapshot a previous call returned), every earlier record is unchanged and no
   sink balance or record count shrank.

With ``projects``, every batch's issuance record is rebuilt from its ``BatchIssued`` event, verified
against the hash ``JCMProjects`` keeps (``verifyBatch``, see ``batches.py``), and agrees with the
ledger's batch; every batch has exactly one.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from registry_client.domain import JAPAN, MAX_PAGE_SIZE, FirstTransferDefinition
from support.batches import issued_batches

SINK_KINDS = frozenset({3, 4})  # AccountKind.Retirement, AccountKind.Cancellation

Range = tuple[int, int]


@dataclass(frozen=True)
class Record:
    """A retirement or cancellation record, as read from the chain (what finality protects)."""

    batch_id: int
    account: str
    sink: str
    quantity: int
    ranges: tuple[Range, ...]
    details: tuple[Any, ...]


@dataclass(frozen=True)
class RegistrySnapshot:
    """What ``assert_registry_invariants`` read; pass it back as ``previous`` to check finality."""

    batch_count: int
    latest_serial: int
    retirements: dict[int, Record] = field(default_factory=dict)
    cancellations: dict[int, Record] = field(default_factory=dict)
    sink_balances: dict[tuple[str, int], int] = field(default_factory=dict)
    holdings: dict[tuple[str, int], tuple[Range, ...]] = field(default_factory=dict)


class _Reader:
    """Calls views of an Ape contract instance or a web3.py contract through web3.py.

    ``many`` sends its calls as one JSON-RPC batch when the connection supports it (anvil and
    most nodes do), so a check costs a few round trips however many records there are.
    """

    def __init__(self, contract: Any) -> None:
        if hasattr(contract, "functions"):  # web3.py contract (or a test double shaped like one)
            self._contract = contract
        else:  # Ape contract instance
            from ape import chain

            abi = [
                entry.model_dump(mode="json", by_alias=True) for entry in contract.contract_type.abi
            ]
            self._contract = chain.provider.web3.eth.contract(address=contract.address, abi=abi)

    @property
    def contract(self) -> Any:
        """The web3.py-shaped contract the views are called on."""
        return self._contract

    def __call__(self, name: str, *args: Any) -> Any:
        return getattr(self._contract.functions, name)(*args).call()

    def record_events(self) -> dict[str, list[dict[str, Any]]]:
        """The decoded arguments of every ``CreditsRetired`` and ``CreditsCancelled`` log of the
        contract since block 0, by event name, in log order (unverified)."""
        return self.events("JCMRegistry", ("CreditsRetired", "CreditsCancelled"))

    def events(
        self, contract_name: str, names: tuple[str, ...], with_tx: bool = False
    ) -> dict[str, list[dict[str, Any]]]:
        """The decoded arguments of every log named in ``names`` (events of the packaged
        ``contract_name`` ABI) of the contract since block 0, by event name, in log order; with
        ``with_tx``, each also under ``"_tx"`` its transaction's hash (bytes)."""
        contract = self._contract
        if hasattr(contract, "record_events"):  # the checker's own test double
            return {name: list(contract.record_events(name)) for name in names}
        from web3 import Web3

        from registry_client import contracts

        events = {
            e["name"]: e
            for e in contracts.abi(contract_name)  # type: ignore[arg-type]
            if e.get("type") == "event" and e["name"] in names
        }
        rpc = getattr(contract, "rpc", None)
        if rpc is not None:  # the fuzz harness's contract: raw JSON-RPC logs
            raw = rpc.logs([contract.address], 0, rpc.block_number())
            logs = [
                {
                    "topics": [bytes.fromhex(t[2:]) for t in log["topics"]],
                    "data": log["data"],
                    "transactionHash": bytes.fromhex(log["transactionHash"][2:]),
                }
                for log in raw
            ]
            codec = Web3().codec
        else:
            logs = list(contract.w3.eth.get_logs({"address": contract.address, "fromBlock": 0}))
            codec = contract.w3.codec
        found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for log in logs:
            data = log["data"]
            log = {**log, "data": bytes.fromhex(data[2:]) if isinstance(data, str) else data}
            for name, event in events.items():
                args = contracts.event_args(codec, event, log)  # type: ignore[arg-type]
                if args is not None:
                    if with_tx:
                        args["_tx"] = bytes(log["transactionHash"])
                    found[name].append(args)
        return found

    def many(self, calls: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """The results of ``calls`` (``(function name, args)``), in order."""
        w3 = getattr(self._contract, "w3", None)
        if calls and w3 is not None and hasattr(w3, "batch_requests"):
            try:
                with w3.batch_requests() as batch:
                    for name, args in calls:
                        batch.add(getattr(self._contract.functions, name)(*args))
                    return list(batch.execute())
            except Exception:
                pass
        return [self(name, *args) for name, args in calls]


def _all_holders(reg: _Reader, batch_id: int, first_page: Any) -> list[str]:
    """Every holder of ``batch_id``: the first page of ``batchHolders``, then the rest."""
    holders, cursor = list(first_page[0]), int(first_page[1])
    while cursor:
        page, cursor = reg("batchHolders", batch_id, cursor, MAX_PAGE_SIZE)
        holders.extend(page)
    return holders


def _ranges(raw: Any) -> tuple[Range, ...]:
    return tuple(
        (int(r["first"]), int(r["last"])) if isinstance(r, dict) else (int(r[0]), int(r[1]))
        for r in raw
    )


def retirement_struct(a: dict[str, Any]) -> tuple[Any, ...]:
    """A ``CreditsRetired`` event's arguments as the ``Retirement`` struct the ledger hashed."""
    return (
        int(a["retirementId"]), int(a["batchId"]), a["account"], a["retirementAccount"],
        bytes(a["usingParty"]), int(a["purpose"]), int(a["quantity"]), int(a["retiredAt"]),
        a["beneficiary"], a["note"], list(_ranges(a["ranges"])),
    )  # fmt: skip


def cancellation_struct(a: dict[str, Any]) -> tuple[Any, ...]:
    """A ``CreditsCancelled`` event's arguments as the ``Cancellation`` struct the ledger hashed."""
    return (
        int(a["cancellationId"]), int(a["batchId"]), a["account"], a["cancellationAccount"],
        int(a["reason"]), int(a["quantity"]), int(a["cancelledAt"]), bytes(a["decisionId"]),
        a["note"], list(_ranges(a["ranges"])),
    )  # fmt: skip


def _proven_records(
    reg: _Reader, retirement_count: int, cancellation_count: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """0. Every record rebuilt from its event and proven by the ledger's verifying view: ids
    1..count, each once, in id order (as ``Retirement`` / ``Cancellation`` tuples)."""
    events = reg.record_events()
    rebuilt = {
        "retirement": [retirement_struct(a) for a in events["CreditsRetired"]],
        "cancellation": [cancellation_struct(a) for a in events["CreditsCancelled"]],
    }
    for kind, count in (("retirement", retirement_count), ("cancellation", cancellation_count)):
        ids = [int(r[0]) for r in rebuilt[kind]]
        assert sorted(ids) == list(range(1, count + 1)), (
            f"{kind} events name ids {sorted(ids)}, the ledger counts {count}"
        )
    labelled = [("retirement", r) for r in rebuilt["retirement"]] + [
        ("cancellation", c) for c in rebuilt["cancellation"]
    ]
    verdicts = reg.many([(f"verify{kind.capitalize()}", (record,)) for kind, record in labelled])
    for (kind, record), verdict in zip(labelled, verdicts, strict=True):
        assert verdict, f"{kind} {record[0]}: its event does not match the ledger's hash"
    by_id = {kind: sorted(records, key=lambda r: int(r[0])) for kind, records in rebuilt.items()}
    return by_id["retirement"], by_id["cancellation"]


def _size(ranges: tuple[Range, ...]) -> int:
    return sum(last - first + 1 for first, last in ranges)


def _check_holding(where: str, ranges: tuple[Range, ...], first: int, last: int) -> None:
    for i, (a, b) in enumerate(ranges):
        assert a <= b, f"{where}: range {a}..{b} is empty or reversed"
        assert first <= a and b <= last, (
            f"{where}: range {a}..{b} outside the batch {first}..{last}"
        )
        if i:
            prev = ranges[i - 1][1]
            assert prev + 1 < a, (
                f"{where}: ranges not sorted, overlapping or not merged: ..{prev} then {a}.."
            )


def assert_registry_invariants(
    registry: Any, projects: Any = None, previous: RegistrySnapshot | None = None
) -> RegistrySnapshot:
    """Asserts invariants 1-3 of docs/design.md §2 on the registry's current state.

    Args:
        registry: the ``JCMRegistry`` (Ape contract instance or web3.py contract).
        projects: optionally the ``JCMProjects``, whose verified issuance records (from events)
            must agree with the ledger.
        previous: a snapshot returned by an earlier call, to check that records never changed.

    Returns:
        The snapshot of this state, for a later ``previous=``.

    Raises:
        AssertionError: naming the batch, account or record that breaks an invariant.
    """
    reg = _Reader(registry)
    proj = _Reader(projects) if projects is not None else None
    batch_count, latest_serial, retirement_count, cancellation_count = (
        int(x)
        for x in reg.many(
            [
                ("batchCount", ()),
                ("latestSerial", ()),
                ("retirementCount", ()),
                ("cancellationCount", ()),
            ]
        )
    )
    batch_ids = range(1, batch_count + 1)
    raw_retirements, raw_cancellations = _proven_records(reg, retirement_count, cancellation_count)
    per_batch = reg.many(
        [
            call
            for b in batch_ids
            for call in (
                ("batchState", (b,)),
                ("batchTotals", (b,)),
                ("batchHolders", (b, 0, MAX_PAGE_SIZE)),
            )
        ]
    )
    states = {b: per_batch[3 * (b - 1)] for b in batch_ids}
    totals_of = {b: [int(x) for x in per_batch[3 * (b - 1) + 1]] for b in batch_ids}
    holders_of = {b: _all_holders(reg, b, per_batch[3 * (b - 1) + 2]) for b in batch_ids}
    infos = issued_batches(proj.contract) if proj else {}
    if proj:
        assert sorted(infos) == list(batch_ids), (
            f"batches issued {sorted(infos)[:5]}.. but the ledger counts {batch_count}"
        )
    pairs = [(h, b) for b in batch_ids for h in holders_of[b]]
    accounts = list(dict.fromkeys(h for h, _ in pairs))
    read = reg.many(
        [(view, (h, b)) for h, b in pairs for view in ("balanceOf", "holdingRanges")]
        + [("accountInfo", (a,)) for a in accounts]
    )
    balance_of = {pair: int(read[2 * i]) for i, pair in enumerate(pairs)}
    ranges_of = {pair: _ranges(read[2 * i + 1]) for i, pair in enumerate(pairs)}
    account_info = dict(zip(accounts, read[2 * len(pairs) :], strict=True))

    retirements: dict[int, Record] = {}
    for rid, r in enumerate(raw_retirements, start=1):
        # (id, batchId, account, retirementAccount, usingParty, purpose, quantity, retiredAt,
        #  beneficiary, note, ranges)
        assert int(r[0]) == rid, f"retirement {rid} reads back as id {r[0]}"
        retirements[rid] = Record(
            batch_id=int(r[1]),
            account=r[2],
            sink=r[3],
            quantity=int(r[6]),
            ranges=_ranges(r[10]),
            details=(bytes(r[4]), int(r[5]), int(r[7]), r[8], r[9]),
        )
    cancellations: dict[int, Record] = {}
    for cid, c in enumerate(raw_cancellations, start=1):
        # (id, batchId, account, cancellationAccount, reason, quantity, cancelledAt, decisionId,
        #  note, ranges)
        assert int(c[0]) == cid, f"cancellation {cid} reads back as id {c[0]}"
        cancellations[cid] = Record(
            batch_id=int(c[1]),
            account=c[2],
            sink=c[3],
            quantity=int(c[5]),
            ranges=_ranges(c[9]),
            details=(int(c[4]), int(c[6]), bytes(c[7]), c[8]),
        )

    records_by_batch: dict[int, list[tuple[str, Record]]] = defaultdict(list)
    for rid, rec in retirements.items():
        records_by_batch[rec.batch_id].append((f"retirement {rid}", rec))
    for cid, rec in cancellations.items():
        records_by_batch[rec.batch_id].append((f"cancellation {cid}", rec))
    for batch_id in records_by_batch:
        assert 1 <= batch_id <= batch_count, f"a record names unknown batch {batch_id}"

    kinds = {account: int(info[0]) for account, info in account_info.items()}
    non_empty: dict[str, int] = defaultdict(int)
    sink_balances: dict[tuple[str, int], int] = {}
    holdings: dict[tuple[str, int], tuple[Range, ...]] = {}
    next_serial = 1
    for batch_id in range(1, batch_count + 1):
        # BatchState (country, firstSerial, lastSerial)
        state = states[batch_id]
        first, last = int(state[1]), int(state[2])
        assert first == next_serial, f"batch {batch_id} starts at {first}, expected {next_serial}"
        assert first <= last, f"batch {batch_id} is empty: {first}..{last}"
        next_serial = last + 1
        issued = last - first + 1
        # BatchTotals (issued, held, retired, cancelled)
        totals = totals_of[batch_id]
        assert totals[0] == issued, f"batch {batch_id}: batchTotals.issued {totals[0]} != {issued}"

        pieces: list[tuple[Range, str]] = []
        held = 0
        sink_sum: dict[str, int] = defaultdict(int)
        for holder in holders_of[batch_id]:
            balance = balance_of[(holder, batch_id)]
            ranges = ranges_of[(holder, batch_id)]
            where = f"batch {batch_id}, holder {holder}"
            if kinds[holder] in SINK_KINDS:
                assert not ranges, f"{where}: a sink account lists ranges {ranges}"
                sink_balances[(holder, batch_id)] = balance
            else:
                _check_holding(where, ranges, first, last)
                assert _size(ranges) == balance, (
                    f"{where}: balanceOf {balance} != size of its ranges {_size(ranges)}"
                )
                held += balance
                holdings[(holder, batch_id)] = ranges
                pieces.extend((r, where) for r in ranges)
            if balance:
                non_empty[holder] += 1

        retired = cancelled = 0
        for label, rec in records_by_batch.get(batch_id, []):
            where = f"batch {batch_id}, {label}"
            assert rec.ranges, f"{where}: no ranges"
            for a, b in rec.ranges:
                assert a <= b and first <= a and b <= last, (
                    f"{where}: range {a}..{b} bad or outside {first}..{last}"
                )
            assert _size(rec.ranges) == rec.quantity, (
                f"{where}: quantity {rec.quantity} != size of its ranges {_size(rec.ranges)}"
            )
            pieces.extend((r, where) for r in rec.ranges)
            sink_sum[rec.sink] += rec.quantity
            if label.startswith("retirement"):
                retired += rec.quantity
            else:
                cancelled += rec.quantity

        # 1. Conservation
        assert issued == held + retired + cancelled, (
            f"batch {batch_id}: issued {issued} != held {held} + retired {retired} "
            f"+ cancelled {cancelled}"
        )
        assert totals == [issued, held, retired, cancelled], (
            f"batch {batch_id}: batchTotals {totals} != chain state "
            f"{[issued, held, retired, cancelled]}"
        )
        for sink, amount in sink_sum.items():
            got = sink_balances.get((sink, batch_id), 0)
            assert got == amount, (
                f"batch {batch_id}: sink {sink} has balance {got}, its records sum to {amount}"
            )
        for (sink, b), balance in sink_balances.items():
            if b == batch_id:
                assert balance == sink_sum.get(sink, 0), (
                    f"batch {batch_id}: sink {sink} balance {balance} without matching records"
                )

        # 2. Unique serials: disjoint and exactly covering [first, last]
        pieces.sort()
        cursor = first
        for (a, b), where in pieces:
            assert a == cursor, (
                f"batch {batch_id}: serial {cursor} is not where expected: next piece {a}..{b} "
                f"({where}) " + ("overlaps" if a < cursor else "leaves a gap")
            )
            cursor = b + 1
        assert cursor == last + 1, f"batch {batch_id}: serials {cursor}..{last} are nowhere"

        if batch_id in infos:
            info = infos[batch_id]
            # BatchInfo: id, projectRef, country, start, end, vintage, quantity, verified, first,
            # last, decisionId, decisionRef, reportHash, authorization, authorizationId,
            # authorizationDate, issuedAt, internationallyTransferred
            assert int(info[0]) == batch_id
            assert (int(info[8]), int(info[9]), int(info[6])) == (first, last, issued), (
                f"batch {batch_id}: the issuance record's serials/quantity disagree with the ledger"
            )
            assert bytes(info[2]) == bytes(state[0]), f"batch {batch_id}: country disagrees"
            assert int(info[6]) <= int(info[7]), f"batch {batch_id}: issued above verified"

    assert next_serial - 1 == latest_serial, (
        f"latestSerial {latest_serial} but batches end at {next_serial - 1}"
    )
    for account, kind in kinds.items():
        recorded = int(account_info[account][4])
        # Sinks never close, so the ledger keeps no count of their batches.
        expected = 0 if kind in SINK_KINDS else non_empty[account]
        assert recorded == expected, (
            f"account {account}: nonEmptyHoldings {recorded}, "
            f"but holds credits of {non_empty[account]} batches"
        )

    article6 = _article6_reader(reg)
    if article6 is not None:
        sides = {account: bytes(info[2]) for account, info in account_info.items()}
        _assert_article6(reg, article6, states, retirements, cancellations, sides)

    snapshot = RegistrySnapshot(
        batch_count=batch_count,
        latest_serial=latest_serial,
        retirements=retirements,
        cancellations=cancellations,
        sink_balances=sink_balances,
        holdings=holdings,
    )
    if previous is not None:
        _assert_final(previous, snapshot)
    return snapshot


def _article6_reader(registry: _Reader) -> _Reader | None:
    """The registry's ``JCMArticle6`` (the same connection, the packaged ABI), or None for a
    registry without one (the checker's own test doubles)."""
    contract = getattr(registry, "_contract", None)
    if not any(entry.get("name") == "article6" for entry in getattr(contract, "abi", ())):
        return None
    return _sibling(registry, "JCMArticle6", registry("article6"))


def _sibling(registry: _Reader, name: str, address: str) -> _Reader:
    """The contract ``name`` at ``address``, read over the registry's connection."""
    from registry_client import contracts

    contract, abi = registry.contract, contracts.abi(name)  # type: ignore[arg-type]
    if dataclasses.is_dataclass(
        contract
    ):  # a web3-shaped contract of the tests' own (fuzz harness)
        fields = {"address": address, "abi": abi, "name": name, "_entries": {}}
        return _Reader(dataclasses.replace(contract, **fields))  # type: ignore[type-var]
    return _Reader(contract.w3.eth.contract(address=address, abi=abi))


def _japan_at_issuance(
    registry: _Reader,
    article6: _Reader,
    sides: dict[str, bytes],
    emitted: dict[int, list[dict[str, Any]]],
) -> dict[int, tuple[int, int, bytes, bytes, int]]:
    """Per batch authorized at issuance with a share for Japan, the first transfer of that share
    as its issuance's logs state it (``JCMArticle6`` emits no event of its own for it): from
    ``BatchIssued`` the host, the authorization and the first serial; from the ledger's mints
    (``TransferSingle`` from the zero address) Japan's share, the sum of the allocations to
    accounts of Japan's registry, which take the batch's lowest serials. A batch that a
    batch-level ``SerialsFirstTransferred`` of its issuance's transaction first-transferred
    whole has none. Each as a record's (first, last, fromParty, toParty, trigger)."""
    projects = _sibling(registry, "JCMProjects", article6("projects"))
    issued = projects.events("JCMProjects", ("BatchIssued",), with_tx=True)["BatchIssued"]
    mints = registry.events("JCMRegistry", ("TransferSingle",))["TransferSingle"]
    japan = JAPAN.encode()
    to_japan: dict[int, int] = defaultdict(int)
    side_of = {account.lower(): side for account, side in sides.items()}
    for m in mints:
        if int(m["from"], 16) == 0 and side_of.get(m["to"].lower()) == japan:
            to_japan[int(m["id"])] += int(m["value"])
    found: dict[int, tuple[int, int, bytes, bytes, int]] = {}
    for event in issued:
        batch, record = int(event["batchId"]), event["batch"]
        whole = any(
            e["_tx"] == event["_tx"] and int(e["trigger"]) in BATCH_LEVEL
            for e in emitted.get(batch, [])
        )
        share = to_japan.get(batch, 0)
        if int(record["authorization"]) != 0 and share and not whole:
            first = int(record["firstSerial"])
            found[batch] = (first, first + share - 1, bytes(record["country"]), japan, 0)
    return found


BATCH_LEVEL = frozenset({FirstTransferDefinition.AUTHORIZATION, FirstTransferDefinition.ISSUANCE})
"""The triggers that first-transfer the rest of a batch at once."""


def _assert_records_as_emitted(
    batch: int,
    records: list[tuple[Any, ...]],
    whole: bool,
    emitted: list[dict[str, Any]],
    at_issuance: tuple[int, int, bytes, bytes, int] | None,
) -> None:
    """A batch's first-transfer records are exactly the ranges its ``SerialsFirstTransferred``
    events announced, each with its parties and trigger, and Japan's share at issuance as the
    issuance's logs state it (``at_issuance``), however ``JCMArticle6`` keeps them (the issuance's
    record lives in the batch's slot until another is added). A batch-level first transfer
    (trigger ``Authorization`` or ``Issuance``: the rest of the batch at once) is the batch's
    flag, not records, and happens at most once."""
    batch_level = BATCH_LEVEL
    at_once = [e for e in emitted if int(e["trigger"]) in batch_level]
    assert len(at_once) == (1 if whole else 0), (
        f"batch {batch}: {len(at_once)} batch-level first transfers announced, flag {whole}"
    )
    announced = sorted(
        (
            int(r["first"]),
            int(r["last"]),
            bytes(e["fromParty"]),
            bytes(e["toParty"]),
            int(e["trigger"]),
        )
        for e in emitted
        if int(e["trigger"]) not in batch_level
        for r in e["ranges"]
    ) + ([at_issuance] if at_issuance else [])
    announced.sort()
    kept = [(int(r[0]), int(r[1]), bytes(r[3]), bytes(r[4]), int(r[5])) for r in records]
    assert kept == announced, f"batch {batch}: first-transfer records {kept}, announced {announced}"


def _assert_article6(
    registry: _Reader,
    article6: _Reader,
    states: dict[int, Any],
    retirements: dict[int, Record],
    cancellations: dict[int, Record],
    sides: dict[str, bytes],
) -> None:
    """Rule 9 (one country's claim per credit) on every NDC retirement and OIMP cancellation ever
    recorded, from ``JCMArticle6``'s state: an NDC retirement counts for the party whose registry
    retired it; the host's only of serials never first transferred, any other party's only of
    first-transferred serials of a batch authorized for NDC use; an OIMP cancellation only of
    first-transferred serials of a batch authorized for OIMP. First-transfer records are sorted,
    disjoint, inside their batch and from the host. Retired serials are unique (rule 2), so with
    these no serial counts toward two parties' NDCs. Every range sum, no loop per serial."""
    batch_ids = sorted(states)
    read = article6.many(
        [(view, (b,)) for b in batch_ids for view in ("batchArticle6", "firstTransfers")]
    )
    emitted: dict[int, list[dict[str, Any]]] = {}
    for event in article6.events("JCMArticle6", ("SerialsFirstTransferred",), with_tx=True)[
        "SerialsFirstTransferred"
    ]:
        emitted.setdefault(int(event["batchId"]), []).append(event)
    at_issuance = _japan_at_issuance(registry, article6, sides, emitted)
    # BatchArticle6: country, authorization, authorizationId, authorizationDate,
    # wholeBatchFirstTransferredAt, firstSerial, lastSerial, hostNdcUse, records, international
    info = {b: read[2 * i] for i, b in enumerate(batch_ids)}
    records = {b: [tuple(r) for r in read[2 * i + 1]] for i, b in enumerate(batch_ids)}
    for b in batch_ids:
        host, first, last = bytes(info[b][0]), int(info[b][5]), int(info[b][6])
        assert (host, first, last) == (
            bytes(states[b][0]),
            int(states[b][1]),
            int(states[b][2]),
        ), f"batch {b}: JCMArticle6 knows it otherwise than the ledger"
        _assert_records_as_emitted(
            b, records[b], int(info[b][4]) != 0, emitted.get(b, []), at_issuance.get(b)
        )
        cursor = first
        for r in records[b]:
            # FirstTransferRecord: first, last, at, fromParty, toParty, trigger
            assert cursor <= int(r[0]) <= int(r[1]) <= last, (
                f"batch {b}: first-transfer record {r[0]}..{r[1]} unsorted, overlapping or outside"
            )
            assert bytes(r[3]) == host, f"batch {b}: a first transfer not from the host {host!r}"
            cursor = int(r[1]) + 1

    def covered(b: int, a: int, z: int) -> tuple[int, int]:
        """How many serials of a..z were first transferred, and how many there are."""
        if int(info[b][4]) != 0:
            return z - a + 1, z - a + 1
        done = sum(max(0, min(z, int(r[1])) - max(a, int(r[0])) + 1) for r in records[b])
        return done, z - a + 1

    for rid, rec in retirements.items():
        using_party, purpose = rec.details[0], rec.details[1]
        if purpose != 0:  # RetirementPurpose.NDC
            continue
        b = rec.batch_id
        host, authorization = bytes(info[b][0]), int(info[b][1])
        where = f"retirement {rid} toward {using_party!r}'s NDC"
        assert using_party == sides[rec.account], f"{where}: retired in another registry"
        for a, z in rec.ranges:
            done, size = covered(b, a, z)
            if using_party == host:
                assert done == 0, f"{where}: the host counts first-transferred serials of {a}..{z}"
            else:
                assert authorization & 1, f"{where}: batch {b} not authorized for NDC use"
                assert done == size, f"{where}: serials of {a}..{z} never first transferred"
    for cid, rec in cancellations.items():
        if rec.details[0] != 1:  # CancellationReason.OtherInternationalMitigationPurposes
            continue
        b = rec.batch_id
        where = f"cancellation {cid} for OIMP"
        assert int(info[b][1]) & 2, f"{where}: batch {b} not authorized for OIMP"
        for a, z in rec.ranges:
            done, size = covered(b, a, z)
            assert done == size, f"{where}: serials of {a}..{z} not first transferred"


def _assert_final(previous: RegistrySnapshot, now: RegistrySnapshot) -> None:
    """3. Finality: records and sink balances only ever grow; serials are never reissued."""
    assert now.batch_count >= previous.batch_count, "batches disappeared"
    assert now.latest_serial >= previous.latest_serial, "the serial counter went back"
    for label, before, after in (
        ("retirement", previous.retirements, now.retirements),
        ("cancellation", previous.cancellations, now.cancellations),
    ):
        for record_id, record in before.items():
            assert after.get(record_id) == record, (
                f"{label} {record_id} changed or vanished: {record} -> {after.get(record_id)}"
            )
    for key, balance in previous.sink_balances.items():
        assert now.sink_balances.get(key, 0) >= balance, (
            f"sink {key[0]} lost credits of batch {key[1]}: "
            f"{balance} -> {now.sink_balances.get(key)}"
        )
