import NIOCore
import NIOTestUtils
import Testing

@testable import ISCSIWire

@Suite struct ISCSIPDUDecoderTests {
    private static let readCommandHex = """
        01 c0 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        14 00 00 00 00 00 04 00 00 00 00 14 00 00 00 18
        28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00
        """

    private func encode(_ pdus: [ISCSIPDU], encoder: ISCSIPDUEncoder = ISCSIPDUEncoder()) -> ByteBuffer {
        var buffer = ByteBuffer()
        for pdu in pdus {
            encoder.encode(pdu, into: &buffer)
        }
        return buffer
    }

    private func samplePDUs() -> [ISCSIPDU] {
        [
            NOPOutPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 1, data: ByteBuffer(string: "abcde")).makePDU(),
            TextRequestPDU(initiatorTaskTag: 2, cmdSN: 2, expStatSN: 1, data: ByteBuffer(string: "SendTargets=All\0"))
                .makePDU(),
            ISCSIPDU(header: ISCSIBasicHeaderSegment(buffer: ByteBuffer(hex: Self.readCommandHex))!),
            SCSIDataOutPDU(
                isFinal: true,
                logicalUnitNumber: 0,
                initiatorTaskTag: 3,
                targetTransferTag: 0xffff_ffff,
                expStatSN: 1,
                dataSN: 0,
                bufferOffset: 0,
                data: ByteBuffer(bytes: Array(repeating: 0x5a, count: 1027))
            ).makePDU(),
        ]
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everySplitOfTheInputDecodes(headerDigest: Bool, dataDigest: Bool) throws {
        let encoder = ISCSIPDUEncoder(headerDigest: headerDigest, dataDigest: dataDigest)
        let pdus = self.samplePDUs()
        let configuration = ISCSIPDUDecoder.Configuration(
            maxDataSegmentLength: 8192,
            headerDigest: headerDigest,
            dataDigest: dataDigest
        )
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(self.encode(pdus, encoder: encoder), pdus)],
            decoderFactory: { ISCSIPDUDecoder(configuration: configuration) }
        )
    }

    @Test func dataSegmentIsASliceOfTheInput() throws {
        var input = self.encode(self.samplePDUs())
        var decoder = ISCSIPDUDecoder()
        let pdu = try #require(try decoder.decode(buffer: &input))
        input.withVeryUnsafeBytes { inputBytes in
            pdu.dataSegment.withUnsafeReadableBytes { dataBytes in
                #expect(dataBytes.baseAddress == inputBytes.baseAddress.map { $0 + 48 })
            }
        }
    }

    @Test func paddingIsConsumedButNotExposed() throws {
        var input = self.encode(self.samplePDUs())
        var decoder = ISCSIPDUDecoder()
        let first = try #require(try decoder.decode(buffer: &input))
        #expect(first.dataSegment == ByteBuffer(string: "abcde"))
        #expect(first.header.dataSegmentLength == 5)
        let second = try #require(try decoder.decode(buffer: &input))
        #expect(second.opcode == .textRequest)
    }

    @Test func waitsForACompletePDU() throws {
        let whole = self.encode(Array(self.samplePDUs().prefix(1)))
        var decoder = ISCSIPDUDecoder()
        for length in [0, 47, 48, 52, whole.readableBytes - 1] {
            var partial = whole.getSlice(at: 0, length: length)!
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readableBytes == length)
        }
    }

    /// The header digest of the RFC 3720 Appendix B.4 READ command is 56 3a 96 d9 on the wire (the CRC 0xd9963a56, little-endian).
    @Test func headerDigestMatchesTheRFCVector() throws {
        let pdu = ISCSIPDU(header: ISCSIBasicHeaderSegment(buffer: ByteBuffer(hex: Self.readCommandHex))!)
        let encoded = self.encode([pdu], encoder: ISCSIPDUEncoder(headerDigest: true))
        #expect(encoded == ByteBuffer(hex: Self.readCommandHex + "56 3a 96 d9"))
    }

    @Test func headerDigestMismatchIsFatal() throws {
        var input = self.encode([self.samplePDUs()[0]], encoder: ISCSIPDUEncoder(headerDigest: true))
        input.setInteger(UInt8(0x99), at: 20)  // corrupt the ITT
        var decoder = ISCSIPDUDecoder(configuration: .init(maxDataSegmentLength: 8192, headerDigest: true))
        #expect {
            try decoder.decode(buffer: &input)
        } throws: { error in
            guard case ISCSIWireError.headerDigestMismatch = error else { return false }
            return true
        }
    }

    @Test func dataDigestMismatchConsumesThePDUAndDecodingContinues() throws {
        let pdus = self.samplePDUs()
        var input = self.encode(pdus, encoder: ISCSIPDUEncoder(dataDigest: true))
        input.setInteger(UInt8(ascii: "z"), at: 48)  // corrupt the first data byte
        var decoder = ISCSIPDUDecoder(configuration: .init(maxDataSegmentLength: 8192, dataDigest: true))
        #expect {
            try decoder.decode(buffer: &input)
        } throws: { error in
            guard case ISCSIWireError.dataDigestMismatch(let pdu) = error else { return false }
            return pdu.header.initiatorTaskTag == 1
        }
        let next = try #require(try decoder.decode(buffer: &input))
        #expect(next == pdus[1])
    }

    @Test func emptyDataSegmentHasNoDataDigest() throws {
        let pdu = NOPOutPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 1).makePDU()
        let encoded = self.encode([pdu], encoder: ISCSIPDUEncoder(headerDigest: true, dataDigest: true))
        #expect(encoded.readableBytes == 52)
    }

    @Test func dataSegmentLongerThanTheLimitIsRejected() throws {
        var input = self.encode(self.samplePDUs())
        var decoder = ISCSIPDUDecoder(configuration: .init(maxDataSegmentLength: 4))
        #expect {
            try decoder.decode(buffer: &input)
        } throws: { error in
            guard case ISCSIWireError.dataSegmentTooLong(length: 5, limit: 4) = error else { return false }
            return true
        }
    }

    @Test func loginConfigurationAllows8192Bytes() throws {
        #expect(ISCSIPDUDecoder().configuration.maxDataSegmentLength == 8192)
        var header = ISCSIBasicHeaderSegment(opcode: .loginRequest)
        header.dataSegmentLength = 8193
        var input = ByteBuffer()
        header.write(into: &input)
        var decoder = ISCSIPDUDecoder()
        #expect(throws: ISCSIWireError.self) { try decoder.decode(buffer: &input) }
    }

    @Test func additionalHeaderSegmentsAreSliced() throws {
        var header = ISCSIBasicHeaderSegment(opcode: .scsiCommand)
        header.totalAHSLength = 8
        var input = ByteBuffer()
        header.write(into: &input)
        input.writeImmutableBuffer(ByteBuffer(hex: "00 05 02 00 00 00 10 00"))
        var decoder = ISCSIPDUDecoder()
        let pdu = try #require(try decoder.decode(buffer: &input))
        #expect(pdu.additionalHeaderSegments == ByteBuffer(hex: "00 05 02 00 00 00 10 00"))
        #expect(try SCSICommandPDU(pdu).expectedBidirectionalReadDataLength == 0x1000)
    }

    @Test func largeDataSegmentStaysSeparateWhenEncoding() throws {
        let data = ByteBuffer(bytes: Array(repeating: 7, count: 4097))
        let pdu = SCSIDataInPDU(
            isFinal: true,
            logicalUnitNumber: 0,
            initiatorTaskTag: 1,
            expCmdSN: 1,
            maxCmdSN: 1,
            dataSN: 0,
            bufferOffset: 0,
            data: data
        ).makePDU()
        let encoder = ISCSIPDUEncoder(headerDigest: true, dataDigest: true)
        let parts = encoder.encode(pdu, allocator: ByteBufferAllocator())
        #expect(parts.header.readableBytes == 52)
        #expect(parts.data == data)
        #expect(parts.trailer?.readableBytes == 3 + 4)
        var joined = ByteBuffer()
        parts.forEachBuffer { part in
            var part = part
            joined.writeBuffer(&part)
        }
        #expect(joined == self.encode([pdu], encoder: encoder))
        #expect(joined.readableBytes == encoder.encodedLength(of: pdu))
    }
}
