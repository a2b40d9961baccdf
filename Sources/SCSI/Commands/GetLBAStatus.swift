import BlockDevice

/// GET LBA STATUS (SBC-3 §5.6): service action 0x12 of SERVICE ACTION IN (16). Reports, from the starting LBA
/// on, which runs of blocks are mapped and which are deallocated.
public struct GetLBAStatus: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x9E
    public static let serviceAction: UInt8 = 0x12

    public var startingLBA: UInt64
    public var allocationLength: UInt32

    public init(_ cdb: CDB) {
        self.startingLBA = cdb.uint64(at: 2)
        self.allocationLength = cdb.uint32(at: 10)
    }

    /// LBA OUT OF RANGE when the starting LBA lies past the last block.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) {
        guard self.startingLBA < logicalUnit.blockDevice.blockCount else {
            throw .logicalBlockAddressOutOfRange
        }
    }

    /// The parameter data: an 8-byte header and as many 16-byte LBA status descriptors as the allocation length
    /// holds (at least one), each run split where it exceeds the 32-bit NUMBER OF LOGICAL BLOCKS field.
    func data(for logicalUnit: LogicalUnit) -> [UInt8] {
        let capacity = max(1, (Int(min(self.allocationLength, 1 << 20)) - Self.headerLength) / Self.descriptorLength)
        var descriptors: [UInt8] = []
        var count = 0
        for extent in logicalUnit.blockDevice.provisioningExtents(from: self.startingLBA, maximumExtents: capacity) {
            var lba = extent.lba
            var remaining = extent.blocks
            while remaining > 0, count < capacity {
                let blocks = min(remaining, UInt64(UInt32.max))
                descriptors += lba.bigEndianBytes + UInt32(blocks).bigEndianBytes
                descriptors += [extent.isMapped ? Self.mapped : Self.deallocated, 0, 0, 0]
                lba += blocks
                remaining -= blocks
                count += 1
            }
        }
        return UInt32(descriptors.count + 4).bigEndianBytes + [0, 0, 0, 0] + descriptors
    }

    private static let headerLength = 8
    private static let descriptorLength = 16
    /// PROVISIONING STATUS values.
    private static let mapped: UInt8 = 0x0
    private static let deallocated: UInt8 = 0x1
}
