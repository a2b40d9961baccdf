import BlockDevice
import FoundationEssentials
import NIOCore
import Testing

@testable import SCSI

@Suite struct ReportSupportedOperationCodesTests {
    private func report(options: UInt8, opcode: UInt8 = 0, serviceAction: UInt16 = 0, rctd: Bool = false) -> [UInt8] {
        [0xA3, 0x0C, (rctd ? 0x80 : 0) | options, opcode] + bigEndian(serviceAction) + bigEndian(UInt32(65535))
            + [0, 0]
    }

    /// The all-commands descriptors: (operation code, service action, SERVACTV, CTDP, CDB length).
    private func descriptors(_ data: [UInt8], timeouts: Bool) -> [(UInt8, UInt16, Bool, Bool, Int)] {
        var result: [(UInt8, UInt16, Bool, Bool, Int)] = []
        var offset = 4
        while offset < data.count {
            let serviceAction = UInt16(data[offset + 2]) << 8 | UInt16(data[offset + 3])
            let length = Int(data[offset + 6]) << 8 | Int(data[offset + 7])
            result.append((data[offset], serviceAction, data[offset + 5] & 1 != 0, data[offset + 5] & 2 != 0, length))
            offset += timeouts ? 20 : 8
        }
        return result
    }

    @Test func allCommandsListsTheTable() throws {
        let fixture = try SCSITestFixture()
        let (completion, data) = fixture.run(self.report(options: 0))
        #expect(completion.status == .good)
        let length = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
        #expect(length == data.count - 4)
        let listed = self.descriptors(data, timeouts: false)
        #expect(listed.count == SCSICommandTable.commands.count)
        for (descriptor, row) in zip(listed, SCSICommandTable.commands) {
            #expect(descriptor.0 == row.operationCode)
            #expect(descriptor.1 == (row.serviceAction ?? 0))
            #expect(descriptor.2 == (row.serviceAction != nil))
            #expect(!descriptor.3)
            #expect(descriptor.4 == row.usage.count)
        }
    }

    @Test func timeoutsDescriptorsWithRCTD() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.report(options: 0, rctd: true)).data
        let listed = self.descriptors(data, timeouts: true)
        #expect(listed.count == SCSICommandTable.commands.count)
        #expect(listed.allSatisfy { $0.3 })
        #expect(Array(data[12..<14]) == [0x00, 0x0A])
    }

    /// The table cannot lie: every row is decoded by the dispatcher, and an operation code outside it is refused.
    @Test func everyRowIsDispatched() throws {
        for row in SCSICommandTable.commands {
            var cdb = [UInt8](repeating: 0, count: row.usage.count)
            cdb[0] = row.operationCode
            if let serviceAction = row.serviceAction {
                cdb[1] = UInt8(serviceAction)
            }
            do {
                _ = try SCSIOperation(CDB(cdb))
            } catch {
                #expect(error.sense.code != .invalidCommandOperationCode, "\(row.name) is listed but not decoded")
            }
        }
        #expect(throws: SCSICheckCondition.invalidFieldInCDB) { try SCSIOperation(CDB([0xA3, 0x1F])) }
        #expect(throws: SCSICheckCondition.invalidCommandOperationCode) { try SCSIOperation(CDB([0x4D])) }
    }

    @Test func oneCommandWithUsageData() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.report(options: 1, opcode: 0x28)).data
        #expect(data == [0, 0x03, 0, 10, 0x28, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0])
        let withTimeouts = fixture.run(self.report(options: 1, opcode: 0x28, rctd: true)).data
        #expect(withTimeouts.count == 4 + 10 + 12)
        #expect(withTimeouts[1] == 0x83)
    }

    @Test func oneServiceAction() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.report(options: 2, opcode: 0x9E, serviceAction: 0x12)).data
        #expect(Array(data[0..<6]) == [0, 0x03, 0, 16, 0x9E, 0x12])
        let missing = fixture.run(self.report(options: 2, opcode: 0x9E, serviceAction: 0x11)).data
        #expect(missing == [0, 0x01, 0, 0])
    }

    @Test func unsupportedOperationCode() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.report(options: 1, opcode: 0x4D)).data == [0, 0x01, 0, 0])
    }

    @Test func formatMustMatchServiceActions() throws {
        let fixture = try SCSITestFixture()
        // INVALID FIELD IN CDB pointing at REPORTING OPTIONS (SKSV, C/D, BPV, bit 2; byte 2).
        let reportingOptions = SenseData(
            key: .illegalRequest,
            code: .invalidFieldInCDB,
            fieldPointer: .init(isInCDB: true, byte: 2, bit: 2)
        )
        for (options, opcode) in [(1, 0x9E), (2, 0x28), (5, 0x00)] as [(UInt8, UInt8)] {
            let completion = fixture.run(self.report(options: options, opcode: opcode)).completion
            #expect(completion == .checkCondition(reportingOptions), "options \(options), opcode \(opcode)")
        }
        #expect(Array(reportingOptions.bytes[15..<18]) == [0xCA, 0x00, 0x02])
    }

    @Test func taskManagementFunctions() throws {
        let fixture = try SCSITestFixture()
        let cdb: (Bool) -> [UInt8] = { [0xA3, 0x0D, $0 ? 0x80 : 0, 0, 0, 0] + bigEndian(UInt32(16)) + [0, 0] }
        #expect(fixture.run(cdb(false)).data == [0xDE, 0x02, 0, 0])
        let extended = fixture.run(cdb(true)).data
        #expect(extended.count == 16)
        #expect(Array(extended[0..<4]) == [0xDE, 0x02, 0, 0x0C])
    }
}

@Suite struct GetLBAStatusTests {
    private func getLBAStatus(_ lba: UInt64, length: UInt32 = 24) -> [UInt8] {
        [0x9E, 0x12] + bigEndian(lba) + bigEndian(length) + [0, 0]
    }

    /// (lba, blocks, provisioning status) of each descriptor.
    private func descriptors(_ data: [UInt8]) -> [(UInt64, UInt32, UInt8)] {
        stride(from: 8, to: data.count, by: 16).map { offset in
            let lba = data[offset..<(offset + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let blocks = data[(offset + 8)..<(offset + 12)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return (lba, blocks, data[offset + 12])
        }
    }

    @Test func freshMallocIsDeallocated() throws {
        let fixture = try SCSITestFixture()
        let data = fixture.run(self.getLBAStatus(0)).data
        #expect(Array(data[0..<4]) == bigEndian(UInt32(20)))
        #expect(self.descriptors(data).map { [$0.0, UInt64($0.1), UInt64($0.2)] } == [[0, 64, 1]])
    }

    @Test func writesMapAndUnmapDeallocates() throws {
        let fixture = try SCSITestFixture()
        let data = ByteBuffer(repeating: 0x41, count: 8 * 512)
        _ = fixture.run([0x2A, 0, 0, 0, 0, 4, 0, 0, 8, 0], expectedLength: 8 * 512, isWrite: true, dataOut: [data])
        let unmap =
            bigEndian(UInt16(22)) + bigEndian(UInt16(16)) + [0, 0, 0, 0] + bigEndian(UInt64(6))
            + bigEndian(UInt32(1)) + [0, 0, 0, 0]
        let unmapped = fixture.run(
            [0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0],
            expectedLength: 24,
            isWrite: true,
            dataOut: [ByteBuffer(bytes: unmap)]
        )
        #expect(unmapped.completion == .good())
        let status = self.descriptors(fixture.run(self.getLBAStatus(0, length: 1024)).data)
        #expect(
            status.map { [$0.0, UInt64($0.1), UInt64($0.2)] } == [
                [0, 4, 1], [4, 2, 0], [6, 1, 1], [7, 5, 0], [12, 52, 1],
            ]
        )
        // The allocation length limits the descriptors.
        #expect(self.descriptors(fixture.run(self.getLBAStatus(5, length: 40)).data).count == 2)
        #expect(fixture.run(self.getLBAStatus(6, length: 24)).data[20] == 1)
    }

    @Test func beyondTheEndIsOutOfRange() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.getLBAStatus(64)).completion == .illegalRequest(.logicalBlockAddressOutOfRange))
        #expect(fixture.run(self.getLBAStatus(.max)).completion == .illegalRequest(.logicalBlockAddressOutOfRange))
        #expect(fixture.run(self.getLBAStatus(63)).completion.status == .good)
    }

    @Test func deviceWithoutTrackingReportsMapped() throws {
        let device = try NullBlockDevice(.init(name: "Null0", blockCount: 8, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        let status = self.descriptors(fixture.run(self.getLBAStatus(2)).data)
        #expect(status.map { [$0.0, UInt64($0.1), UInt64($0.2)] } == [[2, 6, 0]])
    }
}

@Suite struct ReadDefectDataTests {
    @Test func emptyListsInTheAskedFormat() throws {
        let fixture = try SCSITestFixture()
        let ten = fixture.run([0x37, 0, 0x18 | 0x05, 0, 0, 0, 0, 0, 32, 0])
        #expect(ten.completion == .good(dataInLength: 4))
        #expect(ten.data == [0, 0x1D, 0, 0])
        let twelve = fixture.run([0xB7, 0x08 | 0x04, 0, 0, 0, 0] + bigEndian(UInt32(32)) + [0, 0]).data
        #expect(twelve == [0, 0x0C, 0, 0, 0, 0, 0, 0])
    }
}

/// A Malloc device that says it is read-only.
final class ReadOnlyMallocDevice: BlockDevice {
    let base: MallocBlockDevice

    init() throws {
        self.base = try MallocBlockDevice(.init(name: "ReadOnly0", blockCount: 64, blockSize: 512))
    }

    var isReadOnly: Bool { true }
    var name: String { self.base.name }
    var productName: String { self.base.productName }
    var uuid: UUID { self.base.uuid }
    var blockSize: UInt32 { self.base.blockSize }
    var blockCount: UInt64 { self.base.blockCount }
    var physicalBlockSize: UInt32 { self.base.physicalBlockSize }
    var optimalIOBoundary: UInt32 { 0 }
    var supportedIOTypes: BlockIOTypes { self.base.supportedIOTypes }
    var writeCacheEnabled: Bool { true }

    func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        self.base.read(lba: lba, blocks: blocks, into: &buffer)
    }
    func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus { .failed(.ioError) }
    func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus { .failed(.ioError) }
    func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus { .failed(.ioError) }
    func flush() -> BlockIOStatus { .success }
}

@Suite struct ReadOnlyLogicalUnitTests {
    static let writeProtected = SCSICompletion.checkCondition(SenseData(key: .dataProtect, code: .writeProtected))

    @Test func writeCommandsAreWriteProtected() throws {
        let fixture = try SCSITestFixture(blockDevice: ReadOnlyMallocDevice())
        let block = [ByteBuffer(repeating: 1, count: 512)]
        let writes: [[UInt8]] = [
            [0x0A, 0, 0, 0, 1, 0],
            [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            [0xAA, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
            [0x8A, 0] + bigEndian(UInt64(0)) + bigEndian(UInt32(1)) + [0, 0],
            [0x41, 0x08, 0, 0, 0, 0, 0, 0, 1, 0],
            [0x93, 0] + bigEndian(UInt64(0)) + bigEndian(UInt32(1)) + [0, 0],
            [0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0],
            [0x89, 0] + bigEndian(UInt64(0)) + [0, 0, 0, 1, 0, 0],
            [0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0],
        ]
        for cdb in writes {
            #expect(
                fixture.run(cdb, expectedLength: 1024, isWrite: true, dataOut: block).completion == Self.writeProtected
            )
        }
        #expect(fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], expectedLength: 512).completion.status == .good)
    }

    @Test func modeSenseReportsWriteProtect() throws {
        let fixture = try SCSITestFixture(blockDevice: ReadOnlyMallocDevice())
        #expect(fixture.run([0x1A, 0x08, 0x3F, 0, 255, 0]).data[2] == 0x90)
        #expect(fixture.run([0x5A, 0x08, 0x3F, 0, 0, 0, 0, 0x01, 0, 0]).data[3] == 0x90)
    }
}

@Suite struct SanitizeTests {
    private func sanitize(_ serviceAction: UInt8, length: UInt16) -> [UInt8] {
        [0x48, serviceAction, 0, 0, 0, 0, 0] + bigEndian(length) + [0]
    }

    @Test func overwriteRepeatsThePattern() throws {
        let fixture = try SCSITestFixture()
        let parameters: [UInt8] = [0x01, 0, 0, 4, 0xDE, 0xAD, 0xBE, 0xEF]
        let result = fixture.run(
            self.sanitize(0x01, length: 8),
            expectedLength: 8,
            isWrite: true,
            dataOut: [ByteBuffer(bytes: parameters)]
        )
        #expect(result.completion == .good())
        let data = fixture.run([0x28, 0, 0, 0, 0, 63, 0, 0, 1, 0], expectedLength: 512).data
        #expect(data == [UInt8]((0..<128).flatMap { _ in [0xDE, 0xAD, 0xBE, 0xEF] }))
    }

    @Test func overwriteParameterErrors() throws {
        let fixture = try SCSITestFixture()
        for length in [0, 1, 4, 517] as [UInt16] {
            #expect(
                fixture.run(self.sanitize(0x01, length: length), expectedLength: 1024, isWrite: true).completion
                    == .illegalRequest(.invalidFieldInCDB)
            )
        }
        let invalidLists: [[UInt8]] = [
            [0x00, 0, 0, 4, 1, 2, 3, 4],  // OVERWRITE COUNT 0
            [0x01, 0, 0, 0, 1, 2, 3, 4],  // pattern length 0
            [0x01, 0, 0, 5, 1, 2, 3, 4],  // pattern length past the list
        ]
        for list in invalidLists {
            let result = fixture.run(
                self.sanitize(0x01, length: 8),
                expectedLength: 8,
                isWrite: true,
                dataOut: [ByteBuffer(bytes: list)]
            )
            #expect(result.completion == .illegalRequest(.invalidFieldInCDB))
        }
    }

    @Test func blockEraseDeallocatesEverything() throws {
        let fixture = try SCSITestFixture()
        let data = ByteBuffer(repeating: 0x61, count: 64 * 512)
        _ = fixture.run([0x2A, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512, isWrite: true, dataOut: [data])
        #expect(fixture.run(self.sanitize(0x02, length: 0)).completion == .good())
        let read = fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0], expectedLength: 64 * 512).data
        #expect(read.allSatisfy { $0 == 0 })
        let status = fixture.run([0x9E, 0x12] + bigEndian(UInt64(0)) + bigEndian(UInt32(24)) + [0, 0]).data
        #expect(Array(status[8..<21]) == bigEndian(UInt64(0)) + bigEndian(UInt32(64)) + [1])
        #expect(fixture.run(self.sanitize(0x02, length: 8)).completion == .illegalRequest(.invalidFieldInCDB))
    }

    @Test func exitFailureModeAndCryptoErase() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.run(self.sanitize(0x1F, length: 0)).completion == .good())
        #expect(fixture.run(self.sanitize(0x03, length: 0)).completion == .illegalRequest(.invalidFieldInCDB))
        // Reserved bits and bytes.
        #expect(fixture.run(self.sanitize(0x42, length: 0)).completion == .illegalRequest(.invalidFieldInCDB))
        var reserved = self.sanitize(0x02, length: 0)
        reserved[4] = 4
        #expect(fixture.run(reserved).completion == .illegalRequest(.invalidFieldInCDB))
    }
}
