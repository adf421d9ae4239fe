"""Decoding the contracts' logs with the ABIs shipped in ``registry_client/artifacts``.

Logs come straight from ``eth_getLogs`` as JSON (hex strings) and are decoded here by small decoders
compiled once per event from the ABI (standard head/tail encoding): web3's per-log formatters and
``eth_abi``'s generic decoders dominated the cost of catching up a long history. A test checks these
decoders against ``eth_abi`` on every event of a chain history. Values are normalised for storage:
addresses EIP-55 checksummed, ``bytes2`` as their two ASCII letters (every
``bytes2`` in these contracts is a registry side or country code), other fixed bytes as ``0x`` hex,
structs as dicts keyed by component name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from eth_utils import keccak, to_checksum_address

from registry_client.contracts import ContractName, abi as contract_abi

ContractRole = Literal["registry", "projects", "governance", "article6", "committee"]

ROLES: dict[ContractRole, ContractName] = {
    "registry": "JCMRegistry",
    "projects": "JCMProjects",
    "governance": "JCMGovernance",
    "article6": "JCMArticle6",
    "committee": "JointCommittee",
}
"""The contract each role of the indexer reads (the committees are every ``JointCommittee`` named
by the registry; the others are one address each)."""


def canonical_type(param: dict[str, Any]) -> str:
    """The canonical ABI type of a parameter, with tuples spelled out: ``(uint64,uint64)[]``."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@lru_cache(maxsize=1 << 16)
def checksum(raw: bytes) -> str:
    """The EIP-55 form of a 20-byte address (cached: registries see the same accounts again and
    again)."""
    return to_checksum_address(raw)


@lru_cache(maxsize=1 << 12)
def checksum_hex(address: str) -> str:
    """The EIP-55 form of a hex address (cached)."""
    return to_checksum_address(address)


def _word(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 32], "big")


class _Decoder(ABC):
    """Decodes one ABI type at a position of the encoded data (compiled once per event)."""

    dynamic: bool = False
    head_size: int = 32

    @abstractmethod
    def decode(self, data: bytes, pos: int) -> Any:
        """The value at ``pos`` of ``data``."""


def _address(data: bytes, pos: int) -> str:
    return checksum(data[pos + 12 : pos + 32])


def _uint(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 32], "big")


def _bool(data: bytes, pos: int) -> bool:
    return int.from_bytes(data[pos : pos + 32], "big") != 0


def _int(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 32], "big", signed=True)


def _side(data: bytes, pos: int) -> str:
    # every bytes2 of these contracts is a registry side / country code
    return data[pos : pos + 2].decode("ascii", errors="replace")


class _Elementary(_Decoder):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.size = int(kind[5:]) if kind.startswith("bytes") else 0
        # One function per kind, chosen once: this runs for every word of every log.
        if kind == "address":
            self.decode = _address  # type: ignore[method-assign]
        elif kind == "bool":
            self.decode = _bool  # type: ignore[method-assign]
        elif kind.startswith("uint"):
            self.decode = _uint  # type: ignore[method-assign]
        elif kind.startswith("int"):
            self.decode = _int  # type: ignore[method-assign]
        elif self.size == 2:
            self.decode = _side  # type: ignore[method-assign]

    def decode(self, data: bytes, pos: int) -> Any:
        return "0x" + data[pos : pos + self.size].hex()


class _Bytes(_Decoder):
    dynamic = True

    def __init__(self, text: bool) -> None:
        self.text = text

    def decode(self, data: bytes, pos: int) -> Any:
        length = _word(data, pos)
        raw = data[pos + 32 : pos + 32 + length]
        return raw.decode("utf-8", errors="replace") if self.text else "0x" + raw.hex()


def _sequence(items: list[_Decoder], data: bytes, base: int) -> list[Any]:
    """Decode the head/tail encoding of ``items`` starting at ``base``."""
    values = []
    offset = base
    for item in items:
        if item.dynamic:
            values.append(item.decode(data, base + _word(data, offset)))
            offset += 32
        else:
            values.append(item.decode(data, offset))
            offset += item.head_size
    return values


class _Tuple(_Decoder):
    def __init__(self, names: list[str], items: list[_Decoder]) -> None:
        self.names = names
        self.items = items
        self.dynamic = any(i.dynamic for i in items)
        self.head_size = 32 if self.dynamic else sum(i.head_size for i in items)

    def decode(self, data: bytes, pos: int) -> Any:
        return dict(zip(self.names, _sequence(self.items, data, pos), strict=True))


class _Array(_Decoder):
    def __init__(self, item: _Decoder, length: int | None) -> None:
        self.item = item
        self.length = length
        self.dynamic = length is None or item.dynamic
        self.head_size = 32 if self.dynamic else item.head_size * (length or 0)

    def decode(self, data: bytes, pos: int) -> Any:
        if self.length is None:
            count, start = _word(data, pos), pos + 32
        else:
            count, start = self.length, pos
        return _sequence([self.item] * count, data, start)


def compile_decoder(param: dict[str, Any], kind: str | None = None) -> _Decoder:
    """A decoder for an ABI parameter (``kind`` overrides its type, for array elements)."""
    kind = kind or str(param["type"])
    if kind.endswith("]"):
        inner, size = kind[: kind.rindex("[")], kind[kind.rindex("[") + 1 : -1]
        return _Array(compile_decoder(param, inner), int(size) if size else None)
    if kind == "tuple":
        components = param["components"]
        return _Tuple(
            [str(c["name"]) for c in components], [compile_decoder(c) for c in components]
        )
    if kind in ("string", "bytes"):
        return _Bytes(text=kind == "string")
    return _Elementary(kind)


@dataclass(frozen=True)
class EventSpec:
    """How to decode one event: its name, topic, and its indexed and data parameters."""

    role: ContractRole
    name: str
    topic: str
    indexed: tuple[dict[str, Any], ...]
    data: tuple[dict[str, Any], ...]
    _indexed: tuple[_Decoder, ...] = field(init=False, repr=False, compare=False)
    _data: tuple[_Decoder, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_indexed", tuple(compile_decoder(p) for p in self.indexed))
        object.__setattr__(self, "_data", tuple(compile_decoder(p) for p in self.data))

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """Decode a log's topics (without topic 0) and data into named, normalised arguments.

        Indexed dynamic values (strings, arrays, structs) are only their keccak hash in a log.
        """
        args: dict[str, Any] = {}
        for param, decoder, topic in zip(self.indexed, self._indexed, topics, strict=True):
            raw = bytes.fromhex(topic[2:])
            args[str(param["name"])] = (
                "0x" + raw.hex() if decoder.dynamic else decoder.decode(raw, 0)
            )
        values = _sequence(list(self._data), bytes.fromhex(data[2:]), 0)
        for param, value in zip(self.data, values, strict=True):
            args[str(param["name"])] = value
        return args


def _specs() -> dict[tuple[ContractRole, str], EventSpec]:
    specs: dict[tuple[ContractRole, str], EventSpec] = {}
    for role, contract in ROLES.items():
        for entry in contract_abi(contract):
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            inputs = entry["inputs"]
            signature = f"{entry['name']}({','.join(canonical_type(p) for p in inputs)})"
            topic = "0x" + keccak(text=signature).hex()
            specs[(role, topic)] = EventSpec(
                role=role,
                name=str(entry["name"]),
                topic=topic,
                indexed=tuple(p for p in inputs if p.get("indexed")),
                data=tuple(p for p in inputs if not p.get("indexed")),
            )
    return specs


class EventDecoder:
    """Decodes raw JSON-RPC logs of the registry, projects, governance and committee contracts."""

    def __init__(self) -> None:
        self._specs = _specs()

    def spec(self, role: ContractRole, topic0: str) -> EventSpec | None:
        """The event of contract ``role`` with topic ``topic0``, if it has one."""
        return self._specs.get((role, topic0.lower()))

    def topic(self, role: ContractRole, name: str) -> str:
        """The topic 0 of event ``name`` of contract ``role``.

        Raises:
            KeyError: the contract has no such event.
        """
        for (spec_role, topic), spec in self._specs.items():
            if spec_role == role and spec.name == name:
                return topic
        raise KeyError(f"{ROLES[role]} has no event {name}")
