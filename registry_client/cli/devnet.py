"""``jcm devnet up|down|reset|env``: the local seeded registry (:mod:`registry_client.devnet`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry_client.cli import output
from registry_client.settings import (
    DEFAULT_API_PORT,
    DEFAULT_DEVNET_DIR,
    DEFAULT_NODE_PORT,
    env_var,
)

if TYPE_CHECKING:
    from registry_client.devnet import DevnetInfo
    from registry_client.seed import Progress

app = typer.Typer(
    help="A local chain (anvil, or a 4-signer consortium) with a seeded registry, its index and "
    "API.",
    no_args_is_help=True,
)

StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        envvar=env_var("devnet_dir"),
        show_envvar=True,
        file_okay=False,
        help=f"The devnet's folder (default: {DEFAULT_DEVNET_DIR}).",
    ),
]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="anvil's port.")]
ApiPortOption = Annotated[
    int, typer.Option("--api-port", min=1, max=65535, help="The query API's port.")
]
CountriesOption = Annotated[
    str | None,
    typer.Option(
        "--countries",
        help="Seed only these partner countries, comma-separated ISO codes (default: all 29).",
    ),
]
NoApiOption = Annotated[
    bool, typer.Option("--no-api", help="Do not start the indexer and the query API.")
]
ConsortiumOption = Annotated[
    bool,
    typer.Option(
        "--consortium",
        help="Run the chain as four geth Clique signers, two per government (ports PORT to "
        "PORT+3), instead of anvil; needs geth v1.13.15 (make geth).",
    ),
]


class RichReporter:
    """Prints the devnet's steps, its seeding progress bar and the ready banner."""

    def status(self, message: str) -> None:
        """A step."""
        output.notice(message)

    @contextlib.contextmanager
    def progress(self, description: str, total: int) -> Iterator[Progress]:
        """A progress bar over the seed's transactions."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=output.err_console(),
            transient=False,
        ) as bar:
            task = bar.add_task(description, total=total)

            def update(step: str, done: int) -> None:
                bar.update(task, completed=done, description=f"{description}: {step}")

            yield update
            bar.update(task, completed=total, description=f"{description}: done")

    def ready(self, info: DevnetInfo) -> None:
        """The banner: URLs, demo accounts, environment."""
        keys = info.paths.keys.resolve()
        deployment = info.paths.deployment.resolve()
        rows = [
            ("JSON-RPC", info.rpc_url),
            ("chain id", info.chain_id),
            ("registry", info.deployment.registry),
            ("projects contract", info.deployment.projects),
            ("deployment file", deployment),
        ]
        if info.api_url:
            rows += [
                ("query API", f"{info.api_url}/v1  (docs {info.api_url}/docs)"),
                ("explorer", f"{info.api_url}/  (日本語 {info.api_url}/?lang=ja)"),
                ("reports", f"{info.api_url}/reports  (CSV, PDF)"),
            ]
        seed = info.seed
        rows += [
            (
                "seed",
                f"{len(seed.get('countries', []))} partner countries, {seed.get('projects')} "
                f"projects, {seed.get('batches')} batches, {seed.get('movements')} movements "
                f"({seed.get('transactions')} transactions in {seed.get('seconds')} s)",
            ),
            ("keystores", f"{info.keystores} in {keys} (password: {info.password})"),
        ]
        title = "JCM devnet resumed" if info.resumed else "JCM devnet ready"
        output.show(
            output.fields(title, rows),
            output.table(
                "Demo accounts (keystore names)",
                ["keystore", "role", "side", "name", "address"],
                [(a.keystore, a.role, a.side or "", a.name, a.address) for a in info.accounts],
            ),
        )
        output.success(
            "In another terminal:\n"
            f"  export JCM_KEYSTORE_DIR={keys} JCM_KEYSTORE_PASSWORD={info.password}\n"
            f"  jcm --rpc-url {info.rpc_url} --deployment {deployment} project list\n"
            '(or run `eval "$(jcm devnet env)"` there). Ctrl-C stops the devnet.'
        )


def _countries(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    return tuple(sorted({c.strip().upper() for c in text.split(",") if c.strip()}))


@app.command("up")
def up(
    state_dir: StateDirOption = None,
    port: PortOption = DEFAULT_NODE_PORT,
    api_port: ApiPortOption = DEFAULT_API_PORT,
    countries: CountriesOption = None,
    no_api: NoApiOption = False,
    consortium: ConsortiumOption = False,
) -> None:
    """Start the devnet (or resume it) and run until Ctrl-C; then stop it, keeping its state."""
    from registry_client.devnet import Devnet, default_state_dir

    devnet = Devnet(
        state_dir=state_dir or default_state_dir(),
        port=port,
        api_port=api_port,
        countries=_countries(countries),
        with_api=not no_api,
        consortium=consortium,
    )
    devnet.up(RichReporter())


@app.command("down")
def down(state_dir: StateDirOption = None) -> None:
    """Stop the devnet running from the folder (its state is kept)."""
    from registry_client.devnet import default_state_dir, down as stop

    folder = state_dir or default_state_dir()
    if stop(folder):
        output.success(f"stopped the devnet of {folder}")
    else:
        output.success(f"no devnet is running from {folder}")


@app.command("reset")
def reset(
    state_dir: StateDirOption = None,
    port: PortOption = DEFAULT_NODE_PORT,
    api_port: ApiPortOption = DEFAULT_API_PORT,
    countries: CountriesOption = None,
    no_api: NoApiOption = False,
    no_start: Annotated[
        bool, typer.Option("--no-start", help="Only delete; do not start a new devnet.")
    ] = False,
    consortium: ConsortiumOption = False,
) -> None:
    """Stop the devnet, delete its chain, index, keys and files, and start a fresh one."""
    from registry_client.devnet import default_state_dir, reset as wipe

    folder = state_dir or default_state_dir()
    deleted = wipe(folder)
    output.notice(f"deleted {len(deleted)} devnet files from {folder}")
    if not no_start:
        up(folder, port, api_port, countries, no_api, consortium)


@app.command("env")
def env(state_dir: StateDirOption = None) -> None:
    """Print shell exports for using the devnet: eval "$(jcm devnet env)"."""
    import json
    import shlex

    from registry_client.devnet import DEMO_PASSWORD, DevnetPaths, default_state_dir
    from registry_client.errors import DeploymentError

    paths = DevnetPaths(state_dir or default_state_dir())
    if not paths.deployment.is_file():
        raise DeploymentError(f"no devnet deployment in {paths.root}: start one with jcm devnet up")
    rpc = json.loads(paths.deployment.read_text(encoding="utf-8")).get("rpc_url", "")
    exports = {
        env_var("rpc_url"): rpc,
        env_var("deployment"): str(paths.deployment.resolve()),
        env_var("keystore_dir"): str(paths.keys.resolve()),
        env_var("keystore_password"): DEMO_PASSWORD,
        env_var("database_url"): f"sqlite:///{paths.database.resolve()}",  # jcm report reads it
    }
    for name, value in exports.items():
        output.success(f"export {name}={shlex.quote(value)}")
