import SCSI
import Synchronization

/// The SCSI device of one target node as its running sessions see it.
///
/// The control plane replaces the device on every configuration change (a LUN added live or hot-removed, a
/// portal group mapped). A session compares ``version`` with the one it holds — one atomic load per command —
/// and copies the device only when it changed, so LUN map changes reach sessions without a new login.
final class TargetNodeDevice: Sendable {
    private let published = Mutex<(device: SCSIDevice?, version: UInt64)>((nil, 0))
    private let latestVersion = Atomic<UInt64>(0)

    init() {}

    /// Increases with every replacement.
    var version: UInt64 {
        self.latestVersion.load(ordering: .acquiring)
    }

    /// The device last published (nil before the first) and its version.
    var current: (device: SCSIDevice?, version: UInt64) {
        self.published.withLock { $0 }
    }

    /// Publishes `device` to the sessions.
    func replace(with device: SCSIDevice) {
        self.published.withLock { published in
            published = (device, published.version + 1)
            self.latestVersion.store(published.version, ordering: .releasing)
        }
    }
}
