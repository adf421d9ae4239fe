"""Every event the indexed contracts can emit is either applied to the index or listed, with the
reason, as deliberately not indexed."""

from __future__ import annotations

from eth_utils import keccak

from api.abi import ROLES
from api.apply import NOT_INDEXED, Applier
from api.apply_governance import role_of
from registry_client.contracts import abi


def _events() -> set[str]:
    return {
        str(entry["name"])
        for contract in ROLES.values()
        for entry in abi(contract)
        if entry.get("type") == "event"
    }


def test_every_event_has_a_handler_or_a_reason() -> None:
    events = _events()
    handled = {name for name in events if callable(getattr(Applier, f"_on_{name}", None))}
    unaccounted = events - handled - set(NOT_INDEXED)
    assert not unaccounted, f"events neither indexed nor listed in NOT_INDEXED: {unaccounted}"
    assert not handled & set(NOT_INDEXED), "an event is both indexed and listed as not indexed"
    assert set(NOT_INDEXED) <= events, "NOT_INDEXED names an event no contract has"
    assert all(len(reason) > 20 for reason in NOT_INDEXED.values())


def test_governance_events_are_indexed() -> None:
    for name in ("CountryProposed", "PauseStarted", "PauseLifted", "RoleGranted", "RoleRevoked"):
        assert callable(getattr(Applier, f"_on_{name}", None)), name


def test_role_ids_name_the_role_and_side() -> None:
    registrar_jp = "0x" + keccak(b"JCM_REGISTRAR_JP").hex()
    authority_kh = "0x" + keccak(b"JCM_AUTHORITY_KH").hex()
    assert role_of(registrar_jp) == ("registrar", "JP")
    assert role_of(authority_kh.upper().replace("0X", "0x")) == ("authority", "KH")
    assert role_of("0x" + "00" * 32) == ("other", None)
