"""Turning decoded events into index rows: the only place that knows what each event means.

One :class:`Applier` applies the events of one block range inside one database transaction. It keeps
the holdings the range touches in memory (loaded on first use), appends rows to write, and flushes
everything at the end with bulk statements. Holdings are derived from the movement events alone
(``CreditsTransferred``, ``CreditsRetired``, ``CreditsCancelled`` carry the exact ranges; an
issuance's follow from its mints and its ``BatchIssued``: :meth:`Applier._on_BatchIssued`); nothing
is read back from the chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from api import bulk, ranges as rng
from api.abi import ContractRole, EventSpec
from api.apply_article6 import Article6Handlers
from api.apply_governance import GovernanceHandlers
from api.tables import (
    Account,
    AccountStatusChange,
    Base,
    Batch,
    CancellationRecord,
    CommitteeAssignment,
    CommitteeMember,
    CommitteeMembership,
    Correction,
    Country,
    Decision,
    Event,
    Holding,
    HoldingRange,
    Movement,
    MovementRange,
    Project,
    RetirementRecord,
    table_of,
)
from registry_client.domain import (
    JAPAN,
    AccountKind,
    AccountStatus,
    Authorization,
    CancellationReason,
    DecisionKind,
    MemberSide,
    RetirementPurpose,
)

NOT_INDEXED: dict[str, str] = {
    "TransferBatch": "the registry never moves several batches in one call, so never emitted",
    "ApprovalForAll": "never emitted: registry credits have no operators (setApprovalForAll "
    "reverts)",
    "URI": "never emitted: the metadata URI is one template set at deployment",
    "RoleAdminChanged": "fixed by the contract when a side is created (each side's roles are "
    "administered by that side's authority); the roles themselves are indexed (RoleGranted, "
    "RoleRevoked)",
    "EIP712DomainChanged": "never emitted: a committee's EIP-712 domain is fixed at deployment",
}
"""Events of the indexed contracts that have no handler, and why (every event is still kept
verbatim in ``events``); ``tests/api/test_api_units.py`` fails on an event in neither place."""

# The rows every movement writes, built as tuples (lists while they may still change) in these
# columns' order and handed to the driver as they are: a dict per row, then a tuple made of it,
# was a large share of catching up a long history.
EVENT_COLUMNS = ("block_number", "log_index", "block_hash", "tx_hash", "timestamp", "tx_index",
                 "address", "name", "topics", "data")  # fmt: skip
MOVEMENT_COLUMNS = ("block_number", "log_index", "block_hash", "tx_hash", "timestamp", "kind",
                    "batch_id", "from_account", "to_account", "from_side", "to_side", "quantity",
                    "first_international", "record_id")  # fmt: skip
MOVEMENT_RANGE_COLUMNS = ("block_number", "log_index", "seq", "batch_id", "first", "last", "kind",
                          "block_hash", "tx_hash", "timestamp")  # fmt: skip
HOLDING_RANGE_COLUMNS = ("batch_id", "first", "block_number", "log_index", "account", "last",
                         "block_hash", "tx_hash", "timestamp", "spent_block_number",
                         "spent_log_index", "spent_block_hash", "spent_tx_hash")  # fmt: skip
_SPENT = slice(9, 13)
"""Where a pending holding-range row keeps the event that spent it."""
HOLDING_COLUMNS = ("account", "batch_id", "balance", "block_number", "log_index", "block_hash",
                   "tx_hash", "timestamp")  # fmt: skip


class IndexIntegrityError(RuntimeError):
    """An event contradicts the index (e.g. credits moved that the sender does not hold)."""


# The names the index stores for the contracts' enums: each member's key, in on-chain order.
ACCOUNT_KINDS = AccountKind.keys()
AUTHORIZATIONS = Authorization.keys()
RETIREMENT_PURPOSES = RetirementPurpose.keys()
CANCELLATION_REASONS = CancellationReason.keys()
DECISION_KINDS = DecisionKind.keys()
RETIREMENT = AccountKind.RETIREMENT.key
CANCELLATION = AccountKind.CANCELLATION.key


def enum_name(names: tuple[str, ...], value: int) -> str:
    """The name the index stores for an on-chain enum value.

    Raises:
        IndexIntegrityError: the value is outside the enum (a contract newer than this indexer).
    """
    if not 0 <= value < len(names):
        raise IndexIntegrityError(f"enum value {value} is not one of {names}")
    return names[value]


@dataclass(slots=True)
class DecodedLog:
    """A log with where it came from, its topics and data kept as the node answered them; its
    arguments are decoded on first use (:attr:`args`), so a log that is only kept verbatim
    (:data:`NOT_INDEXED`, or a ``TransferSingle`` that is not a mint: half of a transfer's logs)
    is never decoded."""

    role: ContractRole
    name: str
    address: str
    topics: list[str]
    data: str
    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    timestamp: int
    spec: EventSpec = field(repr=False, compare=False)
    _args: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _provenance: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def args(self) -> dict[str, Any]:
        """The decoded, normalised arguments (:meth:`api.abi.EventSpec.decode`).

        Raises:
            ValueError: the log does not decode as its event.
        """
        args = self._args
        if args is None:
            args = self._args = self.spec.decode(self.topics[1:], self.data)
        return args

    @property
    def provenance(self) -> dict[str, Any]:
        """The provenance columns of rows this log creates (computed once; callers copy it)."""
        kept = self._provenance
        if kept is None:
            kept = self._provenance = {
                "block_number": self.block_number,
                "log_index": self.log_index,
                "block_hash": self.block_hash,
                "tx_hash": self.tx_hash,
                "timestamp": self.timestamp,
            }
        return kept


@dataclass
class AccountFacts:
    """What the applier needs to know of an account."""

    side: str
    kind: str


@dataclass(slots=True)
class _Mint:
    """One allocation of an issuance, as its ``TransferSingle`` from the zero address gave it."""

    account: str
    quantity: int
    log: DecodedLog


@dataclass(slots=True)
class _Piece:
    first: int
    last: int
    block_number: int
    log_index: int
    row: list[Any] | None  # the pending insert (HOLDING_RANGE_COLUMNS), if created in this range


HELD_CACHE_LIMIT = 100_000
"""Most holdings whose pieces and balance :class:`IndexCache` keeps between ranges (about 1 KB
each); past it the cache starts again empty, so a registry of millions of holdings costs bounded
memory and the busy ones are soon cached again."""


@dataclass
class IndexCache:
    """What the applier keeps across block ranges: facts that never change once indexed (accounts'
    sides and kinds, sides' sink accounts), and the committed pieces and balance of the holdings
    recent ranges touched, so that a busy holding is not read back from the database in every
    range (that was one query per holding and range). Cleared whenever a transaction fails or
    blocks are rolled back; the holdings also when the checkpoint is not the one this cache
    followed (another indexer wrote the database in between)."""

    accounts: dict[str, AccountFacts] = field(default_factory=dict)
    sinks: dict[tuple[str, str], str] = field(default_factory=dict)
    pieces: dict[tuple[str, int], list[_Piece]] = field(default_factory=dict)
    balances: dict[tuple[str, int], int] = field(default_factory=dict)
    block: int | None = None
    """The checkpoint the cached holdings are as of (``None``: none cached)."""

    def follow(self, checkpoint: int) -> None:
        """Keep the cached holdings only if they are as of ``checkpoint``."""
        if self.block != checkpoint:
            self.pieces.clear()
            self.balances.clear()
            self.block = checkpoint

    def clear(self) -> None:
        """Forget everything (after a rollback or a failed transaction)."""
        self.accounts.clear()
        self.sinks.clear()
        self.pieces.clear()
        self.balances.clear()
        self.block = None


@dataclass(slots=True)
class _HoldingState:
    balance: int
    stored: bool
    log: DecodedLog | None = None  # the latest movement that changed it


def _ignore(_applier: Applier, _log: DecodedLog) -> None:
    """The handler of an event that is only kept verbatim (:data:`NOT_INDEXED`)."""


class Applier(GovernanceHandlers, Article6Handlers):
    """Applies decoded events to the index inside the caller's transaction (the governance
    events' handlers are in :mod:`api.apply_governance`, Article 6's in
    :mod:`api.apply_article6`).

    Args:
        session: the open session (its transaction commits the range together with the checkpoint).
        cache: facts kept across ranges.
    """

    def __init__(self, session: Session, cache: IndexCache) -> None:
        self.session = session
        self.cache = cache
        self._rows: dict[type[Base], list[dict[str, Any]]] = {}
        self._events: list[tuple[Any, ...]] = []
        self._movements: list[tuple[Any, ...]] = []
        self._movement_ranges: list[tuple[Any, ...]] = []
        self._holding_ranges: list[list[Any]] = []
        # Each batch's mints, in log order, until its BatchIssued (same transaction) gives their
        # serials.
        self._mints: dict[int, list[_Mint]] = {}
        # The batches a ``SerialsFirstTransferred`` first-transferred whole at their issuance
        # (before their BatchIssued): their issuance transfers nothing to Japan of its own.
        self._whole_at_issuance: set[int] = set()
        # Pieces of the holdings this range touched, shared with the cache (their ``row`` is reset
        # once written; the cache is dropped if the transaction fails).
        self._pieces = cache.pieces
        self._touched: set[tuple[str, int]] = set()
        self._spent: list[dict[str, Any]] = []
        self._holdings: dict[tuple[str, int], _HoldingState] = {}
        self._handlers: dict[str, Callable[[Applier, DecodedLog], None]] = {}
        self.applied = 0

    # -- lookups -----------------------------------------------------------------------------------

    def _account(self, address: str) -> AccountFacts:
        facts = self.cache.accounts.get(address)
        if facts is None:
            row = self.session.execute(
                select(Account.side, Account.kind).where(Account.address == address)
            ).first()
            if row is None:
                raise IndexIntegrityError(
                    f"credits moved to or from {address}, which has no account"
                )
            facts = AccountFacts(side=row.side, kind=row.kind)
            self.cache.accounts[address] = facts
        return facts

    def _sink(self, side: str, kind: str) -> str:
        key = (side, kind)
        address = self.cache.sinks.get(key)
        if address is None:
            address = self.session.execute(
                select(Account.address).where(Account.side == key[0], Account.kind == key[1])
            ).scalar()
            if address is None:
                raise IndexIntegrityError(f"side {side} has no {key[1]} account")
            self.cache.sinks[key] = address
        return address

    def _load_pieces(self, account: str, batch_id: int) -> list[_Piece]:
        key = (account, batch_id)
        pieces = self._pieces.get(key)
        if pieces is None:
            t = table_of(HoldingRange)
            rows = self.session.execute(
                select(t.c.first, t.c.last, t.c.block_number, t.c.log_index)
                .where(
                    t.c.account == account,
                    t.c.batch_id == batch_id,
                    t.c.spent_block_number.is_(None),
                )
                .order_by(t.c.first)
            ).all()
            pieces = [_Piece(r.first, r.last, r.block_number, r.log_index, None) for r in rows]
            self._pieces[key] = pieces
        self._touched.add(key)
        return pieces

    def _holding(self, account: str, batch_id: int) -> _HoldingState:
        key = (account, batch_id)
        state = self._holdings.get(key)
        if state is None:
            balance = self.cache.balances.get(key)
            if balance is None:
                t = table_of(Holding)
                row = self.session.execute(
                    select(t.c.balance).where(t.c.account == account, t.c.batch_id == batch_id)
                ).first()
                balance = row.balance if row else None
            state = _HoldingState(balance=balance or 0, stored=balance is not None)
            self._holdings[key] = state
        return state

    # -- writes ------------------------------------------------------------------------------------

    def _add(self, model: type[Base], row: dict[str, Any]) -> None:
        self._rows.setdefault(model, []).append(row)

    def _set_ranges(
        self, account: str, batch_id: int, new: list[rng.Range], log: DecodedLog
    ) -> None:
        """Replace a holding's pieces by ``new``: pieces no longer present are spent by ``log``,
        new ones are created by it."""
        key = (account, batch_id)
        kept = {(p.first, p.last): p for p in self._pieces[key]}
        result: list[_Piece] = []
        for first, last in new:
            piece = kept.pop((first, last), None)
            if piece is None:
                row: list[Any] = [
                    batch_id, first, log.block_number, log.log_index, account, last,
                    log.block_hash, log.tx_hash, log.timestamp, None, None, None, None,
                ]  # fmt: skip
                self._holding_ranges.append(row)
                piece = _Piece(first, last, log.block_number, log.log_index, row)
            result.append(piece)
        for piece in kept.values():
            if piece.row is not None:
                piece.row[_SPENT] = (log.block_number, log.log_index, log.block_hash, log.tx_hash)
            else:
                self._spent.append(
                    {
                        "k_batch": batch_id,
                        "k_first": piece.first,
                        "k_block": piece.block_number,
                        "k_log": piece.log_index,
                        "v_spent_block_number": log.block_number,
                        "v_spent_log_index": log.log_index,
                        "v_spent_block_hash": log.block_hash,
                        "v_spent_tx_hash": log.tx_hash,
                    }
                )
        self._pieces[key] = result

    def _credit(self, account: str, batch_id: int, quantity: int, log: DecodedLog) -> None:
        state = self._holding(account, batch_id)
        state.balance += quantity
        state.log = log

    def _debit(self, account: str, batch_id: int, quantity: int, log: DecodedLog) -> None:
        state = self._holding(account, batch_id)
        if state.balance < quantity:
            raise IndexIntegrityError(
                f"{account} moved {quantity} credits of batch {batch_id} but holds {state.balance}"
            )
        state.balance -= quantity
        state.log = log

    def _receive(
        self, account: str, batch_id: int, moved: list[rng.Range], log: DecodedLog
    ) -> None:
        held = [(p.first, p.last) for p in self._load_pieces(account, batch_id)]
        try:
            self._set_ranges(account, batch_id, rng.add(held, moved), log)
        except rng.RangeError as exc:
            raise IndexIntegrityError(f"{account}, batch {batch_id}: {exc}") from exc
        self._credit(account, batch_id, rng.size(moved), log)

    def _give(self, account: str, batch_id: int, moved: list[rng.Range], log: DecodedLog) -> None:
        held = [(p.first, p.last) for p in self._load_pieces(account, batch_id)]
        try:
            self._set_ranges(account, batch_id, rng.subtract(held, moved), log)
        except rng.RangeError as exc:
            raise IndexIntegrityError(f"{account}, batch {batch_id}: {exc}") from exc
        self._debit(account, batch_id, rng.size(moved), log)

    def _movement(
        self,
        log: DecodedLog,
        *,
        kind: str,
        batch_id: int,
        from_account: str | None,
        to_account: str,
        from_side: str | None,
        to_side: str,
        moved: list[rng.Range],
        first_international: bool = False,
        record_id: int | None = None,
    ) -> None:
        quantity = rng.size(moved)
        self._movements.append(
            (log.block_number, log.log_index, log.block_hash, log.tx_hash, log.timestamp, kind,
             batch_id, from_account, to_account, from_side, to_side, quantity,
             first_international, record_id)
        )  # fmt: skip
        for seq, (first, last) in enumerate(moved):
            self._movement_ranges.append(
                (log.block_number, log.log_index, seq, batch_id, first, last, kind,
                 log.block_hash, log.tx_hash, log.timestamp)
            )  # fmt: skip

    # -- events ------------------------------------------------------------------------------------

    def apply(self, log: DecodedLog) -> None:
        """Apply one decoded log (every log is also kept verbatim in ``events``).

        Raises:
            IndexIntegrityError: the log contradicts what was indexed before it.
        """
        self._events.append(
            (log.block_number, log.log_index, log.block_hash, log.tx_hash, log.timestamp,
             log.tx_index, log.address, log.name, " ".join(log.topics), log.data)
        )  # fmt: skip
        handler = self._handlers.get(log.name)
        if handler is None:
            handler = getattr(type(self), f"_on_{log.name}", _ignore)
            self._handlers[log.name] = handler
        handler(self, log)
        self.applied += 1

    def _on_CountryAdded(self, log: DecodedLog) -> None:
        a = log.args
        self._add(Country, {**log.provenance, "code": a["country"], "committee": a["committee"]})
        self._add(
            CommitteeAssignment,
            {
                **log.provenance,
                "country": a["country"],
                "committee": a["committee"],
                "previous": None,
            },
        )

    def _on_CommitteeSet(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            CommitteeAssignment,
            {
                **log.provenance,
                "country": a["country"],
                "committee": a["committee"],
                "previous": a["previousCommittee"],
            },
        )

    def _on_MembersChanged(self, log: DecodedLog) -> None:
        if log.role != "committee":
            return
        a = log.args
        self._add(
            CommitteeMembership,
            {
                **log.provenance,
                "committee": log.address,
                "nonce": a["nonce"],
                "japan_threshold": a["japanThreshold"],
                "partner_threshold": a["partnerThreshold"],
            },
        )
        for side, members in (
            (MemberSide.JAPAN.key, a["japanMembers"]),
            (MemberSide.PARTNER.key, a["partnerMembers"]),
        ):
            for position, member in enumerate(members):
                self._add(
                    CommitteeMember,
                    {
                        **log.provenance,
                        "committee": log.address,
                        "nonce": a["nonce"],
                        "member": member,
                        "side": side,
                        "position": position,
                    },
                )

    def _on_DecisionExecuted(self, log: DecodedLog) -> None:
        if log.role != "committee":
            return
        a = log.args
        self._add(
            Decision,
            {
                **log.provenance,
                "committee": log.address,
                "digest": a["digest"],
                "kind": enum_name(DECISION_KINDS, a["kind"]),
                "nonce": a["nonce"],
                "submitter": a["submitter"],
                "signers": json.dumps(a["signers"]),
            },
        )

    def _on_AccountOpened(self, log: DecodedLog) -> None:
        a = log.args
        kind = enum_name(ACCOUNT_KINDS, a["kind"])
        self._add(
            Account,
            {
                **log.provenance,
                "address": a["account"],
                "side": a["side"],
                "kind": kind,
                "holder_name": a["holderName"],
                "registrar": a["registrar"],
            },
        )
        self.cache.accounts[a["account"]] = AccountFacts(side=a["side"], kind=kind)
        if kind in (RETIREMENT, CANCELLATION):
            self.cache.sinks[(a["side"], kind)] = a["account"]

    def _status(self, log: DecodedLog, status: str) -> None:
        self._add(
            AccountStatusChange,
            {
                **log.provenance,
                "address": log.args["account"],
                "status": status,
                "registrar": log.args["registrar"],
            },
        )

    def _on_AccountFrozen(self, log: DecodedLog) -> None:
        self._status(log, AccountStatus.FROZEN.key)

    def _on_AccountUnfrozen(self, log: DecodedLog) -> None:
        self._status(log, AccountStatus.ACTIVE.key)

    def _on_AccountClosed(self, log: DecodedLog) -> None:
        self._status(log, AccountStatus.CLOSED.key)

    def _on_ProjectRegistered(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            Project,
            {
                **log.provenance,
                "ref": a["ref"],
                "project_key": a["projectKey"],
                "country": a["country"],
                "title": a["title"],
                "methodology": a["methodology"],
                "pdd_hash": a["pddHash"],
                "validation_report_hash": a["validationReportHash"],
            },
        )

    def _on_TransferSingle(self, log: DecodedLog) -> None:
        """Keep an issuance's mint (from the zero address) until its batch's ``BatchIssued``. Any
        other ``TransferSingle`` mirrors a ``CreditsTransferred``, ``CreditsRetired`` or
        ``CreditsCancelled`` of the same transaction, which carries its exact ranges: it is only
        kept verbatim, undecoded (``from`` is read from its topic)."""
        if log.role != "registry" or int(log.topics[2], 16) != 0:
            return
        a = log.args
        self._mints.setdefault(a["id"], []).append(_Mint(a["to"], a["value"], log))

    def _on_BatchIssued(self, log: DecodedLog) -> None:
        """A batch and its allocations: the ledger's mints before it in the same transaction credit
        the accounts, and their serials follow the rule of ``IJCMRegistry.mint`` (Japan's
        allocations take the batch's lowest serials, the host's the rest, each side in the
        decision's order, which is the mints' log order)."""
        info = log.args["batch"]
        batch_id = log.args["batchId"]
        mints = self._mints.pop(batch_id, None)
        if mints is None:
            raise IndexIntegrityError(
                f"BatchIssued for batch {batch_id} without its mints (TransferSingle from the "
                "zero address)"
            )
        to_japan = self._credit_allocations(batch_id, info, mints)
        whole = batch_id in self._whole_at_issuance
        self._whole_at_issuance.discard(batch_id)
        if info["authorization"] != Authorization.NONE and to_japan and not whole:
            self._first_transfer_at_issuance(log, batch_id, info["country"], to_japan)
        self._add(
            Batch,
            {
                **log.provenance,
                "id": batch_id,
                "created_log_index": mints[0].log.log_index,
                "country": info["country"],
                "first_serial": info["firstSerial"],
                "last_serial": info["lastSerial"],
                "quantity": info["quantity"],
                "project_ref": info["projectRef"],
                "vintage": info["vintage"],
                "monitoring_start": info["monitoringStart"],
                "monitoring_end": info["monitoringEnd"],
                "verified_reductions": info["verifiedReductions"],
                "decision_id": info["decisionId"],
                "decision_ref": info["decisionRef"],
                "verification_report_hash": info["verificationReportHash"],
                "authorization": enum_name(AUTHORIZATIONS, info["authorization"]),
                "authorization_id": info["authorizationId"],
                "authorization_date": info["authorizationDate"],
            },
        )

    def _credit_allocations(self, batch_id: int, info: dict[str, Any], mints: list[_Mint]) -> int:
        """Credit each mint of a batch its serials: Japan's from the batch's first serial on, the
        host's after Japan's share, each side in log order. Returns Japan's share: the batch's
        lowest serials, from its first, which an authorized issuance first-transfers to Japan."""
        country, first, last = info["country"], info["firstSerial"], info["lastSerial"]
        quantity = info["quantity"]
        minted = sum(m.quantity for m in mints)
        if last - first + 1 != quantity or minted != quantity:
            raise IndexIntegrityError(
                f"batch {batch_id}: serials {first}-{last} and quantity {quantity}, but its mints "
                f"credit {minted}"
            )
        sides = [self._account(m.account).side for m in mints]
        for mint, side in zip(mints, sides, strict=True):
            if mint.quantity <= 0 or side not in (JAPAN, country):
                raise IndexIntegrityError(
                    f"batch {batch_id} of {country}: {mint.quantity} credits minted to "
                    f"{mint.account} of registry {side}"
                )
        to_japan = sum(m.quantity for m, side in zip(mints, sides, strict=True) if side == JAPAN)
        japan_next, host_next = first, first + to_japan
        for mint, side in zip(mints, sides, strict=True):
            if side == JAPAN:
                start, japan_next = japan_next, japan_next + mint.quantity
            else:
                start, host_next = host_next, host_next + mint.quantity
            moved = [(start, start + mint.quantity - 1)]
            self._receive(mint.account, batch_id, moved, mint.log)
            self._movement(
                mint.log,
                kind="issuance",
                batch_id=batch_id,
                from_account=None,
                to_account=mint.account,
                from_side=None,
                to_side=side,
                moved=moved,
            )
        return to_japan

    def _on_CreditsTransferred(self, log: DecodedLog) -> None:
        a = log.args
        moved = [(r["first"], r["last"]) for r in a["ranges"]]
        self._give(a["from"], a["batchId"], moved, log)
        self._receive(a["to"], a["batchId"], moved, log)
        # The event leaves the sides out (the accounts' sides never change: AccountOpened has them).
        self._movement(
            log,
            kind="international_transfer" if a["international"] else "transfer",
            batch_id=a["batchId"],
            from_account=a["from"],
            to_account=a["to"],
            from_side=self._account(a["from"]).side,
            to_side=self._account(a["to"]).side,
            moved=moved,
            first_international=bool(a["firstInternational"]),
        )

    def _consume(self, log: DecodedLog, sink_kind: str, kind: str, record_id: int) -> str:
        """Move ``ranges`` of ``account`` into its side's sink account; returns the sink."""
        a = log.args
        account = a["account"]
        side = self._account(account).side
        sink = self._sink(side, sink_kind)
        moved = [(r["first"], r["last"]) for r in a["ranges"]]
        self._give(account, a["batchId"], moved, log)
        self._credit(sink, a["batchId"], rng.size(moved), log)
        self._movement(
            log,
            kind=kind,
            batch_id=a["batchId"],
            from_account=account,
            to_account=sink,
            from_side=side,
            to_side=side,
            moved=moved,
            record_id=record_id,
        )
        return sink

    def _check_record(self, log: DecodedLog, sink: str, sink_field: str, time_field: str) -> None:
        """A record event is the whole record (the ledger keeps only its hash): its quantity is
        the size of its ranges, it names the holder's side's sink account, and its time is its
        block's."""
        a = log.args
        size = rng.size([(r["first"], r["last"]) for r in a["ranges"]])
        if a["quantity"] != size:
            raise IndexIntegrityError(
                f"{log.name} of batch {a['batchId']}: quantity {a['quantity']} but its ranges "
                f"hold {size} serials"
            )
        if a[sink_field] != sink:
            raise IndexIntegrityError(
                f"{log.name} of batch {a['batchId']}: names {a[sink_field]} as the sink, but "
                f"the account's side's is {sink}"
            )
        if a[time_field] != log.timestamp:
            raise IndexIntegrityError(
                f"{log.name} of batch {a['batchId']}: dated {a[time_field]}, but its block is "
                f"of {log.timestamp}"
            )

    def _on_CreditsRetired(self, log: DecodedLog) -> None:
        a = log.args
        sink = self._consume(log, RETIREMENT, "retirement", a["retirementId"])
        self._check_record(log, sink, "retirementAccount", "retiredAt")
        self._add(
            RetirementRecord,
            {
                **log.provenance,
                "id": a["retirementId"],
                "batch_id": a["batchId"],
                "account": a["account"],
                "retirement_account": sink,
                "side": self._account(a["account"]).side,
                "using_party": a["usingParty"],
                "purpose": enum_name(RETIREMENT_PURPOSES, a["purpose"]),
                "quantity": a["quantity"],
                "beneficiary": a["beneficiary"],
                "note": a["note"],
            },
        )

    def _on_CreditsCancelled(self, log: DecodedLog) -> None:
        a = log.args
        reason = enum_name(CANCELLATION_REASONS, a["reason"])
        kind = "correction" if reason == "correction" else "cancellation"
        sink = self._consume(log, CANCELLATION, kind, a["cancellationId"])
        self._check_record(log, sink, "cancellationAccount", "cancelledAt")
        zero = "0x" + "00" * 32
        self._add(
            CancellationRecord,
            {
                **log.provenance,
                "id": a["cancellationId"],
                "batch_id": a["batchId"],
                "account": a["account"],
                "cancellation_account": sink,
                "side": self._account(a["account"]).side,
                "reason": reason,
                "quantity": a["quantity"],
                "decision_id": None if a["decisionId"] == zero else a["decisionId"],
                "note": a["note"],
            },
        )

    def _on_CreditsCorrected(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            Correction,
            {
                **log.provenance,
                "decision_id": a["decisionId"],
                "batch_id": a["batchId"],
                "account": a["account"],
                "first_serial": a["firstSerial"],
                "last_serial": a["lastSerial"],
                "cancellation_id": a["cancellationId"],
            },
        )

    # -- flush -------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything applied so far with bulk statements (still inside the transaction).

        Raises:
            IndexIntegrityError: credits were minted without their batch's ``BatchIssued`` (a range
                holds whole transactions, so the ledger never leaves one pending).
        """
        if self._mints:
            batch_id = next(iter(self._mints))
            raise IndexIntegrityError(f"credits of batch {batch_id} minted without its BatchIssued")
        for model, rows in self._rows.items():
            bulk.insert_rows(self.session, table_of(model), rows)
        self._rows.clear()
        for table, columns, tuples in (
            (table_of(Event), EVENT_COLUMNS, self._events),
            (table_of(Movement), MOVEMENT_COLUMNS, self._movements),
            (table_of(MovementRange), MOVEMENT_RANGE_COLUMNS, self._movement_ranges),
            (table_of(HoldingRange), HOLDING_RANGE_COLUMNS, self._holding_ranges),
        ):
            bulk.insert_tuples(self.session, table, columns, tuples)
            tuples.clear()
        if self._spent:
            t = table_of(HoldingRange)
            self.session.execute(
                update(t)
                .where(
                    and_(
                        t.c.batch_id == bindparam("k_batch"),
                        t.c.first == bindparam("k_first"),
                        t.c.block_number == bindparam("k_block"),
                        t.c.log_index == bindparam("k_log"),
                    )
                )
                .values(
                    spent_block_number=bindparam("v_spent_block_number"),
                    spent_log_index=bindparam("v_spent_log_index"),
                    spent_block_hash=bindparam("v_spent_block_hash"),
                    spent_tx_hash=bindparam("v_spent_tx_hash"),
                ),
                self._spent,
            )
            self._spent = []
        self._flush_holdings()
        for key in self._touched:
            for piece in self._pieces[key]:
                piece.row = None  # written now: a later spend is an update
        self._touched.clear()
        if len(self._pieces) > HELD_CACHE_LIMIT:
            self._pieces.clear()

    def _flush_holdings(self) -> None:
        t = table_of(Holding)
        new: list[Sequence[Any]] = []
        changed: list[dict[str, Any]] = []
        for (account, batch_id), state in self._holdings.items():
            log = state.log
            if log is None:  # looked at, never changed
                continue
            row = (account, batch_id, state.balance, log.block_number, log.log_index,
                   log.block_hash, log.tx_hash, log.timestamp)  # fmt: skip
            if state.stored:
                changed.append({f"v_{k}": v for k, v in zip(HOLDING_COLUMNS, row, strict=True)})
            else:
                new.append(row)
        bulk.insert_tuples(self.session, t, HOLDING_COLUMNS, new)
        if changed:
            self.session.execute(
                update(t)
                .where(
                    and_(
                        t.c.account == bindparam("v_account"),
                        t.c.batch_id == bindparam("v_batch_id"),
                    )
                )
                .values(
                    balance=bindparam("v_balance"),
                    block_number=bindparam("v_block_number"),
                    log_index=bindparam("v_log_index"),
                    block_hash=bindparam("v_block_hash"),
                    tx_hash=bindparam("v_tx_hash"),
                    timestamp=bindparam("v_timestamp"),
                ),
                changed,
            )
        balances = self.cache.balances
        if len(balances) + len(self._holdings) > HELD_CACHE_LIMIT:
            balances.clear()
        for key, state in self._holdings.items():
            balances[key] = state.balance
        self._holdings.clear()
