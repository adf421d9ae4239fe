"""Dependencies and parameter types shared by the routers."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import Depends, Path, Query, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.queries.common import MAX_DB_INT
from registry_client.settings import Settings

MAX_LIMIT = 500
ADDRESS_PATTERN = r"^0[xX][0-9a-fA-F]{40}$"
TX_HASH_PATTERN = r"^0[xX][0-9a-fA-F]{64}$"
SIDE_PATTERN = r"^[A-Za-z]{2}$"
TEXT_PATTERN = r"^[^\x00]*$"
"""Any text but NUL, which PostgreSQL cannot store or compare."""


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A read session on the index for one request.

    Asynchronous so that FastAPI spends no thread hand-off on it (a synchronous dependency runs in
    the thread pool, its exit in another hand-off): opening a session connects nothing, the
    endpoint's thread checks a connection out at its first query, and :class:`SessionRoute`
    returns it when the endpoint returns. Closing here again is for endpoints run otherwise.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


def _closing_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint``, closing the sessions it was given as it returns, in its own thread."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return run


class SessionRoute(APIRoute):
    """A route whose synchronous endpoint returns its database connection before it returns.

    FastAPI runs a synchronous endpoint in the thread pool and then validates its answer in another
    hand-off to the pool, and the dependency's exit comes after that. A request that kept its
    connection until then waited for a thread while holding it: with every thread waiting for a
    connection, a worker stalled until the pool's timeout and answered 500. Closed in the
    endpoint's thread (answers are built from plain values, nothing is loaded later), a request
    holds a connection only while a thread runs it.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _closing_sessions(endpoint), **kwargs)


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class PageParams:
    """``limit`` and ``offset`` of a list request."""

    limit: int
    offset: int


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_DB_INT, description="items to skip")]
DEFAULT_LIMIT = 50


async def page_params(limit: LimitQuery = DEFAULT_LIMIT, offset: OffsetQuery = 0) -> PageParams:
    """Pagination parameters."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def checksum(address: str | None) -> str | None:
    """An address in EIP-55 form (input of any case accepted)."""
    return to_checksum_address(address.lower()) if address else None


AddressPath = Annotated[
    str,
    Path(
        pattern=ADDRESS_PATTERN,
        description="account address (any case)",
        examples=["0x976EA74026E726554dB657fA54763abd0C3a0aa9"],
    ),
]
AddressQuery = Annotated[str | None, Query(pattern=ADDRESS_PATTERN, description="account address")]
IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT, examples=[1])]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_INT)]
SideQuery = Annotated[
    str | None,
    Query(pattern=SIDE_PATTERN, description="registry side (JP or a partner's ISO code)"),
]
TextQuery = Annotated[str | None, Query(min_length=1, max_length=256, pattern=TEXT_PATTERN)]
SinceQuery = Annotated[
    datetime | None, Query(description="from this time on (ISO 8601, UTC if no offset)")
]
UntilQuery = Annotated[datetime | None, Query(description="up to this time (ISO 8601)")]
