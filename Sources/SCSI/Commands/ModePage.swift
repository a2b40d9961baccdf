/// One mode page this target reports (SPC-4 §7.5, SBC-3 §6.4): its code, length and values.
///
/// The pages are SPDK's. Current and default values are zero except the caching page (WCE from the device's write
/// cache, RCD set) and the control page's SWP and TAS, the changeable bits.
struct ModePage: Sendable {
    var code: UInt8
    var subpage: UInt8
    /// The whole page length, header included.
    var length: Int

    static let all: [ModePage] = [
        ModePage(code: 0x01, subpage: 0, length: 12),  // read-write error recovery
        ModePage(code: 0x02, subpage: 0, length: 16),  // disconnect-reconnect
        ModePage(code: 0x07, subpage: 0, length: 12),  // verify error recovery
        ModePage(code: Self.caching, subpage: 0, length: 20),
        ModePage(code: Self.control, subpage: 0, length: 12),
        ModePage(code: Self.control, subpage: 1, length: 32),  // control extension
        ModePage(code: 0x10, subpage: 0, length: 24),  // XOR control
        ModePage(code: 0x1A, subpage: 0, length: 12),  // power condition
        ModePage(code: 0x1C, subpage: 0, length: 12),  // informational exceptions control
    ]

    static let caching: UInt8 = 0x08
    static let control: UInt8 = 0x0A
    /// The SWP bit: byte 4 of the control page.
    static let softwareWriteProtectByte = 4
    static let softwareWriteProtectBit: UInt8 = 0x08
    /// The TAS bit: byte 5 of the control page.
    static let taskAbortedStatusByte = 5
    static let taskAbortedStatusBit: UInt8 = 0x40

    /// The pages a PAGE CODE / SUBPAGE CODE pair selects (0x3F: all pages; subpage 0xFF: all subpages).
    static func pages(page: UInt8, subpage: UInt8) -> [ModePage] {
        Self.all.filter { candidate in
            (page == 0x3F || candidate.code == page) && (subpage == 0xFF || candidate.subpage == subpage)
        }
    }

    /// The page `code`/`subpage` exactly, if this target has it.
    static func page(code: UInt8, subpage: UInt8) -> ModePage? {
        Self.all.first { $0.code == code && $0.subpage == subpage }
    }

    /// The page header: page code (with SPF for a subpage) and page length.
    var header: [UInt8] {
        if self.subpage == 0 {
            return [self.code, UInt8(self.length - 2)]
        }
        return [self.code | 0x40, self.subpage] + UInt16(self.length - 4).bigEndianBytes
    }

    /// The whole page with the values `pageControl` selects (saved values are refused when decoding).
    func bytes(_ pageControl: ModeSense.PageControl, of logicalUnit: LogicalUnit) -> [UInt8] {
        var bytes = self.header + [UInt8](repeating: 0, count: self.length - self.header.count)
        switch (self.code, self.subpage, pageControl) {
        case (Self.caching, 0, .current), (Self.caching, 0, .defaults), (Self.caching, 0, .saved):
            bytes[2] = (logicalUnit.blockDevice.writeCacheEnabled ? 0x04 : 0) | 0x01  // WCE, RCD
        case (Self.control, 0, .changeable):
            bytes[Self.softwareWriteProtectByte] = Self.softwareWriteProtectBit
            bytes[Self.taskAbortedStatusByte] = Self.taskAbortedStatusBit
        case (Self.control, 0, .current):
            bytes[Self.softwareWriteProtectByte] =
                logicalUnit.isSoftwareWriteProtected ? Self.softwareWriteProtectBit : 0
            bytes[Self.taskAbortedStatusByte] = logicalUnit.reportsTaskAbortedStatus ? Self.taskAbortedStatusBit : 0
        default:
            break
        }
        return bytes
    }
}
