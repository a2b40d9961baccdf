import ISCSIWire
import NIOCore

/// Accumulates the bytes a connection receives and cuts them into PDUs.
///
/// The connection owns the decoder (rather than a `ByteToMessageHandler` in the pipeline) so that it
/// can switch limits and digests at the exact PDU where login ends, and so that it can leave complete
/// PDUs unread while the command window is full (back-pressure).
struct PDUReader {
    /// The decoder; its configuration applies from the next PDU on.
    var decoder: ISCSIPDUDecoder
    private var buffer: ByteBuffer?

    /// Creates a reader in the login configuration.
    init(decoder: ISCSIPDUDecoder = ISCSIPDUDecoder()) {
        self.decoder = decoder
    }

    /// Bytes received and not yet cut into PDUs.
    var bufferedBytes: Int { self.buffer?.readableBytes ?? 0 }

    /// Appends received bytes.
    mutating func receive(_ bytes: ByteBuffer) {
        guard var buffer = self.buffer else {
            self.buffer = bytes
            return
        }
        self.buffer = nil  // keep the storage uniquely referenced while appending
        buffer.writeImmutableBuffer(bytes)
        self.buffer = buffer
    }

    /// The next complete PDU, or nil when more bytes are needed. Errors are those of `ISCSIPDUDecoder`;
    /// after `dataDigestMismatch` the reader can go on.
    mutating func nextPDU() throws -> ISCSIPDU? {
        guard var buffer = self.buffer else { return nil }
        self.buffer = nil  // keep the storage uniquely referenced while decoding
        defer { self.buffer = Self.compacted(buffer) }
        return try self.decoder.decode(buffer: &buffer)
    }

    /// Drops a fully consumed buffer, and moves a mostly consumed one's remainder to the front.
    private static func compacted(_ buffer: ByteBuffer) -> ByteBuffer? {
        guard buffer.readableBytes > 0 else { return nil }
        var buffer = buffer
        if buffer.readerIndex > buffer.capacity / 2 {
            buffer.discardReadBytes()
        }
        return buffer
    }
}
