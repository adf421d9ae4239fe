"""A deployed registry on a benchmark's private anvil, driven through the SDK.

:class:`World` deploys ``JCMRegistry`` from the SDK's packaged artifacts, grants the registrars of
Japan (``JP``) and Indonesia (``ID``), deploys Indonesia's ``JointCommittee`` (3 Japan members,
threshold 2; 3 partner members, threshold 1) and registers project ``ID001`` by a signed decision.
It then opens accounts and issues batches on demand, every issuance by a decision with real EIP-712
signatures (:mod:`registry_client.decisions`). Keys, texts, monitoring periods and the decision
deadline are fixed, so the same calls send the same bytes in every run.

Every write goes through :class:`registry_client.client.RegistryClient`, one client per signing
key. ``record`` (optional) receives ``(operation, gas)`` for the set-up steps the gas benchmark
reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from bench.chain import Anvil, key
from registry_client import decisions
from registry_client.chain import connect_web3
from registry_client.client import RegistryClient
from registry_client.deployment import deploy_committee, deploy_registry
from registry_client.models import AccountKind, Deployment

PARTNER = "ID"
PROJECT = "ID001"
DEADLINE = 4_102_444_800  # 2100-01-01: decisions stay valid, and the signed bytes never change
DAY = 86_400
MONITORING_START = 1_672_531_200  # 2023-01-01
AUTHORIZATION_DATE = 1_685_577_600  # 2023-06-01

Record = Callable[[str, int], None]


def _ignore(name: str, gas: int) -> None:
    del name, gas


def doc_hash(text: str) -> str:
    """A stand-in document hash."""
    return "0x" + bytes(Web3.keccak(text=f"jcm-bench {text}")).hex()


def _address_order(account: LocalAccount) -> int:
    return int(account.address, 16)


class World:
    """A registry, its committee and accounts on ``node`` (see the module docs).

    Attributes:
        w3: the connection every client shares.
        deployment: the registry's deployment (set by :meth:`deploy`).
        committee: Indonesia's ``JointCommittee`` address.
        nonce: the committee's current nonce (membership epoch).
    """

    def __init__(self, node: Anvil) -> None:
        self.node = node
        self.w3: Web3 = connect_web3(node.url)
        self.chain_id = int(self.w3.eth.chain_id)
        self.governance = key("governance")  # Japan's registry authority
        self.authorities = {PARTNER: key("authority-ID"), "TH": key("authority-TH")}
        self.registrars = {"JP": key("registrar-JP"), PARTNER: key("registrar-ID")}
        self.japan_members = sorted((key(f"member-JP-{i}") for i in range(3)), key=_address_order)
        self.partner_members = sorted((key(f"member-ID-{i}") for i in range(3)), key=_address_order)
        self.clients: dict[str, RegistryClient] = {}
        self.deployment: Deployment | None = None
        self.committee = ""
        self.nonce = 0
        self.decisions = 0
        self.monitoring_end = MONITORING_START
        self.sides: dict[str, str] = {}

    # -- set-up ------------------------------------------------------------------------------------

    def deploy(self, record: Record = _ignore) -> None:
        """Deploy the registry and the committee; ``ID`` and ``TH`` join (Japan's authority
        proposes, theirs accepts); each side's authority grants its registrar; ``TH``'s committee
        then hands over to a successor by its own decision."""
        everyone = [self.governance, *self.authorities.values(), *self.registrars.values()]
        self.node.fund(a.address for a in [*everyone, *self.japan_members, *self.partner_members])
        self.deployment = deploy_registry(self.node.url, self.governance, w3=self.w3)
        record("deploy.registry", self.gas_of_block(self.deployment.block_number))
        gov = self.client(self.governance)
        receipt = gov.grant_registrar("JP", self.registrars["JP"].address)
        record("governance.grant_registrar", receipt.gas_used)
        self.committee = self._deploy_committee(PARTNER)
        record("deploy.joint_committee", self.gas_of_block(int(self.w3.eth.block_number)))
        gov = self.client(self.governance)
        proposed = gov.propose_country(PARTNER, self.committee, self.authorities[PARTNER].address)
        record("governance.propose_country", proposed.gas_used)
        partner = self.client(self.authorities[PARTNER])
        accepted = partner.accept_country(PARTNER, self.committee)
        record("governance.accept_country", accepted.gas_used)
        partner.grant_registrar(PARTNER, self.registrars[PARTNER].address)
        thailand = self._deploy_committee("TH")
        successor = self._deploy_committee("TH")
        gov = self.client(self.governance)
        gov.propose_country("TH", thailand, self.authorities["TH"].address)
        self.client(self.authorities["TH"]).accept_country("TH", thailand)
        handover = decisions.ReplaceCommitteeDecision(
            domain=decisions.CommitteeDomain(chain_id=self.chain_id, committee=thailand),
            nonce=0,
            deadline=DEADLINE,
            replacement=decisions.CommitteeReplacement(successor=successor),
        )
        record("committee.replace_committee", self.submit(handover).gas_used)

    def _deploy_committee(self, country: str) -> str:
        """Deploy a ``JointCommittee`` of ``country`` with the bench's members (3+3, 2 and 1)."""
        assert self.deployment is not None
        deployed = deploy_committee(
            self.deployment, self.governance, country,
            [m.address for m in self.japan_members], [m.address for m in self.partner_members],
            2, 1, w3=self.w3,
        )  # fmt: skip
        self.clients.clear()  # the clients' local nonces missed the committee's deploy
        if country == PARTNER:
            self.deployment = deployed
        return deployed.committees[country]

    def register_project(self, record: Record = _ignore) -> None:
        """Register project ``ID001`` by a decision signed 2+1."""
        registration = decisions.ProjectRegistration(
            ref=PROJECT,
            country=PARTNER,
            title="Energy saving by bench-marked refrigeration at cold storage warehouses",
            methodology="ID_AM002",
            pdd_hash=doc_hash("pdd"),
            validation_report_hash=doc_hash("validation report"),
        )
        receipt = self.submit(self.decision(project=registration))
        record("committee.register_project", receipt.gas_used)

    def setup(self) -> World:
        """:meth:`deploy` and :meth:`register_project`; returns itself."""
        self.deploy()
        self.register_project()
        return self

    # -- helpers -----------------------------------------------------------------------------------

    def client(self, who: LocalAccount) -> RegistryClient:
        """The SDK client signing as ``who``."""
        if who.address not in self.clients:
            assert self.deployment is not None, "deploy first"
            self.clients[who.address] = RegistryClient(self.w3, self.deployment, who)
        return self.clients[who.address]

    def account(self, label: str, side: str, kind: AccountKind = AccountKind.HOLDING) -> str:
        """Open (once) and fund the account of key ``label`` on ``side``; return its address."""
        holder = key(label)
        if holder.address not in self.sides:
            name = f"{label.replace('-', ' ').title()} Co., Ltd."
            self.client(self.registrars[side]).open_account(holder.address, side, kind, name)
            self.node.fund([holder.address])
            self.sides[holder.address] = side
        return str(holder.address)

    def decision(self, **content: Any) -> decisions.Decision:
        """A decision of the Indonesian committee at its current nonce."""
        domain = decisions.CommitteeDomain(chain_id=self.chain_id, committee=self.committee)
        common: dict[str, Any] = {"domain": domain, "nonce": self.nonce, "deadline": DEADLINE}
        if "project" in content:
            return decisions.RegisterProjectDecision(**common, **content)
        if "issuance" in content:
            return decisions.IssueCreditsDecision(**common, **content)
        if "correction" in content:
            return decisions.CorrectCreditsDecision(**common, **content)
        return decisions.ChangeMembersDecision(**common, **content)

    def submit(self, decision: decisions.Decision, japan: int = 2, partner: int = 1) -> Any:
        """Sign with the first members of each side and submit (the governance key pays)."""
        signers = self.japan_members[:japan] + self.partner_members[:partner]
        signatures = [decision.sign(m) for m in signers]
        return self.client(self.governance).submit_decision(decision, signatures)

    def issue(
        self,
        allocations: Sequence[tuple[str, int]],
        japan: int = 2,
        partner: int = 1,
        after: int = DAY,
    ) -> tuple[int, int]:
        """Issue the project's next batch (authorized for NDC use), its monitoring period starting
        ``after`` seconds after the previous one ends (by default the next day, as consecutive
        periods given as dates do); its id and gas."""
        self.decisions += 1
        start = self.monitoring_end + after
        self.monitoring_end = start + 30 * DAY
        quantity = sum(amount for _, amount in allocations)
        issuance = decisions.Issuance(
            decision_id=decisions.decision_id(f"JC-ID-bench-issuance-{self.decisions}"),
            decision_ref=f"JC-ID-bench-issuance-{self.decisions}",
            project_ref=PROJECT,
            monitoring_start=start,
            monitoring_end=self.monitoring_end,
            vintage=2023,
            quantity=quantity,
            verified_reductions=quantity,
            verification_report_hash=doc_hash(f"verification report {self.decisions}"),
            authorization=decisions.Authorization.NDC,
            authorization_id="ID-A6-2023-001",
            authorization_date=AUTHORIZATION_DATE,
            allocations=tuple(decisions.Allocation(account=a, amount=n) for a, n in allocations),
        )
        receipt = self.submit(self.decision(issuance=issuance), japan, partner)
        return int(receipt.batch_id), int(receipt.gas_used)

    def transfer(self, sender: str, to: str, batch: int, quantity: int) -> int:
        """Transfer from the account of key ``sender``; the gas used."""
        return int(self.client(key(sender)).transfer(to, batch, quantity).gas_used)

    def deal(self, dealer: str, batch: int, plan: Sequence[tuple[str, int]]) -> None:
        """Transfers from key ``dealer``: ``(recipient address, quantity)`` in order, each mined
        before the next is estimated (a pipelined estimate sees the holdings before the earlier
        transfers, and can fall short when one of them splits a range the estimate merged)."""
        client = self.client(key(dealer))
        for to, quantity in plan:
            client.transfer(to, batch, quantity)

    def gas_of_block(self, number: int) -> int:
        """The gas used by the one transaction of block ``number`` (automine)."""
        transactions = self.w3.eth.get_block(number)["transactions"]
        assert len(transactions) == 1, "automine: one transaction per block"
        receipt = self.w3.eth.get_transaction_receipt(transactions[0])  # type: ignore[arg-type]
        return int(receipt["gasUsed"])
