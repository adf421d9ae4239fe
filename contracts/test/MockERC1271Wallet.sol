// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet: a test-only contract wallet for joint-committee members
/// @notice Answers ERC-1271 `isValidSignature` as told: checks its owner's ECDSA signature (the normal
/// case), returns a wrong magic value, or reverts. Never deploy outside tests.
contract MockERC1271Wallet is IERC1271 {
    /// @dev How the wallet answers.
    enum Mode {
        CheckOwner, // the magic value for the owner's signature, 0xffffffff otherwise
        WrongMagic, // always a wrong value, even for the owner's signature
        Revert // always reverts
    }

    /// @notice A value that is not the ERC-1271 magic value.
    bytes4 public constant WRONG_MAGIC = 0xdeadbeef;

    /// @notice The key whose signatures the wallet accepts in `CheckOwner` mode.
    address public immutable owner;
    /// @notice The current answering mode.
    Mode public mode;

    /// @param owner_ the key whose ECDSA signatures the wallet accepts
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Changes how the wallet answers (anyone may: test-only contract).
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4) {
        if (mode == Mode.Revert) revert("MockERC1271Wallet: refused");
        if (mode == Mode.WrongMagic) return WRONG_MAGIC;
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
