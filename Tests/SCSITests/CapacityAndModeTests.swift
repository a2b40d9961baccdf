import BlockDevice
import NIOCore
import SCSI
import Testing

@Suite struct ReadCapacityTests {
    @Test func readCapacity10() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run([0x25] + [UInt8](repeating: 0, count: 9)).data == [0, 0, 0, 63, 0, 0, 2, 0])
    }

    @Test func readCapacity10SaturatesLargeDevices() throws {
        let device = try NullBlockDevice(.init(name: "Null0", blockCount: 1 << 33, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        #expect(fixture.run([0x25] + [UInt8](repeating: 0, count: 9)).data == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 2, 0])
        let data = fixture.run([0x9E, 0x10] + [UInt8](repeating: 0, count: 8) + bigEndian(UInt32(32)) + [0, 0]).data
        #expect(Array(data[0..<8]) == bigEndian(UInt64(1 << 33) - 1))
        #expect(data[14] == 0)  // no UNMAP: no LBPME
    }

    @Test func readCapacity16() throws {
        let device = try MallocBlockDevice(
            .init(name: "Malloc0", blockCount: 131072, blockSize: 512, physicalBlockSize: 4096)
        )
        let fixture = try SCSITestFixture(blockDevice: device)
        let (completion, data) = fixture.run(
            [0x9E, 0x10] + [UInt8](repeating: 0, count: 8) + bigEndian(UInt32(32)) + [0, 0]
        )
        #expect(completion == .good(dataInLength: 32))
        #expect(Array(data[0..<8]) == bigEndian(UInt64(131071)))
        #expect(Array(data[8..<12]) == bigEndian(UInt32(512)))
        #expect(data[13] == 3)  // 8 logical blocks per physical block
        #expect(data[14] == 0xC0)  // LBPME, LBPRZ
        #expect(
            fixture.run([0x9E, 0x10] + [UInt8](repeating: 0, count: 8) + bigEndian(UInt32(12)) + [0, 0]).data.count
                == 12
        )
    }

    @Test func otherServiceActionIsUnsupported() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run([0x9E, 0x11] + [UInt8](repeating: 0, count: 14)).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }
}

@Suite struct ModeSenseTests {
    private func modeSense6(
        page: UInt8,
        subpage: UInt8 = 0,
        pageControl: UInt8 = 0,
        dbd: Bool = false,
        length: UInt8 = 255
    ) -> [UInt8] {
        [0x1A, dbd ? 0x08 : 0, pageControl << 6 | page, subpage, length, 0]
    }

    @Test func cachingPageWithBlockDescriptor() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.modeSense6(page: 0x08))
        #expect(completion == .good(dataInLength: 32))
        #expect(Array(data[0..<4]) == [31, 0, 0x10, 8])  // DPOFUA
        #expect(Array(data[4..<12]) == [0, 0, 0, 64, 0, 0, 2, 0])
        #expect(Array(data[12..<15]) == [0x08, 0x12, 0x05])  // WCE, RCD
    }

    @Test func cachingPageWithoutWriteCache() throws {
        let device = try NullBlockDevice(.init(name: "Null0", blockCount: 8, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        let data = fixture.run(self.modeSense6(page: 0x08, dbd: true)).data
        #expect(data == [23, 0, 0x10, 0, 0x08, 0x12, 0x01] + [UInt8](repeating: 0, count: 17))
    }

    @Test func onlySoftwareWriteProtectAndTaskAbortedStatusAreChangeable() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.modeSense6(page: 0x08, pageControl: 1, dbd: true)).data
        #expect(Array(data[4..<7]) == [0x08, 0x12, 0x00])
        let control = fixture.run(self.modeSense6(page: 0x0A, pageControl: 1, dbd: true)).data
        #expect(control == [15, 0, 0x10, 0, 0x0A, 0x0A, 0, 0, 0x08, 0x40] + [UInt8](repeating: 0, count: 6))
    }

    @Test func savedValuesAreNotSupported() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run(self.modeSense6(page: 0x08, pageControl: 3)).completion
                == .illegalRequest(.savingParametersNotSupported)
        )
    }

    @Test func controlPage() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.modeSense6(page: 0x0A, dbd: true)).data
        #expect(data == [15, 0, 0x10, 0, 0x0A, 0x0A] + [UInt8](repeating: 0, count: 10))
    }

    @Test func allPages() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.modeSense6(page: 0x3F, dbd: true)).data
        #expect(data.count == 4 + 12 + 16 + 12 + 20 + 12 + 24 + 12 + 12)
        #expect(Int(data[0]) == data.count - 1)
        let withSubpages = fixture.run(self.modeSense6(page: 0x3F, subpage: 0xFF, dbd: true)).data
        #expect(withSubpages.count == data.count + 32)
    }

    @Test func unknownPageIsInvalid() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.modeSense6(page: 0x05)).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func allocationLengthTruncates() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.modeSense6(page: 0x3F, length: 4))
        #expect(completion == .good(dataInLength: 4))
        #expect(data[3] == 8)
    }

    @Test func modeSense10LongDescriptor() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run([0x5A, 0x10, 0x08, 0, 0, 0, 0, 0x01, 0x00, 0]).data
        #expect(data.count == 8 + 16 + 20)
        #expect(Array(data[0..<8]) == [0, 42, 0, 0x10, 1, 0, 0, 16])
        #expect(Array(data[8..<24]) == bigEndian(UInt64(64)) + [0, 0, 0, 0] + bigEndian(UInt32(512)))
    }

    @Test func modeSelectHeaderOnly() throws {
        let fixture = try SCSITestFixture()
        let header = [UInt8](repeating: 0, count: 4)
        let result = fixture.run(
            [0x15, 0x10, 0, 0, 4, 0],
            expectedLength: 4,
            isWrite: true,
            dataOut: [.init(bytes: header)]
        )
        #expect(result.completion == .good())
        #expect(
            fixture.run([0x15, 0x10, 0, 0, 2, 0], expectedLength: 2, isWrite: true).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }
}

@Suite struct ModeSelectTests {
    private func modeSelect6(_ fixture: SCSITestFixture, _ parameters: [UInt8], sp: Bool = false) -> SCSICompletion {
        fixture.run(
            [0x15, sp ? 0x11 : 0x10, 0, 0, UInt8(parameters.count), 0],
            expectedLength: UInt32(parameters.count),
            isWrite: true,
            dataOut: [ByteBuffer(bytes: parameters)]
        ).completion
    }

    private func controlPage(swp: Bool) -> [UInt8] {
        [0, 0, 0, 0, 0x0A, 0x0A, 0, 0, swp ? 0x08 : 0] + [UInt8](repeating: 0, count: 7)
    }

    @Test func softwareWriteProtect() throws {
        let fixture = try SCSITestFixture()
        #expect(self.modeSelect6(fixture, self.controlPage(swp: true)) == .good())
        #expect(fixture.logicalUnit.isSoftwareWriteProtected)
        let sense = fixture.run([0x1A, 0x08, 0x0A, 0, 255, 0]).data
        #expect(sense[2] == 0x90)  // WP, DPOFUA
        #expect(sense[8] == 0x08)  // SWP
        let write = fixture.run(
            [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 1, count: 512)]
        )
        #expect(write.completion == .checkCondition(SenseData(key: .dataProtect, code: .softwareWriteProtected)))
        #expect(fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], expectedLength: 512).completion.status == .good)
        #expect(self.modeSelect6(fixture, self.controlPage(swp: false)) == .good())
        #expect(!fixture.logicalUnit.isSoftwareWriteProtected)
    }

    @Test func whatModeSenseReturnedIsAccepted() throws {
        let fixture = try SCSITestFixture()
        var all = fixture.run([0x5A, 0, 0x3F, 0xFF, 0, 0, 0, 0x10, 0, 0], expectedLength: 4096).data
        all[0] = 0
        all[1] = 0
        all[3] = 0  // DEVICE-SPECIFIC PARAMETER is reserved in MODE SELECT; ours ignores it anyway
        let result = fixture.run(
            [0x55, 0x10, 0, 0, 0, 0, 0] + bigEndian(UInt16(all.count)) + [0],
            expectedLength: UInt32(all.count),
            isWrite: true,
            dataOut: [ByteBuffer(bytes: all)]
        )
        #expect(result.completion == .good())
    }

    @Test func unchangeableFieldsAndBadPages() throws {
        let fixture = try SCSITestFixture()
        var control = self.controlPage(swp: false)
        control[6] = 0x04  // D_SENSE is not changeable
        #expect(self.modeSelect6(fixture, control) == .illegalRequest(.invalidFieldInParameterList))
        var unknown = self.controlPage(swp: false)
        unknown[4] = 0x05
        #expect(self.modeSelect6(fixture, unknown) == .illegalRequest(.invalidFieldInParameterList))
        var saved = self.controlPage(swp: false)
        saved[4] = 0x8A  // PS
        #expect(self.modeSelect6(fixture, saved) == .illegalRequest(.invalidFieldInParameterList))
        #expect(
            self.modeSelect6(fixture, Array(self.controlPage(swp: true).prefix(10)))
                == .illegalRequest(.parameterListLengthError)
        )
        #expect(self.modeSelect6(fixture, self.controlPage(swp: true), sp: true) == .illegalRequest(.invalidFieldInCDB))
        #expect(!fixture.logicalUnit.isSoftwareWriteProtected)
    }

    @Test func blockDescriptorMustMatch() throws {
        let fixture = try SCSITestFixture()
        let matching: [UInt8] = [0, 0, 0, 8, 0, 0, 0, 64, 0, 0, 2, 0]
        #expect(self.modeSelect6(fixture, matching) == .good())
        let otherBlockSize: [UInt8] = [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 16, 0]
        #expect(self.modeSelect6(fixture, otherBlockSize) == .illegalRequest(.invalidFieldInParameterList))
    }
}
