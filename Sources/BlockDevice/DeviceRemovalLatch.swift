import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Whether a device behind a file descriptor has vanished, and the I/O error a failed system call means:
/// `ENODEV` and `ENXIO` mark the device gone (only the first such failure reports it), any other errno is an I/O
/// error.
struct DeviceRemovalLatch: ~Copyable {
    private let gone = Atomic(false)

    /// Whether an I/O has reported that the device no longer exists.
    var isSet: Bool {
        self.gone.load(ordering: .acquiring)
    }

    /// The I/O error `errno` names; `onFirstRemoval` runs once, for the first errno saying the device is gone.
    func failure(errno: CInt, onFirstRemoval: () -> Void) -> BlockIOStatus {
        switch errno {
        case ENODEV, ENXIO:
            if !self.gone.exchange(true, ordering: .acquiringAndReleasing) {
                onFirstRemoval()
            }
            return .failed(.deviceRemoved)
        default:
            return .failed(.ioError)
        }
    }
}
