import ISCSIWire
import NIOCore
import Testing

/// `ISCSIPDUEncoder.encode(_:intoFrontOf:)`: a header written in front of its payload gives the same
/// bytes as the ordinary encoding, in one buffer.
@Suite struct ISCSIPDUEncoderFrontTests {
    private func dataIn(_ data: ByteBuffer) -> SCSIDataInPDU {
        SCSIDataInPDU(
            isFinal: true,
            residualOverflow: false,
            residualUnderflow: true,
            status: 0,
            logicalUnitNumber: 0,
            initiatorTaskTag: 7,
            statSN: 3,
            expCmdSN: 4,
            maxCmdSN: 35,
            dataSN: 0,
            bufferOffset: 0,
            residualCount: 512,
            data: data
        )
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [4096, 4093, 1])
    func matchesTheOrdinaryEncoding(digests: (header: Bool, data: Bool), length: Int) {
        let encoder = ISCSIPDUEncoder(headerDigest: digests.header, dataDigest: digests.data)
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var expected = ByteBuffer()
        encoder.encode(self.dataIn(ByteBuffer(bytes: bytes)).makePDU(), into: &expected)

        var payload = encoder.payloadBuffer(capacity: length, allocator: ByteBufferAllocator())
        payload.writeBytes(bytes)
        let headerOnly = self.dataIn(ByteBuffer()).makePDU()
        #expect(encoder.encode(headerOnly, intoFrontOf: &payload))
        #expect(payload == expected)
    }

    @Test func refusesAPayloadWithoutRoomInFront() {
        let encoder = ISCSIPDUEncoder()
        var payload = ByteBuffer(bytes: [1, 2, 3, 4])
        #expect(!encoder.encode(self.dataIn(ByteBuffer()).makePDU(), intoFrontOf: &payload))
        #expect(payload == ByteBuffer(bytes: [1, 2, 3, 4]))
    }
}
