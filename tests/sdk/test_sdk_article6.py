"""Article 6 unit identifiers (decision 6/CMA.4) and the AEF writers of the SDK."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from registry_client.article6 import (
    ACTION_COLUMNS,
    ActionType,
    AefAction,
    AefHolding,
    AefReport,
    Proof,
    UnitId,
    actions_csv,
    format_unit_id,
    holdings_csv,
    parse_unit_id,
    report_xlsx,
)
from registry_client.errors import InvalidInput

PARTY = st.from_regex(r"[A-Z]{2}", fullmatch=True)


@given(
    partner=PARTY.filter(lambda p: p != "JP"),
    origin=PARTY,
    serial=st.integers(1, 2**64 - 1),
    vintage=st.integers(1000, 9999),
)
def test_unit_id_round_trips(partner: str, origin: str, serial: int, vintage: int) -> None:
    text = format_unit_id(f"JCM-JP-{partner}", origin, partner, serial, vintage)
    parsed = parse_unit_id(text)
    assert parsed == UnitId(
        cooperative_approach=f"JCM-JP-{partner}",
        originating_registry=origin,
        first_transferring_party=partner,
        serial=serial,
        vintage=vintage,
    )
    assert str(parsed) == text


def test_unit_id_reads_as_the_decision_lists_its_fields() -> None:
    assert format_unit_id("JCM-JP-ID", "JP", "ID", 100001, 2023) == (
        "JCM-JP-ID:JP:ID:000100001:2023"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "JCM-JP-ID:JP:ID:100001:2023",  # serial shorter than nine digits
        "JCM-JP-ID:JP:ID:000000000:2023",  # serial 0
        "JCM-JP-ID:JP:ID:18446744073709551616:2023",  # 2^64
        "JCM-JP-ID:jp:ID:000100001:2023",
        "JCM-JP-ID:JP:ID:000100001:0999",
        "JCM-JP-ID:JP:ID:" + "\uff10" * 8 + "1:2023",  # full-width digits
        "JCM-ID-VN:JP:ID:000100001:2023",
        "JCM-JP-ID:JP:ID:000100001:2023:extra",
    ],
)
def test_malformed_unit_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"unit identifier|serial|vintage"):
        parse_unit_id(text)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("JCM-JP-JP", "JP", "ID", 1, 2023), "partner"),
        (("JCM-XX", "JP", "ID", 1, 2023), "cooperative approach"),
        (("JCM-JP-ID", "Jp", "ID", 1, 2023), "originating registry"),
        (("JCM-JP-ID", "JP", "ID", 0, 2023), "serial"),
        (("JCM-JP-ID", "JP", "ID", 1, 999), "vintage"),
    ],
)
def test_formatting_refuses_bad_fields(args: tuple[str, str, str, int, int], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        format_unit_id(*args)


def _report() -> AefReport:
    proof = Proof(block_number=7, tx_hash="0x" + "ab" * 32, log_index=3)
    action = AefAction(
        record_id=f"{proof.tx_hash}:3:0",
        cooperative_approach="JCM-JP-ID",
        first_unique_identifier="JCM-JP-ID:ID:ID:000000001:2023",
        last_unique_identifier="JCM-JP-ID:ID:ID:000000010:2023",
        block_start="JCM-ID-ID012-2023-000000001-000000001",
        block_end="JCM-ID-ID012-2023-000000010-000000010",
        quantity=10,
        vintage=2023,
        sector="1. Energy industries",
        activity_type='=HYPERLINK("http://x")',  # text from the chain, never a formula
        first_transferring_party="ID",
        authorization_date=date(2024, 3, 1),
        authorization_id="ID-JCM-LoA-2024-001",
        purposes_for_authorization="use toward NDCs",
        oimp_authorized=False,
        first_transfer_definition="first international transfer",
        action_date=date(2024, 5, 2),
        action_type=ActionType.FIRST_TRANSFER,
        transferring_party="ID",
        acquiring_party="JP",
        purposes_for_cancellation="",
        using_party="",
        proof=proof,
    )
    holding = AefHolding(
        cooperative_approach="JCM-JP-ID",
        first_unique_identifier="JCM-JP-ID:ID:ID:000000011:2023",
        last_unique_identifier="JCM-JP-ID:ID:ID:000000020:2023",
        block_start="JCM-ID-ID012-2023-000000011-000000011",
        block_end="JCM-ID-ID012-2023-000000020-000000020",
        quantity=10,
        vintage=2023,
        first_transferring_party="ID",
        authorization_id="ID-JCM-LoA-2024-001",
        purposes_for_authorization="use toward NDCs",
        proof=proof,
    )
    return AefReport(party="ID", year=2024, indexed_block=9, actions=[action], holdings=[holding])


def test_csv_has_the_template_columns_and_the_proof() -> None:
    report = _report()
    rows = list(csv.DictReader(io.StringIO(actions_csv(report))))
    assert list(rows[0]) == [heading for _key, heading in ACTION_COLUMNS]
    assert rows[0]["Action type"] == "first transfer"
    assert rows[0]["Transaction"] == "0x" + "ab" * 32
    assert rows[0]["Log index"] == "3"
    assert rows[0]["Activity type"].startswith("'=")
    held = list(csv.DictReader(io.StringIO(holdings_csv(report))))
    assert held[0]["Quantity"] == "10"


def test_xlsx_has_a_cover_and_one_sheet_per_table() -> None:
    book = load_workbook(io.BytesIO(report_xlsx(_report())))
    assert book.sheetnames == ["Cover", "Actions", "Holdings"]
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(min_row=2, values_only=True)}
    assert cover["Party"] == "ID" and cover["Reported year"] == 2024
    actions = list(book["Actions"].iter_rows(values_only=True))
    assert actions[0] == tuple(heading for _key, heading in ACTION_COLUMNS)
    assert actions[1][ACTION_COLUMNS.index(("quantity", "Quantity"))] == 10
    assert actions[1][ACTION_COLUMNS.index(("activity_type", "Activity type"))].startswith("'=")
    assert len(list(book["Holdings"].iter_rows())) == 2
