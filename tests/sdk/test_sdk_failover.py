"""Several node URLs and fail-over (the same code the consortium tests drive on geth), and a fixed
gas price below the chain's base fee refused before anything is sent, on anvil."""

from __future__ import annotations

import pytest

from registry_client.anvil import free_port
from registry_client.chain import FailoverHTTPProvider, connect_web3, node_urls
from registry_client.client import RegistryClient
from registry_client.errors import ChainUnavailable, GasPriceTooLow
from registry_client.transactions import FeeSettings
from support.sdk import World


def _dead() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def test_node_urls_accept_a_list_or_commas_and_refuse_other_schemes() -> None:
    assert node_urls(" http://a:1 , https://b:2,") == ["http://a:1", "https://b:2"]
    assert node_urls(["http://a:1"]) == ["http://a:1"]
    with pytest.raises(ChainUnavailable, match="must start with http"):
        node_urls("http://a:1,ws://b:2")
    with pytest.raises(ChainUnavailable, match="no RPC URL"):
        node_urls(" , ")


def test_requests_move_to_the_next_node_that_answers(world: World) -> None:
    dead = _dead()
    w3 = connect_web3(f"{dead},{world.anvil.url}")
    assert isinstance(w3.provider, FailoverHTTPProvider)
    assert w3.eth.chain_id == 31337
    assert w3.provider.endpoint_uri == world.anvil.url  # it stays on the node that answered
    urls = f"{dead},{world.anvil.url}"
    client = RegistryClient.connect(urls, world.deployment, sender=world.alice)
    moved = client.transfer(world.carol.address, 1, 10)
    assert moved.quantity == 10 and client.balance(world.carol.address, 1) == 10


def test_no_node_answering_is_chain_unavailable() -> None:
    with pytest.raises(ChainUnavailable, match="cannot reach"):
        connect_web3(f"{_dead()},{_dead()}")


def test_a_gas_price_below_the_base_fee_is_refused_before_sending(world: World) -> None:
    reader = world.client()
    base_fee = int(reader.w3.eth.get_block("latest")["baseFeePerGas"])
    nonce = reader.w3.eth.get_transaction_count(world.alice.address, "pending")
    client = RegistryClient.connect(
        world.anvil.url, world.deployment, sender=world.alice, fees=FeeSettings(gas_price=1)
    )
    assert base_fee > 1
    with pytest.raises(GasPriceTooLow, match="below the chain's base fee") as refused:
        client.transfer(world.carol.address, 1, 10)
    assert f"at least {base_fee} wei" in refused.value.message
    assert reader.w3.eth.get_transaction_count(world.alice.address, "pending") == nonce
