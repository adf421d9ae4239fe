"""The ``jcm`` application: the root group, its global options, and the command groups.

Commands live in one module per area (``keys``, ``admin``, ``accounts``, ``credits``, ``views``,
``decision``, ``devnet``); each imports the SDK inside its functions so that ``jcm --help`` stays
quick. Other installed packages add commands through the ``jcm.commands`` entry point group: the
``api`` package adds ``jcm index`` and ``jcm api`` so (this package never imports it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from registry_client.cli import (
    accounts,
    admin,
    credits,
    decision,
    devnet as devnet_commands,
    keys,
    views,
)
from registry_client.cli.errors import report
from registry_client.settings import (
    DEFAULT_DEPLOYMENT_FILE,
    DEFAULT_DEVNET_DIR,
    DEFAULT_KEYSTORE_DIR,
    DEFAULT_RPC_URL,
    env_var,
    load_settings,
)


class JcmGroup(TyperGroup):
    """The root command: runs the command and turns any failure into one line and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "jcm",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) else 0
        except (Exception, KeyboardInterrupt) as exc:
            given = list(args) if args is not None else sys.argv[1:]
            code = report(exc, as_json="--json" in given)
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=JcmGroup,
    name="jcm",
    help="JCM registry: keys, accounts, joint-committee decisions, credits, and a local devnet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    rpc_url: Annotated[
        str | None,
        typer.Option(
            "--rpc-url",
            envvar=env_var("rpc_url"),
            show_envvar=True,
            help="JSON-RPC URL of the node, or several nodes of the same chain separated by commas "
            "(e.g. Japan's and the partner's): requests fail over to the next one that answers "
            f"(default: the deployment file's, else {DEFAULT_RPC_URL}).",
        ),
    ] = None,
    deployment: Annotated[
        Path | None,
        typer.Option(
            "--deployment",
            envvar=env_var("deployment"),
            show_envvar=True,
            dir_okay=False,
            help="Deployment file (default: the devnet's, "
            f"{DEFAULT_DEVNET_DIR / DEFAULT_DEPLOYMENT_FILE}).",
        ),
    ] = None,
    keystore: Annotated[
        str | None,
        typer.Option(
            "--keystore",
            envvar=env_var("keystore"),
            show_envvar=True,
            help=f"Keystore name of the key that signs (in ${env_var('keystore_dir')}, default "
            f"{DEFAULT_KEYSTORE_DIR}).",
        ),
    ] = None,
    gas_price: Annotated[
        int | None,
        typer.Option(
            "--gas-price",
            envvar=env_var("gas_price"),
            show_envvar=True,
            min=0,
            help="Fixed gas price in wei, 0 on a zero-gas consortium chain (default: the node's).",
        ),
    ] = None,
) -> None:
    """JCM registry: keys, accounts, joint-committee decisions, credits, and a local devnet.

    Passwords come from $JCM_KEYSTORE_PASSWORD or a prompt, never from an argument.
    """
    ctx.obj = load_settings(
        rpc_url=rpc_url, deployment=deployment, keystore=keystore, gas_price=gas_price
    )


app.add_typer(keys.app, name="keys")
admin.register(app)
app.add_typer(accounts.app, name="account")
app.add_typer(views.project_app, name="project")
app.add_typer(views.batch_app, name="batch")
app.add_typer(decision.app, name="decision")
credits.register(app)
views.register(app)
app.add_typer(devnet_commands.app, name="devnet")


def _register_plugins(root: typer.Typer) -> None:
    """Let each ``jcm.commands`` entry point (``register(app)``) add its commands."""
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group="jcm.commands"), key=lambda e: e.name):
        entry.load()(root)


_register_plugins(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``jcm`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    command = typer.main.get_command(app)
    code: int = command.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    return code
