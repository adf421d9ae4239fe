"""The indexer's compiled log decoders agree with eth_abi on every log of the seeded history."""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

from api.abi import ContractRole, EventDecoder, canonical_type
from registry_client.chain import RpcClient
from support.api_chain import Chain


def _normalize(param: dict[str, Any], kind: str, value: Any) -> Any:
    if kind.endswith("]"):
        return [_normalize(param, kind[: kind.rindex("[")], v) for v in value]
    if kind == "tuple":
        return {
            c["name"]: _normalize(c, c["type"], v)
            for c, v in zip(param["components"], value, strict=True)
        }
    if kind == "address":
        return to_checksum_address(value)
    if kind == "bytes2":
        return bytes(value).decode("ascii")
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


def _reference(
    indexed: tuple[dict[str, Any], ...],
    data_params: tuple[dict[str, Any], ...],
    log: dict[str, Any],
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for param, topic in zip(indexed, log["topics"][1:], strict=True):
        kind = canonical_type(param)
        raw = bytes.fromhex(topic[2:])
        if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
            args[param["name"]] = "0x" + raw.hex()
        else:
            args[param["name"]] = _normalize(param, param["type"], abi_decode([kind], raw)[0])
    values = abi_decode([canonical_type(p) for p in data_params], bytes.fromhex(log["data"][2:]))
    for param, value in zip(data_params, values, strict=True):
        args[param["name"]] = _normalize(param, param["type"], value)
    return args


def test_decoders_match_eth_abi(seeded_chain: Chain) -> None:
    decoder = EventDecoder()
    roles: dict[str, ContractRole] = {
        seeded_chain.registry.address.lower(): "registry",
        seeded_chain.projects.address.lower(): "projects",
        seeded_chain.committees["TH"].address.lower(): "committee",
    }
    with RpcClient(seeded_chain.url) as rpc:
        logs = rpc.logs(list(roles), 0, rpc.block_number())
    names = set()
    for log in logs:
        spec = decoder.spec(roles[log["address"].lower()], log["topics"][0])
        assert spec is not None, log
        assert spec.decode(log["topics"][1:], log["data"]) == _reference(
            spec.indexed, spec.data, log
        )
        names.add(spec.name)
    assert {
        "CountryAdded", "CommitteeSet", "AccountOpened", "AccountFrozen", "AccountClosed",
        "RoleGranted", "ProjectRegistered", "BatchIssued", "TransferSingle",
        "CreditsTransferred", "CreditsRetired", "CreditsCancelled",
        "CreditsCorrected", "MembersChanged", "DecisionExecuted",
    } <= names  # fmt: skip
