// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ReentrantMember: a joint-committee member's contract wallet that can misbehave (test-only)
/// @notice Answers ERC-1271 `isValidSignature(bytes32,bytes)` for its owner's ECDSA signatures, and can be
/// told to attack while it answers: return a wrong magic value, write its own storage, or call another
/// contract (the committee, the registry) with a prepared payload, either failing when that call fails or
/// ignoring the failure. A committee must verify members through a static call, so none of these attacks
/// can change any state. Never deploy outside tests.
/// @dev Deliberately does not inherit `IERC1271`: its `isValidSignature` is not `view`, as a hostile wallet's
/// need not be. The selector is the same.
contract ReentrantMember {
    /// @dev How the wallet answers.
    enum Mode {
        Honest, // the magic value for the owner's signature, 0xffffffff otherwise
        WrongMagic, // a wrong value, even for the owner's signature
        WriteState, // increments `answered`, then answers honestly
        ReenterOrFail, // calls `target` with `payload`; reverts with the call's error if it fails
        ReenterIgnoringFailure // calls `target` with `payload`, ignores a failure, answers honestly
    }

    /// @notice ERC-1271's magic value: `bytes4(keccak256("isValidSignature(bytes32,bytes)"))`.
    bytes4 public constant MAGIC_VALUE = 0x1626ba7e;
    /// @notice The value returned in `WrongMagic` mode.
    bytes4 public constant WRONG_MAGIC = 0xdeadbeef;

    /// @notice The key whose ECDSA signatures the wallet accepts.
    address public immutable owner;
    /// @notice The current answering mode.
    Mode public mode;
    /// @notice The contract the wallet calls in a re-entering mode.
    address public target;
    /// @notice The calldata of that call.
    bytes public payload;
    /// @notice How many times `isValidSignature` wrote state (only possible outside a static call).
    uint256 public answered;
    /// @notice How many re-entering calls succeeded (only recordable outside a static call).
    uint256 public reentries;

    /// @param owner_ the key whose ECDSA signatures the wallet accepts
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Sets how the wallet answers, and what it calls when re-entering (anyone may: test-only).
    function configure(Mode mode_, address target_, bytes calldata payload_) external {
        mode = mode_;
        target = target_;
        payload = payload_;
    }

    /// @notice Calls `target_` with `data` as this wallet (anyone may: test-only), e.g. to move credits the
    /// wallet holds as a registry account.
    function execute(address target_, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = target_.call(data);
        if (!ok) _bubble(result);
    }

    /// @notice ERC-1271, with the misbehaviour of the current mode.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        Mode current = mode;
        if (current == Mode.WrongMagic) return WRONG_MAGIC;
        if (current == Mode.WriteState) answered += 1;
        if (current == Mode.ReenterOrFail || current == Mode.ReenterIgnoringFailure) {
            (bool ok, bytes memory result) = target.call(payload);
            if (ok) reentries += 1;
            else if (current == Mode.ReenterOrFail) _bubble(result);
        }
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == owner) return MAGIC_VALUE;
        return 0xffffffff;
    }

    function _bubble(bytes memory result) private pure {
        assembly ("memory-safe") {
            revert(add(result, 32), mload(result))
        }
    }
}
