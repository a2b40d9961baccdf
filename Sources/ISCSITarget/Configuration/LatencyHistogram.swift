import FoundationEssentials
import Synchronization

/// A per-target command latency histogram in SPDK's layout (`spdk_histogram_data` with its default
/// granularity 7 and ranges 0..<64), for iscsi_enable_histogram / iscsi_get_histogram.
///
/// The data plane calls `record(nanoseconds:)` for every completed command of the target; recording is one
/// relaxed atomic increment, safe from every event loop. Values are nanoseconds, so `ticksPerSecond` is 10⁹.
public final class LatencyHistogram: @unchecked Sendable {
    // @unchecked: `buckets` is written once in init, then only through its elements' atomic operations.

    /// log2 of the buckets per power-of-two range.
    public static let granularity = 7
    public static let minimumRange = 0
    public static let maximumRange = 64
    /// The unit of recorded values per second (nanoseconds).
    public static let ticksPerSecond: Int64 = 1_000_000_000

    static let bucketsPerRange = 1 << granularity
    static let bucketCount = (maximumRange - minimumRange) * bucketsPerRange

    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>

    public init() {
        self.buckets = .allocate(capacity: Self.bucketCount)
        for index in 0..<Self.bucketCount {
            (self.buckets + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        self.buckets.deinitialize(count: Self.bucketCount)
        self.buckets.deallocate()
    }

    /// Counts one command that took `nanoseconds`.
    public func record(nanoseconds: UInt64) {
        self.buckets[Self.bucketIndex(of: nanoseconds)].wrappingAdd(1, ordering: .relaxed)
    }

    /// The bucket of a value: its power-of-two range selects a row of 128 buckets, the 7 bits below its
    /// leading bit select the bucket (SPDK's `spdk_histogram_data_tally`).
    static func bucketIndex(of value: UInt64) -> Int {
        let leastSignificantBit = 64 - Self.granularity
        let leadingZeros = value.leadingZeroBitCount
        let range = leadingZeros <= leastSignificantBit ? leastSignificantBit - leadingZeros : 0
        let shift = max(range - 1, 0)
        let index = Int((value >> UInt64(shift)) & UInt64(Self.bucketsPerRange - 1))
        return (range - Self.minimumRange) * Self.bucketsPerRange + index
    }

    /// The bucket counts, lowest bucket first.
    var counts: [UInt64] {
        (0..<Self.bucketCount).map { self.buckets[$0].load(ordering: .relaxed) }
    }

    /// The counts as SPDK sends them: little-endian 64-bit words, base64-encoded.
    var base64Encoded: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.bucketCount * 8)
        for count in self.counts {
            withUnsafeBytes(of: count.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
