"""``RegistryClient``: typed calls and views of a deployed JCM registry.

Connect with an RPC URL and a deployment file (or the registry's address)::

    from registry_client import RegistryClient, Keystore

    client = RegistryClient.connect("http://127.0.0.1:8545", "deployment.json",
                                    sender=Keystore().load("alice"))
    receipt = client.transfer("0xBob...", batch_id=3, quantity=100)
    for holding in client.holdings(client.address):
        print(holding.batch_id, holding.balance, holding.block_ids)

Every write is first checked on the node (``eth_estimateGas``, or ``eth_call`` under a gas limit
measured before for the same function): a refusal raises a typed
:class:`~registry_client.errors.RegistryError` (e.g. ``AccountStateError("account 0x.. is
frozen ...")``) and nothing is sent. Transactions are signed locally and sent raw. Each write
returns a typed receipt model with the decoded domain result (batch id, retirement id, ...).

To pipeline many transactions, build them with ``client.prepare.<operation>(...)`` and send with
``client.send(call, wait=False)``; then ``client.wait_all()`` returns every result in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, overload

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pydantic import ValidationError
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import Web3RPCError
from web3.types import FilterParams, TxParams, TxReceipt

from registry_client import contracts, decisions, records
from registry_client.chain import connect_web3, rpc_errors
from registry_client.deployment import deploy_committee, load_deployment
from registry_client.domain import MAX_PAGE_SIZE, MAX_SERIAL, to_timestamp
from registry_client.errors import (
    ChainUnavailable,
    DeploymentError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RecordMismatch,
    SignatureError,
    TransactionFailed,
)
from registry_client.models import (
    JAPAN,
    ZERO_ADDRESS,
    AccountInfo,
    AccountKind,
    AccountReceipt,
    AccountStatus,
    Batch,
    BatchArticle6,
    BatchInfo,
    BatchState,
    BatchTotals,
    Cancellation,
    CancellationReason,
    CancellationReceipt,
    CommitteeInfo,
    CountryReceipt,
    DecisionReceipt,
    Deployment,
    FirstTransfer,
    FirstTransferDefinition,
    Holding,
    PauseReceipt,
    ProjectInfo,
    Receipt,
    RegistryTotals,
    Retirement,
    RetirementPurpose,
    RetirementReceipt,
    RoleReceipt,
    SerialFirstTransfer,
    SerialLocation,
    SerialRange,
    SerialWhereabouts,
    SideAccounts,
    TransferReceipt,
    checksum,
    parse_enum,
    side_bytes,
    side_code,
)
from registry_client.node_url import public_node_url
from registry_client.records import RecordT
from registry_client.serials import block_ids, format_block_id, parse_serial
from registry_client.settings import DEFAULT_BLOCK_RANGE, env_var
from registry_client.text import printable
from registry_client.transactions import (
    DEFAULT_TIMEOUT,
    FeeSettings,
    PendingTx,
    TransactionSender,
    revert_errors,
)

R = TypeVar("R")
E = TypeVar("E")


def registrar_role(side: str) -> bytes:
    """The registrar role of a registry side (``keccak256("JCM_REGISTRAR_" + side)``)."""
    return bytes(keccak(b"JCM_REGISTRAR_" + side_bytes(side)))


def authority_role(side: str) -> bytes:
    """The registry authority role of a side (``keccak256("JCM_AUTHORITY_" + side)``): the admin
    of itself and of the side's registrar role."""
    return bytes(keccak(b"JCM_AUTHORITY_" + side_bytes(side)))


# ------------------------------------------------------------------------------------------------
# Argument checks (raise InvalidInput before any call)
# ------------------------------------------------------------------------------------------------


def _address(value: object, what: str = "address") -> str:
    try:
        return checksum(value)
    except ValueError:
        raise InvalidInput(
            f"{what} {value!r} is not an address (0x followed by 40 hex digits)"
        ) from None


def _side(value: object, what: str = "registry side") -> str:
    try:
        return side_code(value)
    except ValueError:
        raise InvalidInput(
            f"{what} {value!r} is not a two-letter country code (JP, ID, ...)"
        ) from None


def _hash32(value: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"{what} {value!r} is not 0x followed by 64 hex digits")
    return raw


def _positive(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).replace(",", "").replace("_", ""))
        except ValueError:
            raise InvalidInput(f"{what} {value!r} is not a whole number") from None
    if value <= 0:
        raise InvalidInput(f"{what} must be positive, got {value}")
    if value >= 2**64:
        raise InvalidInput(f"{what} {value} is too large")
    return value


def _choice(cls: type[E], value: object, what: str) -> E:
    try:
        return parse_enum(cls, value)  # type: ignore[type-var]
    except ValueError as exc:
        raise InvalidInput(f"{what}: {exc}") from None


# ------------------------------------------------------------------------------------------------
# Prepared calls
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call(Generic[R]):
    """A transaction ready to send: its request (``to``, ``data``), how to read its receipt, and
    what it does (for messages)."""

    request: TxParams
    parse: Callable[[TxReceipt], R]
    context: str


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record[name]
    return getattr(record, name)


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _ranges(values: Iterable[Any]) -> tuple[SerialRange, ...]:
    return tuple(SerialRange.of(v) for v in values)


def _proven(
    kind: str,
    number: int,
    commitment: bytes,
    candidates: Sequence[RecordT],
    digest: Callable[[RecordT], bytes],
) -> RecordT:
    """The one of ``candidates`` (records read from events) whose hash is ``commitment``, the
    ledger's; a node's logs are trusted for nothing else."""
    for record in candidates:
        if record.id == number and digest(record) == commitment:
            return record
    seen = f"{len(candidates)} event(s) that do not match it" if candidates else "no event"
    raise RecordMismatch(
        f"{kind} {number}: the ledger commits to 0x{commitment.hex()}, but the node's logs hold "
        f"{seen}: use a node that keeps every log since the deployment block, and check the "
        "deployment file's block_number"
    )


class PreparedCalls:
    """Builders of every write operation as a :class:`Call` (``client.prepare``)."""

    def __init__(self, client: RegistryClient) -> None:
        self._c = client

    def _registry_call(
        self,
        function: str,
        args: Sequence[Any],
        parse: Callable[[TxReceipt], R],
        context: str,
    ) -> Call[R]:
        data = contracts.calldata(self._c.w3, "JCMRegistry", function, args)
        return Call({"to": self._c.registry_contract.address, "data": data}, parse, context)

    # ---- governance --------------------------------------------------------------------------

    def _governance_call(
        self,
        function: str,
        args: Sequence[Any],
        parse: Callable[[TxReceipt], R],
        context: str,
    ) -> Call[R]:
        contract = self._c.governance_contract
        data = contracts.calldata(self._c.w3, "JCMGovernance", function, args)
        return Call({"to": contract.address, "data": data}, parse, context)

    def propose_country(self, country: str, committee: str, authority: str) -> Call[CountryReceipt]:
        """Propose that ``country`` join with ``committee`` and ``authority`` as its registry
        authority (Japan's authority; nothing changes until that authority accepts)."""
        code = _side(country, "country")
        address = _address(committee, "committee")
        partner = _address(authority, "authority")
        return self._governance_call(
            "proposeCountry",
            [side_bytes(code), address, partner],
            lambda r: CountryReceipt(
                **self._c._base(r), country=code, committee=address, authority=partner
            ),
            f"propose that {code} join",
        )

    def accept_country(self, country: str, committee: str) -> Call[CountryReceipt]:
        """Accept Japan's proposal that ``country`` join with ``committee`` (the partner's
        authority named in the proposal)."""
        code, address = _side(country, "country"), _address(committee, "committee")
        return self._governance_call(
            "acceptCountry",
            [side_bytes(code), address],
            lambda r: CountryReceipt(**self._c._base(r), country=code, committee=address),
            f"accept that {code} join",
        )

    def grant_registrar(self, side: str, account: str) -> Call[RoleReceipt]:
        """Grant the registrar role of ``side`` to ``account`` (governance)."""
        return self._role("grantRole", side, account, True)

    def revoke_registrar(self, side: str, account: str) -> Call[RoleReceipt]:
        """Revoke the registrar role of ``side`` from ``account`` (governance)."""
        return self._role("revokeRole", side, account, False)

    def grant_authority(self, side: str, account: str) -> Call[RoleReceipt]:
        """Add an authority of ``side`` (e.g. its multisig); only ``side``'s authority may."""
        return self._role("grantRole", side, account, True, authority=True)

    def revoke_authority(self, side: str, account: str) -> Call[RoleReceipt]:
        """Remove an authority of ``side``; only ``side``'s authority may."""
        return self._role("revokeRole", side, account, False, authority=True)

    def _role(
        self, function: str, side: str, account: str, granted: bool, *, authority: bool = False
    ) -> Call[RoleReceipt]:
        code, address = _side(side), _address(account, "account")
        verb = "grant" if granted else "revoke"
        name = "authority" if authority else "registrar"
        role = authority_role(code) if authority else registrar_role(code)
        return self._registry_call(
            function,
            [role, address],
            lambda r: RoleReceipt(
                **self._c._base(r), role=f"{name} {code}", account=address, granted=granted
            ),
            f"{verb} the {name} role of {code} {'to' if granted else 'from'} {address}",
        )

    def pause(self, side: str, duration: int) -> Call[PauseReceipt]:
        """Pause holders' movements for ``duration`` seconds (the authority of ``side``)."""
        code, seconds = _side(side), _positive(duration, "pause duration")
        return self._governance_call(
            "pause",
            [side_bytes(code), seconds],
            lambda r: PauseReceipt(**self._c._base(r), paused=True),
            f"pause for {seconds:,} s as the authority of {code}",
        )

    def unpause(self) -> Call[PauseReceipt]:
        """Lift a pause early (the authority of the side that paused)."""
        return self._governance_call(
            "unpause", [], lambda r: PauseReceipt(**self._c._base(r), paused=False), "unpause"
        )

    def open_account(
        self, account: str, side: str, kind: AccountKind | str | int, holder_name: str
    ) -> Call[AccountReceipt]:
        """Open an account on ``side`` (that side's registrar)."""
        address, code = _address(account, "account"), _side(side)
        chosen = _choice(AccountKind, kind, "account kind")
        return self._registry_call(
            "openAccount",
            [address, side_bytes(code), int(chosen), holder_name],
            lambda r: AccountReceipt(
                **self._c._base(r), account=address, status=AccountStatus.ACTIVE
            ),
            f"open {chosen.label} account {address} on side {code}",
        )

    def freeze(self, account: str) -> Call[AccountReceipt]:
        """Freeze an active holding account (registrar of its side)."""
        return self._account_status("freezeAccount", account, AccountStatus.FROZEN, "freeze")

    def unfreeze(self, account: str) -> Call[AccountReceipt]:
        """Unfreeze a frozen account (registrar of its side)."""
        return self._account_status("unfreezeAccount", account, AccountStatus.ACTIVE, "unfreeze")

    def close_account(self, account: str) -> Call[AccountReceipt]:
        """Close an empty holding account for good (registrar of its side)."""
        return self._account_status("closeAccount", account, AccountStatus.CLOSED, "close")

    def _account_status(
        self, function: str, account: str, status: AccountStatus, verb: str
    ) -> Call[AccountReceipt]:
        address = _address(account, "account")
        return self._registry_call(
            function,
            [address],
            lambda r: AccountReceipt(**self._c._base(r), account=address, status=status),
            f"{verb} account {address}",
        )

    # ---- holders -----------------------------------------------------------------------------

    def transfer(self, to: str, batch_id: int, quantity: int) -> Call[TransferReceipt]:
        """Transfer the ``quantity`` lowest serials of a batch from the sender to ``to``."""
        recipient = _address(to, "recipient")
        batch, amount = _positive(batch_id, "batch id"), _positive(quantity, "quantity")

        def parse(receipt: TxReceipt) -> TransferReceipt:
            event = self._c._event(self._c.registry_contract, "CreditsTransferred", receipt)
            return TransferReceipt(
                **self._c._base(receipt),
                batch_id=batch,
                sender_account=event["from"],
                recipient=event["to"],
                quantity=amount,
                ranges=_ranges(event["ranges"]),
                international=event["international"],
                first_international=event["firstInternational"],
            )

        return self._registry_call(
            "transfer",
            [recipient, batch, amount],
            parse,
            f"transfer {amount:,} credits of batch {batch} to {recipient}",
        )

    def retire(
        self,
        batch_id: int,
        quantity: int,
        using_party: str,
        purpose: RetirementPurpose | str | int,
        beneficiary: str,
        note: str = "",
    ) -> Call[RetirementReceipt]:
        """Retire credits of the sender toward ``using_party``'s NDC or as a voluntary offset."""
        batch, amount = _positive(batch_id, "batch id"), _positive(quantity, "quantity")
        party = _side(using_party, "using party")
        chosen = _choice(RetirementPurpose, purpose, "retirement purpose")

        def parse(receipt: TxReceipt) -> RetirementReceipt:
            event = self._c._event(self._c.registry_contract, "CreditsRetired", receipt)
            return RetirementReceipt(
                **self._c._base(receipt),
                retirement_id=event["retirementId"],
                batch_id=event["batchId"],
                quantity=event["quantity"],
                ranges=_ranges(event["ranges"]),
            )

        return self._registry_call(
            "retire",
            [batch, amount, side_bytes(party), int(chosen), beneficiary, note],
            parse,
            f"retire {amount:,} credits of batch {batch}",
        )

    def cancel(
        self,
        batch_id: int,
        quantity: int,
        reason: CancellationReason | str | int,
        note: str = "",
    ) -> Call[CancellationReceipt]:
        """Cancel credits of the sender with ``reason`` (not ``CORRECTION``: committees only)."""
        batch, amount = _positive(batch_id, "batch id"), _positive(quantity, "quantity")
        chosen = _choice(CancellationReason, reason, "cancellation reason")

        def parse(receipt: TxReceipt) -> CancellationReceipt:
            event = self._c._event(self._c.registry_contract, "CreditsCancelled", receipt)
            return CancellationReceipt(
                **self._c._base(receipt),
                cancellation_id=event["cancellationId"],
                batch_id=event["batchId"],
                quantity=event["quantity"],
                ranges=_ranges(event["ranges"]),
            )

        return self._registry_call(
            "cancel",
            [batch, amount, int(chosen), note],
            parse,
            f"cancel {amount:,} credits of batch {batch}",
        )

    # ---- committees --------------------------------------------------------------------------

    def submit_decision(
        self, decision: decisions.Decision, signatures: Iterable[decisions.MemberSignature]
    ) -> Call[DecisionReceipt]:
        """Submit a signed joint-committee decision (anyone may submit).

        Signatures are sorted by signer as the contract requires.

        Raises:
            InvalidInput: the decision is for another chain than the connected one.
            SignatureError: a signature is over another decision.
        """
        chain = self._c.chain_id
        if decision.domain.chain_id != chain:
            raise InvalidInput(
                f"the decision was drafted for chain {decision.domain.chain_id}, but this node "
                f"serves chain {chain}: draft it again for this chain"
            )
        try:
            function, args = decision.contract_call(signatures)
        except decisions.DecisionError as exc:
            raise SignatureError(str(exc)) from exc
        committee = contracts.at(self._c.w3, "JointCommittee", decision.domain.committee)
        data = contracts.calldata(self._c.w3, "JointCommittee", function, args)
        kind = decisions.DecisionKind(int(decision.decision_kind))

        def parse(receipt: TxReceipt) -> DecisionReceipt:
            executed = self._c._event(committee, "DecisionExecuted", receipt)
            result: dict[str, Any] = {}
            if kind == decisions.DecisionKind.RegisterProject:
                event = self._c._event(self._c.projects_contract, "ProjectRegistered", receipt)
                result["project_ref"] = event["ref"]
            elif kind == decisions.DecisionKind.IssueCredits:
                event = self._c._event(self._c.projects_contract, "BatchIssued", receipt)
                batch = event["batch"]
                result["batch_id"] = event["batchId"]
                result["project_ref"] = _field(batch, "projectRef")
                result["first_serial"] = _field(batch, "firstSerial")
                result["last_serial"] = _field(batch, "lastSerial")
            elif kind == decisions.DecisionKind.CorrectCredits:
                event = self._c._event(self._c.projects_contract, "CreditsCorrected", receipt)
                result["batch_id"] = event["batchId"]
                result["cancellation_id"] = event["cancellationId"]
            elif kind == decisions.DecisionKind.ReplaceCommittee:
                event = self._c._event(self._c.registry_contract, "CommitteeSet", receipt)
                result["committee"] = event["committee"]
            elif kind == decisions.DecisionKind.SetAuthorization:
                event = self._c._event(self._c.article6_contract, "AuthorizationSet", receipt)
                result["batch_id"] = event["batchId"]
                result["authorization"] = event["authorization"]
                result["authorization_id"] = event["authorizationId"]
            elif kind == decisions.DecisionKind.SetFirstTransferDefinition:
                event = self._c._event(
                    self._c.article6_contract, "FirstTransferDefinitionSet", receipt
                )
                result["first_transfer_definition"] = event["definition"]
            else:
                event = self._c._event(committee, "MembersChanged", receipt)
                result["nonce"] = event["nonce"]
            return DecisionReceipt(
                **self._c._base(receipt),
                digest=executed["digest"],
                kind=kind,
                signers=tuple(executed["signers"]),
                **result,
            )

        return Call(
            {"to": committee.address, "data": data},
            parse,
            f"submit decision {decision.digest_hex} ({decision.function_name})",
        )


# ------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------


class RegistryClient:
    """Typed access to one deployed registry, optionally with a sender for writes.

    Attributes:
        w3: the web3 connection (proof-of-authority middleware installed).
        deployment: where the registry's contracts are.
        registry_contract: the ``JCMRegistry`` web3 contract.
        projects_contract: the ``JCMProjects`` web3 contract.
        prepare: builders of every write as a :class:`Call`, for :meth:`send`.
    """

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        sender: LocalAccount | None = None,
        *,
        fees: FeeSettings | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        log_block_range: int = DEFAULT_BLOCK_RANGE,
    ) -> None:
        if log_block_range < 1:
            raise InvalidInput(f"log_block_range must be at least 1 block, not {log_block_range}")
        self.w3 = w3
        self.deployment = deployment
        self.registry_contract: Contract = contracts.at(w3, "JCMRegistry", deployment.registry)
        self.projects_contract: Contract = contracts.at(w3, "JCMProjects", deployment.projects)
        self._rf = self.registry_contract.functions
        self._pf = self.projects_contract.functions
        self._governance: Contract | None = None
        self._article6: Contract | None = None
        self.fees = fees or FeeSettings()
        self.timeout = timeout
        self.log_block_range = log_block_range
        self._sender = TransactionSender(w3, sender, self.fees, timeout=timeout) if sender else None
        self._chain_id: int | None = None
        self.prepare = PreparedCalls(self)

    # ---- connecting --------------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        rpc_url: str | None = None,
        deployment: Deployment | str | Path | None = None,
        *,
        registry: str | None = None,
        sender: LocalAccount | None = None,
        fees: FeeSettings | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        log_block_range: int = DEFAULT_BLOCK_RANGE,
    ) -> RegistryClient:
        """Connect to a registry.

        Args:
            rpc_url: the node's JSON-RPC URL (default: the deployment file's).
            deployment: a ``Deployment`` or the path of a deployment file. Default: the registry
                address if given, else ``$JCM_DEPLOYMENT`` or ``./deployment.json``.
            registry: the ``JCMRegistry`` address, instead of a deployment file (``rpc_url``
                required); the rest is read from the chain.
            sender: the account that signs writes; views need none.
            fees: gas price settings (e.g. ``FeeSettings(gas_price=0)``).
            timeout: seconds to wait for a receipt.
            log_block_range: most blocks asked for in one ``eth_getLogs`` call when reading
                records (``Settings.block_range``).

        Raises:
            ChainUnavailable: the node cannot be reached, or serves another chain than the
                deployment file's.
            DeploymentError: the deployment file is missing or invalid, or no registry is deployed
                at its address on this chain.
        """
        if isinstance(deployment, Deployment):
            loaded: Deployment | None = deployment
        elif deployment is not None or registry is None:
            loaded = load_deployment(deployment)
        else:
            loaded = None
        url = rpc_url or (loaded.rpc_url if loaded else None)
        if not url:
            raise InvalidInput("give the RPC URL of the registry's node")
        w3 = connect_web3(url)
        with rpc_errors(url):
            actual_chain = int(w3.eth.chain_id)
            if loaded is None:
                assert registry is not None
                loaded = cls._discover(
                    w3, url, _address(registry, "registry address"), actual_chain
                )
            if actual_chain != loaded.chain_id:
                raise ChainUnavailable(
                    f"the node at {url} serves chain {actual_chain}, but the deployment is on "
                    f"chain {loaded.chain_id}: check the RPC URL or the deployment file"
                )
            if not bytes(w3.eth.get_code(checksum(loaded.registry))):  # type: ignore[arg-type]
                raise DeploymentError(
                    f"there is no registry contract at {loaded.registry} on chain {actual_chain} "
                    f"({url}): the chain may have been reset; deploy again"
                )
        client = cls(
            w3, loaded, sender, fees=fees, timeout=timeout, log_block_range=log_block_range
        )
        client._chain_id = actual_chain
        return client

    @staticmethod
    def _discover(w3: Web3, url: str, registry_address: str, chain: int) -> Deployment:
        if not bytes(w3.eth.get_code(registry_address)):  # type: ignore[arg-type]
            raise DeploymentError(
                f"there is no registry contract at {registry_address} on chain {chain} ({url})"
            )
        registry = contracts.at(w3, "JCMRegistry", registry_address)
        with revert_errors("read the registry", url):
            projects = registry.functions.projects().call()
            committees = {
                side_code(c): registry.functions.committeeOf(c).call()
                for c in registry.functions.countries().call()
            }
        return Deployment(
            chain_id=chain, rpc_url=url, registry=registry_address, projects=projects,
            committees=committees,
        )  # fmt: skip

    @property
    def governance_contract(self) -> Contract:
        """The ``JCMGovernance`` web3 contract (its address read from the registry once)."""
        if self._governance is None:
            address = self._view(self._rf.governance(), "read the governance contract")
            self._governance = contracts.at(self.w3, "JCMGovernance", checksum(address))
        return self._governance

    @property
    def article6_contract(self) -> Contract:
        """The ``JCMArticle6`` web3 contract (the deployment's, else read from the registry)."""
        if self._article6 is None:
            address = self.deployment.article6 or self._view(
                self._rf.article6(), "read the Article 6 contract"
            )
            self._article6 = contracts.at(self.w3, "JCMArticle6", checksum(address))
        return self._article6

    def with_sender(self, sender: LocalAccount) -> RegistryClient:
        """A client on the same connection and deployment that signs with ``sender``."""
        client = RegistryClient(
            self.w3,
            self.deployment,
            sender,
            fees=self.fees,
            timeout=self.timeout,
            log_block_range=self.log_block_range,
        )
        client._chain_id = self._chain_id
        return client

    @property
    def rpc_url(self) -> str:
        """The URL of the node this client talks to."""
        return str(getattr(self.w3.provider, "endpoint_uri", self.deployment.rpc_url))

    @property
    def chain_id(self) -> int:
        """The connected chain's id."""
        if self._chain_id is None:
            with rpc_errors(self.rpc_url):
                self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    @property
    def address(self) -> str:
        """The sender's address.

        Raises:
            NotPermitted: the client has no sender.
        """
        return self._require_sender().address

    def _require_sender(self) -> TransactionSender:
        if self._sender is None:
            raise NotPermitted("this operation sends a transaction: give a sender (a keystore)")
        return self._sender

    # ---- sending -----------------------------------------------------------------------------

    @overload
    def send(self, call: Call[R], *, wait: Literal[True] = True) -> R: ...

    @overload
    def send(self, call: Call[R], *, wait: Literal[False]) -> PendingTx[R]: ...

    def send(self, call: Call[R], *, wait: bool = True) -> R | PendingTx[R]:
        """Pre-flight, sign and send a prepared call.

        Args:
            call: from ``client.prepare.<operation>(...)``.
            wait: wait for the receipt and return the typed result; with ``False``, return a
                :class:`PendingTx` at once (awaited by its ``wait()`` or by :meth:`wait_all`).

        Raises:
            RegistryError: the typed refusal (nothing was sent), or the failure on chain.
        """
        sender = self._require_sender()
        pending = sender.send(call.request, call.parse, call.context, track=not wait)
        return pending.wait() if wait else pending

    def wait_all(self, timeout: float | None = None) -> list[Any]:
        """Wait for every transaction sent with ``wait=False``; return their results in order.

        Raises:
            RegistryError: the first failure, after all were awaited.
        """
        return self._require_sender().wait_all(timeout)

    def _base(self, receipt: TxReceipt) -> dict[str, Any]:
        return {
            "tx_hash": bytes(receipt["transactionHash"]),
            "block_number": receipt["blockNumber"],
            "gas_used": receipt["gasUsed"],
            "sender": receipt["from"],
            "to": receipt.get("to"),
            "contract_address": receipt.get("contractAddress"),
        }

    def _event(self, contract: Contract, name: str, receipt: TxReceipt) -> dict[str, Any]:
        events = self._events(contract, name, receipt)
        if not events:
            raise TransactionFailed(
                f"transaction 0x{bytes(receipt['transactionHash']).hex()} emitted no {name} event"
            )
        return events[0]

    def _events(self, contract: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        """The arguments of each ``name`` event ``contract`` emitted in ``receipt``."""
        event = getattr(contract.events, name)().abi
        found = []
        for log in receipt["logs"]:
            if log["address"] != contract.address:
                continue
            args = contracts.event_args(self.w3.codec, event, log)
            if args is not None:
                found.append(args)
        return found

    # ---- writes ------------------------------------------------------------------------------

    def propose_country(self, country: str, committee: str, authority: str) -> CountryReceipt:
        """Japan's authority proposes that ``country`` join with ``committee`` and ``authority``."""
        return self.send(self.prepare.propose_country(country, committee, authority))

    def accept_country(self, country: str, committee: str) -> CountryReceipt:
        """The partner's authority accepts the proposal: ``country`` becomes a registry side."""
        return self.send(self.prepare.accept_country(country, committee))

    def deploy_committee(
        self,
        country: str,
        japan_members: Sequence[str],
        partner_members: Sequence[str],
        japan_threshold: int,
        partner_threshold: int,
        *,
        authority: str | None = None,
    ) -> CommitteeInfo:
        """Deploy a ``JointCommittee`` for ``country`` and, given the partner's ``authority``,
        propose that the country join with it (the sender needs Japan's authority role; the
        country joins when ``authority`` accepts). Updates ``self.deployment``.
        """
        sender = self._require_sender()
        self.deployment = deploy_committee(
            self.deployment, sender, country, japan_members, partner_members,
            japan_threshold, partner_threshold, authority=authority, fees=self.fees, w3=self.w3,
        )  # fmt: skip
        code = _side(country, "country")
        return self._committee_at(code, self.deployment.committees[code])

    def grant_registrar(self, side: str, account: str) -> RoleReceipt:
        """Grant the registrar role of ``side`` to ``account``."""
        return self.send(self.prepare.grant_registrar(side, account))

    def revoke_registrar(self, side: str, account: str) -> RoleReceipt:
        """Revoke the registrar role of ``side`` from ``account``."""
        return self.send(self.prepare.revoke_registrar(side, account))

    def grant_authority(self, side: str, account: str) -> RoleReceipt:
        """Add an authority of ``side`` (the sender must be one)."""
        return self.send(self.prepare.grant_authority(side, account))

    def revoke_authority(self, side: str, account: str) -> RoleReceipt:
        """Remove an authority of ``side`` (the sender must be one)."""
        return self.send(self.prepare.revoke_authority(side, account))

    def pause(self, side: str, duration: int) -> PauseReceipt:
        """Pause holders' movements for ``duration`` seconds as the authority of ``side``."""
        return self.send(self.prepare.pause(side, duration))

    def unpause(self) -> PauseReceipt:
        """Lift the pause early (the authority of the side that paused)."""
        return self.send(self.prepare.unpause())

    def open_account(
        self, account: str, side: str, kind: AccountKind | str | int, holder_name: str
    ) -> AccountReceipt:
        """Open an account (holding, government holding, retirement or cancellation) on ``side``."""
        return self.send(self.prepare.open_account(account, side, kind, holder_name))

    def freeze(self, account: str) -> AccountReceipt:
        """Freeze an active holding account: it can neither send nor receive."""
        return self.send(self.prepare.freeze(account))

    def unfreeze(self, account: str) -> AccountReceipt:
        """Unfreeze a frozen account."""
        return self.send(self.prepare.unfreeze(account))

    def close_account(self, account: str) -> AccountReceipt:
        """Close an empty holding account for good."""
        return self.send(self.prepare.close_account(account))

    def transfer(self, to: str, batch_id: int, quantity: int) -> TransferReceipt:
        """Transfer credits of a batch from the sender to ``to`` (lowest serials first)."""
        return self.send(self.prepare.transfer(to, batch_id, quantity))

    def retire(
        self,
        batch_id: int,
        quantity: int,
        using_party: str,
        purpose: RetirementPurpose | str | int,
        beneficiary: str,
        note: str = "",
    ) -> RetirementReceipt:
        """Retire the sender's credits toward ``using_party`` (``JP`` or a partner)."""
        return self.send(
            self.prepare.retire(batch_id, quantity, using_party, purpose, beneficiary, note)
        )

    def cancel(
        self,
        batch_id: int,
        quantity: int,
        reason: CancellationReason | str | int,
        note: str = "",
    ) -> CancellationReceipt:
        """Cancel the sender's credits with ``reason``."""
        return self.send(self.prepare.cancel(batch_id, quantity, reason, note))

    def submit_decision(
        self, decision: decisions.Decision, signatures: Iterable[decisions.MemberSignature]
    ) -> DecisionReceipt:
        """Submit a joint-committee decision with its collected signatures (sorted here)."""
        return self.send(self.prepare.submit_decision(decision, signatures))

    # ---- views -------------------------------------------------------------------------------

    def _view(self, fn: Any, context: str) -> Any:
        with revert_errors(context, self.rpc_url):
            return fn.call()

    def account(self, address: str) -> AccountInfo:
        """Public information about an address's account (``status`` NONE if never opened)."""
        account = _address(address, "account")
        info = self._view(self._rf.accountInfo(account), f"read account {account}")
        status = AccountStatus(info.status)
        sink = AccountKind(info.kind) in (AccountKind.RETIREMENT, AccountKind.CANCELLATION)
        return AccountInfo(
            address=account,
            kind=info.kind,
            status=status,
            side=info.side if status != AccountStatus.NONE else None,
            opened_at=info.openedAt,
            # The ledger reads 0 for sinks: it keeps no count of their batches.
            non_empty_holdings=None if sink else info.nonEmptyHoldings,
            holder_name=info.holderName,
        )

    def balance(self, address: str, batch_id: int) -> int:
        """How many credits of a batch the account holds."""
        account = _address(address, "account")
        return int(self._view(self._rf.balanceOf(account, batch_id), "balanceOf"))

    def holding(self, address: str, batch_id: int) -> Holding:
        """What the account holds of one batch: ranges, balance and block ids.

        Raises:
            NotFound: no such batch.
        """
        account = self.account(address)
        return self._holding(account, self.batch_state(batch_id), batch_id)

    def _holding(self, account: AccountInfo, state: BatchState, batch_id: int) -> Holding:
        info = self.batch_record(batch_id)  # project and vintage: the issuance's record
        side = account.side or state.country
        if account.kind in (AccountKind.RETIREMENT, AccountKind.CANCELLATION):
            # A retirement or cancellation account keeps only a balance (what its records
            # consumed, as ERC-1155 balanceOf says); the serials are in the records.
            return Holding(
                account=account.address,
                batch_id=batch_id,
                side=side,
                project_ref=info.project_ref,
                vintage=info.vintage,
                balance=self.balance(account.address, batch_id),
                ranges=(),
                block_ids=(),
            )
        raw = self._view(
            self._rf.holdingRanges(account.address, batch_id),
            f"read the holding of {account.address}",
        )
        ranges = _ranges(raw)
        return Holding(
            account=account.address,
            batch_id=batch_id,
            side=side,
            project_ref=info.project_ref,
            vintage=info.vintage,
            balance=sum(r.size for r in ranges),
            ranges=ranges,
            block_ids=block_ids(side, info.project_ref, info.vintage, ranges),
        )

    def holdings(self, address: str, *, include_empty: bool = False) -> list[Holding]:
        """Every batch the account holds, with serial ranges and block ids (batch order)."""
        account = self.account(address)
        batch_ids = sorted(
            self._pages(
                lambda cursor: self._rf.accountBatches(account.address, cursor, MAX_PAGE_SIZE),
                "read the account's batches",
            )
        )
        found = [self._holding(account, self.batch_state(b), b) for b in batch_ids]
        return [h for h in found if include_empty or h.balance]

    def batch_holdings(self, batch_id: int, *, include_empty: bool = False) -> list[Holding]:
        """Every account's holding of one batch."""
        state = self.batch_state(batch_id)
        holders = self._pages(
            lambda cursor: self._rf.batchHolders(batch_id, cursor, MAX_PAGE_SIZE),
            "read batch holders",
        )
        found = [self._holding(self.account(a), state, batch_id) for a in holders]
        return [h for h in found if include_empty or h.balance]

    def _pages(self, page: Callable[[int], Any], what: str) -> list[Any]:
        """Every item of a paged list view: ``page(cursor)`` answers ``(items, next cursor)``, and
        the cursor 0 starts the list and ends it."""
        items: list[Any] = []
        cursor = 0
        while True:
            found, cursor = self._view(page(cursor), what)
            items.extend(found)
            if cursor == 0:
                return items

    def batch_count(self) -> int:
        """The number of batches issued (ids run from 1)."""
        return int(self._view(self._rf.batchCount(), "read the batch count"))

    def batch_info(self, batch_id: int) -> BatchInfo:
        """A batch's issuance data (:meth:`batch_record`) with its current authorization and
        whether it was transferred internationally (``JCMArticle6``).

        Raises:
            NotFound: no such batch.
            RecordMismatch: the node served an issuance record the chain's hash refutes.
        """
        return self._batch_infos([batch_id])[batch_id]

    def batch_record(self, batch_id: int) -> BatchInfo:
        """A batch's issuance record as its ``BatchIssued`` event carried it, verified against the
        hash ``JCMProjects`` keeps (``verifyBatch``): the authorization is the issuance's and
        ``internationally_transferred`` is false.

        Raises:
            NotFound: no such batch.
            RecordMismatch: no ``BatchIssued`` event of an existing batch, or one the chain's hash
                refutes (a forged or altered event).
        """
        return self._batch_records([batch_id])[batch_id]

    def _batch_infos(self, batch_ids: Sequence[int]) -> dict[int, BatchInfo]:
        found = {}
        for batch_id, record in self._batch_records(batch_ids).items():
            article6 = self._batch_article6(batch_id, record)
            found[batch_id] = record.model_copy(
                update={
                    "authorization": article6.authorization,
                    "authorization_id": article6.authorization_id,
                    "authorization_date": article6.authorization_date,
                    "internationally_transferred": article6.internationally_transferred,
                }
            )
        return found

    def _batch_records(self, batch_ids: Sequence[int]) -> dict[int, BatchInfo]:
        """The verified issuance records of existing batches, from one ``eth_getLogs`` query."""
        wanted = [_positive(b, "batch id") for b in batch_ids]
        count = self.batch_count()
        for batch_id in wanted:
            if batch_id > count:
                raise NotFound(f"there is no batch {batch_id}: check the batch id")
        codec = self.w3.codec
        ids = ["0x" + codec.encode(["uint256"], [b]).hex() for b in sorted(set(wanted))]
        records = self._issuance_records([ids])
        missing = [b for b in wanted if b not in records]
        if missing:
            raise RecordMismatch(
                f"the node at {self.rpc_url} served no BatchIssued event of batch {missing[0]}, "
                "which the ledger counts: ask an archive node that keeps every log"
            )
        return {b: records[b] for b in wanted}

    def _issuance_records(self, topics: list[Any]) -> dict[int, BatchInfo]:
        """The issuance records of the ``BatchIssued`` events matching ``topics`` (after the
        event's own: batch ids, then project keys), from one ``eth_getLogs`` query, each verified
        against the hash ``JCMProjects`` keeps (``verifyBatch``).

        Raises:
            RecordMismatch: the node served a record the chain's hash refutes.
        """
        event = self.projects_contract.events.BatchIssued().abi
        codec = self.w3.codec
        topic = "0x" + bytes(contracts.event_abi_to_log_topic(event)).hex()
        query: FilterParams = {
            "address": self.projects_contract.address,
            "topics": [topic, *topics],
        }
        logs = self._chunked(
            lambda first, last: self.w3.eth.get_logs({**query, "fromBlock": first, "toBlock": last})
        )
        components = next(i for i in event["inputs"] if i["name"] == "batch")["components"]
        records: dict[int, BatchInfo] = {}
        for log in logs:
            args = contracts.event_args(codec, event, log)
            if args is None:
                continue
            raw = args["batch"]
            as_tuple = tuple(raw[c["name"]] for c in components)
            if not self._view(self._pf.verifyBatch(as_tuple), "verify a batch record"):
                raise RecordMismatch(
                    f"the BatchIssued event of batch {args['batchId']} does not match the hash "
                    f"JCMProjects keeps for it: the node at {self.rpc_url} served an altered record"
                )
            records[int(args["batchId"])] = _batch_info(raw)
        return records

    def project_batches(self, ref: str) -> list[BatchInfo]:
        """A registered project's batches in id order: their issuance records (as
        :meth:`batch_record` gives them), from one log query on the project's key.

        Raises:
            NotFound: no such project.
            RecordMismatch: the node served an altered record, or fewer than the project's batch
                count.
        """
        project = self.project(ref)
        key = "0x" + Web3.keccak(text=ref).hex().removeprefix("0x")
        records = self._issuance_records([None, key])
        if len(records) != project.batch_count:
            raise RecordMismatch(
                f"the node at {self.rpc_url} served {len(records)} BatchIssued events of project "
                f"{printable(ref)}, which has {project.batch_count} batches: ask an archive node "
                "that keeps every log"
            )
        return [records[b] for b in sorted(records)]

    def period_gaps(self, ref: str) -> list[tuple[int, int]]:
        """The spaces between a registered project's monitoring periods that a later period may
        still fill, as ``(previous end, next start)`` pairs (a period fits strictly between them),
        sorted. A period may also end before the project's first start or start after its latest
        end (:meth:`project`).

        Raises:
            NotFound: no such project.
        """
        raw = self._view(self._pf.periodGaps(ref), f"read the period gaps of project {ref}")
        return sorted((int(gap[0]), int(gap[1])) for gap in raw)

    def batch_state(self, batch_id: int) -> BatchState:
        """What the ledger keeps of a batch."""
        raw = self._view(self._rf.batchState(batch_id), f"read batch {batch_id}")
        return BatchState(
            country=raw.country, first_serial=raw.firstSerial, last_serial=raw.lastSerial
        )

    def batch_totals(self, batch_id: int) -> BatchTotals:
        """A batch's conservation figures."""
        raw = self._view(self._rf.batchTotals(batch_id), f"read batch {batch_id}")
        return BatchTotals(
            issued=raw.issued, held=raw.held, retired=raw.retired, cancelled=raw.cancelled
        )

    def batch(self, batch_id: int) -> Batch:
        """A batch's issuance data and totals.

        Raises:
            NotFound: no such batch.
        """
        return Batch(info=self.batch_info(batch_id), totals=self.batch_totals(batch_id))

    def batches(self) -> list[Batch]:
        """Every batch, in id order (issuance records from one log query, each verified)."""
        infos = self._batch_infos(range(1, self.batch_count() + 1))
        return [Batch(info=info, totals=self.batch_totals(b)) for b, info in infos.items()]

    def project(self, ref: str) -> ProjectInfo:
        """A registered project by reference.

        Raises:
            NotFound: no such project.
        """
        raw = self._view(self._pf.projectInfo(ref), f"read project {ref}")
        return ProjectInfo(
            ref=raw.ref,
            country=raw.country,
            title=raw.title,
            methodology=raw.methodology,
            pdd_hash=raw.pddHash,
            validation_report_hash=raw.validationReportHash,
            registered_at=raw.registeredAt,
            last_monitoring_end=raw.lastMonitoringEnd,
            batch_count=raw.batchCount,
            first_monitoring_start=raw.firstMonitoringStart,
        )

    def projects(self) -> list[ProjectInfo]:
        """Every registered project, in registration order."""
        count = int(self._view(self._pf.projectCount(), "read the project count"))
        refs = [self._view(self._pf.projectRefAt(i), "read a project") for i in range(count)]
        return [self.project(ref) for ref in refs]

    def retirement(self, retirement_id: int) -> Retirement:
        """A retirement record, rebuilt from its ``CreditsRetired`` event and proven against the
        ledger's commitment (``retirementHash``).

        Raises:
            NotFound: no such retirement.
            RecordMismatch: no event of the node matches the commitment.
        """
        return self._record(records.RETIREMENT, retirement_id)

    def cancellation(self, cancellation_id: int) -> Cancellation:
        """A cancellation record, rebuilt from its ``CreditsCancelled`` event and proven against the
        ledger's commitment (``cancellationHash``).

        Raises:
            NotFound: no such cancellation.
            RecordMismatch: no event of the node matches the commitment.
        """
        return self._record(records.CANCELLATION, cancellation_id)

    def _record(self, kind: records.RecordKind[RecordT], record_id: int) -> RecordT:
        number = _positive(record_id, f"{kind.name} id")
        commitment_of = getattr(self._rf, kind.commitment_view)
        commitment = bytes(self._view(commitment_of(number), f"read {kind.name} {number}"))
        found = self._record_events(kind.event, **{kind.id_argument: number})
        record = _proven(
            kind.name, number, commitment, [kind.from_event(a) for a in found], kind.digest
        )
        return record.model_copy(update={"block_ids": self._record_blocks(record)})

    def _record_events(self, event: str, **indexed: int) -> list[dict[str, Any]]:
        """The arguments of the registry's ``event`` logs since its deployment block whose indexed
        arguments equal ``indexed`` (unverified: callers prove them against the commitments)."""
        kind = getattr(self.registry_contract.events, event)()
        logs = self._chunked(
            lambda first, last: kind.get_logs(
                from_block=first, to_block=last, argument_filters=indexed
            )
        )
        return [dict(log["args"]) for log in logs]

    def _chunked(self, read: Callable[[int, int], Sequence[R]]) -> list[R]:
        """What ``read(first, last)`` answers for every block from the deployment's to the
        chain's head, asked ``log_block_range`` blocks at a time, in chain order: a node may
        refuse one ``eth_getLogs`` over a long chain (Besu: ``--rpc-max-logs-range``)."""
        found: list[R] = []
        with rpc_errors(self.rpc_url):
            head = int(self.w3.eth.block_number)
            first = self.deployment.block_number
            while first <= head:
                last = min(first + self.log_block_range - 1, head)
                try:
                    found.extend(read(first, last))
                except Web3RPCError as exc:
                    raise ChainUnavailable(
                        f"the node at {public_node_url(self.rpc_url)} refused the logs of blocks "
                        f"{first}..{last} ({printable(str(exc.message))[:200]}): if it limits "
                        f"eth_getLogs ranges, set {env_var('block_range')} below "
                        f"{self.log_block_range}"
                    ) from exc
                first = last + 1
        return found

    def _record_blocks(self, record: Retirement | Cancellation) -> tuple[str, ...]:
        info = self.batch_record(record.batch_id)
        side = self.account(record.account).side or info.country
        return block_ids(side, info.project_ref, info.vintage, record.ranges)

    def retirements(self, batch_id: int | None = None) -> list[Retirement]:
        """Every retirement (or every one of ``batch_id``), in id order, each proven against the
        ledger's commitment.

        Raises:
            RecordMismatch: a retirement has no event that matches its commitment.
        """
        return self._records(records.RETIREMENT, batch_id)

    def cancellations(self, batch_id: int | None = None) -> list[Cancellation]:
        """Every cancellation (or every one of ``batch_id``), in id order, each proven against the
        ledger's commitment.

        Raises:
            RecordMismatch: a cancellation has no event that matches its commitment.
        """
        return self._records(records.CANCELLATION, batch_id)

    def _records(self, kind: records.RecordKind[RecordT], batch_id: int | None) -> list[RecordT]:
        count = int(self._view(getattr(self._rf, kind.count_view)(), f"read {kind.name}s"))
        batch = {} if batch_id is None else {"batchId": _positive(batch_id, "batch id")}
        found = self._record_events(kind.event, **batch)
        return self._proven_all(
            kind.name,
            count,
            [kind.from_event(a) for a in found],
            getattr(self._rf, kind.commitment_view),
            kind.digest,
            every=batch_id is None,
        )

    def _proven_all(
        self,
        kind: str,
        count: int,
        candidates: list[RecordT],
        commitment_of: Callable[[int], Any],
        digest: Callable[[RecordT], bytes],
        *,
        every: bool,
    ) -> list[RecordT]:
        """The records among ``candidates`` that prove against their commitments, one per id, in id
        order; with ``every``, ids 1..``count`` must all be there."""
        by_id: dict[int, list[RecordT]] = {}
        for record in candidates:
            if 1 <= record.id <= count:
                by_id.setdefault(record.id, []).append(record)
        ids = range(1, count + 1) if every else sorted(by_id)
        proven = []
        for number in ids:
            commitment = bytes(self._view(commitment_of(number), f"read {kind} {number}"))
            record = _proven(kind, number, commitment, by_id.get(number, []), digest)
            proven.append(record.model_copy(update={"block_ids": self._record_blocks(record)}))
        return proven

    def locate(self, serial_or_block_id: int | str) -> SerialWhereabouts:
        """Where a serial is now; a block id stands for its first serial.

        Raises:
            InvalidInput: not a serial or block id, or a block id whose project or vintage is not
                that of the serial's batch.
        """
        query = parse_serial(serial_or_block_id)
        serial = query.serial
        raw = self._view(self._rf.locateSerial(serial), f"locate serial {serial}")
        location = SerialLocation(raw.location)
        if location == SerialLocation.UNISSUED:
            return SerialWhereabouts(serial=serial, location=location)
        batch_id = int(raw.batchId)
        info = self.batch_record(batch_id)
        if query.block is not None and (
            query.block.project_ref != info.project_ref or query.block.vintage != info.vintage
        ):
            raise InvalidInput(
                f"block id {query.block} names project {query.block.project_ref} vintage "
                f"{query.block.vintage}, but serial {serial} is of batch {batch_id}, project "
                f"{info.project_ref} vintage {info.vintage}: check the block id"
            )
        record_id: int | None = None
        account = raw.account
        if location == SerialLocation.HELD:
            owner = self.account(account)
            ranges = self._holding(owner, self.batch_state(batch_id), batch_id).ranges
            side = owner.side or info.country
        else:
            location, record = self._consuming_record(batch_id, serial)
            record_id, ranges = record.id, record.ranges
            account = (
                record.retirement_account
                if isinstance(record, Retirement)
                else record.cancellation_account
            )
            side = self.account(record.account).side or info.country
        containing = next((r for r in ranges if serial in r), None)
        return SerialWhereabouts(
            serial=serial,
            location=location,
            batch_id=batch_id,
            account=account,
            record_id=record_id,
            side=side,
            project_ref=info.project_ref,
            vintage=info.vintage,
            range=containing,
            block_id=(
                format_block_id(
                    side, info.project_ref, info.vintage, containing.first, containing.last
                )
                if containing
                else None
            ),
        )

    def _consuming_record(
        self, batch_id: int, serial: int
    ) -> tuple[SerialLocation, Retirement | Cancellation]:
        """The proven retirement or cancellation of ``batch_id`` whose ranges hold ``serial`` (the
        ledger said no holding has it)."""
        retired = self._record_holding(records.RETIREMENT, batch_id, serial)
        if retired is not None:
            return SerialLocation.RETIRED, retired
        cancelled = self._record_holding(records.CANCELLATION, batch_id, serial)
        if cancelled is not None:
            return SerialLocation.CANCELLED, cancelled
        raise RecordMismatch(
            f"serial {serial} of batch {batch_id} is retired or cancelled, but no CreditsRetired "
            f"or CreditsCancelled event of the node at {self.rpc_url} since block "
            f"{self.deployment.block_number} that names it matches the ledger's commitment"
        )

    def _record_holding(
        self, kind: records.RecordKind[RecordT], batch_id: int, serial: int
    ) -> RecordT | None:
        """The ``kind`` record of ``batch_id`` that holds ``serial`` and proves, if any."""
        commitment_of = getattr(self._rf, kind.commitment_view)
        for args in self._record_events(kind.event, batchId=batch_id):
            record = kind.from_event(args)
            if any(serial in r for r in record.ranges):
                commitment = bytes(self._view(commitment_of(record.id), f"read record {record.id}"))
                if kind.digest(record) == commitment:
                    return record
        return None

    def locate_block(
        self, serial_or_block_id: int | str, *, limit: int = 100
    ) -> list[SerialWhereabouts]:
        """Where every serial of a block id (or one serial) is now: one entry per piece, in serial
        order, each piece's ``range`` and ``block_id`` clipped to the serials asked.

        A block may since have been split among holders, retirements and cancellations; each
        piece costs a few reads, so at most ``limit`` pieces are described (the last one then
        ends before the block does: ask again from the serial after it).

        Raises:
            InvalidInput: not a serial or block id, or a block id whose project or vintage is not
                that of the serials' batch, or a block that runs into another batch.
        """
        query = parse_serial(serial_or_block_id)
        found: list[SerialWhereabouts] = []
        serial = query.first
        while serial <= query.last and len(found) < limit:
            where = self.locate(
                serial
                if query.block is None
                else format_block_id(
                    query.block.side,
                    query.block.project_ref,
                    query.block.vintage,
                    serial,
                    query.last,
                )
            )
            if where.location == SerialLocation.UNISSUED or where.range is None:
                found.append(where)  # nothing past the last issued serial has been issued
                break
            if found and where.batch_id != found[0].batch_id:
                raise InvalidInput(
                    f"serials {query.first}-{query.last} run from batch {found[0].batch_id} into "
                    f"batch {where.batch_id}: a block id names serials of one batch"
                )
            end = min(where.range.last, query.last)
            piece = SerialRange(first=serial, last=end)
            side = where.side or ""
            found.append(
                where.model_copy(
                    update={
                        "range": piece,
                        "block_id": format_block_id(
                            side, where.project_ref or "", where.vintage or 0, serial, end
                        ),
                    }
                )
            )
            serial = end + 1
        return found

    def correction_decision_used(self, country: str, decision_id: str) -> bool:
        """Whether a correction of ``country``'s joint committees used a decision id already
        (correction ids are namespaced per country; each is used once). Issuances keep no such
        marker: each uses up its verification report (:meth:`report_batch`)."""
        raw = _hash32(decision_id, "decision id")
        code = side_bytes(_side(country, "country"))
        fn = self._pf.correctionDecisionUsed(code, raw)
        return bool(self._view(fn, "read whether a correction decision id was used"))

    def report_batch(self, report_hash: str) -> int | None:
        """The batch issued for a verification report, or None if no issuance cited it (a
        report is issued for once: a second issuance citing it is refused)."""
        raw = _hash32(report_hash, "verification report hash")
        batch = int(self._view(self._pf.reportBatch(raw), "read a verification report's batch"))
        return batch or None

    def decision_warnings(self, decision: decisions.Decision) -> list[str]:
        """What the chain would refuse in ``decision`` as it stands now, as sentences (empty if
        nothing): an unknown or already registered project, a monitoring period that overlaps one
        of the project's batches, a verification report issued for already, a correction decision
        id the committee used already, an allocation or correction account that is not an active
        account. The chain may change before the decision is submitted, so these are warnings for
        whoever drafts or signs it; the contracts decide.
        """
        found: list[str] = []
        if isinstance(decision, decisions.RegisterProjectDecision):
            try:
                self.project(decision.project.ref)
                found.append(f"project {printable(decision.project.ref)} is registered already")
            except NotFound:
                pass
        elif isinstance(decision, decisions.IssueCreditsDecision):
            issuance = decision.issuance
            ref = printable(issuance.project_ref)
            try:
                project = self.project(issuance.project_ref)
            except NotFound:
                found.append(f"project {ref} is not registered")
            else:
                found += self._period_problems(project, issuance)
                sides = {JAPAN, project.country}
                for allocation in issuance.allocations:
                    found += self._receiving_problems(allocation.account, sides)
                batch_id = self.report_batch(issuance.verification_report_hash)
                if batch_id is not None:
                    found.append(
                        f"verification report {issuance.verification_report_hash} was issued "
                        f"for already, as batch {batch_id}"
                    )
        elif isinstance(decision, decisions.CorrectCreditsDecision):
            correction = decision.correction
            country = self._view(
                self._pf.batchCountry(correction.batch_id), "read the batch's country"
            )
            if int.from_bytes(country, "big") and self.correction_decision_used(
                side_code(country), correction.decision_id
            ):
                found.append(f"decision id {correction.decision_id} was used already")
            if self.account(correction.account).status == AccountStatus.NONE:
                found.append(f"{correction.account} is not a registry account")
        return found

    def _period_problems(self, project: ProjectInfo, issuance: decisions.Issuance) -> list[str]:
        """Why ``JCMProjects`` would refuse the issuance's monitoring period (as
        ``_placePeriod`` decides), naming the batch it overlaps if it overlaps one."""
        start, end = issuance.monitoring_start, issuance.monitoring_end
        if start > end or not project.batch_count:
            return []
        last_end, first_start = (
            to_timestamp(project.last_monitoring_end),
            to_timestamp(project.first_monitoring_start),
        )
        if start > last_end or end < first_start:
            return []
        if any(after < start and end < before for after, before in self.period_gaps(project.ref)):
            return []
        ref = printable(project.ref)
        for batch in self.project_batches(project.ref):
            batch_start, batch_end = (
                to_timestamp(batch.monitoring_start),
                to_timestamp(batch.monitoring_end),
            )
            if start <= batch_end and batch_start <= end:
                return [
                    f"the monitoring period overlaps batch {batch.id} of project {ref}, which "
                    f"covers {_day(batch_start)} to {_day(batch_end)}"
                ]
        return [
            f"the monitoring period falls between two consecutive periods of project {ref} (at "
            "most a day apart), where no period can be issued"
        ]

    def _receiving_problems(self, address: str, sides: set[str]) -> list[str]:
        info = self.account(address)
        if info.status == AccountStatus.NONE:
            return [f"allocation account {address} is not a registry account"]
        if info.status != AccountStatus.ACTIVE:
            return [f"allocation account {address} is {info.status.label}"]
        if info.kind not in (AccountKind.HOLDING, AccountKind.GOVERNMENT_HOLDING):
            return [f"allocation account {address} is a {info.kind.label} account"]
        if info.side not in sides:
            return [
                f"allocation account {address} is on side {info.side}: an issuance credits only "
                f"accounts of {' or '.join(sorted(sides))}"
            ]
        return []

    def countries(self) -> list[str]:
        """The partner countries, in the order they were added."""
        return [side_code(c) for c in self._view(self._rf.countries(), "countries")]

    def sides(self) -> list[str]:
        """Every registry side: ``JP`` and the partner countries."""
        return [JAPAN, *self.countries()]

    def side_accounts(self, side: str) -> SideAccounts:
        """A side's retirement and cancellation accounts.

        Raises:
            NotFound: no such side.
        """
        code = _side(side)
        retirement, cancellation = self._view(
            self._rf.sideAccounts(side_bytes(code)), f"read side {code}"
        )
        return SideAccounts(
            side=code,
            retirement_account=None if int(retirement, 16) == 0 else retirement,
            cancellation_account=None if int(cancellation, 16) == 0 else cancellation,
        )

    # ---- Article 6 ---------------------------------------------------------------------------

    def first_transfer(self, serial: int) -> SerialFirstTransfer:
        """Whether, when, from and to which party ``serial`` was first transferred (Article 6.2).

        Raises:
            InvalidInput: not a serial number.
        """
        number = _positive(serial, "serial")
        if number > MAX_SERIAL:
            raise InvalidInput(f"serial {number} is above the highest serial {MAX_SERIAL}")
        transferred, batch_id, record = self._view(
            self.article6_contract.functions.firstTransferOf(number),
            f"read the first transfer of serial {number}",
        )
        if not transferred:
            return SerialFirstTransfer(
                serial=number, transferred=False, batch_id=int(batch_id) or None
            )
        return SerialFirstTransfer(
            serial=number, transferred=True, batch_id=int(batch_id), record=_first_transfer(record)
        )

    def first_transfers(self, batch_id: int) -> list[FirstTransfer]:
        """A batch's serials first transferred, ascending by serial.

        Raises:
            NotFound: no such batch.
        """
        number = _positive(batch_id, "batch id")
        records = self._view(
            self.article6_contract.functions.firstTransfers(number),
            f"read the first transfers of batch {number}",
        )
        return [_first_transfer(r) for r in records]

    def batch_article6(self, batch_id: int) -> BatchArticle6:
        """A batch's Article 6 state: current authorization, whole-batch first transfer, the host's
        NDC use.

        Raises:
            NotFound: no such batch.
            RecordMismatch: the issuance's authorization holds, and the node served an issuance
                record (which carries its id) that the chain's hash refutes.
        """
        return self._batch_article6(_positive(batch_id, "batch id"))

    def _batch_article6(self, number: int, record: BatchInfo | None = None) -> BatchArticle6:
        """``batch_article6``; ``record``: the batch's verified issuance record, if read already."""
        raw = self._view(
            self.article6_contract.functions.batchArticle6(number),
            f"read the Article 6 state of batch {number}",
        )
        authorization_id = raw.authorizationId
        if not authorization_id:
            # JCMArticle6 keeps only decisions' ids: the issuance's is in its record.
            authorization_id = (record or self.batch_record(number)).authorization_id
        return BatchArticle6(
            batch_id=number,
            country=raw.country,
            authorization=raw.authorization,
            authorization_id=authorization_id,
            authorization_date=raw.authorizationDate,
            whole_batch_first_transferred_at=raw.wholeBatchFirstTransferredAt,
            first_serial=raw.firstSerial,
            last_serial=raw.lastSerial,
            host_ndc_use=raw.hostNdcUse,
            first_transfer_records=raw.firstTransferRecords,
            internationally_transferred=raw.internationallyTransferred,
        )

    def first_transfer_definition(self, country: str) -> FirstTransferDefinition:
        """What first-transfers an authorized unit of ``country``'s cooperative approach."""
        code = _side(country, "country")
        value = self._view(
            self.article6_contract.functions.firstTransferDefinition(side_bytes(code)),
            f"read the first-transfer definition of {code}",
        )
        return FirstTransferDefinition(int(value))

    def committee(self, country: str) -> CommitteeInfo:
        """A partner country's joint committee: members and thresholds per side, and nonce.

        Raises:
            NotFound: the country has no committee.
        """
        code = _side(country, "country")
        address = self._view(
            self._rf.committeeOf(side_bytes(code)),
            f"read the committee of {code}",
        )
        if int(address, 16) == 0:
            raise NotFound(
                f"country {code} has no joint committee: it joins when Japan's authority "
                "proposes it and the partner's authority accepts"
            )
        return self._committee_at(code, address)

    def _committee_at(self, code: str, address: str) -> CommitteeInfo:
        committee = contracts.at(self.w3, "JointCommittee", address)
        japan, partner, japan_threshold, partner_threshold = self._view(
            committee.functions.members(), f"read the committee of {code}"
        )
        nonce = self._view(committee.functions.nonce(), f"read the committee of {code}")
        return CommitteeInfo(
            country=code,
            address=address,
            japan_members=tuple(japan),
            partner_members=tuple(partner),
            japan_threshold=japan_threshold,
            partner_threshold=partner_threshold,
            nonce=nonce,
        )

    def decision_domain(self, country: str) -> decisions.CommitteeDomain:
        """The EIP-712 domain of a country's committee on this chain, for drafting a decision
        (the nonce to draft under is ``committee(country).nonce``).

        Raises:
            NotFound: the country has no committee.
        """
        committee = self.committee(country)
        return decisions.CommitteeDomain(chain_id=self.chain_id, committee=committee.address)

    def chain_time(self) -> int:
        """The latest block's timestamp (unix seconds); decision deadlines are checked on it."""
        with rpc_errors(self.rpc_url):
            return int(self.w3.eth.get_block("latest")["timestamp"])

    def committees(self) -> list[CommitteeInfo]:
        """Every partner country's committee."""
        return [self.committee(c) for c in self.countries()]

    def tally(
        self, decision: decisions.Decision, signatures: Iterable[decisions.MemberSignature]
    ) -> decisions.Tally:
        """Check collected signatures against the decision's committee as it is now on chain."""
        committee = self._committee_for(decision)
        return decisions.tally(
            decision,
            signatures,
            committee.japan_members,
            committee.partner_members,
            committee.japan_threshold,
            committee.partner_threshold,
            partner_side=committee.country,
        )

    def _committee_for(self, decision: decisions.Decision) -> CommitteeInfo:
        address = _address(decision.domain.committee, "committee")
        contract = contracts.at(self.w3, "JointCommittee", address)
        with rpc_errors(self.rpc_url):
            if not bytes(self.w3.eth.get_code(address)):  # type: ignore[arg-type]
                raise NotFound(f"there is no joint committee contract at {address}")
        country = self._view(contract.functions.country(), "read the committee's country")
        return self._committee_at(side_code(country), address)

    def is_registrar(self, side: str, address: str) -> bool:
        """Whether ``address`` holds the registrar role of ``side``."""
        fn = self._rf.hasRole(registrar_role(side), _address(address))
        return bool(self._view(fn, "read roles"))

    def is_authority(self, side: str, address: str) -> bool:
        """Whether ``address`` holds the registry authority role of ``side``."""
        fn = self._rf.hasRole(authority_role(side), _address(address))
        return bool(self._view(fn, "read roles"))

    def country_proposal(self, country: str) -> tuple[str, str] | None:
        """The pending proposal for ``country`` as ``(committee, authority)``, or None."""
        fn = self.governance_contract.functions.countryProposal(side_bytes(_side(country)))
        committee, authority = self._view(fn, "read the country proposal")
        return None if int(authority, 16) == 0 else (checksum(committee), checksum(authority))

    def pause_state(self) -> tuple[int, str]:
        """When the current or last pause ends (unix seconds, 0 if never) and which side paused."""
        until, side = self._view(self._rf.pauseState(), "read pause state")
        return int(until), (side_code(side) if int(until) else "")

    def paused(self) -> bool:
        """Whether movements are paused."""
        return bool(self._view(self._rf.paused(), "read pause state"))

    def latest_serial(self) -> int:
        """The highest serial issued so far (0 before the first issuance)."""
        return int(self._view(self._rf.latestSerial(), "read the latest serial"))

    def totals(self) -> RegistryTotals:
        """Registry-wide figures summed over every batch."""
        per_batch = [self.batch_totals(b) for b in range(1, self.batch_count() + 1)]
        return RegistryTotals(
            batches=len(per_batch),
            latest_serial=self.latest_serial(),
            issued=sum(t.issued for t in per_batch),
            held=sum(t.held for t in per_batch),
            retired=sum(t.retired for t in per_batch),
            cancelled=sum(t.cancelled for t in per_batch),
            retirements=int(self._view(self._rf.retirementCount(), "read counts")),
            cancellations=int(self._view(self._rf.cancellationCount(), "counts")),
            countries=tuple(self.countries()),
            paused=self.paused(),
        )


def _first_transfer(raw: Any) -> FirstTransfer:
    """A ``FirstTransferRecord`` (``toParty`` zero: the definition names no acquiring party)."""
    to_party = bytes(raw.toParty)
    return FirstTransfer(
        first=raw.first,
        last=raw.last,
        at=raw.at,
        from_party=raw.fromParty,
        to_party=side_code(to_party) if any(to_party) else None,
        trigger=raw.trigger,
    )


def _batch_info(raw: Mapping[str, Any]) -> BatchInfo:
    """A ``BatchInfo`` struct as decoded from an event (field name -> value)."""
    try:
        return BatchInfo(
            id=raw["id"],
            project_ref=raw["projectRef"],
            country=raw["country"],
            monitoring_start=raw["monitoringStart"],
            monitoring_end=raw["monitoringEnd"],
            vintage=raw["vintage"],
            quantity=raw["quantity"],
            verified_reductions=raw["verifiedReductions"],
            first_serial=raw["firstSerial"],
            last_serial=raw["lastSerial"],
            decision_id=raw["decisionId"],
            decision_ref=raw["decisionRef"],
            verification_report_hash=raw["verificationReportHash"],
            authorization=raw["authorization"],
            authorization_id=raw["authorizationId"],
            authorization_date=raw["authorizationDate"],
            issued_at=raw["issuedAt"],
            internationally_transferred=raw["internationallyTransferred"],
        )
    except ValidationError as exc:
        raise TransactionFailed(f"the registry returned an unreadable batch: {exc}") from exc


__all__ = [
    "ZERO_ADDRESS",
    "Call",
    "PendingTx",
    "PreparedCalls",
    "Receipt",
    "RegistryClient",
    "authority_role",
    "registrar_role",
]
