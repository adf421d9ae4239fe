"""A local chain for the API tests: anvil on a random port, the packaged contracts, and a history.

The history uses every event the indexer reads: countries and committees (an EOA acting as the
Indonesian committee so projects and issuances can be sent directly, and a real ``JointCommittee``
for Thailand whose decisions are signed with EIP-712), accounts of every kind (opened, frozen,
unfrozen, closed), projects, batches with several allocations, domestic and international
transfers, retirements, cancellations and a correction, and the governance's events (countries
proposed and accepted, a proposal pending, roles granted, a pause started and lifted).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from eth_account import Account as EthAccount
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from web3 import Web3
from web3.contract import Contract

from api.app import create_app
from api.database import dump, make_engine
from api.indexer import Indexer, IndexStats, IndexTarget
from registry_client import contracts, decisions
from registry_client.anvil import free_port
from registry_client.chain import RpcClient
from registry_client.domain import (
    AccountKind,
    Authorization,
    CancellationReason,
    RetirementPurpose,
)
from registry_client.settings import Settings
from support.parties import doc_digest, doc_hash

REPO = Path(__file__).resolve().parents[2]

# The domain's enums (uint8 on the wire) under the short names the history below reads well with.
HOLDING, GOVERNMENT = AccountKind.HOLDING, AccountKind.GOVERNMENT_HOLDING
RETIREMENT, CANCELLATION = AccountKind.RETIREMENT, AccountKind.CANCELLATION
AUTH_NONE, AUTH_NDC = Authorization.NONE, Authorization.NDC
AUTH_OTHER, AUTH_BOTH = Authorization.OTHER_PURPOSES, Authorization.NDC_AND_OTHER_PURPOSES
NDC, VOLUNTARY_OFFSET = RetirementPurpose.NDC, RetirementPurpose.VOLUNTARY_OFFSET
VOLUNTARY_CANCELLATION = CancellationReason.VOLUNTARY_CANCELLATION
OTHER_MITIGATION = CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES
OVERALL_MITIGATION = CancellationReason.OVERALL_MITIGATION


@dataclass
class Chain:
    """A deployed registry on a local node and the roles of anvil's unlocked accounts."""

    w3: Web3
    url: str
    registry: Contract
    projects: Contract
    start_block: int
    roles: dict[str, str] = field(default_factory=dict)
    committees: dict[str, Contract] = field(default_factory=dict)
    members: list[LocalAccount] = field(default_factory=list)
    decision_counter: int = 0

    @property
    def governance(self) -> Contract:
        """The ``JCMGovernance`` contract the registry created."""
        return contracts.at(self.w3, "JCMGovernance", self.registry.functions.governance().call())

    @property
    def deployment(self) -> dict[str, Any]:
        """What the indexer needs to know (the keys of ``deployment.json``)."""
        return {
            "chain_id": self.w3.eth.chain_id,
            "registry": self.registry.address,
            "projects": self.projects.address,
            "block_number": self.start_block,
        }

    def send(self, fn: Any, sender: str) -> Any:
        """Send a contract call from an unlocked account and return its receipt (must succeed)."""
        tx_hash = fn.transact({"from": sender})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"transaction {tx_hash.hex()} reverted"
        return receipt

    # -- roles -------------------------------------------------------------------------------------

    def open_account(self, name: str, side: str, kind: int, holder: str) -> str:
        address = self.roles[name]
        self.send(
            self.registry.functions.openAccount(address, side.encode(), kind, holder),
            self.roles["registrar"],
        )
        return address

    def register_project(self, ref: str, country: str, committee: str) -> None:
        self.send(
            self.projects.functions.registerProject(
                (
                    ref,
                    country.encode(),
                    f"Project {ref}",
                    f"{country}_AM00{len(ref) % 9}",
                    doc_digest(f"pdd {ref}"),
                    doc_digest(f"validation {ref}"),
                )
            ),
            self.roles[committee],
        )

    def issue(
        self,
        ref: str,
        vintage: int,
        allocations: list[tuple[str, int]],
        authorization: int,
        committee: str = "committee_id",
        period: tuple[int, int] | None = None,
    ) -> int:
        self.decision_counter += 1
        quantity = sum(amount for _name, amount in allocations)
        start, end = period or (
            1_600_000_000 + self.decision_counter * 1_000_000,
            1_600_000_000 + self.decision_counter * 1_000_000 + 500_000,
        )
        decision_ref = f"JC-{ref[:2]}-{self.decision_counter:03d}"  # its keccak is the id
        issuance = (
            keccak(text=decision_ref),
            decision_ref,
            ref,
            start,
            end,
            vintage,
            quantity,
            quantity + 10,
            doc_digest(f"verification {self.decision_counter}"),
            authorization,
            f"AUTH-{self.decision_counter}" if authorization else "",
            1_700_000_000 if authorization else 0,
            [(self.roles[name], amount) for name, amount in allocations],
        )
        self.send(self.projects.functions.issue(issuance), self.roles[committee])
        return int(self.registry.functions.batchCount().call())

    def transfer(self, sender: str, to: str, batch_id: int, quantity: int) -> Any:
        return self.send(
            self.registry.functions.transfer(self.roles[to], batch_id, quantity), self.roles[sender]
        )

    def retire(
        self, sender: str, batch_id: int, quantity: int, party: str, purpose: int, beneficiary: str
    ) -> Any:
        return self.send(
            self.registry.functions.retire(
                batch_id, quantity, party.encode(), purpose, beneficiary, "FY2024 report"
            ),
            self.roles[sender],
        )

    def cancel(self, sender: str, batch_id: int, quantity: int, reason: int) -> Any:
        return self.send(
            self.registry.functions.cancel(batch_id, quantity, reason, "cancelled"),
            self.roles[sender],
        )


ROLE_NAMES = (
    "governance",
    "committee_id",
    "registrar",
    "committee_vn",
    "jp_retirement",
    "jp_cancellation",
    "mitsui",
    "jp_government",
    "id_retirement",
    "id_cancellation",
    "pt_energi",
    "id_government",
    "short_lived",
    "committee_vn2",
    "submitter",
    "th_company",
    "authority_id",
    "authority_vn",
    "authority_th",
    "authority_kh",
)
#: Roles held by a contract, not an account: stand-in joint committees (see ``stand_in_committee``).
COMMITTEES = {"committee_id": "ID", "committee_vn": "VN", "committee_vn2": "VN"}


def deploy(url: str) -> Chain:
    """Deploy ``JCMRegistry`` (which creates ``JCMProjects``) with anvil's first account as
    governance."""
    w3 = Web3(Web3.HTTPProvider(url))
    accounts = w3.eth.accounts
    roles = {name: str(address) for name, address in zip(ROLE_NAMES, accounts, strict=False)}
    factory = contracts.factory(w3, "JCMRegistry")
    tx_hash = factory.constructor(
        roles["governance"], "https://registry.example/batches/{id}.json"
    ).transact({"from": roles["governance"]})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    registry = contracts.at(w3, "JCMRegistry", str(receipt["contractAddress"]))
    projects = contracts.at(w3, "JCMProjects", registry.functions.projects().call())
    chain = Chain(
        w3=w3,
        url=url,
        registry=registry,
        projects=projects,
        start_block=receipt["blockNumber"],
        roles=roles,
    )
    for role, country in COMMITTEES.items():
        roles[role] = stand_in_committee(chain, country)
    return chain


def stand_in_committee(chain: Chain, country: str) -> str:
    """A real ``JointCommittee`` of ``country`` whose address the tests send from (anvil
    impersonation), as the contract does after its members signed: the history needs many
    committee calls, and the registry accepts only committees of the right country."""
    address = deploy_committee(chain, country)
    chain.w3.provider.make_request("anvil_impersonateAccount", [address])  # type: ignore[arg-type]
    chain.w3.provider.make_request("anvil_setBalance", [address, hex(10**21)])  # type: ignore[arg-type]
    return address


def join(chain: Chain, country: bytes, committee: str, authority: str) -> None:
    """Japan's authority proposes ``country``; the partner's authority accepts."""
    governance = chain.governance
    chain.send(
        governance.functions.proposeCountry(country, committee, authority),
        chain.roles["governance"],
    )
    chain.send(governance.functions.acceptCountry(country, committee), authority)


def _members(count: int) -> list[LocalAccount]:
    return [EthAccount.from_key(keccak(text=f"jcm api test member {i}")) for i in range(count)]


def _decide(
    chain: Chain, committee: Contract, decision: decisions.Decision, signers: list[LocalAccount]
) -> None:
    signatures = [decision.sign(member) for member in signers]
    name, args = decision.contract_call(signatures)
    chain.send(getattr(committee.functions, name)(*args), chain.roles["submitter"])


def seed_history(chain: Chain) -> None:
    """Create the reference history (about 45 transactions)."""
    r = chain.roles
    reg = chain.registry
    gov = r["governance"]
    join(chain, b"ID", r["committee_id"], r["authority_id"])
    join(chain, b"VN", r["committee_vn"], r["authority_vn"])
    for side, authority in ((b"JP", gov), (b"ID", r["authority_id"]), (b"TH", r["authority_th"])):
        if side == b"TH":
            _add_thailand(chain)
        role = reg.functions.registrarRole(side).call()
        chain.send(reg.functions.grantRole(role, r["registrar"]), authority)

    chain.open_account("jp_retirement", "JP", RETIREMENT, "Government of Japan retirement account")
    chain.open_account(
        "jp_cancellation", "JP", CANCELLATION, "Government of Japan cancellation account"
    )
    chain.open_account("mitsui", "JP", HOLDING, "Mitsui & Co., Ltd.")
    chain.open_account("jp_government", "JP", GOVERNMENT, "Government of Japan")
    chain.open_account("id_retirement", "ID", RETIREMENT, "Indonesia retirement account")
    chain.open_account("id_cancellation", "ID", CANCELLATION, "Indonesia cancellation account")
    chain.open_account("pt_energi", "ID", HOLDING, "PT Energi Hijau")
    chain.open_account("id_government", "ID", GOVERNMENT, "Government of Indonesia")
    chain.open_account("short_lived", "JP", HOLDING, "Short-lived KK")
    chain.open_account("th_company", "TH", HOLDING, "Thai Solar Co.")

    chain.register_project("ID012", "ID", "committee_id")
    chain.register_project("ID013", "ID", "committee_id")
    b1 = chain.issue(
        "ID012",
        2022,
        [("mitsui", 400), ("jp_government", 100), ("pt_energi", 300), ("id_government", 200)],
        AUTH_NDC,
    )
    b2 = chain.issue("ID012", 2023, [("mitsui", 250), ("pt_energi", 250)], AUTH_NONE)
    b3 = chain.issue("ID013", 2023, [("pt_energi", 300)], AUTH_BOTH)

    chain.transfer("mitsui", "jp_government", b1, 50)
    chain.transfer("pt_energi", "mitsui", b1, 100)  # first international transfer of batch 1
    chain.transfer("mitsui", "pt_energi", b1, 30)
    chain.transfer("jp_government", "mitsui", b1, 20)
    chain.transfer("pt_energi", "id_government", b2, 40)
    chain.transfer("pt_energi", "mitsui", b3, 60)
    chain.retire("mitsui", b1, 70, "JP", NDC, "Mitsui & Co., Ltd. FY2024")
    chain.retire("pt_energi", b3, 20, "ID", VOLUNTARY_OFFSET, "PT Energi Hijau")
    chain.cancel("jp_government", b1, 10, VOLUNTARY_CANCELLATION)
    chain.cancel("id_government", b2, 5, OVERALL_MITIGATION)
    # A correction of serials held by pt_energi (the middle of its batch-1 holding).
    held = reg.functions.holdingRanges(r["pt_energi"], b1).call()
    first = held[0][0] + 5
    chain.send(
        chain.projects.functions.correct(
            doc_digest("correction 1"), r["pt_energi"], b1, first, first + 9
        ),
        r["committee_id"],
    )
    chain.send(reg.functions.freezeAccount(r["id_government"]), r["registrar"])
    chain.send(reg.functions.unfreezeAccount(r["id_government"]), r["registrar"])
    chain.send(reg.functions.closeAccount(r["short_lived"]), r["registrar"])
    # VN's committee hands over by its own decision (sent as the committee contract would).
    chain.send(
        chain.governance.functions.replaceCommittee(b"VN", r["committee_vn2"]), r["committee_vn"]
    )
    # Japan's authority pauses holders' movements and lifts the pause early; then proposes Kenya
    # twice (the second proposal replaces the first), which Kenya's authority has not accepted.
    chain.send(chain.governance.functions.pause(b"JP", 3600), gov)
    chain.send(chain.governance.functions.unpause(), gov)
    chain.transfer("mitsui", "jp_government", b2, 25)
    kenya = deploy_committee(chain, "KE")
    for authority in (r["authority_vn"], r["authority_kh"]):
        chain.send(chain.governance.functions.proposeCountry(b"KE", kenya, authority), gov)


def deploy_committee(chain: Chain, country: str) -> str:
    """Deploy a joint committee for ``country`` (not added to the registry); return its address."""
    members = _members(4)
    factory = contracts.factory(chain.w3, "JointCommittee")
    receipt = chain.w3.eth.wait_for_transaction_receipt(
        factory.constructor(
            chain.registry.address,
            country.encode(),
            (sorted(m.address for m in members[:2]), sorted(m.address for m in members[2:]), 1, 1),
        ).transact({"from": chain.roles["governance"]})
    )
    return str(receipt["contractAddress"])


def _add_thailand(chain: Chain) -> None:
    """A real joint committee for Thailand: deploy, add, register a project and change members by
    signed decisions."""
    r = chain.roles
    members = _members(5)
    chain.members = members
    japan = sorted(m.address for m in members[:2])
    partner = sorted(m.address for m in members[2:4])
    factory = contracts.factory(chain.w3, "JointCommittee")
    receipt = chain.w3.eth.wait_for_transaction_receipt(
        factory.constructor(chain.registry.address, b"TH", (japan, partner, 1, 2)).transact(
            {"from": r["governance"]}
        )
    )
    committee = contracts.at(chain.w3, "JointCommittee", str(receipt["contractAddress"]))
    chain.committees["TH"] = committee
    join(chain, b"TH", committee.address, r["authority_th"])
    domain = decisions.CommitteeDomain(chain_id=chain.w3.eth.chain_id, committee=committee.address)
    deadline = 4_000_000_000
    register = decisions.RegisterProjectDecision(
        project=decisions.ProjectRegistration(
            ref="TH001",
            country="TH",
            title="Solar rooftops in Bangkok",
            methodology="TH_AM001",
            pdd_hash=doc_hash("pdd TH001"),
            validation_report_hash=doc_hash("val TH001"),
        ),
        domain=domain,
        nonce=0,
        deadline=deadline,
    )
    _decide(chain, committee, register, [members[0], members[2], members[3]])
    change = decisions.ChangeMembersDecision(
        change=decisions.MembershipChange(
            japan_members=tuple(sorted([members[0].address, members[4].address])),
            partner_members=tuple(partner),
            japan_threshold=2,
            partner_threshold=1,
        ),
        domain=domain,
        nonce=0,
        deadline=deadline,
    )
    _decide(chain, committee, change, [members[1], members[2], members[3]])


def index_chain(
    rpc_url: str,
    database_url: str,
    deployment: dict[str, Any],
    block_range: int = 5,
    **kwargs: Any,
) -> IndexStats:
    """Index a chain into a database up to its head; return what was indexed."""
    engine = make_engine(database_url)
    try:
        with RpcClient(rpc_url) as rpc:
            indexer = Indexer(
                rpc=rpc,
                engine=engine,
                target=IndexTarget.from_deployment(deployment),
                block_range=block_range,
                **kwargs,
            )
            indexer.prepare()
            indexer.sync()
            return indexer.stats
    finally:
        engine.dispose()


def dump_index(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every event-derived row of an index (:func:`api.database.dump`), to compare two."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = dump(session)
    engine.dispose()
    return rows


def make_client(database_url: str, rpc_url: str | None) -> tuple[TestClient, Engine]:
    """An in-process client of the API on an index."""
    engine = make_engine(database_url)
    app = create_app(Settings(database_url=database_url, rpc_url=rpc_url), engine=engine)
    return TestClient(app), engine


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn (one process, in a thread) on a random port; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
