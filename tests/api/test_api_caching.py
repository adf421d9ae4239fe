"""HTTP caching of ``/v1``: an entity tag that changes when the index does, ``304`` for a client
that has the current answer, and long-lived caching only of finalized data (``api.caching``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.caching import FINAL_MAX_AGE
from api.database import make_engine
from api.indexer import Indexer, IndexTarget
from registry_client.anvil import free_port
from registry_client.chain import RpcClient
from support.api_chain import Chain, make_client

ROOT = Path(__file__).resolve().parents[2]

HOLDINGS = "/v1/accounts/{}/holdings"


def _index(chain: Chain, database_url: str, until: int) -> Indexer:
    engine = make_engine(database_url)
    try:
        with RpcClient(chain.url) as rpc:
            indexer = Indexer(
                rpc=rpc, engine=engine, target=IndexTarget.from_deployment(chain.deployment)
            )
            indexer.prepare()
            indexer.sync(until=until)
            return indexer
    finally:
        engine.dispose()


def _get(client: TestClient, path: str, tag: str | None = None) -> tuple[int, str, str, bytes]:
    headers = {"If-None-Match": tag} if tag is not None else {}
    response = client.get(path, headers=headers)
    return (
        response.status_code,
        response.headers.get("etag", ""),
        response.headers.get("cache-control", ""),
        response.content,
    )


def test_finalized_answers_are_cached_and_revalidated(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    database_url = f"sqlite:///{tmp_path / 'cached.sqlite3'}"
    holder = chain.roles["mitsui"]
    with RpcClient(chain.url) as rpc:
        seeded = rpc.block_number()
        rpc.call("anvil_mine", hex(80))  # bury the seeded history behind anvil's finality (64)
        finalized = rpc.finalized_number()
    assert finalized is not None and finalized >= seeded
    indexer = _index(chain, database_url, seeded)
    assert indexer.finalized == finalized
    client, engine = make_client(database_url, chain.url)
    try:
        status, tag, control, body = _get(client, HOLDINGS.format(holder))
        assert status == 200 and tag.startswith('"') and body
        assert control == f"public, max-age={FINAL_MAX_AGE}"

        # The client's copy is current: 304, no body, the same validators.
        for sent in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            assert _get(client, HOLDINGS.format(holder), sent)[:3] == (304, tag, control)
            assert _get(client, HOLDINGS.format(holder), sent)[3] == b""
        assert _get(client, HOLDINGS.format(holder), '"other"')[0] == 200
        # Another resource has another tag.
        assert _get(client, "/v1/stats")[1] != tag

        # New finalized data: a transfer from this holder, buried behind finality, then indexed.
        receipt = chain.transfer("mitsui", "jp_government", 2, 1)
        with RpcClient(chain.url) as rpc:
            rpc.call("anvil_mine", hex(80))
        _index(chain, database_url, int(receipt["blockNumber"]))
        status, new_tag, control, body = _get(client, HOLDINGS.format(holder), tag)
        assert status == 200 and body
        assert new_tag != tag
        assert control == f"public, max-age={FINAL_MAX_AGE}"
    finally:
        engine.dispose()


def test_unfinalized_answers_are_revalidated_on_every_use(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    database_url = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    with RpcClient(chain.url) as rpc:
        head = rpc.block_number()
        finalized = rpc.finalized_number()
    assert finalized is None or finalized < head
    _index(chain, database_url, head)  # up to the head: past the finalized block
    client, engine = make_client(database_url, chain.url)
    try:
        status, tag, control, _body = _get(client, "/v1/stats")
        assert status == 200 and tag
        assert control == "no-cache"  # may be kept, but never reused without asking
        assert _get(client, "/v1/stats", tag)[:3] == (304, tag, "no-cache")
        # The live health check is never cached.
        health = client.get("/v1/health", headers={"If-None-Match": tag})
        assert health.status_code == 200
        assert "etag" not in health.headers
    finally:
        engine.dispose()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_several_workers_serve_the_index(sqlite_url: str) -> None:
    """``JCM_API_WORKERS=2 python -m api.server``: two worker processes, built from the
    environment, answer with the same validators (the entity tag depends on the index, not on the
    process)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.server", "--database-url", sqlite_url, "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "JCM_API_WORKERS": "2"},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else b""
            try:
                first = httpx.get(f"{base}/v1/stats", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API workers did not start"
                time.sleep(0.2)
        assert first.status_code == 200 and first.headers["etag"]
        workers = [
            p for p in _children(server.pid) if b"spawn" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
        tag = first.headers["etag"]
        for _ in range(8):  # a new connection each: any worker may answer
            again = httpx.get(f"{base}/v1/stats", headers={"If-None-Match": tag}, timeout=10)
            assert again.status_code == 304
        assert httpx.get(f"{base}/v1/stats", timeout=10).json() == first.json()
    finally:
        server.terminate()
        server.wait(30)
