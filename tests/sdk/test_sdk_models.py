"""Conversions of the typed models: addresses, sides, hashes, times and enums."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from registry_client.models import (
    AccountInfo,
    AccountKind,
    Authorization,
    BatchTotals,
    CancellationReason,
    CommitteeInfo,
    Deployment,
    MemberSide,
    RetirementPurpose,
    SerialRange,
    checksum,
    from_timestamp,
    hash_hex,
    parse_enum,
    side_bytes,
    side_code,
    to_timestamp,
    total,
)

LOWER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
CHECKSUMMED = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_addresses_are_checksummed() -> None:
    assert checksum(LOWER) == CHECKSUMMED
    assert checksum(bytes.fromhex(LOWER[2:])) == CHECKSUMMED
    for bad in ("0x1234", "", 5, None, "0x" + "zz" * 20):
        with pytest.raises(ValueError, match="is not an address"):
            checksum(bad)


def test_a_mistyped_checksummed_address_is_refused() -> None:
    assert checksum(LOWER.upper().replace("0X", "0x")) == CHECKSUMMED  # one case: no checksum
    mistyped = CHECKSUMMED[:-2] + "c8"  # ...C8 -> ...c8: mixed case, EIP-55 fails
    with pytest.raises(ValueError, match="wrong EIP-55 checksum"):
        checksum(mistyped)


def test_sides_are_two_letters() -> None:
    assert side_code(b"JP") == "JP" and side_code(" id ") == "ID"
    assert side_bytes("vn") == b"VN"
    for bad in ("JPN", "J", "1D", b"\x00\x00", 12):
        with pytest.raises(ValueError, match="two-letter country code"):
            side_code(bad)


def test_hashes_and_times() -> None:
    assert hash_hex(b"\x01" * 32) == "0x" + "01" * 32
    assert hash_hex("AB" * 32) == "0x" + "ab" * 32
    with pytest.raises(ValueError, match="is 2 bytes long"):
        hash_hex("0xabcd")
    moment = datetime(2023, 6, 30, tzinfo=UTC)
    assert from_timestamp(int(moment.timestamp())) == moment
    assert from_timestamp(0) is None and from_timestamp(None) is None
    assert from_timestamp("2023-06-30") == moment
    assert to_timestamp(moment) == int(moment.timestamp())
    assert to_timestamp(date(2023, 6, 30)) == int(moment.timestamp())
    assert to_timestamp(datetime(2023, 6, 30)) == int(moment.timestamp())  # naive means UTC
    assert to_timestamp(None) == 0 and to_timestamp(7) == 7


def test_enums_parse_names_numbers_and_labels() -> None:
    assert parse_enum(AccountKind, "government holding") == AccountKind.GOVERNMENT_HOLDING
    assert parse_enum(AccountKind, "Government-Holding") == AccountKind.GOVERNMENT_HOLDING
    assert parse_enum(AccountKind, 3) == AccountKind.RETIREMENT
    assert parse_enum(RetirementPurpose, "voluntary_offset") == RetirementPurpose.VOLUNTARY_OFFSET
    assert (
        parse_enum(CancellationReason, "1")
        == CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES
    )
    assert (
        parse_enum(Authorization, "ndc and other purposes") == Authorization.NDC_AND_OTHER_PURPOSES
    )
    assert AccountKind.GOVERNMENT_HOLDING.label == "government holding"
    with pytest.raises(ValueError, match="choose one of: none, holding"):
        parse_enum(AccountKind, "wallet")
    with pytest.raises(ValueError):
        parse_enum(AccountKind, True)


def test_models_validate_their_fields() -> None:
    info = AccountInfo(
        address=LOWER, kind="holding", status=1, side=b"JP", opened_at=1_700_000_000,
        non_empty_holdings=0, holder_name="A",
    )  # fmt: skip
    assert info.address == CHECKSUMMED and info.kind == AccountKind.HOLDING and info.side == "JP"
    assert info.opened_at == datetime.fromtimestamp(1_700_000_000, UTC)
    with pytest.raises(ValidationError):
        SerialRange(first=0, last=3)
    ranges = [SerialRange.of((1, 10)), SerialRange.of({"first": 21, "last": 25})]
    assert total(ranges) == 15 and 5 in ranges[0] and 11 not in ranges[0]
    assert BatchTotals(issued=10, held=6, retired=3, cancelled=1).conserved
    assert not BatchTotals(issued=10, held=6, retired=3, cancelled=0).conserved
    committee = CommitteeInfo(
        country="id", address=LOWER, japan_members=(CHECKSUMMED,), partner_members=(),
        japan_threshold=1, partner_threshold=1, nonce=0,
    )  # fmt: skip
    assert committee.side_of(LOWER) == MemberSide.JAPAN


def test_deployment_json_round_trip() -> None:
    deployment = Deployment(
        chain_id=2013, rpc_url="http://node1:8545", registry=LOWER, projects=LOWER,
        committees={"id": LOWER}, deployer=LOWER, block_number=7,
    )  # fmt: skip
    assert deployment.committees == {"ID": CHECKSUMMED}
    assert Deployment.from_json(deployment.to_json()) == deployment
    with pytest.raises(ValidationError):
        Deployment.from_json('{"chain_id": 1, "rpc_url": "x", "registry": "0x12", "projects": ""}')
