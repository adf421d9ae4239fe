// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IJCMGovernance} from "./interfaces/IJCMGovernance.sol";
import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {IJointCommittee} from "./interfaces/IJointCommittee.sol";

/// @title JCMGovernance: bilateral governance of the JCM registry
/// @notice No government governs the other's side. Each government's registry authority (in production a
/// multisig of that government) holds `authorityRole(side)` in `JCMRegistry` for its own side only: it grants
/// and revokes that side's registrars. A partner country joins only when Japan's authority proposes it and the
/// partner's authority accepts; a joint committee is replaced only by its own decision (signed under both
/// sides' thresholds); either authority may declare a bounded emergency pause of holders' movements.
/// @dev Created by `JCMRegistry`'s constructor (so `registry` is immutable) and the only caller of the
/// registry's `addCountry`, `setCommittee` and `setPause`. It lives apart from the ledger to keep the ledger
/// under the 24 KiB code-size limit that consortium chains enforce; these functions are rarely called.
///
/// Pause rules: the authority of a side pauses for 1 s to `MAX_PAUSE_DURATION`; the pause ends by itself at
/// its deadline or earlier when the same side lifts it; that side may pause again only `PAUSE_COOLDOWN` after
/// its pause ended, so no single authority keeps the registry paused. Only transfers, retirements and
/// cancellations stop. Issuances, corrections and every other committee decision still execute while paused:
/// they carry both governments' signatures, and a pause must never make a signed decision lapse.
contract JCMGovernance is IJCMGovernance {
    /// @notice Registry side code of Japan.
    bytes2 public constant JAPAN = "JP";
    /// @notice Longest emergency pause one authority may declare.
    uint64 public constant MAX_PAUSE_DURATION = 7 days;
    /// @notice Time after a side's pause ends before that side may pause again.
    uint64 public constant PAUSE_COOLDOWN = 7 days;

    struct CountryProposal {
        address committee;
        address authority;
    }

    IJCMRegistry private immutable _registry;
    mapping(bytes2 country => CountryProposal) private _proposals;
    mapping(bytes2 side => uint64) private _pauseAllowedFrom;

    /// @param registry_ the ledger that creates this contract
    constructor(IJCMRegistry registry_) {
        _registry = registry_;
    }

    /// @inheritdoc IJCMGovernance
    /// @dev Requirements: caller holds Japan's authority role; `country` is two upper-case letters, not `JP`,
    /// not yet a side; `committee` and `authority` are not zero.
    function proposeCountry(bytes2 country, address committee, address authority) external {
        _onlyAuthority(JAPAN);
        if (!_isCountryCode(country) || country == JAPAN) revert GovernanceInvalidCountryCode(country);
        if (_registry.committeeOf(country) != address(0)) revert GovernanceCountryAlreadyAdded(country);
        if (committee == address(0) || authority == address(0)) revert GovernanceZeroAddress();
        _proposals[country] = CountryProposal({committee: committee, authority: authority});
        emit CountryProposed(country, committee, authority);
    }

    /// @inheritdoc IJCMGovernance
    /// @dev Requirements: a proposal for `country` is pending; the caller is the authority it names;
    /// `committee` is the proposed one (the partner accepts exactly what it checked) and reports `country`
    /// and this registry.
    function acceptCountry(bytes2 country, address committee) external {
        CountryProposal memory proposal = _proposals[country];
        if (proposal.authority == address(0)) revert GovernanceNoCountryProposal(country);
        if (msg.sender != proposal.authority) revert GovernanceNotProposedAuthority(country, msg.sender);
        if (committee != proposal.committee) {
            revert GovernanceProposalMismatch(country, committee, proposal.committee);
        }
        _checkCommittee(country, committee);
        delete _proposals[country];
        _registry.addCountry(country, committee, proposal.authority);
    }

    /// @inheritdoc IJCMGovernance
    /// @dev Requirements: caller is the current committee of `country` (a `JointCommittee` calls this only
    /// on a decision signed under both thresholds); `successor` is another committee that reports `country`
    /// and this registry.
    function replaceCommittee(bytes2 country, address successor) external {
        address current = _registry.committeeOf(country);
        if (current == address(0) || msg.sender != current) revert GovernanceNotCommittee(country, msg.sender);
        if (successor == current) revert GovernanceNotJointCommittee(country, successor);
        _checkCommittee(country, successor);
        _registry.setCommittee(country, successor);
    }

    /// @inheritdoc IJCMGovernance
    /// @dev Requirements: caller holds the authority role of `side`; 0 < `duration` <= `MAX_PAUSE_DURATION`;
    /// not paused now; `side`'s cool-down after its last pause is over.
    function pause(bytes2 side, uint64 duration) external {
        _onlyAuthority(side);
        if (duration == 0 || duration > MAX_PAUSE_DURATION) {
            revert GovernanceInvalidPauseDuration(duration, MAX_PAUSE_DURATION);
        }
        (uint64 pausedUntil, bytes2 pausedBy) = _registry.pauseState();
        if (block.timestamp < pausedUntil) revert GovernanceAlreadyPaused(pausedUntil, pausedBy);
        uint64 allowedFrom = _pauseAllowedFrom[side];
        if (block.timestamp < allowedFrom) revert GovernancePauseCoolingDown(side, allowedFrom);
        uint64 until = uint64(block.timestamp) + duration;
        _pauseAllowedFrom[side] = until + PAUSE_COOLDOWN;
        emit PauseStarted(side, msg.sender, until);
        _registry.setPause(until, side);
    }

    /// @inheritdoc IJCMGovernance
    /// @dev Requirements: paused now; caller holds the authority role of the side that paused.
    function unpause() external {
        (uint64 pausedUntil, bytes2 side) = _registry.pauseState();
        if (block.timestamp >= pausedUntil) revert GovernanceNotPaused();
        _onlyAuthority(side);
        _pauseAllowedFrom[side] = uint64(block.timestamp) + PAUSE_COOLDOWN;
        emit PauseLifted(side, msg.sender);
        _registry.setPause(uint64(block.timestamp), side);
    }

    /// @inheritdoc IJCMGovernance
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJCMGovernance
    function countryProposal(bytes2 country) external view returns (address committee, address authority) {
        CountryProposal storage proposal = _proposals[country];
        return (proposal.committee, proposal.authority);
    }

    /// @inheritdoc IJCMGovernance
    function pauseAllowedFrom(bytes2 side) external view returns (uint64) {
        return _pauseAllowedFrom[side];
    }

    function _onlyAuthority(bytes2 side) private view {
        if (!IAccessControl(address(_registry)).hasRole(_registry.authorityRole(side), msg.sender)) {
            revert GovernanceNotAuthority(side, msg.sender);
        }
    }

    /// @dev A committee must be a contract that reports `country` and this registry. Only both governments'
    /// consent (joining) or the current committee's own decision (replacement) reaches this, and each
    /// consenting party checks the committee's code and members off chain; this catches a wrong address,
    /// a committee of another country, or one built for another registry.
    function _checkCommittee(bytes2 country, address committee) private view {
        if (committee.code.length == 0) revert GovernanceNotJointCommittee(country, committee);
        try IJointCommittee(committee).country() returns (bytes2 reported) {
            if (reported != country) revert GovernanceNotJointCommittee(country, committee);
        } catch {
            revert GovernanceNotJointCommittee(country, committee);
        }
        try IJointCommittee(committee).registry() returns (address reported) {
            if (reported != address(_registry)) revert GovernanceNotJointCommittee(country, committee);
        } catch {
            revert GovernanceNotJointCommittee(country, committee);
        }
    }

    function _isCountryCode(bytes2 code) private pure returns (bool) {
        return code[0] >= "A" && code[0] <= "Z" && code[1] >= "A" && code[1] <= "Z";
    }
}
