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
        let start = buffer.readerIndex
        guard let ahsWords = buffer.getInteger(at: start + 4, as: UInt8.self),
            let lengthHigh = buffer.getInteger(at: start + 5, as: UInt8.self),
            let lengthLow = buffer.getInteger(at: start + 6, as: UInt16.self)
        else {
            return nil
        }
        let dataLength = Int(lengthHigh) << 16 | Int(lengthLow)
        guard dataLength <= self.configuration.maxDataSegmentLength else {
            throw ISCSIWireError.dataSegmentTooLong(length: dataLength, limit: self.configuration.maxDataSegmentLength)
        }
        return ISCSIBasicHeaderSegment.byteCount + Int(ahsWords) * 4 + (self.configuration.headerDigest ? 4 : 0)
            + dataLength + ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
            + (self.configuration.dataDigest && dataLength > 0 ? 4 : 0)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ISCSIPDU? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= ISCSIBasicHeaderSegment.byteCount,
            let totalLength = try self.encodedLength(ofPDUAt: buffer),
            buffer.readableBytes >= totalLength
        else {
            return nil
        }
        guard let header = ISCSIBasicHeaderSegment(buffer: buffer) else { return nil }
        let ahsLength = header.totalAHSLength
        let dataLength = header.dataSegmentLength
        let headerLength = ISCSIBasicHeaderSegment.byteCount + ahsLength
        let headerDigestLength = self.configuration.headerDigest ? 4 : 0
        let paddedDataLength = dataLength + ISCSIPDU.paddingLength(forDataSegmentLength: dataLength)
        let dataDigestLength = self.configuration.dataDigest && dataLength > 0 ? 4 : 0

        if self.configuration.headerDigest {
            let computed = CRC32C.checksum(buffer, at: start, length: headerLength)
            let received = buffer.getInteger(at: start + headerLength, endianness: .little, as: UInt32.self) ?? 0
            guard computed == received else {
                throw ISCSIWireError.headerDigestMismatch(expected: computed, received: received)
            }
        }
        guard let ahs = buffer.getSlice(at: start + ISCSIBasicHeaderSegment.byteCount, length: ahsLength),
            let data = buffer.getSlice(at: start + headerLength + headerDigestLength, length: dataLength)
        else {
            return nil
        }
        let dataDigestMatches =
            dataDigestLength == 0
            || self.dataDigestMatches(
                in: buffer,
                at: start + headerLength + headerDigestLength,
                paddedLength: paddedDataLength
            )
        buffer.moveReaderIndex(forwardBy: totalLength)
        let pdu = ISCSIPDU(header: header, additionalHeaderSegments: ahs, dataSegment: data)
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
