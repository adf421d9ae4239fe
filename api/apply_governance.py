"""Index rows of the bilateral governance: country proposals, emergency pauses, per-side roles.

Kept apart from :mod:`api.apply` (the credits' ledger) so each handler stays a small function:
:class:`GovernanceHandlers` is mixed into :class:`api.apply.Applier`, which dispatches
``CountryProposed``, ``PauseStarted``, ``PauseLifted``, ``RoleGranted`` and ``RoleRevoked`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from api.tables import Base, CountryProposal, PauseChange, RoleChange

if TYPE_CHECKING:
    from api.apply import DecodedLog

PAUSE_STARTED = "started"
PAUSE_LIFTED = "lifted"
REGISTRAR = "registrar"
AUTHORITY = "authority"
OTHER_ROLE = "other"

# JCMRegistry's role ids: keccak256(abi.encodePacked(prefix, side)) (``registrarRole(side)``,
# ``authorityRole(side)``).
_ROLE_PREFIXES = {REGISTRAR: b"JCM_REGISTRAR_", AUTHORITY: b"JCM_AUTHORITY_"}
_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


@cache
def _role_ids() -> dict[str, tuple[str, str]]:
    """Every role id the registry can hand out, as ``(role, side)``: a side code is two upper-case
    letters, so the 2 x 676 ids are all known in advance (about a millisecond to compute)."""
    ids: dict[str, tuple[str, str]] = {}
    for role, prefix in _ROLE_PREFIXES.items():
        for first in _LETTERS:
            for second in _LETTERS:
                side = first + second
                ids["0x" + keccak(prefix + side.encode("ascii")).hex()] = (role, side)
    return ids


def role_of(role_id: str) -> tuple[str, str | None]:
    """A role id as ``(registrar|authority, side)``, or ``("other", None)`` for any other role
    (``DEFAULT_ADMIN_ROLE``, which nobody holds, included)."""
    return _role_ids().get(role_id.lower(), (OTHER_ROLE, None))


class GovernanceHandlers:
    """The governance events' handlers (a mixin of :class:`api.apply.Applier`)."""

    _add: Callable[[type[Base], dict[str, Any]], None]  # Applier's

    def _on_CountryProposed(self, log: DecodedLog) -> None:
        a = log.args
        self._add(
            CountryProposal,
            {
                **log.provenance,
                "country": a["country"],
                "committee": a["committee"],
                "authority": a["authority"],
            },
        )

    def _pause(self, log: DecodedLog, kind: str, until: int) -> None:
        self._add(
            PauseChange,
            {
                **log.provenance,
                "kind": kind,
                "side": log.args["side"],
                "authority": log.args["authority"],
                "until": until,
            },
        )

    def _on_PauseStarted(self, log: DecodedLog) -> None:
        self._pause(log, PAUSE_STARTED, log.args["until"])

    def _on_PauseLifted(self, log: DecodedLog) -> None:
        # JCMGovernance ends the pause at the block's time (setPause(block.timestamp, side)).
        self._pause(log, PAUSE_LIFTED, log.timestamp)

    def _role(self, log: DecodedLog, granted: bool) -> None:
        a = log.args
        role, side = role_of(a["role"])
        self._add(
            RoleChange,
            {
                **log.provenance,
                "role": role,
                "side": side,
                "role_hash": a["role"],
                "account": a["account"],
                "sender": a["sender"],
                "granted": granted,
            },
        )

    def _on_RoleGranted(self, log: DecodedLog) -> None:
        self._role(log, True)

    def _on_RoleRevoked(self, log: DecodedLog) -> None:
        self._role(log, False)
