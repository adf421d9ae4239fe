"""Governance: ``jcm deploy``, ``jcm country add|list|show``, ``jcm registrar grant|revoke``,
``jcm pause|unpause``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.cli import output
from registry_client.cli.common import (
    JsonOption,
    KeystoreOption,
    addresses,
    connect_signed,
    keys,
    rpc_url,
    settings,
    signer,
)

if TYPE_CHECKING:
    from registry_client.models import CommitteeInfo

country_app = typer.Typer(
    help="Partner countries and their joint committees.", no_args_is_help=True
)
registrar_app = typer.Typer(
    help="Registrar roles of the registry sides (governance grants them).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``deploy``, ``pause``, ``unpause`` and the ``country`` and ``registrar`` groups."""
    app.command("deploy")(deploy)
    app.add_typer(country_app, name="country")
    app.add_typer(registrar_app, name="registrar")
    app.command("pause")(pause)
    app.command("unpause")(unpause)


@registrar_app.command("grant")
def grant(
    ctx: typer.Context,
    side: Annotated[str, typer.Argument(help="Registry side: JP or a partner's code.")],
    account: Annotated[str, typer.Argument(help="The registrar's address or key name.")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make an address the registrar of a registry side (governance)."""
    target = addresses([account], "registrar")[0]
    receipt = connect_signed(ctx, keystore).grant_registrar(side, target)
    _receipt(f"granted the registrar role of {side.upper()} to {target}", receipt, as_json)


@registrar_app.command("revoke")
def revoke(
    ctx: typer.Context,
    side: Annotated[str, typer.Argument(help="Registry side: JP or a partner's code.")],
    account: Annotated[str, typer.Argument(help="The registrar's address or key name.")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the registrar role of a registry side away from an address (governance)."""
    target = addresses([account], "registrar")[0]
    receipt = connect_signed(ctx, keystore).revoke_registrar(side, target)
    _receipt(f"revoked the registrar role of {side.upper()} from {target}", receipt, as_json)


def pause(ctx: typer.Context, keystore: KeystoreOption = None, as_json: JsonOption = False) -> None:
    """Pause every movement of credits (governance)."""
    _receipt("paused the registry", connect_signed(ctx, keystore).pause(), as_json)


def unpause(
    ctx: typer.Context, keystore: KeystoreOption = None, as_json: JsonOption = False
) -> None:
    """Resume movements of credits (governance)."""
    _receipt("unpaused the registry", connect_signed(ctx, keystore).unpause(), as_json)


def _receipt(what: str, receipt: object, as_json: bool) -> None:
    if as_json:
        output.print_json(receipt)
    else:
        output.success(output.receipt_line(what, receipt))


def deploy(
    ctx: typer.Context,
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            help="Governance address or key name (default: the deployer).",
            show_default=False,
        ),
    ] = None,
    metadata_uri: Annotated[
        str | None, typer.Option("--metadata-uri", help="ERC-1155 metadata URI template.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing deployment file.")
    ] = False,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy the registry (JCMRegistry and JCMProjects) and write the deployment file."""
    from registry_client.deployment import DEFAULT_METADATA_URI, deploy_registry, save_deployment
    from registry_client.errors import DeploymentError
    from registry_client.transactions import FeeSettings, connect_web3

    options = settings(ctx)
    path = options.deployment_path
    if path.exists() and not force:
        raise DeploymentError(
            f"{path} exists already: pass --force to overwrite it, or --deployment for another file"
        )
    url = options.rpc_url or rpc_url(ctx)
    w3 = connect_web3(url)
    account = signer(ctx, keystore)
    governance = addresses([admin], "admin")[0] if admin else None
    fees = FeeSettings(gas_price=options.gas_price) if options.gas_price is not None else None
    with output.err_console().status(f"deploying the registry to {url} ..."):
        deployment = deploy_registry(
            url,
            account,
            admin=governance,
            metadata_uri=metadata_uri or DEFAULT_METADATA_URI,
            fees=fees,
            w3=w3,
        )
    save_deployment(deployment, path)
    if as_json:
        output.print_json(deployment)
        return
    output.show(
        output.fields(
            "Registry deployed",
            [
                ("chain", deployment.chain_id),
                ("registry", deployment.registry),
                ("projects", deployment.projects),
                ("governance", governance or deployment.deployer),
                ("block", deployment.block_number),
                ("deployment file", path),
            ],
        )
    )


@country_app.command("add")
def add(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. ID.")],
    japan_members: Annotated[
        list[str],
        typer.Option(
            "--japan-members",
            help="Japanese members: addresses or key names, comma-separated or repeated.",
        ),
    ],
    partner_members: Annotated[
        list[str],
        typer.Option(
            "--partner-members",
            help="Partner-country members: addresses or key names, comma-separated or repeated.",
        ),
    ],
    japan_threshold: Annotated[
        int, typer.Option("--japan-threshold", min=1, help="Japanese signatures required.")
    ],
    partner_threshold: Annotated[
        int, typer.Option("--partner-threshold", min=1, help="Partner signatures required.")
    ],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy a joint committee for a partner country and add the country (governance)."""
    from registry_client.deployment import save_deployment

    japan = addresses(japan_members, "Japanese member")
    partner = addresses(partner_members, "partner member")
    client = connect_signed(ctx, keystore)
    with output.err_console().status(f"deploying the joint committee of {country.upper()} ..."):
        committee = client.deploy_committee(
            country, japan, partner, japan_threshold, partner_threshold
        )
    save_deployment(client.deployment, settings(ctx).deployment_path)
    if as_json:
        output.print_json(committee)
        return
    output.success(f"added country {committee.country} with joint committee {committee.address}")
    _show_committee(committee)


@country_app.command("list")
def list_countries(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the partner countries and their joint committees."""
    from registry_client.cli.common import connect

    committees = connect(ctx).committees()
    if as_json:
        output.print_json(committees)
        return
    output.show(
        output.table(
            "Partner countries",
            ["country", "joint committee", "Japan", "partner", "nonce"],
            [
                (
                    c.country,
                    c.address,
                    f"{c.japan_threshold} of {len(c.japan_members)}",
                    f"{c.partner_threshold} of {len(c.partner_members)}",
                    c.nonce,
                )
                for c in committees
            ],
        )
    )


@country_app.command("show")
def show(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO code, e.g. ID.")],
    as_json: JsonOption = False,
) -> None:
    """Show a country's joint committee: members of both sides, thresholds and nonce."""
    from registry_client.cli.common import connect

    committee = connect(ctx).committee(country)
    if as_json:
        output.print_json(committee)
        return
    _show_committee(committee)


def _show_committee(committee: CommitteeInfo) -> None:
    names = {k.address: k.name for k in keys().list()}
    rows = [("JP", m, names.get(m, "")) for m in committee.japan_members] + [
        (committee.country, m, names.get(m, "")) for m in committee.partner_members
    ]
    output.show(
        output.fields(
            f"Joint committee of {committee.country}",
            [
                ("address", committee.address),
                (
                    "Japan threshold",
                    f"{committee.japan_threshold} of {len(committee.japan_members)}",
                ),
                (
                    "partner threshold",
                    f"{committee.partner_threshold} of {len(committee.partner_members)}",
                ),
                ("nonce", committee.nonce),
            ],
        ),
        output.table(None, ["side", "member", "your key"], rows),
    )
