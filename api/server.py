"""Serving the API with uvicorn (``jcm api``), optionally with the indexer in the same process.

::

    python -m api.server --database-url sqlite:///jcm-index.sqlite3 \\
        --rpc-url http://127.0.0.1:8545 --deployment deployment.json --with-indexer
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import threading
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.app import create_app
from api.database import create_schema, make_engine
from registry_client.settings import Settings, env_var, load_settings

log = logging.getLogger("api.server")


def start_indexer_thread(settings: Settings, stop: threading.Event) -> threading.Thread:
    """Run :func:`api.indexer.run` (following the head) in a daemon thread until ``stop`` is set.

    Raises:
        ValueError: ``settings`` has no ``rpc_url`` or no ``deployment``.
    """
    from api.indexer import run

    if not settings.rpc_url or settings.deployment is None:
        raise ValueError("the indexer needs JCM_RPC_URL and JCM_DEPLOYMENT (rpc_url, deployment)")
    rpc_url, deployment = settings.rpc_url, settings.deployment

    def target() -> None:
        try:
            run(
                rpc_url,
                deployment,
                settings.database_url,
                settings.confirmations,
                block_range=settings.block_range,
                poll_interval=settings.poll_interval,
                rpc_timeout=settings.rpc_timeout,
                progress=False,
                stop=stop,
            )
        except Exception:
            log.exception("the indexer stopped")

    thread = threading.Thread(target=target, name="jcm-indexer", daemon=True)
    thread.start()
    return thread


API_SETTINGS = frozenset(
    {
        "database_url",
        "api_pool_size",
        "rpc_url",
        "rpc_timeout",
        "deployment",
        "confirmations",
        "title",
    }
)
"""The settings a worker process's app reads (:func:`api.app.create_app`)."""


class NoDelayProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with ``TCP_NODELAY`` set on every connection.

    asyncio sets it only on a socket whose protocol number it knows. A worker of ``uvicorn
    --workers N`` accepts on the listening socket rebuilt from its descriptor (protocol 0), so its
    connections kept Nagle's algorithm: an answer goes out as headers and then body, and the body
    waited for the client's delayed acknowledgement of the headers, 40 ms on every request
    (measured: 48 ms against 3.5 ms for a holdings look-up with one client, at a load of 1.8).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = "api.server:NoDelayProtocol"
"""The HTTP protocol every API process serves with (``uvicorn --http``)."""


WORKER_STARTUP_SECONDS = 60
"""How long uvicorn's supervisor waits for a worker to answer its health check. Its default (5 s) is
shorter than a worker's start (importing the app) on a busy 2-core machine, where the supervisor
then kills and restarts every worker forever."""


def settings_environment(settings: Settings) -> dict[str, str]:
    """The settings an API worker needs as the ``JCM_*`` environment variables that recreate them
    (worker processes build their own app from the environment)."""
    return {
        env_var(name): str(value)
        for name, value in settings.model_dump(include=set(API_SETTINGS)).items()
        if value is not None
    }


def serve(
    settings: Settings | None = None,
    *,
    with_indexer: bool = False,
    log_level: str = "info",
    workers: int | None = None,
    rebuild_stale_index: bool = False,
) -> None:
    """Serve the API (and the explorer) until interrupted; the entry point of ``jcm api``.

    Args:
        settings: configuration (default: ``JCM_*`` environment variables); ``host``/``port`` say
            where to listen, ``database_url`` which index to serve, ``rpc_url`` the node
            ``/v1/health`` compares with.
        with_indexer: also run the indexer (``rpc_url``, ``deployment``, ``confirmations``) in a
            background thread of this process, writing to the same database.
        log_level: uvicorn's log level.
        workers: API processes (default: ``settings.api_workers``, else one per CPU core). A
            process answers requests on one core (the time goes to Python: routing, validation,
            serialisation), so a production server runs one per core; each has its own connection
            pool of ``settings.api_pool_size`` (:func:`api.database.make_engine`). With several,
            this process supervises them (and runs the indexer thread, if any).
        rebuild_stale_index: an index of an older schema version is dropped and rebuilt from the
            chain (:func:`api.database.create_schema`) instead of refused.
    """
    settings = settings or load_settings()
    workers = workers or settings.api_worker_count
    engine = make_engine(settings.database_url, settings.api_pool_size)
    create_schema(engine, rebuild_stale=rebuild_stale_index)
    stop = threading.Event()
    indexer = start_indexer_thread(settings, stop) if with_indexer else None
    try:
        if workers > 1:
            os.environ.update(settings_environment(settings))
            uvicorn.run(
                "api.app:create_app",
                factory=True,
                workers=workers,
                timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
                http=HTTP_PROTOCOL,
                host=settings.host,
                port=settings.port,
                log_level=log_level,
            )
        else:
            app = create_app(settings, engine=engine)
            uvicorn.run(
                app, host=settings.host, port=settings.port, log_level=log_level, http=HTTP_PROTOCOL
            )
    finally:
        stop.set()
        if indexer is not None:
            indexer.join(timeout=10)
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """``python -m api.server``: serve the API (options override ``JCM_*`` settings)."""
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m api.server", description="JCM registry API")
    parser.add_argument("--database-url", default=settings.database_url)
    parser.add_argument("--rpc-url", default=settings.rpc_url)
    parser.add_argument("--deployment", type=Path, default=settings.deployment)
    parser.add_argument("--confirmations", type=int, default=settings.confirmations)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--with-indexer", action="store_true", help="run the indexer in-process")
    parser.add_argument("--log-level", default="info", help="uvicorn's log level")
    parser.add_argument(
        "--workers",
        type=int,
        default=settings.api_workers,
        help="API worker processes (default: JCM_API_WORKERS, else one per CPU core)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    serve(
        settings.model_copy(
            update={
                "database_url": args.database_url,
                "rpc_url": args.rpc_url,
                "deployment": args.deployment,
                "confirmations": args.confirmations,
                "host": args.host,
                "port": args.port,
            }
        ),
        with_indexer=args.with_indexer,
        log_level=args.log_level,
        workers=args.workers,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
