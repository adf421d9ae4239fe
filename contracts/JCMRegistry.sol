// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
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
    SerialLocation,
    SerialRange,
    SerialWhereabouts
} from "./interfaces/RegistryTypes.sol";
import {SerialRanges} from "./libraries/SerialRanges.sol";
import {TextChecks} from "./libraries/TextChecks.sol";
import {Article6Movement, IJCMArticle6} from "./interfaces/IJCMArticle6.sol";
import {JCMArticle6} from "./JCMArticle6.sol";
import {JCMGovernance} from "./JCMGovernance.sol";
import {JCMProjects} from "./JCMProjects.sol";
import {JCMRegistryAdmin} from "./JCMRegistryAdmin.sol";
import {JCMRegistryState} from "./JCMRegistryState.sol";

/// @title JCMRegistry: the shared ledger of Joint Crediting Mechanism credits
/// @notice Accounts on registry sides (Japan and each partner country), batches of serialized credits, and
/// the movements of those credits: issuance, transfer (振替), retirement (無効化) and cancellation (取消). It
/// enforces on chain: conservation per batch, unique serials, finality of retired and cancelled credits, and
/// permissioned accounts. Projects, issuance decisions and their checks live in `JCMProjects`, which this
/// contract creates and which alone may mint or correct.
/// @dev Wallets and explorers read holdings through ERC-1155 (`balanceOf`, `TransferSingle`, `uri`); every
/// movement goes through this contract's own functions, and the ERC-1155 transfer functions revert. The
/// contract makes no external calls, so no movement can be re-entered. No key governs both sides: each
/// government's authority holds the roles of its own side only, and sides, committees and pauses change only
/// through `JCMGovernance` (README "Who can do what").
contract JCMRegistry is JCMRegistryState, IJCMRegistry, IERC1155MetadataURI, IERC1155Errors {
    using SerialRanges for SerialRanges.Holding;

    /// @notice Most serial ranges one movement may take from a holding; move fewer credits per call beyond it.
    uint256 public constant MAX_RANGES_PER_MOVE = 32;
    /// @notice Most disjoint serial ranges one holding may reach by receiving credits. Adjacent ranges merge,
    /// so only serials received out of order fragment a holding. A joint-committee correction may split a
    /// range beyond it (one range per bilateral decision), so a holder cannot block a correction.
    uint256 public constant MAX_RANGES_PER_HOLDING = 128;
    /// @notice Most allocation entries in one issuance.
    uint256 public constant MAX_ALLOCATIONS = 32;

    /// @notice The projects contract, created with the ledger: the only caller of `mint` and
    /// `cancelForCorrection`.
    address public immutable projects;
    /// @notice The governance contract, created with the ledger: the only caller of `addCountry`,
    /// `setCommittee` and `setPause`.
    address public immutable governance;
    /// @notice The module that runs the ledger's rarely called functions (account administration, governance
    /// wiring, record views) by `delegatecall` on the ledger's storage; created with the ledger.
    address public immutable adminModule;
    /// @notice The Article 6 contract, created with the ledger: told of every movement that matters to Article
    /// 6 (a transfer between registry sides, an NDC retirement, an OIMP cancellation; `JCMProjects` tells it of
    /// issuances), which it may refuse. Same-side transfers and voluntary uses never call it.
    address public immutable article6;

    /// @param japanAuthority Japan's registry authority (in production a multisig of the Government of Japan):
    /// governs Japan's registrars, proposes partner countries, may pause
    /// @param uri_ ERC-1155 metadata URI template; clients replace `{id}` with the batch id
    /// @dev Nobody holds `DEFAULT_ADMIN_ROLE`: every role's admin is the authority of its own side.
    constructor(address japanAuthority, string memory uri_) {
        if (japanAuthority == address(0)) revert RegistryZeroAddress();
        _uri = uri_;
        _sides[JAPAN].exists = true;
        _setUpAuthority(JAPAN, japanAuthority);
        // JCMArticle6 takes issuances only from the projects contract, which needs JCMArticle6's address to be
        // created: the projects contract's address is known first, as this constructor's second creation.
        address expectedProjects = _createdAddress(2);
        article6 = address(new JCMArticle6(this, expectedProjects));
        address projects_ = address(new JCMProjects(this, IJCMArticle6(article6)));
        assert(projects_ == expectedProjects);
        projects = projects_;
        governance = address(new JCMGovernance(this));
        adminModule = address(new JCMRegistryAdmin());
    }

    /// @dev The address of this contract's `nonce`-th creation (a contract's nonce starts at 1, EIP-161; here at
    /// most 127): the last 20 bytes of keccak256(rlp([address(this), nonce])), whose RLP is 0xd6, 0x94, the
    /// address, then the nonce as one byte.
    function _createdAddress(uint8 nonce) private view returns (address) {
        return address(
            uint160(uint256(keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), address(this), bytes1(nonce)))))
        );
    }

    // ------------------------------------------------------------------------------------------------
    // Governance: each government's authority over its own side; partners join by both consents
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: caller is `governance`, which checked both authorities' consent and the committee.
    /// Runs in `JCMRegistryAdmin`.
    function addCountry(bytes2, address, address) external {
        _onlyGovernance();
        _delegateToAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: caller is `governance`, which checked the current committee's decision. Runs in
    /// `JCMRegistryAdmin`.
    function setCommittee(bytes2, address) external {
        _onlyGovernance();
        _delegateToAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: caller is `governance`, which checked the authority and the pause bounds.
    function setPause(uint64 until, bytes2 side) external {
        _onlyGovernance();
        // slither-disable-next-line events-maths (JCMGovernance emits PauseStarted / PauseLifted)
        (_counters.pausedUntil, _counters.pausedBy) = (until, side);
    }

    // ------------------------------------------------------------------------------------------------
    // Registrars
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_delegateToAdmin`).
    function openAccount(address, bytes2, AccountKind, string calldata) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_delegateToAdmin`).
    function freezeAccount(address) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_delegateToAdmin`).
    function unfreezeAccount(address) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_delegateToAdmin`).
    function closeAccount(address) external {
        _delegateToAdmin();
    }

    // ------------------------------------------------------------------------------------------------
    // Issuance and correction
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: caller is `projects` (issuance is not paused: see `JCMGovernance`); 1-32 allocations with non-zero amounts adding up
    /// to `quantity`, each to an active holding or government holding account of Japan's registry or of
    /// `country`'s (the two registries of the joint committee that decided the issuance). Every allocation is
    /// checked before the batch is counted, then Japan's allocations take the batch's lowest serials and the
    /// host's the rest, each side in the decision's order: what an authorized batch first-transfers to Japan at
    /// issuance is then one range, so `JCMArticle6` keeps it without a record per allocation.
    function mint(bytes2 country, uint256 quantity, Allocation[] calldata allocations)
        external
        returns (uint256 batchId, uint64 firstSerial, uint64 toJapan)
    {
        _onlyProjects();
        if (quantity == 0) revert RegistryZeroQuantity();
        uint256 count = allocations.length;
        if (count == 0 || count > MAX_ALLOCATIONS) revert RegistryAllocationCount(count, MAX_ALLOCATIONS);
        (uint256 japanMask, uint256 japanShare) = _checkAllocations(country, quantity, allocations);
        // The first allocation's account heads the batch's holder list (see `_allocateAll`).
        (batchId, firstSerial) = _createBatch(country, quantity, _accounts[allocations[0].account].index);
        toJapan = uint64(japanShare); // at most `quantity`, which `_createBatch` kept within 40 bits
        _allocateAll(batchId, firstSerial, japanMask, japanShare, allocations);
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: caller is `projects` (not paused either); the account is a holding or government holding
    /// account (frozen allowed: a correction is often why it is frozen) holding every serial of
    /// `[firstSerial, lastSerial]`. Nothing is deleted: the serials move to the cancellation account of the
    /// account's side with reason `Correction`.
    function cancelForCorrection(
        bytes32 decisionId,
        address account,
        uint256 batchId,
        uint64 firstSerial,
        uint64 lastSerial
    ) external returns (uint256 cancellationId) {
        _onlyProjects();
        bytes2 country = _existingBatch(batchId).country;
        SerialRange[] memory ranges = _single(SerialRange(firstSerial, lastSerial));
        (address sink, uint256 quantity) = _cancelNamedSerials(account, batchId, country, ranges);
        emit TransferSingle(msg.sender, account, sink, batchId, quantity);
        cancellationId = _recordCancellation(
            Cancellation({
                id: 0,
                batchId: batchId,
                account: account,
                cancellationAccount: sink,
                reason: CancellationReason.Correction,
                quantity: uint64(quantity),
                cancelledAt: 0,
                decisionId: decisionId,
                note: "",
                ranges: ranges
            })
        );
    }

    // ------------------------------------------------------------------------------------------------
    // Account holders
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: not paused; caller and `to` are distinct active holding or government holding
    /// accounts; the caller holds `quantity` (> 0) credits of the batch within `MAX_RANGES_PER_MOVE` ranges;
    /// a transfer between registry sides is an international transfer, which `article6` checks (an
    /// authorized batch; from a non-host registry only first-transferred units) and records.
    function transfer(address to, uint256 batchId, uint256 quantity) external {
        _requireNotPaused();
        bytes2 fromSide = _requireSendingAccount(msg.sender);
        bytes2 toSide = _requireReceivingAccount(to);
        if (to == msg.sender) revert RegistrySelfTransfer(to);
        bool international = fromSide != toSide;
        SerialRange[] memory ranges = _move(msg.sender, to, batchId, quantity);
        bool firstInternational = international
            && _reportToArticle6(Article6Movement.InternationalTransfer, batchId, fromSide, toSide, ranges);
        emit CreditsTransferred(batchId, msg.sender, to, ranges, international, firstInternational);
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: not paused; caller is an active holding or government holding account holding
    /// `quantity` (> 0) credits of the batch; `usingParty` is a registry side (`JP` or a partner); texts are
    /// at most 256 bytes; the caller's side has a retirement account. Retired credits never move again.
    function retire(
        uint256 batchId,
        uint256 quantity,
        bytes2 usingParty,
        RetirementPurpose purpose,
        string calldata beneficiary,
        string calldata note
    ) external returns (uint256 retirementId) {
        _requireNotPaused();
        bytes2 side = _requireSendingAccount(msg.sender);
        if (!_sides[usingParty].exists) revert RegistryUnknownUsingParty(usingParty);
        _checkText(beneficiary, false);
        _checkText(note, false);
        (address sink, SerialRange[] memory ranges) =
            _consumeLowest(msg.sender, side, AccountKind.Retirement, batchId, quantity);
        retirementId = _recordRetirement(
            Retirement({
                id: 0,
                batchId: batchId,
                account: msg.sender,
                retirementAccount: sink,
                usingParty: usingParty,
                purpose: purpose,
                quantity: uint64(quantity),
                retiredAt: 0,
                beneficiary: beneficiary,
                note: note,
                ranges: ranges
            })
        );
        // Last (checks-effects-interactions): Article 6 may still refuse, which undoes all of it.
        if (purpose == RetirementPurpose.NDC) {
            _reportToArticle6(Article6Movement.NdcRetirement, batchId, side, usingParty, ranges);
        }
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Requirements: not paused; caller is an active holding or government holding account holding
    /// `quantity` (> 0) credits of the batch; the reason is not `Correction` (reserved for committees); the
    /// note is at most 256 bytes; the caller's side has a cancellation account.
    function cancel(uint256 batchId, uint256 quantity, CancellationReason reason, string calldata note)
        external
        returns (uint256 cancellationId)
    {
        _requireNotPaused();
        bytes2 side = _requireSendingAccount(msg.sender);
        if (reason == CancellationReason.Correction) revert RegistryReservedCancellationReason(reason);
        _checkText(note, false);
        (address sink, SerialRange[] memory ranges) =
            _consumeLowest(msg.sender, side, AccountKind.Cancellation, batchId, quantity);
        cancellationId = _recordCancellation(
            Cancellation({
                id: 0,
                batchId: batchId,
                account: msg.sender,
                cancellationAccount: sink,
                reason: reason,
                quantity: uint64(quantity),
                cancelledAt: 0,
                decisionId: bytes32(0),
                note: note,
                ranges: ranges
            })
        );
        // Last (checks-effects-interactions): Article 6 may still refuse, which undoes all of it.
        if (reason == CancellationReason.OtherInternationalMitigationPurposes) {
            _reportToArticle6(Article6Movement.OimpCancellation, batchId, side, bytes2(0), ranges);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // ERC-1155 (reading only)
    // ------------------------------------------------------------------------------------------------

    /// @notice Credits of batch `id` held by `account` (for retirement and cancellation accounts: consumed).
    function balanceOf(address account, uint256 id) public view returns (uint256) {
        StoredAccount storage info = _accounts[account];
        (AccountKind kind, bytes2 side) = (info.kind, info.side);
        if (kind == AccountKind.Retirement || kind == AccountKind.Cancellation) {
            return _sinkBalance(account, kind, side, id);
        }
        return _holdings[id][account].balanceOf();
    }

    /// @notice Balances of several (account, batch) pairs.
    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids)
        external
        view
        returns (uint256[] memory balances)
    {
        if (accounts.length != ids.length) revert ERC1155InvalidArrayLength(ids.length, accounts.length);
        balances = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) {
            balances[i] = balanceOf(accounts[i], ids[i]);
        }
    }

    /// @notice The metadata URI template of every batch.
    function uri(uint256) external view returns (string memory) {
        return _uri;
    }

    /// @notice Always reverts: no operator may move registry credits.
    function setApprovalForAll(address, bool) external pure {
        revert RegistryUnsupportedOperation();
    }

    /// @notice Always false: registry credits have no operators.
    function isApprovedForAll(address, address) external pure returns (bool) {
        return false;
    }

    /// @notice Always reverts: credits move only through `transfer`, `retire` and `cancel`.
    function safeTransferFrom(address, address, uint256, uint256, bytes calldata) external pure {
        revert RegistryUnsupportedOperation();
    }

    /// @notice Always reverts: credits move only through `transfer`, `retire` and `cancel`.
    function safeBatchTransferFrom(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
    {
        revert RegistryUnsupportedOperation();
    }

    /// @notice ERC-165: ERC-1155, its metadata extension, and AccessControl.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC1155).interfaceId || interfaceId == type(IERC1155MetadataURI).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMRegistry
    function registrarRole(bytes2 side) public pure returns (bytes32) {
        return _registrarRole(side);
    }

    /// @inheritdoc IJCMRegistry
    function authorityRole(bytes2 side) public pure returns (bytes32) {
        return _authorityRole(side);
    }

    /// @inheritdoc IJCMRegistry
    function paused() public view returns (bool) {
        return block.timestamp < _counters.pausedUntil;
    }

    /// @inheritdoc IJCMRegistry
    function pauseState() external view returns (uint64 pausedUntil, bytes2 pausedBy) {
        return (_counters.pausedUntil, _counters.pausedBy);
    }

    /// @inheritdoc IJCMRegistry
    function countries() external view returns (bytes2[] memory) {
        return _countries;
    }

    /// @inheritdoc IJCMRegistry
    function committeeOf(bytes2 country) external view returns (address) {
        return _sides[country].committee;
    }

    /// @inheritdoc IJCMRegistry
    function sideAccounts(bytes2 side) external view returns (address retirementAccount, address cancellationAccount) {
        if (!_sides[side].exists) revert RegistryUnknownSide(side);
        return (_sides[side].retirementAccount, _sides[side].cancellationAccount);
    }

    /// @inheritdoc IJCMRegistry
    function accountInfo(address account) external view returns (AccountInfo memory) {
        StoredAccount storage a = _accounts[account];
        return AccountInfo({
            kind: a.kind,
            status: a.status,
            side: a.side,
            openedAt: a.openedAt,
            nonEmptyHoldings: a.nonEmptyHoldings,
            holderName: a.holderName
        });
    }

    /// @inheritdoc IJCMRegistry
    function batchCount() external view returns (uint256) {
        return _counters.batchCount;
    }

    /// @inheritdoc IJCMRegistry
    function batchState(uint256 batchId) external view returns (BatchState memory) {
        StoredBatch storage b = _existingBatch(batchId);
        return BatchState({
            country: b.country,
            firstSerial: b.firstSerial,
            lastSerial: uint64(b.firstSerial) + b.quantity - 1
        });
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function batchTotals(uint256) external view returns (BatchTotals memory) {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function holdingRanges(address, uint256) external view returns (SerialRange[] memory) {
        _viewInAdmin();
    }

    // The two paged views return through `_viewInAdmin`'s assembly `return` with the module's encoding of both
    // outputs; slither reads the assembly as returning two words.
    // slither-disable-start incorrect-return
    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function accountBatches(address, uint256, uint256)
        external
        view
        returns (uint64[] memory batches, uint256 next)
    {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function batchHolders(uint256, uint256, uint256)
        external
        view
        returns (address[] memory holders, uint256 next)
    {
        _viewInAdmin();
    }
    // slither-disable-end incorrect-return

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function locateSerial(uint64) external view returns (SerialWhereabouts memory) {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    function latestSerial() external view returns (uint64) {
        return _counters.lastSerial;
    }

    /// @inheritdoc IJCMRegistry
    function retirementCount() external view returns (uint256) {
        return _counters.retirementCount;
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function retirementHash(uint256) external view returns (bytes32) {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function verifyRetirement(Retirement calldata) external view returns (bool) {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    function cancellationCount() external view returns (uint256) {
        return _counters.cancellationCount;
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function cancellationHash(uint256) external view returns (bytes32) {
        _viewInAdmin();
    }

    /// @inheritdoc IJCMRegistry
    /// @dev Runs in `JCMRegistryAdmin` (see `_viewInAdmin`).
    function verifyCancellation(Cancellation calldata) external view returns (bool) {
        _viewInAdmin();
    }

    /// @notice Runs `data` (a view of `adminModule`) on this contract's storage. Only this contract calls it,
    /// from its own views and through a static call, so the code run can change nothing.
    /// @dev A view function cannot `delegatecall`; a static call to this function, which does, can.
    function adminView(bytes calldata data) external {
        if (msg.sender != address(this)) revert RegistryNotSelf(msg.sender);
        _delegate(data);
    }

    // ------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------

    /// @dev Counts a new batch of `quantity` serials from the global counter and stores it, with the
    /// account number `firstHolder` (its first allocation's) at the head of its holder list.
    function _createBatch(bytes2 country, uint256 quantity, uint24 firstHolder)
        private
        returns (uint256 batchId, uint64 firstSerial)
    {
        Counters storage counters = _counters;
        Counters memory read = counters; // one read of the slot, not one per field
        batchId = uint256(read.batchCount) + 1;
        firstSerial = uint64(read.lastSerial) + 1;
        uint256 lastSerial = uint256(read.lastSerial) + quantity;
        // Holdings store serials in 40 bits (SerialRanges), so two ranges share a storage slot: 1.1e12 serials,
        // at least 1,099 issuances of the largest size JCMProjects allows.
        if (lastSerial > SerialRanges.MAX_SERIAL) {
            revert RegistrySerialsExhausted(lastSerial, SerialRanges.MAX_SERIAL);
        }
        if (quantity > MAX_BATCH_QUANTITY) revert RegistryBatchTooLarge(quantity, MAX_BATCH_QUANTITY);
        // Batch ids are the links of accounts' batch lists (24 bits, SerialRanges.END marking a list's end),
        // which every allocation joins.
        if (batchId >= SerialRanges.END) revert RegistryTooManyBatches(SerialRanges.END - 1);
        (counters.batchCount, counters.lastSerial) = (uint40(batchId), uint40(lastSerial));
        StoredBatch storage batch = _batches[batchId];
        // Both fit 40 bits: lastSerial is at most SerialRanges.MAX_SERIAL (checked above).
        batch.firstSerial = uint40(firstSerial);
        batch.quantity = uint40(quantity);
        batch.country = country;
        batch.firstHolder = firstHolder;
    }

    /// @dev Checks an issuance's allocations (see `mint`): which go to Japan's registry (bit `i` of
    /// `japanMask` for allocation `i`) and how many serials that is.
    function _checkAllocations(bytes2 country, uint256 quantity, Allocation[] calldata allocations)
        private
        view
        returns (uint256 japanMask, uint256 japanShare)
    {
        uint256 allocated = 0;
        for (uint256 i = 0; i < allocations.length; i++) {
            Allocation calldata allocation = allocations[i];
            uint256 amount = allocation.amount;
            if (amount == 0) revert RegistryZeroQuantity();
            allocated += amount;
            if (allocated > quantity) revert RegistryAllocationMismatch(allocated, quantity);
            address account = allocation.account;
            bytes2 side = _requireReceivingAccount(account);
            if (side == JAPAN) {
                japanMask |= 1 << i;
                japanShare += amount;
            } else if (side != country) {
                revert RegistryAllocationOutsideCommittee(account, side, country);
            }
        }
        if (allocated != quantity) revert RegistryAllocationMismatch(allocated, quantity);
    }

    /// @dev Credits the allocations of the new batch `batchId` (checked by `mint`): Japan's (bits of `japanMask`)
    /// take `japanShare` serials from `firstSerial` on, the host's the rest, each side in the decision's order.
    /// The first allocation's account heads the batch's holder list and every later new holder is listed
    /// right after it, so the head's link is kept here and written once, after the loop.
    function _allocateAll(
        uint256 batchId,
        uint256 firstSerial,
        uint256 japanMask,
        uint256 japanShare,
        Allocation[] calldata allocations
    ) private {
        uint256 japanNext = firstSerial;
        uint256 hostNext = firstSerial + japanShare;
        uint256 afterHead = SerialRanges.END;
        uint256 count = allocations.length;
        for (uint256 i = 0; i < count; i++) {
            Allocation calldata allocation = allocations[i];
            uint256 amount = allocation.amount;
            uint256 first;
            // The batch's serials, at most SerialRanges.MAX_SERIAL (`_createBatch`), bound every sum here.
            unchecked {
                if (japanMask & (1 << i) != 0) {
                    (first, japanNext) = (japanNext, japanNext + amount);
                } else {
                    (first, hostNext) = (hostNext, hostNext + amount);
                }
            }
            afterHead = _allocate(batchId, allocation.account, i == 0, first, amount, afterHead);
        }
        if (afterHead != SerialRanges.END) _holdings[batchId][allocations[0].account].setNextHolder(afterHead);
    }

    /// @dev Credits serials `[first, first + amount - 1]` of the new batch `batchId` to `account` (checked by
    /// `mint`) and returns the holder to list right after the batch's head: `afterHead`, or `account` when it
    /// is a new holder other than the head (`isHead`: the first allocation's account).
    /// A new batch's holdings are blank until its allocations, so an account's first allocation writes its
    /// holding whole: one range, linked before the holders listed after the head so far (the head's own link
    /// is written by `_allocateAll`) and before the account's earlier batches, whose list it now heads. Only an
    /// account named again by a later allocation takes the general path, adding a range to its holding.
    function _allocate(uint256 batchId, address account, bool isHead, uint256 first, uint256 amount, uint256 afterHead)
        private
        returns (uint256)
    {
        uint256 last;
        unchecked {
            last = first + amount - 1; // amount > 0 and within the batch's serials (`mint`)
        }
        SerialRanges.Holding storage holding = _holdings[batchId][account];
        if (holding.isBlank()) {
            // The account's slot is warm (`_checkAllocations` read it); `_createBatch` checked that the batch id
            // fits a link.
            (uint256 index, uint256 nextBatch) = _countFirstHolding(_accounts[account], batchId);
            holding.initialize(first, last, afterHead, nextBatch);
            if (!isHead) afterHead = index;
        } else {
            SerialRanges.Loaded memory h = holding.load();
            if (!holding.add(h, SerialRange(uint64(first), uint64(last)), MAX_RANGES_PER_HOLDING)) {
                revert RegistryHoldingTooFragmented(account, batchId, MAX_RANGES_PER_HOLDING);
            }
            holding.save(h);
        }
        emit TransferSingle(msg.sender, address(0), account, batchId, amount);
        return afterHead;
    }

    /// @dev Moves the `quantity` lowest serials of a batch from `from` to the holding account `to` and emits
    /// `TransferSingle`.
    function _move(address from, address to, uint256 batchId, uint256 quantity)
        private
        returns (SerialRange[] memory ranges)
    {
        SerialRanges.Holding storage source = _holdings[batchId][from];
        SerialRanges.Loaded memory held = source.load();
        ranges = _takeLowest(source, held, from, batchId, quantity);
        // A new holder of the batch is listed right after the sender, whose holding is written anyway.
        _depositRanges(to, batchId, ranges, quantity, 0, held);
        source.save(held);
        emit TransferSingle(msg.sender, from, to, batchId, quantity);
    }

    /// @dev Moves the `quantity` lowest serials of a batch from `from`, an account of registry `side`, to that
    /// side's retirement or cancellation account (`kind`), emits `TransferSingle`, and returns that account.
    function _consumeLowest(address from, bytes2 side, AccountKind kind, uint256 batchId, uint256 quantity)
        private
        returns (address sink, SerialRange[] memory ranges)
    {
        SerialRanges.Holding storage source = _holdings[batchId][from];
        SerialRanges.Loaded memory held = source.load();
        ranges = _takeLowest(source, held, from, batchId, quantity);
        sink = _consume(side, kind, batchId, ranges, quantity, held);
        source.save(held);
        emit TransferSingle(msg.sender, from, sink, batchId, quantity);
    }

    /// @dev Takes the `quantity` lowest serials from `held`, `from`'s holding `source` of a batch loaded in
    /// memory: the caller saves it after depositing them.
    function _takeLowest(
        SerialRanges.Holding storage source,
        SerialRanges.Loaded memory held,
        address from,
        uint256 batchId,
        uint256 quantity
    ) private returns (SerialRange[] memory ranges) {
        if (quantity == 0) revert RegistryZeroQuantity();
        if (held.balance < quantity) {
            _existingBatch(batchId);
            revert RegistryInsufficientCredits(from, batchId, held.balance, quantity);
        }
        bool ok;
        (ranges, ok) = source.takeLowest(held, quantity, MAX_RANGES_PER_MOVE);
        if (!ok) revert RegistryTooManyRanges(from, batchId, MAX_RANGES_PER_MOVE);
        if (held.balance == 0) _accounts[from].nonEmptyHoldings -= 1;
    }

    /// @dev Counts `quantity` credits of a batch (its serials `ranges`, taken from the holding `predecessor`,
    /// which the caller saves afterwards) into registry `side`'s retirement or cancellation account (`kind`),
    /// and returns that account. Japan's and the host's sinks count them in the batch's slot (`StoredBatch`),
    /// which is read and written once; a third registry's sink keeps a holding of its own, listed among the
    /// batch's holders after `predecessor`.
    function _consume(
        bytes2 side,
        AccountKind kind,
        uint256 batchId,
        SerialRange[] memory ranges,
        uint256 quantity,
        SerialRanges.Loaded memory predecessor
    ) private returns (address sink) {
        uint256 sinkIndex;
        (sink, sinkIndex) = _sideAccount(side, kind);
        StoredBatch storage batch = _batches[batchId];
        // Fits: quantity is at most the batch's, itself at most MAX_BATCH_QUANTITY (uint32), and so is the sum of
        // what the batch's sinks consumed (conservation); checked arithmetic reverts if it ever were not.
        uint32 amount = uint32(quantity);
        bool retirement = kind == AccountKind.Retirement;
        if (side == JAPAN) {
            if (retirement) batch.retiredInJapan += amount;
            else batch.cancelledInJapan += amount;
        } else if (side == batch.country) {
            if (retirement) batch.retiredInHost += amount;
            else batch.cancelledInHost += amount;
        } else {
            if (!batch.consumedElsewhere) batch.consumedElsewhere = true;
            _depositRanges(sink, batchId, ranges, quantity, sinkIndex, predecessor);
        }
    }

    /// @dev Credits `ranges` (`quantity` serials) of a batch to `account`. A third registry's retirement or
    /// cancellation account (see `_consume`) keeps only a balance: its serials are kept in the records, so its
    /// holdings never fragment.
    /// A holding receiving its first credits joins two lists: the batch's holders, right after
    /// `predecessor` (a listed holding of the batch that the caller saves after this call), and the account's
    /// batches, at their head in the account's slot (written anyway: its count of non-empty holdings grows).
    /// A sink (`sinkIndex` its account number, else 0) joins only the batch's holders: it never closes, so
    /// neither its count nor its batch list is kept (`accountBatches` finds its batches by their balances),
    /// and its first deposit of a batch costs the new slot alone.
    function _depositRanges(
        address account,
        uint256 batchId,
        SerialRange[] memory ranges,
        uint256 quantity,
        uint256 sinkIndex,
        SerialRanges.Loaded memory predecessor
    ) private {
        SerialRanges.Holding storage holding = _holdings[batchId][account];
        SerialRanges.Loaded memory h = holding.load();
        if (sinkIndex != 0) {
            if (h.nextHolder == 0) {
                if (batchId >= SerialRanges.END) revert RegistryTooManyBatches(SerialRanges.END - 1);
                (h.nextHolder, predecessor.nextHolder) = (predecessor.nextHolder, sinkIndex);
            }
            h.balance += quantity;
            holding.save(h);
            return;
        }
        if (h.balance == 0) {
            StoredAccount storage info = _accounts[account];
            uint32 nonEmpty = info.nonEmptyHoldings + 1;
            if (h.nextHolder == 0) {
                // Never listed. Batch ids are list links of 24 bits; `_createBatch` refuses a batch beyond, so
                // this holds for every existing batch, and is checked again where the link is written.
                if (batchId >= SerialRanges.END) revert RegistryTooManyBatches(SerialRanges.END - 1);
                (h.nextHolder, predecessor.nextHolder) = (predecessor.nextHolder, info.index);
                uint256 firstBatch = info.firstBatch;
                h.nextBatch = firstBatch == 0 ? SerialRanges.END : firstBatch;
                // One write of the account's slot: its count and its batch list's new head.
                (info.nonEmptyHoldings, info.firstBatch) = (nonEmpty, uint24(batchId));
            } else {
                info.nonEmptyHoldings = nonEmpty;
            }
        }
        if (!holding.addAll(h, ranges, MAX_RANGES_PER_HOLDING)) {
            revert RegistryHoldingTooFragmented(account, batchId, MAX_RANGES_PER_HOLDING);
        }
        holding.save(h);
    }

    /// @dev Numbers `record` (its `id` and `retiredAt` are set here), commits to it in one slot and emits it
    /// whole: the event is the record, the hash binds it to state (DESIGN §4).
    function _recordRetirement(Retirement memory record) private returns (uint256 retirementId) {
        retirementId = ++_counters.retirementCount;
        record.id = retirementId;
        record.retiredAt = uint64(block.timestamp);
        _retirementHashes[retirementId] = _retirementDigest(record);
        emit CreditsRetired(
            retirementId,
            record.batchId,
            record.account,
            record.quantity,
            record.ranges,
            record.usingParty,
            record.purpose,
            record.beneficiary,
            record.note,
            record.retirementAccount,
            record.retiredAt
        );
    }

    /// @dev Moves exactly `ranges[0]` from a holding account being corrected to its side's cancellation
    /// account; returns that account and the quantity moved.
    function _cancelNamedSerials(address account, uint256 batchId, bytes2 country, SerialRange[] memory ranges)
        private
        returns (address sink, uint256 quantity)
    {
        StoredAccount storage info = _accounts[account];
        if (info.status == AccountStatus.None) revert RegistryUnknownAccount(account);
        if (!_isHoldingKind(info.kind)) revert RegistryInvalidAccountKind(account, info.kind);
        // A committee corrects only the two registries it decides for: Japan's and its own partner's.
        if (info.side != JAPAN && info.side != country) {
            revert RegistryCorrectionOutsideCommittee(account, info.side, country);
        }
        SerialRanges.Holding storage holding = _holdings[batchId][account];
        SerialRanges.Loaded memory held = holding.load();
        (uint64 first, uint64 last) = (ranges[0].first, ranges[0].last);
        (bool found, bool ok) = holding.takeExact(held, first, last);
        if (!found) revert RegistrySerialsNotHeld(account, batchId, first, last);
        if (!ok) revert RegistryHoldingTooFragmented(account, batchId, SerialRanges.MAX_RANGES);
        if (held.balance == 0) info.nonEmptyHoldings -= 1;
        quantity = uint256(last) - uint256(first) + 1;
        sink = _consume(info.side, AccountKind.Cancellation, batchId, ranges, quantity, held);
        holding.save(held);
    }

    /// @dev Numbers `record` (its `id` and `cancelledAt` are set here), commits to it in one slot and emits it
    /// whole (see `_recordRetirement`).
    function _recordCancellation(Cancellation memory record) private returns (uint256 cancellationId) {
        cancellationId = ++_counters.cancellationCount;
        record.id = cancellationId;
        record.cancelledAt = uint64(block.timestamp);
        _cancellationHashes[cancellationId] = _cancellationDigest(record);
        emit CreditsCancelled(
            cancellationId,
            record.batchId,
            record.account,
            record.quantity,
            record.ranges,
            record.reason,
            record.decisionId,
            record.note,
            record.cancellationAccount,
            record.cancelledAt
        );
    }

    /// @dev One call site for every movement Article 6 checks (it reverts to refuse one). `article6` was
    /// created by this contract and calls back only views, so the movement cannot be re-entered.
    function _reportToArticle6(
        Article6Movement movement,
        uint256 batchId,
        bytes2 side,
        bytes2 counterpart,
        SerialRange[] memory ranges
    ) private returns (bool firstTransferred) {
        // slither-disable-next-line reentrancy-events,reentrancy-no-eth (see above)
        return IJCMArticle6(article6).recordMovement(movement, batchId, side, counterpart, ranges);
    }

    /// @dev Runs the current call's function in `adminModule` on this contract's storage and returns or reverts
    /// with what it returned. `adminModule` is immutable and created by the constructor, so no one can point the
    /// ledger at other code.
    function _delegateToAdmin() private {
        _delegate(msg.data);
    }

    /// @dev Delegate-calls `adminModule` with `data` and returns or reverts with its output, ending the call.
    function _delegate(bytes calldata data) private {
        address target = adminModule;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, data.offset, data.length)
            let ok := delegatecall(gas(), target, ptr, data.length, 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }

    /// @dev Answers the current view call with what `adminModule` answers for it on this contract's storage: a
    /// static call to `adminView`, whose output (or revert) becomes this call's, ending it.
    function _viewInAdmin() private view {
        (bool ok, bytes memory output) = address(this).staticcall(abi.encodeCall(this.adminView, (msg.data)));
        assembly ("memory-safe") {
            if iszero(ok) { revert(add(output, 0x20), mload(output)) }
            return(add(output, 0x20), mload(output))
        }
    }

    function _requireNotPaused() private view {
        uint64 until = _counters.pausedUntil;
        if (block.timestamp < until) revert RegistryPaused(until, _counters.pausedBy);
    }

    function _onlyGovernance() private view {
        if (msg.sender != governance) revert RegistryNotGovernance(msg.sender);
    }

    function _onlyProjects() private view {
        if (msg.sender != projects) revert RegistryNotProjects(msg.sender);
    }

    function _existingBatch(uint256 batchId) private view returns (StoredBatch storage) {
        if (batchId == 0 || batchId > _counters.batchCount) revert RegistryUnknownBatch(batchId);
        return _batches[batchId];
    }

    /// @dev The side of an active holding or government holding account, from one read of its slot.
    function _requireSendingAccount(address account) private view returns (bytes2 side) {
        StoredAccount storage info = _accounts[account];
        AccountStatus status;
        AccountKind kind;
        (status, kind, side) = (info.status, info.kind, info.side);
        if (status == AccountStatus.None) revert RegistryUnknownAccount(account);
        if (!_isHoldingKind(kind)) revert RegistryInvalidAccountKind(account, kind);
        if (status != AccountStatus.Active) revert RegistryAccountNotActive(account, status);
    }

    function _requireReceivingAccount(address account) private view returns (bytes2 side) {
        return _requireSendingAccount(account);
    }

    /// @dev The side's retirement or cancellation account and its number (one slot read).
    function _sideAccount(bytes2 side, AccountKind kind) private view returns (address sink, uint256 index) {
        Side storage s = _sides[side];
        (sink, index) = kind == AccountKind.Retirement
            ? (s.retirementAccount, uint256(s.retirementIndex))
            : (s.cancellationAccount, uint256(s.cancellationIndex));
        if (sink == address(0)) revert RegistryNoSideAccount(side, kind);
    }

    function _single(SerialRange memory range) private pure returns (SerialRange[] memory ranges) {
        ranges = new SerialRange[](1);
        ranges[0] = range;
    }
}
