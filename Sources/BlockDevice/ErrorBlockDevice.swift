import FoundationEssentials
import NIOCore
import Synchronization

/// A device that makes chosen I/Os of another fail or return corrupted data: SPDK's `bdev_error`
/// (`EE_<base>`), for tests.
///
/// ``inject(_:into:)`` arms an injection per I/O kind; the next ``Injection/count`` requests of that kind take
/// it. A failure answers ``BlockIOError/ioError`` without touching the base device (SCSI reports a MEDIUM ERROR);
/// `corrupt_data` XORs one byte of the data read or written. Injections live under a lock: this is a test
/// device, and the lock is uncontended unless several loops drive it at once.
public final class ErrorBlockDevice: BlockDevice {
    /// What an armed injection does to a request (`bdev_error_inject_error`'s `error_type`).
    public enum ErrorType: String, Sendable, Hashable, CaseIterable {
        /// The request fails without reaching the base device.
        case failure
        /// The request fails as an NVMe status would (the same as `failure` here).
        case nvmeFailure = "nvme_failure"
        /// One byte of the data is XOR-ed (after a read, before a write).
        case corruptData = "corrupt_data"
        /// SPDK retries the request after a memory shortage: it runs normally here.
        case noMemory = "nomem"
    }

    /// An armed injection.
    public struct Injection: Sendable, Hashable {
        public var errorType: ErrorType
        /// How many more requests take it.
        public var count: UInt32
        /// The byte offset, within the request's data, that `corrupt_data` changes.
        public var corruptOffset: UInt64
        /// The value `corrupt_data` XORs into that byte.
        public var corruptValue: UInt8

        public init(errorType: ErrorType, count: UInt32 = 1, corruptOffset: UInt64 = 0, corruptValue: UInt8 = 0) {
            self.errorType = errorType
            self.count = count
            self.corruptOffset = corruptOffset
            self.corruptValue = corruptValue
        }
    }

    /// The device it forwards to.
    public let base: any BlockDevice
    public let name: String
    public let uuid: UUID
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    private let injections = Mutex<[BlockIOKind: Injection]>([:])

    /// Creates `EE_<base name>` over `base`.
    public init(base: any BlockDevice, uuid: UUID = UUID()) {
        self.base = base
        self.name = "EE_" + base.name
        self.uuid = uuid
    }

    /// Arms `injection` for every kind in `kinds`, replacing what was armed for them; a count of 0 disarms.
    public func inject(_ injection: Injection, into kinds: some Sequence<BlockIOKind>) {
        self.injections.withLock { injections in
            for kind in kinds {
                injections[kind] = injection.count == 0 ? nil : injection
            }
        }
    }

    /// Disarms every injection.
    public func clearInjections() {
        self.injections.withLock { $0.removeAll() }
    }

    /// The injections armed now.
    public var armedInjections: [BlockIOKind: Injection] {
        self.injections.withLock { $0 }
    }

    public var productName: String { "Error Injection Disk" }
    public var blockSize: UInt32 { self.base.blockSize }
    public var blockCount: UInt64 { self.base.blockCount }
    public var physicalBlockSize: UInt32 { self.base.physicalBlockSize }
    public var optimalIOBoundary: UInt32 { self.base.optimalIOBoundary }
    public var supportedIOTypes: BlockIOTypes { self.base.supportedIOTypes }
    public var writeCacheEnabled: Bool { self.base.writeCacheEnabled }
    public var isReadOnly: Bool { self.base.isReadOnly }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        let injection = self.take(.read)
        if let failure = injection?.failure {
            return failure
        }
        let start = buffer.writerIndex
        let status = self.base.read(lba: lba, blocks: blocks, into: &buffer)
        if case .success = status, let injection, injection.errorType == .corruptData {
            let length = buffer.writerIndex - start
            if injection.corruptOffset < UInt64(length),
                let byte = buffer.getInteger(at: start + Int(injection.corruptOffset), as: UInt8.self)
            {
                buffer.setInteger(byte ^ injection.corruptValue, at: start + Int(injection.corruptOffset))
            }
        }
        return status
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.write(lba: lba, segments: [data], forceUnitAccess: false)
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.write(lba: lba, segments: segments, forceUnitAccess: false)
    }

    public func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus {
        guard let injection = self.take(.write) else {
            return self.base.write(lba: lba, segments: segments, forceUnitAccess: forceUnitAccess)
        }
        if let failure = injection.failure {
            return failure
        }
        guard injection.errorType == .corruptData else {
            return self.base.write(lba: lba, segments: segments, forceUnitAccess: forceUnitAccess)
        }
        var data = ByteBuffer()
        for var segment in segments {
            data.writeBuffer(&segment)
        }
        if injection.corruptOffset < UInt64(data.readableBytes),
            let byte = data.getInteger(at: Int(injection.corruptOffset), as: UInt8.self)
        {
            data.setInteger(byte ^ injection.corruptValue, at: Int(injection.corruptOffset))
        }
        return self.base.write(lba: lba, segments: [data], forceUnitAccess: forceUnitAccess)
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.take(.writeZeroes)?.failure ?? self.base.writeZeroes(lba: lba, blocks: blocks)
    }

    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.take(.unmap)?.failure ?? self.base.unmap(lba: lba, blocks: blocks)
    }

    public func flush() -> BlockIOStatus {
        self.take(.flush)?.failure ?? self.base.flush()
    }

    public func responseDelay(for kind: BlockIOKind) -> TimeAmount {
        self.base.responseDelay(for: kind)
    }

    /// The injection armed for `kind`, counted as taken by one request.
    private func take(_ kind: BlockIOKind) -> Injection? {
        self.injections.withLock { injections in
            guard var injection = injections[kind] else {
                return nil
            }
            injection.count -= 1
            injections[kind] = injection.count == 0 ? nil : injection
            return injection
        }
    }
}

extension ErrorBlockDevice.Injection {
    /// The status a request taking this injection answers without running, or nil when it runs.
    fileprivate var failure: BlockIOStatus? {
        switch self.errorType {
        case .failure, .nvmeFailure: .failed(.ioError)
        case .corruptData, .noMemory: nil
        }
    }
}
