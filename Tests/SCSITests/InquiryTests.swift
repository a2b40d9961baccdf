import BlockDevice
import SCSI
import Testing

@Suite struct InquiryTests {
    private func inquiry(page: UInt8? = nil, allocationLength: UInt16 = 4096) -> [UInt8] {
        [0x12, page == nil ? 0 : 1, page ?? 0] + bigEndian(allocationLength) + [0]
    }

    @Test func standardInquiryData() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.inquiry())
        #expect(completion == .good(dataInLength: 96))
        var expected: [UInt8] = [0x00, 0x00, 0x06, 0x12, 91, 0x08, 0x10, 0x02]  // 3PC
        expected += ascii("INTEL", padTo: 8) + ascii("Malloc disk", padTo: 16) + ascii("0001")
        expected += [UInt8](repeating: 0x20, count: 20) + [0, 0]
        expected += [0x09, 0x60, 0x03, 0x00, 0x04, 0xC0, 0x00, 0x40]
        expected += [UInt8](repeating: 0, count: 30)
        #expect(data == expected)
    }

    @Test func allocationLengthTruncates() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.inquiry(allocationLength: 36))
        #expect(completion == .good(dataInLength: 36))
        #expect(data.count == 36)
        #expect(data[4] == 91)
        let (_, small) = fixture.run(self.inquiry(allocationLength: 200), expectedLength: 8)
        #expect(small.count == 8)
    }

    @Test func productAndIdentityOverrides() throws {
        let device = try NullBlockDevice(.init(name: "Null0", blockCount: 8, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        #expect(Array(fixture.run(self.inquiry()).data[16..<32]) == ascii("Null disk", padTo: 16))
        let custom = LogicalUnit(id: 1, blockDevice: device, vendor: "ACME", product: "Widget", revision: "9")
        fixture.device.add(custom)
        let data = fixture.run(self.inquiry(), lun: 1).data
        #expect(Array(data[8..<36]) == ascii("ACME", padTo: 8) + ascii("Widget", padTo: 16) + ascii("9", padTo: 4))
    }

    @Test func pageCodeWithoutEVPDIsInvalid() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run([0x12, 0, 0x80, 0, 255, 0]).completion == .illegalRequest(.invalidFieldInCDB))
        #expect(fixture.run([0x12, 0x02, 0, 0, 255, 0]).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func unknownPageIsInvalid() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.inquiry(page: 0xC0)).completion == .illegalRequest(.invalidFieldInCDB))
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 8, blockSize: 512))
        let nullFixture = try SCSITestFixture(blockDevice: null)
        #expect(nullFixture.run(self.inquiry(page: 0xB2)).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func supportedPages() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run(self.inquiry(page: 0)).data
                == [0, 0, 0, 11, 0x00, 0x80, 0x83, 0x85, 0x86, 0x87, 0x88, 0x8F, 0xB0, 0xB1, 0xB2]
        )
    }

    @Test func unitSerialNumberIsTheBdevName() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.inquiry(page: 0x80)).data == [0, 0x80, 0, 8] + ascii("Malloc0") + [0])
        let long = try MallocBlockDevice(.init(name: String(repeating: "x", count: 40), blockCount: 8, blockSize: 512))
        let longFixture = try SCSITestFixture(blockDevice: long)
        let data = longFixture.run(self.inquiry(page: 0x80)).data
        #expect(data == [0, 0x80, 0, 32] + ascii(String(repeating: "x", count: 31)) + [0])
    }

    /// The device identification page of Malloc0 in iqn.2016-06.io.spdk:disk1 through portal group 1, byte for
    /// byte. The NAA value is SPDK's hash of "Malloc0" (v = v * 131 + c), computed independently.
    @Test func deviceIdentificationMatchesSPDK() throws {
        let fixture = try SCSITestFixture()
        let naa: [UInt8] = [0x51, 0x83, 0x00, 0x08, 0x2D, 0x1D, 0x00, 0x03, 0x47, 0x38, 0x62, 0x28]
        let t10: [UInt8] =
            [0x52, 0x81, 0x00, 56] + ascii("INTEL", padTo: 8) + ascii("Malloc disk", padTo: 16)
            + ascii("Malloc0", padTo: 32)
        let deviceName: [UInt8] = [0x53, 0xA8, 0x00, 28] + ascii("iqn.2016-06.io.spdk:disk1", padTo: 28, pad: 0)
        let portName: [UInt8] = [0x53, 0x98, 0x00, 34] + ascii("iqn.2016-06.io.spdk:disk1,t,0x0001")
        let relativePort: [UInt8] = [0x51, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]
        let portGroup: [UInt8] = [0x51, 0x95, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]
        let unitGroup: [UInt8] = [0x51, 0x86, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]
        let body = naa + t10 + deviceName + portName + relativePort + portGroup + unitGroup
        #expect(body.count == 166)
        let (completion, data) = fixture.run(self.inquiry(page: 0x83))
        #expect(completion == .good(dataInLength: 170))
        #expect(data == [0x00, 0x83, 0x00, 166] + body)
    }

    @Test func deviceNameAlwaysGetsANul() throws {
        let fixture = try SCSITestFixture()
        fixture.device.name = "iqn.x:abc"  // 9 bytes → padded to 12
        let data = fixture.run(self.inquiry(page: 0x83)).data
        let designator = Array(data[(4 + 12 + 60)...])
        #expect(Array(designator[0..<4]) == [0x53, 0xA8, 0, 12])
        #expect(Array(designator[4..<16]) == ascii("iqn.x:abc", padTo: 12, pad: 0))
    }

    @Test func scsiPortsPage() throws {
        let fixture = try SCSITestFixture()
        let name = ascii("iqn.2016-06.io.spdk:disk1,t,0x0001")
        let expectedBody: [UInt8] =
            [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, UInt8(4 + name.count), 0x53, 0x98, 0, UInt8(name.count)] + name
        #expect(fixture.run(self.inquiry(page: 0x88)).data == [0, 0x88, 0, UInt8(expectedBody.count)] + expectedBody)
    }

    @Test func blockLimits() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.inquiry(page: 0xB0)).data
        #expect(data.count == 64)
        #expect(Array(data[0..<4]) == [0, 0xB0, 0, 0x3C])
        #expect(Array(data[4..<6]) == [0x00, 255])  // WSNZ 0; COMPARE AND WRITE of up to 255 blocks
        #expect(Array(data[6..<8]) == [0, 8])  // 4 KiB of 512-byte blocks
        #expect(Array(data[8..<12]) == bigEndian(UInt32(16384)))  // 8 MiB
        #expect(Array(data[12..<16]) == bigEndian(UInt32(16384)))
        #expect(Array(data[20..<24]) == bigEndian(UInt32(1_048_576)))
        #expect(Array(data[24..<28]) == bigEndian(UInt32(256)))
        #expect(Array(data[36..<44]) == bigEndian(UInt64(16384)))  // maximum WRITE SAME length
        #expect(Array(data[44..<48]) == bigEndian(UInt32(16384)))  // maximum atomic transfer length
        #expect(Array(data[48..<64]) == [UInt8](repeating: 0, count: 16))  // no atomic alignment or granularity

        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 8, blockSize: 4096))
        let nullFixture = try SCSITestFixture(blockDevice: null)
        let short = nullFixture.run(self.inquiry(page: 0xB0)).data
        #expect(short.count == 64)
        #expect(Array(short[6..<16]) == [0, 1, 0, 0, 8, 0, 0, 0, 8, 0])  // granularity 1, 2048 blocks
        #expect(Array(short[20..<28]) == [UInt8](repeating: 0, count: 8))  // no UNMAP
    }

    @Test func blockDeviceCharacteristics() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.inquiry(page: 0xB1)).data
        #expect(data.count == 64)
        #expect(Array(data[0..<8]) == [0, 0xB1, 0, 0x3C, 0, 1, 0, 0x42])  // WABEREQ 01b
    }

    @Test func logicalBlockProvisioning() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.inquiry(page: 0xB2)).data == [0, 0xB2, 0, 4, 0, 0xE4, 0x02, 0])
    }

    @Test func otherPages() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.inquiry(page: 0x85)).data == [0, 0x85, 0, 0])
        #expect(fixture.run(self.inquiry(page: 0x87)).data == [0, 0x87, 0, 4, 0x3F, 0xFF, 0, 0])
        let extended = fixture.run(self.inquiry(page: 0x86)).data
        #expect(extended.count == 64)
        #expect(extended[5] == 0x05)
    }

    @Test func missingLogicalUnitAnswersNotPresent() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.inquiry(), lun: 5)
        #expect(completion == .good(dataInLength: 36))
        #expect(data[0] == 0x7F)
        #expect(fixture.run([0x00, 0, 0, 0, 0, 0], lun: 5).completion == .illegalRequest(.logicalUnitNotSupported))
    }
}
