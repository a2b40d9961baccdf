/// INQUIRY (SPC-4 §6.6): standard inquiry data or one vital product data page.
public struct Inquiry: Sendable, Hashable {
    public static let operationCode: UInt8 = 0x12

    /// The VPD page asked for, or nil for standard inquiry data.
    public var vitalProductDataPage: UInt8?
    public var allocationLength: UInt16

    /// Decodes the CDB. A page code without EVPD, or the obsolete CMDDT bit, is INVALID FIELD IN CDB.
    public init(_ cdb: CDB) throws(SCSICheckCondition) {
        let enableVitalProductData = cdb[1] & 0x01 != 0
        guard cdb[1] & 0x02 == 0, enableVitalProductData || cdb[2] == 0 else {
            throw .invalidFieldInCDB
        }
        self.vitalProductDataPage = enableVitalProductData ? cdb[2] : nil
        self.allocationLength = cdb.uint16(at: 3)
    }

    /// Checks that the logical unit has the requested VPD page (INVALID FIELD IN CDB otherwise).
    func validate(on logicalUnit: LogicalUnit) throws(SCSICheckCondition) {
        if let page = self.vitalProductDataPage, !VitalProductData.supportedPages(of: logicalUnit).contains(page) {
            throw .invalidFieldInCDB
        }
    }
}

/// The standard INQUIRY data of a logical unit, as SPDK reports it.
enum StandardInquiryData {
    /// SPC-4.
    static let version: UInt8 = 0x06
    /// Version descriptors: iSCSI, SPC-3, SBC-3, SAM-2. (SPDK claims SBC-2, but its 60-byte Block Limits page and
    /// the commands here are SBC-3's.)
    static let versionDescriptors: [UInt16] = [0x0960, 0x0300, 0x04C0, 0x0040]
    static let length = 96

    /// The 96 bytes of standard inquiry data.
    static func bytes(for logicalUnit: LogicalUnit) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: Self.length)
        data[0] = 0x00  // PERIPHERAL QUALIFIER 000b (connected), DEVICE TYPE 00h (direct access block)
        data[2] = Self.version
        data[3] = 0x12  // HISUP, RESPONSE DATA FORMAT 2
        data[4] = UInt8(Self.length - 5)  // ADDITIONAL LENGTH
        data[5] = 0x08  // 3PC: EXTENDED COPY is supported
        data[6] = 0x10  // MULTIP
        data[7] = 0x02  // CMDQUE
        data.replaceSubrange(8..<16, with: paddedASCII(logicalUnit.vendor, length: 8))
        data.replaceSubrange(16..<32, with: paddedASCII(logicalUnit.product, length: 16))
        data.replaceSubrange(32..<36, with: paddedASCII(logicalUnit.revision, length: 4))
        data.replaceSubrange(36..<56, with: [UInt8](repeating: 0x20, count: 20))  // vendor specific
        for (index, descriptor) in Self.versionDescriptors.enumerated() {
            data[58 + 2 * index] = UInt8(descriptor >> 8)
            data[59 + 2 * index] = UInt8(truncatingIfNeeded: descriptor)
        }
        return data
    }

    /// What INQUIRY returns for a LUN with no logical unit: peripheral qualifier 011b, device type 1Fh.
    static let notPresent: [UInt8] = {
        var data = [UInt8](repeating: 0, count: 36)
        data[0] = 0x7F
        data[4] = 36 - 5
        return data
    }()
}

/// `string`'s bytes, truncated or padded with `pad` to exactly `length` bytes.
func paddedASCII(_ string: String, length: Int, pad: UInt8 = 0x20) -> [UInt8] {
    let bytes = Array(string.utf8.prefix(length))
    return bytes + [UInt8](repeating: pad, count: length - bytes.count)
}
