import BlockDevice
import FoundationEssentials
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Ceph RBD: cluster registrations and RBD bdevs (bdev_rbd_*).
extension TargetConfiguration {
    /// The parameters of bdev_rbd_create, decoded.
    struct RBDRequest: Sendable {
        var name: String?
        var poolName: String
        var imageName: String
        var blockSize: UInt32
        var clusterName: String?
        var settings = RBDConnectionSettings()
        var uuid: UUID?
        var isReadOnly = false
    }

    /// bdev_rbd_register_cluster: connects and keeps the connection under `name`; returns the name.
    /// `.exists` for a name already registered.
    func registerRBDCluster(
        name: String,
        settings: RBDConnectionSettings,
        coreMask: String?
    ) throws(BlockDeviceError) -> String {
        guard self.rbdCluster(named: name) == nil else { throw .exists }
        let cluster = try RBDCluster(name: name, settings: settings, coreMask: coreMask)
        // The actor may have run another registration while connecting.
        guard self.rbdCluster(named: name) == nil else { throw .exists }
        self.rbdClusters.append(cluster)
        return name
    }

    /// bdev_rbd_unregister_cluster: `.notFound` for an unknown name, `EBUSY` while a bdev uses it.
    func unregisterRBDCluster(named name: String) throws(BlockDeviceError) {
        guard let index = self.rbdClusters.firstIndex(where: { $0.name == name }) else { throw .notFound }
        let inUse = self.blockDevices.devices.contains { ($0 as? RBDBlockDevice)?.cluster?.name == name }
        guard !inUse else { throw .system(errno: EBUSY) }
        self.rbdClusters.remove(at: index)
    }

    /// The registered cluster called `name`.
    func rbdCluster(named name: String) -> RBDCluster? {
        self.rbdClusters.first { $0.name == name }
    }

    /// bdev_rbd_create; returns the name (`Ceph<N>` by default). A `cluster_name` that is not registered is
    /// `.invalidArgument`.
    func createRBD(_ request: RBDRequest) throws(BlockDeviceError) -> String {
        let name = request.name ?? "Ceph\(self.createdRBDCount)"
        guard self.blockDevices.device(named: name) == nil else { throw .exists }
        var cluster: RBDCluster?
        if let clusterName = request.clusterName {
            cluster = self.rbdCluster(named: clusterName)
            guard cluster != nil else { throw .invalidArgument }
        }
        let device = try RBDBlockDevice(
            RBDBlockDevice.Configuration(
                name: name,
                poolName: request.poolName,
                imageName: request.imageName,
                blockSize: request.blockSize,
                settings: request.clusterName == nil ? request.settings : RBDConnectionSettings(),
                isReadOnly: request.isReadOnly,
                uuid: request.uuid ?? UUID()
            ),
            cluster: cluster
        )
        do {
            try device.watchResizes { [weak self] device in
                Task { await self?.noteResizedElsewhere(device) }
            }
        } catch {
            Logger(label: "bdev").warning(
                "RBD bdev \(name) does not watch its image (\(error)): resizes made elsewhere go unnoticed"
            )
        }
        try self.blockDevices.register(device)
        self.createdRBDCount += 1
        return name
    }

    /// The image of `device` changed size outside this process (`rbd resize`, another gateway's
    /// `bdev_rbd_resize`): raises the resize event and CAPACITY DATA HAS CHANGED, as a local resize does.
    func noteResizedElsewhere(_ device: RBDBlockDevice) {
        guard self.blockDevices.device(named: device.name) === device else { return }
        self.blockDevices.notifyResized(device)
        self.noteCapacityChanged(of: device.name)
    }

    /// bdev_rbd_resize to `newSizeMiB` MiB: `.notFound` unless an RBD bdev has that name, `.invalidArgument` for a
    /// size below the current one. Raises the resize event and CAPACITY DATA HAS CHANGED.
    func resizeRBD(named name: String, newSizeMiB: UInt64) throws(BlockDeviceError) {
        guard let device = self.blockDevices.device(named: name) as? RBDBlockDevice else { throw .notFound }
        let (newBytes, overflow) = newSizeMiB.multipliedReportingOverflow(by: 1 << 20)
        guard !overflow, newBytes >= device.blockCount * UInt64(device.blockSize) else { throw .invalidArgument }
        try device.resize(toBytes: newBytes)
        self.blockDevices.notifyResized(device)
        self.noteCapacityChanged(of: device.name)
    }
}
