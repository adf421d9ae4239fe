"""Where a measured operation's gas goes: its transaction traced opcode by opcode.

``python -m bench.trace [OPERATION ...]`` runs the whole :mod:`bench.gas` scenario on its own
``anvil --hardfork paris --steps-tracing`` (so each transaction is the one ``bench.gas`` measures:
same keys, texts and signed bytes, same state before it) and, right after each named operation
(default: ``committee.issue_credits.2+2_signatures.4_allocations``) is mined, reads its struct logs
(``debug_traceTransaction``). It prints, per contract (a delegate-called module counts as its own
code), the gas its own opcodes used and how many of them were new storage slots (SSTORE of a zero
slot), other storage writes, cold and warm storage reads, calls, KECCAK256 and log bytes; then the
intrinsic gas (base and calldata) and any refund, which add up to the receipt's ``gasUsed``.

A call's own cost (cold address, value, memory) counts for the caller; what the callee runs counts
for the callee. Figures are reproducible to the unit.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak

from bench.gas import OPERATIONS, measure
from bench.world import World

DEFAULT_OPERATION = "committee.issue_credits.2+2_signatures.4_allocations"
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


@dataclass
class Traced:
    """One traced transaction.

    Attributes:
        gas_used: the receipt's ``gasUsed``.
        intrinsic: base and calldata: the transaction's gas limit less its first step's gas.
        parts: each contract's own opcodes (:func:`breakdown`).
    """

    gas_used: int
    intrinsic: int
    parts: dict[str, Part]

    @property
    def executed(self) -> int:
        """Gas of every opcode, before any refund."""
        return sum(p.gas for p in self.parts.values())

    @property
    def refund(self) -> int:
        """What the receipt's figure implies was refunded (cleared slots)."""
        return self.intrinsic + self.executed - self.gas_used


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


def report(traced: Traced) -> str:
    """The breakdown as a text table, with the intrinsic gas and the refund last."""
    header = (
        f"{'code':<16} {'gas':>9} {'new slots':>9} {'updates':>7} {'cold reads':>10} "
        f"{'warm reads':>10} {'calls':>5} {'keccak (bytes)':>15} {'logs (bytes)':>13}"
    )
    lines = [header, "-" * len(header)]
    for name, p in sorted(traced.parts.items(), key=lambda item: -item[1].gas):
        lines.append(
            f"{name:<16} {p.gas:>9,} {p.new_slots:>9} {p.updates:>7} {p.cold_reads:>10} "
            f"{p.warm_reads:>10} {p.calls:>5} {f'{p.keccaks} ({p.keccak_bytes:,})':>15} "
            f"{f'{p.logs} ({p.log_bytes:,})':>13}"
        )
    lines.append(f"{'intrinsic':<16} {traced.intrinsic:>9,}   (base 21,000 and calldata)")
    if traced.refund:
        lines.append(f"{'refund':<16} {-traced.refund:>9,}")
    lines.append(f"{'total':<16} {traced.gas_used:>9,}")
    return "\n".join(lines)


def _names(world: World) -> dict[str, str]:
    """Contract names by address (lower case) for the traced world's deployment."""
    deployment = world.deployment
    assert deployment is not None

    def address_of(view: str) -> str:
        selector = "0x" + keccak(text=f"{view}()")[:4].hex()
        answer = world.node.rpc(
            "eth_call", [{"to": deployment.registry, "data": selector}, "latest"]
        )
        return "0x" + str(answer)[-40:]

    names = {
        deployment.registry.lower(): "JCMRegistry",
        deployment.projects.lower(): "JCMProjects",
        address_of("adminModule"): "JCMRegistryAdmin",
        address_of("governance"): "JCMGovernance",
        "0x0000000000000000000000000000000000000001": "ecrecover",
    }
    if deployment.article6 is not None:
        names[deployment.article6.lower()] = "JCMArticle6"
    for committee in deployment.committees.values():
        names[committee.lower()] = "JointCommittee"
    return names


def _trace_latest(world: World) -> Traced:
    """The latest block's only transaction, traced (no memory, no storage: the stack is enough)."""
    node = world.node
    block = node.rpc("eth_getBlockByNumber", ["latest", True])
    (tx,) = block["transactions"]
    receipt = node.rpc("eth_getTransactionReceipt", [tx["hash"]])
    options = {"disableMemory": True, "disableStorage": True, "enableReturnData": False}
    steps = list(node.rpc("debug_traceTransaction", [tx["hash"], options])["structLogs"])
    return Traced(
        gas_used=int(receipt["gasUsed"], 16),
        intrinsic=int(tx["gas"], 16) - int(steps[0]["gas"]),
        parts=breakdown(steps, str(tx["to"]), _names(world)),
    )


def trace(operations: Sequence[str]) -> dict[str, Traced]:
    """Run :func:`bench.gas.measure` on a tracing anvil and trace each of ``operations``.

    Raises:
        KeyError: an operation ``bench.gas`` does not measure.
    """
    unknown = sorted(set(operations) - set(OPERATIONS))
    if unknown:
        raise KeyError(f"not measured by bench.gas: {unknown}")
    found: dict[str, Traced] = {}

    def on_record(name: str, world: World) -> None:
        if name in operations:
            found[name] = _trace_latest(world)

    measure(on_record=on_record, node_options=("--steps-tracing",))
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.trace [OPERATION ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.trace", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "operations",
        nargs="*",
        metavar="OPERATION",
        help=f"a bench.gas operation (default {DEFAULT_OPERATION})",
    )
    args = parser.parse_args(argv)
    operations = args.operations or [DEFAULT_OPERATION]
    try:
        found = trace(operations)
    except KeyError as error:
        print(f"bench.trace: {error.args[0]}", file=sys.stderr)
        return 2
    for name in operations:
        print(f"\n{name}: {found[name].gas_used:,} gas\n{report(found[name])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
