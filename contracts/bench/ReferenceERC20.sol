// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReferenceERC20: an unmodified OpenZeppelin 5 ERC-20 for gas comparisons
/// @notice Benchmark reference only (never shipped in the SDK): `make bench` measures its `transfer` beside the
/// registry's `transfer` on the same chain in the same run.
contract ReferenceERC20 is ERC20 {
    constructor() ERC20("Reference", "REF") {}

    /// @notice Mints `value` to `to` (open to anyone: a benchmark fixture).
    function mint(address to, uint256 value) external {
        _mint(to, value);
    }
}
