"""The look-ups read most, answered with one hand-off to the thread pool and serialised once.

A ``/v1`` route of the usual kind costs FastAPI three hand-offs to the thread pool (the caching
dependency, the endpoint, the validation of its answer) and validates the answer's model a second
time before serialising it. :func:`json_answer` does the whole request in the endpoint's thread:
it reads the index state for the entity tag on the answer's own connection, answers ``304`` when
the client's copy is current before any other query, builds the answer's model (validated as it
is built) and serialises it once with pydantic. The answer is the JSON the route's model
documents, with the same ``ETag`` and ``Cache-Control`` as every ``/v1`` answer
(:mod:`api.caching`); errors raised while building it become problem documents
(:mod:`api.problems`) as on every route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.caching import client_is_current, index_headers

JSON = "application/json"


def json_answer(request: Request, build: Callable[[Session], BaseModel]) -> Response:
    """The answer ``build`` makes from a read session on the index, as JSON with the caching
    headers, or ``304`` (no body, no query beyond the index state) when the request's
    ``If-None-Match`` names the current entity tag. Called from a synchronous endpoint: the
    session's connection is checked out and returned in the endpoint's thread.

    Raises:
        api.queries.common.NotFoundError, api.queries.common.BadQueryError: from ``build``.
    """
    with request.app.state.sessions() as session:
        headers = index_headers(session.connection(), request)
        if client_is_current(request, headers):
            return Response(status_code=304, headers=headers)
        answer = build(session)
    return Response(answer.model_dump_json(), media_type=JSON, headers=headers)


def documented(model: Any) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a route answering ``model`` as JSON through
    :func:`json_answer` (the route declares no ``response_model``, so FastAPI does not validate
    the answer again)."""
    return {200: {"model": model, "description": "Successful Response"}}
