import ISCSIWire
import NIOCore

/// Accumulates the bytes a connection receives and cuts them into PDUs.
///
/// The connection owns the decoder (rather than a `ByteToMessageHandler` in the pipeline) so that it
/// can switch limits and digests at the exact PDU where login ends, and so that it can leave complete
/// PDUs unread while the command window is full (back-pressure).
///
/// PDUs are slices of the receive buffer they arrived in, and the receive buffer is never appended to (NIO's
/// receive buffer pool still holds it, so every append would copy it whole). A PDU split across reads is taken in
/// its two parts: the header part (BHS, AHS, header digest) is decoded as soon as it is complete, its few bytes
/// copied first when they themselves are split; the data part is then a slice of the next read when it arrives
/// there whole, which is how initiators that send each header and its data segment in separate writes (libiscsi)
/// usually split a write command. Only a data segment split across reads is copied, into a buffer of its own.
struct PDUReader {
    /// The decoder; its configuration applies from the next PDU on.
    var decoder: ISCSIPDUDecoder
    /// The start of a header part split across reads, copied out of the buffer it arrived in.
    private var partialHeader: ByteBuffer?
    /// The decoded header part of a PDU whose data part has not all arrived.
    private var pendingHeader: ISCSIPDUDecoder.HeaderPart?
    /// The start of the pending PDU's data part, copied out of the buffer it arrived in; nil while none has.
    private var partialData: ByteBuffer?
    /// The received bytes after the parts above, not yet cut into PDUs.
    private var buffer: ByteBuffer?

    /// Creates a reader in the login configuration.
    init(decoder: ISCSIPDUDecoder = ISCSIPDUDecoder()) {
        self.decoder = decoder
    }

    /// Bytes received and not yet returned in a PDU (a pending header part counts as its BHS and AHS).
    var bufferedBytes: Int {
        let pendingHeaderBytes = self.pendingHeader.map {
            ISCSIBasicHeaderSegment.byteCount + $0.additionalHeaderSegments.readableBytes
        }
        return (self.partialHeader?.readableBytes ?? 0) + (pendingHeaderBytes ?? 0)
            + (self.partialData?.readableBytes ?? 0) + (self.buffer?.readableBytes ?? 0)
    }

    /// Appends received bytes.
    mutating func receive(_ bytes: ByteBuffer) {
        guard var buffer = self.buffer.take() else {
            self.buffer = bytes
            return
        }
        // Bytes the caller left uncut (it stopped taking PDUs): keep them in order.
        buffer.writeImmutableBuffer(bytes)
        self.buffer = buffer
    }

    /// The next complete PDU, or nil when more bytes are needed. Errors are those of `ISCSIPDUDecoder`;
    /// after `dataDigestMismatch` the reader can go on.
    mutating func nextPDU() throws -> ISCSIPDU? {
        if let headerPart = self.pendingHeader {
            return try self.completeDataPart(of: headerPart)
        }
        if self.partialHeader != nil {
            return try self.completeHeaderPart()
        }
        guard var buffer = self.buffer.take() else { return nil }
        defer { self.buffer = buffer.readableBytes > 0 ? buffer : nil }
        if let pdu = try self.decoder.decode(buffer: &buffer) {
            return pdu
        }
        guard buffer.readableBytes > 0 else { return nil }
        if let headerPart = try self.decoder.decodeHeaderPart(buffer: &buffer) {
            // The data part starts here and ends in a later read.
            self.pendingHeader = headerPart
            if buffer.readableBytes > 0 {
                var partialData = ByteBufferAllocator().buffer(capacity: headerPart.dataPartLength)
                partialData.writeBuffer(&buffer)
                self.partialData = partialData
            }
            return nil
        }
        var partialHeader = ByteBufferAllocator().buffer(capacity: Self.partialHeaderCapacity)
        partialHeader.writeBuffer(&buffer)
        self.partialHeader = partialHeader
        return nil
    }

    /// The first room for a split header part: a BHS with a header digest (an AHS makes the buffer grow).
    private static let partialHeaderCapacity = ISCSIBasicHeaderSegment.byteCount + 4

    /// Moves bytes from `buffer` into `partialHeader` until it holds a whole header part, decodes it, and goes on
    /// with the data part.
    private mutating func completeHeaderPart() throws -> ISCSIPDU? {
        guard var partialHeader = self.partialHeader.take() else { return nil }
        while true {
            if let headerPart = try self.decoder.decodeHeaderPart(buffer: &partialHeader) {
                self.pendingHeader = headerPart
                return try self.completeDataPart(of: headerPart)
            }
            // Until its first eight bytes are in, the header part's length is unknown: take a BHS first.
            let wanted = try self.headerPartLength(of: partialHeader) ?? ISCSIBasicHeaderSegment.byteCount
            guard wanted > partialHeader.readableBytes, var buffer = self.buffer.take() else {
                self.partialHeader = partialHeader
                return nil
            }
            if var piece = buffer.readSlice(length: min(wanted - partialHeader.readableBytes, buffer.readableBytes)) {
                partialHeader.writeBuffer(&piece)
            }
            self.buffer = buffer.readableBytes > 0 ? buffer : nil
        }
    }

    /// The length of the header part starting at the reader index of `buffer`, nil until its first eight bytes are in.
    private func headerPartLength(of buffer: ByteBuffer) throws -> Int? {
        guard try self.decoder.encodedLength(ofPDUAt: buffer) != nil,
            let ahsWords = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self)
        else {
            return nil
        }
        return ISCSIBasicHeaderSegment.byteCount + Int(ahsWords) * 4
            + (self.decoder.configuration.headerDigest ? 4 : 0)
    }

    /// Completes the pending PDU: its data part is a slice of `buffer` when it arrived there whole, else it is
    /// copied into `partialData` until complete.
    private mutating func completeDataPart(of headerPart: ISCSIPDUDecoder.HeaderPart) throws -> ISCSIPDU? {
        if self.partialData == nil, var buffer = self.buffer.take() {
            defer { self.buffer = buffer.readableBytes > 0 ? buffer : nil }
            if buffer.readableBytes >= headerPart.dataPartLength {
                self.pendingHeader = nil
                return try self.decoder.decodeDataPart(of: headerPart, buffer: &buffer)
            }
            self.partialData = ByteBufferAllocator().buffer(capacity: headerPart.dataPartLength)
            self.partialData?.writeBuffer(&buffer)
            return nil
        }
        if headerPart.dataPartLength == 0 {
            self.pendingHeader = nil
            var empty = ByteBuffer()
            return try self.decoder.decodeDataPart(of: headerPart, buffer: &empty)
        }
        guard var partialData = self.partialData.take() else { return nil }
        if var buffer = self.buffer.take() {
            let count = min(headerPart.dataPartLength - partialData.readableBytes, buffer.readableBytes)
            if var piece = buffer.readSlice(length: count) {
                partialData.writeBuffer(&piece)
            }
            self.buffer = buffer.readableBytes > 0 ? buffer : nil
        }
        guard partialData.readableBytes == headerPart.dataPartLength else {
            self.partialData = partialData
            return nil
        }
        // `partialData` holds exactly the data part; a digest error consumes the PDU too.
        self.pendingHeader = nil
        return try self.decoder.decodeDataPart(of: headerPart, buffer: &partialData)
    }
}
