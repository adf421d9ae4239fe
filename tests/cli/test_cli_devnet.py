"""``jcm devnet``: up on a non-default port, API port and folder (so a user's devnet is never
touched) seeds a small registry, the query API answers, SIGINT stops everything cleanly, a second
``up`` resumes the same chain without deploying or seeding again, ``down`` stops it from another
process, and ``reset --no-start`` deletes what the devnet wrote. The same with ``--consortium``:
the chain is four geth Clique signers (two per government) on consecutive ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from registry_client.anvil import free_port
from registry_client.devnet import DEMO_PASSWORD, Devnet, _alive, down, port_in_use
from support.cli import Jcm


def _up(folder: Path, port: int, api_port: int, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "registry_client.cli", "devnet", "up", "--state-dir",
             str(folder), "--port", str(port), "--api-port", str(api_port), "--countries", "PW",
             *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip


def _wait_for_api(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 240
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            reply = requests.get(f"{url}/v1/health", timeout=2)
            # The API may answer before the indexer has read the deployment (registry unknown).
            if reply.status_code == 200 and reply.json().get("registry"):
                return dict(reply.json())
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the devnet's API did not answer: {log.read_text()}")


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    """After a failure: stop the devnet this test started (and anything it left behind)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    down(folder)


def _rpc(url: str, method: str) -> object:
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": []})
    return reply.json()["result"]


def _exported_batch(jcm: Jcm, holdings: list[dict[str, Any]], authorized: set[int]) -> int:
    """An authorized batch of which the holder's lowest serial was first transferred to Japan, so
    it may cross back (a transfer takes the lowest serials; a batch authorized only after its
    issuance left Japan's share in Japan's registry for good)."""
    for holding in holdings:
        if holding["batch_id"] not in authorized:
            continue
        lowest = holding["ranges"][0]["first"]
        if jcm.json("serial", str(lowest))["first_transfer"]["transferred"]:
            return int(holding["batch_id"])
    raise AssertionError("no holding of a batch first transferred to Japan")


def test_devnet_up_stop_resume_down_reset(tmp_path: Path) -> None:
    folder = tmp_path / "devnet"
    port, api_port = free_port(), free_port()
    rpc, api = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{api_port}"
    first_log = tmp_path / "first.log"
    process = _up(folder, port, api_port, first_log)
    try:
        health = _wait_for_api(process, api, first_log)
        deployment = json.loads((folder / "deployment.json").read_text())
        assert health["registry"] == deployment["registry"] and deployment["rpc_url"] == rpc
        # anvil keeps old blocks' states in the devnet's folder (removed at each stop), not in
        # ~/.foundry, where it never removes them.
        anvil_argv = json.loads((folder / "devnet.json").read_text())["children"]["anvil"]["argv"]
        cache = anvil_argv[anvil_argv.index("--cache-path") + 1]
        assert cache == str(folder / "anvil-cache")
        seed = json.loads((folder / "seed.json").read_text())
        assert seed["countries"] == ["PW"] and seed["projects"] == 5 and seed["batches"] > 5
        # The demo keys and the printed password work with the CLI.
        jcm = Jcm({"JCM_RPC_URL": None, "JCM_DEPLOYMENT": str(folder / "deployment.json"),
                   "JCM_KEYSTORE_DIR": str(folder / "keys"),
                   "JCM_KEYSTORE_PASSWORD": DEMO_PASSWORD, "JCM_KEYSTORE": None})  # fmt: skip
        projects = jcm.json("project", "list")
        assert len(projects) == seed["projects"] and {p["country"] for p in projects} == {"PW"}
        assert {p["ref"] for p in projects} == {"PW001", "PW002", "PW003", "PW004", "PW005"}
        holdings = jcm.json("holdings", "gov-jp")
        assert holdings and all(h["balance"] > 0 for h in holdings)
        authorized = {b["info"]["id"] for b in jcm.json("batch", "list")
                      if b["info"]["authorization"] != "none"}  # fmt: skip
        batch = _exported_batch(jcm, holdings, authorized)
        moved = jcm.json("transfer", "gov-pw", str(batch), "1", "-k", "gov-jp")
        assert moved["international"] is True
        received = {h["batch_id"]: h["balance"] for h in jcm.json("holdings", "gov-pw")}
        head = int(str(_rpc(rpc, "eth_blockNumber")), 16)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        output = first_log.read_text()
        assert "JCM devnet ready" in output and "devnet stopped" in output
        assert "Traceback" not in output
        assert not (folder / "devnet.json").exists()
        assert not (folder / "anvil-cache").exists()
    finally:
        _stop(process, folder)

    second_log = tmp_path / "second.log"
    process = _up(folder, port, api_port, second_log)
    try:
        health = _wait_for_api(process, api, second_log)
        output = second_log.read_text()
        assert "resumed the registry" in output and "seeding" not in output
        assert health["registry"] == deployment["registry"]
        assert int(str(_rpc(rpc, "eth_blockNumber")), 16) == head  # nothing deployed or seeded
        after = {h["batch_id"]: h["balance"] for h in jcm.json("holdings", "gov-pw")}
        assert after == received  # the chain resumed with the transfer made before the stop
        stopped = jcm.ok("devnet", "down", "--state-dir", str(folder))
        assert "stopped the devnet" in stopped.stdout
        assert process.wait(timeout=60) == 0
    finally:
        _stop(process, folder)
    assert "no devnet is running" in jcm.ok("devnet", "down", "--state-dir", str(folder)).stdout
    wiped = jcm.ok("devnet", "reset", "--no-start", "--state-dir", str(folder))
    assert "deleted" in wiped.stderr and not folder.exists()


def _four_free_ports() -> int:
    """A port ``p`` with ``p`` to ``p+3`` all free (the devnet's signers take consecutive ports)."""
    while True:
        port = free_port()
        if port + 3 < 65536 and not any(port_in_use(port + i) for i in range(4)):
            return port


def test_consortium_devnet_up_stop_resume_down_reset(tmp_path: Path) -> None:
    folder = tmp_path / "devnet"
    port, api_port = _four_free_ports(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    first_log = tmp_path / "first.log"
    process = _up(folder, port, api_port, first_log, "--consortium")
    try:
        health = _wait_for_api(process, api, first_log, timeout=400)
        jcm = Jcm({"JCM_RPC_URL": None, "JCM_DEPLOYMENT": str(folder / "deployment.json"),
                   "JCM_KEYSTORE_DIR": str(folder / "keys"),
                   "JCM_KEYSTORE_PASSWORD": DEMO_PASSWORD, "JCM_KEYSTORE": None})  # fmt: skip
        deployment = json.loads((folder / "deployment.json").read_text())
        urls = [f"http://127.0.0.1:{port + i}" for i in range(4)]
        assert deployment["rpc_url"] == ",".join(urls)
        assert health["registry"] == deployment["registry"]
        layout = json.loads((folder / "consortium" / "consortium.json").read_text())
        assert [s["government"] for s in layout["signers"]] == ["JP", "JP", "ID", "ID"]
        seed = json.loads((folder / "seed.json").read_text())
        assert seed["countries"] == ["PW"] and seed["projects"] == 5
        authorized = {b["info"]["id"] for b in jcm.json("batch", "list")
                      if b["info"]["authorization"] != "none"}  # fmt: skip
        holdings = jcm.json("holdings", "gov-jp")
        batch = _exported_batch(jcm, holdings, authorized)
        moved = jcm.json("transfer", "gov-pw", str(batch), "1", "-k", "gov-jp")
        assert moved["international"] is True
        received = {h["batch_id"]: h["balance"] for h in jcm.json("holdings", "gov-pw")}
        record = json.loads((folder / "devnet.json").read_text())
        children = record["children"]
        assert {"jp-1", "jp-2", "id-1", "id-2", "api"} <= set(children)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
        output = first_log.read_text()
        assert "JCM devnet ready" in output and "devnet stopped" in output
        assert "Traceback" not in output
        assert not (folder / "devnet.json").exists()
        assert not [n for n, c in children.items() if _alive(int(c["pid"]), list(c["argv"]))]
    finally:
        _stop(process, folder)

    second_log = tmp_path / "second.log"
    process = _up(folder, port, api_port, second_log, "--consortium")
    try:
        health = _wait_for_api(process, api, second_log, timeout=400)
        output = second_log.read_text()
        assert "resuming the consortium" in output and "resumed the registry" in output
        assert "seeding" not in output
        assert health["registry"] == deployment["registry"]
        after = {h["batch_id"]: h["balance"] for h in jcm.json("holdings", "gov-pw")}
        assert after == received  # the chain resumed with the transfer made before the stop
        stopped = jcm.ok("devnet", "down", "--state-dir", str(folder))
        assert "stopped the devnet" in stopped.stdout
        assert process.wait(timeout=90) == 0
    finally:
        _stop(process, folder)
    wiped = jcm.ok("devnet", "reset", "--no-start", "--state-dir", str(folder))
    assert "deleted" in wiped.stderr and not folder.exists()


def test_the_devnet_serves_the_api_with_the_configured_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JCM_API_WORKERS", "3")
    command = Devnet(state_dir=tmp_path / "devnet").api_command()
    assert command[command.index("--workers") + 1] == "3"
    assert "--with-indexer" in command
    assert "--rebuild-stale-index" in command  # the devnet's index is only derived from its chain
