"""``jcm report aef``: a party's Article 6 tables (AEF) for one year, as JSON, CSV or XLSX.

Added to ``jcm`` by :func:`api.cli.register` (the ``jcm.commands`` entry point), like ``jcm index``.

The tables come from the index, never from the node: from a running query API (``--api-url``,
``$JCM_API_URL``) or directly from the index database (``--database-url``, as ``jcm index``
writes it). Both give the same :class:`registry_client.article6.AefReport`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli import DatabaseOption
from registry_client.cli.output import print_json, success
from registry_client.domain import side_code
from registry_client.errors import ChainUnavailable, InvalidInput, NotFound, RegistryError
from registry_client.settings import DEFAULT_API_PORT, LOCALHOST, env_var

if TYPE_CHECKING:
    from registry_client.article6 import AefReport

app = typer.Typer(no_args_is_help=True, help="Reports built from the index (Article 6 AEF).")


class Format(StrEnum):
    """Output formats of ``jcm report aef``."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Table(StrEnum):
    """The AEF table a CSV holds."""

    ACTIONS = "actions"
    HOLDINGS = "holdings"


@app.command("aef")
def aef(
    party: Annotated[str, typer.Option("--party", help="JP or a partner country code (e.g. ID).")],
    year: Annotated[int, typer.Option("--year", min=1970, max=9998, help="Calendar year (UTC).")],
    output_format: Annotated[
        Format, typer.Option("--format", help="json (both tables), csv (one table) or xlsx.")
    ] = Format.JSON,
    table: Annotated[Table, typer.Option("--table", help="The table a CSV holds.")] = Table.ACTIONS,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", dir_okay=False, help="Write to this file (required for xlsx)."
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            envvar=env_var("api_url"),
            show_envvar=True,
            help=f"A running query API (e.g. http://{LOCALHOST}:{DEFAULT_API_PORT}); else the "
            "index database.",
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """A party's AEF tables for one year: its Article 6 actions (each with the transaction and
    log that prove it) and its holdings at the year's end."""
    from registry_client.article6 import CSV_TABLES, report_xlsx

    if output_format is Format.XLSX and output is None:
        raise InvalidInput("an XLSX workbook needs a file: add --output FILE.xlsx")
    try:
        code = side_code(party)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    report = _from_api(api_url, code, year) if api_url else _from_index(database_url, code, year)
    if output_format is Format.XLSX:
        assert output is not None
        output.write_bytes(report_xlsx(report))
    elif output is not None:
        text = (
            report.model_dump_json(indent=2) + "\n"
            if output_format is Format.JSON
            else CSV_TABLES[table.value](report)
        )
        output.write_text(text, encoding="utf-8", newline="")
    elif output_format is Format.JSON:
        print_json(report.model_dump(mode="json"))
        return
    else:
        from registry_client.text import printable_lines

        body = CSV_TABLES[table.value](report)
        # On a terminal, text from the chain is shown escaped; piped, the CSV is exact.
        sys.stdout.write(printable_lines(body) if sys.stdout.isatty() else body)
        sys.stdout.flush()
        return
    success(
        f"wrote {output}: {report.party} {report.year}, {len(report.actions)} actions, "
        f"{len(report.holdings)} holdings (index at block {report.indexed_block})"
    )


def _from_api(api_url: str, party: str, year: int) -> AefReport:
    import httpx
    from pydantic import ValidationError

    from registry_client.article6 import AefReport

    url = f"{api_url.rstrip('/')}/v1/reports/aef/{party}/{year}"
    try:
        response = httpx.get(url, timeout=60)
    except httpx.HTTPError as exc:
        raise ChainUnavailable(f"the query API at {api_url} cannot be reached: {exc}") from None
    if response.status_code in (404, 422):
        detail = response.json().get("detail") if _is_json(response) else response.text
        raise NotFound(f"the query API refused {party} {year}: {detail}")
    if response.status_code != 200:
        raise RegistryError(f"the query API answered {response.status_code} for {url}")
    try:
        return AefReport.model_validate_json(response.content)
    except ValidationError as exc:
        raise RegistryError(
            f"{url} did not answer an AEF report: {exc.errors()[0]['msg']}"
        ) from None


def _is_json(response: object) -> bool:
    headers = getattr(response, "headers", {})
    return "json" in str(headers.get("content-type", ""))


def _from_index(database_url: str | None, party: str, year: int) -> AefReport:
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from api import aef
    from api.database import make_engine
    from api.queries.common import NotFoundError
    from registry_client.settings import load_settings

    url = database_url or load_settings().database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise NotFound(
            f"no index database at {url}: run jcm index, or give --database-url or --api-url"
        )
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return aef.report(session, party, year)
    except NotFoundError as exc:
        raise NotFound(str(exc)) from None
    except SQLAlchemyError as exc:
        raise RegistryError(f"cannot read the index at {url}: {type(exc).__name__}") from None
    finally:
        engine.dispose()
