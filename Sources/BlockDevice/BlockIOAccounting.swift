import CThreadIndex
import NIOCore
import Synchronization

/// The I/O statistics (`bdev_get_iostat`) and rate limits (`bdev_set_qos_limit`) of one block device.
///
/// The SCSI layer calls ``record(_:bytes:latencyNanoseconds:)`` once per completed block I/O from whichever event
/// loop ran it. The counters are kept per loop (per thread, see ``BlockIOStatisticsShards``): a loop writes only
/// its own shard, with plain loads and stores, and ``statistics`` sums the shards; readers see each counter
/// exactly, though not all counters at one instant.
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

        public init(
            operations: UInt64,
            bytes: UInt64,
            latencyTicks: UInt64,
            maximumLatencyTicks: UInt64,
            minimumLatencyTicks: UInt64
        ) {
            self.operations = operations
            self.bytes = bytes
            self.latencyTicks = latencyTicks
            self.maximumLatencyTicks = maximumLatencyTicks
            self.minimumLatencyTicks = minimumLatencyTicks
        }

        /// No I/O at all.
        public static let zero = KindStatistics(
            operations: 0,
            bytes: 0,
            latencyTicks: 0,
            maximumLatencyTicks: 0,
            minimumLatencyTicks: 0
        )

        /// These counters with no maximum or minimum latency (after a reset of the extremes).
        var withoutExtremes: KindStatistics {
            var result = self
            result.maximumLatencyTicks = 0
            result.minimumLatencyTicks = 0
            return result
        }

        /// Adds the counts and latencies of `other`, keeping the larger maximum and the smaller minimum.
        static func += (lhs: inout KindStatistics, rhs: KindStatistics) {
            lhs.operations &+= rhs.operations
            lhs.bytes &+= rhs.bytes
            lhs.latencyTicks &+= rhs.latencyTicks
            lhs.maximumLatencyTicks = Swift.max(lhs.maximumLatencyTicks, rhs.maximumLatencyTicks)
            if lhs.minimumLatencyTicks == 0
                || (rhs.minimumLatencyTicks != 0 && rhs.minimumLatencyTicks < lhs.minimumLatencyTicks)
            {
                lhs.minimumLatencyTicks = rhs.minimumLatencyTicks
            }
        }
    }

    /// The counters of reads, writes (write zeroes included) and unmaps.
    public struct Statistics: Sendable, Hashable {
        public var read: KindStatistics
        public var write: KindStatistics
        public var unmap: KindStatistics

        /// No I/O at all.
        public static let zero = Statistics(read: .zero, write: .zero, unmap: .zero)

        /// Adds every counter of `other` (see ``KindStatistics``).
        static func += (lhs: inout Statistics, rhs: Statistics) {
            lhs.read += rhs.read
            lhs.write += rhs.write
            lhs.unmap += rhs.unmap
        }
    }

    /// The counters one thread (one event loop of the target) counted: an SPDK I/O channel's statistics.
    public struct ChannelStatistics: Sendable, Hashable {
        /// The thread's index: the event loop's position in its group when the loops claimed their shards in
        /// order at startup (``claimThreadShard()``).
        public var threadIndex: Int
        public var statistics: Statistics
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

    private let shards = BlockIOStatisticsShards()
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
            self.shards.record(.read, bytes: byteCount, latency: latencyNanoseconds)
        case .write, .writeZeroes:
            self.shards.record(.write, bytes: byteCount, latency: latencyNanoseconds)
        case .unmap:
            self.shards.record(.unmap, bytes: byteCount, latency: latencyNanoseconds)
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

    /// The counters of reads, writes (write zeroes included) and unmaps, summed over the threads.
    public var statistics: Statistics {
        self.shards.snapshots().reduce(into: .zero) { $0 += $1.statistics }
    }

    /// The counters of each thread that counted I/O on this device, by thread index.
    public var channelStatistics: [ChannelStatistics] {
        self.shards.snapshots().map { ChannelStatistics(threadIndex: $0.threadIndex, statistics: $0.statistics) }
    }

    /// Resets every counter, or only the maximum and minimum latencies.
    public func resetStatistics(onlyExtremes: Bool) {
        self.shards.reset(onlyExtremes: onlyExtremes)
    }

    /// Gives the calling thread its statistics shard index now rather than at its first I/O, and returns it.
    /// The target's event loops call it in order at startup, so that loop `i` counts in shard `i`.
    @discardableResult
    public static func claimThreadShard() -> Int {
        Int(cthreadindex_current())
    }
}
