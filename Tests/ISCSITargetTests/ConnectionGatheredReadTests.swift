import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// Small reads whose data the target reads straight into the batch's gathered output
/// (`ISCSIConnectionHandler.takeGatheredOutput(forPayloadOf:context:)`): every response of a batch leaves in
/// one buffer, in order, each PDU exactly as it would alone.
@Suite struct ConnectionGatheredReadTests {
    private let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "8192",
    ]

    /// The byte at `offset` of the LUN once `fill(_:)` wrote it.
    private static func pattern(_ offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: offset &* 31 &+ offset >> 9)
    }

    /// READ(10) of `blocks` 512-byte blocks at `lba`.
    private static func read10(lba: UInt8, blocks: UInt8) -> [UInt8] {
        [0x28, 0, 0, 0, 0, lba, 0, 0, blocks, 0]
    }

    /// Writes the pattern over the first 64 blocks, 16 blocks (8 KiB, one immediate data PDU) at a time.
    private func fill(_ initiator: ConnectionTestInitiator) throws {
        for lba in stride(from: 0, to: 64, by: 16) {
            let data = ByteBuffer(bytes: (lba * 512..<(lba + 16) * 512).map(Self.pattern))
            let write = initiator.command(
                cdb: [0x2A, 0, 0, 0, 0, UInt8(lba), 0, 0, 16, 0],
                write: true,
                expectedLength: 8192,
                data: data
            )
            try initiator.send(write.makePDU())
            let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
            #expect(response.status == 0)
            initiator.expStatSN = response.statSN &+ 1
        }
    }

    /// Sends `commands` in one inbound buffer (one socket read), and returns the buffers the target wrote.
    private func sendBatch(_ commands: [SCSICommandPDU], to initiator: ConnectionTestInitiator) throws -> [ByteBuffer] {
        var batch = ByteBuffer()
        for command in commands {
            initiator.encoder.encode(command.makePDU(), into: &batch)
        }
        try initiator.channel.writeInbound(batch)
        var written: [ByteBuffer] = []
        while let buffer = try initiator.channel.readOutbound(as: ByteBuffer.self) {
            written.append(buffer)
        }
        return written
    }

    /// Decodes every PDU of `buffers`.
    private func decode(_ buffers: [ByteBuffer], with initiator: ConnectionTestInitiator) throws -> [ISCSIPDU] {
        var bytes = ByteBuffer()
        for buffer in buffers {
            bytes.writeImmutableBuffer(buffer)
        }
        var pdus: [ISCSIPDU] = []
        while let pdu = try initiator.decoder.decode(buffer: &bytes) {
            pdus.append(pdu)
        }
        #expect(bytes.readableBytes == 0)
        return pdus
    }

    /// Checks that `pdu` is the only Data-In of a good read of `blocks` blocks at `lba`, with its status.
    private func expectGoodRead(
        _ pdu: ISCSIPDU,
        of command: SCSICommandPDU,
        lba: Int,
        blocks: Int,
        statSN: UInt32
    ) throws {
        let dataIn = try SCSIDataInPDU(pdu)
        #expect(dataIn.initiatorTaskTag == command.initiatorTaskTag)
        #expect(dataIn.isFinal && dataIn.status == 0 && dataIn.statSN == statSN)
        #expect(dataIn.dataSN == 0 && dataIn.bufferOffset == 0)
        #expect(!dataIn.residualOverflow && !dataIn.residualUnderflow && dataIn.residualCount == 0)
        #expect(dataIn.data == ByteBuffer(bytes: (lba * 512..<(lba + blocks) * 512).map(Self.pattern)))
    }

    @Test func aBatchOfSmallReadsLeavesInOneBuffer() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try self.fill(initiator)
        // Twice: the second batch goes into the buffer the first one was written from, once it is free.
        for _ in 0..<2 {
            let shapes = [(lba: 0, blocks: 8), (lba: 9, blocks: 1), (lba: 20, blocks: 16), (lba: 3, blocks: 7)]
            let reads = shapes.map { shape in
                initiator.command(
                    cdb: Self.read10(lba: UInt8(shape.lba), blocks: UInt8(shape.blocks)),
                    read: true,
                    expectedLength: UInt32(shape.blocks * 512)
                )
            }
            let written = try self.sendBatch(reads, to: initiator)
            #expect(written.count == 1)
            let pdus = try self.decode(written, with: initiator)
            try #require(pdus.count == reads.count)
            for (index, shape) in shapes.enumerated() {
                try self.expectGoodRead(
                    pdus[index],
                    of: reads[index],
                    lba: shape.lba,
                    blocks: shape.blocks,
                    statSN: initiator.expStatSN &+ UInt32(index)
                )
            }
            initiator.expStatSN &+= UInt32(reads.count)
        }
    }

    @Test func readsGatheredWithHeaderAndDataDigests() throws {
        let initiator = try ConnectionTestInitiator()
        var keys = self.normal
        keys["HeaderDigest"] = "CRC32C"
        keys["DataDigest"] = "CRC32C"
        let login = try initiator.login(keys: keys)
        #expect(String(buffer: login.data).contains("HeaderDigest=CRC32C"))
        #expect(String(buffer: login.data).contains("DataDigest=CRC32C"))
        initiator.encoder = ISCSIPDUEncoder(headerDigest: true, dataDigest: true)
        initiator.decoder.configuration = .init(maxDataSegmentLength: 1 << 24, headerDigest: true, dataDigest: true)
        try self.fill(initiator)
        // 700 bytes: a data segment that needs padding, cut short by the expected length (residual overflow).
        let reads = [
            initiator.command(cdb: Self.read10(lba: 5, blocks: 2), read: true, expectedLength: 1024),
            initiator.command(cdb: Self.read10(lba: 1, blocks: 2), read: true, expectedLength: 700),
            initiator.command(cdb: Self.read10(lba: 30, blocks: 4), read: true, expectedLength: 2048),
        ]
        let pdus = try self.decode(try self.sendBatch(reads, to: initiator), with: initiator)
        try #require(pdus.count == 3)
        try self.expectGoodRead(pdus[0], of: reads[0], lba: 5, blocks: 2, statSN: initiator.expStatSN)
        let short = try SCSIDataInPDU(pdus[1])
        #expect(short.status == 0 && short.statSN == initiator.expStatSN &+ 1)
        #expect(short.residualOverflow && short.residualCount == 1024 - 700)
        #expect(short.data == ByteBuffer(bytes: (512..<512 + 700).map(Self.pattern)))
        try self.expectGoodRead(pdus[2], of: reads[2], lba: 30, blocks: 4, statSN: initiator.expStatSN &+ 2)
    }

    @Test func aFailedReadBetweenGoodOnesAnswersWithItsSenseInOrder() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try self.fill(initiator)
        let reads = [
            initiator.command(cdb: Self.read10(lba: 2, blocks: 4), read: true, expectedLength: 2048),
            // LBA 0x1000 is past the 2048-block LUN: CHECK CONDITION, LOGICAL BLOCK ADDRESS OUT OF RANGE.
            initiator.command(cdb: [0x28, 0, 0, 0, 0x10, 0, 0, 0, 4, 0], read: true, expectedLength: 2048),
            // Asks for less than it reads (the R bit with a shorter length), then reads with no data wanted.
            initiator.command(cdb: Self.read10(lba: 40, blocks: 1), read: true, expectedLength: 0),
            initiator.command(cdb: Self.read10(lba: 7, blocks: 1), read: true, expectedLength: 512),
        ]
        let pdus = try self.decode(try self.sendBatch(reads, to: initiator), with: initiator)
        try #require(pdus.count == 4)
        try self.expectGoodRead(pdus[0], of: reads[0], lba: 2, blocks: 4, statSN: initiator.expStatSN)
        let failed = try SCSIResponsePDU(pdus[1])
        #expect(failed.initiatorTaskTag == reads[1].initiatorTaskTag && failed.status == 0x02)
        #expect(failed.statSN == initiator.expStatSN &+ 1)
        #expect(failed.residualUnderflow && failed.residualCount == 2048)
        #expect(failed.data.getInteger(at: 2 + 12, as: UInt8.self) == 0x21)
        let empty = try SCSIResponsePDU(pdus[2])
        #expect(empty.initiatorTaskTag == reads[2].initiatorTaskTag && empty.status == 0)
        #expect(empty.residualOverflow && empty.residualCount == 512)
        try self.expectGoodRead(pdus[3], of: reads[3], lba: 7, blocks: 1, statSN: initiator.expStatSN &+ 3)
    }

    @Test func readsLargerThanOnePDUOrTheLimitKeepTheirOwnBuffers() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try self.fill(initiator)
        let reads = [
            // 12 KiB: under the gathering limit, but two Data-In PDUs at MaxRecvDataSegmentLength 8192.
            initiator.command(cdb: Self.read10(lba: 0, blocks: 24), read: true, expectedLength: 12_288),
            initiator.command(cdb: Self.read10(lba: 50, blocks: 1), read: true, expectedLength: 512),
        ]
        let pdus = try self.decode(try self.sendBatch(reads, to: initiator), with: initiator)
        try #require(pdus.count == 3)
        let first = try SCSIDataInPDU(pdus[0])
        let second = try SCSIDataInPDU(pdus[1])
        #expect(first.status == nil && first.data.readableBytes == 8192)
        #expect(second.status == 0 && second.bufferOffset == 8192 && second.statSN == initiator.expStatSN)
        var data = first.data
        data.writeImmutableBuffer(second.data)
        #expect(data == ByteBuffer(bytes: (0..<12_288).map(Self.pattern)))
        try self.expectGoodRead(pdus[2], of: reads[1], lba: 50, blocks: 1, statSN: initiator.expStatSN &+ 1)
    }

    @Test func gatheredOutputIsWrittenBeforeItOutgrowsItsLimit() throws {
        let initiator = try ConnectionTestInitiator()
        var keys = self.normal
        keys["MaxRecvDataSegmentLength"] = "16384"
        _ = try initiator.login(keys: keys)
        try self.fill(initiator)
        // Ten reads of 8 KiB: more than the 64 KiB a gathered buffer takes.
        let reads = (0..<10).map { _ in
            initiator.command(cdb: Self.read10(lba: 16, blocks: 16), read: true, expectedLength: 8192)
        }
        let written = try self.sendBatch(reads, to: initiator)
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.readableBytes <= ISCSIConnectionHandler.gatheredOutputLimit })
        let pdus = try self.decode(written, with: initiator)
        try #require(pdus.count == reads.count)
        for (index, pdu) in pdus.enumerated() {
            try self.expectGoodRead(
                pdu,
                of: reads[index],
                lba: 16,
                blocks: 16,
                statSN: initiator.expStatSN &+ UInt32(index)
            )
        }
    }
}
