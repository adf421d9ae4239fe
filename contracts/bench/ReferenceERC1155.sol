// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title ReferenceERC1155: an unmodified OpenZeppelin 5 ERC-1155 for gas comparisons
/// @notice Benchmark reference only (never shipped in the SDK): `make bench` measures its `safeTransferFrom`
/// beside the registry's `transfer` on the same chain in the same run.
contract ReferenceERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    /// @notice Mints `value` of token `id` to `to` (open to anyone: a benchmark fixture).
    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }
}
