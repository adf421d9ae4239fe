"""Serial block ids: one string a person can read and paste for a block of credits.

See docs/design.md §4.

Format::

    JCM-<side>-<projectRef>-<vintage>-<first:09d>-<last:09d>
    JCM-JP-ID012-2023-000100001-000105000

- ``side``: the registry side that records the block (``JP`` or the partner's ISO code): the side of
  the account holding it, or of the account that retired or cancelled it.
- ``projectRef``: the project reference (``ID012``); it may contain ``-``, since the last three
  fields are fixed-form.
- ``vintage``: four digits.
- ``first``/``last``: the inclusive serial range, zero-padded to at least nine digits (serials are
  ``uint64``; larger numbers simply have more digits).

Wherever a "serial" is taken, a plain serial number or a block id is accepted
(:func:`parse_serial`).
From a block id, :func:`article6_identifier` derives the Article 6.2 unique identifier fields.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from registry_client.domain import MAX_SERIAL, side_code
from registry_client.errors import InvalidInput
from registry_client.models import JAPAN, SerialRange
from registry_client.text import printable

PREFIX = "JCM"

_BLOCK_ID = re.compile(
    r"^JCM-(?P<side>[A-Z]{2})-(?P<ref>[A-Za-z0-9][A-Za-z0-9_.\-/]*?)-(?P<vintage>\d{4})"
    r"-(?P<first>\d{9,20})-(?P<last>\d{9,20})$",
    re.ASCII,  # \d is 0-9 only: int() reads other scripts' digits, which no registry prints
)
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
_EXAMPLE = "JCM-JP-ID012-2023-000100001-000105000"


class SerialBlockId(BaseModel):
    """A parsed serial block id."""

    model_config = ConfigDict(frozen=True)

    side: str = Field(pattern=r"^[A-Z]{2}$")
    project_ref: str
    vintage: int = Field(ge=1000, le=9999)
    first: int = Field(ge=1, le=MAX_SERIAL)
    last: int = Field(ge=1, le=MAX_SERIAL)

    @property
    def range(self) -> SerialRange:
        """The block's serial range."""
        return SerialRange(first=self.first, last=self.last)

    @property
    def size(self) -> int:
        """The number of credits in the block."""
        return self.last - self.first + 1

    def __str__(self) -> str:
        return format_block_id(self.side, self.project_ref, self.vintage, self.first, self.last)


class SerialQuery(BaseModel):
    """What a user named as "a serial": one number, or a whole block given by its id."""

    model_config = ConfigDict(frozen=True)

    first: int
    last: int
    block: SerialBlockId | None = None

    @property
    def serial(self) -> int:
        """The first (for a plain number: the only) serial named."""
        return self.first


class Article6Identifier(BaseModel):
    """The Article 6.2 unique identifier fields of a serial block (decision 2/CMA.3, 6/CMA.4).

    Attributes:
        cooperative_approach: ``JCM-JP-<partner>``, the bilateral JCM between Japan and the partner.
        originating_registry: the registry side recording the block (``JP`` or the partner).
        first_transferring_party: the partner country, the host Party where the reductions happened
            and which authorizes their first transfer.
        first_serial, last_serial: the block's serial numbers.
        vintage: the year the reductions occurred.
        unique_identifier: the fields joined with ``:`` into one string.
    """

    model_config = ConfigDict(frozen=True)

    cooperative_approach: str
    originating_registry: str
    first_transferring_party: str
    first_serial: int
    last_serial: int
    vintage: int
    unique_identifier: str


def _bad(text: object, why: str) -> InvalidInput:
    return InvalidInput(f"{text!r} is not a serial block id ({why}); expected e.g. {_EXAMPLE}")


def format_block_id(side: str, project_ref: str, vintage: int, first: int, last: int) -> str:
    """Format a serial block id.

    Raises:
        InvalidInput: a part is malformed (side not two upper-case letters, empty or spaced
            reference, vintage not four digits, serials out of order or out of range).
    """
    try:
        side = side_code(side)
    except ValueError:
        raise InvalidInput(f"registry side {side!r} is not two letters (e.g. JP, ID)") from None
    if not _REF.fullmatch(project_ref):
        raise InvalidInput(
            f"project reference {project_ref!r} must be letters, digits, '.', '_', '-' or '/', "
            "starting with a letter or digit"
        )
    if not 1000 <= vintage <= 9999:
        raise InvalidInput(f"vintage {vintage} is not a four-digit year")
    if not 1 <= first <= last <= MAX_SERIAL:
        raise InvalidInput(f"serial range {first}-{last} is not 1 <= first <= last < 2^64")
    return f"{PREFIX}-{side}-{project_ref}-{vintage:04d}-{first:09d}-{last:09d}"


def parse_block_id(text: str) -> SerialBlockId:
    """Parse a serial block id.

    Raises:
        InvalidInput: ``text`` is not a well-formed block id.
    """
    if not isinstance(text, str):
        raise _bad(text, "not text")
    cleaned = text.strip()
    match = _BLOCK_ID.fullmatch(cleaned)
    if match is None:
        if not cleaned.upper().startswith(PREFIX + "-"):
            raise _bad(text, "it does not start with JCM-")
        raise _bad(text, "expected JCM-<side>-<project>-<vintage>-<first>-<last>")
    first, last = int(match["first"]), int(match["last"])
    if first < 1 or first > last:
        raise _bad(text, f"serial range {first}-{last} is empty or starts at 0")
    if last > MAX_SERIAL:
        raise _bad(text, "serial beyond 2^64 - 1")
    vintage = int(match["vintage"])
    if vintage < 1000:
        raise _bad(text, f"vintage {match['vintage']} is not a year")
    return SerialBlockId(
        side=match["side"], project_ref=match["ref"], vintage=vintage, first=first, last=last
    )


def parse_serial(value: int | str) -> SerialQuery:
    """Accept a plain serial number (``100001``, ``"000100001"``) or a serial block id.

    Raises:
        InvalidInput: neither a positive serial number below 2^64 nor a block id.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{value!r} is not a serial number or block id")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "").replace("_", "")
        if text.isdigit() and not text.isascii():
            raise InvalidInput(
                f"{printable(str(value))!r} is not a serial number: write it with the digits 0-9"
            )
        if not text.isdigit():
            if str(value).strip().upper().startswith(PREFIX + "-"):
                block = parse_block_id(str(value))
                return SerialQuery(first=block.first, last=block.last, block=block)
            raise InvalidInput(
                f"{value!r} is neither a serial number nor a serial block id (e.g. 100001 or "
                f"{_EXAMPLE})"
            )
        number = int(text)
    if not 1 <= number <= MAX_SERIAL:
        raise InvalidInput(f"serial {number} is out of range: serials run from 1 to 2^64 - 1")
    return SerialQuery(first=number, last=number)


def article6_identifier(
    block: SerialBlockId | str, partner: str | None = None
) -> Article6Identifier:
    """Derive the Article 6.2 unique identifier fields of a serial block.

    Args:
        block: a block id or its text.
        partner: the partner country of the project. Default: the block's side when it is a partner
            side, else the project reference's first two letters when they are upper-case letters
            (JCM references start with the host country's ISO code, e.g. ``ID012``).

    Raises:
        InvalidInput: the block id is malformed, or the partner cannot be derived.
    """
    parsed = parse_block_id(block) if isinstance(block, str) else block
    if partner is None:
        if parsed.side != JAPAN:
            partner = parsed.side
        elif re.fullmatch(r"[A-Z]{2}", parsed.project_ref[:2]) and parsed.project_ref[:2] != JAPAN:
            partner = parsed.project_ref[:2]
        else:
            raise InvalidInput(
                f"cannot tell the partner country of project {parsed.project_ref}: give it"
            )
    try:
        code = side_code(partner)
    except ValueError:
        code = ""
    if code in ("", JAPAN):
        raise InvalidInput(
            f"partner {code or partner!r} is not a partner country code (e.g. ID, VN)"
        )
    partner = code
    approach = f"{PREFIX}-{JAPAN}-{partner}"
    unique = ":".join(
        [
            approach,
            parsed.side,
            partner,
            f"{parsed.first:09d}-{parsed.last:09d}",
            f"{parsed.vintage:04d}",
        ]
    )
    return Article6Identifier(
        cooperative_approach=approach,
        originating_registry=parsed.side,
        first_transferring_party=partner,
        first_serial=parsed.first,
        last_serial=parsed.last,
        vintage=parsed.vintage,
        unique_identifier=unique,
    )


def block_ids(
    side: str, project_ref: str, vintage: int, ranges: list[SerialRange] | tuple[SerialRange, ...]
) -> tuple[str, ...]:
    """The block ids of ``ranges`` of one batch recorded on ``side``."""
    return tuple(format_block_id(side, project_ref, vintage, r.first, r.last) for r in ranges)
