import ISCSIWire
import NIOCore
import Testing

@testable import ISCSITarget

@Suite struct ConnectionDataInSequenceTests {
    private func drain(_ sequence: inout DataInSequence) -> [SCSIDataInPDU] {
        var pdus: [SCSIDataInPDU] = []
        while let pdu = sequence.nextPDU(statSN: 77, expCmdSN: 5, maxCmdSN: 68) {
            pdus.append(pdu)
        }
        return pdus
    }

    @Test func splitsByMaxRecvDataSegmentLengthWithStatusInTheLastPDU() {
        let data = ByteBuffer(bytes: (0..<10_000).map { UInt8(truncatingIfNeeded: $0) })
        var sequence = DataInSequence(
            initiatorTaskTag: 9,
            logicalUnitNumber: 0,
            data: data,
            maxSegmentLength: 4096,
            finalStatus: .init(status: 0, residual: SCSIResidual(expected: 12_288, actual: 10_000))
        )
        let pdus = self.drain(&sequence)
        #expect(pdus.map(\.data.readableBytes) == [4096, 4096, 1808])
        #expect(pdus.map(\.bufferOffset) == [0, 4096, 8192])
        #expect(pdus.map(\.dataSN) == [0, 1, 2])
        #expect(pdus.map(\.isFinal) == [false, false, true])
        #expect(pdus.map(\.status) == [nil, nil, 0])
        #expect(pdus[2].statSN == 77 && pdus[0].statSN == 0)
        #expect(pdus[2].residualUnderflow && pdus[2].residualCount == 2288)
        #expect(!pdus[0].residualUnderflow)
        var joined = ByteBuffer()
        for pdu in pdus {
            joined.writeImmutableBuffer(pdu.data)
        }
        #expect(joined == data)
        #expect(sequence.nextDataSN == 3)
    }

    @Test func withoutFinalStatusTheResponseFollows() {
        var sequence = DataInSequence(
            initiatorTaskTag: 9,
            logicalUnitNumber: 0,
            data: ByteBuffer(string: "abc"),
            maxSegmentLength: 8192,
            finalStatus: nil
        )
        let pdus = self.drain(&sequence)
        #expect(pdus.count == 1)
        #expect(pdus[0].isFinal && pdus[0].status == nil)
    }

    @Test func emptyDataGivesNoPDU() {
        var sequence = DataInSequence(
            initiatorTaskTag: 9,
            logicalUnitNumber: 0,
            data: ByteBuffer(),
            maxSegmentLength: 8192,
            finalStatus: .init(status: 0, residual: .none)
        )
        #expect(self.drain(&sequence).isEmpty)
    }

    @Test func residuals() {
        #expect(SCSIResidual(expected: 512, actual: 512) == .none)
        let under = SCSIResidual(expected: 1024, actual: 512)
        #expect(under.underflow && !under.overflow && under.count == 512)
        let over = SCSIResidual(expected: 512, actual: 4096)
        #expect(over.overflow && !over.underflow && over.count == 3584)
    }
}
