"""Decoding the contracts' logs with the ABIs shipped in ``registry_client/artifacts``.

Logs come straight from ``eth_getLogs`` as JSON (hex strings) and are decoded here by a function
generated once per event (and per struct) from the ABI (standard head/tail encoding), with every
elementary word read inline: web3's per-log formatters and ``eth_abi``'s generic decoders dominated
the cost of catching up a long history, and then a call per word did. A test checks these
decoders against ``eth_abi`` on every event of a chain history. Values are normalised for storage:
addresses EIP-55 checksummed, ``bytes2`` as their two ASCII letters (every
``bytes2`` in these contracts is a registry side or country code), other fixed bytes as ``0x`` hex,
structs as dicts keyed by component name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, cast

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
        self.decode = _compile(  # type: ignore[method-assign]
            "data, pos", "data", "pos", "", list(zip(names, items, strict=True))
        )

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
        if not self.item.dynamic:  # items one after the other
            item, size = self.item.decode, self.item.head_size
            return [item(data, start + i * size) for i in range(count)]
        return _sequence([self.item] * count, data, start)


_INLINE: dict[Callable[[bytes, int], Any], str] = {
    _address: "checksum({d}[{p} + 12 : {p} + 32])",
    _uint: 'int.from_bytes({d}[{p} : {p} + 32], "big")',
    _bool: 'int.from_bytes({d}[{p} : {p} + 32], "big") != 0',
    _side: '{d}[{p} : {p} + 2].decode("ascii", errors="replace")',
}
"""Elementary decoders written out in the compiled functions (a function call per word was most
of the decoding time)."""


def _compile(
    signature: str,
    data: str,
    base: str,
    prelude: str,
    fields: list[tuple[str, _Decoder]],
    before: list[tuple[str, str]] | None = None,
    helpers: dict[str, Any] | None = None,
) -> Callable[..., dict[str, Any]]:
    """A function of ``signature`` that returns the dict of ``before`` (name, expression) and
    ``fields`` decoded from the head/tail encoding in ``data`` at offset ``base``: Python source
    generated once per event or struct from the ABI (as :mod:`dataclasses` does for its methods),
    each elementary word read inline, other values by their own decoder."""
    namespace: dict[str, Any] = {"checksum": checksum, **(helpers or {})}
    entries = [f"{name!r}: {expression}" for name, expression in before or []]
    offset = 0
    for i, (name, decoder) in enumerate(fields):
        at = f"{base} + {offset}" if base else str(offset)
        inline = _INLINE.get(decoder.decode) if not decoder.dynamic else None
        if inline is not None:
            entries.append(f"{name!r}: " + inline.format(d=data, p=at))
        else:
            namespace[f"_d{i}"] = decoder.decode
            where = f'{base} + int.from_bytes({data}[{at} : {at} + 32], "big")'
            if not base:
                where = f'int.from_bytes({data}[{at} : {at} + 32], "big")'
            entries.append(f"{name!r}: _d{i}({data}, {where if decoder.dynamic else at})")
        offset += 32 if decoder.dynamic else decoder.head_size
    source = f"def decode({signature}):\n{prelude}    return {{{', '.join(entries)}}}\n"
    # The source holds only the shipped ABI's parameter names (as literals) and fixed offsets.
    exec(compile(source, "<api.abi decoder>", "exec"), namespace)
    return cast(Callable[..., dict[str, Any]], namespace["decode"])


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
    _compiled: Callable[..., dict[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        indexed = tuple(compile_decoder(p) for p in self.indexed)
        object.__setattr__(self, "_indexed", indexed)
        object.__setattr__(self, "_data", tuple(compile_decoder(p) for p in self.data))
        # Each topic is one word: read with the elementary decoders from its bytes.
        topics = [
            (str(p["name"]), _topic_expression(d, i))
            for i, (p, d) in enumerate(zip(self.indexed, indexed, strict=True))
        ]
        fields = [(str(p["name"]), d) for p, d in zip(self.data, self._data, strict=True)]
        prelude = f"    if len(topics) != {len(topics)}:\n        raise ValueError('topics')\n"
        prelude += "    d = bytes.fromhex(data[2:])\n"
        helpers = {f"_t{i}": d.decode for i, d in enumerate(indexed)}
        compiled = _compile("topics, data", "d", "", prelude, fields, topics, helpers)
        object.__setattr__(self, "_compiled", compiled)

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """Decode a log's topics (without topic 0) and data into named, normalised arguments.

        Indexed dynamic values (strings, arrays, structs) are only their keccak hash in a log.

        Raises:
            ValueError: the log has another number of topics than the event.
        """
        return self._compiled(topics, data)


def _topic_expression(decoder: _Decoder, i: int) -> str:
    """The Python expression of indexed value ``i`` of a log (``topics[i]``, a ``0x`` word)."""
    if decoder.dynamic:  # only its keccak hash is in the log
        return f"'0x' + bytes.fromhex(topics[{i}][2:]).hex()"
    inline = _INLINE.get(decoder.decode)
    word = f"bytes.fromhex(topics[{i}][2:])"
    if inline is not None:
        return inline.format(d=f"({word})", p="0")
    return f"_t{i}({word}, 0)"


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
        # Contracts that share an event share its signature, so topic 0 alone names the decoder.
        self._by_topic = {topic: spec for (_role, topic), spec in self._specs.items()}

    def spec(self, role: ContractRole, topic0: str) -> EventSpec | None:
        """The event of contract ``role`` with topic ``topic0``, if it has one."""
        found = self._specs.get((role, topic0))
        return found if found is not None else self._specs.get((role, topic0.lower()))

    def topic(self, role: ContractRole, name: str) -> str:
        """The topic 0 of event ``name`` of contract ``role``.

        Raises:
            KeyError: the contract has no such event.
        """
        for (spec_role, topic), spec in self._specs.items():
            if spec_role == role and spec.name == name:
                return topic
        raise KeyError(f"{ROLES[role]} has no event {name}")

    def decode_verbatim(self, topics: str, data: str) -> dict[str, Any] | None:
        """The arguments of a log kept verbatim by the index (``topics`` space-separated, topic 0
        first), or ``None`` when no shipped contract has its event or it does not decode as
        that event."""
        words = topics.split()
        spec = self._by_topic.get(words[0].lower()) if words else None
        if spec is None:
            return None
        try:
            return spec.decode([w.lower() for w in words[1:]], data)
        except (ValueError, IndexError, UnicodeDecodeError):
            return None
