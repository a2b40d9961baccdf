import BlockDevice
import NIOCore
import SCSI
import Testing

@Suite struct ReadWriteTests {
    private func read10(lba: UInt32, blocks: UInt16, fua: Bool = false) -> [UInt8] {
        [0x28, fua ? 0x08 : 0] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
    }

    private func write10(lba: UInt32, blocks: UInt16, fua: Bool = false) -> [UInt8] {
        [0x2A, fua ? 0x08 : 0] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
    }

    private func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    @Test func writeThenReadEveryVariant() throws {
        let fixture = try SCSITestFixture()
        let writes: [[UInt8]] = [
            [0x0A, 0, 0, 4, 2, 0],
            self.write10(lba: 4, blocks: 2),
            [0xAA, 0] + bigEndian(UInt32(4)) + bigEndian(UInt32(2)) + [0, 0],
            [0x8A, 0] + bigEndian(UInt64(4)) + bigEndian(UInt32(2)) + [0, 0],
        ]
        let reads: [[UInt8]] = [
            [0x08, 0, 0, 4, 2, 0],
            self.read10(lba: 4, blocks: 2),
            [0xA8, 0] + bigEndian(UInt32(4)) + bigEndian(UInt32(2)) + [0, 0],
            [0x88, 0] + bigEndian(UInt64(4)) + bigEndian(UInt32(2)) + [0, 0],
        ]
        for (index, write) in writes.enumerated() {
            let payload = self.pattern(1024, seed: UInt8(index))
            let written = fixture.run(write, expectedLength: 1024, isWrite: true, dataOut: [ByteBuffer(bytes: payload)])
            #expect(written.completion == .good())
            for read in reads {
                #expect(fixture.run(read) == (.good(dataInLength: 1024), payload))
            }
        }
    }

    @Test func segmentedDataOutLandsInOrder() throws {
        let fixture = try SCSITestFixture()
        let payload = self.pattern(1536, seed: 3)
        let segments = [
            ByteBuffer(bytes: payload[0..<1]),
            ByteBuffer(bytes: payload[1..<700]),
            ByteBuffer(bytes: payload[700...]),
        ]
        let written = fixture.run(
            self.write10(lba: 60, blocks: 3),
            expectedLength: 1536,
            isWrite: true,
            dataOut: segments
        )
        #expect(written.completion == .good())
        #expect(fixture.run(self.read10(lba: 60, blocks: 3)).data == payload)
    }

    @Test func extraDataOutIsIgnored() throws {
        let fixture = try SCSITestFixture()
        let payload = self.pattern(1024, seed: 9)
        let written = fixture.run(
            self.write10(lba: 0, blocks: 1),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [ByteBuffer(bytes: payload)]
        )
        #expect(written.completion == .good())
        #expect(
            fixture.run(self.read10(lba: 0, blocks: 2)).data == Array(payload[0..<512])
                + [UInt8](repeating: 0, count: 512)
        )
    }

    @Test func read6ZeroLengthMeans256Blocks() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 300, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        let (completion, data) = fixture.run([0x08, 0, 0, 0, 0, 0], expectedLength: 256 * 512)
        #expect(completion == .good(dataInLength: 256 * 512))
        #expect(data.count == 256 * 512)
    }

    @Test func zeroLengthTransfersNothing() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.read10(lba: 63, blocks: 0)) == (.good(), []))
        #expect(fixture.run(self.write10(lba: 10, blocks: 0), expectedLength: 0, isWrite: true).completion == .good())
    }

    @Test func outOfRangeLBA() throws {
        let fixture = try SCSITestFixture()
        let outOfRange = SCSICompletion.illegalRequest(.logicalBlockAddressOutOfRange)
        #expect(fixture.run(self.read10(lba: 63, blocks: 2)).completion == outOfRange)
        #expect(fixture.run(self.read10(lba: 64, blocks: 0)).completion == outOfRange)
        #expect(
            fixture.run([0x88, 0] + bigEndian(UInt64.max) + bigEndian(UInt32(1)) + [0, 0]).completion == outOfRange
        )
        #expect(fixture.run([0x08, 0, 0, 64, 1, 0]).completion == outOfRange)
    }

    @Test func badWriteIsRefusedBeforeDataIsSolicited() throws {
        let fixture = try SCSITestFixture()
        guard
            case .completed(let completion) = fixture.prepare(
                self.write10(lba: 63, blocks: 2),
                expectedLength: 1024,
                isWrite: true
            )
        else {
            Issue.record("an out-of-range WRITE must not solicit data")
            return
        }
        #expect(completion == .illegalRequest(.logicalBlockAddressOutOfRange))

        guard
            case .ready(let prepared) = fixture.prepare(
                self.write10(lba: 0, blocks: 4),
                expectedLength: 4096,
                isWrite: true
            )
        else {
            Issue.record("a valid WRITE must be ready")
            return
        }
        #expect(prepared.dataOutLength == 2048)
        #expect(prepared.dataInLimit == 0)
    }

    @Test func writeLongerThanExpectedLengthWritesOnlyTheExpectedBlocks() throws {
        let fixture = try SCSITestFixture()
        let old = self.pattern(2048, seed: 1)
        _ = fixture.run(
            self.write10(lba: 0, blocks: 4),
            expectedLength: 2048,
            isWrite: true,
            dataOut: [.init(bytes: old)]
        )
        guard
            case .ready(let prepared) = fixture.prepare(
                self.write10(lba: 0, blocks: 4),
                expectedLength: 1024,
                isWrite: true
            )
        else {
            Issue.record("a WRITE longer than the EDTL must run")
            return
        }
        #expect(prepared.dataOutLength == 1024)
        #expect(prepared.transferLength == 2048)

        let new = self.pattern(1024, seed: 9)
        let result = fixture.run(
            self.write10(lba: 0, blocks: 4),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [.init(bytes: new)]
        )
        #expect(result.completion == .good())
        #expect(fixture.run(self.read10(lba: 0, blocks: 4), expectedLength: 2048).data == new + old[1024...])
    }

    @Test func writeWithNoExpectedDataWritesNothing() throws {
        let fixture = try SCSITestFixture()
        let old = self.pattern(512, seed: 3)
        _ = fixture.run(
            self.write10(lba: 0, blocks: 1),
            expectedLength: 512,
            isWrite: true,
            dataOut: [.init(bytes: old)]
        )
        #expect(fixture.run(self.write10(lba: 0, blocks: 1), expectedLength: 0, isWrite: true).completion == .good())
        // With nothing to move, the R/W bits do not matter.
        #expect(fixture.run(self.write10(lba: 0, blocks: 1), expectedLength: 0).completion == .good())
        #expect(fixture.run(self.read10(lba: 0, blocks: 1), expectedLength: 512).data == old)
    }

    @Test func writeCutInsideABlockKeepsTheRestOfThatBlock() throws {
        let fixture = try SCSITestFixture()
        let old = self.pattern(1024, seed: 5)
        _ = fixture.run(
            self.write10(lba: 0, blocks: 2),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [.init(bytes: old)]
        )
        let result = fixture.run(
            self.write10(lba: 0, blocks: 2),
            expectedLength: 712,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 0x62, count: 600), ByteBuffer(repeating: 0x63, count: 112)]
        )
        #expect(result.completion == .good())
        let expected =
            [UInt8](repeating: 0x62, count: 600) + [UInt8](repeating: 0x63, count: 112) + Array(old[712...])
        #expect(fixture.run(self.read10(lba: 0, blocks: 2), expectedLength: 1024).data == expected)
    }

    @Test func writeAndVerifyCutInsideABlockIsRefusedUnwritten() throws {
        let fixture = try SCSITestFixture()
        let old = self.pattern(512, seed: 6)
        _ = fixture.run(
            self.write10(lba: 0, blocks: 1),
            expectedLength: 512,
            isWrite: true,
            dataOut: [.init(bytes: old)]
        )
        let writeAndVerify: [UInt8] = [0x2E, 0x02, 0, 0, 0, 0, 0, 0, 1, 0]  // BYTCHK 1, one block at LBA 0
        let result = fixture.run(
            writeAndVerify,
            expectedLength: 200,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 0x62, count: 200)]
        )
        #expect(result.completion == .illegalRequest(.invalidFieldInInformationUnit))
        #expect(fixture.run(self.read10(lba: 0, blocks: 1), expectedLength: 512).data == old)
    }

    @Test func transferAgainstTheWrongDirectionIsRefused() throws {
        let fixture = try SCSITestFixture()
        #expect(
            fixture.run(self.write10(lba: 0, blocks: 1), expectedLength: 512).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
    }

    @Test func readReportsTheLengthItsCDBAsksFor() throws {
        let fixture = try SCSITestFixture()
        for expected: UInt32 in [0, 200, 512, 10_000] {
            guard
                case .ready(let prepared) = fixture.prepare(
                    self.read10(lba: 0, blocks: 1),
                    expectedLength: expected,
                    isWrite: false
                )
            else {
                Issue.record("READ(10) of one block with EDTL \(expected) must run")
                continue
            }
            #expect(prepared.transferLength == 512)
            #expect(prepared.dataInLimit == Int(expected))
        }
        #expect(fixture.run(self.read10(lba: 0, blocks: 1), expectedLength: 0).completion == .good())
    }

    @Test func missingDataOutIsAnError() throws {
        let fixture = try SCSITestFixture()
        let result = fixture.run(
            self.write10(lba: 0, blocks: 2),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 1, count: 512)]
        )
        #expect(result.completion.status == .checkCondition)
    }

    @Test func transferAboveMaximumIsInvalid() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 4096, blockSize: 4096))
        let fixture = try SCSITestFixture(blockDevice: device)
        #expect(
            fixture.run(self.read10(lba: 0, blocks: 2049), expectedLength: 1 << 24).completion
                == .illegalRequest(.invalidFieldInCDB)
        )
        #expect(
            fixture.run(self.read10(lba: 0, blocks: 1024), expectedLength: 1 << 22).completion
                == .good(dataInLength: 1 << 22)
        )
    }

    @Test func readIsLimitedByExpectedLength() throws {
        let fixture = try SCSITestFixture()
        let payload = self.pattern(1024, seed: 1)
        _ = fixture.run(
            self.write10(lba: 0, blocks: 2),
            expectedLength: 1024,
            isWrite: true,
            dataOut: [ByteBuffer(bytes: payload)]
        )
        let (completion, data) = fixture.run(self.read10(lba: 0, blocks: 2), expectedLength: 700)
        #expect(completion == .good(dataInLength: 700))
        #expect(data == Array(payload[0..<700]))
    }

    @Test func forceUnitAccessWrites() throws {
        let fixture = try SCSITestFixture()
        let result = fixture.run(
            self.write10(lba: 1, blocks: 1, fua: true),
            expectedLength: 512,
            isWrite: true,
            dataOut: [ByteBuffer(repeating: 0xAB, count: 512)]
        )
        #expect(result.completion == .good())
        #expect(fixture.run(self.read10(lba: 1, blocks: 1)).data == [UInt8](repeating: 0xAB, count: 512))
    }

    @Test func dataInIsAppendedAfterExistingBytes() throws {
        let fixture = try SCSITestFixture()
        var dataIn = ByteBuffer(repeating: 0xEE, count: 48)  // room for a BHS
        let command = SCSICommand(
            logicalUnitNumber: 0,
            cdb: CDB(self.read10(lba: 0, blocks: 1)),
            expectedDataTransferLength: 512,
            isRead: true,
            isWrite: false
        )
        let completion = fixture.device.execute(command, dataOut: [], dataIn: &dataIn, nexus: &fixture.nexus)
        #expect(completion == .good(dataInLength: 512))
        #expect(dataIn.readableBytes == 560)
        #expect(dataIn.getBytes(at: 0, length: 48) == [UInt8](repeating: 0xEE, count: 48))
    }

    @Test func protectionFieldsAreRefusedWithoutProtectionInformation() throws {
        let fixture = try SCSITestFixture()
        for protect in UInt8(1)...7 {
            let flags = protect << 5
            let commands: [(cdb: [UInt8], isWrite: Bool)] = [
                ([0x28, flags] + bigEndian(UInt32(0)) + [0] + bigEndian(UInt16(1)) + [0], false),
                ([0xA8, flags] + bigEndian(UInt32(0)) + bigEndian(UInt32(1)) + [0, 0], false),
                ([0x88, flags] + bigEndian(UInt64(0)) + bigEndian(UInt32(1)) + [0, 0], false),
                ([0x2A, flags] + bigEndian(UInt32(0)) + [0] + bigEndian(UInt16(1)) + [0], true),
                ([0xAA, flags] + bigEndian(UInt32(0)) + bigEndian(UInt32(1)) + [0, 0], true),
                ([0x8A, flags] + bigEndian(UInt64(0)) + bigEndian(UInt32(1)) + [0, 0], true),
            ]
            for command in commands {
                let completion = fixture.run(command.cdb, expectedLength: 512, isWrite: command.isWrite).completion
                #expect(completion == .illegalRequest(.invalidFieldInCDB), "CDB \(command.cdb)")
            }
        }
    }

    @Test func disablePageOutAndForceUnitAccessAreAccepted() throws {
        let fixture = try SCSITestFixture()
        for flags: UInt8 in [0x10, 0x08, 0x18, 0x1A] {
            let payload = self.pattern(512, seed: flags)
            let write = [0x8A, flags] + bigEndian(UInt64(3)) + bigEndian(UInt32(1)) + [0, 0]
            let written = fixture.run(write, expectedLength: 512, isWrite: true, dataOut: [ByteBuffer(bytes: payload)])
            #expect(written.completion == .good())
            let read = [0x28, flags & 0x18] + bigEndian(UInt32(3)) + [0] + bigEndian(UInt16(1)) + [0]
            #expect(fixture.run(read) == (.good(dataInLength: 512), payload))
        }
    }
}

@Suite struct WriteAndVerifyTests {
    private func writeAndVerify10(lba: UInt32, blocks: UInt16, byteCheck: UInt8 = 0, protect: UInt8 = 0) -> [UInt8] {
        [0x2E, protect << 5 | byteCheck << 1] + bigEndian(lba) + [0] + bigEndian(blocks) + [0]
    }

    @Test func writesEveryVariant() throws {
        let fixture = try SCSITestFixture()
        let commands: [[UInt8]] = [
            self.writeAndVerify10(lba: 2, blocks: 2),
            self.writeAndVerify10(lba: 2, blocks: 2, byteCheck: 1),
            [0xAE, 0x02] + bigEndian(UInt32(2)) + bigEndian(UInt32(2)) + [0, 0],
            [0x8E, 0x12] + bigEndian(UInt64(2)) + bigEndian(UInt32(2)) + [0, 0],
        ]
        for (index, command) in commands.enumerated() {
            let payload = [UInt8](repeating: UInt8(index + 1), count: 1024)
            let result = fixture.run(
                command,
                expectedLength: 1024,
                isWrite: true,
                dataOut: [ByteBuffer(bytes: payload)]
            )
            #expect(result.completion == .good())
            let read = fixture.run([0x28, 0, 0, 0, 0, 2, 0, 0, 2, 0], expectedLength: 1024)
            #expect(read.data == payload)
        }
    }

    @Test func refusesProtectionAndReservedByteCheck() throws {
        let fixture = try SCSITestFixture()
        for command in [
            self.writeAndVerify10(lba: 0, blocks: 1, protect: 1),
            self.writeAndVerify10(lba: 0, blocks: 1, byteCheck: 2),
            self.writeAndVerify10(lba: 0, blocks: 1, byteCheck: 3),
        ] {
            let completion = fixture.run(command, expectedLength: 512, isWrite: true).completion
            #expect(completion == .illegalRequest(.invalidFieldInCDB))
        }
        #expect(
            fixture.run(self.writeAndVerify10(lba: 64, blocks: 1), expectedLength: 512, isWrite: true).completion
                == .illegalRequest(.logicalBlockAddressOutOfRange)
        )
    }

    @Test func isATransferForResiduals() throws {
        let fixture = try SCSITestFixture()
        guard
            case .ready(let prepared) = fixture.prepare(
                self.writeAndVerify10(lba: 0, blocks: 2),
                expectedLength: 512,
                isWrite: true
            )
        else {
            Issue.record("WRITE AND VERIFY was not prepared")
            return
        }
        #expect(prepared.dataOutLength == 512)
        #expect(prepared.transferLength == 1024)
    }
}
