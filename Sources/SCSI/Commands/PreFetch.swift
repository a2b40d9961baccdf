/// PRE-FETCH (10) and (16) (SBC-3 §5.6–5.7): asks the device to bring blocks into its cache.
///
/// The block devices here either are memory or rely on the kernel's page cache, which they do not manage: there is
/// no cache to load, which SBC-3 answers with GOOD (CONDITION MET would promise the blocks are now cached). The
/// range is still checked. IMMED only says when to answer, and both answers are immediate here.
public struct PreFetch: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x34
    public static let operationCode16: UInt8 = 0x90

    public var logicalBlockAddress: UInt64
    /// The number of blocks; 0 names none.
    public var prefetchLength: UInt32
    /// Answer before the blocks are loaded.
    public var immediate: Bool

    /// Decodes PRE-FETCH (10) or (16); nil for other operation codes.
    public init?(_ cdb: CDB) {
        switch cdb.operationCode {
        case Self.operationCode10:
            self.logicalBlockAddress = UInt64(cdb.uint32(at: 2))
            self.prefetchLength = UInt32(cdb.uint16(at: 7))
        case Self.operationCode16:
            self.logicalBlockAddress = cdb.uint64(at: 2)
            self.prefetchLength = cdb.uint32(at: 10)
        default:
            return nil
        }
        self.immediate = cdb[1] & 0x02 != 0
    }

    /// LOGICAL BLOCK ADDRESS OUT OF RANGE when the first LBA or any block lies past the end.
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) {
        let device = logicalUnit.blockDevice
        guard self.logicalBlockAddress < device.blockCount,
            device.contains(lba: self.logicalBlockAddress, blocks: UInt64(self.prefetchLength))
        else {
            throw .logicalBlockAddressOutOfRange
        }
    }
}
