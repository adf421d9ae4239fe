"""Account holders' commands, signed with the holder's key: ``jcm transfer|retire|cancel``."""

from __future__ import annotations

from typing import Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import JsonOption, KeystoreOption, address, connect_signed

BatchArgument = Annotated[int, typer.Argument(help="Batch id.", min=1)]
QuantityArgument = Annotated[int, typer.Argument(help="Number of credits (tCO2e).", min=1)]


def register(app: typer.Typer) -> None:
    """Add the holder commands to the root app."""
    app.command("transfer")(transfer)
    app.command("retire")(retire)
    app.command("cancel")(cancel)


def _ranges(receipt: object) -> str:
    ranges = getattr(receipt, "ranges", ())
    return ", ".join(f"{r.first}-{r.last}" for r in ranges)


def transfer(
    ctx: typer.Context,
    to: Annotated[str, typer.Argument(help="Recipient account: address or key name.")],
    batch: BatchArgument,
    quantity: QuantityArgument,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Transfer credits of a batch to another account, lowest serials first (振替).

    A transfer between registry sides is an international transfer and needs a batch authorized
    under Article 6.
    """
    recipient = address(to, "recipient")
    receipt = connect_signed(ctx, keystore).transfer(recipient, batch, quantity)
    if as_json:
        output.print_json(receipt)
        return
    kind = "international transfer" if receipt.international else "transfer"
    first = " (the batch's first international transfer)" if receipt.first_international else ""
    output.success(
        output.receipt_line(
            f"{kind} of {receipt.quantity:,} credits of batch {batch} to {recipient}, serials "
            f"{_ranges(receipt)}{first}",
            receipt,
        )
    )


def retire(
    ctx: typer.Context,
    batch: BatchArgument,
    quantity: QuantityArgument,
    using_party: Annotated[
        str,
        typer.Option("--using-party", help="Party whose target it counts toward: JP or a partner."),
    ],
    purpose: Annotated[str, typer.Option("--purpose", help="ndc or voluntary-offset.")],
    beneficiary: Annotated[
        str, typer.Option("--beneficiary", help="On whose behalf (at most 256 bytes).")
    ] = "",
    note: Annotated[str, typer.Option("--note", help="Free text (at most 256 bytes).")] = "",
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retire credits toward an NDC or as a voluntary offset (無効化); they never move again."""
    receipt = connect_signed(ctx, keystore).retire(
        batch, quantity, using_party, purpose, beneficiary, note
    )
    if as_json:
        output.print_json(receipt)
        return
    output.success(
        output.receipt_line(
            f"retirement {receipt.retirement_id}: {receipt.quantity:,} credits of batch {batch}, "
            f"serials {_ranges(receipt)}",
            receipt,
        )
    )


def cancel(
    ctx: typer.Context,
    batch: BatchArgument,
    quantity: QuantityArgument,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="voluntary-cancellation, other-international-mitigation-purposes or "
            "overall-mitigation (correction is for joint-committee decisions).",
        ),
    ] = "voluntary-cancellation",
    note: Annotated[str, typer.Option("--note", help="Free text (at most 256 bytes).")] = "",
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel credits (取消): they move to the side's cancellation account for good."""
    receipt = connect_signed(ctx, keystore).cancel(batch, quantity, reason, note)
    if as_json:
        output.print_json(receipt)
        return
    output.success(
        output.receipt_line(
            f"cancellation {receipt.cancellation_id}: {receipt.quantity:,} credits of batch "
            f"{batch}, serials {_ranges(receipt)}",
            receipt,
        )
    )
