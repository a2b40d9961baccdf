import ISCSIWire
import NIOCore
import Testing

@testable import ISCSITarget

@Suite struct ConnectionPDUReaderTests {
    private func encoded(_ pdus: [ISCSIPDU], encoder: ISCSIPDUEncoder = ISCSIPDUEncoder()) -> ByteBuffer {
        var buffer = ByteBuffer()
        for pdu in pdus {
            encoder.encode(pdu, into: &buffer)
        }
        return buffer
    }

    @Test func cutsPDUsAcrossArbitraryReads() throws {
        let pdus = (1...5).map { index in
            NOPOutPDU(initiatorTaskTag: UInt32(index), cmdSN: 1, expStatSN: 1, data: ByteBuffer(string: "ping\(index)"))
                .makePDU()
        }
        var input = self.encoded(pdus)
        var reader = PDUReader()
        var decoded: [ISCSIPDU] = []
        while let chunk = input.readSlice(length: min(7, input.readableBytes)), chunk.readableBytes > 0 {
            reader.receive(chunk)
            while let pdu = try reader.nextPDU() {
                decoded.append(pdu)
            }
        }
        #expect(decoded == pdus)
        #expect(reader.bufferedBytes == 0)
    }

    @Test func configurationChangeAppliesFromTheNextPDU() throws {
        let login = LoginRequestPDU(
            isTransit: true,
            currentStage: .loginOperationalNegotiation,
            nextStage: .fullFeaturePhase,
            isid: 1,
            tsih: 0,
            initiatorTaskTag: 1,
            cid: 0,
            cmdSN: 1,
            expStatSN: 0,
            data: ByteBuffer(string: "HeaderDigest=CRC32C\0")
        ).makePDU()
        let nop = NOPOutPDU(initiatorTaskTag: 2, cmdSN: 1, expStatSN: 1).makePDU()
        var input = self.encoded([login])
        input.writeImmutableBuffer(self.encoded([nop], encoder: ISCSIPDUEncoder(headerDigest: true)))

        var reader = PDUReader()
        reader.receive(input)
        #expect(try reader.nextPDU()?.opcode == .loginRequest)
        reader.decoder.configuration = .init(maxDataSegmentLength: 65536, headerDigest: true)
        #expect(try reader.nextPDU() == nop)
    }

    @Test func continuesAfterADataDigestError() throws {
        let first = NOPOutPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 1, data: ByteBuffer(string: "abcd")).makePDU()
        let second = NOPOutPDU(initiatorTaskTag: 2, cmdSN: 1, expStatSN: 1).makePDU()
        var input = self.encoded([first, second], encoder: ISCSIPDUEncoder(dataDigest: true))
        input.setInteger(UInt8(0), at: 48)
        let configuration = ISCSIPDUDecoder.Configuration(maxDataSegmentLength: 8192, dataDigest: true)
        var reader = PDUReader(decoder: ISCSIPDUDecoder(configuration: configuration))
        reader.receive(input)
        #expect(throws: ISCSIWireError.self) { try reader.nextPDU() }
        #expect(try reader.nextPDU() == second)
    }

    @Test func cutsPDUsWithDataAtEverySplitOfTwoReads() throws {
        let pdus = (1...3).map { index in
            NOPOutPDU(
                initiatorTaskTag: UInt32(index),
                cmdSN: 1,
                expStatSN: 1,
                data: ByteBuffer(bytes: (0..<(97 * index)).map { UInt8(truncatingIfNeeded: $0) })
            ).makePDU()
        }
        let encoder = ISCSIPDUEncoder(headerDigest: true, dataDigest: true)
        let input = self.encoded(pdus, encoder: encoder)
        let configuration = ISCSIPDUDecoder.Configuration(
            maxDataSegmentLength: 8192,
            headerDigest: true,
            dataDigest: true
        )
        for split in 0...input.readableBytes {
            var reader = PDUReader(decoder: ISCSIPDUDecoder(configuration: configuration))
            var decoded: [ISCSIPDU] = []
            for part in [
                input.getSlice(at: 0, length: split), input.getSlice(at: split, length: input.readableBytes - split),
            ] {
                reader.receive(try #require(part))
                while let pdu = try reader.nextPDU() {
                    decoded.append(pdu)
                }
            }
            #expect(decoded == pdus, "split at \(split)")
            #expect(reader.bufferedBytes == 0)
        }
    }

    @Test func aDataSegmentArrivingWholeAfterItsHeaderIsASliceOfItsRead() throws {
        let command = SCSICommandPDU(
            isRead: false,
            isWrite: true,
            logicalUnitNumber: 0,
            initiatorTaskTag: 7,
            expectedDataTransferLength: 4096,
            cmdSN: 1,
            expStatSN: 1,
            cdb: InlineArray(repeating: 0),
            data: ByteBuffer(repeating: 0xA5, count: 4096)
        ).makePDU()
        let input = self.encoded([command])
        let header = try #require(input.getSlice(at: 0, length: ISCSIBasicHeaderSegment.byteCount))
        let data = try #require(input.getSlice(at: ISCSIBasicHeaderSegment.byteCount, length: 4096))
        var reader = PDUReader()
        reader.receive(header)
        #expect(try reader.nextPDU() == nil)
        reader.receive(data)
        let pdu = try #require(try reader.nextPDU())
        #expect(pdu == command)
        let sliceStart = pdu.dataSegment.withUnsafeReadableBytes { $0.baseAddress }
        #expect(sliceStart == data.withUnsafeReadableBytes { $0.baseAddress }, "not copied")
        #expect(reader.bufferedBytes == 0)
    }

    @Test func cutsPDUsDeliveredOneByteAtATime() throws {
        let pdus = (1...3).map { index in
            NOPOutPDU(
                initiatorTaskTag: UInt32(index),
                cmdSN: 1,
                expStatSN: 1,
                data: ByteBuffer(bytes: (0..<(45 * index)).map { UInt8(truncatingIfNeeded: $0) })
            ).makePDU()
        }
        let input = self.encoded(pdus, encoder: ISCSIPDUEncoder(headerDigest: true, dataDigest: true))
        let configuration = ISCSIPDUDecoder.Configuration(
            maxDataSegmentLength: 8192,
            headerDigest: true,
            dataDigest: true
        )
        var reader = PDUReader(decoder: ISCSIPDUDecoder(configuration: configuration))
        var decoded: [ISCSIPDU] = []
        for offset in 0..<input.readableBytes {
            reader.receive(try #require(input.getSlice(at: offset, length: 1)))
            while let pdu = try reader.nextPDU() {
                decoded.append(pdu)
            }
        }
        #expect(decoded == pdus)
        #expect(reader.bufferedBytes == 0)
    }

    @Test func rejectsAnOversizedSegmentBeforeItArrives() throws {
        let nop = NOPOutPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 1, data: ByteBuffer(repeating: 1, count: 9000))
        let input = self.encoded([nop.makePDU()])
        var reader = PDUReader()
        reader.receive(ByteBuffer(bytes: [0, 0]))
        #expect(try reader.nextPDU() == nil)
        reader.receive(input.getSlice(at: 2, length: 60) ?? ByteBuffer())
        #expect(throws: ISCSIWireError.self) { try reader.nextPDU() }
    }
}
