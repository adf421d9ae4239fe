"""Schemathesis against the API's own OpenAPI document, in-process (ASGI), on the seeded index:
no server error, and every response conforms to the document (status code, content type, body)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="session")
def api_schema(client: TestClient) -> Any:
    """The API's OpenAPI document, loaded from the app itself."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_operations(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
