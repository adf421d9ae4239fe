"""One exception hierarchy for the SDK, and the decoder of the contracts' custom errors.

Every refusal of the contracts arrives as revert data: a 4-byte selector and ABI-encoded arguments.
:func:`decode_revert` turns it into a typed :class:`RegistryError` subclass whose message says, in
the registry's words, what was wrong and what to do. The selector table is built from the packaged
ABIs of the four contracts (:func:`selector_table`); :data:`ERROR_MESSAGES` holds one entry per
custom error name (tests check that every error of every ABI has one).

Hierarchy::

    RegistryError
    ├── ChainUnavailable      the RPC endpoint cannot be reached, or serves another chain
    ├── DeploymentError       a deployment file is missing or invalid, or a deployment failed
    ├── KeystoreError         a keystore is missing, its password is wrong, its name is taken
    ├── InvalidInput          arguments the registry refuses (also raised before any call)
    │   └── AlreadyExists     something that may exist once exists already
    ├── NotFound              no such account, batch, project, record or side
    ├── NotPermitted          the sender lacks the role, or the operation is reserved
    │   └── Paused            the registry is paused
    ├── AccountStateError     the account is frozen, closed, not frozen, or not empty
    ├── InsufficientCredits   the account holds fewer credits than needed
    ├── SignatureError        committee signatures missing, invalid, unsorted or not by members
    ├── DecisionRefused       a decision expired, was signed for an old membership, or already ran
    └── TransactionFailed     a transaction reverted for a reason the ABIs do not describe, or
        │                     was sent and then failed on chain
        └── GasPriceTooLow    the gas price is below the chain's base fee: no node would mine it
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from itertools import product
from string import ascii_uppercase
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from registry_client.models import (
    AccountKind,
    AccountStatus,
    CancellationReason,
)


class RegistryError(Exception):
    """Base of every error the SDK raises.

    Attributes:
        message: what went wrong and what to do, in the registry's words
        error_name: the contract's custom error name if the error came from a revert, else None
        error_args: the custom error's arguments by name (addresses checksummed, sides as strings)
    """

    def __init__(
        self,
        message: str,
        *,
        error_name: str | None = None,
        error_args: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_name = error_name
        self.error_args: dict[str, Any] = dict(error_args or {})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: error class, message, and the contract error if any."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "contract_error": self.error_name,
            "args": {k: _jsonable(v) for k, v in self.error_args.items()},
        }


class ChainUnavailable(RegistryError):
    """The JSON-RPC endpoint is unreachable, or it serves another chain than the deployment's."""


class DeploymentError(RegistryError):
    """A deployment file is missing or invalid, or deploying contracts failed."""


class KeystoreError(RegistryError):
    """A keystore cannot be created, found or decrypted."""


class InvalidInput(RegistryError):
    """An argument the registry refuses."""


class AlreadyExists(InvalidInput):
    """Something that may exist only once (account, country, project, decision) exists already."""


class NotFound(RegistryError):
    """No such account, batch, project, record, registry side or keystore entry."""


class NotPermitted(RegistryError):
    """The sender lacks the role for the operation, or the operation is reserved to others."""


class Paused(NotPermitted):
    """The registry is paused: no credits move until governance unpauses it."""


class AccountStateError(RegistryError):
    """The account's status forbids the operation (frozen, closed, not frozen, not empty)."""


class InsufficientCredits(RegistryError):
    """The account holds fewer credits of the batch than the operation needs."""


class SignatureError(RegistryError):
    """Committee signatures too few on a side, invalid, duplicated, unsorted or by non-members."""


class DecisionRefused(RegistryError):
    """A committee decision expired, was signed under an old membership nonce, or already ran."""


class TransactionFailed(RegistryError):
    """A transaction reverted without a known custom error, or failed after it was sent."""


class GasPriceTooLow(TransactionFailed):
    """The gas price is below the chain's base fee (or the node's minimum): refused before sending,
    because the node would keep the transaction unmined and every later one of its sender behind it.
    """


# ------------------------------------------------------------------------------------------------
# Value formatting for messages
# ------------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int | str | bool) or value is None:
        return value
    return str(value)


def _side(value: Any) -> str:
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return "0x" + value.hex()
        return text if text.isprintable() and text.strip("\x00") else "0x" + value.hex()
    return str(value)


def _date(value: int) -> str:
    if value <= 0:
        return "never"
    moment = datetime.fromtimestamp(value, UTC)
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _credits(n: int) -> str:
    return f"{n:,} credit" + ("" if n == 1 else "s")


def _kind(value: int) -> str:
    try:
        return AccountKind(value).label
    except ValueError:
        return f"kind {value}"


def _status(value: int) -> str:
    try:
        return AccountStatus(value).label
    except ValueError:
        return f"status {value}"


def _reason(value: int) -> str:
    try:
        return CancellationReason(value).label
    except ValueError:
        return f"reason {value}"


@cache
def _role_names() -> dict[bytes, str]:
    """Names of the registry's roles by hash: every possible side's authority and registrar."""
    names = {b"\x00" * 32: "the default admin role (held by nobody)"}
    for a, b in product(ascii_uppercase, repeat=2):
        side = a + b
        names[keccak(b"JCM_REGISTRAR_" + side.encode())] = f"the registrar role of side {side}"
        names[keccak(b"JCM_AUTHORITY_" + side.encode())] = f"the registry authority of side {side}"
    return names


def _role(value: bytes) -> str:
    return _role_names().get(value, f"role 0x{value.hex()}")


def _not_active(a: Mapping[str, Any]) -> str:
    status = a["status"]
    account = a["account"]
    if status == AccountStatus.FROZEN:
        return (
            f"account {account} is frozen: it can neither send nor receive credits until the "
            "registrar of its side unfreezes it"
        )
    if status == AccountStatus.CLOSED:
        return f"account {account} is closed for good: use another account"
    if status == AccountStatus.NONE:
        return f"address {account} has no registry account: ask a registrar to open one"
    return f"account {account} is not active ({_status(status)})"


def _invalid_kind(a: Mapping[str, Any]) -> str:
    if a["kind"] == AccountKind.NONE:
        return (
            f"no account kind given for {a['account']}: choose holding, government holding, "
            "retirement or cancellation"
        )
    return (
        f"account {a['account']} is a {_kind(a['kind'])} account: only holding and government "
        "holding accounts send, receive, are frozen or closed, or have credits corrected"
    )


def _insufficient_signatures(a: Mapping[str, Any]) -> str:
    side = _side(a["side"])
    return (
        f"side {side} has {a['count']} of {a['required']} required signatures: collect "
        f"{a['required'] - a['count']} more from current {side} members of the joint committee"
    )


@dataclass(frozen=True)
class ErrorMessage:
    """How to present one custom error: its exception class and a message from its arguments."""

    category: type[RegistryError]
    render: Callable[[Mapping[str, Any]], str]


def _m(category: type[RegistryError], render: Callable[[Mapping[str, Any]], str]) -> ErrorMessage:
    return ErrorMessage(category, render)


ERROR_MESSAGES: dict[str, ErrorMessage] = {
    # ---- JCMRegistry ----------------------------------------------------------------------------
    "RegistryUnknownSide": _m(
        NotFound,
        lambda a: (
            f"there is no registry side {_side(a['side'])}: governance must add the partner "
            "country first"
        ),
    ),
    "RegistryZeroAddress": _m(
        InvalidInput,
        lambda a: "the zero address was given where an account or contract address is required",
    ),
    "RegistryNotProjects": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} may not issue or correct credits: only the projects contract "
            "does, on a joint-committee decision"
        ),
    ),
    "RegistryAccountAlreadyExists": _m(
        AlreadyExists,
        lambda a: (
            f"address {a['account']} already has (or had) an account, and accounts are never "
            "reopened: use a new address"
        ),
    ),
    "RegistryUnknownAccount": _m(
        NotFound,
        lambda a: (
            f"address {a['account']} has no registry account: ask the registrar of its side "
            "to open one"
        ),
    ),
    "RegistryInvalidAccountKind": _m(InvalidInput, _invalid_kind),
    "RegistrySideAccountExists": _m(
        AlreadyExists,
        lambda a: (
            f"side {_side(a['side'])} already has its {_kind(a['kind'])} account "
            f"{a['existing']}: each side has exactly one"
        ),
    ),
    "RegistryNoSideAccount": _m(
        NotFound,
        lambda a: (
            f"side {_side(a['side'])} has no {_kind(a['kind'])} account yet: the registrar "
            f"of side {_side(a['side'])} must open it first"
        ),
    ),
    "RegistryAccountNotActive": _m(AccountStateError, _not_active),
    "RegistryAccountNotFrozen": _m(
        AccountStateError,
        lambda a: (
            f"account {a['account']} is {_status(a['status'])}, not frozen, so it cannot be "
            "unfrozen"
        ),
    ),
    "RegistryAccountNotEmpty": _m(
        AccountStateError,
        lambda a: (
            f"account {a['account']} still holds credits of {a['holdings']} batch"
            f"{'' if a['holdings'] == 1 else 'es'}: transfer, retire or cancel them before "
            "closing it"
        ),
    ),
    "RegistryEmptyText": _m(
        InvalidInput,
        lambda a: "a required text (the holder name) is empty: fill it in",
    ),
    "RegistryTextTooLong": _m(
        InvalidInput,
        lambda a: (
            f"a text is {a['length']} bytes long, over the limit of {a['max']} bytes (UTF-8): "
            "shorten it"
        ),
    ),
    "RegistryZeroQuantity": _m(
        InvalidInput, lambda a: "the quantity is zero: give a positive number of credits"
    ),
    "RegistryAllocationMismatch": _m(
        InvalidInput,
        lambda a: (
            f"the allocations add up to {_credits(a['allocated'])} but the issuance is "
            f"{_credits(a['quantity'])}: they must be equal"
        ),
    ),
    "RegistryAllocationCount": _m(
        InvalidInput,
        lambda a: (
            f"an issuance needs between 1 and {a['max']} allocations, this one has {a['count']}"
        ),
    ),
    "RegistryAllocationOutsideCommittee": _m(
        InvalidInput,
        lambda a: (
            f"account {a['account']} is on registry side {_side(a['side'])}: an issuance of "
            f"{_side(a['country'])}'s joint committee credits only accounts of the JP or "
            f"{_side(a['country'])} registries; move credits elsewhere by an international transfer"
        ),
    ),
    "RegistryUnknownBatch": _m(
        NotFound, lambda a: f"there is no batch {a['batchId']}: check the batch id"
    ),
    "RegistryInsufficientCredits": _m(
        InsufficientCredits,
        lambda a: (
            f"account {a['account']} holds {_credits(a['balance'])} of batch "
            f"{a['batchId']}, {a['needed']:,} needed"
        ),
    ),
    "RegistryTooManyRanges": _m(
        InvalidInput,
        lambda a: (
            f"moving that many credits would take more than {a['max']} serial ranges from "
            f"account {a['account']}'s holding of batch {a['batchId']}: move fewer credits per "
            "transaction"
        ),
    ),
    "RegistryHoldingTooFragmented": _m(
        InvalidInput,
        lambda a: (
            f"account {a['account']}'s holding of batch {a['batchId']} would exceed "
            f"{a['max']} separate serial ranges: send it a contiguous block or consolidate first"
        ),
    ),
    "RegistrySerialsNotHeld": _m(
        InvalidInput,
        lambda a: (
            f"account {a['account']} does not hold all serials {a['first']}-{a['last']} of "
            f"batch {a['batchId']}: check the serial numbers"
        ),
    ),
    "RegistryInternationalTransferNotAuthorized": _m(
        NotPermitted,
        lambda a: (
            f"batch {a['batchId']} has no Article 6 authorization, so its credits cannot "
            f"move from side {_side(a['fromSide'])} to side {_side(a['toSide'])}: transfer within "
            "one registry side"
        ),
    ),
    "RegistrySelfTransfer": _m(
        InvalidInput,
        lambda a: (
            f"sender and recipient are the same account {a['account']}: name another recipient"
        ),
    ),
    "RegistryUnknownUsingParty": _m(
        InvalidInput,
        lambda a: (
            f"using party {_side(a['usingParty'])} is not a registry side: name JP or a "
            "partner country that was added"
        ),
    ),
    "RegistryReservedCancellationReason": _m(
        NotPermitted,
        lambda a: (
            f"cancellation reason {_reason(a['reason'])!r} is reserved for joint-committee "
            "correction decisions: choose voluntary cancellation, other international mitigation "
            "purposes or overall mitigation"
        ),
    ),
    "RegistryUnknownRetirement": _m(
        NotFound, lambda a: f"there is no retirement {a['retirementId']}: check the retirement id"
    ),
    "RegistryUnknownCancellation": _m(
        NotFound,
        lambda a: f"there is no cancellation {a['cancellationId']}: check the cancellation id",
    ),
    "RegistryUnsupportedOperation": _m(
        NotPermitted,
        lambda a: (
            "credits move only through the registry's transfer, retire and cancel: ERC-1155 "
            "transfers and approvals are disabled"
        ),
    ),
    "SerialRangesOverlap": _m(
        InvalidInput,
        lambda a: (
            f"serials {a['first']}-{a['last']} overlap serials already in the holding; "
            "the registry refused to record them twice"
        ),
    ),
    "RegistryInvalidText": _m(
        InvalidInput,
        lambda a: (
            f"the text is not well-formed UTF-8 or holds a control character (line breaks, "
            f"tabs, bidirectional overrides...) at byte {a['offset']}: names, notes and "
            "beneficiaries are shown to everyone as one line of plain text"
        ),
    ),
    "RegistryNotGovernance": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} is not the registry's governance contract: countries join, committees "
            "change and pauses start only through it"
        ),
    ),
    "RegistryCorrectionOutsideCommittee": _m(
        InvalidInput,
        lambda a: (
            f"account {a['account']} is on registry side {_side(a['side'])}: a correction by "
            f"{_side(a['country'])}'s joint committee reaches only accounts of the JP or "
            f"{_side(a['country'])} registries"
        ),
    ),
    "RegistryPaused": _m(
        Paused,
        lambda a: (
            f"holders' movements are paused until {_date(a['until'])} by the authority of side "
            f"{_side(a['side'])}: transfer, retire or cancel after that (committee decisions still "
            "execute)"
        ),
    ),
    # ---- JCMGovernance --------------------------------------------------------------------------
    "GovernanceNotAuthority": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} is not the registry authority of side {_side(a['side'])}: only that "
            "government's own authority may do this"
        ),
    ),
    "GovernanceInvalidCountryCode": _m(
        InvalidInput,
        lambda a: (
            f"{_side(a['code'])!r} is not a partner country code: give two upper-case letters "
            "(ISO 3166-1 alpha-2), and not JP"
        ),
    ),
    "GovernanceCountryAlreadyAdded": _m(
        AlreadyExists,
        lambda a: f"{_side(a['country'])} already is a registry side",
    ),
    "GovernanceZeroAddress": _m(
        InvalidInput, lambda a: "the zero address cannot be a committee or an authority"
    ),
    "GovernanceNoCountryProposal": _m(
        NotFound,
        lambda a: (
            f"Japan's authority has proposed no joining of {_side(a['country'])}: it proposes "
            "first (jcm country propose), then the partner's authority accepts"
        ),
    ),
    "GovernanceNotProposedAuthority": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} is not the partner authority named in the proposal for "
            f"{_side(a['country'])}: accept from the address the proposal names"
        ),
    ),
    "GovernanceProposalMismatch": _m(
        InvalidInput,
        lambda a: (
            f"the proposal for {_side(a['country'])} names committee {a['proposed']}, not "
            f"{a['committee']}: accept exactly the committee you checked, or ask Japan's "
            "authority for a new proposal"
        ),
    ),
    "GovernanceNotJointCommittee": _m(
        InvalidInput,
        lambda a: (
            f"{a['committee']} is not a joint committee of {_side(a['country'])} for this "
            "registry (or is the current one): deploy a JointCommittee for this country and "
            "registry"
        ),
    ),
    "GovernanceNotCommittee": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} is not the joint committee of {_side(a['country'])}: a committee is "
            "replaced only by its own decision, signed under both sides' thresholds"
        ),
    ),
    "GovernanceInvalidPauseDuration": _m(
        InvalidInput,
        lambda a: f"a pause lasts 1 to {a['max']:,} seconds, not {a['duration']:,}",
    ),
    "GovernanceAlreadyPaused": _m(
        Paused,
        lambda a: (
            f"the registry is already paused until {_date(a['until'])} by side {_side(a['side'])}"
        ),
    ),
    "GovernanceNotPaused": _m(InvalidInput, lambda a: "the registry is not paused"),
    "GovernancePauseCoolingDown": _m(
        NotPermitted,
        lambda a: (
            f"side {_side(a['side'])} paused recently and may pause again from "
            f"{_date(a['allowedFrom'])}"
        ),
    ),
    # ---- OpenZeppelin (AccessControl, ERC-1155, ShortStrings) --------------------------
    "AccessControlUnauthorizedAccount": _m(
        NotPermitted,
        lambda a: (
            f"{a['account']} lacks {_role(a['neededRole'])}: only that side's own authority "
            "grants it; send from an address that has it"
        ),
    ),
    "AccessControlBadConfirmation": _m(
        InvalidInput, lambda a: "a role can only be renounced by the address holding it"
    ),
    "ERC1155InsufficientBalance": _m(
        InsufficientCredits,
        lambda a: (
            f"account {a['sender']} holds {_credits(a['balance'])} of batch {a['tokenId']}, "
            f"{a['needed']:,} needed"
        ),
    ),
    "ERC1155InvalidApprover": _m(InvalidInput, lambda a: f"invalid approver {a['approver']}"),
    "ERC1155InvalidOperator": _m(InvalidInput, lambda a: f"invalid operator {a['operator']}"),
    "ERC1155InvalidReceiver": _m(InvalidInput, lambda a: f"invalid recipient {a['receiver']}"),
    "ERC1155InvalidSender": _m(InvalidInput, lambda a: f"invalid sender {a['sender']}"),
    "ERC1155MissingApprovalForAll": _m(
        NotPermitted,
        lambda a: (
            f"{a['operator']} may not move credits of {a['owner']}: only the holder moves "
            "its own credits"
        ),
    ),
    "ERC1155InvalidArrayLength": _m(
        InvalidInput,
        lambda a: (
            f"balanceOfBatch needs as many accounts as batch ids ({a['idsLength']} batch "
            f"ids, {a['valuesLength']} accounts)"
        ),
    ),
    "InvalidShortString": _m(InvalidInput, lambda a: "a short string is malformed"),
    "StringTooLong": _m(InvalidInput, lambda a: f"string {a['str']!r} is too long"),
    # ---- JCMProjects ----------------------------------------------------------------------------
    "ProjectsNotCommittee": _m(
        NotPermitted,
        lambda a: (
            f"{a['caller']} is not the joint committee of {_side(a['country'])}: projects "
            "are registered, issued and corrected only by that committee's signed decisions"
        ),
    ),
    "ProjectsEmptyText": _m(
        InvalidInput,
        lambda a: "a required project text (reference, title or methodology) is empty: fill it in",
    ),
    "ProjectsTextTooLong": _m(
        InvalidInput,
        lambda a: (
            f"a project text is {a['length']} bytes long, over the limit of {a['max']} "
            "bytes: shorten it"
        ),
    ),
    "ProjectsAlreadyRegistered": _m(
        AlreadyExists,
        lambda a: f"project {a['ref']} is already registered: a reference registers once",
    ),
    "ProjectsMissingDocument": _m(
        InvalidInput,
        lambda a: (
            "a project document hash (PDD or validation report) is missing: give the "
            "SHA-256 or keccak hash of each document"
        ),
    ),
    "ProjectsDocumentAlreadyUsed": _m(
        AlreadyExists,
        lambda a: (
            f"document 0x{a['documentHash'].hex()} was already used by a registered "
            "project: a PDD or registration document registers once"
        ),
    ),
    "ProjectsUnknownProject": _m(
        NotFound,
        lambda a: (
            f"no project {a['ref']!r} is registered: check the reference, or register the "
            "project first"
        ),
    ),
    "ProjectsUnknownBatch": _m(
        NotFound, lambda a: f"there is no batch {a['batchId']}: check the batch id"
    ),
    "ProjectsInvalidMonitoringPeriod": _m(
        InvalidInput,
        lambda a: (
            f"the monitoring period ends ({_date(a['end'])}) before it starts ({_date(a['start'])})"
        ),
    ),
    "ProjectsMonitoringPeriodOverlaps": _m(
        InvalidInput,
        lambda a: (
            f"the monitoring period overlaps batch {a['batchId']} of project {a['ref']}, which "
            f"covers {_date(a['batchStart'])} to {_date(a['batchEnd'])}: periods may arrive in any "
            "order but never overlap"
        ),
    ),
    "ProjectsZeroQuantity": _m(
        InvalidInput, lambda a: "the quantity is zero: issue a positive number of credits"
    ),
    "ProjectsQuantityExceedsVerified": _m(
        InvalidInput,
        lambda a: (
            f"issuing {_credits(a['quantity'])} exceeds the {a['verifiedReductions']:,} "
            "tCO2e of verified emission reductions: issue at most the verified amount"
        ),
    ),
    "ProjectsInvalidVintage": _m(
        InvalidInput,
        lambda a: f"vintage {a['vintage']} is outside {a['min']}-{a['max']}",
    ),
    "ProjectsInvalidText": _m(
        InvalidInput,
        lambda a: (
            f"the text is not well-formed UTF-8 or holds a control character (line breaks, "
            f"tabs, bidirectional overrides...) at byte {a['offset']}: titles, methodologies "
            "and authorization ids are shown to everyone as one line of plain text"
        ),
    ),
    "ProjectsInvalidRef": _m(
        InvalidInput,
        lambda a: (
            f"project reference {a['ref']!r} is not {_side(a['country'])} followed by three digits "
            f"(e.g. {_side(a['country'])}012)"
        ),
    ),
    "ProjectsQuantityAboveCeiling": _m(
        InvalidInput,
        lambda a: f"one issuance creates at most {a['max']:,} credits, not {a['quantity']:,}",
    ),
    "ProjectsMissingVerificationReport": _m(
        InvalidInput, lambda a: "an issuance needs the hash of its verification report (not zero)"
    ),
    "ProjectsReportMismatch": _m(
        InvalidInput,
        lambda a: (
            f"verification report 0x{a['reportHash'].hex()} was cited before with "
            f"{a['recorded']:,} t of verified reductions, now with {a['given']:,} t: cite it "
            "with the same figure"
        ),
    ),
    "ProjectsReportExhausted": _m(
        InvalidInput,
        lambda a: (
            f"verification report 0x{a['reportHash'].hex()} verified {a['verifiedReductions']:,} "
            f"t and already backs {_credits(a['issued'])}: {a['quantity']:,} more would exceed it"
        ),
    ),
    "ProjectsTooManyBatches": _m(
        InvalidInput,
        lambda a: f"project {a['ref']} has {a['max']} batches, the most it may have",
    ),
    "ProjectsDecisionAlreadyUsed": _m(
        AlreadyExists,
        lambda a: (
            f"decision id 0x{a['decisionId'].hex()} was already used by the joint committee of "
            f"{_side(a['country'])}: every issuance or correction needs a new decision id"
        ),
    ),
    # ---- JointCommittee -------------------------------------------------------------------------
    "CommitteeDecisionExpired": _m(
        DecisionRefused,
        lambda a: (
            f"the decision expired at {_date(a['deadline'])} (chain time "
            f"{_date(a['timestamp'])}): draft it again with a later deadline and collect new "
            "signatures"
        ),
    ),
    "CommitteeStaleNonce": _m(
        DecisionRefused,
        lambda a: (
            f"the decision was signed for membership nonce {a['signedNonce']} but the "
            f"committee is now at nonce {a['currentNonce']}: draft it again and have the current "
            "members sign"
        ),
    ),
    "CommitteeDecisionAlreadyExecuted": _m(
        DecisionRefused,
        lambda a: f"decision 0x{a['digest'].hex()} was already executed: a decision runs once",
    ),
    "CommitteeTooManySignatures": _m(
        SignatureError,
        lambda a: (
            f"{a['count']} signatures given but the committee has only {a['max']} members: "
            "remove duplicates and signatures of non-members"
        ),
    ),
    "CommitteeSignersNotSorted": _m(
        SignatureError,
        lambda a: (
            f"signatures must be sorted by ascending signer address ({a['signer']} comes "
            f"after {a['previous']})"
        ),
    ),
    "CommitteeDuplicateSigner": _m(
        SignatureError,
        lambda a: f"member {a['signer']} signed twice: give each member's signature once",
    ),
    "CommitteeNotMember": _m(
        SignatureError,
        lambda a: (
            f"{a['signer']} is not a current member of the joint committee: drop that signature"
        ),
    ),
    "CommitteeInvalidSignature": _m(
        SignatureError,
        lambda a: (
            f"the signature given for {a['signer']} is not that member's signature of this "
            "decision (wrong key, decision, committee or chain): sign again"
        ),
    ),
    "CommitteeMalformedSignature": _m(
        SignatureError,
        lambda a: f"the signature given for {a['signer']} is not 65 bytes: sign again",
    ),
    "CommitteeMalleableSignature": _m(
        SignatureError,
        lambda a: (
            f"the signature given for {a['signer']} is malleable (high s): sign again with a "
            "standard signer"
        ),
    ),
    "CommitteeInsufficientSignatures": _m(SignatureError, _insufficient_signatures),
    "CommitteeWrongCountry": _m(
        InvalidInput,
        lambda a: (
            f"the project is of {_side(a['country'])}, but this is the joint committee of "
            f"{_side(a['committeeCountry'])}: submit it to the {_side(a['country'])} committee"
        ),
    ),
    "CommitteeInvalidMemberCount": _m(
        InvalidInput,
        lambda a: (
            f"side {_side(a['side'])} would have {a['count']} members: each side needs 1 to "
            f"{a['max']}"
        ),
    ),
    "CommitteeInvalidThreshold": _m(
        InvalidInput,
        lambda a: (
            f"side {_side(a['side'])}'s threshold {a['threshold']} must be between 1 and its "
            f"{a['members']} members"
        ),
    ),
    "CommitteeInvalidMember": _m(
        InvalidInput,
        lambda a: f"member {a['member']} is the zero address, listed twice, or on both sides",
    ),
}

CONTRACT_NAMES = ("JCMRegistry", "JCMProjects", "JCMGovernance", "JointCommittee")

_ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
_PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
_PANIC_CODES = {
    0x01: "an assertion failed",
    0x11: "an arithmetic overflow or underflow",
    0x12: "a division by zero",
    0x21: "an invalid enum value",
    0x22: "a corrupt storage byte array",
    0x31: "a pop from an empty array",
    0x32: "an array index out of bounds",
    0x41: "an out-of-memory allocation",
    0x51: "a call to an invalid internal function",
}


@dataclass(frozen=True)
class ErrorSpec:
    """One custom error of an ABI: its name, argument names and types, and its selector."""

    name: str
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]
    selector: bytes

    @property
    def signature(self) -> str:
        """The canonical signature, e.g. ``RegistryUnknownBatch(uint256)``."""
        return f"{self.name}({','.join(self.arg_types)})"


def _canonical_type(entry: Mapping[str, Any]) -> str:
    kind = str(entry["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in entry.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def error_specs(abi: Iterable[Mapping[str, Any]]) -> list[ErrorSpec]:
    """The custom errors declared in an ABI."""
    specs = []
    for entry in abi:
        if entry.get("type") != "error":
            continue
        types = tuple(_canonical_type(i) for i in entry.get("inputs", []))
        names = tuple(
            str(i.get("name") or f"arg{n}") for n, i in enumerate(entry.get("inputs", []))
        )
        signature = f"{entry['name']}({','.join(types)})"
        specs.append(ErrorSpec(str(entry["name"]), names, types, keccak(text=signature)[:4]))
    return specs


def _packaged_abi(name: str) -> list[dict[str, Any]]:
    # Read directly (not through contracts.py) so that this module stays importable on its own.
    path = resources.files("registry_client") / "artifacts" / f"{name}.json"
    abi: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["abi"]
    return abi


@cache
def selector_table() -> dict[bytes, ErrorSpec]:
    """Every custom error of the four contracts' ABIs, by 4-byte selector."""
    table: dict[bytes, ErrorSpec] = {}
    for contract in CONTRACT_NAMES:
        for spec in error_specs(_packaged_abi(contract)):
            known = table.get(spec.selector)
            if known is not None and known.signature != spec.signature:
                raise RuntimeError(f"selector clash: {known.signature} and {spec.signature}")
            table[spec.selector] = spec
    return table


def error_from_name(name: str, args: Mapping[str, Any]) -> RegistryError:
    """Build the typed exception for custom error ``name`` with decoded ``args``.

    ``args`` hold raw ABI values (``bytes2`` as bytes, addresses as strings). Unknown names give a
    :class:`TransactionFailed` that still names the error.
    """
    entry = ERROR_MESSAGES.get(name)
    shown = {k: (to_checksum_address(v) if _is_address(v) else v) for k, v in args.items()}
    public = {
        k: (_side(v) if isinstance(v, bytes) and len(v) == 2 else v) for k, v in shown.items()
    }
    if entry is None:
        rendered = ", ".join(f"{k}={_jsonable(v)}" for k, v in public.items())
        return TransactionFailed(
            f"the contract refused with {name}({rendered})", error_name=name, error_args=public
        )
    return entry.category(entry.render(shown), error_name=name, error_args=public)


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 42 and value.startswith("0x")


def revert_bytes(data: Any) -> bytes | None:
    """Extract raw revert data from what a node or web3 returned (hex, bytes or an error dict).

    Returns ``None`` when there is nothing that looks like revert data.
    """
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, Mapping):
        for key in ("data", "result", "error"):
            found = revert_bytes(data.get(key))
            if found is not None:
                return found
        return None
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("Reverted "):
            text = text[len("Reverted ") :]
        if text.startswith("0x"):
            try:
                return bytes.fromhex(text[2:])
            except ValueError:
                return None
    return None


def decode_revert(data: Any, *, context: str | None = None) -> RegistryError:
    """Turn revert data into the matching typed exception.

    Args:
        data: the revert data as hex, bytes, or a JSON-RPC error dict carrying it.
        context: what was attempted (e.g. ``"transfer"``), used only for errors the ABIs don't
            describe.

    Returns:
        The exception to raise; never raises itself.
    """
    raw = revert_bytes(data)
    doing = f"{context}: " if context else ""
    if not raw:
        return TransactionFailed(f"{doing}the transaction reverted without a reason")
    selector, body = raw[:4], raw[4:]
    if selector == _ERROR_STRING_SELECTOR:
        try:
            (reason,) = abi_decode(["string"], body)
        except Exception:  # malformed data: report it rather than crash
            reason = "0x" + body.hex()
        return TransactionFailed(f"{doing}the contract refused: {reason}", error_name="Error")
    if selector == _PANIC_SELECTOR:
        try:
            (code,) = abi_decode(["uint256"], body)
        except Exception:
            code = -1
        what = _PANIC_CODES.get(code, f"panic code {code:#x}")
        return TransactionFailed(
            f"{doing}the contract stopped on {what}; this is a bug, please report it",
            error_name="Panic",
            error_args={"code": code},
        )
    spec = selector_table().get(selector)
    if spec is None:
        return TransactionFailed(
            f"{doing}the contract refused with unknown error 0x{raw.hex()}",
            error_args={"data": "0x" + raw.hex()},
        )
    try:
        values = abi_decode(list(spec.arg_types), body)
    except Exception:
        return TransactionFailed(
            f"{doing}the contract refused with {spec.name}, whose data could not be decoded",
            error_name=spec.name,
        )
    return error_from_name(spec.name, dict(zip(spec.arg_names, values, strict=True)))
