"""Bilateral governance (docs/design.md §2 rule 10, §3): per-side authorities, joining by both
governments' consent, committee replacement by the committee's own decision, the bounded pause,
and corrections confined to the committee's two registries.

Each rule has its allowed path and its refusals, with the custom error and its arguments. The
attack suites (``tests/attacks/test_attack_one_government.py``) try every state-changing function
as one government alone.
"""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import keccak

from registry_client import decisions as d
from registry_client.domain import (
    MAX_PAUSE_DURATION,
    ZERO_ADDRESS,
    AccountKind,
)
from support.contracts import (
    CONTAINERS,
    ID,
    JP,
    TH,
    URI,
    VN,
    World,
    addr,
    events,
    member_key,
    reverts,
    sign,
)

ADMIN_ROLE = b"\x00" * 32
MN = b"MN"
WEEK = MAX_PAUSE_DURATION  # 7 days (tests/test_domain.py ties it to the contract)


def registrar_role(side: bytes) -> bytes:
    return keccak(b"JCM_REGISTRAR_" + side)


def authority_role(side: bytes) -> bytes:
    return keccak(b"JCM_AUTHORITY_" + side)


def committee_for(world: World, country: bytes, registry: Any = None) -> Any:
    """A real JointCommittee of ``country`` (two fresh members, thresholds 1 and 1)."""
    label = country.decode()
    return world.admin.deploy(
        CONTAINERS["JointCommittee"],
        registry or world.registry,
        country,
        ([member_key(f"{label}-jp").address], [member_key(f"{label}-p").address], 1, 1),
    )


def quorum(world: World) -> tuple[Any, ...]:
    return (world.japan_members[0], world.japan_members[1], world.partner_members[0])


# --- deployment -------------------------------------------------------------------------------


def test_deployment_state(world: World) -> None:
    registry, projects, governance = world.registry, world.projects, world.governance
    assert projects.registry() == registry.address == governance.registry()
    assert registry.projects() == projects.address
    assert registry.governance() == governance.address
    # Nobody holds the default admin role: every role's admin is its own side's authority.
    assert not registry.hasRole(ADMIN_ROLE, world.admin)
    for side in (JP, ID, TH, VN):
        assert registry.authorityRole(side) == authority_role(side)
        assert registry.getRoleAdmin(authority_role(side)) == authority_role(side)
        assert registry.getRoleAdmin(registrar_role(side)) == authority_role(side)
        assert registry.hasRole(authority_role(side), world.authorities[side])
        for other in (JP, ID, TH, VN):
            if other != side:
                assert not registry.hasRole(authority_role(side), world.authorities[other])
    assert [bytes(c) for c in registry.countries()] == [ID, TH, VN]
    assert registry.committeeOf(VN) == addr(world.joint)
    assert registry.committeeOf(JP) == ZERO_ADDRESS
    assert registry.uri(1) == URI
    assert not registry.paused()
    assert governance.MAX_PAUSE_DURATION() == WEEK == governance.PAUSE_COOLDOWN()


def test_constructor_refuses_zero_authority(world: World) -> None:
    with reverts("RegistryZeroAddress"):
        world.admin.deploy(CONTAINERS["JCMRegistry"], ZERO_ADDRESS, URI)


# --- joining: Japan's authority proposes, the partner's authority accepts ----------------------


def test_a_country_joins_with_both_authorities_consent(world: World) -> None:
    registry, governance = world.registry, world.governance
    committee, partner = committee_for(world, MN), world.spare[0]
    receipt = governance.proposeCountry(MN, committee, partner, sender=world.admin)
    assert events(receipt, "CountryProposed") == [
        {"country": MN, "committee": addr(committee), "authority": addr(partner)}
    ]
    assert governance.countryProposal(MN) == (addr(committee), addr(partner))
    assert registry.committeeOf(MN) == ZERO_ADDRESS  # nothing changed yet
    receipt = governance.acceptCountry(MN, committee, sender=partner)
    assert events(receipt, "CountryAdded") == [{"country": MN, "committee": addr(committee)}]
    assert [bytes(c) for c in registry.countries()] == [ID, TH, VN, MN]
    assert registry.committeeOf(MN) == addr(committee)
    assert registry.sideAccounts(MN) == (ZERO_ADDRESS, ZERO_ADDRESS)
    assert governance.countryProposal(MN) == (ZERO_ADDRESS, ZERO_ADDRESS)
    assert registry.hasRole(authority_role(MN), partner)
    assert not registry.hasRole(authority_role(MN), world.admin)
    # The new partner's authority governs its own registrars; Japan's cannot.
    with reverts(
        "AccessControlUnauthorizedAccount", account=world.admin, neededRole=authority_role(MN)
    ):
        registry.grantRole(registrar_role(MN), world.spare[1], sender=world.admin)
    registry.grantRole(registrar_role(MN), world.spare[1], sender=partner)
    registry.openAccount(world.spare[2], MN, AccountKind.HOLDING, "MN Co", sender=world.spare[1])


def test_propose_refusals(world: World) -> None:
    governance, committee = world.governance, committee_for(world, MN)
    for who in (world.authorities[ID], world.outsider, world.jp.registrar, world.committees[ID]):
        with reverts("GovernanceNotAuthority", side=JP, caller=who):
            governance.proposeCountry(MN, committee, world.spare[0], sender=who)
    for code in (b"JP", b"mn", b"M1", b"\x00\x00", b"M "):
        with reverts("GovernanceInvalidCountryCode", code=code):
            governance.proposeCountry(code, committee, world.spare[0], sender=world.admin)
    with reverts("GovernanceCountryAlreadyAdded", country=ID):
        governance.proposeCountry(ID, committee, world.spare[0], sender=world.admin)
    with reverts("GovernanceZeroAddress"):
        governance.proposeCountry(MN, ZERO_ADDRESS, world.spare[0], sender=world.admin)
    with reverts("GovernanceZeroAddress"):
        governance.proposeCountry(MN, committee, ZERO_ADDRESS, sender=world.admin)


def test_accept_refusals(world: World) -> None:
    governance, partner = world.governance, world.spare[0]
    committee = committee_for(world, MN)
    with reverts("GovernanceNoCountryProposal", country=MN):
        governance.acceptCountry(MN, committee, sender=partner)
    governance.proposeCountry(MN, committee, partner, sender=world.admin)
    # Japan's authority cannot accept its own proposal, nor can anyone but the named authority.
    for who in (world.admin, world.authorities[ID], world.outsider):
        with reverts("GovernanceNotProposedAuthority", country=MN, caller=who):
            governance.acceptCountry(MN, committee, sender=who)
    other = committee_for(world, MN)
    with reverts("GovernanceProposalMismatch", country=MN, committee=other, proposed=committee):
        governance.acceptCountry(MN, other, sender=partner)


def test_only_a_joint_committee_of_that_country_for_this_registry_joins(world: World) -> None:
    governance, partner = world.governance, world.spare[0]
    elsewhere = world.admin.deploy(CONTAINERS["JCMRegistry"], world.admin, URI)
    candidates = {
        "an account": world.outsider,
        "another country's committee": committee_for(world, b"KH"),
        "a committee for another registry": committee_for(world, MN, elsewhere),
        "a contract that is no committee": world.projects,
    }
    for what, candidate in candidates.items():
        governance.proposeCountry(MN, candidate, partner, sender=world.admin)
        with reverts("GovernanceNotJointCommittee", country=MN, committee=candidate):
            governance.acceptCountry(MN, candidate, sender=partner)
        assert world.registry.committeeOf(MN) == ZERO_ADDRESS, what


def test_only_governance_changes_sides_committees_and_pauses(world: World) -> None:
    registry = world.registry
    for who in (world.admin, world.authorities[ID], world.committees[ID], world.outsider):
        with reverts("RegistryNotGovernance", caller=who):
            registry.addCountry(MN, world.outsider, world.outsider, sender=who)
        with reverts("RegistryNotGovernance", caller=who):
            registry.setCommittee(VN, world.outsider, sender=who)
        with reverts("RegistryNotGovernance", caller=who):
            registry.setPause(2**40, JP, sender=who)


# --- committee replacement: only by the committee's own decision -------------------------------


def test_a_committee_hands_over_by_its_own_decision_under_both_thresholds(world: World) -> None:
    successor = committee_for(world, VN)
    handover = d.ReplaceCommitteeDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        replacement=d.CommitteeReplacement(successor=addr(successor)),
    )
    # One government's members alone cannot replace the committee.
    with reverts("CommitteeInsufficientSignatures", side=VN, count=0, required=1):
        world.submit(handover, sign(handover, *world.japan_members))
    with reverts("CommitteeInsufficientSignatures", side=JP, count=0, required=2):
        world.submit(handover, sign(handover, *world.partner_members))
    receipt = world.submit(handover, sign(handover, *quorum(world)))
    assert events(receipt, "CommitteeSet") == [
        {"country": VN, "previousCommittee": addr(world.joint), "committee": addr(successor)}
    ]
    assert world.registry.committeeOf(VN) == addr(successor)


def test_no_authority_replaces_a_committee(world: World) -> None:
    successor = committee_for(world, VN)
    for who in (world.admin, world.authorities[VN], world.outsider, world.committees[ID]):
        with reverts("GovernanceNotCommittee", country=VN, caller=who):
            world.governance.replaceCommittee(VN, successor, sender=who)


def test_a_committee_hands_over_only_to_a_committee_of_its_country(world: World) -> None:
    for successor in (committee_for(world, b"KH"), world.outsider, world.joint):
        handover = d.ReplaceCommitteeDecision(
            domain=world.domain(),
            nonce=world.committee_nonce(),
            deadline=world.deadline(),
            replacement=d.CommitteeReplacement(successor=addr(successor)),
        )
        with reverts("GovernanceNotJointCommittee", country=VN, committee=successor):
            world.submit(handover, sign(handover, *quorum(world)))


# --- registrars: each side's authority, its own side only ---------------------------------------


def test_each_authority_grants_and_revokes_only_its_own_sides_registrars(world: World) -> None:
    registry, newcomer = world.registry, world.spare[0]
    for side, other in ((JP, ID), (ID, JP)):
        mine, theirs = world.authorities[side], world.authorities[other]
        with reverts(
            "AccessControlUnauthorizedAccount", account=theirs, neededRole=authority_role(side)
        ):
            registry.grantRole(registrar_role(side), newcomer, sender=theirs)
        with reverts(
            "AccessControlUnauthorizedAccount", account=theirs, neededRole=authority_role(side)
        ):
            registry.revokeRole(registrar_role(side), world.sides[side].registrar, sender=theirs)
        with reverts(
            "AccessControlUnauthorizedAccount", account=theirs, neededRole=authority_role(side)
        ):
            registry.grantRole(authority_role(side), theirs, sender=theirs)
        receipt = registry.grantRole(registrar_role(side), newcomer, sender=mine)
        assert events(receipt, "RoleGranted")[0]["account"] == addr(newcomer)
        registry.revokeRole(registrar_role(side), newcomer, sender=mine)
    with reverts(
        "AccessControlUnauthorizedAccount",
        account=world.jp.registrar,
        neededRole=authority_role(JP),
    ):
        registry.grantRole(registrar_role(JP), newcomer, sender=world.jp.registrar)


def test_an_authority_hands_over_to_a_new_key(world: World) -> None:
    registry, multisig = world.registry, world.spare[0]
    registry.grantRole(authority_role(ID), multisig, sender=world.authorities[ID])
    registry.renounceRole(authority_role(ID), world.authorities[ID], sender=world.authorities[ID])
    assert registry.hasRole(authority_role(ID), multisig)
    assert not registry.hasRole(authority_role(ID), world.authorities[ID])
    registry.grantRole(registrar_role(ID), world.spare[1], sender=multisig)


# --- pause: either authority, bounded, never lapsing a signed decision --------------------------


def test_pause_by_either_authority_and_lifted_by_the_same(world: World) -> None:
    registry, governance = world.registry, world.governance
    receipt = governance.pause(VN, 3600, sender=world.authorities[VN])
    until = int(registry.pauseState()[0])
    assert events(receipt, "PauseStarted") == [
        {"side": VN, "authority": addr(world.authorities[VN]), "until": until}
    ]
    assert registry.paused() and bytes(registry.pauseState()[1]) == VN
    with reverts("GovernanceAlreadyPaused", until=until, side=VN):
        governance.pause(JP, 3600, sender=world.admin)
    with reverts("GovernanceNotAuthority", side=VN, caller=world.admin):
        governance.unpause(sender=world.admin)
    receipt = governance.unpause(sender=world.authorities[VN])
    assert events(receipt, "PauseLifted") == [
        {"side": VN, "authority": addr(world.authorities[VN])}
    ]
    assert not registry.paused()
    with reverts("GovernanceNotPaused"):
        governance.unpause(sender=world.authorities[VN])


def test_pause_refusals(world: World) -> None:
    governance = world.governance
    for who in (world.outsider, world.jp.registrar, world.committees[TH], world.authorities[ID]):
        with reverts("GovernanceNotAuthority", side=JP, caller=who):
            governance.pause(JP, 3600, sender=who)
    for duration in (0, WEEK + 1):
        with reverts("GovernanceInvalidPauseDuration", duration=duration, max=WEEK):
            governance.pause(JP, duration, sender=world.admin)


def test_a_side_cannot_chain_pauses(world: World) -> None:
    governance = world.governance
    governance.pause(JP, WEEK, sender=world.admin)
    until = int(world.registry.pauseState()[0])
    allowed = int(governance.pauseAllowedFrom(JP))
    assert allowed == until + WEEK
    ape.chain.pending_timestamp = until
    ape.chain.mine()
    assert not world.registry.paused()
    with reverts("GovernancePauseCoolingDown", side=JP, allowedFrom=allowed):
        governance.pause(JP, 60, sender=world.admin)
    # The other side's authority may still pause in a real emergency.
    governance.pause(ID, 60, sender=world.authorities[ID])


def test_a_decision_signed_before_a_pause_executes_during_it(world: World) -> None:
    decision = world.vn_issuance_decision([(world.vn.companies[0], 5)], deadline=world.deadline(60))
    signatures = sign(decision, *quorum(world))
    world.governance.pause(JP, WEEK, sender=world.admin)
    receipt = world.submit(decision, signatures)
    assert events(receipt, "BatchIssued")


# --- corrections: only the committee's two registries -------------------------------------------


def test_a_correction_reaches_only_japans_side_or_the_batchs_partner_side(world: World) -> None:
    registry, committee = world.registry, world.committees[ID]
    holder, foreign = world.jp.companies[0], world.th.companies[0]
    batch = world.issue("ID012", [(holder, 10)], authorization=1)
    registry.transfer(foreign, batch, 4, sender=holder)  # an international transfer to TH
    first = int(registry.batchState(batch).firstSerial)
    held = registry.holdingRanges(foreign, batch)[0]
    with reverts("RegistryCorrectionOutsideCommittee", account=foreign, side=TH, country=ID):
        world.projects.correct(
            d.decision_id("th fix"), foreign, batch, held[0], held[0], sender=committee
        )
    world.projects.correct(
        d.decision_id("jp fix"), holder, batch, first + 9, first + 9, sender=committee
    )
