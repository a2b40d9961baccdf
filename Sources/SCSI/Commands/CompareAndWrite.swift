import BlockDevice
import NIOCore

/// COMPARE AND WRITE (SBC-3 §5.2): atomically compares blocks with the first half of the data-out and, when
/// they match, writes the second half (VMware's ATS locking). Like SPDK, one block at most.
public struct CompareAndWrite: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x89

    public var logicalBlockAddress: UInt64
    /// Blocks to compare and then write; 0 does nothing.
    public var numberOfBlocks: UInt8
    public var forceUnitAccess: Bool

    public init(_ cdb: CDB) {
        self.logicalBlockAddress = cdb.uint64(at: 2)
        self.numberOfBlocks = cdb[13]
        self.forceUnitAccess = cdb[1] & 0x08 != 0
    }

    /// Checks the range and returns the data-out length: the verify data and the write data.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.numberOfBlocks <= LogicalUnit.maximumCompareAndWriteBlocks else {
            throw .invalidFieldInCDB
        }
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.numberOfBlocks))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        return 2 * Int(self.numberOfBlocks) * Int(device.blockSize)
    }
}

extension LogicalUnit {
    /// Compares and writes under the logical unit's lock, so concurrent COMPARE AND WRITEs from any event loop
    /// are serialised. A mismatch is MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION with the offset of the
    /// first differing byte in INFORMATION.
    func compareAndWrite(_ command: CompareAndWrite, data: ByteBuffer) -> SCSICompletion {
        let length = Int(command.numberOfBlocks) * Int(self.blockDevice.blockSize)
        guard length > 0,
            let expected = data.getSlice(at: data.readerIndex, length: length),
            let replacement = data.getSlice(at: data.readerIndex + length, length: length)
        else {
            return .good()
        }
        let lba = command.logicalBlockAddress
        return self.compareAndWriteLock.withLock { _ in
            var current = ByteBuffer()
            current.reserveCapacity(length)
            var status = self.blockDevice.read(lba: lba, blocks: UInt32(command.numberOfBlocks), into: &current)
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .read, lba: lba))
            }
            let pairs = zip(current.readableBytesView, expected.readableBytesView)
            if let offset = pairs.enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                return .checkCondition(
                    SenseData(key: .miscompare, code: .miscompareDuringVerify, information: UInt32(offset))
                )
            }
            status = self.blockDevice.write(lba: lba, data: replacement)
            if case .success = status, command.forceUnitAccess, self.blockDevice.writeCacheEnabled {
                status = self.blockDevice.flush()
            }
            guard case .success = status else {
                return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
            }
            return .good()
        }
    }
}
