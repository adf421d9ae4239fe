"""The gas references: unmodified OpenZeppelin 5 ERC-1155 and ERC-20 tokens (``contracts/bench``).

They are not shipped in ``registry_client/artifacts`` (the SDK carries only deployable registry
contracts), so the benchmark compiles them itself, with the project's solc wrapper
(``tools/solc.js``: solc-js from ``node_modules``) and the compiler settings of ``ape-config.yaml``
(solc version, ``evm_version``, optimizer and runs), against the same OpenZeppelin sources Ape uses
(``node_modules/@openzeppelin/contracts``, pinned by ``package-lock.json``). The registry is
measured from its committed artifacts, which ``make build`` produces with those same settings, so
both sides of every ratio come from one compiler configuration. Compiling takes a few seconds; no
Ape import is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]

from bench.chain import ROOT

SOURCES = {
    "ReferenceERC1155": "contracts/bench/ReferenceERC1155.sol",
    "ReferenceERC20": "contracts/bench/ReferenceERC20.sol",
}
HISTORY_SENDER = {"HistorySender": "contracts/bench/HistorySender.sol"}
"""The holding account that makes several transfers per transaction in :mod:`bench.history`."""
OPENZEPPELIN = ROOT / "node_modules" / "@openzeppelin" / "contracts"


class CompileError(RuntimeError):
    """The references could not be compiled."""


@dataclass(frozen=True)
class Compiled:
    """One compiled reference contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


@dataclass(frozen=True)
class CompilerSettings:
    """The compiler settings of ``ape-config.yaml``."""

    version: str
    evm_version: str
    optimize: bool
    runs: int

    @classmethod
    def from_ape_config(cls) -> CompilerSettings:
        """Read the ``solidity:`` section of ``ape-config.yaml``."""
        config = yaml.safe_load((ROOT / "ape-config.yaml").read_text(encoding="utf-8"))
        solidity = config.get("solidity", {})
        return cls(
            version=str(solidity["version"]),
            evm_version=str(solidity.get("evm_version", "paris")),
            optimize=bool(solidity.get("optimize", True)),
            runs=int(solidity.get("optimization_runs", 200)),
        )


def openzeppelin_version() -> str:
    """The version of the OpenZeppelin sources in ``node_modules``."""
    package = json.loads((OPENZEPPELIN / "package.json").read_text(encoding="utf-8"))
    return str(package["version"])


def compile_references(
    settings: CompilerSettings | None = None, sources: dict[str, str] | None = None
) -> dict[str, Compiled]:
    """Compile the reference contracts (or other ``sources`` of ``contracts/bench``, name -> path,
    such as :data:`HISTORY_SENDER`); name -> ABI and creation bytecode.

    Raises:
        CompileError: node or the OpenZeppelin sources are missing, the wrapper's solc is another
            version than ``ape-config.yaml``'s, or the compiler reported an error.
    """
    settings = settings or CompilerSettings.from_ape_config()
    sources = sources or SOURCES
    node = shutil.which("node")
    if node is None or not OPENZEPPELIN.exists():
        raise CompileError("node or node_modules/@openzeppelin/contracts missing: run make install")
    wrapper = [node, str(ROOT / "tools" / "solc.js")]
    version = subprocess.run(
        [*wrapper, "--version"], capture_output=True, text=True, check=True
    ).stdout
    if f"Version: {settings.version}+" not in version:
        raise CompileError(f"the solc wrapper is not solc {settings.version}: {version.strip()}")
    request = {
        "language": "Solidity",
        "sources": {path: {"urls": [path]} for path in sources.values()},
        "settings": {
            "evmVersion": settings.evm_version,
            "optimizer": {"enabled": settings.optimize, "runs": settings.runs},
            "remappings": [f"@openzeppelin/contracts/={OPENZEPPELIN.relative_to(ROOT)}/"],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    done = subprocess.run(
        [*wrapper, "--standard-json", "--base-path", str(ROOT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise CompileError(f"solc wrapper failed: {done.stderr.strip()}")
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("; ".join(e.get("formattedMessage", e["message"]) for e in errors))
    compiled = {}
    for name, path in sources.items():
        contract = output["contracts"][path][name]
        compiled[name] = Compiled(
            name=name, abi=contract["abi"], bytecode="0x" + contract["evm"]["bytecode"]["object"]
        )
    return compiled
