"""Output of the ``jcm`` command: rich tables for people, JSON for scripts, one-line errors.

Consoles are created on first use and write to whatever ``sys.stdout``/``sys.stderr`` are then
(so test runners that swap them see the output).

Everything printed here may carry text from the chain or from a file, so nothing is ever parsed as
Rich markup (cells are ``Text`` objects, messages are printed with ``markup=False``) and every
character that could move the cursor, clear the screen or hide text is shown escaped
(:mod:`registry_client.text`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from registry_client.text import printable, printable_lines, safe_json

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text


def console() -> Console:
    """The console for results (standard output)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console() -> Console:
    """The console for progress and notices (standard error)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def jsonable(value: Any) -> Any:
    """``value`` with models, enums (by name: ``"ndc"``, ``"frozen"``), dates, bytes and paths
    turned into JSON values."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(by_alias=False))
    if isinstance(value, Enum):
        return enum_name(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def enum_name(value: Enum) -> str:
    """An enum member's name in snake case: ``GOVERNMENT_HOLDING`` and ``IssueCredits`` become
    ``government_holding`` and ``issue_credits``."""
    name = value.name
    if name != name.upper():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", name)
    return name.lower()


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on standard output."""
    sys.stdout.write(safe_json(jsonable(value)) + "\n")
    sys.stdout.flush()


def error_line(message: str) -> None:
    """Print one ``error: ...`` line on standard error."""
    text = printable(" ".join(str(message).split()))
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


def notice(message: str) -> None:
    """Print a notice (not a result) on standard error (long lines are not broken)."""
    err_console().print(printable_lines(message), markup=False, emoji=False, soft_wrap=True)


def when(value: datetime | date | None) -> str:
    """A date or time for tables: ``2024-06-30``, or ``2024-06-30 12:00 UTC``; ``-`` if unset."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def label(value: Any) -> str:
    """A human label for an enum member (``government holding``), else ``str(value)``; an account
    kind also in Japanese (``government holding (政府保有口座)``)."""
    text = getattr(value, "label", None)
    if isinstance(text, str):
        japanese = getattr(value, "japanese", None)
        return f"{text} ({japanese})" if japanese else text
    if isinstance(value, Enum):
        return value.name.lower().replace("_", " ")
    return "-" if value is None else str(value)


def number(value: int | None) -> str:
    """An integer with thousands separators."""
    return "-" if value is None else f"{value:,}"


def cell(value: Any) -> Text:
    """A table cell that shows ``value`` exactly, escaped, never parsed as markup; a list or
    tuple becomes one line per item."""
    from rich.text import Text

    if isinstance(value, list | tuple):
        return Text("\n".join(printable(str(v)) for v in value))
    return Text(printable(str(value)))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A rich table with a header row; cells go through :func:`cell`."""
    from rich import box
    from rich.table import Table

    result = Table(
        title=cell(title) if title is not None else None,
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    for column in columns:
        if column.lower() in NUMERIC_COLUMNS:
            result.add_column(column, justify="right", overflow="fold")
        else:
            result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*(cell(c) for c in row))
    return result


NUMERIC_COLUMNS = frozenset(
    {"batch", "balance", "quantity", "issued", "held", "retired", "cancelled", "vintage", "count",
     "threshold", "signatures", "batches", "id", "serials"}
)  # fmt: skip


def fields(title: str | None, rows: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table of named values."""
    from rich import box
    from rich.table import Table

    result = Table(
        title=cell(title) if title is not None else None,
        box=box.SIMPLE,
        show_header=False,
        title_justify="left",
        min_width=len(title) + 2 if title else None,
    )
    result.add_column(style="bold")
    result.add_column(overflow="fold")
    for name, value in rows:
        result.add_row(cell(name), cell("-" if value is None or value == "" else value))
    return result


def show(*renderables: Any) -> None:
    """Print rich renderables on standard output."""
    out = console()
    for item in renderables:
        out.print(item)


def receipt_line(what: str, receipt: Any) -> str:
    """``<what> (block N, tx 0x..., gas N)`` for a mined transaction receipt."""
    return f"{what} (block {receipt.block_number}, tx {receipt.tx_hash}, gas {receipt.gas_used:,})"


def success(message: str) -> None:
    """Print a result on standard output (long lines are not broken, so hashes copy whole)."""
    console().print(printable_lines(message), markup=False, emoji=False, soft_wrap=True)
