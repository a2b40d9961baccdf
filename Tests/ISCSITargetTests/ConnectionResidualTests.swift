import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// Residuals of block transfers whose CDB length differs from the Expected Data Transfer Length (RFC 7143
/// §11.4.5), as libiscsi's iSCSIResiduals suite checks them (512-byte blocks).
@Suite struct ConnectionResidualTests {
    private let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "8192",
    ]

    /// READ(10) of `blocks` blocks from LBA 0.
    private func read10(blocks: UInt8) -> [UInt8] {
        [0x28, 0, 0, 0, 0, 0, 0, 0, blocks, 0]
    }

    /// WRITE(10) of `blocks` blocks to LBA 0.
    private func write10(blocks: UInt8) -> [UInt8] {
        [0x2A, 0, 0, 0, 0, 0, 0, 0, blocks, 0]
    }

    @Test func readWithNoExpectedDataOverflowsByTheWholeTransfer() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try initiator.send(initiator.command(cdb: self.read10(blocks: 1), read: true, expectedLength: 0).makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0)
        #expect(response.residualOverflow && !response.residualUnderflow)
        #expect(response.residualCount == 512)
    }

    @Test func readCutShortByTheExpectedLengthOverflows() throws {
        for (blocks, expected, overflow) in [(UInt8(1), UInt32(200), UInt32(312)), (2, 512, 512)] {
            let initiator = try ConnectionTestInitiator()
            _ = try initiator.login(keys: self.normal)
            let read = initiator.command(cdb: self.read10(blocks: blocks), read: true, expectedLength: expected)
            try initiator.send(read.makePDU())
            let dataIn = try #require(try initiator.receiveAll().last.map { try SCSIDataInPDU($0) })
            #expect(dataIn.status == 0)
            #expect(dataIn.data.readableBytes == Int(expected))
            #expect(dataIn.residualOverflow && !dataIn.residualUnderflow)
            #expect(dataIn.residualCount == overflow)
        }
    }

    @Test func readShorterThanTheExpectedLengthUnderflows() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try initiator.send(initiator.command(cdb: self.read10(blocks: 1), read: true, expectedLength: 10_000).makePDU())
        let dataIn = try #require(try initiator.receiveAll().last.map { try SCSIDataInPDU($0) })
        #expect(dataIn.status == 0 && dataIn.data.readableBytes == 512)
        #expect(dataIn.residualUnderflow && !dataIn.residualOverflow)
        #expect(dataIn.residualCount == 10_000 - 512)
    }

    @Test func readWithAnExpectedLengthNearFourGiBUnderflows() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let read = initiator.command(cdb: self.read10(blocks: 1), read: true, expectedLength: UInt32.max)
        try initiator.send(read.makePDU())
        let dataIn = try #require(try initiator.receiveAll().last.map { try SCSIDataInPDU($0) })
        #expect(dataIn.status == 0 && dataIn.data.readableBytes == 512)
        #expect(dataIn.residualUnderflow && dataIn.residualCount == UInt32.max - 512)
    }

    @Test func writeCutShortByTheExpectedLengthOverflows() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let write = initiator.command(
            cdb: self.write10(blocks: 2),
            write: true,
            expectedLength: 512,
            data: ByteBuffer(repeating: 0x62, count: 512)
        )
        try initiator.send(write.makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0)
        #expect(response.residualOverflow && response.residualCount == 512)
    }

    @Test func writeWithNoExpectedDataOverflowsByTheWholeTransfer() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try initiator.send(initiator.command(cdb: self.write10(blocks: 1), write: true, expectedLength: 0).makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0)
        #expect(response.residualOverflow && response.residualCount == 512)
    }

    @Test func writeCutInsideABlockStoresWhatCameWithTheOverflow() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let write = initiator.command(
            cdb: self.write10(blocks: 1),
            write: true,
            expectedLength: 200,
            data: ByteBuffer(repeating: 0x62, count: 200)
        )
        try initiator.send(write.makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0)
        #expect(response.residualOverflow && response.residualCount == 312)
    }

    @Test func writeShorterThanTheExpectedLengthUnderflows() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let write = initiator.command(
            cdb: self.write10(blocks: 1),
            write: true,
            expectedLength: 1024,
            data: ByteBuffer(repeating: 0x62, count: 1024)
        )
        try initiator.send(write.makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0)
        #expect(response.residualUnderflow && response.residualCount == 512)
    }
}
