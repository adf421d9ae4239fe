"""The registry on the consortium network, deployed and populated through the SDK.

Japan and Indonesia each run two signers (``jp-1``, ``jp-2``, ``id-1``, ``id-2``). The registry is
deployed through Japan's first node; the Japan-Indonesia joint committee has two members per side
and a threshold of one per side, so every decision needs a signature of each government. Accounts:
Alice holds on Japan's registry, Bob on Indonesia's, and each side has its retirement account.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry_client.client import RegistryClient
from registry_client.consortium import Consortium
from registry_client.deployment import deploy_registry
from support.parties import dev_keys
from support.sdk import SdkWorld


def funded_keys(count: int = 12) -> list[LocalAccount]:
    """anvil's public dev accounts, funded by the consortium's genesis (public: tests only)."""
    return dev_keys(count)


@dataclass(kw_only=True)
class ConsortiumRegistry(SdkWorld):
    """The deployed registry on the consortium network (see the module docstring)."""

    network: Consortium

    def rpc_url(self) -> str:
        """All four signers, in order: clients fail over between them."""
        return ",".join(s.url for s in self.network.signers)

    def client(
        self, who: LocalAccount | None = None, *, via: list[str] | None = None
    ) -> RegistryClient:
        """A fresh client signing as ``who``, connected to the signers ``via`` (names, in order of
        preference; default all four), failing over between them."""
        if via is None:
            return super().client(who)
        urls = ",".join(self.network.signer(n).url for n in via)
        return RegistryClient.connect(urls, self.deployment, sender=who)


def build_registry(network: Consortium) -> ConsortiumRegistry:
    """Deploy the registry through Japan's first node; committee, registrars and accounts."""
    keys = funded_keys()
    governance = keys[0]
    world = ConsortiumRegistry(
        network=network,
        deployment=deploy_registry(network.signer("jp-1").url, governance),
        governance=governance,
        id_authority=keys[10],
        jp_registrar=keys[1],
        id_registrar=keys[2],
        japan_members=keys[3:5],
        partner_members=keys[5:7],
        alice=keys[7],
        bob=keys[8],
        outsider=keys[9],
    )
    gov = world.client(governance)
    committee = gov.deploy_committee(
        "ID",
        [m.address for m in world.japan_members],
        [m.address for m in world.partner_members],
        1,
        1,
        authority=world.id_authority.address,
    )
    world.deployment = gov.deployment
    # Indonesia joins by its own authority's consent, through Indonesia's node.
    indonesia = world.client(world.id_authority, via=["id-1", "id-2"])
    indonesia.accept_country("ID", committee.address)
    gov.send(gov.prepare.grant_registrar("JP", world.jp_registrar.address), wait=False)
    indonesia.send(indonesia.prepare.grant_registrar("ID", world.id_registrar.address), wait=False)
    gov.wait_all()
    indonesia.wait_all()
    for side, registrar, holder, name in (
        ("JP", world.jp_registrar, world.alice, "Alice Trading K.K."),
        ("ID", world.id_registrar, world.bob, "PT Bob Hijau Indonesia"),
    ):
        client = world.client(registrar)
        sink = Account.create().address
        client.send(
            client.prepare.open_account(sink, side, "retirement", f"{side} retirement"), wait=False
        )
        client.send(client.prepare.open_account(holder.address, side, "holding", name), wait=False)
        client.wait_all()
        world.sinks[side] = sink
    return world
