// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {
    AccountKind,
    AccountStatus,
    AccountInfo,
    Allocation,
    BatchState,
    BatchTotals,
    Cancellation,
    CancellationReason,
    Retirement,
    RetirementPurpose,
    SerialRange,
    SerialWhereabouts
} from "./RegistryTypes.sol";

/// @title JCM registry: errors, events and functions of the shared ledger
/// @notice One ledger for Japan's JCM registry and each partner country's registry. Every account belongs to
/// a registry side (`JP` or a partner's ISO code); credits are serialized (one serial per tonne CO2e) and
/// move as serial ranges. See docs in the implementation for the rules each function enforces.
interface IJCMRegistry {
    // ------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------

    /// @dev No registry side with this code exists.
    error RegistryUnknownSide(bytes2 side);
    /// @dev The zero address was given where an account or contract is required.
    error RegistryZeroAddress();
    /// @dev Only the projects contract (`projects()`) issues and corrects.
    error RegistryNotProjects(address caller);
    /// @dev The address already has (or had) an account; accounts are never reopened.
    error RegistryAccountAlreadyExists(address account);
    /// @dev The address has no account.
    error RegistryUnknownAccount(address account);
    /// @dev The account kind is not valid for this operation.
    error RegistryInvalidAccountKind(address account, AccountKind kind);
    /// @dev The side already has its one retirement or cancellation account.
    error RegistrySideAccountExists(bytes2 side, AccountKind kind, address existing);
    /// @dev The side has no retirement or cancellation account yet.
    error RegistryNoSideAccount(bytes2 side, AccountKind kind);
    /// @dev The account is not active (frozen or closed).
    error RegistryAccountNotActive(address account, AccountStatus status);
    /// @dev The account is not frozen, so it cannot be unfrozen.
    error RegistryAccountNotFrozen(address account, AccountStatus status);
    /// @dev The account still holds credits of `holdings` batches and cannot close.
    error RegistryAccountNotEmpty(address account, uint256 holdings);
    /// @dev A required text is empty.
    error RegistryEmptyText();
    /// @dev A text is longer than `max` bytes.
    error RegistryTextTooLong(uint256 length, uint256 max);
    /// @dev A text is not well-formed UTF-8 or holds a control character, at byte `offset`.
    error RegistryInvalidText(uint256 offset);
    /// @dev The quantity is zero.
    error RegistryZeroQuantity();
    /// @dev The allocations add up to `allocated`, not the issued `quantity`.
    error RegistryAllocationMismatch(uint256 allocated, uint256 quantity);
    /// @dev The issuance has no allocation, or more than `max`.
    error RegistryAllocationCount(uint256 count, uint256 max);
    /// @dev An issuance of `country`'s committee may credit only accounts of Japan's registry or `country`'s;
    /// any other registry receives credits only through an authorized international transfer.
    error RegistryAllocationOutsideCommittee(address account, bytes2 side, bytes2 country);
    /// @dev No batch with this id exists.
    error RegistryUnknownBatch(uint256 batchId);
    /// @dev The account holds fewer credits of the batch than needed.
    error RegistryInsufficientCredits(address account, uint256 batchId, uint256 balance, uint256 needed);
    /// @dev The movement would take more than `max` serial ranges from one holding; move fewer credits.
    error RegistryTooManyRanges(address account, uint256 batchId, uint256 max);
    /// @dev The receiving holding would exceed `max` disjoint serial ranges.
    error RegistryHoldingTooFragmented(address account, uint256 batchId, uint256 max);
    /// @dev The named serials are not all held by the account.
    error RegistrySerialsNotHeld(address account, uint256 batchId, uint64 first, uint64 last);
    /// @dev Sender and recipient are the same account.
    error RegistrySelfTransfer(address account);
    /// @dev The using party of a retirement is not a registry side.
    error RegistryUnknownUsingParty(bytes2 usingParty);
    /// @dev Holders may not use a reason reserved for joint-committee decisions.
    error RegistryReservedCancellationReason(CancellationReason reason);
    /// @dev No retirement with this id.
    error RegistryUnknownRetirement(uint256 retirementId);
    /// @dev No cancellation with this id.
    error RegistryUnknownCancellation(uint256 cancellationId);
    /// @dev Credits move only through the registry's own functions, never through ERC-1155 transfers.
    error RegistryUnsupportedOperation();
    /// @notice Only the governance contract (`governance()`) adds countries, sets committees and pauses.
    error RegistryNotGovernance(address caller);
    /// @dev Issuing would take serials beyond `max`, the highest serial a holding can store.
    error RegistrySerialsExhausted(uint256 lastSerial, uint256 max);
    /// @dev A batch of `quantity` credits is beyond `max`, the most a batch's consumption counters hold.
    error RegistryBatchTooLarge(uint256 quantity, uint256 max);
    /// @dev `adminView` was called by someone other than the registry itself.
    error RegistryNotSelf(address caller);
    /// @notice A correction named an account of `side`, outside the batch's committee registries (JP, `country`).
    error RegistryCorrectionOutsideCommittee(address account, bytes2 side, bytes2 country);
    /// @notice Holders' movements are paused until `until` by the authority of `side`.
    error RegistryPaused(uint64 until, bytes2 side);
    /// @notice Every account number holding lists can name is taken (accounts are numbered 1 .. `max`).
    error RegistryTooManyAccounts(uint256 max);
    /// @notice A batch id beyond what holding lists can name (batch ids 1 .. `max`).
    error RegistryTooManyBatches(uint256 max);
    /// @notice A page of a list view asked from a `cursor` that is not on the list, or of a `limit` outside
    /// 1 .. `maxLimit`.
    error RegistryInvalidPage(uint256 cursor, uint256 limit, uint256 maxLimit);

    // ------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------

    /// @notice A partner country joined, with the address acting as its joint committee.
    event CountryAdded(bytes2 indexed country, address indexed committee);

    /// @notice The address acting as a country's joint committee changed.
    event CommitteeSet(bytes2 indexed country, address indexed previousCommittee, address indexed committee);
    /// @notice A registrar opened an account.
    event AccountOpened(
        address indexed account, bytes2 indexed side, AccountKind kind, string holderName, address registrar
    );
    /// @notice A registrar froze an account: it can neither send nor receive.
    event AccountFrozen(address indexed account, address registrar);
    /// @notice A registrar unfroze an account.
    event AccountUnfrozen(address indexed account, address registrar);
    /// @notice A registrar closed an empty account for good.
    event AccountClosed(address indexed account, address registrar);
    /// @notice Credits moved between two holding accounts (振替): exactly `ranges` (their size is the
    /// quantity, also in the `TransferSingle` of the same transaction). A move between registry sides (the
    /// accounts' sides, from `AccountOpened`) is an international transfer; `firstInternational` marks one
    /// that first-transferred serials (Article 6: the `JCMArticle6.SerialsFirstTransferred` event of the same
    /// transaction names exactly which).
    event CreditsTransferred(
        uint256 indexed batchId,
        address indexed from,
        address indexed to,
        SerialRange[] ranges,
        bool international,
        bool firstInternational
    );
    /// @notice Credits were retired (無効化) into the side's retirement account. The event is the whole record:
    /// its fields are those of `Retirement` (`retiredAt` is the block's timestamp), and the ledger keeps only
    /// the record's hash (`retirementHash`), so anyone holding this event can prove it with `verifyRetirement`.
    event CreditsRetired(
        uint256 indexed retirementId,
        uint256 indexed batchId,
        address indexed account,
        uint256 quantity,
        SerialRange[] ranges,
        bytes2 usingParty,
        RetirementPurpose purpose,
        string beneficiary,
        string note,
        address retirementAccount,
        uint64 retiredAt
    );
    /// @notice Credits were cancelled (取消) into the side's cancellation account. The event is the whole
    /// record (the fields of `Cancellation`; `cancelledAt` is the block's timestamp), committed in state as
    /// `cancellationHash` and proven by `verifyCancellation`.
    event CreditsCancelled(
        uint256 indexed cancellationId,
        uint256 indexed batchId,
        address indexed account,
        uint256 quantity,
        SerialRange[] ranges,
        CancellationReason reason,
        bytes32 decisionId,
        string note,
        address cancellationAccount,
        uint64 cancelledAt
    );

    // ------------------------------------------------------------------------------------------------
    // Governance and registrars
    // ------------------------------------------------------------------------------------------------

    /// @notice Adds partner `country` as a registry side with `committee` and `authority`. Only `governance`,
    /// after Japan's authority proposed and the partner's authority accepted.
    function addCountry(bytes2 country, address committee, address authority) external;

    /// @notice Makes `committee` the joint committee of `country`. Only `governance`, on the current
    /// committee's own decision.
    function setCommittee(bytes2 country, address committee) external;

    /// @notice Pauses holders' movements until `until` (declared by `side`). Only `governance`.
    function setPause(uint64 until, bytes2 side) external;

    /// @notice Opens an account on `side`. Only that side's registrar.
    function openAccount(address account, bytes2 side, AccountKind kind, string calldata holderName) external;

    /// @notice Freezes an active holding account. Only the registrar of its side.
    function freezeAccount(address account) external;

    /// @notice Unfreezes a frozen account. Only the registrar of its side.
    function unfreezeAccount(address account) external;

    /// @notice Closes an empty holding account for good. Only the registrar of its side.
    function closeAccount(address account) external;

    // ------------------------------------------------------------------------------------------------
    // Issuance and correction (only through JCMProjects)
    // ------------------------------------------------------------------------------------------------

    /// @notice Creates batch `batchCount() + 1` of a partner country's project and credits its allocations,
    /// with serials from the global counter. Only the projects contract, after the committee's checks. Japan's
    /// allocations take the batch's lowest serials, the host's the rest (each side in the decision's order).
    /// Each allocation, in the decision's order, emits the ERC-1155 mint `TransferSingle(projects, 0, account,
    /// batchId, amount)` and nothing else: its serials follow from that rule, the accounts' sides
    /// (`AccountOpened`) and the batch's first serial, which `JCMProjects.BatchIssued` of the same transaction
    /// carries with the batch's country and quantity (the indexer derives every allocation's range so, and the
    /// first transfer of Japan's share of an authorized batch, which `IJCMArticle6.recordIssuance` logs no
    /// event for).
    /// @return batchId the new batch's id
    /// @return firstSerial the batch's first serial number
    /// @return toJapan how many serials went to accounts of Japan's registry: the batch's lowest, from
    /// `firstSerial` (the rest went to `country`'s), which `JCMArticle6` needs for an authorized batch
    function mint(bytes2 country, uint256 quantity, Allocation[] calldata allocations)
        external
        returns (uint256 batchId, uint64 firstSerial, uint64 toJapan);

    /// @notice Moves the named serials of a holding account into its side's cancellation account with reason
    /// `Correction`. Only the projects contract, after the committee's checks.
    /// @return cancellationId the cancellation record's id
    function cancelForCorrection(
        bytes32 decisionId,
        address account,
        uint256 batchId,
        uint64 firstSerial,
        uint64 lastSerial
    ) external returns (uint256 cancellationId);

    // ------------------------------------------------------------------------------------------------
    // Account holders
    // ------------------------------------------------------------------------------------------------

    /// @notice Transfers `quantity` credits of a batch from the caller's account, lowest serials first.
    function transfer(address to, uint256 batchId, uint256 quantity) external;

    /// @notice Retires `quantity` credits of a batch from the caller's account, lowest serials first.
    /// @return retirementId the retirement record's id
    function retire(
        uint256 batchId,
        uint256 quantity,
        bytes2 usingParty,
        RetirementPurpose purpose,
        string calldata beneficiary,
        string calldata note
    ) external returns (uint256 retirementId);

    /// @notice Cancels `quantity` credits of a batch from the caller's account, lowest serials first.
    /// @return cancellationId the cancellation record's id
    function cancel(uint256 batchId, uint256 quantity, CancellationReason reason, string calldata note)
        external
        returns (uint256 cancellationId);

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @notice The registrar role of a side, granted and revoked by that side's authority only.
    function registrarRole(bytes2 side) external pure returns (bytes32);

    /// @notice The authority role of a side (`keccak256("JCM_AUTHORITY_" + side)`): its own admin and the
    /// admin of the side's registrar role.
    function authorityRole(bytes2 side) external pure returns (bytes32);

    /// @notice The governance contract.
    function governance() external view returns (address);

    /// @notice The Article 6 contract (`IJCMArticle6`), created with the ledger.
    function article6() external view returns (address);

    /// @notice Whether holders' movements are paused now.
    function paused() external view returns (bool);

    /// @notice When the current or last pause ends (ended) and which side declared it.
    function pauseState() external view returns (uint64 pausedUntil, bytes2 pausedBy);



    /// @notice The partner countries in the order they were added.
    function countries() external view returns (bytes2[] memory);

    /// @notice The joint committee address of a partner country (zero if none).
    function committeeOf(bytes2 country) external view returns (address);

    /// @notice The retirement and cancellation accounts of a side (zero where not opened yet).
    function sideAccounts(bytes2 side) external view returns (address retirementAccount, address cancellationAccount);

    /// @notice Public information about an account.
    function accountInfo(address account) external view returns (AccountInfo memory);

    /// @notice The projects contract: the only caller of `mint` and `cancelForCorrection`.
    function projects() external view returns (address);

    /// @notice The number of batches issued; batch ids run from 1 to this number.
    function batchCount() external view returns (uint256);

    /// @notice What the ledger keeps of a batch (its issuance record is committed in `JCMProjects`: `verifyBatch`).
    function batchState(uint256 batchId) external view returns (BatchState memory);

    /// @notice Conservation figures of a batch.
    function batchTotals(uint256 batchId) external view returns (BatchTotals memory);

    /// @notice The serial ranges an account holds of a batch, ascending. Empty for retirement and
    /// cancellation accounts, whose serials are kept in their records.
    function holdingRanges(address account, uint256 batchId) external view returns (SerialRange[] memory);

    /// @notice One page of the batches the account has ever held (some may now be empty): at most `limit`
    /// (1 .. `MAX_PAGE_SIZE`) batch ids from `cursor` (0 for the first page), and the cursor of the next
    /// page (0 after the last). A holding or government holding account's batches come newest first; a
    /// retirement or cancellation account keeps no list, so its page scans `limit` batch ids from `cursor`
    /// upwards and answers those it received (a page may be empty while `next` is not 0).
    function accountBatches(address account, uint256 cursor, uint256 limit)
        external
        view
        returns (uint64[] memory batches, uint256 next);

    /// @notice One page of the accounts that have ever held credits of the batch (some may now be empty):
    /// at most `limit` (1 .. `MAX_PAGE_SIZE`) holders from `cursor` (0 for the first page), and the cursor
    /// of the next page (0 after the last). Holding accounts and third registries' retirement and
    /// cancellation accounts come in the order they first received credits; the retirement and
    /// cancellation accounts of Japan's and the host's registries that consumed any come last.
    function batchHolders(uint256 batchId, uint256 cursor, uint256 limit)
        external
        view
        returns (address[] memory holders, uint256 next);

    /// @notice Where a serial number is now. Meant for `eth_call`: it scans the batch's holders.
    function locateSerial(uint64 serial) external view returns (SerialWhereabouts memory);

    /// @notice The highest serial number issued so far (0 before the first issuance).
    function latestSerial() external view returns (uint64);

    /// @notice The number of retirements recorded.
    function retirementCount() external view returns (uint256);

    /// @notice The commitment to retirement `retirementId`: `keccak256(abi.encode(record))` of its full
    /// `Retirement`, whose fields its `CreditsRetired` event carries. Reverts `RegistryUnknownRetirement`.
    function retirementHash(uint256 retirementId) external view returns (bytes32);

    /// @notice Whether `record` is exactly retirement `record.id` as the ledger committed it (every field,
    /// ranges in order); false for any other record, including an unknown id.
    function verifyRetirement(Retirement calldata record) external view returns (bool);

    /// @notice The number of cancellations recorded.
    function cancellationCount() external view returns (uint256);

    /// @notice The commitment to cancellation `cancellationId`: `keccak256(abi.encode(record))` of its full
    /// `Cancellation`, whose fields its `CreditsCancelled` event carries. Reverts `RegistryUnknownCancellation`.
    function cancellationHash(uint256 cancellationId) external view returns (bytes32);

    /// @notice Whether `record` is exactly cancellation `record.id` as the ledger committed it; false for any
    /// other record, including an unknown id.
    function verifyCancellation(Cancellation calldata record) external view returns (bool);
}
