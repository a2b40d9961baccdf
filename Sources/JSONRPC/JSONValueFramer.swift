import NIOCore

/// Why ``JSONValueFramer`` gave up on a stream.
public enum JSONFramingError: Error, Sendable, Hashable {
    /// The bytes can never form a JSON value: answer `Parse error`, then close.
    case invalidJSON
    /// A single value grew past the limit without completing: close.
    case valueTooLarge(limit: Int)
}

/// Splits a byte stream of concatenated JSON values (SPDK's JSON-RPC framing: no length prefix,
/// no delimiter) into one `ByteBuffer` slice per complete top-level value.
///
/// Whitespace between values is skipped. The scan resumes where it stopped when more bytes
/// arrive, so a value trickling in byte by byte costs O(n). A top-level number is complete only
/// once the byte after it has arrived. The slices are checked for structure only; parse them with
/// `JSONValue.parse(_:maxValues:allowComments:)`.
public struct JSONValueFramer: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// SPDK's receive buffer size (`SPDK_JSONRPC_RECV_BUF_SIZE`).
    public static let defaultMaximumValueLength = 256 * 1024

    private let maximumValueLength: Int
    private var scanner = JSONValueScanner()
    /// How many bytes after the reader index the scanner has already seen.
    private var scannedLength = 0

    /// Creates a framer that fails with ``JSONFramingError/valueTooLarge(limit:)`` once one value
    /// exceeds `maximumValueLength` bytes.
    public init(maximumValueLength: Int = Self.defaultMaximumValueLength) {
        self.maximumValueLength = maximumValueLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        if self.scanner.isAtStart {
            Self.skipWhitespace(in: &buffer)
        }
        let step = try buffer.withUnsafeReadableBytes { bytes throws(JSONFramingError) -> JSONValueScanner.Step in
            while self.scannedLength < bytes.count, self.scannedLength <= self.maximumValueLength {
                let step: JSONValueScanner.Step
                do {
                    step = try self.scanner.scan(bytes[self.scannedLength])
                } catch {
                    throw JSONFramingError.invalidJSON
                }
                switch step {
                case .needMore:
                    self.scannedLength += 1
                case .endsWithThisByte:
                    self.scannedLength += 1
                    return step
                case .endedBeforeThisByte:
                    return step
                }
            }
            return .needMore
        }
        guard self.scannedLength <= self.maximumValueLength else {
            throw JSONFramingError.valueTooLarge(limit: self.maximumValueLength)
        }
        guard step != .needMore else {
            return nil
        }
        let value = buffer.readSlice(length: self.scannedLength)
        self.scanner = JSONValueScanner()
        self.scannedLength = 0
        return value
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try self.decode(buffer: &buffer)
    }

    private static func skipWhitespace(in buffer: inout ByteBuffer) {
        let whitespace = buffer.withUnsafeReadableBytes { bytes in
            bytes.prefix { byte in
                byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                    || byte == UInt8(ascii: "\t")
            }.count
        }
        buffer.moveReaderIndex(forwardBy: whitespace)
    }
}
