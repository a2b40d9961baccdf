import NIOCore

/// Splits a byte stream into iSCSI PDUs (RFC 7143 §11.2), checking lengths and digests.
///
/// The AHS and data segment of each PDU are slices of the receive buffer. The configuration is
/// mutable: the connection raises the data segment limit and turns digests on when login ends.
public struct ISCSIPDUDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ISCSIPDU

    /// Limits and digests in force on a connection.
    public struct Configuration: Sendable, Hashable {
        /// The largest data segment accepted: our MaxRecvDataSegmentLength.
        public var maxDataSegmentLength: Int
        /// Whether each header is followed by a CRC32C header digest.
        public var headerDigest: Bool
        /// Whether each non-empty data segment is followed by a CRC32C data digest.
        public var dataDigest: Bool

        /// Creates a configuration.
        public init(maxDataSegmentLength: Int, headerDigest: Bool = false, dataDigest: Bool = false) {
            self.maxDataSegmentLength = maxDataSegmentLength
            self.headerDigest = headerDigest
            self.dataDigest = dataDigest
        }

        /// The configuration during login: 8192-byte data segments (RFC 7143 §13.12), no digests.
        public static let login = Configuration(maxDataSegmentLength: 8192)
    }

    /// The configuration applied to the next PDU.
    public var configuration: Configuration

    /// Creates a decoder, by default in the login configuration.
    public init(configuration: Configuration = .login) {
        self.configuration = configuration
    }

    /// The number of bytes the PDU starting at the reader index of `buffer` takes on the wire (header, AHS,
    /// digests and padded data segment), or nil until its first eight bytes have arrived.
    ///
    /// Throws `ISCSIWireError.dataSegmentTooLong` as `decode(buffer:)` does, so that a reader waiting for the
    /// rest of a PDU never waits for (or reserves room for) more than the limit.
    public func encodedLength(ofPDUAt buffer: ByteBuffer) throws -> Int? {
        // Bytes 4-7 in one read: TotalAHSLength, then the 24-bit DataSegmentLength.
        guard let lengths = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self) else {
            return nil
        }
        let ahsWords = lengths >> 24
        let dataLength = Int(lengths & 0x00ff_ffff)
        guard dataLength <= self.configuration.maxDataSegmentLength else {
            throw ISCSIWireError.dataSegmentTooLong(length: dataLength, limit: self.configuration.maxDataSegmentLength)
        }
        return ISCSIBasicHeaderSegment.byteCount + Int(ahsWords) * 4 + (self.configuration.headerDigest ? 4 : 0)
            + dataLength + ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
            + (self.configuration.dataDigest && dataLength > 0 ? 4 : 0)
    }

    /// A PDU's header part (BHS, AHS and header digest), decoded and checked, whose data part (the padded data
    /// segment and its digest) may not have arrived yet.
    ///
    /// A reader that finds only the start of a PDU at the end of a receive buffer keeps this rather than a copy of
    /// the bytes, so that a data segment arriving whole in the next buffer is a slice of that buffer.
    public struct HeaderPart: Sendable {
        /// The Basic Header Segment.
        public var header: ISCSIBasicHeaderSegment
        /// The raw AHS bytes, empty when there are none.
        public var additionalHeaderSegments: ByteBuffer
        /// The bytes of the data part on the wire: the padded data segment and its digest, 0 without a data segment.
        public var dataPartLength: Int
        /// Whether the data part ends with a data digest (decided by the configuration the header was decoded with).
        var hasDataDigest: Bool
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ISCSIPDU? {
        guard buffer.readableBytes >= ISCSIBasicHeaderSegment.byteCount,
            let totalLength = try self.encodedLength(ofPDUAt: buffer),
            buffer.readableBytes >= totalLength,
            let headerPart = try self.readHeaderPart(buffer: &buffer)
        else {
            return nil
        }
        return try self.decodeDataPart(of: headerPart, buffer: &buffer)
    }

    /// Decodes the header part of the PDU at the reader index of `buffer` (checking its header digest) and moves the
    /// reader index past it; nil, with nothing read, until the whole header part has arrived.
    ///
    /// Throws `dataSegmentTooLong` as ``encodedLength(ofPDUAt:)`` does, and `headerDigestMismatch`.
    public func decodeHeaderPart(buffer: inout ByteBuffer) throws -> HeaderPart? {
        guard try self.encodedLength(ofPDUAt: buffer) != nil else { return nil }
        return try self.readHeaderPart(buffer: &buffer)
    }

    /// `decodeHeaderPart(buffer:)` once the data segment length is known to be within the limit. Inlined, as is
    /// `decodeDataPart`, so that `decode(buffer:)`, which runs for every PDU, builds no `HeaderPart` in between.
    @inline(__always)
    private func readHeaderPart(buffer: inout ByteBuffer) throws -> HeaderPart? {
        let start = buffer.readerIndex
        guard let header = ISCSIBasicHeaderSegment(buffer: buffer) else { return nil }
        let headerLength = ISCSIBasicHeaderSegment.byteCount + header.totalAHSLength
        let headerDigestLength = self.configuration.headerDigest ? 4 : 0
        guard buffer.readableBytes >= headerLength + headerDigestLength else { return nil }
        if self.configuration.headerDigest {
            let computed = CRC32C.checksum(buffer, at: start, length: headerLength)
            let received = buffer.getInteger(at: start + headerLength, endianness: .little, as: UInt32.self) ?? 0
            guard computed == received else {
                throw ISCSIWireError.headerDigestMismatch(expected: computed, received: received)
            }
        }
        let dataLength = header.dataSegmentLength
        let hasDataDigest = self.configuration.dataDigest && dataLength > 0
        let headerPart = HeaderPart(
            header: header,
            additionalHeaderSegments: header.totalAHSLength == 0
                ? ByteBuffer()
                : buffer.getSlice(at: start + ISCSIBasicHeaderSegment.byteCount, length: header.totalAHSLength)
                    ?? ByteBuffer(),
            dataPartLength: dataLength + ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
                + (hasDataDigest ? 4 : 0),
            hasDataDigest: hasDataDigest
        )
        buffer.moveReaderIndex(forwardBy: headerLength + headerDigestLength)
        return headerPart
    }

    /// Completes the PDU of `headerPart` with its data part at the reader index of `buffer` (the data segment is a
    /// slice of `buffer`) and moves the reader index past it; nil, with nothing read, until the whole data part has
    /// arrived.
    ///
    /// Throws `dataDigestMismatch` with the PDU, after reading it: the stream goes on at the next PDU.
    @inline(__always)
    public func decodeDataPart(of headerPart: HeaderPart, buffer: inout ByteBuffer) throws -> ISCSIPDU? {
        guard buffer.readableBytes >= headerPart.dataPartLength else { return nil }
        let start = buffer.readerIndex
        let dataLength = headerPart.header.dataSegmentLength
        let data = buffer.getSlice(at: start, length: dataLength) ?? ByteBuffer()
        let dataDigestMatches =
            !headerPart.hasDataDigest
            || self.dataDigestMatches(in: buffer, at: start, paddedLength: headerPart.dataPartLength - 4)
        buffer.moveReaderIndex(forwardBy: headerPart.dataPartLength)
        let pdu = ISCSIPDU(
            header: headerPart.header,
            additionalHeaderSegments: headerPart.additionalHeaderSegments,
            dataSegment: data
        )
        guard dataDigestMatches else {
            throw ISCSIWireError.dataDigestMismatch(pdu)
        }
        return pdu
    }

    /// Whether the digest after the padded data segment starting at `dataStart` is right.
    private func dataDigestMatches(in buffer: ByteBuffer, at dataStart: Int, paddedLength: Int) -> Bool {
        let computed = CRC32C.checksum(buffer, at: dataStart, length: paddedLength)
        let received = buffer.getInteger(at: dataStart + paddedLength, endianness: .little, as: UInt32.self)
        return computed == received
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ISCSIPDU? {
        try self.decode(buffer: &buffer)
    }
}
