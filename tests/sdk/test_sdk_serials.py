"""Serial block ids (docs/design.md §4): format, parse, bad input, and the Article 6 fields."""

from __future__ import annotations

import pytest

from registry_client.errors import InvalidInput
from registry_client.models import SerialRange
from registry_client.serials import (
    MAX_SERIAL,
    article6_identifier,
    block_ids,
    format_block_id,
    parse_block_id,
    parse_serial,
)

EXAMPLE = "JCM-JP-ID012-2023-000100001-000105000"


def test_format_and_parse_round_trip() -> None:
    text = format_block_id("JP", "ID012", 2023, 100001, 105000)
    assert text == EXAMPLE
    block = parse_block_id(text)
    assert (block.side, block.project_ref, block.vintage) == ("JP", "ID012", 2023)
    assert (block.first, block.last, block.size) == (100001, 105000, 5000)
    assert block.range == SerialRange(first=100001, last=105000)
    assert str(block) == text


@pytest.mark.parametrize(
    ("side", "ref", "vintage", "first", "last"),
    [
        ("ID", "ID-012", 2021, 1, 1),  # a reference with a hyphen
        ("VN", "VN_AM007.1", 2030, 999_999_999, 1_000_000_000),  # past nine digits
        ("JP", "MN002", 2013, 1, MAX_SERIAL),
    ],
)
def test_round_trip_of_unusual_blocks(
    side: str, ref: str, vintage: int, first: int, last: int
) -> None:
    text = format_block_id(side, ref, vintage, first, last)
    block = parse_block_id(text)
    assert (block.side, block.project_ref, block.vintage, block.first, block.last) == (
        side, ref, vintage, first, last,
    )  # fmt: skip
    assert (
        format_block_id(block.side, block.project_ref, block.vintage, block.first, block.last)
        == text
    )


def test_lower_case_side_is_normalised_when_formatting() -> None:
    assert format_block_id("jp", "ID012", 2023, 100001, 105000) == EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ID012-2023-000100001-000105000",  # no prefix
        "JCM-JPN-ID012-2023-000100001-000105000",  # three-letter side
        "JCM-jp-ID012-2023-000100001-000105000",  # lower-case side
        "JCM-JP--2023-000100001-000105000",  # no project
        "JCM-JP-ID012-23-000100001-000105000",  # two-digit vintage
        "JCM-JP-ID012-2023-100001-105000",  # unpadded serials
        "JCM-JP-ID012-2023-000105000-000100001",  # reversed
        "JCM-JP-ID012-2023-000000000-000000005",  # serial 0
        "JCM-JP-ID012-2023-000100001",  # no last serial
        "JCM-JP-ID 012-2023-000100001-000105000",  # a space in the reference
        "JCM-JP-ID012-2023-000100001-99999999999999999999",  # beyond uint64
    ],
)
def test_bad_block_ids_raise_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a serial block id"):
        parse_block_id(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("JPN", "ID012", 2023, 1, 2), "registry side"),
        (("JP", "", 2023, 1, 2), "project reference"),
        (("JP", "ID 012", 2023, 1, 2), "project reference"),
        (("JP", "ID012", 23, 1, 2), "vintage"),
        (("JP", "ID012", 2023, 0, 2), "serial range"),
        (("JP", "ID012", 2023, 5, 2), "serial range"),
        (("JP", "ID012", 2023, 1, MAX_SERIAL + 1), "serial range"),
    ],
)
def test_format_refuses_bad_parts(args: tuple[str, str, int, int, int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        format_block_id(*args)


def test_a_serial_is_a_number_or_a_block_id() -> None:
    assert parse_serial(100001).serial == 100001
    plain = parse_serial(" 000100001 ")
    assert (plain.first, plain.last, plain.block) == (100001, 100001, None)
    assert parse_serial("100,001").serial == 100001
    block = parse_serial(EXAMPLE)
    assert (block.first, block.last) == (100001, 105000)
    assert block.block is not None and block.block.project_ref == "ID012"
    for bad in ("0", 0, -3, "abc", "12a", "", True, str(MAX_SERIAL + 1)):
        with pytest.raises(InvalidInput):
            parse_serial(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="is not a serial block id"):
        parse_serial("JCM-JP-ID012")


def test_article6_identifier_fields() -> None:
    fields = article6_identifier(EXAMPLE)
    assert fields.cooperative_approach == "JCM-JP-ID"
    assert fields.originating_registry == "JP"
    assert fields.first_transferring_party == "ID"
    assert (fields.first_serial, fields.last_serial, fields.vintage) == (100001, 105000, 2023)
    assert fields.unique_identifier == "JCM-JP-ID:JP:ID:000100001-000105000:2023"
    on_partner_side = article6_identifier(parse_block_id("JCM-VN-P-7-2024-000000001-000000010"))
    assert on_partner_side.cooperative_approach == "JCM-JP-VN"
    assert on_partner_side.originating_registry == "VN"
    given = article6_identifier("JCM-JP-P-7-2024-000000001-000000010", partner="th")
    assert given.first_transferring_party == "TH"
    with pytest.raises(InvalidInput, match="cannot tell the partner"):
        article6_identifier("JCM-JP-P-7-2024-000000001-000000010")
    with pytest.raises(InvalidInput, match="not a partner country"):
        article6_identifier(EXAMPLE, partner="JP")


def test_block_ids_of_ranges() -> None:
    ranges = (SerialRange(first=1, last=10), SerialRange(first=21, last=30))
    assert block_ids("ID", "ID012", 2023, ranges) == (
        "JCM-ID-ID012-2023-000000001-000000010",
        "JCM-ID-ID012-2023-000000021-000000030",
    )
