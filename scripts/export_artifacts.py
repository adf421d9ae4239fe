"""Export the project's compiled contracts into ``registry_client/artifacts/<Name>.json``.

The SDK ships these files so that its users need no compiler. Each file holds::

    {"contractName", "abi", "bytecode", "deployedBytecode",
     "compiler": {"version", "evmVersion", "optimizer"}}

written deterministically (sorted keys, indent 2, trailing newline) so that diffs are stable and
``tests/test_artifacts.py`` can fail when the committed files drift from a fresh compile.

Usage (from the repository root, with the project's venv active)::

    python scripts/export_artifacts.py           # compile all afresh, (re)write the artifacts
    python scripts/export_artifacts.py --check   # exit 1 if the committed artifacts are stale
    python scripts/export_artifacts.py --cached  # trust Ape's compile cache (after `ape compile`)

Compiling afresh is the default because Ape 0.8's incremental compile recompiles a changed file and
what it imports, but not the files that import it: after editing only ``RegistryTypes.sol`` the
cached ABI of ``IJointCommittee`` (which imports it) was stale.

``ape run export_artifacts`` works too. Only the project's own contracts are exported: never the
OpenZeppelin sources Ape copies into ``contracts/.cache``, nor test-only contracts under
``contracts/test/`` or ``contracts/mocks/``. Export refuses bytecode that contains a
PUSH0 opcode: the contracts must run on ``paris`` chains (see docs/design.md §6).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_ROOT / "registry_client" / "artifacts"

PUSH0 = 0x5F
PUSH1 = 0x60
PUSH32 = 0x7F

# solc's default metadata trailer: CBOR {"ipfs": <34-byte multihash>, "solc": <3-byte version>}
# followed by its 2-byte length (0x0033). It can also appear in the middle of code when a contract
# embeds another contract's creation code (`new X()`), so it is removed wherever it occurs.
_METADATA_RE = re.compile(r"a2646970667358221220[0-9a-f]{64}64736f6c6343[0-9a-f]{6}0033")


def _strip_metadata(code: bytes) -> bytes:
    """Remove solc's CBOR metadata blobs (embedded and trailing) from ``code``."""
    hexcode = code.hex()
    pieces: list[str] = []
    pos = 0
    for match in _METADATA_RE.finditer(hexcode):
        if match.start() % 2:  # not byte-aligned: an accidental match inside other data
            continue
        pieces.append(hexcode[pos : match.start()])
        pos = match.end()
    pieces.append(hexcode[pos:])
    stripped = bytes.fromhex("".join(pieces))
    if stripped == code and len(code) >= 2:
        # Some other metadata format: the last two bytes give the CBOR length.
        cbor_len = int.from_bytes(code[-2:], "big")
        if 0 < cbor_len <= len(code) - 2 and code[-2 - cbor_len] & 0xE0 == 0xA0:  # a CBOR map
            stripped = code[: -2 - cbor_len]
    return stripped


def _to_bytes(code: str | bytes) -> bytes:
    if isinstance(code, bytes):
        return code
    text = code[2:] if code[:2] in ("0x", "0X") else code
    # Unlinked library placeholders (__$...$__) are 40 hex chars wide; treat them as zero bytes.
    text = re.sub(r"__\$[0-9a-fA-F]{34}\$__", "0" * 40, text)
    return bytes.fromhex(text)


def find_push0(code: str | bytes) -> list[int]:
    """Return the byte offsets of PUSH0 opcodes in ``code`` (hex string or bytes).

    Walks the code opcode by opcode, skipping PUSH1..PUSH32 immediate data, after removing solc's
    metadata trailer, so that a 0x5f byte inside push data or metadata is not reported.
    """
    data = _strip_metadata(_to_bytes(code))
    found: list[int] = []
    i = 0
    while i < len(data):
        op = data[i]
        if op == PUSH0:
            found.append(i)
        elif PUSH1 <= op <= PUSH32:
            i += op - PUSH1 + 1
        i += 1
    return found


def _hex(code: Any) -> str:
    if code is None:
        return "0x"
    if isinstance(code, bytes):
        return "0x" + code.hex()
    text = str(code)
    text = text[2:] if text[:2] in ("0x", "0X") else text
    return "0x" + text.lower()


# Only deployable contracts ship: no interfaces, internal libraries, mocks or benchmark references.
EXCLUDED_DIRS = frozenset({".cache", "test", "tests", "mocks", "bench", "interfaces", "libraries"})


def _is_own_source(source_id: str | None, contracts_folder: str) -> bool:
    if not source_id:
        return False
    parts = Path(source_id).parts
    return (
        len(parts) > 1
        and parts[0] == contracts_folder
        and not EXCLUDED_DIRS.intersection(parts[1:-1])
        and source_id.endswith(".sol")
    )


def fresh_artifacts(project: Any = None, use_cache: bool = False) -> dict[str, dict[str, Any]]:
    """Compile the project and return ``{name: artifact}`` for its own contracts.

    ``project`` defaults to ``ape.project`` (the project in the current working directory).
    ``use_cache=True`` lets Ape recompile only changed files, which can leave stale contract types
    behind (see the module docstring); the default recompiles everything (~15 s).
    """
    if project is None:
        from ape import project as ape_project

        project = ape_project

    containers = project.load_contracts(use_cache=use_cache)
    manifest = project.manifest
    contracts_folder = Path(project.contracts_folder).relative_to(Path(project.path)).parts[0]

    compiler_of: dict[str, Any] = {}
    for compiler in manifest.compilers or []:
        for name in compiler.contractTypes or []:
            compiler_of[name] = compiler

    artifacts: dict[str, dict[str, Any]] = {}
    for name, container in sorted(containers.items()):
        contract_type = container.contract_type
        if not _is_own_source(contract_type.source_id, contracts_folder):
            continue
        if (
            _hex(
                contract_type.deployment_bytecode.bytecode
                if contract_type.deployment_bytecode
                else None
            )
            == "0x"
        ):
            continue  # abstract (JCMRegistryState): nothing to deploy
        compiler = compiler_of.get(name)
        settings = (compiler.settings or {}) if compiler else {}
        artifacts[name] = {
            "contractName": name,
            "abi": [item.model_dump(mode="json", by_alias=True) for item in contract_type.abi],
            "bytecode": _hex(
                contract_type.deployment_bytecode.bytecode
                if contract_type.deployment_bytecode
                else None
            ),
            "deployedBytecode": _hex(
                contract_type.runtime_bytecode.bytecode if contract_type.runtime_bytecode else None
            ),
            "compiler": {
                "version": compiler.version if compiler else None,
                "evmVersion": settings.get("evmVersion"),
                "optimizer": settings.get("optimizer"),
            },
        }
    return artifacts


def dumps(artifact: dict[str, Any]) -> str:
    """The canonical text of an artifact file."""
    return json.dumps(artifact, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def load_committed(directory: Path = ARTIFACTS_DIR) -> dict[str, dict[str, Any]]:
    """Read ``{name: artifact}`` from the artifact files in ``directory``."""
    result: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        result[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return result


def check_no_push0(artifacts: dict[str, dict[str, Any]]) -> list[str]:
    """Return one message per artifact whose code contains PUSH0."""
    problems = []
    for name, art in sorted(artifacts.items()):
        for key in ("bytecode", "deployedBytecode"):
            offsets = find_push0(art[key])
            if offsets:
                problems.append(
                    f"{name}.{key} contains PUSH0 at byte offsets {offsets[:5]}: compile with "
                    "evm_version: paris (ape-config.yaml)"
                )
    return problems


def write_artifacts(
    artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR
) -> list[Path]:
    """Write artifacts, remove files of contracts that no longer exist; return changed paths."""
    directory.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for name, art in artifacts.items():
        path = directory / f"{name}.json"
        text = dumps(art)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in directory.glob("*.json"):
        if path.stem not in artifacts:
            path.unlink()
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check_only = "--check" in args
    artifacts = fresh_artifacts(use_cache="--cached" in args)
    if not artifacts:
        print("export_artifacts: no contracts under contracts/ were compiled; nothing to export")
        return 0
    problems = check_no_push0(artifacts)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if check_only:
        committed = load_committed()
        stale = sorted(
            n for n in set(artifacts) | set(committed) if artifacts.get(n) != committed.get(n)
        )
        if stale:
            print(f"stale artifacts (run `make build`): {', '.join(stale)}", file=sys.stderr)
            return 1
        print(f"artifacts up to date: {', '.join(sorted(artifacts))}")
        return 0
    changed = write_artifacts(artifacts)
    for path in changed:
        print(f"updated {path.relative_to(REPO_ROOT)}")
    print(f"exported {len(artifacts)} artifact(s) to {ARTIFACTS_DIR.relative_to(REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
