// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ContractAccountHolder: a registry account held by a contract wallet that tries to re-enter (test-only)
/// @notice Its owner moves credits through `execute` (the registry sees the wallet as `msg.sender`). Every
/// other entry point (the ERC-1155 receiver hooks, `fallback`, `receive`) counts that it was entered and
/// tries to re-enter the registry with a prepared payload, e.g. to move the credits being received a second
/// time. The registry makes no external calls, so these hooks never run during a movement. Never deploy
/// outside tests.
contract ContractAccountHolder {
    /// @notice The key allowed to act through `execute`.
    address public immutable owner;
    /// @notice The contract the hooks try to re-enter.
    address public immutable registry;
    /// @notice What the hooks send to `registry` (empty: only count).
    bytes public reentryPayload;
    /// @notice How many times any hook was entered.
    uint256 public hooksEntered;
    /// @notice How many re-entering calls succeeded.
    uint256 public reentries;

    error NotOwner(address caller);

    /// @param owner_ the key allowed to act through `execute`
    /// @param registry_ the contract the hooks try to re-enter
    constructor(address owner_, address registry_) {
        owner = owner_;
        registry = registry_;
    }

    /// @notice Sets the calldata the hooks send to the registry. Only the owner.
    function setReentryPayload(bytes calldata payload) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        reentryPayload = payload;
    }

    /// @notice Calls `target` with `data` as this wallet, bubbling up a revert. Only the owner.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice ERC-1155 receiver hook: tries to re-enter, then accepts.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return this.onERC1155Received.selector;
    }

    /// @notice ERC-1155 batch receiver hook: tries to re-enter, then accepts.
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        returns (bytes4)
    {
        _reenter();
        return this.onERC1155BatchReceived.selector;
    }

    /// @notice ERC-165: claims the ERC-1155 receiver interface, so a token contract would call the hooks.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x4e2312e0 || interfaceId == 0x01ffc9a7;
    }

    fallback() external payable {
        _reenter();
    }

    receive() external payable {
        _reenter();
    }

    function _reenter() private {
        hooksEntered += 1;
        if (reentryPayload.length == 0) return;
        // slither-disable-next-line low-level-calls (the point of this test contract)
        (bool ok,) = registry.call(reentryPayload);
        if (ok) reentries += 1;
    }
}
