import ISCSIWire
import NIOCore

/// Accumulates the bytes a connection receives and cuts them into PDUs.
///
/// The connection owns the decoder (rather than a `ByteToMessageHandler` in the pipeline) so that it
/// can switch limits and digests at the exact PDU where login ends, and so that it can leave complete
/// PDUs unread while the command window is full (back-pressure).
///
/// PDUs are slices of the receive buffer they arrived in. Only a PDU split across two reads is copied:
/// its start moves into a buffer of its own, sized for the whole PDU, which the next read completes. So
/// the receive buffer is never appended to (NIO's receive buffer pool still holds it, so every append
/// would copy it whole), and at most one PDU per read is copied.
struct PDUReader {
    /// The decoder; its configuration applies from the next PDU on.
    var decoder: ISCSIPDUDecoder
    /// The start of a PDU split across reads, copied out of the buffer it arrived in.
    private var partial: ByteBuffer?
    /// The received bytes after `partial`, not yet cut into PDUs.
    private var buffer: ByteBuffer?

    /// Creates a reader in the login configuration.
    init(decoder: ISCSIPDUDecoder = ISCSIPDUDecoder()) {
        self.decoder = decoder
    }

    /// Bytes received and not yet cut into PDUs.
    var bufferedBytes: Int { (self.partial?.readableBytes ?? 0) + (self.buffer?.readableBytes ?? 0) }

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
        if self.partial != nil {
            return try self.completePartialPDU()
        }
        guard var buffer = self.buffer.take() else { return nil }
        defer { self.buffer = buffer.readableBytes > 0 ? buffer : nil }
        if let pdu = try self.decoder.decode(buffer: &buffer) {
            return pdu
        }
        if buffer.readableBytes > 0 {
            let length = try self.decoder.encodedLength(ofPDUAt: buffer) ?? ISCSIBasicHeaderSegment.byteCount
            var partial = ByteBufferAllocator().buffer(capacity: max(length, buffer.readableBytes))
            partial.writeBuffer(&buffer)
            self.partial = partial
        }
        return nil
    }

    /// Moves bytes from `buffer` into `partial` until it holds a whole PDU, and decodes it.
    private mutating func completePartialPDU() throws -> ISCSIPDU? {
        while var partial = self.partial.take() {
            // Until its first eight bytes are in, the PDU's length is unknown: wait for its header first.
            let knownLength = try self.decoder.encodedLength(ofPDUAt: partial)
            let length = knownLength ?? ISCSIBasicHeaderSegment.byteCount
            if partial.readableBytes < length {
                guard var buffer = self.buffer.take() else {
                    self.partial = partial
                    return nil
                }
                let count = min(length - partial.readableBytes, buffer.readableBytes)
                if var piece = buffer.readSlice(length: count) {
                    partial.writeBuffer(&piece)
                }
                self.buffer = buffer.readableBytes > 0 ? buffer : nil
                guard partial.readableBytes == length, knownLength != nil else {
                    self.partial = partial
                    if partial.readableBytes < length {
                        return nil
                    }
                    continue
                }
            }
            // `partial` holds exactly one PDU; a digest error consumes it too.
            return try self.decoder.decode(buffer: &partial)
        }
        return nil
    }
}
