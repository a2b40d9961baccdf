import FoundationEssentials
import NIOCore
import Synchronization

/// A device that adds latency to the reads and writes of another: SPDK's `bdev_delay`, for tests.
///
/// Every request runs on the base device at once, inline; the latency is applied to the response, through
/// ``responseDelay(for:)``, which the transport honours by holding the answer back (without blocking its event
/// loop). Reads and writes get their average latency, and every hundredth one of its kind its 99th-percentile
/// latency, so the long tail is there without randomness. Other requests are not delayed, as in SPDK.
public final class DelayBlockDevice: BlockDevice {
    /// One of the four latencies, named as `bdev_delay_update_latency`'s `latency_type`.
    public enum Latency: String, Sendable, Hashable, CaseIterable {
        case averageRead = "avg_read"
        case p99Read = "p99_read"
        case averageWrite = "avg_write"
        case p99Write = "p99_write"
    }

    /// The device it forwards to.
    public let base: any BlockDevice
    public let name: String
    public let uuid: UUID
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    /// Latencies in microseconds.
    private let averageRead: Atomic<UInt64>
    private let p99Read: Atomic<UInt64>
    private let averageWrite: Atomic<UInt64>
    private let p99Write: Atomic<UInt64>
    private let readCount = Atomic<UInt64>(0)
    private let writeCount = Atomic<UInt64>(0)

    /// Creates a delay device over `base` with the latencies in microseconds.
    public init(name: String, base: any BlockDevice, latencies: [Latency: UInt64], uuid: UUID = UUID()) {
        self.name = name
        self.base = base
        self.uuid = uuid
        self.averageRead = Atomic(latencies[.averageRead] ?? 0)
        self.p99Read = Atomic(latencies[.p99Read] ?? 0)
        self.averageWrite = Atomic(latencies[.averageWrite] ?? 0)
        self.p99Write = Atomic(latencies[.p99Write] ?? 0)
    }

    /// The latency in microseconds.
    public func latency(_ latency: Latency) -> UInt64 {
        self.withStorage(of: latency) { $0.load(ordering: .relaxed) }
    }

    /// Changes one latency (`bdev_delay_update_latency`); requests completing afterwards use it.
    public func setLatency(_ latency: Latency, microseconds: UInt64) {
        self.withStorage(of: latency) { $0.store(microseconds, ordering: .relaxed) }
    }

    public var productName: String { "delay" }
    public var blockSize: UInt32 { self.base.blockSize }
    public var blockCount: UInt64 { self.base.blockCount }
    public var physicalBlockSize: UInt32 { self.base.physicalBlockSize }
    public var optimalIOBoundary: UInt32 { self.base.optimalIOBoundary }
    public var supportedIOTypes: BlockIOTypes { self.base.supportedIOTypes }
    public var writeCacheEnabled: Bool { self.base.writeCacheEnabled }
    public var isReadOnly: Bool { self.base.isReadOnly }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        self.base.read(lba: lba, blocks: blocks, into: &buffer)
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.base.write(lba: lba, data: data)
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.base.write(lba: lba, segments: segments)
    }

    public func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus {
        self.base.write(lba: lba, segments: segments, forceUnitAccess: forceUnitAccess)
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.base.writeZeroes(lba: lba, blocks: blocks)
    }

    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.base.unmap(lba: lba, blocks: blocks)
    }

    public func flush() -> BlockIOStatus {
        self.base.flush()
    }

    /// The average latency of reads or writes, the 99th-percentile one for every hundredth; plus whatever the
    /// base device adds.
    public func responseDelay(for kind: BlockIOKind) -> TimeAmount {
        let own: UInt64
        switch kind {
        case .read:
            let tail = self.readCount.wrappingAdd(1, ordering: .relaxed).newValue % 100 == 0
            own = self.latency(tail ? .p99Read : .averageRead)
        case .write:
            let tail = self.writeCount.wrappingAdd(1, ordering: .relaxed).newValue % 100 == 0
            own = self.latency(tail ? .p99Write : .averageWrite)
        case .unmap, .flush, .writeZeroes:
            own = 0
        }
        return .microseconds(Int64(clamping: own)) + self.base.responseDelay(for: kind)
    }

    private func withStorage<Result>(of latency: Latency, _ body: (borrowing Atomic<UInt64>) -> Result) -> Result {
        switch latency {
        case .averageRead: body(self.averageRead)
        case .p99Read: body(self.p99Read)
        case .averageWrite: body(self.averageWrite)
        case .p99Write: body(self.p99Write)
        }
    }
}
