import BlockDevice
import NIOCore

/// WRITE SAME (10) and (16) (SBC-3 §5.42–5.43): writes one block of data-out to a range, or unmaps the range.
///
/// A zero pattern becomes a device write-zeroes; with the UNMAP bit (and a zero pattern, since unmapped blocks
/// read back as zeroes) the range is unmapped. The number of blocks must be 1 through the maximum write same
/// length reported in VPD 0xB0 (WSNZ is set).
public struct WriteSame: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x41
    public static let operationCode16: UInt8 = 0x93

    public var logicalBlockAddress: UInt64
    public var numberOfBlocks: UInt32
    /// Deallocate the blocks when possible.
    public var unmap: Bool
    /// No data-out: the pattern is a block of zeroes (WRITE SAME (16) only).
    public var noDataOutBuffer: Bool

    /// Decodes WRITE SAME (10) or (16); nil for other operation codes. ANCHOR is INVALID FIELD IN CDB.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.operationCode10:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.numberOfBlocks = UInt32(cdb.uint16(at: 7))
            self.noDataOutBuffer = false
        case Self.operationCode16:
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.numberOfBlocks = cdb.uint32(at: 10)
            self.noDataOutBuffer = cdb[1] & 0x01 != 0
        default:
            return nil
        }
        self.unmap = cdb[1] & 0x08 != 0
        guard cdb[1] & 0x10 == 0 else {
            throw .invalidFieldInCDB
        }
    }

    /// Checks the range and returns the data-out length (one block, or none with NDOB).
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.numberOfBlocks > 0, self.numberOfBlocks <= logicalUnit.maximumWriteSameBlocks,
            !self.unmap || logicalUnit.supportsUnmap
        else {
            throw .invalidFieldInCDB
        }
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.numberOfBlocks))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        return self.noDataOutBuffer ? 0 : Int(device.blockSize)
    }
}

extension LogicalUnit {
    /// Unmaps, zeroes or fills the range with the one-block `pattern`.
    func writeSame(_ command: WriteSame, pattern: ByteBuffer) -> SCSICompletion {
        let device = self.blockDevice
        let lba = command.logicalBlockAddress
        let blocks = UInt64(command.numberOfBlocks)
        let isZero = command.noDataOutBuffer || pattern.readableBytesView.allSatisfy { $0 == 0 }
        let status: BlockIOStatus
        if isZero && command.unmap {
            status = device.unmap(lba: lba, blocks: blocks)
        } else if isZero {
            status = device.writeZeroes(lba: lba, blocks: blocks)
        } else {
            var filled = ByteBuffer()
            filled.reserveCapacity(Int(blocks) * pattern.readableBytes)
            for _ in 0..<blocks {
                filled.writeImmutableBuffer(pattern)
            }
            status = device.write(lba: lba, data: filled)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
        }
        return .good()
    }
}
