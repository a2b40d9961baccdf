/// The vital product data pages (SPC-4 §7.8, SBC-3 §6.5), byte for byte as SPDK builds them.
enum VitalProductData {
    static let supportedPagesPage: UInt8 = 0x00
    static let unitSerialNumber: UInt8 = 0x80
    static let deviceIdentification: UInt8 = 0x83
    static let managementNetworkAddresses: UInt8 = 0x85
    static let extendedInquiryData: UInt8 = 0x86
    static let modePagePolicy: UInt8 = 0x87
    static let scsiPorts: UInt8 = 0x88
    static let blockLimits: UInt8 = 0xB0
    static let blockDeviceCharacteristics: UInt8 = 0xB1
    static let logicalBlockProvisioning: UInt8 = 0xB2

    /// Protocol identifier of iSCSI (SPC-4 table 362), in designator byte 0.
    private static let iSCSIProtocol: UInt8 = 0x5
    /// The serial number (page 0x80) holds at most this many bytes, NUL included.
    private static let maximumSerialLength = 32

    /// The pages `logicalUnit` reports, in page 0x00 order; 0xB2 only when the device supports UNMAP.
    static func supportedPages(of logicalUnit: LogicalUnit) -> [UInt8] {
        var pages = [
            supportedPagesPage, unitSerialNumber, deviceIdentification, managementNetworkAddresses,
            extendedInquiryData, modePagePolicy, scsiPorts, ThirdPartyCopyPage.code, blockLimits,
            blockDeviceCharacteristics,
        ]
        if logicalUnit.supportsUnmap {
            pages.append(logicalBlockProvisioning)
        }
        return pages
    }

    /// The whole page `code` (header included); the page must be one of ``supportedPages(of:)``.
    static func page(
        _ code: UInt8,
        of logicalUnit: LogicalUnit,
        in device: SCSIDevice,
        through port: SCSITargetPort
    ) -> [UInt8] {
        let body: [UInt8]
        switch code {
        case supportedPagesPage:
            body = self.supportedPages(of: logicalUnit)
        case unitSerialNumber:
            body = self.serialNumber(of: logicalUnit.blockDevice.name)
        case deviceIdentification:
            body = self.deviceIdentification(of: logicalUnit, in: device, through: port)
        case extendedInquiryData:
            body = [0x00, 0x05] + [UInt8](repeating: 0, count: 58)  // HEADSUP, SIMPSUP
        case modePagePolicy:
            body = [0x3F, 0xFF, 0x00, 0x00]  // all pages and subpages: shared
        case scsiPorts:
            body = self.scsiPorts(of: device)
        case blockLimits:
            body = self.blockLimits(of: logicalUnit)
        case ThirdPartyCopyPage.code:
            body = ThirdPartyCopyPage.body
        case blockDeviceCharacteristics:
            // Non-rotating; WABEREQ 01b (reads after a SANITIZE BLOCK ERASE succeed); form factor 2.
            body = [0x00, 0x01, 0x00, 0x42] + [UInt8](repeating: 0, count: 56)
        case logicalBlockProvisioning:
            body = [0x00, 0x80 | 0x40 | 0x20 | 0x04, 0x02, 0x00]  // LBPU, LBPWS, LBPWS10, LBPRZ; thin
        default:
            body = []  // 0x85: no management network addresses
        }
        let header: [UInt8] = [0x00, code, UInt8(body.count >> 8), UInt8(truncatingIfNeeded: body.count)]
        return header + body
    }

    /// The bdev name, NUL-terminated, at most 32 bytes in all.
    static func serialNumber(of name: String) -> [UInt8] {
        Array(name.utf8.prefix(Self.maximumSerialLength - 1)) + [0]
    }

    /// The NAA IEEE Extended identifier (NAA 2, Intel's OUI 00-03-47) SPDK derives from the bdev name.
    static func naaIdentifier(of name: String) -> UInt64 {
        var hash: UInt64 = 0
        for byte in name.utf8 {
            hash = hash &* 131 &+ UInt64(byte)
        }
        let vendorSpecificA = (hash & 0x0000_000F_FF00_0000) << 24
        return (hash & 0xFF_FFFF) | 0x2000_0003_4700_0000 | vendorSpecificA
    }

    private static func deviceIdentification(
        of logicalUnit: LogicalUnit,
        in device: SCSIDevice,
        through port: SCSITargetPort
    ) -> [UInt8] {
        let name = logicalUnit.blockDevice.name
        let naa = self.naaIdentifier(of: name)
        var deviceName = Array(device.name.utf8)
        repeat {
            deviceName.append(0)
        } while deviceName.count % 4 != 0

        return self.designator(codeSet: .binary, association: .logicalUnit, type: .naa, naa.bigEndianBytes)
            + self.designator(
                codeSet: .ascii,
                association: .logicalUnit,
                type: .t10VendorID,
                paddedASCII("INTEL", length: 8) + paddedASCII(logicalUnit.product, length: 16)
                    + paddedASCII(name, length: 32)
            )
            + self.designator(codeSet: .utf8, association: .targetDevice, type: .scsiName, deviceName)
            + self.designator(codeSet: .utf8, association: .targetPort, type: .scsiName, Array(port.name.utf8))
            + self.designator(
                codeSet: .binary,
                association: .targetPort,
                type: .relativeTargetPort,
                [0, 0] + port.relativeID.bigEndianBytes
            )
            + self.designator(codeSet: .binary, association: .targetPort, type: .targetPortGroup, [0, 0, 0, 0])
            + self.designator(
                codeSet: .binary,
                association: .logicalUnit,
                type: .logicalUnitGroup,
                [0, 0] + device.id.bigEndianBytes
            )
    }

    private enum CodeSet: UInt8 {
        case binary = 1
        case ascii = 2
        case utf8 = 3
    }

    private enum Association: UInt8 {
        case logicalUnit = 0
        case targetPort = 1
        case targetDevice = 2
    }

    private enum DesignatorType: UInt8 {
        case t10VendorID = 1
        case naa = 3
        case relativeTargetPort = 4
        case targetPortGroup = 5
        case logicalUnitGroup = 6
        case scsiName = 8
    }

    /// One designation descriptor, with PIV set and protocol identifier iSCSI.
    private static func designator(
        codeSet: CodeSet,
        association: Association,
        type: DesignatorType,
        _ designator: [UInt8]
    ) -> [UInt8] {
        [
            Self.iSCSIProtocol << 4 | codeSet.rawValue,
            0x80 | association.rawValue << 4 | type.rawValue,
            0,
            UInt8(truncatingIfNeeded: designator.count),
        ] + designator
    }

    /// One SCSI port designation descriptor per target port of the device.
    private static func scsiPorts(of device: SCSIDevice) -> [UInt8] {
        var body: [UInt8] = []
        for port in device.ports {
            let name = Array(port.name.utf8)
            let targetDescriptorLength = UInt16(truncatingIfNeeded: 4 + name.count)
            body += [0, 0] + port.relativeID.bigEndianBytes + [0, 0, 0, 0, 0, 0]
            body += targetDescriptorLength.bigEndianBytes
            body += [Self.iSCSIProtocol << 4 | CodeSet.utf8.rawValue, 0x80 | 0x10 | 0x08, 0]
            body += [UInt8(truncatingIfNeeded: name.count)] + name
        }
        return body
    }

    /// Block Limits (SBC-3 §6.5.3). WSNZ is 0: WRITE SAME with 0 blocks runs through the last block. WRITE ATOMIC
    /// takes up to the maximum transfer length, with no alignment or granularity constraint.
    private static func blockLimits(of logicalUnit: LogicalUnit) -> [UInt8] {
        let blockSize = max(1, logicalUnit.blockDevice.blockSize)
        let optimalGranularity = UInt16(blockSize < 4096 ? 4096 / blockSize : 1)
        let maximumTransfer = logicalUnit.maximumTransferBlocks
        var body = [UInt8](repeating: 0, count: 60)
        body[1] = logicalUnit.maximumCompareAndWriteBlocks
        body.replaceSubrange(2..<4, with: optimalGranularity.bigEndianBytes)
        body.replaceSubrange(4..<8, with: maximumTransfer.bigEndianBytes)
        body.replaceSubrange(8..<12, with: maximumTransfer.bigEndianBytes)
        if logicalUnit.supportsUnmap {
            body.replaceSubrange(16..<20, with: LogicalUnit.maximumUnmapBlockCount.bigEndianBytes)
            body.replaceSubrange(20..<24, with: UInt32(LogicalUnit.maximumUnmapDescriptorCount).bigEndianBytes)
        }
        body.replaceSubrange(32..<40, with: UInt64(logicalUnit.maximumWriteSameBlocks).bigEndianBytes)
        body.replaceSubrange(40..<44, with: logicalUnit.maximumAtomicTransferBlocks.bigEndianBytes)
        return body
    }
}

extension FixedWidthInteger {
    /// The value's bytes, most significant first.
    var bigEndianBytes: [UInt8] {
        (0..<(Self.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: self >> ($0 * 8)) }
    }
}
