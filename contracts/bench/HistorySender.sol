// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @dev The one registry function this fixture calls.
interface IRegistryTransfer {
    function transfer(address to, uint256 batchId, uint256 quantity) external;
}

/// @title HistorySender: a holding account that makes many registry transfers in one transaction
/// @notice Benchmark fixture only (never shipped in the SDK): `bench/history.py` opens registry accounts for
/// instances of it and has each send one credit at a time to its receiver, several transfers per transaction,
/// to build the indexer's million-event history faster. Every transfer is a real `JCMRegistry.transfer` call
/// with the instance as the sending account, so the registry emits the same events as for any holder.
contract HistorySender {
    IRegistryTransfer private immutable _registry;
    address private immutable _operator;

    /// @notice A caller other than the account that deployed this sender.
    error HistorySenderUnauthorized(address caller);

    constructor(IRegistryTransfer registry) {
        _registry = registry;
        _operator = msg.sender;
    }

    /// @notice Transfers one credit of `batchId` to `to`, `times` times, each a registry transfer of its own.
    /// @dev Only the deployer may call it: the credits it holds move on no one else's word.
    function transferEach(address to, uint256 batchId, uint256 times) external {
        if (msg.sender != _operator) revert HistorySenderUnauthorized(msg.sender);
        for (uint256 i; i < times; ++i) {
            _registry.transfer(to, batchId, 1);
        }
    }
}
