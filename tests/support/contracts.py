"""Helpers of the contract tests: the deployed world, revert assertions, issuance and decisions.

The world (built once per session by ``tests/contracts/conftest.py``) is a ``JCMRegistry`` with its
``JCMProjects`` and four registry sides:

- ``JP``: registrar, retirement and cancellation accounts, three company holding accounts and a
  government holding account;
- ``ID``: the same with two companies; its joint committee is a ``MockCommittee`` (reports ``ID``
  and the registry, has no members) whose address tests impersonate to call ``JCMProjects``
  directly, as the committee contract would;
- ``TH``: a second partner with such a stand-in committee, two companies and a government account,
  and *no* retirement or cancellation account yet (``sinks_opened=False``);
- ``VN``: a partner whose committee is a real ``JointCommittee`` with three Japanese and two
  Vietnamese member keys, thresholds 2 and 1; its members sign with ``registry_client.decisions``.

Each side has its own registry authority (``authorities``; ``admin`` is Japan's): Japan's authority
proposed each partner, the partner's authority accepted through ``JCMGovernance``, and each
authority granted its own side's registrar.

Projects registered: ``ID012`` and ``ID013`` (ID), ``TH001`` (TH), ``VN001`` (VN, by decision).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import ape
import eth_abi
from ape.exceptions import CustomError
from ape_ethereum.ecosystem import Ethereum
from ape_ethereum.trace import Trace
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractCustomError as Web3ContractCustomError

from registry_client import decisions as d
from registry_client.domain import (
    MAX_PAGE_SIZE,
    AccountKind,
    Authorization,
)
from registry_client.settings import DEFAULT_METADATA_URI
from support.parties import DAY

JP = b"JP"
ID = b"ID"
TH = b"TH"
VN = b"VN"

#: 2023-01-01T00:00:00Z: where a project's first test monitoring period starts.
BASE_TIME = 1672531200
#: The ABI types of the ``Retirement`` and ``Cancellation`` structs, whose encoding is hashed.
RETIREMENT_TYPE = (
    "(uint256,uint256,address,address,bytes2,uint8,uint64,uint64,string,string,(uint64,uint64)[])"
)
CANCELLATION_TYPE = (
    "(uint256,uint256,address,address,uint8,uint64,uint64,bytes32,string,(uint64,uint64)[])"
)
URI = DEFAULT_METADATA_URI
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


# ------------------------------------------------------------------------------------------------
# Reverts
# ------------------------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if hasattr(value, "address") and not isinstance(value, str | bytes):
        return to_checksum_address(value.address)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, str) and value.startswith("0x"):
        return bytes.fromhex(value[2:])
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


#: The project's contract containers the tests deploy or decode errors with, read once per
#: session (each ``project.<Name>`` access makes Ape check the sources for changes).
CONTAINERS: dict[str, Any] = {}
_CONTAINER_NAMES = (
    "JCMRegistry",
    "JCMProjects",
    "JointCommittee",
    "JCMGovernance",
    "JCMRegistryAdmin",
    "JCMArticle6",
    "MockCommittee",
    "MockERC1271Wallet",
    "ReferenceERC1155",
)
_errors_by_selector: dict[bytes, Any] = {}


def load_containers(project: Any) -> dict[str, Any]:
    """Fills ``CONTAINERS`` from the Ape project (once)."""
    if not CONTAINERS:
        for name in _CONTAINER_NAMES:
            CONTAINERS[name] = getattr(project, name)
    return CONTAINERS


def _error_table() -> dict[bytes, Any]:
    """Selector -> ErrorABI of every custom error the project's contracts can raise."""
    if not _errors_by_selector:
        for container in load_containers(ape.project).values():
            for abi in container.contract_type.abi:
                if abi.type == "error":
                    _errors_by_selector[keccak(text=abi.selector)[:4]] = abi
    return _errors_by_selector


def decode_error(data: bytes) -> tuple[str, dict[str, Any]]:
    """Decodes revert data into (error name, inputs) with the project's error ABIs."""
    abi = _error_table().get(bytes(data[:4]))
    assert abi is not None, f"revert data {data.hex()} is no known custom error"
    values = eth_abi.decode([i.canonical_type for i in abi.inputs], bytes(data[4:]))
    return abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)}


@contextmanager
def _fast_revert_decoding() -> Iterator[None]:
    """Within the block, Ape neither prints call traces of reverts nor walks the opcode trace to
    find an error the called contract does not declare (seconds per revert); ``reverts`` decodes
    those itself from the revert data."""
    original_show = Trace.show
    original_decode = Ethereum.decode_custom_error

    def decode_without_trace(self: Any, data: Any, address: Any, **kwargs: Any) -> Any:
        kwargs.pop("txn", None)
        kwargs.pop("trace", None)
        return original_decode(self, data, address, **kwargs)

    Trace.show = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    Ethereum.decode_custom_error = decode_without_trace  # type: ignore[method-assign]
    try:
        yield
    finally:
        Trace.show = original_show  # type: ignore[method-assign]
        Ethereum.decode_custom_error = original_decode  # type: ignore[method-assign]


@contextmanager
def reverts(error: str, **inputs: Any) -> Iterator[Any]:
    """Asserts that the block reverts with the custom error ``error`` and, if given, these inputs.

    Stricter than ``ape.reverts(SomeError)`` alone, which lets a revert whose error was not decoded
    pass: here the revert data must decode (with every project contract's errors, so errors raised
    by a nested call count) to exactly ``error`` with the named inputs.
    """
    with _fast_revert_decoding(), ape.reverts() as info:
        yield info
    exc = info.value
    if isinstance(exc, CustomError):
        name, actual_inputs = type(exc).__name__, dict(exc.inputs)
    else:
        message = exc.revert_message or ""
        assert message.startswith("0x"), (
            f"expected {error}, got a revert without custom-error data: {exc!r} "
            "(for reverting views use view_reverts)"
        )
        name, actual_inputs = decode_error(bytes.fromhex(message[2:]))
    assert name == error, f"expected {error}, got {name}({actual_inputs})"
    _check_inputs(error, actual_inputs, inputs)


def _check_inputs(error: str, actual: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert key in actual, f"{error} has no input {key!r}: {actual}"
        assert _norm(actual[key]) == _norm(value), (
            f"{error}.{key}: expected {value!r}, got {actual[key]!r}"
        )


def view_reverts(contract: Any, function: str, *args: Any, error: str, **inputs: Any) -> None:
    """Asserts that calling the view ``function`` reverts with ``error`` (and these inputs).

    Ape turns a reverting ``eth_call`` into text; this calls through web3.py to keep the data.
    """
    abi = [entry.model_dump(mode="json", by_alias=True) for entry in contract.contract_type.abi]
    web3_contract = ape.chain.provider.web3.eth.contract(address=contract.address, abi=abi)
    try:
        getattr(web3_contract.functions, function)(*args).call()
    except Web3ContractCustomError as exc:
        data = exc.data if isinstance(exc.data, str) else str(exc.data)
        name, actual = decode_error(bytes.fromhex(data[2:]))
    else:
        raise AssertionError(f"{function}{args} did not revert")
    assert name == error, f"expected {error}, got {name}({actual})"
    _check_inputs(error, actual, inputs)


def addr(account: Any) -> str:
    """The checksum address of an Ape account, a LocalAccount, a contract or an address."""
    return to_checksum_address(account if isinstance(account, str) else account.address)


def events(receipt: Any, name: str) -> list[dict[str, Any]]:
    """The decoded arguments of every ``name`` event in the receipt, in log order."""
    return [dict(log.event_arguments) for log in receipt.events if log.event_name == name]


def whole_list(view: Any, key: Any, page_size: int = MAX_PAGE_SIZE) -> list[Any]:
    """Every item of a paged list view of the ledger (``registry.batchHolders`` /
    ``registry.accountBatches`` of an Ape contract, asked for ``key``), page after page."""
    items: list[Any] = []
    cursor = 0
    while True:
        page, cursor = view(key, cursor, page_size)
        items.extend(page)
        if cursor == 0:
            return items


def ranges(raw: Any) -> list[tuple[int, int]]:
    """Serial ranges as ``[(first, last), ...]``."""
    return [(int(r[0]), int(r[1])) for r in raw]


def forgeries(record: tuple[Any, ...]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``record`` (a ``Retirement`` or ``Cancellation`` tuple) with one field changed at a time,
    as ``(field index, forged record)``; ranges are forged by shifting, splitting and dropping."""
    for i, value in enumerate(record):
        if isinstance(value, bool):
            changed: list[Any] = [not value]
        elif isinstance(value, int):  # ids, amounts, times, and enums (kept in range)
            changed = [value ^ 1]
        elif isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            changed = [to_checksum_address("0x" + ("%040x" % (int(value, 16) ^ 1)))]
        elif isinstance(value, str):
            changed = [value + "x"]
        elif isinstance(value, bytes):
            changed = [bytes([value[0] ^ 1]) + value[1:]]
        else:  # ranges
            (first, last), rest = value[0], list(value[1:])
            changed = [[(first + 1, last + 1), *rest], [(first, last), (last + 1, last + 1), *rest]]
            if first < last:
                changed.append([(first, first), (first + 1, last), *rest])
            if rest:
                changed.append([(first, last)])
        for forged in changed:
            yield i, (*record[:i], forged, *record[i + 1 :])


# ------------------------------------------------------------------------------------------------
# The world
# ------------------------------------------------------------------------------------------------


@dataclass
class Side:
    """The accounts of one registry side (all funded, so any of them can try to send)."""

    code: bytes
    registrar: Any
    retirement: Any
    cancellation: Any
    companies: list[Any]
    government: Any
    sinks_opened: bool = True


@dataclass
class World:
    """Everything the contract tests act on."""

    registry: Any
    projects: Any
    governance: Any
    article6: Any
    admin: Any  # Japan's registry authority
    authorities: dict[bytes, Any]
    outsider: Any
    submitter: Any
    sides: dict[bytes, Side]
    committees: dict[bytes, Any]  # impersonated MockCommittee stand-ins (ID, TH)
    joint: Any  # the JointCommittee of VN
    japan_members: list[LocalAccount]
    partner_members: list[LocalAccount]
    spare: list[Any] = field(default_factory=list)  # funded accounts with no registry account

    @property
    def jp(self) -> Side:
        return self.sides[JP]

    @property
    def id(self) -> Side:
        return self.sides[ID]

    @property
    def th(self) -> Side:
        return self.sides[TH]

    @property
    def vn(self) -> Side:
        return self.sides[VN]

    # --- issuance through an account-level committee ------------------------------------------

    def issuance(
        self,
        ref: str,
        allocations: Sequence[tuple[Any, int]],
        *,
        quantity: int | None = None,
        verified: int | None = None,
        vintage: int = 2023,
        authorization: int = Authorization.NONE,
        authorization_id: str = "",
        authorization_date: int = 0,
        decision: str | None = None,
        start: int | None = None,
        end: int | None = None,
        report: bytes | None = None,
    ) -> d.Issuance:
        """An issuance for the project's next monitoring period, with a fresh decision id."""
        info = self.projects.projectInfo(ref)
        count = int(info.batchCount)
        if start is None:
            start = int(info.lastMonitoringEnd) + 1 if count else BASE_TIME
        if end is None:
            end = start + 30 * DAY
        total = sum(amount for _, amount in allocations)
        quantity = total if quantity is None else quantity
        return d.Issuance(
            decision_id=d.decision_id(decision or f"{ref}/issuance/{count + 1}"),
            decision_ref=decision or f"{ref}/issuance/{count + 1}",
            project_ref=ref,
            monitoring_start=start,
            monitoring_end=end,
            vintage=vintage,
            quantity=quantity,
            verified_reductions=quantity if verified is None else verified,
            verification_report_hash="0x"
            + (report or keccak(text=f"{ref}/report/{count + 1}")).hex(),
            authorization=Authorization(authorization),
            authorization_id=authorization_id,
            authorization_date=authorization_date,
            allocations=tuple(d.Allocation(account=addr(a), amount=n) for a, n in allocations),
        )

    def issue(self, ref: str, allocations: Sequence[tuple[Any, int]], **kwargs: Any) -> int:
        """Issues through the project's account-level committee; returns the new batch id."""
        receipt = self.issue_receipt(ref, allocations, **kwargs)
        assert receipt.status == 1
        return int(self.registry.batchCount())

    def issue_receipt(self, ref: str, allocations: Sequence[tuple[Any, int]], **kwargs: Any) -> Any:
        """Like ``issue`` but returns the receipt."""
        issuance = self.issuance(ref, allocations, **kwargs)
        committee = self.committees[ref[:2].encode()]
        return self.projects.issue(issuance.as_tuple(), sender=committee)

    # --- the VN joint committee ---------------------------------------------------------------

    def domain(self, committee: Any = None, chain_id: int | None = None) -> d.CommitteeDomain:
        """The EIP-712 domain of the VN committee (or of another committee / chain)."""
        return d.CommitteeDomain(
            chain_id=ape.chain.chain_id if chain_id is None else chain_id,
            committee=addr(committee or self.joint),
        )

    def committee_nonce(self) -> int:
        """The VN committee's nonce (``joint.nonce`` is the contract address's account nonce)."""
        return int(self.joint.call_view_method("nonce"))

    def deadline(self, seconds: int = 3600) -> int:
        """A deadline ``seconds`` after the next block's timestamp."""
        return int(ape.chain.pending_timestamp) + seconds

    def vn_issuance_decision(
        self, allocations: Sequence[tuple[Any, int]], **kwargs: Any
    ) -> d.IssueCreditsDecision:
        """An issuance decision for project VN001 under the committee's current nonce."""
        nonce = kwargs.pop("nonce", None)
        deadline = kwargs.pop("deadline", None)
        domain = kwargs.pop("domain", None)
        return d.IssueCreditsDecision(
            domain=domain or self.domain(),
            nonce=self.committee_nonce() if nonce is None else nonce,
            deadline=self.deadline() if deadline is None else deadline,
            issuance=self.issuance("VN001", allocations, **kwargs),
        )

    def submit(self, decision: d.Decision, signatures: Sequence[d.MemberSignature]) -> Any:
        """Submits a decision with its signatures (sorted) to the VN committee."""
        name, args = decision.contract_call(signatures)
        return getattr(self.joint, name)(*args, sender=self.submitter)

    def submit_raw(self, decision: d.Decision, signatures: Sequence[tuple[str, bytes]]) -> Any:
        """Submits with signature tuples exactly as given (order, bytes): for refusal tests."""
        name, args = decision.contract_call([])
        return getattr(self.joint, name)(*args[:3], list(signatures), sender=self.submitter)


_web3_contracts: dict[tuple[int, str], Any] = {}


def web3_contract(contract: Any) -> Any:
    """The web3.py contract for an Ape contract instance (same address and ABI), cached."""
    w3 = ape.chain.provider.web3
    key = (id(w3), contract.address)
    if key not in _web3_contracts:
        abi = [entry.model_dump(mode="json", by_alias=True) for entry in contract.contract_type.abi]
        _web3_contracts[key] = w3.eth.contract(address=contract.address, abi=abi)
    return _web3_contracts[key]


def fast_send(contract: Any, function: str, *args: Any, sender: Any) -> Any:
    """Sends a transaction through web3.py (3 RPCs instead of Ape's ~12), for set-ups and scenarios
    of many moves, and asserts that it succeeded. The gas limit is fixed and generous: an estimate
    made while an earlier transaction is still being mined can be too tight. Needs
    ``anvil_autoImpersonateAccount`` (enabled by ``build_world``)."""
    contract_w3 = web3_contract(contract)
    call = getattr(contract_w3.functions, function)(*args)
    tx_hash = call.transact({"from": addr(sender), "gas": 5_000_000})
    receipt = contract_w3.w3.eth.wait_for_transaction_receipt(
        tx_hash, timeout=60, poll_latency=0.01
    )
    assert receipt.status == 1, f"{function}{args} from {addr(sender)} reverted"
    return receipt


def sign(decision: d.Decision, *members: LocalAccount) -> list[d.MemberSignature]:
    """Signatures of ``members`` over ``decision``, sorted by signer."""
    return d.sort_signatures(decision.sign(m) for m in members)


def member_key(label: str) -> LocalAccount:
    """A deterministic member key (never a funded account: members only sign)."""
    key: LocalAccount = Account.from_key(keccak(text=f"jcm-registry test member {label}"))
    return key


def build_world(accounts: Any, project: Any, chain: Any) -> World:
    """Deploys and populates the world described in the module docstring."""
    base = list(accounts)[:10]
    extra = []
    for _ in range(28):
        account = accounts.generate_test_account()
        chain.set_balance(account.address, 10**21)
        extra.append(account)
    pool = iter(base[7:] + extra)
    admin, outsider, submitter = base[0], base[1], base[2]
    registrars = {JP: base[3], ID: base[4], TH: base[5], VN: base[6]}

    chain.provider.make_request("anvil_autoImpersonateAccount", [True])
    containers = load_containers(project)
    registry = admin.deploy(containers["JCMRegistry"], admin, URI)
    projects = containers["JCMProjects"].at(registry.projects())
    governance = containers["JCMGovernance"].at(registry.governance())
    article6 = containers["JCMArticle6"].at(registry.article6())
    authorities = {JP: admin, ID: next(pool), TH: next(pool), VN: next(pool)}
    committees = {}
    for code in (ID, TH):
        mock = admin.deploy(containers["MockCommittee"], registry, code)
        chain.set_balance(mock.address, 10**21)
        committees[code] = accounts[mock.address]

    japan_members = [member_key(f"JP-{i}") for i in range(3)]
    partner_members = [member_key(f"VN-{i}") for i in range(2)]
    joint = admin.deploy(
        containers["JointCommittee"],
        registry,
        VN,
        ([m.address for m in japan_members], [m.address for m in partner_members], 2, 1),
    )

    for code, committee in ((ID, committees[ID]), (TH, committees[TH]), (VN, joint)):
        governance.proposeCountry(code, committee, authorities[code], sender=admin)
        governance.acceptCountry(code, committee, sender=authorities[code])
    for code, registrar in registrars.items():
        registry.grantRole(registry.registrarRole(code), registrar, sender=authorities[code])

    sides: dict[bytes, Side] = {}
    for code, companies in ((JP, 3), (ID, 2), (TH, 2), (VN, 2)):
        sides[code] = Side(
            code=code,
            registrar=registrars[code],
            retirement=next(pool),
            cancellation=next(pool),
            companies=[next(pool) for _ in range(companies)],
            government=next(pool),
            sinks_opened=code != TH,
        )
    for code, side in sides.items():
        name = code.decode()
        for i, company in enumerate(side.companies):
            registry.openAccount(
                company, code, AccountKind.HOLDING, f"{name} Company {i}", sender=side.registrar
            )
        registry.openAccount(
            side.government,
            code,
            AccountKind.GOVERNMENT_HOLDING,
            f"Government of {name}",
            sender=side.registrar,
        )
        if side.sinks_opened:
            registry.openAccount(
                side.retirement,
                code,
                AccountKind.RETIREMENT,
                f"{name} retirement",
                sender=side.registrar,
            )
            registry.openAccount(
                side.cancellation,
                code,
                AccountKind.CANCELLATION,
                f"{name} cancellation",
                sender=side.registrar,
            )

    for ref, country in (("ID012", ID), ("ID013", ID), ("TH001", TH)):
        projects.registerProject(
            project_registration(ref, country).as_tuple(), sender=committees[country]
        )
    world = World(
        registry=registry,
        projects=projects,
        governance=governance,
        article6=article6,
        admin=admin,
        authorities=authorities,
        outsider=outsider,
        submitter=submitter,
        sides=sides,
        committees=committees,
        joint=joint,
        japan_members=japan_members,
        partner_members=partner_members,
        spare=list(pool),
    )
    decision = d.RegisterProjectDecision(
        domain=world.domain(),
        nonce=0,
        deadline=world.deadline(),
        project=project_registration("VN001", VN),
    )
    world.submit(decision, sign(decision, japan_members[0], japan_members[1], partner_members[0]))
    return world


def project_registration(ref: str, country: bytes, **overrides: Any) -> d.ProjectRegistration:
    """A project registration with document hashes derived from the reference."""
    values: dict[str, Any] = {
        "ref": ref,
        "country": country.decode(),
        "title": f"Project {ref}",
        "methodology": f"{country.decode()}_AM001",
        "pdd_hash": keccak(text=f"{ref}/pdd"),
        "validation_report_hash": keccak(text=f"{ref}/validation"),
    }
    values.update(overrides)
    return d.ProjectRegistration(**values)
