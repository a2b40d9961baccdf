import BlockDevice
import Logging
import SCSI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Target nodes: creation, LUNs, maps, auth, redirects, logout requests, deletion, SCSI devices.
extension TargetConfiguration {
    /// Longest alias, in bytes.
    static let maximumAliasLength = 223

    /// The index of the live (not being deleted) target named `name`, compared case-insensitively.
    func targetIndex(named name: String) -> Int? {
        let lowered = name.lowercased()
        return self.targets.firstIndex { !$0.isBeingDeleted && $0.name.lowercased() == lowered }
    }

    /// The live target nodes, creation order.
    var liveTargets: [TargetNode] {
        self.targets.filter { !$0.isBeingDeleted }
    }

    /// iscsi_create_target_node: every rule of rpc-methods.md; any failure is `.invalid`.
    func createTarget(_ request: TargetNodeRequest) throws(ConfigurationError) {
        let name = TargetName.fullName(request.name, nodeBase: self.options.nodeBase)
        let lowered = name.lowercased()
        let lunIDs = request.luns.map(\.id)
        guard request.auth.isValid, TargetName.isValid(name),
            request.aliasName.utf8.count <= Self.maximumAliasLength,
            !request.maps.isEmpty, lunIDs.contains(0), Set(lunIDs).count == lunIDs.count,
            lunIDs.allSatisfy({ (0..<Int32(TargetNode.lunIDLimit)).contains($0) }),
            !self.targets.contains(where: { $0.name.lowercased() == lowered }),
            let deviceID = self.lowestFreeDeviceID
        else { throw .invalid }
        var target = TargetNode(
            name: name,
            aliasName: request.aliasName,
            queueDepth: self.clampedQueueDepth(request.queueDepth),
            auth: request.auth,
            headerDigest: request.headerDigest,
            dataDigest: request.dataDigest,
            deviceID: deviceID
        )
        for map in request.maps {
            try self.checkTagsExist(map)
            try target.addMap(map)
        }
        for lun in request.luns {
            target.insert(try self.makeLUN(id: Int(lun.id), bdevName: lun.bdevName, targetName: name))
        }
        self.targets.append(target)
        self.publish()
    }

    private var lowestFreeDeviceID: Int? {
        let used = Set(self.targets.map(\.deviceID))
        return (0..<Self.maximumSCSIDevices).first { !used.contains($0) }
    }

    private func clampedQueueDepth(_ requested: Int32) -> Int32 {
        let maximum = Int32(clamping: self.options.maxQueueDepth)
        return requested > 0 && requested <= maximum ? requested : maximum
    }

    private func checkTagsExist(_ map: PortalGroupInitiatorGroupMap) throws(ConfigurationError) {
        guard self.portalGroups.contains(where: { $0.tag == map.pgTag }),
            self.initiatorGroups.contains(where: { $0.tag == map.igTag })
        else { throw .invalid }
    }

    private func makeLUN(id: Int, bdevName: String, targetName: String) throws(ConfigurationError) -> TargetNode.LUN {
        guard let device = self.blockDevices.device(named: bdevName) else { throw .invalid }
        let unit = LogicalUnit(
            id: UInt16(id),
            blockDevice: device,
            reservationStorage: try self.reservationStorage(for: device)
        )
        // A PREEMPT AND ABORT through another gateway reaches the preempted I_T nexuses' tasks here as one through
        // this target does (``ISCSIConnectionHandler/abortPreemptedTasks(_:logicalUnitNumber:)``).
        let connections = self.connections
        let logicalUnitNumber = LogicalUnitAddress.encode(UInt16(id))
        unit.onRemotePreemptAndAbort { preempted in
            for case let connection as ISCSIConnection in connections.connections(ofTarget: targetName) {
                connection.terminateTasks(in: .logicalUnit(logicalUnitNumber), preempted: preempted)
            }
        }
        return TargetNode.LUN(id: id, bdevName: device.name, unit: unit)
    }

    /// Where a logical unit on `device` keeps its persistent reservations: in a RADOS object beside an RBD image,
    /// shared by every gateway that serves the image (`.invalid` when it cannot be opened, since a gateway that
    /// kept them to itself would let initiators through other gateways ignore them); otherwise in the state
    /// directory, when APTPL asks.
    private func reservationStorage(
        for device: any BlockDevice
    ) throws(ConfigurationError) -> (any PersistentReservationStorage)? {
        guard let image = device as? RBDBlockDevice else {
            return self.reservationStates?.storage(forBlockDevice: device.name)
        }
        let logger = Logger(label: "scsi")
        do {
            return try RBDReservationStorage(device: image, logger: logger)
        } catch {
            logger.error("cannot open the persistent reservation object of RBD bdev \(device.name): \(error)")
            throw .invalid
        }
    }

    /// iscsi_target_node_add_lun: `lunID` -1 picks the lowest free id. Allowed while sessions run.
    func addLUN(targetName: String, bdevName: String, lunID: Int32) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName), (-1..<Int32(TargetNode.lunIDLimit)).contains(lunID)
        else { throw .invalid }
        guard let id = lunID == -1 ? self.targets[index].lowestFreeLUNID : Int(lunID),
            !self.targets[index].hasLUN(id: id)
        else { throw .invalid }
        let lun = try self.makeLUN(id: id, bdevName: bdevName, targetName: self.targets[index].name)
        self.targets[index].insert(lun)
        // Going beyond SPDK, which refuses while sessions run: they learn of the new LUN by a unit attention.
        self.targets[index].scsiDevice.noteReportedLUNsChanged()
        self.publish()
    }

    /// iscsi_target_node_set_auth: `.notFound` or `.invalid` (bad combination).
    func setTargetAuth(targetName: String, policy: CHAPPolicy) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .notFound }
        guard policy.isValid else { throw .invalid }
        self.targets[index].auth = policy
        self.publish()
    }

    /// iscsi_target_node_add_pg_ig_maps (all or nothing).
    func addMaps(targetName: String, maps: [PortalGroupInitiatorGroupMap]) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .invalid }
        var target = self.targets[index]
        for map in maps {
            try self.checkTagsExist(map)
            try target.addMap(map)
        }
        self.targets[index] = target
        self.publish()
    }

    /// iscsi_target_node_remove_pg_ig_maps (all or nothing).
    func removeMaps(targetName: String, maps: [PortalGroupInitiatorGroupMap]) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .invalid }
        var target = self.targets[index]
        for map in maps {
            try target.removeMap(map)
        }
        self.targets[index] = target
        self.publish()
    }

    /// iscsi_target_node_set_redirect: `.notFound` for an unknown target; `.invalidArgument` when the
    /// group is missing, private or not mapped, the address is not numeric, or it is one of the group's
    /// own portals. Both `host` and `port` nil clears the redirect.
    func setRedirect(targetName: String, pgTag: Int32, host: String?, port: String?) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .notFound }
        guard let group = self.portalGroups.first(where: { $0.tag == pgTag }), !group.isPrivate,
            let mapIndex = self.targets[index].pgMaps.firstIndex(where: { $0.pgTag == pgTag })
        else { throw .invalidArgument }
        switch (host, port) {
        case (nil, nil):
            self.targets[index].pgMaps[mapIndex].redirect = nil
        case (let host?, let port?):
            guard let address = Self.numericPortal(host: host, port: port), !group.portals.contains(address) else {
                throw .invalidArgument
            }
            self.targets[index].pgMaps[mapIndex].redirect = address
        default:
            throw .invalidArgument
        }
        self.publish()
    }

    /// A redirect address: a numeric IPv4 or IPv6 host (IPv6 stored in brackets) and a decimal port.
    private static func numericPortal(host: String, port: String) -> Portal? {
        guard let portNumber = Int(port), (0...65535).contains(portNumber) else { return nil }
        let bare = Portal(host: host, port: port).socketHost
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, bare, &ipv4) == 1 {
            return Portal(host: bare, port: port)
        }
        if inet_pton(AF_INET6, bare, &ipv6) == 1 {
            return Portal(host: "[\(bare)]", port: port)
        }
        return nil
    }

    /// iscsi_target_node_request_logout: asks the target's full-feature connections (on `pgTag` only,
    /// when given) to log out.
    func requestLogout(targetName: String, pgTag: Int32?) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .notFound }
        let connections = self.connections.connections(ofTarget: self.targets[index].name, portalGroupTag: pgTag)
        for connection in connections where connection.info.loginPhase == "full_feature_phase" {
            connection.requestLogout()
        }
    }

    /// iscsi_delete_target_node: unregisters the node at once (new logins get "target removed", RPCs
    /// no longer see it), drains its connections, then frees it and its SCSI device.
    func deleteTarget(named name: String) async throws(ConfigurationError) {
        guard let index = self.targetIndex(named: name) else { throw .notFound }
        self.targets[index].isBeingDeleted = true
        let fullName = self.targets[index].name
        let deviceID = self.targets[index].deviceID
        self.publish()
        await ConnectionRegistry.shutDown(self.connections.connections(ofTarget: fullName))
        self.targets.removeAll { $0.isBeingDeleted && $0.deviceID == deviceID }
        self.publish()
    }

    /// iscsi_enable_histogram: enabling keeps an existing histogram, disabling drops it.
    func setHistogram(targetName: String, enabled: Bool) throws(ConfigurationError) {
        guard let index = self.targetIndex(named: targetName) else { throw .notFound }
        if !enabled {
            self.targets[index].histogram = nil
        } else if self.targets[index].histogram == nil {
            self.targets[index].histogram = LatencyHistogram()
        }
        self.publish()
    }

    /// iscsi_get_histogram: `.notFound` for an unknown target, `.invalid` when not enabled.
    func histogram(targetName: String) throws(ConfigurationError) -> LatencyHistogram {
        guard let index = self.targetIndex(named: targetName) else { throw .notFound }
        guard let histogram = self.targets[index].histogram else { throw .invalid }
        return histogram
    }

    /// scsi_get_devices: (slot id, target name) ordered by slot.
    var scsiDevices: [(id: Int, name: String)] {
        self.targets.map { (id: $0.deviceID, name: $0.name) }.sorted { $0.id < $1.id }
    }

    /// Resize: every LUN backed by `bdevName` reports CAPACITY DATA HAS CHANGED on its next command.
    func noteCapacityChanged(of bdevName: String) {
        for target in self.targets {
            for lun in target.luns where lun.bdevName == bdevName {
                lun.unit.noteCapacityChanged()
            }
        }
    }

    /// Hot-remove: the LUNs backed by `bdevName` are marked removed (every new command to them, and every write
    /// still waiting for Data-Out, ends with CHECK CONDITION, LOGICAL UNIT NOT SUPPORTED), then they leave their
    /// targets' LUN maps; every I_T nexus in contact with a remaining LUN gets REPORTED LUNS DATA HAS CHANGED.
    func removeLUNs(backedBy bdevName: String) {
        let affected = self.targets.indices.filter { self.targets[$0].luns.contains { $0.bdevName == bdevName } }
        guard !affected.isEmpty else { return }
        for index in affected {
            for lun in self.targets[index].luns where lun.bdevName == bdevName {
                lun.unit.markRemoved()
            }
            self.targets[index].luns.removeAll { $0.bdevName == bdevName }
            self.targets[index].scsiDevice.noteReportedLUNsChanged()
        }
        self.publish()
    }

    /// Hot-removes the LUNs of every bdev that leaves the registry, also without an RPC (a file bdev whose device
    /// went away): the bdev_*_delete methods remove them at once, this catches the rest. Called once, at creation.
    nonisolated func followBlockDeviceRemovals() {
        _ = self.blockDevices.addObserver { [weak self] event in
            guard case .removed(let device) = event, let self else { return }
            let name = device.name
            Task { await self.removeLUNs(backedBy: name) }
        }
    }
}
