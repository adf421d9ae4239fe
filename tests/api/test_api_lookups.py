"""The look-ups read most (holdings, serials, one transaction) on their short path
(``api.answers``, ``api.routes.lookups``): the answers and problem documents every route gives,
the cache check before any query, and a bounded number of statements, each compiled once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import CACHE_HIT, DefaultExecutionContext

from api.models import HoldingOut, Page, SerialLookup, TransactionOut
from support.api_chain import Chain


@contextmanager
def statements(engine: Engine) -> Iterator[list[DefaultExecutionContext]]:
    """The execution contexts of every statement ``engine`` runs meanwhile."""
    seen: list[DefaultExecutionContext] = []

    def record(_conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, *_: Any) -> None:
        seen.append(context)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _look_ups(client: TestClient, chain: Chain) -> dict[str, tuple[str, type[BaseModel], int]]:
    """A path of each look-up on the seeded index, its model, and the statements it may run (the
    index state included; a page that is not full needs no count)."""
    tx_hash = client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["tx_hash"]
    return {
        "holdings": (f"/v1/accounts/{chain.roles['mitsui']}/holdings", Page[HoldingOut], 4),
        "serial": ("/v1/serials/520", SerialLookup, 5),
        "transaction": (f"/v1/transactions/{tx_hash}", TransactionOut, 3),
    }


@pytest.mark.parametrize("kind", ["holdings", "serial", "transaction"])
def test_a_look_up_is_answered_from_statements_compiled_once(
    client: TestClient, seeded_chain: Chain, kind: str
) -> None:
    path, model, most = _look_ups(client, seeded_chain)[kind]
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    client.get(path)  # compiles what a first request compiles
    with statements(engine) as seen:
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] and response.headers["cache-control"]
    model.model_validate(response.json())  # the documented shape
    assert 1 <= len(seen) <= most
    # Every statement came from SQLAlchemy's compiled cache: built once, only bound again.
    assert all(context.cache_hit is CACHE_HIT for context in seen)


@pytest.mark.parametrize("kind", ["holdings", "serial", "transaction"])
def test_a_current_copy_is_answered_304_after_one_statement(
    client: TestClient, seeded_chain: Chain, kind: str
) -> None:
    path = _look_ups(client, seeded_chain)[kind][0]
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    first = client.get(path)
    with statements(engine) as seen:
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert len(seen) == 1  # the index state, no look-up
    other = client.get(path, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/accounts/0x" + "12" * 20 + "/holdings", 404),
        ("/v1/accounts/0x12/holdings", 422),
        ("/v1/accounts/0x" + "12" * 20 + "/holdings?limit=0", 422),
        ("/v1/serials/hello", 400),
        ("/v1/serials/99999999", 404),
        ("/v1/serials/520?offset=-1", 422),
        ("/v1/transactions/0x" + "ab" * 32, 404),
        ("/v1/transactions/0xab", 422),
    ],
)
def test_bad_look_ups_get_problem_documents(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["instance"] == path.split("?")[0]
    assert problem["detail"]
