"""Index rows of Article 6 (``JCMArticle6``): authorizations, first transfers per serial, and each
country's first-transfer definition.

:class:`Article6Handlers` is mixed into :class:`api.apply.Applier`, which dispatches
``AuthorizationSet``, ``SerialsFirstTransferred`` and ``FirstTransferDefinitionSet`` here. The
first transfers are stored exactly as the event states them (its ranges, its parties, the
definition that made them), so the AEF tables (:mod:`api.aef`) report the chain's facts. One first
transfer has no event of its own (``IJCMArticle6.recordIssuance``): Japan's share of a batch
authorized at issuance, which the issuance's ``BatchIssued`` and mints state; the applier derives it
(:meth:`Article6Handlers._first_transfer_at_issuance`) by the rule it credits the allocations with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from api.tables import (
    AuthorizationChange,
    Base,
    FirstTransferDefinitionChange,
    FirstTransferRange,
)
from registry_client.domain import JAPAN, Authorization, FirstTransferDefinition

if TYPE_CHECKING:
    from api.apply import DecodedLog

AUTHORIZATION_KEYS = Authorization.keys()
DEFINITION_KEYS = FirstTransferDefinition.keys()
NO_PARTY = "\x00\x00"
"""How the decoder renders ``bytes2(0)``: "no acquiring party"."""


def _key(names: tuple[str, ...], value: int) -> str:
    # Imported here: api.apply imports this module.
    from api.apply import enum_name

    return enum_name(names, value)


class Article6Handlers:
    """The Article 6 events' handlers (a mixin of :class:`api.apply.Applier`)."""

    _add: Callable[[type[Base], dict[str, Any]], None]  # Applier's
    _mints: dict[int, Any]  # Applier's: the batches whose issuance is being applied
    _whole_at_issuance: set[int]  # Applier's

    def _on_AuthorizationSet(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            AuthorizationChange,
            {
                **log.provenance,
                "batch_id": a["batchId"],
                "country": a["country"],
                "previous": _key(AUTHORIZATION_KEYS, a["previous"]),
                "authorization": _key(AUTHORIZATION_KEYS, a["authorization"]),
                "authorization_id": a["authorizationId"],
                "authorization_date": a["authorizationDate"],
            },
        )

    def _on_SerialsFirstTransferred(self, log: DecodedLog) -> None:
        a = log.args
        batch_id = a["batchId"]
        if batch_id in self._mints:  # its issuance, before BatchIssued: the batch at once
            self._whole_at_issuance.add(batch_id)
        trigger = _key(DEFINITION_KEYS, a["trigger"])
        to_party = None if a["toParty"] == NO_PARTY else a["toParty"]
        for seq, part in enumerate(a["ranges"]):
            self._first_transfer_range(
                log, seq, batch_id, (part["first"], part["last"]), a["fromParty"], to_party, trigger
            )

    def _first_transfer_at_issuance(
        self, log: DecodedLog, batch_id: int, country: str, to_japan: int
    ) -> None:
        """Japan's share of a batch authorized at issuance (and not first-transferred whole): its
        ``to_japan`` lowest serials, first transferred from the host to Japan by its issuance
        (``IJCMArticle6.recordIssuance``, which logs no event for it). ``log`` is the batch's
        ``BatchIssued``, the row's provenance."""
        first = log.args["batch"]["firstSerial"]
        self._first_transfer_range(
            log,
            0,
            batch_id,
            (first, first + to_japan - 1),
            country,
            JAPAN,
            FirstTransferDefinition.INTERNATIONAL_TRANSFER.key,
        )

    def _first_transfer_range(
        self,
        log: DecodedLog,
        seq: int,
        batch_id: int,
        serials: tuple[int, int],
        from_party: str,
        to_party: str | None,
        trigger: str,
    ) -> None:
        self._add(
            FirstTransferRange,
            {
                "block_number": log.block_number,
                "log_index": log.log_index,
                "seq": seq,
                "batch_id": batch_id,
                "first": serials[0],
                "last": serials[1],
                "from_party": from_party,
                "to_party": to_party,
                "trigger": trigger,
                "block_hash": log.block_hash,
                "tx_hash": log.tx_hash,
                "timestamp": log.timestamp,
            },
        )

    def _on_FirstTransferDefinitionSet(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            FirstTransferDefinitionChange,
            {
                **log.provenance,
                "country": a["country"],
                "definition": _key(DEFINITION_KEYS, a["definition"]),
            },
        )
