"""A small, fast harness over JSON-RPC for the fuzz and attack tests.

Ape compiles the contracts and starts anvil; this module then talks to that anvil directly:

- ``Rpc``: JSON-RPC over one persistent HTTP connection to 127.0.0.1 (a view call costs well under a
  millisecond, about 20 times less than a web3.py contract call, which matters when every step of a
  stateful test re-reads the whole ledger).
- ``Contract``: ABI-driven calls and transactions. ``contract.functions.name(*args).call()`` mirrors
  web3.py, so ``support.invariants`` accepts it as a web3.py contract. ``transact`` sends a real
  transaction (mined even when it reverts, with a fixed gas limit and no estimate) and returns an
  ``Outcome`` whose ``error`` is the custom error decoded from the *mined* transaction's revert data
  (``debug_traceTransaction`` with the call tracer), never from a separate simulation.
- ``ErrorBook``: every custom error of the compiled contracts, by selector.
- ``storage_roots``: the storage roots (``eth_getProof``) of the given contracts: two equal
  results mean no storage slot of those contracts changed.

Senders are arbitrary addresses: anvil's auto-impersonation signs for them
(``Rpc.impersonate_all``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlparse

from eth_abi import decode as abi_decode, encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from registry_client.chain import RpcClient, RpcError

#: Gas limit of every transaction: fixed, so a transaction that will revert is still mined.
TX_GAS = 25_000_000

_SOLIDITY_ERRORS: list[dict[str, Any]] = [
    {"type": "error", "name": "Error", "inputs": [{"name": "message", "type": "string"}]},
    {"type": "error", "name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]},
]


class HarnessError(RuntimeError):
    """The chain answered something the harness cannot interpret (not a contract refusal)."""


@cache
def checksum(address: str) -> str:
    """EIP-55 form of an address (cached: the same few dozen addresses are converted constantly)."""
    return str(to_checksum_address(address))


def actor(label: str) -> str:
    """A deterministic address for a named party (anvil signs for it by impersonation)."""
    return checksum("0x" + keccak(text=f"jcm-registry proof actor {label}")[-20:].hex())


# ------------------------------------------------------------------------------------------------
# JSON-RPC
# ------------------------------------------------------------------------------------------------


class Rpc(RpcClient):
    """JSON-RPC to the test session's anvil, with its node-control methods; refuses any host but
    the loopback."""

    def __init__(self, uri: str) -> None:
        if urlparse(uri).hostname not in ("127.0.0.1", "localhost"):
            raise HarnessError(f"refusing to talk to {uri}: tests only use a local anvil")
        super().__init__(uri, timeout=120)

    # --- anvil ------------------------------------------------------------------------------------

    def impersonate_all(self, enabled: bool) -> None:
        """Lets any address send transactions without a key (anvil ``autoImpersonateAccount``)."""
        self.request("anvil_autoImpersonateAccount", [enabled])

    def fund(self, *addresses: str) -> None:
        """Gives each address ether to pay for gas."""
        for address in addresses:
            self.request("anvil_setBalance", [address, hex(10**21)])

    def snapshot(self) -> str:
        """An anvil snapshot id."""
        return str(self.request("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        """Reverts to a snapshot (consuming it)."""
        if not self.request("evm_revert", [snapshot_id]):
            raise HarnessError(f"snapshot {snapshot_id} could not be restored")

    def block_timestamp(self) -> int:
        """The latest block's timestamp."""
        return int(self.request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def code(self, address: str) -> bytes:
        """Deployed code at an address."""
        return bytes.fromhex(self.request("eth_getCode", [address, "latest"])[2:])

    def storage_root(self, address: str) -> str:
        """The root of the account's storage trie: equal roots, equal storage."""
        return str(self.request("eth_getProof", [address, [], "latest"])["storageHash"])

    def trace(self, tx_hash: str) -> dict[str, Any]:
        """The call tree of a mined transaction (``callTracer``)."""
        result: dict[str, Any] = self.request(
            "debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}]
        )
        return result

    def send(self, sender: str, to: str | None, data: bytes, gas: int = TX_GAS) -> dict[str, Any]:
        """Sends a transaction and returns its receipt (mined, successful or not)."""
        tx: dict[str, Any] = {"from": sender, "data": "0x" + data.hex(), "gas": hex(gas)}
        if to is not None:
            tx["to"] = to
        return self.receipt(self.request("eth_sendTransaction", [tx]))

    def receipt(self, tx_hash: str, timeout: float = 300.0) -> dict[str, Any]:
        """Waits for a transaction's receipt (anvil mines each at once, but a big transaction
        under ``--steps-tracing`` on a loaded machine can take seconds)."""
        deadline = time.monotonic() + timeout
        while (receipt := self.request("eth_getTransactionReceipt", [tx_hash])) is None:
            if time.monotonic() > deadline:
                raise HarnessError(f"transaction {tx_hash} was not mined in {timeout} s")
            time.sleep(0.0005)
        return dict(receipt)


# ------------------------------------------------------------------------------------------------
# ABI
# ------------------------------------------------------------------------------------------------


def abi_type(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a parameter (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _from_abi(param: Mapping[str, Any], value: Any) -> Any:
    """A decoded value shaped as web3.py does: checksum addresses, tuples, lists."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [_from_abi(inner, v) for v in value]
    if kind == "tuple":
        return tuple(_from_abi(c, v) for c, v in zip(param["components"], value, strict=True))
    if kind == "address":
        return checksum(value)
    return value


def _to_abi(param: Mapping[str, Any], value: Any) -> Any:
    """A Python value ready for eth_abi (addresses from objects with ``.address``)."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [_to_abi(inner, v) for v in value]
    if kind == "tuple":
        return tuple(_to_abi(c, v) for c, v in zip(param["components"], value, strict=True))
    if kind == "address":
        return checksum(value if isinstance(value, str) else value.address)
    if kind.startswith(("uint", "int")):
        return int(value)
    if kind.startswith("bytes") and isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return value


def signature_of(entry: Mapping[str, Any]) -> str:
    """``name(type,...)`` of an ABI function or error."""
    return f"{entry['name']}({','.join(abi_type(p) for p in entry['inputs'])})"


@dataclass(frozen=True)
class Revert:
    """A decoded revert: the custom error's name and its arguments by name."""

    name: str
    args: dict[str, Any]
    data: bytes = b""

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args.items())
        return f"{self.name}({shown})"


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)


class ErrorBook:
    """Every custom error of a set of ABIs, by 4-byte selector (plus ``Error`` and ``Panic``)."""

    def __init__(self, abis: Iterable[Sequence[Mapping[str, Any]]]) -> None:
        self._errors: dict[bytes, Mapping[str, Any]] = {}
        for abi in (*abis, _SOLIDITY_ERRORS):
            for entry in abi:
                if entry.get("type") == "error":
                    selector = function_signature_to_4byte_selector(signature_of(entry))
                    self._errors[selector] = entry

    def decode(self, data: bytes) -> Revert:
        """The error carried by revert data (``Unknown`` when no ABI declares its selector)."""
        if len(data) < 4:
            return Revert("EmptyRevert", {}, data)
        entry = self._errors.get(data[:4])
        if entry is None:
            return Revert("Unknown", {"selector": data[:4]}, data)
        params = entry["inputs"]
        values = abi_decode([abi_type(p) for p in params], data[4:])
        args = {
            p["name"] or f"arg{i}": _from_abi(p, v)
            for i, (p, v) in enumerate(zip(params, values, strict=True))
        }
        return Revert(str(entry["name"]), args, data)


# ------------------------------------------------------------------------------------------------
# Contracts
# ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """A mined transaction: its receipt, and the decoded error when it reverted."""

    receipt: dict[str, Any]
    error: Revert | None
    trace: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether the transaction succeeded."""
        return self.error is None

    @property
    def tx_hash(self) -> str:
        """The transaction hash."""
        return str(self.receipt["transactionHash"])

    @property
    def gas_used(self) -> int:
        """Gas used."""
        return int(self.receipt["gasUsed"], 16)

    @property
    def error_name(self) -> str | None:
        """The error's name, or None for a success."""
        return None if self.error is None else self.error.name

    def expect_ok(self) -> Outcome:
        """Returns self, or fails naming the error."""
        if self.error is not None:
            raise AssertionError(f"transaction reverted with {self.error}")
        return self


class _BoundCall:
    def __init__(self, contract: Contract, name: str, args: tuple[Any, ...]) -> None:
        self.contract = contract
        self.name = name
        self.args = args

    def call(self, block: str = "latest") -> Any:
        return self.contract.call(self.name, *self.args, block=block)


class _Batch:
    """web3.py's ``batch_requests()``: ``add`` bound calls, ``execute`` them in one request."""

    def __init__(self, rpc: Rpc) -> None:
        self._rpc = rpc
        self._calls: list[_BoundCall] = []

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._calls = []

    def add(self, bound: _BoundCall) -> None:
        self._calls.append(bound)

    def execute(self) -> list[Any]:
        return call_many(self._rpc, [(b.contract, b.name, b.args) for b in self._calls])


class _BatchingWeb3:
    """Just enough of a ``Web3`` for ``tests/support/invariants.py`` to batch its reads."""

    def __init__(self, rpc: Rpc) -> None:
        self._rpc = rpc

    def batch_requests(self) -> _Batch:
        return _Batch(self._rpc)


def call_many(rpc: Rpc, calls: Sequence[tuple[Contract, str, tuple[Any, ...]]]) -> list[Any]:
    """Several view calls in one JSON-RPC batch, decoded like ``Contract.call``."""
    requests = [
        ("eth_call", [{"to": c.address, "data": "0x" + c.encode(name, *args).hex()}, "latest"])
        for c, name, args in calls
    ]
    results = rpc.batch(requests)
    return [
        c.decode_output(name, bytes.fromhex(result[2:]))
        for (c, name, _), result in zip(calls, results, strict=True)
    ]


class _Functions:
    def __init__(self, contract: Contract) -> None:
        self._contract = contract

    def __getattr__(self, name: str) -> Any:
        self._contract.entry(name)

        def bind(*args: Any) -> _BoundCall:
            return _BoundCall(self._contract, name, args)

        return bind


@dataclass
class Contract:
    """A deployed contract: encode, call, transact, decode. One entry per function name."""

    rpc: Rpc
    address: str
    abi: list[dict[str, Any]]
    errors: ErrorBook
    name: str = ""
    _entries: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.address = checksum(self.address)
        for entry in self.abi:
            if entry.get("type") == "function":
                if entry["name"] in self._entries:
                    raise HarnessError(f"{self.name}: overloaded function {entry['name']}")
                self._entries[entry["name"]] = entry

    @property
    def functions(self) -> _Functions:
        """web3.py-style access: ``contract.functions.name(*args).call()``."""
        return _Functions(self)

    @property
    def w3(self) -> _BatchingWeb3:
        """web3.py-style batching: ``with contract.w3.batch_requests() as b: b.add(...)``."""
        return _BatchingWeb3(self.rpc)

    def call_many(self, calls: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """Several view calls of this contract in one JSON-RPC batch."""
        return call_many(self.rpc, [(self, name, args) for name, args in calls])

    def entry(self, name: str) -> dict[str, Any]:
        """The ABI entry of a function."""
        try:
            return self._entries[name]
        except KeyError:
            raise AttributeError(f"{self.name} has no function {name!r}") from None

    def function_entries(self) -> list[dict[str, Any]]:
        """Every function of the ABI."""
        return list(self._entries.values())

    def encode(self, name: str, *args: Any) -> bytes:
        """Calldata of ``name(*args)``."""
        entry = self.entry(name)
        params = entry["inputs"]
        if len(params) != len(args):
            raise TypeError(f"{self.name}.{name} takes {len(params)} arguments, got {len(args)}")
        selector = function_signature_to_4byte_selector(signature_of(entry))
        values = [_to_abi(p, a) for p, a in zip(params, args, strict=True)]
        return bytes(selector) + abi_encode([abi_type(p) for p in params], values)

    def decode_output(self, name: str, data: bytes) -> Any:
        """A function's return data in web3.py's shape (one output: the value itself)."""
        outputs = self.entry(name)["outputs"]
        values = abi_decode([abi_type(p) for p in outputs], data)
        converted = [_from_abi(p, v) for p, v in zip(outputs, values, strict=True)]
        if len(converted) == 1:
            return converted[0]
        return tuple(converted)

    def call(self, name: str, *args: Any, sender: str | None = None, block: str = "latest") -> Any:
        """An ``eth_call``; raises ``CallReverted`` with the decoded error when it reverts."""
        tx: dict[str, Any] = {"to": self.address, "data": "0x" + self.encode(name, *args).hex()}
        if sender is not None:
            tx["from"] = sender
        try:
            result = self.rpc.request("eth_call", [tx, block])
        except RpcError as exc:
            data = exc.error.get("data")
            if isinstance(data, str) and data.startswith("0x"):
                raise CallReverted(self.errors.decode(bytes.fromhex(data[2:]))) from None
            raise
        return self.decode_output(name, bytes.fromhex(result[2:]))

    def estimate_gas(self, name: str, *args: Any, sender: str) -> int:
        """Gas ``name(*args)`` from ``sender`` would use now (estimated: nothing is mined)."""
        tx = {"from": sender, "to": self.address, "data": "0x" + self.encode(name, *args).hex()}
        return int(self.rpc.request("eth_estimateGas", [tx]), 16)

    def transact_all(self, calls: Iterable[tuple[str, tuple[Any, ...]]], sender: str) -> None:
        """Sends many transactions from one sender without waiting for each (set-up loops), then
        checks that every one succeeded. The sender's nonces keep them in order."""
        hashes = [
            self.rpc.request(
                "eth_sendTransaction",
                [
                    {
                        "from": sender,
                        "to": self.address,
                        "data": "0x" + self.encode(n, *a).hex(),
                        "gas": hex(TX_GAS),
                    }
                ],
            )
            for n, a in calls
        ]
        for tx_hash in hashes:
            if int(self.rpc.receipt(tx_hash)["status"], 16) != 1:
                error = self.errors.decode(bytes.fromhex(self.rpc.trace(tx_hash)["output"][2:]))
                raise AssertionError(f"set-up transaction {tx_hash} reverted with {error}")

    def transact(self, name: str, *args: Any, sender: str, trace: bool = False) -> Outcome:
        """Sends ``name(*args)`` from ``sender`` and waits for it to be mined.

        Args:
            trace: also fetch the call tree of a successful transaction (always fetched for a
                reverted one, whose revert data it carries).
        """
        return send_and_decode(
            self.rpc, self.errors, sender, self.address, self.encode(name, *args), trace
        )


class CallReverted(AssertionError):
    """An ``eth_call`` reverted."""

    def __init__(self, error: Revert) -> None:
        super().__init__(str(error))
        self.error = error


def send_and_decode(
    rpc: Rpc, errors: ErrorBook, sender: str, to: str | None, data: bytes, trace: bool = False
) -> Outcome:
    """Sends a transaction; for a revert, decodes the error from the mined transaction's trace."""
    receipt = rpc.send(sender, to, data)
    tx_hash = str(receipt["transactionHash"])
    if int(receipt["status"], 16) == 1:
        return Outcome(receipt, None, rpc.trace(tx_hash) if trace else None)
    call_tree = rpc.trace(tx_hash)
    output = call_tree.get("output")
    if not output or output == "0x":
        raise HarnessError(
            f"transaction {tx_hash} failed without revert data: {call_tree.get('error')}"
        )
    return Outcome(receipt, errors.decode(bytes.fromhex(output[2:])), call_tree)


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes


def artifacts_from_ape(project: Any, names: Iterable[str]) -> dict[str, Artifact]:
    """ABIs and bytecode of contracts compiled by Ape (the ``project`` fixture)."""
    found: dict[str, Artifact] = {}
    for name in names:
        contract_type = getattr(project, name).contract_type
        abi = [entry.model_dump(mode="json", by_alias=True) for entry in contract_type.abi]
        code = contract_type.deployment_bytecode.bytecode
        found[name] = Artifact(
            name, abi, bytes.fromhex(code[2:] if code.startswith("0x") else code)
        )
    return found


def deploy(rpc: Rpc, errors: ErrorBook, artifact: Artifact, sender: str, *args: Any) -> Contract:
    """Deploys ``artifact`` with constructor ``args`` from ``sender``."""
    constructor: dict[str, Any] = next(
        (e for e in artifact.abi if e.get("type") == "constructor"), {"inputs": []}
    )
    params = constructor["inputs"]
    values = [_to_abi(p, a) for p, a in zip(params, args, strict=True)]
    data = artifact.bytecode + abi_encode([abi_type(p) for p in params], values)
    outcome = send_and_decode(rpc, errors, sender, None, data)
    if outcome.error is not None:
        raise HarnessError(f"deploying {artifact.name} reverted: {outcome.error}")
    return Contract(
        rpc, str(outcome.receipt["contractAddress"]), artifact.abi, errors, artifact.name
    )


def storage_roots(rpc: Rpc, contracts: Iterable[Contract]) -> dict[str, str]:
    """Storage root of each contract, by name: equal dicts, no storage slot changed."""
    return {f"{c.name}@{c.address}": rpc.storage_root(c.address) for c in contracts}


def subcalls(call_tree: Mapping[str, Any], address: str) -> list[dict[str, Any]]:
    """Every call made *from* ``address`` anywhere in a call tree (callTracer format)."""
    found: list[dict[str, Any]] = []
    target = address.lower()

    def walk(node: Mapping[str, Any]) -> None:
        for child in node.get("calls", []) or []:
            if str(node.get("to", "")).lower() == target:
                found.append(dict(child))
            walk(child)

    walk(call_tree)
    return found
