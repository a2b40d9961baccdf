/// What a Normal-session login to a target may do (iscsi-options.md §4), decided from a snapshot.
public enum LoginAccess: Sendable, Equatable {
    /// The initiator may log in.
    case allowed
    /// No such target: login status 0x0203.
    case targetNotFound
    /// The target is being deleted: login status 0x0204.
    case targetRemoved
    /// The target moved for this portal group: login status 0x0101 with `TargetAddress=<host>:<port>`.
    case redirected(Portal)
    /// No initiator group of the portal group admits this initiator from this address: status 0x0202.
    case denied
}

extension ConfigurationSnapshot {
    /// Decides a Normal-session login: the target (case-insensitive full name), its deletion, a redirect
    /// on `portalGroupTag` (checked before access control), then the initiator groups mapped to that portal
    /// group.
    public func loginAccess(
        targetName: String,
        initiatorName: String,
        initiatorAddress: String,
        portalGroupTag: Int32
    ) -> LoginAccess {
        guard let target = self.target(named: targetName) else { return .targetNotFound }
        if target.isBeingDeleted { return .targetRemoved }
        if let redirect = target.redirects[portalGroupTag] { return .redirected(redirect) }
        return self.admits(initiatorName, at: initiatorAddress, to: target, through: portalGroupTag)
            ? .allowed : .denied
    }

    /// Whether discovery (SendTargets) shows `target` to an initiator: it could log in through one of the
    /// target's portal groups. SPDK checks only the name here; checking the address too keeps discovery from
    /// advertising targets the initiator cannot log in to (RFC 7143 §12.3: targets the initiator may access).
    public func isTarget(_ target: TargetNodeSnapshot, visibleTo initiatorName: String, at initiatorAddress: String)
        -> Bool
    {
        target.maps.contains { self.admits(initiatorName, at: initiatorAddress, to: target, through: $0.pgTag) }
    }

    /// The initiator groups mapped to `portalGroupTag` in order: the first whose names match decides by name
    /// (a `!` entry denies), and it admits only if one of its netmasks matches `initiatorAddress`; otherwise the
    /// next group is tried.
    private func admits(
        _ initiatorName: String,
        at initiatorAddress: String,
        to target: TargetNodeSnapshot,
        through portalGroupTag: Int32
    ) -> Bool {
        for map in target.maps where map.pgTag == portalGroupTag {
            guard let group = self.initiatorGroup(tag: map.igTag),
                let nameAllowed = group.nameDecision(initiatorName)
            else { continue }
            guard nameAllowed else { return false }
            if group.allowsAddress(initiatorAddress) { return true }
        }
        return false
    }
}
