// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Issuance, ProjectRegistration} from "./RegistryTypes.sol";
import {BatchAuthorization, FirstTransferRule} from "./IJCMArticle6.sol";
import {CommitteeReplacement, Correction, MembershipChange} from "../libraries/DecisionTypes.sol";

/// @dev Which government a committee member represents.
enum MemberSide {
    None,
    Japan,
    Partner
}

/// @dev The kinds of decision a joint committee takes on chain.
enum DecisionKind {
    RegisterProject,
    IssueCredits,
    CorrectCredits,
    ChangeMembers,
    ReplaceCommittee,
    SetAuthorization, // the partner side's threshold only: see `setAuthorization`
    SetFirstTransferDefinition // idem
}

/// @dev One member's signature over a decision's EIP-712 digest. `signer` is given because contract-wallet
/// members (ERC-1271) cannot be recovered from a signature.
struct MemberSignature {
    address signer;
    bytes signature;
}

/// @title Joint committee: bilateral multisig decisions signed offline (EIP-712)
/// @notice A partner country's joint committee has members of two sides, Japan and the partner, and a
/// threshold for each. A decision executes only with valid signatures of at least the threshold of distinct
/// current members on *each* side; anyone may submit the collected signatures.
interface IJointCommittee {
    /// @dev The decision's deadline has passed.
    error CommitteeDecisionExpired(uint256 deadline, uint256 timestamp);
    /// @dev The decision was signed for another membership (nonce) than the current one.
    error CommitteeStaleNonce(uint256 signedNonce, uint256 currentNonce);
    /// @dev This exact decision was already executed (kinds recorded by digest; see `executed`).
    error CommitteeDecisionAlreadyExecuted(bytes32 digest);
    /// @dev More signatures than there are members.
    error CommitteeTooManySignatures(uint256 count, uint256 max);
    /// @dev Signatures must be ordered by strictly ascending signer address.
    error CommitteeSignersNotSorted(address previous, address signer);
    /// @dev The same member signed twice.
    error CommitteeDuplicateSigner(address signer);
    /// @dev The signer is not a current member.
    error CommitteeNotMember(address signer);
    /// @dev The signature is not `signer`'s over this decision (wrong key, decision, committee or chain).
    error CommitteeInvalidSignature(address signer);
    /// @dev The signature is not 65 bytes.
    error CommitteeMalformedSignature(address signer);
    /// @dev The signature's `s` is in the upper half of the curve order (a malleable copy).
    error CommitteeMalleableSignature(address signer);
    /// @dev Side `side` (`JP` or the partner's code) has `count` of `required` signatures.
    error CommitteeInsufficientSignatures(bytes2 side, uint256 count, uint256 required);
    /// @dev A project of another country than this committee's.
    error CommitteeWrongCountry(bytes2 country, bytes2 committeeCountry);
    /// @dev A side's member list is empty or longer than `max`.
    error CommitteeInvalidMemberCount(bytes2 side, uint256 count, uint256 max);
    /// @dev A threshold is zero or above the side's member count.
    error CommitteeInvalidThreshold(bytes2 side, uint256 threshold, uint256 members);
    /// @dev A member is the zero address, listed twice, or on both sides.
    error CommitteeInvalidMember(address member);

    /// @notice The membership changed; signatures under earlier nonces are no longer accepted.
    event MembersChanged(
        uint256 indexed nonce,
        address[] japanMembers,
        address[] partnerMembers,
        uint8 japanThreshold,
        uint8 partnerThreshold
    );

    /// @notice A decision executed with the signatures of `signers`, submitted by `submitter`.
    event DecisionExecuted(
        bytes32 indexed digest, DecisionKind indexed kind, uint256 nonce, address submitter, address[] signers
    );

    /// @notice Registers a project of this committee's country.
    function registerProject(
        ProjectRegistration calldata project,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external;

    /// @notice Issues a batch of credits with its allocation to accounts on both sides.
    /// @return batchId the new batch
    function issueCredits(
        Issuance calldata issuance,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external returns (uint256 batchId);

    /// @notice Moves the named serials of one account to cancellation with reason `Correction`.
    /// @return cancellationId the ledger's cancellation record
    function correctCredits(
        Correction calldata correction,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external returns (uint256 cancellationId);

    /// @notice Replaces the members and thresholds of both sides and increments the nonce.
    function changeMembers(
        MembershipChange calldata change,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external;

    /// @notice Hands this committee's country over to `replacement.successor` (a `JointCommittee` of the same
    /// country for the same registry), on a decision signed under both thresholds. This committee then decides
    /// nothing more: the registry and the projects contract accept only the successor.
    function replaceCommittee(
        CommitteeReplacement calldata replacement,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external;

    /// @notice Records, amends or revokes the Article 6 authorization of a batch of this committee's country
    /// (`IJCMArticle6.setAuthorization`). Only the partner side's threshold is needed: authorizing is the host
    /// party's sovereign act (decision 2/CMA.3), and nothing Japan acquired can be taken back by it, since
    /// `JCMArticle6` refuses revocation, and dropping a purpose, once any unit of the batch was first transferred.
    /// Japan's members may sign too; their signatures are checked but not required.
    function setAuthorization(
        BatchAuthorization calldata authorization,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external;

    /// @notice Sets the first-transfer definition of this country's cooperative approach
    /// (`IJCMArticle6.setFirstTransferDefinition`). The partner side's threshold only, as for `setAuthorization`:
    /// the first transferring party defines it, and it is fixed before any unit of the country moves.
    function setFirstTransferDefinition(
        FirstTransferRule calldata rule,
        uint256 decisionNonce,
        uint256 deadline,
        MemberSignature[] calldata signatures
    ) external;

    /// @notice The EIP-712 digest members sign to set a batch's authorization.
    function setAuthorizationDigest(BatchAuthorization calldata authorization, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest members sign to set the first-transfer definition.
    function setFirstTransferDefinitionDigest(FirstTransferRule calldata rule, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest members sign for a committee replacement.
    function replaceCommitteeDigest(CommitteeReplacement calldata replacement, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The partner country of this committee.
    function country() external view returns (bytes2);

    /// @notice The ledger this committee acts on.
    function registry() external view returns (address);

    /// @notice The current nonce: the membership epoch, incremented by every membership change.
    function nonce() external view returns (uint256);

    /// @notice Current members and thresholds.
    function members()
        external
        view
        returns (address[] memory japanMembers, address[] memory partnerMembers, uint8 japanThreshold, uint8 partnerThreshold);

    /// @notice Which side a current member is on (`None` for non-members).
    function memberSide(address account) external view returns (MemberSide);

    /// @notice Whether the committee replacement, authorization or first-transfer definition with this digest
    /// was executed. Registrations, issuances, corrections and membership changes run once by their own effect
    /// and are not recorded here (always false): their `DecisionExecuted` event is their record.
    function executed(bytes32 digest) external view returns (bool);

    /// @notice The EIP-712 digest members sign to register a project.
    function registerProjectDigest(ProjectRegistration calldata project, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest members sign to issue credits.
    function issueCreditsDigest(Issuance calldata issuance, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest members sign to correct credits.
    function correctCreditsDigest(Correction calldata correction, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest members sign to change the membership.
    function changeMembersDigest(MembershipChange calldata change, uint256 decisionNonce, uint256 deadline)
        external
        view
        returns (bytes32);
}
