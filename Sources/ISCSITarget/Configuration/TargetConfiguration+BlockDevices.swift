import BlockDevice
import FoundationEssentials

/// Block devices: bdev_set_options, malloc and null creation, deletion (hot-remove), resize.
extension TargetConfiguration {
    /// The parameters of bdev_malloc_create, decoded.
    struct MallocRequest: Sendable {
        var name: String?
        var blockCount: UInt64
        var blockSize: UInt32
        var uuid: UUID?
        var physicalBlockSize: UInt32 = 0
        var optimalIOBoundary: UInt32 = 0
        var metadataSize: UInt32 = 0
        var difType: Int32 = 0
        var difPIFormat: UInt32 = 0
    }

    /// The parameters of bdev_null_create, decoded.
    struct NullRequest: Sendable {
        var name: String
        var blockCount: UInt64
        var blockSize: UInt32
        var uuid: UUID?
        var physicalBlockSize: UInt32 = 0
        var metadataSize: UInt32 = 0
        var difType: Int32 = 0
        var difPIFormat: UInt32 = 0
    }

    /// Metadata sizes SPDK's malloc accepts; only 0 (no metadata) is implemented.
    static let validMetadataSizes: Set<UInt32> = [0, 8, 16, 32, 64, 128]

    /// bdev_set_options: the I/O pool must hold the per-thread caches of the app thread plus one.
    func setBlockDeviceOptions(_ options: BlockDeviceOptions) throws(ConfigurationError) {
        guard UInt64(options.ioPoolSize) >= UInt64(options.ioCacheSize) * 2 else { throw .invalid }
        self.bdevOptions = options
    }

    /// bdev_malloc_create; returns the name. Unnamed devices are called `Malloc<N>`.
    func createMalloc(_ request: MallocRequest) throws(BlockDeviceError) -> String {
        guard request.blockCount > 0, Self.isValidBlockSize(request.blockSize),
            request.physicalBlockSize % 512 == 0,
            Self.validMetadataSizes.contains(request.metadataSize), (0...3).contains(request.difType),
            (0...2).contains(request.difPIFormat)
        else { throw .invalidArgument }
        // Protection information needs metadata, which this implementation does not store.
        guard request.metadataSize == 0, request.difType == 0 else { throw .invalidArgument }
        let name: String
        if let requested = request.name {
            name = requested
        } else {
            name = "Malloc\(self.autoNamedMallocCount)"
            self.autoNamedMallocCount += 1
        }
        let device = try MallocBlockDevice(
            MallocBlockDevice.Configuration(
                name: name,
                blockCount: request.blockCount,
                blockSize: request.blockSize,
                physicalBlockSize: request.physicalBlockSize,
                uuid: request.uuid ?? UUID(),
                optimalIOBoundary: request.optimalIOBoundary
            )
        )
        try self.blockDevices.register(device)
        return name
    }

    /// bdev_null_create; returns the name.
    func createNull(_ request: NullRequest) throws(BlockDeviceError) -> String {
        guard request.blockCount > 0, Self.isValidBlockSize(request.blockSize),
            request.physicalBlockSize % 512 == 0, request.metadataSize == 0, request.difType == 0,
            (0...2).contains(request.difPIFormat)
        else { throw .invalidArgument }
        let device = try NullBlockDevice(
            NullBlockDevice.Configuration(
                name: request.name,
                blockCount: request.blockCount,
                blockSize: request.blockSize,
                physicalBlockSize: request.physicalBlockSize,
                uuid: request.uuid ?? UUID()
            )
        )
        try self.blockDevices.register(device)
        return request.name
    }

    private static func isValidBlockSize(_ size: UInt32) -> Bool {
        size > 0 && size % 512 == 0
    }

    /// bdev_*_delete: `.notFound` unless a device of `type` has that name. LUNs on it, and the delay and error
    /// devices stacked on it, are hot-removed.
    func deleteBlockDevice<Device: BlockDevice>(named name: String, of type: Device.Type) throws(BlockDeviceError) {
        guard let device = self.blockDevices.device(named: name), device is Device else { throw .notFound }
        try self.blockDevices.unregister(named: device.name)
        self.removeLUNs(backedBy: device.name)
        self.removeStackedDevices(on: device)
    }

    /// bdev_null_resize to `newSize` MiB: `.notFound` for a missing device, `.invalidArgument` for a
    /// device that is not a null bdev or a size below the current one.
    func resizeNull(named name: String, newSizeMiB: UInt64) throws(BlockDeviceError) {
        guard let device = self.blockDevices.device(named: name) else { throw .notFound }
        guard let nullDevice = device as? NullBlockDevice else { throw .invalidArgument }
        let mebibyte: UInt64 = 1 << 20
        let currentMiB = UInt64(nullDevice.blockSize) * nullDevice.blockCount / mebibyte
        let (newBytes, overflow) = newSizeMiB.multipliedReportingOverflow(by: mebibyte)
        guard !overflow, newSizeMiB >= currentMiB else { throw .invalidArgument }
        nullDevice.resize(blockCount: newBytes / UInt64(nullDevice.blockSize))
        self.blockDevices.notifyResized(nullDevice)
        self.noteCapacityChanged(of: nullDevice.name)
    }
}

/// File bdevs: bdev_aio_create, bdev_aio_rescan, and the hot-remove of a device that vanished.
extension TargetConfiguration {
    /// bdev_aio_create; returns the name. A file I/O that finds the device gone unregisters it.
    func createFileBlockDevice(_ configuration: FileBlockDevice.Configuration) throws(BlockDeviceError) -> String {
        guard self.blockDevices.device(named: configuration.name) == nil else { throw .exists }
        let device = try FileBlockDevice(configuration) { [weak self] device in
            Task { await self?.removeVanishedDevice(device) }
        }
        try self.blockDevices.register(device)
        return configuration.name
    }

    /// bdev_aio_rescan: re-reads the size; a changed size raises the resize event and CAPACITY DATA HAS CHANGED.
    func rescanFileBlockDevice(named name: String) throws(BlockDeviceError) {
        guard let device = self.blockDevices.device(named: name) as? FileBlockDevice else { throw .notFound }
        guard try device.rescan() else { return }
        self.blockDevices.notifyResized(device)
        self.noteCapacityChanged(of: device.name)
    }

    /// Hot-remove of a device whose I/O reported it gone, unless it was already deleted (or replaced).
    func removeVanishedDevice(_ device: any BlockDevice) {
        guard self.blockDevices.device(named: device.name) === device else { return }
        _ = try? self.blockDevices.unregister(named: device.name)
        self.removeLUNs(backedBy: device.name)
        self.removeStackedDevices(on: device)
    }
}

/// Test bdevs stacked on another: bdev_delay_* and bdev_error_*.
extension TargetConfiguration {
    /// bdev_delay_create; returns the name. `.notFound` when the base device does not exist (yet).
    func createDelayBlockDevice(
        name: String,
        baseName: String,
        latencies: [DelayBlockDevice.Latency: UInt64],
        uuid: UUID?
    ) throws(BlockDeviceError) -> String {
        guard let base = self.blockDevices.device(named: baseName) else { throw .notFound }
        try self.blockDevices.register(
            DelayBlockDevice(name: name, base: base, latencies: latencies, uuid: uuid ?? UUID())
        )
        return name
    }

    /// bdev_error_create: `EE_<base>`.
    func createErrorBlockDevice(baseName: String, uuid: UUID?) throws(BlockDeviceError) {
        guard let base = self.blockDevices.device(named: baseName) else { throw .notFound }
        try self.blockDevices.register(ErrorBlockDevice(base: base, uuid: uuid ?? UUID()))
    }

    /// Hot-removes the delay and error devices stacked on `base`, and those stacked on them.
    func removeStackedDevices(on base: any BlockDevice) {
        for device in self.blockDevices.devices where Self.base(of: device) === base {
            _ = try? self.blockDevices.unregister(named: device.name)
            self.removeLUNs(backedBy: device.name)
            self.removeStackedDevices(on: device)
        }
    }

    private static func base(of device: any BlockDevice) -> (any BlockDevice)? {
        switch device {
        case let delay as DelayBlockDevice: delay.base
        case let error as ErrorBlockDevice: error.base
        default: nil
        }
    }
}
