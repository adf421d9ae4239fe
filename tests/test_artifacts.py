"""The SDK's committed ABI/bytecode must match a fresh compile of contracts/ and run on `paris`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_exporter() -> ModuleType:
    path = REPO_ROOT / "scripts" / "export_artifacts.py"
    spec = importlib.util.spec_from_file_location("jcm_export_artifacts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


exporter = _load_exporter()


@pytest.fixture(scope="module")
def fresh() -> dict[str, dict[str, Any]]:
    artifacts: dict[str, dict[str, Any]] = exporter.fresh_artifacts()
    assert artifacts, "a fresh compile produced no contract of contracts/"
    return artifacts


@pytest.fixture(scope="module")
def committed() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = exporter.load_committed()
    return result


def test_every_contract_has_a_committed_artifact(
    fresh: dict[str, dict[str, Any]], committed: dict[str, dict[str, Any]]
) -> None:
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    assert not missing, f"no artifact committed for {missing}: run `make build` and commit"
    assert not extra, f"artifacts for contracts that no longer exist: {extra}: run `make build`"


def test_committed_abi_matches_fresh_compile(
    fresh: dict[str, dict[str, Any]], committed: dict[str, dict[str, Any]]
) -> None:
    stale = [n for n in sorted(fresh) if n in committed and committed[n]["abi"] != fresh[n]["abi"]]
    assert not stale, f"ABI drift in {stale}: run `make build` and commit registry_client/artifacts"


@pytest.mark.parametrize("key", ["bytecode", "deployedBytecode"])
def test_committed_bytecode_matches_fresh_compile(
    key: str, fresh: dict[str, dict[str, Any]], committed: dict[str, dict[str, Any]]
) -> None:
    stale = [n for n in sorted(fresh) if n in committed and committed[n][key] != fresh[n][key]]
    assert not stale, f"{key} drift in {stale}: run `make build` and commit the artifacts"


def test_committed_files_are_canonical(committed: dict[str, dict[str, Any]]) -> None:
    for name, art in committed.items():
        path = exporter.ARTIFACTS_DIR / f"{name}.json"
        assert path.read_text(encoding="utf-8") == exporter.dumps(art), f"{path} not canonical"
        assert art["contractName"] == name


def test_compiled_for_paris(fresh: dict[str, dict[str, Any]]) -> None:
    for name, art in fresh.items():
        assert art["compiler"]["evmVersion"] == "paris", name
        assert art["compiler"]["version"].startswith("0.8.28"), name


def test_no_push0_in_bytecode(
    fresh: dict[str, dict[str, Any]], committed: dict[str, dict[str, Any]]
) -> None:
    problems = exporter.check_no_push0(fresh) + exporter.check_no_push0(committed)
    assert not problems, "\n".join(problems)


# --- the opcode walker itself -------------------------------------------------------------------

METADATA = "a2646970667358221220" + "5f" * 32 + "64736f6c6343" + "00081c" + "0033"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0x6080604052", []),  # PUSH1 0x80 PUSH1 0x40 MSTORE
        ("0x5f", [0]),  # PUSH0
        ("0x605f", []),  # 0x5f is PUSH1's data
        ("0x7f" + "5f" * 32 + "00", []),  # PUSH32 data
        ("0x7f" + "5f" * 32 + "5f", [33]),  # PUSH0 right after PUSH32 data
        ("0x6001" + "fe" + METADATA, []),  # trailing metadata is not code
        ("0x00" + METADATA + "5f", [1]),  # embedded metadata removed, then PUSH0
        ("", []),
        ("0x", []),
    ],
)
def test_find_push0(code: str, expected: list[int]) -> None:
    assert exporter.find_push0(code) == expected
