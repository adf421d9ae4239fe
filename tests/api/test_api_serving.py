"""Serving under load: a burst of concurrent look-ups larger than the thread pool and the connection
pool together is answered, not stalled (``api.routes.deps.get_session``, ``api.caching``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from api.database import make_engine
from registry_client.settings import Settings
from support.api_chain import served

BURST = 120
"""Concurrent requests: three times the thread pool's 40 threads, on 2 connections."""


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
            paths = ["/v1/stats", "/v1/accounts", "/v1/batches", "/v1/transactions"]
            return await asyncio.gather(*(http.get(paths[i % 4]) for i in range(BURST)))

    started = time.monotonic()
    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * BURST
    assert all(a.headers["etag"] for a in answers)
    assert time.monotonic() - started < 20
