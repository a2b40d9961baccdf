import CLibRBD
import Dispatch
import Synchronization

extension RBDBlockDevice {
    /// Calls `onResize` (on a thread of its own) each time the image changes size behind this device's back: an
    /// `rbd resize`, or `bdev_rbd_resize` on another gateway serving the image. The device then already reports the
    /// new size. The watch ends with the device.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librbd's errno when the header cannot be watched.
    public func watchResizes(_ onResize: @escaping @Sendable (RBDBlockDevice) -> Void) throws(BlockDeviceError) {
        let watch = try ImageUpdateWatch(image: self.image) { [weak self] in
            guard let self, (try? self.refreshSize()) == true else { return }
            onResize(self)
        }
        self.updateWatch.withLock { $0 = watch }
    }

    /// Re-reads the image size; true when the number of blocks changed.
    func refreshSize() throws(BlockDeviceError) -> Bool {
        let blocks = try self.image.size() / UInt64(self.blockSize)
        return self.currentBlockCount.exchange(blocks, ordering: .acquiringAndReleasing) != blocks
    }
}

/// librbd's watch on an image header (`rbd_update_watch`): runs `onUpdate` on a Dispatch queue after each change.
/// It keeps the image open while it lasts, and ends before the image closes.
final class ImageUpdateWatch: @unchecked Sendable {
    private let image: OpenImage
    private let onUpdate: @Sendable () -> Void
    /// librbd's id of the watch; nil when it could not be set up.
    private var handle: UInt64?

    init(image: OpenImage, onUpdate: @escaping @Sendable () -> Void) throws(BlockDeviceError) {
        self.image = image
        self.onUpdate = onUpdate
        var handle: UInt64 = 0
        let result = crbd_update_watch(
            image.handle,
            &handle,
            { argument in
                guard let argument else { return }
                // librbd waits in rbd_update_unwatch for this callback: the watch is alive while it runs.
                let onUpdate = Unmanaged<ImageUpdateWatch>.fromOpaque(argument).takeUnretainedValue().onUpdate
                DispatchQueue.global().async(execute: onUpdate)
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        guard result == 0 else {
            throw .system(errno: -result)
        }
        self.handle = handle
    }

    deinit {
        if let handle = self.handle {
            _ = crbd_update_unwatch(self.image.handle, handle)
        }
    }
}
