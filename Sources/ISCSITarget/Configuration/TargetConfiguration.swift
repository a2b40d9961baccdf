import BlockDevice
import NIOCore

/// Owns the mutable configuration (options, portal/initiator/auth groups, target nodes, bdev settings).
///
/// Being an actor serializes the RPCs that change it; after every change it publishes a new
/// `ConfigurationSnapshot` to `store`. Operations that suspend (binding portals, draining connections)
/// re-check their preconditions after resuming.
actor TargetConfiguration {
    /// A portal group and its listening sockets.
    struct PortalGroup: Sendable {
        var tag: Int32
        var portals: [Portal]
        var isPrivate: Bool
        var auth: CHAPPolicy
        /// `iscsi_portal_group_set_auth` gave the group its own policy; until then it follows the global
        /// discovery auth, so `iscsi_set_discovery_auth` after creating the group still applies to it.
        var hasOwnAuth = false
        var listener: PortalListener

        var snapshot: PortalGroupSnapshot {
            PortalGroupSnapshot(tag: self.tag, portals: self.portals, isPrivate: self.isPrivate, auth: self.auth)
        }
    }

    /// SPDK_SCSI_MAX_DEVS: SCSI device slots, one per target node.
    static let maximumSCSIDevices = 1024

    let store: ConfigurationStore
    let blockDevices: BlockDeviceRegistry
    let connections: ConnectionRegistry
    let group: any EventLoopGroup
    let acceptorSlot: ConnectionAcceptorSlot
    /// Where logical units keep persistent reservations across restarts (APTPL); nil runs without persistence.
    let reservationStates: ReservationStateDirectory?

    var options = ISCSIOptions()
    /// iscsi_set_options was called (it may be called once).
    var optionsStaged = false
    var isInitialized = false
    var portalGroups: [PortalGroup] = []
    var initiatorGroups: [InitiatorGroupSnapshot] = []
    var authGroups: [AuthGroup] = []
    var targets: [TargetNode] = []
    var bdevOptions = BlockDeviceOptions()
    /// How many malloc bdevs were created without a name (the next default name is `Malloc<count>`).
    var autoNamedMallocCount = 0
    /// Ceph clusters registered with bdev_rbd_register_cluster, in registration order.
    var rbdClusters: [RBDCluster] = []
    /// How many RBD bdevs were created (an unnamed one is called `Ceph<count>`).
    var createdRBDCount = 0

    init(
        store: ConfigurationStore,
        blockDevices: BlockDeviceRegistry,
        connections: ConnectionRegistry,
        group: any EventLoopGroup,
        acceptorSlot: ConnectionAcceptorSlot,
        reservationStates: ReservationStateDirectory? = nil
    ) {
        self.reservationStates = reservationStates
        self.store = store
        self.blockDevices = blockDevices
        self.connections = connections
        self.group = group
        self.acceptorSlot = acceptorSlot
        self.followBlockDeviceRemovals()
    }

    /// Replaces the published snapshot with the current state.
    func publish() {
        for target in self.targets {
            target.sessionDevice.replace(with: target.scsiDevice)
        }
        self.store.publish(
            ConfigurationSnapshot(
                options: self.options,
                portalGroups: self.portalGroups.map(\.snapshot),
                initiatorGroups: self.initiatorGroups,
                targets: self.targets.map(\.snapshot),
                authGroups: self.authGroups
            )
        )
    }

    // MARK: Options

    /// Stages the options of iscsi_set_options; `.exists` when they were already staged.
    func stageOptions(_ options: ISCSIOptions) throws(ConfigurationError) {
        guard !self.optionsStaged else { throw .exists }
        self.optionsStaged = true
        self.options = options
        self.publish()
    }

    /// Framework init: validates the options, loads the auth file's groups (an unreadable file is
    /// ignored, as SPDK does) and publishes the first snapshot.
    func initialize() throws(ISCSIOptionsError) {
        try self.options.validate()
        if let path = self.options.authFile, let groups = try AuthFile.load(path: path) {
            self.authGroups = groups
        }
        self.isInitialized = true
        self.publish()
    }

    /// iscsi_set_discovery_auth.
    func setDiscoveryAuth(_ policy: CHAPPolicy) throws(ConfigurationError) {
        guard policy.isValid else { throw .invalid }
        self.options.discoveryAuth = policy
        for index in self.portalGroups.indices where !self.portalGroups[index].hasOwnAuth {
            self.portalGroups[index].auth = policy
        }
        self.publish()
    }

    // MARK: Shutdown

    /// Closes every listener, drains every connection, then unregisters bdevs newest first.
    func shutdown() async {
        let listeners = self.portalGroups.map(\.listener)
        self.portalGroups.removeAll()
        self.publish()
        for listener in listeners {
            await listener.close()
        }
        await ConnectionRegistry.shutDown(self.connections.connections)
        for device in self.blockDevices.devices.reversed() {
            _ = try? self.blockDevices.unregister(named: device.name)
        }
    }
}

/// bdev_set_options values (reported by framework_get_config; not limiting this implementation).
struct BlockDeviceOptions: Sendable, Equatable {
    var ioPoolSize: UInt32 = 65535
    var ioCacheSize: UInt32 = 256
    var autoExamine = true
    var iobufSmallCacheSize: UInt32 = 128
    var iobufLargeCacheSize: UInt32 = 16
}
