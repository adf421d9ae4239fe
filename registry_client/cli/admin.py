"""Governance: ``jcm deploy``, ``jcm country propose|accept|successor|list|show``,
``jcm authority grant|revoke``, ``jcm registrar grant|revoke``, ``jcm pause|unpause``.

Each government's registry authority acts on its own side only; a partner joins when Japan's
authority proposes and the partner's authority accepts (README "Who can do what")."""

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
    help="Registrar roles of the registry sides (each side's authority grants its own).",
    no_args_is_help=True,
)
authority_app = typer.Typer(
    help="Registry authorities: each government's key (or multisig) governing its own side.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``deploy``, ``pause``, ``unpause`` and the ``country``, ``authority`` and
    ``registrar`` groups."""
    app.command("deploy")(deploy)
    app.add_typer(country_app, name="country")
    app.add_typer(authority_app, name="authority")
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
    """Make an address the registrar of a registry side (that side's authority)."""
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
    """Take the registrar role of a registry side away from an address (that side's authority)."""
    target = addresses([account], "registrar")[0]
    receipt = connect_signed(ctx, keystore).revoke_registrar(side, target)
    _receipt(f"revoked the registrar role of {side.upper()} from {target}", receipt, as_json)


@authority_app.command("grant")
def grant_authority(
    ctx: typer.Context,
    side: Annotated[str, typer.Argument(help="Registry side: JP or a partner's code.")],
    account: Annotated[str, typer.Argument(help="The new authority's address or key name.")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an authority of a side, e.g. the government's multisig (that side's authority)."""
    target = addresses([account], "authority")[0]
    receipt = connect_signed(ctx, keystore).grant_authority(side, target)
    _receipt(f"granted the authority of {side.upper()} to {target}", receipt, as_json)


@authority_app.command("revoke")
def revoke_authority(
    ctx: typer.Context,
    side: Annotated[str, typer.Argument(help="Registry side: JP or a partner's code.")],
    account: Annotated[str, typer.Argument(help="The authority's address or key name.")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove an authority of a side, e.g. a key handed over to a multisig (that side's
    authority)."""
    target = addresses([account], "authority")[0]
    receipt = connect_signed(ctx, keystore).revoke_authority(side, target)
    _receipt(f"revoked the authority of {side.upper()} from {target}", receipt, as_json)


def pause(
    ctx: typer.Context,
    side: Annotated[str, typer.Option("--side", help="The side whose authority you are.")],
    hours: Annotated[
        float, typer.Option("--hours", min=0.001, max=168, help="How long (at most 7 days).")
    ] = 24,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pause transfers, retirements and cancellations for a while (a side's authority).

    Committee decisions still execute, so no signed decision lapses. The pause ends by itself;
    the same side may pause again 7 days after it ended.
    """
    receipt = connect_signed(ctx, keystore).pause(side, round(hours * 3600))
    _receipt(f"paused holders' movements for {hours:g} h", receipt, as_json)


def unpause(
    ctx: typer.Context, keystore: KeystoreOption = None, as_json: JsonOption = False
) -> None:
    """Lift a pause early (the authority of the side that paused)."""
    _receipt("lifted the pause", connect_signed(ctx, keystore).unpause(), as_json)


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
            help="Japan's registry authority: address or key name (default: the deployer).",
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
    """Deploy the registry (JCMRegistry, JCMProjects, JCMGovernance); write the deployment file."""
    from registry_client.chain import connect_web3
    from registry_client.deployment import deploy_registry, save_deployment
    from registry_client.errors import DeploymentError
    from registry_client.settings import DEFAULT_METADATA_URI
    from registry_client.transactions import FeeSettings

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
                ("Japan's authority", governance or deployment.deployer),
                ("block", deployment.block_number),
                ("deployment file", path),
            ],
        )
    )


@country_app.command("propose")
def propose(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. ID.")],
    authority: Annotated[
        str,
        typer.Option(
            "--authority", help="The partner government's registry authority (address or key)."
        ),
    ],
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
    """Deploy a joint committee for a partner country and propose that it join (Japan's
    authority). The country joins when the partner's authority accepts (`jcm country accept`)."""
    from registry_client.deployment import save_deployment

    japan = addresses(japan_members, "Japanese member")
    partner = addresses(partner_members, "partner member")
    partner_authority = addresses([authority], "authority")[0]
    client = connect_signed(ctx, keystore)
    with output.err_console().status(f"deploying the joint committee of {country.upper()} ..."):
        committee = client.deploy_committee(
            country, japan, partner, japan_threshold, partner_threshold,
            authority=partner_authority,
        )  # fmt: skip
    save_deployment(client.deployment, settings(ctx).deployment_path)
    if as_json:
        output.print_json(committee)
        return
    output.success(
        f"proposed that {committee.country} join with joint committee {committee.address}; "
        f"{partner_authority} accepts with: jcm country accept {committee.country} "
        f"{committee.address}"
    )
    _show_committee(committee)


@country_app.command("successor")
def successor(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. ID.")],
    japan_members: Annotated[
        list[str],
        typer.Option("--japan-members", help="Japanese members (comma-separated or repeated)."),
    ],
    partner_members: Annotated[
        list[str],
        typer.Option("--partner-members", help="Partner members (comma-separated or repeated)."),
    ],
    japan_threshold: Annotated[int, typer.Option("--japan-threshold", min=1)],
    partner_threshold: Annotated[int, typer.Option("--partner-threshold", min=1)],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy a successor joint committee for a country (anyone; it decides nothing until the
    current committee hands over by a replace-committee decision)."""
    japan = addresses(japan_members, "Japanese member")
    partner = addresses(partner_members, "partner member")
    client = connect_signed(ctx, keystore)
    with output.err_console().status(f"deploying a joint committee of {country.upper()} ..."):
        committee = client.deploy_committee(
            country, japan, partner, japan_threshold, partner_threshold
        )
    if as_json:
        output.print_json(committee)
        return
    output.success(
        f"deployed joint committee {committee.address} of {committee.country}; the current "
        f"committee hands over with: jcm decision new replace-committee --country "
        f"{committee.country} --successor {committee.address}"
    )
    _show_committee(committee)


@country_app.command("accept")
def accept(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. ID.")],
    committee: Annotated[str, typer.Argument(help="The proposed joint committee's address.")],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept Japan's proposal that your country join (the partner's authority named in it)."""
    receipt = connect_signed(ctx, keystore).accept_country(country, committee)
    _receipt(f"{country.upper()} joined with joint committee {committee}", receipt, as_json)


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
