import Glibc
import Synchronization

/// Why a core could not be claimed.
struct CoreLockError: Error, Equatable, CustomStringConvertible {
    /// The core whose lock file is held or could not be created.
    var core: Int
    /// The process holding the lock, when known.
    var holder: Int32?
    /// The `errno` of a failed open, when the file itself was the problem.
    var openErrno: Int32?

    var description: String {
        if let openErrno {
            return "Could not open lock file for core \(core): \(String(cString: strerror(openErrno)))"
        }
        return "Cannot create lock on core \(core), probably process \(holder ?? 0) has claimed it."
    }
}

/// The per-core lock files SPDK applications take so two instances never share a core:
/// `/var/tmp/spdk_cpu_lock_NNN`, each holding an fcntl write lock and the owner's PID.
///
/// Claiming is all-or-nothing; released locks are closed and their files unlinked.
final class CoreLocks: Sendable {
    /// The directory of the lock files (SPDK: `/var/tmp`).
    let directory: String
    /// The cores to claim.
    let cores: [Int]

    private let descriptors = Mutex<[Int: Int32]>([:])

    init(cores: [Int], directory: String = "/var/tmp") {
        self.cores = cores
        self.directory = directory
    }

    deinit {
        release()
    }

    /// The lock file path of one core.
    func path(ofCore core: Int) -> String {
        let digits = String(core)
        return directory + "/spdk_cpu_lock_" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// True while this instance holds its locks.
    var isHeld: Bool {
        descriptors.withLock { !$0.isEmpty }
    }

    /// Claims every core; on failure nothing stays claimed. Claiming again while held is a no-op.
    func claim() throws(CoreLockError) {
        try descriptors.withLock { (held: inout [Int: Int32]) throws(CoreLockError) in
            guard held.isEmpty else { return }
            var claimed: [Int: Int32] = [:]
            for core in cores {
                switch Self.claim(path: path(ofCore: core), core: core) {
                case .success(let descriptor):
                    claimed[core] = descriptor
                case .failure(let error):
                    for descriptor in claimed.values { close(descriptor) }
                    throw error
                }
            }
            held = claimed
        }
    }

    /// Closes and unlinks every held lock file.
    func release() {
        let held = descriptors.withLock { held in
            defer { held = [:] }
            return held
        }
        for (core, descriptor) in held {
            unlink(path(ofCore: core))
            close(descriptor)
        }
    }

    private static func claim(path: String, core: Int) -> Result<Int32, CoreLockError> {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR)
        guard descriptor >= 0 else {
            return .failure(CoreLockError(core: core, holder: nil, openErrno: errno))
        }
        var lock = wholeFileWriteLock()
        guard fcntl(descriptor, F_SETLK, &lock) == 0 else {
            var probe = wholeFileWriteLock()
            let holder = fcntl(descriptor, F_GETLK, &probe) == 0 && probe.l_type != Int16(F_UNLCK) ? probe.l_pid : nil
            close(descriptor)
            return .failure(CoreLockError(core: core, holder: holder, openErrno: nil))
        }
        var pid = getpid()
        _ = ftruncate(descriptor, off_t(MemoryLayout<Int32>.size))
        _ = withUnsafeBytes(of: &pid) { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return .success(descriptor)
    }

    private static func wholeFileWriteLock() -> flock {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        return lock
    }
}
