"""Decoding the contracts' logs with the ABIs shipped in ``registry_client/artifacts``.

Logs come straight from ``eth_getLogs`` as JSON (hex strings); decoding them here with ``eth_abi``
avoids web3's per-log formatters, which dominate the cost of catching up a long history. Values are
normalised for storage: addresses EIP-55 checksummed, ``bytes2`` as their two ASCII letters (every
``bytes2`` in these contracts is a registry side or country code), other fixed bytes as ``0x`` hex,
structs as dicts keyed by component name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from registry_client.contracts import abi as contract_abi

ContractRole = Literal["registry", "projects", "committee"]

_ROLES: dict[ContractRole, str] = {
    "registry": "JCMRegistry",
    "projects": "JCMProjects",
    "committee": "JointCommittee",
}


def canonical_type(param: dict[str, Any]) -> str:
    """The canonical ABI type of a parameter, with tuples spelled out: ``(uint64,uint64)[]``."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _normalize(param: dict[str, Any], kind: str, value: Any) -> Any:
    """Convert a decoded value of ABI type ``kind`` (described by ``param``) for storage."""
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        return [_normalize(param, inner, item) for item in value]
    if kind.startswith("tuple"):
        return {
            str(c["name"]): _normalize(c, str(c["type"]), v)
            for c, v in zip(param["components"], value, strict=True)
        }
    if kind == "address":
        return to_checksum_address(value)
    if kind == "bytes2":
        return bytes(value).decode("ascii", errors="replace")
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


@dataclass(frozen=True)
class EventSpec:
    """How to decode one event: its name, topic, and its indexed and data parameters."""

    role: ContractRole
    name: str
    topic: str
    indexed: tuple[dict[str, Any], ...]
    data: tuple[dict[str, Any], ...]

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """Decode a log's topics (without topic 0) and data into named, normalised arguments."""
        args: dict[str, Any] = {}
        for param, topic in zip(self.indexed, topics, strict=True):
            kind = canonical_type(param)
            raw = bytes.fromhex(topic[2:])
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                args[str(param["name"])] = "0x" + raw.hex()  # indexed dynamic values are hashes
            else:
                (value,) = abi_decode([kind], raw)
                args[str(param["name"])] = _normalize(param, str(param["type"]), value)
        values = abi_decode([canonical_type(p) for p in self.data], bytes.fromhex(data[2:]))
        for param, value in zip(self.data, values, strict=True):
            args[str(param["name"])] = _normalize(param, str(param["type"]), value)
        return args


def _specs() -> dict[tuple[ContractRole, str], EventSpec]:
    specs: dict[tuple[ContractRole, str], EventSpec] = {}
    for role, contract in _ROLES.items():
        for entry in contract_abi(contract):  # type: ignore[arg-type]
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
    """Decodes raw JSON-RPC logs of the registry, projects and committee contracts."""

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
        raise KeyError(f"{_ROLES[role]} has no event {name}")
