// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title MockCommittee: a test-only stand-in for a joint committee
/// @notice Reports a country and a registry as a `JointCommittee` does, but has no members: contract tests
/// send as its address (anvil impersonation) to call `JCMProjects` directly, as the committee contract would
/// after its members signed. It also shows what the registry's committee check can and cannot tell: any
/// contract can report these values, so the two governments' consent is what vouches for a committee's code.
/// Never deploy outside tests.
contract MockCommittee {
    /// @notice The country this stand-in reports.
    bytes2 public immutable country;
    /// @notice The registry this stand-in reports.
    address public immutable registry;

    /// @param registry_ the registry to report
    /// @param country_ the country to report
    constructor(address registry_, bytes2 country_) {
        registry = registry_;
        country = country_;
    }
}
