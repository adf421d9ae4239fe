"""The error table: every custom error of every ABI decodes to a typed exception with a message."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from registry_client import contracts, errors
from registry_client.errors import (
    AccountStateError,
    InsufficientCredits,
    NotPermitted,
    RegistryError,
    SignatureError,
    TransactionFailed,
    decode_revert,
    error_specs,
    selector_table,
)
from registry_client.models import AccountStatus

ADDRESS = "0x00000000000000000000000000000000000000a1"
SAMPLES = {
    "address": ADDRESS,
    "bytes2": b"JP",
    "bytes32": b"\x11" * 32,
    "string": "ID012",
    "bool": True,
}


def _sample(abi_type: str) -> object:
    if abi_type in SAMPLES:
        return SAMPLES[abi_type]
    if abi_type.startswith(("uint", "int")):
        return 2
    raise AssertionError(f"no sample value for {abi_type}")


def _revert(name: str, *values: object) -> bytes:
    spec = next(s for s in selector_table().values() if s.name == name)
    return spec.selector + encode(list(spec.arg_types), list(values))


ALL_SPECS = [spec for name in contracts.CONTRACT_NAMES for spec in error_specs(contracts.abi(name))]


def test_every_abi_error_is_in_the_table() -> None:
    assert ALL_SPECS, "the ABIs declare custom errors"
    table = selector_table()
    for spec in ALL_SPECS:
        assert table[spec.selector] == spec
    missing = sorted({s.name for s in ALL_SPECS} - set(errors.ERROR_MESSAGES))
    assert missing == [], f"ABI errors without a message: {missing}"


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.signature)
def test_every_abi_error_decodes_to_a_typed_message(spec: errors.ErrorSpec) -> None:
    values = [_sample(t) for t in spec.arg_types]
    data = spec.selector + encode(list(spec.arg_types), values)
    error = decode_revert("0x" + data.hex())
    assert isinstance(error, RegistryError)
    assert not isinstance(error, TransactionFailed), "a known error gets a specific category"
    assert error.error_name == spec.name
    assert set(error.error_args) == set(spec.arg_names)
    assert error.message and "{" not in error.message and "0x0x" not in error.message
    assert str(error) == error.message
    for name, abi_type in zip(spec.arg_names, spec.arg_types, strict=True):
        if abi_type == "address":
            assert error.error_args[name] == "0x00000000000000000000000000000000000000A1"
        if abi_type == "bytes2":
            assert error.error_args[name] == "JP"


def test_the_messages_read_as_the_domain_speaks() -> None:
    frozen = decode_revert(_revert("RegistryAccountNotActive", ADDRESS, AccountStatus.FROZEN))
    assert isinstance(frozen, AccountStateError)
    assert frozen.message.startswith("account 0x00000000000000000000000000000000000000A1 is frozen")
    closed = decode_revert(_revert("RegistryAccountNotActive", ADDRESS, AccountStatus.CLOSED))
    assert "is closed for good" in closed.message
    short = decode_revert(_revert("CommitteeInsufficientSignatures", b"JP", 1, 2))
    assert isinstance(short, SignatureError)
    assert short.message.startswith("side JP has 1 of 2 required signatures")
    poor = decode_revert(_revert("RegistryInsufficientCredits", ADDRESS, 3, 40, 100))
    assert isinstance(poor, InsufficientCredits)
    assert poor.message == (
        "account 0x00000000000000000000000000000000000000A1 holds 40 credits of batch 3, 100 needed"
    )
    registrar_role = keccak(b"JCM_REGISTRAR_ID")
    role = decode_revert(_revert("AccessControlUnauthorizedAccount", ADDRESS, registrar_role))
    assert isinstance(role, NotPermitted)
    assert "lacks the registrar role of side ID" in role.message
    authority = decode_revert(
        _revert("AccessControlUnauthorizedAccount", ADDRESS, keccak(b"JCM_AUTHORITY_ID"))
    )
    assert "lacks the registry authority of side ID" in authority.message
    assert "only that side's own authority grants it" in authority.message
    paused = decode_revert(_revert("RegistryPaused", 1767225600, b"ID"))
    assert isinstance(paused, errors.Paused)
    assert paused.message.startswith(
        "holders' movements are paused until 2026-01-01 by the authority of side ID"
    )
    overlap = decode_revert(
        _revert("ProjectsMonitoringPeriodOverlaps", "ID012", 1704067200, 1735603200)
    )
    assert isinstance(overlap, errors.InvalidInput)
    assert "period 2024-01-01 to 2024-12-31 overlaps a period project ID012 was issued for" in (
        overlap.message
    )
    outsider = decode_revert(_revert("GovernanceNotProposedAuthority", b"MN", ADDRESS))
    assert isinstance(outsider, errors.NotPermitted)
    assert "is not the partner authority named in the proposal for MN" in outsider.message
    arrays = decode_revert(_revert("ERC1155InvalidArrayLength", 2, 3))
    assert isinstance(arrays, errors.InvalidInput)
    assert "2 batch ids, 3 accounts" in arrays.message


def test_reasons_panics_and_unknown_selectors() -> None:
    reason = bytes.fromhex("08c379a0") + encode(["string"], ["not allowed"])
    error = decode_revert(reason, context="transfer")
    assert isinstance(error, TransactionFailed)
    assert error.message == "transfer: the contract refused: not allowed"
    panic = decode_revert(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert "arithmetic overflow" in panic.message and panic.error_name == "Panic"
    unknown = decode_revert("0xdeadbeef")
    assert isinstance(unknown, TransactionFailed) and "0xdeadbeef" in unknown.message
    assert "without a reason" in decode_revert("0x").message
    assert "without a reason" in decode_revert(None).message
    spec = next(s for s in selector_table().values() if s.name == "ProjectsUnknownProject")
    broken = decode_revert(spec.selector + b"\xff" * 32)  # a string offset past the data
    assert broken.error_name == "ProjectsUnknownProject"
    assert "could not be decoded" in broken.message


def test_revert_data_is_found_in_node_replies() -> None:
    data = "0x" + _revert("RegistryUnknownBatch", 9).hex()
    for reply in (data, f"Reverted {data}", {"data": data}, {"error": {"data": data}}):
        error = decode_revert(reply)
        assert isinstance(error, errors.NotFound)
        assert error.message == "there is no batch 9: check the batch id"


def test_to_dict_is_json_ready() -> None:
    error = decode_revert(_revert("ProjectsDecisionAlreadyUsed", b"ID", b"\xab" * 32))
    summary = error.to_dict()
    assert summary["error"] == "AlreadyExists"
    assert summary["contract_error"] == "ProjectsDecisionAlreadyUsed"
    assert summary["args"] == {"country": "ID", "decisionId": "0x" + "ab" * 32}
    assert summary["message"].startswith("decision id 0x" + "ab" * 32)
