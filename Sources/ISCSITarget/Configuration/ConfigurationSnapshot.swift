import SCSI

/// A portal group as logins see it.
public struct PortalGroupSnapshot: Sendable {
    public var tag: Int32
    /// Listening addresses, in configuration order.
    public var portals: [Portal]
    /// Private groups are not advertised by SendTargets.
    public var isPrivate: Bool
    /// CHAP settings of discovery logins on this group (a copy of the global ones at creation).
    public var auth: CHAPPolicy
}

/// One portal-group ↔ initiator-group pair of a target node.
public struct PortalGroupInitiatorGroupMap: Sendable, Hashable {
    public var pgTag: Int32
    public var igTag: Int32

    public init(pgTag: Int32, igTag: Int32) {
        self.pgTag = pgTag
        self.igTag = igTag
    }
}

/// A target node as logins and sessions see it.
public struct TargetNodeSnapshot: Sendable {
    /// The full IQN (or eui./naa. name).
    public var name: String
    public var aliasName: String
    /// Grouped by portal group (map insertion order), then initiator-group insertion order.
    public var maps: [PortalGroupInitiatorGroupMap]
    /// The LUNs in ascending LUN id, shared by all sessions.
    public var logicalUnits: [LogicalUnit]
    public var queueDepth: Int32
    public var auth: CHAPPolicy
    public var headerDigest: Bool
    public var dataDigest: Bool
    /// Portal group tag → where logins on that group are redirected to.
    public var redirects: [Int32: Portal]
    /// Deletion in progress: new logins get "target removed".
    public var isBeingDeleted: Bool
    /// Where to record command latencies, while iscsi_enable_histogram is on (an addition to the contract).
    public var histogram: LatencyHistogram?
    /// The SCSI device sessions send commands to: slot id (VPD 0x83 logical unit group), one target port
    /// per mapped portal group, and `logicalUnits`. (An addition to the contract's fields.)
    public var scsiDevice: SCSIDevice
    /// Where a session logged in to this target picks up `scsiDevice` after a later change (nil: never changes).
    var sessionDevice: TargetNodeDevice? = nil
}

/// Immutable view of the whole configuration, replaced on every change.
public struct ConfigurationSnapshot: Sendable {
    public var options: ISCSIOptions
    /// Creation order.
    public var portalGroups: [PortalGroupSnapshot]
    /// Creation order.
    public var initiatorGroups: [InitiatorGroupSnapshot]
    /// Creation order.
    public var targets: [TargetNodeSnapshot]
    /// CHAP secrets by group, creation order (an addition to the contract's fields, for CHAP logins).
    public var authGroups: [AuthGroup]

    public init(
        options: ISCSIOptions = ISCSIOptions(),
        portalGroups: [PortalGroupSnapshot] = [],
        initiatorGroups: [InitiatorGroupSnapshot] = [],
        targets: [TargetNodeSnapshot] = [],
        authGroups: [AuthGroup] = []
    ) {
        self.options = options
        self.portalGroups = portalGroups
        self.initiatorGroups = initiatorGroups
        self.targets = targets
        self.authGroups = authGroups
    }

    public func portalGroup(tag: Int32) -> PortalGroupSnapshot? {
        self.portalGroups.first { $0.tag == tag }
    }

    public func initiatorGroup(tag: Int32) -> InitiatorGroupSnapshot? {
        self.initiatorGroups.first { $0.tag == tag }
    }

    public func authGroup(tag: Int32) -> AuthGroup? {
        self.authGroups.first { $0.tag == tag }
    }

    /// The target whose full name equals `name`, compared case-insensitively.
    public func target(named name: String) -> TargetNodeSnapshot? {
        let lowered = name.lowercased()
        return self.targets.first { $0.name.lowercased() == lowered }
    }
}
