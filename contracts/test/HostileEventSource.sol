// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

import {IJCMProjects} from "../interfaces/IJCMProjects.sol";
import {IJCMRegistry} from "../interfaces/IJCMRegistry.sol";
import {
    AccountKind,
    Authorization,
    BatchInfo,
    Cancellation,
    CancellationReason,
    Retirement,
    RetirementPurpose,
    SerialRange
} from "../interfaces/RegistryTypes.sol";

/// @title HostileEventSource: a test-only source of the registry's events with any text and numbers
/// @notice Emits the events of `JCMRegistry` and `JCMProjects`, with exactly their signatures (they are
/// emitted through the interfaces), carrying whatever text and integers the caller passes: NUL, ESC,
/// bidirectional and zero-width characters, invalid UTF-8, serials up to 2^64 - 1. The shipped contracts
/// refuse some of that text, but a deployment made before such a rule, or another client of the same
/// events, can still emit it, so the indexer is tested against this source. Deploy two: one stands in
/// for the registry, the other for the projects contract. Never deploy outside tests.
contract HostileEventSource {
    // Each account's side and each side's retirement and cancellation accounts, so the record events name
    // the holder's sink as the ledger's do.
    mapping(address account => bytes2) private _sides;
    mapping(bytes2 side => mapping(AccountKind kind => address)) private _sinks;

    /// @notice Emits `AccountOpened` (and remembers a side's retirement and cancellation accounts).
    function openAccount(address account, bytes2 side, AccountKind kind, string calldata holderName) external {
        _sides[account] = side;
        if (kind == AccountKind.Retirement || kind == AccountKind.Cancellation) _sinks[side][kind] = account;
        emit IJCMRegistry.AccountOpened(account, side, kind, holderName, msg.sender);
    }

    /// @notice Emits `CountryAdded`.
    function addCountry(bytes2 country, address committee) external {
        emit IJCMRegistry.CountryAdded(country, committee);
    }

    /// @notice Emits `ProjectRegistered` (on the source standing in for the projects contract).
    function registerProject(
        bytes32 projectKey,
        bytes2 country,
        string calldata ref,
        string calldata title,
        string calldata methodology
    ) external {
        emit IJCMProjects.ProjectRegistered(
            projectKey, country, ref, title, methodology, keccak256("pdd"), keccak256("validation")
        );
    }

    /// @notice Emits, in one transaction and in the shipped contracts' order, the mint `TransferSingle` here
    /// and `BatchIssued` on `projects`: one issuance of `info.quantity` credits to one account.
    function issue(HostileEventSource projects, address account, bytes32 projectKey, BatchInfo calldata info)
        external
    {
        emit IERC1155.TransferSingle(address(projects), address(0), account, info.id, info.quantity);
        projects.batchIssued(projectKey, info);
    }

    /// @notice Emits `BatchIssued` (called by the source standing in for the registry).
    function batchIssued(bytes32 projectKey, BatchInfo calldata info) external {
        emit IJCMProjects.BatchIssued(info.id, projectKey, info.decisionId, info);
    }

    /// @notice Emits `CreditsRetired` of one range.
    function retire(
        uint256 retirementId,
        uint256 batchId,
        address account,
        SerialRange calldata range,
        bytes2 usingParty,
        RetirementPurpose purpose,
        string calldata beneficiary,
        string calldata note
    ) external {
        Retirement memory record;
        (record.id, record.batchId, record.account, record.usingParty, record.purpose) =
            (retirementId, batchId, account, usingParty, purpose);
        (record.beneficiary, record.note) = (beneficiary, note);
        record.retirementAccount = _sinks[_sides[account]][AccountKind.Retirement];
        record.quantity = range.last - range.first + 1;
        record.ranges = new SerialRange[](1);
        record.ranges[0] = range;
        emit IJCMRegistry.CreditsRetired(
            record.id,
            record.batchId,
            record.account,
            record.quantity,
            record.ranges,
            record.usingParty,
            record.purpose,
            record.beneficiary,
            record.note,
            record.retirementAccount,
            uint64(block.timestamp)
        );
    }

    /// @notice Emits `count` retirements of one serial each, `firstSerial` upwards, with record ids from
    /// `firstRecordId`: a range consumed by thousands of small retirements, in one transaction.
    function retireEach(
        uint256 firstRecordId,
        uint256 batchId,
        address account,
        uint64 firstSerial,
        uint256 count,
        bytes2 usingParty
    ) external {
        address sink = _sinks[_sides[account]][AccountKind.Retirement];
        for (uint256 i = 0; i < count; i++) {
            _retireOne(firstRecordId + i, batchId, account, firstSerial + uint64(i), usingParty, sink);
        }
    }

    function _retireOne(
        uint256 retirementId,
        uint256 batchId,
        address account,
        uint64 serial,
        bytes2 usingParty,
        address sink
    ) private {
        SerialRange[] memory ranges = new SerialRange[](1);
        ranges[0] = SerialRange(serial, serial);
        emit IJCMRegistry.CreditsRetired(
            retirementId,
            batchId,
            account,
            1,
            ranges,
            usingParty,
            RetirementPurpose.NDC,
            "",
            "",
            sink,
            uint64(block.timestamp)
        );
    }

    /// @notice Emits `CreditsCancelled` of one range (never a correction).
    function cancel(
        uint256 cancellationId,
        uint256 batchId,
        address account,
        SerialRange calldata range,
        CancellationReason reason,
        string calldata note
    ) external {
        Cancellation memory record;
        (record.id, record.batchId, record.account, record.reason, record.note) =
            (cancellationId, batchId, account, reason, note);
        record.cancellationAccount = _sinks[_sides[account]][AccountKind.Cancellation];
        record.quantity = range.last - range.first + 1;
        record.ranges = new SerialRange[](1);
        record.ranges[0] = range;
        emit IJCMRegistry.CreditsCancelled(
            record.id,
            record.batchId,
            record.account,
            record.quantity,
            record.ranges,
            record.reason,
            record.decisionId,
            record.note,
            record.cancellationAccount,
            uint64(block.timestamp)
        );
    }
}
