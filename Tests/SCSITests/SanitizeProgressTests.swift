import BlockDevice
import NIOCore
import Testing

@testable import SCSI

/// SANITIZE in progress (SBC-3 §4.11): the chunked erase, what other commands get meanwhile, IMMED.
@Suite struct SanitizeProgressTests {
    static let testUnitReady: [UInt8] = [0, 0, 0, 0, 0, 0]

    static func sanitize(_ serviceAction: UInt8, immediate: Bool, length: UInt16 = 0) -> [UInt8] {
        [0x48, serviceAction | (immediate ? 0x80 : 0), 0, 0, 0, 0, 0] + bigEndian(length) + [0]
    }

    @Test func eraseGoesChunkByChunkAndCountsProgress() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 4096, blockSize: 512))
        _ = device.write(lba: 0, data: ByteBuffer(repeating: 0x61, count: 4096 * 512))
        var erase = SanitizeErase(.overwrite(pattern: [0xA5]), on: device)
        #expect(erase.blocksPerChunk == 2048 && erase.progressIndication == 0 && !erase.isFinished)
        #expect(erase.eraseNextChunk(on: device) == .success)
        #expect(erase.progressIndication == 32768 && !erase.isFinished)
        #expect(erase.eraseNextChunk(on: device) == .success)
        #expect(erase.progressIndication == UInt16.max && erase.isFinished)
        var read = ByteBuffer()
        #expect(device.read(lba: 4095, blocks: 1, into: &read) == .success)
        #expect(read.readableBytesView.allSatisfy { $0 == 0xA5 })
        // Deallocation moves no data: one chunk covers this whole device.
        #expect(SanitizeErase(.blockErase(unmaps: true), on: device).blocksPerChunk == 131072)
    }

    @Test func commandsAnswerSanitizeInProgressExceptInquiryReportLUNsAndRequestSense() throws {
        let fixture = try SCSITestFixture()
        #expect(fixture.logicalUnit.beginSanitize())
        #expect(!fixture.logicalUnit.beginSanitize())
        fixture.logicalUnit.sanitizeProgress.store(0x4000, ordering: .releasing)
        let notReady = fixture.run(Self.testUnitReady).completion
        #expect(notReady.status == .checkCondition)
        let sense = notReady.sense?.bytes ?? []
        #expect(sense[2] == 0x02 && sense[12] == 0x04 && sense[13] == 0x1B)
        #expect(Array(sense[15...17]) == [0x80, 0x40, 0x00])
        #expect(fixture.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], expectedLength: 512).completion == notReady)
        #expect(fixture.run(Self.sanitize(0x02, immediate: true)).completion == notReady)
        #expect(fixture.run([0x12, 0, 0, 0, 96, 0]).completion.status == .good)
        #expect(fixture.run([0xA0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]).completion.status == .good)
        let requestSense = fixture.run([0x03, 0, 0, 0, 18, 0])
        #expect(requestSense.completion.status == .good && requestSense.data == sense)
        fixture.logicalUnit.endSanitize()
        #expect(fixture.run(Self.testUnitReady).completion == .good())
        #expect(fixture.run([0x03, 0, 0, 0, 18, 0]).data[12] == 0)
    }

    @Test func immediateSanitizeCompletesAtOnceAndErasesInTheBackground() async throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 65536, blockSize: 512))
        let fixture = try SCSITestFixture(blockDevice: device)
        let data = ByteBuffer(repeating: 0x61, count: 8 * 512)
        _ = fixture.run(
            [0x2A, 0, 0, 0, 0xFF, 0xF8, 0, 0, 8, 0],
            expectedLength: 8 * 512,
            isWrite: true,
            dataOut: [data]
        )
        let parameters = ByteBuffer(bytes: [0x01, 0, 0, 1, 0x3C])
        let sanitize = fixture.run(
            Self.sanitize(0x01, immediate: true, length: 5),
            expectedLength: 5,
            isWrite: true,
            dataOut: [parameters]
        )
        #expect(sanitize.completion == .good())
        var waited = 0
        while fixture.logicalUnit.sanitizeInProgress != nil && waited < 1000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(fixture.logicalUnit.sanitizeInProgress == nil)
        #expect(fixture.run(Self.testUnitReady).completion == .good())
        let read = fixture.run([0x28, 0, 0, 0, 0xFF, 0xF8, 0, 0, 8, 0], expectedLength: 8 * 512).data
        #expect(read.count == 8 * 512 && read.allSatisfy { $0 == 0x3C })
    }
}
