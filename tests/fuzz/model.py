"""A Python model of the registry, used by the fuzzer only to choose actions and predict outcomes.

The model is never the oracle of the invariants: those are checked against the chain itself
(``support.invariants`` and ``fuzz.checks``). It predicts, for each call the fuzzer is about to
send, either success or the exact custom error the contracts raise first (mirroring the order of
their checks), so that a refusal that should not happen, or a call that should have been refused,
fails the test. After a success it applies the effect, so that the next prediction is right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from registry_client.decisions import decision_id
from registry_client.domain import (
    MAX_ALLOCATIONS,
    MAX_BATCHES_PER_PROJECT,
    MAX_MEMBERS_PER_SIDE,
    MAX_MONITORING_TIME,
    MAX_RANGES_PER_HOLDING,
    MAX_RANGES_PER_MOVE,
    MAX_TEXT_BYTES,
    MAX_VINTAGE,
    MIN_VINTAGE,
    PERIOD_ADJACENCY,
)
from registry_client.models import (
    AccountKind,
    AccountStatus,
    CancellationReason,
    RetirementPurpose,
)

from .world import JP

Range = tuple[int, int]
HOLDING_KINDS = (AccountKind.HOLDING, AccountKind.GOVERNMENT_HOLDING)


@dataclass(frozen=True)
class Expected:
    """A predicted refusal: the error's name and the arguments that must match (a subset)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.args.items())})"


Prediction = Expected | None


def _size(ranges: Sequence[Range]) -> int:
    return sum(b - a + 1 for a, b in ranges)


def take_lowest(ranges: Sequence[Range], quantity: int) -> tuple[list[Range], list[Range]] | None:
    """The ``quantity`` lowest serials as ranges, and what remains; None beyond the move bound."""
    taken: list[Range] = []
    rest = list(ranges)
    remaining = quantity
    while remaining:
        if len(taken) == MAX_RANGES_PER_MOVE:
            return None
        a, b = rest[0]
        if b - a + 1 <= remaining:
            taken.append((a, b))
            rest.pop(0)
            remaining -= b - a + 1
        else:
            taken.append((a, a + remaining - 1))
            rest[0] = (a + remaining, b)
            remaining = 0
    return taken, rest


def add_range(ranges: Sequence[Range], new: Range) -> list[Range] | None:
    """``ranges`` with ``new`` merged in; None when that would exceed the holding bound."""
    result = sorted([*ranges, new])
    merged: list[Range] = []
    for a, b in result:
        if merged and merged[-1][1] >= a:
            raise AssertionError(f"model: overlapping serials {merged[-1]} and {(a, b)}")
        if merged and merged[-1][1] + 1 == a:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > len(ranges) and len(merged) > MAX_RANGES_PER_HOLDING:
        return None
    return merged


def take_exact(ranges: Sequence[Range], first: int, last: int) -> tuple[list[Range] | None, str]:
    """Removes ``[first, last]``: (new ranges, "") or (None, "notHeld"). A correction may split a
    range beyond the holding bound (the contract exempts committee corrections from it)."""
    for i, (a, b) in enumerate(ranges):
        if a <= first <= b:
            if first > last or b < last:
                return None, "notHeld"
            pieces = [(x, y) for x, y in ((a, first - 1), (last + 1, b)) if x <= y]
            return [*ranges[:i], *pieces, *ranges[i + 1 :]], ""
    return None, "notHeld"


#: FirstTransferDefinition.UseOrCancellation
USE_OR_CANCEL = 3


def _add_part(parts: list[Range], part: Range) -> list[Range]:
    """``parts`` with ``part`` appended, merged into the last one when adjacent (one movement's
    parts, as JCMArticle6's ``_addPart``)."""
    if parts and parts[-1][1] + 1 == part[0]:
        return [*parts[:-1], (parts[-1][0], part[1])]
    return [*parts, part]


def _first_record_ending_at_or_after(batch: BatchModel, serial: int) -> int:
    return next(
        (i for i, (_, last) in enumerate(batch.first_transfers) if last >= serial),
        len(batch.first_transfers),
    )


def _not_first_transferred(batch: BatchModel, taken: Sequence[Range]) -> Prediction:
    """JCMArticle6's ``_requireFirstTransferred``: the first part never first transferred."""
    if batch.whole:
        return None
    records = batch.first_transfers
    for a, z in taken:
        cursor, i = a, _first_record_ending_at_or_after(batch, a)
        while cursor <= z:
            if i == len(records) or records[i][0] > cursor:
                end = z if i == len(records) or records[i][0] > z else records[i][0] - 1
                return Expected(
                    "Article6NotFirstTransferred",
                    {"batchId": batch.id, "first": cursor, "last": end},
                )
            if records[i][1] >= z:
                break
            cursor, i = records[i][1] + 1, i + 1
    return None


def _already_first_transferred(batch: BatchModel, taken: Sequence[Range]) -> Prediction:
    """JCMArticle6's ``_requireNeverFirstTransferred``: the first part first transferred."""
    for a, z in taken:
        if batch.whole:
            return Expected(
                "Article6AlreadyFirstTransferred", {"batchId": batch.id, "first": a, "last": z}
            )
        i = _first_record_ending_at_or_after(batch, a)
        if i < len(batch.first_transfers) and batch.first_transfers[i][0] <= z:
            r0, r1 = batch.first_transfers[i]
            return Expected(
                "Article6AlreadyFirstTransferred",
                {"batchId": batch.id, "first": max(a, r0), "last": min(z, r1)},
            )
    return None


@dataclass
class AccountModel:
    """An opened account."""

    address: str
    side: bytes
    kind: int
    status: int


@dataclass
class BatchModel:
    """An issued batch."""

    id: int
    country: bytes
    ref: str
    first: int
    last: int
    authorization: int
    #: JCMArticle6's first-transfer records (first, last), sorted; a movement's adjacent parts are
    #: merged, records of different movements never (as the contract keeps them)
    first_transfers: list[Range] = field(default_factory=list)
    #: a batch-level definition first-transferred every serial
    whole: bool = False
    #: serials the host retired toward its NDC
    host_ndc: int = 0

    @property
    def any_first_transfer(self) -> bool:
        """Whether any serial was first transferred (what locks the authorization)."""
        return self.whole or bool(self.first_transfers)


@dataclass
class ProjectModel:
    """A registered project."""

    ref: str
    country: bytes
    last_end: int = 0
    batches: int = 0
    #: (batch id, monitoring start, monitoring end) of each batch, in issuance order
    periods: list[tuple[int, int, int]] = field(default_factory=list)

    def gaps(self) -> list[tuple[int, int]]:
        """The spaces between the project's periods longer than ``PERIOD_ADJACENCY``, as
        ``(previous end, next start)``, sorted: those a later period may still fill."""
        spans = sorted((start, end) for _, start, end in self.periods)
        return [
            (previous_end, next_start)
            for (_, previous_end), (next_start, _) in pairwise(spans)
            if next_start - previous_end > PERIOD_ADJACENCY
        ]

    def period_free(self, start: int, end: int) -> bool:
        """Whether ``[start, end]`` fits: after the latest period, before the first, or strictly
        within a gap."""
        if not self.periods:
            return True
        if start > max(e for _, _, e in self.periods) or end < min(s for _, s, _ in self.periods):
            return True
        return any(after < start and end < before for after, before in self.gaps())


@dataclass
class CommitteeModel:
    """A joint committee's membership."""

    country: bytes
    address: str
    nonce: int
    japan: list[str]
    partner: list[str]
    japan_threshold: int
    partner_threshold: int


@dataclass(frozen=True)
class SignatureEntry:
    """One submitted signature: who it claims to be from, and whether it is a valid one."""

    signer: str
    valid: bool


@dataclass
class Model:
    """What the fuzzer believes the chain holds."""

    admin: str
    registrars: dict[bytes, str]
    authorities: dict[bytes, str]
    sinks: dict[bytes, tuple[str, str]]
    committees: dict[bytes, CommitteeModel]
    accounts: dict[str, AccountModel] = field(default_factory=dict)
    holdings: dict[tuple[str, int], list[Range]] = field(default_factory=dict)
    batches: dict[int, BatchModel] = field(default_factory=dict)
    projects: dict[str, ProjectModel] = field(default_factory=dict)
    #: (country, decision id) of corrections: ids are namespaced by the deciding committee's
    #: country (issuances keep no decision-id marker: each uses up its report)
    correction_ids: set[tuple[bytes, str]] = field(default_factory=set)
    #: verification report hash -> the batch issued for it (one issuance per report)
    reports: dict[str, int] = field(default_factory=dict)
    documents: set[str] = field(default_factory=set)
    executed: set[str] = field(default_factory=set)
    paused: bool = False
    paused_by: bytes | None = None
    #: sides whose authority paused in this run (each may pause again only 7 days after)
    cooling: set[bytes] = field(default_factory=set)
    latest_serial: int = 0
    #: each country's first-transfer definition (FirstTransferDefinition; 0 by default)
    definitions: dict[bytes, int] = field(default_factory=dict)
    #: countries with a first-transferred unit (their definition is fixed)
    first_transferring: set[bytes] = field(default_factory=set)

    # --- reading ----------------------------------------------------------------------------------

    def balance(self, account: str, batch_id: int) -> int:
        """Credits of a batch an account holds (sinks are not modelled: they never send)."""
        return _size(self.holdings.get((account, batch_id), []))

    def non_empty(self) -> list[tuple[str, int]]:
        """Every (account, batch) holding with credits, in a stable order."""
        return sorted(key for key, ranges in self.holdings.items() if ranges)

    def holdings_of(self, account: str) -> int:
        """How many batches the account holds credits of."""
        return sum(1 for (a, _), ranges in self.holdings.items() if a == account and ranges)

    def _account(self, address: str) -> AccountModel | None:
        return self.accounts.get(address)

    # --- shared checks, in the contracts' order -------------------------------------------------

    def _holder_check(self, address: str) -> Prediction:
        """``_requireSendingAccount`` / ``_requireReceivingAccount``."""
        account = self._account(address)
        if account is None:
            return Expected("RegistryUnknownAccount", {"account": address})
        if account.kind not in HOLDING_KINDS:
            return Expected(
                "RegistryInvalidAccountKind", {"account": address, "kind": account.kind}
            )
        if account.status != AccountStatus.ACTIVE:
            return Expected(
                "RegistryAccountNotActive", {"account": address, "status": account.status}
            )
        return None

    def _move_check(
        self, sender: str, batch_id: int, quantity: int
    ) -> tuple[Prediction, list[Range]]:
        """``_move``'s checks on the sending holding; returns the ranges it would take."""
        if quantity == 0:
            return Expected("RegistryZeroQuantity"), []
        balance = self.balance(sender, batch_id)
        if balance < quantity:
            if batch_id not in self.batches:
                return Expected("RegistryUnknownBatch", {"batchId": batch_id}), []
            return (
                Expected(
                    "RegistryInsufficientCredits",
                    {
                        "account": sender,
                        "batchId": batch_id,
                        "balance": balance,
                        "needed": quantity,
                    },
                ),
                [],
            )
        taken = take_lowest(self.holdings[(sender, batch_id)], quantity)
        if taken is None:
            return (
                Expected(
                    "RegistryTooManyRanges",
                    {"account": sender, "batchId": batch_id, "max": MAX_RANGES_PER_MOVE},
                ),
                [],
            )
        return None, taken[0]

    def _paused(self) -> Prediction:
        return Expected("RegistryPaused", {"side": self.paused_by}) if self.paused else None

    # --- holders ----------------------------------------------------------------------------------

    def predict_transfer(self, sender: str, to: str, batch_id: int, quantity: int) -> Prediction:
        """``JCMRegistry.transfer``."""
        refusal = self._paused() or self._holder_check(sender) or self._holder_check(to)
        if refusal:
            return refusal
        if to == sender:
            return Expected("RegistrySelfTransfer", {"account": to})
        from_side, to_side = self.accounts[sender].side, self.accounts[to].side
        refusal, taken = self._move_check(sender, batch_id, quantity)
        if refusal:
            return refusal
        receiving = list(self.holdings.get((to, batch_id), []))
        for piece in taken:
            merged = add_range(receiving, piece)
            if merged is None:
                return Expected(
                    "RegistryHoldingTooFragmented",
                    {"account": to, "batchId": batch_id, "max": MAX_RANGES_PER_HOLDING},
                )
            receiving = merged
        if from_side != to_side:  # JCMArticle6, after the registry's own checks
            batch = self.batches[batch_id]
            if batch.authorization == 0:
                return Expected(
                    "Article6TransferNotAuthorized",
                    {"batchId": batch_id, "fromSide": from_side, "toSide": to_side},
                )
            if not batch.whole and from_side != batch.country:
                return _not_first_transferred(batch, taken)
        return None

    def apply_transfer(self, sender: str, to: str, batch_id: int, quantity: int) -> None:
        """Effect of a successful transfer (out of the host's registry: a first transfer)."""
        taken = take_lowest(self.holdings[(sender, batch_id)], quantity)
        assert taken is not None
        pieces, rest = taken
        batch = self.batches[batch_id]
        from_side, to_side = self.accounts[sender].side, self.accounts[to].side
        if from_side != to_side and from_side == batch.country:
            self._first_transfer(batch, pieces)
        self.holdings[(sender, batch_id)] = rest
        receiving = self.holdings.get((to, batch_id), [])
        for piece in pieces:
            merged = add_range(receiving, piece)
            assert merged is not None
            receiving = merged
        self.holdings[(to, batch_id)] = receiving

    def predict_retire(
        self, sender: str, batch_id: int, quantity: int, using_party: bytes, purpose: int = 1
    ) -> Prediction:
        """``JCMRegistry.retire`` (short texts), then JCMArticle6 for an NDC retirement."""
        refusal = self._paused() or self._holder_check(sender)
        if refusal:
            return refusal
        if using_party not in self.registrars:
            return Expected("RegistryUnknownUsingParty", {"usingParty": using_party})
        refusal, taken = self._move_check(sender, batch_id, quantity)
        if refusal or purpose != RetirementPurpose.NDC:
            return refusal
        batch, side = self.batches[batch_id], self.accounts[sender].side
        if using_party != side:
            return Expected(
                "Article6UsingPartyNotHolder",
                {"batchId": batch_id, "usingParty": using_party, "side": side},
            )
        if side == batch.country:
            return _already_first_transferred(batch, taken)
        if not batch.authorization & 1:
            return Expected(
                "Article6NotAuthorizedForNDC",
                {"batchId": batch_id, "authorization": batch.authorization},
            )
        return _not_first_transferred(batch, taken)

    def predict_cancel(self, sender: str, batch_id: int, quantity: int, reason: int) -> Prediction:
        """``JCMRegistry.cancel`` (short note), then JCMArticle6 for an OIMP cancellation."""
        refusal = self._paused() or self._holder_check(sender)
        if refusal:
            return refusal
        if reason == CancellationReason.CORRECTION:
            return Expected("RegistryReservedCancellationReason", {"reason": reason})
        refusal, taken = self._move_check(sender, batch_id, quantity)
        if refusal or reason != CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES:
            return refusal
        batch, side = self.batches[batch_id], self.accounts[sender].side
        if not batch.authorization & 2:
            return Expected(
                "Article6NotAuthorizedForOIMP",
                {"batchId": batch_id, "authorization": batch.authorization},
            )
        if batch.whole or (side == batch.country and self._definition(batch) == USE_OR_CANCEL):
            return None
        return _not_first_transferred(batch, taken)

    def apply_consume(
        self, sender: str, batch_id: int, quantity: int, use: str = "voluntary"
    ) -> None:
        """Effect of a successful retirement or cancellation on the sender; ``use`` is ``ndc`` or
        ``oimp`` for what JCMArticle6 records."""
        taken = take_lowest(self.holdings[(sender, batch_id)], quantity)
        assert taken is not None
        self.holdings[(sender, batch_id)] = taken[1]
        batch, side = self.batches[batch_id], self.accounts[sender].side
        if use == "ndc" and side == batch.country:
            batch.host_ndc += quantity
        if use == "oimp" and side == batch.country and self._definition(batch) == USE_OR_CANCEL:
            self._first_transfer(batch, taken[0])

    # --- Article 6 ------------------------------------------------------------------------------

    def _definition(self, batch: BatchModel) -> int:
        return self.definitions.get(batch.country, 0)

    def _batch_level(self, batch: BatchModel) -> bool:
        """Whether the country's definition first-transfers the whole (OIMP-authorized) batch."""
        return bool(batch.authorization & 2) and self._definition(batch) in (1, 2)

    def _first_transfer(self, batch: BatchModel, ranges: Sequence[Range]) -> None:
        """Records the parts of ``ranges`` not first transferred yet (as JCMArticle6 does)."""
        if batch.whole:
            return
        parts: list[Range] = []
        for a, z in ranges:
            cursor = a
            for r0, r1 in batch.first_transfers:
                if r1 < cursor or r0 > z:
                    continue
                if r0 > cursor:
                    parts = _add_part(parts, (cursor, r0 - 1))
                cursor = r1 + 1
            if cursor <= z:
                parts = _add_part(parts, (cursor, z))
        if parts:
            batch.first_transfers = sorted([*batch.first_transfers, *parts])
            self.first_transferring.add(batch.country)

    def _first_transfer_whole(self, batch: BatchModel) -> None:
        batch.whole = True
        self.first_transferring.add(batch.country)

    def predict_authorization(self, country: bytes, authorization: Any) -> Prediction:
        """``JCMArticle6.setAuthorization`` through the committee of ``country`` (the partner
        side's signatures checked before)."""
        batch = self.batches.get(authorization.batch_id)
        if batch is None:
            return Expected("Article6UnknownBatch", {"batchId": authorization.batch_id})
        if batch.country != country:
            return Expected(
                "Article6NotCommittee",
                {"country": batch.country, "caller": self.committees[country].address},
            )
        previous, requested = batch.authorization, int(authorization.authorization)
        if batch.any_first_transfer and requested & previous != previous:
            return Expected(
                "Article6AuthorizationLocked",
                {"batchId": batch.id, "current": previous, "requested": requested},
            )
        batch_level = requested & 2 and self._definition(batch) in (1, 2)
        if not batch.whole and batch_level and batch.host_ndc:
            return Expected(
                "Article6HostAlreadyCounted", {"batchId": batch.id, "quantity": batch.host_ndc}
            )
        return None

    def apply_authorization(self, authorization: Any) -> None:
        """Effect of an authorization decision."""
        batch = self.batches[authorization.batch_id]
        batch.authorization = int(authorization.authorization)
        if not batch.whole and self._batch_level(batch):
            self._first_transfer_whole(batch)

    def predict_definition(self, country: bytes) -> Prediction:
        """``JCMArticle6.setFirstTransferDefinition`` through the committee of ``country``."""
        if country in self.first_transferring:
            return Expected("Article6DefinitionLocked", {"country": country})
        return None

    def apply_definition(self, country: bytes, definition: int) -> None:
        """Effect of a definition decision."""
        self.definitions[country] = definition

    # --- registrars and governance ----------------------------------------------------------------

    def predict_open(
        self, caller: str, address: str, side: bytes, kind: int, name: str
    ) -> Prediction:
        """``JCMRegistry.openAccount``."""
        if side not in self.registrars:
            return Expected("RegistryUnknownSide", {"side": side})
        if caller != self.registrars[side]:
            return Expected("AccessControlUnauthorizedAccount", {"account": caller})
        if int(address, 16) == 0:
            return Expected("RegistryZeroAddress")
        if address in self.accounts:
            return Expected("RegistryAccountAlreadyExists", {"account": address})
        if kind == AccountKind.NONE:
            return Expected("RegistryInvalidAccountKind", {"account": address, "kind": kind})
        length = len(name.encode())
        if length == 0:
            return Expected("RegistryEmptyText")
        if length > MAX_TEXT_BYTES:
            return Expected("RegistryTextTooLong", {"length": length, "max": MAX_TEXT_BYTES})
        if kind in (AccountKind.RETIREMENT, AccountKind.CANCELLATION):
            existing = self.sinks[side][0 if kind == AccountKind.RETIREMENT else 1]
            return Expected(
                "RegistrySideAccountExists", {"side": side, "kind": kind, "existing": existing}
            )
        return None

    def apply_open(self, address: str, side: bytes, kind: int) -> None:
        """Effect of a successful account opening."""
        self.accounts[address] = AccountModel(address, side, kind, AccountStatus.ACTIVE)

    def _managed(self, caller: str, address: str) -> Prediction:
        """``_managedAccount``: known account, caller is its side's registrar, not a sink."""
        account = self._account(address)
        if account is None:
            return Expected("RegistryUnknownAccount", {"account": address})
        if caller != self.registrars[account.side]:
            return Expected("AccessControlUnauthorizedAccount", {"account": caller})
        if account.kind not in HOLDING_KINDS:
            return Expected(
                "RegistryInvalidAccountKind", {"account": address, "kind": account.kind}
            )
        return None

    def predict_freeze(self, caller: str, address: str) -> Prediction:
        """``JCMRegistry.freezeAccount``."""
        refusal = self._managed(caller, address)
        if refusal:
            return refusal
        status = self.accounts[address].status
        if status != AccountStatus.ACTIVE:
            return Expected("RegistryAccountNotActive", {"account": address, "status": status})
        return None

    def predict_unfreeze(self, caller: str, address: str) -> Prediction:
        """``JCMRegistry.unfreezeAccount``."""
        refusal = self._managed(caller, address)
        if refusal:
            return refusal
        status = self.accounts[address].status
        if status != AccountStatus.FROZEN:
            return Expected("RegistryAccountNotFrozen", {"account": address, "status": status})
        return None

    def predict_close(self, caller: str, address: str) -> Prediction:
        """``JCMRegistry.closeAccount``."""
        refusal = self._managed(caller, address)
        if refusal:
            return refusal
        status = self.accounts[address].status
        if status == AccountStatus.CLOSED:
            return Expected("RegistryAccountNotActive", {"account": address, "status": status})
        holdings = self.holdings_of(address)
        if holdings:
            return Expected("RegistryAccountNotEmpty", {"account": address, "holdings": holdings})
        return None

    def predict_pause(self, caller: str, side: bytes) -> Prediction:
        """``JCMGovernance.pause(side, PAUSE_SECONDS)``."""
        if self.authorities.get(side) != caller:
            return Expected("GovernanceNotAuthority", {"side": side, "caller": caller})
        if self.paused:
            return Expected("GovernanceAlreadyPaused", {"side": self.paused_by})
        if side in self.cooling:
            return Expected("GovernancePauseCoolingDown", {"side": side})
        return None

    def predict_unpause(self, caller: str) -> Prediction:
        """``JCMGovernance.unpause``."""
        if not self.paused:
            return Expected("GovernanceNotPaused")
        assert self.paused_by is not None
        if self.authorities[self.paused_by] != caller:
            return Expected("GovernanceNotAuthority", {"side": self.paused_by, "caller": caller})
        return None

    def apply_pause(self, side: bytes) -> None:
        """Effect of a pause."""
        self.paused, self.paused_by = True, side
        self.cooling.add(side)

    def apply_unpause(self) -> None:
        """Effect of lifting the pause."""
        self.paused = False

    # --- joint committees -------------------------------------------------------------------------

    def predict_authorize(
        self,
        country: bytes,
        nonce: int,
        deadline: int,
        now: int,
        digest: str,
        entries: Sequence[SignatureEntry],
        partner_only: bool = False,
    ) -> Prediction:
        """``JointCommittee._authorize`` with the signatures in submitted order; ``partner_only``
        decisions (Article 6) need no Japanese signature."""
        committee = self.committees[country]
        if now > deadline:
            return Expected("CommitteeDecisionExpired", {"deadline": deadline})
        if nonce != committee.nonce:
            return Expected(
                "CommitteeStaleNonce", {"signedNonce": nonce, "currentNonce": committee.nonce}
            )
        if digest in self.executed:
            return Expected("CommitteeDecisionAlreadyExecuted")
        total = len(committee.japan) + len(committee.partner)
        if len(entries) > total:
            return Expected("CommitteeTooManySignatures", {"count": len(entries), "max": total})
        japan = partner = 0
        previous = 0
        for i, entry in enumerate(entries):
            number = int(entry.signer, 16)
            if i > 0 and number == previous:
                return Expected("CommitteeDuplicateSigner", {"signer": entry.signer})
            if i > 0 and number < previous:
                return Expected("CommitteeSignersNotSorted", {"signer": entry.signer})
            if entry.signer in committee.japan:
                japan += 1
            elif entry.signer in committee.partner:
                partner += 1
            else:
                return Expected("CommitteeNotMember", {"signer": entry.signer})
            if not entry.valid:
                return Expected("CommitteeInvalidSignature", {"signer": entry.signer})
            previous = number
        if japan < committee.japan_threshold and not partner_only:
            return Expected(
                "CommitteeInsufficientSignatures",
                {"side": JP, "count": japan, "required": committee.japan_threshold},
            )
        if partner < committee.partner_threshold:
            return Expected(
                "CommitteeInsufficientSignatures",
                {"side": country, "count": partner, "required": committee.partner_threshold},
            )
        return None

    @staticmethod
    def predict_country(country: bytes, project_country: bytes) -> Prediction:
        """``JointCommittee.registerProject``'s first check, before any signature."""
        if project_country != country:
            return Expected(
                "CommitteeWrongCountry", {"country": project_country, "committeeCountry": country}
            )
        return None

    def predict_register(self, country: bytes, ref: str, pdd: str, validation: str) -> Prediction:
        """``JCMProjects.registerProject`` after a committee's authorization (short texts)."""
        if not re.fullmatch(r"[A-Z]{2}[0-9]{3}", ref) or ref[:2] != country.decode():
            return Expected("ProjectsInvalidRef", {"ref": ref, "country": country})
        if ref in self.projects:
            return Expected("ProjectsAlreadyRegistered", {"ref": ref})
        used = set(self.documents)
        for document in (pdd, validation):
            if int(document, 16) == 0:
                return Expected("ProjectsMissingDocument")
            if document in used:
                return Expected(
                    "ProjectsDocumentAlreadyUsed", {"documentHash": bytes.fromhex(document[2:])}
                )
            used.add(document)
        return None

    def apply_register(self, country: bytes, ref: str, pdd: str, validation: str) -> None:
        """Effect of a registration."""
        self.projects[ref] = ProjectModel(ref, country)
        self.documents.update((pdd, validation))

    def predict_issue(self, country: bytes, issuance: Any) -> Prediction:
        """``JCMProjects.issue`` and ``JCMRegistry.mint`` after a committee's authorization."""
        project = self.projects.get(issuance.project_ref)
        if project is None:
            return Expected("ProjectsUnknownProject", {"ref": issuance.project_ref})
        if project.country != country:
            return Expected(
                "ProjectsNotCommittee",
                {"country": project.country, "caller": self.committees[country].address},
            )
        report = issuance.verification_report_hash
        if int(report, 16) == 0:
            return Expected("ProjectsMissingVerificationReport")
        if report in self.reports:
            return Expected(
                "ProjectsReportAlreadyUsed",
                {"reportHash": bytes.fromhex(report[2:]), "batchId": self.reports[report]},
            )
        if issuance.quantity == 0:
            return Expected("ProjectsZeroQuantity")
        if issuance.quantity > issuance.verified_reductions:
            return Expected(
                "ProjectsQuantityExceedsVerified",
                {"quantity": issuance.quantity, "verifiedReductions": issuance.verified_reductions},
            )
        if (
            issuance.monitoring_start > issuance.monitoring_end
            or issuance.monitoring_end > MAX_MONITORING_TIME
        ):
            return Expected("ProjectsInvalidMonitoringPeriod")
        start, end = issuance.monitoring_start, issuance.monitoring_end
        # out of order (into a gap or before the first period) only while the project has room to
        # look past its batches
        if (
            project.periods
            and start <= project.last_end
            and project.batches >= MAX_BATCHES_PER_PROJECT
        ):
            return Expected(
                "ProjectsTooManyBatches",
                {"ref": project.ref, "max": MAX_BATCHES_PER_PROJECT},
            )
        if not project.period_free(start, end):
            return Expected(
                "ProjectsMonitoringPeriodOverlaps", {"ref": project.ref, "start": start, "end": end}
            )
        if not MIN_VINTAGE <= issuance.vintage <= MAX_VINTAGE:
            return Expected("ProjectsInvalidVintage")
        if decision_id(issuance.decision_ref) != issuance.decision_id:
            # a decision id taken from another decision: its reference no longer hashes to it
            return Expected("ProjectsDecisionRefMismatch", {"decisionRef": issuance.decision_ref})
        count = len(issuance.allocations)
        if count == 0 or count > MAX_ALLOCATIONS:
            return Expected("RegistryAllocationCount", {"count": count, "max": MAX_ALLOCATIONS})
        allocated = 0
        for allocation in issuance.allocations:
            allocated += allocation.amount
            if allocated > issuance.quantity:
                return Expected(
                    "RegistryAllocationMismatch",
                    {"allocated": allocated, "quantity": issuance.quantity},
                )
            if allocation.amount == 0:
                return Expected("RegistryZeroQuantity")
            refusal = self._holder_check(allocation.account)
            if refusal:
                return refusal
            side = self.accounts[allocation.account].side
            if side not in (JP, project.country):
                # the two registries of the deciding joint committee only
                return Expected(
                    "RegistryAllocationOutsideCommittee",
                    {"account": allocation.account, "side": side, "country": project.country},
                )
        if allocated != issuance.quantity:
            return Expected(
                "RegistryAllocationMismatch",
                {"allocated": allocated, "quantity": issuance.quantity},
            )
        return None

    def apply_issue(self, country: bytes, issuance: Any) -> int:
        """Effect of an issuance; returns the new batch id."""
        batch_id = len(self.batches) + 1
        first = self.latest_serial + 1
        self.latest_serial += issuance.quantity
        self.batches[batch_id] = BatchModel(
            batch_id,
            country,
            issuance.project_ref,
            first,
            self.latest_serial,
            int(issuance.authorization),
        )
        project = self.projects[issuance.project_ref]
        project.last_end = max(project.last_end, issuance.monitoring_end)
        project.batches += 1
        project.periods.append((batch_id, issuance.monitoring_start, issuance.monitoring_end))
        self.reports[issuance.verification_report_hash] = batch_id
        # Japan's allocations take the batch's lowest serials, the host's the rest, each side in the
        # decision's order.
        japan = [a for a in issuance.allocations if self.accounts[a.account].side != country]
        host = [a for a in issuance.allocations if self.accounts[a.account].side == country]
        cursor = first
        for allocation in japan + host:
            piece = (cursor, cursor + allocation.amount - 1)
            cursor += allocation.amount
            merged = add_range(self.holdings.get((allocation.account, batch_id), []), piece)
            assert merged is not None
            self.holdings[(allocation.account, batch_id)] = merged
        japan_share = sum(a.amount for a in japan)
        exported: list[Range] = [(first, first + japan_share - 1)] if japan_share else []
        batch = self.batches[batch_id]
        if batch.authorization and self._batch_level(batch):
            self._first_transfer_whole(batch)
        elif batch.authorization:
            self._first_transfer(batch, exported)  # Japan's share enters Japan's registry
        return batch_id

    def predict_correct(self, country: bytes, correction: Any) -> Prediction:
        """``JCMProjects.correct`` and ``JCMRegistry.cancelForCorrection`` after authorization."""
        batch = self.batches.get(correction.batch_id)
        if batch is None:
            return Expected("ProjectsUnknownBatch", {"batchId": correction.batch_id})
        if batch.country != country:
            return Expected(
                "ProjectsNotCommittee",
                {"country": batch.country, "caller": self.committees[country].address},
            )
        if (country, correction.decision_id) in self.correction_ids:
            return Expected("ProjectsDecisionAlreadyUsed", {"country": country})
        account = self._account(correction.account)
        if account is None:
            return Expected("RegistryUnknownAccount", {"account": correction.account})
        if account.kind not in HOLDING_KINDS:
            return Expected(
                "RegistryInvalidAccountKind", {"account": correction.account, "kind": account.kind}
            )
        if account.side not in (JP, batch.country):
            return Expected(
                "RegistryCorrectionOutsideCommittee",
                {"account": correction.account, "side": account.side, "country": batch.country},
            )
        _, problem = take_exact(
            self.holdings.get((correction.account, correction.batch_id), []),
            correction.first_serial,
            correction.last_serial,
        )
        if problem == "notHeld":
            return Expected("RegistrySerialsNotHeld", {"account": correction.account})
        return None

    def apply_correct(self, country: bytes, correction: Any) -> None:
        """Effect of a correction."""
        key = (correction.account, correction.batch_id)
        ranges, problem = take_exact(
            self.holdings[key], correction.first_serial, correction.last_serial
        )
        assert ranges is not None and not problem
        self.holdings[key] = ranges
        self.correction_ids.add((country, correction.decision_id))

    def predict_members(self, country: bytes, change: Any) -> Prediction:
        """``JointCommittee._setMembers`` after authorization."""
        for side, members, threshold in (
            (JP, change.japan_members, change.japan_threshold),
            (country, change.partner_members, change.partner_threshold),
        ):
            if not 1 <= len(members) <= MAX_MEMBERS_PER_SIDE:
                return Expected(
                    "CommitteeInvalidMemberCount", {"side": side, "count": len(members)}
                )
            if threshold == 0 or threshold > len(members):
                return Expected(
                    "CommitteeInvalidThreshold",
                    {"side": side, "threshold": threshold, "members": len(members)},
                )
        seen: set[str] = set()
        for member in (*change.japan_members, *change.partner_members):
            if int(member, 16) == 0 or member in seen:
                return Expected("CommitteeInvalidMember", {"member": member})
            seen.add(member)
        return None

    def apply_members(self, country: bytes, change: Any) -> None:
        """Effect of a membership change."""
        committee = self.committees[country]
        committee.nonce += 1
        committee.japan = list(change.japan_members)
        committee.partner = list(change.partner_members)
        committee.japan_threshold = change.japan_threshold
        committee.partner_threshold = change.partner_threshold
