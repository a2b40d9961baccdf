/// READ DEFECT DATA (10) and (12) (SBC-3 §5.17–5.18): the medium's defect lists. A RAM or file device has no
/// defects, so the lists asked for are reported valid and empty, in the format asked for.
public struct ReadDefectData: Sendable, Hashable {
    public static let operationCode10: UInt8 = 0x37
    public static let operationCode12: UInt8 = 0xB7

    public var isTwelveByteVariant: Bool
    /// REQ_PLIST: the primary (manufacturer's) list is asked for.
    public var requestsPrimaryList: Bool
    /// REQ_GLIST: the grown list is asked for.
    public var requestsGrownList: Bool
    /// DEFECT LIST FORMAT.
    public var format: UInt8
    public var allocationLength: UInt32

    /// Decodes READ DEFECT DATA (10) or (12); nil for other operation codes.
    public init?(_ cdb: CDB) {
        let flags: UInt8
        switch cdb.operationCode {
        case Self.operationCode10:
            self.isTwelveByteVariant = false
            flags = cdb[2]
            self.allocationLength = UInt32(cdb.uint16(at: 7))
        case Self.operationCode12:
            self.isTwelveByteVariant = true
            flags = cdb[1]
            self.allocationLength = cdb.uint32(at: 6)
        default:
            return nil
        }
        self.requestsPrimaryList = flags & 0x10 != 0
        self.requestsGrownList = flags & 0x08 != 0
        self.format = flags & 0x07
    }

    /// The defect list header with a zero defect list length (4 bytes for the 10-byte CDB, 8 for the 12-byte one).
    func data() -> [UInt8] {
        let flags = (self.requestsPrimaryList ? 0x10 : 0) | (self.requestsGrownList ? 0x08 : 0) | self.format
        if self.isTwelveByteVariant {
            return [0, flags, 0, 0, 0, 0, 0, 0]
        }
        return [0, flags, 0, 0]
    }
}
