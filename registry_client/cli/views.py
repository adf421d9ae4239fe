"""Reading the registry (anyone, no key): ``jcm holdings``, ``jcm project show|list``,
``jcm batch show|list``, ``jcm serial``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import JsonOption, address, connect
from registry_client.domain import to_timestamp
from registry_client.text import printable

if TYPE_CHECKING:
    from registry_client.models import FirstTransfer, SerialFirstTransfer

project_app = typer.Typer(help="Registered projects.", no_args_is_help=True)
batch_app = typer.Typer(help="Batches (one per issuance).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``holdings`` and ``serial`` to the root app."""
    app.command("holdings")(holdings)
    app.command("serial")(serial)


def holdings(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account address, or a key name.")],
    as_json: JsonOption = False,
) -> None:
    """What an account holds: batches, balances, serial ranges and serial block ids."""
    target = address(account)
    found = sorted(connect(ctx).holdings(target), key=lambda h: h.batch_id)
    if as_json:
        output.print_json(found)
        return
    if not found:
        output.notice(f"account {target} holds no credits")
        return
    output.show(
        output.table(
            f"Holdings of {target}",
            ["batch", "project", "vintage", "balance", "serial blocks"],
            [
                (
                    h.batch_id,
                    h.project_ref,
                    h.vintage,
                    output.number(h.balance),
                    list(h.block_ids),
                )
                for h in found
            ],
        )
    )
    batches = f"{len(found)} batch" + ("" if len(found) == 1 else "es")
    output.notice(f"{sum(h.balance for h in found):,} credits in {batches}")


@project_app.command("show")
def project_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Project reference, e.g. ID013.")],
    as_json: JsonOption = False,
) -> None:
    """Show a registered project, with its batches' monitoring periods."""
    client = connect(ctx)
    project = client.project(ref)
    if as_json:
        output.print_json(project)
        return
    periods = [
        (
            f"batch {batch.id}",
            f"{output.when(batch.monitoring_start)} .. {output.when(batch.monitoring_end)}",
        )
        for batch in sorted(
            client.project_batches(ref), key=lambda b: to_timestamp(b.monitoring_start)
        )
    ]
    output.show(
        output.fields(
            f"Project {project.ref}",
            [
                ("title", project.title),
                ("country", project.country),
                ("methodology", project.methodology),
                ("PDD hash", project.pdd_hash),
                ("validation report hash", project.validation_report_hash),
                ("registered", output.when(project.registered_at)),
                ("batches", project.batch_count),
                *periods,
            ],
        )
    )


@project_app.command("list")
def project_list(
    ctx: typer.Context,
    country: Annotated[
        str | None, typer.Option("--country", help="Only this partner country's projects.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the registered projects, in registration order."""
    found = connect(ctx).projects()
    if country:
        found = [p for p in found if p.country == country.strip().upper()]
    if as_json:
        output.print_json(found)
        return
    output.show(
        output.table(
            "Registered projects",
            ["ref", "country", "methodology", "batches", "title"],
            [(p.ref, p.country, p.methodology, p.batch_count, p.title) for p in found],
        )
    )


@batch_app.command("show")
def batch_show(
    ctx: typer.Context,
    batch_id: Annotated[int, typer.Argument(help="Batch id.", min=1)],
    as_json: JsonOption = False,
) -> None:
    """Show a batch: its issuance data, conservation totals and current holders."""
    client = connect(ctx)
    batch = client.batch(batch_id)
    holders = client.batch_holdings(batch_id)
    article6 = client.batch_article6(batch_id)
    transfers = client.first_transfers(batch_id)
    if as_json:
        output.print_json(
            {
                **output.jsonable(batch),
                "holdings": output.jsonable(holders),
                "article6": output.jsonable(article6),
                "first_transfers": output.jsonable(transfers),
            }
        )
        return
    info, totals = batch.info, batch.totals
    names = {h.account: client.account(h.account).holder_name for h in holders}
    # The current authorization is JCMArticle6's: the issuance's, or the host's later decision.
    authorization = output.label(article6.authorization)
    if article6.authorization_id:
        authorization += (
            f" ({printable(article6.authorization_id)}, {output.when(article6.authorization_date)})"
        )
    if article6.authorization != info.authorization:
        authorization += f"; at issuance: {output.label(info.authorization)}"
    first_transferred = sum(t.last - t.first + 1 for t in transfers)
    output.show(
        output.fields(
            f"Batch {info.id}",
            [
                ("project", f"{info.project_ref} ({info.country})"),
                (
                    "monitoring period",
                    f"{output.when(info.monitoring_start)} .. {output.when(info.monitoring_end)}",
                ),
                ("vintage", info.vintage),
                (
                    "quantity",
                    f"{info.quantity:,} (verified reductions {info.verified_reductions:,})",
                ),
                ("serials", f"{info.first_serial} .. {info.last_serial}"),
                ("Article 6", authorization),
                (
                    "first transferred",
                    f"{first_transferred:,} of {info.quantity:,} credits"
                    + (
                        f"; the host counted {article6.host_ndc_use:,} toward its NDC"
                        if article6.host_ndc_use
                        else ""
                    ),
                ),
                (
                    "joint committee decision",
                    f"{printable(info.decision_ref)} ({info.decision_id})",
                ),
                ("verification report hash", info.verification_report_hash),
                ("issued", output.when(info.issued_at)),
                (
                    "totals",
                    f"issued {totals.issued:,} = held {totals.held:,} + retired "
                    f"{totals.retired:,} + cancelled {totals.cancelled:,}",
                ),
            ],
        ),
        output.table(
            "Holders",
            ["account", "holder", "side", "balance", "serial blocks"],
            [
                (
                    h.account,
                    names[h.account],
                    h.side,
                    output.number(h.balance),
                    list(h.block_ids),
                )
                for h in holders
            ],
        ),
        *(
            [
                output.table(
                    "First transfers (Article 6.2)",
                    ["serials", "quantity", "from", "to", "by", "when"],
                    [_first_transfer_row(t) for t in transfers],
                )
            ]
            if transfers
            else []
        ),
    )


def _first_transfer_row(t: FirstTransfer) -> tuple[str, ...]:
    return (
        f"{t.first} .. {t.last}",
        output.number(t.last - t.first + 1),
        t.from_party,
        t.to_party or "none (by the definition)",
        t.trigger.label,
        output.when(t.at),
    )


def _first_transfer_line(found: SerialFirstTransfer) -> str:
    """Whether, when, from and to which party a serial was first transferred, in words."""
    record = found.record
    if not found.transferred or record is None:
        return "no: only its host party may count it toward an NDC"
    to = f" to {record.to_party}" if record.to_party else ""
    return f"yes, {output.when(record.at)}, from {record.from_party}{to} ({record.trigger.label})"


@batch_app.command("list")
def batch_list(
    ctx: typer.Context,
    project: Annotated[str | None, typer.Option("--project", help="Only this project's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List every batch with its totals."""
    found = connect(ctx).batches()
    if project:
        found = [b for b in found if b.info.project_ref == project.strip()]
    if as_json:
        output.print_json(found)
        return
    output.show(
        output.table(
            "Batches",
            ["batch", "project", "vintage", "issued", "held", "retired", "cancelled", "Article 6"],
            [
                (
                    b.info.id,
                    b.info.project_ref,
                    b.info.vintage,
                    output.number(b.totals.issued),
                    output.number(b.totals.held),
                    output.number(b.totals.retired),
                    output.number(b.totals.cancelled),
                    output.label(b.info.authorization),
                )
                for b in found
            ],
        )
    )


def serial(
    ctx: typer.Context,
    serial_or_block_id: Annotated[
        str,
        typer.Argument(
            help="A serial number (100001) or a serial block id "
            "(JCM-JP-ID013-2023-000100001-000105000).",
            metavar="SERIAL_OR_BLOCK_ID",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Where a serial is now: held (by whom), retired or cancelled (by which record); for a block
    id, where each piece of the block is now."""
    from registry_client.models import SerialLocation
    from registry_client.serials import parse_serial

    query = parse_serial(serial_or_block_id)
    if query.first != query.last:
        _block(ctx, serial_or_block_id, query.first, query.last, as_json)
        return
    client = connect(ctx)
    found = client.locate(serial_or_block_id)
    if found.location == SerialLocation.UNISSUED:
        if as_json:
            output.print_json(found)
        else:
            output.success(f"serial {found.serial} has not been issued")
        return
    transfer = client.first_transfer(found.serial)
    if as_json:
        output.print_json({**output.jsonable(found), "first_transfer": output.jsonable(transfer)})
        return
    record = {
        SerialLocation.RETIRED: f"retirement {found.record_id}",
        SerialLocation.CANCELLED: f"cancellation {found.record_id}",
    }.get(found.location)
    output.show(
        output.fields(
            f"Serial {found.serial}",
            [
                ("where", output.label(found.location)),
                ("account", found.account),
                ("record", record),
                ("batch", found.batch_id),
                ("project", found.project_ref),
                ("vintage", found.vintage),
                ("registry side", found.side),
                ("serial block", found.block_id),
                ("first transferred (Article 6)", _first_transfer_line(transfer)),
            ],
        )
    )


BLOCK_PIECES = 100
"""Pieces of a block that ``jcm serial BLOCK_ID`` describes at most (each costs a few reads)."""


def _block(ctx: typer.Context, text: str, first: int, last: int, as_json: bool) -> None:
    """Every piece of a block: who holds it, or which record retired or cancelled it."""
    from registry_client.models import SerialLocation

    pieces = connect(ctx).locate_block(text, limit=BLOCK_PIECES)
    described = pieces[-1].range.last if pieces and pieces[-1].range else last
    complete = described >= last or pieces[-1].location == SerialLocation.UNISSUED
    if as_json:
        output.print_json({"first": first, "last": last, "complete": complete, "pieces": pieces})
        return
    records = {SerialLocation.RETIRED: "retirement", SerialLocation.CANCELLED: "cancellation"}
    rows: list[tuple[str, ...]] = []
    for p in pieces:
        if p.location == SerialLocation.UNISSUED:
            rows.append((f"{p.serial} ..", "not issued", "-", "-", "-", "-"))
            continue
        assert p.range is not None
        kind = records.get(p.location)
        rows.append(
            (
                f"{p.range.first} .. {p.range.last}",
                output.label(p.location),
                p.account or "-",
                f"{kind} {p.record_id}" if kind else "-",
                output.number(p.range.size),
                p.block_id or "-",
            )
        )
    title = f"Serials {first} .. {last}"
    if pieces and pieces[0].batch_id is not None:
        title += f" (batch {pieces[0].batch_id}, {pieces[0].project_ref}, {pieces[0].vintage})"
    output.show(
        output.table(title, ["serials", "where", "account", "record", "quantity", "block"], rows)
    )
    if not complete:
        from registry_client.serials import format_block_id, parse_serial

        block = parse_serial(text).block
        rest = (
            format_block_id(block.side, block.project_ref, block.vintage, described + 1, last)
            if block is not None
            else str(described + 1)
        )
        output.notice(
            f"the first {len(pieces)} pieces, up to serial {described:,}; the rest: "
            f"jcm serial {rest}"
        )
