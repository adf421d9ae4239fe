"""``make bench``: every benchmark, the results table, ``bench/results.json`` and the chart.

Runs, each on its own private anvil:

0. the chain histories of :mod:`bench.index_api` (:func:`bench.history.prepare`: loaded from
   ``bench/.cache`` or built), first, with the gas part beside them on its own anvil (gas does not
   depend on the CPU it gets) and the builds of vegeta and geth (:class:`ToolBuilds`); every
   timed part below runs alone;
1. gas (:mod:`bench.gas`): every registry and committee operation beside OpenZeppelin references;
2. throughput (:mod:`bench.throughput`): the SDK against raw web3.py, sequential and pipelined;
3. index and API (:mod:`bench.index_api`): indexer catch-up (SQLite, and PostgreSQL at the
   largest size) and look-up latency under 50 clients, on histories of about 10,000, 100,000 and
   1,000,000 events;
4. consortium (:mod:`bench.consortium`), on four geth Clique signers instead of anvil: registry
   transfers per second beside OpenZeppelin ERC-1155 and ERC-20 transfers, and the SDK against
   raw web3.py there.

Then it checks the targets of the benchmark issue, prints one table, and writes the figures (with
the machine's CPU count and load average, since timings depend on what else runs) and the growth
chart: transfer gas against ranges touched, and look-up latency against history size.

Usage::

    python -m bench.run                       # everything (what `make bench` runs)
    python -m bench.run --sizes 5000 50000    # a quicker run without the 1M-event history
    python -m bench.run --out-dir /tmp/bench  # write the results elsewhere
    python -m bench.run --no-consortium       # without the consortium section (no geth needed)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import consortium, gas, history, index_api, throughput
from bench.chain import ROOT

OUT_DIR = Path(__file__).resolve().parent
GAS_TARGET = 1.5
THROUGHPUT_TARGET = 0.9
INDEX_TARGET = 15_000
"""Events per second of the indexer catching up the largest history, on SQLite and PostgreSQL."""
PACED_P99_MS = 20.0
SATURATING_RPS = 400.0
SATURATING_P99_MS = 250.0
MAKE_BENCH_MINUTES = 25.0
"""``make bench`` in a fresh clone, install included, at most."""
GROWTH_LIMIT = 1.5
"""p99 at the largest history over p99 at the one ten times smaller, at most."""


@dataclass(frozen=True)
class Target:
    """One target of the benchmark issue and whether this run met it."""

    name: str
    goal: str
    value: str
    met: bool


class ToolBuilds:
    """The Go tools of the timed parts, vegeta (the API's load) and geth (the consortium), built by
    their install scripts (``tools/install-<name>.sh``: from the Go module proxy into
    ``.tools/bin``, skipped when there) in the background while the histories build, since no
    timed part runs then."""

    def __init__(self, names: list[str]) -> None:
        self.processes = {
            name: subprocess.Popen(
                ["bash", str(ROOT / "tools" / f"install-{name}.sh")],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for name in names
        }

    def wait(self) -> None:
        """Wait for every build.

        Raises:
            RuntimeError: a build failed (its output in the message).
        """
        for name, process in self.processes.items():
            output, _ = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"tools/install-{name}.sh failed: {output.strip()[-2000:]}")

    def stop(self) -> None:
        """Stop the builds still running (after a failure elsewhere)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                process.communicate()


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def targets(
    g: gas.GasResults, t: throughput.ThroughputResults, i: index_api.IndexApiResults
) -> list[Target]:
    """The issue's targets against this run's figures."""
    found = gas_targets(g)
    for style in ("sequential", "pipelined"):
        ratio = t.ratio(style)
        found.append(
            Target(
                f"throughput: SDK / raw web3.py, {style}",
                f">= {THROUGHPUT_TARGET}",
                f"{ratio:.2f}",
                ratio >= THROUGHPUT_TARGET,
            )
        )
    found += index_api_targets(i)
    return found


def gas_targets(g: gas.GasResults) -> list[Target]:
    """The gas rows of the targets: transfers within 1.5x ERC-1155 (the first benchmark issue) and
    issue 13's targets (:func:`bench.gas.targets`)."""
    found = []
    for op, how in (
        ("transfer.1_range.existing_recipient_merged", "serials merge into its range"),
        ("transfer.1_range.existing_recipient", "serials form a new range of it"),
    ):
        ratio = g.ratio(g.operations[op])
        found.append(
            Target(
                f"gas: transfer of 1 range to an existing holding ({how})",
                f"<= {GAS_TARGET}x ERC-1155",
                f"{g.operations[op]:,} gas = {ratio:.2f}x",
                ratio <= GAS_TARGET,
            )
        )
    for goal in gas.targets(g):
        found.append(
            Target(
                f"gas: {gas.OPERATIONS[goal.operation]}",
                goal.goal,
                f"{goal.gas:,} gas (limit {goal.limit:,})",
                goal.met,
            )
        )
    return found


def index_api_targets(i: index_api.IndexApiResults) -> list[Target]:
    """The index and API rows of the issue's table, on the largest history (and the one ten times
    smaller, for growth)."""
    if not i.sizes:
        return []
    sizes = sorted(i.sizes)
    top = i.sizes[sizes[-1]]
    events = f"{top.index['events']:,} events"
    assert top.saturating is not None and top.paced is not None
    found = []
    for database, index in (("SQLite", top.index), ("PostgreSQL", top.index_postgres)):
        if index is not None:
            rate = index["events_per_second"]
            found.append(
                Target(
                    f"index catch-up, {database}, {events}",
                    f">= {INDEX_TARGET:,} events/s",
                    f"{rate:,} events/s",
                    rate >= INDEX_TARGET,
                )
            )
    for kind in index_api.KINDS:
        p99 = top.paced.latency[kind].p99_ms
        found.append(
            Target(
                f"{kind} p99, {events}, 50 clients paced {load_rate(top.paced)} req/s",
                f"< {PACED_P99_MS:g} ms",
                f"{p99:.1f} ms",
                p99 < PACED_P99_MS,
            )
        )
    served = top.saturating.requests_per_second
    found.append(
        Target(
            f"served, {events}, 50 clients back to back",
            f">= {SATURATING_RPS:g} req/s",
            f"{served:.0f} req/s",
            served >= SATURATING_RPS,
        )
    )
    for kind in index_api.KINDS:
        p99 = top.saturating.latency[kind].p99_ms
        found.append(
            Target(
                f"{kind} p99, {events}, 50 clients back to back",
                f"< {SATURATING_P99_MS:g} ms",
                f"{p99:.1f} ms",
                p99 < SATURATING_P99_MS,
            )
        )
    smaller = [n for n in sizes if n * 10 == sizes[-1]]
    if smaller:
        base = i.sizes[smaller[0]]
        assert base.paced is not None
        for kind in index_api.KINDS:
            ratio = top.paced.latency[kind].p99_ms / base.paced.latency[kind].p99_ms
            found.append(
                Target(
                    f"growth: {kind} p99 paced, {events} / {base.index['events']:,} events",
                    f"<= {GROWTH_LIMIT:g}x",
                    f"{ratio:.2f}x",
                    ratio <= GROWTH_LIMIT,
                )
            )
    return found


def make_bench_target(whole: float, i: index_api.IndexApiResults) -> Target:
    """``make bench``'s time, install included, against the issue's limit; whether the histories
    were built in it (a fresh clone) or loaded from ``bench/.cache`` says which case it measured."""
    built = [n for n, r in i.sizes.items() if not r.cached]
    how = "histories built" if len(built) == len(i.sizes) else "histories from the cache"
    return Target(
        f"make bench, install included ({how})",
        f"< {MAKE_BENCH_MINUTES:g} min",
        f"{whole / 60:.1f} min",
        whole < MAKE_BENCH_MINUTES * 60,
    )


def load_rate(load: index_api.LoadResult) -> str:
    """The offered rate of a paced load, for labels."""
    return f"{load.offered_per_second:g}" if load.offered_per_second else "max"


def targets_table(found: list[Target]) -> str:
    """The targets as a text table."""
    lines = [f"{'target':<72} {'goal':>18} {'this run':>18}  met"]
    for t in found:
        lines.append(f"{t.name:<72} {t.goal:>18} {t.value:>18}  {'yes' if t.met else 'NO'}")
    return "\n".join(lines)


def chart(g: gas.GasResults, i: index_api.IndexApiResults, path: Path) -> Path:
    """Transfer gas against ranges touched; look-up latency against history size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    touched = sorted(g.growth)
    left.plot(touched, [g.growth[k] for k in touched], "o-", label="registry transfer")
    left.axhline(g.baseline, color="grey", linestyle="--", label="OZ ERC-1155 safeTransferFrom")
    left.set_xticks(touched, [str(k) for k in touched])
    left.set_ylim(bottom=0)
    left.set_xlabel("serial ranges touched by the transfer")
    left.set_ylabel("gas used")
    left.set_title("Transfer gas vs ranges touched (existing recipient)")
    left.grid(True, alpha=0.3)
    left.legend()

    sizes = sorted(i.sizes)
    events = [i.sizes[n].index["events"] for n in sizes]
    for kind, color in zip(index_api.KINDS, ("C0", "C1", "C2"), strict=True):
        paced = [i.sizes[n].paced for n in sizes]
        medians = [p.latency[kind].median_ms for p in paced if p is not None]
        p99s = [p.latency[kind].p99_ms for p in paced if p is not None]
        right.plot(events, medians, "o-", color=color, label=f"{kind} median")
        right.plot(events, p99s, "s--", color=color, label=f"{kind} p99")
    right.axhline(
        PACED_P99_MS, color="grey", linestyle=":", label=f"{PACED_P99_MS:g} ms (p99 target)"
    )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xticks(events, [f"{n:,}" for n in events])
    right.xaxis.set_minor_formatter(NullFormatter())
    right.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    right.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    right.set_xlabel("events in the history")
    right.set_ylabel("latency (ms)")
    first = i.sizes[sizes[0]].paced if sizes else None
    rate = load_rate(first) if first is not None else "?"
    right.set_title(f"API look-up latency, {index_api.CLIENTS} clients at {rate} req/s")
    right.grid(True, alpha=0.3, which="both")
    right.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1_5_15_at_start": [round(x, 2) for x in load_before],
        "load_average_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark; print the table; write the results and the chart."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(index_api.SIZES), help="transfers per history"
    )
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--no-consortium", action="store_true", help="skip the geth network")
    parser.add_argument(
        "--since",
        type=float,
        help="Unix time `make bench` started (before installing): its whole time is recorded",
    )
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    started = time.perf_counter()
    seconds: dict[str, float] = {}

    # The histories are built (or loaded) first, with the gas part beside them: gas is
    # deterministic, so it may share the cores; every timed part runs alone after.
    _say("gas: every operation on one anvil, beside the histories' builds")
    tools = ToolBuilds(["vegeta"] + ([] if args.no_consortium else ["geth"]))
    nodes: dict[int, history.HistoryNode] = {}
    try:
        with ThreadPoolExecutor(1) as beside:
            gas_done = beside.submit(gas.measure, lambda what: _say(f"gas: {what}"))
            nodes = history.prepare(args.sizes, index_api.SENDERS, lambda w: _say(f"history: {w}"))
            gas_results = gas_done.result()
        tools.wait()
        seconds["histories_gas_and_tools"] = time.perf_counter() - started

        _say("throughput: SDK against raw web3.py")
        mark = time.perf_counter()
        tp = throughput.measure(rounds=3, progress=lambda what: _say(f"throughput: {what}"))
        seconds["throughput"] = time.perf_counter() - mark

        mark = time.perf_counter()
        ia = index_api.measure(
            tuple(args.sizes), progress=lambda what: _say(f"index/API: {what}"), nodes=nodes
        )
        seconds["index_api"] = time.perf_counter() - mark
    finally:
        tools.stop()
        for node in nodes.values():  # those index_api did not take (it stops those it took)
            node.stop()

    cons: consortium.ConsortiumResults | None = None
    if not args.no_consortium:
        mark = time.perf_counter()
        cons = consortium.measure(progress=lambda what: _say(f"consortium: {what}"))
        seconds["consortium"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    if args.since is not None:
        seconds["install_and_start"] = time.time() - seconds["total"] - args.since
        seconds["make_bench"] = time.time() - args.since

    found = targets(gas_results, tp, ia)
    if args.since is not None:
        found.append(make_bench_target(seconds["make_bench"], ia))
    report = "\n\n".join(
        [
            "GAS (gasUsed; ratio to OZ ERC-1155 safeTransferFrom to an existing recipient)",
            gas.table(gas_results),
            "THROUGHPUT (registry transfers through the SDK and through raw web3.py)",
            throughput.table(tp),
            f"INDEX AND API (SQLite; uvicorn, {index_api.API_WORKERS} workers; vegeta load)",
            index_api.table(ia),
            *(
                [
                    "CONSORTIUM (4 geth Clique signers, 2 per government, 1 s blocks, loopback)",
                    consortium.table(cons),
                ]
                if cons is not None
                else []
            ),
            "TARGETS",
            targets_table(found),
        ]
    )
    print(report)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": _machine(load_before),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "targets": [vars(t) for t in found],
        "gas": gas_results.to_json(),
        "throughput": tp.to_json(),
        "index_api": ia.to_json(),
        **({"consortium": cons.to_json()} if cons is not None else {}),
    }
    out = args.out_dir / "results.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    png = chart(gas_results, ia, args.out_dir / "growth.png")
    print(f"\nwrote {out} and {png} in {seconds['total']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
