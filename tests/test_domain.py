"""registry_client.domain against the contracts: every enum and every public limit, both ways.

The enums' members are read from the Solidity sources (the ABI names an enum but not its members),
the constants' values from their declarations; the compiled ABIs in registry_client/artifacts say
which enums and constant getters the shipped contracts expose. A new enum, member or constant in
contracts/ fails here until registry_client/domain.py has it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from registry_client import domain

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [
    path
    for path in sorted((ROOT / "contracts").rglob("*.sol"))
    if not {"test", "bench", ".cache"} & set(path.relative_to(ROOT / "contracts").parts)
]
ARTIFACTS = sorted((ROOT / "registry_client" / "artifacts").glob("*.json"))

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_ENUM = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}")
_CONTRACT = re.compile(r"\b(abstract\s+)?contract\s+(\w+)([^{]*)\{")
_CONSTANT = re.compile(r"\b\w+\s+public\s+constant\s+(\w+)\s*=\s*([^;]+);")


def _source(path: Path) -> str:
    return _COMMENT.sub("", path.read_text(encoding="utf-8"))


def solidity_enums() -> dict[str, list[str]]:
    """Enum name -> member names, from every shipped source file."""
    found: dict[str, list[str]] = {}
    for path in SHIPPED:
        for name, body in _ENUM.findall(_source(path)):
            found[name] = [member.strip() for member in body.split(",") if member.strip()]
    return found


def solidity_constants() -> dict[str, dict[str, int | str]]:
    """Deployable contract name -> public constant -> value, for constants with a literal value,
    including those a contract inherits from an abstract shipped contract (they are in its ABI)."""
    found: dict[str, dict[str, int | str]] = {}
    bases: dict[str, list[str]] = {}
    abstract: set[str] = set()
    for path in SHIPPED:
        text = _source(path)
        for match in _CONTRACT.finditer(text):
            name = match.group(2)
            values = found.setdefault(name, {})
            if match.group(1):
                abstract.add(name)
            bases[name] = re.findall(r"\w+", match.group(3).strip().removeprefix("is"))
            # A contract's body runs to the next contract declaration (one contract per file here).
            following = _CONTRACT.search(text, match.end())
            body = text[match.end() : following.start() if following else len(text)]
            for name, raw in _CONSTANT.findall(body):
                values[name] = _literal(raw.strip())

    def inherited(name: str) -> dict[str, int | str]:
        values: dict[str, int | str] = {}
        for base in bases.get(name, []):
            values.update(inherited(base))
        values.update(found.get(name, {}))
        return values

    every = {name: inherited(name) for name in found if name not in abstract}
    return {name: values for name, values in every.items() if values}


_TIME_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400, "weeks": 604_800}


def _literal(raw: str) -> int | str:
    if raw.startswith('"') and raw.endswith('"'):
        return raw[1:-1]
    if re.fullmatch(r"[0-9_]+", raw):
        return int(raw.replace("_", ""))
    if match := re.fullmatch(r"([0-9_]+)\s+(seconds|minutes|hours|days|weeks)", raw):
        return int(match.group(1).replace("_", "")) * _TIME_UNITS[match.group(2)]
    if re.fullmatch(r"0x[0-9a-fA-F]+", raw):
        return int(raw, 16)
    pytest.fail(f"a public constant has a value this test cannot read: {raw!r}; extend _literal")


def _norm(name: str) -> str:
    return name.replace("_", "").upper()


def abi_enum_names() -> set[str]:
    names: set[str] = set()

    def visit(params: list[dict[str, object]]) -> None:
        for param in params:
            internal = str(param.get("internalType", ""))
            if internal.startswith("enum "):
                names.add(internal.removeprefix("enum ").split(".")[-1])
            visit(param.get("components", []))  # type: ignore[arg-type]

    for path in ARTIFACTS:
        for item in json.loads(path.read_text())["abi"]:
            visit(item.get("inputs", []))
            visit(item.get("outputs", []))
    return names


def abi_constant_getters() -> dict[str, set[str]]:
    """Contract -> names of its no-argument view functions spelt like constants (``MAX_...``)."""
    found: dict[str, set[str]] = {}
    for path in ARTIFACTS:
        artifact = json.loads(path.read_text())
        found[artifact["contractName"]] = {
            item["name"]
            for item in artifact["abi"]
            if item["type"] == "function"
            and item.get("stateMutability") in ("view", "pure")
            and not item["inputs"]
            and re.fullmatch(r"[A-Z][A-Z0-9_]*", item["name"])
        }
    return found


def test_the_sources_and_artifacts_are_there() -> None:
    assert SHIPPED and ARTIFACTS
    assert solidity_enums() and solidity_constants()


def test_every_solidity_enum_has_one_python_enum_with_the_same_members() -> None:
    enums = solidity_enums()
    assert set(enums) == set(domain.ENUMS), "enums in contracts/ and registry_client/domain.py"
    for name, members in enums.items():
        python = domain.ENUMS[name]
        assert [_norm(m.name) for m in python] == [_norm(m) for m in members], name
        assert [m.value for m in python] == list(range(len(members))), name


def test_every_enum_in_the_abis_is_a_domain_enum() -> None:
    assert abi_enum_names() <= set(domain.ENUMS)


def test_every_public_constant_has_the_contracts_value() -> None:
    constants = solidity_constants()
    written = {contract: values for contract, values in domain.CONTRACT_CONSTANTS.items()}
    assert constants == written


def test_every_constant_getter_in_the_abis_is_known() -> None:
    getters = abi_constant_getters()
    for contract, names in getters.items():
        known = set(domain.CONTRACT_CONSTANTS.get(contract, {}))
        # Role identifiers (bytes32 hashes) are constants too but not limits.
        assert names - {n for n in names if n.endswith("_ROLE")} <= known, contract


@pytest.mark.parametrize("cls", list(domain.ENUMS.values()), ids=list(domain.ENUMS))
def test_enum_keys_parse_back(cls: type[domain.DomainEnum]) -> None:
    for member in cls:
        assert cls.parse(member.key) is member
        assert cls.parse(member.value) is member


def test_the_contract_names_are_the_shipped_artifacts() -> None:
    assert {path.stem for path in ARTIFACTS} == set(domain.CONTRACT_NAMES)
    assert set(domain.CONTRACT_CONSTANTS) <= set(domain.CONTRACT_NAMES)
