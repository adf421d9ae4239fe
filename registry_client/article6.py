"""Article 6.2 reporting in the Agreed Electronic Format (AEF, decision 6/CMA.4 and its annex).

One place for what a party's AEF submission holds and how it is written:

- the unique identifier of one unit (ITMO), :func:`format_unit_id` / :func:`parse_unit_id`, built
  from the fields decision 6/CMA.4 lists: cooperative approach, originating registry, first
  transferring party, serial number and vintage::

      JCM-JP-ID:JP:ID:000100001:2023

  (the serial block ids of :mod:`registry_client.serials` name a block held on one registry side;
  a unit identifier never changes as the unit moves);
- the action types of the AEF "Actions" table (:class:`ActionType`);
- the rows of the "Actions" and "Holdings" tables and a whole report (pydantic models, the same
  for the API's JSON and the ``jcm report aef`` command);
- the CSV and XLSX renderings (:func:`actions_csv`, :func:`holdings_csv`, :func:`report_xlsx`).
  The workbook follows the AEF template: a cover sheet naming the party and the reported year,
  then one sheet per table with the template's column order.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from registry_client.decisions import JAPAN
from registry_client.domain import MAX_SERIAL
from registry_client.errors import InvalidInput

#: The registry's one cooperative approach per partner: the bilateral JCM with Japan.
APPROACH_PREFIX = "JCM-JP-"
METRIC = "tCO2e"

_UNIT_ID = re.compile(
    r"^(?P<approach>JCM-JP-[A-Z]{2}):(?P<origin>[A-Z]{2}):(?P<party>[A-Z]{2})"
    r":(?P<serial>\d{9,20}):(?P<vintage>\d{4})$",
    re.ASCII,  # digits 0-9 only
)
_UNIT_EXAMPLE = "JCM-JP-ID:JP:ID:000100001:2023"
_PARTY = re.compile(r"^[A-Z]{2}$", re.ASCII)


class ActionType(StrEnum):
    """The action types of the AEF "Actions" table."""

    AUTHORIZATION = "authorization"
    FIRST_TRANSFER = "first transfer"
    TRANSFER = "transfer"
    ACQUISITION = "acquisition"
    USE_TOWARD_NDC = "use toward NDC"
    CANCELLATION_FOR_OIMP = "cancellation for OIMP"
    OVERALL_MITIGATION_OR_VOLUNTARY = "overall mitigation or voluntary cancellation"


class UnitId(BaseModel):
    """The parsed unique identifier of one unit."""

    model_config = ConfigDict(frozen=True)

    cooperative_approach: str = Field(pattern=r"^JCM-JP-[A-Z]{2}$")
    originating_registry: str = Field(pattern=r"^[A-Z]{2}$")
    first_transferring_party: str = Field(pattern=r"^[A-Z]{2}$")
    serial: int = Field(ge=1, le=MAX_SERIAL)
    vintage: int = Field(ge=1000, le=9999)

    def __str__(self) -> str:
        return format_unit_id(
            self.cooperative_approach,
            self.originating_registry,
            self.first_transferring_party,
            self.serial,
            self.vintage,
        )


def cooperative_approach(partner: str) -> str:
    """The cooperative approach of Japan and ``partner`` (``JCM-JP-ID``).

    Raises:
        InvalidInput: ``partner`` is not a partner country code.
    """
    if not _PARTY.fullmatch(partner) or partner == JAPAN:
        raise InvalidInput(f"partner {partner!r} is not a partner country code (e.g. ID, VN)")
    return APPROACH_PREFIX + partner


def format_unit_id(
    approach: str,
    originating_registry: str,
    first_transferring_party: str,
    serial: int,
    vintage: int,
) -> str:
    """Format the unique identifier of one unit.

    Raises:
        InvalidInput: a field is malformed (approach not ``JCM-JP-<partner>``, a party not two
            upper-case letters, serial outside 1..2^64-1, vintage not four digits).
    """
    if not approach.startswith(APPROACH_PREFIX):
        raise InvalidInput(f"cooperative approach {approach!r} is not JCM-JP-<partner>")
    cooperative_approach(approach.removeprefix(APPROACH_PREFIX))
    for what, party in (
        ("originating registry", originating_registry),
        ("first transferring party", first_transferring_party),
    ):
        if not _PARTY.fullmatch(party):
            raise InvalidInput(f"{what} {party!r} is not two upper-case letters (e.g. JP, ID)")
    if not 1 <= serial <= MAX_SERIAL:
        raise InvalidInput(f"serial {serial} is out of range: serials run from 1 to 2^64 - 1")
    if not 1000 <= vintage <= 9999:
        raise InvalidInput(f"vintage {vintage} is not a four-digit year")
    return (
        f"{approach}:{originating_registry}:{first_transferring_party}:{serial:09d}:{vintage:04d}"
    )


def parse_unit_id(text: str) -> UnitId:
    """Parse the unique identifier of one unit.

    Raises:
        InvalidInput: ``text`` is not a well-formed unit identifier.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"{text!r} is not a unit identifier (not text)")
    match = _UNIT_ID.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            f"{text!r} is not a unit identifier: expected <approach>:<originating registry>:"
            f"<first transferring party>:<serial>:<vintage>, e.g. {_UNIT_EXAMPLE}"
        )
    serial = int(match["serial"])
    if not 1 <= serial <= MAX_SERIAL:
        raise InvalidInput(f"{text!r}: serial {serial} is outside 1..2^64-1")
    vintage = int(match["vintage"])
    if vintage < 1000:
        raise InvalidInput(f"{text!r}: vintage {match['vintage']} is not a year")
    return UnitId(
        cooperative_approach=match["approach"],
        originating_registry=match["origin"],
        first_transferring_party=match["party"],
        serial=serial,
        vintage=vintage,
    )


class Proof(BaseModel):
    """The event that proves a row: its transaction and the log's index in its block."""

    model_config = ConfigDict(frozen=True)

    block_number: int
    tx_hash: str
    log_index: int


class AefAction(BaseModel):
    """One row of the AEF "Actions" table: one action on one contiguous block of units."""

    model_config = ConfigDict(frozen=True)

    record_id: str = Field(description="Stable id: <tx hash>:<log index>:<seq> of the proving log.")
    cooperative_approach: str
    first_unique_identifier: str
    last_unique_identifier: str
    block_start: str = Field(description="The registry's serial block id of the first unit.")
    block_end: str = Field(description="The registry's serial block id of the last unit.")
    metric: str = METRIC
    quantity: int
    vintage: int
    sector: str
    activity_type: str
    first_transferring_party: str
    authorization_date: date | None
    authorization_id: str
    purposes_for_authorization: str
    oimp_authorized: bool
    first_transfer_definition: str
    action_date: date
    action_type: ActionType
    transferring_party: str
    acquiring_party: str
    purposes_for_cancellation: str
    using_party: str
    proof: Proof


class AefHolding(BaseModel):
    """One row of the "Holdings" table: a contiguous block of units held at the end of the year."""

    model_config = ConfigDict(frozen=True)

    cooperative_approach: str
    first_unique_identifier: str
    last_unique_identifier: str
    block_start: str
    block_end: str
    metric: str = METRIC
    quantity: int
    vintage: int
    first_transferring_party: str
    authorization_id: str
    purposes_for_authorization: str
    proof: Proof = Field(description="The event that left these units in the party's registry.")


class AefReport(BaseModel):
    """A party's AEF tables for one calendar year (UTC)."""

    model_config = ConfigDict(frozen=True)

    party: str
    year: int
    indexed_block: int
    actions: list[AefAction]
    holdings: list[AefHolding]


#: Column headings of the "Actions" table, in the template's order.
ACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_id", "Record ID"),
    ("cooperative_approach", "Cooperative approach"),
    ("first_unique_identifier", "First unique identifier"),
    ("last_unique_identifier", "Last unique identifier"),
    ("block_start", "Underlying unit block start ID"),
    ("block_end", "Underlying unit block end ID"),
    ("metric", "Metric"),
    ("quantity", "Quantity"),
    ("vintage", "Vintage"),
    ("sector", "Sector"),
    ("activity_type", "Activity type"),
    ("first_transferring_party", "First transferring participating Party"),
    ("authorization_date", "Authorization date"),
    ("authorization_id", "Authorization ID"),
    ("purposes_for_authorization", "Purposes for authorization"),
    ("oimp_authorized", "OIMP authorized"),
    ("first_transfer_definition", "First transfer definition"),
    ("action_date", "Action date"),
    ("action_type", "Action type"),
    ("transferring_party", "Transferring participating Party"),
    ("acquiring_party", "Acquiring participating Party"),
    ("purposes_for_cancellation", "Purposes for cancellation"),
    ("using_party", "Using participating Party"),
    ("tx_hash", "Transaction"),
    ("log_index", "Log index"),
)

#: Column headings of the "Holdings" table: those of the actions that describe units at rest.
HOLDING_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (key, heading)
    for key, heading in ACTION_COLUMNS
    if key in AefHolding.model_fields or key in ("tx_hash", "log_index")
)


def _cells(row: AefAction | AefHolding, columns: tuple[tuple[str, str], ...]) -> list[object]:
    values = row.model_dump(mode="json")
    values["tx_hash"] = row.proof.tx_hash
    values["log_index"] = row.proof.log_index
    return [_cell(values[key]) for key, _heading in columns]


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # Text from the chain is never a formula in a spreadsheet (CSV/formula injection).
        return "'" + value
    return value


def _csv(rows: list[list[object]], columns: tuple[tuple[str, str], ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _key, heading in columns])
    writer.writerows(rows)
    return out.getvalue()


def actions_csv(report: AefReport) -> str:
    """The "Actions" table as CSV (RFC 4180), headed by the template's column names."""
    return _csv([_cells(a, ACTION_COLUMNS) for a in report.actions], ACTION_COLUMNS)


def holdings_csv(report: AefReport) -> str:
    """The "Holdings" table as CSV."""
    return _csv([_cells(h, HOLDING_COLUMNS) for h in report.holdings], HOLDING_COLUMNS)


#: The CSV writer of each table, by the name its download uses.
CSV_TABLES = {"actions": actions_csv, "holdings": holdings_csv}


def report_xlsx(report: AefReport) -> bytes:
    """The report as an XLSX workbook laid out like the AEF template (cover, Actions, Holdings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    bold = Font(bold=True)
    cover.append(["Agreed electronic format (decision 6/CMA.4)"])
    cover["A1"].font = bold
    for label, value in (
        ("Party", report.party),
        ("Reported year", report.year),
        ("Source", "jcm-registry chain index"),
        ("Indexed block", report.indexed_block),
        ("Actions", len(report.actions)),
        ("Holdings", len(report.holdings)),
    ):
        cover.append([label, value])
    cover.column_dimensions["A"].width = 24
    for title, columns, rows in (
        ("Actions", ACTION_COLUMNS, [_cells(a, ACTION_COLUMNS) for a in report.actions]),
        ("Holdings", HOLDING_COLUMNS, [_cells(h, HOLDING_COLUMNS) for h in report.holdings]),
    ):
        sheet = book.create_sheet(title)
        sheet.append([heading for _key, heading in columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for number, (_key, heading) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = max(12, len(heading) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
