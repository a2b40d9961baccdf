import NIOCore

/// Serialises iSCSI PDUs, appending padding and digests as configured.
///
/// `encode(_:allocator:)` keeps the data segment as its own buffer, so that a large Data-In payload is
/// handed to the channel without a copy (NIO gathers the parts into one `writev`).
public struct ISCSIPDUEncoder: Sendable {
    /// Data segments up to this size are copied next to the header: one small write beats three.
    public static let inlineDataLimit = 1024

    /// Whether a CRC32C header digest follows each header.
    public var headerDigest: Bool
    /// Whether a CRC32C data digest follows each non-empty data segment.
    public var dataDigest: Bool

    /// Creates an encoder; digests are off during login.
    public init(headerDigest: Bool = false, dataDigest: Bool = false) {
        self.headerDigest = headerDigest
        self.dataDigest = dataDigest
    }

    /// Encodes `pdu` into up to three buffers: header, data segment, and padding plus data digest.
    public func encode(_ pdu: ISCSIPDU, allocator: ByteBufferAllocator) -> ISCSIEncodedPDU {
        let dataLength = pdu.dataSegment.readableBytes
        if dataLength <= Self.inlineDataLimit {
            var buffer = allocator.buffer(capacity: self.encodedLength(of: pdu))
            self.encode(pdu, into: &buffer)
            return ISCSIEncodedPDU(header: buffer, data: nil, trailer: nil)
        }
        var header = allocator.buffer(capacity: self.encodedHeaderLength(of: pdu))
        self.writeHeader(of: pdu, into: &header)
        let padding = ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
        guard padding > 0 || self.dataDigest else {
            return ISCSIEncodedPDU(header: header, data: pdu.dataSegment, trailer: nil)
        }
        var trailer = allocator.buffer(capacity: padding + 4)
        self.writeTrailer(of: pdu.dataSegment, into: &trailer)
        return ISCSIEncodedPDU(header: header, data: pdu.dataSegment, trailer: trailer)
    }

    /// Appends the whole of `pdu` to `buffer` (copying the data segment).
    public func encode(_ pdu: ISCSIPDU, into buffer: inout ByteBuffer) {
        self.writeHeader(of: pdu, into: &buffer)
        guard pdu.dataSegment.readableBytes > 0 else { return }
        var data = pdu.dataSegment
        buffer.writeBuffer(&data)
        self.writeTrailer(of: pdu.dataSegment, into: &buffer)
    }

    /// The number of bytes `pdu` takes on the wire.
    public func encodedLength(of pdu: ISCSIPDU) -> Int {
        let dataLength = pdu.dataSegment.readableBytes
        guard dataLength > 0 else { return self.encodedHeaderLength(of: pdu) }
        return self.encodedHeaderLength(of: pdu) + dataLength
            + ISCSIPDU.paddingLength(forDataSegmentLength: dataLength) + (self.dataDigest ? 4 : 0)
    }

    private func encodedHeaderLength(of pdu: ISCSIPDU) -> Int {
        ISCSIBasicHeaderSegment.byteCount + pdu.additionalHeaderSegments.readableBytes + (self.headerDigest ? 4 : 0)
    }

    private func writeHeader(of pdu: ISCSIPDU, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        var header = pdu.header
        header.totalAHSLength = pdu.additionalHeaderSegments.readableBytes
        header.dataSegmentLength = pdu.dataSegment.readableBytes
        header.write(into: &buffer)
        var ahs = pdu.additionalHeaderSegments
        buffer.writeBuffer(&ahs)
        if self.headerDigest {
            let digest = CRC32C.checksum(buffer, at: start, length: buffer.writerIndex - start)
            buffer.writeInteger(digest, endianness: .little)
        }
    }

    private func writeTrailer(of data: ByteBuffer, into buffer: inout ByteBuffer) {
        let padding = ISCSIPDU.paddingLength(forDataSegmentLength: data.readableBytes)
        buffer.writeRepeatingByte(0, count: padding)
        if self.dataDigest {
            let digest = CRC32C.extendOverPadding(CRC32C.checksum(data), length: padding)
            buffer.writeInteger(digest, endianness: .little)
        }
    }
}

/// An encoded PDU in up to three buffers, to be written in order.
public struct ISCSIEncodedPDU: Sendable {
    /// Header, AHS and header digest (and the data segment and trailer when they were small).
    public var header: ByteBuffer
    /// The data segment, when kept separate.
    public var data: ByteBuffer?
    /// Padding and data digest after a separate data segment.
    public var trailer: ByteBuffer?

    /// Calls `body` with each buffer in wire order.
    public func forEachBuffer(_ body: (ByteBuffer) throws -> Void) rethrows {
        try body(self.header)
        if let data = self.data { try body(data) }
        if let trailer = self.trailer { try body(trailer) }
    }
}
