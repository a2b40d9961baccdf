/// MODE SENSE (6) and (10) (SPC-4 §6.11–6.12): the mode pages, with a block descriptor unless DBD.
///
/// The pages are SPDK's: read-write error recovery, disconnect-reconnect, verify error recovery, caching
/// (WCE from the device's write cache, RCD set), control, control extension, XOR control, power condition and
/// informational exceptions. The one changeable parameter is the control page's SWP (software write protect);
/// see ``ModeSelect``.
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
            pages += page.bytes(self.pageControl, of: logicalUnit)
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

        // DEVICE-SPECIFIC PARAMETER: WP on a write-protected logical unit; DPOFUA, since DPO and FUA are accepted.
        let deviceSpecific: UInt8 = (logicalUnit.isWriteProtected ? 0x80 : 0) | 0x10
        let header: [UInt8]
        if self.isTenByteVariant {
            let total = 8 + descriptor.count + pages.count
            header =
                UInt16(total - 2).bigEndianBytes + [0, deviceSpecific, self.longLBAAccepted ? 1 : 0, 0]
                + UInt16(descriptor.count).bigEndianBytes
        } else {
            let total = 4 + descriptor.count + pages.count
            header = [UInt8(truncatingIfNeeded: total - 1), 0, deviceSpecific, UInt8(descriptor.count)]
        }
        return header + descriptor + pages
    }
}
