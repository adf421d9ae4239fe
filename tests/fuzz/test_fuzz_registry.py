"""Invariant fuzzing: random operations on the real contracts, checked after each step.

The checks are docs/design.md §2.

Profiles (environment variable ``JCM_FUZZ_PROFILE``):

- ``short`` (default, part of ``make test``): a few derandomized runs of about 30 steps, with no
  example database, so every CI run executes the same steps.
- ``long`` (``make fuzz``): many random runs (``JCM_FUZZ_EXAMPLES`` x ``JCM_FUZZ_STEPS``, defaults
  in docs/settings.md) that prints what it covered: outcomes per rule (successes and each
  predicted refusal), and the largest holdings and state seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from fuzz.harness import Rpc, artifacts_from_ape
from fuzz.machine import STRANGER, Coverage, RegistryMachine, candidates
from fuzz.world import CONTRACT_NAMES, ID, JP, SIDES, TH, World, build_world
from registry_client.settings import load_settings

# JCM_FUZZ_PROFILE, JCM_FUZZ_EXAMPLES, JCM_FUZZ_STEPS: fields of registry_client.settings.Settings.
_KNOBS = load_settings()
LONG = _KNOBS.fuzz_profile == "long"
EXAMPLES, STEPS = _KNOBS.fuzz_runs

SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    derandomize=not LONG,
    # Shrinking would replay hundreds of chain steps and rarely helps: choices within a run come
    # from one seeded stream, so removing a step changes all later ones. A failure prints its steps.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


@pytest.fixture
def fuzz_world(project: Any, chain: Any) -> Iterator[World]:
    """The world, with every address the fuzzer may use funded, before any fuzz step."""
    rpc = Rpc(chain.provider.web3.provider.endpoint_uri)
    world = build_world(rpc, artifacts_from_ape(project, CONTRACT_NAMES))
    rpc.fund(STRANGER, *(a for side in SIDES for a in candidates(side)))
    jp, id_, th = (world.sides[code].holders for code in (JP, ID, TH))
    # Every run starts with credits to move: an authorized batch held on all three sides (the
    # third registry through an international transfer), and an unauthorized one held on two.
    batch = world.issue(ID, "ID001", [(jp[0], 40), (id_[0], 40), (id_[2], 20)], authorization=1)
    world.registry.transact("transfer", th[1], batch, 10, sender=id_[0]).expect_ok()
    world.issue(TH, "TH001", [(th[0], 25), (jp[1], 15), (th[2], 5), (th[0], 5)])
    yield world
    rpc.impersonate_all(False)


@pytest.mark.timeout(0 if LONG else 300)
def test_registry_invariants_hold_under_random_operations(
    fuzz_world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    coverage = Coverage()

    class Machine(RegistryMachine):
        pass

    Machine.world = fuzz_world
    Machine.snapshot_id = [fuzz_world.rpc.snapshot()]
    Machine.coverage = coverage
    run_state_machine_as_test(Machine, settings=SETTINGS)
    if LONG:
        with capsys.disabled():
            print(f"\n{coverage.report()}")
    assert coverage.steps >= EXAMPLES, "the state machine ran no steps"
    successes = sum(n for (_, label), n in coverage.outcomes.items() if label == "ok")
    assert successes > 0, "no operation succeeded: the fuzzer tested nothing"
    assert coverage.steps > successes, "no operation was refused: the fuzzer tried nothing hostile"
