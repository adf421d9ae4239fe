// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {DecisionKind, IJointCommittee, MemberSide, MemberSignature} from "./interfaces/IJointCommittee.sol";
import {BatchAuthorization, FirstTransferRule, IJCMArticle6} from "./interfaces/IJCMArticle6.sol";
import {IJCMGovernance} from "./interfaces/IJCMGovernance.sol";
import {IJCMProjects} from "./interfaces/IJCMProjects.sol";
import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {Issuance, ProjectRegistration} from "./interfaces/RegistryTypes.sol";
import {CommitteeReplacement, Correction, DecisionTypes, MembershipChange} from "./libraries/DecisionTypes.sol";
import {MemberRoster} from "./libraries/MemberRoster.sol";

/// @title JointCommittee: one partner country's joint committee (合同委員会) as a bilateral multisig
/// @notice Members of the Government of Japan and of the partner government sign decisions offline as EIP-712
/// typed data; anyone submits the collected signatures. A decision executes only with at least the threshold
/// of distinct current members on each side, so neither government can act alone.
/// @dev One contract per partner country: it joins the registry with both governments' consent
/// (`proposeCountry`/`acceptCountry`) and hands over to a successor only by its own `replaceCommittee`
/// decision. Binding: the EIP-712 domain holds the chain id and this contract's address; every
/// decision holds the committee's `nonce` (its membership epoch, so a membership change voids every signature
/// given under the old membership) and a `deadline`. Each exact decision executes once: registrations, issuances,
/// corrections and membership changes by their own effect (a project reference, an issuance's verification
/// report and a correction's decision id are accepted once, a membership change moves the nonce every signature
/// is bound to), so they store nothing for it; the
/// kinds that could otherwise be replayed (committee replacement, Article 6 authorization and first-transfer
/// definition, which can set a state back) are recorded by digest. Signers are checked in strictly ascending
/// address order, so a member counts at most once by construction. Members may be contract wallets (ERC-1271).
contract JointCommittee is IJointCommittee, EIP712 {
    /// @notice Most members per side; bounds every loop over members and signatures.
    uint256 public constant MAX_MEMBERS_PER_SIDE = 16;
    /// @notice Registry side code of Japan.
    bytes2 public constant JAPAN = "JP";
    /// @dev secp256k1's order divided by 2: the largest `s` of a non-malleable signature (EIP-2).
    uint256 private constant _HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    IJCMRegistry private immutable _registry;
    IJCMProjects private immutable _projects;
    IJCMArticle6 private immutable _article6;
    bytes2 private immutable _country;

    /// @dev What every decision reads, in one storage slot: the membership epoch, its size, the thresholds and
    /// the contract whose code lists the members (`MemberRoster`).
    struct Config {
        uint64 nonce;
        uint8 memberCount; // both sides, at most 2 * MAX_MEMBERS_PER_SIDE
        uint8 japanThreshold;
        uint8 partnerThreshold;
        address roster;
    }

    Config private _config;
    /// @dev Executed decisions of the kinds `_recordsDigest` names; the others are single-use by their effect.
    mapping(bytes32 digest => bool) private _executed;

    /// @param registry_ the JCM ledger; its `projects()` contract receives registrations and issuances
    /// @param country_ the partner country's ISO 3166-1 alpha-2 code
    /// @param initial first members and thresholds (nonce 0)
    constructor(IJCMRegistry registry_, bytes2 country_, MembershipChange memory initial)
        EIP712("JCM Joint Committee", "1")
    {
        _registry = registry_;
        _projects = IJCMProjects(registry_.projects());
        _article6 = IJCMArticle6(registry_.article6());
        _country = country_;
        _setMembers(initial);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures (see contract docs); `project.country` is this committee's country;
    /// and `IJCMProjects.registerProject`'s requirements.
    function registerProject(
        ProjectRegistration calldata project,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external {
        // The projects contract refuses another country's project too; here it costs no call and names both.
        if (project.country != _country) revert CommitteeWrongCountry(project.country, _country);
        bytes32 structHash = DecisionTypes.hashRegisterProject(project, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.RegisterProject, decisionNonce, deadline, signatures, false);
        _projects.registerProject(project);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures (see contract docs) and `IJCMProjects.issue`'s requirements, which
    /// include that this is the committee of the project's country (`ProjectsNotCommittee` otherwise).
    function issueCredits(
        Issuance calldata issuance,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external returns (uint256 batchId) {
        bytes32 structHash = DecisionTypes.hashIssueCredits(issuance, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.IssueCredits, decisionNonce, deadline, signatures, false);
        batchId = _issue(issuance);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures (see contract docs) and `IJCMProjects.correct`'s requirements, which
    /// include that this is the committee of the batch's country (`ProjectsNotCommittee` otherwise).
    function correctCredits(
        Correction calldata correction,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external returns (uint256 cancellationId) {
        bytes32 structHash = DecisionTypes.hashCorrectCredits(correction, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.CorrectCredits, decisionNonce, deadline, signatures, false);
        cancellationId = _projects.correct(
            correction.decisionId, correction.account, correction.batchId, correction.firstSerial, correction.lastSerial
        );
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures of the current members (see contract docs); 1-16 members per side,
    /// none zero, repeated or on both sides; each threshold between 1 and its side's member count, so it stays
    /// reachable.
    function changeMembers(
        MembershipChange calldata change,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external {
        bytes32 structHash = DecisionTypes.hashChangeMembers(change, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.ChangeMembers, decisionNonce, deadline, signatures, false);
        _setMembers(change);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures of the current members (see contract docs) and
    /// `IJCMGovernance.replaceCommittee`'s requirements (this is the country's committee; the successor is a
    /// committee of the same country for the same registry).
    function replaceCommittee(
        CommitteeReplacement calldata replacement,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external {
        bytes32 structHash = DecisionTypes.hashReplaceCommittee(replacement, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.ReplaceCommittee, decisionNonce, deadline, signatures, false);
        IJCMGovernance(_registry.governance()).replaceCommittee(_country, replacement.successor);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures of at least the partner side's threshold (see contract docs) and
    /// `IJCMArticle6.setAuthorization`'s requirements, which include that this is the committee of the batch's
    /// country (`Article6NotCommittee` otherwise).
    function setAuthorization(
        BatchAuthorization calldata authorization,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external {
        bytes32 structHash = DecisionTypes.hashSetAuthorization(authorization, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.SetAuthorization, decisionNonce, deadline, signatures, true);
        _article6.setAuthorization(authorization);
    }

    /// @inheritdoc IJointCommittee
    /// @dev Requirements: valid signatures of at least the partner side's threshold (see contract docs) and
    /// `IJCMArticle6.setFirstTransferDefinition`'s requirements.
    function setFirstTransferDefinition(
        FirstTransferRule calldata rule,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external {
        bytes32 structHash = DecisionTypes.hashSetFirstTransferDefinition(rule, decisionNonce, deadline);
        _authorize(structHash, DecisionKind.SetFirstTransferDefinition, decisionNonce, deadline, signatures, true);
        _article6.setFirstTransferDefinition(_country, rule.definition);
    }

    /// @inheritdoc IJointCommittee
    function setAuthorizationDigest(BatchAuthorization calldata authorization, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashSetAuthorization(authorization, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function setFirstTransferDefinitionDigest(FirstTransferRule calldata rule, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashSetFirstTransferDefinition(rule, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function replaceCommitteeDigest(CommitteeReplacement calldata replacement, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashReplaceCommittee(replacement, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function country() external view returns (bytes2) {
        return _country;
    }

    /// @inheritdoc IJointCommittee
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJointCommittee
    function nonce() external view returns (uint256) {
        return _config.nonce;
    }

    /// @inheritdoc IJointCommittee
    function members()
        external
        view
        returns (address[] memory japanMembers, address[] memory partnerMembers, uint8 japanThreshold, uint8 partnerThreshold)
    {
        Config memory config = _config;
        (bytes memory roster, uint256 japanCount) = MemberRoster.load(config.roster, config.memberCount);
        (japanMembers, partnerMembers) = MemberRoster.lists(roster, japanCount);
        return (japanMembers, partnerMembers, config.japanThreshold, config.partnerThreshold);
    }

    /// @inheritdoc IJointCommittee
    function memberSide(address account) external view returns (MemberSide) {
        Config memory config = _config;
        (bytes memory roster, uint256 japanCount) = MemberRoster.load(config.roster, config.memberCount);
        return MemberRoster.sideOf(roster, japanCount, account);
    }

    /// @inheritdoc IJointCommittee
    function executed(bytes32 digest) external view returns (bool) {
        return _executed[digest];
    }

    /// @inheritdoc IJointCommittee
    function registerProjectDigest(ProjectRegistration calldata project, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashRegisterProject(project, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function issueCreditsDigest(Issuance calldata issuance, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashIssueCredits(issuance, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function correctCreditsDigest(Correction calldata correction, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashCorrectCredits(correction, decisionNonce, deadline));
    }

    /// @inheritdoc IJointCommittee
    function changeMembersDigest(MembershipChange calldata change, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(DecisionTypes.hashChangeMembers(change, decisionNonce, deadline));
    }

    /// @dev Checks deadline, nonce, single execution and signatures, then marks the decision executed (kinds
    /// `_recordsDigest` names) before any call out (checks-effects-interactions). `partnerOnly`: the decision is the partner government's
    /// alone (Article 6 authorizations), so Japan's threshold is not required.
    function _authorize(
        bytes32 structHash,
        DecisionKind kind,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures,
        bool partnerOnly
    ) private {
        if (block.timestamp > deadline) revert CommitteeDecisionExpired(deadline, block.timestamp);
        Config memory config = _config;
        if (decisionNonce != config.nonce) revert CommitteeStaleNonce(decisionNonce, config.nonce);
        bytes32 digest = _hashTypedDataV4(structHash);
        bool recorded = _recordsDigest(kind);
        if (recorded && _executed[digest]) revert CommitteeDecisionAlreadyExecuted(digest);
        address[] memory signers = _verifySignatures(digest, signatures, config, partnerOnly);
        if (recorded) _executed[digest] = true;
        emit DecisionExecuted(digest, kind, decisionNonce, msg.sender, signers);
    }

    /// @dev Whether a decision of `kind` must be recorded to run once. Not needed (saving a new storage slot per
    /// decision): a registration's reference is registered once (`ProjectsAlreadyRegistered`); an issuance's
    /// verification report is issued for once (`ProjectsReportAlreadyUsed`); a correction's decision id is used
    /// once per country (`ProjectsDecisionAlreadyUsed`); a membership change
    /// moves the nonce (`CommitteeStaleNonce`). Needed: a committee replacement (the successor can hand the
    /// country back), an authorization and a first-transfer definition (a later decision can be undone by
    /// replaying an earlier one).
    function _recordsDigest(DecisionKind kind) private pure returns (bool) {
        return kind == DecisionKind.ReplaceCommittee || kind == DecisionKind.SetAuthorization
            || kind == DecisionKind.SetFirstTransferDefinition;
    }

    function _verifySignatures(
        bytes32 digest,
        MemberSignature[] calldata signatures,
        Config memory config,
        bool partnerOnly
    )
        private
        view
        returns (address[] memory signers)
    {
        if (signatures.length > config.memberCount) {
            revert CommitteeTooManySignatures(signatures.length, config.memberCount);
        }
        (bytes memory roster, uint256 japanCount) = MemberRoster.load(config.roster, config.memberCount);
        uint256 japanSigners;
        uint256 partnerSigners;
        (signers, japanSigners, partnerSigners) = _checkSigners(digest, signatures, roster, japanCount);
        if (!partnerOnly && japanSigners < config.japanThreshold) {
            revert CommitteeInsufficientSignatures(JAPAN, japanSigners, config.japanThreshold);
        }
        if (partnerSigners < config.partnerThreshold) {
            revert CommitteeInsufficientSignatures(_country, partnerSigners, config.partnerThreshold);
        }
    }

    /// @dev Each entry's signer is a current member above the previous entry's, with a valid signature; counts
    /// the members of each side.
    function _checkSigners(bytes32 digest, MemberSignature[] calldata signatures, bytes memory roster, uint256 japanCount)
        private
        view
        returns (address[] memory signers, uint256 japanSigners, uint256 partnerSigners)
    {
        signers = new address[](signatures.length);
        for (uint256 i = 0; i < signatures.length; ++i) {
            // The common case in one pass over calldata; anything else is decoded and checked in turn.
            address signer = _plainSigner(signatures[i], i == 0 ? address(0) : signers[i - 1], digest);
            bool plain = signer != address(0);
            if (!plain) {
                signer = signatures[i].signer;
                if (i != 0) _checkOrder(signers[i - 1], signer);
            }
            MemberSide side = MemberRoster.sideOf(roster, japanCount, signer);
            if (side == MemberSide.None) revert CommitteeNotMember(signer);
            if (!plain) _checkSignature(signer, digest, signatures[i].signature);
            if (side == MemberSide.Japan) ++japanSigners;
            else ++partnerSigners;
            signers[i] = signer;
        }
    }

    /// @dev Signers in strictly ascending order, so that no member counts twice.
    function _checkOrder(address previous, address signer) private pure {
        if (signer == previous) revert CommitteeDuplicateSigner(signer);
        if (signer < previous) revert CommitteeSignersNotSorted(previous, signer);
    }

    /// @dev The common case of an entry, in one pass over calldata: a signer above `previous` (zero before the
    /// first entry; strictly ascending, so no member counts twice) with its own 65-byte `r ‖ s ‖ v` ECDSA
    /// signature, checked as Safe's `checkNSignatures` does: `s` in the lower half of the curve order (EIP-2) and
    /// the ecrecover precompile returning the signer. That is exactly what `ECDSA.tryRecover` accepts for it.
    /// Returns that signer, or zero for anything else, which the caller decodes and checks in turn (refused by
    /// name, or an ERC-1271 member). Nothing read past calldata's end passes: `calldataload` reads zeros there,
    /// which make no 65-byte length or a zero `v` (no key recovered); a signer word with dirty high bits is
    /// never what the precompile returns.
    function _plainSigner(MemberSignature calldata entry, address previous, bytes32 digest)
        private
        view
        returns (address signer)
    {
        assembly ("memory-safe") {
            let claimed := calldataload(entry)
            let signature := add(entry, calldataload(add(entry, 0x20)))
            let s := calldataload(add(signature, 0x40))
            if and(gt(claimed, previous), and(eq(calldataload(signature), 65), iszero(gt(s, _HALF_CURVE_ORDER)))) {
                let m := mload(0x40)
                mstore(m, digest)
                mstore(add(m, 0x20), byte(0, calldataload(add(signature, 0x60))))
                mstore(add(m, 0x40), calldataload(add(signature, 0x20)))
                mstore(add(m, 0x60), s)
                // The precompile returns nothing when it recovers no key: the zeroed word then fails the match.
                mstore(0x00, 0)
                let called := staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20)
                if and(called, eq(mload(0x00), claimed)) { signer := claimed }
            }
        }
    }

    /// @dev Any signature `_plainSigner` did not accept: OpenZeppelin's `ECDSA.tryRecover` (low `s`, 65
    /// bytes) first, so that a member's valid ECDSA signature is accepted without reading its code (a cold account
    /// access); only when that fails is a contract member asked through ERC-1271 `isValidSignature` (a static
    /// call: it cannot re-enter), the order of OpenZeppelin's `SignatureChecker.isValidSignatureNow`; for a member
    /// without code the ECDSA failure is named.
    function _checkSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        // slither-disable-next-line unused-return (the third value only details a malformed `s`)
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return;
        if (signer.code.length != 0) {
            if (!SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature)) {
                revert CommitteeInvalidSignature(signer);
            }
            return;
        }
        if (error == ECDSA.RecoverError.InvalidSignatureLength) revert CommitteeMalformedSignature(signer);
        if (error == ECDSA.RecoverError.InvalidSignatureS) revert CommitteeMalleableSignature(signer);
        revert CommitteeInvalidSignature(signer);
    }

    /// @dev `_projects.issue(issuance)`, passing on the issuance's own calldata instead of encoding the decoded
    /// struct again (about 3,800 gas with four allocations). Offsets inside an ABI tuple count from its start,
    /// so this call's data from the tuple's start to its end, after `issue`'s selector and the tuple's offset
    /// (0x20), encodes the same value within the same bounds: `JCMProjects` decodes exactly the issuance hashed
    /// for the signatures, and its decoder ignores the bytes after the tuple (the signatures). In assembly
    /// because a Solidity call copies its data once more; a refusal is passed on as it came, as a call would.
    function _issue(Issuance calldata issuance) private returns (uint256 batchId) {
        address projects = address(_projects);
        bytes4 selector = IJCMProjects.issue.selector;
        assembly ("memory-safe") {
            let data := mload(0x40)
            let size := sub(calldatasize(), issuance)
            mstore(data, selector)
            mstore(add(data, 0x04), 0x20)
            calldatacopy(add(data, 0x24), issuance, size)
            if iszero(call(gas(), projects, 0, data, add(size, 0x24), 0, 0x20)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0, 0) }
            batchId := mload(0)
        }
    }

    function _setMembers(MembershipChange memory change) private {
        Config storage config = _config;
        uint64 nextNonce = config.memberCount == 0 ? 0 : config.nonce + 1;
        _checkSide(JAPAN, change.japanMembers.length, change.japanThreshold);
        _checkSide(_country, change.partnerMembers.length, change.partnerThreshold);
        _checkDistinct(change.japanMembers, change.partnerMembers);
        _config = Config({
            nonce: nextNonce,
            memberCount: uint8(change.japanMembers.length + change.partnerMembers.length),
            japanThreshold: change.japanThreshold,
            partnerThreshold: change.partnerThreshold,
            roster: MemberRoster.create(change.japanMembers, change.partnerMembers)
        });
        emit MembersChanged(
            nextNonce, change.japanMembers, change.partnerMembers, change.japanThreshold, change.partnerThreshold
        );
    }

    function _checkSide(bytes2 side, uint256 memberCount, uint8 threshold) private pure {
        if (memberCount == 0 || memberCount > MAX_MEMBERS_PER_SIDE) {
            revert CommitteeInvalidMemberCount(side, memberCount, MAX_MEMBERS_PER_SIDE);
        }
        if (threshold == 0 || threshold > memberCount) revert CommitteeInvalidThreshold(side, threshold, memberCount);
    }

    /// @dev No member is zero, and none appears twice, on one side or on both (at most 32 members: 496 pairs).
    function _checkDistinct(address[] memory japanMembers, address[] memory partnerMembers) private pure {
        uint256 japanCount = japanMembers.length;
        uint256 count = japanCount + partnerMembers.length;
        for (uint256 i = 0; i < count; i++) {
            address member = i < japanCount ? japanMembers[i] : partnerMembers[i - japanCount];
            if (member == address(0)) revert CommitteeInvalidMember(member);
            for (uint256 j = 0; j < i; j++) {
                if (member == (j < japanCount ? japanMembers[j] : partnerMembers[j - japanCount])) {
                    revert CommitteeInvalidMember(member);
                }
            }
        }
    }
}
