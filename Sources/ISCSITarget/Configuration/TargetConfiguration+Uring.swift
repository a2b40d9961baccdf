import BlockDevice

/// io_uring file bdevs (bdev_uring_*).
extension TargetConfiguration {
    /// The ways bdev_uring_create fails: SPDK answers all of them with one message.
    enum UringCreationFailure: Error {
        /// Another device already has the name (or the UUID).
        case exists
        /// The device could not be opened.
        case device(UringBlockDevice.CreationFailure)
    }

    /// bdev_uring_create; returns the name.
    func createUringBlockDevice(_ configuration: UringBlockDevice.Configuration) throws(UringCreationFailure) -> String
    {
        guard self.blockDevices.device(named: configuration.name) == nil else { throw .exists }
        let device: UringBlockDevice
        do throws(UringBlockDevice.CreationFailure) {
            device = try UringBlockDevice(configuration) { [weak self] device in
                Task { await self?.removeVanishedDevice(device) }
            }
        } catch {
            throw .device(error)
        }
        do {
            try self.blockDevices.register(device)
        } catch {
            throw .exists
        }
        return configuration.name
    }

    /// bdev_uring_rescan: re-reads the size; a changed size raises the resize event and CAPACITY DATA HAS CHANGED.
    func rescanUringBlockDevice(named name: String) throws(BlockDeviceError) {
        guard let device = self.blockDevices.device(named: name) as? UringBlockDevice else { throw .notFound }
        guard try device.rescan() else { return }
        self.blockDevices.notifyResized(device)
        self.noteCapacityChanged(of: device.name)
    }
}
