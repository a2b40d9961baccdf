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
/// An atomic command whose I/O is asynchronous enters with ``enterExclusive()`` and leaves with
/// ``leaveExclusive()`` from the device's thread: it waits for the ordinary writes under way as the synchronous one
/// does, then holds the gate without the lock; whoever takes the lock meanwhile waits for it to leave. An
/// asynchronous ordinary I/O that finds an atomic command running or waiting does not wait on its thread: it parks
/// a retry with ``retryWhenExclusiveLeaves(_:)``, run by the atomic command that leaves.
///
/// Both sides publish first and check the other second, with sequentially consistent operations, so at least one
/// of them sees the other: an ordinary write never overlaps an atomic command.
final class AtomicWriteGate: Sendable {
    /// Atomic commands holding or waiting for the lock.
    private let exclusiveRequests = Atomic<Int>(0)
    /// Ordinary writes running on the lock-free path.
    private let sharedHolders = Atomic<Int>(0)
    /// Whether an atomic command entered with ``enterExclusive()`` holds the gate.
    private let exclusiveHeldAcrossCalls = Atomic<Bool>(false)
    private let lock = Mutex(())
    /// Retries of asynchronous ordinary I/Os that found an atomic command running or waiting.
    private let parkedRetries = Mutex<[@Sendable () -> Void]>([])

    init() {}

    /// Runs an ordinary write; it never overlaps a body of ``withExclusiveAccess(_:)``.
    func withSharedAccess<Result>(_ body: () -> Result) -> Result {
        if self.tryEnterShared() {
            defer { self.leaveShared() }
            return body()
        }
        return self.lock.withLock { _ in
            self.waitForExclusiveHeldAcrossCalls()
            return body()
        }
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

    /// Runs `retry` once no atomic command runs or waits any more (at once when none does): from the thread of the
    /// atomic command that leaves last. `retry` calls ``tryEnterShared()`` again and, should yet another atomic
    /// command have come, parks itself again; it must not block.
    func retryWhenExclusiveLeaves(_ retry: @escaping @Sendable () -> Void) {
        // Checked under the mutex that every leaving atomic command takes after announcing it left: either the
        // check sees it gone, or the leaver finds the retry.
        let parked = self.parkedRetries.withLock { retries in
            guard self.exclusiveRequests.load(ordering: .sequentiallyConsistent) > 0 else {
                return false
            }
            retries.append(retry)
            return true
        }
        if !parked {
            retry()
        }
    }

    /// Runs the parked retries after an atomic command left.
    private func runParkedRetries() {
        let retries = self.parkedRetries.withLock { retries in
            defer { retries = [] }
            return retries
        }
        for retry in retries {
            retry()
        }
    }

    /// Ends an ordinary write started with ``tryEnterShared()``.
    func leaveShared() {
        self.sharedHolders.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// Runs an atomic command alone: no other exclusive body and no ordinary write runs meanwhile.
    func withExclusiveAccess<Result>(_ body: () -> Result) -> Result {
        defer { self.runParkedRetries() }
        return self.lock.withLock { _ in
            self.exclusiveRequests.add(1, ordering: .sequentiallyConsistent)
            defer { self.exclusiveRequests.subtract(1, ordering: .sequentiallyConsistent) }
            self.waitForSharedHolders()
            self.waitForExclusiveHeldAcrossCalls()
            return body()
        }
    }

    /// Starts an atomic command whose I/O outlives the call (asynchronous block I/O): returns once no ordinary
    /// write and no other atomic command runs, having waited for those under way as ``withExclusiveAccess(_:)``
    /// does. ``leaveExclusive()`` must follow, from any thread but not from an event loop that waits for it.
    func enterExclusive() {
        self.lock.withLock { _ in
            self.exclusiveRequests.add(1, ordering: .sequentiallyConsistent)
            self.waitForSharedHolders()
            self.waitForExclusiveHeldAcrossCalls()
            self.exclusiveHeldAcrossCalls.store(true, ordering: .sequentiallyConsistent)
        }
    }

    /// Ends an atomic command started with ``enterExclusive()``.
    func leaveExclusive() {
        self.exclusiveHeldAcrossCalls.store(false, ordering: .sequentiallyConsistent)
        self.exclusiveRequests.subtract(1, ordering: .sequentiallyConsistent)
        self.runParkedRetries()
    }

    /// Waits, holding the lock, until the ordinary writes on the lock-free path have left.
    private func waitForSharedHolders() {
        while self.sharedHolders.load(ordering: .sequentiallyConsistent) != 0 {
            sched_yield()
        }
    }

    /// Waits, holding the lock, until the atomic command entered with ``enterExclusive()`` (if any) has left.
    private func waitForExclusiveHeldAcrossCalls() {
        while self.exclusiveHeldAcrossCalls.load(ordering: .sequentiallyConsistent) {
            sched_yield()
        }
    }
}
