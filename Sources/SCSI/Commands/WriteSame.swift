import BlockDevice
import NIOCore

/// WRITE SAME (10) and (16) (SBC-3 §5.42–5.43): writes one block of data-out to a range, or unmaps the range.
///
/// With the UNMAP bit the range is unmapped, whatever the pattern (SBC-3 §4.7.3.4 lets the device server unmap
/// instead of writing; libiscsi's UnmapUntilEnd test expects zeroes back after an UNMAP with a 0xFF pattern). A
/// zero pattern otherwise becomes a device write-zeroes. A NUMBER OF LOGICAL BLOCKS of 0 means "through the last block"
/// (VPD 0xB0 reports WSNZ 0); either way the range must not exceed the maximum write same length reported there.
/// WRPROTECT must be 0 (no protection information).
public struct WriteSame: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x41
    public static let operationCode16: UInt8 = 0x93

    public var logicalBlockAddress: UInt64
    public var numberOfBlocks: UInt32
    /// Deallocate the blocks when possible.
    public var unmap: Bool
    /// No data-out: the pattern is a block of zeroes (WRITE SAME (16) only).
    public var noDataOutBuffer: Bool
    public var protection: UInt8

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
        self.protection = cdb.protectionField
        guard cdb[1] & 0x10 == 0 else {
            throw .invalidFieldInCDB
        }
    }

    /// Checks the range and returns the data-out length (one block, or none with NDOB).
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) -> Int {
        let device = logicalUnit.blockDevice
        guard self.protection == 0, !self.unmap || logicalUnit.supportsUnmap else {
            throw .invalidFieldInCDB
        }
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.numberOfBlocks))
        else {
            throw .logicalBlockAddressOutOfRange
        }
        guard self.blocks(on: device) <= UInt64(logicalUnit.maximumWriteSameBlocks) else {
            throw .invalidFieldInCDB
        }
        return self.noDataOutBuffer ? 0 : Int(device.blockSize)
    }

    /// The blocks the command writes: NUMBER OF LOGICAL BLOCKS, or through the last block when that is 0.
    func blocks(on device: any BlockDevice) -> UInt64 {
        self.numberOfBlocks == 0 ? device.blockCount - self.logicalBlockAddress : UInt64(self.numberOfBlocks)
    }
}

extension LogicalUnit {
    /// Unmaps, zeroes or fills the range with the one-block `pattern`.
    func writeSame(_ command: WriteSame, pattern: ByteBuffer) -> SCSICompletion {
        let device = self.blockDevice
        let lba = command.logicalBlockAddress
        let blocks = command.blocks(on: device)
        let isZero = command.noDataOutBuffer || pattern.readableBytesView.allSatisfy { $0 == 0 }
        let status = self.atomicWriteGate.withSharedAccess { () -> BlockIOStatus in
            if command.unmap {
                return device.unmap(lba: lba, blocks: blocks)
            } else if isZero {
                return device.writeZeroes(lba: lba, blocks: blocks)
            }
            var filled = ByteBuffer()
            filled.reserveCapacity(Int(blocks) * pattern.readableBytes)
            for _ in 0..<blocks {
                filled.writeImmutableBuffer(pattern)
            }
            return device.write(lba: lba, data: filled)
        }
        guard case .success = status else {
            return .checkCondition(SenseData(failure: status, direction: .write, lba: lba))
        }
        return .good()
    }
}
