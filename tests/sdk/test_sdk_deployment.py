"""Deploying to JSON-RPC chains, the deployment file, connecting, and what goes wrong on the way.

Covers the proof-of-authority path (a proxy in front of anvil rewrites every block's ``extraData``
to 97 bytes, as Clique/QBFT chains have), a zero gas price chain, legacy and EIP-1559 fees, an
unreachable node, and a node serving another chain.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ExtraDataLengthError

from registry_client.anvil import Anvil, free_port, start_anvil
from registry_client.chain import connect_web3, install_poa_middleware
from registry_client.client import RegistryClient
from registry_client.deployment import (
    DEPLOYMENT_ENV,
    default_deployment_path,
    deploy_registry,
    load_deployment,
    save_deployment,
)
from registry_client.errors import (
    ChainUnavailable,
    DeploymentError,
    InvalidInput,
    TransactionFailed,
)
from registry_client.transactions import FeeSettings
from support.sdk import World

POA_EXTRA_DATA = "0x" + "ab" * 97  # 32 bytes vanity + 65 bytes seal


# ------------------------------------------------------------------------------------------------
# The deployment file
# ------------------------------------------------------------------------------------------------


def test_deploy_and_deployment_file_round_trip(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = deploy_registry(world.anvil.url, world.outsider, metadata_uri="ipfs://x/{id}")
    assert deployment.chain_id == 31337 and deployment.rpc_url == world.anvil.url
    assert deployment.deployer == world.outsider.address and deployment.block_number > 0
    assert deployment.committees == {}
    client = RegistryClient.connect(world.anvil.url, deployment)
    assert client.registry_contract.functions.projects().call() == deployment.projects
    assert client.registry_contract.functions.uri(1).call() == "ipfs://x/{id}"
    assert client.is_authority("JP", world.outsider.address)
    assert client.governance_contract.functions.registry().call() == deployment.registry
    path = save_deployment(deployment, tmp_path / "nested" / "deployment.json")
    assert load_deployment(path) == deployment
    data = json.loads(path.read_text())
    assert set(data) == {
        "chain_id", "rpc_url", "registry", "projects", "article6", "committees", "deployer",
        "block_number",
    }  # fmt: skip
    assert client.registry_contract.functions.article6().call() == deployment.article6
    monkeypatch.setenv(DEPLOYMENT_ENV, str(path))
    assert default_deployment_path() == path
    assert RegistryClient.connect().deployment == deployment  # URL and file from the environment
    admin = Account.create().address
    governed = deploy_registry(world.anvil.url, world.outsider, admin=admin)
    assert RegistryClient.connect(world.anvil.url, governed).is_authority("JP", admin)


def test_deployment_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match="no deployment file at"):
        load_deployment(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"chain_id": "x", "rpc_url": "http://h", "registry": "0x12", "projects": 1}')
    with pytest.raises(DeploymentError, match="is not a valid deployment file") as caught:
        load_deployment(bad)
    assert "chain_id" in caught.value.message and "registry" in caught.value.message
    bad.write_text("not json")
    with pytest.raises(DeploymentError, match="not a valid deployment file"):
        load_deployment(bad)
    with pytest.raises(DeploymentError):
        RegistryClient.connect("http://127.0.0.1:1", tmp_path / "absent.json")


# ------------------------------------------------------------------------------------------------
# Connecting
# ------------------------------------------------------------------------------------------------


def test_unreachable_rpc(world: World) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChainUnavailable, match=f"cannot reach the registry node at {url}"):
        RegistryClient.connect(url, world.deployment)
    with pytest.raises(ChainUnavailable, match="cannot reach"):
        deploy_registry(url, world.outsider)
    with pytest.raises(ChainUnavailable, match="must start with http"):
        connect_web3("ws://127.0.0.1:1")
    with pytest.raises(InvalidInput, match="give the RPC URL"):
        RegistryClient.connect(None, registry=world.deployment.registry)


def test_node_dies_after_connecting(keys: list[LocalAccount]) -> None:
    node = start_anvil()
    try:
        deployment = deploy_registry(node.url, keys[0])
        client = RegistryClient.connect(node.url, deployment, sender=keys[0])
    finally:
        node.stop()
    with pytest.raises(ChainUnavailable, match="cannot reach"):
        client.countries()
    with pytest.raises(ChainUnavailable, match="cannot reach"):
        client.pause("JP", 60)


def test_chain_id_must_match_the_deployment(world: World) -> None:
    elsewhere = world.deployment.model_copy(update={"chain_id": 2013})
    with pytest.raises(ChainUnavailable, match="serves chain 31337, but the deployment is on"):
        RegistryClient.connect(world.anvil.url, elsewhere)


def test_no_registry_at_the_address(world: World) -> None:
    missing = world.deployment.model_copy(update={"registry": Account.create().address})
    with pytest.raises(DeploymentError, match="there is no registry contract at"):
        RegistryClient.connect(world.anvil.url, missing)
    with pytest.raises(DeploymentError, match="there is no registry contract at"):
        RegistryClient.connect(world.anvil.url, registry=missing.registry)


def test_connect_by_registry_address(world: World) -> None:
    client = RegistryClient.connect(world.anvil.url, registry=world.deployment.registry.lower())
    assert client.deployment.projects == world.deployment.projects
    assert client.deployment.committees == {"ID": world.committee}
    assert client.deployment.chain_id == 31337
    assert client.holdings(world.alice.address)[0].balance == 6000
    with pytest.raises(InvalidInput, match="is not an address"):
        RegistryClient.connect(world.anvil.url, registry="0xnope")


def test_with_sender_shares_the_connection(world: World) -> None:
    viewer = world.client()
    alice = viewer.with_sender(world.alice)
    assert alice.w3 is viewer.w3 and alice.address == world.alice.address
    assert alice.transfer(world.carol.address, 1, 1).quantity == 1


# ------------------------------------------------------------------------------------------------
# Gas price: EIP-1559, legacy, zero
# ------------------------------------------------------------------------------------------------


def test_eip1559_by_default_and_legacy_on_request(world: World) -> None:
    default = world.client(world.alice)
    receipt = default.transfer(world.carol.address, 1, 1)
    assert default.w3.eth.get_transaction(receipt.tx_hash)["type"] == 2
    legacy = RegistryClient.connect(
        world.anvil.url, world.deployment, sender=world.alice, fees=FeeSettings(legacy=True)
    )
    receipt = legacy.transfer(world.carol.address, 1, 1)
    assert legacy.w3.eth.get_transaction(receipt.tx_hash)["type"] == 0


@pytest.fixture(scope="module")
def free_gas_chain() -> Iterator[Anvil]:
    node = start_anvil("--base-fee", "0", "--gas-price", "0")
    try:
        yield node
    finally:
        node.stop()


def test_zero_gas_price_chain(free_gas_chain: Anvil) -> None:
    pauper = Account.create()  # holds no ether at all
    fees = FeeSettings(gas_price=0)
    deployment = deploy_registry(free_gas_chain.url, pauper, fees=fees)
    client = RegistryClient.connect(free_gas_chain.url, deployment, sender=pauper, fees=fees)
    partner = Account.create()  # Indonesia's authority, no ether either
    info = client.deploy_committee(
        "ID", [Account.create().address], [pauper.address], 1, 1, authority=partner.address
    )
    indonesia = RegistryClient.connect(free_gas_chain.url, deployment, sender=partner, fees=fees)
    indonesia.accept_country("ID", info.address)
    registrar = indonesia.grant_registrar("ID", pauper.address)
    opened = client.open_account(Account.create().address, "ID", "holding", "PT Nol Biaya")
    tx = client.w3.eth.get_transaction(opened.tx_hash)
    assert tx["gasPrice"] == 0 and registrar.granted and info.country == "ID"
    assert client.w3.eth.get_balance(pauper.address) == 0
    assert client.w3.eth.get_balance(partner.address) == 0


def test_a_sender_without_funds_is_told_so(world: World) -> None:
    pauper = Account.create()
    with pytest.raises(DeploymentError, match="deploying JCMRegistry failed: ") as caught:
        deploy_registry(world.anvil.url, pauper)
    assert "the sender cannot pay for gas" in caught.value.message
    world.client(world.governance).grant_registrar("JP", pauper.address)
    client = RegistryClient.connect(world.anvil.url, world.deployment, sender=pauper)
    newcomer = Account.create().address
    with pytest.raises(TransactionFailed, match="the sender cannot pay for gas"):
        client.open_account(newcomer, "JP", "holding", "Newcomer K.K.")  # passes pre-flight
    assert not client.account(newcomer).exists


# ------------------------------------------------------------------------------------------------
# Proof-of-authority extraData
# ------------------------------------------------------------------------------------------------


def _poa_block(value: Any) -> Any:
    if isinstance(value, dict):
        if "extraData" in value:
            value["extraData"] = POA_EXTRA_DATA
        for item in value.values():
            _poa_block(item)
    elif isinstance(value, list):
        for item in value:
            _poa_block(item)
    return value


class _PoaProxy(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to anvil and gives every block a 97-byte ``extraData``."""

    upstream = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        reply = requests.post(
            self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
        ).json()
        data = json.dumps(_poa_block(reply)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def poa_url(anvil: Anvil) -> Iterator[str]:
    handler = type("Proxy", (_PoaProxy,), {"upstream": anvil.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_proof_of_authority_extra_data(world: World, poa_url: str) -> None:
    plain = Web3(Web3.HTTPProvider(poa_url))
    with pytest.raises(ExtraDataLengthError):
        plain.eth.get_block("latest")  # what a POA chain does to a client without the middleware
    w3 = connect_web3(poa_url)
    assert "poa_extra_data" in w3.middleware_onion
    block = w3.eth.get_block("latest")
    assert block["proofOfAuthorityData"] == bytes.fromhex(POA_EXTRA_DATA[2:])
    deployment = deploy_registry(poa_url, world.outsider)  # reads the latest block for its fees
    client = RegistryClient.connect(poa_url, deployment, sender=world.outsider)
    assert client.grant_registrar("JP", world.outsider.address).granted
    assert client.w3.eth.get_block(deployment.block_number)["number"] == deployment.block_number


def test_poa_middleware_is_harmless_and_installed_once(world: World) -> None:
    w3 = connect_web3(world.anvil.url)
    names = [name for _, name in w3.middleware_onion.middleware]
    assert names.count("poa_extra_data") == 1
    install_poa_middleware(w3)
    assert [name for _, name in w3.middleware_onion.middleware] == names
    block = w3.eth.get_block("latest")  # anvil's empty extraData passes through unchanged
    assert block["proofOfAuthorityData"] == b"" and block["number"] >= 1
