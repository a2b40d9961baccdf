/// MODE SENSE (6) and (10) (SPC-4 §6.11–6.12): the mode pages, with a block descriptor unless DBD.
///
/// The pages are SPDK's: read-write error recovery, disconnect-reconnect, verify error recovery, caching
/// (WCE from the device's write cache, RCD set), control, control extension, XOR control, power condition and
/// informational exceptions. Changeable values are all zero: no mode parameter can be changed.
public struct ModeSense: Sendable, Hashable {
    public static let operationCode6: UInt8 = 0x1A
    public static let operationCode10: UInt8 = 0x5A

    /// Which values the initiator asks for (PC field).
    public enum PageControl: UInt8, Sendable, Hashable {
        case current = 0
        case changeable = 1
        case defaults = 2
        case saved = 3
    }

    /// Whether the CDB was MODE SENSE (10), whose header is 8 bytes and which may ask for long descriptors.
    public var isTenByteVariant: Bool
    public var disableBlockDescriptors: Bool
    public var longLBAAccepted: Bool
    public var pageControl: PageControl
    public var pageCode: UInt8
    public var subpageCode: UInt8
    public var allocationLength: UInt16

    /// Decodes MODE SENSE (6) or (10); nil for other operation codes. Saved values are not supported:
    /// ILLEGAL REQUEST / SAVING PARAMETERS NOT SUPPORTED.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        switch cdb.operationCode {
        case Self.operationCode6:
            self.isTenByteVariant = false
            self.longLBAAccepted = false
            self.allocationLength = UInt16(cdb[4])
        case Self.operationCode10:
            self.isTenByteVariant = true
            self.longLBAAccepted = cdb[1] & 0x10 != 0
            self.allocationLength = cdb.uint16(at: 7)
        default:
            return nil
        }
        self.disableBlockDescriptors = cdb[1] & 0x08 != 0
        self.pageControl = PageControl(rawValue: cdb[2] >> 6) ?? .current
        self.pageCode = cdb[2] & 0x3F
        self.subpageCode = cdb[3]
        guard self.pageControl != .saved else {
            throw SCSICheckCondition.illegalRequest(.savingParametersNotSupported)
        }
        guard !ModePage.pages(page: self.pageCode, subpage: self.subpageCode).isEmpty else {
            throw .invalidFieldInCDB
        }
    }

    /// The mode parameter header, the block descriptor and the selected pages.
    func data(for logicalUnit: LogicalUnit) -> [UInt8] {
        let device = logicalUnit.blockDevice
        var pages: [UInt8] = []
        for page in ModePage.pages(page: self.pageCode, subpage: self.subpageCode) {
            pages += page.bytes(pageControl: self.pageControl, writeCacheEnabled: device.writeCacheEnabled)
        }

        var descriptor: [UInt8] = []
        if !self.disableBlockDescriptors {
            if self.isTenByteVariant && self.longLBAAccepted {
                descriptor = device.blockCount.bigEndianBytes + [0, 0, 0, 0] + device.blockSize.bigEndianBytes
            } else {
                let blocks = device.blockCount > UInt64(UInt32.max) ? UInt32.max : UInt32(device.blockCount)
                descriptor = blocks.bigEndianBytes + device.blockSize.bigEndianBytes
            }
        }

        let header: [UInt8]
        if self.isTenByteVariant {
            let total = 8 + descriptor.count + pages.count
            header =
                UInt16(total - 2).bigEndianBytes + [0, Self.deviceSpecificParameter, self.longLBAAccepted ? 1 : 0, 0]
                + UInt16(descriptor.count).bigEndianBytes
        } else {
            let total = 4 + descriptor.count + pages.count
            header = [UInt8(truncatingIfNeeded: total - 1), 0, Self.deviceSpecificParameter, UInt8(descriptor.count)]
        }
        return header + descriptor + pages
    }

    /// The device-specific parameter of the mode parameter header (SBC-3 §6.4.1): DPOFUA, the block commands
    /// accept the DPO and FUA bits.
    static let deviceSpecificParameter: UInt8 = 0x10
}

/// One mode page this target reports.
struct ModePage: Sendable {
    var code: UInt8
    var subpage: UInt8
    /// The whole page length, header included.
    var length: Int

    static let all: [ModePage] = [
        ModePage(code: 0x01, subpage: 0, length: 12),  // read-write error recovery
        ModePage(code: 0x02, subpage: 0, length: 16),  // disconnect-reconnect
        ModePage(code: 0x07, subpage: 0, length: 12),  // verify error recovery
        ModePage(code: 0x08, subpage: 0, length: 20),  // caching
        ModePage(code: 0x0A, subpage: 0, length: 12),  // control
        ModePage(code: 0x0A, subpage: 1, length: 32),  // control extension
        ModePage(code: 0x10, subpage: 0, length: 24),  // XOR control
        ModePage(code: 0x1A, subpage: 0, length: 12),  // power condition
        ModePage(code: 0x1C, subpage: 0, length: 12),  // informational exceptions control
    ]

    /// The pages a PAGE CODE / SUBPAGE CODE pair selects (0x3F: all pages; subpage 0xFF: all subpages).
    static func pages(page: UInt8, subpage: UInt8) -> [ModePage] {
        Self.all.filter { candidate in
            (page == 0x3F || candidate.code == page) && (subpage == 0xFF || candidate.subpage == subpage)
        }
    }

    func bytes(pageControl: ModeSense.PageControl, writeCacheEnabled: Bool) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: self.length)
        if self.subpage == 0 {
            bytes[0] = self.code
            bytes[1] = UInt8(self.length - 2)
        } else {
            bytes[0] = self.code | 0x40  // SPF
            bytes[1] = self.subpage
            bytes.replaceSubrange(2..<4, with: UInt16(self.length - 4).bigEndianBytes)
        }
        if self.code == 0x08, pageControl != .changeable {
            bytes[2] = (writeCacheEnabled ? 0x04 : 0) | 0x01  // WCE, RCD
        }
        return bytes
    }
}

/// MODE SELECT (6) and (10) (SPC-4 §6.9–6.10): accepted and ignored, as SPDK does (nothing is changeable).
public struct ModeSelect: Sendable, Hashable {
    public static let operationCode6: UInt8 = 0x15
    public static let operationCode10: UInt8 = 0x55

    /// The bytes of parameter data the initiator sends.
    public var parameterListLength: UInt16

    /// Decodes MODE SELECT (6) or (10); nil for other operation codes. A parameter list shorter than the mode
    /// parameter header is INVALID FIELD IN CDB.
    public init?(_ cdb: CDB) throws(SCSICheckCondition) {
        let headerLength: UInt16
        switch cdb.operationCode {
        case Self.operationCode6:
            self.parameterListLength = UInt16(cdb[4])
            headerLength = 4
        case Self.operationCode10:
            self.parameterListLength = cdb.uint16(at: 7)
            headerLength = 8
        default:
            return nil
        }
        guard self.parameterListLength == 0 || self.parameterListLength >= headerLength else {
            throw .invalidFieldInCDB
        }
    }
}
