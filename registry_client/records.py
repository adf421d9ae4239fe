"""Retirement and cancellation records: rebuilt from their events, proven against the ledger.

The ledger keeps each record as one hash, its commitment: ``keccak256(abi.encode(record))`` of the
Solidity struct (``Retirement`` or ``Cancellation`` in ``contracts/interfaces/RegistryTypes.sol``),
read with ``JCMRegistry.retirementHash(id)`` / ``cancellationHash(id)``. The record's event
(``CreditsRetired`` / ``CreditsCancelled``) carries every field, so a reader rebuilds the record
from the event and hashes it here; it is the ledger's record exactly when the hashes are equal
(``verifyRetirement`` / ``verifyCancellation`` answer the same on chain). Nothing read from a node's
logs is trusted before that check.

The struct types are read from the shipped ABI (the views' parameters), so the encoding follows the
contracts and is not written again here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from eth_abi import encode as abi_encode
from eth_utils import keccak
from eth_utils.abi import collapse_if_tuple

from registry_client import contracts
from registry_client.models import (
    ZERO_HASH,
    Cancellation,
    Retirement,
    SerialRange,
    hash_bytes,
    hash_hex,
    side_bytes,
    to_timestamp,
)


@cache
def _struct_type(view: str) -> str:
    """The ABI type of the one struct parameter of ``JCMRegistry.<view>``: ``(uint256,...)``."""
    (entry,) = (
        e for e in contracts.abi("JCMRegistry") if e.get("type") == "function" and e["name"] == view
    )
    (parameter,) = entry["inputs"]
    return str(collapse_if_tuple(dict(parameter)))


def _ranges(raw: Any) -> tuple[SerialRange, ...]:
    return tuple(SerialRange.of(r) for r in raw)


def _range_values(ranges: tuple[SerialRange, ...]) -> list[tuple[int, int]]:
    return [(r.first, r.last) for r in ranges]


def retirement_from_event(args: Mapping[str, Any]) -> Retirement:
    """The record a ``CreditsRetired`` event carries (its decoded arguments), not yet verified."""
    return Retirement(
        id=args["retirementId"],
        batch_id=args["batchId"],
        account=args["account"],
        retirement_account=args["retirementAccount"],
        using_party=args["usingParty"],
        purpose=args["purpose"],
        quantity=args["quantity"],
        retired_at=args["retiredAt"],
        beneficiary=args["beneficiary"],
        note=args["note"],
        ranges=_ranges(args["ranges"]),
    )


def cancellation_from_event(args: Mapping[str, Any]) -> Cancellation:
    """The record a ``CreditsCancelled`` event carries (its decoded arguments), not yet verified."""
    decision = hash_hex(args["decisionId"])
    return Cancellation(
        id=args["cancellationId"],
        batch_id=args["batchId"],
        account=args["account"],
        cancellation_account=args["cancellationAccount"],
        reason=args["reason"],
        quantity=args["quantity"],
        cancelled_at=args["cancelledAt"],
        decision_id=None if decision == ZERO_HASH else decision,
        note=args["note"],
        ranges=_ranges(args["ranges"]),
    )


def retirement_struct(record: Retirement) -> tuple[Any, ...]:
    """``record`` as the ``Retirement`` tuple the contracts encode (``verifyRetirement``.s)."""
    return (
        record.id,
        record.batch_id,
        record.account,
        record.retirement_account,
        side_bytes(record.using_party),
        int(record.purpose),
        record.quantity,
        to_timestamp(record.retired_at),
        record.beneficiary,
        record.note,
        _range_values(record.ranges),
    )


def cancellation_struct(record: Cancellation) -> tuple[Any, ...]:
    """``record`` as the ``Cancellation`` tuple the contracts encode (``verifyCancellation``'s)."""
    return (
        record.id,
        record.batch_id,
        record.account,
        record.cancellation_account,
        int(record.reason),
        record.quantity,
        to_timestamp(record.cancelled_at),
        hash_bytes(record.decision_id or ZERO_HASH),
        record.note,
        _range_values(record.ranges),
    )


def retirement_hash(record: Retirement) -> bytes:
    """The ledger's commitment to ``record``: ``keccak256(abi.encode(Retirement))``."""
    return keccak(abi_encode([_struct_type("verifyRetirement")], [retirement_struct(record)]))


def cancellation_hash(record: Cancellation) -> bytes:
    """The ledger's commitment to ``record``: ``keccak256(abi.encode(Cancellation))``."""
    return keccak(abi_encode([_struct_type("verifyCancellation")], [cancellation_struct(record)]))


RecordT = TypeVar("RecordT", Retirement, Cancellation)


@dataclass(frozen=True)
class RecordKind(Generic[RecordT]):
    """Where the ledger keeps one kind of record and how a reader proves it: the names of its
    event, the event's indexed id, the ledger's count and commitment views, and the functions that
    rebuild the record from the event and hash it."""

    name: str
    event: str
    id_argument: str
    count_view: str
    commitment_view: str
    from_event: Callable[[Mapping[str, Any]], RecordT]
    digest: Callable[[RecordT], bytes]


RETIREMENT = RecordKind(
    name="retirement",
    event="CreditsRetired",
    id_argument="retirementId",
    count_view="retirementCount",
    commitment_view="retirementHash",
    from_event=retirement_from_event,
    digest=retirement_hash,
)
CANCELLATION = RecordKind(
    name="cancellation",
    event="CreditsCancelled",
    id_argument="cancellationId",
    count_view="cancellationCount",
    commitment_view="cancellationHash",
    from_event=cancellation_from_event,
    digest=cancellation_hash,
)
