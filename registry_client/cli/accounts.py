"""Registrars: ``jcm account open|freeze|unfreeze|close``; everyone: ``jcm account show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import JsonOption, KeystoreOption, address, connect, connect_signed

if TYPE_CHECKING:
    from registry_client.models import AccountInfo, AccountReceipt

app = typer.Typer(
    help="Registry accounts (registrars open, freeze and close them).", no_args_is_help=True
)

AccountArgument = Annotated[
    str, typer.Argument(help="Account address, or the name of a key in your keystore folder.")
]

KIND_HELP = (
    "holding (companies, 法人等保有口座), government-holding (政府保有口座), "
    "retirement (無効化口座) or cancellation (取消口座)"
)


@app.command("open")
def open_account(
    ctx: typer.Context,
    account: AccountArgument,
    side: Annotated[str, typer.Option("--side", help="Registry side: JP or a partner's code.")],
    kind: Annotated[str, typer.Option("--kind", help=f"Account kind: {KIND_HELP}.")],
    name: Annotated[str, typer.Option("--name", help="Public holder name (at most 256 bytes).")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open an account on a registry side (the registrar of that side)."""
    target = address(account)
    client = connect_signed(ctx, keystore)
    receipt = client.open_account(target, side, kind, name)
    _done(f"opened account {target} on side {side.upper()}", receipt, as_json)


@app.command("freeze")
def freeze(
    ctx: typer.Context,
    account: AccountArgument,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Freeze an account: it can neither send nor receive (the registrar of its side)."""
    target = address(account)
    receipt = connect_signed(ctx, keystore).freeze(target)
    _done(f"froze account {target}", receipt, as_json)


@app.command("unfreeze")
def unfreeze(
    ctx: typer.Context,
    account: AccountArgument,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Unfreeze a frozen account (the registrar of its side)."""
    target = address(account)
    receipt = connect_signed(ctx, keystore).unfreeze(target)
    _done(f"unfroze account {target}", receipt, as_json)


@app.command("close")
def close(
    ctx: typer.Context,
    account: AccountArgument,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close an empty account for good (the registrar of its side)."""
    target = address(account)
    receipt = connect_signed(ctx, keystore).close_account(target)
    _done(f"closed account {target}", receipt, as_json)


@app.command("show")
def show(ctx: typer.Context, account: AccountArgument, as_json: JsonOption = False) -> None:
    """Show an account's public information (holder, kind, side, status) and its balances."""
    from registry_client.errors import NotFound

    target = address(account)
    client = connect(ctx)
    info = client.account(target)
    if not info.exists:
        raise NotFound(f"address {target} has no registry account")
    holdings = sorted(client.holdings(target), key=lambda h: h.batch_id)
    if as_json:
        output.print_json({"account": info, "holdings": holdings})
        return
    # A sink's count is not kept by the ledger (None): the holdings read here are its batches.
    held = info.non_empty_holdings
    output.show(account_fields(info, len(holdings) if held is None else held))
    if holdings:
        output.show(
            output.table(
                None,
                ["batch", "project", "vintage", "balance"],
                [
                    (h.batch_id, h.project_ref, h.vintage, output.number(h.balance))
                    for h in holdings
                ],
            )
        )
    else:
        output.notice("no credits held")


def account_fields(info: AccountInfo, batches_held: int) -> object:
    """The account's public information as a two-column table, with the number of batches of
    which it holds credits now."""
    return output.fields(
        f"Account {info.address}",
        [
            ("holder", info.holder_name),
            ("kind", output.label(info.kind)),
            ("side", info.side),
            ("status", output.label(info.status)),
            ("opened", output.when(info.opened_at)),
            ("batches held", batches_held),
        ],
    )


def _done(what: str, receipt: AccountReceipt, as_json: bool) -> None:
    if as_json:
        output.print_json(receipt)
    else:
        output.success(output.receipt_line(what, receipt))
