"""Run slither over the deployable contracts with the project's solc-js wrapper.

crytic-compile's ``solc-json`` framework feeds a Standard JSON input to ``solc --standard-json``;
the wrapper in ``tools/solc.js`` answers like native solc, so slither needs no compiler download.
The run fails on any finding of medium or high severity; findings that do not apply are annotated
in the Solidity source (``slither-disable-next-line <detector> (why)``), never silenced here.

Usage: ``python scripts/audit.py [--slither PATH]``; ``make audit`` installs slither in its own
venv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = (
    "JCMRegistry.sol",
    "JCMProjects.sol",
    "JCMGovernance.sol",
    "JCMArticle6.sol",
    "JointCommittee.sol",
)
OPENZEPPELIN = ROOT / "node_modules" / "@openzeppelin" / "contracts"


def standard_json_input() -> dict[str, object]:
    """The compiler input slither analyses: the shipped contracts, as ape-config compiles them."""
    return {
        "language": "Solidity",
        "sources": {
            f"contracts/{name}": {"urls": [str(ROOT / "contracts" / name)]} for name in CONTRACTS
        },
        "settings": {
            "evmVersion": "paris",
            "optimizer": {"enabled": True, "runs": 200},
            "remappings": [f"@openzeppelin/contracts/={OPENZEPPELIN}/"],
            "outputSelection": {
                "*": {
                    "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers"],
                    "": ["ast"],
                }
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slither", default="slither", help="slither executable")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(ROOT / ".venv" / "bin"), env.get("PATH", "")]
    )  # solc wrapper
    with tempfile.TemporaryDirectory() as tmp:
        input_file = Path(tmp) / "input.json"
        input_file.write_text(json.dumps(standard_json_input()), encoding="utf-8")
        command = [
            args.slither,
            str(input_file),
            "--compile-force-framework",
            "solc-json",
            "--solc-args",
            f"--allow-paths {ROOT},{ROOT / 'node_modules'}",
            "--filter-paths",
            "node_modules",
            "--exclude-informational",
            "--exclude-optimization",
            "--fail-medium",
        ]
        return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
