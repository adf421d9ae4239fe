"""Joint-committee decisions as EIP-712 typed data: build, sign offline, verify, tally, submit.

This module is the Python mirror of ``contracts/libraries/DecisionTypes.sol`` (the single source of
truth for what committee members sign). It is pure: no network access, no chain state. A test
compares the digests computed here with the contract's digest views for every decision kind.

Public API (kept stable; the SDK and the ``jcm decision`` commands build on it):

Decision contents (pydantic v2, frozen; JSON names are the EIP-712 / Solidity names, camelCase)
    ``ProjectRegistration``, ``Allocation``, ``Issuance``, ``Correction``, ``MembershipChange``,
    ``CommitteeReplacement``, ``BatchAuthorization``, ``FirstTransferRule``, ``Authorization`` and
    ``FirstTransferDefinition`` (IntEnums, ``uint8`` on the wire).
    Each has ``eip712_message()`` (JSON-able dict) and ``as_tuple()`` (web3/Ape call arguments), and
    ``problems()`` lists what the contracts would refuse (text length, sums, periods, ...).

Decisions (one class per kind, sharing the base ``Decision``)
    ``RegisterProjectDecision(project=...)``, ``IssueCreditsDecision(issuance=...)``,
    ``CorrectCreditsDecision(correction=...)``, ``ChangeMembersDecision(change=...)``,
    ``ReplaceCommitteeDecision(replacement=...)``, ``SetAuthorizationDecision(authorization=...)``
    and ``SetFirstTransferDefinitionDecision(rule=...)`` (the last two decided by the partner side's
    threshold alone), each with
    ``domain: CommitteeDomain(chain_id, committee)``, ``nonce`` (the committee's membership epoch)
    and ``deadline`` (unix seconds). Methods: ``typed_data()`` (full EIP-712 dict for
    ``eth_account.messages.encode_typed_data(full_message=...)``), ``digest`` (32 bytes),
    ``digest_hex``, ``sign(account) -> MemberSignature``, ``recover(signature) -> address``,
    ``verify(member_signature)``, ``contract_call(signatures) -> (function name, args)``,
    ``digest_call() -> (digest view name, args)``, ``problems()``, ``headline(sides=None)``,
    ``summary(sides=None)``, ``to_json()`` and ``Decision.from_json(text)`` (any kind).
    Class attributes ``primary_type``, ``function_name``, ``digest_function``,
    ``decision_kind`` (``DecisionKind``, the IntEnum of ``IJointCommittee.sol``).

Signatures and collection
    ``MemberSignature`` {signer, signature, digest} with ``to_json()`` / ``from_json()``;
    ``sort_signatures(signatures)`` (strictly ascending signer, as the contract requires);
    ``tally(decision, signatures, japan_members, partner_members, japan_threshold,
    partner_threshold)`` -> ``Tally`` (valid signers per side, rejected signatures with reasons,
    count against threshold, ``ready``, ``valid_signatures``).

Helpers
    ``decision_id(text)`` -> bytes32 hex (keccak256 of a human decision id such as
    ``"JC-ID-2024-07-issuance-3"``); ``to_timestamp(value)`` (int, date, datetime or ISO text ->
    unix seconds UTC); ``TYPE_STRINGS`` (primary type -> EIP-712 type string); ``DOMAIN_NAME``,
    ``DOMAIN_VERSION``.

Errors (all ``DecisionError``: a ``registry_client.errors.InvalidInput`` and a ``ValueError``)
    ``DecisionFormatError`` (a decision or signature file that does not parse or does not match its
    digest), ``DecisionMismatchError`` (a signature made over another decision), ``SignatureError``
    and its subclasses ``MalformedSignatureError`` (not 65 bytes), ``MalleableSignatureError``
    (high ``s``), ``InvalidSignatureError`` (bad ``v``, unrecoverable, or another signer).
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import keccak
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from registry_client import errors
from registry_client.domain import (
    JAPAN,
    MAX_ALLOCATIONS,
    MAX_ISSUANCE_QUANTITY,
    MAX_MEMBERS_PER_SIDE,
    MAX_MONITORING_TIME,
    MAX_TEXT_BYTES,
    MAX_VINTAGE,
    MIN_VINTAGE,
    Address,
    Authorization,
    DecisionKind,
    FirstTransferDefinition,
    Hash32,
    HexData,
    Side,
    Uint8,
    Uint16,
    Uint64,
    Uint256,
    UnixTime,
    checksum,
    enum_field,
    to_timestamp,
)
from registry_client.errors import InvalidInput
from registry_client.text import printable, quoted

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "JAPAN",
    "MAX_ALLOCATIONS",
    "MAX_MEMBERS_PER_SIDE",
    "MAX_TEXT_BYTES",
    "MAX_VINTAGE",
    "MIN_VINTAGE",
    "TYPE_STRINGS",
    "Allocation",
    "AnyDecision",
    "Authorization",
    "BatchAuthorization",
    "ChangeMembersDecision",
    "CommitteeDomain",
    "CommitteeReplacement",
    "CorrectCreditsDecision",
    "Correction",
    "Decision",
    "DecisionError",
    "DecisionFormatError",
    "DecisionKind",
    "DecisionMismatchError",
    "FirstTransferDefinition",
    "FirstTransferRule",
    "InvalidSignatureError",
    "Issuance",
    "IssueCreditsDecision",
    "MalformedSignatureError",
    "MalleableSignatureError",
    "MemberSignature",
    "MembershipChange",
    "ProjectRegistration",
    "RegisterProjectDecision",
    "ReplaceCommitteeDecision",
    "SetAuthorizationDecision",
    "SetFirstTransferDefinitionDecision",
    "SideTally",
    "SignatureCheck",
    "SignatureError",
    "Tally",
    "decision_id",
    "sort_signatures",
    "tally",
    "text_problem",
    "to_timestamp",
]

# ------------------------------------------------------------------------------------------------
# Constants (as in the contracts)
# ------------------------------------------------------------------------------------------------

#: EIP-712 domain name and version of every ``JointCommittee``.
DOMAIN_NAME = "JCM Joint Committee"
DOMAIN_VERSION = "1"
#: secp256k1 group order; signatures with ``s > N/2`` are malleable copies and refused.
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = _SECP256K1_N // 2

# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


class DecisionError(InvalidInput, ValueError):
    """Base of every error of this module.

    Part of the SDK's one exception hierarchy (an :class:`~registry_client.errors.InvalidInput`
    of :class:`~registry_client.errors.RegistryError`), and a ``ValueError`` so that pydantic
    reports it as a validation error of the field that raised it.
    """


class DecisionFormatError(DecisionError):
    """A decision or signature document does not parse, or states a digest not its content's."""


class DecisionMismatchError(DecisionError):
    """A signature was made over another decision (its digest differs from this decision's)."""


class SignatureError(errors.SignatureError, DecisionError):
    """A signature is not a valid member signature over the decision.

    The SDK's one :class:`~registry_client.errors.SignatureError`, raised before anything is sent.

    Attributes:
        signer: the address the signature claims to be from, when known.
    """

    def __init__(self, message: str, signer: str | None = None) -> None:
        super().__init__(message)
        self.signer = signer


class MalformedSignatureError(SignatureError):
    """The signature is not 65 bytes of ``r || s || v`` (``CommitteeMalformedSignature``)."""


class MalleableSignatureError(SignatureError):
    """The signature's ``s`` is in the upper half of the curve order (a malleable copy).

    Mirrors the contract's ``CommitteeMalleableSignature``.
    """


class InvalidSignatureError(SignatureError):
    """``v`` is not 27/28, the signature recovers no key, or it recovers another address."""


# ------------------------------------------------------------------------------------------------
# EIP-712 types (mirror of DecisionTypes.sol)
# ------------------------------------------------------------------------------------------------

_EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_ALLOCATION = [{"name": "account", "type": "address"}, {"name": "amount", "type": "uint64"}]
_NONCE_DEADLINE = [{"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]

_TYPES: dict[str, dict[str, list[dict[str, str]]]] = {
    "RegisterProject": {
        "RegisterProject": [
            {"name": "ref", "type": "string"},
            {"name": "country", "type": "bytes2"},
            {"name": "title", "type": "string"},
            {"name": "methodology", "type": "string"},
            {"name": "pddHash", "type": "bytes32"},
            {"name": "validationReportHash", "type": "bytes32"},
            *_NONCE_DEADLINE,
        ],
    },
    "IssueCredits": {
        "IssueCredits": [
            {"name": "decisionId", "type": "bytes32"},
            {"name": "decisionRef", "type": "string"},
            {"name": "projectRef", "type": "string"},
            {"name": "monitoringStart", "type": "uint64"},
            {"name": "monitoringEnd", "type": "uint64"},
            {"name": "vintage", "type": "uint16"},
            {"name": "quantity", "type": "uint64"},
            {"name": "verifiedReductions", "type": "uint64"},
            {"name": "verificationReportHash", "type": "bytes32"},
            {"name": "authorization", "type": "uint8"},
            {"name": "authorizationId", "type": "string"},
            {"name": "authorizationDate", "type": "uint64"},
            {"name": "allocations", "type": "Allocation[]"},
            *_NONCE_DEADLINE,
        ],
        "Allocation": _ALLOCATION,
    },
    "CorrectCredits": {
        "CorrectCredits": [
            {"name": "decisionId", "type": "bytes32"},
            {"name": "account", "type": "address"},
            {"name": "batchId", "type": "uint256"},
            {"name": "firstSerial", "type": "uint64"},
            {"name": "lastSerial", "type": "uint64"},
            *_NONCE_DEADLINE,
        ],
    },
    "ChangeMembers": {
        "ChangeMembers": [
            {"name": "japanMembers", "type": "address[]"},
            {"name": "partnerMembers", "type": "address[]"},
            {"name": "japanThreshold", "type": "uint8"},
            {"name": "partnerThreshold", "type": "uint8"},
            *_NONCE_DEADLINE,
        ],
    },
    "ReplaceCommittee": {
        "ReplaceCommittee": [{"name": "successor", "type": "address"}, *_NONCE_DEADLINE],
    },
    "SetAuthorization": {
        "SetAuthorization": [
            {"name": "batchId", "type": "uint256"},
            {"name": "authorization", "type": "uint8"},
            {"name": "authorizationId", "type": "string"},
            {"name": "authorizationDate", "type": "uint64"},
            *_NONCE_DEADLINE,
        ],
    },
    "SetFirstTransferDefinition": {
        "SetFirstTransferDefinition": [{"name": "definition", "type": "uint8"}, *_NONCE_DEADLINE],
    },
}


def _type_string(primary: str, types: Mapping[str, list[dict[str, str]]]) -> str:
    def one(name: str) -> str:
        fields = ",".join(f"{f['type']} {f['name']}" for f in types[name])
        return f"{name}({fields})"

    return one(primary) + "".join(one(dep) for dep in sorted(t for t in types if t != primary))


#: Primary type -> its EIP-712 type string, exactly as hashed in ``DecisionTypes.sol``.
TYPE_STRINGS: Mapping[str, str] = {
    name: _type_string(name, types) for name, types in _TYPES.items()
}

# ------------------------------------------------------------------------------------------------
# Decision contents
# ------------------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        frozen=True,
        extra="forbid",
    )


#: What ``TextChecks.sol`` refuses besides malformed UTF-8: C0, DEL, C1, the line and paragraph
#: separators and the bidirectional overrides and isolates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")


def text_problem(text: str) -> str | None:
    """What ``TextChecks.sol`` would refuse in ``text`` (the contracts' rule for stored text), or
    None: a character that is no Unicode scalar value (a lone surrogate), or a control character."""
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"character {exc.start} is not valid Unicode (a lone surrogate)"
    found = _CONTROL.search(text)
    if found is None:
        return None
    offset = len(text[: found.start()].encode("utf-8"))
    assert offset < len(encoded)  # the match is a character of the text
    return f"control character U+{ord(found.group()):04X} at byte {offset}"


def _text_problems(label: str, text: str, required: bool = True) -> list[str]:
    problem = text_problem(text)
    if problem is not None:
        return [
            f"{label} has a {problem}" if problem.startswith("control") else f"{label}: {problem}"
        ]
    size = len(text.encode("utf-8"))
    if required and size == 0:
        return [f"{label} is empty"]
    if size > MAX_TEXT_BYTES:
        return [f"{label} is {size} bytes of UTF-8, more than {MAX_TEXT_BYTES}"]
    return []


def _day(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    except (OverflowError, ValueError, OSError):  # a uint64 far beyond any calendar
        return f"unix time {timestamp}"


def _when(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):
        return f"unix time {timestamp}"


class ProjectRegistration(_Model):
    """What a joint committee decides when it registers a project (``ProjectRegistration``)."""

    ref: str
    country: Side
    title: str
    methodology: str
    pdd_hash: Hash32
    validation_report_hash: Hash32

    def eip712_message(self) -> dict[str, Any]:
        """The struct's fields as EIP-712 message values (camelCase names, hex bytes)."""
        return {
            "ref": self.ref,
            "country": "0x" + self.country.encode("ascii").hex(),
            "title": self.title,
            "methodology": self.methodology,
            "pddHash": self.pdd_hash,
            "validationReportHash": self.validation_report_hash,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple for web3.py or Ape."""
        return (
            self.ref,
            self.country.encode("ascii"),
            self.title,
            self.methodology,
            bytes.fromhex(self.pdd_hash[2:]),
            bytes.fromhex(self.validation_report_hash[2:]),
        )

    def problems(self) -> list[str]:
        """What ``JCMProjects.registerProject`` would refuse, as human sentences (empty if none)."""
        found = _text_problems("the project reference", self.ref)
        if not re.fullmatch(r"[A-Z]{2}[0-9]{3}", self.ref) or self.ref[:2] != self.country:
            found.append(
                f"the project reference {self.ref!r} is not {self.country} followed by three digits"
            )
        found += _text_problems("the title", self.title)
        found += _text_problems("the methodology", self.methodology)
        zero = "0x" + "00" * 32
        if self.pdd_hash == zero:
            found.append("the PDD hash is zero")
        if self.validation_report_hash == zero:
            found.append("the validation report hash is zero")
        if self.pdd_hash == self.validation_report_hash and self.pdd_hash != zero:
            found.append("the PDD and the validation report have the same hash")
        return found


class Allocation(_Model):
    """Part of an issuance credited to one account (``Allocation``)."""

    account: Address
    amount: Uint64

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {"account": self.account, "amount": self.amount}

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (self.account, self.amount)


class Issuance(_Model):
    """What a joint committee decides when it issues credits (``Issuance``).

    Monitoring bounds and the authorization date are unix seconds (UTC); dates and ISO text are
    accepted on input and stored as seconds. ``decision_ref`` is the committee's decision reference
    as people read it (``"JC-ID-2023-05"``); ``decision_id`` is its keccak256 (``decision_id()``),
    derived from it when not given, and the contract refuses an id that is not.
    """

    decision_id: Hash32
    decision_ref: str
    project_ref: str
    monitoring_start: UnixTime
    monitoring_end: UnixTime
    vintage: Uint16
    quantity: Uint64
    verified_reductions: Uint64
    verification_report_hash: Hash32
    authorization: Annotated[Authorization, enum_field(Authorization)] = Authorization.NONE
    authorization_id: str = ""
    authorization_date: UnixTime = 0
    allocations: tuple[Allocation, ...]

    @model_validator(mode="before")
    @classmethod
    def _derive_decision_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not ({"decision_id", "decisionId"} & data.keys()):
            ref = data.get("decision_ref", data.get("decisionRef"))
            if isinstance(ref, str) and ref:
                data = {**data, "decision_id": decision_id(ref)}
        return data

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values (allocations as a list of structs)."""
        return {
            "decisionId": self.decision_id,
            "decisionRef": self.decision_ref,
            "projectRef": self.project_ref,
            "monitoringStart": self.monitoring_start,
            "monitoringEnd": self.monitoring_end,
            "vintage": self.vintage,
            "quantity": self.quantity,
            "verifiedReductions": self.verified_reductions,
            "verificationReportHash": self.verification_report_hash,
            "authorization": int(self.authorization),
            "authorizationId": self.authorization_id,
            "authorizationDate": self.authorization_date,
            "allocations": [a.eip712_message() for a in self.allocations],
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (
            bytes.fromhex(self.decision_id[2:]),
            self.decision_ref,
            self.project_ref,
            self.monitoring_start,
            self.monitoring_end,
            self.vintage,
            self.quantity,
            self.verified_reductions,
            bytes.fromhex(self.verification_report_hash[2:]),
            int(self.authorization),
            self.authorization_id,
            self.authorization_date,
            [a.as_tuple() for a in self.allocations],
        )

    def problems(self) -> list[str]:
        """What ``JCMProjects.issue`` / ``JCMRegistry.mint`` would refuse, known offline."""
        found = _text_problems("the decision reference", self.decision_ref, required=True)
        if self.decision_ref and decision_id(self.decision_ref) != self.decision_id:
            found.append(
                f"the decision id {self.decision_id} is not the keccak256 of the decision "
                f"reference {quoted(self.decision_ref)}"
            )
        found += _text_problems("the project reference", self.project_ref, required=False)
        found += _text_problems("the authorization id", self.authorization_id, required=False)
        if self.quantity == 0:
            found.append("the quantity is zero")
        if self.quantity > MAX_ISSUANCE_QUANTITY:
            found.append(
                f"the quantity {self.quantity:,} is above the ceiling of {MAX_ISSUANCE_QUANTITY:,} "
                "per issuance"
            )
        if self.verification_report_hash == "0x" + "00" * 32:
            found.append("the verification report hash is zero")
        if self.quantity > self.verified_reductions:
            found.append(
                f"the quantity {self.quantity:,} exceeds the verified reductions "
                f"{self.verified_reductions:,}"
            )
        if self.monitoring_start > self.monitoring_end:
            found.append("the monitoring period ends before it starts")
        if self.monitoring_end > MAX_MONITORING_TIME:
            found.append(
                f"the monitoring period ends after {MAX_MONITORING_TIME:,} seconds (in the year "
                "36812), the latest time the registry keeps"
            )
        if not MIN_VINTAGE <= self.vintage <= MAX_VINTAGE:
            found.append(f"the vintage {self.vintage} is outside {MIN_VINTAGE}..{MAX_VINTAGE}")
        if not 1 <= len(self.allocations) <= MAX_ALLOCATIONS:
            found.append(f"{len(self.allocations)} allocations (1 to {MAX_ALLOCATIONS} allowed)")
        if any(a.amount == 0 for a in self.allocations):
            found.append("an allocation amount is zero")
        allocated = sum(a.amount for a in self.allocations)
        if allocated != self.quantity:
            found.append(
                f"the allocations add up to {allocated:,}, not the quantity {self.quantity:,}"
            )
        return found


class Correction(_Model):
    """A correction: the named serials of one account go to cancellation (``Correction``)."""

    decision_id: Hash32
    account: Address
    batch_id: Uint256
    first_serial: Uint64
    last_serial: Uint64

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {
            "decisionId": self.decision_id,
            "account": self.account,
            "batchId": self.batch_id,
            "firstSerial": self.first_serial,
            "lastSerial": self.last_serial,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (
            bytes.fromhex(self.decision_id[2:]),
            self.account,
            self.batch_id,
            self.first_serial,
            self.last_serial,
        )

    def problems(self) -> list[str]:
        """What the ledger would refuse without looking at the chain."""
        if self.first_serial > self.last_serial:
            return ["the first serial is above the last serial"]
        return []


class MembershipChange(_Model):
    """A new membership of a joint committee (``MembershipChange``)."""

    japan_members: tuple[Address, ...]
    partner_members: tuple[Address, ...]
    japan_threshold: Uint8
    partner_threshold: Uint8

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {
            "japanMembers": list(self.japan_members),
            "partnerMembers": list(self.partner_members),
            "japanThreshold": self.japan_threshold,
            "partnerThreshold": self.partner_threshold,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (
            list(self.japan_members),
            list(self.partner_members),
            self.japan_threshold,
            self.partner_threshold,
        )

    def problems(self) -> list[str]:
        """What ``JointCommittee.changeMembers`` would refuse (counts, thresholds, members)."""
        found: list[str] = []
        sides = (
            ("Japan", self.japan_members, self.japan_threshold),
            ("partner", self.partner_members, self.partner_threshold),
        )
        for label, members, threshold in sides:
            if not 1 <= len(members) <= MAX_MEMBERS_PER_SIDE:
                found.append(
                    f"the {label} side has {len(members)} members (1 to {MAX_MEMBERS_PER_SIDE})"
                )
            if not 1 <= threshold <= len(members):
                found.append(
                    f"the {label} threshold {threshold} is not between 1 and its "
                    f"{len(members)} members"
                )
        seen: set[str] = set()
        for member in (*self.japan_members, *self.partner_members):
            if int(member, 16) == 0:
                found.append("a member is the zero address")
            elif member in seen:
                found.append(f"{member} is listed twice or on both sides")
            seen.add(member)
        return found


class CommitteeReplacement(_Model):
    """A joint committee's successor (``CommitteeReplacement``)."""

    successor: Address

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {"successor": self.successor}

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (self.successor,)

    def problems(self) -> list[str]:
        """What ``JointCommittee.replaceCommittee`` would refuse without looking at the chain."""
        return ["the successor is the zero address"] if int(self.successor, 16) == 0 else []


class BatchAuthorization(_Model):
    """An Article 6.2 authorization of one batch, decided by the host party's members
    (``BatchAuthorization`` in ``IJCMArticle6.sol``). ``authorization=NONE`` revokes it."""

    batch_id: Uint256
    authorization: Annotated[Authorization, enum_field(Authorization)]
    authorization_id: str
    authorization_date: UnixTime

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {
            "batchId": self.batch_id,
            "authorization": int(self.authorization),
            "authorizationId": self.authorization_id,
            "authorizationDate": self.authorization_date,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (
            self.batch_id,
            int(self.authorization),
            self.authorization_id,
            self.authorization_date,
        )

    def problems(self) -> list[str]:
        """What ``JCMArticle6.setAuthorization`` would refuse without looking at the chain."""
        found = _text_problems("the authorization id", self.authorization_id, required=True)
        if self.authorization_date == 0:
            found.append("the authorization date is missing")
        return found


class FirstTransferRule(_Model):
    """The first-transfer definition of a partner country's cooperative approach
    (``FirstTransferRule`` in ``IJCMArticle6.sol``)."""

    definition: Annotated[FirstTransferDefinition, enum_field(FirstTransferDefinition)]

    def eip712_message(self) -> dict[str, Any]:
        """EIP-712 message values."""
        return {"definition": int(self.definition)}

    def as_tuple(self) -> tuple[Any, ...]:
        """The Solidity struct as a tuple."""
        return (int(self.definition),)

    def problems(self) -> list[str]:
        """Nothing is refused offline: the chain checks that no unit moved yet."""
        return []


# ------------------------------------------------------------------------------------------------
# Signatures
# ------------------------------------------------------------------------------------------------


class MemberSignature(_Model):
    """One member's signature over a decision's digest, as kept in a signature file.

    ``signer`` is stated (not only recovered) because contract-wallet members (ERC-1271) cannot be
    recovered from a signature. ``digest`` says which decision was signed.
    """

    signer: Address
    signature: HexData
    digest: Hash32

    @property
    def signature_bytes(self) -> bytes:
        """The raw signature."""
        return bytes.fromhex(self.signature[2:])

    def as_tuple(self) -> tuple[str, bytes]:
        """The Solidity ``MemberSignature`` struct as a tuple."""
        return (self.signer, self.signature_bytes)

    def to_json(self) -> str:
        """The signature file's text."""
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> MemberSignature:
        """Parses a signature file.

        Raises:
            DecisionFormatError: the text is not a valid signature document.
        """
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise DecisionFormatError(f"not a member signature file: {exc}") from exc


def sort_signatures(signatures: Iterable[MemberSignature]) -> list[MemberSignature]:
    """Signatures ordered by ascending signer address (numerically), as the contract requires."""
    return sorted(signatures, key=lambda s: int(s.signer, 16))


def _recover(digest: bytes, signature: bytes, claimed: str | None) -> str:
    """ECDSA recovery with the contract's rules (OpenZeppelin ``ECDSA.tryRecover``)."""
    who = f" of {claimed}" if claimed else ""
    if len(signature) != 65:
        raise MalformedSignatureError(
            f"the signature{who} is {len(signature)} bytes, not 65 (r, s, v)", claimed
        )
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if s > _HALF_N:
        raise MalleableSignatureError(
            f"the signature{who} has a high s value (a malleable copy); sign again", claimed
        )
    if v not in (27, 28):
        raise InvalidSignatureError(f"the signature{who} has v = {v}, not 27 or 28", claimed)
    try:
        public_key = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except Exception as exc:  # eth_keys raises several types for an unrecoverable signature
        raise InvalidSignatureError(f"the signature{who} recovers no key: {exc}", claimed) from exc
    return str(public_key.to_checksum_address())


# ------------------------------------------------------------------------------------------------
# Decisions
# ------------------------------------------------------------------------------------------------


class CommitteeDomain(_Model):
    """The EIP-712 domain of one joint committee: the chain and the committee contract."""

    chain_id: Uint256
    committee: Address

    def eip712_domain(self) -> dict[str, Any]:
        """The EIP-712 domain values."""
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.committee,
        }


class Decision(_Model):
    """Base of the decision kinds: domain, nonce, deadline, and everything derived from them.

    ``partner_only`` kinds (Article 6 authorizations and the first-transfer definition) need only
    the partner side's threshold; every other kind needs both sides'.

    ``recorded_by_digest`` kinds (committee replacement, authorization, first-transfer definition)
    are the ones ``JointCommittee.executed(digest)`` answers for and a replay of which fails with
    ``CommitteeDecisionAlreadyExecuted``; the others run once by their own effect (a project
    reference or decision id accepted once, a membership change moving the nonce) and a replay
    fails with that effect's error.

    Attributes:
        domain: the committee (and chain) the decision is for.
        nonce: the committee's nonce (membership epoch) the signatures are valid under.
        deadline: unix seconds after which the decision can no longer execute.
    """

    primary_type: ClassVar[str]
    function_name: ClassVar[str]
    digest_function: ClassVar[str]
    decision_kind: ClassVar[DecisionKind]
    partner_only: ClassVar[bool] = False
    recorded_by_digest: ClassVar[bool] = False

    domain: CommitteeDomain
    nonce: Uint256
    deadline: UnixTime

    # --- EIP-712 ------------------------------------------------------------------------------

    @abstractmethod
    def content_message(self) -> dict[str, Any]:
        """The decided struct's EIP-712 message values (without nonce and deadline)."""

    @abstractmethod
    def content_tuple(self) -> tuple[Any, ...]:
        """The decided struct as a tuple for a contract call."""

    @abstractmethod
    def content_problems(self) -> list[str]:
        """What the contracts would refuse in the decided struct."""

    def typed_data(self) -> dict[str, Any]:
        """The full EIP-712 document (``types``, ``primaryType``, ``domain``, ``message``).

        Usable with ``eth_account.messages.encode_typed_data(full_message=...)`` and with wallets'
        ``eth_signTypedData_v4``; bytes are 0x-hex text so the document is JSON-serializable.
        """
        types: dict[str, list[dict[str, str]]] = {"EIP712Domain": list(_EIP712_DOMAIN)}
        types.update({name: list(fields) for name, fields in _TYPES[self.primary_type].items()})
        return {
            "types": types,
            "primaryType": self.primary_type,
            "domain": self.domain.eip712_domain(),
            "message": {**self.content_message(), "nonce": self.nonce, "deadline": self.deadline},
        }

    @property
    def digest(self) -> bytes:
        """The 32-byte EIP-712 digest members sign (equals the contract's ``*Digest`` view).

        Computed on each access (about a millisecond), never cached: a cached value would survive
        ``model_copy(update=...)`` and describe another decision.
        """
        signable = encode_typed_data(full_message=self.typed_data())
        return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))

    @property
    def digest_hex(self) -> str:
        """The digest as 0x-hex text."""
        return "0x" + self.digest.hex()

    # --- signing and verification -------------------------------------------------------------

    def sign(self, account: LocalAccount) -> MemberSignature:
        """Signs the decision offline with a local key (e.g. from an eth-account keystore)."""
        signed = account.sign_message(encode_typed_data(full_message=self.typed_data()))
        if bytes(signed.message_hash) != self.digest:
            raise DecisionError("eth-account computed another digest than this decision's")
        return MemberSignature(
            signer=account.address,
            signature="0x" + bytes(signed.signature).hex(),
            digest=self.digest_hex,
        )

    def recover(self, signature: bytes | str | MemberSignature) -> str:
        """The address that signed this decision with ``signature``.

        Args:
            signature: raw 65 bytes, 0x-hex text, or a ``MemberSignature`` (whose digest must be
                this decision's).

        Returns:
            The checksum address of the signer.

        Raises:
            DecisionMismatchError: a ``MemberSignature`` over another decision.
            MalformedSignatureError: not 65 bytes (or not hex).
            MalleableSignatureError: high ``s``, refused by the contract.
            InvalidSignatureError: ``v`` not 27/28, or no key recovers.
        """
        claimed: str | None = None
        if isinstance(signature, MemberSignature):
            self._check_digest(signature)
            claimed = signature.signer
            raw = signature.signature_bytes
        elif isinstance(signature, str):
            try:
                raw = bytes.fromhex(signature[2:] if signature[:2] in ("0x", "0X") else signature)
            except ValueError:
                raise MalformedSignatureError("the signature is not hex text") from None
        else:
            raw = bytes(signature)
        return _recover(self.digest, raw, claimed)

    def verify(self, signature: MemberSignature) -> None:
        """Checks that ``signature`` is its stated signer's signature over this decision (EOA keys).

        Raises:
            DecisionMismatchError: the signature is over another decision.
            SignatureError: see ``recover``; ``InvalidSignatureError`` when it recovers another
                address (a contract-wallet member's signature can only be checked on chain).
        """
        recovered = self.recover(signature)
        if recovered != signature.signer:
            raise InvalidSignatureError(
                f"the signature claims {signature.signer} but was made by {recovered}",
                signature.signer,
            )

    def _check_digest(self, signature: MemberSignature) -> None:
        if signature.digest != self.digest_hex:
            raise DecisionMismatchError(
                f"the signature of {signature.signer} is over decision {signature.digest}, "
                f"not this one ({self.digest_hex})"
            )

    # --- submission ---------------------------------------------------------------------------

    def contract_call(self, signatures: Iterable[MemberSignature]) -> tuple[str, tuple[Any, ...]]:
        """The ``JointCommittee`` function and its arguments, signatures sorted by signer.

        Returns:
            ``(function name, args)``, e.g. ``("issueCredits", (issuance, nonce, deadline, sigs))``,
            ready for ``getattr(contract.functions, name)(*args)`` (web3.py) or
            ``getattr(contract, name)(*args, sender=...)`` (Ape).

        Raises:
            DecisionMismatchError: a signature is over another decision.
        """
        ordered = sort_signatures(signatures)
        for signature in ordered:
            self._check_digest(signature)
        return (
            self.function_name,
            (
                self.content_tuple(),
                self.nonce,
                self.deadline,
                [s.as_tuple() for s in ordered],
            ),
        )

    def digest_call(self) -> tuple[str, tuple[Any, ...]]:
        """The contract's digest view and its arguments (to compare with ``digest``)."""
        return (self.digest_function, (self.content_tuple(), self.nonce, self.deadline))

    def problems(self) -> list[str]:
        """What the contracts would refuse, as far as can be known offline (empty if nothing)."""
        return self.content_problems()

    # --- presentation and files ---------------------------------------------------------------

    @abstractmethod
    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        """One sentence of what is decided."""

    def summary(self, sides: Mapping[str, str] | None = None) -> str:
        """A human text of what is decided, and under which committee, nonce and deadline.

        Args:
            sides: optional account address -> what is known of it (registry side, holder
                name), shown next to allocation and correction accounts.
        """
        return (
            f"{self.headline(sides)}\n"
            f"Committee {self.domain.committee} on chain {self.domain.chain_id}, "
            f"nonce {self.nonce}, valid until {_when(self.deadline)}\n"
            f"Digest {self.digest_hex}"
        )

    def to_json(self) -> str:
        """The decision file's text (with its digest, checked again when loaded)."""
        fields = self.model_dump(mode="json")
        data = {"kind": fields.pop("kind"), **fields, "digest": self.digest_hex}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> AnyDecision:
        """Parses a decision file of any kind (or of this class's kind when called on a subclass).

        Raises:
            DecisionFormatError: not a decision document, another kind than expected, or a stated
                digest that is not the content's.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise DecisionFormatError(f"a decision file is JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise DecisionFormatError("a decision file is a JSON object")
        stated = data.pop("digest", None)
        try:
            decision = _DECISION_ADAPTER.validate_python(data)
        except ValidationError as exc:
            raise DecisionFormatError(f"not a valid decision: {exc}") from exc
        if cls is not Decision and not isinstance(decision, cls):
            raise DecisionFormatError(f"expected a {cls.__name__}, got a {decision.kind} decision")
        if stated is not None and stated != decision.digest_hex:
            raise DecisionFormatError(
                f"the file states digest {stated} but its content hashes to {decision.digest_hex}"
            )
        return decision


def _side_label(account: str, sides: Mapping[str, str] | None) -> str:
    """An account with what is known of it (registry side, holder name), escaped."""
    if not sides:
        return account
    side = sides.get(account) or sides.get(account.lower())
    return f"{account} ({printable(side)})" if side else account


class RegisterProjectDecision(Decision):
    """Register a project (``JointCommittee.registerProject``)."""

    primary_type: ClassVar[str] = "RegisterProject"
    function_name: ClassVar[str] = "registerProject"
    digest_function: ClassVar[str] = "registerProjectDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.RegisterProject

    kind: Literal["RegisterProject"] = "RegisterProject"
    project: ProjectRegistration

    def content_message(self) -> dict[str, Any]:
        return self.project.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.project.as_tuple()

    def content_problems(self) -> list[str]:
        return self.project.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        p = self.project
        return (
            f"Register project {quoted(p.ref)} ({p.country}): title {quoted(p.title)}, "
            f"methodology {quoted(p.methodology)}\n"
            f"PDD hash {p.pdd_hash}\n"
            f"Validation report hash {p.validation_report_hash}"
        )


class IssueCreditsDecision(Decision):
    """Issue a batch of credits with its allocation (``JointCommittee.issueCredits``)."""

    primary_type: ClassVar[str] = "IssueCredits"
    function_name: ClassVar[str] = "issueCredits"
    digest_function: ClassVar[str] = "issueCreditsDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.IssueCredits

    kind: Literal["IssueCredits"] = "IssueCredits"
    issuance: Issuance

    def content_message(self) -> dict[str, Any]:
        return self.issuance.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.issuance.as_tuple()

    def content_problems(self) -> list[str]:
        return self.issuance.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        i = self.issuance
        width = max(len(f"{a.amount:,}") for a in i.allocations) if i.allocations else 0
        lines = [
            f"Issue {i.quantity:,} t for project {quoted(i.project_ref)}, monitoring "
            f"{_day(i.monitoring_start)}..{_day(i.monitoring_end)}, vintage {i.vintage}, "
            f"allocated to {len(i.allocations)} account(s):",
            *(
                f"  {a.amount:>{width},} t to {_side_label(a.account, sides)}"
                for a in i.allocations
            ),
            f"Decision id {i.decision_id}",
            f"Verified reductions {i.verified_reductions:,} t, verification report hash "
            f"{i.verification_report_hash}",
            f"Article 6 authorization: {i.authorization.label}",
        ]
        if i.authorization != Authorization.NONE:
            ref = quoted(i.authorization_id) if i.authorization_id else "no id"
            lines[-1] += f" ({ref}, {_day(i.authorization_date)})"
        return "\n".join(lines)


class CorrectCreditsDecision(Decision):
    """Correct issued credits: named serials to cancellation (``JointCommittee.correctCredits``)."""

    primary_type: ClassVar[str] = "CorrectCredits"
    function_name: ClassVar[str] = "correctCredits"
    digest_function: ClassVar[str] = "correctCreditsDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.CorrectCredits

    kind: Literal["CorrectCredits"] = "CorrectCredits"
    correction: Correction

    def content_message(self) -> dict[str, Any]:
        return self.correction.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.correction.as_tuple()

    def content_problems(self) -> list[str]:
        return self.correction.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        c = self.correction
        quantity = max(c.last_serial - c.first_serial + 1, 0)
        return (
            f"Correct {quantity:,} t of batch {c.batch_id} "
            f"(serials {c.first_serial}..{c.last_serial}) "
            f"held by {_side_label(c.account, sides)}: move them to the cancellation account with "
            f"reason Correction (decision id {c.decision_id})"
        )


class ChangeMembersDecision(Decision):
    """Replace the committee's members and thresholds (``JointCommittee.changeMembers``)."""

    primary_type: ClassVar[str] = "ChangeMembers"
    function_name: ClassVar[str] = "changeMembers"
    digest_function: ClassVar[str] = "changeMembersDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.ChangeMembers

    kind: Literal["ChangeMembers"] = "ChangeMembers"
    change: MembershipChange

    def content_message(self) -> dict[str, Any]:
        return self.change.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.change.as_tuple()

    def content_problems(self) -> list[str]:
        return self.change.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        c = self.change
        return (
            f"Change members: Japan {', '.join(c.japan_members)} (threshold {c.japan_threshold} of "
            f"{len(c.japan_members)}); partner {', '.join(c.partner_members)} (threshold "
            f"{c.partner_threshold} of {len(c.partner_members)}). Signatures under nonce "
            f"{self.nonce} stop being accepted"
        )


class ReplaceCommitteeDecision(Decision):
    """Hand the committee's country over to a successor committee (``replaceCommittee``)."""

    primary_type: ClassVar[str] = "ReplaceCommittee"
    function_name: ClassVar[str] = "replaceCommittee"
    digest_function: ClassVar[str] = "replaceCommitteeDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.ReplaceCommittee
    recorded_by_digest: ClassVar[bool] = True

    kind: Literal["ReplaceCommittee"] = "ReplaceCommittee"
    replacement: CommitteeReplacement

    def content_message(self) -> dict[str, Any]:
        return self.replacement.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.replacement.as_tuple()

    def content_problems(self) -> list[str]:
        return self.replacement.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        return (
            f"Replace this joint committee by {self.replacement.successor}: from then on only the "
            "successor decides for this country"
        )


class SetAuthorizationDecision(Decision):
    """Record, amend or revoke a batch's Article 6 authorization (``setAuthorization``).

    Only the partner side's threshold is required (``JointCommittee.setAuthorization``):
    authorizing is the host party's own act.
    """

    primary_type: ClassVar[str] = "SetAuthorization"
    function_name: ClassVar[str] = "setAuthorization"
    digest_function: ClassVar[str] = "setAuthorizationDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.SetAuthorization
    partner_only: ClassVar[bool] = True
    recorded_by_digest: ClassVar[bool] = True

    kind: Literal["SetAuthorization"] = "SetAuthorization"
    authorization: BatchAuthorization

    def content_message(self) -> dict[str, Any]:
        return self.authorization.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.authorization.as_tuple()

    def content_problems(self) -> list[str]:
        return self.authorization.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        a = self.authorization
        what = (
            "Revoke the Article 6 authorization"
            if a.authorization == Authorization.NONE
            else f"Set the Article 6 authorization to {a.authorization.label}"
        )
        return (
            f"{what} of batch {a.batch_id} ({quoted(a.authorization_id)}, "
            f"{_day(a.authorization_date)}); the partner side's signatures decide it"
        )


class SetFirstTransferDefinitionDecision(Decision):
    """Set the country's first-transfer definition (``setFirstTransferDefinition``).

    Like ``SetAuthorizationDecision``, only the partner side's threshold is required.
    """

    primary_type: ClassVar[str] = "SetFirstTransferDefinition"
    function_name: ClassVar[str] = "setFirstTransferDefinition"
    digest_function: ClassVar[str] = "setFirstTransferDefinitionDigest"
    decision_kind: ClassVar[DecisionKind] = DecisionKind.SetFirstTransferDefinition
    partner_only: ClassVar[bool] = True
    recorded_by_digest: ClassVar[bool] = True

    kind: Literal["SetFirstTransferDefinition"] = "SetFirstTransferDefinition"
    rule: FirstTransferRule

    def content_message(self) -> dict[str, Any]:
        return self.rule.eip712_message()

    def content_tuple(self) -> tuple[Any, ...]:
        return self.rule.as_tuple()

    def content_problems(self) -> list[str]:
        return self.rule.problems()

    def headline(self, sides: Mapping[str, str] | None = None) -> str:
        return (
            f"Units of this country are first transferred by: {self.rule.definition.label} "
            "(and always by their first movement out of its registry); the partner side's "
            "signatures decide it"
        )


AnyDecision = Annotated[
    RegisterProjectDecision
    | IssueCreditsDecision
    | CorrectCreditsDecision
    | ChangeMembersDecision
    | ReplaceCommitteeDecision
    | SetAuthorizationDecision
    | SetFirstTransferDefinitionDecision,
    Field(discriminator="kind"),
]
_DECISION_ADAPTER: TypeAdapter[AnyDecision] = TypeAdapter(AnyDecision)


def decision_id(text: str) -> str:
    """The bytes32 id of a human decision id: keccak256 of its UTF-8 text, as 0x-hex.

    Example: ``decision_id("JC-ID-2024-07-issuance-3")``.
    """
    if not text:
        raise DecisionError("a decision id needs a non-empty text")
    return "0x" + bytes(keccak(text=text)).hex()


# ------------------------------------------------------------------------------------------------
# Tally
# ------------------------------------------------------------------------------------------------


class SignatureCheck(_Model):
    """The verdict on one collected signature."""

    signer: Address
    side: str | None
    valid: bool
    verified_offline: bool
    reason: str | None = None


class SideTally(_Model):
    """Valid signers of one side against its threshold."""

    side: str
    signers: tuple[Address, ...]
    count: int
    threshold: int
    met: bool


class Tally(_Model):
    """Where a decision's signature collection stands."""

    digest: Hash32
    japan: SideTally
    partner: SideTally
    checks: tuple[SignatureCheck, ...]
    valid_signatures: tuple[MemberSignature, ...]
    ready: bool

    @property
    def rejected(self) -> tuple[SignatureCheck, ...]:
        """The signatures that do not count, each with its reason."""
        return tuple(c for c in self.checks if not c.valid)


def tally(
    decision: Decision,
    signatures: Iterable[MemberSignature],
    japan_members: Collection[str],
    partner_members: Collection[str],
    japan_threshold: int,
    partner_threshold: int,
    *,
    partner_side: str = "partner",
    contract_wallets: Collection[str] = (),
) -> Tally:
    """Checks collected signatures against a membership, offline.

    Args:
        decision: the decision the signatures should be over.
        signatures: the collected signatures, in any order.
        japan_members: current Japan-side members (from ``JointCommittee.members()``).
        partner_members: current partner-side members.
        japan_threshold: required distinct Japan-side signatures.
        partner_threshold: required distinct partner-side signatures.
        partner_side: label of the partner side (its ISO code, e.g. ``"ID"``).
        contract_wallets: members that are contract wallets (ERC-1271): their signatures cannot be
            checked offline, count as valid, and are marked ``verified_offline=False``.

    Returns:
        A ``Tally``; ``valid_signatures`` is sorted and ready for ``decision.contract_call``.
    """
    japan = {checksum(m) for m in japan_members}
    partner = {checksum(m) for m in partner_members}
    wallets = {checksum(m) for m in contract_wallets}
    checks: list[SignatureCheck] = []
    valid: dict[str, MemberSignature] = {}
    for signature in signatures:
        signer = signature.signer
        side = JAPAN if signer in japan else partner_side if signer in partner else None
        reason: str | None = None
        offline = signer not in wallets
        if signature.digest != decision.digest_hex:
            reason = f"signed another decision ({signature.digest})"
        elif side is None:
            reason = "not a current member"
        elif signer in valid:
            reason = "duplicate: this member's signature is already counted"
        elif offline:
            try:
                decision.verify(signature)
            except SignatureError as exc:
                reason = str(exc)
        checks.append(
            SignatureCheck(
                signer=signer,
                side=side,
                valid=reason is None,
                verified_offline=offline,
                reason=reason,
            )
        )
        if reason is None:
            valid[signer] = signature
    ordered = sort_signatures(valid.values())

    def side_tally(label: str, members: set[str], threshold: int) -> SideTally:
        signers = tuple(s.signer for s in ordered if s.signer in members)
        return SideTally(
            side=label,
            signers=signers,
            count=len(signers),
            threshold=threshold,
            met=len(signers) >= threshold,
        )

    # A partner-only decision counts Japan's valid signatures but requires none of them.
    japan_tally = side_tally(JAPAN, japan, 0 if decision.partner_only else japan_threshold)
    partner_tally = side_tally(partner_side, partner, partner_threshold)
    return Tally(
        digest=decision.digest_hex,
        japan=japan_tally,
        partner=partner_tally,
        checks=tuple(checks),
        valid_signatures=tuple(ordered),
        ready=japan_tally.met and partner_tally.met,
    )
