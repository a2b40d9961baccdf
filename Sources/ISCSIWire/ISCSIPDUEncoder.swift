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

    /// The room `payloadBuffer(capacity:allocator:)` leaves in front of a payload: a header and its digest.
    public var headerReservation: Int { ISCSIBasicHeaderSegment.byteCount + (self.headerDigest ? 4 : 0) }

    /// An empty buffer for a data segment of up to `capacity` bytes, with room in front for the header of
    /// the PDU that will carry it (see `encode(_:intoFrontOf:)`); no room when `capacity` is 0.
    public func payloadBuffer(capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        // A command that returns no data (a write) allocates nothing, as `allocator.buffer(capacity: 0)` does not.
        guard capacity > 0 else { return allocator.buffer(capacity: 0) }
        var buffer = allocator.buffer(capacity: self.headerReservation + capacity)
        buffer.moveWriterIndex(forwardBy: self.headerReservation)
        buffer.moveReaderIndex(forwardBy: self.headerReservation)
        return buffer
    }

    /// Turns `payload`, a buffer from `payloadBuffer(capacity:allocator:)`, into the whole encoded PDU whose
    /// header is `pdu`'s and whose data segment is `payload`'s readable bytes: the header goes into the room in
    /// front, padding and data digest after. Header and data then leave in one write, and the data is not
    /// copied. `pdu` must have no AHS; its own data segment is ignored. Returns false, leaving `payload` as it
    /// was, when there is no room in front.
    ///
    /// Keep `payload` uniquely referenced (pass it on with `consume`), or writing the header copies it.
    public func encode(_ pdu: ISCSIPDU, intoFrontOf payload: inout ByteBuffer) -> Bool {
        guard pdu.additionalHeaderSegments.readableBytes == 0 else { return false }
        return self.encode(header: pdu.header, intoFrontOf: &payload)
    }

    /// `encode(_:intoFrontOf:)` for a PDU without AHS given by its header alone (say `SCSIDataInPDU.makeHeader()`),
    /// which spares building the PDU around it.
    public func encode(header: ISCSIBasicHeaderSegment, intoFrontOf payload: inout ByteBuffer) -> Bool {
        guard payload.readerIndex >= self.headerReservation else { return false }
        let dataLength = payload.readableBytes
        var header = header
        header.totalAHSLength = 0
        header.dataSegmentLength = dataLength
        let start = payload.readerIndex - self.headerReservation
        withUnsafeBytes(of: header.bytes) { raw in
            _ = payload.setBytes(raw, at: start)
        }
        payload.moveReaderIndex(to: start)
        if self.headerDigest {
            let digest = CRC32C.checksum(payload, at: start, length: ISCSIBasicHeaderSegment.byteCount)
            payload.setInteger(digest, at: start + ISCSIBasicHeaderSegment.byteCount, endianness: .little)
        }
        guard dataLength > 0 else { return true }
        // Computed before writing: a slice of `payload` alive during a write would make it copy.
        let padding = ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
        let dataStart = start + self.headerReservation
        let digest =
            self.dataDigest
            ? CRC32C.extendOverPadding(CRC32C.checksum(payload, at: dataStart, length: dataLength), length: padding)
            : nil
        if padding > 0 {
            payload.writeRepeatingByte(0, count: padding)
        }
        if let digest {
            payload.writeInteger(digest, endianness: .little)
        }
        return true
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
