import BlockDevice
import SCSI

/// The control plane's record of one target node; `snapshot` is what the data plane sees.
struct TargetNode: Sendable {
    /// The initiator groups allowed through one portal group, and an optional login redirect.
    struct PortalGroupMap: Sendable {
        var pgTag: Int32
        /// Insertion order.
        var igTags: [Int32]
        var redirect: Portal?
    }

    /// One LUN and the name of the bdev behind it (kept for RPC output after a hot-remove).
    struct LUN: Sendable {
        var id: Int
        var bdevName: String
        var unit: LogicalUnit
    }

    /// Highest LUN id + 1 (SPDK_SCSI_DEV_MAX_LUN).
    static let lunIDLimit = 256
    /// At most this many distinct portal groups per target (SPDK_SCSI_DEV_MAX_PORTS).
    static let maximumPortalGroups = 4

    var name: String
    var aliasName: String
    /// Map insertion order.
    var pgMaps: [PortalGroupMap] = []
    /// Ascending LUN id.
    var luns: [LUN] = []
    var queueDepth: Int32
    var auth: CHAPPolicy
    var headerDigest: Bool
    var dataDigest: Bool
    /// Present while iscsi_enable_histogram is on.
    var histogram: LatencyHistogram?
    /// The SCSI device slot (scsi_get_devices `id`).
    var deviceID: Int
    var isBeingDeleted = false
    /// Where running sessions pick up ``scsiDevice`` after a change (shared by every copy of this record).
    let sessionDevice = TargetNodeDevice()

    var snapshot: TargetNodeSnapshot {
        TargetNodeSnapshot(
            name: self.name,
            aliasName: self.aliasName,
            maps: self.maps,
            logicalUnits: self.luns.map(\.unit),
            queueDepth: self.queueDepth,
            auth: self.auth,
            headerDigest: self.headerDigest,
            dataDigest: self.dataDigest,
            redirects: self.pgMaps.reduce(into: [:]) { redirects, map in redirects[map.pgTag] = map.redirect },
            isBeingDeleted: self.isBeingDeleted,
            histogram: self.histogram,
            scsiDevice: self.scsiDevice,
            sessionDevice: self.sessionDevice
        )
    }

    /// The SCSI device of the target: its slot id, one port per mapped portal group, its LUNs.
    var scsiDevice: SCSIDevice {
        SCSIDevice(
            name: self.name,
            id: UInt16(self.deviceID),
            ports: self.pgMaps.map {
                SCSITargetPort(targetName: self.name, portalGroupTag: UInt16(truncatingIfNeeded: $0.pgTag))
            },
            logicalUnits: self.luns.map(\.unit)
        )
    }

    /// Grouped by portal group, then initiator group, in insertion order.
    var maps: [PortalGroupInitiatorGroupMap] {
        self.pgMaps.flatMap { map in map.igTags.map { PortalGroupInitiatorGroupMap(pgTag: map.pgTag, igTag: $0) } }
    }

    func hasLUN(id: Int) -> Bool {
        self.luns.contains { $0.id == id }
    }

    /// The lowest LUN id not in use, if any is left.
    var lowestFreeLUNID: Int? {
        (0..<Self.lunIDLimit).first { !self.hasLUN(id: $0) }
    }

    /// Adds a LUN keeping ascending id order.
    mutating func insert(_ lun: LUN) {
        let index = self.luns.firstIndex { $0.id > lun.id } ?? self.luns.endIndex
        self.luns.insert(lun, at: index)
    }

    /// Adds a pg↔ig pair; fails when already mapped or when it would need a fifth portal group.
    mutating func addMap(_ map: PortalGroupInitiatorGroupMap) throws(ConfigurationError) {
        if let index = self.pgMaps.firstIndex(where: { $0.pgTag == map.pgTag }) {
            guard !self.pgMaps[index].igTags.contains(map.igTag) else { throw .invalid }
            self.pgMaps[index].igTags.append(map.igTag)
        } else {
            guard self.pgMaps.count < Self.maximumPortalGroups else { throw .invalid }
            self.pgMaps.append(PortalGroupMap(pgTag: map.pgTag, igTags: [map.igTag]))
        }
    }

    /// Removes a pg↔ig pair; the portal group's map goes when its last initiator group does.
    mutating func removeMap(_ map: PortalGroupInitiatorGroupMap) throws(ConfigurationError) {
        guard let index = self.pgMaps.firstIndex(where: { $0.pgTag == map.pgTag }),
            let igIndex = self.pgMaps[index].igTags.firstIndex(of: map.igTag)
        else { throw .invalid }
        self.pgMaps[index].igTags.remove(at: igIndex)
        if self.pgMaps[index].igTags.isEmpty {
            self.pgMaps.remove(at: index)
        }
    }

    /// Drops every map through portal group `pgTag`.
    mutating func removePortalGroup(_ pgTag: Int32) {
        self.pgMaps.removeAll { $0.pgTag == pgTag }
    }

    /// Drops initiator group `igTag` from every map (and maps left without initiator groups).
    mutating func removeInitiatorGroup(_ igTag: Int32) {
        for index in self.pgMaps.indices {
            self.pgMaps[index].igTags.removeAll { $0 == igTag }
        }
        self.pgMaps.removeAll { $0.igTags.isEmpty }
    }
}
