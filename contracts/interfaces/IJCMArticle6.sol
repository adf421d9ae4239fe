// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Authorization, SerialRange} from "./RegistryTypes.sol";

/// @dev What makes an authorized unit "first transferred" in a partner country's cooperative approach
/// (decision 2/CMA.3 annex para 2). Whatever the definition, a unit is also first transferred when it
/// first leaves the host party's registry (issuance into another registry or an international transfer):
/// a definition can make the first transfer earlier, never later.
enum FirstTransferDefinition {
    InternationalTransfer, // the first international transfer (the default; the only one for NDC use)
    Authorization, // every unit of an OIMP-authorized batch when the authorization is recorded
    Issuance, // every unit of an OIMP-authorized batch at issuance (or when authorized after it)
    UseOrCancellation // a unit of an OIMP-authorized batch when it is cancelled for OIMP
}

/// @dev The movements the registry reports to Article 6 (no other movement concerns it).
enum Article6Movement {
    InternationalTransfer, // a transfer between registry sides; counterpart = the receiving side
    NdcRetirement, // a retirement toward an NDC; counterpart = the using party
    OimpCancellation // a cancellation for other international mitigation purposes; counterpart = zero
}

/// @dev An Article 6.2 authorization of one batch's units, decided by the authorizing party (the host
/// country) through its members of the joint committee. `authorization = None` revokes.
struct BatchAuthorization {
    uint256 batchId;
    Authorization authorization;
    string authorizationId; // the letter of authorization's reference, e.g. "ID-LoA-2026-001"
    uint64 authorizationDate; // unix seconds (UTC), not in the future
}

/// @dev The first-transfer definition a partner country sets for its cooperative approach.
struct FirstTransferRule {
    FirstTransferDefinition definition;
}

/// @dev The Article 6 state of one batch.
struct BatchArticle6 {
    bytes2 country; // the host party (the batch's partner country)
    Authorization authorization; // current authorization
    // of the last authorization decision; empty while the issuance decision's authorization holds (its id is in
    // the batch's issuance record, `IJCMProjects.BatchIssued`)
    string authorizationId;
    uint64 authorizationDate; // of the last authorization decision, or of the issuance decision
    uint64 wholeBatchFirstTransferredAt; // non-zero when a batch-level definition first-transferred it
    uint64 firstSerial;
    uint64 lastSerial;
    uint64 hostNdcUse; // serials the host party retired toward its NDC
    uint32 firstTransferRecords; // ranges first transferred one by one (at most MAX_FIRST_TRANSFER_RANGES)
    bool internationallyTransferred; // a transfer between registry sides first-transferred serials of it
}

/// @dev One range of serials first transferred by one movement or decision.
struct FirstTransferRecord {
    uint64 first;
    uint64 last;
    uint64 at; // block timestamp
    bytes2 fromParty; // the first transferring party: always the host
    bytes2 toParty; // the acquiring party's registry, or zero when the definition names no acquirer
    FirstTransferDefinition trigger; // what first-transferred these serials
}

/// @title JCM Article 6: authorizations, first transfers per serial and the rules of NDC and OIMP use
/// @notice The one home of Article 6.2 on chain (docs/design.md §2 rule 9): a unit counts toward at most one
/// party's NDC. The host party (the batch's partner country) may retire toward its NDC only units never first
/// transferred; any other party only units authorized for NDC use, first transferred, and held in its own
/// registry. A cancellation for other international mitigation purposes (OIMP) needs an OIMP authorization and
/// a first transfer. Voluntary retirements and cancellations (offsets, voluntary or overall-mitigation
/// cancellation) are never an NDC use and never reach this contract.
///
/// Japan's share allocated at issuance is a movement into another registry: for a batch authorized at
/// issuance its units are first transferred from the host to Japan right then; for a batch not authorized at
/// issuance (every vintage before 2021, issued before decision 2/CMA.3) they are not ITMOs: they stay in
/// Japan's registry for voluntary use, never count toward any NDC and never move to another party's
/// registry, even if the batch is authorized later (authorization does not reach back past a movement).
///
/// Authorizations are recorded, amended and revoked by decisions that only the host party's members of the
/// joint committee sign (its threshold): authorizing is the host's sovereign act, and Japan's side needs no
/// veto because nothing Japan acquired can be taken back: revocation is refused once any unit of the batch was
/// first transferred, and so is an amendment that drops a purpose.
/// @dev `JCMProjects` records each issuance; `JCMRegistry` calls `recordMovement` only on movements that
/// matter to Article 6 (a transfer between registry sides, an NDC retirement, an OIMP cancellation), so
/// same-side transfers and voluntary uses pay nothing for it. Every loop is bounded: ranges per movement by
/// the registry's `MAX_RANGES_PER_MOVE`, first-transfer records per batch by `MAX_FIRST_TRANSFER_RANGES`.
interface IJCMArticle6 {
    // ------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------

    /// @dev Only the registry (`registry()`) reports movements.
    error Article6NotRegistry(address caller);
    /// @dev Only the projects contract (`projects()`) records issuances.
    error Article6NotProjects(address caller);
    /// @dev `caller` is not the current joint committee of `country`.
    error Article6NotCommittee(bytes2 country, address caller);
    /// @dev No batch with this id was issued.
    error Article6UnknownBatch(uint256 batchId);
    /// @dev A transfer between registry sides of a batch without Article 6 authorization.
    error Article6TransferNotAuthorized(uint256 batchId, bytes2 fromSide, bytes2 toSide);
    /// @dev Serials `[first, last]` were never first transferred, so they may not count toward a non-host
    /// party's NDC, be cancelled for OIMP, or leave a non-host registry.
    error Article6NotFirstTransferred(uint256 batchId, uint64 first, uint64 last);
    /// @dev Serials `[first, last]` were first transferred, so the host party may not count them.
    error Article6AlreadyFirstTransferred(uint256 batchId, uint64 first, uint64 last);
    /// @dev An NDC retirement by a non-host party of a batch not authorized for NDC use.
    error Article6NotAuthorizedForNDC(uint256 batchId, Authorization authorization);
    /// @dev An OIMP cancellation of a batch not authorized for other international mitigation purposes.
    error Article6NotAuthorizedForOIMP(uint256 batchId, Authorization authorization);
    /// @dev An NDC retirement toward `usingParty` from an account of registry `side`: a party counts only
    /// units retired in its own registry.
    error Article6UsingPartyNotHolder(uint256 batchId, bytes2 usingParty, bytes2 side);
    /// @dev The authorization cannot change from `current` to `requested`: units of the batch were first
    /// transferred already (revocation, or dropping a purpose, would take back what another party acquired).
    error Article6AuthorizationLocked(uint256 batchId, Authorization current, Authorization requested);
    /// @dev A batch-level first transfer would reach `quantity` serials the host already counted.
    error Article6HostAlreadyCounted(uint256 batchId, uint64 quantity);
    /// @dev `country`'s first-transfer definition is fixed once any of its units was first transferred.
    error Article6DefinitionLocked(bytes2 country);
    /// @dev The authorization date is zero or after `timestamp`.
    error Article6InvalidAuthorizationDate(uint64 authorizationDate, uint256 timestamp);
    /// @dev The authorization id is empty.
    error Article6EmptyText();
    /// @dev A text is longer than `max` bytes.
    error Article6TextTooLong(uint256 length, uint256 max);
    /// @dev A text is not well-formed UTF-8 or holds a control character, at byte `offset`.
    error Article6InvalidText(uint256 offset);
    /// @dev The batch already has `max` first-transfer records; move credits in larger blocks.
    error Article6TooManyFirstTransferRanges(uint256 batchId, uint256 max);

    // ------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------

    /// @notice Serials `ranges` of a batch were first transferred from `fromParty` (the host) to `toParty`
    /// (zero: no acquiring party), exactly these and no others; `trigger` says by what. Emitted for every first
    /// transfer but one: Japan's share of a batch authorized at issuance (not batch-level), which its issuance
    /// states already (see `recordIssuance`).
    event SerialsFirstTransferred(
        uint256 indexed batchId,
        bytes2 indexed fromParty,
        bytes2 indexed toParty,
        FirstTransferDefinition trigger,
        SerialRange[] ranges
    );
    /// @notice The authorizing party recorded (`previous = None`), amended, or revoked (`authorization =
    /// None`) a batch's Article 6 authorization.
    event AuthorizationSet(
        uint256 indexed batchId,
        bytes2 indexed country,
        Authorization previous,
        Authorization authorization,
        string authorizationId,
        uint64 authorizationDate
    );
    /// @notice A partner country set the first-transfer definition of its cooperative approach.
    event FirstTransferDefinitionSet(bytes2 indexed country, FirstTransferDefinition definition);

    // ------------------------------------------------------------------------------------------------
    // Issuances (only the projects contract) and movements (only the registry)
    // ------------------------------------------------------------------------------------------------

    /// @notice Records a new batch of `country` with the authorization its issuance decision gives, and
    /// first-transfers the allocations to Japan's registry when it is authorized. Only the projects contract,
    /// right after the registry minted the batch. `toJapan`: how many of the batch's lowest serials, from
    /// `firstSerial`, the registry credited to Japan's registry (`IJCMRegistry.mint`).
    /// @dev That first transfer to Japan logs nothing of its own: it is the serials `firstSerial` to
    /// `firstSerial + toJapan - 1`, from `country` to Japan, trigger `InternationalTransfer`, at the block's
    /// time, all of which the same transaction's logs state (`IJCMProjects.BatchIssued`: batch, country,
    /// authorization, first serial; the ledger's `TransferSingle` mints: the allocations to accounts of
    /// Japan's registry add up to `toJapan`). It happens exactly when the batch is authorized, `toJapan` is
    /// not zero and the batch is not first transferred whole at once (OIMP under a batch-level definition:
    /// then one `SerialsFirstTransferred` of the whole batch precedes `BatchIssued`). `firstTransfers` and
    /// `firstTransferOf` answer it like any other record.
    function recordIssuance(
        uint256 batchId,
        bytes2 country,
        Authorization authorization,
        uint64 authorizationDate,
        uint64 firstSerial,
        uint64 toJapan
    ) external;

    /// @notice Checks, and records the first transfers of, a movement of `ranges` out of an account of registry
    /// `side`. `counterpart` is the receiving side of an international transfer, the using party of an NDC
    /// retirement, and zero for an OIMP cancellation. Only the registry; reverts to refuse the movement.
    /// @return firstTransferred whether an international transfer first-transferred any serial
    function recordMovement(
        Article6Movement movement,
        uint256 batchId,
        bytes2 side,
        bytes2 counterpart,
        SerialRange[] calldata ranges
    ) external returns (bool firstTransferred);

    // ------------------------------------------------------------------------------------------------
    // Decisions of the authorizing party (only the country's joint committee)
    // ------------------------------------------------------------------------------------------------

    /// @notice Records, amends or revokes a batch's authorization. Only the current joint committee of the
    /// batch's country, on a decision its partner-side members signed.
    function setAuthorization(BatchAuthorization calldata decision) external;

    /// @notice Sets `country`'s first-transfer definition. Only the country's current joint committee, on a
    /// decision its partner-side members signed; only before any of its units was first transferred.
    function setFirstTransferDefinition(bytes2 country, FirstTransferDefinition definition) external;

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @notice The ledger this contract serves.
    function registry() external view returns (address);

    /// @notice The projects contract, the only one that records issuances.
    function projects() external view returns (address);

    /// @notice The first-transfer definition of `country`'s cooperative approach.
    function firstTransferDefinition(bytes2 country) external view returns (FirstTransferDefinition);

    /// @notice The Article 6 state of a batch.
    function batchArticle6(uint256 batchId) external view returns (BatchArticle6 memory);

    /// @notice Whether, when, from which party and to which party `serial` was first transferred (`transferred
    /// = false` and zeros when not, or when the serial was never issued).
    function firstTransferOf(uint64 serial)
        external
        view
        returns (bool transferred, uint256 batchId, FirstTransferRecord memory record);

    /// @notice A batch's first-transfer records, ascending by serial (at most `MAX_FIRST_TRANSFER_RANGES`).
    function firstTransfers(uint256 batchId) external view returns (FirstTransferRecord[] memory);
}
