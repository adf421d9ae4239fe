"""HTTP caching of the query API: an ``ETag`` on every ``/v1`` answer, ``304 Not Modified`` when the
client already has it, and a ``Cache-Control`` that lets caches keep only final data.

Everything ``/v1`` answers is a function of the index, and the index changes only when the
indexer moves its checkpoint (a new block range, or a rollback after a reorganisation, which
changes the checkpoint's block hash). So the entity tag of an answer is a digest of the
checkpoint's block hash and the request's path and query: it changes as soon as new data is
indexed, and a client that sends it back in ``If-None-Match`` gets ``304`` without the query
being run.

How long a cache may keep an answer without asking again depends on finality. The indexer records
the node's ``finalized`` block (:data:`api.tables.FINALIZED_KEY`); while every indexed block is at
or below it, the answer describes final data and may be reused for :data:`FINAL_MAX_AGE` seconds.
When the index
holds blocks the chain may still reorganise (the node has no finality, as Clique, or the indexer
follows the head closer than finality), the answer is ``no-cache``: a cache must revalidate it on
every use (cheap with the entity tag), so it never serves a block that was rolled back.
``/v1/health`` compares the index with the live node and is never cached.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import Connection, Engine, select

from api.tables import FINALIZED_KEY, Checkpoint, Meta

FINAL_MAX_AGE = 10
"""Seconds a cache may reuse an answer about finalized data before revalidating it: short, since
the index grows every few seconds; the entity tag makes the revalidation cheap."""

UNCACHED_PATHS = frozenset({"/v1/health"})
"""Answers about the live node, not the index."""


class NotModified(Exception):
    """The client's cached answer is current: answer ``304`` with these headers."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("not modified")
        self.headers = headers


def _tags(header: str) -> set[str]:
    """The entity tags of an ``If-None-Match`` header, weak ones as their opaque part (RFC 9110
    compares them weakly)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


_INDEX_STATE = select(
    Checkpoint.block_number,
    Checkpoint.block_hash,
    select(Meta.value).where(Meta.key == FINALIZED_KEY).scalar_subquery().label("finalized"),
).where(Checkpoint.id == 1)
"""The checkpoint and the finalized block in one statement, built once (it runs on every
request)."""


def index_headers(connection: Connection, request: Request) -> dict[str, str]:
    """``ETag`` and ``Cache-Control`` for an answer to ``request`` from the index as
    ``connection`` reads it now (read before the answer's data, so the answer is at least as new
    as its entity tag and a client never keeps a tag that names older data than it got)."""
    checkpoint = connection.execute(_INDEX_STATE).first()
    state = f"{checkpoint.block_number}:{checkpoint.block_hash}" if checkpoint else "empty"
    digest = hashlib.sha256(
        f"{state}\n{request.url.path}\n{request.url.query}".encode()
    ).hexdigest()
    final = (
        checkpoint is not None
        and checkpoint.finalized is not None
        and checkpoint.block_number <= int(str(checkpoint.finalized))
    )
    return {
        "ETag": f'"{digest[:32]}"',
        "Cache-Control": f"public, max-age={FINAL_MAX_AGE}" if final else "no-cache",
    }


def cache_headers(engine: Engine, request: Request) -> dict[str, str]:
    """:func:`index_headers` read on a connection of its own, returned at once: the answer's
    session checks its connection out later, in the endpoint's thread, so no request holds a
    connection while it waits for a thread (see :func:`api.routes.deps.get_session`)."""
    with engine.connect() as connection:
        return index_headers(connection, request)


def client_is_current(request: Request, headers: dict[str, str]) -> bool:
    """Whether the request's ``If-None-Match`` names the entity tag of ``headers`` (or ``*``)."""
    wanted = request.headers.get("if-none-match")
    return wanted is not None and (wanted.strip() == "*" or headers["ETag"] in _tags(wanted))


def http_cache(request: Request, response: Response) -> None:
    """A router dependency: sets the caching headers of the answer, or answers ``304`` at once
    when the request's ``If-None-Match`` names the current entity tag.

    Raises:
        NotModified: the client's copy is current.
    """
    if request.method not in ("GET", "HEAD") or request.url.path in UNCACHED_PATHS:
        return
    headers = cache_headers(request.app.state.engine, request)
    if client_is_current(request, headers):
        raise NotModified(headers)
    response.headers.update(headers)


HttpCacheDep = Annotated[None, Depends(http_cache)]


def not_modified(_request: Request, exc: Exception) -> Response:
    """The ``304`` answer of :class:`NotModified` (no body, the validators repeated)."""
    assert isinstance(exc, NotModified)
    return Response(status_code=304, headers=exc.headers)
