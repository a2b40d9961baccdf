import BlockDevice
import JSONRPC
import Logging
import NIOCore

/// The control plane of the iSCSI target, as the `iscsi_tgt` app uses it: the configuration model,
/// its RPC methods, the portal listeners and the registries the data plane shares.
public final class ISCSITargetService: Sendable {
    /// Live connections (the data plane registers them).
    public let connections: ConnectionRegistry
    /// The published configuration snapshots.
    public let configuration: ConfigurationStore
    /// The registered block devices.
    public let blockDevices: BlockDeviceRegistry
    /// The cores of `-m`, one event loop each (connection threads are `iscsi_poll_group_<core>`).
    public let coreIDs: [Int]

    let model: TargetConfiguration
    private let acceptorSlot = ConnectionAcceptorSlot()
    private let logger: Logger

    /// - Parameters:
    ///   - group: one loop per core of `-m`; listeners spread accepted connections over all of them.
    ///   - coreIDs: the cores, in loop order.
    ///   - reservationStates: the state directory for persistent reservations (APTPL); nil keeps none.
    public init(
        group: any EventLoopGroup,
        coreIDs: [Int],
        logger: Logger,
        reservationStates: ReservationStateDirectory? = nil
    ) {
        self.connections = ConnectionRegistry()
        self.configuration = ConfigurationStore()
        self.blockDevices = BlockDeviceRegistry()
        self.coreIDs = coreIDs
        self.logger = logger
        self.model = TargetConfiguration(
            store: self.configuration,
            blockDevices: self.blockDevices,
            connections: self.connections,
            group: group,
            acceptorSlot: self.acceptorSlot,
            reservationStates: reservationStates
        )
    }

    /// Registers every iscsi_*, bdev_*, scsi_* method (and the accept-and-ignore ones) in `table`.
    public func registerMethods(in table: RPCMethodTable) {
        table.register(ISCSIOptionsMethods.methods(self.model))
        table.register(PortalGroupMethods.methods(self.model))
        table.register(InitiatorGroupMethods.methods(self.model))
        table.register(AuthGroupMethods.methods(self.model))
        table.register(TargetNodeMethods.methods(self.model))
        table.register(ConnectionMethods.methods(self.connections))
        table.register(BlockDeviceMethods.methods(self.model, devices: self.blockDevices))
        table.register(UringMethods.methods(self.model, logger: self.logger))
        table.register(AcceptedOptionMethods.methods)
    }

    /// Framework init of bdev/scsi/iscsi: validates the staged iSCSI options.
    /// - Throws: `ISCSIOptionsError` naming the invalid option.
    public func initialize() async throws {
        do {
            try await self.model.initialize()
        } catch {
            self.logger.error("iSCSI options are invalid: \(error.message)")
            throw error
        }
    }

    /// Graceful stop: closes listeners, drains connections, unregisters bdevs newest first.
    public func shutdown() async {
        await self.model.shutdown()
    }

    /// The config array of a subsystem for framework_get_config ("bdev", "iscsi"; "scsi" → `.null`);
    /// nil for a subsystem this service does not know.
    public func subsystemConfig(named name: String) async -> JSONValue? {
        switch name {
        case "bdev": await self.model.blockDeviceConfig
        case "iscsi": await self.model.iscsiConfig
        case "scsi": .null
        default: nil
        }
    }

    /// Installs the data plane's handler factory for accepted connections.
    public func setConnectionAcceptor(_ acceptor: any ISCSIConnectionAcceptor) {
        self.acceptorSlot.acceptor = acceptor
    }
}
