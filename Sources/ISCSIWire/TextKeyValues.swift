import NIOCore

/// The ordered `key=value` pairs of a Login or Text data segment (RFC 7143 §6.1).
///
/// On the wire each pair is UTF-8 text terminated by a NUL byte. Parsing enforces explicit limits so
/// that a peer cannot make the target hold unbounded text.
public struct TextKeyValues: Sendable, Hashable {
    /// One `key=value` pair.
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String

        /// Creates a pair.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Bounds applied while parsing.
    public struct Limits: Sendable, Hashable {
        /// The largest accepted text, in bytes.
        public var maxBytes: Int
        /// The largest accepted number of pairs.
        public var maxPairs: Int

        /// Creates limits.
        public init(maxBytes: Int, maxPairs: Int) {
            self.maxBytes = maxBytes
            self.maxPairs = maxPairs
        }

        /// 64 KiB and 512 pairs: more than any login or SendTargets exchange needs.
        public static let `default` = Limits(maxBytes: 65536, maxPairs: 512)
    }

    /// The longest key RFC 7143 §6.1 allows, in bytes.
    public static let maxKeyLength = 63

    /// The pairs in wire order.
    public var pairs: [Pair]

    /// Creates text from pairs.
    public init(_ pairs: [Pair] = []) {
        self.pairs = pairs
    }

    /// Parses the readable bytes of `buffer`. A final pair without its NUL terminator is accepted, and
    /// NUL padding between pairs is skipped.
    public init(parsing buffer: ByteBuffer, limits: Limits = .default) throws(TextKeyValuesError) {
        guard buffer.readableBytes <= limits.maxBytes else {
            throw .tooLong(length: buffer.readableBytes, limit: limits.maxBytes)
        }
        var pairs: [Pair] = []
        try buffer.withUnsafeReadableBytes { (bytes: UnsafeRawBufferPointer) throws(TextKeyValuesError) in
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
                if end > start {
                    guard pairs.count < limits.maxPairs else { throw .tooManyPairs(limit: limits.maxPairs) }
                    pairs.append(try Self.parsePair(UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
                }
                start = end + 1
            }
        }
        self.pairs = pairs
    }

    private static func parsePair(_ bytes: UnsafeRawBufferPointer) throws(TextKeyValuesError) -> Pair {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            throw .missingEquals(Self.lossyString(bytes))
        }
        guard equals > 0 else { throw .emptyKey }
        guard equals <= Self.maxKeyLength else { throw .keyTooLong(Self.lossyString(bytes[..<equals])) }
        guard let key = String(validating: bytes[..<equals], as: UTF8.self),
            let value = String(validating: bytes[(equals + 1)...], as: UTF8.self)
        else {
            throw .invalidUTF8
        }
        return Pair(key: key, value: value)
    }

    private static func lossyString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix(Self.maxKeyLength + 1), as: UTF8.self)
    }

    /// The value of the first pair named `key`.
    public subscript(key: String) -> String? {
        self.pairs.first { $0.key == key }?.value
    }

    /// Appends a pair.
    public mutating func append(key: String, value: String) {
        self.pairs.append(Pair(key: key, value: value))
    }

    /// The number of bytes `write(into:)` appends.
    public var encodedLength: Int {
        self.pairs.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
    }

    /// Appends every pair as `key=value\0`.
    public func write(into buffer: inout ByteBuffer) {
        for pair in self.pairs {
            buffer.writeString(pair.key)
            buffer.writeInteger(UInt8(ascii: "="))
            buffer.writeString(pair.value)
            buffer.writeInteger(UInt8(0))
        }
    }

    /// The pairs encoded into a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: self.encodedLength)
        self.write(into: &buffer)
        return buffer
    }
}

/// Why a text segment could not be parsed.
public enum TextKeyValuesError: Error, Sendable, Hashable {
    /// The text exceeds `Limits.maxBytes`.
    case tooLong(length: Int, limit: Int)
    /// The text holds more than `Limits.maxPairs` pairs.
    case tooManyPairs(limit: Int)
    /// A pair has no `=`; carries (a prefix of) the offending text.
    case missingEquals(String)
    /// A pair starts with `=`.
    case emptyKey
    /// A key is longer than 63 bytes; carries (a prefix of) the key.
    case keyTooLong(String)
    /// A key or value is not valid UTF-8.
    case invalidUTF8
}
