// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BatchInfo, Issuance, PeriodGap, ProjectInfo, ProjectRegistration} from "./RegistryTypes.sol";

/// @title JCM projects: the project cycle's on-chain record, and the only way credits come into existence
/// @notice Joint committees register projects here, issue batches for verified monitoring periods and correct
/// issued credits. Issuance and correction are carried out on the ledger (`IJCMRegistry`), which accepts them
/// only from this contract.
interface IJCMProjects {
    /// @dev The caller is not the joint committee of `country`.
    error ProjectsNotCommittee(bytes2 country, address caller);
    /// @dev A required text is empty.
    error ProjectsEmptyText();
    /// @dev A text is longer than `max` bytes.
    error ProjectsTextTooLong(uint256 length, uint256 max);
    /// @dev A text is not well-formed UTF-8 or holds a control character, at byte `offset`.
    error ProjectsInvalidText(uint256 offset);
    /// @dev The project reference is already registered.
    error ProjectsAlreadyRegistered(string ref);
    /// @dev A project document hash is zero.
    error ProjectsMissingDocument();
    /// @dev The PDD or registration document (validation report) hash was already used by a project.
    error ProjectsDocumentAlreadyUsed(bytes32 documentHash);
    /// @dev No project with this reference is registered.
    error ProjectsUnknownProject(string ref);
    /// @dev No batch with this id was issued.
    error ProjectsUnknownBatch(uint256 batchId);
    /// @dev The monitoring period ends before it starts, or after `MAX_MONITORING_TIME`.
    error ProjectsInvalidMonitoringPeriod(uint64 start, uint64 end);
    /// @dev The monitoring period `[start, end]` overlaps the period of one of the project's batches, or falls
    /// between two of them that are at most `PERIOD_ADJACENCY` apart (consecutive periods).
    error ProjectsMonitoringPeriodOverlaps(string ref, uint64 start, uint64 end);
    /// @dev The quantity is zero.
    error ProjectsZeroQuantity();
    /// @dev The issuance exceeds the verified emission reductions of its monitoring period.
    error ProjectsQuantityExceedsVerified(uint256 quantity, uint256 verifiedReductions);
    /// @dev The vintage is outside `[min, max]`.
    error ProjectsInvalidVintage(uint16 vintage, uint16 min, uint16 max);
    /// @dev The correction decision id was already used by a correction of `country`'s committee.
    error ProjectsDecisionAlreadyUsed(bytes2 country, bytes32 decisionId);
    /// @dev A project reference is not the project's country code followed by three digits (`ID012`).
    error ProjectsInvalidRef(string ref, bytes2 country);
    /// @dev One issuance may create at most `max` credits.
    error ProjectsQuantityAboveCeiling(uint256 quantity, uint256 max);
    /// @dev The verification report hash is zero.
    error ProjectsMissingVerificationReport();
    /// @dev The verification report was already issued for, as batch `batchId`: one verification, one issuance
    /// (a replayed issuance decision cites the same report).
    error ProjectsReportAlreadyUsed(bytes32 reportHash, uint256 batchId);
    /// @dev The decision id is not the keccak256 of the decision reference text.
    error ProjectsDecisionRefMismatch(string decisionRef, bytes32 decisionId);
    /// @dev The project has `max` batches, the most beside which a period may still arrive out of order.
    error ProjectsTooManyBatches(string ref, uint256 max);

    /// @notice A joint committee registered a project.
    event ProjectRegistered(
        bytes32 indexed projectKey,
        bytes2 indexed country,
        string ref,
        string title,
        string methodology,
        bytes32 pddHash,
        bytes32 validationReportHash
    );

    /// @notice A joint committee issued a batch; the ledger credited its allocations in the same transaction.
    /// `batch` is the issuance's full record, which state keeps only as its hash: `verifyBatch(batch)` is true
    /// for exactly this record. Its authorization is the issuance's (later decisions: `IJCMArticle6`), and its
    /// `internationallyTransferred` is false. `batch.decisionRef` is the committee's decision reference as people
    /// read it (e.g. "JC-ID-2023-05").
    event BatchIssued(uint256 indexed batchId, bytes32 indexed projectKey, bytes32 indexed decisionId, BatchInfo batch);

    /// @notice A joint committee corrected issued credits; the ledger recorded cancellation `cancellationId`.
    event CreditsCorrected(
        bytes32 indexed decisionId,
        uint256 indexed batchId,
        address indexed account,
        uint64 firstSerial,
        uint64 lastSerial,
        uint256 cancellationId
    );

    /// @notice Registers a project. Only the joint committee of the project's country.
    function registerProject(ProjectRegistration calldata project) external;

    /// @notice Issues one batch for one verification report, never cited before, and credits its allocations.
    /// Only the joint committee of the project's country.
    /// @return batchId the new batch's id (its ERC-1155 token id on the ledger)
    function issue(Issuance calldata issuance) external returns (uint256 batchId);

    /// @notice Moves the named serials from an account into its side's cancellation account with reason
    /// `Correction`, keeping all history. Only the joint committee of the batch's country.
    /// @return cancellationId the ledger's cancellation record
    function correct(bytes32 decisionId, address account, uint256 batchId, uint64 firstSerial, uint64 lastSerial)
        external
        returns (uint256 cancellationId);

    /// @notice The ledger this contract issues on.
    function registry() external view returns (address);

    /// @notice A registered project by reference.
    function projectInfo(string calldata ref) external view returns (ProjectInfo memory);

    /// @notice The number of registered projects.
    function projectCount() external view returns (uint256);

    /// @notice The reference of the `index`-th registered project (0-based, in registration order).
    function projectRefAt(uint256 index) external view returns (string memory);

    /// @notice Whether `batch` is exactly the record a `BatchIssued` event carried (its id is the batch issued
    /// for its verification report, and every field, hashed with `abi.encode`, matches the commitment kept
    /// for that report), so a reader of events can prove a batch's issuance data against the chain.
    function verifyBatch(BatchInfo calldata batch) external view returns (bool);

    /// @notice Whether a correction of `country`'s committees already used a decision id. Issuances keep no
    /// decision-id marker: each uses up its verification report (`reportBatch`).
    function correctionDecisionUsed(bytes2 country, bytes32 decisionId) external view returns (bool);

    /// @notice The batch issued for a verification report, zero if no issuance cited it (each report is
    /// issued for at most once).
    function reportBatch(bytes32 reportHash) external view returns (uint256 batchId);

    /// @notice The spaces between a registered project's monitoring periods that a later period may still fill,
    /// in no particular order (what the overlap check of an out-of-order period reads). Besides these, a period
    /// may end before the project's first (`ProjectInfo.firstMonitoringStart`) or start after its latest
    /// (`ProjectInfo.lastMonitoringEnd`). A project's batches and their periods are in its `BatchIssued` events
    /// (indexed by project key), each verifiable with `verifyBatch`.
    function periodGaps(string calldata ref) external view returns (PeriodGap[] memory);

    /// @notice The partner country of a registered project (zero when unknown).
    function projectCountry(string calldata ref) external view returns (bytes2);

    /// @notice The partner country of a batch (zero when unknown).
    function batchCountry(uint256 batchId) external view returns (bytes2);
}
