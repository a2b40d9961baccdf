import BlockDevice
import NIOCore
import SCSI
import Testing

@Suite struct VerifyTests {
    private func verify10(lba: UInt32, blocks: UInt16, byteCheck: UInt8 = 0, flags: UInt8 = 0) -> [UInt8] {
        [0x2F, flags | byteCheck << 1] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
    }

    private func fixtureWithData() throws -> (SCSITestFixture, [UInt8]) {
        let fixture = try SCSITestFixture()
        let data = (0..<(64 * 512)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let write: [UInt8] = [0x2A, 0, 0, 0, 0, 0, 0, 0, 64, 0]
        _ = fixture.run(write, expectedLength: 64 * 512, isWrite: true, dataOut: [ByteBuffer(bytes: data)])
        return (fixture, data)
    }

    @Test func mediumCheckNeedsNoData() throws {
        let (fixture, _) = try self.fixtureWithData()
        #expect(fixture.run(self.verify10(lba: 0, blocks: 64), expectedLength: 0).completion == .good())
        #expect(fixture.run(self.verify10(lba: 0, blocks: 0), expectedLength: 0).completion == .good())
        #expect(fixture.run(self.verify10(lba: 0, blocks: 1, flags: 0x10), expectedLength: 0).completion == .good())
    }

    @Test func compareEveryVariant() throws {
        let (fixture, data) = try self.fixtureWithData()
        let blocks = Array(data[(4 * 512)..<(6 * 512)])
        let commands: [[UInt8]] = [
            self.verify10(lba: 4, blocks: 2, byteCheck: 1),
            [0xAF, 0x02] + bigEndian(UInt32(4)) + bigEndian(UInt32(2)) + [0, 0],
            [0x8F, 0x02] + bigEndian(UInt64(4)) + bigEndian(UInt32(2)) + [0, 0],
        ]
        for command in commands {
            let result = fixture.run(command, expectedLength: 1024, isWrite: true, dataOut: [ByteBuffer(bytes: blocks)])
            #expect(result.completion == .good())
            var changed = blocks
            changed[700] ^= 0x58
            let miscompare = fixture.run(
                command,
                expectedLength: 1024,
                isWrite: true,
                dataOut: [ByteBuffer(bytes: changed)]
            )
            #expect(miscompare.completion == .checkCondition(miscompareSense(at: 700)))
        }
    }

    @Test func compareEachBlockWithOne() throws {
        let fixture = try SCSITestFixture()
        let block = ByteBuffer(repeating: 0x3C, count: 512)
        let writeSame: [UInt8] = [0x41, 0, 0, 0, 0, 8, 0, 0, 4, 0]
        #expect(fixture.run(writeSame, expectedLength: 512, isWrite: true, dataOut: [block]).completion == .good())
        let command = self.verify10(lba: 8, blocks: 4, byteCheck: 3)
        #expect(fixture.run(command, expectedLength: 512, isWrite: true, dataOut: [block]).completion == .good())
        let longer = self.verify10(lba: 8, blocks: 5, byteCheck: 3)
        #expect(
            fixture.run(longer, expectedLength: 512, isWrite: true, dataOut: [block]).completion
                == .checkCondition(miscompareSense(at: 4 * 512))
        )
    }

    @Test func fieldChecks() throws {
        let fixture = try SCSITestFixture()
        for protect in UInt8(1)...7 {
            #expect(
                fixture.run(self.verify10(lba: 0, blocks: 1, byteCheck: 1, flags: protect << 5), isWrite: true)
                    .completion == .illegalRequest(.invalidFieldInCDB)
            )
        }
        #expect(
            fixture.run(self.verify10(lba: 0, blocks: 1, byteCheck: 2), expectedLength: 512, isWrite: true)
                .completion == .illegalRequest(.invalidFieldInCDB)
        )
        #expect(
            fixture.run(self.verify10(lba: 63, blocks: 2), expectedLength: 0).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
        #expect(
            fixture.run(self.verify10(lba: 64, blocks: 0), expectedLength: 0).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
    }
}

@Suite struct PreFetchTests {
    @Test func checksTheRangeOnly() throws {
        let fixture = try SCSITestFixture()
        let ten: (UInt32, UInt16, UInt8) -> [UInt8] = { lba, blocks, flags in
            [0x34, flags] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
        }
        let sixteen: (UInt64, UInt32, UInt8) -> [UInt8] = { lba, blocks, flags in
            [0x90, flags] + bigEndian(lba) + bigEndian(blocks) + [0, 0]
        }
        for command in [ten(0, 64, 0), ten(63, 1, 0x02), ten(0, 0, 0), sixteen(0, 64, 0x02), sixteen(10, 0, 0)] {
            #expect(fixture.run(command, expectedLength: 0).completion == .good())
        }
        for command in [ten(63, 2, 0), ten(64, 0, 0), sixteen(UInt64.max, 1, 0)] {
            #expect(
                fixture.run(command, expectedLength: 0).completion == .illegalRequest(.logicalBlockAddressOutOfRange)
            )
        }
    }
}
