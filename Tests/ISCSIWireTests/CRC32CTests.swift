import CCRC32C
import NIOCore
import Testing

@testable import ISCSIWire

@Suite struct CRC32CTests {
    private func hardware(_ bytes: [UInt8], _ crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32c_extend(crc, $0.baseAddress, $0.count) }
    }

    private func portable(_ bytes: [UInt8], _ crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32c_extend_portable(crc, $0.baseAddress, $0.count) }
    }

    @Test func checkValue() {
        let bytes = Array("123456789".utf8)
        #expect(self.hardware(bytes) == 0xE306_9283)
        #expect(self.portable(bytes) == 0xE306_9283)
    }

    /// The iSCSI test vectors of RFC 3720 Appendix B.4.
    @Test func rfc3720Vectors() {
        let vectors: [([UInt8], UInt32)] = [
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xff, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
        ]
        for (bytes, crc) in vectors {
            #expect(self.hardware(bytes) == crc)
            #expect(self.portable(bytes) == crc)
        }
    }

    @Test func emptyInputLeavesCRCUnchanged() {
        #expect(self.hardware([]) == 0)
        #expect(self.hardware([], 0x1234_5678) == 0x1234_5678)
        #expect(self.portable([], 0x1234_5678) == 0x1234_5678)
    }

    /// Every length around the 8-byte word and the 3-way block boundaries, at every start alignment,
    /// agrees between the hardware path, the portable path and chained halves.
    @Test(arguments: [0, 1, 7, 8, 9, 63, 1000, 6143, 6144, 6145, 12_288 + 13, 65536 + 3])
    func hardwareAndPortableAgree(length: Int) {
        var generator = SystemRandomNumberGenerator()
        let storage = (0..<(length + 8)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for offset in 0..<8 {
            let bytes = Array(storage[offset..<(offset + length)])
            let whole = self.hardware(bytes)
            #expect(whole == self.portable(bytes))
            let split = length / 3
            let chained = self.hardware(Array(bytes[split...]), self.hardware(Array(bytes[..<split])))
            #expect(chained == whole)
            #expect(self.portable(Array(bytes[split...]), self.portable(Array(bytes[..<split]))) == whole)
        }
    }

    @Test func byteBufferChecksumUsesReadableBytesOnly() {
        var buffer = ByteBuffer(bytes: Array("xx123456789".utf8))
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(CRC32C.checksum(buffer) == 0xE306_9283)
    }
}
