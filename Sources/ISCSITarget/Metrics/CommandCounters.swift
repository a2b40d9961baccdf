/// The counters of one series (a target, an initiator and a LUN): SCSI commands answered, block bytes read and
/// written, CHECK CONDITION responses, and a command latency histogram with fixed buckets.
///
/// A plain value without heap storage, mutated only on the event loop of the connection that owns it; scrapes
/// copy it on that loop.
public struct CommandCounters: Sendable {
    /// The upper bounds of the latency buckets, in nanoseconds (10 µs to 10 s); a last, unbounded bucket follows.
    public static let bucketBoundsNanoseconds: [UInt64] = [
        10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]

    /// SCSI commands answered with a status.
    public var commands: UInt64 = 0
    /// Bytes of block reads (READ, VERIFY of data) sent to the initiator.
    public var readBytes: UInt64 = 0
    /// Bytes of block writes (WRITE, WRITE SAME, COMPARE AND WRITE, …) taken from the initiator.
    public var writtenBytes: UInt64 = 0
    /// Commands answered CHECK CONDITION.
    public var errors: UInt64 = 0
    /// The sum of the latencies, in nanoseconds.
    public var latencySumNanoseconds: UInt64 = 0
    /// Per bucket (not cumulative) command counts; the last element counts commands above every bound.
    public var latencyBuckets = InlineArray<20, UInt64>(repeating: 0)

    public init() {}

    /// Counts one answered command.
    mutating func record(readBytes: Int, writtenBytes: Int, isError: Bool, latencyNanoseconds: UInt64) {
        self.commands &+= 1
        self.readBytes &+= UInt64(truncatingIfNeeded: readBytes)
        self.writtenBytes &+= UInt64(truncatingIfNeeded: writtenBytes)
        if isError {
            self.errors &+= 1
        }
        self.latencySumNanoseconds &+= latencyNanoseconds
        self.latencyBuckets[Self.bucketIndex(ofNanoseconds: latencyNanoseconds)] &+= 1
    }

    /// The bucket a latency falls in: the first whose bound is at least the latency. The bounds are 1, 2.5 and 5
    /// times each power of ten from 10 µs, computed here rather than read from ``bucketBoundsNanoseconds``, whose
    /// lazy global initialisation would be checked on every command.
    static func bucketIndex(ofNanoseconds nanoseconds: UInt64) -> Int {
        var decade: UInt64 = 10_000
        var index = 0
        while index < 18 {
            if nanoseconds <= decade { return index }
            if nanoseconds <= decade / 2 * 5 { return index + 1 }
            if nanoseconds <= decade * 5 { return index + 2 }
            decade *= 10
            index += 3
        }
        return nanoseconds <= decade ? 18 : 19
    }

    /// Adds every counter of `other`.
    static func += (lhs: inout CommandCounters, rhs: CommandCounters) {
        lhs.commands &+= rhs.commands
        lhs.readBytes &+= rhs.readBytes
        lhs.writtenBytes &+= rhs.writtenBytes
        lhs.errors &+= rhs.errors
        lhs.latencySumNanoseconds &+= rhs.latencySumNanoseconds
        for index in lhs.latencyBuckets.indices {
            lhs.latencyBuckets[index] &+= rhs.latencyBuckets[index]
        }
    }
}

/// What a series of ``CommandCounters`` is about: Prometheus' labels.
public struct MetricSeriesKey: Sendable, Hashable, Comparable {
    public var target: String
    public var initiator: String
    /// The LUN id (the decoded LUN field; the raw field when it does not decode).
    public var logicalUnit: UInt64

    public init(target: String, initiator: String, logicalUnit: UInt64) {
        self.target = target
        self.initiator = initiator
        self.logicalUnit = logicalUnit
    }

    public static func < (lhs: MetricSeriesKey, rhs: MetricSeriesKey) -> Bool {
        (lhs.target, lhs.initiator, lhs.logicalUnit) < (rhs.target, rhs.initiator, rhs.logicalUnit)
    }
}
