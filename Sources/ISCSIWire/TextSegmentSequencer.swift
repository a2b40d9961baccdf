import NIOCore

/// Hands out a Login or Text response's data in pieces no larger than the peer's
/// MaxRecvDataSegmentLength (RFC 7143 §6.2, §11.11.2).
///
/// Every piece but the last goes out with the Continue bit set; the initiator fetches the next one with
/// an empty request. The pieces are slices of the encoded text, so nothing is copied.
public struct TextSegmentSequencer: Sendable {
    private var remaining: ByteBuffer
    /// The largest data segment the peer accepts.
    public let maxSegmentLength: Int

    /// Prepares `text` to be sent in pieces of at most `maxSegmentLength` bytes (at least 1).
    public init(text: ByteBuffer, maxSegmentLength: Int) {
        self.remaining = text
        self.maxSegmentLength = max(1, maxSegmentLength)
    }

    /// Whether every piece has been handed out.
    public var isFinished: Bool { self.remaining.readableBytes == 0 }

    /// The next piece, and whether more remain (the Continue bit); an empty final piece once all is sent.
    public mutating func nextSegment() -> (data: ByteBuffer, isContinued: Bool) {
        let length = min(self.remaining.readableBytes, self.maxSegmentLength)
        let segment = self.remaining.readSlice(length: length) ?? ByteBuffer()
        return (segment, self.remaining.readableBytes > 0)
    }
}
