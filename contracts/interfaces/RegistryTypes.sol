// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev Kinds of registry accounts, as in Japan's JCM registry ordinance and the JCM common specifications.
/// Retirement and cancellation accounts are sinks: one of each per registry side, they receive and never send.
enum AccountKind {
    None,
    Holding, // 法人等保有口座: companies and other entities
    GovernmentHolding, // 政府保有口座
    Retirement, // 無効化口座: credits here count toward a party's target or an offset
    Cancellation // 取消口座: credits here are unusable for any purpose
}

/// @dev Life cycle of an account. `None` means the address was never opened.
enum AccountStatus {
    None,
    Active,
    Frozen,
    Closed
}

/// @dev Article 6.2 authorization of a batch's units (decision 2/CMA.3).
enum Authorization {
    None,
    NDC, // authorized for use toward nationally determined contributions
    OtherPurposes, // authorized for other international mitigation purposes
    NDCAndOtherPurposes
}

/// @dev Why credits were retired.
enum RetirementPurpose {
    NDC, // counted toward the using party's nationally determined contribution
    VoluntaryOffset // a company's or person's voluntary offset
}

/// @dev Why credits were cancelled. `Correction` is reserved for joint-committee decisions.
enum CancellationReason {
    VoluntaryCancellation,
    OtherInternationalMitigationPurposes,
    OverallMitigation,
    Correction
}

/// @dev Where a serial number is now. The ledger keeps retirement and cancellation records as hashes, so
/// `locateSerial` answers `Consumed` for a serial no holding has: the `CreditsRetired` or `CreditsCancelled`
/// event of its batch that names it says which (clients find it and prove it with `verifyRetirement` or
/// `verifyCancellation`); `Retired` and `Cancelled` are what clients answer then.
enum SerialLocation {
    Unissued,
    Held,
    Retired,
    Cancelled,
    Consumed
}

/// @dev An inclusive block of consecutive serial numbers `[first, last]`.
struct SerialRange {
    uint64 first;
    uint64 last;
}

/// @dev Public information about an account.
struct AccountInfo {
    AccountKind kind;
    AccountStatus status;
    bytes2 side;
    uint64 openedAt;
    uint32 nonEmptyHoldings; // batches held now; 0 for retirement and cancellation accounts (never closed)
    string holderName;
}

/// @dev What a joint committee decides when it registers a project. Documents live off chain, referenced by hash.
struct ProjectRegistration {
    string ref; // e.g. "ID012"
    bytes2 country; // partner country ISO 3166-1 alpha-2
    string title;
    string methodology; // e.g. "ID_AM002"
    bytes32 pddHash; // project design document
    bytes32 validationReportHash; // the registration document
}

/// @dev A registered project, as stored.
struct ProjectInfo {
    string ref;
    bytes2 country;
    string title;
    string methodology;
    bytes32 pddHash;
    bytes32 validationReportHash;
    uint64 registeredAt;
    uint64 lastMonitoringEnd;
    uint32 batchCount;
    uint64 firstMonitoringStart;
}

/// @dev Part of an issuance credited to one account.
struct Allocation {
    address account;
    uint64 amount;
}

/// @dev What a joint committee decides when it issues credits for a verified monitoring period.
/// Monitoring period bounds and the authorization date are unix timestamps (seconds, UTC).
struct Issuance {
    bytes32 decisionId; // keccak256 of `decisionRef`
    string decisionRef; // the joint committee's decision reference as people read it, e.g. "JC-ID-2023-05"
    string projectRef;
    uint64 monitoringStart;
    uint64 monitoringEnd;
    uint16 vintage;
    uint64 quantity;
    uint64 verifiedReductions;
    bytes32 verificationReportHash;
    Authorization authorization;
    string authorizationId;
    uint64 authorizationDate;
    Allocation[] allocations;
}

/// @dev One issuance's record, as `BatchIssued` carries it (state keeps its hash: `IJCMProjects.verifyBatch`);
/// its id is also its ERC-1155 token id.
struct BatchInfo {
    uint256 id;
    string projectRef;
    bytes2 country;
    uint64 monitoringStart;
    uint64 monitoringEnd;
    uint16 vintage;
    uint64 quantity;
    uint64 verifiedReductions;
    uint64 firstSerial;
    uint64 lastSerial;
    bytes32 decisionId;
    string decisionRef;
    bytes32 verificationReportHash;
    Authorization authorization; // the issuance's, as are its id and date (current: JCMArticle6)
    string authorizationId;
    uint64 authorizationDate;
    uint64 issuedAt;
    bool internationallyTransferred; // false in the record (current: JCMArticle6)
}

/// @dev A space between two of a project's monitoring periods that a later issuance's period may still fill:
/// it lies strictly after `previousEnd` and strictly before `nextStart`.
struct PeriodGap {
    uint64 previousEnd;
    uint64 nextStart;
}

/// @dev What the ledger keeps of a batch: its country and its serials (its Article 6 state is in `JCMArticle6`).
struct BatchState {
    bytes2 country;
    uint64 firstSerial;
    uint64 lastSerial;
}

/// @dev Conservation figures of one batch: issued = held + retired + cancelled.
struct BatchTotals {
    uint256 issued;
    uint256 held;
    uint256 retired;
    uint256 cancelled;
}

/// @dev A retirement (無効化) with the exact serials it consumed. Its `CreditsRetired` event carries every
/// field; the ledger commits to it as `keccak256(abi.encode(record))` (`IJCMRegistry.retirementHash`).
struct Retirement {
    uint256 id;
    uint256 batchId;
    address account;
    address retirementAccount;
    bytes2 usingParty;
    RetirementPurpose purpose;
    uint64 quantity;
    uint64 retiredAt;
    string beneficiary;
    string note;
    SerialRange[] ranges;
}

/// @dev A cancellation (取消) with the exact serials it consumed. Its `CreditsCancelled` event carries every
/// field; the ledger commits to it as `keccak256(abi.encode(record))` (`IJCMRegistry.cancellationHash`).
struct Cancellation {
    uint256 id;
    uint256 batchId;
    address account;
    address cancellationAccount;
    CancellationReason reason;
    uint64 quantity;
    uint64 cancelledAt;
    bytes32 decisionId; // the correcting decision, or zero for a holder's own cancellation
    string note;
    SerialRange[] ranges;
}

/// @dev Where one serial number is now: the batch and, for a held serial, the holding account (zero for a
/// consumed one: see `SerialLocation`).
struct SerialWhereabouts {
    SerialLocation location;
    uint256 batchId;
    address account;
}
