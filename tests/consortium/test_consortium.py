"""The registry on a real consortium network: four geth Clique signers, two per government.

The tests run in file order on one network: the registry's life on it (decisions signed on both
sides, an issuance, an international transfer, a retirement, the index), fail-over between nodes,
one signer down and back, one government's two signers down (no block, nothing lost) and back, and
the command line failing over and refusing a gas price no node would mine.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.indexer import run as run_indexer
from registry_client import decisions
from registry_client.anvil import free_port
from registry_client.cli.app import app
from registry_client.client import RegistryClient
from registry_client.consortium import Consortium
from registry_client.deployment import save_deployment
from registry_client.errors import ChainUnavailable, GasPriceTooLow, SignatureError
from registry_client.keystore import Keystore
from registry_client.models import TransferReceipt
from registry_client.settings import Settings
from registry_client.transactions import FeeSettings
from support.consortium import ConsortiumRegistry
from support.parties import doc_hash
from support.sdk import PROJECT


def _seconds_since(start: float) -> float:
    return time.monotonic() - start


def _stalled(network: Consortium) -> tuple[int, str]:
    """Wait until Clique forbids every running signer to seal; return the head it stopped at.

    With four signers a signer may seal only if it sealed neither of the last two blocks, so once
    the two running signers sealed the last two, neither can seal again. Waiting for that state,
    not for a quiet spell, keeps a slow signer on a loaded machine from passing for a stopped chain.
    """
    running = {signer.address for signer in network.running}
    deadline = time.monotonic() + 60
    while True:
        number, block_hash = network.head()
        last_two = {network.sealer_of(n) for n in (number, number - 1) if n > 0}
        if last_two == running and network.head() == (number, block_hash):
            return number, block_hash
        assert time.monotonic() < deadline, "the running signers kept sealing for 60 s"
        time.sleep(0.5)


def test_a_decision_needs_both_governments_and_credits_move_across_registries(
    registry: ConsortiumRegistry,
) -> None:
    anyone = registry.client(registry.outsider, via=["id-2", "jp-2"])
    registration = decisions.ProjectRegistration(
        ref=PROJECT,
        country="ID",
        title="Energy saving by high-efficiency refrigerators at cold storage",
        methodology="ID_AM002",
        pdd_hash=doc_hash("ID012 PDD"),
        validation_report_hash=doc_hash("ID012 validation report"),
    )
    decision = registry.decision_for(anyone, project=registration)
    japan_only = [decision.sign(m) for m in registry.japan_members]
    with pytest.raises(SignatureError):
        anyone.submit_decision(decision, japan_only)
    partner_only = [decision.sign(m) for m in registry.partner_members]
    with pytest.raises(SignatureError):
        anyone.submit_decision(decision, partner_only)
    both = [decision.sign(registry.japan_members[0]), decision.sign(registry.partner_members[1])]
    anyone.submit_decision(decision, both)
    assert anyone.project(PROJECT).country == "ID"

    alice, bob = registry.alice.address, registry.bob.address
    issuance = registry.issuance("JC-ID-2024-ID012-1", [(alice, 1_000), (bob, 500)])
    decision = registry.decision_for(anyone, issuance=issuance)
    receipt = anyone.submit_decision(
        decision,
        [decision.sign(registry.japan_members[1]), decision.sign(registry.partner_members[0])],
    )
    batch_id = anyone.batch_count()
    assert receipt.block_number > 0
    assert anyone.balance(alice, batch_id) == 1_000
    # The block reached id-2 first; the holders below use jp-1 and id-1, which may import it a
    # moment later (the SDK is fast enough to ask before): until then they rightly know no batch 1.
    for name in ("jp-1", "id-1"):
        assert registry.network.await_block(receipt.block_number, timeout=30, signer=name)

    # The batch is authorized for NDC use at issuance, so Japan's share was first transferred to
    # Japan right then (JCMArticle6): the first international transfer is of the partner's units.
    moved = registry.client(registry.bob, via=["id-1", "jp-1"]).transfer(alice, batch_id, 300)
    assert isinstance(moved, TransferReceipt)
    assert moved.international and moved.first_international
    # Japan counts toward its NDC units first transferred to it and held in its registry.
    retired = registry.client(registry.alice, via=["jp-1", "id-1"]).retire(
        batch_id, 100, "JP", "ndc", "Alice Trading K.K.", "2030 NDC"
    )
    assert retired.quantity == 100
    reader = registry.client()
    assert reader.balance(alice, batch_id) == 1_200
    assert reader.balance(bob, batch_id) == 200
    assert reader.batch_totals(batch_id).retired == 100

    # The index of a chain without finality: logs applied once buried under 2 blocks.
    network = registry.network
    assert network.await_block(retired.block_number + 2, timeout=30)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'index.sqlite3'}"
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the indexer moves on
        stats = run_indexer(
            ",".join([dead, *network.urls]), registry.deployment, database, confirmations=2,
            follow=False, progress=False,
        )  # fmt: skip
        assert stats.events > 0
        with TestClient(create_app(Settings(database_url=database))) as api:
            holdings = api.get(f"/v1/accounts/{bob}/holdings").json()["items"]
            assert [(h["batch_id"], h["balance"]) for h in holdings] == [(batch_id, 200)]
            totals = api.get("/v1/stats").json()["totals"]
            assert (totals["issued"], totals["retired"]) == (1_500, 100)
            retirements = api.get("/v1/retirements").json()["items"]
            assert [r["quantity"] for r in retirements] == [100]


def test_the_sdk_fails_over_to_the_other_governments_node(
    registry: ConsortiumRegistry, fault_timings: dict[str, float]
) -> None:
    network = registry.network
    # Every node must hold the issuance before one is stopped: under load a signer can lag a block
    # or two behind, and the fail-over target would then not know batch 1 yet.
    network.await_same_head(timeout=60)
    alice = registry.client(registry.alice, via=["jp-2", "id-2"])
    assert alice.rpc_url == network.signer("jp-2").url
    network.stop_signer("jp-2")
    try:
        started = time.monotonic()
        moved = alice.transfer(registry.bob.address, 1, 50)
        fault_timings["transfer sent through the partner's node after Japan's node stopped"] = (
            _seconds_since(started)
        )
        assert moved.quantity == 50
        assert alice.rpc_url == network.signer("id-2").url
        with pytest.raises(ChainUnavailable):
            registry.client(via=["jp-2"])
    finally:
        network.start_signer("jp-2")
        network.await_peers()
    network.await_same_head(timeout=60)


def test_one_signer_down_blocks_continue_and_it_rejoins_on_the_same_head(
    registry: ConsortiumRegistry, fault_timings: dict[str, float]
) -> None:
    network = registry.network
    number, _ = network.head()
    started = time.monotonic()
    network.stop_signer("jp-1", kill=True)  # a crash: no clean shutdown
    assert network.await_block(number + 5, timeout=30), "blocks stopped with one signer down"
    fault_timings["5 blocks sealed by the 3 survivors after a signer crashed"] = _seconds_since(
        started
    )
    bob = registry.client(registry.bob, via=["jp-1", "id-1"])
    started = time.monotonic()
    moved = bob.transfer(registry.alice.address, 1, 20)
    fault_timings["transfer confirmed by the survivors (sent via the dead node first)"] = (
        _seconds_since(started)
    )
    assert moved.international
    sealers = {network.sealer_of(n) for n in range(number + 2, moved.block_number + 1)}
    assert network.signer("jp-1").address not in sealers

    started = time.monotonic()
    network.start_signer("jp-1")
    network.await_peers()
    number, block_hash = network.await_same_head(timeout=90)
    fault_timings["crashed signer restarted and back on the survivors' head"] = _seconds_since(
        started
    )
    # Blocks keep coming while we look, so compare the block at that height, not the moving head.
    rejoined = network.signer("jp-1").rpc("eth_getBlockByNumber", [hex(number), False])
    assert rejoined["hash"] == block_hash
    assert registry.client(via=["jp-1"]).balance(registry.alice.address, 1) == 1_170


def test_one_government_alone_seals_nothing_and_loses_nothing(
    registry: ConsortiumRegistry, fault_timings: dict[str, float]
) -> None:
    network = registry.network
    for name in ("jp-1", "jp-2"):
        network.stop_signer(name)
    # Clique lets each signer seal one block in any three: Indonesia's two may seal a block or two
    # more, then the chain stops.
    head = _stalled(network)
    alice = registry.client(registry.alice, via=["id-1", "id-2"])
    before = alice.balance(registry.bob.address, 1)
    pending = alice.send(alice.prepare.transfer(registry.bob.address, 1, 5), wait=False)
    time.sleep(6)
    assert network.head() == head, "Indonesia's signers alone sealed a block"
    tx = network.signer("id-1").rpc("eth_getTransactionByHash", [pending.tx_hash])
    assert tx is not None and tx["blockNumber"] is None, "the transfer left the pool unmined"
    assert network.signer("id-2").rpc("eth_getTransactionByHash", [pending.tx_hash]) is not None
    assert alice.balance(registry.bob.address, 1) == before

    started = time.monotonic()
    network.start_signer("jp-1")
    receipt = pending.wait(timeout=120)
    fault_timings["pending transfer mined after one of Japan's signers came back"] = _seconds_since(
        started
    )
    assert receipt.quantity == 5
    assert receipt.block_number > head[0]
    network.start_signer("jp-2")
    network.await_peers()
    network.await_same_head(timeout=90)
    assert registry.client(via=["jp-2"]).balance(registry.bob.address, 1) == before + 5


def test_the_cli_fails_over_and_refuses_a_gas_price_below_the_base_fee(
    registry: ConsortiumRegistry, tmp_path: Path
) -> None:
    network = registry.network
    deployment = save_deployment(registry.deployment, tmp_path / "deployment.json")
    Keystore(tmp_path / "keys", kdf="scrypt", iterations=1024).import_key(
        "alice", registry.alice.key, password="pw"
    )
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {
        "JCM_RPC_URL": f"{dead},{network.signer('id-1').url}",
        "JCM_DEPLOYMENT": str(deployment),
        "JCM_KEYSTORE_DIR": str(tmp_path / "keys"),
        "JCM_KEYSTORE_PASSWORD": "pw",
    }
    runner = CliRunner()
    bob = registry.bob.address
    shown = runner.invoke(app, ["batch", "show", "1", "--json"], env=env)
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["info"]["id"] == 1

    client = registry.client()
    # London's base fee never falls below 7 wei, so 1 wei is below it whatever the blocks hold.
    assert int(client.w3.eth.get_block("latest")["baseFeePerGas"]) >= 7
    nonce = client.w3.eth.get_transaction_count(registry.alice.address)
    started = time.monotonic()
    refused = runner.invoke(
        app,
        ["--gas-price", "1", "transfer", bob, "1", "3", "--keystore", "alice"],
        env=env,
    )
    assert time.monotonic() - started < 30, "the refusal waited for a block that never comes"
    assert refused.exit_code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: ") and "below the chain's base fee" in line, line
    sdk = RegistryClient.connect(
        network.urls, registry.deployment, sender=registry.alice, fees=FeeSettings(gas_price=0)
    )
    with pytest.raises(GasPriceTooLow):
        sdk.transfer(bob, 1, 3)
    assert client.w3.eth.get_transaction_count(registry.alice.address, "pending") == nonce

    moved = runner.invoke(
        app, ["transfer", bob, "1", "3", "--keystore", "alice", "--json"], env=env
    )
    assert moved.exit_code == 0, moved.stderr
    assert json.loads(moved.stdout)["quantity"] == 3


def test_the_index_rolls_back_a_block_a_partitioned_signer_sealed_alone(
    registry: ConsortiumRegistry, tmp_path: Path, fault_timings: dict[str, float]
) -> None:
    """A signer cut off from the others seals one block of its own (with a transfer in it), then
    stalls (Clique: one block in any three); the three others go on. When the partition heals, its
    block is dropped: an index that applied it at once rolls it back and ends equal to a fresh
    index; an index two blocks deep never applied it."""
    network = registry.network
    lone = network.signer("id-2")
    bob, alice = registry.bob.address, registry.alice.address
    lone.rpc("miner_stop")
    # Two blocks sealed by the others since it stopped: it may seal again as soon as it is alone.
    assert network.await_block(network.head("jp-1")[0] + 3, timeout=30, signer="jp-1")
    network.isolate(lone.name)
    started = time.monotonic()
    try:
        bob_client = registry.client(registry.bob, via=[lone.name])
        pending = bob_client.send(bob_client.prepare.transfer(alice, 1, 7), wait=False)
        lone.rpc("miner_start")
        sealed = pending.wait(timeout=30)  # the lone signer's own block
        assert sealed.block_number == lone.head()[0]
        lone_block = lone.head()[1]
        time.sleep(3)
        assert lone.head()[0] == sealed.block_number, "a lone signer sealed two blocks in a row"
        urls = {"lone": lone.url, "majority": network.signer("jp-1").url}
        databases = {k: f"sqlite:///{tmp_path / k}.sqlite3" for k in ("now", "deep", "fresh")}

        def index(name: str, via: str, confirmations: int) -> int:
            stats = run_indexer(urls[via], registry.deployment, databases[name], confirmations,
                                follow=False, progress=False)  # fmt: skip
            return stats.reorgs

        def balance(name: str, holder: str) -> int:
            with TestClient(create_app(Settings(database_url=databases[name]))) as api:
                items = api.get(f"/v1/accounts/{holder}/holdings").json()["items"]
            return sum(h["balance"] for h in items if h["batch_id"] == 1)

        index("now", "lone", 0)
        index("deep", "lone", 2)
        on_chain_alice = registry.client(via=["jp-1"]).balance(alice, 1)
        assert balance("now", alice) == on_chain_alice + 7  # the lone block's transfer, applied
        assert balance("deep", alice) == on_chain_alice  # not two blocks deep: not applied
        majority = network.signer("jp-1")
        assert network.await_block(sealed.block_number + 3, timeout=30, signer="jp-1")
        assert majority.rpc("eth_getTransactionReceipt", [pending.tx_hash]) is None
    finally:
        network.reconnect(lone.name)
        lone.rpc("miner_start")
    network.await_same_head(timeout=90)
    fault_timings["partitioned signer rejoined the majority's chain"] = _seconds_since(started)
    replaced = lone.rpc("eth_getBlockByNumber", [hex(sealed.block_number), False])
    assert replaced["hash"] != lone_block, "the lone signer's block survived the partition"
    # The transfer went back to the pool and is mined on the surviving chain.
    deadline = time.monotonic() + 60
    while majority.rpc("eth_getTransactionReceipt", [pending.tx_hash]) is None:
        assert time.monotonic() < deadline, "the dropped transfer was never mined again"
        time.sleep(0.5)
    network.await_block(majority.head()[0] + 2, timeout=30, signer="jp-1")
    reorgs = index("now", "lone", 0)
    index("deep", "lone", 2)
    index("fresh", "majority", 0)
    assert reorgs >= 1
    mined_alice = registry.client(via=["jp-1"]).balance(alice, 1)
    assert mined_alice == on_chain_alice + 7
    for name in ("now", "deep", "fresh"):
        assert balance(name, alice) == mined_alice, name
        assert balance(name, bob) == registry.client(via=["jp-1"]).balance(bob, 1), name
