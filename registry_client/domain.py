"""The registry's domain terms, defined once: enums, limits, addresses, sides, hashes and times.

Every other module (SDK models, decisions, CLI, indexer, API, bench, tests) takes these terms from
here. ``tests/test_domain.py`` ties them to the contracts: each Solidity ``enum`` has a Python enum
with the same members in the same order, and each ``public constant`` limit has the value written
in the contract (see ``docs/design.md`` §1 for what the terms mean).

Conventions:

- Addresses are EIP-55 checksummed strings; a mixed-case address with a wrong checksum is refused.
- Registry sides and countries are two upper-case letters (``"JP"``, ``"ID"``); ``b"JP"`` and
  ``"jp"`` are accepted and normalised.
- Hashes and decision ids are lower-case ``0x``-prefixed 32-byte hex strings.
- Times are timezone-aware UTC ``datetime`` values or unix seconds; a zero timestamp is "not set".
- Enums are ``IntEnum`` with the contracts' numbering, so a value is also its on-chain ``uint8``;
  ``member.key`` is the snake-case name the indexer and the API use (``"government_holding"``).

This module imports nothing from the package, so every other module may import it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import IntEnum
from functools import lru_cache
from typing import Annotated, Any, Literal, Self, TypeVar, get_args

from eth_utils import is_address, is_checksum_address, to_checksum_address
from pydantic import BeforeValidator, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

E = TypeVar("E", bound=IntEnum)

# ------------------------------------------------------------------------------------------------
# Enums (uint8 on the wire, same order as contracts/interfaces/*.sol)
# ------------------------------------------------------------------------------------------------

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _squash(name: str) -> str:
    return name.upper().replace("-", "").replace("_", "").replace(" ", "")


def parse_enum(cls: type[E], value: object) -> E:
    """Accept a member of ``cls``, its number, or its name in any case with ``-``, ``_`` or spaces.

    Raises:
        ValueError: ``value`` names no member.
    """
    if isinstance(value, cls):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return cls(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return cls(int(text))
        wanted = _squash(text)
        for name, member in cls.__members__.items():
            if _squash(name) == wanted:
                return member
    choices = ", ".join(_key(m) for m in cls)
    raise ValueError(f"{value!r} is not a valid {cls.__name__} (choose one of: {choices})")


def _key(member: IntEnum) -> str:
    return _CAMEL_BOUNDARY.sub("_", member.name).lower()


class DomainEnum(IntEnum):
    """An ``IntEnum`` of the contracts with the names the rest of the system uses."""

    @property
    def key(self) -> str:
        """The snake-case name the indexer stores and the API serves: ``"government_holding"``."""
        return _key(self)

    @property
    def label(self) -> str:
        """The member's name in lower-case words: ``"government holding"``."""
        return self.key.replace("_", " ")

    @classmethod
    def parse(cls, value: object) -> Self:
        """Accept a member, its number, or its name (see :func:`parse_enum`)."""
        return parse_enum(cls, value)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Every member's :attr:`key`, in on-chain order (index = ``uint8`` value)."""
        return tuple(member.key for member in cls)


class AccountKind(DomainEnum):
    """Kinds of registry accounts (``AccountKind`` in ``RegistryTypes.sol``), each with its
    Japanese name (口座種別)."""

    NONE = 0
    HOLDING = 1
    GOVERNMENT_HOLDING = 2
    RETIREMENT = 3
    CANCELLATION = 4

    @property
    def japanese(self) -> str:
        """The kind's name in Japan's JCM registry (``法人等保有口座``); empty for ``NONE``."""
        return _ACCOUNT_KINDS_JA[self.value]


_ACCOUNT_KINDS_JA = ("", "法人等保有口座", "政府保有口座", "無効化口座", "取消口座")


class AccountStatus(DomainEnum):
    """Life cycle of an account; ``NONE`` means the address was never opened."""

    NONE = 0
    ACTIVE = 1
    FROZEN = 2
    CLOSED = 3


class Authorization(DomainEnum):
    """Article 6.2 authorization of a batch (``Authorization`` in ``RegistryTypes.sol``)."""

    NONE = 0
    NDC = 1
    OTHER_PURPOSES = 2
    NDC_AND_OTHER_PURPOSES = 3

    @property
    def label(self) -> str:
        """Human label."""
        return _AUTHORIZATION_LABELS[self.value]


_AUTHORIZATION_LABELS = (
    "not authorized",
    "authorized for NDC use",
    "authorized for other international mitigation purposes",
    "authorized for NDC use and other purposes",
)


class RetirementPurpose(DomainEnum):
    """Why credits were retired."""

    NDC = 0
    VOLUNTARY_OFFSET = 1


class CancellationReason(DomainEnum):
    """Why credits were cancelled; ``CORRECTION`` is reserved for joint-committee decisions."""

    VOLUNTARY_CANCELLATION = 0
    OTHER_INTERNATIONAL_MITIGATION_PURPOSES = 1
    OVERALL_MITIGATION = 2
    CORRECTION = 3


class SerialLocation(DomainEnum):
    """Where a serial number is now."""

    UNISSUED = 0
    HELD = 1
    RETIRED = 2
    CANCELLED = 3
    #: Retired or cancelled: what ``locateSerial`` answers, since the ledger keeps those records as
    #: hashes; the SDK answers ``RETIRED`` or ``CANCELLED`` from the record's proven event instead.
    CONSUMED = 4


class MemberSide(DomainEnum):
    """Which government a joint-committee member represents (``IJointCommittee.sol``)."""

    NONE = 0
    JAPAN = 1
    PARTNER = 2


class DecisionKind(DomainEnum):
    """The kinds of decision (``DecisionKind`` in ``IJointCommittee.sol``).

    Members keep the contract's names, which are also the EIP-712 primary types.
    """

    RegisterProject = 0
    IssueCredits = 1
    CorrectCredits = 2
    ChangeMembers = 3
    ReplaceCommittee = 4
    SetAuthorization = 5
    SetFirstTransferDefinition = 6


class Article6Movement(DomainEnum):
    """The movements ``JCMRegistry`` reports to ``JCMArticle6`` (``IJCMArticle6.sol``)."""

    INTERNATIONAL_TRANSFER = 0
    NDC_RETIREMENT = 1
    OIMP_CANCELLATION = 2


class FirstTransferDefinition(DomainEnum):
    """What makes an authorized unit first transferred in a partner country's cooperative approach
    (``FirstTransferDefinition`` in ``IJCMArticle6.sol``; decision 2/CMA.3 annex para 2). Whatever
    the definition, a unit is also first transferred when it first leaves the host's registry."""

    INTERNATIONAL_TRANSFER = 0
    AUTHORIZATION = 1
    ISSUANCE = 2
    USE_OR_CANCELLATION = 3

    @property
    def label(self) -> str:
        """Human label."""
        return _FIRST_TRANSFER_LABELS[self.value]


_FIRST_TRANSFER_LABELS = (
    "first international transfer",
    "authorization (for other international mitigation purposes)",
    "issuance (for other international mitigation purposes)",
    "use or cancellation (for other international mitigation purposes)",
)


#: Every enum the contracts declare, by its Solidity name (checked by ``tests/test_domain.py``).
ENUMS: dict[str, type[DomainEnum]] = {
    cls.__name__: cls
    for cls in (
        AccountKind,
        AccountStatus,
        Authorization,
        RetirementPurpose,
        CancellationReason,
        SerialLocation,
        MemberSide,
        DecisionKind,
        FirstTransferDefinition,
        Article6Movement,
    )
}

# ------------------------------------------------------------------------------------------------
# Limits (the contracts' public constants; tests/test_domain.py compares them with the sources)
# ------------------------------------------------------------------------------------------------

#: Registry side code of Japan (``JCMRegistry.JAPAN``, ``JointCommittee.JAPAN``).
JAPAN = "JP"
#: ``JointCommittee.MAX_MEMBERS_PER_SIDE``.
MAX_MEMBERS_PER_SIDE = 16
#: ``JCMRegistry.MAX_ALLOCATIONS``: accounts one issuance may credit.
MAX_ALLOCATIONS = 32
#: ``JCMRegistry.MAX_RANGES_PER_MOVE``: serial ranges one movement may take.
MAX_RANGES_PER_MOVE = 32
#: ``JCMRegistry.MAX_RANGES_PER_HOLDING``: serial ranges one holding may keep.
MAX_RANGES_PER_HOLDING = 128
#: ``JCMRegistry.MAX_PAGE_SIZE``: most items one page of ``batchHolders`` / ``accountBatches``.
MAX_PAGE_SIZE = 512
#: ``JCMRegistry.MAX_TEXT_BYTES`` and ``JCMProjects.MAX_TEXT_BYTES`` (UTF-8 bytes, not characters).
MAX_TEXT_BYTES = 256
#: ``JCMRegistry.MAX_BATCH_QUANTITY`` (2^32 - 1): most credits a batch may hold, as the ledger
#: counts what its sinks consumed in 32 bits (``RegistryBatchTooLarge`` beyond).
MAX_BATCH_QUANTITY = 2**32 - 1
#: ``JCMProjects.MAX_ISSUANCE_QUANTITY``: most credits one issuance creates.
MAX_ISSUANCE_QUANTITY = 1_000_000_000
#: ``JCMProjects.MAX_BATCHES_PER_PROJECT``: batches a project may have and still take a period
#: earlier than its latest.
MAX_BATCHES_PER_PROJECT = 512
#: ``JCMProjects.MAX_MONITORING_TIME`` (2^40 - 1 seconds): the latest end of a monitoring period, as
#: the projects contract keeps periods in 40 bits (``ProjectsInvalidMonitoringPeriod`` beyond).
MAX_MONITORING_TIME = 2**40 - 1
#: ``JCMProjects.PERIOD_ADJACENCY`` (one day, in seconds): monitoring periods at most this far apart
#: are consecutive, and no period can later be issued between them.
PERIOD_ADJACENCY = 86_400
#: ``JCMGovernance.MAX_PAUSE_DURATION``: the longest emergency pause, in seconds (7 days).
MAX_PAUSE_DURATION = 7 * 86_400
#: ``JCMGovernance.PAUSE_COOLDOWN``: seconds after a pause before a side may pause again (7 days).
PAUSE_COOLDOWN = 7 * 86_400
#: ``JCMArticle6.MAX_FIRST_TRANSFER_RANGES``: first-transfer records one batch keeps.
MAX_FIRST_TRANSFER_RANGES = 1024
#: ``JCMProjects.MIN_VINTAGE`` / ``MAX_VINTAGE``.
MIN_VINTAGE = 2013
MAX_VINTAGE = 2100
#: Serials are ``uint64`` in the ABI and the events: the highest serial number a reader accepts
#: (a registry deployed before the 40-bit ledger could have emitted any of them).
MAX_SERIAL = 2**64 - 1
#: ``SerialRanges.MAX_SERIAL`` (internal, so not in the ABI): the ledger stores serials in 40 bits
#: and refuses an issuance beyond with ``RegistrySerialsExhausted``.
MAX_ISSUED_SERIAL = 2**40 - 1

#: The value of each contract's public constants, by contract and name.
CONTRACT_CONSTANTS: dict[str, dict[str, int | str]] = {
    "JCMRegistry": {
        "JAPAN": JAPAN,
        "MAX_RANGES_PER_MOVE": MAX_RANGES_PER_MOVE,
        "MAX_RANGES_PER_HOLDING": MAX_RANGES_PER_HOLDING,
        "MAX_ALLOCATIONS": MAX_ALLOCATIONS,
        "MAX_TEXT_BYTES": MAX_TEXT_BYTES,
        "MAX_PAGE_SIZE": MAX_PAGE_SIZE,
        "MAX_BATCH_QUANTITY": MAX_BATCH_QUANTITY,
    },
    "JCMRegistryAdmin": {
        "JAPAN": JAPAN,
        "MAX_TEXT_BYTES": MAX_TEXT_BYTES,
        "MAX_PAGE_SIZE": MAX_PAGE_SIZE,
        "MAX_BATCH_QUANTITY": MAX_BATCH_QUANTITY,
    },
    "JCMProjects": {
        "MAX_TEXT_BYTES": MAX_TEXT_BYTES,
        "MIN_VINTAGE": MIN_VINTAGE,
        "MAX_VINTAGE": MAX_VINTAGE,
        "MAX_ISSUANCE_QUANTITY": MAX_ISSUANCE_QUANTITY,
        "MAX_BATCHES_PER_PROJECT": MAX_BATCHES_PER_PROJECT,
        "MAX_MONITORING_TIME": MAX_MONITORING_TIME,
        "PERIOD_ADJACENCY": PERIOD_ADJACENCY,
    },
    "JCMGovernance": {
        "JAPAN": JAPAN,
        "MAX_PAUSE_DURATION": MAX_PAUSE_DURATION,
        "PAUSE_COOLDOWN": PAUSE_COOLDOWN,
    },
    "JointCommittee": {
        "JAPAN": JAPAN,
        "MAX_MEMBERS_PER_SIDE": MAX_MEMBERS_PER_SIDE,
    },
    "JCMArticle6": {
        "JAPAN": JAPAN,
        "MAX_FIRST_TRANSFER_RANGES": MAX_FIRST_TRANSFER_RANGES,
        "MAX_TEXT_BYTES": MAX_TEXT_BYTES,
    },
}

ContractName = Literal[
    "JCMRegistry",
    "JCMRegistryAdmin",
    "JCMProjects",
    "JCMGovernance",
    "JointCommittee",
    "JCMArticle6",
]
#: The contracts the SDK ships (``registry_client/artifacts/<name>.json``), in that order.
CONTRACT_NAMES: tuple[ContractName, ...] = get_args(ContractName)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_HASH = "0x" + "00" * 32

# ------------------------------------------------------------------------------------------------
# Conversions
# ------------------------------------------------------------------------------------------------


def checksum(value: object) -> str:
    """Return ``value`` (a hex string or 20 bytes) as a checksummed address.

    Raises:
        ValueError: ``value`` is not an address, or is mixed-case with a wrong EIP-55 checksum.
    """
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        return to_checksum_address(bytes(value))
    if isinstance(value, str):
        return _checksum_text(value)
    raise ValueError(f"{value!r} is not an address (expected 0x followed by 40 hex digits)")


@lru_cache(maxsize=4096)
def _checksum_text(value: str) -> str:
    """:func:`checksum` of a string, remembered: every receipt and model repeats the same few
    addresses, and each checksum is a keccak (refusals raise, and are not remembered)."""
    text = value.strip()
    if not is_address(text):
        raise ValueError(f"{value!r} is not an address (expected 0x followed by 40 hex digits)")
    digits = text[2:]
    # Mixed case is an EIP-55 checksum, and a wrong one means a mistyped address.
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(text):
        raise ValueError(
            f"{value!r} has a wrong EIP-55 checksum: check the address for a typing mistake"
        )
    return to_checksum_address(text)


def side_code(value: object) -> str:
    """Return a registry side or country code as two upper-case letters.

    Accepts ``b"JP"`` (a ``bytes2`` as returned by web3) or ``"jp"``.

    Raises:
        ValueError: ``value`` is not two ASCII letters.
    """
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(f"{value!r} is not a two-letter country code") from None
    if isinstance(value, str):
        text = value.strip().upper()
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text
    raise ValueError(f"{value!r} is not a two-letter country code (e.g. JP, ID, VN)")


def side_bytes(value: object) -> bytes:
    """Return a side or country code as the 2 bytes a ``bytes2`` argument takes."""
    return side_code(value).encode("ascii")


def hex_bytes(value: object, length: int | None = None) -> str:
    """Return bytes given as ``bytes`` or hex text as a lower-case ``0x`` hex string.

    Raises:
        ValueError: ``value`` is not hex, or not ``length`` bytes long.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        text = text[2:] if text[:2].lower() == "0x" else text
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a hex string") from None
    else:
        raise ValueError(f"expected bytes or 0x-hex text, got {type(value).__name__}")
    if length is not None and len(raw) != length:
        raise ValueError(f"{value!r} is {len(raw)} bytes long, expected {length} bytes")
    return "0x" + raw.hex()


def hash_hex(value: object) -> str:
    """Return a 32-byte value as a lower-case ``0x`` hex string.

    Raises:
        ValueError: ``value`` is not 32 bytes.
    """
    return hex_bytes(value, 32)


def hash_bytes(value: object) -> bytes:
    """Return a 32-byte hash given as hex or bytes as ``bytes``."""
    return bytes.fromhex(hash_hex(value)[2:])


def from_timestamp(value: object) -> datetime | None:
    """Convert unix seconds to an aware UTC datetime; 0 (never set) becomes ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            return from_timestamp(datetime.fromisoformat(text))
        value = int(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC) if value else None
    raise ValueError(f"{value!r} is not a timestamp")


def to_timestamp(value: object) -> int:
    """Convert a point in time to unix seconds (UTC).

    Args:
        value: unix seconds (an int or digits), a ``datetime`` (naive means UTC), a ``date``
            (midnight UTC), ISO 8601 text (``"2023-01-01"``, ``"2023-01-01T12:00:00+09:00"``), or
            ``None`` (0, the contracts' "not set").

    Raises:
        ValueError: the value is none of these.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError("a timestamp cannot be a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            value = (
                datetime.fromisoformat(text)
                if "T" in text or " " in text
                else date.fromisoformat(text)
            )
        except ValueError:
            raise ValueError(f"not a date, time or unix timestamp: {value!r}") from None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, date):
        return int(datetime.combine(value, time(0), tzinfo=UTC).timestamp())
    raise ValueError(f"not a date, time or unix timestamp: {value!r}")


def _any_bytes(value: object) -> str:
    return hex_bytes(value)


# ------------------------------------------------------------------------------------------------
# Pydantic field types
# ------------------------------------------------------------------------------------------------

Address = Annotated[str, BeforeValidator(checksum)]
"""A checksummed address; accepts any-case hex or 20 bytes."""
Side = Annotated[str, BeforeValidator(side_code)]
"""A registry side or country code: ``"JP"`` or a partner's ISO 3166-1 alpha-2 code."""
Hash32 = Annotated[str, BeforeValidator(hash_hex)]
"""A 32-byte hash or decision id as ``0x`` hex."""
HexData = Annotated[str, BeforeValidator(_any_bytes)]
"""Bytes of any length as ``0x`` hex."""
Timestamp = Annotated[datetime | None, BeforeValidator(from_timestamp)]
"""A UTC time; unix seconds are accepted, 0 means not set (``None``)."""
UnixTime = Annotated[int, BeforeValidator(to_timestamp), Field(ge=0, le=2**64 - 1)]
"""A point in time as the contracts take it: unix seconds in a ``uint64``."""
Uint8 = Annotated[int, Field(ge=0, le=2**8 - 1)]
Uint16 = Annotated[int, Field(ge=0, le=2**16 - 1)]
Uint64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
Uint256 = Annotated[int, Field(ge=0, le=2**256 - 1)]


def enum_field(cls: type[E]) -> BeforeValidator:
    """A pydantic validator accepting what :func:`parse_enum` accepts for ``cls``."""
    return BeforeValidator(lambda value: parse_enum(cls, value))


class KeyOf:
    """Pydantic metadata for a ``str`` field holding one of an enum's :attr:`~DomainEnum.key` names.

    ``Annotated[str, KeyOf(AccountKind, without=AccountKind.NONE)]`` validates and documents (as a
    JSON Schema ``enum``) exactly the keys of the members, so the API's names follow the contracts.
    """

    def __init__(
        self, cls: type[DomainEnum], *, without: DomainEnum | tuple[DomainEnum, ...] = ()
    ) -> None:
        left_out = without if isinstance(without, tuple) else (without,)
        self.keys = [member.key for member in cls if member not in left_out]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(self.keys)
