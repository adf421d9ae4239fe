"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns (404, 400, 405, 422 for validation errors, and a 500 that should never
happen) is a JSON object with ``type``, ``title``, ``status``, ``detail`` and ``instance``;
validation
errors add ``errors`` (where and what). The OpenAPI document says so for every operation.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.queries.common import BadQueryError, NotFoundError

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPES = {
    400: "/problems/bad-request",
    404: "/problems/not-found",
    405: "/problems/method-not-allowed",
    422: "/problems/validation-error",
    500: "/problems/internal-error",
}


def problem(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """A problem-details response."""
    body = {
        "type": PROBLEM_TYPES.get(status, "about:blank"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    response = problem(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return problem(request, 422, f"invalid request: {where}", errors=errors)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem(request, 404, str(exc))


async def _bad_query(request: Request, exc: Exception) -> JSONResponse:
    return problem(request, 400, str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        request, 500, f"internal error ({type(exc).__name__}); the index was not changed"
    )


def install(app: FastAPI) -> None:
    """Route every error of ``app`` through problem details."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(BadQueryError, _bad_query)
    app.add_exception_handler(Exception, _unexpected)


def patch_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the generated OpenAPI document describe problem details: add the ``Problem`` schema and
    replace FastAPI's default 422 body by it."""
    from api.models import Problem

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses["422"] = problem_responses(422)[422]
    return schema
