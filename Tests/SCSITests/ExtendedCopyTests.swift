import BlockDevice
import NIOCore
import Testing

@testable import SCSI

@Suite struct ExtendedCopyTests {
    /// A target with Malloc0 (64 blocks) at LUN 0 and Malloc1 (32 blocks) at LUN 1.
    private func makeFixture() throws -> SCSITestFixture {
        let fixture = try SCSITestFixture()
        let second = try MallocBlockDevice(.init(name: "Malloc1", blockCount: 32, blockSize: 512))
        fixture.device.add(LogicalUnit(id: 1, blockDevice: second))
        return fixture
    }

    /// An identification target descriptor naming `name`'s NAA designator.
    private func target(_ name: String, type: UInt8 = 0xE4, blockLength: UInt32 = 512) -> [UInt8] {
        let naa = VitalProductData.naaIdentifier(of: name)
        var descriptor = [type, 0, 0, 0, 0x01, 0x03, 0, 8] + bigEndian(naa)
        descriptor += [UInt8](repeating: 0, count: 12)
        descriptor += [0] + Array(bigEndian(blockLength)[1...])
        return descriptor
    }

    private func segment(source: UInt16, destination: UInt16, blocks: UInt16, from: UInt64, to: UInt64) -> [UInt8] {
        [0x02, 0, 0, 0x18] + bigEndian(source) + bigEndian(destination) + [0, 0] + bigEndian(blocks)
            + bigEndian(from) + bigEndian(to)
    }

    private func parameters(listID: UInt8 = 1, usage: UInt8 = 0, targets: [[UInt8]], segments: [[UInt8]]) -> [UInt8] {
        let targetBytes = targets.flatMap { $0 }
        let segmentBytes = segments.flatMap { $0 }
        return [listID, usage << 3] + bigEndian(UInt16(targetBytes.count)) + [0, 0, 0, 0]
            + bigEndian(UInt32(segmentBytes.count)) + [0, 0, 0, 0] + targetBytes + segmentBytes
    }

    private func extendedCopy(_ fixture: SCSITestFixture, _ parameters: [UInt8], lun: UInt16 = 0) -> SCSICompletion {
        fixture.run(
            [0x83, 0] + [UInt8](repeating: 0, count: 8) + bigEndian(UInt32(parameters.count)) + [0, 0],
            lun: lun,
            expectedLength: UInt32(parameters.count),
            isWrite: true,
            dataOut: [ByteBuffer(bytes: parameters)]
        ).completion
    }

    private func write(_ fixture: SCSITestFixture, lun: UInt16 = 0, lba: UInt8, blocks: UInt8, byte: UInt8) {
        let data = ByteBuffer(repeating: byte, count: Int(blocks) * 512)
        _ = fixture.run(
            [0x2A, 0, 0, 0, 0, lba, 0, 0, blocks, 0],
            lun: lun,
            expectedLength: UInt32(blocks) * 512,
            isWrite: true,
            dataOut: [data]
        )
    }

    private func read(_ fixture: SCSITestFixture, lun: UInt16 = 0, lba: UInt8, blocks: UInt8) -> [UInt8] {
        fixture.run([0x28, 0, 0, 0, 0, lba, 0, 0, blocks, 0], lun: lun, expectedLength: UInt32(blocks) * 512).data
    }

    @Test func copiesWithinALogicalUnit() throws {
        let fixture = try self.makeFixture()
        self.write(fixture, lba: 0, blocks: 8, byte: 0x41)
        let list = self.parameters(
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 8, from: 0, to: 56)]
        )
        #expect(self.extendedCopy(fixture, list) == .good())
        #expect(self.read(fixture, lba: 56, blocks: 8).allSatisfy { $0 == 0x41 })
    }

    @Test func overlappingCopyMovesTheOriginalData() throws {
        let fixture = try self.makeFixture()
        for block in 0..<8 as Range<UInt8> {
            self.write(fixture, lba: block, blocks: 1, byte: block + 1)
        }
        let list = self.parameters(
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 8, from: 0, to: 2)]
        )
        #expect(self.extendedCopy(fixture, list) == .good())
        let copied = self.read(fixture, lba: 2, blocks: 8)
        #expect((0..<8).map { copied[$0 * 512] } == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func copiesAcrossLogicalUnits() throws {
        let fixture = try self.makeFixture()
        self.write(fixture, lba: 4, blocks: 4, byte: 0x5A)
        let list = self.parameters(
            targets: [self.target("Malloc0"), self.target("Malloc1")],
            segments: [self.segment(source: 0, destination: 1, blocks: 4, from: 4, to: 28)]
        )
        #expect(self.extendedCopy(fixture, list, lun: 1) == .good())
        #expect(self.read(fixture, lun: 1, lba: 28, blocks: 4).allSatisfy { $0 == 0x5A })
    }

    @Test func copiesBetweenBlockSizes() throws {
        let fixture = try self.makeFixture()
        let large = try MallocBlockDevice(.init(name: "Malloc4K", blockCount: 8, blockSize: 4096))
        fixture.device.add(LogicalUnit(id: 2, blockDevice: large))
        for block in 0..<8 as Range<UInt8> {
            self.write(fixture, lba: 16 + block, blocks: 1, byte: block + 1)
        }
        // 8 source blocks of 512 bytes (DC 0) fill destination block 3 of 4096 bytes.
        let list = self.parameters(
            targets: [self.target("Malloc0"), self.target("Malloc4K", blockLength: 4096)],
            segments: [self.segment(source: 0, destination: 1, blocks: 8, from: 16, to: 3)]
        )
        #expect(self.extendedCopy(fixture, list, lun: 2) == .good())
        let copied = fixture.run([0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0], lun: 2, expectedLength: 4096).data
        #expect((0..<8).map { copied[$0 * 512] } == [1, 2, 3, 4, 5, 6, 7, 8])
        // 3 source blocks are not a whole destination block.
        let partial = self.parameters(
            targets: [self.target("Malloc0"), self.target("Malloc4K", blockLength: 4096)],
            segments: [self.segment(source: 0, destination: 1, blocks: 3, from: 16, to: 3)]
        )
        #expect(self.extendedCopy(fixture, partial, lun: 2) == .illegalRequest(.invalidFieldInParameterList))
    }

    @Test func writeProtectedDestination() throws {
        let fixture = try self.makeFixture()
        fixture.device.logicalUnit(id: 1)?.isSoftwareWriteProtected = true
        let list = self.parameters(
            targets: [self.target("Malloc0"), self.target("Malloc1")],
            segments: [self.segment(source: 0, destination: 1, blocks: 1, from: 0, to: 0)]
        )
        #expect(
            self.extendedCopy(fixture, list)
                == .checkCondition(SenseData(key: .dataProtect, code: .softwareWriteProtected))
        )
    }

    @Test func emptyParameterListDoesNothing() throws {
        let fixture = try self.makeFixture()
        #expect(fixture.run([0x83, 0] + [UInt8](repeating: 0, count: 14)).completion == .good())
    }

    @Test func truncatedListIsALengthError() throws {
        let fixture = try self.makeFixture()
        let list = self.parameters(
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 1)]
        )
        #expect(self.extendedCopy(fixture, Array(list.dropLast())) == .illegalRequest(.parameterListLengthError))
        #expect(self.extendedCopy(fixture, Array(list.prefix(47))) == .illegalRequest(.parameterListLengthError))
    }

    @Test func descriptorLimits() throws {
        let fixture = try self.makeFixture()
        let copy = self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 1)
        let tooManyTargets = self.parameters(
            targets: Array(repeating: self.target("Malloc0"), count: CopyManagerLimits.maximumTargetDescriptors + 1),
            segments: [copy]
        )
        #expect(self.extendedCopy(fixture, tooManyTargets) == .illegalRequest(.tooManyTargetDescriptors))
        let tooManySegments = self.parameters(
            targets: [self.target("Malloc0")],
            segments: Array(repeating: copy, count: CopyManagerLimits.maximumSegmentDescriptors + 1)
        )
        #expect(self.extendedCopy(fixture, tooManySegments) == .illegalRequest(.tooManySegmentDescriptors))
        let tooLong = self.parameters(
            targets: Array(repeating: self.target("Malloc0"), count: CopyManagerLimits.maximumTargetDescriptors + 1),
            segments: Array(repeating: copy, count: CopyManagerLimits.maximumSegmentDescriptors + 1)
        )
        #expect(self.extendedCopy(fixture, tooLong) == .illegalRequest(.parameterListLengthError))
    }

    @Test func unsupportedDescriptorTypes() throws {
        let fixture = try self.makeFixture()
        let copy = self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 1)
        let fibreChannel = self.parameters(targets: [self.target("Malloc0", type: 0xE0)], segments: [copy])
        #expect(self.extendedCopy(fixture, fibreChannel) == .illegalRequest(.unsupportedTargetDescriptorTypeCode))
        let stream = [0x03, 0, 0, 0x10] + [UInt8](repeating: 0, count: 16)
        let streamCopy = self.parameters(targets: [self.target("Malloc0")], segments: [stream])
        #expect(self.extendedCopy(fixture, streamCopy) == .illegalRequest(.unsupportedSegmentDescriptorTypeCode))
    }

    @Test func unreachableTargetsAbortTheCopy() throws {
        let fixture = try self.makeFixture()
        let badIndex = self.parameters(
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 1, blocks: 1, from: 0, to: 1)]
        )
        #expect(
            self.extendedCopy(fixture, badIndex)
                == .checkCondition(SenseData(key: .copyAborted, code: .copyTargetDeviceNotReachable))
        )
        let unknown = self.parameters(
            targets: [self.target("Malloc9")],
            segments: [self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 1)]
        )
        #expect(
            self.extendedCopy(fixture, unknown)
                == .checkCondition(SenseData(key: .copyAborted, code: .unreachableCopyTarget))
        )
        let beyondEnd = self.parameters(
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 2, from: 0, to: 63)]
        )
        #expect(
            self.extendedCopy(fixture, beyondEnd)
                == .checkCondition(SenseData(key: .copyAborted, code: .noAdditionalSenseInformation))
        )
        let wrongBlockLength = self.parameters(
            targets: [self.target("Malloc0", blockLength: 4096)],
            segments: [self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 1)]
        )
        #expect(
            self.extendedCopy(fixture, wrongBlockLength)
                == .checkCondition(SenseData(key: .copyAborted, code: .incorrectCopyTargetDeviceType))
        )
    }

    @Test func copyStatusIsHeldPerListIdentifier() throws {
        let fixture = try self.makeFixture()
        let status: (UInt8) -> [UInt8] = {
            [0x84, 0x00, $0] + [UInt8](repeating: 0, count: 7) + bigEndian(UInt32(1024)) + [0, 0]
        }
        #expect(fixture.run(status(7)).completion == .illegalRequest(.invalidFieldInCDB))
        let list = self.parameters(
            listID: 7,
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 3, from: 0, to: 8)]
        )
        #expect(self.extendedCopy(fixture, list) == .good())
        #expect(fixture.run(status(7)).data == [0, 0, 0, 8, 0x01, 0, 1, 0] + bigEndian(UInt32(3 * 512)))
        // LIST ID USAGE 10b holds nothing.
        let discarded = self.parameters(
            listID: 9,
            usage: 0b10,
            targets: [self.target("Malloc0")],
            segments: [self.segment(source: 0, destination: 0, blocks: 1, from: 0, to: 8)]
        )
        #expect(self.extendedCopy(fixture, discarded) == .good())
        #expect(fixture.run(status(9)).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func operatingParameters() throws {
        let fixture = try self.makeFixture()
        let data = fixture.run([0x84, 0x03] + [UInt8](repeating: 0, count: 8) + bigEndian(UInt32(1024)) + [0, 0]).data
        #expect(data.count == 46)
        #expect(Array(data[0..<4]) == bigEndian(UInt32(42)))
        #expect(Array(data[8..<12]) == bigEndian(UInt16(4)) + bigEndian(UInt16(8)))
        #expect(Array(data[12..<16]) == bigEndian(UInt32(4 * 32 + 8 * 28)))
        #expect(Array(data[43..<46]) == [2, 0x02, 0xE4])
    }

    @Test func thirdPartyCopyPage() throws {
        let fixture = try self.makeFixture()
        let page = fixture.run([0x12, 0x01, 0x8F, 0x04, 0x00, 0]).data
        #expect(Array(page[0..<4]) == [0, 0x8F, 0, UInt8(page.count - 4)])
        // Supported Commands: EXTENDED COPY (LID1) and RECEIVE COPY RESULTS with its two service actions.
        #expect(page.count == 4 + 12 + 32 + 8)
        #expect(Array(page[4..<8]) == [0x00, 0x01, 0x00, 0x08])
        #expect(Array(page[8..<16]) == [7, 0x83, 1, 0x00, 0x84, 2, 0x00, 0x03])
        // Parameter Data: the descriptor limits.
        #expect(Array(page[16..<20]) == [0x00, 0x08, 0x00, 0x1C])
        #expect(Array(page[22..<26]) == bigEndian(UInt16(4)) + bigEndian(UInt16(8)))
        // Supported Descriptors: block-to-block segments, identification target descriptors.
        #expect(Array(page[48..<55]) == [0x80, 0x01, 0x00, 0x04, 2, 0x02, 0xE4])
    }
}
