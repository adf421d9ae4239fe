"""registry_client.decisions offline: type strings, JSON files, signing, recovery rules, tally.

No chain here; ``test_committee_digests.py`` compares the digests with the contract's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from registry_client import decisions as d

REPO = Path(__file__).resolve().parents[2]
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

JP_KEYS = [Account.from_key(keccak(text=f"decisions test JP {i}")) for i in range(3)]
ID_KEYS = [Account.from_key(keccak(text=f"decisions test ID {i}")) for i in range(2)]
OUTSIDER = Account.from_key(keccak(text="decisions test outsider"))
DOMAIN = d.CommitteeDomain(chain_id=31337, committee="0x" + "ab" * 20)


def solidity_type_strings() -> dict[str, str]:
    source = (REPO / "contracts" / "libraries" / "DecisionTypes.sol").read_text(encoding="utf-8")
    found = {}
    for name, body in re.findall(
        r"bytes32 internal constant (\w+)_TYPEHASH = keccak256\((.*?)\);", source, re.S
    ):
        found[name] = "".join(re.findall(r'"([^"]*)"', body))
    return found


def issuance(**overrides: object) -> d.Issuance:
    values: dict[str, object] = {
        "decision_ref": "JC-ID-2024-07-issuance-3",
        "project_ref": "ID012",
        "monitoring_start": "2023-01-01",
        "monitoring_end": "2023-12-31",
        "vintage": 2023,
        "quantity": 5000,
        "verified_reductions": 5200,
        "verification_report_hash": keccak(text="report"),
        "authorization": "NDC",
        "authorization_id": "ID-2024-001",
        "authorization_date": "2024-03-01",
        "allocations": [
            {"account": JP_KEYS[0].address, "amount": 3000},
            {"account": ID_KEYS[0].address, "amount": 2000},
        ],
    }
    values.update(overrides)
    return d.Issuance.model_validate(values)


def decisions_of_every_kind() -> list[d.Decision]:
    return [
        d.RegisterProjectDecision(
            domain=DOMAIN,
            nonce=0,
            deadline=2_000_000_000,
            project=d.ProjectRegistration(
                ref="ID012",
                country="ID",
                title="ジャカルタの省エネ空調 (energy-saving air conditioning)",
                methodology="ID_AM002",
                pdd_hash=keccak(text="pdd"),
                validation_report_hash=keccak(text="validation"),
            ),
        ),
        d.IssueCreditsDecision(domain=DOMAIN, nonce=1, deadline=2_000_000_000, issuance=issuance()),
        d.CorrectCreditsDecision(
            domain=DOMAIN,
            nonce=2,
            deadline=2_000_000_000,
            correction=d.Correction(
                decision_id=d.decision_id("JC-ID-2024-08-correction-1"),
                account=JP_KEYS[1].address,
                batch_id=3,
                first_serial=100,
                last_serial=199,
            ),
        ),
        d.ChangeMembersDecision(
            domain=DOMAIN,
            nonce=3,
            deadline=2_000_000_000,
            change=d.MembershipChange(
                japan_members=[k.address for k in JP_KEYS],
                partner_members=[k.address for k in ID_KEYS],
                japan_threshold=2,
                partner_threshold=1,
            ),
        ),
    ]


def test_type_strings_are_the_solidity_ones() -> None:
    sol = solidity_type_strings()
    assert set(sol) == {
        "REGISTER_PROJECT",
        "ALLOCATION",
        "ISSUE_CREDITS",
        "CORRECT_CREDITS",
        "CHANGE_MEMBERS",
        "SET_AUTHORIZATION",
    }
    assert d.TYPE_STRINGS["RegisterProject"] == sol["REGISTER_PROJECT"]
    assert d.TYPE_STRINGS["IssueCredits"] == sol["ISSUE_CREDITS"]
    assert d.TYPE_STRINGS["CorrectCredits"] == sol["CORRECT_CREDITS"]
    assert d.TYPE_STRINGS["ChangeMembers"] == sol["CHANGE_MEMBERS"]
    assert d.TYPE_STRINGS["SetAuthorization"] == sol["SET_AUTHORIZATION"]
    assert d.TYPE_STRINGS["IssueCredits"].endswith(sol["ALLOCATION"])


@pytest.mark.parametrize("decision", decisions_of_every_kind(), ids=lambda x: x.kind)
def test_decision_file_round_trip(decision: d.Decision) -> None:
    text = decision.to_json()
    data = json.loads(text)
    assert data["kind"] == decision.kind
    assert data["digest"] == decision.digest_hex
    loaded = d.Decision.from_json(text)
    assert type(loaded) is type(decision)
    assert loaded == decision
    assert loaded.digest == decision.digest
    assert type(decision).from_json(text) == decision
    # The typed data is plain JSON (for wallets' eth_signTypedData_v4).
    assert json.loads(json.dumps(decision.typed_data())) == decision.typed_data()


def test_a_derived_decision_has_its_own_digest() -> None:
    decision = decisions_of_every_kind()[1]
    before = decision.digest
    derived = decision.model_copy(update={"nonce": 99})
    assert derived.digest != before
    assert derived.digest == d.Decision.from_json(derived.to_json()).digest


def test_decision_file_refusals() -> None:
    decision = decisions_of_every_kind()[1]
    data = json.loads(decision.to_json())
    data["issuance"]["quantity"] = 6000  # tampered after the digest was written
    with pytest.raises(d.DecisionFormatError, match="states digest"):
        d.Decision.from_json(json.dumps(data))
    with pytest.raises(d.DecisionFormatError, match="expected a CorrectCreditsDecision"):
        d.CorrectCreditsDecision.from_json(decision.to_json())
    with pytest.raises(d.DecisionFormatError):
        d.Decision.from_json("{not json")
    with pytest.raises(d.DecisionFormatError):
        d.Decision.from_json(json.dumps({"kind": "Unknown", "nonce": 0}))
    with pytest.raises(d.DecisionFormatError):
        d.Decision.from_json("[]")
    assert isinstance(d.DecisionFormatError("x"), ValueError)


def test_field_validation() -> None:
    def registration(country: str) -> d.ProjectRegistration:
        return d.ProjectRegistration(
            ref="x",
            country=country,
            title="t",
            methodology="m",
            pdd_hash=b"1" * 32,
            validation_report_hash=b"2" * 32,
        )

    # One rule for sides everywhere (registry_client.domain.side_code): normalised to upper case.
    assert registration("id").country == "ID"
    for bad_country in ("IDN", "I1", "日本"):
        with pytest.raises(ValueError, match="two-letter"):
            registration(bad_country)
    with pytest.raises(ValueError, match="32 bytes"):
        issuance(verification_report_hash="0x1234")
    with pytest.raises(ValueError):
        issuance(quantity=2**64)
    with pytest.raises(ValueError, match="authorization"):
        issuance(authorization="Everything")
    with pytest.raises(ValueError, match="address"):
        d.Allocation(account="0x1234", amount=1)
    # A checksum address with a wrong case is refused; lower case is accepted and normalized.
    good = JP_KEYS[0].address
    assert d.Allocation(account=good.lower(), amount=1).account == good
    bad = good[:2] + good[2:].swapcase()
    with pytest.raises(ValueError, match="checksum"):
        d.Allocation(account=bad, amount=1)


def test_timestamps() -> None:
    assert d.to_timestamp("2023-01-01") == 1672531200
    assert d.to_timestamp("2023-01-01T09:00:00+09:00") == 1672531200
    assert d.to_timestamp("1672531200") == 1672531200
    assert d.to_timestamp(5) == 5
    with pytest.raises(ValueError):
        d.to_timestamp("yesterday")
    with pytest.raises(ValueError):
        d.to_timestamp(True)
    assert issuance().monitoring_start == 1672531200


def test_problems_name_what_the_contracts_refuse() -> None:
    assert issuance().problems() == []
    found = issuance(quantity=6000).problems()
    assert any("exceeds the verified reductions" in p for p in found)
    assert any("add up to 5,000, not the quantity 6,000" in p for p in found)
    assert any("vintage 2012" in p for p in issuance(vintage=2012).problems())
    assert any(
        "ends before" in p
        for p in issuance(monitoring_start="2024-01-01", monitoring_end="2023-01-01").problems()
    )
    # JCMProjects keeps periods in 40 bits: the last second it keeps is fine, the next is not.
    assert issuance(monitoring_end=2**40 - 1).problems() == []
    assert any(
        "ends after 1,099,511,627,775 seconds" in p
        for p in issuance(monitoring_end=2**40).problems()
    )
    long_japanese = "二" * 86  # 258 bytes of UTF-8
    assert any("258 bytes" in p for p in issuance(authorization_id=long_japanese).problems())
    change = d.MembershipChange(
        japan_members=[JP_KEYS[0].address, JP_KEYS[0].address],
        partner_members=[],
        japan_threshold=3,
        partner_threshold=0,
    )
    text = " | ".join(change.problems())
    assert "partner side has 0 members" in text
    assert "Japan threshold 3" in text
    assert "listed twice" in text


def test_sign_recover_verify() -> None:
    decision = decisions_of_every_kind()[1]
    signature = decision.sign(JP_KEYS[0])
    assert signature.signer == JP_KEYS[0].address
    assert signature.digest == decision.digest_hex
    assert len(signature.signature_bytes) == 65
    assert decision.recover(signature) == JP_KEYS[0].address
    assert decision.recover(signature.signature) == JP_KEYS[0].address
    assert decision.recover(signature.signature_bytes) == JP_KEYS[0].address
    decision.verify(signature)
    # The same signature file round-trips.
    assert d.MemberSignature.from_json(signature.to_json()) == signature
    with pytest.raises(d.DecisionFormatError):
        d.MemberSignature.from_json('{"signer": "0x12"}')


def test_signature_refusals_mirror_the_contract() -> None:
    decision = decisions_of_every_kind()[1]
    raw = decision.sign(JP_KEYS[0]).signature_bytes
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]

    with pytest.raises(d.MalformedSignatureError):
        decision.recover(raw[:64])
    with pytest.raises(d.MalformedSignatureError):
        decision.recover("0xzz")
    high_s = r + (N - s).to_bytes(32, "big") + bytes([55 - v])  # the malleable twin
    with pytest.raises(d.MalleableSignatureError):
        decision.recover(high_s)
    for bad_v in (0, 1, 29):
        with pytest.raises(d.InvalidSignatureError, match=f"v = {bad_v}"):
            decision.recover(r + s.to_bytes(32, "big") + bytes([bad_v]))
    with pytest.raises(d.InvalidSignatureError):
        decision.recover(bytes(32) + s.to_bytes(32, "big") + bytes([v]))  # r = 0
    # Signed by someone else but claiming a member.
    forged = decision.sign(OUTSIDER).model_copy(update={"signer": JP_KEYS[0].address})
    with pytest.raises(d.InvalidSignatureError, match="made by"):
        decision.verify(forged)
    # A signature over another decision.
    other = decisions_of_every_kind()[0].sign(JP_KEYS[0])
    with pytest.raises(d.DecisionMismatchError):
        decision.verify(other)
    with pytest.raises(d.DecisionMismatchError):
        decision.contract_call([other])
    assert all(isinstance(e, d.DecisionError) for e in (d.MalformedSignatureError("x"),))


def test_sort_signatures_is_numeric_by_address() -> None:
    decision = decisions_of_every_kind()[1]
    keys = [*JP_KEYS, *ID_KEYS, OUTSIDER]
    ordered = d.sort_signatures(decision.sign(k) for k in reversed(keys))
    values = [int(s.signer, 16) for s in ordered]
    assert values == sorted(values)
    name, args = decision.contract_call(reversed(ordered))
    assert name == "issueCredits"
    assert [a for a, _ in args[3]] == [s.signer for s in ordered]
    assert args[1:3] == (1, 2_000_000_000)


def test_tally() -> None:
    decision = decisions_of_every_kind()[1]
    other = decisions_of_every_kind()[0]
    first = decision.sign(JP_KEYS[0])
    collected = [
        first,
        first,  # the same file twice
        decision.sign(OUTSIDER),  # not a member
        other.sign(JP_KEYS[1]),  # another decision
        decision.sign(ID_KEYS[0]),
        decision.sign(OUTSIDER).model_copy(update={"signer": ID_KEYS[1].address}),  # forged
    ]
    members = ([k.address for k in JP_KEYS], [k.address for k in ID_KEYS])
    status = d.tally(decision, collected, *members, 2, 1, partner_side="ID")
    assert not status.ready
    assert status.japan.count == 1 and status.japan.threshold == 2 and not status.japan.met
    assert status.partner.side == "ID" and status.partner.count == 1 and status.partner.met
    reasons = [c.reason for c in status.rejected]
    assert len(reasons) == 4
    assert any("duplicate" in r for r in reasons if r)
    assert any("not a current member" in r for r in reasons if r)
    assert any("another decision" in r for r in reasons if r)
    assert any("made by" in r for r in reasons if r)

    collected.append(decision.sign(JP_KEYS[2]))
    status = d.tally(decision, collected, *members, 2, 1)
    assert status.ready
    assert [s.signer for s in status.valid_signatures] == [
        s.signer for s in d.sort_signatures(status.valid_signatures)
    ]
    assert len(status.valid_signatures) == 3

    # A contract-wallet member's signature cannot be checked offline: counted, marked unverified.
    wallet = "0x" + "12" * 20
    unverifiable = d.MemberSignature(signer=wallet, signature="0x1234", digest=decision.digest_hex)
    status = d.tally(
        decision,
        [unverifiable],
        [wallet],
        [k.address for k in ID_KEYS],
        1,
        1,
        contract_wallets=[wallet],
    )
    assert status.japan.met and not status.partner.met
    assert status.checks[0].valid and not status.checks[0].verified_offline


def test_summaries() -> None:
    register, issue, correct, change = decisions_of_every_kind()
    sides = {JP_KEYS[0].address: "JP", ID_KEYS[0].address: "ID"}
    text = issue.summary(sides)
    assert text.startswith(
        'Issue 5,000 t for project "ID012", monitoring 2023-01-01..2023-12-31, vintage 2023, '
        "allocated to 2 account(s):\n"
        f"  3,000 t to {JP_KEYS[0].address} (JP)\n"
        f"  2,000 t to {ID_KEYS[0].address} (ID)\n"
    )
    assert 'authorized for NDC use ("ID-2024-001", 2024-03-01)' in text
    assert issue.digest_hex in text and "nonce 1" in text
    assert issue.issuance.verification_report_hash in text  # hashes in full
    assert 'Register project "ID012" (ID)' in register.summary()
    assert "ジャカルタ" in register.summary()
    assert "Correct 100 t of batch 3 (serials 100..199)" in correct.summary()
    assert "threshold 2 of 3" in change.summary() and "threshold 1 of 2" in change.summary()


def test_decision_id() -> None:
    assert (
        d.decision_id("JC-ID-2024-07-issuance-3")
        == "0x" + keccak(text="JC-ID-2024-07-issuance-3").hex()
    )
    with pytest.raises(d.DecisionError):
        d.decision_id("")
