"""The SDK layer's world: a registry deployed and populated through ``RegistryClient``.

:class:`SdkWorld` is what every SDK-driven world shares (the Japan-Indonesia committee's decisions,
their signatures, an issuance of project ID012); :class:`World` is it on an anvil of the test
session, ``support.consortium.ConsortiumRegistry`` on four geth signers.

``build_world`` deploys the registry and populates it through the SDK itself: the governance
account, registrars for JP and ID, a joint committee for ID (Japan 3 members, threshold 2; partner
2 members, threshold 1), holding, retirement and cancellation accounts on both sides, project ID012
registered by decision, and two batches issued by decision (batch 1: 6,000 to Alice on JP and 4,000
to Bob on ID, authorized for NDC use; batch 2: 500 to Alice, not authorized).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from registry_client import decisions
from registry_client.anvil import TEST_MNEMONIC, Anvil
from registry_client.client import RegistryClient
from registry_client.deployment import deploy_registry
from registry_client.models import Deployment
from support import parties
from support.invariants import RegistrySnapshot, assert_registry_invariants
from support.parties import DAY, doc_hash

ROOT = Path(__file__).resolve().parents[2]
MNEMONIC = TEST_MNEMONIC
ACCOUNTS = 20  # what start_anvil funds by default


# ------------------------------------------------------------------------------------------------
# The populated registry
# ------------------------------------------------------------------------------------------------

PROJECT = "ID012"
VINTAGE = 2023


@dataclass(kw_only=True)
class SdkWorld(ABC):
    """A registry driven through the SDK: who is who, and the Japan-Indonesia committee's
    decisions (ID is the partner; members sign offline, anyone submits)."""

    deployment: Deployment
    governance: LocalAccount  # Japan's registry authority
    id_authority: LocalAccount  # Indonesia's registry authority
    jp_registrar: LocalAccount
    id_registrar: LocalAccount
    japan_members: list[LocalAccount]
    partner_members: list[LocalAccount]
    alice: LocalAccount  # holds on Japan's registry
    bob: LocalAccount  # holds on Indonesia's registry
    outsider: LocalAccount  # funded, no account
    sinks: dict[str, str] = field(default_factory=dict)  # retirement (and cancellation) accounts

    def client(self, who: LocalAccount | None = None) -> RegistryClient:
        """A fresh client signing as ``who`` (views only when ``None``)."""
        return RegistryClient.connect(self.rpc_url(), self.deployment, sender=who)

    @abstractmethod
    def rpc_url(self) -> str:
        """The node(s) this world's clients connect to."""

    def decision_for(self, client: RegistryClient, **content: Any) -> decisions.Decision:
        """A decision of the ID committee, at its current nonce, valid for a day."""
        domain = client.decision_domain("ID")
        deadline = client.chain_time() + DAY
        fields = {"domain": domain, "nonce": client.committee("ID").nonce, "deadline": deadline}
        fields.update(content)
        if "project" in content:
            return decisions.RegisterProjectDecision.model_validate(fields)
        if "issuance" in content:
            return decisions.IssueCreditsDecision.model_validate(fields)
        if "correction" in content:
            return decisions.CorrectCreditsDecision.model_validate(fields)
        return decisions.ChangeMembersDecision.model_validate(fields)

    def sign(
        self, decision: decisions.Decision, japan: int = 2, partner: int = 1
    ) -> list[decisions.MemberSignature]:
        """Signatures of the first ``japan`` Japan-side and ``partner`` partner-side members."""
        signers = self.japan_members[:japan] + self.partner_members[:partner]
        return [decision.sign(m) for m in signers]

    def issuance(
        self, decision_text: str, allocations: list[tuple[str, int]], *,
        start: str = "2023-01-01", end: str = "2023-12-31",
        authorization: decisions.Authorization = decisions.Authorization.NDC,
    ) -> decisions.Issuance:  # fmt: skip
        """An issuance of project ID012, vintage 2023, for the monitoring period ``start..end``
        (authorized for NDC use unless told otherwise, so that it may cross registries)."""
        quantity = sum(a for _, a in allocations)
        # model_validate: the model takes dates as ISO text or datetimes (UnixTime)
        return decisions.Issuance.model_validate(
            {
                "decision_ref": decision_text,
                "project_ref": PROJECT,
                "monitoring_start": start,
                "monitoring_end": end,
                "vintage": VINTAGE,
                "quantity": quantity,
                "verified_reductions": quantity + 100,
                "verification_report_hash": doc_hash(decision_text + " report"),
                "authorization": authorization,
                "authorization_id": "ID-A6-2023-001" if authorization else "",
                "authorization_date": datetime(2023, 6, 1, tzinfo=UTC) if authorization else 0,
                "allocations": [decisions.Allocation(account=a, amount=n) for a, n in allocations],
            }
        )


@dataclass(kw_only=True)
class World(SdkWorld):
    """The SDK tests' registry on the session's anvil (see the module docstring): Alice holds
    6,000 of batch 1 and 500 of batch 2, Bob 4,000 of batch 1; Carol's JP account is empty."""

    anvil: Anvil
    carol: LocalAccount
    committee: str = ""
    clients: dict[str, RegistryClient] = field(default_factory=dict)

    def rpc_url(self) -> str:
        """The session's anvil."""
        return self.anvil.url


def dev_keys() -> list[LocalAccount]:
    """The funded dev accounts of ``start_anvil``."""
    return parties.dev_keys(ACCOUNTS)


def build_world(node: Anvil, keys: list[LocalAccount]) -> World:
    """Deploy and populate the registry through the SDK (every issuance by a signed decision)."""
    governance, jp_registrar, id_registrar = keys[0], keys[1], keys[2]
    world = World(
        anvil=node,
        deployment=deploy_registry(node.url, governance),
        governance=governance,
        id_authority=keys[12],
        jp_registrar=jp_registrar,
        id_registrar=id_registrar,
        japan_members=keys[3:6],
        partner_members=keys[6:8],
        alice=keys[8],
        bob=keys[9],
        carol=keys[10],
        outsider=keys[11],
    )
    gov = world.client(governance)
    info = gov.deploy_committee(
        "ID", [m.address for m in world.japan_members], [m.address for m in world.partner_members],
        2, 1, authority=world.id_authority.address,
    )  # fmt: skip
    world.deployment = gov.deployment
    world.committee = info.address
    indonesia = world.client(world.id_authority)
    indonesia.accept_country("ID", info.address)
    gov.grant_registrar("JP", jp_registrar.address)
    indonesia.grant_registrar("ID", id_registrar.address)
    for side, registrar in (("JP", jp_registrar), ("ID", id_registrar)):
        client = world.client(registrar)
        for kind in ("retirement", "cancellation"):
            sink = Account.create().address
            client.open_account(sink, side, kind, f"{side} {kind} account")
            world.sinks[f"{side}-{kind}"] = sink
    jp = world.client(jp_registrar)
    jp.open_account(world.alice.address, "JP", "holding", "Alice Trading K.K.")
    jp.open_account(world.carol.address, "JP", "holding", "Carol Energy K.K.")
    world.client(id_registrar).open_account(
        world.bob.address, "ID", "holding", "PT Bob Hijau Indonesia"
    )
    anyone = world.client(world.outsider)
    registration = decisions.ProjectRegistration(
        ref=PROJECT,
        country="ID",
        title="Energy saving by high-efficiency refrigerators at cold storage",
        methodology="ID_AM002",
        pdd_hash=doc_hash("ID012 PDD"),
        validation_report_hash=doc_hash("ID012 validation report"),
    )
    decision = world.decision_for(anyone, project=registration)
    anyone.submit_decision(decision, world.sign(decision))
    first = world.issuance(
        "JC-ID-2024-issuance-1",
        [(world.alice.address, 6000), (world.bob.address, 4000)],
        start="2023-01-01",
        end="2023-06-30",
    )
    decision = world.decision_for(anyone, issuance=first)
    anyone.submit_decision(decision, world.sign(decision))
    second = world.issuance(
        "JC-ID-2024-issuance-2",
        [(world.alice.address, 500)],
        start="2023-07-01",
        end="2023-12-31",
        authorization=decisions.Authorization.NONE,
    )
    decision = world.decision_for(anyone, issuance=second)
    anyone.submit_decision(decision, world.sign(decision))
    return world


@dataclass
class Chain:
    """What a refused call must leave unchanged: block height, nonces, and (if read) the registry.

    On anvil every transaction is mined at once, so an unchanged block height and unchanged nonces
    already show that nothing was sent; ``snapshot`` (the invariant checker's full reading of the
    registry) shows it again, at a cost.
    """

    block: int
    nonces: dict[str, int]
    snapshot: RegistrySnapshot | None


def chain_state(world: World, *who: LocalAccount, full: bool = True) -> Chain:
    """Read the block height, the nonces of ``who`` and (with ``full``) the invariant snapshot."""
    client = world.client()
    w3 = client.w3
    return Chain(
        block=int(w3.eth.block_number),
        nonces={a.address: int(w3.eth.get_transaction_count(a.address)) for a in who},
        snapshot=(
            assert_registry_invariants(client.registry_contract, client.projects_contract)
            if full
            else None
        ),
    )
