/// READ CAPACITY (10) (SBC-3 §5.15): the last LBA (0xFFFFFFFF when it does not fit) and the block size.
public struct ReadCapacity10: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x25
    static let dataLength = 8

    public init(_ cdb: CDB) {}

    static func data(for logicalUnit: LogicalUnit) -> [UInt8] {
        let device = logicalUnit.blockDevice
        let lastBlock = device.blockCount &- 1
        let reported = lastBlock > UInt64(UInt32.max) ? UInt32.max : UInt32(lastBlock)
        return reported.bigEndianBytes + device.blockSize.bigEndianBytes
    }
}

/// READ CAPACITY (16) (SBC-3 §5.16): service action 0x10 of SERVICE ACTION IN (16).
public struct ReadCapacity16: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x9E
    public static let serviceAction: UInt8 = 0x10
    static let dataLength = 32

    public var allocationLength: UInt32

    /// Decodes the CDB; another service action is INVALID FIELD IN CDB (the command table refuses it first).
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        guard cdb.serviceAction == Self.serviceAction else {
            throw .invalidFieldInCDB
        }
        self.allocationLength = cdb.uint32(at: 10)
    }

    /// Last LBA, block size, physical block exponent, and LBPME/LBPRZ when the device supports UNMAP.
    static func data(for logicalUnit: LogicalUnit) -> [UInt8] {
        let device = logicalUnit.blockDevice
        var data = [UInt8](repeating: 0, count: Self.dataLength)
        data.replaceSubrange(0..<8, with: (device.blockCount &- 1).bigEndianBytes)
        data.replaceSubrange(8..<12, with: device.blockSize.bigEndianBytes)
        let blocksPerPhysicalBlock = max(1, device.physicalBlockSize / max(1, device.blockSize))
        data[13] = UInt8(truncatingIfNeeded: blocksPerPhysicalBlock.trailingZeroBitCount) & 0x0F
        if logicalUnit.supportsUnmap {
            data[14] = 0x80 | 0x40  // LBPME, LBPRZ
        }
        return data
    }
}
