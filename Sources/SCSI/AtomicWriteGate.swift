import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes the read-modify-write commands of one logical unit (COMPARE AND WRITE, ORWRITE, WRITE ATOMIC) atomic
/// against every other write to it, from any event loop, without a lock on the ordinary write path.
///
/// Ordinary writes pass through ``withSharedAccess(_:)``: while no atomic command runs, that is one atomic
/// increment and decrement and no lock. An atomic command passes through ``withExclusiveAccess(_:)``: it takes
/// the gate's lock, announces itself, and waits for the ordinary writes already under way to finish (a
/// synchronous block I/O, or an asynchronous one, which leaves the gate from the device's thread). Ordinary writes arriving while it runs queue on the lock.
///
/// Both sides publish first and check the other second, with sequentially consistent operations, so at least one
/// of them sees the other: an ordinary write never overlaps an atomic command.
final class AtomicWriteGate: Sendable {
    /// Atomic commands holding or waiting for the lock.
    private let exclusiveRequests = Atomic<Int>(0)
    /// Ordinary writes running on the lock-free path.
    private let sharedHolders = Atomic<Int>(0)
    private let lock = Mutex(())

    init() {}

    /// Runs an ordinary write; it never overlaps a body of ``withExclusiveAccess(_:)``.
    func withSharedAccess<Result>(_ body: () -> Result) -> Result {
        if self.tryEnterShared() {
            defer { self.leaveShared() }
            return body()
        }
        return self.lock.withLock { _ in body() }
    }

    /// Starts an ordinary write that outlives the call (an asynchronous block I/O) when no atomic command runs or
    /// waits: true then, and ``leaveShared()`` must follow when the I/O ends, from any thread (not from the event
    /// loop that waits for it: an atomic command on that loop would wait forever). False: nothing was entered.
    func tryEnterShared() -> Bool {
        guard self.exclusiveRequests.load(ordering: .sequentiallyConsistent) == 0 else {
            return false
        }
        self.sharedHolders.add(1, ordering: .sequentiallyConsistent)
        if self.exclusiveRequests.load(ordering: .sequentiallyConsistent) == 0 {
            return true
        }
        self.sharedHolders.subtract(1, ordering: .sequentiallyConsistent)
        return false
    }

    /// Ends an ordinary write started with ``tryEnterShared()``.
    func leaveShared() {
        self.sharedHolders.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// Runs an atomic command alone: no other exclusive body and no ordinary write runs meanwhile.
    func withExclusiveAccess<Result>(_ body: () -> Result) -> Result {
        self.lock.withLock { _ in
            self.exclusiveRequests.add(1, ordering: .sequentiallyConsistent)
            defer { self.exclusiveRequests.subtract(1, ordering: .sequentiallyConsistent) }
            while self.sharedHolders.load(ordering: .sequentiallyConsistent) != 0 {
                sched_yield()
            }
            return body()
        }
    }
}
