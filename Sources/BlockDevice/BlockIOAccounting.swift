import NIOCore
import Synchronization

/// The I/O statistics (`bdev_get_iostat`) and rate limits (`bdev_set_qos_limit`) of one block device.
///
/// The SCSI layer calls ``record(_:bytes:latencyNanoseconds:)`` once per completed block I/O from whichever event
/// loop ran it. Counters are relaxed atomics on the device (no lock, no per-loop merging: a few uncontended
/// atomic adds per I/O); readers see each counter exactly, though not all counters at one instant.
///
/// Rate limiting delays responses rather than queueing requests: each I/O reserves its share of the limit on a
/// virtual clock (the generic cell rate algorithm), and the response waits until the clock passes it, minus a
/// 1 ms burst allowance (SPDK's timeslice). An initiator with any queue depth then completes at the limit.
public final class BlockIOAccounting: Sendable {
    /// The rate limits in force; 0 disables a limit.
    public struct RateLimits: Sendable, Hashable {
        public var readWriteIOsPerSecond: UInt64 = 0
        public var readWriteBytesPerSecond: UInt64 = 0
        public var readBytesPerSecond: UInt64 = 0
        public var writeBytesPerSecond: UInt64 = 0

        public init() {}

        /// Whether any limit is set.
        public var isLimited: Bool {
            self != RateLimits()
        }
    }

    /// Counters of one kind of I/O.
    public struct KindStatistics: Sendable, Hashable {
        public var operations: UInt64
        public var bytes: UInt64
        public var latencyTicks: UInt64
        public var maximumLatencyTicks: UInt64
        /// 0 when no I/O completed.
        public var minimumLatencyTicks: UInt64

        /// No I/O at all.
        public static let zero = KindStatistics(
            operations: 0,
            bytes: 0,
            latencyTicks: 0,
            maximumLatencyTicks: 0,
            minimumLatencyTicks: 0
        )
    }

    /// One kind's counters.
    private final class Counters: Sendable {
        let operations = Atomic<UInt64>(0)
        let bytes = Atomic<UInt64>(0)
        let latency = Atomic<UInt64>(0)
        let maximumLatency = Atomic<UInt64>(0)
        let minimumLatency = Atomic<UInt64>(.max)

        func record(bytes: UInt64, latency: UInt64) {
            self.operations.wrappingAdd(1, ordering: .relaxed)
            self.bytes.wrappingAdd(bytes, ordering: .relaxed)
            self.latency.wrappingAdd(latency, ordering: .relaxed)
            Self.update(self.maximumLatency, with: latency, replacing: <)
            Self.update(self.minimumLatency, with: latency, replacing: >)
        }

        /// Stores `value` unless the stored value should stay (`replacing(stored, value)` is false).
        private static func update(
            _ atomic: borrowing Atomic<UInt64>,
            with value: UInt64,
            replacing: (UInt64, UInt64) -> Bool
        ) {
            var current = atomic.load(ordering: .relaxed)
            while replacing(current, value) {
                let (exchanged, original) = atomic.compareExchange(
                    expected: current,
                    desired: value,
                    ordering: .relaxed
                )
                if exchanged { return }
                current = original
            }
        }

        var snapshot: KindStatistics {
            let minimum = self.minimumLatency.load(ordering: .relaxed)
            return KindStatistics(
                operations: self.operations.load(ordering: .relaxed),
                bytes: self.bytes.load(ordering: .relaxed),
                latencyTicks: self.latency.load(ordering: .relaxed),
                maximumLatencyTicks: self.maximumLatency.load(ordering: .relaxed),
                minimumLatencyTicks: minimum == .max ? 0 : minimum
            )
        }

        func reset(onlyExtremes: Bool) {
            if !onlyExtremes {
                self.operations.store(0, ordering: .relaxed)
                self.bytes.store(0, ordering: .relaxed)
                self.latency.store(0, ordering: .relaxed)
            }
            self.maximumLatency.store(0, ordering: .relaxed)
            self.minimumLatency.store(.max, ordering: .relaxed)
        }
    }

    /// One limit's virtual clock: the uptime in nanoseconds at which the reserved I/O has been paid for.
    private final class RateClock: Sendable {
        let paidUntil = Atomic<UInt64>(0)

        /// Reserves `cost` nanoseconds at `now`; returns how long the response must wait.
        func reserve(costNanoseconds cost: UInt64, now: UInt64) -> UInt64 {
            var current = self.paidUntil.load(ordering: .relaxed)
            while true {
                let next = Swift.max(current, now) &+ cost
                let (exchanged, original) = self.paidUntil.compareExchange(
                    expected: current,
                    desired: next,
                    ordering: .relaxed
                )
                if exchanged {
                    return next > now + BlockIOAccounting.burstNanoseconds
                        ? next - now - BlockIOAccounting.burstNanoseconds : 0
                }
                current = original
            }
        }
    }

    /// The ticks of latencies: nanoseconds.
    public static let ticksPerSecond: UInt64 = 1_000_000_000
    /// I/O within this much of the limit's clock answers at once (SPDK enforces limits per 1 ms timeslice).
    static let burstNanoseconds: UInt64 = 1_000_000

    private let read = Counters()
    private let write = Counters()
    private let unmap = Counters()
    private let limits = Mutex(RateLimits())
    private let isLimited = Atomic(false)
    private let ioClock = RateClock()
    private let byteClock = RateClock()
    private let readByteClock = RateClock()
    private let writeByteClock = RateClock()

    public init() {}

    /// Counts one completed I/O and returns how long its response must wait for the rate limits.
    public func record(_ kind: BlockIOKind, bytes: Int, latencyNanoseconds: UInt64) -> TimeAmount {
        let byteCount = UInt64(Swift.max(0, bytes))
        switch kind {
        case .read:
            self.read.record(bytes: byteCount, latency: latencyNanoseconds)
        case .write, .writeZeroes:
            self.write.record(bytes: byteCount, latency: latencyNanoseconds)
        case .unmap:
            self.unmap.record(bytes: byteCount, latency: latencyNanoseconds)
        case .flush:
            break
        }
        guard self.isLimited.load(ordering: .relaxed), kind == .read || kind == .write else {
            return .zero
        }
        return self.throttle(kind, bytes: byteCount, now: NIODeadline.now().uptimeNanoseconds)
    }

    /// The rate-limit delay of one read or write of `bytes` completing at `now` (uptime nanoseconds).
    func throttle(_ kind: BlockIOKind, bytes: UInt64, now: UInt64) -> TimeAmount {
        let limits = self.rateLimits
        var wait: UInt64 = 0
        func reserve(_ clock: RateClock, perSecond: UInt64, units: UInt64) {
            guard perSecond > 0 else { return }
            let cost = units.multipliedFullWidth(by: Self.ticksPerSecond)
            let nanoseconds = perSecond.dividingFullWidth(cost).quotient
            wait = Swift.max(wait, clock.reserve(costNanoseconds: nanoseconds, now: now))
        }
        reserve(self.ioClock, perSecond: limits.readWriteIOsPerSecond, units: 1)
        reserve(self.byteClock, perSecond: limits.readWriteBytesPerSecond, units: bytes)
        if kind == .read {
            reserve(self.readByteClock, perSecond: limits.readBytesPerSecond, units: bytes)
        } else {
            reserve(self.writeByteClock, perSecond: limits.writeBytesPerSecond, units: bytes)
        }
        return .nanoseconds(Int64(clamping: wait))
    }

    /// The rate limits in force.
    public var rateLimits: RateLimits {
        self.limits.withLock { $0 }
    }

    /// Replaces the rate limits; they apply from the next I/O.
    public func setRateLimits(_ limits: RateLimits) {
        self.limits.withLock { $0 = limits }
        self.isLimited.store(limits.isLimited, ordering: .relaxed)
    }

    /// The counters of reads, writes (write zeroes included) and unmaps.
    public var statistics: (read: KindStatistics, write: KindStatistics, unmap: KindStatistics) {
        (self.read.snapshot, self.write.snapshot, self.unmap.snapshot)
    }

    /// Resets every counter, or only the maximum and minimum latencies.
    public func resetStatistics(onlyExtremes: Bool) {
        for counters in [self.read, self.write, self.unmap] {
            counters.reset(onlyExtremes: onlyExtremes)
        }
    }
}
