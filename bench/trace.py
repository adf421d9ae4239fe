"""Where an issuance's gas goes: the measured 2+2 / 4 issuance, traced opcode by opcode.

``python -m bench.trace`` builds the gas benchmark's world on its own ``anvil --hardfork paris
--steps-tracing``, issues the batch that ``bench.gas`` reports as
``committee.issue_credits.2+2_signatures.4_allocations`` (the project's next batch, NDC-authorized,
four allocations alternating Japan / Indonesia, a new verification report) and reads the
transaction's struct logs (``debug_traceTransaction``). It prints, per contract (a delegate-called
module counts as its own code), the gas its own opcodes used and how many of them were new storage
slots (SSTORE of a zero slot), other storage writes, cold storage reads, calls, KECCAK256 and log
bytes; then the intrinsic gas (base and calldata).

A call's own cost (cold address, value, memory) counts for the caller; what the callee runs counts
for the callee. Figures are reproducible to the unit: keys, texts and the signed bytes are fixed.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from bench.chain import Anvil
from bench.gas import _Run
from bench.world import PARTNER
from registry_client import anvil as local_anvil
from registry_client.contracts import abi

JAPAN_SIGNATURES = 2
PARTNER_SIGNATURES = 2
ALLOCATIONS = 4
CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}
#: The EVM's cost of a store that makes a zero slot non-zero, without the cold surcharge (2,100).
NEW_SLOT = 20_000
COLD_SLOAD = 2_100


@dataclass
class Part:
    """What one contract's own opcodes used in the traced transaction."""

    gas: int = 0
    new_slots: int = 0
    updates: int = 0
    cold_reads: int = 0
    warm_reads: int = 0
    calls: int = 0
    keccaks: int = 0
    keccak_bytes: int = 0
    log_bytes: int = 0
    logs: int = 0
    opcodes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _TracingAnvil(Anvil):
    """The benchmark's anvil, recording every opcode for ``debug_traceTransaction``."""

    def start(self) -> _TracingAnvil:
        self._node = local_anvil.start_anvil("--silent", "--steps-tracing", accounts=1)
        return self


def own_costs(steps: list[dict[str, Any]]) -> list[int]:
    """Each step's own gas. A call into code costs what the caller lost minus what the callee used
    (its first step's gas minus what was left after its last step)."""
    costs = [0] * len(steps)
    for i, step in enumerate(steps):
        depth = int(step["depth"])
        following = steps[i + 1] if i + 1 < len(steps) else None
        if following is None or int(following["depth"]) < depth:
            costs[i] = int(step.get("gasCost", 0))
        elif int(following["depth"]) == depth:
            costs[i] = int(step["gas"]) - int(following["gas"])
        else:
            back = next(j for j in range(i + 1, len(steps)) if int(steps[j]["depth"]) == depth)
            last = steps[back - 1]
            used_by_callee = int(following["gas"]) - (
                int(last["gas"]) - int(last.get("gasCost", 0))
            )
            costs[i] = int(step["gas"]) - int(steps[back]["gas"]) - used_by_callee
    return costs


def breakdown(steps: list[dict[str, Any]], to: str, names: dict[str, str]) -> dict[str, Part]:
    """Attribute each step's own gas to the code running it (see the module docs)."""
    parts: dict[str, Part] = defaultdict(Part)
    frames = [names.get(to.lower(), to.lower())]
    costs = own_costs(steps)
    for i, step in enumerate(steps):
        op = str(step["op"])
        depth = int(step["depth"])
        del frames[depth:]
        part = parts[frames[depth - 1]]
        cost = costs[i]
        stack = step.get("stack") or []
        following = steps[i + 1] if i + 1 < len(steps) else None
        if op in CALLS and following is not None and int(following["depth"]) > depth:
            callee = "0x" + format(int(str(stack[-2]), 16), "040x")
            frames.append(names.get(callee, callee))
        part.gas += cost
        part.opcodes[op] += 1
        if op == "SSTORE":
            if cost >= NEW_SLOT:
                part.new_slots += 1
            else:
                part.updates += 1
        elif op == "SLOAD":
            if cost >= COLD_SLOAD:
                part.cold_reads += 1
            else:
                part.warm_reads += 1
        elif op in CALLS:
            part.calls += 1
        elif op in {"KECCAK256", "SHA3"}:
            part.keccaks += 1
            part.keccak_bytes += int(str(stack[-2]), 16)
        elif op.startswith("LOG"):
            part.logs += 1
            part.log_bytes += int(str(stack[-2]), 16)
    return parts


def trace(transaction: str, node: Anvil) -> list[dict[str, Any]]:
    """The struct logs of ``transaction`` (no memory, no storage: the stack is enough here)."""
    options = {"disableMemory": True, "disableStorage": True, "enableReturnData": False}
    result = node.rpc_batch([("debug_traceTransaction", [transaction, options])])[0]
    return list(result["structLogs"])


def report(parts: dict[str, Part], gas_used: int) -> str:
    """The breakdown as a text table, with the intrinsic gas (what no opcode used) last."""
    header = (
        f"{'code':<16} {'gas':>9} {'new slots':>9} {'updates':>7} {'cold reads':>10} "
        f"{'warm reads':>10} {'calls':>5} {'keccak (bytes)':>15} {'logs (bytes)':>13}"
    )
    lines = [header, "-" * len(header)]
    for name, p in sorted(parts.items(), key=lambda item: -item[1].gas):
        lines.append(
            f"{name:<16} {p.gas:>9,} {p.new_slots:>9} {p.updates:>7} {p.cold_reads:>10} "
            f"{p.warm_reads:>10} {p.calls:>5} {f'{p.keccaks} ({p.keccak_bytes:,})':>15} "
            f"{f'{p.logs} ({p.log_bytes:,})':>13}"
        )
    executed = sum(p.gas for p in parts.values())
    lines.append(f"{'intrinsic':<16} {gas_used - executed:>9,}   (base 21,000 and calldata)")
    lines.append(f"{'total':<16} {gas_used:>9,}")
    return "\n".join(lines)


def measure() -> tuple[dict[str, Part], int]:
    """Build the world, issue the measured batch and trace it: the parts and the gas used."""
    with _TracingAnvil() as node:
        run = _Run(node)
        run.deploy_all()
        run.accounts()
        run.project()
        accounts = [
            run.account(f"trace-allocation-{i}", ("JP", PARTNER)[i % 2]) for i in range(ALLOCATIONS)
        ]
        run.issue([(a, 1) for a in accounts])  # each account already holds another batch
        _, gas = run.issue([(a, 1_000) for a in accounts], JAPAN_SIGNATURES, PARTNER_SIGNATURES)
        block = run.w3.eth.get_block("latest", full_transactions=True)
        tx: Any = block["transactions"][0]
        assert run.deployment is not None
        d = run.deployment
        names = {
            str(run.committee).lower(): "JointCommittee",
            str(d.registry).lower(): "JCMRegistry",
            str(d.projects).lower(): "JCMProjects",
            str(d.article6).lower(): "JCMArticle6",
        }
        registry = run.w3.eth.contract(
            address=to_checksum_address(d.registry), abi=abi("JCMRegistry")
        )
        names[str(registry.functions.adminModule().call()).lower()] = "JCMRegistryAdmin"
        steps = trace("0x" + bytes(tx["hash"]).hex(), node)
    return breakdown(steps, str(tx["to"]), names), gas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.parse_args(argv)
    parts, gas = measure()
    print(
        f"committee.issue_credits.{JAPAN_SIGNATURES}+{PARTNER_SIGNATURES}_signatures."
        f"{ALLOCATIONS}_allocations: {gas:,} gas"
    )
    print(report(parts, gas))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
