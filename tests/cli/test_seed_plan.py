"""The devnet's seed plan (pure, no chain): built from the packaged reference data, deterministic,
real where the data is real, and always executable (every movement within simulated holdings)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from registry_client import data
from registry_client.models import AccountKind, CancellationReason, RetirementPurpose
from registry_client.seed import (
    JAPAN_MEMBERS,
    SeedPlan,
    build_plan,
    derived_address,
    document_hash,
    issued_on,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> SeedPlan:
    return build_plan()


def test_packaged_data_is_the_reference_data() -> None:
    folder = ROOT / "registry_client" / "data"
    names = sorted(p.name for p in folder.glob("*.csv"))
    assert names == [
        "funded_projects.csv",
        "jcm_methodologies.csv",
        "jcm_registered_projects.csv",
        "partner_countries.csv",
        "project_participants.csv",
    ]
    with (folder / "partner_countries.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 29
    assert len(data.partner_countries()) == 29
    assert len(data.registered_projects()) == 43
    assert sum(f.registered for f in data.funded_projects()) == 72


def test_plan_is_deterministic() -> None:
    build_plan.cache_clear()
    first = build_plan()
    build_plan.cache_clear()
    assert build_plan() == first
    assert derived_address("governance") == derived_address("governance")
    assert document_hash("pdd", "ID013") != document_hash("pdd", "ID012")


def test_countries_committees_and_accounts(plan: SeedPlan) -> None:
    assert [c.country for c in plan.committees] == [c.iso2 for c in data.partner_countries()]
    for committee in plan.committees:
        assert committee.japan_members == tuple(label for label, _ in JAPAN_MEMBERS)
        assert len(committee.partner_members) == 2
        assert (committee.japan_threshold, committee.partner_threshold) == (2, 1)
    sides = ["JP", *(c.country for c in plan.committees)]
    kinds = defaultdict(list)
    for account in plan.accounts:
        kinds[account.side].append(account.kind)
    for side in sides:
        for kind in (
            AccountKind.GOVERNMENT_HOLDING,
            AccountKind.RETIREMENT,
            AccountKind.CANCELLATION,
        ):
            assert kinds[side].count(kind) == 1, (side, kind)
    registrars = {p.side for p in plan.parties if p.role == "registrar"}
    assert registrars == set(sides)
    companies = {a.holder_name for a in plan.accounts if a.kind == AccountKind.HOLDING}
    assert "JFE Engineering (JFEエンジニアリング)" in companies
    assert "PT Semen Indonesia (Persero) Tbk" in companies
    addresses = [a.address for a in plan.accounts] + [p.address for p in plan.parties]
    assert len({a.address for a in plan.accounts}) == len(plan.accounts)
    assert len(set(addresses)) == len(plan.accounts) + len(plan.parties) - len(
        [p for p in plan.parties if p.role == "account holder"]
    )


def test_projects_keep_real_references_and_methodologies(plan: SeedPlan) -> None:
    refs = [p.ref for p in plan.projects]
    assert len(refs) == len(set(refs)) == 90
    real = {r.reference for r in data.registered_projects() if r.reference}
    assert real <= set(refs)
    for project in plan.projects:
        assert re.fullmatch(r"[A-Z]{2}\d{3}", project.ref)
        assert project.ref.startswith(project.country)
        if project.ref not in real:
            assert int(project.ref[2:]) >= 901
        assert re.fullmatch(r"[A-Z]{2}_AM\d{3}", project.methodology)
        assert len(project.title.encode()) <= 256
    given = {r.reference: r.methodology for r in data.registered_projects() if r.methodology}
    by_ref = {p.ref: p for p in plan.projects}
    assert by_ref["SA001"].methodology == given["SA001"] == "SA_AM001"
    assert by_ref["ID013"].methodology == "ID_AM001" and by_ref["KH005"].methodology == "KH_AM004"
    approved = {m.reference for m in data.methodologies()}
    for project in plan.projects:
        source = project.methodology_source
        assert (project.methodology in approved) == (source in ("data", "matched"))
        assert source != "derived" or int(project.methodology[-3:]) >= 901
    hashes = [p.pdd_hash for p in plan.projects] + [p.validation_report_hash for p in plan.projects]
    assert len(set(hashes)) == len(hashes)


def test_issuances_are_valid_decisions(plan: SeedPlan) -> None:
    by_ref = {p.ref: p for p in plan.projects}
    last_end: dict[str, date] = {}
    assert len(plan.issuances) > 100
    later = {a.issuance for a in plan.authorizations if not a.amendment}
    for n, issuance in enumerate(plan.issuances):
        assert 2016 <= issuance.vintage <= 2024 and issuance.vintage == issuance.monitoring_end.year
        assert issuance.monitoring_start <= issuance.monitoring_end
        previous = last_end.get(issuance.project_ref)
        assert previous is None or issuance.monitoring_start > previous
        last_end[issuance.project_ref] = issuance.monitoring_end
        registered = by_ref[issuance.project_ref].registration_date
        assert registered is None or issuance.monitoring_start >= registered
        assert 0 < issuance.quantity <= issuance.verified_reductions <= 20_000
        assert sum(a for _, a in issuance.allocations) == issuance.quantity
        assert all(a > 0 for _, a in issuance.allocations)
        holders = [h for h, _ in issuance.allocations]
        assert holders[:2] == ["gov-jp", f"gov-{issuance.country.lower()}"]
        authorized = issuance.authorization != 0 or n in later
        assert authorized == (issuance.vintage >= 2021)  # never before decision 2/CMA.3
        assert (issuance.authorization_date is not None) == (issuance.authorization != 0)
        assert len(issuance.japan_signers) == 2 and len(issuance.partner_signers) == 1
    assert {i.vintage for i in plan.issuances} >= {2016, 2020, 2024}
    assert any(len(i.allocations) == 4 for i in plan.issuances)  # both sides' participants


def test_history_stays_within_holdings(plan: SeedPlan) -> None:
    held: dict[tuple[int, str], int] = {}
    for index, issuance in enumerate(plan.issuances):
        for holder, amount in issuance.allocations:
            held[(index, holder)] = amount
    accounts = {a.label: a for a in plan.accounts}
    final = {n: i.authorization for n, i in enumerate(plan.issuances)}
    final.update({a.issuance: a.authorization for a in plan.authorizations})
    kinds: dict[str, int] = defaultdict(int)
    for movement in plan.movements:
        key = (movement.issuance, movement.holder)
        assert 0 < movement.quantity <= held.get(key, 0)
        held[key] -= movement.quantity
        issuance = plan.issuances[movement.issuance]
        if movement.kind == "transfer":
            assert movement.to is not None and movement.to != movement.holder
            held[(movement.issuance, movement.to)] = (
                held.get((movement.issuance, movement.to), 0) + movement.quantity
            )
            sides = accounts[movement.holder].side, accounts[movement.to].side
            if sides[0] != sides[1]:
                assert final[movement.issuance] != 0  # only authorized batches cross sides
                kinds["international transfer"] += 1
            else:
                kinds["domestic transfer"] += 1
        elif movement.kind == "retire":
            assert movement.purpose is not None
            kinds[f"retire {movement.purpose.name}"] += 1
        else:
            assert movement.reason not in (None, CancellationReason.CORRECTION)
            assert movement.reason is not None
            kinds[f"cancel {movement.reason.name}"] += 1
    for kind in ("domestic transfer", "international transfer",
                 f"retire {RetirementPurpose.NDC.name}",
                 f"retire {RetirementPurpose.VOLUNTARY_OFFSET.name}",
                 f"cancel {CancellationReason.VOLUNTARY_CANCELLATION.name}",
                 f"cancel {CancellationReason.OVERALL_MITIGATION.name}"):  # fmt: skip
        assert kinds[kind] > 0, (kind, dict(kinds))
    (correction,) = plan.corrections
    assert held[(correction.issuance, correction.account)] >= correction.quantity


def test_a_smaller_plan_for_some_countries() -> None:
    small = build_plan(("ID",))
    assert [c.country for c in small.committees] == ["ID"]
    assert {p.country for p in small.projects} == {"ID"}
    assert {a.side for a in small.accounts} == {"JP", "ID"}
    full = {p.ref: p for p in build_plan().projects}
    assert all(full[p.ref] == p for p in small.projects)  # same references as in the full plan
    with pytest.raises(ValueError, match="not a JCM partner country: XX"):
        build_plan(("XX",))


def test_schedule_orders_every_action_by_its_date(plan: SeedPlan) -> None:
    from registry_client.seed import (
        AUTHORIZE,
        CORRECT,
        ISSUE,
        MOVE,
        REGISTER,
        SEED_START,
        schedule,
    )

    today = date(2026, 4, 1)
    items = schedule(plan, today)
    assert items == sorted(items)
    counts = {phase: sum(1 for _d, p, _i in items if p == phase) for phase in range(5)}
    assert counts == {
        REGISTER: len(plan.projects),
        ISSUE: len(plan.issuances),
        MOVE: len(plan.movements),
        CORRECT: len(plan.corrections),
        AUTHORIZE: len(plan.authorizations),
    }
    assert all(SEED_START <= day <= today for day, _p, _i in items)
    when = {(phase, index): (day, phase) for day, phase, index in items}
    registered = {p.ref: when[(REGISTER, n)] for n, p in enumerate(plan.projects)}
    for n, issuance in enumerate(plan.issuances):
        assert registered[issuance.project_ref] < when[(ISSUE, n)]
    for n, movement in enumerate(plan.movements):
        assert when[(ISSUE, movement.issuance)] < when[(MOVE, n)]
    for n, authorization in enumerate(plan.authorizations):
        moves = [when[(MOVE, m)] for m, mv in enumerate(plan.movements)
                 if mv.issuance == authorization.issuance]  # fmt: skip
        assert when[(ISSUE, authorization.issuance)] < when[(AUTHORIZE, n)]
        assert all(when[(AUTHORIZE, n)] < day for day in moves)  # decided before anything moves
    for n, correction in enumerate(plan.corrections):
        moves = [when[(MOVE, m)] for m, mv in enumerate(plan.movements)
                 if mv.issuance == correction.issuance]  # fmt: skip
        assert all(day < when[(CORRECT, n)] for day in moves)
    years = {day.year for day, _p, _i in items}
    assert len(years) >= 8


def test_the_history_keeps_article_6_rules(plan: SeedPlan) -> None:
    """What ``JCMArticle6`` would refuse never happens: Japan counts toward its NDC, and cancels for
    other purposes, only units first transferred to it (its share of a batch authorized at issuance
    or units it acquired); the host never counts units that left its registry."""
    accounts = {a.label: a for a in plan.accounts}
    later = {a.issuance: a for a in plan.authorizations}
    assert any(not a.amendment for a in plan.authorizations)  # authorized after the issuance
    assert any(a.amendment and a.authorization == 3 for a in plan.authorizations)
    for a in plan.authorizations:
        issuance = plan.issuances[a.issuance]
        assert issuance.vintage >= 2021 and a.authorization_id
        assert a.authorization_date >= issued_on(issuance)
        assert a.amendment == (issuance.authorization != 0)
        assert a.partner_signer.startswith(f"jc-{issuance.country.lower()}-")
    for movement in plan.movements:
        issuance = plan.issuances[movement.issuance]
        exported = issuance.authorization != 0
        final = (
            later[movement.issuance].authorization
            if movement.issuance in later
            else (issuance.authorization)
        )
        side = accounts[movement.holder].side
        if movement.kind == "retire" and movement.purpose == RetirementPurpose.NDC:
            assert movement.using_party == side
            if side == "JP":
                assert exported, movement  # Japan's share was first transferred at issuance
        if movement.reason == CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES:
            assert final == 3, movement
            if side == "JP":
                assert exported, movement
