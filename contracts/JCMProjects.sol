// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IJCMArticle6} from "./interfaces/IJCMArticle6.sol";
import {IJCMProjects} from "./interfaces/IJCMProjects.sol";
import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {
    BatchInfo,
    Issuance,
    PeriodGap,
    ProjectInfo,
    ProjectRegistration
} from "./interfaces/RegistryTypes.sol";
import {TextChecks} from "./libraries/TextChecks.sol";

/// @title JCMProjects: projects and issuance decisions of the JCM joint committees
/// @notice Joint committees register projects here and issue credits for verified monitoring periods. This
/// contract enforces what makes an issuance legitimate: a registered project of the committee's own country,
/// monitoring periods that never overlap, no more credits than the verified reductions, and one issuance per
/// verification report (so an issuance decision executes once). The ledger (`JCMRegistry`) then assigns
/// serials and credits the allocations.
/// @dev Created by `JCMRegistry`'s constructor, which makes `registry` immutable and this contract its only
/// minter. Committees are looked up on the registry, so governance keeps one list of them. A batch's issuance
/// data is not kept in state: `BatchIssued` carries the full record and state keeps its hash, in the slot that
/// marks its verification report used (`verifyBatch` checks a given record against it). The ledger keeps the
/// batch's country and serials, `JCMArticle6` its current authorization.
///
/// Monitoring periods never overlap, and may arrive out of order. State keeps what a new period may still
/// fill rather than what was issued: the project's first start and latest end (in the project's slot, which
/// every issuance writes anyway) and the spaces between its periods (`periodGaps`). A project's periods are
/// usually consecutive, given as dates, each starting the day after the previous one ends, so an issuance
/// usually leaves no space behind and writes no slot for its period. Periods at most `PERIOD_ADJACENCY` apart
/// count as consecutive: no period can later be issued between them (a period given as dates never could).
///
/// In the JCM a verification report leads to one request for issuance and one issuance decision of the joint
/// committee, which may issue fewer credits than verified but never a second batch from the same verification.
/// So the report, not the decision id, is what an issuance uses up: one new slot per issuance (besides the
/// period), keyed by the report hash, holds the batch and the record's commitment. A replayed issuance cites
/// the same report and is refused. An issuance's decision id is the keccak256 of the committee's decision
/// reference (`ProjectsDecisionRefMismatch` otherwise), which ties the record people read to the signed
/// decision; it is not stored, so the ledger does not refuse an issuance for sharing its decision reference
/// with another decision (two decisions both signed by the committee's two sides). A correction writes no
/// batch, so its decision id is its marker (`correctionDecisionUsed`).
contract JCMProjects is IJCMProjects {
    /// @notice Longest text (reference, title, methodology, authorization id) stored, in bytes.
    uint256 public constant MAX_TEXT_BYTES = 256;
    /// @notice Earliest vintage: the JCM's first bilateral documents were signed in 2013.
    uint16 public constant MIN_VINTAGE = 2013;
    /// @notice Latest vintage accepted.
    uint16 public constant MAX_VINTAGE = 2100;
    /// @notice Most credits one issuance may create (1 Gt CO2e, far above any JCM project's period), so no
    /// decision can exhaust the shared serial space of every country.
    uint64 public constant MAX_ISSUANCE_QUANTITY = 1_000_000_000;
    /// @notice Most batches a project may have and still take a period earlier than its latest: bounds the
    /// search of its gaps (at most one per batch). Later periods are taken whatever the count.
    uint256 public constant MAX_BATCHES_PER_PROJECT = 512;
    /// @notice Latest time a monitoring period may end (2^40 - 1 seconds, in the year 36812): periods are
    /// kept in 40 bits.
    uint64 public constant MAX_MONITORING_TIME = 1_099_511_627_775;
    /// @notice Two monitoring periods whose bounds are at most this far apart (one day) are consecutive: the
    /// space between them is not kept, and no period can later be issued into it. Periods given as dates are
    /// kept from midnight to midnight, so a period that starts the day after another ends is one day after it.
    uint64 public constant PERIOD_ADJACENCY = 1 days;

    /// @dev What a verification report's issuance leaves, in one slot: its batch (a batch id fits 40 bits,
    /// `JCMRegistryState.Counters`; zero: the report was never cited) and the record's commitment, the high 27
    /// bytes of the keccak256 of the `abi.encode`d `BatchInfo` that `BatchIssued` carried (216 bits: finding
    /// another record with the same commitment still takes about 2^216 hashes).
    struct ReportIssuance {
        uint40 batchId;
        bytes27 recordHash;
    }

    /// @dev A project as stored: what every issuance reads and writes (country, registration, first period
    /// start, latest period end, batch and gap counts) in its first slot, the texts and documents after it
    /// (`projectInfo` returns them as `ProjectInfo`). Monitoring times fit 40 bits (`MAX_MONITORING_TIME`).
    struct StoredProject {
        bytes2 country;
        uint64 registeredAt;
        uint40 firstMonitoringStart;
        uint40 lastMonitoringEnd;
        uint32 batchCount;
        uint32 gapCount;
        string ref;
        string title;
        string methodology;
        bytes32 pddHash;
        bytes32 validationReportHash;
    }

    IJCMRegistry private immutable _registry;
    IJCMArticle6 private immutable _article6;
    mapping(bytes32 projectKey => StoredProject) private _projects;
    string[] private _projectRefs;
    mapping(bytes32 documentHash => bool) private _documentUsed;
    /// @dev Correction decision ids used, per deciding committee's country (`_decisionKey`).
    mapping(bytes32 countryDecisionKey => bool) private _corrections;
    /// @dev Per project, the spaces between its periods that are longer than `PERIOD_ADJACENCY`, one a slot, in
    /// no particular order; the count is `StoredProject.gapCount`.
    mapping(bytes32 projectKey => mapping(uint256 index => PeriodGap)) private _gaps;
    /// @dev The issuance of each verification report cited (at most one).
    mapping(bytes32 reportHash => ReportIssuance) private _issuances;

    /// @param registry_ the ledger that creates this contract
    /// @param article6_ the ledger's Article 6 contract, which records each batch's authorization
    constructor(IJCMRegistry registry_, IJCMArticle6 article6_) {
        _registry = registry_;
        _article6 = article6_;
    }

    /// @inheritdoc IJCMProjects
    /// @dev Requirements: caller is the committee of `project.country`; the reference is the country code and
    /// three digits (`ID012`); title and methodology are 1-256 bytes; the reference is new; both document
    /// hashes are non-zero, distinct and never used before.
    function registerProject(ProjectRegistration calldata project) external {
        _onlyCommittee(project.country);
        _checkRef(project.ref, project.country);
        _checkText(project.title, true);
        _checkText(project.methodology, true);
        bytes32 key = keccak256(bytes(project.ref));
        if (_projects[key].registeredAt != 0) revert ProjectsAlreadyRegistered(project.ref);
        _useDocument(project.pddHash);
        _useDocument(project.validationReportHash);

        StoredProject storage stored = _projects[key];
        stored.ref = project.ref;
        stored.country = project.country;
        stored.title = project.title;
        stored.methodology = project.methodology;
        stored.pddHash = project.pddHash;
        stored.validationReportHash = project.validationReportHash;
        stored.registeredAt = uint64(block.timestamp);
        _projectRefs.push(project.ref);
        emit ProjectRegistered(
            key,
            project.country,
            project.ref,
            project.title,
            project.methodology,
            project.pddHash,
            project.validationReportHash
        );
    }

    /// @inheritdoc IJCMProjects
    /// @dev Requirements: caller is the committee of the project's country; the verification report hash is
    /// non-zero and no earlier issuance cited it; 0 < quantity <= min(verified reductions,
    /// `MAX_ISSUANCE_QUANTITY`); the monitoring period is well formed and overlaps none of the project's batches
    /// (periods may arrive out of order, but not between two consecutive ones: `PERIOD_ADJACENCY`); the vintage is within `[MIN_VINTAGE, MAX_VINTAGE]`; the decision id is
    /// the keccak256 of the decision reference; and the ledger's requirements of `IJCMRegistry.mint` (valid
    /// allocations adding up to the quantity).
    function issue(Issuance calldata issuance) external returns (uint256 batchId) {
        bytes32 key = keccak256(bytes(issuance.projectRef));
        StoredProject storage project = _projects[key];
        (bytes2 country, uint64 registeredAt) = (project.country, project.registeredAt);
        if (registeredAt == 0) revert ProjectsUnknownProject(issuance.projectRef);
        _onlyCommittee(country);
        ReportIssuance storage report = _unusedReport(issuance.verificationReportHash);
        _checkQuantityAndPeriod(issuance);
        _placePeriod(project, key, issuance);
        _checkVintage(issuance.vintage);
        _checkText(issuance.authorizationId, false);
        _checkDecisionRef(issuance);

        // The registry and the Article 6 contract are trusted (the registry created all three) and call back
        // only views, so writing the batch's commitment after the calls cannot be observed half-done.
        uint64 firstSerial;
        uint64 toJapan;
        // slither-disable-next-line reentrancy-no-eth (the registry created this contract and makes no external call)
        (batchId, firstSerial, toJapan) = _registry.mint(country, issuance.quantity, issuance.allocations);
        _recordArticle6(batchId, country, firstSerial, toJapan, issuance);
        bytes memory record = abi.encode(_batchRecord(batchId, country, firstSerial, issuance));
        (report.batchId, report.recordHash) = (uint40(batchId), bytes27(keccak256(record)));
        _emitBatchIssued(batchId, key, issuance.decisionId, record);
    }

    /// @inheritdoc IJCMProjects
    /// @dev Requirements: caller is the committee of the batch's country; no earlier correction of that
    /// country's committees used the decision id; and the ledger's requirements of
    /// `IJCMRegistry.cancelForCorrection`.
    function correct(bytes32 decisionId, address account, uint256 batchId, uint64 firstSerial, uint64 lastSerial)
        external
        returns (uint256 cancellationId)
    {
        bytes2 country = batchCountry(batchId);
        if (country == bytes2(0)) revert ProjectsUnknownBatch(batchId);
        _onlyCommittee(country);
        bytes32 decisionKey = _decisionKey(country, decisionId);
        if (_corrections[decisionKey]) revert ProjectsDecisionAlreadyUsed(country, decisionId);
        _corrections[decisionKey] = true;
        cancellationId = _registry.cancelForCorrection(decisionId, account, batchId, firstSerial, lastSerial);
        emit CreditsCorrected(decisionId, batchId, account, firstSerial, lastSerial, cancellationId);
    }

    /// @inheritdoc IJCMProjects
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJCMProjects
    function projectInfo(string calldata ref) external view returns (ProjectInfo memory) {
        StoredProject storage project = _projects[keccak256(bytes(ref))];
        if (project.registeredAt == 0) revert ProjectsUnknownProject(ref);
        return ProjectInfo({
            ref: project.ref,
            country: project.country,
            title: project.title,
            methodology: project.methodology,
            pddHash: project.pddHash,
            validationReportHash: project.validationReportHash,
            registeredAt: project.registeredAt,
            lastMonitoringEnd: project.lastMonitoringEnd,
            batchCount: project.batchCount,
            firstMonitoringStart: project.firstMonitoringStart
        });
    }

    /// @inheritdoc IJCMProjects
    function projectCount() external view returns (uint256) {
        return _projectRefs.length;
    }

    /// @inheritdoc IJCMProjects
    function projectRefAt(uint256 index) external view returns (string memory) {
        return _projectRefs[index];
    }

    /// @inheritdoc IJCMProjects
    function verifyBatch(BatchInfo calldata batch) external view returns (bool) {
        ReportIssuance storage report = _issuances[batch.verificationReportHash];
        return report.batchId != 0 && report.batchId == batch.id
            && report.recordHash == bytes27(keccak256(abi.encode(batch)));
    }

    /// @inheritdoc IJCMProjects
    function correctionDecisionUsed(bytes2 country, bytes32 decisionId) external view returns (bool) {
        return _corrections[_decisionKey(country, decisionId)];
    }

    /// @inheritdoc IJCMProjects
    function reportBatch(bytes32 reportHash) external view returns (uint256) {
        return _issuances[reportHash].batchId;
    }

    /// @inheritdoc IJCMProjects
    /// @dev At most `MAX_BATCHES_PER_PROJECT` gaps are ever compared; a project has at most one per batch.
    function periodGaps(string calldata ref) external view returns (PeriodGap[] memory gaps) {
        bytes32 key = keccak256(bytes(ref));
        StoredProject storage project = _projects[key];
        if (project.registeredAt == 0) revert ProjectsUnknownProject(ref);
        gaps = new PeriodGap[](project.gapCount);
        for (uint256 i = 0; i < gaps.length; i++) {
            gaps[i] = _gaps[key][i];
        }
    }

    /// @inheritdoc IJCMProjects
    function projectCountry(string calldata ref) external view returns (bytes2) {
        return _projects[keccak256(bytes(ref))].country;
    }

    /// @inheritdoc IJCMProjects
    /// @dev The ledger keeps each batch's country (this contract does not).
    function batchCountry(uint256 batchId) public view returns (bytes2) {
        if (batchId == 0 || batchId > _registry.batchCount()) return bytes2(0);
        return _registry.batchState(batchId).country;
    }

    /// @dev Tells `JCMArticle6` of the new batch's authorization and of Japan's share, the batch's `toJapan`
    /// lowest serials (first transferred at issuance when the batch is authorized).
    function _recordArticle6(
        uint256 batchId,
        bytes2 country,
        uint64 firstSerial,
        uint64 toJapan,
        Issuance calldata issuance
    ) private {
        _article6.recordIssuance(
            batchId, country, issuance.authorization, issuance.authorizationDate, firstSerial, toJapan
        );
    }

    /// @dev Emits `BatchIssued(batchId, projectKey, decisionId, batch)` with `record` = `abi.encode(batch)` as
    /// its data, which is exactly what `emit` would log (an event's data is the ABI encoding of its non-indexed
    /// arguments, here one tuple), so the record is encoded once for its commitment and its event.
    function _emitBatchIssued(uint256 batchId, bytes32 projectKey, bytes32 decisionId, bytes memory record) private {
        bytes32 topic = BatchIssued.selector;
        assembly ("memory-safe") {
            log4(add(record, 0x20), mload(record), topic, batchId, projectKey, decisionId)
        }
    }

    /// @dev The issuance's full record as `BatchIssued` carries it and `verifyBatch` checks it: the
    /// authorization is the issuance's, and nothing was transferred internationally yet.
    function _batchRecord(uint256 batchId, bytes2 country, uint64 firstSerial, Issuance calldata issuance)
        private
        view
        returns (BatchInfo memory b)
    {
        b.id = batchId;
        b.projectRef = issuance.projectRef;
        b.country = country;
        b.monitoringStart = issuance.monitoringStart;
        b.monitoringEnd = issuance.monitoringEnd;
        b.vintage = issuance.vintage;
        b.quantity = issuance.quantity;
        b.verifiedReductions = issuance.verifiedReductions;
        b.firstSerial = firstSerial;
        b.lastSerial = firstSerial + issuance.quantity - 1;
        b.decisionId = issuance.decisionId;
        b.decisionRef = issuance.decisionRef;
        b.verificationReportHash = issuance.verificationReportHash;
        b.authorization = issuance.authorization;
        b.authorizationId = issuance.authorizationId;
        b.authorizationDate = issuance.authorizationDate;
        b.issuedAt = uint64(block.timestamp);
    }

    function _checkQuantityAndPeriod(Issuance calldata issuance) private pure {
        // Each calldata field read once (every read of a calldata struct's field is decoded and range-checked).
        (uint64 quantity, uint64 verified, uint64 start, uint64 end) =
            (issuance.quantity, issuance.verifiedReductions, issuance.monitoringStart, issuance.monitoringEnd);
        if (quantity == 0) revert ProjectsZeroQuantity();
        if (quantity > verified) revert ProjectsQuantityExceedsVerified(quantity, verified);
        if (quantity > MAX_ISSUANCE_QUANTITY) revert ProjectsQuantityAboveCeiling(quantity, MAX_ISSUANCE_QUANTITY);
        if (start > end || end > MAX_MONITORING_TIME) revert ProjectsInvalidMonitoringPeriod(start, end);
    }

    function _checkVintage(uint16 vintage) private pure {
        if (vintage < MIN_VINTAGE || vintage > MAX_VINTAGE) {
            revert ProjectsInvalidVintage(vintage, MIN_VINTAGE, MAX_VINTAGE);
        }
    }

    /// @dev Checks that the issuance's monitoring period overlaps none of the project's and takes its place:
    /// after the latest period (the usual case: O(1)), before the first, or in a gap between two. What it leaves
    /// free beside it, if longer than `PERIOD_ADJACENCY`, becomes a gap. One read and one write of the project's
    /// slot; `_checkQuantityAndPeriod` kept both times within 40 bits.
    function _placePeriod(StoredProject storage project, bytes32 key, Issuance calldata issuance) private {
        (uint40 firstStart, uint40 lastEnd, uint32 count, uint32 gaps) =
            (project.firstMonitoringStart, project.lastMonitoringEnd, project.batchCount, project.gapCount);
        uint40 start = uint40(issuance.monitoringStart);
        if (count == 0) {
            (firstStart, lastEnd) = (start, uint40(issuance.monitoringEnd));
        } else if (start > lastEnd) {
            if (start - lastEnd > PERIOD_ADJACENCY) gaps = _addGap(key, gaps, lastEnd, start);
            lastEnd = uint40(issuance.monitoringEnd);
        } else {
            // Out of order: bounded by the batches it may have to look past (a gap per batch at most).
            if (count >= MAX_BATCHES_PER_PROJECT) {
                revert ProjectsTooManyBatches(issuance.projectRef, MAX_BATCHES_PER_PROJECT);
            }
            (firstStart, gaps) = _placeEarlierPeriod(key, firstStart, gaps, issuance);
        }
        _updateProject(project, firstStart, lastEnd, count + 1, gaps);
    }

    /// @dev One write of what `_placePeriod` changes in the project's first slot.
    function _updateProject(StoredProject storage project, uint40 firstStart, uint40 lastEnd, uint32 count, uint32 gaps)
        private
    {
        (project.firstMonitoringStart, project.lastMonitoringEnd, project.batchCount, project.gapCount) =
            (firstStart, lastEnd, count, gaps);
    }

    /// @dev A period that starts before the project's latest end: before its first period, or in a gap.
    function _placeEarlierPeriod(bytes32 key, uint40 firstStart, uint32 gaps, Issuance calldata issuance)
        private
        returns (uint40, uint32)
    {
        (uint40 start, uint40 end) = (uint40(issuance.monitoringStart), uint40(issuance.monitoringEnd));
        if (end >= firstStart) return (firstStart, _fillGap(key, gaps, issuance.projectRef, start, end));
        if (firstStart - end > PERIOD_ADJACENCY) gaps = _addGap(key, gaps, end, firstStart);
        return (start, gaps);
    }

    /// @dev Keeps the space between `previousEnd` and `nextStart` as the project's gap number `gaps`; returns the
    /// new gap count.
    function _addGap(bytes32 key, uint32 gaps, uint64 previousEnd, uint64 nextStart) private returns (uint32) {
        _gaps[key][gaps] = PeriodGap({previousEnd: previousEnd, nextStart: nextStart});
        return gaps + 1;
    }

    /// @dev Puts `[start, end]` into the gap that holds it, keeping what stays free on either side if longer
    /// than `PERIOD_ADJACENCY` (a filled gap is replaced by the last one); returns the new gap count. A period
    /// that no gap holds overlaps a batch's period or lies between two consecutive ones.
    function _fillGap(bytes32 key, uint32 gaps, string calldata ref, uint40 start, uint40 end)
        private
        returns (uint32)
    {
        mapping(uint256 => PeriodGap) storage list = _gaps[key];
        for (uint256 i = 0; i < gaps; i++) {
            PeriodGap storage gap = list[i];
            (uint64 previousEnd, uint64 nextStart) = (gap.previousEnd, gap.nextStart);
            if (previousEnd < start && end < nextStart) {
                bool keepBefore = start - previousEnd > PERIOD_ADJACENCY;
                bool keepAfter = nextStart - end > PERIOD_ADJACENCY;
                if (keepBefore) {
                    gap.nextStart = start;
                    return keepAfter ? _addGap(key, gaps, end, nextStart) : gaps;
                }
                if (keepAfter) {
                    gap.previousEnd = end;
                    return gaps;
                }
                uint256 last = gaps - 1;
                if (i != last) list[i] = list[last];
                delete list[last];
                return gaps - 1;
            }
        }
        revert ProjectsMonitoringPeriodOverlaps(ref, start, end);
    }

    /// @dev The slot of a verification report no issuance cited yet (`issue` fills it with the new batch). One
    /// report, one issuance: this is also what makes an issuance decision execute once.
    function _unusedReport(bytes32 reportHash) private view returns (ReportIssuance storage report) {
        if (reportHash == bytes32(0)) revert ProjectsMissingVerificationReport();
        report = _issuances[reportHash];
        uint256 batchId = report.batchId;
        if (batchId != 0) revert ProjectsReportAlreadyUsed(reportHash, batchId);
    }

    function _onlyCommittee(bytes2 country) private view {
        address committee = _registry.committeeOf(country);
        if (committee == address(0) || committee != msg.sender) revert ProjectsNotCommittee(country, msg.sender);
    }

    /// @dev Correction decision ids are namespaced by the deciding committee's country: one committee's ids
    /// never block another's, and a successor committee cannot reuse its predecessor's.
    function _decisionKey(bytes2 country, bytes32 decisionId) private pure returns (bytes32) {
        return keccak256(abi.encode(country, decisionId));
    }

    /// @dev The decision reference is plain text whose keccak256 is the decision id, so the id people read
    /// and the id the ledger keys decisions by cannot disagree.
    function _checkDecisionRef(Issuance calldata issuance) private pure {
        string calldata decisionRef = issuance.decisionRef;
        _checkText(decisionRef, true);
        if (keccak256(bytes(decisionRef)) != issuance.decisionId) {
            revert ProjectsDecisionRefMismatch(decisionRef, issuance.decisionId);
        }
    }

    /// @dev A project reference is the project's country code and three digits, e.g. `ID012`.
    function _checkRef(string calldata ref, bytes2 country) private pure {
        bytes calldata b = bytes(ref);
        bool ok = b.length == 5 && b[0] == country[0] && b[1] == country[1];
        for (uint256 i = 2; ok && i < 5; i++) {
            ok = b[i] >= "0" && b[i] <= "9";
        }
        if (!ok) revert ProjectsInvalidRef(ref, country);
    }

    function _useDocument(bytes32 documentHash) private {
        if (documentHash == bytes32(0)) revert ProjectsMissingDocument();
        if (_documentUsed[documentHash]) revert ProjectsDocumentAlreadyUsed(documentHash);
        _documentUsed[documentHash] = true;
    }

    /// @dev Length bounds, then `TextChecks`: well-formed UTF-8 without control characters.
    function _checkText(string calldata text, bool required) private pure {
        uint256 length = bytes(text).length;
        if (required && length == 0) revert ProjectsEmptyText();
        if (length > MAX_TEXT_BYTES) revert ProjectsTextTooLong(length, MAX_TEXT_BYTES);
        uint256 offset = TextChecks.firstInvalid(text);
        if (offset != TextChecks.NONE) revert ProjectsInvalidText(offset);
    }
}
