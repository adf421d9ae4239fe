"""The FastAPI application: the read-only JSON API under ``/v1`` and the explorer at ``/``.

``create_app(settings)`` is the entry point (``jcm api`` serves it with uvicorn, see
:mod:`api.server`). OpenAPI is at ``/openapi.json``, interactive docs at ``/docs``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from api import problems
from api.caching import NotModified, http_cache, not_modified
from api.database import create_schema, make_engine, session_factory
from api.downloads import router as downloads_router
from api.explorer import router as explorer_router
from api.routes import (
    accounts,
    aef as aef_routes,
    governance,
    lookups,
    movements,
    registry,
    reports,
)
from api.web import STATIC_DIR
from registry_client.settings import Settings, load_settings

DESCRIPTION = """\
A read-only view of the JCM registry built from the contracts' events: countries and their joint
committees, projects, batches, accounts and their holdings with exact serial ranges, every movement
of
credits, retirements (with certificates), cancellations, and the reports Japan's JCM registry
publishes.

Every entity carries the transaction hash and log index of the event that proves it. Lists take
`limit`/`offset` and return `total`. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the API application.

    Args:
        settings: configuration (default: from ``JCM_*`` environment variables).
        engine: an existing engine on the index database (default: one from
        ``settings.database_url``).
            The tables are created if missing, so a fresh database serves an empty index.
    """
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url, settings.api_pool_size)
    create_schema(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Synchronous endpoints run in this loop's thread pool, 40 threads by default. A worker's
        # look-ups are Python under one interpreter lock, so more threads than connections only
        # take turns at the lock: under 50 clients back to back, p99 fell from 397-428 ms with 40
        # threads to 264-329 ms with 6 (1M events, 2 workers, load 8-10); and with a thread per
        # pooled connection no request holds a thread while it waits for a connection.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_pool_size
        # The app's own objects (modules, routes, models, compiled statements: about 170,000)
        # live as long as the process; frozen, the collector's full passes no longer walk them:
        # one took 217 ms (7.6 ms frozen) in 3,000 look-ups, a pause every request in flight
        # waits for.
        gc.freeze()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="JCM registry API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "registry", "description": "Totals, partner countries, projects and batches."},
            {"name": "accounts", "description": "Public holder information and holdings."},
            {
                "name": "movements",
                "description": "Serials, transactions, retirements and cancellations.",
            },
            {"name": "reports", "description": "The JCM registry's published reports."},
            {
                "name": "article 6",
                "description": "Each party's Article 6 tables (AEF) and their reconciliation.",
            },
            {
                "name": "governance",
                "description": "The emergency pause, country proposals and each side's roles.",
            },
            {"name": "health", "description": "The index against the chain."},
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    problems.install(app)
    app.add_exception_handler(NotModified, not_modified)
    # First: the most frequent requests are routed without trying the others' patterns.
    app.include_router(lookups.router)
    for router in (
        registry.router,
        accounts.router,
        movements.router,
        reports.router,
        aef_routes.router,
        governance.router,
    ):
        app.include_router(router, dependencies=[Depends(http_cache)])
    for router in (downloads_router, explorer_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = problems.patch_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
