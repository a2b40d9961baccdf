import NIOCore
import Testing

@testable import ISCSIWire

extension ByteBuffer {
    /// A buffer from hex digits; spaces and newlines are ignored.
    init(hex: String) {
        let digits = hex.filter { $0.isHexDigit }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes: bytes)
    }

    var hexDump: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}

/// Encodes `value`, checks the bytes, decodes them back through the stream decoder and the typed view,
/// checks that re-encoding gives the same bytes, and returns the decoded value.
func assertWireBytes<PDU: ISCSIPDUConvertible>(
    _ value: PDU,
    _ hex: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> PDU {
    let expected = ByteBuffer(hex: hex)
    var encoded = ByteBuffer()
    ISCSIPDUEncoder().encode(value.makePDU(), into: &encoded)
    #expect(encoded.hexDump == expected.hexDump, sourceLocation: sourceLocation)

    var decoder = ISCSIPDUDecoder(configuration: .init(maxDataSegmentLength: 65536))
    var input = encoded
    let pdu = try #require(try decoder.decode(buffer: &input), sourceLocation: sourceLocation)
    #expect(input.readableBytes == 0, sourceLocation: sourceLocation)
    #expect(pdu.opcode == PDU.opcode, sourceLocation: sourceLocation)
    let decoded = try PDU(pdu)

    var reencoded = ByteBuffer()
    ISCSIPDUEncoder().encode(decoded.makePDU(), into: &reencoded)
    #expect(reencoded == encoded, sourceLocation: sourceLocation)
    return decoded
}
