import BlockDevice

/// SYNCHRONIZE CACHE (10) and (16) (SBC-3 §5.22–5.23): makes cached writes of a range durable.
public struct SynchronizeCache: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x35
    public static let operationCode16: UInt8 = 0x91

    public var logicalBlockAddress: UInt64
    /// Blocks to synchronise; 0 means "to the last block".
    public var numberOfBlocks: UInt32

    /// Decodes SYNCHRONIZE CACHE (10) or (16); nil for other operation codes.
    public init?(_ cdb: CDB) {
        switch cdb.operationCode {
        case Self.operationCode10:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.numberOfBlocks = UInt32(cdb.uint16(at: 7))
        case Self.operationCode16:
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.numberOfBlocks = cdb.uint32(at: 10)
        default:
            return nil
        }
    }

    /// LBA OUT OF RANGE when the range leaves the device.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) {
        let device = logicalUnit.blockDevice
        let blocks = self.numberOfBlocks == 0 ? 0 : UInt64(self.numberOfBlocks)
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: blocks)
        else {
            throw .logicalBlockAddressOutOfRange
        }
    }
}

extension LogicalUnit {
    /// Flushes the whole device (block devices flush everything at once).
    func synchronizeCache() -> SCSICompletion {
        let status = self.blockDevice.flush()
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: nil))
        }
        return .good()
    }
}
