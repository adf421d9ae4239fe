"""Serving under load: a burst of concurrent look-ups larger than the thread pool and the connection
pool together is answered, not stalled (``api.routes.deps.get_session``, ``api.caching``)."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from uvicorn.server import ServerState

from api.app import create_app
from api.database import make_engine
from api.server import HTTP_PROTOCOL
from registry_client.settings import Settings
from support.api_chain import served

BURST = 120
"""Concurrent requests: on a thread pool and a connection pool of one each (and one more
connection under bursts)."""


@pytest.fixture
def small_pool_api(sqlite_url: str) -> Iterator[str]:
    """The API on uvicorn with a pool of one connection (and one more under bursts)."""
    settings = Settings(database_url=sqlite_url, api_pool_size=1)
    engine = make_engine(sqlite_url, settings.api_pool_size)
    app = create_app(settings, engine=engine)
    try:
        with served(app) as url:
            yield url
    finally:
        engine.dispose()


def test_a_burst_beyond_the_pools_is_answered(small_pool_api: str) -> None:
    # Requests that held a connection while waiting for a thread, with every thread waiting for a
    # connection, stalled the worker until the pool's 30 s timeout, then answered 500.
    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=BURST)
        async with httpx.AsyncClient(base_url=small_pool_api, limits=limits, timeout=20) as http:
            paths = ["/v1/stats", "/v1/accounts", "/v1/batches", "/v1/transactions",
                     "/v1/serials/520"]  # fmt: skip
            return await asyncio.gather(*(http.get(paths[i % 5]) for i in range(BURST)))

    started = time.monotonic()
    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * BURST
    assert all(a.headers["etag"] for a in answers)
    assert time.monotonic() - started < 20


def test_a_worker_runs_as_many_threads_as_it_pools_connections(sqlite_url: str) -> None:
    # More threads would only take turns at the interpreter lock (and wait for connections); the
    # app's objects, frozen, are not walked by the collector's full passes.
    settings = Settings(database_url=sqlite_url, api_pool_size=3)
    engine = make_engine(sqlite_url, settings.api_pool_size)
    gc.unfreeze()
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            assert client.portal is not None
            limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
            assert limiter.total_tokens == 3
            assert gc.get_freeze_count() > 0
    finally:
        engine.dispose()


class _Transport:
    """What uvicorn's protocol asks of an asyncio transport when a connection is made."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> object:
        return {
            "socket": self.sock,
            "peername": self.sock.getpeername(),
            "sockname": self.sock.getsockname(),
        }.get(name)


def test_every_connection_sends_without_delay(tmp_path: Path) -> None:
    # A worker of `uvicorn --workers N` accepts on a socket rebuilt from its descriptor, on which
    # asyncio does not set TCP_NODELAY: each answer's body then waited 40 ms for the client's
    # delayed acknowledgement of its headers.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        rebuilt = socket.socket(fileno=os.dup(listener.fileno()))  # as a worker gets it
        with rebuilt, socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = rebuilt.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
                config = uvicorn.Config(app, http=HTTP_PROTOCOL)
                config.load()
                loop = asyncio.new_event_loop()
                protocol = config.http_protocol_class(
                    config=config, server_state=ServerState(), app_state={}, _loop=loop
                )
                protocol.connection_made(_Transport(accepted))  # type: ignore[arg-type]
                loop.close()
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
