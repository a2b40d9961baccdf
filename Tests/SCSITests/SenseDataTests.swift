import NIOCore
import SCSI
import Testing

@Suite struct SenseDataTests {
    @Test func fixedFormat() {
        let sense = SenseData.illegalRequest(.logicalBlockAddressOutOfRange)
        #expect(sense.bytes == [0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0x00, 0, 0, 0, 0])
    }

    @Test func informationSetsValid() {
        let sense = SenseData(key: .mediumError, code: .unrecoveredReadError, information: 0x0102_0304)
        #expect(Array(sense.bytes[0..<8]) == [0xF0, 0, 0x03, 0x01, 0x02, 0x03, 0x04, 10])
        #expect(sense.bytes[12] == 0x11)
    }

    @Test func iSCSISegmentHasLengthPrefix() {
        var buffer = ByteBuffer()
        let written = SenseData(key: .unitAttention, code: .capacityDataHasChanged).writeISCSISenseSegment(to: &buffer)
        #expect(written == 20)
        #expect(buffer.readInteger(as: UInt16.self) == 18)
        #expect(buffer.readBytes(length: 18)?[12...13] == [0x2A, 0x09])
    }

    @Test func statusDescription() {
        #expect(SCSIStatus.checkCondition.rawValue == 2)
        #expect("\(SCSIStatus.good)" == "GOOD")
    }
}
