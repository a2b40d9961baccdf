import NIOCore
import SCSI
import Testing

@Suite struct CDBTests {
    @Test func bytesPadAndTruncate() {
        let short = CDB([0x28, 0x01])
        #expect(short.operationCode == 0x28)
        #expect(short[1] == 0x01)
        #expect(short[15] == 0)
        let long = CDB(Array(0..<20))
        #expect(long.bytes == Array(0..<16))
    }

    @Test func readsFromBuffer() {
        let buffer = ByteBuffer(bytes: [0xFF] + Array(1...16))
        #expect(CDB(buffer: buffer, at: 1)?.bytes == Array(1...16))
        #expect(CDB(buffer: buffer, at: 2) == nil)
    }

    @Test func serviceAction() {
        #expect(CDB([0x9E, 0xF0]).serviceAction == 0x10)
    }

    @Test(arguments: [UInt16(0), 1, 255, 256, 0x3FFF])
    func logicalUnitAddressRoundTrips(_ id: UInt16) {
        #expect(LogicalUnitAddress.decode(LogicalUnitAddress.encode(id)) == id)
    }

    @Test func logicalUnitAddressFormats() {
        #expect(LogicalUnitAddress.encode(1) == 0x0001_0000_0000_0000)
        #expect(LogicalUnitAddress.encode(256) == 0x4100_0000_0000_0000)
        // Bus identifier, second level, and extended addressing are not ours.
        #expect(LogicalUnitAddress.decode(0x0101_0000_0000_0000) == nil)
        #expect(LogicalUnitAddress.decode(0x0001_0001_0000_0000) == nil)
        #expect(LogicalUnitAddress.decode(0xC000_0000_0000_0000) == nil)
    }

    @Test func targetPortName() {
        let port = SCSITargetPort(targetName: "iqn.2016-06.io.spdk:disk1", portalGroupTag: 1)
        #expect(port.name == "iqn.2016-06.io.spdk:disk1,t,0x0001")
        #expect(port.relativeID == 1)
        #expect(SCSITargetPort(targetName: "t", portalGroupTag: 0xABCD).name == "t,t,0xabcd")
    }
}
