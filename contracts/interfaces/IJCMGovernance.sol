// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title JCM governance: errors, events and functions of the bilateral governance
/// @notice How partner countries join (Japan's authority proposes, the partner's authority accepts), how a
/// joint committee hands over to a successor (only by its own decision), and the bounded emergency pause.
/// Each government's authority is a role of its own side in `JCMRegistry` (`authorityRole(side)`).
interface IJCMGovernance {
    /// @dev `caller` lacks the registry authority role of `side`.
    error GovernanceNotAuthority(bytes2 side, address caller);
    /// @dev A country code is not two upper-case ASCII letters, or is `JP`.
    error GovernanceInvalidCountryCode(bytes2 code);
    /// @dev The partner country already is a registry side.
    error GovernanceCountryAlreadyAdded(bytes2 country);
    /// @dev The zero address was given for a committee or an authority.
    error GovernanceZeroAddress();
    /// @dev No proposal of Japan's authority for `country` is pending.
    error GovernanceNoCountryProposal(bytes2 country);
    /// @dev `caller` is not the partner authority named in the pending proposal for `country`.
    error GovernanceNotProposedAuthority(bytes2 country, address caller);
    /// @dev The committee accepted (`committee`) is not the one proposed (`proposed`).
    error GovernanceProposalMismatch(bytes2 country, address committee, address proposed);
    /// @dev `committee` is not a joint committee of `country` bound to this registry (or is the current one).
    error GovernanceNotJointCommittee(bytes2 country, address committee);
    /// @dev `caller` is not the current joint committee of `country`.
    error GovernanceNotCommittee(bytes2 country, address caller);
    /// @dev A pause must last 1 second to `max` seconds.
    error GovernanceInvalidPauseDuration(uint64 duration, uint64 max);
    /// @dev The registry is already paused until `until` by `side`.
    error GovernanceAlreadyPaused(uint64 until, bytes2 side);
    /// @dev The registry is not paused.
    error GovernanceNotPaused();
    /// @dev `side` paused recently and may pause again from `allowedFrom`.
    error GovernancePauseCoolingDown(bytes2 side, uint64 allowedFrom);

    /// @notice Japan's authority proposed that `country` join with `committee`, governed by `authority`.
    event CountryProposed(bytes2 indexed country, address indexed committee, address indexed authority);
    /// @notice The authority of `side` paused holders' movements until `until`.
    event PauseStarted(bytes2 indexed side, address authority, uint64 until);
    /// @notice The authority of `side` lifted its pause before it ended.
    event PauseLifted(bytes2 indexed side, address authority);

    /// @notice Japan's authority proposes that `country` join the registry with `committee` as its joint
    /// committee and `authority` as the partner government's registry authority (the address both
    /// governments agreed). Nothing changes until that authority accepts; a new proposal replaces a pending one.
    function proposeCountry(bytes2 country, address committee, address authority) external;

    /// @notice The partner authority named in the pending proposal accepts it: `country` becomes a registry
    /// side governed by that authority, with `committee` (which must equal the proposed one) as its committee.
    function acceptCountry(bytes2 country, address committee) external;

    /// @notice Called by a country's current joint committee, on a decision its members signed under both
    /// thresholds, to hand the country over to `successor`.
    function replaceCommittee(bytes2 country, address successor) external;

    /// @notice The authority of `side` pauses holders' movements (transfer, retirement, cancellation) for
    /// `duration` seconds, at most `MAX_PAUSE_DURATION`. Committee decisions still execute, so no signed
    /// decision can lapse because of a pause.
    function pause(bytes2 side, uint64 duration) external;

    /// @notice The authority of the side that paused lifts the pause early.
    function unpause() external;

    /// @notice The ledger this contract governs.
    function registry() external view returns (address);

    /// @notice The pending proposal for `country` (zero addresses when none).
    function countryProposal(bytes2 country) external view returns (address committee, address authority);

    /// @notice The earliest time `side`'s authority may pause again.
    function pauseAllowedFrom(bytes2 side) external view returns (uint64);
}
