import BlockDevice
import NIOCore
import SCSI
import Testing

@Suite struct WriteSameTests {
    private func writeSame16(lba: UInt64, blocks: UInt32, unmap: Bool = false, ndob: Bool = false) -> [UInt8] {
        [0x93, (unmap ? 0x08 : 0) | (ndob ? 0x01 : 0)] + bigEndian(lba) + bigEndian(blocks) + [0, 0]
    }

    private func contents(_ fixture: SCSITestFixture) -> [UInt8] {
        fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512).data
    }

    private func fill(_ fixture: SCSITestFixture, with byte: UInt8) {
        let data = ByteBuffer(repeating: byte, count: 64 * 512)
        _ = fixture.run([0x2A, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512, isWrite: true, dataOut: [data])
    }

    @Test func replicatesThePattern() throws {
        let fixture = try SCSITestFixture()
        let pattern = (0..<512).map { UInt8(truncatingIfNeeded: $0) }
        let result = fixture.run(
            self.writeSame16(lba: 10, blocks: 3),
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(bytes: pattern)]
        )
        #expect(result.completion == .good())
        let content = self.contents(fixture)
        #expect(Array(content[(10 * 512)..<(13 * 512)]) == pattern + pattern + pattern)
        #expect(content[(13 * 512)...].allSatisfy { $0 == 0 })
    }

    @Test func dataOutOtherThanOneBlockIsRefused() throws {
        let fixture = try SCSITestFixture()
        let unmapOne = self.writeSame16(lba: 0, blocks: 1, unmap: true)
        for length in [256, 1024] {
            let result = fixture.run(
                unmapOne,
                expectedLength: UInt32(length),
                isWrite: true,
                dataOut: [ByteBuffer(repeating: 0xA6, count: length)]
            )
            #expect(result.completion.status == .checkCondition, "data-out of \(length) bytes")
        }
    }

    @Test func zeroPatternAndUnmap() throws {
        let fixture = try SCSITestFixture()
        self.fill(fixture, with: 0xFF)
        let zero = ByteBuffer(repeating: 0, count: 512)
        let ten: [UInt8] = [0x41, 0x08, 0, 0, 0, 2, 0, 0, 2, 0]
        #expect(fixture.run(ten, expectedLength: 512, isWrite: true, dataOut: [zero]).completion == .good())
        #expect(fixture.run(self.writeSame16(lba: 20, blocks: 1, ndob: true), expectedLength: 0).completion == .good())
        let content = self.contents(fixture)
        for block in 0..<64 {
            let expected: UInt8 = [2, 3, 20].contains(block) ? 0 : 0xFF
            #expect(content[(block * 512)..<((block + 1) * 512)].allSatisfy { $0 == expected }, "block \(block)")
        }
    }

    @Test func zeroBlocksRunThroughTheLastBlock() throws {
        let fixture = try SCSITestFixture()
        self.fill(fixture, with: 0xFF)
        let pattern = ByteBuffer(repeating: 0x11, count: 512)
        let ten: [UInt8] = [0x41, 0, 0, 0, 0, 60, 0, 0, 0, 0]
        #expect(fixture.run(ten, expectedLength: 512, isWrite: true, dataOut: [pattern]).completion == .good())
        #expect(fixture.run(self.writeSame16(lba: 62, blocks: 0, ndob: true), expectedLength: 0).completion == .good())
        let content = self.contents(fixture)
        #expect(content[..<(60 * 512)].allSatisfy { $0 == 0xFF })
        #expect(content[(60 * 512)..<(62 * 512)].allSatisfy { $0 == 0x11 })
        #expect(content[(62 * 512)...].allSatisfy { $0 == 0 })
        #expect(
            fixture.run(self.writeSame16(lba: 64, blocks: 0, ndob: true), expectedLength: 0).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
    }

    @Test func zeroBlocksBeyondTheMaximumLength() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc1", blockCount: 16385, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        #expect(
            fixture.run(self.writeSame16(lba: 0, blocks: 0, ndob: true), expectedLength: 0).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
        #expect(fixture.run(self.writeSame16(lba: 1, blocks: 0, ndob: true), expectedLength: 0).completion == .good())
    }

    @Test func protectionFieldIsRefused() throws {
        let fixture = try SCSITestFixture()
        for protect in UInt8(1)...7 {
            let ten: [UInt8] = [0x41, protect << 5, 0, 0, 0, 0, 0, 0, 1, 0]
            #expect(
                fixture.run(ten, expectedLength: 512, isWrite: true).completion == .illegalRequest(.invalidFieldInCDB)
            )
            var sixteen = self.writeSame16(lba: 0, blocks: 1)
            sixteen[1] = protect << 5
            #expect(
                fixture.run(sixteen, expectedLength: 512, isWrite: true).completion
                    == .illegalRequest(.invalidFieldInCDB)
            )
        }
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run(self.writeSame16(lba: 63, blocks: 2, ndob: true), expectedLength: 0).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        let null = try NullBlockDevice(.init(name: "Null0", blockCount: 64, blockSize: 512))
        let nullFixture = try SCSITestFixture(blockDevice: null)
        #expect(
            nullFixture.run(self.writeSame16(lba: 0, blocks: 1, unmap: true, ndob: true), expectedLength: 0).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }
}

@Suite struct CompareAndWriteTests {
    private func compareAndWrite(lba: UInt64, blocks: UInt8) -> [UInt8] {
        [0x89, 0] + bigEndian(lba) + [0, 0, 0, blocks, 0, 0]
    }

    @Test func writesWhenTheDataMatches() throws {
        let fixture = try SCSITestFixture()
        let old = ByteBuffer(repeating: 0, count: 512)
        let new = ByteBuffer(repeating: 0x5A, count: 512)
        let result = fixture.run(
            self.compareAndWrite(lba: 7, blocks: 1),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [old, new]
        )
        #expect(result.completion == .good())
        #expect(fixture.run([0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0], expectedLength: 512).data.allSatisfy { $0 == 0x5A })
    }

    @Test func miscompareReportsTheOffset() throws {
        let fixture = try SCSITestFixture()
        var expected = ByteBuffer(repeating: 0, count: 512)
        expected.setInteger(UInt8(1), at: 100)
        let new = ByteBuffer(repeating: 0x5A, count: 512)
        let result = fixture.run(
            self.compareAndWrite(lba: 7, blocks: 1),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [expected, new]
        )
        #expect(
            result.completion
                == .checkCondition(SenseData(key: .miscompare, code: .miscompareDuringVerify, information: 100))
        )
        #expect(fixture.run([0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0], expectedLength: 512).data.allSatisfy { $0 == 0 })
    }

    @Test func manyBlocks() throws {
        let fixture = try SCSITestFixture()
        let old = ByteBuffer(repeating: 0, count: 8 * 512)
        let new = ByteBuffer(repeating: 0xC3, count: 8 * 512)
        let result = fixture.run(
            self.compareAndWrite(lba: 56, blocks: 8),
            expectedLength: 8192,
            isWrite: true,
            dataOut: [old, new]
        )
        #expect(result.completion == .good())
        let read = fixture.run([0x28, 0, 0, 0, 0, 56, 0, 0, 8, 0], expectedLength: 4096).data
        #expect(read.allSatisfy { $0 == 0xC3 })
    }

    @Test func miscompareInALaterBlockWritesNothing() throws {
        let fixture = try SCSITestFixture()
        var expected = ByteBuffer(repeating: 0, count: 4 * 512)
        expected.setInteger(UInt8(0x43), at: 4 * 512 - 27)
        let new = ByteBuffer(repeating: 0x42, count: 4 * 512)
        let result = fixture.run(
            self.compareAndWrite(lba: 0, blocks: 4),
            expectedLength: 4096,
            isWrite: true,
            dataOut: [expected, new]
        )
        #expect(result.completion == .checkCondition(miscompareSense(at: 4 * 512 - 27)))
        #expect(result.completion.sense?.bytes[0] == 0xF0)  // VALID, fixed format
        let read = fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 4, 0], expectedLength: 2048).data
        #expect(read.allSatisfy { $0 == 0 })
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run(self.compareAndWrite(lba: 64, blocks: 1), expectedLength: 1024, isWrite: true).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        #expect(
            fixture.run(self.compareAndWrite(lba: 0, blocks: 0), expectedLength: 0, isWrite: true).completion == .good()
        )
        // 0 blocks with a little data-out: nothing to do (DPO/FUA probes send one block this way).
        #expect(
            fixture.run(self.compareAndWrite(lba: 0, blocks: 0), expectedLength: 512, isWrite: true).completion
                == .good()
        )
        // 256 blocks wrapped to 0 in the one-byte field: more data-out than any COMPARE AND WRITE carries.
        #expect(
            fixture.run(self.compareAndWrite(lba: 0, blocks: 0), expectedLength: 2 * 256 * 512, isWrite: true)
                .completion == .illegalRequest(.invalidFieldInCDB)
        )
        // The data-out must be exactly the two halves.
        for length: UInt32 in [1024, 4096] {
            #expect(
                fixture.run(self.compareAndWrite(lba: 0, blocks: 2), expectedLength: length, isWrite: true).completion
                    == .illegalRequest(.invalidFieldInCDB)
            )
        }
        var protected = self.compareAndWrite(lba: 0, blocks: 1)
        protected[1] = 0x20
        #expect(
            fixture.run(protected, expectedLength: 1024, isWrite: true).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }

    @Test func dpoAndFuaAreAccepted() throws {
        let fixture = try SCSITestFixture()
        var command = self.compareAndWrite(lba: 3, blocks: 1)
        command[1] = 0x1A  // DPO, FUA, FUA_NV
        let result = fixture.run(
            command,
            expectedLength: 1024,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 0, count: 512), ByteBuffer(repeating: 7, count: 512)]
        )
        #expect(result.completion == .good())
    }
}

/// The MISCOMPARE sense COMPARE AND WRITE, VERIFY and WRITE AND VERIFY report.
func miscompareSense(at information: UInt32) -> SenseData {
    SenseData(key: .miscompare, code: .miscompareDuringVerify, information: information)
}
