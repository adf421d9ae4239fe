"""The query side's commands: ``jcm index`` (event indexer) and ``jcm api`` (API and explorer).

The ``api`` package adds them to ``jcm`` through the ``jcm.commands`` entry point (pyproject.toml),
so ``registry_client`` never imports ``api``: imports run one way, ``api`` -> ``registry_client``.
They run :func:`api.indexer.run` and :func:`api.server.serve` with their settings from the command
line, ``JCM_*`` environment variables (:class:`registry_client.settings.Settings`) and the global
``--rpc-url``/``--deployment``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from registry_client.cli.common import rpc_url, settings
from registry_client.settings import (
    DEFAULT_API_PORT,
    DEFAULT_CONFIRMATIONS,
    DEFAULT_DATABASE_URL,
    LOCALHOST,
    env_var,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar=env_var("database_url"),
        show_envvar=True,
        help="Index database: sqlite:///FILE or postgresql://... "
        f"(default: {DEFAULT_DATABASE_URL}).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``index``, ``api`` and ``report`` to the root app."""
    from api import cli_report

    app.command("index")(index)
    app.command("api")(serve)
    app.add_typer(cli_report.app, name="report")


def index(
    ctx: typer.Context,
    database_url: DatabaseOption = None,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations",
            min=0,
            help=f"Blocks a log must be buried under (default {DEFAULT_CONFIRMATIONS}).",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Stop once caught up instead of following the chain.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress bar; log lines only.")
    ] = False,
) -> None:
    """Index the registry's events into the database, then follow the chain (Ctrl-C stops)."""
    import logging

    from api.database import IndexSchemaError
    from api.indexer import ChainChangedError, run
    from registry_client.chain import RpcError
    from registry_client.deployment import load_deployment
    from registry_client.errors import RegistryError

    deployment = load_deployment(settings(ctx).deployment_path)
    defaults = settings(ctx)
    _quiet_http_logs()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        stats = run(
            rpc_url(ctx),
            deployment,
            database_url or defaults.database_url,
            defaults.confirmations if confirmations is None else confirmations,
            block_range=defaults.block_range,
            follow=not once,
            poll_interval=defaults.poll_interval,
            progress=not quiet,
            rpc_timeout=defaults.rpc_timeout,
        )
    except (IndexSchemaError, ChainChangedError, RpcError) as exc:
        raise RegistryError(f"indexer: {exc}") from exc
    logging.getLogger("jcm").info("indexer stopped after %d events", stats.events)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = LOCALHOST,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = DEFAULT_API_PORT,
    database_url: DatabaseOption = None,
    with_indexer: Annotated[
        bool,
        typer.Option(
            "--with-indexer", help="Also run the indexer in this process (same database)."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API worker processes (one per core in production); default: JCM_API_WORKERS, "
            "else one per CPU core.",
        ),
    ] = None,
    rebuild_stale_index: Annotated[
        bool,
        typer.Option(
            "--rebuild-stale-index",
            help="Drop an index of an older schema version and rebuild it from the chain "
            "(for an index nobody else keeps, such as the devnet's) instead of refusing it.",
        ),
    ] = False,
) -> None:
    """Serve the query API (/v1, /docs) and the explorer (/) over the index database."""
    import logging

    from api.server import serve as run_server
    from registry_client.deployment import load_deployment

    options = settings(ctx)
    overrides: dict[str, object] = {"host": host, "port": port, "rpc_url": rpc_url(ctx)}
    if database_url:
        overrides["database_url"] = database_url
    if with_indexer:
        load_deployment(options.deployment_path)  # a clear error now rather than in a thread
    if options.deployment_path.is_file():
        overrides["deployment"] = options.deployment_path
    _quiet_http_logs()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run_server(
        options.model_copy(update=overrides),
        with_indexer=with_indexer,
        workers=workers,
        rebuild_stale_index=rebuild_stale_index,
    )


def _quiet_http_logs() -> None:
    """Keep the HTTP client's per-request lines (one per JSON-RPC call) out of the logs."""
    import logging

    for name in ("httpx", "httpcore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
