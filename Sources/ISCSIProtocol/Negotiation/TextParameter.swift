/// One `key=value` pair of a Login or Text data segment, in the order it was sent.
public struct TextParameter: Hashable, Sendable, CustomStringConvertible {
    /// The key, case preserved as received (keys are matched case-sensitively by RFC 7143 §6.1,
    /// but SPDK matches them case-insensitively; see `LoginKey.named(_:)`).
    public var key: String
    /// The value, without the terminating NUL.
    public var value: String

    /// Creates a pair.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public var description: String { "\(self.key)=\(self.value)" }
}

/// Why a text data segment could not be split into `key=value` pairs (RFC 7143 §6.1).
public enum TextParameterFormatError: Error, Hashable, Sendable {
    /// A pair has no `=`, or an empty key.
    case malformedPair
    /// A key longer than 63 bytes.
    case keyTooLong
    /// A value longer than its limit (255 bytes; 8192 for `CHAP_C`/`CHAP_R`).
    case valueTooLong(key: String)
    /// The bytes are not UTF-8.
    case invalidEncoding
    /// The same key appears twice in one text.
    case duplicateKey(String)
}

extension TextParameter {
    /// The longest key RFC 7143 §6.1 allows.
    public static let maximumKeyLength = 63
    /// The longest value for ordinary keys.
    public static let maximumValueLength = 255
    /// The longest value for the binary CHAP keys `CHAP_C` and `CHAP_R`.
    public static let maximumBinaryValueLength = 8192

    /// Splits a complete text (the concatenated data segments of one login or text exchange) into pairs.
    ///
    /// Pairs are NUL-terminated; a missing final NUL and NUL padding are tolerated.
    public static func parse(_ bytes: some Collection<UInt8>) throws(TextParameterFormatError) -> [TextParameter] {
        var pairs: [TextParameter] = []
        var seenKeys: Set<String> = []
        for field in bytes.split(separator: 0, omittingEmptySubsequences: true) {
            guard let equals = field.firstIndex(of: UInt8(ascii: "=")), equals != field.startIndex else {
                throw .malformedPair
            }
            let keyBytes = field[field.startIndex..<equals]
            let valueBytes = field[field.index(after: equals)...]
            guard keyBytes.count <= Self.maximumKeyLength else {
                throw .keyTooLong
            }
            guard let key = String(validating: keyBytes, as: UTF8.self),
                let value = String(validating: valueBytes, as: UTF8.self)
            else {
                throw .invalidEncoding
            }
            let limit = key == "CHAP_C" || key == "CHAP_R" ? Self.maximumBinaryValueLength : Self.maximumValueLength
            guard valueBytes.count <= limit else {
                throw .valueTooLong(key: key)
            }
            guard seenKeys.insert(key.lowercased()).inserted else {
                throw .duplicateKey(key)
            }
            pairs.append(TextParameter(key: key, value: value))
        }
        return pairs
    }
}

extension Array where Element == TextParameter {
    /// The pairs as a text data segment: each `key=value` followed by a NUL.
    public var encodedText: [UInt8] {
        var bytes: [UInt8] = []
        for pair in self {
            bytes += pair.key.utf8
            bytes.append(UInt8(ascii: "="))
            bytes += pair.value.utf8
            bytes.append(0)
        }
        return bytes
    }
}
